/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Test harness: start a real berthd on 127.0.0.1 with an ephemeral port and a
 * temporary state directory, talk HTTP to it with libcurl, and stop it by pid.
 */

struct test_berthd {
        pid_t pid;
        char state_dir[256];
        char url[128];
        char socket_path[300];
        char log_path[300];
        char auth[300]; /* a header line sent with every request ("token: ..."), or "" */
        /* https: the CA that signed berthd's certificate; the client certificate and key
         * presented (empty: none). */
        char tls_ca[300], tls_cert[300], tls_key[300];
        /* Start berthd as it starts by default: its unix socket only, no TCP (requests
         * then go over the socket). */
        bool unix_only;
};

/* Skip (77) unless root and the kernel features are there; with
 * BERTH_TESTS_MUST_RUN=1 a skip is a failure (exit 1). Call first in main(). */
void test_require_root(const char *what);

/* Path of the berthd binary under test ($BERTHD, else ./berthd). */
const char *test_berthd_path(void);

/* Start berthd with extra arguments (NULL-terminated, may be NULL). Fails the test on
 * error. With use_unix, also listens on <state>/berthd.sock. */
void test_berthd_start(struct test_berthd *t, bool use_unix, const char *const *extra);
/* The same as berthd starts with no --scheme: its unix socket only. */
void test_berthd_start_unix_only(struct test_berthd *t, const char *const *extra);
/* Start berthd again on t->state_dir (after test_berthd_kill). */
void test_berthd_spawn(struct test_berthd *t, bool use_unix, const char *const *extra);
/* SIGTERM and wait; it must exit 0. The state directory stays. */
void test_berthd_kill(struct test_berthd *t);
/* SIGTERM, wait (it must exit 0), remove the state directory when nothing is mounted
 * below it. */
void test_berthd_stop(struct test_berthd *t);

struct test_reply {
        long status;
        char *body;
        size_t len;
        json_t *json; /* parsed body, NULL when not JSON */
        char allow[128];
        char content_type[128];
        char headers[4096]; /* all response header lines */
};
void test_reply_done(struct test_reply *r);

/* One HTTP request. body may be NULL; content_type NULL means
 * "application/json" when there is a body. unix_socket: use the unix socket. */
void test_http(const struct test_berthd *t, const char *method, const char *path,
               const char *content_type, const char *body, size_t body_len, bool unix_socket,
               struct test_reply *ret);

/* The same with a JSON body (or NULL), over TCP, and extra header lines ("Name: value",
 * NULL-terminated; may be NULL) after the usual ones. */
void test_http_headers(const struct test_berthd *t, const char *method, const char *path,
                       const char *body, const char *const *headers, struct test_reply *ret);

/* Shorthands: JSON body, TCP. */
void test_get(const struct test_berthd *t, const char *path, struct test_reply *ret);
void test_post(const struct test_berthd *t, const char *path, const char *json,
               struct test_reply *ret);
void test_delete(const struct test_berthd *t, const char *path, struct test_reply *ret);

/* One request (body may be NULL) that must answer status want; the parsed reply (a new
 * reference, NULL when not JSON). */
json_t *test_call(const struct test_berthd *t, const char *method, const char *path,
                  const char *body, long want);
/* A request that may meet no berthd (it is being killed): the HTTP status, or 0 when
 * there was no answer; *ret (when given) gets the parsed body or NULL. */
long test_try(const struct test_berthd *t, const char *method, const char *path, const char *body,
              json_t **ret);
/* SIGKILL berthd and reap it; its state directory stays for the next spawn. */
void test_berthd_crash(struct test_berthd *t);

/* Assert a status; prints the body on mismatch. */
#define ck_assert_status(reply, want)                                                          \
        ck_assert_msg((reply)->status == (want), "expected HTTP %d, got %ld: %s", (int)(want), \
                      (reply)->status, (reply)->body ? (reply)->body : "")

/* The error body must be {"code":status,"message":...} and message must contain
 * needle (when not NULL). */
void test_assert_error(const struct test_reply *r, long status, const char *needle);

