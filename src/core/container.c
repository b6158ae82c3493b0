/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container object: its life as a client sees it (create, state changes, exec,
 * delete), its log lines, events and record. Its engine (engine.h) does the running;
 * this file knows no engine. The type's registration, records and recovery are in
 * container-type.c.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "container-internal.h"
#include "error.h"
#include "log.h"
#include "macro.h"
#include "persist.h"
#include "strv.h"

static const char *const state_names[_BERTH_CONTAINER_STATE_MAX] = {
        [BERTH_CONTAINER_CREATED] = "created", [BERTH_CONTAINER_RUNNING] = "running",
        [BERTH_CONTAINER_PAUSED] = "paused",   [BERTH_CONTAINER_STOPPING] = "stopping",
        [BERTH_CONTAINER_EXITED] = "exited",   [BERTH_CONTAINER_DEAD] = "dead",
};

const char *berth_container_state_to_string(enum berth_container_state s)
{
        return s >= 0 && s < _BERTH_CONTAINER_STATE_MAX ? state_names[s] : NULL;
}

enum berth_container_state berth_container_state_from_string(const char *s)
{
        for (int i = 0; s && i < _BERTH_CONTAINER_STATE_MAX; i++)
                if (streq(state_names[i], s))
                        return (enum berth_container_state)i;
        return _BERTH_CONTAINER_STATE_INVALID;
}

void berth_container_log(const struct berth_container *c, const char *fmt, ...)
{
        char line[2048], msg[1024], prefix[96], tbuf[32];
        time_t now = time(NULL);
        size_t len = 0;
        struct stat st;
        struct tm tm;
        va_list ap;
        int fd;

        if (!c->logfile)
                return;
        (void)localtime_r(&now, &tm);
        (void)strftime(tbuf, sizeof(tbuf), "%Y/%m/%d %H:%M:%S", &tm);
        (void)snprintf(prefix, sizeof(prefix), "%s container(%llu): ", tbuf,
                       (unsigned long long)c->obj.id);
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* One line per line of the message, each with the prefix; one write. */
        for (char *m = msg, *nl;; m = nl + 1) {
                nl = strchr(m, '\n');
                len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%.*s\n", prefix,
                                        nl ? (int)(nl - m) : (int)strlen(m), m);
                if (!nl || len >= sizeof(line) - 1)
                        break;
        }
        len = MIN(len, sizeof(line) - 1);
        /* Never blocking, and only into a regular file: a log at a path a client named
         * (log_path) may have been swapped for a FIFO or a device meanwhile. */
        fd = open(c->logfile, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                (void)close(fd);
                return;
        }
        (void)!write(fd, line, len);
        (void)close(fd);
}

/* ---- what engines use ------------------------------------------------------------- */

void berth_container_publish(struct berth_store *s, const struct berth_container *c,
                             const char *what)
{
        store_publish(s, (struct berth_obj *)&c->obj, what);
}

void berth_container_set_state_locked(struct berth_store *s, struct berth_container *c,
                                      enum berth_container_state st)
{
        c->state = st;
        berth_store_changed(s);
        pthread_cond_broadcast(&s->cond);
}

void berth_container_persist(struct berth_store *s, struct berth_container *c)
{
        json_t *j;

        pthread_mutex_lock(&s->lock);
        j = store_record(s, &c->obj);
        pthread_mutex_unlock(&s->lock);
        if (berth_persist_write(s->persist, BERTH_OBJ_CONTAINER, c->obj.id, j, NULL) < 0)
                log_warning("Failed to write the record of container %llu",
                            (unsigned long long)c->obj.id);
}

struct berth_container *berth_container_lookup_locked(struct berth_store *s, uint64_t id)
{
        struct berth_obj *o;

        return store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, NULL) >= 0 ? container_of(o) : NULL;
}

const char *berth_container_state_dir(struct berth_store *s)
{
        return s->state_dir;
}

struct berth_logkeep *berth_container_logkeep(struct berth_store *s)
{
        return cctx(s)->logkeep;
}

/* ---- engines ---------------------------------------------------------------------- */

int berth_container_add_engine(struct berth_store *s, struct berth_engine *e)
{
        struct container_ctx *C = cctx(s);

        if (!C || C->n_engines >= BERTH_ENGINES_MAX)
                return -ENOSPC;
        C->engines[C->n_engines++] = e;
        return 0;
}

struct berth_engine *berth_container_engine(struct berth_store *s, const char *name)
{
        struct container_ctx *C = cctx(s);

