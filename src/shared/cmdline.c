/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "error.h"
#include "macro.h"
#include "strv.h"

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n';
}

int cmdline_split(const char *s, char ***ret, struct berth_error *err)
{
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *word = NULL;
        size_t len, n = 0;
        bool in_word = false;
        int r;

        if (!s)
                return berth_error_set(err, EINVAL, "command is empty");
        len = strlen(s);
        if (len > CMDLINE_LEN_MAX)
                return berth_error_set(err, EINVAL, "command is longer than %d bytes",
                                       CMDLINE_LEN_MAX);
        /* No word is longer than the input. */
        word = malloc(len + 1);
        l = calloc(1, sizeof(char *));
        if (!word || !l)
                return -ENOMEM;

        for (size_t i = 0; i <= len; i++) {
                char c = s[i];

                if (c == 0 || is_blank(c)) {
                        if (in_word) {
                                if (strv_length(l) >= CMDLINE_ARGS_MAX)
                                        return berth_error_set(err, EINVAL,
                                                               "command has more than %d words",
                                                               CMDLINE_ARGS_MAX);
                                word[n] = 0;
                                r = strv_extend(&l, word);
                                if (r < 0)
                                        return r;
                                n = 0;
                                in_word = false;
                        }
                        continue;
                }
                if (c == '\\' && s[i + 1] == '\n') {
                        /* A line continuation is removed before words are split. */
                        i++;
                        continue;
                }
                in_word = true;
                if (c == '\\') {
                        if (s[i + 1] == 0)
                                return berth_error_set(err, EINVAL,
                                                       "command ends with a lone backslash");
                        word[n++] = s[++i];
                } else if (c == '\'') {
                        const char *end = strchr(s + i + 1, '\'');
                        if (!end)
                                return berth_error_set(err, EINVAL,
                                                       "command has an unterminated ' quote at "
                                                       "byte %zu",
                                                       i);
                        memcpy(word + n, s + i + 1, (size_t)(end - (s + i + 1)));
                        n += (size_t)(end - (s + i + 1));
                        i = (size_t)(end - s);
                } else if (c == '"') {
                        size_t start = i;
                        for (i++;; i++) {
                                if (s[i] == 0)
                                        return berth_error_set(err, EINVAL,
                                                               "command has an unterminated \" "
                                                               "quote at byte %zu",
                                                               start);
                                if (s[i] == '"')
                                        break;
                                if (s[i] == '\\' && s[i + 1] && strchr("\"\\$`\n", s[i + 1])) {
                                        i++;
                                        if (s[i] == '\n')
                                                continue;
                                }
                                word[n++] = s[i];
                        }
                } else
                        word[n++] = c;
        }
        if (strv_length(l) == 0)
                return berth_error_set(err, EINVAL, "command is empty");
        *ret = TAKE_PTR(l);
        return 0;
}
