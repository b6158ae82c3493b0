/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "harness.h"
#include "macro.h"

void test_require_root(const char *what)
{
        const char *must = getenv("BERTH_TESTS_MUST_RUN");

        if (geteuid() == 0 && access("/dev/loop-control", F_OK) == 0)
                return;
        if (must && streq(must, "1")) {
                fprintf(stderr,
                        "%s: needs root and /dev/loop-control, and BERTH_TESTS_MUST_RUN=1 "
                        "forbids skipping\n",
                        what);
                exit(1);
        }
        fprintf(stderr, "%s: skipped (needs root and /dev/loop-control)\n", what);
        exit(77);
}

const char *test_berthd_path(void)
{
        const char *e = getenv("BERTHD");

        return e && *e ? e : "./berthd";
}

char *test_tmpdir(const char *prefix)
{
        const char *base = getenv("TMPDIR");
        char *p;

        if (!base || !*base)
                base = "/var/tmp";
        ck_assert(asprintf(&p, "%s/%sXXXXXX", base, prefix) > 0);
        ck_assert_msg(mkdtemp(p), "mkdtemp %s: %m", p);
        return p;
}

char *test_busybox_rootfs(const char *prefix, char *rootfs, size_t size)
{
        const char *src = getenv("BERTH_SRCDIR");
        char script[512], image[600];
        char *dir = test_tmpdir(prefix);

        (void)snprintf(image, sizeof(image), "%s/busybox.sqsh", dir);
        (void)snprintf(rootfs, size, "%s/rootfs", dir);
        (void)snprintf(script, sizeof(script), "%s/contrib/mkimage-busybox.sh", src ? src : ".");
        ck_assert_int_eq(test_run((const char *[]){ script, image, NULL }), 0);
        ck_assert_int_eq(test_run((const char *[]){ "unsquashfs", "-no-progress", "-quiet",
                                                    "-no-xattrs", "-d", rootfs, image, NULL }),
                         0);
        return dir;
}

void test_rm_rf(const char *path)
{
        (void)rm_rf_physical(path);
}

double test_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A new state directory, then the first start. */
static void berthd_start(struct test_berthd *t, bool use_unix, bool unix_only,
                         const char *const *extra)
{
        _cleanup_free_ char *dir = test_tmpdir("berth-test-");

        memset(t, 0, sizeof(*t));
        (void)snprintf(t->state_dir, sizeof(t->state_dir), "%s", dir);
        t->unix_only = unix_only;
        test_berthd_spawn(t, use_unix, extra);
}

void test_berthd_start(struct test_berthd *t, bool use_unix, const char *const *extra)
{
        berthd_start(t, use_unix, false, extra);
}

void test_berthd_start_unix_only(struct test_berthd *t, const char *const *extra)
{
        berthd_start(t, true, true, extra);
}

