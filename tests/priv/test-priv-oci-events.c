/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rdk.OCIContainer's events over a websocket, Thunder style (issue 16), end to end:
 * a real berthd, a real websocket client (tests/lib/harness-ws.c) over TCP and the unix
 * socket, containers of real crun spec bundles on the native engine. The handshake (101,
 * Sec-WebSocket-Accept against RFC 6455's own example, the subprotocol echoed), the
 * token and the browser rules before the upgrade, register and unregister with
 * Thunder's answers, onContainerStarted and onContainerStopped of a start and a stop,
 * onContainerOOM of a payload over its memory limit, the same events on /events, and
 * the protocol's rules (masks, sizes, pings, closes).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness-oci.h"
#include "harness-ws.h"
#include "harness.h"
#include "macro.h"

#define WAIT_MS 20000

static struct test_berthd d;
static char cgparent[64];
static char sleeper[300]; /* crun spec, args: a shell that sleeps */
static char hog[300];     /* crun spec, a 16 MiB memory limit, a payload that takes 64 MiB */

static void make_bundles(void)
{
        char cfg[400];

        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", hog);
        if (access(cfg, F_OK) == 0)
                return;
        test_oci_crun_bundle(sleeper, "[\"sh\", \"-c\", \"exec sleep 300\"]");
        /* dd's 64 MiB block is written to as it reads: more than the group may have. */
        test_oci_crun_bundle(hog, "[\"sh\", \"-c\", \"dd if=/dev/zero of=/dev/null bs=64M "
                                  "count=1; exec sleep 300\"]");
        ck_assert_int_eq(
                test_oci_config_set(hog, (const char *[]){ "linux", "resources", "memory", NULL },
                                    json_pack("{s:I}", "limit", (json_int_t)16 << 20)),
                0);
}

static void setup(void)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };

        (void)test_sweep(cgparent);
        make_bundles();
        test_berthd_start(&d, true, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* ---- helpers ------------------------------------------------------------------------- */

static void ws_open(struct test_ws *ws, bool unix_socket, const char *protocols)
{
        int r = test_ws_open(ws, &d, unix_socket, "/jsonrpc", protocols, false, NULL);

        ck_assert_msg(r == 0, "websocket: %s", strerror(-r));
        ck_assert_msg(ws->status == 101, "handshake: %ld %s%s", ws->status, ws->head, ws->body);
}

/* A call on the websocket that must answer a result; returns it (a new reference). */
static json_t *ws_result(struct test_ws *ws, const char *method, const char *params)
{
        static int id = 100;
        json_auto_t *r = test_ws_call(ws, ++id, method, params, WAIT_MS);
        json_t *result = json_object_get(r, "result");

        ck_assert_msg(result, "%s %s: %s", method, params ?: "",
                      r ? json_dumps(r, JSON_COMPACT) : "(no answer)");
        ck_assert_str_eq(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
        return json_incref(result);
}

/* A call that must answer the error code, its message containing needle. */
static void ws_error(struct test_ws *ws, const char *method, const char *params, int code,
                     const char *needle)
{
        static int id = 500;
        json_auto_t *r = test_ws_call(ws, ++id, method, params, WAIT_MS);
        json_t *e = json_object_get(r, "error");
        const char *msg = json_string_value(json_object_get(e, "message"));

        ck_assert_msg(e, "%s %s: %s", method, params ?: "",
                      r ? json_dumps(r, JSON_COMPACT) : "(no answer)");
        ck_assert_int_eq(json_integer_value(json_object_get(e, "code")), code);
        ck_assert_msg(msg && strstr(msg, needle), "message '%s' lacks '%s'", msg ?: "", needle);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), id);
}

static void ws_register(struct test_ws *ws, const char *method, const char *event, const char *id)
{
        char p[300];
        json_auto_t *r = NULL;

        (void)snprintf(p, sizeof(p), "{\"event\":\"%s\",\"id\":\"%s\"}", event, id);
        r = ws_result(ws, method, p);
        ck_assert_msg(json_is_integer(r) && json_integer_value(r) == 0, "%s: result not 0", method);
}

