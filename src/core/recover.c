/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "mountfs.h"
#include "persist.h"
#include "record.h"
#include "recover.h"
#include "store-internal.h"
#include "strv.h"

enum {
        R_PENDING,
        R_VISITING,
        R_KEPT,    /* found as recorded */
        R_REBUILT, /* attached / mounted again, or a container whose state changed */
        R_LOST,
};

struct item {
        struct berth_obj *obj;
        int result;
        bool broken; /* its record names a child that has no record */
};

struct recovery {
        struct berth_store *s;
        struct item *items;
        size_t n_items;
        struct berth_record_links links;
        unsigned invalid;
};

static int decode(struct berth_store *s, json_t *j, struct berth_obj **ret,
                  struct berth_record_links *links, struct berth_error *err)
{
        int type = berth_record_type(j, err);

        if (type < 0)
                return type;
        if (!store_ops(s, type))
                return berth_error_set(err, EINVAL, "this berthd has no %s objects",
                                       berth_obj_type_to_string(type));
        return berth_record_decode(store_ops(s, type), s, j, ret, links, err);
}

static int load_one(const char *path, json_t *j, const char *error, void *userdata)
{
        struct recovery *rc = userdata;
        struct berth_error err = {};
        struct berth_obj *o = NULL;
        size_t n_links = rc->links.n;
        struct item *v;
        int r;

        r = j ? decode(rc->s, j, &o, &rc->links, &err)
              : berth_error_set(&err, EINVAL, "%s", error ? error : "unreadable");
        if (r < 0 && o)
                store_free_obj(rc->s, o);
        if (r >= 0) {
                v = realloc(rc->items, sizeof(*v) * (rc->n_items + 1));
                if (!v) {
                        /* Its links would name a freed object. */
                        rc->links.n = n_links;
                        store_free_obj(rc->s, o);
                        return -ENOMEM;
                }
                rc->items = v;
                v[rc->n_items++] = (struct item){ .obj = o };
                return 0;
        }
        /* Kept for a human to look at, out of the way of the next start. */
        {
                _cleanup_free_ char *aside = NULL;
                if (asprintf(&aside, "%s.invalid", path) >= 0)
                        (void)rename(path, aside);
        }
        log_error("Record '%s' cannot be used (%s); moved aside to '%s.invalid'", path, err.msg,
                  path);
        rc->invalid++;
        return r;
}

static int cmp_item(const void *a, const void *b)
{
        const struct berth_obj *x = ((const struct item *)a)->obj,
                               *y = ((const struct item *)b)->obj;

        if (x->type != y->type)
                return x->type < y->type ? -1 : 1;
        return x->id < y->id ? -1 : x->id > y->id;
}

static struct item *find_item(struct recovery *rc, enum berth_obj_type type, uint64_t id)
{
        struct berth_obj key = { .type = type, .id = id };
        struct item k = { .obj = &key };

        if (rc->n_items == 0)
                return NULL;
        return bsearch(&k, rc->items, rc->n_items, sizeof(struct item), cmp_item);
}

static struct item *item_of(struct recovery *rc, struct berth_obj *o)
{
        return find_item(rc, o->type, o->id);
}

/* Claims from the children lists. A record naming a child without a record (a crash
 * in the middle of a cascade) makes its object broken: it claims nothing and is lost. */