void test_berthd_spawn(struct test_berthd *t, bool use_unix, const char *const *extra)
{
        const char *argv[40];
        char listen[300], data_dir[300], pod_root[300], docker_host[300];
        size_t n = 0;
        double deadline;

        t->pid = 0;
        t->url[0] = 0;
        (void)snprintf(t->socket_path, sizeof(t->socket_path), "%s/berthd.sock", t->state_dir);
        (void)snprintf(t->log_path, sizeof(t->log_path), "%s.log", t->state_dir);
        (void)snprintf(listen, sizeof(listen), "%s/listen", t->state_dir);
        /* A berthd killed before (test_berthd_crash) left its own. */
        (void)unlink(listen);

        argv[n++] = test_berthd_path();
        argv[n++] = "--state-dir";
        argv[n++] = t->state_dir;
        if (!t->unix_only) {
                argv[n++] = "--port";
                argv[n++] = "0";
                argv[n++] = "--scheme";
                argv[n++] = "http";
        }
        argv[n++] = "--log-level";
        argv[n++] = "debug";
        /* What outlives a reboot, and the pods' data, beside the state directory (never
         * the host's /var/lib/berth); the suite's dockerd when there is one. */
        (void)snprintf(data_dir, sizeof(data_dir), "%s.data", t->state_dir);
        (void)snprintf(pod_root, sizeof(pod_root), "%s.pods", t->state_dir);
        argv[n++] = "--data-dir";
        argv[n++] = data_dir;
        argv[n++] = "--pod-data-root";
        argv[n++] = pod_root;
        if (getenv("BERTH_TEST_DOCKER_HOST")) {
                (void)snprintf(docker_host, sizeof(docker_host), "%s",
                               getenv("BERTH_TEST_DOCKER_HOST"));
                argv[n++] = "--docker-host";
                argv[n++] = docker_host;
        }
        if (use_unix && !t->unix_only) {
                argv[n++] = "--scheme";
                argv[n++] = "unix";
        }
        for (size_t i = 0; extra && extra[i] && n < ELEMENTSOF(argv) - 1; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;

        t->pid = fork();
        ck_assert_int_ge(t->pid, 0);
        if (t->pid == 0) {
                int fd = open(t->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                /* A failed check ends the test process at once, without its teardown:
                 * berthd then stops too (cleanly: SIGTERM). */
                (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (fd >= 0) {
                        dup2(fd, STDOUT_FILENO);
                        dup2(fd, STDERR_FILENO);
                }
                execv(argv[0], (char *const *)argv);
                fprintf(stderr, "exec %s: %m\n", argv[0]);
                _exit(127);
        }

        deadline = test_now() + 10;
        while (test_now() < deadline) {
                _cleanup_free_ char *text = NULL;
                const char *url;
                int status;

                if (read_file(listen, 4096, &text, NULL) >= 0) {
                        if (t->unix_only && strstr(text, "unix:"))
                                return;
                        /* https when berthd serves it (a test asked for it). */
                        url = strstr(text, "https://") ?: strstr(text, "http://");
                        if (url) {
                                (void)snprintf(t->url, sizeof(t->url), "%.*s",
                                               (int)strcspn(url, "\n"), url);
                                return;
                        }
                }
                if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
                        _cleanup_free_ char *log = NULL;
                        (void)read_file(t->log_path, 1 << 16, &log, NULL);
                        t->pid = 0;
                        ck_abort_msg("berthd exited during start-up: %s", log ? log : "");
                }
                usleep(2000);
        }
        kill(t->pid, SIGKILL);
        ck_abort_msg("berthd did not start within 10 s");
}

void test_berthd_kill(struct test_berthd *t)
{
        int status = 0;

        if (t->pid <= 0)
                return;
        ck_assert_int_eq(kill(t->pid, SIGTERM), 0);
        ck_assert_int_eq(waitpid(t->pid, &status, 0), t->pid);
        t->pid = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                _cleanup_free_ char *log = NULL;
                size_t n;

                /* Its last words say why (a sanitizer's report, a failed shutdown). */
                (void)read_file(t->log_path, 1 << 20, &log, &n);
                ck_abort_msg("berthd did not exit cleanly on SIGTERM (status 0x%x): %s", status,
                             log ? log + (n > 3000 ? n - 3000 : 0) : "(no log)");
        }
}

void test_berthd_stop(struct test_berthd *t)
{
        char mounts[300];

        /* Also after test_berthd_kill(): the state directory goes either way. */
        test_berthd_kill(t);
        if (!t->state_dir[0])
                return;
        (void)snprintf(mounts, sizeof(mounts), "%s/", t->state_dir);
        if (test_count_mounts_under(mounts) == 0) {
                char extra[300];
                (void)snprintf(extra, sizeof(extra), "%s.data", t->state_dir);
                test_rm_rf(extra);
                (void)snprintf(extra, sizeof(extra), "%s.pods", t->state_dir);
                test_rm_rf(extra);
                test_rm_rf(t->state_dir);
                (void)unlink(t->log_path);
                t->state_dir[0] = 0;
        }
}

/* ---- kernel state ---------------------------------------------------------------- */

static char *loops_text(const char *prefix)
{
        DIR *d = opendir("/sys/block");
        struct dirent *de;
        char *out = strdup("");

        if (!d)
                return out;
        while ((de = readdir(d))) {
                char path[512], backing[4096], *n;

                if (strncmp(de->d_name, "loop", 4) != 0)
                        continue;
                (void)snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
                if (read_one_line(path, backing, sizeof(backing)) < 0)
                        continue;
                if (prefix && strncmp(backing, prefix, strlen(prefix)) != 0)
                        continue;
                if (asprintf(&n, "%s%s %s\n", out, de->d_name, backing) < 0)
                        break;
                free(out);
                out = n;
        }
        closedir(d);
        return out;
}

void test_snapshot_take(struct test_snapshot *s, const char *loop_prefix)
{
        _cleanup_free_ char *mi = NULL;
        char *out = strdup(""), *save = NULL;

        ck_assert_int_ge(read_file("/proc/self/mountinfo", 1 << 22, &mi, NULL), 0);
        /* Keep mountpoint + source, drop ids that change with every mount. */
        for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char mp[1024], *n;
                if (sscanf(line, "%*s %*s %*s %*s %1023s", mp) != 1)
                        continue;
                if (asprintf(&n, "%s%s\n", out, mp) < 0)
                        break;
                free(out);
                out = n;
        }
        s->mounts = out;
        s->loop_prefix = loop_prefix ? strdup(loop_prefix) : NULL;
        s->loops = loops_text(loop_prefix);
}

