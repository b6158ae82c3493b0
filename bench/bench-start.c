/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container start time, berth against its peers, side by side in one run.
 *
 *   bench-start --url URL --rootfs DIR --bundle-crun DIR --bundle-runc DIR
 *               [--image SQSH] [--runs N] [--docker] [--state-base DIR]
 *   bench-start --only launcher --rootfs DIR [--runs N]        (for profiling)
 *   bench-start --only api --url URL --rootfs DIR [--runs N]   (for profiling)
 *
 * Every row starts /bin/true in a container on the same busybox root file system and
 * waits until it has exited; the time from the start request to the exit is what is
 * measured. Rows:
 *   berth API        POST /imageapi/v1/container (state running, a bind mount of the
 *                    root) and the "exited" event on GET /events
 *   berth launcher   as berthd starts a container, without HTTP: "zygote" claims a
 *                    process of a zygote pool (src/core/zygotes.h; the pool refills in
 *                    the background, and an empty pool means a clone, as in berthd),
 *                    "no zygote" clones into the namespaces and execs berth-init
 *                    (berth_launch_start()); both with the container's cgroups
 *   berth JSON-RPC   POST /jsonrpc org.rdk.OCIContainer.1.startContainer of the crun
 *                    row's bundle (its config.json translated, the bundle's rootfs as
 *                    the root) and the "exited" event of that container on GET /events
 *   berth JSON-RPC, seccomp, and crun run of it: the same bundle with a filter of its
 *                    own in linux.seccomp (--bundle-seccomp: berth's default allow-list
 *                    as an OCI rule set), which both compile at each start
 *   crun run         crun --root DIR/berth-bench-crun run -b BUNDLE (cgroupfs; see
 *                    bench/run.sh for the hybrid cgroup work-around crun needs here);
 *                    DIR is --state-base (default /run), where bench/run.sh also puts
 *                    berthd's state
 *   runc run         runc run -b BUNDLE
 *   unshare floor    unshare --mount --pid --uts --ipc --fork chroot ROOTFS /bin/true
 *   docker run       docker run --rm --network host IMAGE /bin/true (when --docker; bench/run.sh
 *                    starts a private dockerd, contrib/dockerd.sh)
 * plus one row that is not comparable: the nested POST that attaches a squashfs image,
 * mounts it, puts an overlay on it and starts the container, to the POST's reply.
 * Prints median, p90 and the ratio of each median to berth API's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "launch.h"
#include "macro.h"
#include "strv.h"
#include "zygotes.h"

extern char **environ;

static const char *arg_url, *arg_rootfs, *arg_crun, *arg_runc, *arg_image, *arg_only;
static const char *arg_seccomp; /* the crun bundle with a seccomp filter of its own */
static const char *arg_state = "/run";
static int arg_runs = 50;
static bool arg_docker;

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

struct row {
        const char *name;
        double median, p90;
        int n, failed;
};

static void summarise(struct row *r, double *t, int n)
{
        qsort(t, (size_t)n, sizeof(double), cmp);
        r->n = n;
        r->median = n ? t[n / 2] : 0;
        r->p90 = n ? t[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] : 0;
}

/* ---- HTTP ---------------------------------------------------------------------- */

static CURL *curl;

struct buf {
        char *p;
        size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
        struct buf *b = ud;
        size_t k = size * nmemb;
        char *np = realloc(b->p, b->n + k + 1);

        if (!np)
                return 0;
        memcpy(np + b->n, ptr, k);
        b->p = np;
        b->n += k;
        b->p[b->n] = 0;
        return k;
}

static long http(const char *method, const char *path, const char *body, char **ret)
{
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        struct buf b = {};
        char url[512];
        long status = 0;

        (void)snprintf(url, sizeof(url), "%s%s", arg_url, path);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        /* Without a body, back to GET semantics first: a POST with NULL fields would
         * read a body from stdin and wait a second for "100 Continue". */
        if (body)
                curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        else
                curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
        CURLcode c = curl_easy_perform(curl);
        if (c == CURLE_OK)
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        else
                fprintf(stderr, "%s %s: %s\n", method, path, curl_easy_strerror(c));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, NULL);
        curl_slist_free_all(h);
        if (ret)
                *ret = b.p;
        else
                free(b.p);
        return status;
}

