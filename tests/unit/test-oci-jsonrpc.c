/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The org.rdk.OCIContainer door without a network and without root: the JSON-RPC
 * envelope (src/api/oci/jsonrpc.c), the door (ocicontainer-api.c) through the router and
 * a fake transport, and the methods (ocicontainer.c) on a real store with the container
 * type and a fake engine that runs nothing. Bundles are translated by oci-config.c.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "docs.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "http.h"
#include "jsonrpc.h"
#include "macro.h"
#include "ocicontainer-api.h"
#include "oci-info.h"
#include "ocicontainer.h"
#include "store.h"
#include "strv.h"

#define MAX_BODY 4096

/* ---- a fake transport ----------------------------------------------------------------- */

struct fake_conn {
        const char *body;
        size_t body_len, pos;
        const char *token;
        int n_responses;
        int status;
        char content_type[64];
        char *out;
        size_t out_len;
};

static ssize_t fake_read(void *conn, void *buf, size_t len)
{
        struct fake_conn *c = conn;
        size_t n = MIN(len, c->body_len - c->pos);

        memcpy(buf, c->body + c->pos, n);
        c->pos += n;
        return (ssize_t)n;
}

static int fake_respond(void *conn, int status, const struct berth_http_header *headers,
                        size_t n_headers, const void *body, size_t len)
{
        struct fake_conn *c = conn;

        if (c->n_responses++ > 0)
                return 0;
        c->status = status;
        for (size_t i = 0; i < n_headers; i++)
                if (strcasecmp(headers[i].name, "Content-Type") == 0)
                        (void)snprintf(c->content_type, sizeof(c->content_type), "%s",
                                       headers[i].value);
        if (body) {
                c->out = malloc(len + 1);
                ck_assert_ptr_nonnull(c->out);
                memcpy(c->out, body, len);
                c->out[len] = 0;
        }
        c->out_len = body ? len : 0;
        return 0;
}

static const char *fake_header(void *conn, const char *name)
{
        struct fake_conn *c = conn;

        /* What `curl -d` sends: not JSON's type, and the door takes it. */
        if (strcasecmp(name, "Content-Type") == 0)
                return "application/x-www-form-urlencoded";
        if (strcasecmp(name, "token") == 0)
                return c->token;
        return NULL;
}

static const struct berth_http_transport fake_transport = {
        .name = "fake",
        .read = fake_read,
        .respond = fake_respond,
        .header = fake_header,
};

/* ---- the world: a store, a fake engine, the door ------------------------------------- */

static char dir[512];
static struct berth_events events;
static struct berth_store *store;
static struct oci_containers *oc;
static struct berth_ocicontainer_api door;
static struct berth_docs docs;
static struct berth_http_router *router;

static struct {
        int starts, pauses, resumes, execs, removes;
        bool exec_timeout;
        int exec_signal;
        bool exec_big;
        char exec_args[256], exec_env[256], exec_cwd[64];
        bool exec_user_set;
        uid_t exec_uid;
        gid_t exec_gid;
        uint64_t exec_timeout_ms;
        size_t exec_output_max;
} calls;

static void ended(struct berth_store *s, struct berth_container *c, int sig)
{
        pthread_mutex_lock(&s->lock);
        c->pid = 0;
        c->exit_code = sig ? -1 : 0;
        c->signal = sig;
        berth_container_set_state_locked(s, c, BERTH_CONTAINER_EXITED);
        pthread_mutex_unlock(&s->lock);
        berth_container_publish(s, c, "exited");
}

static bool live(const struct berth_container *c)
{
        return c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
               c->state == BERTH_CONTAINER_STOPPING;
}

static int fake_start(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct berth_store *s = e->data;

        calls.starts++;
        if (strv_contains(c->w.args, "fail"))
                return berth_error_set(err, EIO, "the fake engine cannot start 'fail'");
        pthread_mutex_lock(&s->lock);
        c->pid = getpid();
        c->stop_requested = false;
        berth_container_set_state_locked(s, c, BERTH_CONTAINER_RUNNING);
        pthread_mutex_unlock(&s->lock);
        berth_container_publish(s, c, "running");
        return 0;
}

static int fake_stop(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct berth_store *s = e->data;

        (void)err;
        pthread_mutex_lock(&s->lock);
        c->stop_requested = true;
        pthread_mutex_unlock(&s->lock);
        if (live(c))
                ended(s, c, SIGTERM);
        return 0;
}

static int fake_kill(struct berth_engine *e, struct berth_container *c, int sig,
                     struct berth_error *err)
{
        (void)err;
        ended(e->data, c, sig);
        return 0;
}

static int freeze(struct berth_engine *e, struct berth_container *c, bool pause)
{
        struct berth_store *s = e->data;

        pause ? calls.pauses++ : calls.resumes++;
        pthread_mutex_lock(&s->lock);
        berth_container_set_state_locked(s, c,
                                         pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING);
        pthread_mutex_unlock(&s->lock);
        return 0;
}

static int fake_pause(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        (void)err;
        return freeze(e, c, true);
}

static int fake_resume(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        (void)err;
        return freeze(e, c, false);
}

static void join(char *buf, size_t size, char **l)
{
        _cleanup_free_ char *s = strv_join(l, "|");

        (void)snprintf(buf, size, "%s", s ? s : "");
}

static int fake_exec(struct berth_engine *e, struct berth_container *c, const struct berth_exec *x,
                     struct berth_exec_result *ret, struct berth_error *err)
{
        static const char out[] = "out\n\xff err\n";

