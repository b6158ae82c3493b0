/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pods end to end (seed 000): a real berthd, the suite's real dockerd (contrib/dockerd.sh),
 * images imported from a busybox tarball (nothing is pulled), the recipe catalogue
 * prepared from contrib/recipes, and berth's own launcher for file:// images. Every seed
 * route is called with the seed's bodies; what the replies say is checked against what
 * dockerd and the kernel have. Each test removes what it made, and checks so.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "harness.h"
#include "macro.h"

#define BB_IMAGE "berth-test/busybox:1"

/* The seed's request bodies (000), verbatim but for the spacing. */
#define SEED_SET                                                                         \
        "{\"fileContents\":{\"version\":\"3\",\"services\":{\"hello_world\":{\"image\":" \
        "\"ubuntu\",\"command\":[\"/bin/echo\",\"Hello world\"]},\"my-website\":{\"buil" \
        "d\":\"static_site/image/\",\"ports\":[\"3001:3000\"],\"volumes\":[\"/usr/share" \
        "/canteen/data/od-pod-hello-site/static_site/www/:/www/\"],\"restart\":\"always" \
        "\"}}},\"recipes\":[\"hello_world\",\"static_site\"]}"

#define SEED_UPDATE                                                                      \
        "{\"fileContents\":{\"version\":\"3\",\"services\":{\"hello_world\":{\"image\":" \
        "\"ubuntu\",\"command\":[\"/bin/echo\",\"Hello world, how do you do?\"]},\"my-w" \
        "ebsite\":{\"build\":\"static_site/image/\",\"ports\":[\"3002:3000\"],\"volumes" \
        "\":[\"/usr/share/canteen/data/od-pod-hello-site/static_site/www/:/www/\"],\"re" \
        "start\":\"always\"}}},\"recipes\":[]}"

#define SEED_TEST                                                                        \
        "{\"fileContents\":{\"version\":\"3\",\"services\":{\"hello_world\":{\"image\":" \
        "\"ubuntu\",\"command\":[\"/bin/echo\",\"Hello world\"]},\"my-website\":{\"buil" \
        "d\":\"static_site/image/\",\"ports\":[\"3002:3000\"],\"volumes\":[\"/usr/share" \
        "/canteen/data/od-pod-test/static_site/www/:/www/\"],\"restart\":\"always\"}}}}"

#define SEED_CONFIG                                                                       \
        "{\"configJson\":{\"data-root\":\"/usr/share/docker\",\"storage-driver\":\"zfs\"" \
        ",\"storage-opts\":[\"zfs.fsname=Pool1/myDockerImages\"]},\"podImageFs\":\"Pool"  \
        "1/myDockerImages\",\"podDataFs\":\"Pool1/myDockerPods\"}"

static char docker_host[300]; /* unix:///... */
static char *images;          /* busybox.sqsh and its rootfs */
static char recipes[512];     /* the prepared catalogue */
static char cg_parent[64];
static struct test_berthd d;
static struct test_ceph ceph;

/* ---- talking to dockerd directly (what berth says must be what the engine has) ---- */

struct buf {
        char *p;
        size_t n;
};

static size_t buf_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct buf *b = userdata;
        size_t len = size * nmemb;
        char *np = realloc(b->p, b->n + len + 1);

        if (!np)
                return 0;
        b->p = np;
        memcpy(b->p + b->n, ptr, len);
        b->n += len;
        b->p[b->n] = 0;
        return len;
}

/* GET path on the engine: the parsed reply (NULL when not JSON), the status in *status. */
static json_t *docker_get(const char *path, long *status)
{
        struct buf b = {};
        char url[1024];
        CURL *c = curl_easy_init();
        json_t *j;

        ck_assert_ptr_nonnull(c);
        (void)snprintf(url, sizeof(url), "http://docker/v1.41%s", path);
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, docker_host + strlen("unix://"));
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
        ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        curl_easy_cleanup(c);
        j = b.p ? json_loads(b.p, 0, NULL) : NULL;
        free(b.p);
        return j;
}

/* The engine's containers of a compose project, by name: a JSON array. */
static json_t *docker_project(const char *project)
{
        char path[512];
        long status;
        json_t *j;
        _cleanup_free_ char *enc = NULL;
        CURL *c = curl_easy_init();
        char filters[256];

        (void)snprintf(filters, sizeof(filters), "{\"label\":[\"com.docker.compose.project=%s\"]}",
                       project);
        enc = curl_easy_escape(c, filters, 0);
        curl_easy_cleanup(c);
        (void)snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s", enc);
        j = docker_get(path, &status);
        ck_assert_int_eq(status, 200);
        ck_assert_ptr_nonnull(j);
        return j;
}

static json_t *docker_inspect(const char *name, long *status)
{
        char path[512];

        (void)snprintf(path, sizeof(path), "/containers/%s/json", name);
        return docker_get(path, status);
}

static const char *docker_state(json_t *inspect)
{
        return json_string_value(json_object_get(json_object_get(inspect, "State"), "Status"));
}

/* ---- plain HTTP to a published port ------------------------------------------------ */

