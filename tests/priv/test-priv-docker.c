/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The docker engine, in process, against the suite's real dockerd (contrib/dockerd.sh; the
 * one contrib/run-tests.sh started, or one of this program's own): a store with the container
 * type and the docker engine, as berthd sets them up. What berth says is checked against what
 * Docker has (GET /containers/{id}/json through the engine's own client), and what a container
 * serves against curl. Each test removes what it made; the teardown checks that Docker has no
 * container of the test's owner left.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "docker-client.h"
#include "docker-internal.h"
#include "docker.h"
#include "error.h"
#include "fileio.h"
#include "harness.h"
#include "macro.h"
#include "recover.h"
#include "store.h"
#include "strv.h"
#include "workload.h"

#define IMAGE "berth-test/busybox:1"

static char docker_host[300];
static pid_t main_pid; /* names start with bt<main_pid>x: what failed tests left is found */

/* Per test (in its forked process). */
static char dir[512], state[600], prefix[32];
static struct berth_store *store;
static struct berth_engine *engine;
static struct docker_client *dc; /* the test's own look at Docker */

/* ---- set-up ---------------------------------------------------------------------------- */

static void open_store(const char *host)
{
        struct berth_error err = {};

        ck_assert_msg(berth_store_new(&(struct berth_store_config){ .state_dir = state }, &store,
                                      &err) >= 0,
                      "%s", err.msg);
        ck_assert_int_eq(
                berth_container_type_register(store, &(struct berth_container_config){}, &err), 0);
        ck_assert_msg(berth_docker_engine_new(
                              store, &(struct berth_docker_config){ .host = host, .owner = state },
                              &engine, &err) >= 0,
                      "%s", err.msg);
        ck_assert_int_eq(berth_container_add_engine(store, engine), 0);
}

static void close_store(void)
{
        berth_docker_engine_stop(engine);
        store = berth_store_free(store);
        berth_docker_engine_free(engine);
        engine = NULL;
}

static void setup(void)
{
        struct berth_error err = {};

        {
                _cleanup_free_ char *t = test_tmpdir("berth-docker-");
                (void)snprintf(dir, sizeof(dir), "%s", t);
        }
        (void)snprintf(state, sizeof(state), "%s/state", dir);
        (void)snprintf(prefix, sizeof(prefix), "bt%dx%d", (int)main_pid, (int)getpid());
        ck_assert_int_eq(docker_client_new(docker_host, &dc, &err), 0);
        open_store(docker_host);
        ck_assert_msg(berth_docker_engine_start(engine, &err) >= 0, "%s", err.msg);
}

/* Docker's containers with this test's owner label. */
static json_t *ours(void)
{
        _cleanup_free_ char *f = NULL, *esc = NULL, *path = NULL;
        struct berth_error err = {};
        json_t *l = NULL;

        ck_assert_int_ge(asprintf(&f, "{\"label\":[\"io.berth.owner=%s\"]}", state), 0);
        esc = docker_escape(f);
        ck_assert_int_ge(asprintf(&path, "/containers/json?all=1&filters=%s", esc), 0);
        ck_assert_msg(docker_call(dc, "GET", path, NULL, &l, &err, "list") >= 0, "%s", err.msg);
        return l;
}

static void teardown(void)
{
        static const char *const images[] = { "built", "imported" };
        json_t *left;

        if (store)
                (void)berth_store_remove_all(store);
        if (engine)
                close_store();
        /* What a failed test_build_import left. */
        for (size_t i = 0; i < ELEMENTSOF(images); i++) {
                char path[200];
                (void)snprintf(path, sizeof(path), "/images/berth-test/%s:%s?force=1", prefix,
                               images[i]);
                (void)docker_call(dc, "DELETE", path, NULL, NULL, NULL, "rmi");
        }
        left = ours();
        ck_assert_msg(json_array_size(left) == 0, "docker containers left: %s",
                      json_dumps(left, JSON_COMPACT));
        json_decref(left);
        dc = docker_client_free(dc);
        test_rm_rf(dir);
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* GET path from Docker: its status; *ret the body (may be NULL). */
static long dget(const char *path, json_t **ret)
{
        struct docker_reply r;
        struct berth_error err = {};
        long status;

        ck_assert_msg(docker_request(dc, &(struct docker_request){ .path = path }, &r, &err) >= 0,
                      "%s", err.msg);
        status = r.status;
        if (ret)
                *ret = TAKE_PTR(r.json);
        docker_reply_done(&r);
        return status;
}

static json_t *inspect_docker(const char *id)
{
        char path[160];
        json_t *j = NULL;

        (void)snprintf(path, sizeof(path), "/containers/%s/json", id);
        ck_assert_int_eq(dget(path, &j), 200);
        return j;
}

static const char *jstr(json_t *j, const char *a, const char *b)
{
        json_t *v = json_object_get(j, a);
        return json_string_value(b ? json_object_get(v, b) : v);
}

static void workload(struct berth_workload *w, const char *script)
{
        berth_workload_init(w);
        w->image = strdup(IMAGE);
        w->args = strv_copy((char *[]){ (char *)"sh", (char *)"-c", (char *)script, NULL });
        w->stop_timeout_ms = 2000;
        ck_assert(w->image && w->args);
}

/* Create (and start) a container named <prefix>-<name> from w: its object id. */
static uint64_t run(const char *name, struct berth_workload *w, bool start)
{
        struct berth_error err = {};
        char full[64];
        uint64_t id;

        (void)snprintf(full, sizeof(full), "%s-%s", prefix, name);
        ck_assert_msg(berth_container_create(store,
                                             &(struct berth_container_def){
                                                     .name = full,
                                                     .workload = w,
                                                     .engine = "docker",
                                                     .start = start,
                                             },
                                             NULL, NULL, &err) >= 0,
                      "%s", err.msg);
        ck_assert_int_eq(berth_container_find(store, full, &id), 0);
        return id;
}

struct snap {
        enum berth_container_state state;
        int exit_code;
        pid_t pid;
        char id[DOCKER_ID_LEN + 1];
        bool oom;
};

static struct snap snap_of(uint64_t id)
{
        struct snap v = { .state = _BERTH_CONTAINER_STATE_INVALID };
        struct berth_container *c;

        pthread_mutex_lock(&store->lock);
        c = berth_container_lookup_locked(store, id);
        if (c) {
                v.state = c->state;
                v.exit_code = c->exit_code;
                v.pid = c->pid;
                v.oom = c->oom_killed;
                (void)snprintf(v.id, sizeof(v.id), "%s", berth_docker_container_id(c) ?: "");
        }
        pthread_mutex_unlock(&store->lock);
        return v;
}

static struct snap wait_state(uint64_t id, enum berth_container_state st, double timeout)
{
        double end = test_now() + timeout;
        struct snap v;

        while ((v = snap_of(id)).state != st && test_now() < end)
                usleep(20000);
        ck_assert_msg(v.state == st, "container %llu is %s, not %s", (unsigned long long)id,
                      berth_container_state_to_string(v.state),
                      berth_container_state_to_string(st));
        return v;
}

static int set_state(uint64_t id, enum berth_container_state st, struct berth_error *err)
{
        return berth_container_set_state(store, id, st, NULL, NULL, err);
}

static void delete_container(uint64_t id)
{
        struct berth_error err = {};

        ck_assert_msg(berth_store_delete(store, BERTH_OBJ_CONTAINER, id, true, NULL, NULL, &err) >=
                              0,
                      "%s", err.msg);
}

static struct berth_container *lookup(uint64_t id)
{
        struct berth_container *c;

        pthread_mutex_lock(&store->lock);
        c = berth_container_lookup_locked(store, id);
        pthread_mutex_unlock(&store->lock);
        ck_assert_ptr_nonnull(c);
        return c;
}

static int exec_sh(uint64_t id, const char *script, uint64_t timeout_ms, size_t max,
                   struct berth_exec_result *res, struct berth_error *err)
{
        char *args[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };

        return berth_container_exec(
                store, id,
                &(struct berth_exec){ .args = args, .timeout_ms = timeout_ms, .output_max = max },
                res, err);
}

static uint16_t free_port(void)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        close(fd);
        return ntohs(a.sin_port);
}

struct body {
        char buf[4096];
        size_t len;
};

static size_t body_write(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct body *b = userdata;
        size_t n = MIN(size * nmemb, sizeof(b->buf) - 1 - b->len);

        memcpy(b->buf + b->len, data, n);
        b->len += n;
        b->buf[b->len] = 0;
        return size * nmemb;
}

/* GET url over TCP, retried for up to timeout s: the status (0: nothing answered). */
static long http_get(const char *url, double timeout, struct body *b)
{
        double end = test_now() + timeout;
        long status = 0;

        do {
                CURL *c = curl_easy_init();
                *b = (struct body){};
                curl_easy_setopt(c, CURLOPT_URL, url);
                curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
                curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
                curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
                if (curl_easy_perform(c) == CURLE_OK)
                        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
                curl_easy_cleanup(c);
                if (status == 0)
                        usleep(100000);
        } while (status == 0 && test_now() < end);
        return status;
}

struct metrics {
        uint64_t calls, events, up;
};

static void metric(const char *name, const char *help, bool counter, uint64_t value, void *userdata)
{
        struct metrics *m = userdata;

        (void)help, (void)counter;
        if (streq(name, "berth_docker_calls_total"))
                m->calls = value;
        else if (streq(name, "berth_docker_events_total"))
                m->events = value;
        else if (streq(name, "berth_docker_engine_up"))
                m->up = value;
}

/* ---- create, start, what Docker has ----------------------------------------------------- */

START_TEST(test_create_start)
{
        struct berth_wl_mount m = { .kind = BERTH_WL_BIND, .flags = BERTH_WL_MOUNT_RO };
        struct berth_wl_port p = { .host_ip = (char *)"127.0.0.1",
                                   .proto = (char *)"tcp",
                                   .port = 8080 };
        char www[600], net[64], url[128], binds[700], key[64];
        struct berth_error err = {};
        struct berth_workload w;
        json_t *j, *labels, *pb, *top = NULL, *ins = NULL;
        struct body b;
        struct snap v;
        uint64_t id;

        (void)snprintf(www, sizeof(www), "%s/www", dir);
        ck_assert_int_eq(mkdir(www, 0755), 0);
        (void)snprintf(url, sizeof(url), "%s/index.html", www);
        ck_assert_int_eq(write_file_atomic(url, "hello from berth\n", 17, 0644), 0);
        (void)snprintf(net, sizeof(net), "%s-net", prefix);
        ck_assert_int_eq(
                berth_docker_network_ensure(engine, net, (char *[]){ (char *)"t=1", NULL }, &err),
                0);
        ck_assert_int_eq(berth_docker_network_ensure(engine, net, NULL, &err), 1);

        workload(&w, "exec httpd -f -p 8080 -h /www");
        m.source = www;
        m.destination = (char *)"/www";
        w.mounts = &m;
        w.n_mounts = 1;
        p.host_port = free_port();
        w.ports = &p;
        w.n_ports = 1;
        w.env = strv_copy((char *[]){ (char *)"GREETING=hi there", NULL });
        w.labels = strv_copy((char *[]){ (char *)"app=web", NULL });
        w.network = net;
        w.network_aliases = (char *[]){ (char *)"web", NULL };
        w.restart = BERTH_RESTART_UNLESS_STOPPED;
        id = run("web", &w, true);
        w.mounts = NULL;
        w.n_mounts = 0;
        w.ports = NULL;
        w.n_ports = 0;
        w.network = NULL;
        w.network_aliases = NULL;

        v = wait_state(id, BERTH_CONTAINER_RUNNING, 5);
        ck_assert_int_eq(strlen(v.id), DOCKER_ID_LEN);
        ck_assert_int_gt(v.pid, 0);
        j = inspect_docker(v.id);
        (void)snprintf(key, sizeof(key), "/%s-web", prefix);
        ck_assert_str_eq(jstr(j, "Name", NULL), key);
        labels = json_object_get(json_object_get(j, "Config"), "Labels");
        ck_assert_str_eq(jstr(labels, "io.berth.managed", NULL), "1");
        ck_assert_str_eq(jstr(labels, "io.berth.owner", NULL), state);
        (void)snprintf(key, sizeof(key), "%llu", (unsigned long long)id);
        ck_assert_str_eq(jstr(labels, "io.berth.id", NULL), key);
        ck_assert_str_eq(jstr(labels, "app", NULL), "web");
        ck_assert_str_eq(jstr(j, "Config", "Image"), IMAGE);
        {
                bool found = false;
                size_t i;
                json_t *e;
                json_array_foreach (json_object_get(json_object_get(j, "Config"), "Env"), i, e)
                        found |= streq(json_string_value(e), "GREETING=hi there");
                ck_assert(found);
        }
        (void)snprintf(binds, sizeof(binds), "%s:/www:ro", www);
        ck_assert_str_eq(json_string_value(json_array_get(
                                 json_object_get(json_object_get(j, "HostConfig"), "Binds"), 0)),
                         binds);
        ck_assert_str_eq(jstr(json_object_get(j, "HostConfig"), "RestartPolicy", "Name"),
                         "unless-stopped");
        ck_assert_str_eq(jstr(j, "HostConfig", "NetworkMode"), net);
        pb = json_array_get(
                json_object_get(json_object_get(json_object_get(j, "HostConfig"), "PortBindings"),
                                "8080/tcp"),
                0);
        ck_assert_str_eq(jstr(pb, "HostIp", NULL), "127.0.0.1");
        (void)snprintf(key, sizeof(key), "%u", p.host_port);
        ck_assert_str_eq(jstr(pb, "HostPort", NULL), key);
        ck_assert(json_is_false(json_object_get(json_object_get(j, "Config"), "Tty")));
        json_decref(j);

        /* The events are followed, and counted. */
        {
                struct metrics mt = {};
                for (double end = test_now() + 5;
                     (mt.up == 0 || mt.events == 0) && test_now() < end; usleep(20000))
                        engine->ops->metrics(engine, metric, &mt);
                ck_assert_uint_eq(mt.up, 1);
                ck_assert_uint_gt(mt.events, 0);
                ck_assert_uint_gt(mt.calls, 2);
        }

        /* It serves on 127.0.0.1 through docker-proxy. */
        (void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/index.html", p.host_port);
        ck_assert_int_eq(http_get(url, 10, &b), 200);
        ck_assert_str_eq(b.buf, "hello from berth\n");

        /* inspect and top through the engine. */
        ck_assert_msg(berth_container_inspect(store, id, &ins, &err) >= 0, "%s", err.msg);
        ck_assert_str_eq(json_string_value(json_object_get(ins, "id")), v.id);
        ck_assert_str_eq(json_string_value(json_object_get(ins, "status")), "running");
        ck_assert_int_eq(json_integer_value(json_object_get(ins, "restart_count")), 0);
        j = json_array_get(json_object_get(ins, "ports"), 0);
        ck_assert_str_eq(jstr(j, "host_ip", NULL), "127.0.0.1");
        ck_assert_int_eq(json_integer_value(json_object_get(j, "host_port")), p.host_port);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "port")), 8080);
        ck_assert_str_eq(jstr(j, "proto", NULL), "tcp");
        json_decref(ins);
        ck_assert_msg(berth_container_top(store, id, &top, &err) >= 0, "%s", err.msg);
        ck_assert_int_ge(json_array_size(json_object_get(top, "Titles")), 1);
        {
                _cleanup_free_ char *text = json_dumps(top, JSON_COMPACT);
                ck_assert_ptr_nonnull(strstr(text, "httpd"));
        }
        json_decref(top);

        {
                struct berth_stats st;
                ck_assert_msg(lookup(id)->engine->ops->stats(engine, lookup(id), &st, &err) >= 0,
                              "%s", err.msg);
                ck_assert(st.memory_set && st.memory_bytes > 0);
                ck_assert(st.cpu_set);
                ck_assert(st.pids_set && st.pids >= 1);
        }

        delete_container(id);
        {
                char path[160];
                (void)snprintf(path, sizeof(path), "/containers/%s/json", v.id);
                ck_assert_int_eq(dget(path, NULL), 404);
        }

        /* On the host's network: it serves on the host's loopback itself. */
        {
                uint16_t port = free_port();
                char script[128];
                (void)snprintf(script, sizeof(script), "exec httpd -f -p 127.0.0.1:%u -h /etc",
                               port);
                berth_workload_done(&w);
                workload(&w, script);
                w.network_mode = strdup("host");
                id = run("host", &w, true);
                v = wait_state(id, BERTH_CONTAINER_RUNNING, 5);
                j = inspect_docker(v.id);
                ck_assert_str_eq(jstr(j, "HostConfig", "NetworkMode"), "host");
                json_decref(j);
                (void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/os-release", port);
                ck_assert_int_eq(http_get(url, 10, &b), 200);
                ck_assert_ptr_nonnull(strstr(b.buf, "berth"));
                delete_container(id);
        }
        ck_assert_int_eq(berth_docker_network_remove(engine, net, &err), 0);
        ck_assert_int_eq(berth_docker_network_remove(engine, net, &err), 0);
        berth_workload_done(&w);
}
END_TEST

