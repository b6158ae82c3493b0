/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC apps' uptime history (uptime.h): state changes from the engine's events in
 * SQLite, and the summary and intervals computed from them. Every call takes the
 * handle's mutex and runs one statement or one transaction, so the event thread and
 * request threads may share the handle.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "error.h"
#include "macro.h"
#include "uptime.h"

#define APP_NAME_MAX 255
#define EVENT_MAX 255
/* 10000-01-01T00:00:00Z: the last instant the seed's four-digit year can print. */
#define TIME_MAX 253402300800.0

struct src_uptime {
        pthread_mutex_t lock;
        sqlite3 *db;
};

struct change {
        double time;
        bool running;
};

static const struct {
        const char *name;
        double seconds;
        double step;
} durations[] = {
        { "hour", 3600, 60 },
        { "day", 86400, 600 },
        { "week", 7 * 86400, 3600 },
        { "month", 30 * 86400, 6 * 3600 },
};

static const char schema[] = "PRAGMA journal_mode=WAL;"
                             "PRAGMA synchronous=NORMAL;"
                             "CREATE TABLE IF NOT EXISTS uptime_changes ("
                             "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                             "  app TEXT NOT NULL,"
                             "  time REAL NOT NULL,"
                             "  running INTEGER NOT NULL CHECK (running IN (0, 1)),"
                             "  event TEXT,"
                             "  UNIQUE (app, time, running));"
                             "CREATE INDEX IF NOT EXISTS uptime_changes_app_time "
                             "  ON uptime_changes(app, time, seq);"
                             "CREATE TABLE IF NOT EXISTS uptime_bookmark ("
                             "  id INTEGER PRIMARY KEY CHECK (id = 1),"
                             "  time REAL NOT NULL);";

/* floor(), without libm (which berthd does not link): |t| stays far below 2^63. */
static double floor_s(double t)
{
        double w = (double)(int64_t)t;

        return w > t ? w - 1 : w;
}

static int db_error(struct src_uptime *u, int rc, struct berth_error *err, const char *what)
{
        int e = rc == SQLITE_FULL ? ENOSPC : rc == SQLITE_NOMEM ? ENOMEM : EIO;

        return berth_error_set(err, e, "uptime database: %s: %s", what,
                               u && u->db ? sqlite3_errmsg(u->db) : sqlite3_errstr(rc));
}

/* A statement with its parameters bound in order, as binds says: 't' a text (NULL binds
 * NULL; the caller keeps it alive), 'd' a double, 'i' an int. */
static int prepare(struct src_uptime *u, const char *sql, sqlite3_stmt **st,
                   struct berth_error *err, const char *binds, ...)
{
        int rc = sqlite3_prepare_v2(u->db, sql, -1, st, NULL);
        va_list ap;

        if (rc != SQLITE_OK)
                return db_error(u, rc, err, "prepare");
        va_start(ap, binds);
        for (int i = 1; binds && binds[i - 1]; i++)
                switch (binds[i - 1]) {
                case 't': {
                        const char *t = va_arg(ap, const char *);
                        if (t)
                                (void)sqlite3_bind_text(*st, i, t, -1, SQLITE_STATIC);
                        break;
                }
                case 'd':
                        (void)sqlite3_bind_double(*st, i, va_arg(ap, double));
                        break;
                default:
                        (void)sqlite3_bind_int(*st, i, va_arg(ap, int));
                        break;
                }
        va_end(ap);
        return 0;
}

/* Step a statement that returns no row, and finalize it. */
static int exec_stmt(struct src_uptime *u, sqlite3_stmt *st, struct berth_error *err,
                     const char *what)
{
        int rc = sqlite3_step(st);

        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_error(u, rc, err, what);
}

static int exec_sql(struct src_uptime *u, const char *sql, struct berth_error *err)
{
        int rc = sqlite3_exec(u->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : db_error(u, rc, err, sql);
}

static int check_app(const char *app, struct berth_error *err)
{
        size_t n;

        if (!app)
                return berth_error_set(err, EINVAL, "uptime: no app name given");
        n = strnlen(app, APP_NAME_MAX + 1);
        if (n == 0)
                return berth_error_set(err, EINVAL, "uptime: the app name is empty");
        if (n > APP_NAME_MAX)
                return berth_error_set(err, EINVAL, "uptime: app name longer than %d bytes",
                                       APP_NAME_MAX);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)app[i] < 0x20 || app[i] == 0x7f)
                        return berth_error_set(err, EINVAL,
                                               "uptime: app name with a control character");
        return 0;
}

