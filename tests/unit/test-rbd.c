/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RBD: the API's rbd object (decode, encode, the secret never coming back), the line
 * written to the kernel, and the krbd path against a fake /sys/bus/rbd whose "kernel"
 * is a thread reading add_single_major and remove_single_major (FIFOs), as
 * bensallen/rbd tests its sysfs driver.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "fake-krbd.h"
#include "harness.h"
#include "imageapi-codec.h"
#include "macro.h"
#include "rbd.h"
#include "store.h"
#include "strv.h"

static const char key[] = "AQBtestkeytestkeytestkeytestkeytestkey==";

static json_t *parse(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);

        ck_assert_msg(j, "bad JSON in test: %s", e.text);
        return j;
}

static int decode(const char *text, struct berth_attach_spec **s, struct berth_error *err)
{
        json_t *j = parse(text);
        int r;

        berth_error_clear(err);
        r = imageapi_decode_attach(j, "", 0, 0, s, err);
        json_decref(j);
        return r;
}

START_TEST(test_decode)
{
        struct berth_attach_spec *s = NULL;
        struct berth_error err = {};
        char *line;

        ck_assert_int_eq(
                decode("{\"kind\":\"rbd\",\"rbd\":{\"monitors\":[\"10.0.0.1\",\"mon.example:3300\","
                       "\"[fd00::1]:6789\"],\"pool\":\"rbd\",\"image\":\"sys.sqsh\",\"options\":{"
                       "\"ro\":true,\"name\":\"kraken\",\"secret\":"
                       "\"AQBtestkeytestkeytestkeytestkeytestkey==\","
                       "\"namespace\":\"ns1\",\"queue_depth\":64,\"nocrc\":true,"
                       "\"ceph_requires_signatures\":true,\"crc\":false}}}",
                       &s, &err),
                0);
        ck_assert_int_eq(s->kind, BERTH_ATTACH_RBD);
        ck_assert_int_eq(strv_length(s->rbd.monitors), 3);
        ck_assert(rbd_spec_read_only(&s->rbd));
        line = krbd_add_line(&s->rbd);
        ck_assert_ptr_nonnull(line);
        /* Every option the kernel knows, by the kernel's names; crc:false is not "crc". */
        ck_assert_str_eq(line, "10.0.0.1,mon.example:3300,[fd00::1]:6789 "
                               "nocrc,cephx_require_signatures,ro,queue_depth=64,name=kraken,"
                               "secret=AQBtestkeytestkeytestkeytestkeytestkey==,_pool_ns=ns1 "
                               "rbd sys.sqsh -");
        erase_and_free(line);
        /* The librbd path cannot set a queue depth, and says so. */
        ck_assert_str_eq(rbd_helper_unsupported(&s->rbd), "queue_depth");
        berth_attach_spec_free(s);
        s = NULL;

        /* Defaults: name admin, the head of the image, read-write. */
        ck_assert_int_eq(decode("{\"rbd\":{\"monitors\":[\"127.0.0.1\"],\"pool\":\"p\","
                                "\"image\":\"i\",\"snapshot\":\"s1\"}}",
                                &s, &err),
                         0);
        line = krbd_add_line(&s->rbd);
        ck_assert_str_eq(line, "127.0.0.1 name=admin p i s1");
        erase_and_free(line);
        ck_assert(rbd_spec_read_only(&s->rbd)); /* a snapshot */
        ck_assert_ptr_null(rbd_helper_unsupported(&s->rbd));
        berth_attach_spec_free(s);
        s = NULL;
}
END_TEST