static char *http_get_port(int port)
{
        struct buf b = {};
        char url[128];
        CURL *c = curl_easy_init();
        CURLcode rc;

        (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
        rc = curl_easy_perform(c);
        curl_easy_cleanup(c);
        if (rc != CURLE_OK) {
                free(b.p);
                return NULL;
        }
        return b.p ? b.p : strdup("");
}

/* Poll a published port until it answers with needle (bounded). */
static void wait_port_says(int port, const char *needle, double timeout)
{
        double deadline = test_now() + timeout;
        char *got = NULL;

        while (test_now() < deadline) {
                free(got);
                got = http_get_port(port);
                if (got && strstr(got, needle)) {
                        free(got);
                        return;
                }
                usleep(100000);
        }
        ck_abort_msg("127.0.0.1:%d did not answer '%s' (last: %s)", port, needle,
                     got ? got : "no answer");
}

/* A free TCP port on 127.0.0.1 (the kernel's pick, released at once). */
static int free_port(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        port = ntohs(a.sin_port);
        close(fd);
        return port;
}

/* ---- /events, raw (server-sent events) -------------------------------------------- */

static int events_open(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET };
        char req[128];
        int fd, port;

        ck_assert_int_eq(sscanf(d.url, "http://127.0.0.1:%d", &port), 1);
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        (void)snprintf(req, sizeof(req), "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
        (void)fcntl(fd, F_SETFL, O_NONBLOCK);
        return fd;
}

/* Read the stream into buf until it holds every needle (bounded). */
static void events_wait(int fd, char *buf, size_t size, const char *const *needles)
{
        double deadline = test_now() + 10;
        size_t len = strlen(buf);

        for (;;) {
                bool all = true;
                for (size_t i = 0; needles[i]; i++)
                        all &= strstr(buf, needles[i]) != NULL;
                if (all)
                        return;
                ck_assert_msg(test_now() < deadline, "events: %s", buf);
                ssize_t n = read(fd, buf + len, size - 1 - len);
                if (n > 0) {
                        len += (size_t)n;
                        buf[len] = 0;
                } else
                        usleep(10000);
        }
}

/* ---- the pods API ------------------------------------------------------------------ */

static json_t *pod_call(const char *method, const char *name, const char *verb, const char *body,
                        long want)
{
        char path[512];

        if (name)
                (void)snprintf(path, sizeof(path), "/api/v2/pod/%s%s%s", name, verb ? "/" : "",
                               verb ? verb : "");
        else
                (void)snprintf(path, sizeof(path), "/api/v2/pod%s%s", verb ? "/" : "",
                               verb ? verb : "");
        return test_call(&d, method, path, body, want);
}

/* The service object of a details reply (the seed's array of one). */
static const char *details_state(json_t *details)
{
        json_t *svc = json_array_get(json_object_get(details, "service"), 0);

        return json_string_value(json_object_get(svc, "state"));
}

static void wait_pod_state(const char *name, const char *state, double timeout)
{
        double deadline = test_now() + timeout;
        const char *last = "?";

        while (test_now() < deadline) {
                json_t *j = pod_call("GET", name, "details", NULL, 200);
                bool ok = streq_ptr(details_state(j), state);
                last = ok ? state : "other";
                json_decref(j);
                if (ok)
                        return;
                usleep(50000);
        }
        ck_abort_msg("pod %s did not become %s (%s)", name, state, last);
}

/* Wait until dockerd says container name is in state. */
static json_t *wait_docker_state(const char *name, const char *state, double timeout)
{
        double deadline = test_now() + timeout;

        for (;;) {
                long status;
                json_t *j = docker_inspect(name, &status);
                if (status == 200 && streq_ptr(docker_state(j), state))
                        return j;
                json_decref(j);
                ck_assert_msg(test_now() < deadline, "docker container %s is not %s", name, state);
                usleep(50000);
        }
}

/* ---- fixture ----------------------------------------------------------------------- */

/* Unchecked, in the runner's process, once: the images, the catalogue. */
static void prepare(void)
{
        const char *src = getenv("BERTH_SRCDIR");
        char script[600], rootfs[512];

        if (images)
                return;
        images = test_busybox_rootfs("berth-pods-", rootfs, sizeof(rootfs));
        (void)snprintf(recipes, sizeof(recipes), "%s/recipes", images);
        (void)snprintf(script, sizeof(script), "%s/contrib/recipes/prepare.sh", src ? src : ".");
        ck_assert_int_eq(test_run((const char *[]){ script, recipes, NULL }), 0);
}

static void setup(void)
{
        const char *extra[] = {
                "--cgroup-parent", cg_parent, "--recipes-dir", recipes, "--docker-host",
                docker_host,       NULL
        };

        (void)test_sweep(cg_parent);
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* The pod data root berthd was given (test harness: beside its state directory). */
static void pod_root(char *buf, size_t size)
{
        (void)snprintf(buf, size, "%s.pods", d.state_dir);
}

/* ---- the seed's walk on the docker engine ------------------------------------------ */

static char *web_doc(int port, const char *worker_cmd)
{
        char *s = NULL;

        ck_assert_int_ge(
                asprintf(&s,
                         "{\"fileContents\":{\"version\":\"3\",\"services\":{"
                         "\"web\":{\"image\":\"" BB_IMAGE "\","
                         "\"command\":[\"httpd\",\"-f\",\"-p\",\"8080\",\"-h\",\"/www\"],"
                         "\"ports\":[\"127.0.0.1:%d:8080\"],\"volumes\":[\"./www:/www:ro\"],"
                         "\"restart\":\"always\",\"labels\":{\"tier\":\"front\"}},"
                         "\"worker\":{\"image\":\"" BB_IMAGE "\",\"command\":\"%s\","
                         "\"depends_on\":[\"web\"],\"environment\":{\"MODE\":\"test\"}}}},"
                         "\"recipes\":[]}",
                         port, worker_cmd),
                0);
        return s;
}

START_TEST(docker_walk)
{
        int port = free_port();
        _cleanup_free_ char *doc = web_doc(port, "sh -c 'echo worker-up; sleep 1000'");
        _cleanup_free_ char *doc2 = web_doc(port, "sh -c 'echo worker-two; sleep 1000'");
        char root[400], www[600], page[700];
        json_t *j, *list, *c1, *c2;
        const char *web_id, *worker_id;
        char web_id_before[80], worker_id_before[80];
        long status;

        /* set: made, disabled, nothing started */
        j = pod_call("POST", "walk", "set", doc, 200);
        ck_assert_str_eq(test_json_str(j, "name"), "od-pod-walk");
        ck_assert_str_eq(details_state(j), "disabled");
        ck_assert_ptr_nonnull(json_object_get(
                json_object_get(json_object_get(j, "compose_file"), "services"), "web"));
        json_decref(j);
        list = docker_project("od-pod-walk");
        ck_assert_int_eq(json_array_size(list), 0);
        json_decref(list);

        /* set again: 409 pointing to update */
        j = pod_call("POST", "od-pod-walk", "set", doc, 409);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "message"), "update"));
        json_decref(j);

        /* list: the seed's shape */
        j = pod_call("GET", NULL, NULL, NULL, 200);
        ck_assert_int_eq(json_array_size(j), 1);
        ck_assert_str_eq(test_json_str(json_array_get(j, 0), "name"), "od-pod-walk");
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(json_array_get(j, 0), "service"), "id")),
                         "od-pod-walk.service");
        ck_assert(json_is_false(
                json_object_get(json_object_get(json_array_get(j, 0), "service"), "locked")));
        json_decref(j);

        /* the page the web service serves lives in the pod's data directory */
        pod_root(root, sizeof(root));
        (void)snprintf(www, sizeof(www), "%s/od-pod-walk/web/www", root);
        ck_assert_int_eq(mkdir_p(www, 0755), 0);
        (void)snprintf(page, sizeof(page), "%s/index.html", www);
        ck_assert_int_eq(write_file_atomic(page, "hello from a pod\n", 17, 0644), 0);

        /* enable: running, locked, containers named and labelled as compose does */
        j = pod_call("POST", "walk", "enable", "{}", 200);
        json_decref(j);
        wait_pod_state("walk", "online", 30);
        c1 = wait_docker_state("od-pod-walk_web_1", "running", 30);
        c2 = wait_docker_state("od-pod-walk_worker_1", "running", 30);
        {
                json_t *labels = json_object_get(json_object_get(c1, "Config"), "Labels");
                ck_assert_str_eq(
                        json_string_value(json_object_get(labels, "com.docker.compose.project")),
                        "od-pod-walk");
                ck_assert_str_eq(
                        json_string_value(json_object_get(labels, "com.docker.compose.service")),
                        "web");
                ck_assert_str_eq(json_string_value(json_object_get(
                                         labels, "com.docker.compose.container-number")),
                                 "1");
                ck_assert_str_eq(
                        json_string_value(json_object_get(labels, "com.docker.compose.oneoff")),
                        "False");
                ck_assert_ptr_nonnull(json_string_value(
                        json_object_get(labels, "com.docker.compose.config-hash")));
                ck_assert_str_eq(json_string_value(json_object_get(labels, "tier")), "front");
                /* the engine's restart manager has the policy */
                ck_assert_str_eq(
                        json_string_value(json_object_get(
                                json_object_get(json_object_get(c1, "HostConfig"), "RestartPolicy"),
                                "Name")),
                        "always");
                /* the bridge network of the pod */
                ck_assert_ptr_nonnull(json_object_get(
                        json_object_get(json_object_get(c1, "NetworkSettings"), "Networks"),
                        "od-pod-walk_default"));
        }
        web_id = json_string_value(json_object_get(c1, "Id"));
        worker_id = json_string_value(json_object_get(c2, "Id"));
        (void)snprintf(web_id_before, sizeof(web_id_before), "%s", web_id);
        (void)snprintf(worker_id_before, sizeof(worker_id_before), "%s", worker_id);
        json_decref(c1);
        json_decref(c2);
        wait_port_says(port, "hello from a pod", 20);

        j = pod_call("GET", NULL, NULL, NULL, 200);
        ck_assert(json_is_true(
                json_object_get(json_object_get(json_array_get(j, 0), "service"), "locked")));
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(json_array_get(j, 0), "service"), "state")),
                         "online");
        json_decref(j);

        /* inspect: the compose ps table and the processes, and the structured view */
        j = pod_call("GET", "walk", "inspect", NULL, 200);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "container_status"), "od-pod-walk_web_1"));
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "container_status"), "Up"));
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "container_status"), "8080/tcp"));
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "running_processes"), "httpd"));
        ck_assert_int_eq(json_array_size(json_object_get(j, "containers")), 2);
        json_decref(j);

        /* log: compose's "Attaching to" and name | line */
        {
                double deadline = test_now() + 10;
                for (;;) {
                        j = pod_call("GET", "walk", "log", NULL, 200);
                        ck_assert(json_is_string(j));
                        if (strstr(json_string_value(j), "worker-up"))
                                break;
                        json_decref(j);
                        ck_assert_msg(test_now() < deadline, "no worker line in the pod log");
                        usleep(100000);
                }
                ck_assert_ptr_nonnull(strstr(json_string_value(j), "Attaching to"));
                ck_assert_ptr_nonnull(strstr(json_string_value(j), "od-pod-walk_worker_1"));
                ck_assert_ptr_nonnull(strstr(json_string_value(j), "| worker-up"));
                json_decref(j);
        }
        /* and as JSON: which stream, and when (the engine's time) */
        {
                json_t *line;
                size_t i;
                bool seen = false;
                j = pod_call("GET", "walk", "log?format=json", NULL, 200);
                json_array_foreach (json_object_get(j, "lines"), i, line) {
                        if (!streq_ptr(test_json_str(line, "line"), "worker-up"))
                                continue;
                        seen = true;
                        ck_assert_str_eq(test_json_str(line, "container"), "od-pod-walk_worker_1");
                        ck_assert_str_eq(test_json_str(line, "service"), "worker");
                        ck_assert_str_eq(test_json_str(line, "stream"), "stdout");
                        ck_assert_msg(test_json_str(line, "time") &&
                                              strncmp(test_json_str(line, "time"), "20", 2) == 0,
                                      "time: %s", test_json_str(line, "time"));
                }
                ck_assert(seen);
                json_decref(j);
        }

        /* pause / unpause: the seed's text, and the engine agrees */
        j = pod_call("POST", "walk", "pause", "{}", 200);
        ck_assert(json_is_string(j));
        ck_assert_ptr_nonnull(strstr(json_string_value(j), "Pausing od-pod-walk_web_1 "));
        ck_assert_ptr_nonnull(strstr(json_string_value(j), "... done"));
        json_decref(j);
        json_decref(wait_docker_state("od-pod-walk_web_1", "paused", 10));
        j = pod_call("POST", "walk", "unpause", "{}", 200);
        ck_assert_ptr_nonnull(strstr(json_string_value(j), "Unpausing od-pod-walk_web_1 "));
        ck_assert_ptr_nonnull(strstr(json_string_value(j), "... done"));
        json_decref(j);
        json_decref(wait_docker_state("od-pod-walk_web_1", "running", 10));

        /* docker-compose sees the pod (Debian's docker-compose 1.29) */
        {
                char dir[600], file[700], env[400];
                _cleanup_free_ char *out = NULL;
                (void)snprintf(dir, sizeof(dir), "%s/compose", d.state_dir);
                ck_assert_int_eq(mkdir_p(dir, 0755), 0);
                (void)snprintf(file, sizeof(file), "%s/docker-compose.yml", dir);
                ck_assert_int_eq(write_file_atomic(file,
                                                   "version: '3'\nservices:\n  web:\n    image: "
                                                   "x\n  worker:\n    image: x\n",
                                                   strlen("version: '3'\nservices:\n  web:\n    "
                                                          "image: x\n  worker:\n    image: x\n"),
                                                   0644),
                                 0);
                (void)snprintf(env, sizeof(env), "DOCKER_HOST=%s", docker_host);
                ck_assert_int_eq(
                        test_run_output((const char *[]){ "/usr/bin/env", env, "docker-compose",
                                                          "-f", file, "-p", "od-pod-walk", "ps",
                                                          NULL },
                                        true, &out),
                        0);
                ck_assert_msg(strstr(out, "od-pod-walk_web_1") &&
                                      strstr(out, "od-pod-walk_worker_1") && strstr(out, "Up"),
                              "docker-compose ps: %s", out);
        }

        /* update: the changed worker is made again, the unchanged web is left running */
        j = pod_call("POST", "walk", "update", doc2, 200);
        json_decref(j);
        c1 = wait_docker_state("od-pod-walk_web_1", "running", 30);
        c2 = wait_docker_state("od-pod-walk_worker_1", "running", 30);
        ck_assert_str_eq(json_string_value(json_object_get(c1, "Id")), web_id_before);
        ck_assert_str_ne(json_string_value(json_object_get(c2, "Id")), worker_id_before);
        json_decref(c1);
        json_decref(c2);

        /* test: the normalized document, and that the pod exists */
        j = pod_call("POST", "walk", "test", doc2, 200);
        ck_assert(json_is_true(json_object_get(j, "exists")));
        ck_assert_ptr_nonnull(
                json_object_get(json_object_get(json_object_get(j, "data"), "services"), "worker"));
        json_decref(j);
        j = pod_call("POST", "nosuchpod", "test", doc2, 200);
        ck_assert(json_is_false(json_object_get(j, "exists")));
        json_decref(j);

        /* restart: always — a payload killed behind everyone's back comes back, by the
         * engine's restart manager, and the pod with it */
        {
                json_t *before = wait_docker_state("od-pod-walk_web_1", "running", 10), *after;
                pid_t pid = (pid_t)json_integer_value(
                        json_object_get(json_object_get(before, "State"), "Pid"));
                double deadline = test_now() + 20;
                ck_assert_int_gt(pid, 1);
                ck_assert_int_eq(kill(pid, SIGKILL), 0);
                json_decref(before);
                for (;;) {
                        after = docker_inspect("od-pod-walk_web_1", &status);
                        if (json_integer_value(json_object_get(after, "RestartCount")) >= 1 &&
                            streq_ptr(docker_state(after), "running"))
                                break;
                        json_decref(after);
                        ck_assert_msg(test_now() < deadline, "web did not come back");
                        usleep(100000);
                }
                json_decref(after);
                wait_pod_state("walk", "online", 10);
                wait_port_says(port, "hello from a pod", 20);
        }

        /* kill: the seed's text */
        j = pod_call("POST", "walk", "kill", "{}", 200);
        ck_assert_ptr_nonnull(strstr(json_string_value(j), "Killing od-pod-walk_worker_1 "));
        ck_assert_ptr_nonnull(strstr(json_string_value(j), "... done"));
        json_decref(j);

        /* destroy: the seed's shape, and nothing of the pod left in the engine */
        j = pod_call("POST", "walk", "destroy", "{}", 200);
        ck_assert(json_is_string(json_object_get(j, "containerResponse")));
        ck_assert(json_is_object(json_object_get(j, "serviceResponse")));
        json_decref(j);
        list = docker_project("od-pod-walk");
        ck_assert_int_eq(json_array_size(list), 0);
        json_decref(list);
        j = docker_get("/networks/od-pod-walk_default", &status);
        ck_assert_int_eq(status, 404);
        json_decref(j);
        j = pod_call("GET", "walk", "details", NULL, 404);
        json_decref(j);
        /* the pod's data stays */
        ck_assert_int_eq(access(page, F_OK), 0);
}
END_TEST

