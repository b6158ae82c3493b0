/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cmdline_split() alone: a table of command lines and the words a POSIX shell makes of
 * them, the errors, and the limits.
 *
 * The expectations were checked against dash when the table was written, by running
 *   /bin/sh -c 'for a in "$@"; do printf "%s\0" "$a"; done' sh <input>
 * for every input. Where cmdline_split differs from the shell on purpose (no expansion
 * of any kind, no operators, a newline is a blank and not a command separator) the
 * case says so. The test itself never runs a shell.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "error.h"
#include "macro.h"
#include "strv.h"

/* A NULL-terminated list of expected words. */
#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct split_case {
        const char *name;
        const char *in;
        const char *const *want;
};

static const struct split_case split_cases[] = {
        /* The seed's commands. */
        { "seed systemd", "/usr/lib/systemd/systemd", W("/usr/lib/systemd/systemd") },
        { "seed sh -c", "/bin/sh -c \"echo hello; exit 3\"",
          W("/bin/sh", "-c", "echo hello; exit 3") },

        /* Blanks. */
        { "leading and trailing blanks", "  leading   and trailing  ",
          W("leading", "and", "trailing") },
        { "tab separates", "a\tb", W("a", "b") },
        { "mixed blanks", "a\t \tb", W("a", "b") },
        /* dash ends the command at the newline; cmdline_split treats it as a blank. */
        { "newline separates (not sh)", "a\nb", W("a", "b") },
        { "blanks of every kind", " \t\na \n\t b\t\n", W("a", "b") },

        /* Quotes inside quotes. */
        { "single quotes hold double", "sh -c 'echo \"hi there\"'",
          W("sh", "-c", "echo \"hi there\"") },
        { "nested quotes", "\"it's\" 'say \"x\"' \"a'b'c\"", W("it's", "say \"x\"", "a'b'c") },
        { "quotes join into one word", "a\"b c\"d'e f'g", W("ab cde fg") },
        { "a quote of the other kind", "'\"' \"'\"", W("\"", "'") },

        /* Bytes are bytes. */
        { "utf-8",
          "h\xc3\xa9llo w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac \"\xe6\x97\xa5 \xe6\x9c\xac\"",
          W("h\xc3\xa9llo", "w\xc3\xb6rld", "\xe6\x97\xa5\xe6\x9c\xac",
            "\xe6\x97\xa5 \xe6\x9c\xac") },
        { "high bytes, not utf-8", "\xff\xfe \x80", W("\xff\xfe", "\x80") },

        /* Backslashes. */
        { "escaped blank", "a\\ b", W("a b") },
        { "escaped quote in double quotes", "\"a\\\"b\"", W("a\"b") },
        { "backslash literal in single quotes", "'a\\\"b'", W("a\\\"b") },
        { "double quotes escape only \" \\ $ `", "\"a\\b\" \"a\\\\b\" \"\\`\" \"\\$\"",
          W("a\\b", "a\\b", "`", "$") },
        { "backslash outside quotes", "a\\\\b \\' \\\" \\a", W("a\\b", "'", "\"", "a") },
        { "lone escaped backslash", "\\\\", W("\\") },
        { "escaped space alone", "\\ ", W(" ") },
        { "escaped tab alone", "\\\t", W("\t") },

        /* No expansion: "$HOME" stays as written (dash gives the value of HOME). */
        { "$HOME in double quotes (not sh)", "\"$HOME\"", W("$HOME") },
        { "$HOME quoted every way", "\"\\$HOME\" '$HOME' \\$HOME", W("$HOME", "$HOME", "$HOME") },
        /* No tilde, command substitution, globbing or operators (dash would expand or
         * run them). */
        { "no expansion (not sh)", "echo ~ $(x) `y` * ?", W("echo", "~", "$(x)", "`y`", "*", "?") },
        { "no operators (not sh)", "a;b c|d e>f g&", W("a;b", "c|d", "e>f", "g&") },

        /* Empty words. */
        { "empty quoted words", "'' \"\"", W("", "") },
        { "empty word in the middle", "a '' b", W("a", "", "b") },
        { "adjacent empty quotes are one word", "''\"\"", W("") },
        { "empty quotes next to text", "x'' \"\"y", W("x", "y") },
        { "empty word last", "a \"\"", W("a", "") },

        /* Backslash-newline. */
        { "backslash-newline joins", "a\\\nb", W("ab") },
        { "backslash-newline in double quotes", "\"a\\\nb\"", W("ab") },
        { "backslash-newline in single quotes", "'a\\\nb'", W("a\\\nb") },
        { "backslash-newline before a word", "a \\\nb", W("a", "b") },
        { "backslash-newline first", "\\\na", W("a") },
        { "backslash-newline last", "a\\\n", W("a") },
        { "backslash-newline twice", "a\\\n\\\nb", W("ab") },
        { "backslash-newline after a quote", "'a'\\\n b", W("a", "b") },
        { "backslash-newline after empty quotes", "\"\"\\\n", W("") },

        /* Blanks inside quotes. */
        { "tab in double quotes", "\"tab\there\"", W("tab\there") },
        { "newline in double quotes", "\"new\nline\"", W("new\nline") },
        { "newline in single quotes", "'new\nline'", W("new\nline") },
};

