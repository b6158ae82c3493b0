/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attacks of the secure-defaults issue, each tried for real and each required to
 * fail, with nothing left behind:
 *
 *  - from a default container (berth-attack, a static helper put into the test image):
 *    reach the API, sniff loopback, make a node for the host's disk and open it under
 *    cgroup v1 and under cgroup v2 alone, namespaces, io_uring and the other refused
 *    system calls, the /proc race against a container on the same writable root, the
 *    cgroup v1 release_agent from a systemd-mode container, filling the state
 *    directory through an overlay or a log;
 *  - from a local user that is not root (with and without --socket-group);
 *  - from a browser: Origin, Sec-Fetch-Site, a foreign Host (DNS rebinding);
 *  - against the daemon: TCP off loopback without authentication, stalled clients, an
 *    id counter file emptied by a power cut, FIFOs and devices as loop backing files,
 *    control characters in logged paths.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "harness.h"
#include "macro.h"

static char *images;
static char image[512]; /* busybox + /usr/local/bin/berth-attack */
static struct test_berthd d;
static char cgparent[64];

/* A uid and gid no account uses: a plain local user, as the kernel sees one. */
#define USER_UID 64124
#define OTHER_UID 64125
#define GROUP_GID 64123

/* ---- fixture ----------------------------------------------------------------------- */

static void build_images(void)
{
        const char *src = getenv("BERTH_SRCDIR"), *attack = getenv("BERTH_ATTACK");
        char script[512];

        if (images)
                return; /* one image for every test case */
        images = test_tmpdir("berth-simages-");
        (void)snprintf(image, sizeof(image), "%s/busybox.sqsh", images);
        (void)snprintf(script, sizeof(script), "%s/contrib/mkimage-busybox.sh", src ? src : ".");
        ck_assert_int_eq(
                test_run((const char *[]){ script, image,
                                           attack ? attack : "./tests/priv/berth-attack", NULL }),
                0);
}

/* berthd on its unix socket and TCP (or, unix_only, as it starts by default: its
 * socket only), in the test's cgroup parent, with extra arguments. */