/* ---- recipes: the catalogue, and static_site built offline and answering ------------ */

START_TEST(recipes_static_site)
{
        json_t *j, *svc;
        size_t i;
        bool have_static = false, have_hello = false;

        j = pod_call("GET", NULL, "suggested", NULL, 200);
        ck_assert_int_ge(json_array_size(j), 16);
        json_array_foreach (j, i, svc) {
                have_static |= streq(json_string_value(svc), "static_site");
                have_hello |= streq(json_string_value(svc), "hello_world");
        }
        ck_assert(have_static && have_hello);
        json_decref(j);
        j = pod_call("GET", NULL, "suggested/folding_at_home", NULL, 200);
        ck_assert_str_eq(test_json_str(j, "name"), "folding_at_home");
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "images"), 0)),
                         "linuxserver/foldingathome");
        json_decref(j);
        j = pod_call("GET", NULL, "suggested/no_such_recipe", NULL, 404);
        json_decref(j);

        /* a pod made from the recipe alone: its services are copied in */
        j = pod_call("POST", "site", "set",
                     "{\"fileContents\":{\"version\":\"3\",\"services\":{}},"
                     "\"recipes\":[\"static_site\"]}",
                     200);
        ck_assert_ptr_nonnull(json_object_get(
                json_object_get(json_object_get(j, "compose_file"), "services"), "static_site"));
        json_decref(j);
        j = pod_call("POST", "site", "enable", "{}", 200);
        json_decref(j);
        wait_pod_state("site", "online", 60);
        wait_port_says(3001, "<", 30);
        j = pod_call("POST", "site", "destroy", "{}", 200);
        json_decref(j);
}
END_TEST