/* Start bundle as id (its args replaced by command unless that is NULL): the descriptor. */
static int start_cmd(struct test_ws *ws, const char *id, const char *bundle, const char *command)
{
        char p[600];
        json_auto_t *r = NULL;
        json_t *desc;

        (void)snprintf(p, sizeof(p), "{\"containerId\":\"%s\",\"bundlePath\":\"%s\"%s%s%s}", id,
                       bundle, command ? ",\"command\":\"" : "", command ?: "",
                       command ? "\"" : "");
        r = ws_result(ws, "org.rdk.OCIContainer.1.startContainer", p);
        ck_assert_msg(json_is_true(json_object_get(r, "success")), "start: %s",
                      json_dumps(r, JSON_COMPACT));
        desc = json_object_get(r, "descriptor");
        ck_assert(json_is_integer(desc));
        return (int)json_integer_value(desc);
}

static int start(struct test_ws *ws, const char *id, const char *bundle)
{
        return start_cmd(ws, id, bundle, NULL);
}

static void stop(struct test_ws *ws, const char *id)
{
        char p[300];
        json_auto_t *r = NULL;

        (void)snprintf(p, sizeof(p), "{\"containerId\":\"%s\"}", id);
        r = ws_result(ws, "org.rdk.OCIContainer.1.stopContainer", p);
        ck_assert_msg(json_is_true(json_object_get(r, "success")), "stop: %s",
                      json_dumps(r, JSON_COMPACT));
}

/* The next message must be the event <designator>.<event> of the container, exactly
 * as Thunder sends it: no id, params {"descriptor":"<n>","name":"<containerId>"}. */
static void expect_event(struct test_ws *ws, const char *designator, const char *event,
                         int descriptor, const char *name)
{
        json_auto_t *j = test_ws_recv_json(ws, WAIT_MS);
        _cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        char want[600];

        (void)snprintf(want, sizeof(want),
                       "{\"jsonrpc\":\"2.0\",\"method\":\"%s.%s\",\"params\":{\"descriptor\":"
                       "\"%d\",\"name\":\"%s\"}}",
                       designator, event, descriptor, name);
        ck_assert_msg(text && streq(text, want), "event: %s, want %s", text ?: "(none)", want);
}

static void expect_nothing(struct test_ws *ws, int ms)
{
        json_auto_t *j = test_ws_recv_json(ws, ms);

        ck_assert_msg(!j, "unexpected: %s", j ? json_dumps(j, JSON_COMPACT) : "");
}

/* The close frame that must come next, with its code; then the end of the stream. */
static void expect_close(struct test_ws *ws, unsigned code)
{
        _cleanup_free_ char *p = NULL;
        size_t n = 0;
        int op;

        /* Answers to what was sent before may come first. */
        while ((op = test_ws_recv(ws, WAIT_MS, &p, &n)) == 0x1)
                p = mfree(p);
        ck_assert_msg(op == 0x8, "a close frame: %d", op);
        ck_assert_uint_ge(n, 2);
        ck_assert_uint_eq(((unsigned)(uint8_t)p[0] << 8) | (uint8_t)p[1], code);
        ck_assert_int_eq(test_ws_recv(ws, WAIT_MS, NULL, NULL), -ECONNRESET);
}

/* /events (since the start of this berthd) must carry the door's events for the
 * descriptor: each needle a "kind oci" event name in turn. */
static void expect_bus(int descriptor, const char *name, const char *const *events)
{
        int fd = test_ws_dial(&d, false);
        char req[600], buf[1 << 16];
        size_t len = 0;
        double end = test_now() + WAIT_MS / 1e3;
        size_t found = 0;

        ck_assert_int_ge(fd, 0);
        (void)snprintf(req, sizeof(req),
                       "GET /events?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s\r\n", d.auth,
                       d.auth[0] ? "\r\n" : "");
        ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
        while (events[found] && test_now() < end && len < sizeof(buf) - 1) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                char want[300];
                ssize_t n;

                buf[len] = 0;
                (void)snprintf(want, sizeof(want),
                               "\"type\":\"oci\",\"id\":%d,\"event\":\"%s\",\"name\":\"%s\"",
                               descriptor, events[found], name);
                if (strstr(buf, want)) {
                        found++;
                        continue;
                }
                if (poll(&p, 1, 200) <= 0)
                        continue;
                n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        (void)close(fd);
        ck_assert_msg(!events[found], "/events lacks the oci event '%s' of %s: %.*s",
                      events[found] ?: "", name, (int)len, buf);
}