static long long json_id(const char *text)
{
        const char *p = text ? strstr(text, "\"id\":") : NULL;

        return p ? atoll(p + 5) : -1;
}

/* A raw connection to GET /events: after each start we read until the exit event of
 * that container arrives. */
static int events_fd = -1;
static char ev_buf[1 << 16];
static size_t ev_len;

static void events_open(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET };
        char host[64], req[128];
        int port;

        if (sscanf(arg_url, "http://%63[^:]:%d", host, &port) != 2)
                exit(2);
        sa.sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &sa.sin_addr);
        events_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(events_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                perror("connect /events");
                exit(2);
        }
        (void)snprintf(req, sizeof(req), "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        (void)!write(events_fd, req, strlen(req));
}

static void events_wait_needle(const char *needle);

static void events_wait_exit(long long id)
{
        char needle[96];

        (void)snprintf(needle, sizeof(needle), "\"id\":%lld,\"event\":\"exited\"", id);
        events_wait_needle(needle);
}

/* Read the event stream until needle arrives. */
static void events_wait_needle(const char *needle)
{
        for (;;) {
                char *hit = memmem(ev_buf, ev_len, needle, strlen(needle));
                ssize_t n;

                if (hit) {
                        /* Drop everything up to the match. */
                        size_t off = (size_t)(hit - ev_buf) + strlen(needle);
                        memmove(ev_buf, ev_buf + off, ev_len - off);
                        ev_len -= off;
                        return;
                }
                if (ev_len > sizeof(ev_buf) / 2) {
                        memmove(ev_buf, ev_buf + ev_len - 1024, 1024);
                        ev_len = 1024;
                }
                n = read(events_fd, ev_buf + ev_len, sizeof(ev_buf) - ev_len);
                if (n <= 0) {
                        fprintf(stderr, "events stream closed\n");
                        exit(2);
                }
                ev_len += (size_t)n;
        }
}

/* The API row's two parts: until the reply (the container runs), then until the exit
 * event. */
static double ph_api_reply[1024], ph_api_exit[1024];
static int ph_api_n;

