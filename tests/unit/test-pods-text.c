/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * src/api/pods/pods-text.c and pods-config.c: the seed's CLI text byte for byte (its
 * inspect, log and pause examples), the tables against what python3-texttable 1.6 prints
 * with docker-compose 1.29's settings, and /pod/config on a fake mountinfo file and
 * temporary directories. No root, no engine.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "harness.h"
#include "macro.h"
#include "pods-config.h"
#include "pods-text.h"
#include "strbuf.h"

#define assert_text(b, want)                               \
        do {                                               \
                ck_assert(!(b)->oom);                      \
                ck_assert_ptr_nonnull((b)->p);             \
                ck_assert_str_eq((b)->p, (want));          \
                ck_assert_uint_eq((b)->len, strlen(want)); \
        } while (0)

/* ---- the seed's examples ------------------------------------------------------------ */

START_TEST(test_seed_ps)
{
        /* GET /pod/od-pod-my_folding_at_home/inspect, container_status. */
        struct pods_ps_row row = { "foldingathome", "/init", "Up", "" };
        struct strbuf b = {};

        pods_text_ps(&b, &row, 1);
        assert_text(&b, "    Name        Command   State   Ports\n"
                        "---------------------------------------\n"
                        "foldingathome   /init     Up           \n");
        strbuf_wipe(&b);
}
END_TEST

START_TEST(test_seed_top)
{
        /* The same reply, running_processes: Docker's /top of the container. */
        static const char *want =
                "foldingathome\n  UID      PID    PPID   C   STIME   TTY     TIME               "
                "                                          CMD                                    "
                "                 \n-----------------------------------------------------------"
                "--------------------------------------------------------------------------------"
                "-----------------------\nroot       9116   9092   0   Sep17   ?     00:00:00   s6"
                "-svscan -t0 /var/run/s6/services                                                  "
                "                        \nroot       9198   9116   0   Sep17   ?     00:00:00   s"
                "6-supervise s6-fdholderd                                                          "
                "                         \nroot       9656   9116   0   Sep17   ?     00:00:00   "
                "s6-supervise foldingathome                                                        "
                "                          \nhasShell   9659   9656   0   Sep17   ?     00:22:10   "
                "/app/usr/bin/FAHClient --http-addresses 0.0.0.0:7396 --allow 0/0 --web-allow 0/0 "
                "--command-allow-no-pass 0/0\n";
        json_auto_t *top = json_pack(
                "{s:[s,s,s,s,s,s,s,s], s:[[s,s,s,s,s,s,s,s], [s,s,s,s,s,s,s,s], "
                "[s,s,s,s,s,s,s,s], [s,s,s,s,s,s,s,s]]}",
                "Titles", "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD", "Processes",
                "root", "9116", "9092", "0", "Sep17", "?", "00:00:00",
                "s6-svscan -t0 /var/run/s6/services", "root", "9198", "9116", "0", "Sep17", "?",
                "00:00:00", "s6-supervise s6-fdholderd", "root", "9656", "9116", "0", "Sep17", "?",
                "00:00:00", "s6-supervise foldingathome", "hasShell", "9659", "9656", "0", "Sep17",
                "?", "00:22:10",
                "/app/usr/bin/FAHClient --http-addresses 0.0.0.0:7396 --allow 0/0 --web-allow 0/0 "
                "--command-allow-no-pass 0/0");
        struct strbuf b = {};

        ck_assert_ptr_nonnull(top);
        ck_assert_int_eq(pods_text_top(&b, "foldingathome", top), 0);
        assert_text(&b, want);
        strbuf_wipe(&b);
}
END_TEST

START_TEST(test_top_refused)
{
        json_auto_t *no_titles = json_pack("{s:[]}", "Processes");
        json_auto_t *bad_row = json_pack("{s:[s], s:[s]}", "Titles", "PID", "Processes", "1");
        json_auto_t *bad_cell = json_pack("{s:[s], s:[[i]]}", "Titles", "PID", "Processes", 1);
        json_auto_t *empty = json_pack("{s:[s,s], s:[]}", "Titles", "PID", "CMD", "Processes");
        struct strbuf b = {};

        ck_assert_int_eq(pods_text_top(&b, "c", no_titles), -EINVAL);
        ck_assert_int_eq(pods_text_top(&b, "c", bad_row), -EINVAL);
        ck_assert_int_eq(pods_text_top(&b, "c", bad_cell), -EINVAL);
        ck_assert_ptr_null(b.p);
        ck_assert_int_eq(pods_text_top(&b, "c", empty), 0);
        assert_text(&b, "c\nPID   CMD\n---------\n");
        strbuf_wipe(&b);
}
END_TEST

