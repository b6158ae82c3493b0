/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 6455 without I/O (src/http/websocket-frame.c): the handshake's accept value against
 * the RFC's own example, frame heads, close payloads, UTF-8, header token lists and the
 * choice of a subprotocol. The connection code runs end to end in
 * tests/priv/test-priv-oci-events.c.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "utf8.h"
#include "websocket-frame.h"

START_TEST(accept_key)
{
        char a[BERTH_WS_ACCEPT_LEN + 1];

        /* RFC 6455 §1.3. */
        ck_assert_int_eq(berth_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", a), 0);
        ck_assert_str_eq(a, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        /* Another (Python's hashlib and base64 give the same). */
        ck_assert_int_eq(berth_ws_accept_key("AAAAAAAAAAAAAAAAAAAAAA==", a), 0);
        ck_assert_str_eq(a, "ICX+Yqv66kxgM0FcWaLWlFLwTAI=");
        ck_assert_int_eq(berth_ws_accept_key(NULL, a), -EINVAL);
        ck_assert_int_eq(berth_ws_accept_key("", a), -EINVAL);
        ck_assert_int_eq(berth_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ", a), -EINVAL);
        ck_assert_int_eq(berth_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=", a), -EINVAL);
        ck_assert_int_eq(berth_ws_accept_key("dGhlIHNhbXBsZSBub25jZ!==", a), -EINVAL);
        ck_assert_int_eq(berth_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==x", a), -EINVAL);
}
END_TEST

START_TEST(heads)
{
        struct berth_ws_head h;
        uint8_t b[BERTH_WS_HEAD_MAX];
        static const uint8_t masked[] = { 0x81, 0x85, 1, 2, 3, 4 };
        static const uint8_t top[] = { 0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0 };
        uint8_t p[] = { 'H' ^ 3, 'i' ^ 4 };

        ck_assert_int_eq(berth_ws_head_parse(masked, 1, &h), 0);
        ck_assert_int_eq(berth_ws_head_parse(masked, 5, &h), 0);
        ck_assert_int_eq(berth_ws_head_parse(masked, 6, &h), 6);
        ck_assert(h.fin && h.masked && h.opcode == 1 && h.len == 5 && h.rsv == 0);
        ck_assert_int_eq(memcmp(h.mask, "\1\2\3\4", 4), 0);
        /* The mask applies from the payload's offset. */
        berth_ws_unmask(p, 2, h.mask, 2);
        ck_assert_int_eq(memcmp(p, "Hi", 2), 0);
        ck_assert_int_eq(berth_ws_head_parse(top, sizeof(top), &h), -EBADMSG);
        ck_assert_int_eq(berth_ws_head_parse((const uint8_t[]){ 0x71, 0x00 }, 2, &h), 2);
        ck_assert(!h.fin && h.rsv == 0x70 && !h.masked);

        /* What the server sends parses back, at each length's size. */
        for (uint64_t len = 0; len < 200000; len = len * 3 + 1) {
                size_t n = berth_ws_head_format(b, BERTH_WS_OP_TEXT, len);

                ck_assert_uint_eq(n, len < 126 ? 2 : len <= 0xffff ? 4 : 10);
                ck_assert_int_eq(berth_ws_head_parse(b, n - 1, &h), 0);
                ck_assert_int_eq(berth_ws_head_parse(b, n, &h), (int)n);
                ck_assert(h.fin && !h.masked && h.opcode == BERTH_WS_OP_TEXT && h.len == len);
        }
}
END_TEST

START_TEST(close_payloads)
{
        uint16_t code;

        ck_assert_int_eq(berth_ws_close_parse("", 0, &code), 0);
        ck_assert_uint_eq(code, BERTH_WS_CLOSE_NO_STATUS);
        ck_assert_int_eq(berth_ws_close_parse("\x03", 1, &code), -EBADMSG);
        ck_assert_int_eq(berth_ws_close_parse("\x03\xe8"
                                              "bye",
                                              5, &code),
                         0);
        ck_assert_uint_eq(code, 1000);
        ck_assert_int_eq(berth_ws_close_parse("\x0b\xb8", 2, &code), 0); /* 3000 */
        ck_assert_uint_eq(code, 3000);
        ck_assert_int_eq(berth_ws_close_parse("\x03\xed", 2, &code), -EBADMSG); /* 1005 */
        ck_assert_int_eq(berth_ws_close_parse("\x03\xe7", 2, &code), -EBADMSG); /* 999 */
        ck_assert_int_eq(berth_ws_close_parse("\x13\x88", 2, &code), -EBADMSG); /* 5000 */
        ck_assert_int_eq(berth_ws_close_parse("\x03\xe8\xff", 3, &code), -EBADMSG);
        ck_assert(berth_ws_close_code_valid(1011));
        ck_assert(!berth_ws_close_code_valid(1006));
        ck_assert(!berth_ws_close_code_valid(2000));
}
END_TEST

START_TEST(utf8)
{
        ck_assert(utf8_valid("", 0));
        ck_assert(utf8_valid("plain", 5));
        ck_assert(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3", 9));
        ck_assert(!utf8_valid("\xc0\x80", 2));         /* overlong NUL */
        ck_assert(!utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
        ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
        ck_assert(!utf8_valid("\xe2\x82", 2));         /* cut short */
        ck_assert(!utf8_valid("\xff", 1));
}
END_TEST

START_TEST(tokens_and_subprotocols)
{
        static const char *const spoken[] = { "notification", "json", NULL };
        const char *p;

        ck_assert(berth_http_token_list_has("keep-alive, Upgrade", "upgrade"));
        ck_assert(berth_http_token_list_has(" websocket ", "websocket"));
        ck_assert(!berth_http_token_list_has("Upgrade2", "upgrade"));
        ck_assert(!berth_http_token_list_has("", "upgrade"));
        ck_assert(!berth_http_token_list_has(NULL, "upgrade"));

        ck_assert_int_eq(berth_ws_subprotocol_pick(NULL, spoken, &p), 0);
        ck_assert_ptr_null(p);
        ck_assert_int_eq(berth_ws_subprotocol_pick("json", spoken, &p), 0);
        ck_assert_str_eq(p, "json");
        /* The client's order. */
        ck_assert_int_eq(berth_ws_subprotocol_pick("x, json ,notification", spoken, &p), 0);
        ck_assert_str_eq(p, "json");
        ck_assert_int_eq(berth_ws_subprotocol_pick("JSON", spoken, &p), -ENOPROTOOPT);
        ck_assert_int_eq(berth_ws_subprotocol_pick("x", spoken, &p), -ENOPROTOOPT);
        ck_assert_int_eq(berth_ws_subprotocol_pick("json,,x", spoken, &p), -EBADMSG);
        ck_assert_int_eq(berth_ws_subprotocol_pick("", spoken, &p), -EBADMSG);
        ck_assert_int_eq(berth_ws_subprotocol_pick("json", NULL, &p), -ENOPROTOOPT);
}
END_TEST

static Suite *websocket_suite(void)
{
        Suite *s = suite_create("websocket");
        TCase *tc = tcase_create("frames");

        tcase_add_test(tc, accept_key);
        tcase_add_test(tc, heads);
        tcase_add_test(tc, close_payloads);
        tcase_add_test(tc, utf8);
        tcase_add_test(tc, tokens_and_subprotocols);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(websocket_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