/* ---- stop, kill, pause, resume ------------------------------------------------------------ */

START_TEST(test_stop_kill)
{
        struct berth_error err = {};
        struct berth_workload w;
        double t0;
        struct snap v;
        json_t *j;
        uint64_t id;

        workload(&w, "trap 'exit 7' TERM; while :; do sleep 0.1; done");
        id = run("stop", &w, true);
        v = wait_state(id, BERTH_CONTAINER_RUNNING, 5);

        /* The stop returns at once; the exit comes back through the events. */
        t0 = test_now();
        ck_assert_msg(set_state(id, BERTH_CONTAINER_EXITED, &err) >= 0, "%s", err.msg);
        ck_assert_double_lt(test_now() - t0, 0.5);
        ck_assert_int_eq(snap_of(id).state == BERTH_CONTAINER_STOPPING ||
                                 snap_of(id).state == BERTH_CONTAINER_EXITED,
                         1);
        v = wait_state(id, BERTH_CONTAINER_EXITED, 10);
        ck_assert_int_eq(v.exit_code, 7);
        ck_assert_int_eq(v.pid, 0);
        j = inspect_docker(v.id);
        ck_assert_str_eq(jstr(j, "State", "Status"), "exited");
        ck_assert_int_eq(
                json_integer_value(json_object_get(json_object_get(j, "State"), "ExitCode")), 7);
        json_decref(j);
        /* A stop of a container that does not run is no error. */
        ck_assert_msg(set_state(id, BERTH_CONTAINER_EXITED, &err) >= 0, "%s", err.msg);

        /* Started again (the same Docker container), then killed. */
        ck_assert_msg(set_state(id, BERTH_CONTAINER_RUNNING, &err) >= 0, "%s", err.msg);
        ck_assert_int_eq(snap_of(id).state, BERTH_CONTAINER_RUNNING);
        ck_assert_str_eq(snap_of(id).id, v.id);
        ck_assert_int_eq(snap_of(id).exit_code, -1);
        ck_assert_msg(lookup(id)->engine->ops->kill(engine, lookup(id), SIGKILL, &err) >= 0, "%s",
                      err.msg);
        v = wait_state(id, BERTH_CONTAINER_EXITED, 10);
        ck_assert_int_eq(v.exit_code, 137);
        /* A kill of a container that does not run: Docker's 409, said. */
        ck_assert_int_eq(lookup(id)->engine->ops->kill(engine, lookup(id), SIGKILL, &err), -EBUSY);
        ck_assert_ptr_nonnull(strstr(err.msg, "is not running"));
        ck_assert_ptr_nonnull(strstr(err.msg, "docker: kill container"));
        delete_container(id);
        berth_workload_done(&w);
}
END_TEST