/* A reply has the JSON types of the upstream ImageAPI model (go-swagger's Go structs
 * decode only those): model is "attach", "mount", "container" (v0.2, which v0.1's
 * container shares but for refs), "rbd_v01", "mount_rbd_v01", "mount_overlay_v01", or
 * "[model]" for a list of them. Fields the model does not have are not checked (Go
 * ignores them); fields it has must have its type, recursively through nested mounts
 * and attachments. Fails the test with the path of the first mismatch. Returns j, so that
 * a reply can be checked where it is received. */
json_t *test_assert_imageapi_shape(json_t *j, const char *model);

/* Integer field of the reply object. */
long long test_json_int(json_t *j, const char *key);
const char *test_json_str(json_t *j, const char *key);

/* GET /imageapi/v1/container?id=: the container (a new reference). */
json_t *test_get_container(const struct test_berthd *t, long long id);
/* Poll until the container is in state; fails the test after timeout seconds. */
json_t *test_wait_container_state(const struct test_berthd *t, long long id, const char *state,
                                  double timeout);
/* The same for the container at path (a container, or a list of one: ?name=, ?id=);
 * check, when not NULL, is called on every reply. */
json_t *test_wait_state_at(const struct test_berthd *t, const char *path, const char *state,
                           double timeout, void (*check)(json_t *reply));

/* ---- a Ceph cluster (contrib/ceph-cluster.sh) ------------------------------------- */

struct test_ceph {
        char dir[600];
        char conf[700]; /* its configuration, with the keyring: --ceph-conf */
        char mon[128];  /* msgr1 ip:port */
        char admin_key[128], client[64], client_key[128];
        bool owned; /* started here (else the suite's, BERTH_TEST_CEPH_DIR) */
};
/* Start one in work/ceph, or find the suite's; fails the test when it cannot. */
void test_ceph_start(struct test_ceph *c, const char *work);
/* rbd import of file into the pool as image (replacing it). */
void test_ceph_import(const struct test_ceph *c, const char *file, const char *image);
/* Stop it when it was started here (no ck_* calls: fine after a failed start). */
void test_ceph_stop(struct test_ceph *c);

/* ---- kernel state ---------------------------------------------------------------- */

/* A snapshot of what matters for leaks: mounts (mountinfo lines) and configured loop
 * devices (name → backing file). */
struct test_snapshot {
        char *loop_prefix;
        char *mounts;
        char *loops;
};
/* Loop devices are global and other test binaries run at the same time: only those
 * whose backing file starts with loop_prefix count. */
void test_snapshot_take(struct test_snapshot *s, const char *loop_prefix);
void test_snapshot_done(struct test_snapshot *s);
/* Fail the test if mounts or loop devices differ. */
void test_snapshot_assert_same(const struct test_snapshot *before);

/* Number of mounts whose mountpoint starts with prefix. */
int test_count_mounts_under(const char *prefix);
/* How many mounts berthd keeps under <state>/mounts for a list of mounts from the API:
 * one each, and an overlay's upper tmpfs (upper_size > 0). */
int test_state_mounts_of(json_t *mounts);
/* Number of loop devices whose backing file starts with prefix. */
int test_count_loops_backed_by(const char *prefix);
/* The same, after waiting (up to 10 s) for it to reach 0: the kernel clears an
 * autoclear loop device asynchronously once its last user is gone, and a container's
 * mount namespace can be the last user. */
int test_wait_loops_gone(const char *prefix);
/* Number of entries in a directory (0 when missing). */
int test_count_dir_entries(const char *dir);

/* Run a program (argv), wait, return its exit status; its output goes to the log. */
int test_run(const char *const *argv);
/* The same, returning its stdout (and stderr when with_stderr) in *ret. */
int test_run_output(const char *const *argv, bool with_stderr, char **ret);
/* Run berthd with args (NULL-terminated) to its end: its exit status (-1 when killed by
 * a signal), its stdout and stderr in out (cut to size). */
int test_berthd_run(const char *const *args, char *out, size_t size);
/* Living children (no zombies) of parent whose name (/proc/PID/comm) is comm, such as
 * berthd's waiting zygotes ("berth-zygote": a claimed one is renamed "berth-init") or
 * its "berth-rbd" helpers: how many; the first max of them in out (may be NULL). */
