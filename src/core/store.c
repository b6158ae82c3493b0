/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "events.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "persist.h"
#include "pidref.h"
#include "record.h"
#include "store-internal.h"

const char *berth_obj_describe(const struct berth_obj *o, char *buf, size_t size)
{
        (void)snprintf(buf, size, "%s %llu", berth_obj_type_to_string(o->type),
                       (unsigned long long)o->id);
        return buf;
}

int berth_store_new(const struct berth_store_config *cfg, struct berth_store **ret,
                    struct berth_error *err)
{
        struct berth_store *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        pthread_mutex_init(&s->op_lock, NULL);
        pthread_mutex_init(&s->lock, NULL);
        {
                pthread_condattr_t a;
                pthread_condattr_init(&a);
                pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
                pthread_cond_init(&s->cond, &a);
                pthread_condattr_destroy(&a);
        }
        (void)boot_id(s->boot_id);
        s->state_dir = strdup(cfg->state_dir ? cfg->state_dir : "/run/berth");
        if (!s->state_dir) {
                berth_store_free(s);
                return -ENOMEM;
        }
        r = mkdir_p(s->state_dir, 0700);
        if (r >= 0 && access(s->state_dir, W_OK) < 0)
                r = -errno;
        if (r < 0) {
                berth_error_set_errno(err, -r, "state directory '%s' is not usable", s->state_dir);
                berth_store_free(s);
                return r;
        }
        r = berth_persist_open(s->state_dir, s->next_id, &s->persist, err);
        if (r < 0) {
                berth_store_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int berth_store_register_type(struct berth_store *s, enum berth_obj_type type,
                              const struct berth_obj_ops *ops, void *data)
{
        if (type < 0 || type >= _BERTH_OBJ_TYPE_MAX || s->types[type].ops || !ops ||
            !ops->for_each_child || !ops->release || !ops->free_fields)
                return -EINVAL;
        s->types[type].ops = ops;
        s->types[type].data = data;
        return 0;
}

struct berth_store *berth_store_free(struct berth_store *s)
{
        if (!s)
                return NULL;
        /* Only memory: the kernel objects stay up, and their records with them. */
        while (s->all) {
                struct berth_obj *o = s->all;

                s->all = o->all_next;
                store_ops(s, o->type)->free_fields(o);
                free(o->holders);
                free(o);
        }
        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++) {
                free(s->table[t]);
                if (s->types[t].ops && s->types[t].ops->done)
                        s->types[t].ops->done(s, s->types[t].data);
        }
        if (s->persist)
                (void)berth_persist_flush_counters(s->persist, s->next_id);
        berth_persist_free(s->persist);
        pthread_mutex_destroy(&s->op_lock);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s->state_dir);
        free(s);
        return NULL;
}

struct berth_obj *store_alloc(struct berth_store *s, enum berth_obj_type type, size_t size,
                              bool user)
{
        struct berth_obj *o = calloc(1, size);

        if (!o)
                return NULL;
        o->type = type;
        o->user = user;
        store_link(s, o);
        return o;
}

void store_link(struct berth_store *s, struct berth_obj *o)
{
        pthread_mutex_lock(&s->lock);
        o->all_prev = NULL;
        o->all_next = s->all;
        if (s->all)
                s->all->all_prev = o;
        s->all = o;
        pthread_mutex_unlock(&s->lock);
}

void store_unlink(struct berth_store *s, struct berth_obj *o)
{
        pthread_mutex_lock(&s->lock);
        if (o->all_prev)
                o->all_prev->all_next = o->all_next;
        else if (s->all == o)
                s->all = o->all_next;
        if (o->all_next)
                o->all_next->all_prev = o->all_prev;
        o->all_prev = o->all_next = NULL;
        pthread_mutex_unlock(&s->lock);
}

/* ---- table --------------------------------------------------------------------- */

