/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The launch spec's workload fields, end to end: berth_launch_start() and zygote
 * claims (launch.h) run busybox payloads on a copy of the busybox image, and what the
 * payload sees (id, pwd, umask, mounts, limits, capabilities) is read from its log.
 * No berthd: the launcher is called directly. Each test works in a mount namespace of
 * its own (its root file system is a tmpfs there) and kills and reaps every container
 * it starts, so it leaves no mount, process or cgroup behind; it makes no loop device.
 *
 * The tests that take a loop index run twice: 0 starts berth-init afresh, 1 claims a
 * zygote (the two paths berth-init sets a container up by).
 *
 * The exec tests (berth_exec_start()) run commands in such a container and read what
 * they see; the groups they make (v1 pids and v2, below a parent named after this
 * process) are removed by each test, and swept at the end after a failure.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "harness.h"
#include "launch.h"
#include "macro.h"
#include "strv.h"

#define TIMEOUT_MS 20000

static char *images;
static char lower[600];   /* the busybox image, unpacked */
static char cgparent[64]; /* the exec tests' groups go below it (swept at the end) */

/* Per test (in its forked process). */
static struct berth_launcher *L;
static char dir[512], root[600], staging[600], zstaging[600], logpath[600], host[600];

/* ---- fixture ----------------------------------------------------------------------- */

static void build_rootfs(void)
{
        if (!images)
                images = test_busybox_rootfs("berth-limages-", lower, sizeof(lower));
}

static void mkdir_in(char *buf, size_t size, const char *name)
{
        (void)snprintf(buf, size, "%s/%s", dir, name);
        ck_assert_int_eq(mkdir(buf, 0755), 0);
}

static void setup(void)
{
        struct berth_error err = {};
        char from[700];

        /* Everything mounted here goes with this process's mount namespace. */
        ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
        ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        {
                _cleanup_free_ char *t = test_tmpdir("berth-launch-");
                (void)snprintf(dir, sizeof(dir), "%s", t);
        }
        mkdir_in(root, sizeof(root), "root");
        mkdir_in(staging, sizeof(staging), "staging");
        mkdir_in(zstaging, sizeof(zstaging), "zstaging");
        mkdir_in(host, sizeof(host), "host");
        (void)snprintf(logpath, sizeof(logpath), "%s/log", dir);
        /* A writable root file system: a tmpfs with a copy of the image. */
        ck_assert_int_eq(mount("berth-test-root", root, "tmpfs", 0, "mode=755"), 0);
        (void)snprintf(from, sizeof(from), "%s/.", lower);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", from, root, NULL }), 0);
        ck_assert_msg(berth_launcher_new(&L, &err) >= 0, "%s", err.msg);
}

