/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * RFC 6455 (websockets) without I/O: frame heads, the handshake's key, the close
 * payload and header token lists (UTF-8 is utf8.h's). Pure, so that it is unit-tested
 * apart from the connection code (websocket.c).
 */

enum {
        BERTH_WS_OP_CONTINUATION = 0x0,
        BERTH_WS_OP_TEXT = 0x1,
        BERTH_WS_OP_BINARY = 0x2,
        BERTH_WS_OP_CLOSE = 0x8,
        BERTH_WS_OP_PING = 0x9,
        BERTH_WS_OP_PONG = 0xa,
};

/* Close codes (RFC 6455 §7.4.1). */
enum {
        BERTH_WS_CLOSE_NORMAL = 1000,
        BERTH_WS_CLOSE_GOING_AWAY = 1001,
        BERTH_WS_CLOSE_PROTOCOL = 1002,
        BERTH_WS_CLOSE_UNSUPPORTED = 1003,
        BERTH_WS_CLOSE_NO_STATUS = 1005, /* never sent: a close frame without a code */
        BERTH_WS_CLOSE_ABNORMAL = 1006,  /* never sent: the connection ended without one */
        BERTH_WS_CLOSE_BAD_DATA = 1007,
        BERTH_WS_CLOSE_POLICY = 1008,
        BERTH_WS_CLOSE_TOO_BIG = 1009,
        BERTH_WS_CLOSE_INTERNAL = 1011,
};

#define BERTH_WS_HEAD_MAX 14     /* 2 + 8 (length) + 4 (mask) */
#define BERTH_WS_CONTROL_MAX 125 /* a control frame's payload */
#define BERTH_WS_ACCEPT_LEN 28   /* base64 of a SHA-1 */

struct berth_ws_head {
        bool fin;
        uint8_t rsv; /* RSV1-3 (bits 0x70 of the first byte), 0 without extensions */
        uint8_t opcode;
        bool masked;
        uint8_t mask[4];
        uint64_t len;
};

/* The frame head at the start of buf (n bytes): its length (2 to 14), 0 when more bytes
 * are needed, -EBADMSG for a 64-bit length with its top bit set. The fields are not
 * judged: that is the caller's. */
int berth_ws_head_parse(const void *buf, size_t n, struct berth_ws_head *ret);
/* A server's frame head (FIN, no mask) for opcode and len into buf; its length. */
size_t berth_ws_head_format(uint8_t buf[BERTH_WS_HEAD_MAX], uint8_t opcode, uint64_t len);
/* XOR p (n bytes, at offset bytes into the payload) with the mask. */
void berth_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: 0 with ret (NUL-terminated), -EINVAL when
 * key is not the base64 of 16 bytes. */
int berth_ws_accept_key(const char *key, char ret[BERTH_WS_ACCEPT_LEN + 1]);

/* A close frame's payload (n bytes): its code (BERTH_WS_CLOSE_NO_STATUS when empty), or
 * -EBADMSG when it is not a valid one (a single byte, a code no endpoint may send, a
 * reason that is not UTF-8). */
int berth_ws_close_parse(const void *p, size_t n, uint16_t *ret_code);
/* May an endpoint send this code? */
bool berth_ws_close_code_valid(unsigned code);

/* Is token one of the comma-separated tokens of value (case-insensitive, blanks around
 * them ignored)? value may be NULL. */
bool berth_http_token_list_has(const char *value, const char *token);

/* The subprotocol to echo of those offered (a Sec-WebSocket-Protocol value, NULL when the
 * header is absent), taken in the client's order among spoken (NULL-terminated; NULL:
 * none): 0 with *ret (NULL when none was offered), -ENOPROTOOPT when every one offered is
 * unknown here, -EBADMSG when the header is malformed (an empty item). */
int berth_ws_subprotocol_pick(const char *offered, const char *const *spoken, const char **ret);