START_TEST(test_seed_log)
{
        /* GET /pod/od-pod-my_folding_at_home/log: the recipe's service is folding_at_home,
         * its container_name foldingathome; compose pads to the longest service + 3. */
        static const char *lines[] = {
                "[s6-init] making user provided files available at /var/run/s6/etc...exited 0.",
                "",
                "         | |  ___   _    __",
                "         | | / __| | |  /  \\ ",
        };
        static const char *want =
                "Attaching to foldingathome\nfoldingathome      | [s6-init] making user provided "
                "files available at /var/run/s6/etc...exited 0.\nfoldingathome      | \n"
                "foldingathome      |          | |  ___   _    __\nfoldingathome      |          | "
                "| / __| | |  /  \\ \n";
        const char *services[] = { "folding_at_home" }, *names[] = { "foldingathome" };
        _cleanup_free_ char *label = NULL;
        struct strbuf b = {};
        size_t w;

        label = pods_text_log_label("od-pod-my_folding_at_home", "folding_at_home",
                                    "foldingathome");
        ck_assert_str_eq(label, "foldingathome");
        w = pods_text_log_width(services, 1);
        ck_assert_uint_eq(w, 18);
        pods_text_attaching(&b, names, 1);
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                pods_text_log_prefix(&b, label, w);
                strbuf_printf(&b, "%s\n", lines[i]);
        }
        assert_text(&b, want);
        strbuf_wipe(&b);
}
END_TEST

START_TEST(test_log_labels)
{
        const char *services[] = { "web", "db", "a-longer-one" }, *names[] = { "p_web_1", "x" };
        _cleanup_free_ char *l1 = NULL, *l2 = NULL, *l3 = NULL;
        struct strbuf b = {};

        /* Compose's name_without_project: "<service>_<number>" for its own names. */
        l1 = pods_text_log_label("od-pod-p", "web", "od-pod-p_web_1");
        l2 = pods_text_log_label("od-pod-p", "web", "od-pod-pweb_1");
        l3 = pods_text_log_label("od-pod-p", "web", "od-pod-p_db_1");
        ck_assert_str_eq(l1, "web_1");
        ck_assert_str_eq(l2, "od-pod-pweb_1");
        ck_assert_str_eq(l3, "od-pod-p_db_1");
        ck_assert_uint_eq(pods_text_log_width(services, 3), 15);
        ck_assert_uint_eq(pods_text_log_width(NULL, 0), 3);
        pods_text_log_prefix(&b, l1, 8);
        pods_text_log_prefix(&b, "a-label-over-the-width", 8);
        pods_text_attaching(&b, names, 2);
        pods_text_attaching(&b, NULL, 0);
        assert_text(&b, "web_1    | a-label-over-the-width | Attaching to p_web_1, x\n"
                        "Attaching to \n");
        strbuf_wipe(&b);
}
END_TEST

static void steps_text(const char *verb, struct pods_step *s, size_t n, const char *want)
{
        struct strbuf b = {};

        pods_text_steps(&b, verb, s, n);
        assert_text(&b, want);
        strbuf_wipe(&b);
}

START_TEST(test_seed_steps)
{
        struct pods_step s = { .container = (char *)"od-pod-hello-site_my-website_1" };

        /* The seed's pause and kill replies; its unpause example says "Pausing" in the
         * second half, which compose never prints. */
        steps_text("Pausing", &s, 1,
                   "Pausing od-pod-hello-site_my-website_1 ... \r\n\rPausing "
                   "od-pod-hello-site_my-website_1 ... done\r");
        steps_text("Killing", &s, 1,
                   "Killing od-pod-hello-site_my-website_1 ... \r\n\rKilling "
                   "od-pod-hello-site_my-website_1 ... done\r");
        steps_text("Unpausing", &s, 1,
                   "Unpausing od-pod-hello-site_my-website_1 ... \r\n\rUnpausing "
                   "od-pod-hello-site_my-website_1 ... done\r");
}
END_TEST

