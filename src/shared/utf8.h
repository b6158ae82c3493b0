/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Well-formed UTF-8 is RFC 3629's: no overlong forms, no surrogates, nothing above
 * U+10FFFF. */

/* Length of the well-formed UTF-8 sequence at s (at most n bytes, n > 0), 0 when there
 * is none. */
size_t utf8_seq_len(const void *s, size_t n);

/* Are the n bytes at p well-formed UTF-8? */
bool utf8_valid(const void *p, size_t n);