START_TEST(test_pause_resume)
{
        struct berth_error err = {};
        struct berth_workload w;
        struct snap v;
        json_t *j;
        uint64_t id;

        workload(&w, "trap 'exit 0' TERM; while :; do sleep 0.1; done");
        id = run("pause", &w, true);
        v = wait_state(id, BERTH_CONTAINER_RUNNING, 5);
        ck_assert_msg(set_state(id, BERTH_CONTAINER_PAUSED, &err) >= 0, "%s", err.msg);
        ck_assert_int_eq(snap_of(id).state, BERTH_CONTAINER_PAUSED);
        j = inspect_docker(v.id);
        ck_assert_str_eq(jstr(j, "State", "Status"), "paused");
        json_decref(j);
        ck_assert_msg(set_state(id, BERTH_CONTAINER_RUNNING, &err) >= 0, "%s", err.msg);
        ck_assert_int_eq(snap_of(id).state, BERTH_CONTAINER_RUNNING);
        j = inspect_docker(v.id);
        ck_assert_str_eq(jstr(j, "State", "Status"), "running");
        json_decref(j);
        /* Docker's unpause of a running container is a 500: said as busy. */
        ck_assert_int_eq(lookup(id)->engine->ops->resume(engine, lookup(id), &err), -EBUSY);
        ck_assert_ptr_nonnull(strstr(err.msg, "is not paused"));

        /* A stop of a paused container ends it too. */
        ck_assert_msg(set_state(id, BERTH_CONTAINER_PAUSED, &err) >= 0, "%s", err.msg);
        ck_assert_msg(set_state(id, BERTH_CONTAINER_EXITED, &err) >= 0, "%s", err.msg);
        v = wait_state(id, BERTH_CONTAINER_EXITED, 10);
        ck_assert_int_eq(v.exit_code, 0);
        delete_container(id);
        berth_workload_done(&w);
}
END_TEST

/* ---- exec ---------------------------------------------------------------------------------- */

START_TEST(test_exec)
{
        struct berth_exec_result res;
        struct berth_error err = {};
        struct berth_workload w;
        double t0;
        uint64_t id;

        workload(&w, "trap 'exit 0' TERM; while :; do sleep 0.1; done");
        id = run("exec", &w, true);
        (void)wait_state(id, BERTH_CONTAINER_RUNNING, 5);

        ck_assert_msg(exec_sh(id, "echo out; echo err >&2; exit 3", 0, 0, &res, &err) >= 0, "%s",
                      err.msg);
        ck_assert_int_eq(res.exit_code, 3);
        ck_assert(!res.timed_out);
        ck_assert_ptr_nonnull(strstr(res.output, "out\n"));
        ck_assert_ptr_nonnull(strstr(res.output, "err\n"));
        ck_assert_int_eq(res.output_len, 8);
        ck_assert_int_eq(res.output_dropped, 0);
        berth_exec_result_done(&res);

        /* Bounded output: the rest is counted. */
        ck_assert_msg(exec_sh(id, "seq 1 1000", 0, 10, &res, &err) >= 0, "%s", err.msg);
        ck_assert_int_eq(res.exit_code, 0);
        ck_assert_int_eq(res.output_len, 10);
        ck_assert_mem_eq(res.output, "1\n2\n3\n4\n5\n", 10);
        ck_assert_int_eq(res.output_len + res.output_dropped, 3893);
        berth_exec_result_done(&res);

        /* The environment and working directory asked for. */
        {
                char *args[] = { (char *)"sh", (char *)"-c", (char *)"echo $X; pwd", NULL };
                char *env[] = { (char *)"X=from-exec", NULL };
                ck_assert_msg(berth_container_exec(store, id,
                                                   &(struct berth_exec){ .args = args,
                                                                         .env = env,
                                                                         .cwd = (char *)"/etc" },
                                                   &res, &err) >= 0,
                              "%s", err.msg);
                ck_assert_str_eq(res.output, "from-exec\n/etc\n");
                berth_exec_result_done(&res);
        }

        /* At the deadline it is killed, and the call returns. */
        t0 = test_now();
        ck_assert_msg(exec_sh(id, "echo started; sleep 30", 500, 0, &res, &err) >= 0, "%s",
                      err.msg);
        ck_assert(res.timed_out);
        ck_assert_int_eq(res.signal, SIGKILL);
        ck_assert_int_eq(res.exit_code, -1);
        ck_assert_double_lt(test_now() - t0, 4);
        berth_exec_result_done(&res);
        /* … and is gone from the container. */
        ck_assert_msg(exec_sh(id, "ps | grep -c '[s]leep 30'", 0, 0, &res, &err) >= 0, "%s",
                      err.msg);
        ck_assert_str_eq(res.output, "0\n");
        berth_exec_result_done(&res);

        /* A command that does not exist: Docker's 126/127, not an error of the call. */
        {
                char *args[] = { (char *)"/nonexistent", NULL };
                int r = berth_container_exec(store, id, &(struct berth_exec){ .args = args }, &res,
                                             &err);
                if (r >= 0) {
                        ck_assert_int_ge(res.exit_code, 126);
                        berth_exec_result_done(&res);
                } else
                        ck_assert_ptr_nonnull(strstr(err.msg, "docker"));
        }

        /* Not running: refused by the core. */
        ck_assert_msg(set_state(id, BERTH_CONTAINER_EXITED, &err) >= 0, "%s", err.msg);
        (void)wait_state(id, BERTH_CONTAINER_EXITED, 10);
        ck_assert_int_eq(exec_sh(id, "true", 0, 0, &res, &err), -EBUSY);
        delete_container(id);
        berth_workload_done(&w);
}
END_TEST

/* ---- logs ----------------------------------------------------------------------------------- */

struct lines {
        pthread_mutex_t lock;
        char *text;
        size_t n;
        bool framed; /* a line carried a frame header's bytes */
};

static int add_line(const char *line, size_t len, void *userdata)
{
        struct lines *l = userdata;
        char *t;

        pthread_mutex_lock(&l->lock);
        if (memchr(line, 0, len) || memchr(line, 1, len) || memchr(line, 2, len))
                l->framed = true;
        ck_assert_int_ge(asprintf(&t, "%s%.*s|", l->text ? l->text : "", (int)len, line), 0);
        free(l->text);
        l->text = t;
        l->n++;
        pthread_mutex_unlock(&l->lock);
        return 0;
}

static bool lines_have(struct lines *l, const char *needle)
{
        bool r;

        pthread_mutex_lock(&l->lock);
        r = l->text && strstr(l->text, needle);
        pthread_mutex_unlock(&l->lock);
        return r;
}

static int count_of(struct lines *l, const char *needle)
{
        int n = 0;

        pthread_mutex_lock(&l->lock);
        for (const char *p = l->text; p && (p = strstr(p, needle)); p++)
                n++;
        pthread_mutex_unlock(&l->lock);
        return n;
}