static ssize_t table_find(struct berth_store *s, enum berth_obj_type type, uint64_t id)
{
        size_t lo = 0, hi = s->n_table[type];

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                uint64_t mid_id = s->table[type][mid]->id;

                if (mid_id == id)
                        return (ssize_t)mid;
                if (mid_id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

static int table_add(struct berth_store *s, struct berth_obj *o)
{
        struct berth_obj **n;

        n = realloc(s->table[o->type], sizeof(*n) * (s->n_table[o->type] + 1));
        if (!n)
                return -ENOMEM;
        s->table[o->type] = n;
        /* Ids grow monotonically, so appending keeps the table sorted. */
        n[s->n_table[o->type]++] = o;
        berth_store_changed(s);
        return 0;
}

static void table_remove(struct berth_store *s, struct berth_obj *o)
{
        ssize_t i = table_find(s, o->type, o->id);

        if (i < 0 || s->table[o->type][i] != o)
                return;
        memmove(&s->table[o->type][i], &s->table[o->type][i + 1],
                sizeof(struct berth_obj *) * (s->n_table[o->type] - (size_t)i - 1));
        s->n_table[o->type]--;
        berth_store_changed(s);
}

int store_lookup(struct berth_store *s, enum berth_obj_type type, uint64_t id,
                 struct berth_obj **ret, struct berth_error *err)
{
        ssize_t i = table_find(s, type, id);

        if (i < 0)
                return berth_error_set(err, ENOENT, "%s %llu not found",
                                       berth_obj_type_to_string(type), (unsigned long long)id);
        *ret = s->table[type][i];
        return 0;
}

int berth_store_visit_all(struct berth_store *s, enum berth_obj_type type, berth_obj_visit_fn fn,
                          void *userdata)
{
        int r = 0;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_table[type] && r >= 0; i++)
                r = fn(s->table[type][i], userdata);
        pthread_mutex_unlock(&s->lock);
        return r;
}

int berth_store_visit_one(struct berth_store *s, enum berth_obj_type type, uint64_t id,
                          berth_obj_visit_fn fn, void *userdata)
{
        ssize_t i;
        int r;

        pthread_mutex_lock(&s->lock);
        i = table_find(s, type, id);
        r = i < 0 ? -ENOENT : fn(s->table[type][i], userdata);
        pthread_mutex_unlock(&s->lock);
        return r;
}

int store_register(struct berth_store *s, struct berth_obj *o)
{
        int r;

        pthread_mutex_lock(&s->lock);
        r = table_add(s, o);
        if (r >= 0)
                o->registered = true;
        if (s->next_id[o->type] <= o->id)
                s->next_id[o->type] = o->id + 1;
        pthread_mutex_unlock(&s->lock);
        return r;
}

/* ---- claims --------------------------------------------------------------------- */

int obj_claim(struct berth_store *s, struct berth_obj *o, struct berth_obj *holder, bool owner)
{
        struct berth_obj **n;

        n = realloc(o->holders, sizeof(*n) * (o->n_holders + 1));
        if (!n)
                return -ENOMEM;
        o->holders = n;
        n[o->n_holders++] = holder;
        if (owner)
                o->owner = holder;
        berth_store_changed(s); /* refs */
        return 0;
}

void store_free_obj(struct berth_store *s, struct berth_obj *o)
{
        store_ops(s, o->type)->release(s, o);
        store_unlink(s, o);
        free(o->holders);
        free(o);
}

int store_save(struct berth_store *s, struct berth_obj *o, struct berth_error *err)
{
        json_t *j;

        pthread_mutex_lock(&s->lock);
        j = store_record(s, o);
        pthread_mutex_unlock(&s->lock);
        return berth_persist_write(s->persist, o->type, o->id, j, err);
}

json_t *store_record(struct berth_store *s, const struct berth_obj *o)
{
        return berth_record_encode(store_ops(s, o->type), o);
}

/* Take o out of the table. Its record stays (marked removed) while holders keep it
 * alive, so that a restarted berthd still knows which directories are in use. */
static void unregister(struct berth_store *s, struct berth_obj *o)
{
        pthread_mutex_lock(&s->lock);
        table_remove(s, o);
        o->removed = true;
        pthread_mutex_unlock(&s->lock);
        store_publish(s, o, "deleted");
        if (o->n_holders > 0)
                (void)store_save(s, o, NULL);
        else
                berth_persist_remove(s->persist, o->type, o->id);
}

static int teardown(struct berth_store *s, struct berth_obj *o, bool lazy, bool defer,
                    struct berth_error *err)
{
        const struct berth_obj_ops *ops = store_ops(s, o->type);

        return ops->teardown ? ops->teardown(s, o, lazy, defer, err) : 0;
}

static void obj_destroy(struct berth_store *s, struct berth_obj *o);

void store_unregister(struct berth_store *s, struct berth_obj *o)
{
        unregister(s, o);
}

void store_destroy(struct berth_store *s, struct berth_obj *o)
{
        obj_destroy(s, o);
}

/* Nothing claims o any more. */
static void obj_destroy(struct berth_store *s, struct berth_obj *o)
{
        char desc[64];

        if (!o->removed) {
                struct berth_error err = {};
                int r;

                /* A cascade from a deleted parent. The client asked for the parent to
                 * go, so a child still busy outside berth is detached lazily rather
                 * than left behind, and that is logged. */
                r = teardown(s, o, /* lazy= */ false, /* defer= */ false, &err);
                if (r == -EBUSY) {
                        log_warning("Detaching %s lazily: %s",
                                    berth_obj_describe(o, desc, sizeof(desc)), err.msg);
                        berth_error_clear(&err);
                        r = teardown(s, o, /* lazy= */ true, /* defer= */ false, &err);
                }
                if (r < 0)
                        log_warning("Tearing down %s failed, ignoring: %s",
                                    berth_obj_describe(o, desc, sizeof(desc)), err.msg);
                if (o->registered)
                        unregister(s, o);
        } else {
                if (store_ops(s, o->type)->finalize)
                        store_ops(s, o->type)->finalize(s, o);
                if (o->registered)
                        berth_persist_remove(s->persist, o->type, o->id);
        }
        store_free_obj(s, o);
}

void obj_unclaim(struct berth_store *s, struct berth_obj *o, struct berth_obj *holder)
{
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < o->n_holders; i++)
                if (o->holders[i] == holder) {
                        memmove(&o->holders[i], &o->holders[i + 1],
                                sizeof(*o->holders) * (o->n_holders - i - 1));
                        o->n_holders--;
                        berth_store_changed(s); /* refs */
                        break;
                }
        if (o->owner == holder)
                o->owner = NULL;
        pthread_mutex_unlock(&s->lock);

        if (!o->user && o->n_holders == 0)
                obj_destroy(s, o);
}

