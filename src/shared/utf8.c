/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "utf8.h"

size_t utf8_seq_len(const void *p, size_t n)
{
        const unsigned char *s = p;
        unsigned char c = s[0];
        unsigned lo = 0x80, hi = 0xbf;
        size_t len;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2;
        else if (c >= 0xe0 && c <= 0xef) {
                len = 3;
                if (c == 0xe0)
                        lo = 0xa0;
                else if (c == 0xed)
                        hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4;
                if (c == 0xf0)
                        lo = 0x90;
                else if (c == 0xf4)
                        hi = 0x8f;
        } else
                return 0;
        if (n < len || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return len;
}

bool utf8_valid(const void *p, size_t n)
{
        const unsigned char *s = p;

        for (size_t i = 0, l; i < n; i += l) {
                l = utf8_seq_len(s + i, n - i);
                if (l == 0)
                        return false;
        }
        return true;
}