static void assert_words(const char *name, char **got, const char *const *want)
{
        size_t n = strv_length(got), n_want = 0;

        while (want[n_want])
                n_want++;
        ck_assert_msg(n == n_want, "%s: %zu words, expected %zu", name, n, n_want);
        for (size_t i = 0; i < n; i++)
                ck_assert_msg(streq(got[i], want[i]), "%s: word %zu is '%s', expected '%s'", name,
                              i, got[i], want[i]);
        ck_assert_ptr_null(got[n]);
}

static void split_ok(const char *name, const char *in, const char *const *want)
{
        struct berth_error err = {};
        char **l = NULL;
        int r = cmdline_split(in, &l, &err);

        ck_assert_msg(r == 0, "%s: cmdline_split() = %d (%s)", name, r, err.msg);
        ck_assert_ptr_nonnull(l);
        assert_words(name, l, want);
        strv_free(l);
}

static void split_bad(const char *name, const char *in, const char *needle)
{
        struct berth_error err = {};
        char **l = NULL;
        int r = cmdline_split(in, &l, &err);

        ck_assert_msg(r == -EINVAL, "%s: expected -EINVAL, got %d", name, r);
        ck_assert_ptr_null(l);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_msg(strstr(err.msg, needle), "%s: message '%s' lacks '%s'", name, err.msg,
                      needle);
}

START_TEST(test_split_table)
{
        const struct split_case *c = &split_cases[_i];

        split_ok(c->name, c->in, c->want);
}
END_TEST

/*
 * A backslash-newline is a line continuation, removed before words are split (as dash
 * does): "a \\\n b" is two words and "\\\n" alone is no word at all.
 */
START_TEST(test_split_backslash_newline_between_words)
{
        split_ok("backslash-newline between blanks", "a \\\n b", W("a", "b"));
        split_ok("backslash-newline between tabs", "a\t\\\n\tb", W("a", "b"));
        split_ok("two backslash-newlines between blanks", "x \\\n\\\n y", W("x", "y"));
        split_ok("backslash-newline after the last word", "a \\\n", W("a"));
        split_bad("backslash-newline alone", "\\\n", "command is empty");
        split_bad("blank backslash-newline blank", " \\\n ", "command is empty");
}
END_TEST

START_TEST(test_split_errors)
{
        struct berth_error err = {};
        char **l = NULL;

        split_bad("lone trailing backslash", "a\\", "lone backslash");
        split_bad("only a backslash", "\\", "lone backslash");
        split_bad("escaped backslash then lone backslash", "a\\\\ \\", "lone backslash");
        split_bad("unterminated single quote", "'abc", "unterminated ' quote at byte 0");
        split_bad("unterminated single quote later", "ab 'cd", "unterminated ' quote at byte 3");
        split_bad("three single quotes", "'''", "unterminated ' quote at byte 2");
        split_bad("unterminated double quote", "ab \"cd", "unterminated \" quote at byte 3");
        split_bad("escaped closing double quote", "\"abc\\\"", "unterminated \" quote at byte 0");
        split_bad("backslash escapes the quote", "a\\'b'", "unterminated ' quote at byte 4");
        split_bad("empty", "", "command is empty");
        split_bad("spaces", "   ", "command is empty");
        split_bad("blanks of every kind", " \t\n ", "command is empty");
        split_bad("NULL", NULL, "command is empty");

        /* err may be NULL. */
        ck_assert_int_eq(cmdline_split("'abc", &l, NULL), -EINVAL);
        ck_assert_int_eq(cmdline_split("", &l, NULL), -EINVAL);
        ck_assert_ptr_null(l);

        /* A message is set even when the error comes late in a long line. */
        ck_assert_int_eq(cmdline_split("a b c d e f g h \"i", &l, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "byte 16"), "%s", err.msg);
}
END_TEST

/* ---- limits ---------------------------------------------------------------------- */

static char *repeat(const char *unit, size_t times, const char *tail)
{
        size_t ul = strlen(unit), tl = strlen(tail);
        char *s = malloc(ul * times + tl + 1);

        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i < times; i++)
                memcpy(s + i * ul, unit, ul);
        memcpy(s + ul * times, tail, tl + 1);
        return s;
}