struct follower {
        uint64_t id;
        struct lines lines;
        int r;
        bool done;
};

static void *follow_main(void *userdata)
{
        struct follower *f = userdata;
        struct berth_error err = {};

        f->r = berth_container_logs(store, f->id, &(struct berth_logs_query){ .follow = true },
                                    add_line, &f->lines, &err);
        __atomic_store_n(&f->done, true, __ATOMIC_SEQ_CST);
        return NULL;
}

static void wait_for(struct lines *l, const char *needle, double timeout)
{
        double end = test_now() + timeout;

        while (!lines_have(l, needle) && test_now() < end)
                usleep(20000);
        ck_assert_msg(lines_have(l, needle), "no '%s' in %s", needle, l->text ? l->text : "");
}

START_TEST(test_logs)
{
        struct lines all = { .lock = PTHREAD_MUTEX_INITIALIZER };
        struct follower f = { .lines = { .lock = PTHREAD_MUTEX_INITIALIZER } };
        struct berth_exec_result res;
        struct berth_error err = {};
        struct berth_workload w;
        pthread_t t;
        double t0;
        uint64_t id;

        /* stdout and stderr are copied apart: the pause keeps their order. */
        workload(&w, "for i in 1 2 3 4 5; do echo line$i; done; sleep 0.2; echo oops >&2; "
                     "while [ ! -e /tmp/go ]; do sleep 0.05; done; echo second; "
                     "while [ ! -e /tmp/end ]; do sleep 0.05; done; echo last");
        id = run("logs", &w, true);
        (void)wait_state(id, BERTH_CONTAINER_RUNNING, 5);

        /* All of it, as lines without frame headers. */
        for (double end = test_now() + 5; !lines_have(&all, "oops") && test_now() < end;) {
                free(all.text);
                all.text = NULL;
                all.n = 0;
                ck_assert_msg(berth_container_logs(store, id, &(struct berth_logs_query){},
                                                   add_line, &all, &err) >= 0,
                              "%s", err.msg);
                usleep(50000);
        }
        ck_assert_str_eq(all.text, "line1|line2|line3|line4|line5|oops|");
        ck_assert(!all.framed);
        /* The last two. */
        free(all.text);
        all.text = NULL;
        all.n = 0;
        ck_assert_msg(berth_container_logs(store, id, &(struct berth_logs_query){ .tail = 2 },
                                           add_line, &all, &err) >= 0,
                      "%s", err.msg);
        ck_assert_str_eq(all.text, "line5|oops|");
        free(all.text);

        /* Followed: new lines as they come, the end when the container ends. */
        f.id = id;
        ck_assert_int_eq(pthread_create(&t, NULL, follow_main, &f), 0);
        wait_for(&f.lines, "oops", 5);
        ck_assert(!lines_have(&f.lines, "second"));
        ck_assert_msg(exec_sh(id, "touch /tmp/go", 0, 0, &res, &err) >= 0, "%s", err.msg);
        berth_exec_result_done(&res);
        wait_for(&f.lines, "second", 5);
        ck_assert(!__atomic_load_n(&f.done, __ATOMIC_SEQ_CST));
        ck_assert_msg(exec_sh(id, "touch /tmp/end", 0, 0, &res, &err) >= 0, "%s", err.msg);
        berth_exec_result_done(&res);
        (void)wait_state(id, BERTH_CONTAINER_EXITED, 5);
        t0 = test_now();
        while (!__atomic_load_n(&f.done, __ATOMIC_SEQ_CST) && test_now() < t0 + 5)
                usleep(20000);
        ck_assert(__atomic_load_n(&f.done, __ATOMIC_SEQ_CST));
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(f.r, 0);
        ck_assert(lines_have(&f.lines, "second|last|"));
        free(f.lines.text);

        /* Followed while running, then deleted: the reader ends, and the delete with it. */
        ck_assert_msg(set_state(id, BERTH_CONTAINER_RUNNING, &err) >= 0, "%s", err.msg);
        f = (struct follower){ .id = id, .lines = { .lock = PTHREAD_MUTEX_INITIALIZER } };
        ck_assert_int_eq(pthread_create(&t, NULL, follow_main, &f), 0);
        /* The first run's lines, then this one's (its files are still there: all of it). */
        for (double end = test_now() + 5; count_of(&f.lines, "line5|") < 2 && test_now() < end;)
                usleep(20000);
        ck_assert_int_eq(count_of(&f.lines, "line5|"), 2);
        t0 = test_now();
        delete_container(id);
        ck_assert_double_lt(test_now() - t0, 5);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(f.r, 0);
        free(f.lines.text);
        berth_workload_done(&w);
}
END_TEST

/* ---- Docker's restart manager ---------------------------------------------------------------- */

START_TEST(test_restart_on_failure)
{
        struct berth_workload w;
        bool saw_exit = false, saw_run_again = false;
        json_t *j = NULL, *ins = NULL;
        struct berth_error err = {};
        double end;
        struct snap v;
        uint64_t id;

        workload(&w, "sleep 0.3; exit 3");
        w.restart = BERTH_RESTART_ON_FAILURE;
        w.restart_max = 2;
        id = run("restart", &w, true);
        v = snap_of(id);
        /* The object follows: exited, then running again (die, start). */
        for (end = test_now() + 20; test_now() < end; usleep(10000)) {
                enum berth_container_state st = snap_of(id).state;
                if (st == BERTH_CONTAINER_EXITED)
                        saw_exit = true;
                else if (st == BERTH_CONTAINER_RUNNING && saw_exit)
                        saw_run_again = true;
                json_decref(j);
                j = inspect_docker(v.id);
                if (streq(jstr(j, "State", "Status"), "exited") &&
                    json_integer_value(json_object_get(j, "RestartCount")) == 2)
                        break;
        }
        ck_assert_msg(streq(jstr(j, "State", "Status"), "exited"), "docker says %s",
                      jstr(j, "State", "Status"));
        ck_assert_int_eq(json_integer_value(json_object_get(j, "RestartCount")), 2);
        ck_assert_int_eq(json_integer_value(json_object_get(
                                 json_object_get(json_object_get(j, "HostConfig"), "RestartPolicy"),
                                 "MaximumRetryCount")),
                         2);
        json_decref(j);
        ck_assert(saw_exit && saw_run_again);
        /* Then it stays exited, and so does the object. */
        usleep(1500000);
        v = wait_state(id, BERTH_CONTAINER_EXITED, 5);
        ck_assert_int_eq(v.exit_code, 3);
        j = inspect_docker(v.id);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "RestartCount")), 2);
        json_decref(j);
        ck_assert_msg(berth_container_inspect(store, id, &ins, &err) >= 0, "%s", err.msg);
        ck_assert_int_eq(json_integer_value(json_object_get(ins, "restart_count")), 2);
        json_decref(ins);
        delete_container(id);
        berth_workload_done(&w);
}
END_TEST

/* ---- records ----------------------------------------------------------------------------------
 */

START_TEST(test_record_round_trip)
{
        struct berth_error err = {};
        struct berth_workload w;
        char started[64], name[64];
        struct snap v, v2, e;
        uint64_t id, id2, found;
        json_t *j;

        workload(&w, "trap 'exit 0' TERM; while :; do sleep 0.1; done");
        id = run("keep", &w, true);
        v = wait_state(id, BERTH_CONTAINER_RUNNING, 5);
        j = inspect_docker(v.id);
        (void)snprintf(started, sizeof(started), "%s", jstr(j, "State", "StartedAt"));
        json_decref(j);
        id2 = run("ends", &w, true);
        v2 = wait_state(id2, BERTH_CONTAINER_RUNNING, 5);

        /* berthd goes (memory only); meanwhile one container ends outside berth. */
        close_store();
        {
                char path[160];
                (void)snprintf(path, sizeof(path), "/containers/%s/kill?signal=SIGKILL", v2.id);
                ck_assert_int_ge(docker_call(dc, "POST", path, NULL, NULL, &err, "kill"), 0);
        }
        open_store(docker_host);
        ck_assert_int_eq(berth_store_recover(store), 0);
        ck_assert_msg(berth_docker_engine_start(engine, &err) >= 0, "%s", err.msg);

        (void)snprintf(name, sizeof(name), "%s-keep", prefix);
        ck_assert_int_eq(berth_container_find(store, name, &found), 0);
        ck_assert_int_eq(found, id);
        e = snap_of(id);
        ck_assert_int_eq(e.state, BERTH_CONTAINER_RUNNING);
        ck_assert_str_eq(e.id, v.id);
        ck_assert_int_eq(e.pid, v.pid);
        /* Not restarted: the same run of the same container. */
        j = inspect_docker(v.id);
        ck_assert_str_eq(jstr(j, "State", "StartedAt"), started);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "RestartCount")), 0);
        json_decref(j);
        /* The one that ended meanwhile is exited, with its code. */
        e = wait_state(id2, BERTH_CONTAINER_EXITED, 5);
        ck_assert_str_eq(e.id, v2.id);
        ck_assert_int_eq(e.exit_code, 128 + SIGKILL);
        /* And it still works: stopped through the new engine. */
        ck_assert_msg(set_state(id, BERTH_CONTAINER_EXITED, &err) >= 0, "%s", err.msg);
        ck_assert_int_eq(wait_state(id, BERTH_CONTAINER_EXITED, 10).exit_code, 0);
        delete_container(id);
        delete_container(id2);
        berth_workload_done(&w);
}
END_TEST