/* ---- bad input: typed errors, nothing made ------------------------------------------ */

static void assert_nothing_of(const char *project)
{
        json_t *list = docker_project(project), *j;
        char path[300];

        ck_assert_int_eq(json_array_size(list), 0);
        json_decref(list);
        (void)snprintf(path, sizeof(path), "/api/v2/pod/%s/details", project);
        j = test_call(&d, "GET", path, NULL, 404);
        json_decref(j);
}

START_TEST(bad_input)
{
        json_t *j;
        char root[400], path[600];

        /* a name that breaks the rule: 422 quoting it */
        j = pod_call("POST", "-bad", "set", "{\"fileContents\":{\"services\":{}}}", 422);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "message"), "letters, digits"));
        json_decref(j);
        j = pod_call("POST", "a.b", "set", "{\"fileContents\":{\"services\":{}}}", 422);
        json_decref(j);
        /* a path that leaves the pod's routes finds none */
        j = test_call(&d, "POST", "/api/v2/pod/a%2F..%2Fb/set", "{\"fileContents\":{}}", 404);
        json_decref(j);

        /* an unknown compose key, named with its service */
        j = pod_call("POST", "bad1", "set",
                     "{\"fileContents\":{\"version\":\"3\",\"services\":{\"web\":{\"image\":"
                     "\"" BB_IMAGE "\",\"links\":[\"db\"]}}}}",
                     422);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "message"), "links"));
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "message"), "web"));
        json_decref(j);
        assert_nothing_of("od-pod-bad1");

        /* a bind source outside the pod data root: 403 */
        j = pod_call("POST", "bad2", "set",
                     "{\"fileContents\":{\"version\":\"3\",\"services\":{\"web\":{\"image\":"
                     "\"" BB_IMAGE "\",\"volumes\":[\"/etc:/host-etc\"]}}}}",
                     403);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "message"), "/etc"));
        json_decref(j);
        assert_nothing_of("od-pod-bad2");
        j = pod_call("POST", "bad2", "set",
                     "{\"fileContents\":{\"version\":\"3\",\"services\":{\"web\":{\"image\":"
                     "\"" BB_IMAGE "\",\"volumes\":[\"../../etc:/x\"]}}}}",
                     403);
        json_decref(j);

        /* ports with the host's network: 422 */
        j = pod_call("POST", "bad3", "set",
                     "{\"fileContents\":{\"version\":\"3\",\"services\":{\"web\":{\"image\":"
                     "\"" BB_IMAGE "\",\"network_mode\":\"host\",\"ports\":[\"3001:3000\"]}}}}",
                     422);
        json_decref(j);

        /* privileged without the flag: refused */
        j = pod_call("POST", "bad4", "set",
                     "{\"fileContents\":{\"version\":\"3\",\"services\":{\"web\":{\"image\":"
                     "\"" BB_IMAGE "\",\"privileged\":true}}}}",
                     403);
        json_decref(j);

        /* bodies: not JSON, unknown keys */
        j = pod_call("POST", "bad5", "set", "{\"fileContents\":", 400);
        json_decref(j);
        j = pod_call("POST", "bad5", "set", "{\"fileContents\":{\"services\":{}},\"x\":1}", 422);
        json_decref(j);
        assert_nothing_of("od-pod-bad5");

        /* a pod that is not there */
        j = pod_call("POST", "nosuch", "enable", "{}", 404);
        json_decref(j);
        j = pod_call("POST", "nosuch", "update",
                     "{\"fileContents\":{\"services\":{\"web\":{\"image\":\"" BB_IMAGE "\"}}}}",
                     404);
        json_decref(j);

        /* nothing was made in the data root for any of them */
        pod_root(root, sizeof(root));
        (void)snprintf(path, sizeof(path), "%s/od-pod-bad1", root);
        ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* An engine that does not answer: 503 naming the socket; the pod stays as it was and
 * nothing is made. */