void test_snapshot_done(struct test_snapshot *s)
{
        free(s->mounts);
        free(s->loops);
        free(s->loop_prefix);
}

void test_snapshot_assert_same(const struct test_snapshot *before)
{
        struct test_snapshot now_s;

        /* A loop device is cleared when its last user lets go; a process cloned into a
         * new mount namespace (a container starting, a zygote) holds a copy of every
         * mount for a few milliseconds. Allow it a second. */
        for (int i = 0;; i++) {
                test_snapshot_take(&now_s, before->loop_prefix);
                if ((streq(before->mounts, now_s.mounts) && streq(before->loops, now_s.loops)) ||
                    i >= 100)
                        break;
                test_snapshot_done(&now_s);
                usleep(10000);
        }
        ck_assert_msg(streq(before->mounts, now_s.mounts),
                      "mounts changed:\nbefore:\n%s\nafter:\n%s", before->mounts, now_s.mounts);
        ck_assert_msg(streq(before->loops, now_s.loops),
                      "loop devices changed:\nbefore:\n%s\nafter:\n%s", before->loops, now_s.loops);
        test_snapshot_done(&now_s);
}

int test_count_mounts_under(const char *prefix)
{
        _cleanup_free_ char *mi = NULL;
        char *save = NULL;
        int n = 0;

        if (read_file("/proc/self/mountinfo", 1 << 22, &mi, NULL) < 0)
                return -1;
        for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char mp[1024];
                if (sscanf(line, "%*s %*s %*s %*s %1023s", mp) == 1 &&
                    strncmp(mp, prefix, strlen(prefix)) == 0)
                        n++;
        }
        return n;
}

int test_state_mounts_of(json_t *mounts)
{
        json_t *m;
        size_t i;
        int n = 0;

        json_array_foreach (mounts, i, m) {
                json_t *o = json_object_get(m, "overlay");
                n++;
                if (o && json_integer_value(json_object_get(o, "upper_size")) > 0)
                        n++;
        }
        return n;
}

int test_count_loops_backed_by(const char *prefix)
{
        _cleanup_free_ char *text = loops_text(NULL);
        char *save = NULL;
        int n = 0;

        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');
                if (sp && strncmp(sp + 1, prefix, strlen(prefix)) == 0)
                        n++;
        }
        return n;
}

int test_wait_loops_gone(const char *prefix)
{
        for (int i = 0; i < 1000 && test_count_loops_backed_by(prefix) > 0; i++)
                usleep(10000);
        return test_count_loops_backed_by(prefix);
}