        (void)e;
        (void)c;
        (void)err;
        calls.execs++;
        join(calls.exec_args, sizeof(calls.exec_args), x->args);
        join(calls.exec_env, sizeof(calls.exec_env), x->env);
        (void)snprintf(calls.exec_cwd, sizeof(calls.exec_cwd), "%s", x->cwd ? x->cwd : "");
        calls.exec_user_set = x->user_set;
        calls.exec_uid = x->uid;
        calls.exec_gid = x->gid;
        calls.exec_timeout_ms = x->timeout_ms;
        calls.exec_output_max = x->output_max;
        *ret = (struct berth_exec_result){ .exit_code = 3 };
        if (calls.exec_big) {
                ret->output = calloc(1, x->output_max + 1);
                ck_assert_ptr_nonnull(ret->output);
                memset(ret->output, 'x', x->output_max);
                ret->output_len = x->output_max;
                ret->output_dropped = 10;
                return 0;
        }
        ret->output = strdup(out);
        ck_assert_ptr_nonnull(ret->output);
        ret->output_len = strlen(out);
        ret->timed_out = calls.exec_timeout;
        if (calls.exec_signal) {
                ret->exit_code = -1;
                ret->signal = calls.exec_signal;
        }
        return 0;
}

static int fake_remove(struct berth_engine *e, struct berth_container *c, unsigned flags,
                       struct berth_error *err)
{
        (void)flags;
        (void)err;
        calls.removes++;
        if (live(c))
                ended(e->data, c, SIGKILL);
        return 0;
}

static const struct berth_engine_ops fake_ops = {
        .start = fake_start,
        .stop = fake_stop,
        .kill = fake_kill,
        .pause = fake_pause,
        .resume = fake_resume,
        .exec = fake_exec,
        .remove = fake_remove,
};

static struct berth_engine fake_engine = { .name = "fake", .ops = &fake_ops };

static int rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
        (void)sb;
        (void)ftw;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void world_setup(void)
{
        const char *t = getenv("TMPDIR");
        struct berth_error err = {};

        memset(&calls, 0, sizeof(calls));
        (void)snprintf(dir, sizeof(dir), "%s/berth-test-oci-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_msg(mkdtemp(dir), "mkdtemp: %m");
        berth_events_init(&events);
        ck_assert_int_eq(
                berth_store_new(&(struct berth_store_config){ .state_dir = dir }, &store, &err), 0);
        store->events = &events;
        ck_assert_int_eq(
                berth_container_type_register(store, &(struct berth_container_config){}, &err), 0);
        fake_engine.data = store;
        ck_assert_int_eq(berth_container_add_engine(store, &fake_engine), 0);
        ck_assert_int_eq(
                oci_containers_new(
                        &(struct oci_containers_config){ .store = store, .engine = "fake" }, &oc),
                0);
        ck_assert_int_eq(oci_containers_start(oc), 0);
        berth_ocicontainer_api_init(&door, oc, MAX_BODY);
        ck_assert_int_eq(berth_docs_init(&docs), 0);
        ck_assert_int_eq(berth_http_router_new(&router), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, &door.http), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, &docs.http), 0);
}

static void world_teardown(void)
{
        router = berth_http_router_free(router);
        berth_events_close(&events);
        oc = oci_containers_free(oc);
        store = berth_store_free(store);
        berth_events_done(&events);
        (void)nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- requests -------------------------------------------------------------------------- */

static void post(struct fake_conn *c, const char *path, const char *body, const char *token)
{
        struct berth_http_request req = {
                .method = "POST",
                .path = path,
                .content_length = (long long)strlen(body),
                .remote = "test",
                .transport = &fake_transport,
                .conn = c,
                .id = 1,
        };

        *c = (struct fake_conn){ .body = body, .body_len = strlen(body), .token = token };
        berth_http_dispatch(router, &req);
        ck_assert_int_eq(c->n_responses, 1);
        ck_assert_int_eq(req.status, c->status);
}

static json_t *post_json(const char *path, const char *body, int want_status)
{
        struct fake_conn c;
        json_error_t e;
        json_t *j;

        post(&c, path, body, NULL);
        ck_assert_msg(c.status == want_status, "%s: HTTP %d, want %d: %s", body, c.status,
                      want_status, c.out ? c.out : "");
        ck_assert_str_eq(c.content_type, "application/json");
        j = json_loadb(c.out, c.out_len, JSON_REJECT_DUPLICATES, &e);
        ck_assert_msg(j, "not JSON: %s", c.out);
        free(c.out);
        return j;
}

/* The error of a reply: its code, its message containing needle, and its id as JSON
 * text ("null", "7", "\"a\""). */
static void assert_error(const char *body, int code, const char *needle, const char *id)
{
        json_auto_t *j = post_json("/jsonrpc", body, 200);
        json_t *err = json_object_get(j, "error");
        _cleanup_free_ char *got_id = json_dumps(json_object_get(j, "id"), JSON_ENCODE_ANY);
        const char *msg = json_string_value(json_object_get(err, "message"));

        ck_assert_str_eq(json_string_value(json_object_get(j, "jsonrpc")), "2.0");
        ck_assert_msg(!json_object_get(j, "result"), "%s: a result", body);
        ck_assert_msg(json_integer_value(json_object_get(err, "code")) == code,
                      "%s: code %lld, want %d (%s)", body,
                      (long long)json_integer_value(json_object_get(err, "code")), code, msg);
        ck_assert_msg(msg && strstr(msg, needle), "%s: message '%s' lacks '%s'", body, msg, needle);
        ck_assert_str_eq(got_id, id);
}

/* The result of a call of method with params (JSON text or NULL), id 3. */
static json_t *rpc(const char *method, const char *params)
{
        _cleanup_free_ char *body = NULL;
        json_t *j, *r;

        ck_assert_int_ge(asprintf(&body, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"%s\"%s%s}",
                                  method, params ? ",\"params\":" : "", params ? params : ""),
                         0);
        j = post_json("/jsonrpc/", body, 200);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 3);
        r = json_incref(json_object_get(j, "result"));
        ck_assert_msg(r, "%s: no result: %s", body, json_dumps(j, 0));
        json_decref(j);
        return r;
}

