/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mounts/mountopts.c alone: mountopts_normalize() on good and refused option lists,
 * and the fs type predicates. Pure functions, no I/O.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "macro.h"
#include "mountopts.h"

/* Normalize a NULL-terminated list that must be accepted; returns the joined string. */
static char *norm_ok(char *const *opts, bool *ret_ro)
{
        struct berth_error err = {};
        char *joined = NULL;
        bool ro = !*ret_ro;
        int r;

        r = mountopts_normalize(opts, &joined, &ro, &err);
        ck_assert_msg(r == 0, "mountopts_normalize failed: %d (%s)", r, err.msg);
        ck_assert_ptr_nonnull(joined);
        ck_assert_int_eq(err.code, 0);
        *ret_ro = ro;
        return joined;
}

/* Normalize a list that must be refused with -EINVAL and a message holding needle. */
static void norm_bad(char *const *opts, const char *needle)
{
        struct berth_error err = {};
        char *joined = NULL;
        bool ro = false;
        int r;

        r = mountopts_normalize(opts, &joined, &ro, &err);
        ck_assert_msg(r == -EINVAL, "'%s': expected -EINVAL, got %d", opts[0] ? opts[0] : "(null)",
                      r);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_msg(joined == NULL, "joined must be left untouched on error, got '%s'", joined);
        if (needle)
                ck_assert_msg(strstr(err.msg, needle), "message '%s' does not name '%s'", err.msg,
                              needle);
}

/* One option (entry) as a list. */
static void one_bad(const char *opt, const char *needle)
{
        char *opts[] = { (char *)opt, NULL };

        norm_bad(opts, needle);
}

START_TEST(test_empty_lists)
{
        char *empty[] = { NULL };
        bool ro = true;
        char *j;

        j = norm_ok(NULL, &ro);
        ck_assert_str_eq(j, "nodev");
        ck_assert(!ro);
        free(j);

        ro = true;
        j = norm_ok(empty, &ro);
        ck_assert_str_eq(j, "nodev");
        ck_assert(!ro);
        free(j);
}
END_TEST

START_TEST(test_ro_rw)
{
        char *ro_only[] = { (char *)"ro", NULL };
        char *rdonly[] = { (char *)"rdonly", NULL };
        char *ro_rw[] = { (char *)"ro", (char *)"rw", NULL };
        char *rw_ro[] = { (char *)"rw", (char *)"ro", NULL };
        char *rw_only[] = { (char *)"rw", NULL };
        bool ro = false;
        char *j;

        j = norm_ok(ro_only, &ro);
        ck_assert(ro);
        ck_assert_str_eq(j, "ro,nodev");
        free(j);

        ro = false;
        j = norm_ok(rdonly, &ro);
        ck_assert(ro);
        ck_assert_str_eq(j, "ro,nodev");
        free(j);

        /* The last one wins. */
        ro = true;
        j = norm_ok(ro_rw, &ro);
        ck_assert(!ro);
        ck_assert_str_eq(j, "nodev");
        free(j);

        ro = false;
        j = norm_ok(rw_ro, &ro);
        ck_assert(ro);
        ck_assert_str_eq(j, "ro,nodev");
        free(j);

        ro = true;
        j = norm_ok(rw_only, &ro);
        ck_assert(!ro);
        ck_assert_str_eq(j, "nodev");
        free(j);
}
END_TEST

START_TEST(test_comma_splitting)
{
        char *one[] = { (char *)"ro,noatime", NULL };
        char *mixed[] = { (char *)"nodev", (char *)"nosuid,noexec", (char *)"rw,ro,rw", NULL };
        char *last_in_entry[] = { (char *)"noatime,rw", (char *)"relatime,ro", NULL };
        bool ro = false;
        char *j;

        j = norm_ok(one, &ro);
        ck_assert(ro);
        /* ro is resolved and put last, then nodev; the other options keep their order. */
        ck_assert_str_eq(j, "noatime,ro,nodev");
        free(j);

        ro = true;
        j = norm_ok(mixed, &ro);
        ck_assert(!ro);
        ck_assert_str_eq(j, "nosuid,noexec,nodev");
        free(j);

        ro = false;
        j = norm_ok(last_in_entry, &ro);
        ck_assert(ro);
        ck_assert_str_eq(j, "noatime,relatime,ro,nodev");
        free(j);
}
END_TEST

