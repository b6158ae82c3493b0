/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "logkeep.h"
#include "macro.h"
#include "mountfs.h"
#include "persist.h"
#include "pidref.h"
#include "rbd.h"
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
        struct berth_record_link *links;
        size_t n_links;
        unsigned invalid;
};

static int load_one(const char *path, json_t *j, const char *error, void *userdata)
{
        struct recovery *rc = userdata;
        struct berth_error err = {};
        struct berth_obj *o = NULL;
        struct item *v;
        int r;

        r = j ? berth_record_decode(rc->s, j, &o, &rc->links, &rc->n_links, &err)
              : berth_error_set(&err, EINVAL, "%s", error ? error : "unreadable");
        if (r >= 0) {
                v = realloc(rc->items, sizeof(*v) * (rc->n_items + 1));
                if (!v) {
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
        for (size_t i = 0; i < rc->n_links; i++) {
                struct berth_record_link *l = &rc->links[i];
                if (!find_item(rc, l->type, l->id))
                        item_of(rc, l->parent)->broken = true;
        }
        for (size_t i = 0; i < rc->n_links; i++) {
                struct berth_record_link *l = &rc->links[i];
                struct item *child = find_item(rc, l->type, l->id);
                int r;

                if (item_of(rc, l->parent)->broken)
                        continue;
                berth_record_link_set(l, child->obj);
                r = obj_claim(child->obj, l->parent, l->owned);
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
        char desc[64];
        int r;

        if (it->result != R_PENDING)
                return it->result == R_VISITING ? R_LOST : it->result;
        it->result = R_VISITING;
        obj_for_each_child(o, readopt_child, &c);
        if (it->broken) {
                /* A delete cut short: the children went first (a container releases its
                 * mount before its own record goes). */
                if (o->type == BERTH_OBJ_CONTAINER)
                        (void)container_readopt(rc->s, (struct berth_container *)o, NULL);
                r = berth_error_set(&err, ENOENT,
                                    "its record names an object that has none (a delete was "
                                    "cut short): removing it");
        } else if (o->removed)
                r = 0; /* deleted by force earlier; only its holders keep it */
        else if (o->type == BERTH_OBJ_ATTACH)
                r = attach_readopt(rc->s, (struct berth_attach *)o, c.all_back, &err);
        else if (o->type == BERTH_OBJ_MOUNT)
                r = mount_readopt(rc->s, (struct berth_mount *)o, c.all_back, &err);
        else
                r = container_readopt(rc->s, (struct berth_container *)o, &err);

        (void)berth_obj_describe(o, desc, sizeof(desc));
        if (r < 0 && o->type == BERTH_OBJ_CONTAINER && !it->broken) {
                /* A container is never dropped: it is dead, and says why. */
                struct berth_container *ct = (struct berth_container *)o;
                log_warning("Recovering %s: %s; it is dead", desc, err.msg);
                free(ct->error);
                ct->error = strdup(err.msg);
                ct->state = BERTH_CONTAINER_DEAD;
                ct->pid = 0;
                r = 1;
        } else if (r < 0) {
                log_warning("Recovering %s: lost: %s", desc, err.msg);
                it->result = R_LOST;
                return R_LOST;
        }
        if (r > 0 && o->type != BERTH_OBJ_CONTAINER)
                log_info("Recovering %s: %s again", desc,
                         o->type == BERTH_OBJ_ATTACH ? "attached" : "mounted");
        it->result = r > 0 ? R_REBUILT : R_KEPT;
        return it->result;
}

/* ---- what a crash left without a record ------------------------------------------ */

static void known_path(char ***l, const char *p)
{
        if (p)
                (void)strv_extend(l, p);
}

static char **known_paths(struct berth_store *s)
{
        char **l = calloc(1, sizeof(char *));

        for (struct berth_obj *o = s->all; o && l; o = o->all_next)
                if (o->type == BERTH_OBJ_MOUNT) {
                        struct berth_mount *m = (struct berth_mount *)o;
                        if (!m->detached)
                                known_path(&l, m->mountpoint);
                        known_path(&l, m->overlay.upperdir);
                        known_path(&l, m->overlay.workdir);
                        known_path(&l, m->overlay.upper_mount);
                } else if (o->type == BERTH_OBJ_ATTACH) {
                        struct berth_attach *a = (struct berth_attach *)o;
                        if (a->kind == BERTH_ATTACH_RBD)
                                known_path(&l, a->rbd.helper.mountpoint);
                } else if (o->type == BERTH_OBJ_CONTAINER)
                        known_path(&l, ((struct berth_container *)o)->dir);
        return l;
}

/* Unmount (lazily: a user we do not know of keeps what it has open) and remove every
 * entry of dir that no object knows. A berth-rbd helper ends when its FUSE mount goes. */
static unsigned sweep_dir(const char *dir, char *const *known)
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

/* berth-rbd processes serving a mountpoint under <state>/rbd that no attachment knows
 * (a crash between the helper's start and the record): ended through a pidfd. */
static unsigned sweep_helpers(struct berth_store *s)
{
        _cleanup_free_ char *prefix = NULL;
        struct dirent *de;
        unsigned n = 0;
        DIR *d;

        if (asprintf(&prefix, "%s/", s->rbd_dir) < 0)
                return 0;
        d = opendir("/proc");
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *cmd = NULL;
                char path[64];
                size_t len = 0;
                bool ours = false, known = false;
                pid_t pid;
                int fd;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                pid = (pid_t)atoi(de->d_name);
                (void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
                if (read_file(path, 1 << 16, &cmd, &len) < 0 || !strstr(cmd, "berth-rbd"))
                        continue;
                for (size_t i = 0; i + strlen(prefix) <= len && !ours; i += strlen(cmd + i) + 1)
                        ours = strncmp(cmd + i, prefix, strlen(prefix)) == 0;
                for (struct berth_obj *o = s->all; o && ours && !known; o = o->all_next)
                        known = o->type == BERTH_OBJ_ATTACH &&
                                ((struct berth_attach *)o)->rbd.helper.pid == pid;
                if (!ours || known)
                        continue;
                fd = pidfd_open_checked(pid, 0);
                if (fd < 0)
                        continue;
                /* Checked again through the pidfd: still a berth-rbd of ours. */
                {
                        _cleanup_free_ char *again = NULL;
                        if (read_file(path, 1 << 16, &again, NULL) < 0 ||
                            !strstr(again, "berth-rbd")) {
                                safe_close(fd);
                                continue;
                        }
                }
                log_info("Stopping berth-rbd (pid %d): no attachment uses it (left by a berthd "
                         "that died)",
                         (int)pid);
                (void)rbd_helper_stop(&(struct rbd_helper){ .pid = pid, .pidfd = fd }, false, 3000);
                safe_close(fd);
                n++;
        }
        if (d)
                closedir(d);
        return n;
}

/* Groups under berth's parent that no container owns any more. */
static unsigned sweep_cgroups(struct berth_store *s)
{
        const struct berth_cgroup_system *cs = s->cgroups;
        _cleanup_strv_free_ char **names = NULL;
        unsigned n = 0;

        if (!cs || cs->layout == BERTH_CGROUP_NONE)
                return 0;
        for (int c = -1; c < _BERTH_CG_MAX; c++) {
                const char *root = c < 0 ? cs->v2 : cs->v1[c];
                _cleanup_free_ char *parent = NULL;
                struct dirent *de;
                DIR *d;

                if (!root || asprintf(&parent, "%s/%s", root, cs->parent) < 0)
                        continue;
                d = opendir(parent);
                if (!d)
                        continue;
                while ((de = readdir(d)))
                        if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
                            !strv_contains(names, de->d_name))
                                (void)strv_extend(&names, de->d_name);
                closedir(d);
        }
        STRV_FOREACH (name, names) {
                struct berth_cgroup *cg = NULL;
                bool owned = false;
                char *end;
                unsigned long long id = strtoull(*name, &end, 10);

                for (struct berth_obj *o = s->all; o && !*end && end != *name; o = o->all_next)
                        if (o->type == BERTH_OBJ_CONTAINER && o->id == id &&
                            ((struct berth_container *)o)->cg)
                                owned = true;
                if (owned)
                        continue;
                /* Only groups berth names: a container id, or "z<n>" of a zygote that
                 * the old berthd had not handed out yet. Anything else under the parent
                 * is not ours to judge. */
                if ((*end || end == *name) &&
                    !((*name)[0] == 'z' && (*name)[1] &&
                      strspn(*name + 1, "0123456789") == strlen(*name + 1)))
                        continue;
                if (berth_cgroup_open(cs, *name, &cg, NULL) < 0)
                        continue;
                if (!berth_cgroup_is_empty(cg))
                        log_warning("cgroup %s/%s has processes but no container: killing them",
                                    cs->parent, *name);
                else
                        log_debug("Removing cgroup %s/%s: no container owns it", cs->parent, *name);
                (void)berth_cgroup_destroy(cg);
                n++;
        }
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

/* Is logfile the log of a container the store has? */
static bool log_in_use(const char *logfile, void *userdata)
{
        struct berth_store *s = userdata;
        bool found = false;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER] && !found; i++) {
                const struct berth_container *c =
                        (const struct berth_container *)s->table[BERTH_OBJ_CONTAINER][i];
                found = streq_ptr(c->logfile, logfile);
        }
        pthread_mutex_unlock(&s->lock);
        return found;
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
                o = it->obj;
                counts[o->type][it->result]++;
                if (it->result == R_LOST) {
                        if (o->type == BERTH_OBJ_CONTAINER)
                                container_forget(s, (struct berth_container *)o);
                        if (o->type == BERTH_OBJ_MOUNT)
                                ((struct berth_mount *)o)->detached = true;
                        if (o->registered)
                                store_unregister(s, o); /* "deleted"; record kept if held */
                        continue;
                }
                if (o->removed)
                        continue;
                if (o->type == BERTH_OBJ_CONTAINER)
                        container_adopted(s, (struct berth_container *)o, it->result == R_REBUILT);
                else {
                        if (o->type == BERTH_OBJ_ATTACH)
                                attach_committed(s, (struct berth_attach *)o);
                        if (it->result == R_REBUILT)
                                (void)berth_persist_save(s->persist, o, NULL);
                }
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

        swept += sweep_helpers(s);
        known = known_paths(s);
        if (known) {
                _cleanup_free_ char *containers = NULL;
                swept += sweep_dir(s->mounts_dir, known);
                swept += sweep_dir(s->rbd_dir, known);
                if (asprintf(&containers, "%s/containers", s->state_dir) >= 0)
                        swept += sweep_dir(containers, known);
        }
        swept += sweep_cgroups(s);
        {
                /* The logs of containers deleted before: kept within the budget. */
                _cleanup_free_ char *logs = NULL;
                if (asprintf(&logs, "%s/logs", s->state_dir) >= 0 &&
                    berth_logkeep_scan(s->logkeep, logs, log_in_use, s) < 0)
                        log_warning("Could not list the logs in '%s'", logs);
        }
        if (n_items > 0)
                (void)berth_persist_flush_counters(s->persist, s->next_id);

        if (n_items > 0 || swept > 0 || rc.invalid > 0)
                log_info("Recovered from %s: attachments %u kept, %u attached again, %u lost; "
                         "mounts %u kept, %u mounted again, %u lost; containers %u running or "
                         "as recorded, %u changed state; %u leftovers removed; %u records "
                         "unusable",
                         s->state_dir, counts[BERTH_OBJ_ATTACH][R_KEPT],
                         counts[BERTH_OBJ_ATTACH][R_REBUILT], counts[BERTH_OBJ_ATTACH][R_LOST],
                         counts[BERTH_OBJ_MOUNT][R_KEPT], counts[BERTH_OBJ_MOUNT][R_REBUILT],
                         counts[BERTH_OBJ_MOUNT][R_LOST], counts[BERTH_OBJ_CONTAINER][R_KEPT],
                         counts[BERTH_OBJ_CONTAINER][R_REBUILT], swept, rc.invalid);
        r = 0;
out:
        free(rc.items);
        free(rc.links);
        return r;
}