START_TEST(test_steps_many)
{
        struct pods_step s[] = {
                { .container = (char *)"p_web_1" },
                { .container = (char *)"p_database_1", .error = (char *)"cannot pause: gone" },
        };

        /* compose/parallel.py: names padded to the longest "<verb> <name>", the first
         * lines at once, then each as it ends, then the errors. */
        steps_text("Pausing", s, 2,
                   "Pausing p_web_1      ... \r\n"
                   "Pausing p_database_1 ... \r\n"
                   "\rPausing p_web_1      ... done\r"
                   "\rPausing p_database_1 ... error\r"
                   "\nERROR: for p_database_1  cannot pause: gone\n");
        steps_text("Pausing", NULL, 0, "");
}
END_TEST

START_TEST(test_down)
{
        const char *stopped[] = { "p_web_1" }, *removed[] = { "p_web_1", "p_db_1" };
        struct strbuf b = {};

        pods_text_down(&b, stopped, 1, removed, 2);
        assert_text(&b, "Stopping p_web_1 ... done\n"
                        "Removing p_web_1 ... done\n"
                        "Removing p_db_1  ... done\n");
        strbuf_wipe(&b);
        pods_text_down(&b, NULL, 0, NULL, 0);
        assert_text(&b, "");
        strbuf_wipe(&b);
}
END_TEST

/* ---- tables, columns ------------------------------------------------------------- */

START_TEST(test_table_texttable)
{
        /* What texttable 1.6 prints for these rows (python3 -c with compose's
         * Formatter.table settings). */
        static const char *headers[] = { "Name", "Command", "State", "Ports" };
        static const char *cells[] = {
                "od-pod-web_db_1",
                "docker-entrypoint.sh postgres",
                "Up (healthy)",
                "0.0.0.0:5432->5432/tcp",
                "od-pod-web_app_1",
                "/bin/sh -c httpd -f -p 3000 ...",
                "Exit 137",
                "",
                "x",
                NULL,
                "Paused",
                "3000/tcp, 127.0.0.1:3001->3001/tcp",
        };
        static const char *want =
                "      Name                     Command                  State                   "
                "  Ports               \n-------------------------------------------------------"
                "-----------------------------------------------\nod-pod-web_db_1    docker-entryp"
                "oint.sh postgres     Up (healthy)   0.0.0.0:5432->5432/tcp            \nod-pod-web"
                "_app_1   /bin/sh -c httpd -f -p 3000 ...   Exit 137                              "
                "           \nx                                                    Paused         "
                "30"
                "00/tcp, 127.0.0.1:3001->3001/tcp\n";
        static const char *h2[] = { "UID", "PID", "CMD" };
        /* Blank cells print empty, trailing blanks go (the width keeps them). */
        static const char *c2[] = { "root", "1", "sleep 1  ", "daemon", "23", "  " };
        struct strbuf b = {};

        pods_text_table(&b, headers, 4, cells, 3);
        assert_text(&b, want);
        strbuf_wipe(&b);
        pods_text_table(&b, h2, 3, c2, 2);
        assert_text(&b, " UID     PID      CMD   \n------------------------\n"
                        "root     1     sleep 1  \ndaemon   23             \n");
        strbuf_wipe(&b);
        pods_text_table(&b, headers, 1, NULL, 0);
        assert_text(&b, "Name\n----\n");
        strbuf_wipe(&b);
}
END_TEST

START_TEST(test_table_cells)
{
        static const char *h[] = { "N" };
        static const char *c[] = { "a\tb\nc", "\xc3\xa9t\xc3\xa9" };
        struct pods_ps_row rows[] = {
                { "od-pod-p_web_1", "httpd", "Up", "" },
                { "od-pod-p_app_1", "sh", "Exit 0", "" },
        };
        struct strbuf b = {};

        /* Control characters print as spaces; widths count code points ("été" is 3). */
        pods_text_table(&b, h, 1, c, 2);
        assert_text(&b, "  N  \n-----\na b c\n\xc3\xa9t\xc3\xa9  \n");
        strbuf_wipe(&b);
        /* ps sorts by name, as compose does. */
        pods_text_ps(&b, rows, 2);
        assert_text(&b, "     Name        Command   State    Ports\n"
                        "-----------------------------------------\n"
                        "od-pod-p_app_1   sh        Exit 0        \n"
                        "od-pod-p_web_1   httpd     Up            \n");
        strbuf_wipe(&b);
}
END_TEST