int test_count_dir_entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

/* Run argv with stdout (and, when both, stderr) going to out_fd. */
static int run_to(const char *const *argv, int out_fd, bool both)
{
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (out_fd >= 0) {
                        dup2(out_fd, STDOUT_FILENO);
                        if (both)
                                dup2(out_fd, STDERR_FILENO);
                }
                execvp(argv[0], (char *const *)argv);
                fprintf(stderr, "exec %s: %m\n", argv[0]);
                _exit(127);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int test_run(const char *const *argv)
{
        _cleanup_close_ int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

        return run_to(argv, fd, false);
}

int test_run_output(const char *const *argv, bool with_stderr, char **ret)
{
        _cleanup_close_ int fd = memfd_create("test-output", MFD_CLOEXEC);
        char path[64];
        int r;

        ck_assert_int_ge(fd, 0);
        r = run_to(argv, fd, with_stderr);
        (void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ck_assert_int_ge(read_file(path, 1 << 22, ret, NULL), 0);
        return r;
}

int test_berthd_run(const char *const *args, char *out, size_t size)
{
        const char *argv[32] = { test_berthd_path() };
        size_t n = 1, len = 0;
        int p[2], status;
        pid_t pid;

        for (size_t i = 0; args[i] && n < ELEMENTSOF(argv) - 1; i++)
                argv[n++] = args[i];
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                dup2(p[1], STDOUT_FILENO);
                dup2(p[1], STDERR_FILENO);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        close(p[1]);
        /* To its end, past size: a berthd blocked on a full pipe would never exit. */
        for (;;) {
                char scratch[4096];
                bool room = len + 1 < size;
                ssize_t r = read(p[0], room ? out + len : scratch,
                                 room ? size - 1 - len : sizeof(scratch));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                if (room)
                        len += (size_t)r;
        }
        out[len] = 0;
        close(p[0]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int test_children_of(pid_t parent, const char *comm, pid_t *out, size_t max)
{
        DIR *dir = opendir("/proc");
        struct dirent *de;
        int n = 0;

        ck_assert_ptr_nonnull(dir);
        while ((de = readdir(dir))) {
                _cleanup_free_ char *stat = NULL;
                const char *lp, *rp;
                char p[300], state;
                int ppid;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                (void)snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
                /* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
                if (read_file(p, 4096, &stat, NULL) < 0 || !(lp = strchr(stat, '(')) ||
                    !(rp = strrchr(stat, ')')) || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
                        continue;
                if (ppid != parent || state == 'Z' || (size_t)(rp - lp - 1) != strlen(comm) ||
                    strncmp(lp + 1, comm, strlen(comm)) != 0)
                        continue;
                if (out && (size_t)n < max)
                        out[n] = (pid_t)atoi(de->d_name);
                n++;
        }
        closedir(dir);
        return n;
}

int test_wait_children(pid_t parent, const char *comm, int want, pid_t *out, size_t max)
{
        int n = 0;

        for (int i = 0; i < 500 && (n = test_children_of(parent, comm, out, max)) != want; i++)
                usleep(10000);
        return n;
}

bool test_holds_fd_on(pid_t holder, const char *link)
{
        char dir[64], p[300], target[128];
        struct dirent *de;
        bool found = false;
        DIR *fds;

        (void)snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)holder);
        fds = opendir(dir);
        ck_assert_ptr_nonnull(fds);
        while (!found && (de = readdir(fds))) {
                ssize_t n;
                (void)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
                n = readlink(p, target, sizeof(target) - 1);
                if (n > 0) {
                        target[n] = 0;
                        found = streq(target, link);
                }
        }
        closedir(fds);
        return found;
}

bool test_pid_alive(pid_t pid)
{
        char path[64], state = 0;
        FILE *f;

        (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return false;
        if (fscanf(f, "%*d %*s %c", &state) != 1)
                state = 0;
        fclose(f);
        return state && state != 'Z';
}

char *test_in_container(pid_t pid, const char *cmd)
{
        char pidstr[16], *out = NULL;
        const char *argv[] = { "nsenter", "-t", pidstr, "-a", "/bin/sh", "-c", cmd, NULL };

        (void)snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
        (void)test_run_output(argv, true, &out);
        return out;
}

static int sweep_cgroup(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                char sub[1024];
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                (void)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
                n += sweep_cgroup(sub);
        }
        closedir(d);
        {
                /* A paused container cannot die until it is thawed. */
                char p[1100];
                int fd;
                (void)snprintf(p, sizeof(p), "%s/freezer.state", dir);
                fd = open(p, O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void)!write(fd, "THAWED", 6);
                        close(fd);
                }
                (void)snprintf(p, sizeof(p), "%s/cgroup.freeze", dir);
                fd = open(p, O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void)!write(fd, "0", 1);
                        close(fd);
                }
        }
        for (int tries = 0; tries < 100; tries++) {
                _cleanup_free_ char *procs = NULL;
                char p[1100], *save = NULL;
                bool any = false;

                (void)snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
                if (read_file(p, 1 << 20, &procs, NULL) < 0)
                        break;
                for (char *t = strtok_r(procs, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
                        (void)kill((pid_t)atoi(t), SIGKILL);
                        any = true;
                        n++;
                }
                if (!any)
                        break;
                usleep(10000);
        }
        /* A group whose last process is still exiting is busy for a moment. */
        for (int tries = 0; tries < 400; tries++) {
                if (rmdir(dir) == 0) {
                        n++;
                        break;
                }
                if (errno != EBUSY)
                        break;
                usleep(5000);
        }
        return n;
}

static const char *const cgroup_hier[] = { "unified", "memory",  "pids",   "cpu",   "cpuacct",
                                           "freezer", "devices", "cpuset", "blkio", "systemd" };

int test_count_container_cgroups(const char *cgroup_parent)
{
        int n = 0;

        for (size_t i = 0; i < ELEMENTSOF(cgroup_hier); i++) {
                char p[256];
                struct dirent *de;
                DIR *dir;

                (void)snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s", cgroup_hier[i], cgroup_parent);
                dir = opendir(p);
                if (!dir)
                        continue;
                while ((de = readdir(dir)))
                        /* Containers' groups; "z<n>" are berthd's waiting zygotes. */
                        if (de->d_type == DT_DIR && de->d_name[0] != '.' && de->d_name[0] != 'z')
                                n++;
                closedir(dir);
        }
        return n;
}

int test_wait_container_cgroups_gone(const char *cgroup_parent)
{
        for (int i = 0; i < 500 && test_count_container_cgroups(cgroup_parent) > 0; i++)
                usleep(10000);
        return test_count_container_cgroups(cgroup_parent);
}

int test_sweep(const char *cgroup_parent)
{
        const char *base = getenv("TMPDIR");
        char prefix[512];
        _cleanup_free_ char *mi = NULL;
        char *lines[4096];
        size_t n_lines = 0;
        int n = 0;

        for (size_t i = 0; cgroup_parent && i < ELEMENTSOF(cgroup_hier); i++) {
                char p[512];
                (void)snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s", cgroup_hier[i], cgroup_parent);
                n += sweep_cgroup(p);
        }

        (void)snprintf(prefix, sizeof(prefix), "%s/berth-", base && *base ? base : "/var/tmp");
        if (read_file("/proc/self/mountinfo", 1 << 22, &mi, NULL) >= 0) {
                char *save = NULL;
                for (char *line = strtok_r(mi, "\n", &save); line && n_lines < ELEMENTSOF(lines);
                     line = strtok_r(NULL, "\n", &save))
                        lines[n_lines++] = line;
                /* Newest first: an overlay before the mount under it. */
                for (size_t i = n_lines; i > 0; i--) {
                        char mp[1024];
                        if (sscanf(lines[i - 1], "%*s %*s %*s %*s %1023s", mp) == 1 &&
                            strncmp(mp, prefix, strlen(prefix)) == 0 &&
                            umount2(mp, MNT_DETACH) == 0)
                                n++;
                }
        }
        if (n > 0)
                fprintf(stderr, "test harness: swept %d leftovers of failed tests\n", n);
        return n;
}

static char run_dir[512];

void test_run_dir_enter(const char *name)
{
        const char *base = getenv("TMPDIR");

        (void)snprintf(run_dir, sizeof(run_dir), "%s/berth-run-%s-XXXXXX",
                       base && *base ? base : "/var/tmp", name);
        if (!mkdtemp(run_dir)) {
                fprintf(stderr, "mkdtemp %s: %m\n", run_dir);
                exit(99);
        }
        (void)setenv("TMPDIR", run_dir, 1);
}

void test_priv_begin(const char *program, const char *run_name)
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                fprintf(stderr, "%s: private mount namespace: %m\n", program);
                exit(99);
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        /* Programs that host berth's engines in-process ignore SIGPIPE as berthd does
         * (src/berthd.c): a write to an engine that went away must fail with EPIPE, not
         * end the program (test-priv-docker's reconnect case, once in a while). */
        (void)signal(SIGPIPE, SIG_IGN);
        test_run_dir_enter(run_name);
}

void test_run_dir_leave(const char *cgroup_parent)
{
        char p[600];

        (void)test_sweep(cgroup_parent);
        if (!run_dir[0])
                return;
        (void)snprintf(p, sizeof(p), "%s/", run_dir);
        if (test_count_mounts_under(p) == 0)
                test_rm_rf(run_dir);
        else
                fprintf(stderr, "test harness: mounts left under %s, not removed\n", run_dir);
}

int test_priv_run(Suite *s, const char *program, char *images, const char *cgroup_parent)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        if (images && test_wait_loops_gone(images) > 0) {
                fprintf(stderr, "%s: loop devices left on %s\n", program, images);
                failed++;
        }
        if (images)
                test_rm_rf(images);
        free(images);
        test_run_dir_leave(cgroup_parent);
        curl_global_cleanup();
        return failed ? 1 : 0;
}

TCase *test_tcase(Suite *s, const char *name, void (*setup)(void), void (*teardown)(void),
                  double timeout)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, timeout);
        suite_add_tcase(s, tc);
        return tc;
}

