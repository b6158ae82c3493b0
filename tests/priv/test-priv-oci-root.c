/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What OCI bundles ask of the native engine, end to end from the workload to berth-init:
 * a host directory as the root (root_path, an unpacked busybox image in a directory of
 * the test's own), read-only unless root_writable; the console as the payload's terminal
 * (its output in the log); masked and read-only paths beyond the engine's own; and
 * cgroup_mount, the container's own cgroup2 tree read-only at /sys/fs/cgroup; a user
 * namespace with maps of its own (uid_map, gid_map: the container's root an unprivileged
 * host uid, exec included); and log_path, the log at a host path of the user's. A store
 * with the real container type, the native engine with berthd's launcher, the host's
 * cgroups (under a parent group of this run) and a supervisor thread, as berthd sets
 * them up (test-priv-engine.c). Each payload reports what it sees as "@key=value" lines
 * in the container's log.
 *
 * Every test runs twice: the "cold" case starts each container afresh, the "zygote"
 * case with a zygote waiting, which a container of the default profile claims (its PID
 * 1 then has the seccomp filter itself: the payloads report it); a cgroup_mount has a
 * cgroup namespace and starts afresh there too. Each test deletes its containers and
 * checks that no mount, cgroup or process of them is left.
 */
#include "config.h"

#include <check.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "error.h"
#include "fileio.h"
#include "harness.h"
#include "launch.h"
#include "macro.h"
#include "native-internal.h"
#include "native.h"
#include "store.h"
#include "strv.h"
#include "supervisor.h"
#include "workload.h"

static char *images;
static char lower[600]; /* the busybox image, unpacked */
static char cg_parent[64];

/* Per test (in its forked process). */
static char dir[512], rootfs[600];
static bool zygotes;
static struct berth_store *store;
static struct berth_supervisor *sup;
static struct berth_launcher *L;
static struct berth_cgroup_system *cgroups;
static struct berth_engine *native;

/* ---- fixture ----------------------------------------------------------------------- */

static void build_rootfs(void)
{
        if (!images)
                images = test_busybox_rootfs("berth-oimages-", lower, sizeof(lower));
}

static void setup(void)
{
        struct berth_error err = {};
        char from[700], state[700];

        {
                _cleanup_free_ char *t = test_tmpdir("berth-oci-");
                (void)snprintf(dir, sizeof(dir), "%s", t);
        }
        /* The bundle's rootfs: a plain directory, no mount of its own. */
        (void)snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
        (void)snprintf(state, sizeof(state), "%s/state", dir);
        ck_assert_int_eq(mkdir(rootfs, 0755), 0);
        (void)snprintf(from, sizeof(from), "%s/.", lower);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", from, rootfs, NULL }), 0);

        ck_assert_msg(berth_store_new(&(struct berth_store_config){ .state_dir = state }, &store,
                                      &err) >= 0,
                      "%s", err.msg);
        ck_assert_int_eq(berth_supervisor_new(&sup), 0);
        ck_assert_msg(berth_launcher_new(&L, &err) >= 0, "%s", err.msg);
        ck_assert_msg(berth_cgroup_system_detect("/sys/fs/cgroup", cg_parent, &cgroups, &err) >= 0,
                      "%s", err.msg);
        (void)berth_cgroup_system_prepare(cgroups, &err);
        ck_assert_int_eq(
                berth_container_type_register(store, &(struct berth_container_config){}, &err), 0);
        ck_assert_msg(berth_native_engine_new(store,
                                              &(struct berth_native_config){
                                                      .launcher = L,
                                                      .cgroups = cgroups,
                                                      .supervisor = sup,
                                              },
                                              &native, &err) >= 0,
                      "%s", err.msg);
        ck_assert_int_eq(berth_container_add_engine(store, native), 0);
        ck_assert_int_eq(berth_supervisor_start(sup), 0);
        if (zygotes) {
                ck_assert_msg(berth_native_engine_zygotes(native, 1, &err) >= 0, "%s", err.msg);
                ck_assert_msg(((struct native *)native->data)->zygotes,
                              "zygotes are off on this host");
        }
}

static void setup_cold(void)
{
        zygotes = false;
        setup();
}

static void setup_zygote(void)
{
        zygotes = true;
        setup();
}

static void teardown(void)
{
        if (store)
                (void)berth_store_remove_all(store);
        sup = berth_supervisor_free(sup);
        store = berth_store_free(store);
        berth_native_engine_free(native);
        L = berth_launcher_free(L);
        cgroups = berth_cgroup_system_free(cgroups);
        test_rm_rf(dir);
}

/* ---- helpers ----------------------------------------------------------------------- */

static bool ended(enum berth_container_state st)
{
        return st == BERTH_CONTAINER_EXITED || st == BERTH_CONTAINER_DEAD;
}

/* Create and start container "c" of w (its root the test's rootfs unless w names one)
 * running `sh -c script`. Returns 0 / -errno with err set; *ret_id its id. */
static int create(struct berth_workload *w, const char *script, uint64_t *ret_id,
                  struct berth_error *err)
{
        char *args[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };
        char *given_root = w->root_path;
        int r;

        w->args = args;
        if (!w->root_path)
                w->root_path = rootfs;
        r = berth_container_create(store,
                                   &(struct berth_container_def){
                                           .name = "c",
                                           .workload = w,
                                           .start = true,
                                   },
                                   NULL, NULL, err);
        w->args = NULL;
        w->root_path = given_root;
        if (r >= 0)
                r = berth_container_find(store, "c", ret_id);
        return r;
}

/* The log file the container reported last (c->logfile), as finish() read it. */
static char last_logfile[700];

/* Wait for container id to end: its exit code; its log (the payload's output among
 * berth-init's and berthd's lines) in *ret_log. The container is deleted, and nothing of
 * it is left. */
static int finish(uint64_t id, char **ret_log)
{
        struct berth_error err = {};
        struct berth_container *c;
        _cleanup_free_ char *logfile = NULL;
        char p[600];
        int code = -1;
        bool done = false;

        for (int i = 0; i < 400 && !done; i++) {
                pthread_mutex_lock(&store->lock);
                c = berth_container_lookup_locked(store, id);
                ck_assert_ptr_nonnull(c);
                done = ended(c->state) && N(c)->exit_handled;
                code = c->exit_code;
                if (!logfile)
                        logfile = strdup(c->logfile);
                pthread_mutex_unlock(&store->lock);
                if (!done)
                        usleep(25000);
        }
        ck_assert_msg(done, "container %llu did not end", (unsigned long long)id);
        (void)snprintf(last_logfile, sizeof(last_logfile), "%s", logfile);
        ck_assert_int_ge(read_file(logfile, 1 << 20, ret_log, NULL), 0);
        ck_assert_msg(berth_store_delete(store, BERTH_OBJ_CONTAINER, id, true, NULL, NULL, &err) >=
                              0,
                      "%s", err.msg);
        /* Nothing of it is left: no group, no process, no mount in this namespace. */
        ck_assert_int_eq(test_wait_container_cgroups_gone(cg_parent), 0);
        ck_assert_int_eq(test_wait_children(getpid(), "berth-init", 0, NULL, 0), 0);
        (void)snprintf(p, sizeof(p), "%s/", dir);
        ck_assert_int_eq(test_count_mounts_under(p), 0);
        return code;
}

/* Run w to its end (finish()). */
static int run(struct berth_workload *w, const char *script, char **ret_log)
{
        struct berth_error err = {};
        uint64_t id;

        if (zygotes)
                /* One is ready: the start does not fall back to a fresh one for want of
                 * it. */
                ck_assert_int_eq(test_wait_children(getpid(), "berth-zygote", 1, NULL, 0), 1);
        ck_assert_msg(create(w, script, &id, &err) >= 0, "%s", err.msg);
        return finish(id, ret_log);
}

/* The line of log that starts with "@<key>=" must be "@<key>=<want>" (a terminal's
 * "\r\n" ends it too). */
static void assert_line(const char *log, const char *key, const char *want)
{
        char pat[128];
        const char *p;
        size_t n;

        (void)snprintf(pat, sizeof(pat), "@%s=", key);
        p = strstr(log, pat);
        ck_assert_msg(p, "no %s in the log: %s", pat, log);
        p += strlen(pat);
        n = strcspn(p, "\r\n");
        ck_assert_msg(n == strlen(want) && strncmp(p, want, n) == 0, "%s: want '%s', got '%.*s'",
                      key, want, (int)n, p);
}

/* The same for a line that must start with want. */
static void assert_line_prefix(const char *log, const char *key, const char *want)
{
        char pat[128];
        const char *p;

        (void)snprintf(pat, sizeof(pat), "@%s=", key);
        p = strstr(log, pat);
        ck_assert_msg(p, "no %s in the log: %s", pat, log);
        p += strlen(pat);
        ck_assert_msg(strncmp(p, want, strlen(want)) == 0, "%s: want '%s…', got '%.*s'", key, want,
                      (int)strcspn(p, "\r\n"), p);
}

/* The payload's report of how its PID 1 was started: a claimed zygote has installed the
 * seccomp filter on itself, a fresh berth-init leaves it to the payload. */
#define INIT_SECCOMP "echo \"@init=$(awk '/^Seccomp:/{print $2}' /proc/1/status)\"; "

static void assert_started_by(const char *log, bool zygote)
{
        assert_line(log, "init", zygote ? "2" : "0");
}

static bool host_file_exists(const char *name)
{
        char p[700];

        (void)snprintf(p, sizeof(p), "%s/%s", rootfs, name);
        return access(p, F_OK) == 0;
}

/* ---- tests ------------------------------------------------------------------------- */

static const char probe_script[] = INIT_SECCOMP
        "if touch /probe 2>/dev/null; then echo @touch=ok; else echo @touch=refused; fi; "
        "touch /probe; "
        "if touch /dev/shm/x; then echo @shm=ok; fi; "
        "echo \"@tty=$(tty)\"; "
        "exit 7";

/* A directory as the root, read-only by default: a write to / fails with EROFS; the
 * API mounts keep their own flags (/dev/shm takes a file). Without terminal the payload
 * has no tty. */
START_TEST(test_root_path_read_only)
{
        _cleanup_free_ char *log = NULL;
        struct berth_workload w;

        berth_workload_init(&w);
        ck_assert_int_eq(run(&w, probe_script, &log), 7);
        assert_started_by(log, zygotes);
        assert_line(log, "touch", "refused");
        ck_assert_msg(strstr(log, "Read-only file system"), "%s", log);
        assert_line(log, "shm", "ok");
        assert_line(log, "tty", "not a tty");
        ck_assert(!host_file_exists("probe"));
}
END_TEST

/* root_writable: the payload writes into the host's directory. */
START_TEST(test_root_path_writable)
{
        _cleanup_free_ char *log = NULL;
        struct berth_workload w;

        berth_workload_init(&w);
        w.root_writable = true;
        ck_assert_int_eq(run(&w, probe_script, &log), 7);
        assert_started_by(log, zygotes);
        assert_line(log, "touch", "ok");
        ck_assert(host_file_exists("probe"));
}
END_TEST

/* terminal: stdin, stdout and stderr are the console, the payload's controlling tty,
 * and what it writes there, the last bytes before it ends included, is in the log. */
START_TEST(test_terminal)
{
        static const char script[] =
                INIT_SECCOMP "echo \"@tty=$(tty)\"; "
                             "if [ -t 0 ] && [ -t 1 ] && [ -t 2 ]; then echo @isatty=yes; fi; "
                             "echo \"@ctty=$(awk '{print ($7 != 0)}' /proc/self/stat)\"; "
                             "echo on-stderr >&2; "
                             "printf 'last words'; exit 3";
        _cleanup_free_ char *log = NULL;
        struct berth_workload w;

        berth_workload_init(&w);
        w.terminal = true;
        ck_assert_int_eq(run(&w, script, &log), 3);
        assert_started_by(log, zygotes);
        assert_line(log, "tty", "/dev/console");
        assert_line(log, "isatty", "yes");
        assert_line(log, "ctty", "1");
        ck_assert_msg(strstr(log, "on-stderr"), "%s", log);
        ck_assert_msg(strstr(log, "last words"), "%s", log);
}
END_TEST

/* masked_paths and readonly_paths beyond the engine's own: in /proc and in the image,
 * one that does not exist skipped. */
START_TEST(test_masked_and_read_only_paths)
{
        static const char script[] =
                INIT_SECCOMP "echo \"@cpuinfo=$(cat /proc/cpuinfo | wc -c | tr -d ' ')\"; "
                             "echo \"@secret=$(ls -A /etc/secret | wc -l | tr -d ' ')\"; "
                             "echo \"@key=$(cat /etc/key | wc -c | tr -d ' ')\"; "
                             "if touch /data/x 2>/dev/null; then echo @data=rw; "
                             "else echo @data=ro; fi; "
                             "if touch /other 2>/dev/null; then echo @root=rw; "
                             "else echo @root=ro; fi; "
                             "echo \"@sysvipc=$(awk '$5==\"/proc/sysvipc\"{print $6}' "
                             "/proc/self/mountinfo)\"";
        char *masked[] = { (char *)"/proc/cpuinfo", (char *)"/etc/secret", (char *)"/etc/key",
                           (char *)"/no/such/path", NULL };
        char *read_only[] = { (char *)"/proc/sysvipc", (char *)"/data", (char *)"/no/such/dir",
                              NULL };
        _cleanup_free_ char *log = NULL;
        struct berth_workload w;
        char p[700];

        (void)snprintf(p, sizeof(p), "%s/etc/secret", rootfs);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        (void)snprintf(p, sizeof(p), "%s/etc/secret/token", rootfs);
        ck_assert_int_eq(write_file_atomic(p, "s3cret\n", 7, 0600), 0);
        (void)snprintf(p, sizeof(p), "%s/etc/key", rootfs);
        ck_assert_int_eq(write_file_atomic(p, "k3y\n", 4, 0600), 0);
        (void)snprintf(p, sizeof(p), "%s/data", rootfs);
        ck_assert_int_eq(mkdir(p, 0755), 0);

        berth_workload_init(&w);
        w.root_writable = true; /* the read-only /data is then its own doing */
        w.masked_paths = masked;
        w.readonly_paths = read_only;
        ck_assert_int_eq(run(&w, script, &log), 0);
        assert_started_by(log, zygotes);
        assert_line(log, "cpuinfo", "0");
        assert_line(log, "secret", "0");
        assert_line(log, "key", "0");
        assert_line(log, "data", "ro");
        assert_line(log, "root", "rw");
        assert_line_prefix(log, "sysvipc", "ro,");
        ck_assert(!host_file_exists("data/x"));
        ck_assert(host_file_exists("other"));
}
END_TEST

/* cgroup_mount: /sys/fs/cgroup is cgroup2, read-only, the container's own group as its
 * root (a cgroup namespace). A zygote cannot give it that: the start is a fresh one. */
START_TEST(test_cgroup_mount)
{
        static const char script[] = INIT_SECCOMP
                "echo \"@cg=$(awk '$5==\"/sys/fs/cgroup\"{print $6}' /proc/self/mountinfo)\"; "
                "echo \"@cgtype=$(grep ' /sys/fs/cgroup ' /proc/self/mountinfo | "
                "sed 's/.* - //' | cut -d' ' -f1)\"; "
                "if mkdir /sys/fs/cgroup/x 2>/dev/null; then echo @mkdir=ok; "
                "else echo @mkdir=refused; fi; "
                "echo \"@self=$(grep '^0::' /proc/self/cgroup)\"; "
                "echo \"@procs=$(grep -c . /sys/fs/cgroup/cgroup.procs)\"";
        _cleanup_free_ char *log = NULL;
        struct berth_workload w;
        const char *p;

        berth_workload_init(&w);
        w.cgroup_mount = true;
        ck_assert_int_eq(run(&w, script, &log), 0);
        assert_started_by(log, false);
        assert_line_prefix(log, "cg", "ro,");
        assert_line(log, "cgtype", "cgroup2");
        assert_line(log, "mkdir", "refused");
        assert_line(log, "self", "0::/");
        p = strstr(log, "@procs=");
        ck_assert_msg(p && atoi(p + 7) >= 1, "%s", log);
}
END_TEST

/* What the engine refuses at create, naming the field, with nothing left of it. */
START_TEST(test_refused)
{
        static const struct {
                const char *root_path, *image, *masked, *read_only, *want;
        } cases[] = {
                { "rootfs", NULL, NULL, NULL, "root_path 'rootfs' must be an absolute path" },
                { "/nonexistent-berth-root", NULL, NULL, NULL,
                  "root_path '/nonexistent-berth-root'" },
                { "@file", NULL, NULL, NULL, "/not-a-dir' is not a directory" },
                { NULL, "busybox", NULL, NULL, "image 'busybox'" },
                { NULL, NULL, "proc/kcore", NULL, "masked_paths[0]: 'proc/kcore'" },
                { NULL, NULL, NULL, "/data/../etc", "readonly_paths[0]: '/data/../etc'" },
        };
        char file[600];

        /* "@file": a file where a directory should be. */
        (void)snprintf(file, sizeof(file), "%s/not-a-dir", dir);
        ck_assert_int_eq(write_file_atomic(file, "", 0, 0644), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *masked[] = { (char *)cases[i].masked, NULL };
                char *read_only[] = { (char *)cases[i].read_only, NULL };
                struct berth_error err = {};
                struct berth_workload w;
                uint64_t id;

                berth_workload_init(&w);
                w.root_path = cases[i].root_path && streq(cases[i].root_path, "@file")
                                      ? file
                                      : (char *)cases[i].root_path;
                w.image = (char *)cases[i].image;
                w.masked_paths = cases[i].masked ? masked : NULL;
                w.readonly_paths = cases[i].read_only ? read_only : NULL;
                ck_assert_int_lt(create(&w, "true", &id, &err), 0);
                ck_assert_msg(strstr(err.msg, cases[i].want), "want '%s', got '%s'", cases[i].want,
                              err.msg);
                ck_assert_int_lt(berth_container_find(store, "c", &id), 0);
        }
        ck_assert_int_eq(test_count_container_cgroups(cg_parent), 0);
}
END_TEST

/* Wait (up to 10 s) for a file in the test's rootfs. */
static bool wait_host_file(const char *name)
{
        for (int i = 0; i < 400; i++) {
                if (host_file_exists(name))
                        return true;
                usleep(25000);
        }
        return false;
}

static void assert_host_owner(const char *name, uid_t uid, gid_t gid)
{
        struct stat st;
        char p[700];

        (void)snprintf(p, sizeof(p), "%s/%s", rootfs, name);
        ck_assert_msg(stat(p, &st) == 0, "%s: %m", p);
        ck_assert_msg(st.st_uid == uid && st.st_gid == gid, "%s: %u:%u, want %u:%u", p,
                      (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)uid, (unsigned)gid);
}

/* A host uid and gid that nothing here uses, with ten more gids after it. */
static uid_t unused_id(void)
{
        return 100000 + (uid_t)(getpid() % 1000) * 16;
}

/* A user namespace with maps of its own, as Dobby gives them: the container's root is an
 * unprivileged host uid ("0 U 1") and its gids 0..9 ten host gids ("0 G 10"). berth-init
 * reaches the rootfs and the state directory, both in the test's directory (0700, root's),
 * as the host's root, and sets the container up as the namespace's root; the payload runs
 * as 0:0 inside, with devpts, /dev and the console as usual. What it makes in a directory
 * of U's is U's on the host, and so is what an exec makes: the exec runs there as the same
 * root. */
START_TEST(test_userns_maps)
{
        static const char script[] =
                INIT_SECCOMP "echo \"@id=$(id -u):$(id -g)\"; "
                             "echo \"@uidmap=$(awk '{print $1, $2, $3}' /proc/self/uid_map)\"; "
                             "echo \"@gidmap=$(awk '{print $1, $2, $3}' /proc/self/gid_map)\"; "
                             "echo \"@ptmx=$(test -c /dev/pts/ptmx && echo yes)\"; "
                             "echo \"@null=$(echo x > /dev/null && echo ok)\"; "
                             "touch /shared/made && echo @made=ok; "
                             "while [ ! -e /shared/stop ]; do sleep 1; done; exit 5";
        char *exec_args[] = { (char *)"sh", (char *)"-c",
                              (char *)"echo \"$(id -u):$(id -g)\"; "
                                      "awk '{print $1, $2, $3}' /proc/self/uid_map; "
                                      "touch /shared/by-exec",
                              NULL };
        uid_t u = unused_id();
        gid_t g = (gid_t)u;
        struct berth_wl_idmap um = { 0, u, 1 }, gm = { 0, g, 10 };
        _cleanup_free_ char *log = NULL, *want = NULL;
        struct berth_exec_result res = { .exit_code = -1 };
        struct berth_error err = {};
        struct berth_workload w;
        char p[700];
        uint64_t id;

        (void)snprintf(p, sizeof(p), "%s/shared", rootfs);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        ck_assert_int_eq(chown(p, u, g), 0);
        berth_workload_init(&w);
        w.namespaces = BERTH_NS_USER;
        w.uid_map = &um;
        w.n_uid_map = 1;
        w.gid_map = &gm;
        w.n_gid_map = 1;
        w.root_writable = true;
        ck_assert_msg(create(&w, script, &id, &err) >= 0, "%s", err.msg);
        ck_assert_msg(wait_host_file("shared/made"), "the payload made no file");
        assert_host_owner("shared/made", u, g);

        ck_assert_msg(berth_container_exec(store, id, &(struct berth_exec){ .args = exec_args },
                                           &res, &err) >= 0,
                      "%s", err.msg);
        ck_assert_int_gt(asprintf(&want, "0:0\n0 %u 1\n", (unsigned)u), 0);
        ck_assert_msg(res.exit_code == 0 && streq(res.output, want), "exec: %d '%s'", res.exit_code,
                      res.output);
        berth_exec_result_done(&res);
        assert_host_owner("shared/by-exec", u, g);

        (void)snprintf(p, sizeof(p), "%s/shared/stop", rootfs);
        ck_assert_int_eq(write_file_atomic(p, "", 0, 0644), 0);
        ck_assert_int_eq(finish(id, &log), 5);
        assert_started_by(log, false);
        assert_line(log, "id", "0:0");
        free(want);
        ck_assert_int_gt(asprintf(&want, "0 %u 1", (unsigned)u), 0);
        assert_line(log, "uidmap", want);
        free(want);
        ck_assert_int_gt(asprintf(&want, "0 %u 10", (unsigned)g), 0);
        assert_line(log, "gidmap", want);
        assert_line(log, "ptmx", "yes");
        assert_line(log, "null", "ok");
        assert_line(log, "made", "ok");
}
END_TEST

/* The narrowest maps: one uid, one gid. The container's devpts then goes without gid 5
 * ("tty", which the namespace does not map), and its console still works; a cgroup
 * namespace made by berth-init while it was the host's root is the container's, and
 * cgroup2 mounts there. */
START_TEST(test_userns_narrow_maps)
{
        static const char script[] =
                INIT_SECCOMP "echo \"@id=$(id -u):$(id -g)\"; "
                             "echo \"@tty=$(tty)\"; "
                             /* The last: the host's /sys (bound, without a network
                              * namespace) has its own /sys/fs/cgroup under it. */
                             "echo \"@cgtype=$(grep ' /sys/fs/cgroup ' /proc/self/mountinfo | "
                             "tail -n 1 | sed 's/.* - //' | cut -d' ' -f1)\"; "
                             "echo \"@gidmap=$(awk '{print $1, $2, $3}' /proc/self/gid_map)\"";
        uid_t u = unused_id() + 1;
        struct berth_wl_idmap um = { 0, u, 1 }, gm = { 0, (gid_t)u, 1 };
        _cleanup_free_ char *log = NULL, *want = NULL;
        struct berth_workload w;

        berth_workload_init(&w);
        w.namespaces = BERTH_NS_USER;
        w.uid_map = &um;
        w.n_uid_map = 1;
        w.gid_map = &gm;
        w.n_gid_map = 1;
        w.terminal = true;
        w.cgroup_mount = true;
        ck_assert_int_eq(run(&w, script, &log), 0);
        assert_started_by(log, false);
        assert_line(log, "id", "0:0");
        assert_line(log, "tty", "/dev/console");
        assert_line(log, "cgtype", "cgroup2");
        ck_assert_int_gt(asprintf(&want, "0 %u 1", (unsigned)u), 0);
        assert_line(log, "gidmap", want);
}
END_TEST

/* The container's log at a host path of the user's: the payload's output (and berthd's
 * lines) land there, rotated into <path>.1 beyond log_max; c->logfile is that path, and
 * the files stay when the container goes (nothing of them in berth's state directory). */
START_TEST(test_log_path)
{
        static const char script[] =
                "i=0; while [ $i -lt 200 ]; do "
                "echo \"@line$i=$i-padding-padding-padding-padding\"; i=$((i+1)); done; "
                "echo @done=yes";
        _cleanup_free_ char *log = NULL, *old_log = NULL;
        char logs[600], path[700], old[710], state_logs[700];
        struct berth_workload w;

        (void)snprintf(logs, sizeof(logs), "%s/user-logs", dir);
        ck_assert_int_eq(mkdir(logs, 0755), 0);
        (void)snprintf(path, sizeof(path), "%s/app.log", logs);
        (void)snprintf(old, sizeof(old), "%s.1", path);
        berth_workload_init(&w);
        w.log_path = path;
        w.log_max = 4096;
        ck_assert_int_eq(run(&w, script, &log), 0);
        ck_assert_str_eq(last_logfile, path);
        assert_line(log, "done", "yes");
        ck_assert_msg(strstr(log, "process ended"), "berthd's lines are not in %s", path);
        /* Rotated at least once (how often depends on how the output came in): the first
         * lines are gone from the log, and <path>.1 has what was there at the last time. */
        ck_assert_msg(!strstr(log, "container created"), "not rotated: %s", log);
        ck_assert_int_ge(read_file(old, 1 << 20, &old_log, NULL), 0);
        ck_assert_msg(strlen(old_log) > 0, "%s is empty", old);
        /* Deleted, and both files are where they were (the deletion's line the last in
         * it); none in berth's logs. */
        free(log);
        ck_assert_int_ge(read_file(path, 1 << 20, &log, NULL), 0);
        ck_assert_msg(strstr(log, "container deleted"), "%s", log);
        ck_assert_int_eq(access(old, F_OK), 0);
        (void)snprintf(state_logs, sizeof(state_logs), "%s/state/logs", dir);
        ck_assert_int_eq(dir_is_empty(state_logs), 1);
}
END_TEST

/* uid_map, gid_map and log_path as the engine refuses them at create, naming the field,
 * with nothing left of the container. */
START_TEST(test_refused_maps_and_log_path)
{
        static const struct berth_wl_idmap root_u = { 0, 200000, 1 }, root_g = { 0, 200000, 10 },
                                           zero = { 0, 200000, 0 }, no_root = { 1, 200000, 5 },
                                           wraps = { 0, 4294967290u, 10 },
                                           two[2] = { { 0, 200000, 10 }, { 5, 300000, 1 } };
        struct {
                bool userns;
                const struct berth_wl_idmap *u, *g;
                size_t nu, ng;
                bool user_set;
                uid_t uid;
                const char *log_path, *want;
                bool systemd;
        } cases[] = {
                { false, &root_u, &root_g, 1, 1, false, 0, NULL,
                  "uid_map: the container has no user namespace" },
                { true, &root_u, NULL, 1, 0, false, 0, NULL, "uid_map and gid_map go together" },
                { true, &zero, &root_g, 1, 1, false, 0, NULL, "uid_map[0]: the count must be" },
                { true, &no_root, &root_g, 1, 1, false, 0, NULL, "uid_map: maps no id to 0" },
                { true, &wraps, &root_g, 1, 1, false, 0, NULL, "uid_map[0]: 0 4294967290 10 goes" },
                { true, &root_u, two, 1, 2, false, 0, NULL, "gid_map[1]: its ids inside overlap" },
                { true, &root_u, &root_g, 1, 1, true, 1000, NULL, "user: uid 1000 is not in" },
                { true, &root_u, &root_g, 1, 1, false, 0, NULL,
                  "uid_map: systemd needs the host's root", true },
                { false, NULL, NULL, 0, 0, false, 0, "relative.log", "log_path 'relative.log'" },
                { false, NULL, NULL, 0, 0, false, 0, "/tmp/../etc/x.log", "without '..'" },
                { false, NULL, NULL, 0, 0, false, 0, "/nonexistent-berth-dir/x.log",
                  "log_path '/nonexistent-berth-dir/x.log': its directory" },
                { false, NULL, NULL, 0, 0, false, 0, "@link", "is a symbolic link" },
                { false, NULL, NULL, 0, 0, false, 0, "@dir", "is not a regular file" },
                { false, NULL, NULL, 0, 0, false, 0, "@state", "inside berth's state directory" },
        };
        char target[600], link[600], subdir[600], state_log[700];

        (void)snprintf(target, sizeof(target), "%s/target.log", dir);
        ck_assert_int_eq(write_file_atomic(target, "mine\n", 5, 0644), 0);
        (void)snprintf(link, sizeof(link), "%s/link.log", dir);
        ck_assert_int_eq(symlink(target, link), 0);
        (void)snprintf(subdir, sizeof(subdir), "%s/a-dir", dir);
        ck_assert_int_eq(mkdir(subdir, 0755), 0);
        (void)snprintf(state_log, sizeof(state_log), "%s/state/x.log", dir);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct berth_error err = {};
                struct berth_workload w;
                const char *lp = cases[i].log_path;
                uint64_t id;

                berth_workload_init(&w);
                w.namespaces = cases[i].userns ? BERTH_NS_USER : 0;
                w.uid_map = (struct berth_wl_idmap *)cases[i].u;
                w.n_uid_map = cases[i].nu;
                w.gid_map = (struct berth_wl_idmap *)cases[i].g;
                w.n_gid_map = cases[i].ng;
                w.user_set = cases[i].user_set;
                w.systemd = cases[i].systemd;
                w.uid = cases[i].uid;
                w.log_path = !lp                   ? NULL
                             : streq(lp, "@link")  ? link
                             : streq(lp, "@dir")   ? subdir
                             : streq(lp, "@state") ? state_log
                                                   : (char *)lp;
                ck_assert_int_lt(create(&w, "true", &id, &err), 0);
                ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: want '%s', got '%s'", i,
                              cases[i].want, err.msg);
                ck_assert_int_lt(berth_container_find(store, "c", &id), 0);
        }
        /* The symlink's target is untouched. */
        {
                _cleanup_free_ char *t = NULL;
                ck_assert_int_ge(read_file(target, 1024, &t, NULL), 0);
                ck_assert_str_eq(t, "mine\n");
        }
        ck_assert_int_eq(test_count_container_cgroups(cg_parent), 0);
}
END_TEST

