/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "launch-idmap.h"
#include "macro.h"

static bool ranges_overlap(uint32_t a, uint32_t a_count, uint32_t b, uint32_t b_count)
{
        return (uint64_t)a < (uint64_t)b + b_count && (uint64_t)b < (uint64_t)a + a_count;
}

int berth_launch_idmap_check(const struct berth_launch_idmap *m, size_t n, const char *field,
                             struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        long page = sysconf(_SC_PAGESIZE);

        if (n > LAUNCH_IDMAP_MAX)
                return berth_error_set(err, EINVAL, "%s: %zu lines, more than the kernel's %d",
                                       field, n, LAUNCH_IDMAP_MAX);
        for (size_t i = 0; i < n; i++) {
                const struct berth_launch_idmap *x = &m[i];

                if (x->count == 0)
                        return berth_error_set(err, EINVAL, "%s[%zu]: the count must be at least 1",
                                               field, i);
                /* 4294967295 is no id ((uid_t)-1), and a range may not wrap around. */
                if ((uint64_t)x->inside + x->count > UINT32_MAX ||
                    (uint64_t)x->outside + x->count > UINT32_MAX)
                        return berth_error_set(err, EINVAL,
                                               "%s[%zu]: %" PRIu32 " %" PRIu32 " %" PRIu32
                                               " goes beyond id 4294967294",
                                               field, i, x->inside, x->outside, x->count);
                for (size_t k = 0; k < i; k++) {
                        if (ranges_overlap(x->inside, x->count, m[k].inside, m[k].count))
                                return berth_error_set(err, EINVAL,
                                                       "%s[%zu]: its ids inside overlap %s[%zu]'s",
                                                       field, i, field, k);
                        if (ranges_overlap(x->outside, x->count, m[k].outside, m[k].count))
                                return berth_error_set(err, EINVAL,
                                                       "%s[%zu]: its ids outside overlap %s[%zu]'s",
                                                       field, i, field, k);
                }
        }
        if (n > 0 && !berth_launch_idmap_maps(m, n, 0))
                return berth_error_set(err, EINVAL,
                                       "%s: maps no id to 0 inside (the container is set up as its "
                                       "root)",
                                       field);
        text = berth_launch_idmap_format(m, n);
        if (!text)
                return -ENOMEM;
        if (page > 0 && strlen(text) >= (size_t)page)
                return berth_error_set(err, EINVAL,
                                       "%s: %zu bytes as text, the kernel takes less than %ld",
                                       field, strlen(text), page);
        return 0;
}

bool berth_launch_idmap_maps(const struct berth_launch_idmap *m, size_t n, uint32_t id)
{
        if (n == 0)
                return true;
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].inside && (uint64_t)id < (uint64_t)m[i].inside + m[i].count)
                        return true;
        return false;
}

char *berth_launch_idmap_format(const struct berth_launch_idmap *m, size_t n)
{
        /* "4294967295 4294967295 4294967295\n" at most per line. */
        size_t size = n == 0 ? 32 : n * 34 + 1, len = 0;
        char *text = malloc(size);

        if (!text)
                return NULL;
        if (n == 0)
                len = (size_t)snprintf(text, size, "0 0 4294967295\n");
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(text + len, size - len,
                                        "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].inside,
                                        m[i].outside, m[i].count);
        return text;
}