START_TEST(test_command)
{
        char *ep[] = { (char *)"/bin/sh", (char *)"-c", NULL };
        char *args[] = { (char *)"httpd -f -p 3000 -h /www", NULL };
        char *shorter[] = { (char *)"/init", NULL };
        /* 31 code points, "é" two bytes each. */
        char *wide[] = { (char *)"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                 "abcdefghijklmnopqrstuvwxyz",
                         NULL };
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

        a = pods_text_command(ep, args);
        b = pods_text_command(NULL, shorter);
        c = pods_text_command(NULL, NULL);
        d = pods_text_command(wide, NULL);
        e = pods_text_command(ep, NULL);
        /* compose: over 30 characters, '%s ...' % command[:26]. */
        ck_assert_str_eq(a, "/bin/sh -c httpd -f -p 300 ...");
        ck_assert_str_eq(b, "/init");
        ck_assert_str_eq(c, "");
        ck_assert_str_eq(d, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                            "abcdefghijklmnopqrstu ...");
        ck_assert_str_eq(e, "/bin/sh -c");
}
END_TEST

START_TEST(test_state)
{
        char buf[64];
        struct pods_state_in in = { .state = BERTH_CONTAINER_RUNNING, .exit_code = -1 };

        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Up");
        in.health = "healthy";
        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Up (healthy)");
        in.health = "starting";
        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Up (health: starting)");
        in.state = BERTH_CONTAINER_PAUSED;
        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Paused");
        in = (struct pods_state_in){ .state = BERTH_CONTAINER_EXITED, .exit_code = 3 };
        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Exit 3");
        in.restarting = true;
        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Restarting");
        in = (struct pods_state_in){ .state = BERTH_CONTAINER_EXITED,
                                     .exit_code = -1,
                                     .signal = 9 };
        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Exit 137");
        in = (struct pods_state_in){ .state = BERTH_CONTAINER_CREATED, .exit_code = -1 };
        ck_assert_str_eq(pods_text_state(&in, buf, sizeof(buf)), "Exit 0");
}
END_TEST

START_TEST(test_ports)
{
        struct pods_port p[] = {
                { "127.0.0.1", 3001, 3000, "tcp" },
                { NULL, 0, 80, NULL },
                { "::", 3001, 3000, "tcp" },
                { "0.0.0.0", 5353, 53, "udp" },
        };
        _cleanup_free_ char *a = NULL, *none = NULL;

        /* Sorted as the strings "3000/tcp" < "53/udp" < "80/tcp"; one port's bindings
         * joined by ",", ports by ", ". */
        a = pods_text_ports(p, ELEMENTSOF(p));
        ck_assert_str_eq(a, "127.0.0.1:3001->3000/tcp,:::3001->3000/tcp, "
                            "0.0.0.0:5353->53/udp, 80/tcp");
        none = pods_text_ports(NULL, 0);
        ck_assert_str_eq(none, "");
}
END_TEST

START_TEST(test_utf8)
{
        static const char in[] = "ok \xc3\xa9 \xff x\xc3 \xed\xa0\x80 \xf0\x9f\x98\x80";
        _cleanup_free_ char *out = NULL, *nul = NULL;
        size_t len = 0;

        out = pods_text_utf8(in, sizeof(in) - 1, &len);
        /* A stray byte, a cut sequence, a surrogate (3 bytes, each refused): U+FFFD each. */
        ck_assert_str_eq(out, "ok \xc3\xa9 \xef\xbf\xbd x\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"
                              "\xef\xbf\xbd \xf0\x9f\x98\x80");
        ck_assert_uint_eq(len, strlen(out));
        nul = pods_text_utf8("a\0b", 3, &len);
        ck_assert_str_eq(nul, "a\xef\xbf\xbd"
                              "b");
        ck_assert_uint_eq(len, 5);
}
END_TEST