static json_t *ok(const char *method, const char *params)
{
        json_t *r = rpc(method, params);

        ck_assert_msg(json_is_true(json_object_get(r, "success")), "%s %s: %s", method,
                      params ? params : "", json_string_value(json_object_get(r, "errorReason")));
        ck_assert_ptr_null(json_object_get(r, "errorReason"));
        return r;
}

static void fails(const char *method, const char *params, const char *needle)
{
        json_auto_t *r = rpc(method, params);
        const char *why = json_string_value(json_object_get(r, "errorReason"));

        ck_assert_msg(json_is_false(json_object_get(r, "success")), "%s %s succeeded", method,
                      params ? params : "");
        ck_assert_msg(why && strstr(why, needle), "%s: errorReason '%s' lacks '%s'", method, why,
                      needle);
}

#define M(m) "org.rdk.OCIContainer.1." m

/* ---- the envelope -------------------------------------------------------------------- */

START_TEST(test_envelope_errors)
{
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":3,", -32700, "malformed JSON", "null");
        assert_error("", -32700, "malformed JSON", "null");
        assert_error("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" M("listContainers") "\"}]",
                     -32600, "batches are not supported", "null");
        assert_error("42", -32600, "JSON object", "null");
        assert_error("{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"" M("listContainers") "\"}",
                     -32600, "jsonrpc must be \"2.0\"", "7");
        assert_error("{\"id\":7,\"method\":\"" M("listContainers") "\"}", -32600, "jsonrpc", "7");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":5}", -32600,
                     "method must be a string", "\"a\"");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":\"a\"}", -32600, "method is required", "\"a\"");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", -32600,
                     "id must be a string, a number or null", "null");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"x\"}", -32600, "id must be",
                     "null");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"x\",\"extra\":1}", -32600,
                     "unknown member 'extra'", "9");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":9,\"id\":10,\"method\":\"x\"}", -32600,
                     "duplicate", "null");
        /* An id of null is a call (not a notification), answered with id null. */
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"nope\"}", -32601, "'nope'",
                     "null");
}
END_TEST

START_TEST(test_methods_and_params_errors)
{
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"" M("frobnicate") "\"}", -32601,
                     "unknown method '" M("frobnicate") "'", "4");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"org.rdk.OCIContainer.2."
                     "listContainers\"}",
                     -32601, "version 1 only", "4");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"org.rdk.Other.1.listContainers\"}",
                     -32601, "unknown method", "4");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"org.rdk.OCIContainer.1\"}", -32601,
                     "unknown method", "4");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"" M(
                             "getContainerState") "\",\"params\":[\"x\"]}",
                     -32602, "params must be an object", "\"p\"");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"" M(
                             "getContainerState") "\",\"params\":\"x\"}",
                     -32602, "params must be an object", "\"p\"");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                             "getContainerState") "\",\"params\":{}}",
                     -32602, "params.containerId is required", "5");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M("getContainerState") "\"}",
                     -32602, "params.containerId is required", "5");
        assert_error(
                "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                        "getContainerState") "\",\"params\":{\"containerId\":\"a\",\"bogus\":1}}",
                -32602, "params.bogus: unknown field", "5");
        assert_error(
                "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                        "stopContainer") "\",\"params\":{\"containerId\":\"a\",\"force\":\"yes\"}}",
                -32602, "params.force must be true or false", "5");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                             "getContainerState") "\",\"params\":{\"containerId\":7}}",
                     -32602, "params.containerId must be a string", "5");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                             "listContainers") "\",\"params\":{\"x\":1}}",
                     -32602, "params.x: unknown field", "5");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                             "startContainerFromDobbySpec") "\",\"params\":{\"containerId\":\"a\","
                                                            "\"dobbySpec\":\"[1]\"}}",
                     -32602, "params.dobbySpec must be an object", "5");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                             "startContainerFromDobbySpec") "\",\"params\":{\"containerId\":\"a\","
                                                            "\"dobbySpec\":\"{\\\"x\"}}",
                     -32602, "params.dobbySpec: line 1", "5");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                             "executeCommand") "\",\"params\":{\"containerId\":\"a\",\"command\":"
                                               "\"ls\",\"timeout\":301}}",
                     -32602, "params.timeout", "5");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"" M(
                             "startContainer") "\",\"params\":{\"containerId\":\"a\","
                                               "\"bundlePath\":\"/b\",\"envvar\":\"A=1\"}}",
                     -32602, "params.envvar must be an array of strings", "5");
}
END_TEST

START_TEST(test_notification_and_routes)
{
        struct fake_conn c;
        json_auto_t *r = NULL, *want = NULL;

        /* Carried out (a failure here still gets no answer), 204 without a body. */
        post(&c, "/jsonrpc",
             "{\"jsonrpc\":\"2.0\",\"method\":\"" M("getContainerState") "\",\"params\":{}}", NULL);
        ck_assert_int_eq(c.status, 204);
        ck_assert_ptr_null(c.out);
        post(&c, "/jsonrpc/", "{\"jsonrpc\":\"2.0\",\"method\":\"" M("listContainers") "\"}", NULL);
        ck_assert_int_eq(c.status, 204);
        ck_assert_ptr_null(c.out);

        /* Unversioned names, and execCommand for executeCommand. */
        r = ok("org.rdk.OCIContainer.listContainers", NULL);
        json_decref(r);
        fails("org.rdk.OCIContainer.execCommand", "{\"containerId\":\"x\",\"command\":\"ls\"}",
              "no container 'x'");
        fails(M("execCommand"), "{\"containerId\":\"x\",\"command\":\"ls\"}", "no container 'x'");
        assert_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" M(
                             "execCommand") "\",\"params\":{\"containerId\":\"x\"}}",
                     -32602, "params.command is required", "1");
        r = ok(M("listContainers"), "{}");
        want = json_pack("{s:[], s:b}", "containers", "success", 1);
        ck_assert(json_equal(r, want));
}
END_TEST

