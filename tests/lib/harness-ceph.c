/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A throw-away Ceph cluster for tests (contrib/ceph-cluster.sh): started in a directory
 * of the test run, or the suite's when BERTH_TEST_CEPH_DIR names one that is up (the
 * script finds it and prints its keys again), so that test programs can share one.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "macro.h"

static const char *ceph_script(void)
{
        static char p[512];
        const char *src = getenv("BERTH_SRCDIR");

        (void)snprintf(p, sizeof(p), "%s/contrib/ceph-cluster.sh", src ? src : ".");
        return p;
}

/* KEY='value' lines from ceph-cluster.sh start. */
static void env_value(const char *text, const char *key, char *buf, size_t size)
{
        char needle[64];
        const char *p;
        size_t n;

        (void)snprintf(needle, sizeof(needle), "%s='", key);
        p = strstr(text, needle);
        ck_assert_msg(p && (p == text || p[-1] == '\n'), "%s missing in: %s", key, text);
        p += strlen(needle);
        n = strcspn(p, "'");
        ck_assert(n < size);
        memcpy(buf, p, n);
        buf[n] = 0;
}

void test_ceph_start(struct test_ceph *c, const char *work)
{
        const char *shared = getenv("BERTH_TEST_CEPH_DIR");
        _cleanup_free_ char *out = NULL;
        int r;

        memset(c, 0, sizeof(*c));
        c->owned = !shared || !shared[0];
        if (c->owned)
                (void)snprintf(c->dir, sizeof(c->dir), "%s/ceph", work);
        else
                (void)snprintf(c->dir, sizeof(c->dir), "%s", shared);
        r = test_run_output((const char *[]){ ceph_script(), "start", c->dir, NULL }, false, &out);
        ck_assert_msg(r == 0, "ceph-cluster.sh start %s failed (%d)", c->dir, r);
        env_value(out, "CEPH_MON", c->mon, sizeof(c->mon));
        env_value(out, "CEPH_ADMIN_KEY", c->admin_key, sizeof(c->admin_key));
        env_value(out, "CEPH_CLIENT", c->client, sizeof(c->client));
        env_value(out, "CEPH_CLIENT_KEY", c->client_key, sizeof(c->client_key));
        env_value(out, "CEPH_CONF", c->conf, sizeof(c->conf));
}

void test_ceph_import(const struct test_ceph *c, const char *file, const char *image)
{
        ck_assert_int_eq(
                test_run((const char *[]){ ceph_script(), "import", c->dir, file, image, NULL }),
                0);
}

void test_ceph_stop(struct test_ceph *c)
{
        pid_t pid;
        int status;

        /* No ck_* here: also called from main() after a failed start. */
        if (!c->dir[0] || !c->owned)
                return;
        pid = fork();
        if (pid == 0) {
                execl(ceph_script(), "ceph-cluster.sh", "stop", c->dir, (char *)NULL);
                _exit(127);
        }
        if (pid > 0)
                (void)waitpid(pid, &status, 0);
        c->dir[0] = 0;
}