START_TEST(test_sweep_orphans)
{
        struct berth_error err = {};
        struct berth_workload w;
        json_t *body, *reply = NULL;
        char orphan[DOCKER_ID_LEN + 1], stranger[DOCKER_ID_LEN + 1], path[200];
        struct snap v;
        uint64_t id;

        workload(&w, "trap 'exit 0' TERM; while :; do sleep 0.1; done");
        id = run("owned", &w, false);
        v = snap_of(id);

        /* One with our owner label and an id no object has; one of someone else. */
        body = json_pack("{s:s, s:[s], s:{s:s, s:s, s:s}}", "Image", IMAGE, "Cmd", "true", "Labels",
                         "io.berth.managed", "1", "io.berth.owner", state, "io.berth.id", "999999");
        (void)snprintf(path, sizeof(path), "/containers/create?name=%s-orphan", prefix);
        ck_assert_int_eq(docker_call(dc, "POST", path, body, &reply, &err, "create"), 201);
        (void)snprintf(orphan, sizeof(orphan), "%s", jstr(reply, "Id", NULL));
        json_decref(body);
        json_decref(reply);
        body = json_pack("{s:s, s:[s], s:{s:s, s:s}}", "Image", IMAGE, "Cmd", "true", "Labels",
                         "io.berth.owner", "/somewhere/else", "io.berth.id", "999999");
        (void)snprintf(path, sizeof(path), "/containers/create?name=%s-stranger", prefix);
        ck_assert_int_eq(docker_call(dc, "POST", path, body, &reply, &err, "create"), 201);
        (void)snprintf(stranger, sizeof(stranger), "%s", jstr(reply, "Id", NULL));
        json_decref(body);
        json_decref(reply);

        ck_assert_uint_eq(engine->ops->sweep(engine), 1);
        (void)snprintf(path, sizeof(path), "/containers/%s/json", orphan);
        ck_assert_int_eq(dget(path, NULL), 404);
        (void)snprintf(path, sizeof(path), "/containers/%s/json", stranger);
        ck_assert_int_eq(dget(path, NULL), 200);
        (void)snprintf(path, sizeof(path), "/containers/%s/json", v.id);
        ck_assert_int_eq(dget(path, NULL), 200);
        /* Nothing else to sweep. */
        ck_assert_uint_eq(engine->ops->sweep(engine), 0);

        (void)snprintf(path, sizeof(path), "/containers/%s?force=1", stranger);
        ck_assert_int_eq(docker_call(dc, "DELETE", path, NULL, NULL, &err, "remove"), 204);
        delete_container(id);
        berth_workload_done(&w);
}
END_TEST

/* ---- refusals, an engine that is down ----------------------------------------------------------
 */

static void refused(struct berth_workload *w, const char *name, int code, const char *needle)
{
        struct berth_error err = {};
        uint64_t next = store->next_id[BERTH_OBJ_CONTAINER], id;
        int r;

        r = berth_container_create(
                store,
                &(struct berth_container_def){
                        .name = name, .workload = w, .engine = "docker", .start = true },
                NULL, NULL, &err);
        ck_assert_msg(r == code, "%s: %d, not %d: %s", name ? name : "(none)", r, code, err.msg);
        ck_assert_msg(strstr(err.msg, needle), "'%s' not in '%s'", needle, err.msg);
        ck_assert_int_eq(store->next_id[BERTH_OBJ_CONTAINER], next);
        ck_assert_uint_eq(store->n_table[BERTH_OBJ_CONTAINER], 0);
        if (name)
                ck_assert_int_eq(berth_container_find(store, name, &id), -ENOENT);
}

START_TEST(test_refusals)
{
        struct berth_wl_port port = { .port = 80, .proto = (char *)"tcp" };
        struct berth_workload w;
        char name[64], path[160];

        (void)snprintf(name, sizeof(name), "%s-refused", prefix);
        berth_workload_init(&w);
        w.args = strv_copy((char *[]){ (char *)"true", NULL });
        refused(&w, name, -EINVAL, "image");
        w.image = strdup(IMAGE);
        refused(&w, NULL, -EINVAL, "name");
        refused(&w, "x", -EINVAL, "container name 'x'");
        refused(&w, "-bad", -EINVAL, "container name");
        w.systemd = true;
        refused(&w, name, -EOPNOTSUPP, "systemd");
        w.systemd = false;
        w.umask = 022;
        refused(&w, name, -EOPNOTSUPP, "umask");
        w.umask = -1;
        w.root_path = strdup("/");
        refused(&w, name, -EOPNOTSUPP, "root_path");
        w.root_path = mfree(w.root_path);
        w.network_mode = strdup("host");
        w.ports = &port;
        w.n_ports = 1;
        refused(&w, name, -EINVAL, "ports");
        w.ports = NULL;
        w.n_ports = 0;
        w.network_aliases = strv_copy((char *[]){ (char *)"a", NULL });
        refused(&w, name, -EINVAL, "network_aliases");
        w.network_aliases = strv_free(w.network_aliases);
        w.network_mode = mfree(w.network_mode);
        w.labels = strv_copy((char *[]){ (char *)"io.berth.id=1", NULL });
        refused(&w, name, -EINVAL, "io.berth");
        w.labels = strv_free(w.labels);
        /* Docker's own refusals: no such image (create never pulls). */
        free(w.image);
        w.image = strdup("berth-test/no-such-image:1");
        refused(&w, name, -ENOENT, "docker: create container");
        /* None of them reached Docker, or it kept nothing. */
        (void)snprintf(path, sizeof(path), "/containers/%s/json", name);
        ck_assert_int_eq(dget(path, NULL), 404);
        berth_workload_done(&w);
}
END_TEST

START_TEST(test_engine_down)
{
        struct berth_error err = {};
        struct berth_workload w;
        char host[700], name[64], path[160];
        double t0;

        /* A socket path where nothing listens. */
        (void)snprintf(host, sizeof(host), "unix://%s/nothing.sock", dir);
        berth_docker_engine_stop(engine);
        (void)berth_store_remove_all(store);
        close_store();
        open_store(host);
        ck_assert_int_eq(berth_docker_engine_start(engine, &err), 0);
        ck_assert_int_eq(berth_docker_ping(engine, &err), -EHOSTDOWN);
        ck_assert_ptr_nonnull(strstr(err.msg, host));

        workload(&w, "true");
        (void)snprintf(name, sizeof(name), "%s-down", prefix);
        refused(&w, name, -EHOSTDOWN, "does not answer");
        refused(&w, name, -EHOSTDOWN, host);
        ck_assert_int_eq(berth_docker_network_ensure(engine, "x-net", NULL, &err), -EHOSTDOWN);
        ck_assert_int_eq(berth_docker_image_exists(engine, IMAGE, &err), -EHOSTDOWN);
        /* Nothing of it on the real engine. */
        (void)snprintf(path, sizeof(path), "/containers/%s/json", name);
        ck_assert_int_eq(dget(path, NULL), 404);
        /* The event thread, retrying, stops at once. */
        usleep(300000);
        t0 = test_now();
        berth_docker_engine_stop(engine);
        ck_assert_double_lt(test_now() - t0, 1);
        berth_workload_done(&w);
}
END_TEST

/* ---- the engine goes away and comes back ---------------------------------------------------- */

/* A unix socket in front of Docker's, that can be cut (every connection shut down, new
 * ones closed at once) and restored. */
struct proxy {
        char path[600];
        int fd;
        pthread_t thread;
        pthread_mutex_t lock;
        bool down, stop;
        int conns[64];
        size_t n;
};

struct pipe_pair {
        struct proxy *p;
        int a, b;
};

static void *pump_main(void *userdata)
{
        struct pipe_pair *pp = userdata;
        struct pollfd f[2] = { { .fd = pp->a, .events = POLLIN },
                               { .fd = pp->b, .events = POLLIN } };
        char buf[16384];

        for (;;) {
                ssize_t n;
                if (poll(f, 2, 200) < 0)
                        break;
                if (__atomic_load_n(&pp->p->stop, __ATOMIC_SEQ_CST))
                        break;
                if (f[0].revents) {
                        n = read(pp->a, buf, sizeof(buf));
                        if (n <= 0 || write(pp->b, buf, (size_t)n) != n)
                                break;
                }
                if (f[1].revents) {
                        n = read(pp->b, buf, sizeof(buf));
                        if (n <= 0 || write(pp->a, buf, (size_t)n) != n)
                                break;
                }
        }
        pthread_mutex_lock(&pp->p->lock);
        for (size_t i = 0; i < pp->p->n; i++)
                if (pp->p->conns[i] == pp->a || pp->p->conns[i] == pp->b)
                        pp->p->conns[i] = -1;
        pthread_mutex_unlock(&pp->p->lock);
        close(pp->a);
        close(pp->b);
        free(pp);
        return NULL;
}