START_TEST(test_unknown_containers)
{
        fails(M("getContainerState"), "{\"containerId\":\"SleepTest\"}",
              "no container 'SleepTest'");
        fails(M("getContainerState"), "{\"containerId\":\"91\"}", "no container has descriptor 91");
        fails(M("getContainerState"), "{\"containerId\":\"4000\"}", "descriptors are 1 to 1023");
        fails(M("getContainerInfo"), "{\"containerId\":\"SleepTest\"}", "no container 'SleepTest'");
        fails(M("stopContainer"), "{\"containerId\":\"SleepTest\",\"force\":true}",
              "no container 'SleepTest'");
        fails(M("pauseContainer"), "{\"containerId\":\"SleepTest\"}", "no container 'SleepTest'");
        fails(M("resumeContainer"), "{\"containerId\":\"SleepTest\"}", "no container 'SleepTest'");
        fails(M("startContainerFromDobbySpec"),
              "{\"containerId\":\"SleepTest\",\"dobbySpec\":{\"version\":\"1.0\"}}",
              "missing mandatory fields: args, user, memLimit");
        /* A spec may come as a string that holds it (Thunder's documentation). */
        fails(M("startContainerFromDobbySpec"),
              "{\"containerId\":\"SleepTest\",\"dobbySpec\":\"{\\\"version\\\":\\\"2.0\\\"}\"}",
              "version '2.0' is not supported");
}
END_TEST

START_TEST(test_discover)
{
        json_auto_t *doc = rpc("rpc.discover", NULL);
        json_t *methods = json_object_get(doc, "methods");
        struct fake_conn c;

        ck_assert_str_eq(json_string_value(json_object_get(doc, "openrpc")), "1.2.6");
        for (const char *const *m = oci_container_methods; *m; m++) {
                bool found = false;
                json_t *item;
                size_t i;
                char name[128];

                (void)snprintf(name, sizeof(name), "org.rdk.OCIContainer.1.%s", *m);
                json_array_foreach (methods, i, item)
                        found = found ||
                                streq(json_string_value(json_object_get(item, "name")), name);
                ck_assert_msg(found, "rpc.discover lacks %s", name);
        }
        ck_assert_uint_eq(json_array_size(methods), strv_length((char **)oci_container_methods));

        /* The same document as a file, and linked from /docs. */
        {
                struct berth_http_request req = {
                        .method = "GET",
                        .path = "/openrpc/ocicontainer.json",
                        .remote = "test",
                        .transport = &fake_transport,
                        .conn = &c,
                };
                json_auto_t *file = NULL;

                c = (struct fake_conn){};
                berth_http_dispatch(router, &req);
                ck_assert_int_eq(c.status, 200);
                file = json_loads(c.out, 0, NULL);
                ck_assert(json_equal(file, doc));
                free(c.out);
        }
        ck_assert_ptr_nonnull(strstr(berth_docs_html, "href=\"/openrpc/ocicontainer.json\""));
        ck_assert_ptr_nonnull(strstr(berth_docs_html, "org.rdk.OCIContainer.1.startContainer"));

        assert_error(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rpc.discover\",\"params\":{\"a\":1}}",
                -32602, "rpc.discover takes no params", "1");
}
END_TEST

START_TEST(test_token_and_size)
{
        static const char body[] =
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"" M("listContainers") "\"}";
        _cleanup_free_ char *big = NULL;
        struct fake_conn c;
        json_auto_t *j = NULL;

        ck_assert_int_eq(berth_http_router_set_token(router, "s3cret"), 0);
        post(&c, "/jsonrpc", body, NULL);
        ck_assert_int_eq(c.status, 401);
        j = json_loads(c.out, 0, NULL);
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "error"), "code")),
                         -32600);
        ck_assert(json_is_null(json_object_get(j, "id")));
        free(c.out);
        post(&c, "/jsonrpc/", body, "wrong");
        ck_assert_int_eq(c.status, 401);
        free(c.out);
        post(&c, "/jsonrpc", body, "s3cret");
        ck_assert_int_eq(c.status, 200);
        ck_assert_ptr_nonnull(strstr(c.out, "\"success\":true"));
        free(c.out);

        /* The body limit, as for every route: 413. */
        big = malloc(MAX_BODY + 2);
        ck_assert_ptr_nonnull(big);
        memset(big, ' ', MAX_BODY + 1);
        big[MAX_BODY + 1] = 0;
        post(&c, "/jsonrpc", big, "s3cret");
        ck_assert_int_eq(c.status, 413);
        free(c.out);
}
END_TEST

/* ---- the methods on the core ------------------------------------------------------------ */

/* A bundle: config.json as given and an empty rootfs; its path. */
static char *make_bundle(const char *name, const char *config)
{
        char *b = NULL, *p = NULL;

        ck_assert_int_ge(asprintf(&b, "%s/%s", dir, name), 0);
        ck_assert_int_eq(mkdir(b, 0755), 0);
        ck_assert_int_ge(asprintf(&p, "%s/rootfs", b), 0);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        free(p);
        ck_assert_int_ge(asprintf(&p, "%s/config.json", b), 0);
        ck_assert_int_eq(write_file_atomic(p, config, strlen(config), 0644), 0);
        free(p);
        return b;
}