void obj_for_each_child(struct berth_store *s, struct berth_obj *o, obj_child_fn fn, void *userdata)
{
        store_ops(s, o->type)->for_each_child(o, fn, userdata);
}

void store_publish(struct berth_store *s, struct berth_obj *o, const char *what)
{
        const struct berth_obj_ops *ops = store_ops(s, o->type);
        struct berth_event e = { .type = o->type, .id = o->id, .exit_code = -1 };

        if (!s->events)
                return;
        (void)snprintf(e.event, sizeof(e.event), "%s", what);
        if (ops->event)
                ops->event(o, &e);
        berth_events_publish(s->events, &e);
}

static void publish_tree(struct berth_obj *o, void *userdata)
{
        struct {
                struct berth_store *s;
                struct berth_obj *parent;
        } *c = userdata, sub;

        if (c->parent && o->owner != c->parent)
                return;
        sub.s = c->s;
        sub.parent = o;
        obj_for_each_child(c->s, o, publish_tree, &sub);
        if (store_ops(c->s, o->type)->committed)
                store_ops(c->s, o->type)->committed(c->s, o);
        if (!store_ops(c->s, o->type)->own_created_event)
                store_publish(c->s, o, "created");
}

/* ---- commit / abort ------------------------------------------------------------- */

struct commit_ctx {
        struct berth_store *s;
        struct berth_obj *parent;
        int r;
        struct berth_error *err;
};

static void commit_one(struct berth_obj *o, void *userdata);

static void commit_children(struct berth_obj *o, struct commit_ctx *c)
{
        struct commit_ctx sub = { .s = c->s, .parent = o, .err = c->err };

        obj_for_each_child(c->s, o, commit_one, &sub);
        if (sub.r < 0 && c->r >= 0)
                c->r = sub.r;
}

static void commit_one(struct berth_obj *o, void *userdata)
{
        struct commit_ctx *c = userdata;
        int r;

        /* Only objects created by this request (owned by their parent, not yet
         * registered); references already have ids. */
        if (o->registered || (c->parent && o->owner != c->parent))
                return;
        commit_children(o, c);

        pthread_mutex_lock(&c->s->lock);
        o->id = c->s->next_id[o->type]++;
        r = table_add(c->s, o);
        if (r >= 0)
                o->registered = true;
        pthread_mutex_unlock(&c->s->lock);
        if (r < 0 && c->r >= 0)
                c->r = r;
}

static void rollback_one(struct berth_obj *o, void *userdata)
{
        struct commit_ctx *c = userdata;
        struct commit_ctx sub = { .s = c->s, .parent = o };

        if (!o->registered || (c->parent && o->owner != c->parent))
                return;
        obj_for_each_child(c->s, o, rollback_one, &sub);
        pthread_mutex_lock(&c->s->lock);
        table_remove(c->s, o);
        o->registered = false;
        pthread_mutex_unlock(&c->s->lock);
        berth_persist_remove(c->s->persist, o->type, o->id);
        store_publish(c->s, o, "deleted");
}