        for (size_t i = 0; C && i < C->n_engines; i++)
                if (!name || streq(C->engines[i]->name, name))
                        return C->engines[i];
        return NULL;
}

/* ---- create ----------------------------------------------------------------------- */

static struct berth_container *find_by_name_locked(struct berth_store *s, const char *name)
{
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER]; i++) {
                struct berth_container *c = container_of(s->table[BERTH_OBJ_CONTAINER][i]);
                if (streq_ptr(c->name, name))
                        return c;
        }
        return NULL;
}

int berth_container_find(struct berth_store *s, const char *name, uint64_t *ret_id)
{
        struct berth_container *c;

        pthread_mutex_lock(&s->lock);
        c = find_by_name_locked(s, name);
        if (c)
                *ret_id = c->obj.id;
        pthread_mutex_unlock(&s->lock);
        return c ? 0 : -ENOENT;
}

static void machine_id(char out[33])
{
        uint8_t b[16];

        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                memset(b, 0x42, sizeof(b));
        b[6] = (b[6] & 0x0f) | 0x40; /* a v4 UUID, as systemd expects of container_uuid */
        b[8] = (b[8] & 0x3f) | 0x80;
        for (int i = 0; i < 16; i++)
                (void)snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The host name a container gets when the request sets none: its name, made a valid
 * host name (63 bytes, letters, digits, '-' and '.', not starting with either). */
static char *hostname_from(const char *name)
{
        char h[64];
        size_t n = 0;

        for (const char *p = name; p && *p && n < sizeof(h) - 1; p++) {
                char ch = *p;
                if (n == 0 && (ch == '.' || ch == '-' || ch == '_'))
                        continue;
                h[n++] = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-",
                                ch)
                                 ? ch
                                 : '-';
        }
        h[n] = 0;
        return strdup(n ? h : "berth");
}

struct berth_container *container_alloc(struct berth_store *s, const char *name,
                                        const struct berth_workload *w, struct berth_engine *e)
{
        struct berth_container *c = container_of(
                store_alloc(s, BERTH_OBJ_CONTAINER, sizeof(struct berth_container), true));

        if (!c)
                return NULL;
        c->exit_code = -1;
        c->state = BERTH_CONTAINER_CREATED;
        c->engine = e;
        berth_workload_init(&c->w);
        machine_id(c->machine_id);
        (void)clock_gettime(CLOCK_REALTIME, &c->created_at);
        c->name = name ? strdup(name) : NULL;
        if ((name && !c->name) || (w && berth_workload_copy(&c->w, w) < 0) ||
            (!c->w.hostname && !(c->w.hostname = hostname_from(name))) ||
            (e->ops->state_new && e->ops->state_new(e, c) < 0)) {
                store_free_obj(s, &c->obj);
                return NULL;
        }
        return c;
}

static int check_def(struct berth_store *s, const struct berth_container_def *def,
                     struct berth_engine **ret, struct berth_error *err)
{
        *ret = berth_container_engine(s, def->engine);
        if (!*ret)
                return def->engine ? berth_error_set(err, EOPNOTSUPP,
                                                     "this berthd has no engine '%s'", def->engine)
                                   : berth_error_set(err, EOPNOTSUPP,
                                                     "this berthd has no container engine");
        if (def->workload && def->workload->systemd && cctx(s)->refuse_privileged)
                return berth_error_set(err, EPERM,
                                       "systemd mode makes a privileged container "
                                       "(CAP_SYS_ADMIN, no no_new_privs), and this berthd "
                                       "refuses those (--refuse-privileged)");
        return 0;
}

/* The object, its root and what its engine needs, registered; not started. */
static int create_locked(struct berth_store *s, const struct berth_container_def *def,
                         struct berth_engine *e, struct berth_container **ret,
                         struct berth_error *err)
{
        uint64_t saved[_BERTH_OBJ_TYPE_MAX];
        struct berth_container *c;
        struct berth_obj *m;
        int r;

        pthread_mutex_lock(&s->lock);
        c = def->name ? find_by_name_locked(s, def->name) : NULL;
        if (c)
                r = berth_error_set(err, EEXIST, "a container named '%s' exists (container %llu)",
                                    def->name, (unsigned long long)c->obj.id);
        memcpy(saved, s->next_id, sizeof(saved));
        pthread_mutex_unlock(&s->lock);
        if (c)
                return r;