/* ---- the tests ----------------------------------------------------------------------- */

/* The handshake: 101 with the right accept value, the subprotocol echoed (only when one
 * is offered), over TCP and the unix socket; what is not a handshake is refused with
 * HTTP before any upgrade. */
START_TEST(handshake)
{
        static const struct {
                const char *offered, *echoed;
        } protos[] = {
                { "notification", "notification" },
                { "json", "json" },
                { NULL, "" },
                { "x-unknown, json", "json" },
        };
        struct test_ws ws;
        struct test_reply r;

        for (size_t u = 0; u < 2; u++)
                for (size_t i = 0; i < ELEMENTSOF(protos); i++) {
                        ws_open(&ws, u, protos[i].offered);
                        ck_assert_str_eq(ws.accept, TEST_WS_ACCEPT);
                        ck_assert_str_eq(ws.protocol, protos[i].echoed);
                        ck_assert_ptr_nonnull(strcasestr(ws.head, "\r\nUpgrade: websocket\r\n"));
                        ck_assert_ptr_nonnull(strcasestr(ws.head, "\r\nConnection: Upgrade\r\n"));
                        /* A method of the door over it, and a close answered in kind. */
                        json_decref(ws_result(&ws, "org.rdk.OCIContainer.1.listContainers", NULL));
                        ck_assert_int_eq(test_ws_send(&ws, 0x8, "\x03\xe8", 2, true, true), 0);
                        expect_close(&ws, 1000);
                        test_ws_close(&ws);
                }
        /* The trailing slash, as the seed writes the path. */
        ck_assert_int_eq(test_ws_open(&ws, &d, false, "/jsonrpc/", "json", false, NULL), 0);
        ck_assert_int_eq(ws.status, 101);
        test_ws_close(&ws);

        /* Only unknown subprotocols: refused, and why. */
        ck_assert_int_eq(test_ws_open(&ws, &d, false, "/jsonrpc", "x-unknown", false, NULL), 0);
        ck_assert_int_eq(ws.status, 400);
        ck_assert_ptr_nonnull(strstr(ws.body, "notification"));
        test_ws_close(&ws);
        /* Another version of the protocol: 426 naming 13. */
        ck_assert_int_eq(test_ws_open(&ws, &d, false, "/jsonrpc", NULL, false,
                                      (const char *[]){ "Sec-WebSocket-Version: 8", NULL }),
                         0);
        ck_assert_int_eq(ws.status, 426);
        ck_assert_ptr_nonnull(strcasestr(ws.head, "\r\nSec-WebSocket-Version: 13\r\n"));
        test_ws_close(&ws);
        /* A web page's request: 403 before any upgrade. */
        ck_assert_int_eq(test_ws_open(&ws, &d, false, "/jsonrpc", NULL, false,
                                      (const char *[]){ "Origin: http://evil.example", NULL }),
                         0);
        ck_assert_int_eq(ws.status, 403);
        ck_assert_ptr_nonnull(strstr(ws.body, "\"jsonrpc\":\"2.0\""));
        test_ws_close(&ws);
        /* A plain GET is no handshake. */
        test_get(&d, "/jsonrpc", &r);
        ck_assert_status(&r, 426);
        ck_assert_ptr_nonnull(strstr(r.headers, "Upgrade: websocket"));
        test_reply_done(&r);
}
END_TEST