START_TEST(test_check_keys)
{
        static const char *const allowed[] = { "fileContents", "recipes", NULL };
        static const char *const none[] = { NULL };
        json_auto_t *ok = json_pack("{s:{}, s:[]}", "fileContents", "recipes");
        json_auto_t *bad = json_pack("{s:{}, s:i, s:i}", "fileContents", "x", 1, "y", 2);
        json_auto_t *empty = json_object();
        json_auto_t *arr = json_array();
        struct berth_error err = {};

        ck_assert_int_eq(pods_check_keys(ok, "the body", allowed, &err), 0);
        ck_assert_int_eq(pods_check_keys(empty, "the body", none, &err), 0);
        ck_assert_int_eq(pods_check_keys(bad, "the body", allowed, &err), -EINVAL);
        ck_assert_str_eq(err.msg,
                         "unknown keys in the body: 'x', 'y' (allowed: fileContents, recipes)");
        ck_assert_int_eq(pods_check_keys(ok, "the body", none, &err), -EINVAL);
        ck_assert_str_eq(err.msg,
                         "unknown keys in the body: 'fileContents', 'recipes' (allowed: none)");
        ck_assert_int_eq(pods_check_keys(arr, "the body", allowed, &err), -EINVAL);
        ck_assert_str_eq(err.msg, "the body must be a JSON object");
}
END_TEST

/* ---- /pod/config ------------------------------------------------------------------ */

/* A base directory per TCase, made and removed by an unchecked fixture in the parent
 * (it goes away even when a forked test fails); each test works in a fresh
 * subdirectory of it, dir. */
static char base[256], dir[300];

static void base_setup(void)
{
        const char *t = getenv("TMPDIR");

        (void)snprintf(base, sizeof(base), "%s/berth-test-pods-text-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(base));
}

static void base_teardown(void)
{
        (void)rm_rf_physical(base);
}

static void dir_setup(void)
{
        (void)snprintf(dir, sizeof(dir), "%s/tXXXXXX", base);
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static char *path_in(const char *name)
{
        char *p;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        return p;
}

static void put_file(const char *path, const char *text)
{
        ck_assert_int_eq(write_file_atomic(path, text, strlen(text), 0644), 0);
}

/* A mountinfo as a ZFS host has it, the pod data root on a dataset of its own, with an
 * escaped space, a mount stacked on another, and one below the data root. */
static const char mountinfo[] =
        "22 1 0:21 / / rw,relatime shared:1 - zfs rpool/ROOT/debian rw,xattr,noacl\n"
        "40 22 0:35 / /usr/share/canteen/data rw,noatime shared:20 - zfs Pool1/MyPodData "
        "rw,xattr,posixacl\n"
        "41 22 0:36 / /usr/share/canteen/data rw,noatime,nodev shared:21 - zfs Pool1/Top "
        "rw,xattr,posixacl,mand\n"
        "42 41 0:37 / /usr/share/canteen/data/other rw shared:22 - tmpfs tmpfs rw,size=1024k\n"
        "43 22 0:38 / /mnt/with\\040space rw - ext4 /dev/sdb1 rw,errors=remount-ro\n";

START_TEST(test_mount_of)
{
        _cleanup_free_ char *mi = path_in("mountinfo");
        json_auto_t *m = NULL, *root = NULL, *sp = NULL, *want_opts = NULL;
        struct berth_error err = {};

        put_file(mi, mountinfo);
        ck_assert_int_eq(pods_config_mount_of(mi, "/usr/share/canteen/data/od-pod-x/web", &m, &err),
                         0);
        /* The last mount on the longest prefix: the one on top. */
        want_opts = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "rw", 1, "noatime", 1, "nodev", 1,
                              "xattr", 1, "posixacl", 1, "mand", 1);
        ck_assert_str_eq(json_string_value(json_object_get(m, "source")), "Pool1/Top");
        ck_assert_str_eq(json_string_value(json_object_get(m, "mountpoint")),
                         "/usr/share/canteen/data");
        ck_assert_str_eq(json_string_value(json_object_get(m, "type")), "zfs");
        ck_assert(json_equal(json_object_get(m, "options"), want_opts));
        ck_assert_int_eq(json_integer_value(json_object_get(m, "fs_freq")), 0);
        ck_assert(json_is_integer(json_object_get(m, "fs_passno")));
        ck_assert_uint_eq(json_object_size(m), 6);

        /* A prefix of a name is not a parent: /usr/share/canteen/database is on "/". */
        ck_assert_int_eq(pods_config_mount_of(mi, "/usr/share/canteen/database", &root, &err), 0);
        ck_assert_str_eq(json_string_value(json_object_get(root, "mountpoint")), "/");
        ck_assert_str_eq(json_string_value(json_object_get(root, "source")), "rpool/ROOT/debian");
        ck_assert_int_eq(pods_config_mount_of(mi, "/mnt/with space/x", &sp, &err), 0);
        ck_assert_str_eq(json_string_value(json_object_get(sp, "mountpoint")), "/mnt/with space");
        ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(sp, "options"), "errors")),
                "remount-ro");
}
END_TEST