        c = container_alloc(s, def->name, def->workload, e);
        if (!c)
                return -ENOMEM;
        r = def->root ? store_build(s, BERTH_OBJ_MOUNT, def->root, &c->obj, /* ro_hint= */ false,
                                    &m, err)
                      : 0;
        if (r >= 0) {
                c->mount = def->root ? berth_obj_to_mount(m) : NULL;
                r = e->ops->validate ? e->ops->validate(e, c, err) : 0;
        }
        if (r >= 0)
                r = store_commit(s, &c->obj, err);
        if (r < 0) {
                store_abort(s, &c->obj);
                return r;
        }
        r = e->ops->create ? e->ops->create(e, c, err) : 0;
        if (r < 0) {
                /* Nothing of a failed request stays: not its files, records, ids, or the
                 * mounts it defined. */
                store_uncommit(s, &c->obj, saved);
                (void)e->ops->remove(e, c, BERTH_REMOVE_DISCARD, NULL);
                store_abort(s, &c->obj);
                return r;
        }
        *ret = c;
        return 0;
}

int berth_container_create(struct berth_store *s, const struct berth_container_def *def,
                           berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        uint64_t saved[_BERTH_OBJ_TYPE_MAX];
        struct berth_container *c = NULL;
        struct berth_engine *e;
        int r;

        r = check_def(s, def, &e, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->op_lock);
        memcpy(saved, s->next_id, sizeof(saved));
        r = create_locked(s, def, e, &c, err);
        if (r < 0)
                goto out;
        berth_container_log(c, "container created");
        berth_container_publish(s, c, "created");
        if (def->start) {
                r = e->ops->start(e, c, err);
                if (r < 0) {
                        store_uncommit(s, &c->obj, saved);
                        (void)e->ops->remove(e, c, BERTH_REMOVE_DISCARD, NULL);
                        store_abort(s, &c->obj);
                        goto out;
                }
        } else
                berth_container_persist(s, c);
        if (fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(&c->obj, userdata);
                pthread_mutex_unlock(&s->lock);
        }
out:
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

/* ---- state changes ---------------------------------------------------------------- */

static int start_or_die(struct berth_store *s, struct berth_container *c, struct berth_error *err)
{
        int r = c->engine->ops->start(c->engine, c, err);

        if (r < 0) {
                pthread_mutex_lock(&s->lock);
                free(c->error);
                c->error = strdup(err ? err->msg : "start failed");
                berth_container_set_state_locked(s, c, BERTH_CONTAINER_DEAD);
                pthread_mutex_unlock(&s->lock);
                berth_container_persist(s, c);
                berth_container_publish(s, c, "dead");
        }
        return r;
}

static int not_running(struct berth_container *c, struct berth_error *err)
{
        return berth_error_set(err, EBUSY, "container %llu is %s, not running",
                               (unsigned long long)c->obj.id,
                               berth_container_state_to_string(c->state));
}

static int set_state(struct berth_store *s, struct berth_container *c,
                     enum berth_container_state target, struct berth_error *err)
{
        struct berth_engine *e = c->engine;

        switch (target) {
        case BERTH_CONTAINER_RUNNING:
                if (c->state == BERTH_CONTAINER_PAUSED)
                        return e->ops->resume(e, c, err);
                if (c->state == BERTH_CONTAINER_STOPPING)
                        return berth_error_set(err, EBUSY, "container %llu is stopping",
                                               (unsigned long long)c->obj.id);
                if (c->state != BERTH_CONTAINER_RUNNING)
                        return start_or_die(s, c, err);
                return 0;
        case BERTH_CONTAINER_EXITED:
                /* Also when it is not running: the engine may have a restart to cancel. */
                if (c->state != BERTH_CONTAINER_STOPPING)
                        return e->ops->stop(e, c, err);
                return 0;
        case BERTH_CONTAINER_PAUSED:
                if (c->state == BERTH_CONTAINER_RUNNING)
                        return e->ops->pause(e, c, err);
                return c->state == BERTH_CONTAINER_PAUSED ? 0 : not_running(c, err);
        case BERTH_CONTAINER_CREATED:
        case BERTH_CONTAINER_STOPPING:
        case BERTH_CONTAINER_DEAD:
        case _BERTH_CONTAINER_STATE_MAX:
        case _BERTH_CONTAINER_STATE_INVALID:
        default:
                return berth_error_set(err, EINVAL,
                                       "a container can be set running, exited or "
                                       "paused");
        }
}

int berth_container_set_state(struct berth_store *s, uint64_t id, enum berth_container_state target,
                              berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        struct berth_obj *o;
        int r;

        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        r = store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, err);
        pthread_mutex_unlock(&s->lock);
        if (r >= 0)
                r = set_state(s, container_of(o), target, err);
        if (r >= 0 && fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(o, userdata);
                pthread_mutex_unlock(&s->lock);
        }
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

int berth_container_kill(struct berth_store *s, uint64_t id, int sig, struct berth_error *err)
{
        struct berth_container *c;
        struct berth_obj *o;
        int r;

        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        r = store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, err);
        c = r >= 0 ? container_of(o) : NULL;
        if (c && !container_live(c))
                r = not_running(c, err);
        pthread_mutex_unlock(&s->lock);
        if (r >= 0)
                r = c->engine->ops->kill(c->engine, c, sig, err);
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

int berth_container_wait_ended(struct berth_store *s, uint64_t id, uint64_t timeout_ms)
{
        struct timespec deadline;
        int r = 0;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t)(timeout_ms / 1000);
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&s->lock);
        for (;;) {
                struct berth_container *c = berth_container_lookup_locked(s, id);
                if (!c || !container_live(c))
                        break;
                r = pthread_cond_timedwait(&s->cond, &s->lock, &deadline);
                if (r == ETIMEDOUT) {
                        c = berth_container_lookup_locked(s, id);
                        r = c && container_live(c) ? -ETIMEDOUT : 0;
                        break;
                }
                r = 0;
        }
        pthread_mutex_unlock(&s->lock);
        return r;
}