static int check_time(double t, const char *what, struct berth_error *err)
{
        if (!isfinite(t) || t < 0 || t >= TIME_MAX)
                return berth_error_set(err, EINVAL,
                                       "uptime: %s must be seconds since the epoch, from 0 to "
                                       "%.0f, not %g",
                                       what, TIME_MAX, t);
        return 0;
}

static int find_duration(const char *name, struct berth_error *err)
{
        for (size_t i = 0; i < ELEMENTSOF(durations); i++)
                if (name && streq(name, durations[i].name))
                        return (int)i;
        return berth_error_set(err, EINVAL,
                               "uptime: unknown duration '%s': must be hour, day, week or month",
                               name ? name : "(none)");
}

int src_uptime_open(const char *path, struct src_uptime **ret, struct berth_error *err)
{
        struct src_uptime *u;
        char *msg = NULL;
        int rc, r;

        if (!path || !*path)
                return berth_error_set(err, EINVAL, "uptime database: no path given");
        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        rc = sqlite3_open_v2(path, &u->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX |
                                     SQLITE_OPEN_NOFOLLOW,
                             NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_busy_timeout(u->db, 5000);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(u->db, schema, NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
                r = berth_error_set(err, rc == SQLITE_NOMEM ? ENOMEM : EIO,
                                    "uptime database %s: %s", path,
                                    msg     ? msg
                                    : u->db ? sqlite3_errmsg(u->db)
                                            : sqlite3_errstr(rc));
                sqlite3_free(msg);
                sqlite3_close(u->db);
                free(u);
                return r;
        }
        (void)chmod(path, 0600);
        pthread_mutex_init(&u->lock, NULL);
        *ret = u;
        return 0;
}

struct src_uptime *src_uptime_free(struct src_uptime *u)
{
        if (!u)
                return NULL;
        sqlite3_close(u->db);
        pthread_mutex_destroy(&u->lock);
        free(u);
        return NULL;
}

static int bookmark_raise(struct src_uptime *u, double time, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r;

        r = prepare(u,
                    "INSERT INTO uptime_bookmark(id, time) VALUES (1, ?1) "
                    "ON CONFLICT(id) DO UPDATE SET time = max(time, excluded.time)",
                    &st, err, "d", time);
        if (r < 0)
                return r;
        return exec_stmt(u, st, err, "bookmark");
}

static int record_locked(struct src_uptime *u, const char *app, double time, bool running,
                         const char *event, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r, added;

        r = prepare(u,
                    "INSERT INTO uptime_changes(app, time, running, event) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(app, time, running) DO NOTHING",
                    &st, err, "tdit", app, time, (int)running, event);
        if (r < 0)
                return r;
        r = exec_stmt(u, st, err, "record");
        if (r < 0)
                return r;
        added = sqlite3_changes(u->db) > 0;
        r = bookmark_raise(u, time, err);
        return r < 0 ? r : added;
}

int src_uptime_record(struct src_uptime *u, const char *app, double time, bool running,
                      const char *event, struct berth_error *err)
{
        int r;

        assert(u);
        r = check_app(app, err);
        if (r < 0)
                return r;
        r = check_time(time, "the change's time", err);
        if (r < 0)
                return r;
        if (event && strnlen(event, EVENT_MAX + 1) > EVENT_MAX)
                return berth_error_set(err, EINVAL, "uptime: event name longer than %d bytes",
                                       EVENT_MAX);

        pthread_mutex_lock(&u->lock);
        r = exec_sql(u, "BEGIN IMMEDIATE", err);
        if (r >= 0) {
                r = record_locked(u, app, time, running, event, err);
                if (r >= 0) {
                        int c = exec_sql(u, "COMMIT", err);
                        if (c < 0)
                                r = c;
                }
                if (r < 0)
                        (void)sqlite3_exec(u->db, "ROLLBACK", NULL, NULL, NULL);
        }
        pthread_mutex_unlock(&u->lock);
        if (r < 0)
                return berth_error_prefix(err, "app %s", app);
        return r;
}

int src_uptime_last_event(struct src_uptime *u, double *ret, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r, rc;

        assert(u);
        assert(ret);
        pthread_mutex_lock(&u->lock);
        r = prepare(u, "SELECT time FROM uptime_bookmark WHERE id = 1", &st, err, NULL);
        if (r >= 0) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        *ret = sqlite3_column_double(st, 0);
                        r = 1;
                } else if (rc == SQLITE_DONE) {
                        *ret = 0;
                        r = 0;
                } else
                        r = db_error(u, rc, err, "bookmark");
                sqlite3_finalize(st);
        }
        pthread_mutex_unlock(&u->lock);
        return r;
}

