/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * src-names.h alone: image references by Docker's grammar, the IMAGE--USER app names of
 * the SRC door and its user rule, against hostile input (shell metacharacters, newlines,
 * "--", leading dashes, lengths, unicode).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "src-names.h"

static void base_is(const char *ref, const char *want)
{
        struct berth_error err = {};
        _cleanup_free_ char *b = NULL;
        int r = src_image_base(ref, &b, &err);

        ck_assert_msg(r == 0, "'%s' refused: %s", ref, err.msg);
        ck_assert_str_eq(b, want);
}

static void ref_refused(const char *ref, const char *needle)
{
        struct berth_error err = {};
        char *b = (char *)"untouched";
        int r = src_image_base(ref, &b, &err);

        ck_assert_msg(r == -EINVAL, "'%s' accepted (%d)", ref, r);
        ck_assert_str_eq(b, "untouched");
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_msg(!strchr(err.msg, '\n'), "raw newline in '%s'", err.msg);
        ck_assert_msg(strstr(err.msg, needle), "'%s' not in '%s'", needle, err.msg);
        ck_assert_int_eq(src_ref_validate(ref, NULL), -EINVAL);
}

START_TEST(test_image_base)
{
        base_is("127.0.0.1:5000/team/web:1.2", "web");
        base_is("busybox", "busybox");
        base_is("busybox:latest", "busybox");
        base_is("ghcr.io/a/"
                "b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "b");
        base_is("ghcr.io/a/b:v1@sha256:0123456789abcdef0123456789abcdef", "b");
        base_is("localhost/x", "x");
        base_is("localhost:5000/jupyter-lab", "jupyter-lab");
        base_is("library/my_img.v2", "my_img.v2");
        base_is("a__b/c---d", "c---d");
        base_is("docker.io/library/httpd:2.4_x-y.z", "httpd");
        base_is("Registry.Example.COM/team/app", "app");
}
END_TEST

START_TEST(test_image_refused)
{
        ref_refused("", "empty");
        ref_refused("busybox;rm -rf /", "';'");
        ref_refused("$(reboot)", "'$'");
        ref_refused("`id`", "'`'");
        ref_refused("busy box", "' '");
        ref_refused("busybox\nx", "\\x0a");
        ref_refused("Busybox", "lowercase");
        ref_refused("team/Web", "lowercase");
        ref_refused("busybox:", "tag");
        ref_refused("busybox:.x", "tag");
        ref_refused("a//b", "empty path component");
        ref_refused("/busybox", "empty path component");
        ref_refused("busybox/", "empty path component");
        ref_refused("-busybox", "path component");
        ref_refused("busybox-", "end with");
        ref_refused("a..b", "path component");
        ref_refused("a___b", "path component");
        ref_refused("b@sha256:abc", "32 hex");
        ref_refused("b@:0123456789abcdef0123456789abcdef", "algorithm");
        ref_refused("b@sha256:0123456789abcdef0123456789abcdef@x", "two '@'");
        ref_refused("host:port/x", "registry port");
        ref_refused("-host.com/x", "registry host");
        ref_refused("b\xc3\xa9"
                    "b",
                    "\\xc3\\xa9");
}
END_TEST

START_TEST(test_image_lengths)
{
        char name[300], tag[200];

        memset(name, 'a', 255);
        name[255] = 0;
        base_is(name, name);
        name[255] = 'a';
        name[256] = 0;
        ref_refused(name, "255");
        memset(tag, 'v', 128);
        tag[128] = 0;
        {
                char ref[300];
                (void)snprintf(ref, sizeof(ref), "x:%s", tag);
                base_is(ref, "x");
                (void)snprintf(ref, sizeof(ref), "x:%sv", tag);
                ref_refused(ref, "128");
        }
}
END_TEST

static void with_tag_is(const char *ref, const char *want)
{
        _cleanup_free_ char *s = NULL;
        struct berth_error err = {};

        ck_assert_msg(src_image_with_tag(ref, &s, &err) == 0, "%s: %s", ref, err.msg);
        ck_assert_str_eq(s, want);
}

START_TEST(test_with_tag)
{
        char *s = NULL;

        with_tag_is("busybox", "busybox:latest");
        with_tag_is("busybox:1.36", "busybox:1.36");
        with_tag_is("127.0.0.1:5000/team/web", "127.0.0.1:5000/team/web:latest");
        with_tag_is("127.0.0.1:5000/team/web:2", "127.0.0.1:5000/team/web:2");
        with_tag_is("a/b@sha256:0123456789abcdef0123456789abcdef",
                    "a/b@sha256:0123456789abcdef0123456789abcdef");
        ck_assert_int_eq(src_image_with_tag("a b", &s, NULL), -EINVAL);
        ck_assert_ptr_null(s);
}
END_TEST

static void user_refused(const char *user, const char *needle)
{
        struct berth_error err = {};

        ck_assert_msg(src_user_valid(user, &err) == -EINVAL, "'%s' accepted", user);
        ck_assert_msg(strstr(err.msg, needle), "'%s' not in '%s'", needle, err.msg);
        ck_assert_msg(strstr(err.msg, "cannot have double dashes"), "no rule in '%s'", err.msg);
        ck_assert_msg(!strchr(err.msg, '\n'), "raw input in '%s'", err.msg);
}

START_TEST(test_user)
{
        char u[80];

        ck_assert_int_eq(src_user_valid("john", NULL), 0);
        ck_assert_int_eq(src_user_valid("John_Doe-2", NULL), 0);
        ck_assert_int_eq(src_user_valid("_x", NULL), 0);
        ck_assert_int_eq(src_user_valid("x-", NULL), 0);
        user_refused("", "empty");
        user_refused("-john", "starts with a dash");
        user_refused("jo--hn", "double dash");
        user_refused("a;reboot", "';'");
        user_refused("$(id)", "'$'");
        user_refused("`id`", "'`'");
        user_refused("a\nb", "\\x0a");
        user_refused("a b", "' '");
        user_refused("a.b", "'.'");
        user_refused("j\xc3\xb6rg", "\\xc3");
        memset(u, 'u', 64);
        u[64] = 0;
        ck_assert_int_eq(src_user_valid(u, NULL), 0);
        u[64] = 'u';
        u[65] = 0;
        user_refused(u, "65 characters");
}
END_TEST

START_TEST(test_app_name)
{
        struct berth_error err = {};
        char *s = NULL, *img = NULL, *user = NULL;

        ck_assert_int_eq(src_app_name("127.0.0.1:5000/team/jupyter-lab:1.2", "john", &s, &err), 0);
        ck_assert_str_eq(s, "jupyter-lab--john");
        ck_assert_int_eq(src_app_split(s, &img, &user, &err), 0);
        ck_assert_str_eq(img, "jupyter-lab");
        ck_assert_str_eq(user, "john");
        free(s), free(img), free(user);
        s = img = user = NULL;

        /* An image with "--" in it: USER begins after the last "--". */
        ck_assert_int_eq(src_app_name("my--img", "x-", &s, &err), 0);
        ck_assert_str_eq(s, "my--img--x-");
        ck_assert_int_eq(src_app_split(s, &img, &user, &err), 0);
        ck_assert_str_eq(img, "my--img");
        ck_assert_str_eq(user, "x-");
        free(s), free(img), free(user);
        s = img = user = NULL;

        ck_assert_int_eq(src_app_name("busybox", "a;b", &s, &err), -EINVAL);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(src_app_name("bu$y", "a", &s, &err), -EINVAL);
        ck_assert_ptr_null(s);
}
END_TEST

static void split_refused(const char *name, const char *needle)
{
        struct berth_error err = {};
        char *img = (char *)"u", *user = (char *)"u";

        ck_assert_msg(src_app_split(name, &img, &user, &err) == -EINVAL, "'%s' accepted", name);
        ck_assert_msg(img[0] == 'u' && user[0] == 'u', "results touched");
        ck_assert_msg(strstr(err.msg, needle), "'%s' not in '%s'", needle, err.msg);
        ck_assert_msg(!strchr(err.msg, '\n'), "raw newline in '%s'", err.msg);
}

START_TEST(test_app_split_refused)
{
        split_refused("", "empty");
        split_refused("httpd", "no '--'");
        split_refused("httpd--", "empty");
        split_refused("--sarah", "container name");
        split_refused("httpd---sarah", "httpd-");
        split_refused("httpd--sa;rah", "container name");
        split_refused("x--$(reboot)", "container name");
        split_refused("x--`id`", "container name");
        split_refused("x--a\nb", "\\x0a");
        split_refused("x--a b", "container name");
        split_refused("Httpd--sarah", "lowercase");
        split_refused("x_--sarah", "end with");
        split_refused("h\xc3\xa9--sarah", "\\xc3");
        split_refused("a--b.c", "'.'");
        {
                char n[200];
                memset(n, 'u', sizeof(n));
                memcpy(n, "x--", 3);
                n[3 + 65] = 0;
                split_refused(n, "65 characters");
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("src-names");
        TCase *tc = tcase_create("names");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_image_base);
        tcase_add_test(tc, test_image_refused);
        tcase_add_test(tc, test_image_lengths);
        tcase_add_test(tc, test_with_tag);
        tcase_add_test(tc, test_user);
        tcase_add_test(tc, test_app_name);
        tcase_add_test(tc, test_app_split_refused);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
