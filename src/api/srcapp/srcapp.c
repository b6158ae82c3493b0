/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC apps (srcapp.h): apps as core container objects on the docker engine, and
 * images by request and approval in SQLite. Names are checked before anything reaches
 * the engine; no shell, no CLI: the engine is spoken to through docker.h only.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "container.h"
#include "docker.h"
#include "error.h"
#include "macro.h"
#include "src-names.h"
#include "src-nodes.h"
#include "srcapp-uptime.h"
#include "srcapp.h"
#include "store.h"
#include "strv.h"
#include "workload.h"

#define ALLOWED_FILE_MAX (1u << 20)
#define KILL_WAIT_MS 10000u

struct src_apps {
        struct berth_store *s;
        sqlite3 *db;
        char **facilities;
        enum src_mode mode;
        char *admin_token;
        char **allowed; /* from the allow-list file, with their tags */
        /* The uptime history (srcapp-uptime.c). */
        struct src_recorder *recorder;
        struct src_nodes *nodes; /* other nodes' engines (swarm mode) */
        /* The engine's mode, asked at most once a second (GET /info costs Docker tens
         * of ms): a change of swarm state is seen within a second. */
        pthread_mutex_t mode_lock;
        int64_t mode_at_ms; /* 0: never asked */
        enum src_mode mode_seen;
        uint64_t mode_gen; /* counts the swarm node events */
};

static const char schema[] = "PRAGMA journal_mode=WAL;"
                             "PRAGMA synchronous=NORMAL;"
                             "CREATE TABLE IF NOT EXISTS src_images ("
                             "  ref TEXT PRIMARY KEY,"
                             "  requests INTEGER NOT NULL DEFAULT 0,"
                             "  requested_at REAL,"
                             "  approved_at REAL,"
                             "  approved_by TEXT);";

const char *src_mode_to_string(enum src_mode m)
{
        switch (m) {
        case SRC_MODE_SOLO:
                return "solo";
        case SRC_MODE_SWARM:
                return "swarm";
        case SRC_MODE_AUTO:
        default:
                return "auto";
        }
}