static int link_all(struct recovery *rc)
{
        for (size_t i = 0; i < rc->links.n; i++) {
                struct berth_record_link *l = &rc->links.v[i];
                if (!find_item(rc, l->type, l->id))
                        item_of(rc, l->parent)->broken = true;
        }
        for (size_t i = 0; i < rc->links.n; i++) {
                struct berth_record_link *l = &rc->links.v[i];
                struct item *child = find_item(rc, l->type, l->id);
                int r;

                if (item_of(rc, l->parent)->broken)
                        continue;
                store_ops(rc->s, l->parent->type)->link(l->parent, l->slot, l->index, child->obj);
                r = obj_claim(rc->s, child->obj, l->parent, l->owned);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct child_ctx {
        struct recovery *rc;
        bool all_back;
};

static int readopt(struct recovery *rc, struct item *it);

static void readopt_child(struct berth_obj *child, void *userdata)
{
        struct child_ctx *c = userdata;

        if (readopt(c->rc, item_of(c->rc, child)) == R_LOST)
                c->all_back = false;
}

static int readopt(struct recovery *rc, struct item *it)
{
        struct child_ctx c = { .rc = rc, .all_back = true };
        struct berth_error err = {};
        struct berth_obj *o = it->obj;
        const struct berth_obj_ops *ops = store_ops(rc->s, o->type);
        char desc[64];
        int r;

        if (it->result != R_PENDING)
                return it->result == R_VISITING ? R_LOST : it->result;
        it->result = R_VISITING;
        obj_for_each_child(rc->s, o, readopt_child, &c);

        if (it->broken) {
                /* A delete cut short: the children went first (a container releases its
                 * mount before its own record goes). */
                if (ops->broken)
                        ops->broken(rc->s, o);
                r = berth_error_set(&err, ENOENT,
                                    "its record names an object that has none (a delete was "
                                    "cut short): removing it");
        } else if (o->removed)
                r = 0; /* deleted by force earlier; only its holders keep it */
        else
                r = ops->readopt ? ops->readopt(rc->s, o, c.all_back, &err) : 0;
        (void)berth_obj_describe(o, desc, sizeof(desc));
        if (r < 0 && !it->broken && ops->lost && ops->lost(rc->s, o, &err) > 0)
                r = 1; /* the type keeps it (a container is dead, not gone) */
        else if (r < 0) {
                log_warning("Recovering %s: lost: %s", desc, err.msg);
                it->result = R_LOST;
                return R_LOST;
        }
        if (r > 0)
                log_info("Recovering %s: brought back", desc);
        it->result = r > 0 ? R_REBUILT : R_KEPT;
        return it->result;
}

/* ---- what a crash left without a record ------------------------------------------ */

static char **known_paths(struct berth_store *s)
{
        char **l = calloc(1, sizeof(char *));

        for (struct berth_obj *o = s->all; o && l; o = o->all_next)
                if (store_ops(s, o->type)->known_paths)
                        store_ops(s, o->type)->known_paths(o, &l);
        return l;
}

/* Unmount (lazily: a user we do not know of keeps what it has open) and remove every
 * entry of dir that no object knows. A berth-rbd helper ends when its FUSE mount goes. */
unsigned berth_sweep_dir(const char *dir, char *const *known)
{
        unsigned n = 0;
        struct dirent *de;
        DIR *d = opendir(dir);

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        break;
                if (strv_contains(known, p))
                        continue;
                mountfs_umount_all(p);
                if (rm_rf_physical(p) < 0)
                        (void)unlink(p);
                log_info("Removed '%s': no record names it (left by a berthd that died)", p);
                n++;
        }
        closedir(d);
        return n;
}

/* ---- the whole pass ------------------------------------------------------------------ */

/* An object nobody holds that is not the user's (its owner's record is gone: a crash
 * in the middle of a cascade), or a removed one whose last holder is gone. */
static struct berth_obj *next_unheld(struct berth_store *s)
{
        for (struct berth_obj *o = s->all; o; o = o->all_next)
                if (o->n_holders == 0 && (!o->user || o->removed))
                        return o;
        return NULL;
}

static void log_recovered(struct berth_store *s, unsigned counts[][5], unsigned swept,
                          unsigned invalid)
{
        char line[512];
        size_t n = 0;

        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++) {
                int k = snprintf(line + n, sizeof(line) - n,
                                 "%s: %u kept, %u brought back, %u lost; ",
                                 berth_obj_type_to_string((enum berth_obj_type)t),
                                 counts[t][R_KEPT], counts[t][R_REBUILT], counts[t][R_LOST]);
                if (k < 0 || (size_t)k >= sizeof(line) - n)
                        break;
                n += (size_t)k;
        }
        log_info("Recovered from %s: %s%u leftovers removed; %u records unusable", s->state_dir,
                 line, swept, invalid);
}

int berth_store_recover(struct berth_store *s)
{
        struct recovery rc = { .s = s };
        size_t n_items;
        unsigned counts[_BERTH_OBJ_TYPE_MAX][5] = {}, swept = 0;
        _cleanup_strv_free_ char **known = NULL;
        struct berth_obj *o;
        int r;

        r = berth_persist_load(s->persist, load_one, &rc);
        if (r < 0)
                log_warning_errno(r, "Failed to read the records: %m");
        if (rc.n_items > 0)
                qsort(rc.items, rc.n_items, sizeof(struct item), cmp_item);
        for (size_t i = 0; i < rc.n_items; i++) {
                o = rc.items[i].obj;
                if (i > 0 && cmp_item(&rc.items[i - 1], &rc.items[i]) == 0)
                        continue; /* cannot happen: one file per (type, id) */
                if (!o->removed && store_register(s, o) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        r = link_all(&rc);
        if (r < 0)
                goto out;

        for (size_t i = 0; i < rc.n_items; i++)
                (void)readopt(&rc, &rc.items[i]);

        for (size_t i = 0; i < rc.n_items; i++) {
                struct item *it = &rc.items[i];
                const struct berth_obj_ops *ops;

                o = it->obj;
                ops = store_ops(s, o->type);
                counts[o->type][it->result]++;
                if (it->result == R_LOST) {
                        if (ops->forget)
                                ops->forget(s, o);
                        if (o->registered)
                                store_unregister(s, o); /* "deleted"; record kept if held */
                        continue;
                }
                if (o->removed)
                        continue;
                if (ops->adopted)
                        ops->adopted(s, o, it->result == R_REBUILT);
                else if (it->result == R_REBUILT)
                        (void)store_save(s, o, NULL);
        }
        n_items = rc.n_items;
        free(rc.items);
        rc.items = NULL;
        /* From here objects may be freed: only the store's own list is used. */
        while ((o = next_unheld(s))) {
                char desc[64];
                log_info("Recovering %s: %s", berth_obj_describe(o, desc, sizeof(desc)),
                         o->removed ? "its last holder is gone" : "its owner is gone: removing it");
                store_destroy(s, o);
        }

        known = known_paths(s);
        for (int t = 0; known && t < _BERTH_OBJ_TYPE_MAX; t++)
                if (store_ops(s, t) && store_ops(s, t)->sweep)
                        swept += store_ops(s, t)->sweep(s, known);
        if (n_items > 0)
                (void)berth_persist_flush_counters(s->persist, s->next_id);

        if (n_items > 0 || swept > 0 || rc.invalid > 0)
                log_recovered(s, counts, swept, rc.invalid);
        r = 0;
out:
        free(rc.items);
        free(rc.links.v);
        return r;
}
