/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test harness: the SRC apps door of a berthd under test (seed 001): requests to its
 * verbs and what they must answer, and what its tests need before they run (the image
 * apps are made of, a file for an option). The requests run in tests (ck_* calls); the
 * rest runs in main() (no ck_* call there).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "error.h"
#include "harness.h"
#include "macro.h"

void test_src_call(const struct test_berthd *t, const char *method, const char *path,
                   const char *const *headers, long want, const char *needle, json_t **ret)
{
        struct test_reply r;

        test_http_headers(t, method, path, NULL, headers, &r);
        ck_assert_msg(r.status == want, "%s %s: want %ld, got %ld: %s", method, path, want,
                      r.status, r.body ? r.body : "");
        if (want >= 400)
                test_assert_error(&r, want, needle);
        else if (needle)
                ck_assert_msg(r.body && strstr(r.body, needle), "%s %s: '%s' not in %s", method,
                              path, needle, r.body ? r.body : "");
        if (ret)
                *ret = json_incref(r.json);
        test_reply_done(&r);
}

void test_src_post_ok(const struct test_berthd *t, const char *path, const char *const *headers)
{
        json_auto_t *j = NULL;

        test_src_call(t, "POST", path, headers, 200, NULL, &j);
        ck_assert_msg(json_is_string(j) && streq(json_string_value(j), "Success"),
                      "POST %s: not \"Success\"", path);
}

char *test_src_path(const char *fmt, ...)
{
        va_list ap;
        int r;
        char *p = NULL;

        va_start(ap, fmt);
        r = vasprintf(&p, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(r, 0);
        return p;
}

bool test_json_has_string(json_t *l, const char *s)
{
        json_t *x;
        size_t i;

        json_array_foreach (l, i, x)
                if (json_is_string(x) && streq(json_string_value(x), s))
                        return true;
        return false;
}

int test_src_image(const char *program, const char *host, const char *from, const char *ref,
                   bool push)
{
        struct berth_error err = {};
        struct berth_engine *e = test_docker_engine(host, program);
        const char *colon = strrchr(ref, ':');
        char dir[] = "/var/tmp/bsrc-XXXXXX", path[300], repo[256];
        FILE *f = NULL;
        int r = -EINVAL;

        if (!e)
                return -EHOSTDOWN;
        if (push && (!colon || strchr(colon, '/'))) {
                fprintf(stderr, "%s: image %s: no tag to push\n", program, ref);
                goto finish;
        }
        if (!mkdtemp(dir)) {
                r = -errno;
                fprintf(stderr, "%s: mkdtemp %s: %m\n", program, dir);
                goto finish;
        }
        (void)snprintf(path, sizeof(path), "%s/Dockerfile", dir);
        f = fopen(path, "we");
        if (f) {
                fprintf(f, "FROM %s\nCMD [\"sleep\", \"3600\"]\n", from);
                r = fclose(f) == 0 ? 0 : -errno;
        } else
                r = -errno;
        if (r < 0)
                (void)berth_error_set_errno(&err, r, "write %s", path);
        if (r >= 0)
                r = berth_docker_build(e, dir, NULL, ref, NULL, NULL, &err);
        if (r >= 0 && push) {
                (void)snprintf(repo, sizeof(repo), "%.*s", (int)(colon - ref), ref);
                r = berth_docker_push(e, repo, colon + 1, &err);
                if (r >= 0)
                        r = berth_docker_image_remove(e, ref, false, &err);
        }
        if (r < 0)
                fprintf(stderr, "%s: image %s: %s\n", program, ref, err.msg);
        (void)unlink(path);
        (void)rmdir(dir);
finish:
        berth_docker_engine_free(e);
        return r;
}

int test_src_file(char *path, size_t size, const char *name, const char *line)
{
        int fd, r = 0;

        (void)snprintf(path, size, "/var/tmp/%s-%d", name, (int)getpid());
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || dprintf(fd, "%s\n", line) < 0)
                r = -errno;
        if (fd >= 0)
                close(fd);
        return r;
}