START_TEST(test_mount_of_missing)
{
        _cleanup_free_ char *mi = path_in("none");
        json_t *m = NULL;
        struct berth_error err = {};

        ck_assert_int_lt(pods_config_mount_of(mi, "/x", &m, &err), 0);
        ck_assert_ptr_null(m);
        ck_assert_ptr_nonnull(strstr(err.msg, mi));
}
END_TEST

START_TEST(test_options)
{
        json_auto_t *o = pods_config_options("rw,noatime", "rw,size=10k,mode=755");
        json_auto_t *want = json_pack("{s:b, s:b, s:s, s:s}", "rw", 1, "noatime", 1, "size", "10k",
                                      "mode", "755");
        json_auto_t *empty = pods_config_options(NULL, NULL);

        ck_assert(json_equal(o, want));
        ck_assert_uint_eq(json_object_size(empty), 0);
}
END_TEST

START_TEST(test_resolve)
{
        _cleanup_free_ char *real = NULL, *link = NULL, *a = NULL, *b = NULL, *c = NULL,
                            *want = NULL, *root = NULL, *rel = NULL;

        real = path_in("real");
        link = path_in("link");
        ck_assert_int_eq(mkdir(real, 0755), 0);
        ck_assert_int_eq(symlink(real, link), 0);
        /* The link resolved, the part that does not exist kept, "." and ".." gone. */
        ck_assert_int_ge(asprintf(&a, "%s//./x/../link/not/there/", dir), 0);
        ck_assert_int_eq(pods_config_resolve(a, &b), 0);
        c = realpath(real, NULL);
        ck_assert_ptr_nonnull(c);
        ck_assert_int_ge(asprintf(&want, "%s/not/there", c), 0);
        ck_assert_str_eq(b, want);
        ck_assert_int_eq(pods_config_resolve("/../", &root), 0);
        ck_assert_str_eq(root, "/");
        ck_assert_int_eq(pods_config_resolve("relative/path", &rel), -EINVAL);
}
END_TEST

START_TEST(test_daemon_json_check)
{
        /* The seed's POST /pod/config body. */
        json_auto_t *seed =
                json_pack("{s:s, s:s, s:[s]}", "data-root", "/usr/share/docker", "storage-driver",
                          "zfs", "storage-opts", "zfs.fsname=Pool1/myDockerImages");
        json_auto_t *unknown =
                json_pack("{s:s, s:b, s:i}", "data-root", "/d", "data_root", 1, "storage-opt", 2);
        json_auto_t *wrong = json_pack("{s:s, s:s}", "data-root", "/d", "live-restore", "yes");
        json_auto_t *strv = json_pack("{s:[s,i]}", "dns", "1.1.1.1", 8);
        json_auto_t *pools =
                json_pack("{s:[{s:s, s:i}], s:i, s:{s:s}}", "default-address-pools", "base",
                          "10.10.0.0/16", "size", 24, "mtu", 1400, "log-opts", "max-size", "10m");
        json_auto_t *arr = json_array();
        struct berth_error err = {};

        ck_assert_int_eq(pods_config_check_daemon_json(seed, &err), 0);
        ck_assert_int_eq(pods_config_check_daemon_json(pools, &err), 0);
        ck_assert_int_eq(pods_config_check_daemon_json(unknown, &err), -EINVAL);
        ck_assert_ptr_nonnull(
                strstr(err.msg, "unknown daemon.json keys 'data_root', 'storage-opt'"));
        ck_assert_int_eq(pods_config_check_daemon_json(wrong, &err), -EINVAL);
        ck_assert_str_eq(err.msg, "configJson.live-restore must be true or false");
        ck_assert_int_eq(pods_config_check_daemon_json(strv, &err), -EINVAL);
        ck_assert_str_eq(err.msg, "configJson.dns must be an array of strings");
        ck_assert_int_eq(pods_config_check_daemon_json(arr, &err), -EINVAL);
}
END_TEST