static void *proxy_main(void *userdata)
{
        struct proxy *p = userdata;
        struct sockaddr_un up = { .sun_family = AF_UNIX };

        (void)snprintf(up.sun_path, sizeof(up.sun_path), "%s", docker_host + 7);
        while (!__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST)) {
                struct pollfd f = { .fd = p->fd, .events = POLLIN };
                struct pipe_pair *pp;
                pthread_t t;
                int c, u;

                if (poll(&f, 1, 100) <= 0)
                        continue;
                c = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                pthread_mutex_lock(&p->lock);
                if (p->down || p->n + 2 > ELEMENTSOF(p->conns)) {
                        pthread_mutex_unlock(&p->lock);
                        close(c);
                        continue;
                }
                u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (u < 0 || connect(u, (struct sockaddr *)&up, sizeof(up)) < 0) {
                        pthread_mutex_unlock(&p->lock);
                        close(c);
                        if (u >= 0)
                                close(u);
                        continue;
                }
                p->conns[p->n++] = c;
                p->conns[p->n++] = u;
                pthread_mutex_unlock(&p->lock);
                pp = malloc(sizeof(*pp));
                ck_assert_ptr_nonnull(pp);
                *pp = (struct pipe_pair){ .p = p, .a = c, .b = u };
                ck_assert_int_eq(pthread_create(&t, NULL, pump_main, pp), 0);
                pthread_detach(t);
        }
        return NULL;
}

static void proxy_cut(struct proxy *p, bool down)
{
        pthread_mutex_lock(&p->lock);
        p->down = down;
        for (size_t i = 0; down && i < p->n; i++)
                if (p->conns[i] >= 0)
                        shutdown(p->conns[i], SHUT_RDWR);
        pthread_mutex_unlock(&p->lock);
}

START_TEST(test_engine_comes_back)
{
        struct proxy p = { .lock = PTHREAD_MUTEX_INITIALIZER };
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        struct berth_error err = {};
        struct berth_workload w;
        struct metrics mt = {};
        char host[700], path[200];
        struct snap v;
        uint64_t id;

        (void)snprintf(p.path, sizeof(p.path), "%s/proxy.sock", dir);
        (void)snprintf(a.sun_path, sizeof(a.sun_path), "%s", p.path);
        p.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(p.fd, 0);
        ck_assert_int_eq(bind(p.fd, (struct sockaddr *)&a, sizeof(a)), 0);
        ck_assert_int_eq(listen(p.fd, 16), 0);
        ck_assert_int_eq(pthread_create(&p.thread, NULL, proxy_main, &p), 0);
        (void)snprintf(host, sizeof(host), "unix://%s", p.path);
        close_store();
        open_store(host);
        ck_assert_int_eq(berth_docker_engine_start(engine, &err), 0);

        workload(&w, "trap 'exit 5' TERM; while :; do sleep 0.1; done");
        id = run("back", &w, true);
        v = wait_state(id, BERTH_CONTAINER_RUNNING, 5);

        /* The engine goes away: the stream ends, the metric says so. */
        proxy_cut(&p, true);
        for (double end = test_now() + 5; test_now() < end; usleep(20000)) {
                engine->ops->metrics(engine, metric, &mt);
                if (mt.up == 0)
                        break;
        }
        ck_assert_uint_eq(mt.up, 0);
        ck_assert_int_eq(berth_docker_ping(engine, &err), -EHOSTDOWN);
        /* Meanwhile the container ends, unseen. */
        (void)snprintf(path, sizeof(path), "/containers/%s/stop?t=5", v.id);
        ck_assert_int_eq(docker_call(dc, "POST", path, NULL, NULL, &err, "stop"), 204);
        usleep(300000);
        ck_assert_int_eq(snap_of(id).state, BERTH_CONTAINER_RUNNING);

        /* It comes back: the thread reconnects and brings the object in line. */
        proxy_cut(&p, false);
        v = wait_state(id, BERTH_CONTAINER_EXITED, 10);
        ck_assert_int_eq(v.exit_code, 5);
        for (double end = test_now() + 5; test_now() < end; usleep(20000)) {
                engine->ops->metrics(engine, metric, &mt);
                if (mt.up == 1)
                        break;
        }
        ck_assert_uint_eq(mt.up, 1);
        /* And events flow again. */
        ck_assert_msg(set_state(id, BERTH_CONTAINER_RUNNING, &err) >= 0, "%s", err.msg);
        ck_assert_msg(lookup(id)->engine->ops->kill(engine, lookup(id), SIGKILL, &err) >= 0, "%s",
                      err.msg);
        ck_assert_int_eq(wait_state(id, BERTH_CONTAINER_EXITED, 10).exit_code, 137);
        delete_container(id);
        berth_workload_done(&w);

        close_store();
        __atomic_store_n(&p.stop, true, __ATOMIC_SEQ_CST);
        ck_assert_int_eq(pthread_join(p.thread, NULL), 0);
        close(p.fd);
        usleep(300000); /* the pumps see the stop */
}
END_TEST

/* ---- images and networks ------------------------------------------------------------------------
 */

START_TEST(test_build_import)
{
        struct berth_error err = {};
        char ctx[600], file[700], tag[64], path[200], tar[700];
        _cleanup_free_ char *out = NULL;
        struct berth_exec_result res;
        struct berth_workload w;
        uint64_t id;

        (void)snprintf(ctx, sizeof(ctx), "%s/ctx", dir);
        ck_assert_int_eq(mkdir(ctx, 0755), 0);
        (void)snprintf(file, sizeof(file), "%s/Dockerfile", ctx);
        ck_assert_int_eq(write_file_atomic(file,
                                           "FROM " IMAGE "\nCOPY . /ctx/\n"
                                           "RUN test -L /ctx/link && test -f /ctx/sub/hello.txt\n",
                                           strlen("FROM " IMAGE "\nCOPY . /ctx/\n"
                                                  "RUN test -L /ctx/link && test -f "
                                                  "/ctx/sub/hello.txt\n"),
                                           0644),
                         0);
        (void)snprintf(file, sizeof(file), "%s/sub", ctx);
        ck_assert_int_eq(mkdir(file, 0755), 0);
        (void)snprintf(file, sizeof(file), "%s/sub/hello.txt", ctx);
        ck_assert_int_eq(write_file_atomic(file, "hello\n", 6, 0644), 0);
        (void)snprintf(file, sizeof(file), "%s/link", ctx);
        ck_assert_int_eq(symlink("/etc/passwd", file), 0); /* a link, not the host's file */
        (void)snprintf(tag, sizeof(tag), "berth-test/%s:built", prefix);

        ck_assert_int_eq(berth_docker_image_exists(engine, tag, &err), 0);
        ck_assert_msg(berth_docker_build(engine, ctx, NULL, tag,
                                         (char *[]){ (char *)"io.berth.test=1", NULL }, &out,
                                         &err) >= 0,
                      "%s", err.msg);
        ck_assert_msg(strstr(out, "Step 1/4 : FROM " IMAGE) && strstr(out, "Successfully tagged"),
                      "build output: %s", out);
        ck_assert_int_eq(berth_docker_image_exists(engine, tag, &err), 1);

        /* What it built runs, with the context in it as sent. */
        workload(&w, "cat /ctx/sub/hello.txt; readlink /ctx/link; sleep 1000");
        free(w.image);
        w.image = strdup(tag);
        id = run("built", &w, true);
        (void)wait_state(id, BERTH_CONTAINER_RUNNING, 5);
        ck_assert_msg(exec_sh(id, "cat /ctx/sub/hello.txt; readlink /ctx/link", 0, 0, &res, &err) >=
                              0,
                      "%s", err.msg);
        ck_assert_str_eq(res.output, "hello\n/etc/passwd\n");
        berth_exec_result_done(&res);
        delete_container(id);
        berth_workload_done(&w);

        /* A build that fails inside the stream fails, with Docker's words. */
        (void)snprintf(file, sizeof(file), "%s/Failing", ctx);
        ck_assert_int_eq(write_file_atomic(file, "FROM " IMAGE "\nRUN exit 3\n",
                                           strlen("FROM " IMAGE "\nRUN exit 3\n"), 0644),
                         0);
        ck_assert_int_eq(berth_docker_build(engine, ctx, "Failing", tag, NULL, NULL, &err), -EIO);
        ck_assert_ptr_nonnull(strstr(err.msg, "returned a non-zero code: 3"));
        ck_assert_int_eq(berth_docker_build(engine, ctx, "../x", tag, NULL, NULL, &err), -EINVAL);

        /* An import of a tar (the context, as tar makes it). */
        (void)snprintf(tar, sizeof(tar), "%s/ctx.tar", dir);
        ck_assert_int_eq(test_run((const char *[]){ "tar", "-C", ctx, "-cf", tar, ".", NULL }), 0);
        (void)snprintf(path, sizeof(path), "berth-test/%s", prefix);
        ck_assert_msg(berth_docker_import(engine, tar, path, "imported",
                                          (char *[]){ (char *)"CMD [\"/x\"]", NULL }, &err) >= 0,
                      "%s", err.msg);
        (void)snprintf(tag, sizeof(tag), "berth-test/%s:imported", prefix);
        ck_assert_int_eq(berth_docker_image_exists(engine, tag, &err), 1);
        ck_assert_int_eq(berth_docker_import(engine, "/nonexistent.tar", path, "x", NULL, &err),
                         -ENOENT);

        (void)snprintf(path, sizeof(path), "/images/berth-test/%s:imported?force=1", prefix);
        ck_assert_int_eq(docker_call(dc, "DELETE", path, NULL, NULL, &err, "rmi"), 200);
        (void)snprintf(path, sizeof(path), "/images/berth-test/%s:built?force=1", prefix);
        ck_assert_int_eq(docker_call(dc, "DELETE", path, NULL, NULL, &err, "rmi"), 200);
}
END_TEST