int src_uptime_set_last_event(struct src_uptime *u, double time, struct berth_error *err)
{
        int r;

        assert(u);
        r = check_time(time, "the event's time", err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&u->lock);
        r = bookmark_raise(u, time, err);
        pthread_mutex_unlock(&u->lock);
        return r;
}

/* The app's state at start and its changes in (start, end], in time order (changes at the
 * same time in the order they were recorded). -ENOENT when the app has no record. */
static int load_window(struct src_uptime *u, const char *app, double start, double end,
                       bool *ret_state, struct change **ret, size_t *ret_n, struct berth_error *err)
{
        _cleanup_free_ struct change *v = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0;
        int r, rc;

        r = prepare(u,
                    "SELECT EXISTS (SELECT 1 FROM uptime_changes WHERE app = ?1), "
                    "  (SELECT running FROM uptime_changes WHERE app = ?1 AND time <= ?2 "
                    "   ORDER BY time DESC, seq DESC LIMIT 1)",
                    &st, err, "td", app, start);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                r = db_error(u, rc, err, "read");
                sqlite3_finalize(st);
                return r;
        }
        if (sqlite3_column_int(st, 0) == 0) {
                sqlite3_finalize(st);
                return berth_error_set(err, ENOENT, "no uptime history for app %s", app);
        }
        *ret_state = sqlite3_column_int(st, 1) != 0; /* NULL (no change yet) reads as 0 */
        sqlite3_finalize(st);

        r = prepare(u,
                    "SELECT time, running FROM uptime_changes "
                    "WHERE app = ?1 AND time > ?2 AND time <= ?3 ORDER BY time, seq",
                    &st, err, "tdd", app, start, end);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct change *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        sqlite3_finalize(st);
                        return -ENOMEM;
                }
                v = nv;
                v[n++] = (struct change){
                        .time = sqlite3_column_double(st, 0),
                        .running = sqlite3_column_int(st, 1) != 0,
                };
        }
        if (rc != SQLITE_DONE) {
                r = db_error(u, rc, err, "read");
                sqlite3_finalize(st);
                return r;
        }
        sqlite3_finalize(st);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* "2023-06-20T13:50:45" (UTC), with ".mmm" when with_ms. */
static void format_time(double t, bool with_ms, char *buf, size_t size)
{
        double whole = floor_s(t);
        time_t s = (time_t)whole;
        int ms = (int)((t - whole) * 1000.0);
        struct tm tm;
        size_t n;

        if (ms > 999)
                ms = 999;
        if (!gmtime_r(&s, &tm)) {
                snprintf(buf, size, "%.3f", t);
                return;
        }
        n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        if (with_ms && n > 0)
                snprintf(buf + n, size - n, ".%03d", ms);
}

static int check_query(const char *app, const char *duration, double now, struct berth_error *err)
{
        int r, d;

        r = check_app(app, err);
        if (r < 0)
                return r;
        d = find_duration(duration, err);
        if (d < 0)
                return d;
        r = check_time(now, "now", err);
        if (r < 0)
                return r;
        return d;
}

static int read_window(struct src_uptime *u, const char *app, double start, double end,
                       bool *ret_state, struct change **ret, size_t *ret_n, struct berth_error *err)
{
        int r;

        pthread_mutex_lock(&u->lock);
        r = load_window(u, app, start, end, ret_state, ret, ret_n, err);
        pthread_mutex_unlock(&u->lock);
        return r;
}

