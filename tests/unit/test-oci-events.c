/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rdk.OCIContainer's registrations (src/api/oci/oci-events.c) without a store:
 * register and unregister with Thunder's answers and limits. The events themselves run
 * end to end in tests/priv/test-priv-oci-events.c.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "jsonrpc.h"
#include "macro.h"
#include "oci-events.h"

static void no_send(void *userdata, const char *text, size_t len)
{
}

static void no_close(void *userdata)
{
}

/* A call: its return, the JSON-RPC code (0 when none) and message into msg. */
static int call(struct oci_events_client *c, const char *method, const char *params, int *code,
                char *msg)
{
        json_auto_t *p = json_loads(params, JSON_DECODE_ANY, NULL);
        struct berth_error err = {};
        int r;

        *code = 0;
        r = oci_events_client_call(c, method, p, code, &err);
        (void)snprintf(msg, BERTH_ERROR_MSG_MAX, "%s", err.msg);
        return r;
}

START_TEST(registrations)
{
        const char *p = "{\"event\":\"onContainerStarted\",\"id\":\"client.events\"}";
        struct oci_events_config cfg = {};
        struct oci_events *ev = NULL;
        struct oci_events_client *c = NULL, *c2 = NULL;
        char msg[BERTH_ERROR_MSG_MAX], id[300];
        int code;

        ck_assert_int_eq(oci_events_new(&cfg, &ev), 0);
        ck_assert_int_eq(oci_events_client_new(ev, no_send, no_close, NULL, &c), 0);
        ck_assert_int_eq(oci_events_client_new(ev, no_send, no_close, NULL, &c2), 0);

        ck_assert_int_eq(call(c, "listContainers", p, &code, msg), 1);
        ck_assert_int_eq(call(c, "register", p, &code, msg), 0);
        ck_assert_int_lt(call(c, "register", p, &code, msg), 0);
        ck_assert_int_eq(code, OCI_EVENTS_DUPLICATE);
        ck_assert_str_eq(msg, "Duplicate registration. Only 1 remains!!!");
        /* Another client has registrations of its own. */
        ck_assert_int_eq(call(c2, "register", p, &code, msg), 0);
        ck_assert_int_lt(call(c, "unregister",
                              "{\"event\":\"onContainerOOM\",\"id\":\"client.events\"}", &code,
                              msg),
                         0);
        ck_assert_int_eq(code, JSONRPC_METHOD_NOT_FOUND);
        ck_assert_str_eq(msg, "Registration not found!!!");
        ck_assert_int_eq(call(c, "unregister", p, &code, msg), 0);
        ck_assert_int_lt(call(c, "unregister", p, &code, msg), 0);
        ck_assert_int_eq(code, JSONRPC_METHOD_NOT_FOUND);
        ck_assert_int_eq(call(c2, "unregister", p, &code, msg), 0);

        /* What is not {event, id}. */
        static const char *const bad[] = {
                "null",
                "[]",
                "{\"event\":\"onContainerStarted\"}",
                "{\"id\":\"x\"}",
                "{\"event\":\"onContainerStarted\",\"id\":1}",
                "{\"event\":\"onContainerStarted\",\"id\":\"\"}",
                "{\"event\":\"onContainerStarted\",\"id\":\"a\\u0000b\"}",
                "{\"event\":\"onContainerStarted\",\"id\":\"x\",\"more\":true}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ck_assert_int_eq(call(c, "register", bad[i], &code, msg), -EINVAL);
                ck_assert_int_eq(code, JSONRPC_INVALID_PARAMS);
        }
        ck_assert_int_eq(call(c, "register", "{\"event\":\"onBoom\",\"id\":\"x\"}", &code, msg),
                         -EINVAL);
        ck_assert_ptr_nonnull(strstr(msg, "onContainerOOM"));

        /* At most 64 per client. */
        for (int i = 0; i < OCI_EVENTS_REGISTRATIONS_MAX; i++) {
                (void)snprintf(id, sizeof(id), "{\"event\":\"onContainerOOM\",\"id\":\"c%d\"}", i);
                ck_assert_int_eq(call(c, "register", id, &code, msg), 0);
        }
        ck_assert_int_eq(call(c, "register", p, &code, msg), -EINVAL);
        ck_assert_ptr_nonnull(strstr(msg, "64"));

        /* A note without its container is harmless. */
        oci_events_note_start(ev, "nobody", 3);
        c = oci_events_client_free(c);
        c2 = oci_events_client_free(c2);
        ev = oci_events_free(ev);
}
END_TEST

static Suite *oci_events_suite(void)
{
        Suite *s = suite_create("oci-events");
        TCase *tc = tcase_create("registrations");

        tcase_add_test(tc, registrations);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(oci_events_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