static void save_one(struct berth_obj *o, void *userdata)
{
        struct commit_ctx *c = userdata;
        struct commit_ctx sub = { .s = c->s, .parent = o, .err = c->err };

        if (c->r < 0 || (c->parent && o->owner != c->parent))
                return;
        obj_for_each_child(c->s, o, save_one, &sub);
        c->r = sub.r < 0 ? sub.r : store_save(c->s, o, c->err);
}

/* The records of root and of every object it owns, after the counters. */
static int save_tree(struct berth_store *s, struct berth_obj *root, struct berth_error *err)
{
        struct commit_ctx c = { .s = s, .parent = NULL, .err = err };
        int r = berth_persist_reserve(s->persist, s->next_id, err);

        if (r < 0)
                return r;
        save_one(root, &c);
        return c.r;
}

int store_commit(struct berth_store *s, struct berth_obj *root, struct berth_error *err)
{
        struct commit_ctx c = { .s = s, .parent = NULL, .err = err };
        uint64_t saved[_BERTH_OBJ_TYPE_MAX];
        int r;

        memcpy(saved, s->next_id, sizeof(saved));
        commit_one(root, &c);
        r = c.r;
        if (r < 0)
                berth_error_set(err, -r, "register %s", berth_obj_type_to_string(root->type));
        else
                r = save_tree(s, root, err);
        if (r < 0) {
                /* Nothing of a failed request may remain, its ids included. */
                struct commit_ctx rb = { .s = s, .parent = NULL };
                rollback_one(root, &rb);
                pthread_mutex_lock(&s->lock);
                memcpy(s->next_id, saved, sizeof(saved));
                pthread_mutex_unlock(&s->lock);
                return r;
        }
        {
                struct {
                        struct berth_store *s;
                        struct berth_obj *parent;
                } pc = { s, NULL };
                publish_tree(root, &pc);
        }
        return 0;
}

void store_uncommit(struct berth_store *s, struct berth_obj *root,
                    const uint64_t saved[_BERTH_OBJ_TYPE_MAX])
{
        struct commit_ctx rb = { .s = s, .parent = NULL };

        rollback_one(root, &rb);
        pthread_mutex_lock(&s->lock);
        memcpy(s->next_id, saved, sizeof(s->next_id));
        pthread_mutex_unlock(&s->lock);
}

void store_abort(struct berth_store *s, struct berth_obj *root)
{
        /* A built but uncommitted root has only the claim of the caller's holder or
         * the user's; mark it unclaimed and destroy it (which cascades). */
        root->user = false;
        obj_destroy(s, root);
}

/* ---- delete --------------------------------------------------------------------- */

static void describe_holders(const struct berth_obj *o, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = 0;
        for (size_t i = 0; i < o->n_holders && n + 1 < size; i++) {
                char d[64];
                int k = snprintf(buf + n, size - n, "%s%s%s", i ? ", " : "",
                                 berth_obj_describe(o->holders[i], d, sizeof(d)),
                                 o->holders[i] == o->owner ? " (its creator)" : "");
                if (k < 0)
                        break;
                n += (size_t)k;
        }
}

static int check_delete(struct berth_store *s, struct berth_obj *o, bool force,
                        struct berth_error *err)
{
        const struct berth_obj_ops *ops = store_ops(s, o->type);
        char desc[64], why[384];

        berth_obj_describe(o, desc, sizeof(desc));
        if (!force && !o->user && o->owner) {
                char od[64];
                int r = berth_error_set(err, EBUSY,
                                        "%s was created as part of %s and is deleted with it", desc,
                                        berth_obj_describe(o->owner, od, sizeof(od)));

                /* Not berth_error_hint()'s result: -EIO when err is NULL. */
                (void)berth_error_hint(err, BERTH_HINT_FORCE);
                return r;
        }
        if (!force && o->n_holders > 0) {
                describe_holders(o, why, sizeof(why));
                return berth_error_set(err, EBUSY, "%s is in use by %s", desc, why);
        }
        return ops->check_delete ? ops->check_delete(s, o, force, err) : 0;
}