/* With --token-file the token is needed before the upgrade, in either header. */
START_TEST(token_before_upgrade)
{
        static const char token[] = "ws-T0ken.for.tests";
        _cleanup_free_ char *dir = test_tmpdir("berth-wstoken-");
        struct test_berthd b;
        struct test_ws ws;
        char file[600], bearer[300];
        int fd;

        (void)snprintf(file, sizeof(file), "%s/token", dir);
        fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, token, strlen(token)), (ssize_t)strlen(token));
        close(fd);
        test_berthd_start(
                &b, true,
                (const char *[]){ "--token-file", file, "--cgroup-parent", cgparent, NULL });
        for (size_t u = 0; u < 2; u++) {
                ck_assert_int_eq(test_ws_open(&ws, &b, u, "/jsonrpc", "notification", true, NULL),
                                 0);
                ck_assert_int_eq(ws.status, 401);
                ck_assert_str_eq(ws.accept, "");
                ck_assert_ptr_nonnull(strstr(ws.body, "token"));
                test_ws_close(&ws);
        }
        (void)snprintf(b.auth, sizeof(b.auth), "token: %s", token);
        ck_assert_int_eq(test_ws_open(&ws, &b, false, "/jsonrpc", "notification", false, NULL), 0);
        ck_assert_int_eq(ws.status, 101);
        test_ws_close(&ws);
        (void)snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", token);
        ck_assert_int_eq(test_ws_open(&ws, &b, true, "/jsonrpc", NULL, true,
                                      (const char *[]){ bearer, NULL }),
                         0);
        ck_assert_int_eq(ws.status, 101);
        test_ws_close(&ws);
        b.auth[0] = 0;
        test_berthd_stop(&b);
        test_rm_rf(dir);
}
END_TEST

/* register and unregister, with Thunder's answers. */
START_TEST(registrations)
{
        const char *reg = "org.rdk.OCIContainer.1.register";
        const char *p = "{\"event\":\"onContainerStarted\",\"id\":\"client.events\"}";
        struct test_ws ws;

        ws_open(&ws, false, "notification");
        ws_register(&ws, reg, "onContainerStarted", "client.events");
        ws_error(&ws, reg, p, 29, "Duplicate registration. Only 1 remains!!!");
        /* Another id, or the unversioned name: another registration. */
        ws_register(&ws, "org.rdk.OCIContainer.register", "onContainerStarted", "other");
        ws_register(&ws, reg, "onContainerOOM", "client.events");
        ws_error(&ws, "org.rdk.OCIContainer.1.unregister",
                 "{\"event\":\"onContainerStopped\",\"id\":\"client.events\"}", -32601,
                 "Registration not found!!!");
        ws_register(&ws, "org.rdk.OCIContainer.1.unregister", "onContainerStarted",
                    "client.events");
        ws_error(&ws, "org.rdk.OCIContainer.1.unregister", p, -32601, "Registration not found!!!");
        /* What is not a registration. */
        ws_error(&ws, reg, "{\"event\":\"onContainerExploded\",\"id\":\"x\"}", -32602,
                 "onContainerOOM");
        ws_error(&ws, reg, "{\"event\":\"onContainerStarted\"}", -32602, "params.id");
        ws_error(&ws, reg, "{\"event\":\"onContainerStarted\",\"id\":\"x\",\"extra\":1}", -32602,
                 "params.extra");
        ws_error(&ws, reg, "[1]", -32602, "event");
        ws_error(&ws, "org.rdk.OCIContainer.2.register", p, -32601, "version 1");
        /* A malformed message is answered, and the connection stays. */
        ck_assert_int_eq(test_ws_send_text(&ws, "{\"jsonrpc\":"), 0);
        {
                json_auto_t *j = test_ws_recv_json(&ws, WAIT_MS);
                ck_assert_int_eq(
                        json_integer_value(json_object_get(json_object_get(j, "error"), "code")),
                        -32700);
        }
        json_decref(ws_result(&ws, "org.rdk.OCIContainer.listContainers", NULL));
        test_ws_close(&ws);

        /* Over POST there is no channel for events. */
        {
                struct test_reply r;
                test_http_headers(&d, "POST", "/jsonrpc",
                                  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"org.rdk."
                                  "OCIContainer.1.register\",\"params\":{\"event\":"
                                  "\"onContainerStarted\",\"id\":\"x\"}}",
                                  NULL, &r);
                ck_assert_status(&r, 200);
                ck_assert_ptr_nonnull(strstr(r.body, "-32601"));
                ck_assert_ptr_nonnull(strstr(r.body, "websocket"));
                test_reply_done(&r);
        }
}
END_TEST

/* A start and a stop: onContainerStarted and onContainerStopped, to each registration,
 * and kind "oci" on /events; after unregister, nothing. */