START_TEST(test_daemon_json_rw)
{
        _cleanup_free_ char *p = path_in("daemon.json"), *text = NULL, *missing = NULL,
                            *target = path_in("managed.json"), *link = path_in("link.json");
        json_auto_t *j = json_pack("{s:s, s:[s]}", "data-root", "/d", "storage-opts", "a=b");
        json_auto_t *empty = NULL, *back = NULL, *bad = NULL;
        struct berth_error err = {};
        struct stat st;
        size_t len;

        /* No file: {}. An empty one too, as dockerd reads it. */
        ck_assert_int_eq(pods_config_read_daemon_json(p, &empty, &err), 0);
        ck_assert_uint_eq(json_object_size(empty), 0);
        ck_assert_int_eq(pods_config_write_daemon_json(p, j, &err), 1);
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);
        ck_assert_int_eq(read_file(p, 4096, &text, &len), 0);
        ck_assert_str_eq(text, "{\n  \"data-root\": \"/d\",\n  \"storage-opts\": [\n    \"a=b\"\n"
                               "  ]\n}\n");
        ck_assert_int_eq(pods_config_read_daemon_json(p, &back, &err), 0);
        ck_assert(json_equal(back, j));
        /* The same JSON again: nothing written, no restart needed. */
        ck_assert_int_eq(pods_config_write_daemon_json(p, j, &err), 0);
        /* No temporary file left beside it. */
        ck_assert_int_eq(test_count_dir_entries(dir), 1);

        put_file(p, "{\"a\": ");
        ck_assert_int_eq(pods_config_read_daemon_json(p, &bad, &err), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(err.msg, p));
        /* An invalid file is replaced. */
        ck_assert_int_eq(pods_config_write_daemon_json(p, j, &err), 1);

        /* A symlink stays one; its target gets the text. */
        put_file(target, "{}");
        ck_assert_int_eq(symlink(target, link), 0);
        ck_assert_int_eq(pods_config_write_daemon_json(link, j, &err), 1);
        ck_assert_int_eq(lstat(link, &st), 0);
        ck_assert(S_ISLNK(st.st_mode));

        /* Its directory is not made. */
        ck_assert_int_ge(asprintf(&missing, "%s/etc-docker/daemon.json", dir), 0);
        ck_assert_int_eq(pods_config_write_daemon_json(missing, j, &err), -ENOENT);
        ck_assert_ptr_nonnull(strstr(err.msg, "does not exist"));
        ck_assert_int_eq(access(missing, F_OK), -1);
}
END_TEST

static Suite *pods_text_suite(void)
{
        Suite *s = suite_create("pods-text");
        TCase *tc;

        tc = tcase_create("seed");
        tcase_add_test(tc, test_seed_ps);
        tcase_add_test(tc, test_seed_top);
        tcase_add_test(tc, test_seed_log);
        tcase_add_test(tc, test_seed_steps);
        suite_add_tcase(s, tc);

        tc = tcase_create("text");
        tcase_add_test(tc, test_top_refused);
        tcase_add_test(tc, test_log_labels);
        tcase_add_test(tc, test_steps_many);
        tcase_add_test(tc, test_down);
        tcase_add_test(tc, test_table_texttable);
        tcase_add_test(tc, test_table_cells);
        tcase_add_test(tc, test_command);
        tcase_add_test(tc, test_state);
        tcase_add_test(tc, test_ports);
        tcase_add_test(tc, test_utf8);
        tcase_add_test(tc, test_check_keys);
        suite_add_tcase(s, tc);

        tc = tcase_create("config");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_test(tc, test_mount_of);
        tcase_add_test(tc, test_mount_of_missing);
        tcase_add_test(tc, test_options);
        tcase_add_test(tc, test_resolve);
        tcase_add_test(tc, test_daemon_json_check);
        tcase_add_test(tc, test_daemon_json_rw);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(pods_text_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
