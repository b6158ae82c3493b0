/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "persist.h"

/* Ids are reserved in blocks: ids.json holds a high-water mark, written only when a
 * block is used up, and the exact counters at a clean shutdown. A crash wastes the
 * rest of a block but never reuses an id; a create costs one file write less. */
#define ID_BLOCK 64

struct berth_persist {
        char *dir;
        uint64_t reserved[_BERTH_OBJ_TYPE_MAX];
        /* Not a tmpfs: records outlive a power cut, so they are fsynced. On the usual
         * tmpfs nothing outlives a reboot and an fsync would only cost. */
        bool durable;
};

static char *record_path(struct berth_persist *p, enum berth_obj_type type, uint64_t id)
{
        char *path;

        if (asprintf(&path, "%s/%s-%llu.json", p->dir, berth_obj_type_to_string(type),
                     (unsigned long long)id) < 0)
                return NULL;
        return path;
}

static int write_json(struct berth_persist *p, const char *path, json_t *j)
{
        _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

        if (!text)
                return -ENOMEM;
        return write_file_atomic_full(path, text, strlen(text), 0600, p->durable);
}

/* ids.json is unreadable (empty after a power cut, say): the counters are rebuilt
 * past every id a record or a container log names, plus a reserved block, since ids
 * handed out after the last record may be gone with their objects. */
static void rebuild_counters(struct berth_persist *p, const char *state_dir, uint64_t next_id[])
{
        _cleanup_free_ char *logs = NULL;
        const char *dirs[2] = { p->dir, NULL };

        if (asprintf(&logs, "%s/logs", state_dir) >= 0)
                dirs[1] = logs;
        for (size_t k = 0; k < ELEMENTSOF(dirs); k++) {
                DIR *d = dirs[k] ? opendir(dirs[k]) : NULL;
                struct dirent *de;

                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        unsigned long long id;
                        char type[32];
                        int t;

                        /* Records, <type>-<id>.json; container logs, <id>-<unixtime>.log. */
                        if (sscanf(de->d_name, "%31[a-z]-%llu.json", type, &id) == 2)
                                t = berth_obj_type_from_string(type);
                        else if (sscanf(de->d_name, "%llu-", &id) == 1)
                                t = BERTH_OBJ_CONTAINER;
                        else
                                continue;
                        if (t >= 0 && t < _BERTH_OBJ_TYPE_MAX)
                                next_id[t] = MAX(next_id[t], (uint64_t)id + 1);
                }
                closedir(d);
        }
        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++)
                next_id[t] += ID_BLOCK;
}

static int load_counters(struct berth_persist *p, const char *state_dir, uint64_t next_id[])
{
        _cleanup_free_ char *path = NULL;
        json_error_t jerr;
        json_t *j;

        if (asprintf(&path, "%s/ids.json", p->dir) < 0)
                return -ENOMEM;
        j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!j || !json_is_object(j)) {
                if (access(path, F_OK) < 0 && errno == ENOENT)
                        return 0;
                json_decref(j);
                /* Not fatal: the records say enough to go on without reusing an id. */
                log_warning("'%s' is unreadable (%s): id counters rebuilt from the records", path,
                            j ? "not an object" : jerr.text);
                rebuild_counters(p, state_dir, next_id);
                return 1;
        }
        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++) {
                json_t *v = json_object_get(j, berth_obj_type_to_string((enum berth_obj_type)t));
                if (json_is_integer(v) && json_integer_value(v) >= 0)
                        next_id[t] = (uint64_t)json_integer_value(v);
        }
        json_decref(j);
        return 0;
}

static int save_counters(struct berth_persist *p, const uint64_t next_id[])
{
        _cleanup_free_ char *path = NULL;
        json_t *j = json_object();
        int r;

        if (!j || asprintf(&path, "%s/ids.json", p->dir) < 0) {
                json_decref(j);
                return -ENOMEM;
        }
        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++)
                json_object_set_new(j, berth_obj_type_to_string((enum berth_obj_type)t),
                                    json_integer((json_int_t)next_id[t]));
        r = write_json(p, path, j);
        json_decref(j);
        return r;
}