#define CONFIG(args)                                                                       \
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":" args ",\"cwd\":\"/\",\"user\":" \
        "{\"uid\":0,\"gid\":0}},\"root\":{\"path\":\"rootfs\"},\"hostname\":\"h\","        \
        "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":"    \
        "\"ipc\"},{\"type\":\"uts\"}]},\"annotations\":{\"org.example.a\":\"1\"}}"

static json_t *start(const char *id, const char *bundle, const char *extra)
{
        _cleanup_free_ char *params = NULL;

        ck_assert_int_ge(asprintf(&params, "{\"containerId\":\"%s\",\"bundlePath\":\"%s\"%s}", id,
                                  bundle, extra ? extra : ""),
                         0);
        return rpc(M("startContainer"), params);
}

static int start_ok(const char *id, const char *bundle)
{
        json_auto_t *r = start(id, bundle, NULL);

        ck_assert_msg(json_is_true(json_object_get(r, "success")), "start %s: %s", id,
                      json_string_value(json_object_get(r, "errorReason")));
        return (int)json_integer_value(json_object_get(r, "descriptor"));
}

static void assert_state(const char *cid, const char *state)
{
        _cleanup_free_ char *params = NULL;
        json_auto_t *r = NULL;

        ck_assert_int_ge(asprintf(&params, "{\"containerId\":\"%s\"}", cid), 0);
        r = ok(M("getContainerState"), params);
        ck_assert_str_eq(json_string_value(json_object_get(r, "state")), state);
        ck_assert_str_eq(json_string_value(json_object_get(r, "containerId")), cid);
}

static bool labelled(const char *name, const char *label)
{
        struct berth_container *c;
        uint64_t id;
        bool found;

        if (berth_container_find(store, name, &id) < 0)
                return false;
        pthread_mutex_lock(&store->lock);
        c = berth_container_lookup_locked(store, id);
        found = c && strv_contains(c->w.labels, label) && c->w.restart == BERTH_RESTART_NO &&
                c->w.root_path && !c->mount;
        pthread_mutex_unlock(&store->lock);
        return found;
}

START_TEST(test_start_list_state_stop)
{
        _cleanup_free_ char *b = make_bundle("b1", CONFIG("[\"sleep\",\"60\"]"));
        _cleanup_free_ char *bad = make_bundle("b2", CONFIG("[\"fail\"]"));
        json_auto_t *r = NULL, *want = NULL;
        uint64_t id;

        ck_assert_int_eq(start_ok("com.bskyb.epgui", b), 1);
        ck_assert(labelled("com.bskyb.epgui", "io.berth.oci.id=com.bskyb.epgui"));
        ck_assert(labelled("com.bskyb.epgui", "io.berth.oci.descriptor=1"));
        ck_assert(labelled("com.bskyb.epgui", "org.example.a=1"));
        ck_assert_int_eq(start_ok("SleepTest", b), 2);

        r = ok(M("listContainers"), NULL);
        want = json_pack("{s:[{s:i, s:s}, {s:i, s:s}], s:b}", "containers", "Descriptor", 1, "Id",
                         "com.bskyb.epgui", "Descriptor", 2, "Id", "SleepTest", "success", 1);
        ck_assert(json_equal(r, want));
        json_decref(r);
        assert_state("SleepTest", "Running");
        assert_state("2", "Running");

        /* Refused, and nothing is left of them. */
        fails(M("startContainer"),
              "{\"containerId\":\"SleepTest\",\"bundlePath\":\"/nonexistent\"}", "/nonexistent");
        r = start("SleepTest", b, NULL);
        ck_assert(json_is_false(json_object_get(r, "success")));
        ck_assert_ptr_nonnull(
                strstr(json_string_value(json_object_get(r, "errorReason")), "is in use"));
        json_decref(r);
        r = start("42", b, NULL);
        ck_assert_ptr_nonnull(
                strstr(json_string_value(json_object_get(r, "errorReason")), "all digits"));
        json_decref(r);
        r = start("a b", b, NULL);
        ck_assert_ptr_nonnull(
                strstr(json_string_value(json_object_get(r, "errorReason")), "is not valid"));
        json_decref(r);
        r = start("rel", "bundles/b1", NULL);
        ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "errorReason")),
                                     "not an absolute path"));
        json_decref(r);
        r = start("Failing", bad, NULL);
        ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "errorReason")),
                                     "cannot start 'fail'"));
        json_decref(r);
        ck_assert_int_eq(berth_container_find(store, "Failing", &id), -ENOENT);

        /* A plain stop returns once it has ended; it is then gone. */
        json_decref(ok(M("stopContainer"), "{\"containerId\":\"com.bskyb.epgui\"}"));
        ck_assert_int_eq(berth_container_find(store, "com.bskyb.epgui", &id), -ENOENT);
        fails(M("getContainerState"), "{\"containerId\":\"com.bskyb.epgui\"}", "no container");
        /* Descriptors go on: 1 is free again, but 3 comes next. */
        ck_assert_int_eq(start_ok("com.bskyb.epgui", b), 3);
        json_decref(ok(M("stopContainer"), "{\"containerId\":\"3\",\"force\":true}"));
        ck_assert_int_eq(berth_container_find(store, "com.bskyb.epgui", &id), -ENOENT);
        json_decref(ok(M("stopContainer"), "{\"containerId\":\"SleepTest\",\"force\":false}"));
        r = ok(M("listContainers"), NULL);
        ck_assert_uint_eq(json_array_size(json_object_get(r, "containers")), 0);
}
END_TEST