/* ---- the client's stream shapes (no engine)
 * ------------------------------------------------------ */

START_TEST(test_create_body)
{
        struct docker dk = { .owner = (char *)"/run/berth-x" };
        struct berth_container c = { .obj = { .id = 42 }, .name = (char *)"od-pod-x_web_1" };
        struct berth_wl_port ports[] = {
                { .port = 8000,
                  .port_end = 8001,
                  .host_port = 9000,
                  .host_port_end = 9001,
                  .host_ip = (char *)"127.0.0.1",
                  .proto = (char *)"tcp" },
                { .port = 53, .proto = (char *)"udp" },
                { .port = 80, .host_port = 7000, .host_port_end = 7010, .proto = (char *)"tcp" },
        };
        struct berth_wl_mount mounts[] = {
                { .kind = BERTH_WL_BIND,
                  .source = (char *)"/srv/a",
                  .destination = (char *)"/a",
                  .flags = BERTH_WL_MOUNT_RO,
                  .propagation = MS_SLAVE | MS_REC },
                { .kind = BERTH_WL_TMPFS,
                  .destination = (char *)"/t",
                  .size = 1 << 20,
                  .mode = 01777,
                  .flags = BERTH_WL_MOUNT_NOEXEC },
        };
        struct berth_wl_rlimit rl = { .type = (char *)"RLIMIT_NOFILE",
                                      .soft = 1024,
                                      .hard = UINT64_MAX };
        struct berth_wl_health health = { .test = (char *[]){ (char *)"CMD-SHELL", (char *)"true",
                                                              NULL },
                                          .interval_ns = 1000000000,
                                          .retries = 3 };
        struct berth_error err = {};
        _cleanup_free_ char *text = NULL;
        json_t *j, *hc;

        berth_workload_init(&c.w);
        c.w.image = (char *)IMAGE;
        c.w.entrypoint = (char *[]){ (char *)"/bin/sh", (char *)"-c", NULL };
        c.w.user_set = true;
        c.w.uid = 1000;
        c.w.gid = 100;
        c.w.ports = ports;
        c.w.n_ports = ELEMENTSOF(ports);
        c.w.mounts = mounts;
        c.w.n_mounts = ELEMENTSOF(mounts);
        c.w.rlimits = &rl;
        c.w.n_rlimits = 1;
        c.w.health = &health;
        c.w.caps_set = true;
        c.w.caps = ((UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_SYS_ADMIN));
        c.w.limits = (struct berth_limits){ .memory = 64 << 20,
                                            .pids = 100,
                                            .cpu_quota_us = 50000,
                                            .cpu_period_us = 100000,
                                            .cpus = "0",
                                            .mems = "0" };
        c.w.restart = BERTH_RESTART_ON_FAILURE;
        c.w.restart_max = 2;
        c.w.stop_timeout_ms = 2500;
        c.w.labels = (char *[]){ (char *)"a=b=c", NULL };
        c.w.network = (char *)"od-pod-x_default";
        c.w.network_aliases = (char *[]){ (char *)"web", NULL };
        ck_assert_msg(docker_check_workload(&c, &err) >= 0, "%s", err.msg);
        j = docker_create_body(&dk, &c);
        ck_assert_ptr_nonnull(j);
        text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        hc = json_object_get(j, "HostConfig");
        /* No Cmd: the image's; the entrypoint given. */
        ck_assert_ptr_null(json_object_get(j, "Cmd"));
        ck_assert_ptr_nonnull(strstr(text, "\"Entrypoint\":[\"/bin/sh\",\"-c\"]"));
        ck_assert_str_eq(jstr(j, "User", NULL), "1000:100");
        ck_assert_str_eq(jstr(j, "StopSignal", NULL), "SIGTERM");
        ck_assert_int_eq(json_integer_value(json_object_get(j, "StopTimeout")), 3);
        ck_assert_str_eq(jstr(j, "Labels", "a"), "b=c");
        ck_assert_str_eq(jstr(j, "Labels", "io.berth.id"), "42");
        ck_assert_str_eq(jstr(j, "Labels", "io.berth.owner"), "/run/berth-x");
        /* Ports: ranges expanded pairwise, HostPort a string, a host range for one port. */
        ck_assert_ptr_nonnull(strstr(text, "\"8000/tcp\":[{\"HostIp\":\"127.0.0.1\","
                                           "\"HostPort\":\"9000\"}]"));
        ck_assert_ptr_nonnull(strstr(text, "\"8001/tcp\":[{\"HostIp\":\"127.0.0.1\","
                                           "\"HostPort\":\"9001\"}]"));
        ck_assert_ptr_nonnull(strstr(text, "\"53/udp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]"));
        ck_assert_ptr_nonnull(strstr(text, "\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":"
                                           "\"7000-7010\"}]"));
        ck_assert_int_eq(json_object_size(json_object_get(j, "ExposedPorts")), 4);
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(hc, "Binds"), 0)),
                         "/srv/a:/a:ro,rslave");
        ck_assert_str_eq(jstr(hc, "Tmpfs", "/t"), "size=1048576,mode=1777,noexec");
        ck_assert_str_eq(jstr(hc, "NetworkMode", NULL), "od-pod-x_default");
        ck_assert_ptr_nonnull(strstr(text, "\"EndpointsConfig\":{\"od-pod-x_default\":"
                                           "{\"Aliases\":[\"web\"]}}"));
        ck_assert_str_eq(jstr(hc, "RestartPolicy", "Name"), "on-failure");
        ck_assert_ptr_nonnull(strstr(text, "\"MaximumRetryCount\":2"));
        ck_assert_int_eq(json_integer_value(json_object_get(hc, "Memory")), 64 << 20);
        ck_assert_int_eq(json_integer_value(json_object_get(hc, "PidsLimit")), 100);
        ck_assert_int_eq(json_integer_value(json_object_get(hc, "NanoCpus")), 500000000);
        ck_assert_str_eq(jstr(hc, "CpusetCpus", NULL), "0");
        ck_assert_str_eq(jstr(hc, "CpusetMems", NULL), "0");
        ck_assert_ptr_nonnull(strstr(text, "\"Ulimits\":[{\"Hard\":-1,\"Name\":\"nofile\","
                                           "\"Soft\":1024}]"));
        /* Capabilities against Docker's default set. */
        ck_assert_ptr_nonnull(strstr(text, "\"CapAdd\":[\"CAP_SYS_ADMIN\"]"));
        ck_assert_ptr_nonnull(strstr(text, "\"CAP_NET_RAW\""));
        ck_assert_ptr_null(strstr(text, "\"CAP_CHOWN\""));
        ck_assert_int_eq(json_array_size(json_object_get(hc, "CapDrop")), 13);
        ck_assert_ptr_nonnull(strstr(text, "\"Test\":[\"CMD-SHELL\",\"true\"]"));
        ck_assert_ptr_nonnull(strstr(text, "\"max-size\":\"8388608\""));
        ck_assert(json_is_false(json_object_get(hc, "Init")));
        json_decref(j);

        /* What Docker cannot do is refused, naming the field. */
        c.w.ports[0].host_port_end = 9005;
        ck_assert_int_eq(docker_check_workload(&c, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "ports[0]"));
        c.w.ports[0].host_port_end = 9001;
        c.w.mounts[0].flags |= BERTH_WL_MOUNT_NOSUID;
        ck_assert_int_eq(docker_check_workload(&c, &err), -EOPNOTSUPP);
        ck_assert_ptr_nonnull(strstr(err.msg, "mounts[0]"));
        c.w.mounts[0].flags = 0;
        c.w.cap_sets = true;
        ck_assert_int_eq(docker_check_workload(&c, &err), -EOPNOTSUPP);
        c.w.cap_sets = false;
        c.w.seccomp = BERTH_WL_SECCOMP_PRIVILEGED;
        ck_assert_int_eq(docker_check_workload(&c, &err), -EOPNOTSUPP);
        ck_assert_ptr_nonnull(strstr(err.msg, "seccomp"));
        c.w.seccomp = BERTH_WL_SECCOMP_DEFAULT;
        c.w.seccomp_rules = json_pack("{s:i}", "defaultAction", 0x7fff0000);
        ck_assert_int_eq(docker_check_workload(&c, &err), -EOPNOTSUPP);
        ck_assert_ptr_nonnull(strstr(err.msg, "seccomp_rules"));
        json_decref(c.w.seccomp_rules);
        c.w.seccomp_rules = NULL;
        rl.type = (char *)"RLIMIT_BOGUS";
        ck_assert_int_eq(docker_check_workload(&c, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "rlimits[0]"));
}
END_TEST

