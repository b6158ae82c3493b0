/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake kernel for /sys/bus/rbd: add_single_major and remove_single_major are FIFOs
 * read by two threads that create and remove devices/<id>/{pool,name,current_snap,
 * major,minor} and <dev>/rbd<id> (a regular file), as the rbd driver and udev would.
 * Used by the unit tests of the krbd path and by the API tests of berthd --sysfs-root.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-krbd.h"
#include "fileio.h"
#include "harness.h"
#include "macro.h"

/* The next write to a bus file (a FIFO): what the kernel would read. */
static bool read_bus(const char *path, char *buf, size_t size)
{
        for (;;) {
                int fd = open(path, O_RDONLY);
                ssize_t n;

                if (fd < 0)
                        return false;
                n = read(fd, buf, size - 1);
                close(fd);
                if (n > 0) {
                        buf[n] = 0;
                        return true;
                }
        }
}

static void *fake_add(void *userdata)
{
        struct fake_krbd *f = userdata;
        char p[700], buf[1024];

        (void)snprintf(p, sizeof(p), "%s/bus/rbd/add_single_major", f->sys);
        while (read_bus(p, buf, sizeof(buf))) {
                char mons[256], opts[700], pool[64], image[64], snap[64];

                memcpy(f->last_add, buf, strlen(buf) + 1);
                if (sscanf(buf, "%255s %699s %63s %63s %63s", mons, opts, pool, image, snap) != 5)
                        continue;
                {
                        char d[800], v[800];
                        int id = f->next_id++;
                        (void)snprintf(d, sizeof(d), "%s/bus/rbd/devices/%d", f->sys, id);
                        (void)mkdir_p(d, 0755);
                        (void)snprintf(v, sizeof(v), "%s/pool", d);
                        ck_assert_int_eq(write_file_atomic(v, pool, strlen(pool), 0644), 0);
                        (void)snprintf(v, sizeof(v), "%s/name", d);
                        ck_assert_int_eq(write_file_atomic(v, image, strlen(image), 0644), 0);
                        (void)snprintf(v, sizeof(v), "%s/current_snap", d);
                        ck_assert_int_eq(write_file_atomic(v, snap, strlen(snap), 0644), 0);
                        (void)snprintf(v, sizeof(v), "%s/major", d);
                        ck_assert_int_eq(write_file_atomic(v, "252", 3, 0644), 0);
                        (void)snprintf(v, sizeof(v), "%s/minor", d);
                        ck_assert_int_eq(write_file_atomic(v, "0", 1, 0644), 0);
                        if (f->make_node) {
                                (void)snprintf(v, sizeof(v), "%s/rbd%d", f->dev, id);
                                ck_assert_int_eq(write_file_atomic(v, "", 0, 0644), 0);
                        }
                }
        }
        return NULL;
}

static void *fake_del(void *userdata)
{
        struct fake_krbd *f = userdata;
        char p[700], buf[64];

        (void)snprintf(p, sizeof(p), "%s/bus/rbd/remove_single_major", f->sys);
        while (read_bus(p, buf, sizeof(buf))) {
                char d[800];
                int id = atoi(buf);

                (void)snprintf(d, sizeof(d), "%s/bus/rbd/devices/%d", f->sys, id);
                (void)rm_rf_physical(d);
                (void)snprintf(d, sizeof(d), "%s/rbd%d", f->dev, id);
                (void)unlink(d);
        }
        return NULL;
}

void fake_krbd_start(struct fake_krbd *f)
{
        char p[700];

        f->root = test_tmpdir("berth-fakesys-");
        (void)snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
        (void)snprintf(f->dev, sizeof(f->dev), "%s/dev", f->root);
        (void)snprintf(p, sizeof(p), "%s/bus/rbd/devices", f->sys);
        ck_assert_int_eq(mkdir_p(p, 0755), 0);
        ck_assert_int_eq(mkdir_p(f->dev, 0755), 0);
        (void)snprintf(p, sizeof(p), "%s/bus/rbd/add_single_major", f->sys);
        ck_assert_int_eq(mkfifo(p, 0600), 0);
        (void)snprintf(p, sizeof(p), "%s/bus/rbd/remove_single_major", f->sys);
        ck_assert_int_eq(mkfifo(p, 0600), 0);
        ck_assert_int_eq(pthread_create(&f->add, NULL, fake_add, f), 0);
        ck_assert_int_eq(pthread_create(&f->del, NULL, fake_del, f), 0);
}

void fake_krbd_stop(struct fake_krbd *f)
{
        /* The readers block in open() or read(), both cancellation points. */
        pthread_cancel(f->add);
        pthread_cancel(f->del);
        pthread_join(f->add, NULL);
        pthread_join(f->del, NULL);
        test_rm_rf(f->root);
        free(f->root);
}