int test_children_of(pid_t parent, const char *comm, pid_t *out, size_t max);
/* The same, after waiting (up to 5 s) for there to be want of them. */
int test_wait_children(pid_t parent, const char *comm, int want, pid_t *out, size_t max);
/* Alive and not a zombie. */
bool test_pid_alive(pid_t pid);
/* Has process holder an open fd whose /proc link reads link (such as a namespace's
 * "mnt:[4026532301]", a readlink of /proc/PID/ns/mnt)? */
bool test_holds_fd_on(pid_t holder, const char *link);
/* Run a shell command inside the namespaces of pid (nsenter -a); its output. */
char *test_in_container(pid_t pid, const char *cmd);

/* mkdtemp under $TMPDIR or /var/tmp; returns a static-lifetime copy. */
char *test_tmpdir(const char *prefix);
/* A new directory (test_tmpdir(prefix), returned) with the busybox test image
 * (contrib/mkimage-busybox.sh) as busybox.sqsh and unpacked into rootfs/, whose path is
 * written to rootfs. */
char *test_busybox_rootfs(const char *prefix, char *rootfs, size_t size);
/* rm -rf without crossing mounts. */
void test_rm_rf(const char *path);
/* CLOCK_MONOTONIC in seconds. */
double test_now(void);

/* Everything a test program makes in /var/tmp goes into one directory of its own run
 * (TMPDIR is set to it, before the runner forks the tests); test_run_dir_leave()
 * unmounts what failed tests left there and removes it. */
void test_run_dir_enter(const char *name);
/* The start of every privileged test program, after test_require_root(): a private
 * mount namespace (exit 99 when it cannot be had: a failing test can then leave no
 * mount behind on the host), libcurl, and the run directory. */
void test_priv_begin(const char *program, const char *run_name);
void test_run_dir_leave(const char *cgroup_parent);
/* The end of main() of a privileged test program: run the suite, fail when loop devices
 * are left on the images in the directory images (which is removed and freed; may be
 * NULL), leave the run directory (test_run_dir_leave()), free libcurl. Returns the
 * program's exit status. */
struct Suite;
int test_priv_run(struct Suite *s, const char *program, char *images, const char *cgroup_parent);
/* A test case name of s, each of its tests between setup and teardown (a checked
 * fixture: in the test's own process; either may be NULL), timing out after timeout
 * seconds. Its tests are added with tcase_add_test(). */
struct TCase;
struct TCase *test_tcase(struct Suite *s, const char *name, void (*setup)(void),
                         void (*teardown)(void), double timeout);

/* After the runner: a test that failed in a forked child never ran its teardown, and
 * Check killed its process group, berthd included, leaving containers, mounts and
 * cgroups behind by design. Kill every process in the cgroups under parent (NULL:
 * none), remove those groups, and lazily unmount everything under /var/tmp/berth-
 * (or $TMPDIR/berth-) in this mount namespace. Returns how many things it removed. */
int test_sweep(const char *cgroup_parent);
/* Containers' groups under the parent, in every hierarchy (not berthd's zygotes'). */
int test_count_container_cgroups(const char *cgroup_parent);
/* The same, after waiting (bounded, 5 s) for berthd to remove them: it does once a
 * container's last process is gone. */
int test_wait_container_cgroups_gone(const char *cgroup_parent);

/* Nothing of a test is left: no mount under state_dir, no loop device on a file under
 * images (after waiting for the kernel; images NULL: no image files), nothing in state_dir/mounts, and (unless
 * cgroup_parent is NULL) no container's cgroup under cgroup_parent (after waiting). */
void test_assert_clean(const char *state_dir, const char *images, const char *cgroup_parent);
/* After a failed test: force-delete every object of a collection ("/imageapi/v1/mount"),
 * newest first, so the next test starts clean. */
void test_remove_all(struct test_berthd *t, const char *collection);
/* A test case's teardown: every container, mount and attachment removed (when berthd
 * still runs), then berthd stopped. */
void test_remove_everything_and_stop(struct test_berthd *t);

/* ---- the suite's Docker engine (contrib/dockerd.sh) ------------------------------- */

/* Its host ("unix:///…/docker.sock") into buf: BERTH_TEST_DOCKER_HOST when set (the
 * one contrib/run-tests.sh started), else one this program starts (as root) in a short
 * directory under /var/tmp, stopped and removed when the program exits. 0, or < 0 when
 * there is no engine (not root, no docker.io, it does not answer). Call from main(). */