static int demux_collect(int stream, const char *buf, size_t len, void *userdata)
{
        char *out = userdata;
        size_t n = strlen(out);

        out[n] = stream == 1 ? 'o' : 'e';
        memcpy(out + n + 1, buf, len);
        out[n + 1 + len] = 0;
        return 0;
}

static int count_obj(json_t *o, void *userdata)
{
        (void)o;
        (*(int *)userdata)++;
        return 0;
}

static int line_collect(const char *line, size_t len, void *userdata)
{
        size_t *n = userdata;
        (void)line;
        ck_assert_int_le(len, 65536);
        (*n)++;
        return 0;
}

START_TEST(test_client_shapes)
{
        static const char frames[] = "\1\0\0\0\0\0\0\3abc"
                                     "\2\0\0\0\0\0\0\2de"
                                     "\1\0\0\0\0\0\0\0"
                                     "\1\0\0\0\0\0\0\1f";
        char out[64] = "";
        struct docker_demux m = { .fn = demux_collect, .userdata = out };
        int objs = 0;
        struct docker_ndjson nd = { .scan_errors = true, .fn = count_obj, .userdata = &objs };
        const char *stream =
                "{\"status\":\"a\"}\n{\"stream\":\"b\"}\n{\"errorDetail\":{\"message\":"
                "\"it broke\"},\"error\":\"it broke\"}\n{\"status\":\"c\"}\n";
        size_t lines = 0;
        struct docker_lines l = { .fn = line_collect, .userdata = &lines };
        _cleanup_free_ char *big = malloc(200000);
        struct docker_client *d = NULL;
        struct berth_error err = {};

        /* Frames fed a byte at a time: each payload with its stream. */
        for (size_t i = 0; i < sizeof(frames) - 1; i++)
                ck_assert_int_eq(docker_demux_feed(&m, frames + i, 1), 0);
        ck_assert_str_eq(out, "oaobocedeeof");
        /* NDJSON split anywhere: the error object fails it, with its message. */
        ck_assert_int_eq(docker_ndjson_feed(&nd, stream, 20), 0);
        ck_assert_int_eq(docker_ndjson_feed(&nd, stream + 20, strlen(stream) - 20), -EIO);
        ck_assert_int_eq(objs, 2);
        ck_assert_str_eq(nd.msg, "it broke");
        docker_ndjson_done(&nd);
        /* Lines: a long one is cut, the last one flushed. */
        memset(big, 'x', 200000);
        big[100] = '\n';
        ck_assert_int_eq(docker_lines_feed(&l, big, 200000), 0);
        ck_assert_int_eq(docker_lines_flush(&l), 0);
        ck_assert_uint_eq(lines, 5); /* 100 bytes, then 199,899 in 64 KiB pieces */
        docker_lines_done(&l);
        /* Hosts: unix, or TCP with TLS only (in clear text an engine is root for anyone on
         * the way); TLS files must be there. */
        ck_assert_int_eq(docker_client_new("tcp://127.0.0.1:2375", &d, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "needs TLS"));
        ck_assert_int_eq(docker_client_new("http://127.0.0.1:2375", &d, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "neither unix:///PATH nor tcp://HOST:PORT"));
        ck_assert_int_eq(docker_client_new_tls("tcp://127.0.0.1:0", "/nonexistent", &d, &err),
                         -EINVAL);
        ck_assert_int_eq(docker_client_new_tls("tcp://a b:2376", "/nonexistent", &d, &err),
                         -EINVAL);
        ck_assert_int_eq(docker_client_new_tls("tcp://[::1]:2376", "/nonexistent", &d, &err),
                         -ENOENT);
        ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/ca.pem"));
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        suite_add_tcase(s, tc);
        return tc;
}

/* One case per concern: CK_RUN_CASE=<name> runs one. */
static Suite *docker_suite(void)
{
        Suite *s = suite_create("priv-docker");
        TCase *tc;

        tc = tcase(s, "client");
        tcase_add_test(tc, test_client_shapes);
        tcase_add_test(tc, test_create_body);
        tc = tcase(s, "refusals");
        tcase_add_test(tc, test_refusals);
        tcase_add_test(tc, test_engine_down);
        tcase_add_test(tcase(s, "reconnect"), test_engine_comes_back);
        tc = tcase(s, "lifecycle");
        tcase_add_test(tc, test_create_start);
        tcase_add_test(tc, test_stop_kill);
        tcase_add_test(tc, test_pause_resume);
        tcase_add_test(tcase(s, "exec"), test_exec);
        tcase_add_test(tcase(s, "logs"), test_logs);
        tcase_add_test(tcase(s, "restart"), test_restart_on_failure);
        tc = tcase(s, "records");
        tcase_add_test(tc, test_record_round_trip);
        tcase_add_test(tc, test_sweep_orphans);
        tcase_add_test(tcase(s, "images"), test_build_import);
        return s;
}

/* After the runner: what failed tests left (Check runs no teardown after a failure in a
 * forked test), found by the names this program gives: containers, networks, images. No
 * ck_* call here. */
static void sweep_docker(void)
{
        struct docker_client *d = NULL;
        json_t *l = NULL, *o;
        char p[32], path[400];
        size_t i;

        if (docker_client_new(docker_host, &d, NULL) < 0)
                return;
        (void)snprintf(p, sizeof(p), "bt%dx", (int)main_pid);
        if (docker_call(d, "GET", "/containers/json?all=1", NULL, &l, NULL, "list") >= 0)
                json_array_foreach (l, i, o) {
                        const char *n =
                                json_string_value(json_array_get(json_object_get(o, "Names"), 0));
                        if (!n || strncmp(n + 1, p, strlen(p)) != 0)
                                continue;
                        (void)snprintf(path, sizeof(path), "/containers/%s?force=1&v=1",
                                       json_string_value(json_object_get(o, "Id")));
                        (void)docker_call(d, "DELETE", path, NULL, NULL, NULL, "remove");
                        fprintf(stderr, "test-priv-docker: removed container %s\n", n);
                }
        l = (json_decref(l), NULL);
        if (docker_call(d, "GET", "/networks", NULL, &l, NULL, "list") >= 0)
                json_array_foreach (l, i, o) {
                        const char *n = json_string_value(json_object_get(o, "Name"));
                        if (!n || strncmp(n, p, strlen(p)) != 0)
                                continue;
                        (void)snprintf(path, sizeof(path), "/networks/%s", n);
                        (void)docker_call(d, "DELETE", path, NULL, NULL, NULL, "remove");
                        fprintf(stderr, "test-priv-docker: removed network %s\n", n);
                }
        l = (json_decref(l), NULL);
        if (docker_call(d, "GET", "/images/json", NULL, &l, NULL, "list") >= 0)
                json_array_foreach (l, i, o) {
                        size_t k;
                        json_t *t;
                        json_array_foreach (json_object_get(o, "RepoTags"), k, t) {
                                const char *n = json_string_value(t);
                                if (!n || strncmp(n, "berth-test/", 11) != 0 ||
                                    strncmp(n + 11, p, strlen(p)) != 0)
                                        continue;
                                (void)snprintf(path, sizeof(path), "/images/%s?force=1", n);
                                (void)docker_call(d, "DELETE", path, NULL, NULL, NULL, "rmi");
                                fprintf(stderr, "test-priv-docker: removed image %s\n", n);
                        }
                }
        json_decref(l);
        docker_client_free(d);
}

int main(void)
{
        int r;

        test_require_root("test-priv-docker");
        test_priv_begin("test-priv-docker", "docker");
        if (test_docker_host(docker_host, sizeof(docker_host)) < 0 ||
            test_docker_busybox_image(docker_host, IMAGE) < 0) {
                fprintf(stderr, "test-priv-docker: no docker engine\n");
                return getenv("BERTH_TESTS_MUST_RUN") ? 1 : 77;
        }
        main_pid = getpid();
        r = test_priv_run(docker_suite(), "test-priv-docker", NULL, NULL);
        sweep_docker();
        return r;
}