int berth_persist_open(const char *state_dir, uint64_t next_id[_BERTH_OBJ_TYPE_MAX],
                       struct berth_persist **ret, struct berth_error *err)
{
        struct berth_persist *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (asprintf(&p->dir, "%s/db", state_dir) < 0) {
                free(p);
                return -ENOMEM;
        }
        r = mkdir_p(p->dir, 0700);
        if (r < 0) {
                berth_error_set_errno(err, -r, "create '%s'", p->dir);
                berth_persist_free(p);
                return r;
        }
        {
                struct statfs sf;
                p->durable = statfs(p->dir, &sf) >= 0 && sf.f_type != TMPFS_MAGIC &&
                             sf.f_type != RAMFS_MAGIC;
        }
        r = load_counters(p, state_dir, next_id);
        if (r > 0)
                /* Rebuilt: written at once, so that a second crash finds them. */
                r = save_counters(p, next_id);
        if (r < 0) {
                berth_error_set_errno(err, -r, "id counters in '%s'", p->dir);
                berth_persist_free(p);
                return r;
        }
        memcpy(p->reserved, next_id, sizeof(p->reserved));
        *ret = p;
        return 0;
}

int berth_persist_flush_counters(struct berth_persist *p,
                                 const uint64_t next_id[_BERTH_OBJ_TYPE_MAX])
{
        int r = save_counters(p, next_id);

        if (r >= 0)
                memcpy(p->reserved, next_id, sizeof(p->reserved));
        return r;
}

struct berth_persist *berth_persist_free(struct berth_persist *p)
{
        if (!p)
                return NULL;
        free(p->dir);
        free(p);
        return NULL;
}

int berth_persist_write(struct berth_persist *p, enum berth_obj_type type, uint64_t id, json_t *j,
                        struct berth_error *err)
{
        _cleanup_free_ char *path = record_path(p, type, id);
        int r;

        if (!path || !j) {
                json_decref(j);
                return -ENOMEM;
        }
        r = write_json(p, path, j);
        json_decref(j);
        if (r < 0)
                return berth_error_set_errno(err, -r, "write record '%s'", path);
        return 0;
}

int berth_persist_reserve(struct berth_persist *p, const uint64_t next_id[_BERTH_OBJ_TYPE_MAX],
                          struct berth_error *err)
{
        uint64_t want[_BERTH_OBJ_TYPE_MAX];
        bool need = false;
        int r;

        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++)
                need = need || next_id[t] > p->reserved[t];
        if (!need)
                return 0;
        for (int k = 0; k < _BERTH_OBJ_TYPE_MAX; k++)
                want[k] = MAX(p->reserved[k], next_id[k] + ID_BLOCK);
        r = save_counters(p, want);
        if (r < 0)
                return berth_error_set_errno(err, -r, "write id counters in '%s'", p->dir);
        memcpy(p->reserved, want, sizeof(want));
        return 0;
}

void berth_persist_remove(struct berth_persist *p, enum berth_obj_type type, uint64_t id)
{
        _cleanup_free_ char *path = record_path(p, type, id);

        if (path && unlink(path) >= 0 && p->durable)
                (void)fsync_directory_of(path);
}

/* "<type>-<id>.json": not ids.json, nor a temporary or set-aside file. */
static bool is_record_name(const char *name)
{
        size_t len = strlen(name);

        return len > 5 && streq(name + len - 5, ".json") && !streq(name, "ids.json");
}

int berth_persist_count(struct berth_persist *p)
{
        struct dirent *de;
        DIR *d;
        int n = 0;

        d = opendir(p->dir);
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (is_record_name(de->d_name))
                        n++;
        closedir(d);
        return n;
}

int berth_persist_load(struct berth_persist *p, berth_persist_load_fn fn, void *userdata)
{
        struct dirent *de;
        DIR *d;
        int n = 0;

        d = opendir(p->dir);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                json_error_t jerr;
                json_t *j;

                if (asprintf(&path, "%s/%s", p->dir, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
                /* A temporary file of a write that a crash cut short: the record it
                 * was to replace (if any) is intact. */
                if (strstr(de->d_name, ".json.tmp")) {
                        (void)unlink(path);
                        continue;
                }
                if (!is_record_name(de->d_name))
                        continue;
                j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
                if (fn(path, j, j ? NULL : jerr.text, userdata) >= 0)
                        n++;
                json_decref(j);
        }
        closedir(d);
        return n;
}