static void start_with(bool unix_only, const char *const *extra)
{
        const char *argv[24] = { "--cgroup-parent", cgparent, "--log-max-size", "65536" };
        size_t n = unix_only ? 2 : 4;

        (void)test_sweep(cgparent);
        for (size_t i = 0; extra && extra[i] && n < ELEMENTSOF(argv) - 1; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        if (unix_only)
                test_berthd_start_unix_only(&d, argv);
        else
                test_berthd_start(&d, true, argv);
}

static void start(const char *const *extra)
{
        start_with(false, extra);
}

static void start_unix_only(const char *const *extra)
{
        start_with(true, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* Remove every object, stop berthd, and check that nothing of the test is left:
 * mounts, loop devices, directories, cgroups. */
static void finish(void)
{
        char state[256];

        (void)snprintf(state, sizeof(state), "%s", d.state_dir);
        test_remove_everything_and_stop(&d);
        test_assert_clean(state, images, cgparent);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* A container on a fresh nested overlay over the test image. overlay_extra goes into
 * the overlay definition, extra into the container's. */
static char *container_body(const char *args_json, const char *extra, const char *overlay_extra)
{
        char *b;

        ck_assert(asprintf(&b,
                           "{%s\"args\":%s,%s\"mount\":{\"overlay\":{%s"
                           "\"lower\":[{\"attach\":{\"fs_type\":\"squashfs\",\"mount_options\":"
                           "[\"ro\"],\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}]}}}",
                           extra && strstr(extra, "\"state\"") ? "" : "\"state\":\"running\",",
                           args_json, extra ? extra : "", overlay_extra ? overlay_extra : "",
                           image) > 0);
        return b;
}

/* Run a container to its end; its log. */
static char *run_container(const char *args_json, const char *extra, const char *overlay_extra)
{
        _cleanup_free_ char *b = container_body(args_json, extra, overlay_extra);
        json_t *c = test_call(&d, "POST", "/imageapi/v1/container", b, 201);
        long long id = test_json_int(c, "id");
        char *log = NULL, path[128];

        json_decref(c);
        c = test_wait_container_state(&d, id, "exited", 30);
        ck_assert_int_ge(read_file(test_json_str(c, "logfile"), 1 << 22, &log, NULL), 0);
        json_decref(c);
        (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld", id);
        json_decref(test_call(&d, "DELETE", path, NULL, 200));
        return log;
}

#define assert_log(log, needle)                                                                  \
        ck_assert_msg(strstr((log), (needle)), "'%s' not in the container's log:\n%s", (needle), \
                      (log))

/* An HTTP request over TCP with extra header lines ("Name: value", NULL-terminated):
 * the status. A refusal has the API's error body. */
static long http_headers(const char *method, const char *path, const char *body,
                         const char *const *headers)
{
        struct test_reply r;
        long status;

        test_http_headers(&d, method, path, body, headers, &r);
        status = r.status;
        if (status >= 400)
                test_assert_error(&r, status, NULL);
        test_reply_done(&r);
        return status;
}

/* In a child with the given credentials: connect to path and GET /imageapi/v1/container.
 * Returns the HTTP status (200, 401 …), or -errno of the connect. */
static int connect_as(uid_t uid, gid_t gid, bool in_group, const char *path)
{
        int p[2], status = 0, result = 0;
        pid_t pid;

        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                gid_t groups[1] = { GROUP_GID };
                int fd, r = 0;
                char buf[64] = "";

                close(p[0]);
                if (setgroups(in_group ? 1 : 0, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
                    setresuid(uid, uid, uid) < 0)
                        _exit(98);
                (void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                        r = -errno;
                else {
                        static const char req[] = "GET /imageapi/v1/container HTTP/1.1\r\n"
                                                  "Host: localhost\r\nConnection: close\r\n\r\n";
                        if (write(fd, req, sizeof(req) - 1) > 0 && read(fd, buf, 12) == 12)
                                r = atoi(buf + 9);
                }
                (void)!write(p[1], &r, sizeof(r));
                _exit(0);
        }
        close(p[1]);
        ck_assert_int_eq((int)read(p[0], &result, sizeof(result)), (int)sizeof(result));
        close(p[0]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return result;
}

static int free_port(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        close(fd);
        return ntohs(sa.sin_port);
}

/* ---- who can reach the API ----------------------------------------------------------- */

/* Default flags: the 0600 socket in a 0700 state directory, no TCP. A container finds
 * no socket and no port; a local user cannot connect. */
START_TEST(test_api_unreachable_by_default)
{
        char args[128], p[400];
        _cleanup_free_ char *log = NULL;
        struct stat st;

        start_unix_only(NULL);
        ck_assert_int_eq(stat(d.socket_path, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0600);
        ck_assert_int_eq(stat(d.state_dir, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0700);
        (void)snprintf(p, sizeof(p), "%s/listen", d.state_dir);
        {
                _cleanup_free_ char *l = NULL;
                ck_assert_int_ge(read_file(p, 4096, &l, NULL), 0);
                ck_assert_msg(!strstr(l, "http"), "berthd listens on TCP by default: %s", l);
        }

        (void)snprintf(args, sizeof(args), "[\"/usr/local/bin/berth-attack\",\"api\",\"%d\"]",
                       free_port());
        log = run_container(args, NULL, NULL);
        assert_log(log, "tcp_connect=ECONNREFUSED");
        assert_log(log, "sockets=0");

        ck_assert_int_eq(chmod(getenv("TMPDIR"), 0711), 0);
        ck_assert_int_eq(connect_as(USER_UID, USER_UID, false, d.socket_path), -EACCES);
        /* The unix socket serves root. */
        ck_assert_int_eq(connect_as(0, 0, false, d.socket_path), 200);
        finish();
}
END_TEST

/* --socket-group: members connect (the default socket path, in the state directory);
 * others do not; members cannot read the state directory itself. */
START_TEST(test_socket_group_member)
{
        const char *extra[] = { "--socket-group", "64123", NULL };
        char db[400];
        struct stat st;
        int p[2], status, r = 1;
        pid_t pid;

        /* The test's own directories above the state directory: passable for all, as
         * /run is. */
        ck_assert_int_eq(chmod(getenv("TMPDIR"), 0711), 0);
        start_unix_only(extra);
        ck_assert_int_eq(stat(d.socket_path, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0660);
        ck_assert_int_eq(st.st_gid, GROUP_GID);
        ck_assert_int_eq(stat(d.state_dir, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0710);
        ck_assert_int_eq(st.st_gid, GROUP_GID);

        ck_assert_int_eq(connect_as(USER_UID, USER_UID, true, d.socket_path), 200);
        ck_assert_int_eq(connect_as(OTHER_UID, OTHER_UID, false, d.socket_path), -EACCES);

        /* A member may pass through the state directory to the socket, nothing more. */
        (void)snprintf(db, sizeof(db), "%s/db", d.state_dir);
        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        if (pid == 0) {
                gid_t g[1] = { GROUP_GID };
                int res;
                if (setgroups(1, g) < 0 || setresgid(USER_UID, USER_UID, USER_UID) < 0 ||
                    setresuid(USER_UID, USER_UID, USER_UID) < 0)
                        _exit(98);
                res = (opendir(d.state_dir) == NULL && errno == EACCES && opendir(db) == NULL &&
                       errno == EACCES)
                              ? 0
                              : 1;
                (void)!write(p[1], &res, sizeof(res));
                _exit(0);
        }
        close(p[1]);
        ck_assert_int_eq((int)read(p[0], &r, sizeof(r)), (int)sizeof(r));
        close(p[0]);
        waitpid(pid, &status, 0);
        ck_assert_msg(r == 0, "a socket-group member can list the state directory");
        test_remove_everything_and_stop(&d);
}
END_TEST

/* TCP with a token: a container in the host's network namespace reaches the port but
 * gets 401, and cannot sniff the token (no CAP_NET_RAW); one with a network namespace
 * of its own keeps CAP_NET_RAW there. */
START_TEST(test_token_and_no_sniffing)
{
        _cleanup_free_ char *dir = test_tmpdir("berth-token-"), *log = NULL, *log2 = NULL;
        char token[600], args[128];
        const char *extra[] = { "--token-file", token, NULL };
        const char *port;

        (void)snprintf(token, sizeof(token), "%s/token", dir);
        ck_assert_int_eq(write_file_atomic(token, "s3cret-token\n", 13, 0600), 0);
        start(extra);
        (void)snprintf(d.auth, sizeof(d.auth), "token: s3cret-token");
        port = strrchr(d.url, ':') + 1;
        (void)snprintf(args, sizeof(args),
                       "[\"sh\",\"-c\",\"berth-attack api %s; berth-attack raw; grep CapBnd "
                       "/proc/self/status\"]",
                       port);
        log = run_container(args, NULL, NULL);
        assert_log(log, "tcp_connect=ok");
        assert_log(log, "tcp_status=401");
        assert_log(log, "packet=EPERM");
        assert_log(log, "raw_tcp=EPERM");
        assert_log(log, "CapBnd:\t00000000a80405fb");

        log2 = run_container("[\"/usr/local/bin/berth-attack\",\"raw\"]",
                             "\"namespaces\":[\"net\"],", NULL);
        assert_log(log2, "packet=ok");
        finish();
        test_rm_rf(dir);
}
END_TEST

/* Browsers: a page's request (Origin, Sec-Fetch-Site) and DNS rebinding (a foreign
 * Host) get 403 and change nothing; curl-like clients are served. */
START_TEST(test_browser_requests)
{
        _cleanup_free_ char *b = container_body("[\"sleep\",\"1000\"]",
                                                "\"name\":\"web\",\"state\":\"created\",", NULL);
        static const char *const page_posts[] = { "Origin: https://evil.example",
                                                  "Sec-Fetch-Site: cross-site",
                                                  "Host: rebind.attacker.example:8080" };
        static const struct {
                const char *path, *header;
        } page_starts[] = {
                { "/imageapi/v1/container/byname/web/running", "Sec-Fetch-Site: same-site" },
                { "/imageapi/v1/container/0/running", "Host: evil.example" },
        };
        json_t *c, *l;
        long status;

        start(NULL);
        for (size_t i = 0; i < ELEMENTSOF(page_posts); i++) {
                status = http_headers("POST", "/imageapi/v1/container", b,
                                      (const char *[]){ page_posts[i], NULL });
                ck_assert_msg(status == 403, "POST with %s: %ld, not 403", page_posts[i], status);
        }
        l = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
        ck_assert_uint_eq(json_array_size(l), 0);
        json_decref(l);
        l = test_call(&d, "GET", "/imageapi/v1/mount", NULL, 200);
        ck_assert_uint_eq(json_array_size(l), 0);
        json_decref(l);

        /* The v0.1 GET that starts a container, from a page: refused, still created. */
        c = test_call(&d, "POST", "/imageapi/v1/container", b, 201);
        json_decref(c);
        for (size_t i = 0; i < ELEMENTSOF(page_starts); i++) {
                status = http_headers("GET", page_starts[i].path, NULL,
                                      (const char *[]){ page_starts[i].header, NULL });
                ck_assert_msg(status == 403, "GET %s with %s: %ld, not 403", page_starts[i].path,
                              page_starts[i].header, status);
        }
        c = test_get_container(&d, 0);
        ck_assert_str_eq(test_json_str(c, "state"), "created");
        json_decref(c);
        /* The documents stay readable from a browser. */
        ck_assert_int_eq(http_headers("GET", "/openapi/imageapi.json", NULL,
                                      (const char *[]){ "Sec-Fetch-Site: same-origin", NULL }),
                         200);
        test_remove_everything_and_stop(&d);

        /* An origin the operator allows is served. */
        start((const char *[]){ "--allow-origin", "https://ui.example", NULL });
        ck_assert_int_eq(http_headers("GET", "/imageapi/v1/container", NULL,
                                      (const char *[]){ "Origin: https://ui.example",
                                                        "Sec-Fetch-Site: cross-site", NULL }),
                         200);
        ck_assert_int_eq(http_headers("GET", "/imageapi/v1/container", NULL,
                                      (const char *[]){ "Origin: https://ui.example.evil", NULL }),
                         403);
        finish();
}
END_TEST

/* Run berthd with args until it exits or has written its listen file; its output. */
static int run_berthd(const char *const *args, char *out, size_t size, bool *ret_listening)
{
        _cleanup_free_ char *dir = test_tmpdir("berth-expose-");
        char listen[600], logp[600];
        const char *argv[24] = { test_berthd_path(), "--state-dir", dir };
        size_t n = 3;
        int status = 0;
        pid_t pid;

        for (size_t i = 0; args[i]; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        (void)snprintf(listen, sizeof(listen), "%s/listen", dir);
        (void)snprintf(logp, sizeof(logp), "%s.log", dir);
        pid = fork();
        if (pid == 0) {
                int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                dup2(fd, 1);
                dup2(fd, 2);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        *ret_listening = false;
        for (int i = 0; i < 500; i++) {
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        pid = 0;
                        break;
                }
                if (access(listen, F_OK) == 0) {
                        *ret_listening = true;
                        break;
                }
                usleep(10000);
        }
        if (pid > 0) {
                kill(pid, SIGTERM);
                waitpid(pid, &status, 0);
        }
        {
                _cleanup_free_ char *text = NULL;
                (void)read_file(logp, 1 << 16, &text, NULL);
                (void)snprintf(out, size, "%s", text ? text : "");
        }
        (void)unlink(logp);
        test_rm_rf(dir);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* TCP without authentication: loopback only, with a warning; elsewhere refused before
 * anything is touched, unless --insecure. */
START_TEST(test_exposure)
{
        char out[8192];
        bool listening;
        int r;

        r = run_berthd(
                (const char *[]){ "--scheme", "http", "--host", "0.0.0.0", "--port", "0", NULL },
                out, sizeof(out), &listening);
        ck_assert_int_eq(r, 2);
        ck_assert(!listening);
        ck_assert_msg(strstr(out, "refusing to serve http on '0.0.0.0'") && strstr(out, "root"),
                      "%s", out);

        r = run_berthd((const char *[]){ "--scheme", "http", "--host", "0.0.0.0", "--port", "0",
                                         "--insecure", NULL },
                       out, sizeof(out), &listening);
        ck_assert(listening);
        ck_assert_msg(strstr(out, "--insecure: http on '0.0.0.0' without authentication"), "%s",
                      out);

        r = run_berthd((const char *[]){ "--scheme", "http", "--port", "0", NULL }, out,
                       sizeof(out), &listening);
        ck_assert(listening);
        ck_assert_msg(strstr(out, "every local user and every container"), "%s", out);
}
END_TEST

/* ---- devices ----------------------------------------------------------------------- */

/* mknod works (CAP_MKNOD is kept under the allow-list) but the host's root disk does
 * not open. */
static void assert_disk_refused(void)
{
        struct stat st;
        char args[160];
        _cleanup_free_ char *log = NULL;

        /* The disk under the host's root file system: a whole disk or a partition. */
        ck_assert_int_eq(stat("/", &st), 0);
        (void)snprintf(args, sizeof(args),
                       "[\"/usr/local/bin/berth-attack\",\"devices\",\"%u\",\"%u\"]",
                       major(st.st_dev), minor(st.st_dev));
        log = run_container(args, NULL, NULL);
        assert_log(log, "mknod=ok");
        assert_log(log, "open=EPERM");
}

START_TEST(test_devices_v1)
{
        start(NULL);
        assert_disk_refused();
        finish();
}
END_TEST

/* The v2 path alone: in a mount namespace of this test where the v1 devices hierarchy is
 * not mounted, berthd puts containers into v2 groups with the device program. */
START_TEST(test_devices_v2)
{
        _cleanup_free_ char *b = container_body("[\"sleep\",\"1000\"]", NULL, NULL);
        _cleanup_free_ char *cg = NULL;
        char p[64];
        json_t *c;

        ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
        ck_assert_int_eq(mount(NULL, "/sys/fs/cgroup/devices", NULL, MS_PRIVATE, NULL), 0);
        ck_assert_int_eq(umount2("/sys/fs/cgroup/devices", MNT_DETACH), 0);
        start((const char *[]){ "--zygotes", "0", NULL });
        assert_disk_refused();

        /* It really was in a v2 group of its own, and in no devices group. */
        c = test_call(&d, "POST", "/imageapi/v1/container", b, 201);
        (void)snprintf(p, sizeof(p), "/proc/%lld/cgroup", test_json_int(c, "pid"));
        ck_assert_int_ge(read_file(p, 65536, &cg, NULL), 0);
        ck_assert_msg(strstr(cg, "0::/") && strstr(cg, cgparent), "%s", cg);
        ck_assert_msg(!strstr(cg, ":devices:/berth-test"), "%s", cg);
        json_decref(c);
        finish();
}
END_TEST

/* ---- system calls -------------------------------------------------------------------- */

static void assert_syscalls_refused(const char *log)
{
        static const char *const want[] = {
                "unshare_user=EPERM",
                "unshare_net=EPERM",
                "unshare_mnt=EPERM",
                "unshare_files=ok",
                "clone_newuser=EPERM",
                "clone_plain=ok",
                "clone3=ENOSYS",
                "setns=EPERM",
                "io_uring_setup=EPERM",
                "userfaultfd=EPERM",
                "fsopen=EPERM",
                "open_tree=EPERM",
                "bpf=EPERM",
                "keyctl=EPERM",
                "mount=EPERM",
                "kexec_load=EPERM",
                "getpid=ok",
                /* Not on the list: ENOSYS, as for a call the profile does not know. */
                "personality_bad=ENOSYS",
        };

        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                assert_log(log, want[i]);
}

START_TEST(test_syscalls)
{
        static const char args[] = "[\"sh\",\"-c\",\"berth-attack syscalls; unshare -U true; echo "
                                   "unshare_U=$?; unshare -n true; echo unshare_n=$?\"]";
        _cleanup_free_ char *zyg = NULL, *cold = NULL, *userns = NULL;

        /* Through a zygote (the filter went on before the claim, berth-init's own mount
         * calls are refused to the payload by the second filter). */
        start(NULL);
        zyg = run_container(args, NULL, NULL);
        assert_syscalls_refused(zyg);
        assert_log(zyg, "unshare_U=1");
        assert_log(zyg, "unshare_n=1");
        /* A user namespace of its own may make namespaces inside it; io_uring stays out. */
        userns = run_container("[\"/usr/local/bin/berth-attack\",\"syscalls\"]",
                               "\"namespaces\":[\"user\"],", NULL);
        assert_log(userns, "unshare_user=ok");
        assert_log(userns, "io_uring_setup=EPERM");
        assert_log(userns, "bpf=EPERM");
        test_remove_everything_and_stop(&d);

        /* Without zygotes. */
        start((const char *[]){ "--zygotes", "0", NULL });
        cold = run_container(args, NULL, NULL);
        assert_syscalls_refused(cold);
        finish();
}
END_TEST

/* ---- /proc of a container whose root another container can write ------------------ */

START_TEST(test_proc_race)
{
        char body[2048], path[128];
        json_t *m, *a;
        long long mid, aid;
        int rounds = 30, procfs = 0;

        start((const char *[]){ "--zygotes", "0", NULL });
        (void)snprintf(body, sizeof(body),
                       "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"attach\","
                       "\"attach\":{\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],"
                       "\"attach\":{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\"}}}}]}}",
                       image);
        m = test_call(&d, "POST", "/imageapi/v1/mount", body, 201);
        mid = test_json_int(m, "id");
        json_decref(m);
        /* A: the whole writable root; it puts a second root at /sub and races on it. */
        (void)snprintf(body, sizeof(body),
                       "{\"name\":\"racer\",\"state\":\"running\",\"args\":[\"sh\",\"-c\","
                       "\"mkdir -p /sub/proc /sub/dev /sub/sys /sub/tmp && cp -a /bin /usr /etc "
                       "/sub/ && touch /sub/ready && exec berth-attack race /sub 60\"],"
                       "\"mount\":{\"kind\":\"overlay\",\"id\":%lld}}",
                       mid);
        a = test_call(&d, "POST", "/imageapi/v1/container", body, 201);
        aid = test_json_int(a, "id");
        json_decref(a);
        for (int i = 0; i < 500; i++) {
                char f[600];
                (void)snprintf(path, sizeof(path), "/imageapi/v1/mount?id=%lld", mid);
                m = test_call(&d, "GET", path, NULL, 200);
                (void)snprintf(f, sizeof(f), "%s/sub/ready",
                               test_json_str(json_array_get(m, 0), "mountpoint"));
                json_decref(m);
                if (access(f, F_OK) == 0)
                        break;
                usleep(20000);
        }
        /* B: rooted at /sub of the same overlay, started again and again while A swaps
         * its /proc directory with a decoy. /proc/sys must never be writable. */
        for (int i = 0; i < rounds; i++) {
                _cleanup_free_ char *log = NULL;
                struct test_reply r;
                json_t *c;
                long long id;

                (void)snprintf(body, sizeof(body),
                               "{\"state\":\"running\",\"args\":[\"/usr/local/bin/berth-attack\","
                               "\"proc\"],\"mount\":{\"kind\":\"bind\",\"bind\":{\"base\":"
                               "\"mount\",\"path\":\"/sub\",\"mount\":{\"kind\":\"overlay\","
                               "\"id\":%lld}}}}",
                               mid);
                test_post(&d, "/imageapi/v1/container", body, &r);
                if (r.status != 201) {
                        /* A start may fail when the decoy is in place: that is no
                         * escape. */
                        test_reply_done(&r);
                        continue;
                }
                id = test_json_int(r.json, "id");
                test_reply_done(&r);
                c = test_wait_container_state(&d, id, "exited", 30);
                (void)read_file(test_json_str(c, "logfile"), 1 << 20, &log, NULL);
                json_decref(c);
                /* A may detach B's /proc altogether (removing the directory it is
                 * mounted on ends that mount in every namespace): B then has none, which
                 * harms only B. What must never be is a writable /proc/sys. */
                ck_assert_msg(log && !strstr(log, "write_proc_sys=ok") &&
                                      !strstr(log, "write_sysrq=ok") &&
                                      !strstr(log, "proc_sys=procfs-rw"),
                              "round %d: /proc/sys was writable:\n%s", i, log ? log : "");
                if (log && strstr(log, "proc_sys=procfs-ro"))
                        procfs++;
                (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld", id);
                json_decref(test_call(&d, "DELETE", path, NULL, 200));
        }
        fprintf(stderr, "test_proc_race: %d of %d starts had /proc/sys (read-only)\n", procfs,
                rounds);
        ck_assert_msg(procfs > 0, "no round had a procfs at /proc");
        (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld&force=true", aid);
        json_decref(test_call(&d, "DELETE", path, NULL, 200));
        finish();
}
END_TEST

/* ---- privileged mode ----------------------------------------------------------------- */

/* A systemd-mode container has CAP_SYS_ADMIN and a cgroup namespace: it can mount cgroup
 * v1 hierarchies, but none at its root, where release_agent would run a program of its
 * choice on the host. */
START_TEST(test_release_agent)
{
        _cleanup_free_ char *log = NULL;

        start(NULL);
        log = run_container("[\"/usr/local/bin/berth-attack\",\"cgroups\"]", "\"systemd\":true,",
                            NULL);
        assert_log(log, "mount_blkio=ok");
        assert_log(log, "mount_none_name_systemd=ok");
        assert_log(log, "mount_none_name_berthevil=EPERM");
        assert_log(log, "release_agents=0");
        finish();
}
END_TEST

START_TEST(test_refuse_privileged)
{
        _cleanup_free_ char *b = container_body("[\"sh\"]", "\"systemd\":true,", NULL);
        struct test_reply r;

        start((const char *[]){ "--refuse-privileged", NULL });
        test_post(&d, "/imageapi/v1/container", b, &r);
        test_assert_error(&r, 403, "--refuse-privileged");
        test_reply_done(&r);
        {
                json_t *l = test_call(&d, "GET", "/imageapi/v1/mount", NULL, 200);
                ck_assert_uint_eq(json_array_size(l), 0);
                json_decref(l);
        }
        finish();
}
END_TEST

/* ---- filling the state directory ------------------------------------------------------ */

START_TEST(test_no_filling)
{
        _cleanup_free_ char *fill = NULL, *logs = NULL, *console = NULL;
        struct statfs before, after;
        json_t *c;

        start(NULL);
        /* An overlay's writes land in its own tmpfs, of the size asked for, and stop
         * there; the state directory's file system does not take them (other test
         * programs write to it meanwhile: a margin well below the 64 MiB tried). */
        ck_assert_int_eq(statfs(d.state_dir, &before), 0);
        {
                _cleanup_free_ char *b = container_body(
                        "[\"sh\",\"-c\",\"dd if=/dev/zero of=/fill bs=1M count=64 2>&1; "
                        "echo dd=$?; sleep 1000\"]",
                        NULL, "\"upper_size\":16777216,");
                double deadline = test_now() + 30;
                long long id;
                char path[128];

                c = test_call(&d, "POST", "/imageapi/v1/container", b, 201);
                id = test_json_int(c, "id");
                for (;;) {
                        free(fill);
                        fill = NULL;
                        (void)read_file(test_json_str(c, "logfile"), 1 << 20, &fill, NULL);
                        if ((fill && strstr(fill, "dd=")) || test_now() > deadline)
                                break;
                        usleep(50000);
                }
                assert_log(fill, "No space left on device");
                assert_log(fill, "dd=1");
                ck_assert_int_eq(
                        statfs(json_string_value(json_object_get(
                                       json_object_get(json_object_get(c, "mount"), "overlay"),
                                       "upperdir")),
                               &after),
                        0);
                ck_assert_msg(after.f_type == TMPFS_MAGIC &&
                                      (uint64_t)after.f_blocks * after.f_bsize == 16u << 20 &&
                                      after.f_bfree < after.f_blocks / 16,
                              "the upper directory is not on a full tmpfs of 16 MiB");
                json_decref(c);
                ck_assert_int_eq(statfs(d.state_dir, &after), 0);
                ck_assert_msg(
                        (long long)(before.f_bfree - after.f_bfree) * (long long)before.f_bsize <
                                (32ll << 20),
                        "the state directory's file system lost %lld bytes",
                        (long long)(before.f_bfree - after.f_bfree) * (long long)before.f_bsize);
                (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld&force=true", id);
                json_decref(test_call(&d, "DELETE", path, NULL, 200));
        }

        /* The default size (--overlay-size). */
        {
                _cleanup_free_ char *b = container_body("[\"true\"]", NULL, NULL);
                c = test_call(&d, "POST", "/imageapi/v1/container", b, 201);
                json_decref(c);
                c = test_call(&d, "GET", "/imageapi/v1/mount", NULL, 200);
                ck_assert_int_eq(
                        json_integer_value(json_object_get(
                                json_object_get(json_array_get(c, 1), "overlay"), "upper_size")),
                        1 << 30);
                json_decref(c);
        }

        /* Output and a systemd container's console rotate at --log-max-size (64 KiB). */
        logs = run_container("[\"sh\",\"-c\",\"yes output | head -c 400000\"]", NULL, NULL);
        ck_assert_msg(strlen(logs) <= 65536 + 16384, "log of %zu bytes", strlen(logs));
        console = run_container("[\"sh\",\"-c\",\"yes console | head -c 400000; sleep 1\"]",
                                "\"systemd\":true,", NULL);
        ck_assert_msg(strlen(console) <= 65536 + 16384, "console log of %zu bytes",
                      strlen(console));
        ck_assert_msg(strstr(console, "console"), "%s", console);
        finish();
}
END_TEST

/* ---- the daemon ------------------------------------------------------------------------ */

/* A client that sends part of a request and stalls is cut off after --read-timeout. */
START_TEST(test_stalled_client)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        static const char *const partial[] = {
                "GET /healthz HTTP/1.1\r\nHo",
                "POST /imageapi/v1/mount HTTP/1.1\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n{\"kind\"",
        };

        start_unix_only((const char *[]){ "--read-timeout", "1s", NULL });
        for (size_t i = 0; i < ELEMENTSOF(partial); i++) {
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                struct pollfd p = { .fd = fd, .events = POLLIN };
                char buf[512];
                double t0 = test_now();
                ssize_t n;

                (void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d.socket_path);
                ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
                ck_assert_int_gt(write(fd, partial[i], strlen(partial[i])), 0);
                ck_assert_int_eq(poll(&p, 1, 5000), 1);
                while ((n = read(fd, buf, sizeof(buf))) > 0)
                        ;
                ck_assert_msg(test_now() - t0 < 4, "closed after %.1f s", test_now() - t0);
                close(fd);
        }
        /* Served as before. */
        json_decref(test_call(&d, "GET", "/healthz", NULL, 200));
        test_remove_everything_and_stop(&d);
}
END_TEST

/* ids.json emptied (a power cut on a disk-backed state directory): berthd starts, and
 * the ids go on past every one it had given out. */
START_TEST(test_empty_ids_json)
{
        char body[1024], ids[400];
        json_t *a;
        long long first;

        start(NULL);
        (void)snprintf(body, sizeof(body),
                       "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\",\"ro\":true}}", image);
        a = test_call(&d, "POST", "/imageapi/v1/attach", body, 201);
        first = test_json_int(a, "id");
        json_decref(a);
        test_berthd_kill(&d);
        (void)snprintf(ids, sizeof(ids), "%s/db/ids.json", d.state_dir);
        ck_assert_int_eq(truncate(ids, 0), 0);
        test_berthd_spawn(&d, true, (const char *[]){ "--cgroup-parent", cgparent, NULL });
        a = test_call(&d, "POST", "/imageapi/v1/attach", body, 201);
        ck_assert_int_gt(test_json_int(a, "id"), first);
        json_decref(a);
        {
                _cleanup_free_ char *log = NULL;
                ck_assert_int_ge(read_file(d.log_path, 1 << 20, &log, NULL), 0);
                ck_assert_msg(strstr(log, "rebuilt from the records"), "%s", log);
        }
        finish();
}
END_TEST

/* A FIFO or a device as a loopback file: refused at once (no blocking open), nothing
 * left; control characters in a path are escaped in berthd's log. */
START_TEST(test_small_ones)
{
        _cleanup_free_ char *dir = test_tmpdir("berth-fifo-"), *log = NULL;
        char fifo[600], body[1024];
        struct test_reply r;
        double t0;

        start(NULL);
        (void)snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        for (int i = 0; i < 2; i++) {
                (void)snprintf(body, sizeof(body),
                               "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\"}}",
                               i == 0 ? fifo : "/dev/null");
                t0 = test_now();
                test_post(&d, "/imageapi/v1/attach", body, &r);
                test_assert_error(&r, 422, "is not a regular file");
                test_reply_done(&r);
                ck_assert(test_now() - t0 < 2);
        }

        test_get(&d, "/nowhere%1b%5b2J%0aforged", &r);
        ck_assert_status(&r, 404);
        test_reply_done(&r);
        usleep(100000);
        ck_assert_int_ge(read_file(d.log_path, 1 << 22, &log, NULL), 0);
        ck_assert_msg(!strchr(log, 0x1b), "a raw ESC in berthd's log");
        ck_assert_msg(strstr(log, "/nowhere\\x1b[2J\\x0aforged"), "%s", log);
        finish();
        test_rm_rf(dir);
}
END_TEST

static Suite *security_suite(void)
{
        Suite *s = suite_create("priv-security");
        const struct {
                const char *name;
                const TTest *tests[6];
        } cases[] = {
                { "reach",
                  { test_api_unreachable_by_default, test_socket_group_member,
                    test_token_and_no_sniffing, test_browser_requests, test_exposure } },
                { "devices", { test_devices_v1, test_devices_v2 } },
                { "syscalls", { test_syscalls } },
                { "race", { test_proc_race } },
                { "privileged", { test_release_agent, test_refuse_privileged } },
                { "filling", { test_no_filling } },
                { "daemon", { test_stalled_client, test_empty_ids_json, test_small_ones } },
        };

        /* One case per kind of attacker (CK_RUN_CASE=devices runs one of them). */
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                TCase *tc = tcase_create(cases[i].name);
                tcase_add_unchecked_fixture(tc, build_images, NULL);
                tcase_add_checked_fixture(tc, NULL, teardown);
                tcase_set_timeout(tc, 180);
                for (size_t k = 0; k < ELEMENTSOF(cases[i].tests) && cases[i].tests[k]; k++)
                        tcase_add_test(tc, cases[i].tests[k]);
                suite_add_tcase(s, tc);
        }
        return s;
}

int main(void)
{
        test_require_root("test-priv-security");
        test_priv_begin("test-priv-security", "security");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        return test_priv_run(security_suite(), "test-priv-security", images, cgparent);
}