START_TEST(test_key_value_verbatim)
{
        char *opts[] = { (char *)"errors=continue",
                         (char *)"context=system_u:object_r:x:s0",
                         (char *)"uid=1000,gid=1000,mode=0755",
                         (char *)"user_xattr",
                         (char *)"lowerdir+=/a/b",
                         NULL };
        bool ro = true;
        char *j;

        j = norm_ok(opts, &ro);
        ck_assert(!ro);
        ck_assert_str_eq(j, "errors=continue,context=system_u:object_r:x:s0,uid=1000,gid=1000,"
                            "mode=0755,user_xattr,lowerdir+=/a/b,nodev");
        free(j);
}
END_TEST

/* Device nodes work only when "dev" is asked for (the last of dev/nodev wins). */
START_TEST(test_dev)
{
        char *dev[] = { (char *)"dev", NULL };
        char *dev_nodev[] = { (char *)"dev", (char *)"nodev", NULL };
        char *nodev_dev[] = { (char *)"ro,nodev,dev", NULL };
        bool ro = false;
        char *j;

        j = norm_ok(dev, &ro);
        ck_assert_str_eq(j, "");
        free(j);
        j = norm_ok(dev_nodev, &ro);
        ck_assert_str_eq(j, "nodev");
        free(j);
        j = norm_ok(nodev_dev, &ro);
        ck_assert(ro);
        ck_assert_str_eq(j, "ro");
        free(j);
}
END_TEST

START_TEST(test_refused)
{
        static const char *const refused[] = {
                "bind",
                "rbind",
                "move",
                "remount",
                "rec",
                "shared",
                "rshared",
                "slave",
                "rslave",
                "private",
                "rprivate",
                "unbindable",
                "runbindable",
                "loop",
                "loop=/dev/loop0",
                "offset=4096",
                "offset",
                "sizelimit=10",
                "encryption=x",
                "user",
                "users",
                "nouser",
                "user=bob",
                "owner",
                "group",
                "helper=udisks2",
                "auto",
                "noauto",
                "_netdev",
                "nofail",
                "comment=x",
                "x-anything",
                "x-systemd.automount",
                "X-mount.mkdir",
                "X-mount.mkdir=0755",
                "X-anything",
                "=value",
        };

        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                one_bad(refused[i], refused[i]);
}
END_TEST

START_TEST(test_refused_inside_list)
{
        char *in_entry[] = { (char *)"noatime,bind,nodev", NULL };
        char *later[] = { (char *)"noatime", (char *)"ro", (char *)"rshared", NULL };

        norm_bad(in_entry, "'bind'");
        norm_bad(later, "'rshared'");
}
END_TEST

START_TEST(test_empty_option)
{
        char *two_empty[] = { (char *)"noatime", (char *)"", NULL };

        one_bad(",,", "empty option");
        one_bad("", "empty option");
        one_bad("noatime,", "empty option");
        one_bad(",noatime", "empty option");
        one_bad("noatime,,nodev", "empty option");
        norm_bad(two_empty, "empty option");
}
END_TEST

