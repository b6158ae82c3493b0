/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What pods keep across berthd restarts and reboots: their documents, the recipes they
 * came from, whether they are enabled, what happened to them, and the settings of
 * /pod/config, in one SQLite database (<data_dir>/pods.db) in WAL mode. Every call is
 * one statement or one transaction; the pods lock serialises them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "pod-db.h"
#include "pods-state.h"

struct pod_db {
        sqlite3 *db;
};

static const char schema[] = "PRAGMA journal_mode=WAL;"
                             "PRAGMA synchronous=NORMAL;"
                             "CREATE TABLE IF NOT EXISTS pods ("
                             "  name TEXT PRIMARY KEY,"
                             "  doc TEXT NOT NULL,"
                             "  recipes TEXT NOT NULL DEFAULT '[]',"
                             "  enabled INTEGER NOT NULL DEFAULT 0,"
                             "  created INTEGER NOT NULL,"
                             "  updated INTEGER NOT NULL);"
                             "CREATE TABLE IF NOT EXISTS history ("
                             "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                             "  time REAL NOT NULL,"
                             "  pod TEXT NOT NULL,"
                             "  what TEXT NOT NULL,"
                             "  detail TEXT);"
                             "CREATE INDEX IF NOT EXISTS history_pod ON history(pod, seq);"
                             "CREATE TABLE IF NOT EXISTS settings ("
                             "  key TEXT PRIMARY KEY,"
                             "  value TEXT NOT NULL);";

