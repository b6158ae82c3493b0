/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The door's containers after they end: counting the crashes of those that restart on
 * failure, their Dobby roots, and removing what ended for good (a reaper on the store's
 * events, and a sweep before every call), as under Dobby.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "dobby-root.h"
#include "dobby-spec.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "jdec.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "oci-nat.h"
#include "oci-util.h"
#include "oci-reaper.h"
#include "store.h"
#include "strv.h"

/* ---- failures of containers that restart on failure ---------------------------------- */

static struct crashes *crashes_find_locked(struct oci_containers *oc, uint64_t id)
{
        for (size_t i = 0; i < oc->n_crashes; i++)
                if (oc->crashes[i].id == id)
                        return &oc->crashes[i];
        return NULL;
}

static unsigned crashes_of(struct oci_containers *oc, uint64_t id)
{
        struct crashes *k;
        unsigned n;

        pthread_mutex_lock(&oc->crash_lock);
        k = crashes_find_locked(oc, id);
        n = k ? k->n : 0;
        pthread_mutex_unlock(&oc->crash_lock);
        return n;
}

static void crashes_add(struct oci_containers *oc, uint64_t id)
{
        struct crashes *k, *n;

        pthread_mutex_lock(&oc->crash_lock);
        k = crashes_find_locked(oc, id);
        if (!k) {
                n = reallocarray(oc->crashes, oc->n_crashes + 1, sizeof(*n));
                if (n) {
                        oc->crashes = n;
                        k = &n[oc->n_crashes++];
                        *k = (struct crashes){ .id = id };
                }
        }
        if (k)
                k->n++;
        pthread_mutex_unlock(&oc->crash_lock);
}

static void crashes_forget(struct oci_containers *oc, uint64_t id)
{
        struct crashes *k;

        pthread_mutex_lock(&oc->crash_lock);
        k = crashes_find_locked(oc, id);
        if (k)
                *k = oc->crashes[--oc->n_crashes];
        pthread_mutex_unlock(&oc->crash_lock);
}

/* Has it ended, and will nothing start it again (the store's lock held)? A restart
 * policy that may still restart it keeps it (the native engine's rules, restart.c). */
static bool ended_for_good(struct oci_containers *oc, const struct berth_container *c)
{
        if (c->state != BERTH_CONTAINER_EXITED && c->state != BERTH_CONTAINER_DEAD)
                return false;
        switch (c->w.restart) {
        case BERTH_RESTART_NO:
                return true;
        case BERTH_RESTART_ON_FAILURE:
                /* After restart_max restarts the engine gives up, which the door tells
                 * from the failures it saw. FIXME: a failure whose event fell out of the
                 * ring is not counted, a restarted berthd counts from 0 (as the engine
                 * does), and a restart that could not start (the engine tries no more) is
                 * one failure more, not the end: such a container stays until a stop. */
                return c->stop_requested || (c->exit_code == 0 && c->signal == 0) ||
                       (c->w.restart_max > 0 && crashes_of(oc, c->obj.id) > c->w.restart_max);
        case BERTH_RESTART_ALWAYS:
        case BERTH_RESTART_UNLESS_STOPPED:
        case _BERTH_RESTART_MAX:
        case _BERTH_RESTART_INVALID:
        default:
                return c->stop_requested;
        }
}

/* ---- Dobby roots ---------------------------------------------------------------------- */

/* Its Dobby root, when it has one: a copy, or NULL. */
static char *root_of(struct oci_containers *oc, uint64_t id)
{
        struct berth_container *c;
        char *root = NULL;

        pthread_mutex_lock(&oc->store->lock);
        c = berth_container_lookup_locked(oc->store, id);
        if (c && dobby_root_is_below(oc->roots, c->w.root_path))
                root = strdup(c->w.root_path);
        pthread_mutex_unlock(&oc->store->lock);
        return root;
}

/* Its NAT address ("a.b.c.d/N"), when it has one: a copy, or NULL. */
static char *nat_of(struct oci_containers *oc, uint64_t id)
{
        struct berth_container *c;
        char *addr = NULL;

        pthread_mutex_lock(&oc->store->lock);
        c = berth_container_lookup_locked(oc->store, id);
        if (c && c->w.nat_addr)
                addr = strdup(c->w.nat_addr);
        pthread_mutex_unlock(&oc->store->lock);
        return addr;
}

/* The root of a container that is gone (NULL: none): its processes are, and its
 * mounts were in its own namespace. */
void oc_remove_root(struct oci_containers *oc, const char *root)
{
        int r;

        if (!root)
                return;
        r = dobby_root_remove(oc->roots, root);
        if (r < 0)
                log_warning("OCIContainer: the root '%s' could not be removed: %s", root,
                            strerror(-r));
}

struct roots_keep {
        const struct oci_containers *oc;
        char **keep;
};

static int visit_roots(struct berth_obj *o, void *userdata)
{
        struct roots_keep *k = userdata;
        struct berth_container *c = berth_obj_to_container(o);

        if (!dobby_root_is_below(k->oc->roots, c->w.root_path))
                return 0;
        return strv_extend(&k->keep, c->w.root_path);
}

/* Remove the roots that no container has: those of containers removed by another door
 * (the ImageAPI), or left by a crash. */
