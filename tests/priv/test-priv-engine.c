/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The native engine, end to end and in process (exec, stats, logs, restart policies): a store with
 * the real attachment, mount and container types, the native engine with berthd's launcher, the
 * host's cgroups (under a parent group of this run) and a supervisor thread, as berthd sets them
 * up. A container runs busybox on a bind mount of a copy of the busybox image; commands are run in
 * it with berth_container_exec() and what they see is compared with what its PID 1 has. Each test
 * removes its container; the run's cgroup parent is swept at the end.
 */
#include "config.h"

#include <check.h>
#include <libgen.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "cgroup.h"
#include "container.h"
#include "error.h"
#include "fileio.h"
#include "harness.h"
#include "launch.h"
#include "macro.h"
#include "mount.h"
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
static char dir[512], root[600];
static struct berth_store *store;
static struct berth_supervisor *sup;
static struct berth_launcher *L;
static struct berth_cgroup_system *cgroups;
static struct berth_engine *native;

static void build_rootfs(void)
{
        if (!images)
                images = test_busybox_rootfs("berth-eimages-", lower, sizeof(lower));
}

static void setup(void)
{
        struct berth_error err = {};
        char from[700], state[700];

        {
                _cleanup_free_ char *t = test_tmpdir("berth-exec-");
                (void)snprintf(dir, sizeof(dir), "%s", t);
        }
        (void)snprintf(root, sizeof(root), "%s/root", dir);
        (void)snprintf(state, sizeof(state), "%s/state", dir);
        ck_assert_int_eq(mkdir(root, 0755), 0);
        (void)snprintf(from, sizeof(from), "%s/.", lower);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", from, root, NULL }), 0);

        ck_assert_msg(berth_store_new(&(struct berth_store_config){ .state_dir = state }, &store,
                                      &err) >= 0,
                      "%s", err.msg);
        ck_assert_int_eq(berth_supervisor_new(&sup), 0);
        ck_assert_msg(berth_launcher_new(&L, &err) >= 0, "%s", err.msg);
        ck_assert_msg(berth_cgroup_system_detect("/sys/fs/cgroup", cg_parent, &cgroups, &err) >= 0,
                      "%s", err.msg);
        (void)berth_cgroup_system_prepare(cgroups, &err);
        ck_assert_int_eq(
                berth_attach_type_register(store, &(struct berth_attach_config){}, sup, &err), 0);
        ck_assert_int_eq(berth_mount_type_register(store, &(struct berth_mount_config){}, &err), 0);
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

/* A running container "c" of busybox `sleep 1000` with the rest of w; its id. */
static uint64_t run_workload(struct berth_workload *w)
{
        struct berth_mount_spec ms = { .kind = BERTH_MOUNT_BIND,
                                       .bind = { .path = root, .base = BERTH_BASE_ROOT } };
        char *args[] = { (char *)"sleep", (char *)"1000", NULL };
        struct berth_error err = {};
        char **given = w->args;
        uint64_t id;

        if (!w->args)
                w->args = args;
        ck_assert_msg(berth_container_create(store,
                                             &(struct berth_container_def){
                                                     .name = "c",
                                                     .root = &ms,
                                                     .workload = w,
                                                     .start = true,
                                             },
                                             NULL, NULL, &err) >= 0,
                      "%s", err.msg);
        w->args = given;
        ck_assert_int_eq(berth_container_find(store, "c", &id), 0);
        return id;
}

static uint64_t run_container(void)
{
        struct berth_workload w;

        berth_workload_init(&w);
        return run_workload(&w);
}

static pid_t pid_of(uint64_t id)
{
        struct berth_container *c;
        pid_t pid;

        pthread_mutex_lock(&store->lock);
        c = berth_container_lookup_locked(store, id);
        pid = c ? c->pid : 0;
        pthread_mutex_unlock(&store->lock);
        return pid;
}

static int exec_sh(uint64_t id, const char *script, uint64_t timeout_ms,
                   struct berth_exec_result *res, struct berth_error *err)
{
        char *args[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };

        *res = (struct berth_exec_result){ .exit_code = -1 };
        return berth_container_exec(store, id,
                                    &(struct berth_exec){ .args = args, .timeout_ms = timeout_ms },
                                    res, err);
}

/* Run script and return its output (exit 0 expected). */
static char *exec_out(uint64_t id, const char *script)
{
        struct berth_exec_result res;
        struct berth_error err = {};

        ck_assert_msg(exec_sh(id, script, 10000, &res, &err) >= 0, "%s: %s", script, err.msg);
        ck_assert_msg(res.exit_code == 0, "%s: exit %d, signal %d: %s", script, res.exit_code,
                      res.signal, res.output);
        return TAKE_PTR(res.output);
}

/* A line of /proc/<pid>/status ("CapBnd:\t…"), from the host. */
static char *status_line(pid_t pid, const char *key)
{
        _cleanup_free_ char *text = NULL;
        char path[64], *line;

        (void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        ck_assert_int_ge(read_file(path, 1 << 16, &text, NULL), 0);
        line = strstr(text, key);
        ck_assert_ptr_nonnull(line);
        return strndup(line, strcspn(line, "\n"));
}

/* PID 1's child (the payload), as the host sees it. */
static pid_t payload_of(pid_t pid)
{
        _cleanup_free_ char *text = NULL;
        char path[96];

        (void)snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
        for (int i = 0; i < 100; i++) {
                free(text);
                text = NULL;
                if (read_file(path, 4096, &text, NULL) >= 0 && atoi(text) > 0)
                        return (pid_t)atoi(text);
                usleep(20000);
        }
        ck_abort_msg("PID 1 (%d) has no child", (int)pid);
        return 0;
}

static void delete_container(uint64_t id)
{
        struct berth_error err = {};

        ck_assert_msg(berth_store_delete(store, BERTH_OBJ_CONTAINER, id, true, NULL, NULL, &err) >=
                              0,
                      "%s", err.msg);
}

START_TEST(test_exec_output_and_code)
{
        uint64_t id = run_container();
        struct berth_exec_result res;
        struct berth_error err = {};

        ck_assert_msg(exec_sh(id, "echo out; echo err >&2; exit 3", 10000, &res, &err) >= 0, "%s",
                      err.msg);
        ck_assert_int_eq(res.exit_code, 3);
        ck_assert_int_eq(res.signal, 0);
        ck_assert(!res.timed_out);
        ck_assert_msg(strstr(res.output, "out\n") && strstr(res.output, "err\n"), "%s", res.output);
        berth_exec_result_done(&res);
        delete_container(id);
}
END_TEST

/* Its namespaces, groups, capabilities, seccomp and no_new_privs are PID 1's. */
START_TEST(test_exec_confinement)
{
        uint64_t id = run_container();
        pid_t pid = pid_of(id);
        char path[64], link[256];
        _cleanup_free_ char *cg_host = NULL, *cg_in = NULL, *capbnd = NULL, *in = NULL;
        const char *ns[] = { "mnt", "pid", "uts", "ipc" };

        ck_assert_int_gt(pid, 0);
        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                _cleanup_free_ char *cmd = NULL, *out = NULL;
                ssize_t n;

                (void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i]);
                n = readlink(path, link, sizeof(link) - 1);
                ck_assert_int_gt(n, 0);
                link[n] = 0;
                ck_assert_int_ge(asprintf(&cmd, "readlink /proc/self/ns/%s", ns[i]), 0);
                out = exec_out(id, cmd);
                ck_assert_msg(strncmp(out, link, strlen(link)) == 0, "%s: %s, PID 1 has %s", ns[i],
                              out, link);
        }
        /* Only the container's root has /bin/busybox where the host has none of it. */
        in = exec_out(id, "cat /proc/1/cmdline | tr '\\0' ' '");
        ck_assert_msg(strstr(in, "berth-init"), "PID 1 of its pid namespace: %s", in);
        (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        ck_assert_int_ge(read_file(path, 1 << 16, &cg_host, NULL), 0);
        cg_in = exec_out(id, "cat /proc/self/cgroup");
        ck_assert_str_eq(cg_in, cg_host);
        /* The payload's: berth-init, PID 1, keeps what it needs to set the container up. */
        capbnd = status_line(payload_of(pid), "CapBnd:");
        {
                _cleanup_free_ char *out = exec_out(id, "grep -E '^(CapBnd|Seccomp|NoNewPrivs):' "
                                                        "/proc/self/status");
                ck_assert_msg(strstr(out, capbnd), "%s, PID 1 has %s", out, capbnd);
                ck_assert_msg(strstr(out, "Seccomp:\t2"), "%s", out);
                ck_assert_msg(strstr(out, "NoNewPrivs:\t1"), "%s", out);
        }
        delete_container(id);
}
END_TEST

/* A command that names no user runs as the container's, one that names one as that;
 * no_new_privs is PID 1's payload's, also where the workload turns it off. */
START_TEST(test_exec_as_the_container)
{
        char *args[] = { (char *)"id", (char *)"-u", NULL };
        struct berth_exec_result res;
        struct berth_error err = {};
        struct berth_workload w;
        uint64_t id;

        berth_workload_init(&w);
        w.user_set = true;
        w.uid = 1000;
        w.gid = 1001;
        id = run_workload(&w);
        {
                _cleanup_free_ char *out = exec_out(id, "echo $(id -u):$(id -g)");
                ck_assert_str_eq(out, "1000:1001\n");
        }
        ck_assert_msg(berth_container_exec(store, id,
                                           &(struct berth_exec){ .args = args, .user_set = true },
                                           &res, &err) >= 0,
                      "%s", err.msg);
        ck_assert_str_eq(res.output, "0\n");
        berth_exec_result_done(&res);
        delete_container(id);

        /* Without no_new_privs a filter needs CAP_SYS_ADMIN to be installed. */
        berth_workload_init(&w);
        w.no_new_privs_set = true;
        w.no_new_privs = false;
        w.caps_set = true;
        w.caps = BERTH_CAPS_DEFAULT | (1ull << CAP_SYS_ADMIN);
        id = run_workload(&w);
        {
                _cleanup_free_ char *nnp = status_line(payload_of(pid_of(id)), "NoNewPrivs:");
                _cleanup_free_ char *out = exec_out(id, "grep NoNewPrivs: /proc/self/status");
                ck_assert_str_eq(nnp, "NoNewPrivs:\t0");
                ck_assert_msg(strstr(out, nnp), "%s, PID 1's payload has %s", out, nnp);
        }
        delete_container(id);
}
END_TEST

/* Processes named sleep in the container, zombies included (its payload is one). */
static unsigned count_sleeps(uint64_t id)
{
        _cleanup_free_ char *out = exec_out(id, "cat /proc/[0-9]*/stat | grep -c '(sleep)'");

        return (unsigned)strtoul(out, NULL, 10);
}

START_TEST(test_exec_deadline)
{
        uint64_t id = run_container();
        struct berth_exec_result res;
        struct berth_error err = {};

        ck_assert_msg(exec_sh(id, "echo started; exec sleep 100", 500, &res, &err) >= 0, "%s",
                      err.msg);
        ck_assert(res.timed_out);
        ck_assert_int_eq(res.signal, SIGKILL);
        ck_assert_int_eq(res.exit_code, -1);
        ck_assert_msg(strstr(res.output, "started"), "%s", res.output);
        berth_exec_result_done(&res);
        /* The killed command is gone from the container: reaped by berth-init (exec),
         * not left a zombie to the host's init. Only the payload sleeps. */
        for (int i = 0; i < 40 && count_sleeps(id) != 1; i++)
                usleep(50000);
        if (count_sleeps(id) != 1) {
                _cleanup_free_ char *ps = exec_out(id, "cat /proc/[0-9]*/stat");
                fprintf(stderr, "%s", ps);
                ck_abort_msg("%u sleep processes, 1 expected", count_sleeps(id));
        }
        delete_container(id);
}
END_TEST

START_TEST(test_exec_not_running)
{
        uint64_t id = run_container();
        struct berth_exec_result res;
        struct berth_error err = {};
        char *args[] = { (char *)"nosuchcommand", NULL };

        /* A command that is not there is named. */
        ck_assert_int_lt(
                berth_container_exec(store, id, &(struct berth_exec){ .args = args }, &res, &err),
                0);
        ck_assert_msg(strstr(err.msg, "nosuchcommand"), "%s", err.msg);

        ck_assert_int_eq(
                berth_container_set_state(store, id, BERTH_CONTAINER_PAUSED, NULL, NULL, &err), 0);
        ck_assert_int_eq(exec_sh(id, "true", 1000, &res, &err), -EBUSY);
        ck_assert_msg(strstr(err.msg, "is paused, not running"), "%s", err.msg);
        ck_assert_int_eq(
                berth_container_set_state(store, id, BERTH_CONTAINER_EXITED, NULL, NULL, &err), 0);
        for (int i = 0; i < 200; i++) {
                struct berth_container *c;
                bool done;
                pthread_mutex_lock(&store->lock);
                c = berth_container_lookup_locked(store, id);
                done = c && c->state == BERTH_CONTAINER_EXITED;
                pthread_mutex_unlock(&store->lock);
                if (done)
                        break;
                usleep(50000);
        }
        ck_assert_int_eq(exec_sh(id, "true", 1000, &res, &err), -EBUSY);
        ck_assert_msg(strstr(err.msg, "is exited, not running"), "%s", err.msg);
        delete_container(id);
}
END_TEST

static int collect_line(const char *line, size_t len, void *userdata)
{
        char ***lines = userdata;
        _cleanup_free_ char *l = strndup(line, len);

        ck_assert_ptr_nonnull(l);
        ck_assert_int_eq(strv_extend(lines, l), 0);
        return 0;
}

/* The engine's stats (from the container's groups) and logs, through its ops table. */
START_TEST(test_stats_and_logs)
{
        uint64_t id = run_container();
        struct berth_container *c;
        struct berth_stats st;
        struct berth_error err = {};
        _cleanup_strv_free_ char **lines = NULL;

        free(exec_out(id, "echo hello"));
        pthread_mutex_lock(&store->lock);
        c = berth_container_lookup_locked(store, id);
        pthread_mutex_unlock(&store->lock);
        ck_assert_ptr_nonnull(c);
        ck_assert_msg(c->engine->ops->stats(c->engine, c, &st, &err) >= 0, "%s", err.msg);
        ck_assert(st.memory_set);
        ck_assert_uint_gt(st.memory_bytes, 0);
        ck_assert(st.pids_set);
        ck_assert_uint_ge(st.pids, 1);
        /* The last line of its log is the exec's. */
        ck_assert_msg(c->engine->ops->logs(c->engine, c, &(struct berth_logs_query){ .tail = 1 },
                                           collect_line, &lines, &err) >= 0,
                      "%s", err.msg);
        ck_assert_uint_eq(strv_length(lines), 1);
        ck_assert_msg(strstr(lines[0], "exec sh: exit code 0"), "%s", lines[0]);
        delete_container(id);
}
END_TEST

struct bg_exec {
        uint64_t id;
        const char *script;
        int r;
        struct berth_exec_result res;
        struct berth_error err;
};

static void *bg_exec(void *userdata)
{
        struct bg_exec *b = userdata;

        b->r = exec_sh(b->id, b->script, 60000, &b->res, &b->err);
        return NULL;
}

/* An exec holds no lock other requests need, and a delete ends it and waits for it. */
START_TEST(test_exec_beside_requests)
{
        uint64_t id = run_container();
        struct bg_exec b = { .id = id, .script = "sleep 100" };
        struct berth_error err = {};
        pthread_t t;
        double t0;

        ck_assert_int_eq(pthread_create(&t, NULL, bg_exec, &b), 0);
        usleep(300000);
        /* A state change (which takes op_lock) answers while the exec runs. */
        t0 = test_now();
        ck_assert_msg(
                berth_container_set_state(store, id, BERTH_CONTAINER_PAUSED, NULL, NULL, &err) >= 0,
                "%s", err.msg);
        ck_assert_msg(berth_container_set_state(store, id, BERTH_CONTAINER_RUNNING, NULL, NULL,
                                                &err) >= 0,
                      "%s", err.msg);
        ck_assert_msg(test_now() - t0 < 5, "pause and resume took %.1f s", test_now() - t0);
        /* A forced delete kills the container, the exec's command with it. */
        t0 = test_now();
        delete_container(id);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_msg(test_now() - t0 < 20, "the delete took %.1f s", test_now() - t0);
        ck_assert_msg(b.r >= 0, "%s", b.err.msg);
        ck_assert(!b.res.timed_out);
        ck_assert_msg(b.res.signal == SIGKILL || b.res.exit_code != 0, "exit %d, signal %d",
                      b.res.exit_code, b.res.signal);
        berth_exec_result_done(&b.res);
}
END_TEST

/* ---- restart policies ---------------------------------------------------------------- */

struct snap {
        enum berth_container_state state;
        pid_t pid;
        unsigned restarts;
        bool pending;
        uint64_t backoff_ms;
};

static struct snap snap_of(uint64_t id)
{
        struct berth_container *c;
        struct snap v = {};

        pthread_mutex_lock(&store->lock);
        c = berth_container_lookup_locked(store, id);
        ck_assert_ptr_nonnull(c);
        v = (struct snap){ c->state, c->pid, N(c)->restarts, N(c)->restart_pending,
                           N(c)->backoff_ms };
        pthread_mutex_unlock(&store->lock);
        return v;
}

static bool ended(enum berth_container_state st)
{
        return st == BERTH_CONTAINER_EXITED || st == BERTH_CONTAINER_DEAD;
}

/* on-failure:2: two restarts, then it stays dead. */
START_TEST(test_restart_on_failure)
{
        char *args[] = { (char *)"sh", (char *)"-c", (char *)"exit 3", NULL };
        struct berth_workload w;
        struct snap v = {};
        uint64_t id;

        berth_workload_init(&w);
        w.args = args;
        w.restart = BERTH_RESTART_ON_FAILURE;
        w.restart_max = 2;
        id = run_workload(&w);
        for (int i = 0; i < 100; i++) {
                v = snap_of(id);
                if (v.restarts == 2 && ended(v.state) && !v.pending)
                        break;
                usleep(50000);
        }
        ck_assert_msg(v.restarts == 2 && ended(v.state) && !v.pending,
                      "restarts %u, state %d, pending %d", v.restarts, (int)v.state, v.pending);
        usleep(800000); /* well past the next backoff (400 ms) */
        v = snap_of(id);
        ck_assert_uint_eq(v.restarts, 2);
        ck_assert_int_eq(v.state, BERTH_CONTAINER_DEAD);
        ck_assert(!v.pending);
        delete_container(id);
}
END_TEST

/* always: a payload killed behind berth's back comes back. */
START_TEST(test_restart_always)
{
        struct berth_workload w;
        struct snap v = {};
        uint64_t id;
        pid_t first;

        berth_workload_init(&w);
        w.restart = BERTH_RESTART_ALWAYS;
        id = run_workload(&w);
        first = pid_of(id);
        ck_assert_int_gt(first, 0);
        ck_assert_int_eq(kill(first, SIGKILL), 0);
        for (int i = 0; i < 100; i++) {
                v = snap_of(id);
                if (v.state == BERTH_CONTAINER_RUNNING && v.pid != first && v.pid > 0)
                        break;
                usleep(50000);
        }
        ck_assert_msg(v.state == BERTH_CONTAINER_RUNNING && v.pid != first,
                      "state %d, pid %d (was %d)", (int)v.state, (int)v.pid, (int)first);
        ck_assert_uint_eq(v.restarts, 1);
        delete_container(id);
}
END_TEST

/* unless-stopped: a container a client stopped stays stopped. */
START_TEST(test_restart_unless_stopped)
{
        struct berth_workload w;
        struct berth_error err = {};
        struct snap v = {};
        uint64_t id;

        berth_workload_init(&w);
        w.restart = BERTH_RESTART_UNLESS_STOPPED;
        w.stop_timeout_ms = 2000;
        id = run_workload(&w);
        ck_assert_int_eq(
                berth_container_set_state(store, id, BERTH_CONTAINER_EXITED, NULL, NULL, &err), 0);
        for (int i = 0; i < 100 && !ended(v.state); i++) {
                v = snap_of(id);
                usleep(50000);
        }
        ck_assert_int_eq(v.state, BERTH_CONTAINER_EXITED);
        usleep(600000);
        v = snap_of(id);
        ck_assert_int_eq(v.state, BERTH_CONTAINER_EXITED);
        ck_assert_uint_eq(v.restarts, 0);
        ck_assert(!v.pending);
        delete_container(id);
}
END_TEST

/* always, with a payload that ends at once: the delay doubles, and a stop while a
 * restart waits cancels it. */
START_TEST(test_restart_backoff_and_cancel)
{
        char *args[] = { (char *)"true", NULL };
        struct berth_workload w;
        struct berth_error err = {};
        struct snap v = {};
        uint64_t id;

        berth_workload_init(&w);
        w.args = args;
        w.restart = BERTH_RESTART_ALWAYS;
        id = run_workload(&w);
        for (int i = 0; i < 200; i++) {
                v = snap_of(id);
                if (v.pending && v.backoff_ms >= 800)
                        break;
                usleep(20000);
        }
        ck_assert_msg(v.pending && v.backoff_ms >= 800, "pending %d, backoff %llu ms", v.pending,
                      (unsigned long long)v.backoff_ms);
        ck_assert_uint_ge(v.restarts, 3);
        ck_assert_int_eq(
                berth_container_set_state(store, id, BERTH_CONTAINER_EXITED, NULL, NULL, &err), 0);
        v = snap_of(id);
        ck_assert(!v.pending);
        usleep(2000000);
        ck_assert_uint_eq(snap_of(id).restarts, v.restarts);
        ck_assert(ended(snap_of(id).state));
        delete_container(id);
}
END_TEST

static Suite *exec_suite(void)
{
        Suite *s = suite_create("priv-engine");
        TCase *tc = tcase_create("exec");

        tcase_add_unchecked_fixture(tc, build_rootfs, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_exec_output_and_code);
        tcase_add_test(tc, test_exec_confinement);
        tcase_add_test(tc, test_exec_as_the_container);
        tcase_add_test(tc, test_exec_deadline);
        tcase_add_test(tc, test_exec_not_running);
        tcase_add_test(tc, test_stats_and_logs);
        tcase_add_test(tc, test_exec_beside_requests);
        tcase_add_test(tc, test_restart_on_failure);
        tcase_add_test(tc, test_restart_always);
        tcase_add_test(tc, test_restart_unless_stopped);
        tcase_add_test(tc, test_restart_backoff_and_cancel);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        const char *berthd = getenv("BERTHD");

        test_require_root("test-priv-engine");
        test_priv_begin("test-priv-engine", "engine");
        (void)snprintf(cg_parent, sizeof(cg_parent), "berth-test-exec-%d", (int)getpid());
        /* berth-init is built next to berthd (find_helper()). */
        if (berthd && !getenv("BERTH_INIT")) {
                _cleanup_free_ char *d = strdup(berthd), *p = NULL;
                if (d && asprintf(&p, "%s/berth-init", dirname(d)) >= 0)
                        (void)setenv("BERTH_INIT", p, 1);
        }
        return test_priv_run(exec_suite(), "test-priv-engine", images, cg_parent);
}