START_TEST(test_decode_errors)
{
        static const struct {
                const char *body, *msg;
        } bad[] = {
                { "{\"rbd\":{\"pool\":\"p\",\"image\":\"i\"}}", "rbd.monitors is required" },
                { "{\"rbd\":{\"monitors\":[],\"pool\":\"p\",\"image\":\"i\"}}", "rbd.monitors" },
                { "{\"rbd\":{\"monitors\":[\"1.2.3.4:99999\"],\"pool\":\"p\",\"image\":\"i\"}}",
                  "'1.2.3.4:99999' is not a monitor address" },
                { "{\"rbd\":{\"monitors\":[\"fd00::1\"],\"pool\":\"p\",\"image\":\"i\"}}",
                  "is not a monitor address" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"image\":\"i\"}}", "rbd.pool is required" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p x\",\"image\":\"i\"}}",
                  "rbd.pool must not contain spaces" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\",\"options\":"
                  "{\"name\":\"a,secret=x\"}}}",
                  "rbd.options.name must not contain" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\",\"options\":"
                  "{\"ro\":true,\"rw\":true}}}",
                  "'ro' and 'rw' contradict" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\",\"options\":"
                  "{\"bogus\":1}}}",
                  "rbd.options.bogus" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\",\"options\":"
                  "{\"ip\":\"not-an-ip\"}}}",
                  "rbd.options.ip 'not-an-ip' is not an IP address" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\",\"options\":"
                  "{\"mount_timeout\":0}}}",
                  "mount_timeout must be at least 1" },
                { "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\",\"device_id\":3}}",
                  "rbd.device_id" },
                { "{\"kind\":\"rbd\"}", "rbd is required for kind rbd" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct berth_attach_spec *s = NULL;
                struct berth_error err = {};

                ck_assert_msg(decode(bad[i].body, &s, &err) == -EINVAL, "case %zu accepted", i);
                ck_assert_msg(strstr(err.msg, bad[i].msg), "case %zu: '%s' lacks '%s'", i, err.msg,
                              bad[i].msg);
                berth_attach_spec_free(s);
        }
}
END_TEST

/* A wrong secret is named, never shown. */
START_TEST(test_secret_never_echoed)
{
        struct berth_attach_spec *s = NULL;
        struct berth_attach a = {};
        struct berth_error err = {};
        char *text;
        json_t *j;

        ck_assert_int_eq(decode("{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\","
                                "\"options\":{\"secret\":\"s3cr3t key!\"}}}",
                                &s, &err),
                         -EINVAL);
        ck_assert_msg(!strstr(err.msg, "s3cr3t"), "%s", err.msg);
        ck_assert_msg(strstr(err.msg, "rbd.options.secret"), "%s", err.msg);

        ck_assert_int_eq(
                decode("{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"p\",\"image\":\"i\","
                       "\"options\":{\"secret\":\"AQBtestkeytestkeytestkeytestkeytestkey==\"}}}",
                       &s, &err),
                0);
        /* An attachment built from it: its reply has the options, without the key. */
        a.kind = BERTH_ATTACH_RBD;
        ck_assert_int_eq(berth_rbd_spec_copy(&a.rbd.spec, &s->rbd), 0);
        j = berth_rbd_to_json(&a);
        text = json_dumps(j, 0);
        ck_assert_msg(!strstr(text, key) && strstr(text, "\"name\": \"admin\""), "%s", text);
        free(text);
        json_decref(j);
        berth_rbd_spec_clear(&a.rbd.spec);
        berth_attach_spec_free(s);
}
END_TEST

START_TEST(test_decode_v01)
{
        struct berth_attach_spec *as = NULL;
        struct berth_mount_spec *ms = NULL;
        struct berth_error err = {};
        json_t *j;

        /* The seed's body, as it is. */
        j = parse("{\"monitors\":[\"192.168.1.48\"],\"pool\":\"rbd\",\"image\":\"systemd.sqsh\","
                  "\"options\":{\"ro\":true,\"name\":\"admin\",\"secret\":"
                  "\"AQBtestkeytestkeytestkeytestkeytestkey==\"}}");
        ck_assert_int_eq(imageapi_decode_rbd_v01(j, &as, &err), 0);
        ck_assert_str_eq(as->rbd.image, "systemd.sqsh");
        json_decref(j);
        berth_attach_spec_free(as);

        j = parse("{\"id\":0,\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}");
        ck_assert_int_eq(imageapi_decode_mount_rbd_v01(j, &ms, &err), 0);
        ck_assert_int_eq(ms->kind, BERTH_MOUNT_ATTACH);
        ck_assert(ms->attach.attach->is_ref);
        ck_assert_int_eq(ms->attach.attach->ref_id, 0);
        json_decref(j);
        berth_mount_spec_free(ms);

        /* Neither rbd_id nor rbd: rbd_id 0, which a Go client leaves out. */
        j = parse("{\"fs_type\":\"squashfs\"}");
        ck_assert_int_eq(imageapi_decode_mount_rbd_v01(j, &ms, &err), 0);
        ck_assert(ms->attach.attach->is_ref);
        ck_assert_int_eq(ms->attach.attach->ref_id, 0);
        ck_assert_int_eq(ms->attach.attach->kind, BERTH_ATTACH_RBD);
        json_decref(j);
        berth_mount_spec_free(ms);
        ms = NULL;
}
END_TEST

START_TEST(test_monitor_check)
{
        static const char *const good[] = { "10.1.2.3",   "10.1.2.3:6789", "mon-a.example.org",
                                            "mon-a:3300", "[::1]",         "[fd00::5]:6789" };
        static const char *const bad[] = { "",       ":6789", "-x",  "a b", "[::1",
                                           "[zz::]", "::1",   "h:0", "h:",  "[::1]x" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ck_assert_msg(rbd_monitor_check(good[i]) == 0, "%s", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(rbd_monitor_check(bad[i]) < 0, "%s", bad[i]);
}
END_TEST

START_TEST(test_krbd_fake_sysfs)
{
        struct fake_krbd f = { .make_node = true };
        struct berth_attach_spec *s = NULL, *other = NULL;
        struct berth_error err = {};
        char *dev = NULL;
        int id = -1;

        fake_krbd_start(&f);
        ck_assert(krbd_available(f.sys));
        ck_assert_int_eq(decode("{\"rbd\":{\"monitors\":[\"127.0.0.1:6789\"],\"pool\":\"rbd\","
                                "\"image\":\"img\",\"options\":{\"ro\":true,\"secret\":"
                                "\"AQBtestkeytestkeytestkeytestkeytestkey==\"}}}",
                                &s, &err),
                         0);
        ck_assert_int_eq(krbd_find(f.sys, &s->rbd), -ENOENT);
        /* Someone else's mapping of another image takes id 0. */
        f.next_id = 0;
        ck_assert_int_eq(decode("{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"rbd\",\"image\":\"x\"}}",
                                &other, &err),
                         0);
        ck_assert_int_eq(krbd_map(f.sys, f.dev, &other->rbd, 2000, &id, &dev, &err), 0);
        ck_assert_int_eq(id, 0);
        free(dev);
        dev = NULL;

        ck_assert_int_eq(krbd_map(f.sys, f.dev, &s->rbd, 2000, &id, &dev, &err), 0);
        ck_assert_int_eq(id, 1);
        ck_assert_msg(strstr(dev, "/dev/rbd1"), "%s", dev);
        ck_assert_str_eq(f.last_add, "127.0.0.1:6789 ro,name=admin,"
                                     "secret=AQBtestkeytestkeytestkeytestkeytestkey== rbd img -");
        /* Mapped already: found, by image and pool, not by the other one. */
        ck_assert_int_eq(krbd_find(f.sys, &s->rbd), 1);
        ck_assert_int_eq(krbd_unmap(f.sys, 1, false, &err), 0);
        for (int i = 0; i < 200 && krbd_find(f.sys, &s->rbd) >= 0; i++)
                usleep(5000);
        ck_assert_int_eq(krbd_find(f.sys, &s->rbd), -ENOENT);
        free(dev);
        dev = NULL;

        /* No udev and no node: a bounded wait, then the mapping is removed again (here
         * mknod of a block device works as root, so only test the bound without it). */
        if (geteuid() != 0) {
                f.make_node = false;
                ck_assert_int_eq(krbd_map(f.sys, f.dev, &s->rbd, 300, &id, &dev, &err), -ETIMEDOUT);
                for (int i = 0; i < 200 && krbd_find(f.sys, &s->rbd) >= 0; i++)
                        usleep(5000);
                ck_assert_int_eq(krbd_find(f.sys, &s->rbd), -ENOENT);
        }
        ck_assert_int_eq(krbd_unmap(f.sys, 0, true, &err), 0);
        berth_attach_spec_free(s);
        berth_attach_spec_free(other);
        fake_krbd_stop(&f);
}
END_TEST

/* krbd without a secret: the key comes from the Ceph configuration. */
START_TEST(test_key_from_conf)
{
        _cleanup_free_ char *dir = test_tmpdir("berth-cephconf-");
        char conf[600], keyring[600], text[1200], *k = NULL;

        (void)snprintf(conf, sizeof(conf), "%s/ceph.conf", dir);
        (void)snprintf(keyring, sizeof(keyring), "%s/k", dir);
        (void)snprintf(text, sizeof(text),
                       "[global]\n  fsid = x\n  mon host = 127.0.0.1\n[client]\n"
                       "\tkeyring = %s   # ours\n",
                       keyring);
        ck_assert_int_eq(write_file_atomic(conf, text, strlen(text), 0600), 0);
        (void)snprintf(text, sizeof(text),
                       "[client.admin]\n\tkey = AQBadminadminadminadminadminadminadmin==\n"
                       "\tcaps mon = \"allow *\"\n[client.foo]\nkey=AQBfoo\n");
        ck_assert_int_eq(write_file_atomic(keyring, text, strlen(text), 0600), 0);

        ck_assert_int_eq(rbd_key_from_conf(conf, NULL, &k), 0);
        ck_assert_str_eq(k, "AQBadminadminadminadminadminadminadmin==");
        erase_and_free(k);
        ck_assert_int_eq(rbd_key_from_conf(conf, "foo", &k), 0);
        ck_assert_str_eq(k, "AQBfoo");
        erase_and_free(k);
        ck_assert_int_eq(rbd_key_from_conf(conf, "nobody", &k), -ENOKEY);
        ck_assert_int_eq(rbd_key_from_conf("/nonexistent/ceph.conf", NULL, &k), -ENOENT);
        test_rm_rf(dir);
}
END_TEST

static Suite *rbd_suite(void)
{
        Suite *s = suite_create("rbd");
        TCase *tc = tcase_create("rbd");

        tcase_add_test(tc, test_decode);
        tcase_add_test(tc, test_decode_errors);
        tcase_add_test(tc, test_secret_never_echoed);
        tcase_add_test(tc, test_decode_v01);
        tcase_add_test(tc, test_monitor_check);
        tcase_add_test(tc, test_krbd_fake_sysfs);
        tcase_add_test(tc, test_key_from_conf);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(rbd_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
