/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "utf8.h"
#include "websocket-frame.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

int berth_ws_head_parse(const void *buf, size_t n, struct berth_ws_head *ret)
{
        const uint8_t *b = buf;
        size_t need = 2;
        uint64_t len;

        if (n < 2)
                return 0;
        len = b[1] & 0x7f;
        if (len == 126)
                need += 2;
        else if (len == 127)
                need += 8;
        if (b[1] & 0x80)
                need += 4;
        if (n < need)
                return 0;
        if (len == 126)
                len = (uint64_t)b[2] << 8 | b[3];
        else if (len == 127) {
                len = 0;
                for (size_t i = 0; i < 8; i++)
                        len = len << 8 | b[2 + i];
                if (len >> 63)
                        return -EBADMSG;
        }
        *ret = (struct berth_ws_head){
                .fin = b[0] & 0x80,
                .rsv = b[0] & 0x70,
                .opcode = b[0] & 0x0f,
                .masked = b[1] & 0x80,
                .len = len,
        };
        if (ret->masked)
                memcpy(ret->mask, b + need - 4, 4);
        return (int)need;
}

size_t berth_ws_head_format(uint8_t buf[BERTH_WS_HEAD_MAX], uint8_t opcode, uint64_t len)
{
        size_t n = 2;

        buf[0] = 0x80 | (opcode & 0x0f);
        if (len < 126)
                buf[1] = (uint8_t)len;
        else if (len <= 0xffff) {
                buf[1] = 126;
                buf[2] = (uint8_t)(len >> 8);
                buf[3] = (uint8_t)len;
                n = 4;
        } else {
                buf[1] = 127;
                for (size_t i = 0; i < 8; i++)
                        buf[2 + i] = (uint8_t)(len >> (56 - 8 * i));
                n = 10;
        }
        return n;
}

void berth_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset)
{
        for (size_t i = 0; i < n; i++)
                p[i] ^= mask[(offset + i) & 3];
}

static uint32_t rol(uint32_t x, unsigned n)
{
        return x << n | x >> (32 - n);
}

static void sha1_block(uint32_t h[5], const uint8_t b[64])
{
        uint32_t w[80], a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];

        for (size_t i = 0; i < 16; i++)
                w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
                       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
        for (size_t i = 16; i < 80; i++)
                w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        for (size_t i = 0; i < 80; i++) {
                uint32_t f, k, t;

                if (i < 20) {
                        f = (bb & c) | (~bb & d);
                        k = 0x5a827999;
                } else if (i < 40) {
                        f = bb ^ c ^ d;
                        k = 0x6ed9eba1;
                } else if (i < 60) {
                        f = (bb & c) | (bb & d) | (c & d);
                        k = 0x8f1bbcdc;
                } else {
                        f = bb ^ c ^ d;
                        k = 0xca62c1d6;
                }
                t = rol(a, 5) + f + e + k + w[i];
                e = d;
                d = c;
                c = rol(bb, 30);
                bb = a;
                a = t;
        }
        h[0] += a;
        h[1] += bb;
        h[2] += c;
        h[3] += d;
        h[4] += e;
}

/* SHA-1 (RFC 3174) of a short message (at most 119 bytes: two blocks). The handshake's
 * only use of it is RFC 6455's, not a security one: a client proves it speaks
 * websockets. */