void test_remove_all(struct test_berthd *t, const char *collection)
{
        struct test_reply r;
        char path[160];

        test_get(t, collection, &r);
        for (size_t i = json_array_size(r.json); i > 0; i--) {
                struct test_reply rr;
                (void)snprintf(path, sizeof(path), "%s?force=true&id=%lld", collection,
                               (long long)json_integer_value(
                                       json_object_get(json_array_get(r.json, i - 1), "id")));
                test_delete(t, path, &rr);
                test_reply_done(&rr);
        }
        test_reply_done(&r);
}

void test_assert_clean(const char *state_dir, const char *images, const char *cgroup_parent)
{
        char p[512];

        (void)snprintf(p, sizeof(p), "%s/", state_dir);
        ck_assert_msg(test_count_mounts_under(p) == 0, "mounts left under %s", p);
        /* Cleared when its last user lets go (a namespace being cloned holds a copy of
         * every mount for a moment). */
        ck_assert_msg(!images || test_wait_loops_gone(images) == 0, "loop devices left on %s",
                      images);
        (void)snprintf(p, sizeof(p), "%s/mounts", state_dir);
        ck_assert_msg(test_count_dir_entries(p) == 0, "directories left in %s", p);
        if (cgroup_parent)
                ck_assert_msg(test_wait_container_cgroups_gone(cgroup_parent) == 0,
                              "cgroups left under %s", cgroup_parent);
}

void test_remove_everything_and_stop(struct test_berthd *t)
{
        if (t->pid > 0) {
                test_remove_all(t, "/imageapi/v1/container");
                test_remove_all(t, "/imageapi/v1/mount");
                test_remove_all(t, "/imageapi/v1/attach");
        }
        test_berthd_stop(t);
}