int test_docker_host(char *buf, size_t size);
/* A second engine of this program's own, to be another node of a swarm on this machine
 * (issue 15's tasks on other nodes): in a UTS namespace of its own named hostname, its
 * API on a unix socket and, with TLS that verifies clients, on tls_ip:tls_port (give
 * each swarm node its own loopback address). Certificates are made for it: a CA, the
 * engine's (for tls_ip), a client's (client_tls: ca.pem, cert.pem, key.pem, as Docker's
 * client keeps them) and a client of another CA (rogue_tls). Stopped and removed when
 * the program exits. 0, or < 0 (-EBUSY: one is running already). Call from main(). */
struct test_docker_node {
        char host[128];       /* unix:///…/docker.sock */
        char tcp[96];         /* tcp://tls_ip:tls_port */
        char client_tls[256]; /* a client the engine trusts */
        char rogue_tls[256];  /* a client of another CA: neither trusts the other */
};
int test_docker_node(const char *hostname, const char *tls_ip, const char *tls_port,
                     struct test_docker_node *ret);
/* The busybox test rootfs (test_busybox_rootfs()) imported as ref (CMD ["sh"]) unless
 * the engine has it: 0 or < 0. */
int test_docker_busybox_image(const char *host, const char *ref);
/* A client of the engine at host, whose containers are owner's (the io.berth.owner label;
 * a test program's name): NULL when there is none, said on stderr. No ck_* call: fine in
 * main() too. */
struct berth_engine;
struct berth_engine *test_docker_engine(const char *host, const char *owner);
/* The start of main() of a test program on the engine: its host (test_docker_host())
 * into host, with the busybox test image as image (test_docker_busybox_image()), and
 * the registry's address (test_registry()) into registry unless that is NULL. 0, or
 * what main() returns when one is missing, said on stderr: 77 (a skip), or 1 with
 * BERTH_TESTS_MUST_RUN=1. */
int test_docker_need(const char *program, char *host, size_t host_size, const char *image,
                     char *registry, size_t registry_size);

/* ---- the suite's image registry (contrib/registry.sh) ----------------------------- */

/* Its address ("127.0.0.1:PORT") into buf: BERTH_TEST_REGISTRY when set (the one
 * contrib/run-tests.sh started), else one this program starts in a short directory under
 * /var/tmp, stopped and removed when the program exits (only the one it started). 0, or
 * < 0 when there is none (no docker-registry, it does not answer). Call from main(). */
int test_registry(char *buf, size_t size);
/* A request without a body to the registry at addr ("127.0.0.1:PORT"), to
 * http://addr/v2/path (its reply dropped): the HTTP status, 0 when it does not answer. No
 * ck_* call. */
long test_registry_call(const char *addr, const char *method, const char *path);

/* ---- the SRC apps door (harness-src.c) ------------------------------------------- */

/* One request to the door of berthd t, without a body, with header lines ("Name:
 * value", NULL-terminated; may be NULL), that must answer want. An error (want >= 400)
 * must be the door's error body, its message with needle in it (when not NULL); another
 * status must have needle in its body (when not NULL). The parsed reply into *ret (a new
 * reference, NULL when not JSON) when ret is not NULL. */
void test_src_call(const struct test_berthd *t, const char *method, const char *path,
                   const char *const *headers, long want, const char *needle, json_t **ret);
/* A POST (with header lines, may be NULL) that must answer 200 and "Success". */
void test_src_post_ok(const struct test_berthd *t, const char *path, const char *const *headers);
/* A path from a format (a new string). */
char *test_src_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Is the string s in the JSON array l? */
bool test_json_has_string(json_t *l, const char *s);
/* The image the door's tests make apps of: FROM from, CMD ["sleep", "3600"], built as
 * ref by the engine at host; with push, pushed to the registry that ref names
 * ("REGISTRY/REPO:TAG") and removed from the engine, so that approve-image really pulls.
 * 0, or < 0 said on stderr (program's). No ck_* call: for main(), before the tests. */
int test_src_image(const char *program, const char *host, const char *from, const char *ref,
                   bool push);
/* A file /var/tmp/<name>-<pid> (mode 0600) of line and a newline, such as the admin
 * token or the allowed images; its path into path. 0 or < 0. No ck_* call. */
int test_src_file(char *path, size_t size, const char *name, const char *line);