int berth_store_delete(struct berth_store *s, enum berth_obj_type type, uint64_t id, bool force,
                       berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        struct berth_obj *o;
        char desc[64];
        int r;

        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        r = store_lookup(s, type, id, &o, err);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                goto out;
        berth_obj_describe(o, desc, sizeof(desc));

        r = check_delete(s, o, force, err);
        if (r < 0)
                goto out;
        if (fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(o, userdata);
                pthread_mutex_unlock(&s->lock);
                if (r < 0) {
                        berth_error_set(err, -r, "encode %s", desc);
                        goto out;
                }
        }

        r = teardown(s, o, force, /* defer= */ o->n_holders > 0, err);
        if (r < 0) {
                berth_error_prefix(err, "%s could not be removed", desc);
                if (r == -EBUSY)
                        berth_error_hint(err, BERTH_HINT_FORCE | BERTH_HINT_LAZY);
                goto out;
        }
        unregister(s, o);
        o->user = false;
        if (o->n_holders == 0) {
                o->removed = true;
                /* Already torn down: only release children and free. */
                obj_destroy(s, o);
        }
        r = 0;
out:
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

/* ---- build and create ------------------------------------------------------------ */

static int resolve_ref(struct berth_store *s, enum berth_obj_type type, const struct berth_ref *ref,
                       struct berth_obj *holder, struct berth_obj **ret, struct berth_error *err)
{
        const struct berth_obj_ops *ops = store_ops(s, type);
        struct berth_obj *o;
        int r;

        if (!holder)
                return berth_error_set(err, EINVAL,
                                       "a new %s cannot be a reference to an existing one",
                                       berth_obj_type_to_string(type));
        pthread_mutex_lock(&s->lock);
        r = store_lookup(s, type, ref->id, &o, err);
        if (r >= 0 && ref->kind >= 0 && ops->kind && ops->kind(o) != ref->kind)
                r = berth_error_set(err, EINVAL, "%s %llu is %s, not %s",
                                    berth_obj_type_to_string(type), (unsigned long long)ref->id,
                                    ops->kind_name(ops->kind(o)), ops->kind_name(ref->kind));
        if (r >= 0)
                r = obj_claim(s, o, holder, /* owner= */ false);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return r;
        *ret = o;
        return 0;
}

int store_build(struct berth_store *s, enum berth_obj_type type, const void *spec,
                struct berth_obj *holder, bool ro_hint, struct berth_obj **ret,
                struct berth_error *err)
{
        const struct berth_obj_ops *ops = store_ops(s, type);
        struct berth_ref ref = { .kind = -1 };

        if (!ops || !ops->build)
                return berth_error_set(err, EOPNOTSUPP, "this berthd has no %s objects",
                                       berth_obj_type_to_string(type));
        if (ops->spec_ref)
                ops->spec_ref(spec, &ref);
        if (ref.is_ref)
                return resolve_ref(s, type, &ref, holder, ret, err);
        return ops->build(s, spec, holder, ro_hint, ret, err);
}

int berth_store_create(struct berth_store *s, enum berth_obj_type type, const void *spec,
                       berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        struct berth_obj *o;
        int r;

        pthread_mutex_lock(&s->op_lock);
        r = store_build(s, type, spec, /* holder= */ NULL, /* ro_hint= */ false, &o, err);
        if (r >= 0) {
                r = store_commit(s, o, err);
                if (r < 0)
                        store_abort(s, o);
        }
        if (r >= 0 && fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(o, userdata);
                pthread_mutex_unlock(&s->lock);
        }
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

void berth_store_metrics(struct berth_store *s, berth_metric_fn fn, void *userdata)
{
        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++)
                if (s->types[t].ops && s->types[t].ops->metrics)
                        s->types[t].ops->metrics(s, fn, userdata);
}

struct ids {
        uint64_t *v;
        size_t n;
};

static int collect_id(struct berth_obj *o, void *userdata)
{
        struct ids *ids = userdata;
        uint64_t *n = realloc(ids->v, sizeof(*n) * (ids->n + 1));

        if (!n)
                return -ENOMEM;
        ids->v = n;
        n[ids->n++] = o->id;
        return 0;
}

int berth_store_remove_all(struct berth_store *s)
{
        int failed = 0;

        /* Types that hold others first (a container its mount, a mount its attachment),
         * newest first within each: an object takes what it was created with along. */
        for (int t = _BERTH_OBJ_TYPE_MAX - 1; t >= 0; t--) {
                struct ids all = {};
                if (!s->types[t].ops)
                        continue;
                if (berth_store_visit_all(s, (enum berth_obj_type)t, collect_id, &all) < 0) {
                        free(all.v);
                        return -ENOMEM;
                }
                for (size_t i = all.n; i > 0; i--) {
                        struct berth_error err = {};
                        int r = berth_store_delete(s, (enum berth_obj_type)t, all.v[i - 1],
                                                   /* force= */ true, NULL, NULL, &err);
                        if (r < 0 && r != -ENOENT) {
                                log_warning("Removing %s %llu: %s",
                                            berth_obj_type_to_string((enum berth_obj_type)t),
                                            (unsigned long long)all.v[i - 1], err.msg);
                                failed++;
                        }
                }
                free(all.v);
        }
        return failed ? -EBUSY : 0;
}