START_TEST(start_and_stop)
{
        struct test_ws ws, other;
        int desc;

        ws_open(&ws, false, "notification");
        ws_register(&ws, "org.rdk.OCIContainer.1.register", "onContainerStarted", "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.register", "onContainerStopped", "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.register", "onContainerOOM", "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.register", "onContainerStarted", "second");
        /* A second client, on the unix socket, for stops only. */
        ws_open(&other, true, "json");
        ws_register(&other, "org.rdk.OCIContainer.1.register", "onContainerStopped", "uds");

        desc = start(&ws, "ev.sleeper", sleeper);
        expect_event(&ws, "client.events", "onContainerStarted", desc, "ev.sleeper");
        expect_event(&ws, "second", "onContainerStarted", desc, "ev.sleeper");
        /* A pause and a resume are no start. */
        json_decref(ws_result(&ws, "org.rdk.OCIContainer.1.pauseContainer",
                              "{\"containerId\":\"ev.sleeper\"}"));
        json_decref(ws_result(&ws, "org.rdk.OCIContainer.1.resumeContainer",
                              "{\"containerId\":\"ev.sleeper\"}"));
        stop(&ws, "ev.sleeper");
        expect_event(&ws, "client.events", "onContainerStopped", desc, "ev.sleeper");
        expect_event(&other, "uds", "onContainerStopped", desc, "ev.sleeper");
        expect_nothing(&ws, 500);
        expect_bus(desc, "ev.sleeper", (const char *[]){ "started", "stopped", NULL });

        /* Payloads that end at once: the door may remove their containers before the
         * events are read; the events still come, in order. */
        for (int i = 0; i < 5; i++) {
                char name[32];

                (void)snprintf(name, sizeof(name), "ev.brief%d", i);
                desc = start_cmd(&ws, name, sleeper, "true");
                expect_event(&ws, "client.events", "onContainerStarted", desc, name);
                expect_event(&ws, "second", "onContainerStarted", desc, name);
                expect_event(&ws, "client.events", "onContainerStopped", desc, name);
                expect_event(&other, "uds", "onContainerStopped", desc, name);
        }

        /* After unregister, nothing more; the other client still hears its own. */
        ws_register(&ws, "org.rdk.OCIContainer.1.unregister", "onContainerStarted",
                    "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.unregister", "onContainerStopped",
                    "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.unregister", "onContainerOOM", "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.unregister", "onContainerStarted", "second");
        desc = start(&ws, "ev.again", sleeper);
        stop(&ws, "ev.again");
        expect_event(&other, "uds", "onContainerStopped", desc, "ev.again");
        expect_nothing(&ws, 1000);
        test_ws_close(&ws);
        /* Subscriptions end with the connection: a stop after it is closed is sent to
         * no one (the server does not fail on it). */
        test_ws_close(&other);
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* A payload over its memory limit: onContainerOOM as the OOM killer kills dd, while the
 * container goes on (its shell then sleeps); onContainerStopped when it is stopped, and
 * no second onContainerOOM then. */
START_TEST(oom)
{
        struct test_ws ws;
        int desc;

        ws_open(&ws, false, "notification");
        ws_register(&ws, "org.rdk.OCIContainer.1.register", "onContainerStarted", "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.register", "onContainerStopped", "client.events");
        ws_register(&ws, "org.rdk.OCIContainer.1.register", "onContainerOOM", "client.events");
        desc = start(&ws, "ev.hog", hog);
        expect_event(&ws, "client.events", "onContainerStarted", desc, "ev.hog");
        expect_event(&ws, "client.events", "onContainerOOM", desc, "ev.hog");
        {
                json_auto_t *r = ws_result(&ws, "org.rdk.OCIContainer.1.getContainerState",
                                           "{\"containerId\":\"ev.hog\"}");
                ck_assert_str_eq(json_string_value(json_object_get(r, "state")), "Running");
        }
        stop(&ws, "ev.hog");
        expect_event(&ws, "client.events", "onContainerStopped", desc, "ev.hog");
        expect_bus(desc, "ev.hog", (const char *[]){ "started", "oom", "stopped", NULL });
        test_ws_close(&ws);
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* The protocol's rules: what breaks them closes the connection with its code. */
START_TEST(protocol)
{
        static const struct {
                const char *what;
                int op;
                size_t len;
                bool mask, fin;
                unsigned code;
        } cases[] = {
                { "unmasked", 0x1, 10, false, true, 1002 },
                { "binary", 0x2, 10, true, true, 1003 },
                { "too long", 0x1, (64u << 10) + 1, true, true, 1009 },
                { "reserved opcode", 0x3, 1, true, true, 1002 },
                { "continuation first", 0x0, 1, true, true, 1002 },
                { "fragmented ping", 0x9, 1, true, false, 1002 },
                { "not UTF-8", 0x1, 0, true, true, 1007 },
        };
        _cleanup_free_ char *big = malloc((64u << 10) + 1);
        struct test_ws ws;
        _cleanup_free_ char *p = NULL;
        size_t n;

        ck_assert_ptr_nonnull(big);
        memset(big, ' ', (64u << 10) + 1);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ws_open(&ws, i % 2 == 1, "json");
                if (cases[i].code == 1007)
                        ck_assert_int_eq(test_ws_send(&ws, 0x1, "\xc3\x28", 2, true, true), 0);
                else
                        ck_assert_int_eq(test_ws_send(&ws, cases[i].op, big, cases[i].len,
                                                      cases[i].mask, cases[i].fin),
                                         0);
                expect_close(&ws, cases[i].code);
                test_ws_close(&ws);
        }

        /* A ping is answered with its payload; a message of 64 KiB in fragments is
         * taken whole; a close without a code is answered 1000. */
        ws_open(&ws, false, "json");
        ck_assert_int_eq(test_ws_send(&ws, 0x9, "hello", 5, true, true), 0);
        ck_assert_int_eq(test_ws_recv(&ws, WAIT_MS, &p, &n), 0xa);
        ck_assert_str_eq(p, "hello");
        {
                static const char call[] =
                        "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"org.rdk.OCIContainer.1."
                        "listContainers\"}";
                json_auto_t *j = NULL;

                memcpy(big + (64u << 10) - (sizeof(call) - 1), call, sizeof(call) - 1);
                ck_assert_int_eq(test_ws_send(&ws, 0x1, big, 30000, true, false), 0);
                /* A control frame between the fragments. */
                ck_assert_int_eq(test_ws_send(&ws, 0x9, "", 0, true, true), 0);
                ck_assert_int_eq(
                        test_ws_send(&ws, 0x0, big + 30000, (64u << 10) - 30000, true, true), 0);
                j = test_ws_recv_json(&ws, WAIT_MS);
                ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 42);
                ck_assert(json_is_true(json_object_get(json_object_get(j, "result"), "success")));
        }
        ck_assert_int_eq(test_ws_send(&ws, 0x8, "", 0, true, true), 0);
        expect_close(&ws, 1000);
        test_ws_close(&ws);
}
END_TEST

static Suite *events_suite(void)
{
        Suite *s = suite_create("oci-events");

        tcase_add_test(test_tcase(s, "handshake", setup, teardown, 60), handshake);
        tcase_add_test(test_tcase(s, "token", NULL, NULL, 60), token_before_upgrade);
        tcase_add_test(test_tcase(s, "registrations", setup, teardown, 60), registrations);
        tcase_add_test(test_tcase(s, "start-stop", setup, teardown, 120), start_and_stop);
        tcase_add_test(test_tcase(s, "oom", setup, teardown, 120), oom);
        tcase_add_test(test_tcase(s, "protocol", setup, teardown, 60), protocol);
        return s;
}

int main(void)
{
        const char *tmp;

        test_require_root("test-priv-oci-events");
        test_priv_begin("test-priv-oci-events", "oci-events");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        tmp = getenv("TMPDIR");
        (void)snprintf(sleeper, sizeof(sleeper), "%s/bundles/sleeper",
                       tmp && *tmp ? tmp : "/var/tmp");
        (void)snprintf(hog, sizeof(hog), "%s/bundles/hog", tmp && *tmp ? tmp : "/var/tmp");
        return test_priv_run(events_suite(), "test-priv-oci-events", NULL, cgparent);
}