START_TEST(engine_down)
{
        const char *extra[] = { "--cgroup-parent",
                                cg_parent,
                                "--recipes-dir",
                                recipes,
                                "--docker-host",
                                "unix:///nonexistent/docker.sock",
                                NULL };
        json_t *j;

        (void)test_sweep(cg_parent);
        test_berthd_start(&d, false, extra);
        j = pod_call("POST", "down", "set",
                     "{\"fileContents\":{\"version\":\"3\",\"services\":{\"web\":{\"image\":"
                     "\"" BB_IMAGE "\"}}}}",
                     200);
        json_decref(j);
        j = pod_call("POST", "down", "start", "{}", 503);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "message"), "/nonexistent/docker.sock"));
        json_decref(j);
        j = pod_call("GET", "down", "details", NULL, 200);
        ck_assert_str_eq(details_state(j), "disabled");
        json_decref(j);
        j = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
        ck_assert_int_eq(json_array_size(j), 0);
        json_decref(j);
        j = pod_call("POST", "down", "destroy", "{}", 200);
        json_decref(j);
}
END_TEST

/* ---- the native engine: a file:// squashfs image ------------------------------------ */

static char *native_doc(int port, const char *restart)
{
        char *s = NULL;

        ck_assert_int_ge(asprintf(&s,
                                  "{\"fileContents\":{\"version\":\"3\",\"services\":{"
                                  "\"web\":{\"image\":\"file://%s/busybox.sqsh\","
                                  "\"network_mode\":\"host\",\"command\":[\"httpd\",\"-f\","
                                  "\"-p\",\"127.0.0.1:%d\",\"-h\",\"/www\"],"
                                  "\"volumes\":[\"./www:/www:ro\"],\"restart\":\"%s\"},"
                                  "\"tick\":{\"image\":\"file://%s/busybox.sqsh\","
                                  "\"command\":\"sh -c 'echo tick-up; sleep 1000'\"}}}}",
                                  images, port, restart, images),
                         0);
        return s;
}