START_TEST(test_foreign_and_ended)
{
        _cleanup_free_ char *b = make_bundle("b1", CONFIG("[\"sleep\",\"60\"]"));
        struct berth_error err = {};
        struct berth_workload w;
        json_t *r;
        uint64_t id;
        int i;

        /* A container of another door is no OCIContainer. */
        berth_workload_init(&w);
        ck_assert_int_eq(strv_extend(&w.args, "sleep"), 0);
        ck_assert_int_eq(berth_container_create(store,
                                                &(struct berth_container_def){
                                                        .name = "other",
                                                        .workload = &w,
                                                        .engine = "fake",
                                                        .start = true,
                                                },
                                                NULL, NULL, &err),
                         0);
        berth_workload_done(&w);
        fails(M("getContainerState"), "{\"containerId\":\"other\"}",
              "was not started through org.rdk.OCIContainer");
        fails(M("startContainer"), "{\"containerId\":\"other\",\"bundlePath\":\"/x\"}", "/x");
        r = ok(M("listContainers"), NULL);
        ck_assert_uint_eq(json_array_size(json_object_get(r, "containers")), 0);
        json_decref(r);

        /* One that ends on its own is removed by the reaper, without a call. */
        ck_assert_int_eq(start_ok("Ends", b), 1);
        ck_assert_int_eq(berth_container_find(store, "Ends", &id), 0);
        ck_assert_int_eq(berth_container_kill(store, id, SIGKILL, &err), 0);
        for (i = 0; i < 200 && berth_container_find(store, "Ends", &id) == 0; i++)
                usleep(10 * 1000);
        ck_assert_int_eq(berth_container_find(store, "Ends", &id), -ENOENT);
        /* The other door's ended container stays. */
        ck_assert_int_eq(berth_container_find(store, "other", &id), 0);
        ck_assert_int_eq(berth_container_kill(store, id, SIGKILL, &err), 0);
        usleep(100 * 1000);
        json_decref(ok(M("listContainers"), NULL));
        ck_assert_int_eq(berth_container_find(store, "other", &id), 0);
}
END_TEST

#define DOBBY_SPEC(extra)                                                                        \
        "{\"version\":\"1.0\",\"args\":[\"sleep\",\"60\"],\"user\":{\"uid\":1000,\"gid\":1000}," \
        "\"memLimit\":41943040" extra "}"

static int dir_entries(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        int n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d)))
                n += !streq(de->d_name, ".") && !streq(de->d_name, "..");
        closedir(d);
        return n;
}

/* A Dobby spec's container has a root of its own in the state directory, which goes
 * with it (stopped, failed to start, ended); one that restarts on failure stays through
 * restart_max (10) failures and goes at the next. */
START_TEST(test_dobby_roots)
{
        struct berth_error err = {};
        char roots[600];
        uint64_t id;
        int i;

        (void)snprintf(roots, sizeof(roots), "%s/oci-roots", dir);
        json_decref(ok(M("startContainerFromDobbySpec"),
                       "{\"containerId\":\"spec\",\"dobbySpec\":" DOBBY_SPEC("") "}"));
        ck_assert_int_eq(dir_entries(roots), 1);
        json_decref(ok(M("stopContainer"), "{\"containerId\":\"spec\",\"force\":true}"));
        ck_assert_int_eq(dir_entries(roots), 0);
        /* The engine cannot start it: no root is left. */
        fails(M("startContainerFromDobbySpec"),
              "{\"containerId\":\"spec\",\"command\":\"fail\",\"dobbySpec\":" DOBBY_SPEC("") "}",
              "cannot start 'fail'");
        ck_assert_int_eq(dir_entries(roots), 0);

        json_decref(ok(M("startContainerFromDobbySpec"),
                       "{\"containerId\":\"crashy\",\"dobbySpec\":" DOBBY_SPEC(
                               ",\"restartOnCrash\":true") "}"));
        ck_assert_int_eq(berth_container_find(store, "crashy", &id), 0);
        for (i = 0; i <= 10; i++) {
                /* What the engine's restart does (the fake engine has none). */
                if (i > 0)
                        ck_assert_int_eq(berth_container_set_state(store, id,
                                                                   BERTH_CONTAINER_RUNNING, NULL,
                                                                   NULL, &err),
                                         0);
                ck_assert_int_eq(berth_container_kill(store, id, SIGSEGV, &err), 0);
                usleep(20 * 1000);
        }
        for (i = 0; i < 200 && berth_container_find(store, "crashy", &id) == 0; i++)
                usleep(10 * 1000);
        ck_assert_int_eq(berth_container_find(store, "crashy", &id), -ENOENT);
        /* Gone for a call too, root and all. */
        json_decref(ok(M("listContainers"), NULL));
        ck_assert_int_eq(dir_entries(roots), 0);

        /* One removed by another door: its root goes at the next call. */
        json_decref(ok(M("startContainerFromDobbySpec"),
                       "{\"containerId\":\"spec\",\"dobbySpec\":" DOBBY_SPEC("") "}"));
        ck_assert_int_eq(berth_container_find(store, "spec", &id), 0);
        ck_assert_int_eq(berth_store_delete(store, BERTH_OBJ_CONTAINER, id, true, NULL, NULL, &err),
                         0);
        json_decref(ok(M("listContainers"), NULL));
        ck_assert_int_eq(dir_entries(roots), 0);
}
END_TEST