static void sweep_roots(struct oci_containers *oc)
{
        struct roots_keep k = { .oc = oc };
        int r = 0;

        /* The NAT bridge and table too, when the last "nat" container went that way
         * (and once at the start: berthd may have stopped or crashed after it). */
        oci_nat_sweep(oc->nat, oc->store);
        if (!oc->roots)
                return;
        pthread_mutex_lock(&oc->roots_lock);
        /* After a removal under way, which removes its root itself. Without the whole
         * list, nothing can be told to be unused. */
        pthread_mutex_lock(&oc->reap_lock);
        STRV_FOREACH (m, oc->making)
                if (r >= 0)
                        r = strv_extend(&k.keep, *m);
        if (r >= 0 && berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_roots, &k) >= 0)
                dobby_roots_sweep(oc->roots, k.keep);
        pthread_mutex_unlock(&oc->reap_lock);
        pthread_mutex_unlock(&oc->roots_lock);
        strv_free(k.keep);
}

/* Forget root among those in making (roots_lock taken here). */
void oc_making_done(struct oci_containers *oc, const char *root)
{
        pthread_mutex_lock(&oc->roots_lock);
        for (char **m = oc->making; m && *m; m++)
                if (streq(*m, root)) {
                        free(*m);
                        memmove(m, m + 1, (strv_length(m + 1) + 1) * sizeof(char *));
                        break;
                }
        pthread_mutex_unlock(&oc->roots_lock);
}

/* ---- reaping ---------------------------------------------------------------------------- */

/* Delete it (force: SIGKILL first), and when it is gone, its root. reap_lock held. */
int oc_delete_locked(struct oci_containers *oc, uint64_t id, bool force, struct berth_error *err)
{
        _cleanup_free_ char *root = root_of(oc, id), *nat = nat_of(oc, id);
        int r;

        r = berth_store_delete(oc->store, BERTH_OBJ_CONTAINER, id, force, NULL, NULL, err);
        if (r >= 0) {
                crashes_forget(oc, id);
                oc_remove_root(oc, root);
                if (nat)
                        oci_nat_release(oc->nat, nat);
                oci_nat_sweep(oc->nat, oc->store);
        }
        return r;
}

/* Remove it if it is one of the door's and has ended for good, and its root with it. The
 * plain delete refuses a container that runs again meanwhile (a restart won the race).
 * Called with start_lock held too: the root goes here, not by a sweep. */
void oc_reap(struct oci_containers *oc, uint64_t id)
{
        struct berth_store *s = oc->store;
        struct berth_error err = {};
        struct berth_container *c;
        bool ended;
        int r = 0;

        pthread_mutex_lock(&oc->reap_lock);
        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        ended = c && oc_ours_locked(oc, c) >= 0 && ended_for_good(oc, c);
        pthread_mutex_unlock(&s->lock);
        if (ended)
                r = oc_delete_locked(oc, id, /* force= */ false, &err);
        pthread_mutex_unlock(&oc->reap_lock);
        if (r < 0 && r != -ENOENT && r != -EBUSY)
                log_warning("OCIContainer: container %llu has ended but could not be removed: %s",
                            (unsigned long long)id, err.msg);
}

/* A failure of one of the door's containers that restarts on failure, as its event tells
 * it (a failed end is "dead"). */
static void count_crash(struct oci_containers *oc, const struct berth_event *e)
{
        struct berth_container *c;
        bool counts;

        if (e->exit_code == 0 && e->signal == 0)
                return;
        pthread_mutex_lock(&oc->store->lock);
        c = berth_container_lookup_locked(oc->store, e->id);
        counts = c && oc_ours_locked(oc, c) >= 0 && c->w.restart == BERTH_RESTART_ON_FAILURE &&
                 !c->stop_requested;
        pthread_mutex_unlock(&oc->store->lock);
        if (counts)
                crashes_add(oc, e->id);
}

struct ids {
        struct oci_containers *oc;
        uint64_t *ids;
        size_t n;
};

static int visit_ended(struct berth_obj *o, void *userdata)
{
        struct ids *l = userdata;
        struct berth_container *c = berth_obj_to_container(o);
        uint64_t *n;

        if (oc_ours_locked(l->oc, c) < 0 || !ended_for_good(l->oc, c))
                return 0;
        n = reallocarray(l->ids, l->n + 1, sizeof(uint64_t));
        if (!n)
                return -ENOMEM;
        l->ids = n;
        l->ids[l->n++] = c->obj.id;
        return 0;
}

/* Remove every container of the door that has ended for good, and the roots nothing
 * has. */
void oc_sweep(struct oci_containers *oc)
{
        struct ids l = { .oc = oc };

        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_ended, &l);
        for (size_t i = 0; i < l.n; i++)
                oc_reap(oc, l.ids[i]);
        free(l.ids);
        sweep_roots(oc);
}

void *oc_reaper_main(void *userdata)
{
        struct oci_containers *oc = userdata;
        struct berth_events *ev = oc->store->events;
        struct berth_event buf[32];
        uint64_t after = oc->events_after;

        while (!__atomic_load_n(&oc->stopping, __ATOMIC_SEQ_CST)) {
                bool lost = false;
                int n = berth_events_wait(ev, after, REAPER_POLL_MS, buf, ELEMENTSOF(buf), &lost);

                if (n < 0)
                        break; /* the bus closes: berthd stops */
                if (lost)
                        oc_sweep(oc);
                for (int i = 0; i < n; i++) {
                        const struct berth_event *e = &buf[i];

                        after = e->seq;
                        if (e->type != BERTH_OBJ_CONTAINER || e->kind[0])
                                continue;
                        if (streq(e->event, "exited") || streq(e->event, "dead")) {
                                count_crash(oc, e);
                                oc_reap(oc, e->id);
                        } else if (streq(e->event, "deleted"))
                                sweep_roots(oc);
                }
        }
        return NULL;
}