START_TEST(native_walk)
{
        int port = free_port();
        _cleanup_free_ char *doc = native_doc(port, "unless-stopped");
        char root[400], www[600], page[700];
        json_t *j, *list, *c;
        size_t i, n = 0;

        pod_root(root, sizeof(root));
        (void)snprintf(www, sizeof(www), "%s/od-pod-native/web/www", root);
        ck_assert_int_eq(mkdir_p(www, 0755), 0);
        (void)snprintf(page, sizeof(page), "%s/index.html", www);
        ck_assert_int_eq(write_file_atomic(page, "native pod page\n", 16, 0644), 0);

        int efd = events_open();
        char ebuf[65536] = "";

        usleep(100000);
        j = pod_call("POST", "native", "set", doc, 200);
        json_decref(j);
        j = pod_call("POST", "native", "enable", "{}", 200);
        json_decref(j);
        wait_pod_state("native", "online", 30);
        /* pod state changes go on /events */
        events_wait(efd, ebuf, sizeof(ebuf),
                    (const char *const[]){ "event: pod", "\"name\":\"od-pod-native\"",
                                           "\"event\":\"created\"", "\"event\":\"enable\"",
                                           "\"state\":\"online\"", NULL });
        close(efd);
        wait_port_says(port, "native pod page", 20);

        /* its containers are ImageAPI containers too, on an overlay of the image */
        list = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
        json_array_foreach (list, i, c)
                if (strstr(test_json_str(c, "name") ?: "", "od-pod-native_"))
                        n++;
        ck_assert_int_eq(n, 2);
        json_decref(list);

        j = pod_call("GET", "native", "inspect", NULL, 200);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "container_status"), "od-pod-native_web_1"));
        ck_assert_msg(strstr(test_json_str(j, "running_processes"), "httpd"), "processes: %s",
                      test_json_str(j, "running_processes"));
        json_decref(j);
        {
                double deadline = test_now() + 10;
                for (;;) {
                        j = pod_call("GET", "native", "log", NULL, 200);
                        if (strstr(json_string_value(j), "tick-up"))
                                break;
                        json_decref(j);
                        ck_assert_msg(test_now() < deadline, "no tick line in the pod log");
                        usleep(100000);
                }
                json_decref(j);
        }
        j = pod_call("POST", "native", "pause", "{}", 200);
        json_decref(j);
        j = test_call(&d, "GET", "/imageapi/v1/container?name=od-pod-native_web_1", NULL, 200);
        ck_assert_str_eq(test_json_str(json_array_get(j, 0), "state"), "paused");
        json_decref(j);
        j = pod_call("POST", "native", "unpause", "{}", 200);
        json_decref(j);
        wait_port_says(port, "native pod page", 10);

        /* stop keeps it stopped (unless-stopped), start brings it back */
        j = pod_call("POST", "native", "stop", "{}", 200);
        json_decref(j);
        wait_pod_state("native", "offline", 20);
        usleep(500000);
        ck_assert_ptr_null(http_get_port(port));
        j = pod_call("POST", "native", "start", "{}", 200);
        json_decref(j);
        wait_port_says(port, "native pod page", 20);

        j = pod_call("POST", "native", "destroy", "{}", 200);
        json_decref(j);
        list = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
        ck_assert_int_eq(json_array_size(list), 0);
        json_decref(list);
        list = test_call(&d, "GET", "/imageapi/v1/mount", NULL, 200);
        ck_assert_int_eq(json_array_size(list), 0);
        json_decref(list);
        test_assert_clean(d.state_dir, images, cg_parent);
}
END_TEST

/* on-failure:2 through a pod: two restarts, then it stays exited. */
START_TEST(native_restart_policy)
{
        json_t *j;
        double deadline;
        char body[1024];

        (void)snprintf(body, sizeof(body),
                       "{\"fileContents\":{\"version\":\"3\",\"services\":{\"fail\":{"
                       "\"image\":\"file://%s/busybox.sqsh\",\"command\":\"sh -c 'echo run; "
                       "exit 3'\",\"restart\":\"on-failure:2\"}}}}",
                       images);
        j = pod_call("POST", "rp", "set", body, 200);
        json_decref(j);
        j = pod_call("POST", "rp", "start", "{}", 200);
        json_decref(j);
        deadline = test_now() + 20;
        for (;;) {
                j = pod_call("GET", "rp", "log", NULL, 200);
                const char *t = json_string_value(j);
                int runs = 0;
                for (const char *p = t; (p = strstr(p, "| run")); p++)
                        runs++;
                json_decref(j);
                if (runs == 3)
                        break;
                ck_assert_int_le(runs, 3);
                ck_assert_msg(test_now() < deadline, "on-failure:2 ran %d times", runs);
                usleep(100000);
        }
        wait_pod_state("rp", "disabled", 10);
        usleep(1500000); /* no fourth run */
        j = pod_call("GET", "rp", "log", NULL, 200);
        {
                int runs = 0;
                for (const char *p = json_string_value(j); (p = strstr(p, "| run")); p++)
                        runs++;
                ck_assert_int_eq(runs, 3);
        }
        json_decref(j);
        j = pod_call("POST", "rp", "destroy", "{}", 200);
        json_decref(j);
}
END_TEST

/* ---- the native engine: an rbd:// image on the suite's Ceph cluster ---------------- */

static void ceph_up(void)
{
        char sqsh[700];

        test_ceph_start(&ceph, images);
        (void)snprintf(sqsh, sizeof(sqsh), "%s/busybox.sqsh", images);
        test_ceph_import(&ceph, sqsh, "pods-busybox.sqsh");
}

static void ceph_down(void)
{
        test_ceph_stop(&ceph);
}

static void setup_rbd(void)
{
        const char *extra[] = { "--cgroup-parent", cg_parent,       "--recipes-dir",
                                recipes,           "--docker-host", docker_host,
                                "--ceph-conf",     ceph.conf,       NULL };

        (void)test_sweep(cg_parent);
        test_berthd_start(&d, false, extra);
}