static void bench_api(struct row *row, double *t, long long mount_id)
{
        char body[256], path[96];
        int n = 0;

        (void)snprintf(body, sizeof(body),
                       "{\"state\":\"running\",\"args\":[\"/bin/true\"],\"mount\":{\"id\":%lld}}",
                       mount_id);
        for (int i = -5; i < arg_runs; i++) {
                char *reply = NULL;
                double t0 = now_ms();
                long st = http("POST", "/imageapi/v1/container", body, &reply);
                long long id = json_id(reply);
                double t1 = now_ms();

                free(reply);
                if (st != 201 || id < 0) {
                        row->failed++;
                        continue;
                }
                events_wait_exit(id);
                if (i >= 0) {
                        t[n++] = now_ms() - t0;
                        if (ph_api_n < 1024) {
                                ph_api_reply[ph_api_n] = t1 - t0;
                                ph_api_exit[ph_api_n++] = now_ms() - t1;
                        }
                }
                (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld", id);
                (void)http("DELETE", path, NULL, NULL);
        }
        summarise(row, t, n);
}

/* startContainer of bundle through the OCIContainer door, to its exit. */
static void bench_jsonrpc(struct row *row, double *t, const char *bundle)
{
        char body[1024], needle[96];
        int n = 0;

        for (int i = -5; i < arg_runs; i++) {
                char *reply = NULL;
                double t0 = now_ms();
                long st;

                (void)snprintf(body, sizeof(body),
                               "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"org.rdk."
                               "OCIContainer.1.startContainer\",\"params\":{\"containerId\":"
                               "\"bench-%d\",\"bundlePath\":\"%s\"}}",
                               i + 10, i + 10, bundle);
                st = http("POST", "/jsonrpc", body, &reply);
                if (st != 200 || !reply || !strstr(reply, "\"success\":true")) {
                        if (row->failed++ == 0)
                                fprintf(stderr, "startContainer: %s\n", reply ? reply : "");
                        free(reply);
                        continue;
                }
                free(reply);
                (void)snprintf(needle, sizeof(needle), "\"event\":\"exited\",\"name\":\"bench-%d\"",
                               i + 10);
                events_wait_needle(needle);
                if (i >= 0)
                        t[n++] = now_ms() - t0;
        }
        summarise(row, t, n);
}

static double del_t[1024];
static int del_n;

static void bench_nested(struct row *row, double *t)
{
        /* Called twice: without, then with another read-only attachment of the image
         * alive (berth then shares its loop device and squashfs cache). */
        char body[1024], path[96];
        int n = 0;

        for (int i = -3; i < arg_runs; i++) {
                char *reply = NULL;
                double t0, dt;
                long st;
                long long id;

                (void)snprintf(body, sizeof(body),
                               "{\"state\":\"running\",\"args\":[\"/bin/sleep\",\"5\"],\"mount\":{"
                               "\"overlay\":{\"lower\":[{\"attach\":{\"fs_type\":\"squashfs\","
                               "\"mount_options\":[\"ro\"],\"attach\":{\"loopback\":{\"path\":"
                               "\"%s\"}}}}]}}}",
                               arg_image);
                t0 = now_ms();
                st = http("POST", "/imageapi/v1/container", body, &reply);
                dt = now_ms() - t0;
                id = json_id(reply);
                if (st != 201) {
                        if (row->failed++ == 0)
                                fprintf(stderr, "nested POST: %ld %s\n", st, reply ? reply : "");
                        free(reply);
                        continue;
                }
                free(reply);
                if (i >= 0)
                        t[n++] = dt;
                (void)snprintf(path, sizeof(path), "/imageapi/v1/container?force=true&id=%lld", id);
                t0 = now_ms();
                st = http("DELETE", path, NULL, NULL);
                if (i >= 0 && st == 200 && del_n < 1024)
                        del_t[del_n++] = now_ms() - t0;
        }
        summarise(row, t, n);
}

/* ---- the floor in C ------------------------------------------------------------------- */

/* clone() into new mount, pid, uts and ipc namespaces, chroot, exec /bin/true, wait: the
 * least any runtime must do (no cgroups, no /proc, no pivot_root, no security set-up). */
static void bench_floor(struct row *row, double *t)
{
        int n = 0;

        for (int i = -5; i < arg_runs; i++) {
                double t0 = now_ms();
                struct clone_args ca = {
                        .flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC,
                        .exit_signal = SIGCHLD,
                };
                pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
                int status;

                if (pid == 0) {
                        char *const argv[] = { (char *)"/bin/true", NULL };
                        char *const envp[] = { NULL };
                        if (chroot(arg_rootfs) < 0 || chdir("/") < 0)
                                _exit(127);
                        execve("/bin/true", argv, envp);
                        _exit(127);
                }
                if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
                    WEXITSTATUS(status) != 0) {
                        row->failed++;
                        continue;
                }
                if (i >= 0)
                        t[n++] = now_ms() - t0;
        }
        summarise(row, t, n);
}

/* ---- the launcher directly --------------------------------------------------------- */

/* Medians of the launcher's phases, printed under the table. */
static double ph_cg[512], ph_ready[512], ph_exit[512];
static int ph_n;

/* with_zygotes: as berthd starts a container of the default profile, from a pool of
 * zygotes (src/core/zygotes.h) refilled in the background; when the pool is empty
 * (the refill has not caught up), the usual clone, as in berthd. */
