/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "logkeep.h"
#include "macro.h"

struct kept {
        char *path;
        uint64_t bytes;
        struct timespec mtime; /* for the start-up order only */
};

struct berth_logkeep {
        pthread_mutex_t lock;
        uint64_t max_bytes;
        /* A queue, oldest first: entries [head, n) are live. */
        struct kept *q;
        size_t head, n, cap;
        uint64_t bytes;
};

static uint64_t taken(const struct stat *st)
{
        /* Allocated blocks; a sparse or unusual file system without them: its size. */
        return st->st_blocks > 0 ? (uint64_t)st->st_blocks * 512 : (uint64_t)st->st_size;
}

struct berth_logkeep *berth_logkeep_new(uint64_t max_bytes)
{
        struct berth_logkeep *k = calloc(1, sizeof(*k));

        if (!k)
                return NULL;
        pthread_mutex_init(&k->lock, NULL);
        k->max_bytes = max_bytes;
        return k;
}

void berth_logkeep_free(struct berth_logkeep *k)
{
        if (!k)
                return;
        for (size_t i = k->head; i < k->n; i++)
                free(k->q[i].path);
        free(k->q);
        pthread_mutex_destroy(&k->lock);
        free(k);
}

/* With k->lock. Takes path. */
static int push(struct berth_logkeep *k, char *path, const struct stat *st)
{
        if (k->n == k->cap) {
                size_t live = k->n - k->head;
                if (k->head > 0 && k->head >= live) {
                        /* Half of it is spent: move the live part down. */
                        memmove(k->q, k->q + k->head, live * sizeof(*k->q));
                        k->head = 0;
                        k->n = live;
                } else {
                        size_t cap = k->cap ? k->cap * 2 : 64;
                        struct kept *q = realloc(k->q, cap * sizeof(*q));
                        if (!q) {
                                free(path);
                                return -ENOMEM;
                        }
                        k->q = q;
                        k->cap = cap;
                }
        }
        k->q[k->n++] = (struct kept){ .path = path, .bytes = taken(st), .mtime = st->st_mtim };
        k->bytes += taken(st);
        return 0;
}

/* With k->lock: the oldest go while over the budget. A file removed by someone else
 * meanwhile is simply gone. */
static void prune(struct berth_logkeep *k)
{
        while (k->head < k->n && k->bytes > k->max_bytes) {
                struct kept *e = &k->q[k->head++];
                if (unlink(e->path) < 0 && errno != ENOENT)
                        log_warning("Could not remove the kept log '%s': %m", e->path);
                k->bytes -= e->bytes;
                free(e->path);
        }
        if (k->head == k->n)
                k->head = k->n = 0;
}

static void add_one(struct berth_logkeep *k, const char *path)
{
        struct stat st;
        char *p;

        if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return;
        p = strdup(path);
        if (p)
                (void)push(k, p, &st);
}

void berth_logkeep_add(struct berth_logkeep *k, const char *logfile)
{
        _cleanup_free_ char *old = NULL;

        if (!k || !logfile)
                return;
        pthread_mutex_lock(&k->lock);
        if (asprintf(&old, "%s.1", logfile) < 0)
                old = NULL;
        /* The rotated copy is the older part. */
        if (old)
                add_one(k, old);
        add_one(k, logfile);
        prune(k);
        pthread_mutex_unlock(&k->lock);
}

/* Added already (recovery finishes off containers before the scan). Few: linear. */
static bool queued(const struct berth_logkeep *k, const char *path)
{
        for (size_t i = k->head; i < k->n; i++)
                if (streq(k->q[i].path, path))
                        return true;
        return false;
}

static int by_mtime(const void *a, const void *b)
{
        const struct kept *x = a, *y = b;

        if (x->mtime.tv_sec != y->mtime.tv_sec)
                return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
        if (x->mtime.tv_nsec != y->mtime.tv_nsec)
                return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
        return strcmp(x->path, y->path);
}

int berth_logkeep_scan(struct berth_logkeep *k, const char *logs_dir,
                       bool (*live)(const char *logfile, void *userdata), void *userdata)
{
        DIR *d = opendir(logs_dir);
        struct dirent *de;
        int r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        /* Nobody adds yet (see logkeep.h): the lock is taken for the budget only. */
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *base = NULL;
                struct stat st;
                size_t l;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", logs_dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                base = strdup(path);
                if (!base) {
                        r = -ENOMEM;
                        break;
                }
                l = strlen(base);
                if (l > 2 && streq(base + l - 2, ".1"))
                        base[l - 2] = 0;
                if ((live && live(base, userdata)) || queued(k, path))
                        continue;
                r = push(k, TAKE_PTR(path), &st);
                if (r < 0)
                        break;
        }
        closedir(d);
        pthread_mutex_lock(&k->lock);
        if (k->n > k->head)
                qsort(k->q + k->head, k->n - k->head, sizeof(*k->q), by_mtime);
        prune(k);
        pthread_mutex_unlock(&k->lock);
        return r;
}

void berth_logkeep_stats(struct berth_logkeep *k, uint64_t *files, uint64_t *bytes)
{
        pthread_mutex_lock(&k->lock);
        *files = k->n - k->head;
        *bytes = k->bytes;
        pthread_mutex_unlock(&k->lock);
}