START_TEST(rbd_walk)
{
        int port = free_port();
        char body[1024], root[400], www[600], page[700], pool[64] = "rbd";
        json_t *j, *list;
        const char *p;

        /* the pool the script made (the rbd:// URL names it) */
        p = getenv("BERTH_TEST_CEPH_POOL");
        if (p)
                (void)snprintf(pool, sizeof(pool), "%s", p);
        pod_root(root, sizeof(root));
        (void)snprintf(www, sizeof(www), "%s/od-pod-rbd/web/www", root);
        ck_assert_int_eq(mkdir_p(www, 0755), 0);
        (void)snprintf(page, sizeof(page), "%s/index.html", www);
        ck_assert_int_eq(write_file_atomic(page, "rbd pod page\n", 13, 0644), 0);
        (void)snprintf(body, sizeof(body),
                       "{\"fileContents\":{\"version\":\"3\",\"services\":{\"web\":{"
                       "\"image\":\"rbd://%s/pods-busybox.sqsh\",\"network_mode\":\"host\","
                       "\"command\":[\"httpd\",\"-f\",\"-p\",\"127.0.0.1:%d\",\"-h\","
                       "\"/www\"],\"volumes\":[\"./www:/www:ro\"]}}}}",
                       pool, port);
        j = pod_call("POST", "rbd", "set", body, 200);
        json_decref(j);
        j = pod_call("POST", "rbd", "enable", "{}", 200);
        json_decref(j);
        wait_pod_state("rbd", "online", 60);
        wait_port_says(port, "rbd pod page", 20);
        /* the image is an RBD attachment, as an ImageAPI client would see it */
        list = test_call(&d, "GET", "/imageapi/v1/attach", NULL, 200);
        ck_assert_int_eq(json_array_size(list), 1);
        ck_assert_str_eq(test_json_str(json_array_get(list, 0), "kind"), "rbd");
        json_decref(list);
        j = pod_call("POST", "rbd", "destroy", "{}", 200);
        json_decref(j);
        list = test_call(&d, "GET", "/imageapi/v1/attach", NULL, 200);
        ck_assert_int_eq(json_array_size(list), 0);
        json_decref(list);
}
END_TEST

/* ---- a crash of berthd loses no pod and restarts no container ---------------------- */

START_TEST(crash_keeps_pods)
{
        const char *extra[] = {
                "--cgroup-parent", cg_parent, "--recipes-dir", recipes, "--docker-host",
                docker_host,       NULL
        };
        int port = free_port(), nport = free_port();
        _cleanup_free_ char *doc = web_doc(port, "sh -c 'sleep 1000'");
        _cleanup_free_ char *ndoc = native_doc(nport, "always");
        json_t *j, *c;
        char started[64], id[80], npid[32];

        j = pod_call("POST", "crash", "set", doc, 200);
        json_decref(j);
        j = pod_call("POST", "crash", "enable", "{}", 200);
        json_decref(j);
        j = pod_call("POST", "ncrash", "set", ndoc, 200);
        json_decref(j);
        j = pod_call("POST", "ncrash", "enable", "{}", 200);
        json_decref(j);
        wait_pod_state("crash", "online", 30);
        wait_pod_state("ncrash", "online", 30);
        c = wait_docker_state("od-pod-crash_web_1", "running", 30);
        (void)snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(c, "Id")));
        (void)snprintf(
                started, sizeof(started), "%s",
                json_string_value(json_object_get(json_object_get(c, "State"), "StartedAt")));
        json_decref(c);
        j = test_call(&d, "GET", "/imageapi/v1/container?name=od-pod-ncrash_web_1", NULL, 200);
        (void)snprintf(npid, sizeof(npid), "%lld", test_json_int(json_array_get(j, 0), "pid"));
        json_decref(j);

        test_berthd_crash(&d);
        test_berthd_spawn(&d, false, extra);

        j = pod_call("GET", NULL, NULL, NULL, 200);
        ck_assert_int_eq(json_array_size(j), 2);
        json_decref(j);
        wait_pod_state("crash", "online", 10);
        wait_pod_state("ncrash", "online", 10);
        c = wait_docker_state("od-pod-crash_web_1", "running", 10);
        ck_assert_str_eq(json_string_value(json_object_get(c, "Id")), id);
        ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(c, "State"), "StartedAt")),
                started);
        json_decref(c);
        j = test_call(&d, "GET", "/imageapi/v1/container?name=od-pod-ncrash_web_1", NULL, 200);
        {
                char now[32];
                (void)snprintf(now, sizeof(now), "%lld",
                               test_json_int(json_array_get(j, 0), "pid"));
                ck_assert_str_eq(now, npid);
        }
        json_decref(j);
        wait_port_says(port, "", 10);

        j = pod_call("POST", "crash", "destroy", "{}", 200);
        json_decref(j);
        j = pod_call("POST", "ncrash", "destroy", "{}", 200);
        json_decref(j);
}
END_TEST

/* ---- the seed's own bodies, verbatim -------------------------------------------------- */

static char daemon_json[600];

/* The seed's documents name the seed's data root: this berthd has it (set, update and
 * test make nothing there; nothing here is enabled), and a daemon.json of the test's. */
static void setup_seed(void)
{
        const char *extra[] = { "--cgroup-parent",
                                cg_parent,
                                "--recipes-dir",
                                recipes,
                                "--docker-host",
                                docker_host,
                                "--pod-data-root",
                                "/usr/share/canteen/data",
                                "--docker-daemon-json",
                                daemon_json,
                                NULL };

        (void)snprintf(daemon_json, sizeof(daemon_json), "%s/daemon.json", images);
        (void)unlink(daemon_json);
        (void)test_sweep(cg_parent);
        test_berthd_start(&d, false, extra);
}