static void bench_launcher(struct row *row, double *t, bool with_zygotes)
{
        struct berth_launcher *L = NULL;
        struct berth_cgroup_system *cs = NULL;
        struct berth_zygotes *pool = NULL;
        struct berth_error err = {};
        char dir[512], staging[600];
        int n = 0;

        if (berth_launcher_new(&L, &err) < 0 ||
            berth_cgroup_system_detect("/sys/fs/cgroup", "berth-bench", &cs, &err) < 0 ||
            berth_cgroup_system_prepare(cs, &err) < 0) {
                fprintf(stderr, "launcher: %s\n", err.msg);
                row->failed = arg_runs;
                return;
        }
        (void)snprintf(dir, sizeof(dir), "%s/berth-launcher-XXXXXX", arg_state);
        if (!mkdtemp(dir))
                return;
        (void)snprintf(staging, sizeof(staging), "%s/staging", dir);
        if ((mkdir(staging, 0700) < 0 && errno != EEXIST) ||
            (with_zygotes && (!berth_cgroup_v2_avoidable(cs) ||
                              berth_zygotes_start(L, cs, staging, 2, &pool) < 0))) {
                fprintf(stderr, "launcher: no zygotes here\n");
                row->failed = arg_runs;
                rmdir(staging);
                rmdir(dir);
                return;
        }
        if (pool)
                usleep(100000); /* filled, as a berthd's pool is when requests come */
        for (int i = -5; i < arg_runs; i++) {
                struct berth_launch l = {
                        .id = (uint64_t)i + 100,
                        .hostname = (char *)"bench",
                        .rootfs = (char *)arg_rootfs,
                        .staging = staging,
                        .args = (char *[]){ (char *)"/bin/true", NULL },
                        .exec_path = (char *)"/bin/true",
                        .env = (char *[]){ (char *)"PATH=/bin", NULL },
                        .cwd = (char *)"/",
                        .caps = BERTH_CAPS_ZYGOTE,
                        .no_new_privs = true,
                };
                struct berth_limits lim = {};
                struct berth_cgroup *cg = NULL;
                struct berth_launched res;
                struct berth_launch_fds fds = {}; /* no before_go hook */
                char name[32], p[128];
                double t0 = now_ms(), t1 = 0, t2 = 0, t3 = 0;
                int r;

                struct berth_zygote_ready z = {};
                bool zygote = pool && berth_zygotes_take(pool, &z);
                (void)snprintf(name, sizeof(name), "b%d", i + 5);
                if (zygote) {
                        r = 0; /* its groups are renamed while it starts (as berthd does) */
                        cg = TAKE_PTR(z.cg);
                } else
                        r = berth_cgroup_create(cs, name, pool ? 0 : BERTH_CGROUP_V2, &lim, &cg,
                                                &err);
                t1 = now_ms();
                if (r >= 0) {
                        char *v1[_BERTH_CG_MAX + 1] = {};
                        size_t k = 0;
                        for (size_t j = 0; j < cg->n_paths; j++)
                                if (!streq_ptr(cg->paths[j], cg->v2))
                                        v1[k++] = cg->paths[j];
                        l.cgroups = v1;
                        fds.cgroup_v2 =
                                cg->v2 ? open(cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
                        (void)snprintf(p, sizeof(p), "%s/log", dir);
                        fds.log = open(p, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                        (void)snprintf(p, sizeof(p), "%s/log.1", dir);
                        fds.log_old = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                        /* A new status file per start, as berthd has (a new
                         * container directory). */
                        (void)snprintf(p, sizeof(p), "%s/exit", dir);
                        (void)unlink(p);
                        fds.status = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                        if (zygote) {
                                int tree = (int)syscall(SYS_open_tree, AT_FDCWD, arg_rootfs,
                                                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                                AT_RECURSIVE);
                                l.cgroups = NULL; /* it is in them already */
                                r = berth_zygote_claim_send(&z.z, &l, &fds, tree, &err);
                                if (r >= 0)
                                        r = berth_cgroup_rename(cg, name, &err);
                                if (r >= 0)
                                        r = berth_zygote_claim_wait(&z.z, 10000, &res, &err);
                                if (r < 0)
                                        berth_zygote_kill(&z.z);
                                berth_zygotes_refill(pool);
                                close(tree);
                        } else
                                r = berth_launch_start(L, &l, &fds, 10000, &res, &err);
                        t2 = now_ms();
                        close(fds.log);
                        close(fds.log_old);
                        close(fds.status);
                        if (fds.cgroup_v2 >= 0)
                                close(fds.cgroup_v2);
                }
                if (r >= 0) {
                        siginfo_t si;
                        (void)waitid(P_PIDFD, (id_t)res.pidfd, &si, WEXITED);
                        close(res.pidfd);
                        /* Held as berthd holds it (launch.h), let go after the exit. */
                        t3 = now_ms();
                        if (res.mntns_fd >= 0)
                                close(res.mntns_fd);
                        if (i >= 0 && !with_zygotes && ph_n < 512) {
                                ph_cg[ph_n] = t1 - t0;
                                ph_ready[ph_n] = t2 - t1;
                                ph_exit[ph_n++] = t3 - t2;
                        }
                        if (i >= 0)
                                t[n++] = t3 - t0;
                } else {
                        fprintf(stderr, "launcher: %s\n", err.msg);
                        row->failed++;
                }
                if (cg) {
                        (void)berth_cgroup_remove(cg);
                        berth_cgroup_free(cg);
                }
        }
        berth_zygotes_stop(pool);
        rmdir(staging);
        berth_cgroup_system_prune(cs);
        berth_cgroup_system_free(cs);
        berth_launcher_free(L);
        {
                char p[128];
                (void)snprintf(p, sizeof(p), "%s/log", dir);
                unlink(p);
                (void)snprintf(p, sizeof(p), "%s/log.1", dir);
                unlink(p);
                (void)snprintf(p, sizeof(p), "%s/exit", dir);
                unlink(p);
                rmdir(dir);
        }
        summarise(row, t, n);
}

static void print_phases(void)
{
        if (ph_api_n > 0) {
                qsort(ph_api_reply, (size_t)ph_api_n, sizeof(double), cmp);
                qsort(ph_api_exit, (size_t)ph_api_n, sizeof(double), cmp);
                printf("\nberth API phases (medians): POST to its reply (running) %.2f ms, "
                       "then to the exited event %.2f ms\n",
                       ph_api_reply[ph_api_n / 2], ph_api_exit[ph_api_n / 2]);
        }
        if (ph_n <= 0)
                return;
        qsort(ph_cg, (size_t)ph_n, sizeof(double), cmp);
        qsort(ph_ready, (size_t)ph_n, sizeof(double), cmp);
        qsort(ph_exit, (size_t)ph_n, sizeof(double), cmp);
        printf("\nberth launcher phases (medians): cgroups %.2f ms, clone to payload "
               "exec'd %.2f ms, to its exit %.2f ms\n",
               ph_cg[ph_n / 2], ph_ready[ph_n / 2], ph_exit[ph_n / 2]);
}

/* ---- commands ---------------------------------------------------------------------- */

static int spawn_wait(const char *const argv[])
{
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int status;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -1;
        }
        posix_spawn_file_actions_destroy(&fa);
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void bench_cmd(struct row *row, double *t, const char *const *argv_tmpl, int id_arg)
{
        int n = 0;

        for (int i = -5; i < arg_runs; i++) {
                const char *argv[32];
                char idbuf[32];
                double t0;
                int k = 0;

                for (; argv_tmpl[k]; k++)
                        argv[k] = argv_tmpl[k];
                argv[k] = NULL;
                if (id_arg >= 0) {
                        (void)snprintf(idbuf, sizeof(idbuf), "bench-%d-%d", (int)getpid(), i + 5);
                        argv[id_arg] = idbuf;
                }
                t0 = now_ms();
                if (spawn_wait(argv) != 0) {
                        row->failed++;
                        continue;
                }
                if (i >= 0)
                        t[n++] = now_ms() - t0;
        }
        summarise(row, t, n);
}

static void print_table(struct row *rows, int n, double base)
{
        printf("\n| %-38s | %10s | %10s | %14s | %s |\n", "start /bin/true, wait for its exit",
               "median ms", "p90 ms", "× berth API", "runs (failed)");
        printf("|%s|%s|%s|%s|%s|\n", "----------------------------------------",
               "-----------:", "-----------:", "---------------:", "---------------");
        for (int i = 0; i < n; i++) {
                if (!rows[i].n && !rows[i].failed)
                        continue;
                printf("| %-38s | %10.2f | %10.2f | %14.2f | %d (%d) |\n", rows[i].name,
                       rows[i].median, rows[i].p90, base > 0 ? rows[i].median / base : 0, rows[i].n,
                       rows[i].failed);
        }
}

int main(int argc, char *argv[])
{
        static const struct option opts[] = {
                { "url", required_argument, NULL, 'u' },
                { "rootfs", required_argument, NULL, 'r' },
                { "bundle-crun", required_argument, NULL, 'c' },
                { "bundle-runc", required_argument, NULL, 'R' },
                { "bundle-seccomp", required_argument, NULL, 'S' },
                { "image", required_argument, NULL, 'i' },
                { "runs", required_argument, NULL, 'n' },
                { "docker", no_argument, NULL, 'd' },
                { "only", required_argument, NULL, 'O' },
                { "state-base", required_argument, NULL, 's' },
                {},
        };
        struct row rows[12] = {};
        double *t;
        char body[512], *reply = NULL;
        long long mount_id;
        int o, nrows = 0;

        while ((o = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (o) {
                case 'u':
                        arg_url = optarg;
                        break;
                case 'r':
                        arg_rootfs = optarg;
                        break;
                case 'c':
                        arg_crun = optarg;
                        break;
                case 'R':
                        arg_runc = optarg;
                        break;
                case 'S':
                        arg_seccomp = optarg;
                        break;
                case 'i':
                        arg_image = optarg;
                        break;
                case 'n':
                        arg_runs = atoi(optarg);
                        break;
                case 'd':
                        arg_docker = true;
                        break;
                case 'O':
                        arg_only = optarg;
                        break;
                case 's':
                        arg_state = optarg;
                        break;
                default:
                        return 2;
                }
        if (streq_ptr(arg_only, "launcher") && arg_rootfs) {
                /* For profiling the launcher alone (perf record -a ...). */
                t = calloc((size_t)arg_runs + 8, sizeof(double));
                rows[0].name = "berth launcher, zygote (library call)";
                bench_launcher(&rows[0], t, true);
                rows[1].name = "berth launcher, no zygote (library call)";
                bench_launcher(&rows[1], t, false);
                print_table(rows, 2, rows[0].median);
                print_phases();
                free(t);
                return 0;
        }
        if (!arg_url || !arg_rootfs) {
                fprintf(stderr, "usage: bench-start --url URL --rootfs DIR [...]\n");
                return 2;
        }
        t = calloc((size_t)arg_runs + 8, sizeof(double));
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl = curl_easy_init();

        /* The same root file system for everyone: berth binds the directory. */
        (void)snprintf(body, sizeof(body), "{\"bind\":{\"path\":\"%s\",\"ro\":true}}", arg_rootfs);
        if (http("POST", "/imageapi/v1/mount", body, &reply) != 201) {
                fprintf(stderr, "bind mount failed: %s\n", reply ? reply : "");
                return 1;
        }
        mount_id = json_id(reply);
        free(reply);
        events_open();

        rows[nrows].name = "berth API (POST -> exited event)";
        bench_api(&rows[nrows++], t, mount_id);
        if (streq_ptr(arg_only, "api")) {
                print_table(rows, nrows, rows[0].median);
                print_phases();
                arg_image = NULL;
                goto out;
        }
        rows[nrows].name = "berth launcher, zygote (library call)";
        bench_launcher(&rows[nrows++], t, true);
        rows[nrows].name = "berth launcher, no zygote (library call)";
        bench_launcher(&rows[nrows++], t, false);
        if (arg_crun) {
                rows[nrows].name = "berth JSON-RPC startContainer (-> exited event)";
                bench_jsonrpc(&rows[nrows++], t, arg_crun);
        }
        if (arg_seccomp) {
                char root[512];
                const char *cargv[] = {
                        "crun", "--root", root, "run", "-b", arg_seccomp, "ID", NULL
                };

                rows[nrows].name = "berth JSON-RPC startContainer, bundle's own seccomp filter";
                bench_jsonrpc(&rows[nrows++], t, arg_seccomp);
                (void)snprintf(root, sizeof(root), "%s/berth-bench-crun", arg_state);
                rows[nrows].name = "crun run, the same bundle";
                bench_cmd(&rows[nrows++], t, cargv, 6);
        }
        if (arg_crun) {
                char root[512];
                (void)snprintf(root, sizeof(root), "%s/berth-bench-crun", arg_state);
                const char *cargv[] = { "crun", "--root", root, "run", "-b", arg_crun, "ID", NULL };
                rows[nrows].name = "crun run";
                bench_cmd(&rows[nrows++], t, cargv, 6);
        }
        if (arg_runc) {
                char root[512];
                (void)snprintf(root, sizeof(root), "%s/berth-bench-runc", arg_state);
                const char *rargv[] = { "runc", "--root", root, "run", "-b", arg_runc, "ID", NULL };
                rows[nrows].name = "runc run";
                bench_cmd(&rows[nrows++], t, rargv, 6);
        }
        {
                const char *uargv[] = { "unshare", "--mount", "--pid",    "--uts",     "--ipc",
                                        "--fork",  "chroot",  arg_rootfs, "/bin/true", NULL };
                rows[nrows].name = "unshare -mpiu --fork chroot";
                bench_cmd(&rows[nrows++], t, uargv, -1);
        }
        rows[nrows].name = "clone+chroot+exec in C (floor)";
        bench_floor(&rows[nrows++], t);
        if (arg_docker) {
                /* The host's network, as berth's default and the crun/runc bundles
                 * (no network namespace). */
                const char *dargv[] = { "docker",    "run",  "--rm",
                                        "--network", "host", "berth-bench-busybox",
                                        "/bin/true", NULL };
                rows[nrows].name = "docker run --rm";
                bench_cmd(&rows[nrows++], t, dargv, -1);
        }
        print_table(rows, nrows, rows[0].median);
        print_phases();

        if (arg_image) {
                struct row cold = { .name = "nested POST, image not in use" };
                struct row warm = { .name = "nested POST, image mounted elsewhere" };
                char abody[512], *areply = NULL;
                long long aid, mid;

                bench_nested(&cold, t);
                /* Another user of the image: berth shares its loop device, the kernel
                 * its squashfs superblock and the blocks already decompressed. */
                (void)snprintf(abody, sizeof(abody), "{\"loopback\":{\"path\":\"%s\",\"ro\":true}}",
                               arg_image);
                (void)http("POST", "/imageapi/v1/attach", abody, &areply);
                aid = json_id(areply);
                free(areply);
                (void)snprintf(abody, sizeof(abody),
                               "{\"attach\":{\"attach\":{\"id\":%lld},\"fs_type\":\"squashfs\"}}",
                               aid);
                (void)http("POST", "/imageapi/v1/mount", abody, &areply);
                mid = json_id(areply);
                free(areply);
                bench_nested(&warm, t);
                printf("\n| %-44s | %10s | %10s | %s |\n",
                       "attach+mount+overlay+start, one request", "median ms", "p90 ms",
                       "runs (failed)");
                printf("|----------------------------------------------|-----------:|-----------:|"
                       "---------------|\n");
                printf("| %-44s | %10.2f | %10.2f | %d (%d) |\n", cold.name, cold.median, cold.p90,
                       cold.n, cold.failed);
                printf("| %-44s | %10.2f | %10.2f | %d (%d) |\n", warm.name, warm.median, warm.p90,
                       warm.n, warm.failed);
                {
                        struct row del = {};
                        summarise(&del, del_t, del_n);
                        printf("| %-44s | %10.2f | %10.2f | %d (%d) |\n",
                               "force DELETE of that running container", del.median, del.p90, del.n,
                               2 * arg_runs - del.n);
                }
                if (mid >= 0) {
                        char path[64];
                        (void)snprintf(path, sizeof(path), "/imageapi/v1/mount?id=%lld", mid);
                        (void)http("DELETE", path, NULL, NULL);
                }
                if (aid >= 0) {
                        char path[64];
                        (void)snprintf(path, sizeof(path), "/imageapi/v1/attach?id=%lld", aid);
                        (void)http("DELETE", path, NULL, NULL);
                }
        }
out : {
        char path[64];
        (void)snprintf(path, sizeof(path), "/imageapi/v1/mount?id=%lld", mount_id);
        (void)http("DELETE", path, NULL, NULL);
}
        close(events_fd);
        curl_easy_cleanup(curl);
        curl_global_cleanup();
        free(t);
        return 0;
}