START_TEST(test_split_long_input)
{
        struct berth_error err = {};
        char **l = NULL;
        char *s;

        /* Exactly CMDLINE_LEN_MAX bytes: one word of that length. */
        s = repeat("a", CMDLINE_LEN_MAX, "");
        ck_assert_int_eq(cmdline_split(s, &l, &err), 0);
        ck_assert_int_eq(strv_length(l), 1);
        ck_assert_uint_eq(strlen(l[0]), CMDLINE_LEN_MAX);
        ck_assert_int_eq(l[0][CMDLINE_LEN_MAX - 1], 'a');
        l = strv_free(l);
        free(s);

        /* One byte more is refused, and says why. */
        s = repeat("a", CMDLINE_LEN_MAX + 1, "");
        ck_assert_int_eq(cmdline_split(s, &l, &err), -EINVAL);
        ck_assert_ptr_null(l);
        ck_assert_msg(strstr(err.msg, "longer than 65536 bytes"), "%s", err.msg);
        free(s);

        /* A long quoted word with blanks inside. */
        s = repeat("x ", (CMDLINE_LEN_MAX - 2) / 2, "");
        s[0] = '\'';
        s[strlen(s) - 1] = '\'';
        ck_assert_uint_eq(strlen(s), CMDLINE_LEN_MAX - 2);
        ck_assert_int_eq(cmdline_split(s, &l, &err), 0);
        ck_assert_int_eq(strv_length(l), 1);
        ck_assert_uint_eq(strlen(l[0]), CMDLINE_LEN_MAX - 4);
        ck_assert_int_eq(l[0][0], ' ');
        ck_assert_int_eq(l[0][1], 'x');
        l = strv_free(l);
        free(s);

        /* Blanks count towards the length, not the words. */
        s = repeat(" ", CMDLINE_LEN_MAX - 1, "a");
        ck_assert_int_eq(cmdline_split(s, &l, &err), 0);
        ck_assert_int_eq(strv_length(l), 1);
        ck_assert_str_eq(l[0], "a");
        l = strv_free(l);
        free(s);
}
END_TEST

START_TEST(test_split_too_many_words)
{
        struct berth_error err = {};
        char **l = NULL;
        char *s;

        /* CMDLINE_ARGS_MAX words, with and without a trailing blank. */
        s = repeat("a ", CMDLINE_ARGS_MAX, "");
        ck_assert_int_eq(cmdline_split(s, &l, &err), 0);
        ck_assert_int_eq(strv_length(l), CMDLINE_ARGS_MAX);
        ck_assert_str_eq(l[CMDLINE_ARGS_MAX - 1], "a");
        l = strv_free(l);
        free(s);

        s = repeat("a ", CMDLINE_ARGS_MAX - 1, "last");
        ck_assert_int_eq(cmdline_split(s, &l, &err), 0);
        ck_assert_int_eq(strv_length(l), CMDLINE_ARGS_MAX);
        ck_assert_str_eq(l[CMDLINE_ARGS_MAX - 1], "last");
        l = strv_free(l);
        free(s);

        /* One more is refused, whether the last word ends in a blank or at the end. */
        s = repeat("a ", CMDLINE_ARGS_MAX + 1, "");
        ck_assert_int_eq(cmdline_split(s, &l, &err), -EINVAL);
        ck_assert_ptr_null(l);
        ck_assert_msg(strstr(err.msg, "more than 1024 words"), "%s", err.msg);
        free(s);

        berth_error_clear(&err);
        s = repeat("a ", CMDLINE_ARGS_MAX, "z");
        ck_assert_int_eq(cmdline_split(s, &l, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "more than 1024 words"), "%s", err.msg);
        free(s);

        /* Empty quoted words are words too. */
        berth_error_clear(&err);
        s = repeat("'' ", CMDLINE_ARGS_MAX + 1, "");
        ck_assert_int_eq(cmdline_split(s, &l, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "more than 1024 words"), "%s", err.msg);
        free(s);

        s = repeat("'' ", CMDLINE_ARGS_MAX, "");
        ck_assert_int_eq(cmdline_split(s, &l, &err), 0);
        ck_assert_int_eq(strv_length(l), CMDLINE_ARGS_MAX);
        ck_assert_str_eq(l[0], "");
        l = strv_free(l);
        free(s);
}
END_TEST

static Suite *cmdline_suite(void)
{
        Suite *s = suite_create("cmdline");
        TCase *tc = tcase_create("split");

        tcase_add_loop_test(tc, test_split_table, 0, (int)ELEMENTSOF(split_cases));
        tcase_add_test(tc, test_split_backslash_newline_between_words);
        tcase_add_test(tc, test_split_errors);
        suite_add_tcase(s, tc);
        tc = tcase_create("limits");
        tcase_add_test(tc, test_split_long_input);
        tcase_add_test(tc, test_split_too_many_words);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(cmdline_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