int src_uptime_summary(struct src_uptime *u, const char *app, const char *duration, double now,
                       json_t **ret, struct berth_error *err)
{
        _cleanup_free_ struct change *v = NULL;
        json_auto_t *map = NULL;
        double end, start, step;
        size_t n = 0, i = 0;
        long points;
        bool state;
        int d, r;

        assert(u);
        assert(ret);
        d = check_query(app, duration, now, err);
        if (d < 0)
                return d;
        /* Whole seconds, so that each key names its instant exactly. */
        end = floor_s(now);
        start = end - durations[d].seconds;
        step = durations[d].step;
        points = (long)(durations[d].seconds / step + 0.5) + 1;

        r = read_window(u, app, start, end, &state, &v, &n, err);
        if (r < 0)
                return r;
        map = json_object();
        if (!map)
                return -ENOMEM;
        for (long k = 0; k < points; k++) {
                double at = start + (double)k * step;
                char key[64];

                for (; i < n && v[i].time <= at; i++)
                        state = v[i].running;
                format_time(at, false, key, sizeof(key));
                if (json_object_set_new(map, key, json_boolean(state)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(map);
        return 0;
}

static int add_interval(json_t *list, double a, double b, bool open)
{
        char sa[64], sb[64];
        json_t *o;

        format_time(a, true, sa, sizeof(sa));
        format_time(b, true, sb, sizeof(sb));
        o = json_pack("{s:s, s:s, s:f}", "start", sa, "end", sb, "seconds", b - a);
        if (!o)
                return -ENOMEM;
        if (open && json_object_set_new(o, "open", json_true()) < 0) {
                json_decref(o);
                return -ENOMEM;
        }
        return json_array_append_new(list, o) < 0 ? -ENOMEM : 0;
}

int src_uptime_intervals(struct src_uptime *u, const char *app, const char *duration, double now,
                         json_t **ret, struct berth_error *err)
{
        _cleanup_free_ struct change *v = NULL;
        json_auto_t *list = NULL;
        double start, since, total = 0;
        char sfrom[64], sto[64];
        size_t n = 0;
        bool state;
        int d, r;

        assert(u);
        assert(ret);
        d = check_query(app, duration, now, err);
        if (d < 0)
                return d;
        start = now - durations[d].seconds;
        r = read_window(u, app, start, now, &state, &v, &n, err);
        if (r < 0)
                return r;
        list = json_array();
        if (!list)
                return -ENOMEM;
        since = start;
        for (size_t i = 0; i < n; i++) {
                if (v[i].running == state)
                        continue;
                state = v[i].running;
                if (state) {
                        since = v[i].time;
                        continue;
                }
                /* A start and a stop at the same instant run for no time: no interval. */
                if (v[i].time > since) {
                        r = add_interval(list, since, v[i].time, false);
                        if (r < 0)
                                return r;
                        total += v[i].time - since;
                }
        }
        if (state && now > since) {
                r = add_interval(list, since, now, true);
                if (r < 0)
                        return r;
                total += now - since;
        }
        format_time(start, true, sfrom, sizeof(sfrom));
        format_time(now, true, sto, sizeof(sto));
        *ret = json_pack("{s:s, s:s, s:O, s:f}", "from", sfrom, "to", sto, "intervals", list,
                         "uptime_percent",
                         floor_s(total / durations[d].seconds * 100.0 * 100.0 + 0.5) / 100.0);
        return *ret ? 0 : -ENOMEM;
}

int src_uptime_prune(struct src_uptime *u, double older_than, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r;

        assert(u);
        r = check_time(older_than, "the pruning time", err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&u->lock);
        /* Keep, for each app, the last change before the cut: a later one before the cut
         * (by time, then by recording order) is what makes a row removable. */
        r = prepare(u,
                    "DELETE FROM uptime_changes AS c WHERE c.time < ?1 AND EXISTS ("
                    "  SELECT 1 FROM uptime_changes AS l WHERE l.app = c.app AND l.time < ?1"
                    "  AND (l.time > c.time OR (l.time = c.time AND l.seq > c.seq)))",
                    &st, err, "d", older_than);
        if (r >= 0) {
                r = exec_stmt(u, st, err, "prune");
                if (r >= 0)
                        r = sqlite3_changes(u->db);
        }
        pthread_mutex_unlock(&u->lock);
        return r;
}

int src_uptime_forget(struct src_uptime *u, const char *app, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int r;

        assert(u);
        r = check_app(app, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&u->lock);
        r = prepare(u, "DELETE FROM uptime_changes WHERE app = ?1", &st, err, "t", app);
        if (r >= 0) {
                r = exec_stmt(u, st, err, "forget");
                if (r >= 0)
                        r = sqlite3_changes(u->db);
        }
        pthread_mutex_unlock(&u->lock);
        return r;
}