static int db_error(struct pod_db *d, int rc, struct berth_error *err, const char *what)
{
        int e = rc == SQLITE_FULL ? ENOSPC : rc == SQLITE_NOMEM ? ENOMEM : EIO;

        return berth_error_set(err, e, "pods database: %s: %s", what,
                               d && d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
}

int pod_db_open(const char *dir, struct pod_db **ret, struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        struct pod_db *d;
        char *msg = NULL;
        int rc, r;

        r = mkdir_p(dir, 0700);
        if (r < 0)
                return berth_error_set(err, -r, "data directory %s: %s", dir, strerror(-r));
        if (asprintf(&path, "%s/pods.db", dir) < 0)
                return -ENOMEM;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        rc = sqlite3_open_v2(path, &d->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX |
                                     SQLITE_OPEN_NOFOLLOW,
                             NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_busy_timeout(d->db, 5000);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(d->db, schema, NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
                r = berth_error_set(err, EIO, "pods database %s: %s", path,
                                    msg     ? msg
                                    : d->db ? sqlite3_errmsg(d->db)
                                            : sqlite3_errstr(rc));
                sqlite3_free(msg);
                sqlite3_close(d->db);
                free(d);
                return r;
        }
        (void)chmod(path, 0600);
        *ret = d;
        return 0;
}

void pod_db_close(struct pod_db *d)
{
        if (!d)
                return;
        sqlite3_close(d->db);
        free(d);
}

void pod_row_done(struct pod_row *row)
{
        free(row->name);
        json_decref(row->doc);
        json_decref(row->recipes);
        *row = (struct pod_row){};
}

static int prepare(struct pod_db *d, const char *sql, sqlite3_stmt **st, struct berth_error *err)
{
        int rc = sqlite3_prepare_v2(d->db, sql, -1, st, NULL);

        return rc == SQLITE_OK ? 0 : db_error(d, rc, err, "prepare");
}

static json_t *column_json(sqlite3_stmt *st, int col)
{
        const char *t = (const char *)sqlite3_column_text(st, col);

        return t ? json_loads(t, JSON_REJECT_DUPLICATES, NULL) : NULL;
}

static int row_from(sqlite3_stmt *st, struct pod_row *row)
{
        const char *name = (const char *)sqlite3_column_text(st, 0);

        *row = (struct pod_row){
                .name = name ? strdup(name) : NULL,
                .doc = column_json(st, 1),
                .recipes = column_json(st, 2),
                .enabled = sqlite3_column_int(st, 3) != 0,
        };
        if (!row->name || !row->doc || !row->recipes) {
                pod_row_done(row);
                return -EIO;
        }
        return 0;
}

int pod_db_get(struct pod_db *d, const char *name, struct pod_row *ret, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare(d, "SELECT name, doc, recipes, enabled FROM pods WHERE name = ?1", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                r = row_from(st, ret);
                if (r < 0)
                        r = berth_error_set(err, EIO, "pods database: pod %s: unreadable row",
                                            name);
        } else if (rc == SQLITE_DONE)
                r = berth_error_set(err, ENOENT, "pod %s does not exist", name);
        else
                r = db_error(d, rc, err, "read");
        sqlite3_finalize(st);
        return r;
}

int pod_db_list(struct pod_db *d, struct pod_row **ret, size_t *ret_n, struct berth_error *err)
{
        struct pod_row *rows = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0;
        int r, rc;

        r = prepare(d, "SELECT name, doc, recipes, enabled FROM pods ORDER BY name", &st, err);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct pod_row *nr = realloc(rows, (n + 1) * sizeof(*rows));
                if (!nr) {
                        r = -ENOMEM;
                        break;
                }
                rows = nr;
                if (row_from(st, &rows[n]) < 0) {
                        log_warning("pods database: pod %s: unreadable row, skipped",
                                    (const char *)sqlite3_column_text(st, 0));
                        continue;
                }
                n++;
        }
        if (r >= 0 && rc != SQLITE_DONE)
                r = db_error(d, rc, err, "list");
        sqlite3_finalize(st);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        pod_row_done(&rows[i]);
                free(rows);
                return r;
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

static int exec_stmt(struct pod_db *d, sqlite3_stmt *st, struct berth_error *err, const char *what)
{
        int rc = sqlite3_step(st);

        sqlite3_finalize(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc == SQLITE_CONSTRAINT)
                return -EEXIST;
        return db_error(d, rc, err, what);
}

int pod_db_put(struct pod_db *d, const struct pod_row *row, bool create, struct berth_error *err)
{
        _cleanup_free_ char *doc = json_dumps(row->doc, JSON_COMPACT | JSON_SORT_KEYS);
        _cleanup_free_ char *recipes =
                json_dumps(row->recipes ? row->recipes : json_array(), JSON_COMPACT);
        sqlite3_stmt *st = NULL;
        int64_t now = (int64_t)time(NULL);
        int r;

        if (!doc || !recipes)
                return -ENOMEM;
        r = prepare(d,
                    create ? "INSERT INTO pods(name, doc, recipes, enabled, created, updated) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
                           : "UPDATE pods SET doc = ?2, recipes = ?3, enabled = ?4, updated = ?5 "
                             "WHERE name = ?1",
                    &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, row->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, doc, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, recipes, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, row->enabled);
        sqlite3_bind_int64(st, 5, now);
        r = exec_stmt(d, st, err, "write");
        if (r == -EEXIST)
                return berth_error_set(err, EEXIST, "pod %s already exists", row->name);
        if (r == 0 && !create && sqlite3_changes(d->db) == 0)
                return berth_error_set(err, ENOENT, "pod %s does not exist", row->name);
        return r;
}

int pod_db_set_enabled(struct pod_db *d, const char *name, bool enabled, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r;

        r = prepare(d, "UPDATE pods SET enabled = ?2, updated = ?3 WHERE name = ?1", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, enabled);
        sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
        r = exec_stmt(d, st, err, "write");
        if (r == 0 && sqlite3_changes(d->db) == 0)
                return berth_error_set(err, ENOENT, "pod %s does not exist", name);
        return r;
}

int pod_db_delete(struct pod_db *d, const char *name, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r;

        r = prepare(d, "DELETE FROM pods WHERE name = ?1", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        return exec_stmt(d, st, err, "delete");
}

void pod_db_history(struct pod_db *d, const char *name, const char *what, const char *detail)
{
        struct timespec ts;
        sqlite3_stmt *st = NULL;
        struct berth_error err = {};

        if (prepare(d, "INSERT INTO history(time, pod, what, detail) VALUES (?1, ?2, ?3, ?4)", &st,
                    &err) < 0) {
                log_warning("%s", err.msg);
                return;
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        sqlite3_bind_double(st, 1, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
        if (exec_stmt(d, st, &err, "history") < 0)
                log_warning("%s", err.msg);
}

int pod_db_setting_set(struct pod_db *d, const char *key, const char *value,
                       struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r;

        r = prepare(d,
                    "INSERT INTO settings(key, value) VALUES (?1, ?2) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        return exec_stmt(d, st, err, "settings");
}

char *pod_db_setting_get(struct pod_db *d, const char *key)
{
        sqlite3_stmt *st = NULL;
        char *v = NULL;

        if (sqlite3_prepare_v2(d->db, "SELECT value FROM settings WHERE key = ?1", -1, &st, NULL) !=
            SQLITE_OK)
                return NULL;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                v = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return v;
}