START_TEST(test_bad_characters)
{
        static const char *const bad[] = {
                "no atime", "a\"b", "context=\"x\"", "a;b", "a\nb",  "a\tb",
                "a'b",      "a\\b", "a$b",           "a*b", "a\x01", "a\xc3\xa9",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                one_bad(bad[i], "characters outside");
}
END_TEST

START_TEST(test_too_many)
{
        char *entries[MOUNTOPTS_MAX + 2] = {};
        char buf[MOUNTOPTS_MAX + 1][16];
        char *one_entry = NULL;
        size_t len = 0;
        bool ro = false;
        char *j;

        /* Exactly MOUNTOPTS_MAX entries is fine. */
        for (size_t i = 0; i < MOUNTOPTS_MAX; i++) {
                (void)snprintf(buf[i], sizeof(buf[i]), "o%zu", i);
                entries[i] = buf[i];
        }
        j = norm_ok(entries, &ro);
        ck_assert_str_eq(j + strlen(j) - 9, "o63,nodev");
        free(j);

        /* One more entry is refused. */
        (void)snprintf(buf[MOUNTOPTS_MAX], sizeof(buf[MOUNTOPTS_MAX]), "o%d", MOUNTOPTS_MAX);
        entries[MOUNTOPTS_MAX] = buf[MOUNTOPTS_MAX];
        norm_bad(entries, "more than");

        /* The same count inside a single comma-separated entry. */
        one_entry = calloc(MOUNTOPTS_MAX + 1, 16);
        ck_assert_ptr_nonnull(one_entry);
        for (size_t i = 0; i <= MOUNTOPTS_MAX; i++)
                len += (size_t)sprintf(one_entry + len, "%so%zu", i ? "," : "", i);
        one_bad(one_entry, "more than");

        /* ro/rw are resolved, not counted as options. */
        entries[MOUNTOPTS_MAX] = NULL;
        entries[0] = (char *)"ro";
        ro = false;
        j = norm_ok(entries, &ro);
        ck_assert(ro);
        free(j);
        free(one_entry);
}
END_TEST

START_TEST(test_too_long)
{
        char opt[MOUNTOPT_LEN_MAX + 2];
        char *opts[] = { opt, NULL };
        bool ro = false;
        char *j;

        memset(opt, 'a', MOUNTOPT_LEN_MAX);
        opt[MOUNTOPT_LEN_MAX] = 0;
        j = norm_ok(opts, &ro);
        ck_assert_uint_eq(strlen(j), MOUNTOPT_LEN_MAX + strlen(",nodev"));
        free(j);

        opt[MOUNTOPT_LEN_MAX] = 'a';
        opt[MOUNTOPT_LEN_MAX + 1] = 0;
        norm_bad(opts, "longer than");
}
END_TEST

START_TEST(test_null_err)
{
        char *opts[] = { (char *)"bind", NULL };
        char *joined = NULL;
        bool ro = false;

        /* err is optional. */
        ck_assert_int_eq(mountopts_normalize(opts, &joined, &ro, NULL), -EINVAL);
        ck_assert_ptr_null(joined);
}
END_TEST

START_TEST(test_fstype_valid)
{
        static const char *const good[] = { "squashfs", "ext4",           "fuse.sshfs", "9p",
                                            "nfs4",     "fuse.ceph-fuse", "a_b+c" };
        static const char *const bad[] = { "", "SquashFS", "a b", "ext4/", "ext4,ro", "tmp\n" };
        char n32[33], n33[34];

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ck_assert_msg(fstype_is_valid(good[i]), "'%s' should be valid", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(!fstype_is_valid(bad[i]), "'%s' should be invalid", bad[i]);
        ck_assert(!fstype_is_valid(NULL));

        memset(n32, 'a', 32);
        n32[32] = 0;
        ck_assert(fstype_is_valid(n32));
        memset(n33, 'a', 33);
        n33[33] = 0;
        ck_assert(!fstype_is_valid(n33));
}
END_TEST

START_TEST(test_fstype_read_only)
{
        ck_assert(fstype_is_read_only("squashfs"));
        ck_assert(fstype_is_read_only("erofs"));
        ck_assert(fstype_is_read_only("iso9660"));
        ck_assert(fstype_is_read_only("cramfs"));
        ck_assert(!fstype_is_read_only("ext4"));
        ck_assert(!fstype_is_read_only("SQUASHFS"));
        ck_assert(!fstype_is_read_only("squashfs2"));
        ck_assert(!fstype_is_read_only(""));
        ck_assert(!fstype_is_read_only(NULL));
}
END_TEST

static Suite *mountopts_suite(void)
{
        Suite *s = suite_create("mountopts");
        TCase *tc = tcase_create("normalize");

        tcase_add_test(tc, test_empty_lists);
        tcase_add_test(tc, test_ro_rw);
        tcase_add_test(tc, test_dev);
        tcase_add_test(tc, test_comma_splitting);
        tcase_add_test(tc, test_key_value_verbatim);
        tcase_add_test(tc, test_refused);
        tcase_add_test(tc, test_refused_inside_list);
        tcase_add_test(tc, test_empty_option);
        tcase_add_test(tc, test_bad_characters);
        tcase_add_test(tc, test_too_many);
        tcase_add_test(tc, test_too_long);
        tcase_add_test(tc, test_null_err);
        suite_add_tcase(s, tc);

        tc = tcase_create("fstype");
        tcase_add_test(tc, test_fstype_valid);
        tcase_add_test(tc, test_fstype_read_only);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(mountopts_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