START_TEST(test_pause_resume)
{
        _cleanup_free_ char *b = make_bundle("b1", CONFIG("[\"sleep\",\"60\"]"));

        ck_assert_int_eq(start_ok("P", b), 1);
        fails(M("resumeContainer"), "{\"containerId\":\"P\"}",
              "container 'P' is Running, not Paused");
        json_decref(ok(M("pauseContainer"), "{\"containerId\":\"P\"}"));
        assert_state("P", "Paused");
        fails(M("pauseContainer"), "{\"containerId\":\"1\"}",
              "container 'P' is Paused, not Running");
        fails(M("executeCommand"), "{\"containerId\":\"P\",\"command\":\"ls\"}",
              "container 'P' is Paused");
        json_decref(ok(M("resumeContainer"), "{\"containerId\":\"1\"}"));
        assert_state("P", "Running");
        ck_assert_int_eq(calls.pauses, 1);
        ck_assert_int_eq(calls.resumes, 1);
        /* A paused container stops as well. */
        json_decref(ok(M("pauseContainer"), "{\"containerId\":\"P\"}"));
        json_decref(ok(M("stopContainer"), "{\"containerId\":\"P\"}"));
}
END_TEST

START_TEST(test_exec)
{
        _cleanup_free_ char *b = make_bundle("b1", CONFIG("[\"sleep\",\"60\"]"));
        json_auto_t *r = NULL;

        ck_assert_int_eq(start_ok("X", b), 1);
        /* The seed's call: options "". */
        r = ok(M("executeCommand"), "{\"containerId\":\"X\",\"options\":\"\",\"command\":\"ls\"}");
        ck_assert_int_eq(json_integer_value(json_object_get(r, "exitCode")), 3);
        ck_assert_str_eq(json_string_value(json_object_get(r, "output")),
                         "out\n\xef\xbf\xbd err\n");
        ck_assert_ptr_null(json_object_get(r, "outputTruncated"));
        ck_assert_str_eq(calls.exec_args, "ls");
        ck_assert_uint_eq(calls.exec_timeout_ms, 10000);
        ck_assert_uint_eq(calls.exec_output_max, 64 << 10);
        ck_assert(!calls.exec_user_set);
        json_decref(r);

        r = ok(M("executeCommand"),
               "{\"containerId\":\"X\",\"command\":\"sh -c 'echo \\\"a  b\\\"'\",\"timeout\":2.5,"
               "\"options\":\"--env A=1 -e B='x y' --cwd=/tmp --user 1000:100\"}");
        ck_assert_str_eq(calls.exec_args, "sh|-c|echo \"a  b\"");
        ck_assert_str_eq(calls.exec_env, "A=1|B=x y");
        ck_assert_str_eq(calls.exec_cwd, "/tmp");
        ck_assert(calls.exec_user_set);
        ck_assert_int_eq(calls.exec_uid, 1000);
        ck_assert_int_eq(calls.exec_gid, 100);
        ck_assert_uint_eq(calls.exec_timeout_ms, 2500);
        json_decref(r);
        r = ok(M("execCommand"), "{\"containerId\":\"X\",\"command\":\"id\",\"options\":\"-u 7\"}");
        ck_assert_int_eq(calls.exec_uid, 7);
        ck_assert_int_eq(calls.exec_gid, 0);
        json_decref(r);

        fails(M("executeCommand"),
              "{\"containerId\":\"X\",\"command\":\"ls\",\"options\":\"--tty\"}",
              "option '--tty' is not supported");
        fails(M("executeCommand"),
              "{\"containerId\":\"X\",\"command\":\"ls\",\"options\":\"--cwd\"}",
              "option --cwd needs a value");
        fails(M("executeCommand"),
              "{\"containerId\":\"X\",\"command\":\"ls\",\"options\":\"--user root\"}",
              "UID[:GID] as numbers");
        fails(M("executeCommand"),
              "{\"containerId\":\"X\",\"command\":\"ls\",\"options\":\"--env A\"}", "KEY=VALUE");
        fails(M("executeCommand"), "{\"containerId\":\"X\",\"command\":\"echo 'open\"}", "");
        ck_assert_int_eq(calls.execs, 3);

        calls.exec_timeout = true;
        fails(M("executeCommand"), "{\"containerId\":\"X\",\"command\":\"sleep 9\",\"timeout\":1}",
              "ran longer than its timeout of 1 s and was killed (SIGKILL)");
        calls.exec_timeout = false;
        calls.exec_signal = 9;
        r = ok(M("executeCommand"), "{\"containerId\":\"X\",\"command\":\"sh\"}");
        ck_assert_int_eq(json_integer_value(json_object_get(r, "exitCode")), 137);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "signal")), 9);
        json_decref(r);
        calls.exec_signal = 0;
        calls.exec_big = true;
        r = ok(M("executeCommand"), "{\"containerId\":\"X\",\"command\":\"yes\"}");
        ck_assert(json_is_true(json_object_get(r, "outputTruncated")));
        ck_assert_uint_eq(json_string_length(json_object_get(r, "output")), 64 << 10);
}
END_TEST

START_TEST(test_info_without_cgroups)
{
        _cleanup_free_ char *b = make_bundle("b1", CONFIG("[\"sleep\",\"60\"]"));

        ck_assert_int_eq(start_ok("I", b), 1);
        fails(M("getContainerInfo"), "{\"containerId\":\"I\"}", "no cgroups to read");
}
END_TEST

static void put(const char *d, const char *file, const char *text)
{
        _cleanup_free_ char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", d, file), 0);
        ck_assert_int_eq(write_file_atomic(p, text, strlen(text), 0644), 0);
}