static void teardown(void)
{
        L = berth_launcher_free(L);
        (void)umount2(root, MNT_DETACH);
        test_rm_rf(dir);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* The default profile (what a zygote serves), running /bin/sh -c script. */
static void spec_init(struct berth_launch *l, const char *script)
{
        *l = (struct berth_launch){
                .id = 1,
                .caps = BERTH_CAPS_ZYGOTE,
                .no_new_privs = true,
                .rootfs = strdup(root),
                .staging = strdup(staging),
                .exec_path = strdup("/bin/sh"),
                .hostname = strdup("launch-test"),
                .machine_id = strdup("0123456789abcdef0123456789abcdef"),
                .cgroups = calloc(1, sizeof(char *)),
        };
        ck_assert_int_ge(strv_extend(&l->args, "/bin/sh"), 0);
        ck_assert_int_ge(strv_extend(&l->args, "-c"), 0);
        ck_assert_int_ge(strv_extend(&l->args, script), 0);
        ck_assert_int_ge(strv_extend(&l->env, "PATH=/bin:/sbin:/usr/bin:/usr/sbin"), 0);
}

static struct berth_launch_mount *add_mount(struct berth_launch *l, enum launch_mount_type type,
                                            const char *source, const char *destination,
                                            unsigned flags)
{
        struct berth_launch_mount *m;

        l->mounts = realloc(l->mounts, (l->n_mounts + 1) * sizeof(*l->mounts));
        ck_assert_ptr_nonnull(l->mounts);
        m = &l->mounts[l->n_mounts++];
        *m = (struct berth_launch_mount){
                .type = type,
                .source = source ? strdup(source) : NULL,
                .destination = strdup(destination),
                .flags = flags,
        };
        return m;
}

static void close_launched(struct berth_launched *res)
{
        safe_close(res->pidfd);
        safe_close(res->mntns_fd);
        safe_close(res->console_fd);
        safe_close(res->console_slave);
}

/* Start l: afresh (zygote false) or by a claim. Returns 0 / -errno with err set; on
 * failure nothing of it is left (the launcher and the zygote code reap what they
 * started). */
static int start(const struct berth_launch *l, bool zygote, struct berth_launched *ret,
                 struct berth_error *err)
{
        _cleanup_free_ char *old = NULL, *status = NULL;
        struct berth_launch_fds fds = { .cgroup_v2 = -EBADF };
        int r;

        ck_assert_int_ge(asprintf(&old, "%s.1", logpath), 0);
        ck_assert_int_ge(asprintf(&status, "%s/exit.json", dir), 0);
        fds.log = open(logpath, O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        fds.log_old = open(old, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
        fds.status = open(status, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert(fds.log >= 0 && fds.log_old >= 0 && fds.status >= 0);
        if (zygote) {
                struct berth_zygote z;
                _cleanup_close_ int tree = -EBADF;

                /* A zygote joins v1 groups only (the exec tests give it no other). */
                r = berth_zygote_start(L, zstaging, l->cgroups, TIMEOUT_MS, &z, err);
                ck_assert_msg(r >= 0, "zygote: %s", err->msg);
                tree = (int)syscall(SYS_open_tree, AT_FDCWD, root,
                                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                ck_assert_int_ge(tree, 0);
                r = berth_zygote_claim(&z, l, &fds, tree, TIMEOUT_MS, ret, err);
                if (r < 0)
                        berth_zygote_kill(&z);
        } else
                r = berth_launch_start(L, l, &fds, TIMEOUT_MS, ret, err);
        safe_close(fds.log);
        safe_close(fds.log_old);
        safe_close(fds.status);
        return r;
}

/* Kill a running container (its PID 1 takes the pid namespace with it) and reap it. */
static void stop(struct berth_launched *res)
{
        ck_assert_int_eq(syscall(SYS_pidfd_send_signal, res->pidfd, SIGKILL, NULL, 0), 0);
        ck_assert_int_eq(waitid(P_PIDFD, (id_t)res->pidfd, &(siginfo_t){}, WEXITED), 0);
        close_launched(res);
}

/* Run l to its end: its exit status; its log (the payload's output among berth-init's
 * lines) in *ret_log. */
static int run(struct berth_launch *l, bool zygote, char **ret_log)
{
        struct berth_error err = {};
        struct berth_launched res;
        siginfo_t si = {};

        ck_assert_msg(start(l, zygote, &res, &err) >= 0, "start: %s", err.msg);
        ck_assert_int_eq(waitid(P_PIDFD, (id_t)res.pidfd, &si, WEXITED), 0);
        close_launched(&res);
        berth_launch_done(l);
        ck_assert_int_ge(read_file(logpath, 1 << 20, ret_log, NULL), 0);
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

/* The line of log that starts with "@<key>=" must be "@<key>=<want>". */
static void assert_line(const char *log, const char *key, const char *want)
{
        char pat[128];
        const char *p, *end;

        (void)snprintf(pat, sizeof(pat), "@%s=", key);
        p = strstr(log, pat);
        ck_assert_msg(p, "no %s in the log: %s", pat, log);
        p += strlen(pat);
        end = strchrnul(p, '\n');
        ck_assert_msg((size_t)(end - p) == strlen(want) && strncmp(p, want, strlen(want)) == 0,
                      "%s: want '%s', got '%.*s'", key, want, (int)(end - p), p);
}

/* The start must fail, with a message that contains needle. */
static void assert_start_fails(struct berth_launch *l, bool zygote, const char *needle)
{
        struct berth_error err = {};
        struct berth_launched res;
        int r = start(l, zygote, &res, &err);

        if (r >= 0)
                stop(&res);
        ck_assert_msg(r < 0, "the start did not fail");
        ck_assert_msg(strstr(err.msg, needle), "'%s' not in '%s'", needle, err.msg);
        berth_launch_done(l);
}

static void write_host_file(const char *path, const char *text)
{
        ck_assert_int_eq(write_file_atomic(path, text, strlen(text), 0644), 0);
}

/* The line "@<key>=" holds mount options (comma-separated): each of want (a
 * comma-separated list) must be among them. */
static void assert_options(const char *log, const char *key, const char *want)
{
        _cleanup_free_ char *w = strdup(want);
        char pat[128], opts[512];
        const char *p;
        char *save = NULL;

        (void)snprintf(pat, sizeof(pat), "@%s=", key);
        p = strstr(log, pat);
        ck_assert_msg(p, "no %s in the log: %s", pat, log);
        (void)snprintf(opts, sizeof(opts), ",%.*s,", (int)strcspn(p + strlen(pat), "\n"),
                       p + strlen(pat));
        for (char *o = strtok_r(w, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                char one[64];
                (void)snprintf(one, sizeof(one), ",%s,", o);
                ck_assert_msg(strstr(opts, one), "%s: '%s' not in '%s'", key, o, opts);
        }
}

/* ---- tests ------------------------------------------------------------------------- */

/* The payload's user and groups, and the capabilities it ends with: root keeps the
 * bounding set (as before: nothing inheritable or ambient), a non-root user what is
 * ambient and nothing else. */
START_TEST(test_user_and_caps)
{
        static const char script[] = "echo \"@id=$(id -u) $(id -g) $(id -G)\"; "
                                     "for c in Inh Prm Eff Bnd Amb; do "
                                     "echo \"@$c=$(sed -n \"s/^Cap$c:\\t//p\" /proc/self/status)\";"
                                     "done";
        const uint64_t amb = (1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_CHOWN);
        struct berth_launch l;
        char want[32], bnd[32];
        _cleanup_free_ char *log_root = NULL, *log_user = NULL, *log_caps = NULL;

        (void)snprintf(bnd, sizeof(bnd), "%016llx", (unsigned long long)BERTH_CAPS_ZYGOTE);

        spec_init(&l, script);
        ck_assert_int_eq(run(&l, _i, &log_root), 0);
        assert_line(log_root, "id", "0 0 0");
        assert_line(log_root, "Eff", bnd);
        assert_line(log_root, "Prm", bnd);
        assert_line(log_root, "Bnd", bnd);
        assert_line(log_root, "Inh", "0000000000000000");
        assert_line(log_root, "Amb", "0000000000000000");

        spec_init(&l, script);
        l.uid = 1000;
        l.gid = 1001;
        l.gids = calloc(2, sizeof(gid_t));
        l.gids[0] = 2000;
        l.gids[1] = 2001;
        l.n_gids = 2;
        ck_assert_int_eq(run(&l, _i, &log_user), 0);
        assert_line(log_user, "id", "1000 1001 1001 2000 2001");
        assert_line(log_user, "Eff", "0000000000000000");
        assert_line(log_user, "Prm", "0000000000000000");
        assert_line(log_user, "Bnd", bnd);

        spec_init(&l, script);
        l.uid = 1000;
        l.gid = 1000;
        l.cap_sets = true;
        l.cap_effective = l.cap_permitted = l.cap_inheritable = l.cap_ambient = amb;
        ck_assert_int_eq(run(&l, _i, &log_caps), 0);
        (void)snprintf(want, sizeof(want), "%016llx", (unsigned long long)amb);
        assert_line(log_caps, "id", "1000 1000 1000");
        assert_line(log_caps, "Eff", want);
        assert_line(log_caps, "Prm", want);
        assert_line(log_caps, "Inh", want);
        assert_line(log_caps, "Amb", want);
}
END_TEST

START_TEST(test_cwd_umask_oom)
{
        _cleanup_free_ char *log = NULL;
        struct berth_launch l;

        spec_init(&l, "echo \"@pwd=$(pwd)\"; echo \"@umask=$(umask)\"; "
                      "echo \"@oom=$(cat /proc/self/oom_score_adj)\"; "
                      "touch f && echo \"@mode=$(stat -c %a f)\"");
        free(l.cwd);
        l.cwd = strdup("/var/log");
        l.umask_set = true;
        l.umask = 027;
        l.oom_score_adj_set = true;
        l.oom_score_adj = 500;
        ck_assert_int_eq(run(&l, _i, &log), 0);
        assert_line(log, "pwd", "/var/log");
        assert_line(log, "umask", "0027");
        assert_line(log, "oom", "500");
        assert_line(log, "mode", "640");
}
END_TEST

/* A working directory the image does not have: the start fails, naming it. */
START_TEST(test_missing_cwd)
{
        struct berth_launch l;

        spec_init(&l, "exit 0");
        l.cwd = strdup("/nope/deeper");
        assert_start_fails(&l, _i, "change to the working directory '/nope/deeper': No such file");
}
END_TEST

/* Binds: read-only (writes fail with EROFS) with nosuid/nodev/noexec, read-write (the
 * host sees the write), a file onto a file made for it, and a shared one; each mount
 * point made where the image has none. */
START_TEST(test_bind_mounts)
{
        static const char script[] =
                "echo \"@ro-read=$(cat /mnt/ro/hello)\"; "
                "if echo x 2>/tmp/e >/mnt/ro/new; then echo @ro-write=ok; "
                "else echo \"@ro-write=$(cat /tmp/e)\"; fi; "
                "echo rw >/data/rw/new && echo @rw-write=ok; "
                "echo \"@file=$(cat /etc/bound.txt)\"; "
                "echo \"@ro-opts=$(awk '$5 == \"/mnt/ro\" { print $6 }' /proc/self/mountinfo)\"; "
                "echo \"@rw-opts=$(awk '$5 == \"/data/rw\" { print $6 }' /proc/self/mountinfo)\"; "
                "echo \"@shared=$(awk '$5 == \"/mnt/shared\" { print $7 }' /proc/self/mountinfo "
                "| cut -d: -f1)\"; "
                "echo \"@private=$(awk '$5 == \"/data/rw\" { print $7 }' /proc/self/mountinfo)\"";
        _cleanup_free_ char *log = NULL, *back = NULL, *hello = NULL, *file = NULL, *n = NULL;
        struct berth_launch l;

        ck_assert_int_ge(asprintf(&hello, "%s/hello", host), 0);
        ck_assert_int_ge(asprintf(&file, "%s/file.txt", dir), 0);
        ck_assert_int_ge(asprintf(&n, "%s/new", host), 0);
        write_host_file(hello, "from-host");
        write_host_file(file, "file-bind");
        spec_init(&l, script);
        add_mount(&l, LAUNCH_MOUNT_BIND, host, "/mnt/ro",
                  LAUNCH_MOUNT_READ_ONLY | LAUNCH_MOUNT_NOSUID | LAUNCH_MOUNT_NODEV |
                          LAUNCH_MOUNT_NOEXEC);
        add_mount(&l, LAUNCH_MOUNT_BIND, host, "/data/rw/", LAUNCH_MOUNT_RECURSIVE);
        add_mount(&l, LAUNCH_MOUNT_BIND, file, "/etc/bound.txt", LAUNCH_MOUNT_READ_ONLY);
        add_mount(&l, LAUNCH_MOUNT_BIND, host, "/mnt/shared", 0)->propagation = MS_SHARED;
        ck_assert_int_eq(run(&l, _i, &log), 0);
        assert_line(log, "ro-read", "from-host");
        assert_line(log, "ro-write", "/bin/sh: can't create /mnt/ro/new: Read-only file system");
        assert_line(log, "rw-write", "ok");
        assert_line(log, "file", "file-bind");
        assert_options(log, "ro-opts", "ro,nosuid,nodev,noexec");
        assert_options(log, "rw-opts", "rw");
        assert_line(log, "shared", "shared");
        assert_line(log, "private", "-");
        ck_assert_int_ge(read_file(n, 64, &back, NULL), 0);
        ck_assert_str_eq(back, "rw\n");
}
END_TEST

/* tmpfs: size, mode, nosuid; a read-only one. */
START_TEST(test_tmpfs)
{
        static const char script[] =
                "echo \"@mode=$(stat -c %a /scratch)\"; "
                "echo \"@size=$(df -k /scratch | awk 'NR == 2 { print $2 }')\"; "
                "dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>/dev/null; echo \"@dd=$?\"; "
                "echo \"@opts=$(awk '$5 == \"/scratch\" { print $6 }' /proc/self/mountinfo)\"; "
                "if touch /deep/ro-tmp/x 2>/dev/null; then echo @ro=no; else echo @ro=yes; fi";
        _cleanup_free_ char *log = NULL;
        struct berth_launch l;
        struct berth_launch_mount *m;

        spec_init(&l, script);
        m = add_mount(&l, LAUNCH_MOUNT_TMPFS, NULL, "/scratch", LAUNCH_MOUNT_NOSUID);
        m->size = 1 << 20;
        m->mode = 0710;
        add_mount(&l, LAUNCH_MOUNT_TMPFS, NULL, "/deep/ro-tmp", LAUNCH_MOUNT_READ_ONLY);
        ck_assert_int_eq(run(&l, _i, &log), 0);
        assert_line(log, "mode", "710");
        assert_line(log, "size", "1024");
        assert_line(log, "dd", "1");
        assert_options(log, "opts", "rw,nosuid");
        assert_line(log, "ro", "yes");
}
END_TEST

START_TEST(test_rlimits)
{
        _cleanup_free_ char *log = NULL;
        struct berth_launch l;
        struct rlimit core;
        char want[64];

        ck_assert_int_eq(getrlimit(RLIMIT_CORE, &core), 0);
        spec_init(&l, "echo \"@nofile=$(ulimit -Sn) $(ulimit -Hn)\"; "
                      "echo \"@core=$(ulimit -Sc) $(ulimit -Hc)\"");
        l.rlimits = calloc(2, sizeof(*l.rlimits));
        l.rlimits[0] = (struct berth_launch_rlimit){ RLIMIT_NOFILE, 777, 777 };
        l.rlimits[1] = (struct berth_launch_rlimit){ RLIMIT_CORE, 0, core.rlim_max };
        l.n_rlimits = 2;
        ck_assert_int_eq(run(&l, _i, &log), 0);
        assert_line(log, "nofile", "777 777");
        if (core.rlim_max == RLIM_INFINITY)
                (void)snprintf(want, sizeof(want), "0 unlimited");
        else
                (void)snprintf(want, sizeof(want), "0 %llu",
                               (unsigned long long)core.rlim_max / 1024);
        assert_line(log, "core", want);
}
END_TEST

/* A resource berth-init has no name for: the spec is refused, naming the field. */
START_TEST(test_unknown_rlimit)
{
        struct berth_launch l;

        spec_init(&l, "exit 0");
        l.rlimits = calloc(1, sizeof(*l.rlimits));
        l.rlimits[0] = (struct berth_launch_rlimit){ 99, 1, 1 };
        l.n_rlimits = 1;
        assert_start_fails(&l, _i, "'rlimits[0].type': unknown resource limit 99");
}
END_TEST

/* A bind source the host does not have, a mount point the image cannot have. */
START_TEST(test_bad_mounts)
{
        struct berth_launch l;

        spec_init(&l, "exit 0");
        add_mount(&l, LAUNCH_MOUNT_BIND, "/nonexistent/berth-src", "/mnt/x", 0);
        assert_start_fails(&l, _i, "open the bind source '/nonexistent/berth-src'");

        spec_init(&l, "exit 0");
        add_mount(&l, LAUNCH_MOUNT_TMPFS, NULL, "/etc/os-release/below", 0);
        assert_start_fails(&l, _i, "make the mount point '/etc/os-release/below'");
}
END_TEST

/* The same in a user namespace of the container's own (a fresh start only: zygotes
 * serve the default profile): the user change, a bind and a tmpfs there. */
START_TEST(test_user_namespace)
{
        _cleanup_free_ char *log = NULL, *hello = NULL;
        struct berth_launch l;

        ck_assert_int_ge(asprintf(&hello, "%s/hello", host), 0);
        write_host_file(hello, "from-host");
        spec_init(&l, "echo \"@id=$(id -u) $(id -g) $(id -G)\"; "
                      "echo \"@read=$(cat /mnt/ro/hello)\"; "
                      "if touch /mnt/ro/x 2>/dev/null; then echo @ro=no; else echo @ro=yes; fi; "
                      "echo \"@tmp=$(stat -c %a /scratch)\"");
        l.namespaces = LAUNCH_NS_USER;
        l.uid = 1000;
        l.gid = 1000;
        l.gids = calloc(1, sizeof(gid_t));
        l.gids[0] = 3000;
        l.n_gids = 1;
        add_mount(&l, LAUNCH_MOUNT_BIND, host, "/mnt/ro", LAUNCH_MOUNT_READ_ONLY);
        add_mount(&l, LAUNCH_MOUNT_TMPFS, NULL, "/scratch", 0)->mode = 01777;
        ck_assert_int_eq(run(&l, false, &log), 0);
        assert_line(log, "id", "1000 1000 1000 3000");
        assert_line(log, "read", "from-host");
        assert_line(log, "ro", "yes");
        assert_line(log, "tmp", "1777");
}
END_TEST

static char *cmdline_of(pid_t pid, size_t *ret_len)
{
        char p[64], *text = NULL;

        (void)snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
        ck_assert_int_ge(read_file(p, 4096, &text, ret_len), 0);
        return text;
}

/* /proc/PID/cmdline and comm of PID 1: a claimed zygote's read as a fresh berth-init's,
 * with nothing of the zygote's arguments (its staging directory, its cgroups). */
START_TEST(test_zygote_cmdline)
{
        _cleanup_free_ char *fresh = NULL, *claimed = NULL, *comm = NULL, *fresh_comm = NULL,
                            *ps = NULL;
        struct berth_error err = {};
        struct berth_launched res;
        size_t fresh_len = 0, claimed_len = 0;
        struct berth_launch l;
        char p[64];

        spec_init(&l, "sleep 1000");
        ck_assert_msg(start(&l, false, &res, &err) >= 0, "%s", err.msg);
        fresh = cmdline_of(res.pid, &fresh_len);
        (void)snprintf(p, sizeof(p), "/proc/%d/comm", (int)res.pid);
        ck_assert_int_ge(read_file(p, 64, &fresh_comm, NULL), 0);
        stop(&res);

        ck_assert_msg(start(&l, true, &res, &err) >= 0, "%s", err.msg);
        claimed = cmdline_of(res.pid, &claimed_len);
        (void)snprintf(p, sizeof(p), "/proc/%d/comm", (int)res.pid);
        ck_assert_int_ge(read_file(p, 64, &comm, NULL), 0);
        ps = test_in_container(res.pid, "ps -o pid,args");
        stop(&res);
        berth_launch_done(&l);

        ck_assert_int_eq(fresh_len, sizeof("berth-init"));
        ck_assert_mem_eq(fresh, "berth-init", sizeof("berth-init"));
        ck_assert_int_eq(claimed_len, fresh_len);
        ck_assert_mem_eq(claimed, fresh, fresh_len);
        ck_assert_str_eq(fresh_comm, "berth-init\n");
        ck_assert_str_eq(comm, fresh_comm);
        ck_assert_msg(strstr(ps, "    1 berth-init\n") && !strstr(ps, "zygote") &&
                              !strstr(ps, zstaging),
                      "%s", ps);
}
END_TEST

/* ---- exec ------------------------------------------------------------------------- */

/* Groups for a container below cgparent: a v1 one (pids) and, unless v1_only, a v2 one.
 * launch: what berth-init joins (v2 by "cgroup.procs"); exec: the directories. */
struct test_groups {
        char v1[256], v2[256];
        char **launch, **exec;
};

static void groups_make(struct test_groups *g, const char *name, bool v1_only)
{
        char p[512];

        *g = (struct test_groups){ .launch = calloc(1, sizeof(char *)),
                                   .exec = calloc(1, sizeof(char *)) };
        ck_assert(g->launch && g->exec);
        if (access("/sys/fs/cgroup/pids/tasks", F_OK) == 0) {
                (void)snprintf(p, sizeof(p), "/sys/fs/cgroup/pids/%s", cgparent);
                (void)mkdir(p, 0755);
                (void)snprintf(g->v1, sizeof(g->v1), "%s/%s", p, name);
                ck_assert_int_eq(mkdir(g->v1, 0755), 0);
                ck_assert_int_ge(strv_extend(&g->launch, g->v1), 0);
                ck_assert_int_ge(strv_extend(&g->exec, g->v1), 0);
        }
        if (!v1_only && access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0) {
                (void)snprintf(p, sizeof(p), "/sys/fs/cgroup/unified/%s", cgparent);
                (void)mkdir(p, 0755);
                (void)snprintf(g->v2, sizeof(g->v2), "%s/%s", p, name);
                ck_assert_int_eq(mkdir(g->v2, 0755), 0);
                (void)snprintf(p, sizeof(p), "%s/cgroup.procs", g->v2);
                ck_assert_int_ge(strv_extend(&g->launch, p), 0);
                ck_assert_int_ge(strv_extend(&g->exec, g->v2), 0);
        }
}

/* Once every process of the groups is gone (a group is busy while its last one exits). */
static void groups_remove(struct test_groups *g)
{
        char *dirs[] = { g->v1, g->v2 };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                if (!dirs[i][0])
                        continue;
                for (int tries = 0; rmdir(dirs[i]) < 0; tries++) {
                        ck_assert_msg(errno == EBUSY && tries < 400, "rmdir '%s': %m", dirs[i]);
                        usleep(5000);
                }
                /* cgparent too, which the end of the run would count as a leftover. */
                (void)rmdir(dirname(dirs[i]));
        }
        strv_free(g->launch);
        strv_free(g->exec);
}

/* A running container (sleep) of the default profile; its groups in g when g. */
static void start_sleeper(bool zygote, struct test_groups *g, struct berth_launched *ret)
{
        struct berth_error err = {};
        struct berth_launch l;

        spec_init(&l, "sleep 1000");
        if (g) {
                strv_free(l.cgroups);
                l.cgroups = strv_copy(g->launch);
                ck_assert_ptr_nonnull(l.cgroups);
        }
        ck_assert_msg(start(&l, zygote, ret, &err) >= 0, "start: %s", err.msg);
        berth_launch_done(&l);
}

/* An exec spec for the container of res: root, the container's bounding set and
 * no_new_privs, PATH in env; args NULL-terminated. */
static void exec_spec_init(struct berth_exec_spec *x, const struct berth_launched *res,
                           const char *const *args)
{
        *x = (struct berth_exec_spec){
                .pidfd = res->pidfd,
                .caps = BERTH_CAPS_ZYGOTE,
                .no_new_privs = true,
                .cgroups = calloc(1, sizeof(char *)),
        };
        for (; *args; args++)
                ck_assert_int_ge(strv_extend(&x->args, *args), 0);
        ck_assert_int_ge(strv_extend(&x->env, "PATH=/usr/bin:/bin"), 0);
        ck_assert_int_ge(strv_extend(&x->env, "HOME=/root"), 0);
}

/* Run x to its end (or timeout_ms): 0 with *ret, or berth_exec_start()'s error. */
static int exec_run(struct berth_exec_spec *x, int timeout_ms, size_t output_max,
                    struct berth_exec_status *ret, struct berth_error *err)
{
        struct berth_exec_proc p = { .pidfd = -EBADF, .out_fd = -EBADF };
        int r;

        r = berth_exec_start(L, x, &p, err);
        berth_exec_spec_done(x);
        if (r < 0)
                return r;
        ck_assert_int_gt(p.pid, 0);
        r = berth_exec_wait(&p, timeout_ms, output_max, ret, err);
        ck_assert_msg(r >= 0, "wait: %s", err->msg);
        ck_assert_int_lt(p.pidfd, 0);
        berth_exec_proc_done(&p);
        return 0;
}

/* `sh -c script` in the container of res, to its end: its status (output kept). */
static struct berth_exec_status exec_sh(const struct berth_launched *res, const char *script)
{
        struct berth_error err = {};
        struct berth_exec_status st;
        struct berth_exec_spec x;

        exec_spec_init(&x, res, (const char *[]){ "sh", "-c", script, NULL });
        ck_assert_msg(exec_run(&x, TIMEOUT_MS, 1 << 20, &st, &err) >= 0, "exec: %s", err.msg);
        return st;
}

/* Exit code and output; a signal as the command's end. */
START_TEST(test_exec_output)
{
        struct berth_launched res;
        struct berth_exec_status st;

        start_sleeper(_i, NULL, &res);
        st = exec_sh(&res, "echo out; echo err >&2; exit 3");
        ck_assert_int_eq(st.exit_code, 3);
        ck_assert_int_eq(st.signal, 0);
        ck_assert(!st.timed_out);
        ck_assert_str_eq(st.output, "out\nerr\n");
        ck_assert_int_eq(st.output_len, 8);
        ck_assert_int_eq(st.output_dropped, 0);
        free(st.output);

        st = exec_sh(&res, "echo before; kill -TERM $$; echo after");
        ck_assert_int_eq(st.exit_code, -1);
        ck_assert_int_eq(st.signal, SIGTERM);
        ck_assert_str_eq(st.output, "before\n");
        free(st.output);

        st = exec_sh(&res, "exit 0");
        ck_assert_int_eq(st.exit_code, 0);
        ck_assert_int_eq(st.signal, 0);
        ck_assert_str_eq(st.output, "");
        free(st.output);
        stop(&res);
}
END_TEST

/* readlink /proc/<pid>/ns/<name> */
static char *ns_of(pid_t pid, const char *name)
{
        char p[64], buf[128];
        ssize_t n;

        (void)snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, name);
        n = readlink(p, buf, sizeof(buf) - 1);
        ck_assert_int_gt(n, 0);
        buf[n] = 0;
        return strdup(buf);
}

/* The command runs in the container's namespaces (pid, mount, uts, ipc), in its groups,
 * under its bounding set, seccomp filter and no_new_privs, where cwd says; as another
 * user, with no capability left. Loop 1: a zygote's container (v1 groups only). */
START_TEST(test_exec_inside)
{
        static const char script[] =
                "echo \"@pidns=$(readlink /proc/self/ns/pid)\"; "
                "echo \"@mntns=$(readlink /proc/self/ns/mnt)\"; "
                "echo \"@ipcns=$(readlink /proc/self/ns/ipc)\"; "
                "echo \"@ppid=$PPID\"; "
                "echo \"@fds=$(ls /proc/self/fd | tr '\\n' ' ')\"; "
                "echo \"@pid1=$(cat /proc/1/comm)\"; "
                "echo \"@marker=$(cat /exec-marker)\"; "
                "echo \"@host=$(hostname)\"; "
                "echo \"@pwd=$(pwd)\"; "
                "for k in CapBnd CapEff Seccomp NoNewPrivs; do "
                "echo \"@$k=$(sed -n \"s/^$k:[[:space:]]*//p\" /proc/self/status)\"; done; "
                "echo \"@cgroup=$(cat /proc/self/cgroup | tr '\\n' ' ')\"";
        _cleanup_free_ char *pidns = NULL, *mntns = NULL, *ipcns = NULL, *cg = NULL, *marker = NULL;
        char want[600], bnd[32];
        struct berth_error err = {};
        struct berth_launched res;
        struct berth_exec_status st;
        struct berth_exec_spec x;
        struct test_groups g;

        ck_assert_int_ge(asprintf(&marker, "%s/exec-marker", root), 0);
        write_host_file(marker, "only-in-the-container");
        groups_make(&g, "exec-inside", _i);
        start_sleeper(_i, &g, &res);
        pidns = ns_of(res.pid, "pid");
        mntns = ns_of(res.pid, "mnt");
        ipcns = ns_of(res.pid, "ipc");
        (void)snprintf(want, sizeof(want), "/proc/%d/cgroup", (int)res.pid);
        ck_assert_int_ge(read_file(want, 4096, &cg, NULL), 0);
        for (char *c = cg; *c; c++)
                if (*c == '\n')
                        *c = ' ';

        exec_spec_init(&x, &res, (const char *[]){ "sh", "-c", script, NULL });
        strv_free(x.cgroups);
        x.cgroups = strv_copy(g.exec);
        x.cwd = strdup("/etc");
        ck_assert_msg(exec_run(&x, TIMEOUT_MS, 1 << 20, &st, &err) >= 0, "exec: %s", err.msg);
        ck_assert_msg(st.exit_code == 0, "exit %d: %s", st.exit_code, st.output);
        (void)snprintf(bnd, sizeof(bnd), "%016llx", (unsigned long long)BERTH_CAPS_ZYGOTE);
        assert_line(st.output, "pidns", pidns);
        assert_line(st.output, "mntns", mntns);
        assert_line(st.output, "ipcns", ipcns);
        /* Its parent, berth-init, is outside the container's pid namespace. */
        assert_line(st.output, "ppid", "0");
        /* Nothing of berth-init's (ls's directory is 3). */
        assert_line(st.output, "fds", "0 1 2 3 ");
        assert_line(st.output, "pid1", "berth-init");
        assert_line(st.output, "marker", "only-in-the-container");
        assert_line(st.output, "host", "launch-test");
        assert_line(st.output, "pwd", "/etc");
        assert_line(st.output, "CapBnd", bnd);
        assert_line(st.output, "CapEff", bnd);
        assert_line(st.output, "Seccomp", "2");
        assert_line(st.output, "NoNewPrivs", "1");
        assert_line(st.output, "cgroup", cg);
        if (g.v1[0])
                ck_assert_msg(strstr(cg, g.v1 + strlen("/sys/fs/cgroup/pids")), "%s", cg);
        if (g.v2[0])
                ck_assert_msg(strstr(cg, g.v2 + strlen("/sys/fs/cgroup/unified")), "%s", cg);
        free(st.output);

        /* Another user: exactly its ids, no capability (the launch's rules). */
        exec_spec_init(&x, &res,
                       (const char *[]){ "sh", "-c",
                                         "echo \"@id=$(id -u) $(id -g) $(id -G)\"; "
                                         "echo \"@CapEff=$(sed -n 's/^CapEff:\\t//p' "
                                         "/proc/self/status)\"",
                                         NULL });
        x.user_set = true;
        x.uid = 1000;
        x.gid = 1001;
        ck_assert_msg(exec_run(&x, TIMEOUT_MS, 1 << 20, &st, &err) >= 0, "exec: %s", err.msg);
        ck_assert_int_eq(st.exit_code, 0);
        assert_line(st.output, "id", "1000 1001 1001");
        assert_line(st.output, "CapEff", "0000000000000000");
        free(st.output);

        stop(&res);
        groups_remove(&g);
}
END_TEST

/* A container with user, network and cgroup namespaces of its own: the command is in
 * each (the user-namespace seccomp profile). */
START_TEST(test_exec_user_ns)
{
        static const char script[] = "for n in user net cgroup pid; do "
                                     "echo \"@$n=$(readlink /proc/self/ns/$n)\"; done; "
                                     "echo \"@Seccomp=$(sed -n 's/^Seccomp:\\t//p' "
                                     "/proc/self/status)\"";
        static const char *const ns[] = { "user", "net", "cgroup", "pid" };
        struct berth_error err = {};
        struct berth_launched res;
        struct berth_exec_status st;
        struct berth_exec_spec x;
        struct berth_launch l;

        spec_init(&l, "sleep 1000");
        l.namespaces = LAUNCH_NS_USER | LAUNCH_NS_NET | LAUNCH_NS_CGROUP;
        ck_assert_msg(start(&l, false, &res, &err) >= 0, "start: %s", err.msg);
        berth_launch_done(&l);

        exec_spec_init(&x, &res, (const char *[]){ "sh", "-c", script, NULL });
        x.namespaces = LAUNCH_NS_USER | LAUNCH_NS_NET | LAUNCH_NS_CGROUP;
        ck_assert_msg(exec_run(&x, TIMEOUT_MS, 1 << 20, &st, &err) >= 0, "exec: %s", err.msg);
        ck_assert_msg(st.exit_code == 0, "exit %d: %s", st.exit_code, st.output);
        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                _cleanup_free_ char *want = ns_of(res.pid, ns[i]);

                assert_line(st.output, ns[i], want);
        }
        assert_line(st.output, "Seccomp", "2");
        free(st.output);
        stop(&res);
}
END_TEST

static int64_t now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The processes of the container whose command line is exactly cmd. */
static int count_in_container(pid_t pid1, const char *cmd)
{
        _cleanup_free_ char *ps = test_in_container(pid1, "ps -o args");
        int n = 0;

        ck_assert_ptr_nonnull(ps);
        for (const char *p = ps; (p = strstr(p, cmd)); p += strlen(cmd))
                if ((p == ps || p[-1] == '\n') && p[strlen(cmd)] == '\n')
                        n++;
        return n;
}

/* A command that does not end is killed at the deadline: SIGKILL, timed_out, and
 * nothing of it left in the container; what it wrote before is kept. */
START_TEST(test_exec_timeout)
{
        struct berth_error err = {};
        struct berth_launched res;
        struct berth_exec_status st;
        struct berth_exec_spec x;
        struct berth_exec_proc p;
        int64_t t0, ms;
        int n = -1;

        start_sleeper(false, NULL, &res);
        exec_spec_init(&x, &res,
                       (const char *[]){ "sh", "-c", "echo started; exec sleep 100", NULL });
        t0 = now_ms();
        ck_assert_msg(exec_run(&x, 500, 1 << 20, &st, &err) >= 0, "exec: %s", err.msg);
        ms = now_ms() - t0;
        ck_assert(st.timed_out);
        ck_assert_int_eq(st.exit_code, -1);
        ck_assert_int_eq(st.signal, SIGKILL);
        ck_assert_str_eq(st.output, "started\n");
        ck_assert_msg(ms >= 450 && ms < 5000, "waited %lld ms", (long long)ms);
        free(st.output);
        /* PDEATHSIG: the command's SIGKILL goes out as berth-init ends. */
        for (int tries = 0; tries < 200 && (n = count_in_container(res.pid, "sleep 100")) > 0;
             tries++)
                usleep(10000);
        ck_assert_int_eq(n, 0);

        /* The same as another user (a uid change clears PR_SET_PDEATHSIG). */
        exec_spec_init(&x, &res, (const char *[]){ "sleep", "100", NULL });
        x.user_set = true;
        x.uid = x.gid = 1000;
        ck_assert_msg(exec_run(&x, 300, 1 << 20, &st, &err) >= 0, "exec: %s", err.msg);
        ck_assert(st.timed_out);
        ck_assert_int_eq(st.signal, SIGKILL);
        free(st.output);
        for (int tries = 0; tries < 200 && (n = count_in_container(res.pid, "sleep 100")) > 0;
             tries++)
                usleep(10000);
        ck_assert_int_eq(n, 0);
        ck_assert_int_eq(count_in_container(res.pid, "sleep 1000"), 1);

        /* The container ends under a running command: the command is killed with it. */
        exec_spec_init(&x, &res, (const char *[]){ "sleep", "100", NULL });
        ck_assert_msg(berth_exec_start(L, &x, &p, &err) >= 0, "exec: %s", err.msg);
        berth_exec_spec_done(&x);
        stop(&res);
        ck_assert_msg(berth_exec_wait(&p, TIMEOUT_MS, 1024, &st, &err) >= 0, "%s", err.msg);
        ck_assert(!st.timed_out);
        ck_assert_int_eq(st.exit_code, -1);
        ck_assert_int_eq(st.signal, SIGKILL);
        free(st.output);
        berth_exec_proc_done(&p);
}
END_TEST

/* A command the container does not have: the start fails and names it. */
START_TEST(test_exec_missing)
{
        struct berth_error err = {};
        struct berth_launched res;
        struct berth_exec_status st;
        struct berth_exec_spec x;

        start_sleeper(false, NULL, &res);
        exec_spec_init(&x, &res, (const char *[]){ "nosuch", "arg", NULL });
        ck_assert_int_eq(exec_run(&x, TIMEOUT_MS, 1024, &st, &err), -ENOENT);
        ck_assert_str_eq(err.msg, "exec: 'nosuch' not found in the container");

        exec_spec_init(&x, &res, (const char *[]){ "/no/such/cmd", NULL });
        ck_assert_int_eq(exec_run(&x, TIMEOUT_MS, 1024, &st, &err), -ENOENT);
        ck_assert_msg(strstr(err.msg, "execute '/no/such/cmd': No such file"), "%s", err.msg);

        exec_spec_init(&x, &res, (const char *[]){ "true", NULL });
        x.cwd = strdup("/nope");
        ck_assert_int_eq(exec_run(&x, TIMEOUT_MS, 1024, &st, &err), -ENOENT);
        ck_assert_msg(strstr(err.msg, "change to the working directory '/nope'"), "%s", err.msg);

        /* No exec process left behind. */
        ck_assert_int_eq(test_children_of(getpid(), "berth-init", NULL, 0), 1);

        /* A container that is gone: its namespaces cannot be entered. */
        ck_assert_int_eq(syscall(SYS_pidfd_send_signal, res.pidfd, SIGKILL, NULL, 0), 0);
        ck_assert_int_eq(waitid(P_PIDFD, (id_t)res.pidfd, &(siginfo_t){}, WEXITED), 0);
        exec_spec_init(&x, &res, (const char *[]){ "true", NULL });
        ck_assert_int_eq(exec_run(&x, TIMEOUT_MS, 1024, &st, &err), -ESRCH);
        ck_assert_msg(strstr(err.msg, "exec: enter the container's namespaces: No such process"),
                      "%s", err.msg);
        close_launched(&res);
}
END_TEST

/* Output beyond output_max is read (the command never blocks on the pipe) and counted. */
START_TEST(test_exec_output_max)
{
        struct berth_error err = {};
        struct berth_launched res;
        struct berth_exec_status st;
        struct berth_exec_spec x;

        start_sleeper(false, NULL, &res);
        exec_spec_init(&x, &res,
                       (const char *[]){ "sh", "-c", "yes abcd | head -c 1000000; exit 7", NULL });
        ck_assert_msg(exec_run(&x, TIMEOUT_MS, 1000, &st, &err) >= 0, "exec: %s", err.msg);
        ck_assert_int_eq(st.exit_code, 7);
        ck_assert_int_eq(st.output_len, 1000);
        ck_assert_int_eq(strlen(st.output), 1000);
        ck_assert_int_eq(st.output_dropped, 1000000 - 1000);
        ck_assert_mem_eq(st.output, "abcd\nabcd\n", 10);
        free(st.output);

        exec_spec_init(&x, &res, (const char *[]){ "echo", "hello", NULL });
        ck_assert_msg(exec_run(&x, TIMEOUT_MS, 0, &st, &err) >= 0, "exec: %s", err.msg);
        ck_assert_int_eq(st.exit_code, 0);
        ck_assert_str_eq(st.output, "");
        ck_assert_int_eq(st.output_dropped, 6);
        free(st.output);
        stop(&res);
}
END_TEST

static Suite *launch_suite(void)
{
        Suite *s = suite_create("priv-launch");
        TCase *tc = tcase_create("launch");

        tcase_add_unchecked_fixture(tc, build_rootfs, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_user_and_caps, 0, 2);
        tcase_add_loop_test(tc, test_cwd_umask_oom, 0, 2);
        tcase_add_loop_test(tc, test_missing_cwd, 0, 2);
        tcase_add_loop_test(tc, test_bind_mounts, 0, 2);
        tcase_add_loop_test(tc, test_tmpfs, 0, 2);
        tcase_add_loop_test(tc, test_rlimits, 0, 2);
        tcase_add_loop_test(tc, test_unknown_rlimit, 0, 2);
        tcase_add_loop_test(tc, test_bad_mounts, 0, 2);
        tcase_add_test(tc, test_user_namespace);
        tcase_add_test(tc, test_zygote_cmdline);
        tcase_add_loop_test(tc, test_exec_output, 0, 2);
        tcase_add_loop_test(tc, test_exec_inside, 0, 2);
        tcase_add_test(tc, test_exec_user_ns);
        tcase_add_test(tc, test_exec_timeout);
        tcase_add_test(tc, test_exec_missing);
        tcase_add_test(tc, test_exec_output_max);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        const char *berthd = getenv("BERTHD");

        test_require_root("test-priv-launch");
        test_priv_begin("test-priv-launch", "launch");
        /* berth-init is built next to berthd (find_helper()). */
        if (berthd && !getenv("BERTH_INIT")) {
                _cleanup_free_ char *d = strdup(berthd), *p = NULL;
                if (d && asprintf(&p, "%s/berth-init", dirname(d)) >= 0)
                        (void)setenv("BERTH_INIT", p, 1);
        }
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-launch-%d", (int)getpid());
        return test_priv_run(launch_suite(), "test-priv-launch", images, cgparent);
}