START_TEST(seed_bodies)
{
        json_t *j, *svc;
        bool existed = access("/usr/share/canteen", F_OK) == 0;
        _cleanup_free_ char *written = NULL;

        /* test: valid, and no such pod yet */
        j = pod_call("POST", "hello-world", "test", SEED_TEST, 200);
        ck_assert_str_eq(test_json_str(j, "name"), "od-pod-hello-world");
        ck_assert(json_is_false(json_object_get(j, "exists")));
        ck_assert_ptr_nonnull(json_object_get(
                json_object_get(json_object_get(j, "data"), "services"), "my-website"));
        json_decref(j);

        /* set with the seed's recipes: the reply is the seed's (the recipes' services are
         * the document's already) */
        j = pod_call("POST", "test", "set", SEED_SET, 200);
        ck_assert_str_eq(test_json_str(j, "name"), "od-pod-test");
        svc = json_object_get(json_object_get(j, "compose_file"), "services");
        ck_assert_int_eq(json_object_size(svc), 2);
        ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(svc, "hello_world"), "image")),
                "ubuntu");
        ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(svc, "my-website"), "build")),
                "static_site/image/");
        ck_assert_str_eq(details_state(j), "disabled");
        json_decref(j);
        j = pod_call("GET", "od-pod-test", "details", NULL, 200);
        ck_assert_int_eq(
                json_object_size(json_object_get(json_object_get(j, "compose_file"), "services")),
                2);
        json_decref(j);

        /* update with the seed's body: the new command and port are the document's */
        j = pod_call("POST", "test", "update", SEED_UPDATE, 200);
        svc = json_object_get(json_object_get(j, "compose_file"), "services");
        ck_assert_str_eq(
                json_string_value(json_array_get(
                        json_object_get(json_object_get(svc, "hello_world"), "command"), 1)),
                "Hello world, how do you do?");
        ck_assert_str_eq(json_string_value(json_array_get(
                                 json_object_get(json_object_get(svc, "my-website"), "ports"), 0)),
                         "3002:3000");
        json_decref(j);
        j = pod_call("POST", "test", "test", SEED_TEST, 200);
        ck_assert(json_is_true(json_object_get(j, "exists")));
        json_decref(j);

        /* config: the seed's POST, then GET shows what was written */
        j = pod_call("POST", NULL, "config", SEED_CONFIG, 200);
        ck_assert_str_eq(test_json_str(j, "podImageFs"), "Pool1/myDockerImages");
        ck_assert_str_eq(test_json_str(j, "podDataFs"), "Pool1/myDockerPods");
        ck_assert(json_is_true(json_object_get(j, "restartRequired")));
        json_decref(j);
        ck_assert_int_ge(read_file(daemon_json, 1 << 16, &written, NULL), 0);
        ck_assert_ptr_nonnull(strstr(written, "zfs.fsname=Pool1/myDockerImages"));
        j = pod_call("GET", NULL, "config", NULL, 200);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "daemonJson"),
                                                           "storage-driver")),
                         "zfs");
        json_decref(j);
        /* the same again changes nothing: no restart needed */
        j = pod_call("POST", NULL, "config", SEED_CONFIG, 200);
        ck_assert(json_is_false(json_object_get(j, "restartRequired")));
        json_decref(j);
        /* an unknown daemon.json key is refused, naming it; the file stays */
        j = pod_call("POST", NULL, "config",
                     "{\"configJson\":{\"no-such-key\":1},\"podImageFs\":\"a\","
                     "\"podDataFs\":\"b\"}",
                     422);
        ck_assert_ptr_nonnull(strstr(test_json_str(j, "message"), "no-such-key"));
        json_decref(j);

        j = pod_call("POST", "test", "destroy", "{}", 200);
        json_decref(j);
        /* nothing was made in the seed's data root */
        if (!existed)
                ck_assert_int_ne(access("/usr/share/canteen", F_OK), 0);
}
END_TEST

/* ---- /pod/config -------------------------------------------------------------------- */

START_TEST(config)
{
        json_t *j;

        j = pod_call("GET", NULL, "config", NULL, 200);
        ck_assert(json_is_object(json_object_get(j, "daemonJson")));
        ck_assert(json_is_object(json_object_get(j, "podDataMount")));
        ck_assert(
                json_is_string(json_object_get(json_object_get(j, "podDataMount"), "mountpoint")));
        json_decref(j);
}
END_TEST

static Suite *pods_suite(void)
{
        Suite *s = suite_create("pods");
        TCase *tc;

        tc = tcase_create("docker");
        tcase_add_unchecked_fixture(tc, prepare, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, docker_walk);
        tcase_add_test(tc, recipes_static_site);
        tcase_add_test(tc, bad_input);
        tcase_add_test(tc, crash_keeps_pods);
        tcase_add_test(tc, config);
        suite_add_tcase(s, tc);

        tc = tcase_create("seed");
        tcase_add_unchecked_fixture(tc, prepare, NULL);
        tcase_add_checked_fixture(tc, setup_seed, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, seed_bodies);
        suite_add_tcase(s, tc);

        tc = tcase_create("engine_down");
        tcase_add_unchecked_fixture(tc, prepare, NULL);
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, engine_down);
        suite_add_tcase(s, tc);

        tc = tcase_create("native");
        tcase_add_unchecked_fixture(tc, prepare, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, native_walk);
        tcase_add_test(tc, native_restart_policy);
        suite_add_tcase(s, tc);

        tc = tcase_create("rbd");
        tcase_add_unchecked_fixture(tc, prepare, NULL);
        tcase_add_unchecked_fixture(tc, ceph_up, ceph_down);
        tcase_add_checked_fixture(tc, setup_rbd, teardown);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, rbd_walk);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        const char *berthd = getenv("BERTHD");

        test_require_root("test-priv-pods");
        test_priv_begin("test-priv-pods", "pods");
        (void)snprintf(cg_parent, sizeof(cg_parent), "berth-test-pods-%d", (int)getpid());
        if (berthd && !getenv("BERTH_INIT")) {
                _cleanup_free_ char *dd = strdup(berthd), *p = NULL;
                if (dd && asprintf(&p, "%s/berth-init", dirname(dd)) >= 0)
                        (void)setenv("BERTH_INIT", p, 1);
        }
        if (test_docker_host(docker_host, sizeof(docker_host)) < 0 ||
            test_docker_busybox_image(docker_host, BB_IMAGE) < 0) {
                fprintf(stderr, "test-priv-pods: no docker engine\n");
                return getenv("BERTH_TESTS_MUST_RUN") ? 1 : 77;
        }
        return test_priv_run(pods_suite(), "test-priv-pods", images, cg_parent);
}