START_TEST(test_cgroup_info)
{
        _cleanup_free_ char *v1 = NULL, *v2 = NULL;
        json_auto_t *a = NULL, *b = NULL, *want = NULL;

        ck_assert_int_ge(asprintf(&v1, "%s/v1", dir), 0);
        ck_assert_int_ge(asprintf(&v2, "%s/v2", dir), 0);
        ck_assert_int_eq(mkdir(v1, 0755), 0);
        ck_assert_int_eq(mkdir(v2, 0755), 0);
        put(v1, "cpuacct.usage", "224025108679\n");
        put(v1, "cpuacct.usage_percpu", "83134464184 95791749503 31057322312 14041572680 \n");
        put(v1, "memory.limit_in_bytes", "230686720\n");
        put(v1, "memory.usage_in_bytes", "28655616\n");
        put(v1, "memory.max_usage_in_bytes", "38555648\n");
        put(v1, "memory.failcnt", "0\n");
        put(v1, "cgroup.procs", "7644\n7736\n");
        a = oci_cgroup_info(&(struct oci_cgroup_dirs){ .cpu = v1, .memory = v1, .procs = v1 });
        want = json_pack("{s:{s:{s:[I,I,I,I], s:I}}, s:{s:{s:i, s:I, s:I, s:I}}, s:[i,i]}", "cpu",
                         "usage", "percpu", (json_int_t)83134464184, (json_int_t)95791749503,
                         (json_int_t)31057322312, (json_int_t)14041572680, "total",
                         (json_int_t)224025108679, "memory", "user", "failcnt", 0, "limit",
                         (json_int_t)230686720, "max", (json_int_t)38555648, "usage",
                         (json_int_t)28655616, "pids", 7644, 7736);
        ck_assert_msg(json_equal(a, want), "%s", json_dumps(a, 0));
        json_decref(want);

        put(v2, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
        put(v2, "memory.max", "max\n");
        put(v2, "memory.current", "4096\n");
        put(v2, "memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
        put(v2, "cgroup.procs", "");
        b = oci_cgroup_info(&(struct oci_cgroup_dirs){
                .cpu = v2, .cpu_v2 = true, .memory = v2, .memory_v2 = true, .procs = v2 });
        want = json_pack("{s:{s:{s:n, s:i}}, s:{s:{s:i, s:n, s:n, s:i}}, s:[]}", "cpu", "usage",
                         "percpu", "total", 1500000, "memory", "user", "failcnt", 4, "limit", "max",
                         "usage", 4096, "pids");
        ck_assert_msg(json_equal(b, want), "%s", json_dumps(b, 0));
}
END_TEST

START_TEST(test_thunder_names)
{
        const char *m = NULL;

        ck_assert_int_eq(jsonrpc_thunder_method("org.rdk.OCIContainer.1.listContainers",
                                                "org.rdk.OCIContainer", 1, &m),
                         0);
        ck_assert_str_eq(m, "listContainers");
        ck_assert_int_eq(jsonrpc_thunder_method("org.rdk.OCIContainer.listContainers",
                                                "org.rdk.OCIContainer", 1, &m),
                         0);
        ck_assert_str_eq(m, "listContainers");
        ck_assert_int_eq(jsonrpc_thunder_method("org.rdk.OCIContainer.2.listContainers",
                                                "org.rdk.OCIContainer", 1, &m),
                         -EPROTONOSUPPORT);
        ck_assert_int_eq(jsonrpc_thunder_method("org.rdk.OCIContainerX.listContainers",
                                                "org.rdk.OCIContainer", 1, &m),
                         -ENOENT);
        ck_assert_int_eq(
                jsonrpc_thunder_method("org.rdk.OCIContainer.1.a.b", "org.rdk.OCIContainer", 1, &m),
                -ENOENT);
        ck_assert_int_eq(
                jsonrpc_thunder_method("org.rdk.OCIContainer.", "org.rdk.OCIContainer", 1, &m),
                -ENOENT);
}
END_TEST

START_TEST(test_string_lossy)
{
        static const struct {
                const char *in;
                size_t len;
                const char *out;
        } cases[] = {
                { "plain", 5, "plain" },
                { "caf\xc3\xa9", 5, "caf\xc3\xa9" },
                { "a\xff"
                  "b",
                  3,
                  "a\xef\xbf\xbd"
                  "b" },
                { "\xc3", 1, "\xef\xbf\xbd" },                                 /* cut short */
                { "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },                 /* overlong */
                { "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
                { "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_auto_t *s = jsonrpc_string_lossy(cases[i].in, cases[i].len);

                ck_assert_ptr_nonnull(s);
                ck_assert_str_eq(json_string_value(s), cases[i].out);
        }
}
END_TEST

static Suite *oci_suite(void)
{
        Suite *s = suite_create("oci-jsonrpc");
        TCase *tc = tcase_create("envelope");

        tcase_add_test(tc, test_thunder_names);
        tcase_add_test(tc, test_string_lossy);
        suite_add_tcase(s, tc);
        tc = tcase_create("door");
        tcase_add_checked_fixture(tc, world_setup, world_teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_envelope_errors);
        tcase_add_test(tc, test_methods_and_params_errors);
        tcase_add_test(tc, test_notification_and_routes);
        tcase_add_test(tc, test_unknown_containers);
        tcase_add_test(tc, test_discover);
        tcase_add_test(tc, test_token_and_size);
        tcase_add_test(tc, test_start_list_state_stop);
        tcase_add_test(tc, test_foreign_and_ended);
        tcase_add_test(tc, test_dobby_roots);
        tcase_add_test(tc, test_pause_resume);
        tcase_add_test(tc, test_exec);
        tcase_add_test(tc, test_info_without_cgroups);
        tcase_add_test(tc, test_cgroup_info);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(oci_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