static void add_tests(TCase *tc)
{
        tcase_add_unchecked_fixture(tc, build_rootfs, NULL);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_root_path_read_only);
        tcase_add_test(tc, test_root_path_writable);
        tcase_add_test(tc, test_terminal);
        tcase_add_test(tc, test_masked_and_read_only_paths);
        tcase_add_test(tc, test_cgroup_mount);
        tcase_add_test(tc, test_refused);
        tcase_add_test(tc, test_userns_maps);
        tcase_add_test(tc, test_userns_narrow_maps);
        tcase_add_test(tc, test_log_path);
        tcase_add_test(tc, test_refused_maps_and_log_path);
}

static Suite *oci_root_suite(void)
{
        Suite *s = suite_create("priv-oci-root");
        TCase *tc = tcase_create("cold");

        tcase_add_checked_fixture(tc, setup_cold, teardown);
        add_tests(tc);
        suite_add_tcase(s, tc);
        tc = tcase_create("zygote");
        tcase_add_checked_fixture(tc, setup_zygote, teardown);
        add_tests(tc);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        const char *berthd = getenv("BERTHD");

        test_require_root("test-priv-oci-root");
        test_priv_begin("test-priv-oci-root", "oci-root");
        (void)snprintf(cg_parent, sizeof(cg_parent), "berth-test-oci-%d", (int)getpid());
        /* berth-init is built next to berthd (find_helper()). */
        if (berthd && !getenv("BERTH_INIT")) {
                _cleanup_free_ char *d = strdup(berthd), *p = NULL;
                if (d && asprintf(&p, "%s/berth-init", dirname(d)) >= 0)
                        (void)setenv("BERTH_INIT", p, 1);
        }
        return test_priv_run(oci_root_suite(), "test-priv-oci-root", images, cg_parent);
}