void berth_exec_result_done(struct berth_exec_result *r)
{
        free(r->output);
        *r = (struct berth_exec_result){ .exit_code = -1 };
}

/* A request that uses a container outside op_lock (exec, logs) pins it: a delete
 * ends it first (its engine's remove), then waits for the pins to go before the object
 * is freed. */
static int pin(struct berth_store *s, uint64_t id, bool running, struct berth_container **ret,
               struct berth_error *err)
{
        struct berth_container *c;
        struct berth_obj *o;
        int r;

        pthread_mutex_lock(&s->lock);
        r = store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, err);
        c = r >= 0 ? container_of(o) : NULL;
        if (c && running && c->state != BERTH_CONTAINER_RUNNING)
                r = not_running(c, err);
        if (r >= 0)
                c->pins++;
        pthread_mutex_unlock(&s->lock);
        *ret = c;
        return r;
}

static void unpin(struct berth_store *s, struct berth_container *c)
{
        pthread_mutex_lock(&s->lock);
        c->pins--;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

int berth_container_exec(struct berth_store *s, uint64_t id, const struct berth_exec *x,
                         struct berth_exec_result *ret, struct berth_error *err)
{
        struct berth_container *c;
        int r;

        r = pin(s, id, /* running= */ true, &c, err);
        if (r < 0)
                return r;
        r = c->engine->ops->exec ? c->engine->ops->exec(c->engine, c, x, ret, err)
                                 : berth_error_set(err, EOPNOTSUPP, "the %s engine has no exec",
                                                   c->engine->name);
        unpin(s, c);
        return r;
}

int berth_container_logs(struct berth_store *s, uint64_t id, const struct berth_logs_query *q,
                         berth_log_line_fn fn, void *userdata, struct berth_error *err)
{
        struct berth_container *c;
        int r;

        r = pin(s, id, /* running= */ false, &c, err);
        if (r < 0)
                return r;
        r = c->engine->ops->logs ? c->engine->ops->logs(c->engine, c, q, fn, userdata, err)
                                 : berth_error_set(err, EOPNOTSUPP, "the %s engine keeps no logs",
                                                   c->engine->name);
        unpin(s, c);
        return r;
}

static int pinned_call(struct berth_store *s, uint64_t id, bool top, json_t **ret,
                       struct berth_error *err)
{
        struct berth_container *c;
        int (*fn)(struct berth_engine *, struct berth_container *, json_t **, struct berth_error *);
        int r;

        *ret = NULL;
        r = pin(s, id, /* running= */ false, &c, err);
        if (r < 0)
                return r;
        fn = top ? c->engine->ops->top : c->engine->ops->inspect;
        r = fn ? fn(c->engine, c, ret, err)
               : berth_error_set(err, EOPNOTSUPP, "the %s engine has no %s", c->engine->name,
                                 top ? "process list" : "inspect");
        unpin(s, c);
        return r;
}

int berth_container_top(struct berth_store *s, uint64_t id, json_t **ret, struct berth_error *err)
{
        return pinned_call(s, id, true, ret, err);
}

int berth_container_inspect(struct berth_store *s, uint64_t id, json_t **ret,
                            struct berth_error *err)
{
        return pinned_call(s, id, false, ret, err);
}

/* ---- delete ----------------------------------------------------------------------- */

bool container_live(const struct berth_container *c)
{
        return c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
               c->state == BERTH_CONTAINER_STOPPING;
}

int container_check_delete(struct berth_store *s, struct berth_obj *o, bool force,
                           struct berth_error *err)
{
        struct berth_container *c = container_of(o);
        int r;

        (void)s;
        if (!container_live(c) || force)
                return 0;
        r = berth_error_set(err, EBUSY, "container %llu is %s: stop it first",
                            (unsigned long long)c->obj.id,
                            berth_container_state_to_string(c->state));
        (void)berth_error_hint(err, BERTH_HINT_FORCE);
        return r;
}

int container_teardown(struct berth_store *s, struct berth_obj *o, bool force, bool defer,
                       struct berth_error *err)
{
        struct berth_container *c = container_of(o);
        int r;

        (void)defer;
        r = container_check_delete(s, o, force, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        c->deleting = true;
        pthread_mutex_unlock(&s->lock);
        r = c->engine->ops->remove(c->engine, c, 0, err);
        if (r < 0) {
                pthread_mutex_lock(&s->lock);
                c->deleting = false;
                pthread_mutex_unlock(&s->lock);
                return r;
        }
        /* An exec or a log reader ends with the container; the object goes after them. */
        pthread_mutex_lock(&s->lock);
        while (c->pins > 0)
                pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
        return 0;
}

void container_free_fields(struct berth_obj *o)
{
        struct berth_container *c = container_of(o);

        if (c->engine && c->engine->ops->state_free)
                c->engine->ops->state_free(c->engine, c);
        free(c->name);
        berth_workload_done(&c->w);
        free(c->logfile);
        free(c->dir);
        free(c->error);
}

void container_release(struct berth_store *s, struct berth_obj *o)
{
        struct berth_container *c = container_of(o);

        if (c->mount)
                obj_unclaim(s, &c->mount->obj, &c->obj);
        c->mount = NULL;
        container_free_fields(o);
}

/* ---- stopping everything (berthd --shutdown-containers) ---------------------------- */

struct ids {
        uint64_t *v;
        size_t n;
        uint64_t max_stop_ms;
};

static int collect_live(struct berth_obj *o, void *userdata)
{
        struct berth_container *c = container_of(o);
        struct ids *ids = userdata;
        uint64_t *n;

        if (!container_live(c))
                return 0;
        ids->max_stop_ms = MAX(ids->max_stop_ms, c->w.stop_timeout_ms);
        n = realloc(ids->v, sizeof(*n) * (ids->n + 1));
        if (!n)
                return -ENOMEM;
        ids->v = n;
        n[ids->n++] = o->id;
        return 0;
}

static unsigned count_live_locked(struct berth_store *s)
{
        unsigned n = 0;

        for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER]; i++)
                n += container_live(container_of(s->table[BERTH_OBJ_CONTAINER][i]));
        return n;
}

int berth_store_shutdown(struct berth_store *s)
{
        struct ids live = {};
        struct timespec deadline;
        unsigned left = 0;

        /* Every container is asked to stop at once (its stop signal, SIGKILL after its
         * stop timeout), then all are waited for together. */
        if (berth_store_visit_all(s, BERTH_OBJ_CONTAINER, collect_live, &live) < 0) {
                free(live.v);
                return -ENOMEM;
        }
        for (size_t i = 0; i < live.n; i++) {
                struct berth_error err = {};
                if (berth_container_set_state(s, live.v[i], BERTH_CONTAINER_EXITED, NULL, NULL,
                                              &err) < 0)
                        log_warning("Stopping container %llu: %s", (unsigned long long)live.v[i],
                                    err.msg);
        }
        free(live.v);
        (void)clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t)(live.max_stop_ms / 1000) + 10;
        pthread_mutex_lock(&s->lock);
        while ((left = count_live_locked(s)) > 0 &&
               pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == 0)
                ;
        pthread_mutex_unlock(&s->lock);
        if (left > 0)
                log_warning("%u containers did not stop in time; they are killed", left);
        return berth_store_remove_all(s);
}
