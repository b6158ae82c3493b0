/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Custom seccomp filters (seccomp-rules.h): a workload's rule set compiled by
 * libseccomp. Runs in berthd, before the clone of each start or exec that needs it, and
 * once when a door translates a set (a set libseccomp refuses is an error before
 * anything is created).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "macro.h"
#include "seccomp-internal.h"
#include "seccomp-rules.h"

/* BPF_MAXINSNS: the kernel refuses a longer program. */
#define INSNS_MAX 4096

static int get_u64(json_t *o, const char *key, uint64_t max, uint64_t *ret)
{
        json_t *v = json_object_get(o, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (uint64_t)json_integer_value(v) > max)
                return -EINVAL;
        *ret = (uint64_t)json_integer_value(v);
        return 0;
}

static int get_u32(json_t *o, const char *key, uint32_t *ret)
{
        uint64_t v;
        int r = get_u64(o, key, UINT32_MAX, &v);

        if (r >= 0)
                *ret = (uint32_t)v;
        return r;
}

/* The comparisons of one entry; *split when two of them are on the same argument. */
static int args_from_json(json_t *a, struct scmp_arg_cmp *cmp, size_t *ret_n, bool *split)
{
        unsigned seen = 0;
        json_t *v;
        size_t i;

        *ret_n = 0;
        *split = false;
        if (!a)
                return 0;
        if (!json_is_array(a) || json_array_size(a) > BERTH_SECCOMP_RULES_ARGS_MAX)
                return -EINVAL;
        json_array_foreach (a, i, v) {
                uint64_t index, value, two, op;

                if (get_u64(v, "index", 5, &index) < 0 ||
                    get_u64(v, "value", UINT64_MAX, &value) < 0 ||
                    get_u64(v, "valueTwo", UINT64_MAX, &two) < 0 ||
                    get_u64(v, "op", _SCMP_CMP_MAX - 1, &op) < 0 || op < SCMP_CMP_NE)
                        return -EINVAL;
                cmp[i] = (struct scmp_arg_cmp){ .arg = (unsigned)index,
                                                .op = (enum scmp_compare)op,
                                                .datum_a = value,
                                                .datum_b = two };
                if (seen & (1u << index))
                        *split = true;
                seen |= 1u << index;
        }
        *ret_n = json_array_size(a);
        return 0;
}

static int add_name(scmp_filter_ctx ctx, uint32_t action, const char *name,
                    const struct scmp_arg_cmp *cmp, size_t n, bool split, struct berth_error *err)
{
        int r = 0;

        if (!split)
                return berth_seccomp_rule(ctx, action, name, (unsigned)n, cmp, err);
        for (size_t k = 0; r >= 0 && k < n; k++)
                r = berth_seccomp_rule(ctx, action, name, 1, &cmp[k], err);
        return r;
}

static int add_syscall(scmp_filter_ctx ctx, json_t *sys, size_t i, const char *what,
                       struct berth_error *err)
{
        struct scmp_arg_cmp cmp[BERTH_SECCOMP_RULES_ARGS_MAX];
        json_t *names = json_object_get(sys, "names"), *v;
        uint32_t action;
        size_t n, j;
        bool split;
        int r;

        if (get_u32(sys, "action", &action) < 0 || !json_is_array(names) ||
            args_from_json(json_object_get(sys, "args"), cmp, &n, &split) < 0)
                return berth_error_set(err, EINVAL, "%s.syscalls[%zu] is malformed", what, i);
        json_array_foreach (names, j, v) {
                const char *name = json_string_value(v);

                if (!name || !*name)
                        return berth_error_set(err, EINVAL,
                                               "%s.syscalls[%zu].names[%zu] is not "
                                               "a name",
                                               what, i, j);
                r = add_name(ctx, action, name, cmp, n, split, err);
                if (r < 0) {
                        (void)berth_error_prefix(err, "%s.syscalls[%zu].names[%zu]", what, i, j);
                        return r;
                }
        }
        return 0;
}

