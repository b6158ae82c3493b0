/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct berth_error;

#define CMDLINE_ARGS_MAX 1024
#define CMDLINE_LEN_MAX 65536

/*
 * Split a command line into words the way a POSIX shell splits words, without any
 * expansion: blanks (space, tab, newline) separate words; '…' quotes literally;
 * "…" quotes with \ escaping only " \ $ ` and newline; \ outside quotes escapes
 * the next character; quotes are removed. An unterminated quote or a trailing \ is
 * -EINVAL with a message. Pure, fuzzed.
 *
 * Returns 0 and a NULL-terminated strv (at least one word) / -EINVAL / -ENOMEM.
 */
int cmdline_split(const char *s, char ***ret, struct berth_error *err);