static double now_real(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int db_error(struct src_apps *a, int rc, struct berth_error *err, const char *what)
{
        return berth_error_set(err, rc == SQLITE_NOMEM ? ENOMEM : EIO, "SRC database: %s: %s", what,
                               sqlite3_errmsg(a->db));
}

/* The allow-list: one reference a line; blank lines and # comments skipped. A line that
 * is not a reference is an error naming it (the file is the admin's). */
static int read_allowed(struct src_apps *a, const char *path, struct berth_error *err)
{
        _cleanup_free_ char *line = NULL;
        size_t cap = 0, total = 0;
        unsigned lineno = 0;
        ssize_t n;
        FILE *f;
        int r = 0;

        f = fopen(path, "re");
        if (!f)
                return berth_error_set_errno(err, errno, "--src-allowed-images '%s'", path);
        while ((n = getline(&line, &cap, f)) >= 0) {
                char *p = line, *ref = NULL;
                size_t len;

                lineno++;
                total += (size_t)n;
                if (total > ALLOWED_FILE_MAX) {
                        r = berth_error_set(err, EINVAL,
                                            "--src-allowed-images '%s' is larger than 1 MiB", path);
                        break;
                }
                p += strspn(p, " \t");
                len = strlen(p);
                while (len > 0 && strchr(" \t\r\n", p[len - 1]))
                        p[--len] = 0;
                if (!*p || *p == '#')
                        continue;
                r = src_image_with_tag(p, &ref, err);
                if (r < 0) {
                        (void)berth_error_prefix(err, "--src-allowed-images '%s' line %u", path,
                                                 lineno);
                        break;
                }
                if (!strv_contains(a->allowed, ref))
                        r = strv_extend(&a->allowed, ref);
                free(ref);
                if (r < 0)
                        break;
        }
        fclose(f);
        return r;
}

static void mode_changed(void *userdata);

int src_apps_new(struct berth_store *s, const struct src_config *cfg, struct src_apps **ret,
                 struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        struct src_apps *a;
        char *msg = NULL;
        int rc, r = 0;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->s = s;
        a->mode = cfg->mode;
        pthread_mutex_init(&a->mode_lock, NULL);
        if (cfg->facilities && cfg->facilities[0]) {
                for (char *const *f = cfg->facilities; *f && r >= 0; f++)
                        r = strv_extend(&a->facilities, *f);
        } else
                r = strv_extend(&a->facilities, "demo");
        if (r >= 0 && cfg->admin_token) {
                a->admin_token = strdup(cfg->admin_token);
                if (!a->admin_token)
                        r = -ENOMEM;
        }
        if (r >= 0 && cfg->allowed_images)
                r = read_allowed(a, cfg->allowed_images, err);
        if (r >= 0)
                r = src_nodes_new(cfg->node_engines, cfg->node_tls_dir, &a->nodes, err);
        if (r >= 0 && asprintf(&path, "%s/src.db", cfg->data_dir) < 0)
                r = -ENOMEM;
        if (r >= 0 && mkdir(cfg->data_dir, 0700) < 0 && errno != EEXIST)
                r = berth_error_set_errno(err, errno, "SRC database: mkdir %s", cfg->data_dir);
        if (r >= 0) {
                rc = sqlite3_open_v2(path, &a->db,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                             SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                                     NULL);
                if (rc == SQLITE_OK)
                        rc = sqlite3_busy_timeout(a->db, 5000);
                if (rc == SQLITE_OK)
                        rc = sqlite3_exec(a->db, schema, NULL, NULL, &msg);
                if (rc != SQLITE_OK)
                        r = berth_error_set(err, rc == SQLITE_NOMEM ? ENOMEM : EIO,
                                            "SRC database %s: %s", path,
                                            msg     ? msg
                                            : a->db ? sqlite3_errmsg(a->db)
                                                    : sqlite3_errstr(rc));
                sqlite3_free(msg);
                if (r >= 0)
                        (void)chmod(path, 0600);
        }
        if (r >= 0)
                r = src_recorder_start(src_apps_engine(a), path, a->facilities, cfg->uptime_keep,
                                       mode_changed, a, &a->recorder, err);
        if (r < 0) {
                src_apps_free(a);
                return berth_error_ensure(err, r, "SRC apps");
        }
        *ret = a;
        return 0;
}

void src_apps_stopping(struct src_apps *a)
{
        if (!a)
                return;
        src_recorder_signal(a->recorder);
        src_nodes_cancel(a->nodes);
}

struct src_apps *src_apps_free(struct src_apps *a)
{
        if (!a)
                return NULL;
        a->recorder = src_recorder_stop(a->recorder);
        a->nodes = src_nodes_free(a->nodes);
        pthread_mutex_destroy(&a->mode_lock);
        sqlite3_close(a->db);
        strv_free(a->facilities);
        strv_free(a->allowed);
        if (a->admin_token) {
                explicit_bzero(a->admin_token, strlen(a->admin_token));
                free(a->admin_token);
        }
        free(a);
        return NULL;
}

struct src_uptime *src_apps_uptime(struct src_apps *a)
{
        return src_recorder_uptime(a->recorder);
}

struct src_nodes *src_apps_nodes(struct src_apps *a)
{
        return a->nodes;
}

struct berth_engine *src_apps_engine(struct src_apps *a)
{
        return berth_container_engine(a->s, "docker");
}

bool src_apps_has_facility(const struct src_apps *a, const char *facility)
{
        return facility && strv_contains(a->facilities, facility);
}

bool src_apps_admin_token(const struct src_apps *a, const char *token)
{
        size_t lg, lw;
        unsigned char d;

        if (!a->admin_token || !token)
                return false;
        lg = strlen(token);
        lw = strlen(a->admin_token);
        d = (unsigned char)(lg != lw);
        for (size_t i = 0; i < lw; i++)
                d |= (unsigned char)(a->admin_token[i] ^ (i < lg ? token[i] : 0));
        return d == 0;
}

static int need_engine(struct src_apps *a, struct berth_engine **ret, struct berth_error *err)
{
        *ret = src_apps_engine(a);
        if (!*ret)
                return berth_error_set(err, EOPNOTSUPP, "this berthd has no docker engine");
        return 0;
}

int src_apps_mode(struct src_apps *a, enum src_mode *ret, struct berth_error *err)
{
        struct berth_engine *e;
        bool manager = false;
        uint64_t gen;
        int r;

        if (a->mode != SRC_MODE_AUTO) {
                *ret = a->mode;
                return 0;
        }
        pthread_mutex_lock(&a->mode_lock);
        if (a->mode_at_ms > 0 && monotonic_ms() - a->mode_at_ms < 1000) {
                *ret = a->mode_seen;
                pthread_mutex_unlock(&a->mode_lock);
                return 0;
        }
        gen = a->mode_gen;
        pthread_mutex_unlock(&a->mode_lock);
        r = need_engine(a, &e, err);
        if (r < 0)
                return r;
        r = berth_docker_swarm_mode(e, &manager, NULL, err);
        if (r < 0)
                return r;
        *ret = manager ? SRC_MODE_SWARM : SRC_MODE_SOLO;
        pthread_mutex_lock(&a->mode_lock);
        /* Kept unless a node event came meanwhile (the answer may predate it). */
        if (a->mode_gen == gen) {
                a->mode_seen = *ret;
                a->mode_at_ms = monotonic_ms();
        }
        pthread_mutex_unlock(&a->mode_lock);
        return 0;
}

/* A swarm node event (the recorder's thread): the next request asks the engine. */
static void mode_changed(void *userdata)
{
        struct src_apps *a = userdata;

        pthread_mutex_lock(&a->mode_lock);
        a->mode_at_ms = 0;
        a->mode_gen++;
        pthread_mutex_unlock(&a->mode_lock);
}

/* ---- images ------------------------------------------------------------------------ */

int src_image_approved(struct src_apps *a, const char *ref, struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int rc, r;

        if (strv_contains(a->allowed, ref))
                return 1;
        rc = sqlite3_prepare_v2(a->db,
                                "SELECT 1 FROM src_images WHERE ref = ?1 AND approved_at "
                                "IS NOT NULL",
                                -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_error(a, rc, err, "read");
        } else
                r = db_error(a, rc, err, "read");
        sqlite3_finalize(st);
        return r;
}

static int image_write(struct src_apps *a, const char *sql, const char *ref, const char *by,
                       struct berth_error *err)
{
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(a->db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_double(st, 2, now_real());
        if (rc == SQLITE_OK && by)
                rc = sqlite3_bind_text(st, 3, by, -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_error(a, rc, err, "write");
}

int src_image_request(struct src_apps *a, const char *image, char **ret_ref,
                      struct berth_error *err)
{
        _cleanup_free_ char *ref = NULL;
        int r;

        r = src_image_with_tag(image, &ref, err);
        if (r < 0)
                return r;
        r = image_write(a,
                        "INSERT INTO src_images(ref, requests, requested_at) VALUES (?1, 1, ?2) "
                        "ON CONFLICT(ref) DO UPDATE SET requests = requests + 1, "
                        "requested_at = excluded.requested_at",
                        ref, NULL, err);
        if (r < 0)
                return r;
        if (ret_ref)
                *ret_ref = TAKE_PTR(ref);
        return 0;
}

int src_image_approve(struct src_apps *a, const char *image, char **ret_ref,
                      struct berth_error *err)
{
        _cleanup_free_ char *ref = NULL;
        struct berth_engine *e;
        int r;

        r = src_image_with_tag(image, &ref, err);
        if (r < 0)
                return r;
        r = need_engine(a, &e, err);
        if (r < 0)
                return r;
        /* The approval stands only for an image that could be pulled. */
        r = berth_docker_pull(e, ref, NULL, err);
        if (r < 0)
                return berth_error_prefix(err, "image '%s' could not be pulled", ref);
        r = image_write(a,
                        "INSERT INTO src_images(ref, approved_at, approved_by) VALUES (?1, ?2, ?3) "
                        "ON CONFLICT(ref) DO UPDATE SET approved_at = excluded.approved_at, "
                        "approved_by = excluded.approved_by",
                        ref, "admin", err);
        if (r < 0)
                return r;
        if (ret_ref)
                *ret_ref = TAKE_PTR(ref);
        return 0;
}

static json_t *iso_time(double t)
{
        char buf[64];
        time_t s = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&s, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
                return json_null();
        return json_string(buf);
}

int src_image_requests(struct src_apps *a, json_t **ret, struct berth_error *err)
{
        json_auto_t *l = json_array();
        sqlite3_stmt *st = NULL;
        int rc;

        if (!l)
                return -ENOMEM;
        rc = sqlite3_prepare_v2(a->db,
                                "SELECT ref, requests, requested_at, approved_at, approved_by "
                                "FROM src_images ORDER BY ref",
                                -1, &st, NULL);
        if (rc != SQLITE_OK) {
                sqlite3_finalize(st);
                return db_error(a, rc, err, "read");
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *ref = (const char *)sqlite3_column_text(st, 0);
                bool requested = sqlite3_column_type(st, 2) != SQLITE_NULL;
                bool approved = sqlite3_column_type(st, 3) != SQLITE_NULL;
                bool listed = strv_contains(a->allowed, ref);
                json_t *o = json_pack(
                        "{s:s, s:I, s:o, s:b, s:o, s:o}", "image", ref ? ref : "", "requests",
                        (json_int_t)sqlite3_column_int64(st, 1), "requested_at",
                        requested ? iso_time(sqlite3_column_double(st, 2)) : json_null(),
                        "approved", approved || listed, "approved_at",
                        approved ? iso_time(sqlite3_column_double(st, 3)) : json_null(),
                        "approved_by",
                        approved ? json_string((const char *)sqlite3_column_text(st, 4))
                        : listed ? json_string("allow-list")
                                 : json_null());
                if (!o || json_array_append_new(l, o) < 0) {
                        sqlite3_finalize(st);
                        return -ENOMEM;
                }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
                return db_error(a, rc, err, "read");
        /* The allow-list's own entries that nobody requested. */
        STRV_FOREACH (p, a->allowed) {
                bool seen = false;
                size_t i;
                json_t *o;

                json_array_foreach (l, i, o)
                        if (streq(json_string_value(json_object_get(o, "image")), *p))
                                seen = true;
                if (seen)
                        continue;
                o = json_pack("{s:s, s:i, s:n, s:b, s:n, s:s}", "image", *p, "requests", 0,
                              "requested_at", "approved", true, "approved_at", "approved_by",
                              "allow-list");
                if (!o || json_array_append_new(l, o) < 0)
                        return -ENOMEM;
        }
        *ret = json_incref(l);
        return 0;
}

/* ---- apps ------------------------------------------------------------------------- */

struct app_info {
        const char *facility; /* the one asked for */
        bool found;
        bool docker;
        enum berth_container_state state;
        char *image, *user;
};

static const char *label_of(char *const *labels, const char *key)
{
        size_t n = strlen(key);

        STRV_FOREACH (l, labels)
                if (strncmp(*l, key, n) == 0 && (*l)[n] == '=')
                        return *l + n + 1;
        return NULL;
}

static int get_info(struct berth_obj *o, void *userdata)
{
        struct berth_container *c = berth_obj_to_container(o);
        struct app_info *x = userdata;
        const char *f, *img, *user;

        if (!c)
                return 0;
        f = label_of(c->w.labels, SRC_LABEL_FACILITY);
        img = label_of(c->w.labels, SRC_LABEL_IMAGE);
        user = label_of(c->w.labels, SRC_LABEL_USER);
        if (!f || !streq(f, x->facility) || !img || !user)
                return 0;
        x->found = true;
        x->docker = c->engine && streq(c->engine->name, "docker");
        x->state = c->state;
        x->image = strdup(img);
        x->user = strdup(user);
        return x->image && x->user ? 0 : -ENOMEM;
}

static void app_info_done(struct app_info *x)
{
        free(x->image);
        free(x->user);
}

/* The app name of this facility: its object id and what it was made from. */
static int app_find(struct src_apps *a, const char *facility, const char *name, uint64_t *ret_id,
                    struct app_info *ret, struct berth_error *err)
{
        int r;

        r = src_app_split(name, NULL, NULL, err);
        if (r < 0)
                return r;
        *ret = (struct app_info){ .facility = facility };
        r = berth_container_find(a->s, name, ret_id);
        if (r >= 0)
                r = berth_store_visit_one(a->s, BERTH_OBJ_CONTAINER, *ret_id, get_info, ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !ret->found || !ret->docker) {
                app_info_done(ret);
                return berth_error_set(err, ENOENT, "app '%s' does not exist in facility '%s'",
                                       name, facility);
        }
        return 0;
}

static int make_app(struct src_apps *a, const char *facility, const char *ref, const char *user,
                    const char *name, struct berth_error *err)
{
        struct berth_workload w;
        _cleanup_free_ char *lf = NULL, *li = NULL, *lu = NULL;
        int r;

        if (asprintf(&lf, "%s=%s", SRC_LABEL_FACILITY, facility) < 0 ||
            asprintf(&li, "%s=%s", SRC_LABEL_IMAGE, ref) < 0 ||
            asprintf(&lu, "%s=%s", SRC_LABEL_USER, user) < 0)
                return -ENOMEM;
        berth_workload_init(&w);
        w.image = strdup(ref);
        r = w.image ? 0 : -ENOMEM;
        if (r >= 0)
                r = strv_extend(&w.labels, lf);
        if (r >= 0)
                r = strv_extend(&w.labels, li);
        if (r >= 0)
                r = strv_extend(&w.labels, lu);
        if (r >= 0)
                r = berth_container_create(a->s,
                                           &(struct berth_container_def){
                                                   .name = name,
                                                   .workload = &w,
                                                   .engine = "docker",
                                                   .start = false,
                                           },
                                           NULL, NULL, err);
        berth_workload_done(&w);
        if (r < 0)
                return berth_error_prefix(err, "app '%s' could not be created", name);
        return 0;
}

int src_create_checks(struct src_apps *a, const char *image, const char *user, char **ret_ref,
                      char **ret_name, struct berth_error *err)
{
        _cleanup_free_ char *ref = NULL, *name = NULL;
        int r;

        if (!image || !*image)
                return berth_error_set(err, EINVAL, "image is required (?image=)");
        if (!user || !*user)
                return berth_error_set(err, EINVAL, "user is required (?user=)");
        r = src_user_valid(user, err);
        if (r >= 0)
                r = src_image_with_tag(image, &ref, err);
        if (r >= 0)
                r = src_app_name(ref, user, &name, err);
        if (r < 0)
                return r;
        r = src_image_approved(a, ref, err);
        if (r < 0)
                return r;
        if (r == 0)
                return berth_error_set(err, EACCES,
                                       "image '%s' is not approved: request it (request-image) "
                                       "and have it approved (approve-image)",
                                       ref);
        *ret_ref = TAKE_PTR(ref);
        *ret_name = TAKE_PTR(name);
        return 0;
}

int src_app_create(struct src_apps *a, const char *facility, const char *image, const char *user,
                   char **ret_name, struct berth_error *err)
{
        _cleanup_free_ char *ref = NULL, *name = NULL;
        struct berth_engine *e;
        uint64_t id;
        int r;

        /* Every check before the engine hears of anything. */
        r = src_create_checks(a, image, user, &ref, &name, err);
        if (r < 0)
                return r;
        if (berth_container_find(a->s, name, &id) >= 0)
                return berth_error_set(err, EEXIST, "app '%s' already exists", name);
        r = need_engine(a, &e, err);
        if (r < 0)
                return r;
        /* An image of the allow-list, or one removed since its approval. */
        r = berth_docker_image_exists(e, ref, err);
        if (r == 0)
                r = berth_docker_pull(e, ref, NULL, err);
        if (r < 0)
                return berth_error_prefix(err, "app '%s': image '%s'", name, ref);
        r = make_app(a, facility, ref, user, name, err);
        if (r < 0)
                return r;
        if (ret_name)
                *ret_name = TAKE_PTR(name);
        return 0;
}

static int stop_app(struct src_apps *a, uint64_t id, struct berth_error *err)
{
        int r;

        r = berth_container_set_state(a->s, id, BERTH_CONTAINER_EXITED, NULL, NULL, err);
        if (r >= 0)
                (void)berth_container_wait_ended(a->s, id,
                                                 BERTH_STOP_TIMEOUT_DEFAULT_MS + KILL_WAIT_MS);
        return r;
}

static bool live(enum berth_container_state s)
{
        return s == BERTH_CONTAINER_RUNNING || s == BERTH_CONTAINER_PAUSED ||
               s == BERTH_CONTAINER_STOPPING;
}

int src_app_do(struct src_apps *a, const char *facility, const char *name, enum src_op op,
               struct berth_error *err)
{
        struct app_info x;
        uint64_t id;
        int r;

        r = app_find(a, facility, name, &id, &x, err);
        if (r < 0)
                return r;
        switch (op) {
        case SRC_OP_START:
                if (x.state == BERTH_CONTAINER_PAUSED)
                        r = berth_error_set(err, EBUSY, "app '%s' is paused: unpause it", name);
                else if (x.state == BERTH_CONTAINER_RUNNING)
                        r = berth_error_set(err, EBUSY, "app '%s' is already running", name);
                else
                        r = berth_container_set_state(a->s, id, BERTH_CONTAINER_RUNNING, NULL, NULL,
                                                      err);
                break;
        case SRC_OP_STOP:
                if (!live(x.state))
                        r = berth_error_set(err, EBUSY, "app '%s' is not running (%s)", name,
                                            berth_container_state_to_string(x.state));
                else
                        r = stop_app(a, id, err);
                break;
        case SRC_OP_PAUSE:
                if (x.state != BERTH_CONTAINER_RUNNING)
                        r = berth_error_set(err, EBUSY, "app '%s' is not running (%s)", name,
                                            berth_container_state_to_string(x.state));
                else
                        r = berth_container_set_state(a->s, id, BERTH_CONTAINER_PAUSED, NULL, NULL,
                                                      err);
                break;
        case SRC_OP_UNPAUSE:
                if (x.state != BERTH_CONTAINER_PAUSED)
                        r = berth_error_set(err, EBUSY, "app '%s' is not paused (%s)", name,
                                            berth_container_state_to_string(x.state));
                else
                        r = berth_container_set_state(a->s, id, BERTH_CONTAINER_RUNNING, NULL, NULL,
                                                      err);
                break;
        case SRC_OP_RESTART:
                if (live(x.state))
                        r = stop_app(a, id, err);
                if (r >= 0)
                        r = berth_container_set_state(a->s, id, BERTH_CONTAINER_RUNNING, NULL, NULL,
                                                      err);
                break;
        case SRC_OP_KILL:
                if (!live(x.state))
                        r = berth_error_set(err, EBUSY, "app '%s' is not running (%s)", name,
                                            berth_container_state_to_string(x.state));
                else
                        r = berth_container_kill(a->s, id, SIGKILL, err);
                if (r >= 0)
                        (void)berth_container_wait_ended(a->s, id, KILL_WAIT_MS);
                break;
        case SRC_OP_DELETE:
        case SRC_OP_HARD_RESET:
                if (live(x.state))
                        (void)stop_app(a, id, &(struct berth_error){});
                r = berth_store_delete(a->s, BERTH_OBJ_CONTAINER, id, /* force= */ true, NULL, NULL,
                                       err);
                if (r >= 0 && op == SRC_OP_HARD_RESET)
                        r = make_app(a, facility, x.image, x.user, name, err);
                break;
        }
        app_info_done(&x);
        if (r < 0) {
                (void)berth_error_ensure(err, r, "app");
                if (!strstr(err->msg, name))
                        (void)berth_error_prefix(err, "app '%s'", name);
        }
        return r < 0 ? r : 0;
}

int src_app_list(struct src_apps *a, const char *facility, const char *name, json_t **ret,
                 struct berth_error *err)
{
        _cleanup_free_ char *label = NULL;
        json_auto_t *filters = NULL, *l = NULL;
        struct berth_engine *e;
        json_t *item;
        size_t i;
        int r;

        if (name) {
                r = src_app_split(name, NULL, NULL, err);
                if (r < 0)
                        return r;
        }
        r = need_engine(a, &e, err);
        if (r < 0)
                return r;
        if (asprintf(&label, "%s=%s", SRC_LABEL_FACILITY, facility) < 0)
                return -ENOMEM;
        filters = json_pack("{s:[s]}", "label", label);
        if (!filters)
                return -ENOMEM;
        r = berth_docker_containers(e, filters, true, &l, err);
        if (r < 0)
                return r;
        if (!json_is_array(l))
                return berth_error_set(err, EIO,
                                       "the docker engine's container list is not a list");
        if (!name) {
                *ret = TAKE_PTR(l);
                return 0;
        }
        json_array_foreach (l, i, item) {
                size_t j;
                json_t *n;

                json_array_foreach (json_object_get(item, "Names"), j, n) {
                        const char *s = json_string_value(n);
                        if (s && (streq(s, name) || (s[0] == '/' && streq(s + 1, name)))) {
                                json_t *one = json_array();
                                if (!one || json_array_append(one, item) < 0) {
                                        json_decref(one);
                                        return -ENOMEM;
                                }
                                *ret = one;
                                return 0;
                        }
                }
        }
        return berth_error_set(err, ENOENT, "app '%s' does not exist in facility '%s'", name,
                               facility);
}