static void sha1_short(const void *msg, size_t n, uint8_t ret[20])
{
        uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
        uint8_t b[128] = {};
        size_t blocks = n + 9 > 64 ? 2 : 1;
        uint64_t bits = (uint64_t)n * 8;

        assert(n <= sizeof(b) - 9);
        memcpy(b, msg, n);
        b[n] = 0x80;
        for (size_t i = 0; i < 8; i++)
                b[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
        for (size_t i = 0; i < blocks; i++)
                sha1_block(h, b + 64 * i);
        for (size_t i = 0; i < 20; i++)
                ret[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static const char base64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 of 16 bytes: 22 characters of the alphabet and "==". */
static bool key_valid(const char *key)
{
        return strlen(key) == 24 && strspn(key, base64_alphabet) == 22 && streq(key + 22, "==");
}

int berth_ws_accept_key(const char *key, char ret[BERTH_WS_ACCEPT_LEN + 1])
{
        char in[24 + sizeof(WS_GUID)];
        uint8_t md[21] = {}; /* 20, and a zero byte that pads the last group */
        size_t o = 0;

        if (!key || !key_valid(key))
                return -EINVAL;
        memcpy(in, key, 24);
        memcpy(in + 24, WS_GUID, sizeof(WS_GUID));
        sha1_short(in, 24 + strlen(WS_GUID), md);
        for (size_t i = 0; i < 21; i += 3) {
                uint32_t v = (uint32_t)md[i] << 16 | (uint32_t)md[i + 1] << 8 | md[i + 2];

                ret[o++] = base64_alphabet[v >> 18 & 63];
                ret[o++] = base64_alphabet[v >> 12 & 63];
                ret[o++] = base64_alphabet[v >> 6 & 63];
                ret[o++] = base64_alphabet[v & 63];
        }
        /* 20 bytes: 27 characters and one "=". */
        ret[BERTH_WS_ACCEPT_LEN - 1] = '=';
        ret[BERTH_WS_ACCEPT_LEN] = 0;
        return 0;
}

bool berth_ws_close_code_valid(unsigned code)
{
        /* 1004-1006 and 1015 are reserved, 1012-1014 are IANA's (servers send them:
         * accepted), 3000-4999 are for libraries and applications. */
        if (code >= 1000 && code <= 1014)
                return code != 1004 && code != 1005 && code != 1006;
        return code >= 3000 && code <= 4999;
}

int berth_ws_close_parse(const void *p, size_t n, uint16_t *ret_code)
{
        const uint8_t *b = p;
        unsigned code;

        if (n == 0) {
                *ret_code = BERTH_WS_CLOSE_NO_STATUS;
                return 0;
        }
        if (n == 1 || n > BERTH_WS_CONTROL_MAX)
                return -EBADMSG;
        code = (unsigned)b[0] << 8 | b[1];
        if (!berth_ws_close_code_valid(code) || !utf8_valid(b + 2, n - 2))
                return -EBADMSG;
        *ret_code = (uint16_t)code;
        return 0;
}

/* The next comma-separated item of *p, without blanks around it: its start and length;
 * false at the end. */
static bool next_item(const char **p, const char **ret, size_t *ret_len)
{
        const char *s = *p, *e;

        if (!*s)
                return false;
        s += strspn(s, " \t");
        e = s + strcspn(s, ",");
        *p = *e ? e + 1 : e;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
        *ret = s;
        *ret_len = (size_t)(e - s);
        return true;
}

bool berth_http_token_list_has(const char *value, const char *token)
{
        size_t n = strlen(token), l;
        const char *item;

        if (!value)
                return false;
        while (next_item(&value, &item, &l))
                if (l == n && strncasecmp(item, token, n) == 0)
                        return true;
        return false;
}

int berth_ws_subprotocol_pick(const char *offered, const char *const *spoken, const char **ret)
{
        const char *item;
        size_t l;

        *ret = NULL;
        if (!offered)
                return 0;
        if (!offered[strspn(offered, " \t")])
                return -EBADMSG;
        while (next_item(&offered, &item, &l)) {
                if (l == 0)
                        return -EBADMSG;
                /* Subprotocol names are case-sensitive (RFC 6455 §11.3.4). */
                for (size_t i = 0; spoken && spoken[i]; i++)
                        if (strlen(spoken[i]) == l && strncmp(item, spoken[i], l) == 0) {
                                /* The first acceptable one, but the list must be
                                 * well-formed throughout. */
                                if (!*ret)
                                        *ret = spoken[i];
                        }
        }
        return *ret ? 0 : -ENOPROTOOPT;
}