static int add_arches(scmp_filter_ctx ctx, json_t *a, const char *what, struct berth_error *err)
{
        json_t *v;
        size_t i;

        if (a && !json_is_array(a))
                return berth_error_set(err, EINVAL, "%s.architectures is malformed", what);
        json_array_foreach (a, i, v) {
                uint64_t token;
                int r;

                if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
                    json_integer_value(v) > UINT32_MAX)
                        return berth_error_set(err, EINVAL, "%s.architectures[%zu] is malformed",
                                               what, i);
                token = (uint64_t)json_integer_value(v);
                r = seccomp_arch_add(ctx, (uint32_t)token);
                if (r < 0 && r != -EEXIST)
                        return berth_error_set_errno(err, -r,
                                                     "%s.architectures[%zu]: libseccomp "
                                                     "refuses the architecture",
                                                     what, i);
        }
        return 0;
}

static int build(json_t *rules, const char *what, struct berth_error *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = -EBADF;
        json_t *syscalls = json_object_get(rules, "syscalls"), *v;
        uint32_t def;
        struct stat st;
        size_t i;
        int r;

        if (!json_is_object(rules) || get_u32(rules, "defaultAction", &def) < 0 ||
            (syscalls && !json_is_array(syscalls)))
                return berth_error_set(err, EINVAL, "%s is malformed", what);
        ctx = berth_seccomp_new(def);
        if (!ctx)
                return berth_error_set(err, EINVAL,
                                       "%s.defaultAction: libseccomp refuses the action %#x", what,
                                       (unsigned)def);
        r = add_arches(ctx, json_object_get(rules, "architectures"), what, err);
        json_array_foreach (syscalls, i, v)
                if (r >= 0)
                        r = add_syscall(ctx, v, i, what, err);
        if (r < 0)
                return r;
        fd = berth_seccomp_export(ctx, err);
        if (fd < 0) {
                (void)berth_error_prefix(err, "%s", what);
                return fd;
        }
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "%s: stat the filter", what);
        if (st.st_size / 8 > INSNS_MAX)
                return berth_error_set(err, E2BIG,
                                       "%s: the filter has %lld BPF instructions, more than the "
                                       "kernel's %d",
                                       what, (long long)(st.st_size / 8), INSNS_MAX);
        return TAKE_FD(fd);
}

/* Compiled sets by their canonical text, the least recently used going first: a start,
 * an exec and the door's check of one set compile it once (libseccomp takes about ten
 * milliseconds for a set the size of Docker's default profile). The programs are sealed
 * memfds, read with pread() (restrict.c): every user gets a dup of the same one. */
#define CACHE_MAX 16

static struct {
        char *key;
        int fd;
        uint64_t used;
} cache[CACHE_MAX];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t cache_clock;

/* A dup of the program of key, or -ENOENT (cache_lock held). */
static int cache_get_locked(const char *key)
{
        for (size_t i = 0; i < CACHE_MAX; i++)
                if (cache[i].key && streq(cache[i].key, key)) {
                        cache[i].used = ++cache_clock;
                        return RET_NERRNO(fcntl(cache[i].fd, F_DUPFD_CLOEXEC, 3));
                }
        return -ENOENT;
}

/* Keep a dup of fd as key's program (key taken over), in place of the oldest. */
static void cache_put(char *key, int fd)
{
        size_t oldest = 0;
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (copy < 0) {
                free(key);
                return;
        }
        pthread_mutex_lock(&cache_lock);
        for (size_t i = 0; i < CACHE_MAX; i++)
                if (!cache[i].key || cache[i].used < cache[oldest].used) {
                        oldest = i;
                        if (!cache[i].key)
                                break;
                }
        free(cache[oldest].key);
        if (cache[oldest].key)
                safe_close(cache[oldest].fd);
        cache[oldest].key = key;
        cache[oldest].fd = copy;
        cache[oldest].used = ++cache_clock;
        pthread_mutex_unlock(&cache_lock);
}

int berth_seccomp_rules_build(json_t *rules, const char *what, struct berth_error *err)
{
        char *key = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS);
        int fd;

        if (key) {
                pthread_mutex_lock(&cache_lock);
                fd = cache_get_locked(key);
                pthread_mutex_unlock(&cache_lock);
                if (fd >= 0) {
                        free(key);
                        return fd;
                }
        }
        fd = build(rules, what, err);
        if (fd >= 0 && key)
                cache_put(TAKE_PTR(key), fd);
        free(key);
        return fd;
}
