/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "container.h"
#include "container-internal.h"
#include "error.h"
#include "log.h"
#include "macro.h"
#include "store-internal.h"
#include "strv.h"

#define FORCE_STOP_WAIT_S 10

struct berth_container_spec *berth_container_spec_free(struct berth_container_spec *s)
{
        if (!s)
                return NULL;
        free(s->name);
        berth_mount_spec_free(s->mount);
        free(s->command);
        strv_free(s->args);
        strv_free(s->env);
        free(s->hostname);
        free(s);
        return NULL;
}

/* ---- create ----------------------------------------------------------------------- */

static struct berth_container *find_by_name_locked(struct berth_store *s, const char *name)
{
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER]; i++) {
                struct berth_container *c =
                        (struct berth_container *)s->table[BERTH_OBJ_CONTAINER][i];
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

struct berth_container *container_alloc(struct berth_store *s,
                                        const struct berth_container_spec *spec)
{
        struct berth_container *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->obj.type = BERTH_OBJ_CONTAINER;
        c->obj.user = true;
        c->pidfd = c->console_fd = c->console_slave = c->timer_fd = c->mntns_fd = -EBADF;
        c->exit_code = -1;
        c->state = BERTH_CONTAINER_CREATED;
        c->systemd = spec->systemd;
        c->namespaces = spec->namespaces;
        c->stop_timeout_ms = spec->stop_timeout_ms;
        c->limits = spec->limits;
        machine_id(c->machine_id);
        (void)clock_gettime(CLOCK_REALTIME, &c->created_at);
        store_link(s, &c->obj);
        c->name = strdup_or_null(spec->name);
        c->command = strdup_or_null(spec->command);
        c->args = strv_copy(spec->args);
        c->env_extra = strv_copy(spec->env ? spec->env : (char *[]){ NULL });
        if (!c->hostname) {
                /* Checked with the other allocations by the caller. */
        }
        c->hostname = spec->hostname ? strdup(spec->hostname) : hostname_from(spec->name);
        return c;
}

int berth_container_create(struct berth_store *s, const struct berth_container_spec *spec,
                           berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        _cleanup_free_ char *exec_path = NULL;
        uint64_t saved[_BERTH_OBJ_TYPE_MAX];
        struct berth_container *c;
        bool committed = false;
        int r;

        if (!s->launcher)
                return berth_error_set(err, EOPNOTSUPP, "this berthd has no container launcher");
        if (spec->systemd && s->refuse_privileged)
                return berth_error_set(err, EPERM,
                                       "systemd mode makes a privileged container "
                                       "(CAP_SYS_ADMIN, no no_new_privs), and this berthd "
                                       "refuses those (--refuse-privileged)");
        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        c = spec->name ? find_by_name_locked(s, spec->name) : NULL;
        if (c)
                r = berth_error_set(err, EEXIST, "a container named '%s' exists (container %llu)",
                                    spec->name, (unsigned long long)c->obj.id);
        memcpy(saved, s->next_id, sizeof(saved));
        pthread_mutex_unlock(&s->lock);
        if (c)
                goto out;

        c = container_alloc(s, spec);
        if (!c || !c->args || !c->env_extra || !c->hostname || (spec->name && !c->name)) {
                r = -ENOMEM;
                goto fail;
        }
        r = mount_build(s, spec->mount, &c->obj, &c->mount, err);
        if (r < 0)
                goto fail;
        r = container_resolve_exec(c, &exec_path, err);
        if (r < 0)
                goto fail;
        r = store_commit(s, &c->obj, err);
        if (r < 0)
                goto fail;
        committed = true;
        r = container_prepare_files(s, c, err);
        if (r < 0)
                goto fail;
        container_log(c, "container created");
        container_publish(s, c, "created");
        if (spec->state == BERTH_CONTAINER_RUNNING) {
                r = container_start(s, c, TAKE_PTR(exec_path), err);
                if (r < 0)
                        goto fail;
        } else
                container_persist(s, c);
        if (fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(&c->obj, userdata);
                pthread_mutex_unlock(&s->lock);
        }
        goto out;

fail:
        if (c) {
                /* Nothing of a failed request stays: not its files, records, ids, or the
                 * mounts it defined. */
                if (committed) {
                        store_uncommit(s, &c->obj, saved);
                        container_remove_files(s, c, false);
                }
                store_abort(s, &c->obj);
        }
out:
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

/* ---- state changes ---------------------------------------------------------------- */

static int container_stop(struct berth_store *s, struct berth_container *c, struct berth_error *err)
{
        /* SIGTERM for a plain payload (berth-init forwards it); systemd stops on
         * SIGRTMIN+3 and ignores SIGTERM. */
        int sig = c->systemd ? SIGRTMIN + 3 : SIGTERM;
        bool paused = c->state == BERTH_CONTAINER_PAUSED;
        enum berth_container_state prev = c->state;
        int r;

        /* Recorded before the signal goes: a berthd restarted from here on finishes the
         * stop (container_adopted()). */
        pthread_mutex_lock(&s->lock);
        c->stop_requested = true;
        container_set_state_locked(s, c, BERTH_CONTAINER_STOPPING);
        pthread_mutex_unlock(&s->lock);
        container_persist(s, c);
        pthread_mutex_lock(&s->lock);
        r = 0;
        if (c->state == BERTH_CONTAINER_STOPPING && !c->exit_handled) {
                r = container_signal(c, sig);
                if (r >= 0 || r == -ESRCH)
                        r = container_arm_timer(s, c, c->stop_timeout_ms);
                else {
                        c->stop_requested = false;
                        container_set_state_locked(s, c, prev);
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return berth_error_set_errno(err, -r, "stop container %llu",
                                             (unsigned long long)c->obj.id);
        /* A frozen payload cannot act on the signal until it is thawed. */
        if (paused) {
                struct berth_cgroup *cg = container_cg_pin(s, c);

                if (cg)
                        (void)berth_cgroup_freeze(cg, false, NULL);
                container_cg_unpin(s, c, cg);
        }
        container_log(c, "stopping container (signal %d, timeout %llu ms)", sig,
                      (unsigned long long)c->stop_timeout_ms);
        container_publish(s, c, "stopping");
        return 0;
}

static int container_pause(struct berth_store *s, struct berth_container *c, bool pause,
                           struct berth_error *err)
{
        struct berth_cgroup *cg = container_cg_pin(s, c);
        int r = cg ? berth_cgroup_freeze(cg, pause, err)
                   : berth_error_set(err, EOPNOTSUPP, "the container has no cgroup freezer");

        container_cg_unpin(s, c, cg);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        container_set_state_locked(s, c, pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING);
        pthread_mutex_unlock(&s->lock);
        container_log(c, pause ? "container paused" : "container resumed");
        container_publish(s, c, pause ? "paused" : "running");
        return 0;
}

int berth_container_set_state(struct berth_store *s, uint64_t id, enum berth_container_state target,
                              berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        struct berth_container *c;
        struct berth_obj *o;
        int r;

        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        r = store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, err);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                goto out;
        c = (struct berth_container *)o;

        switch (target) {
        case BERTH_CONTAINER_RUNNING:
                if (c->state == BERTH_CONTAINER_PAUSED)
                        r = container_pause(s, c, false, err);
                else if (c->state == BERTH_CONTAINER_STOPPING)
                        r = berth_error_set(err, EBUSY, "container %llu is stopping",
                                            (unsigned long long)id);
                else if (c->state != BERTH_CONTAINER_RUNNING) {
                        r = container_start(s, c, NULL, err);
                        if (r < 0) {
                                pthread_mutex_lock(&s->lock);
                                free(c->error);
                                c->error = strdup(err ? err->msg : "start failed");
                                container_set_state_locked(s, c, BERTH_CONTAINER_DEAD);
                                pthread_mutex_unlock(&s->lock);
                                container_persist(s, c);
                                container_publish(s, c, "dead");
                        }
                }
                break;
        case BERTH_CONTAINER_EXITED:
                if (c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED)
                        r = container_stop(s, c, err);
                break;
        case BERTH_CONTAINER_PAUSED:
                if (c->state == BERTH_CONTAINER_RUNNING)
                        r = container_pause(s, c, true, err);
                else if (c->state != BERTH_CONTAINER_PAUSED)
                        r = berth_error_set(err, EBUSY, "container %llu is %s, not running",
                                            (unsigned long long)id,
                                            berth_container_state_to_string(c->state));
                break;
        case BERTH_CONTAINER_CREATED:
        case BERTH_CONTAINER_STOPPING:
        case BERTH_CONTAINER_DEAD:
        case _BERTH_CONTAINER_STATE_MAX:
        case _BERTH_CONTAINER_STATE_INVALID:
        default:
                r = berth_error_set(err, EINVAL, "state must be running, exited or paused");
                break;
        }
        if (r >= 0 && fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(&c->obj, userdata);
                pthread_mutex_unlock(&s->lock);
        }
out:
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

/* ---- delete ----------------------------------------------------------------------- */

static bool container_live(const struct berth_container *c)
{
        return c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
               c->state == BERTH_CONTAINER_STOPPING;
}

int container_check_deletable(struct berth_container *c, bool force, struct berth_error *err)
{
        if (container_live(c) && !force)
                return berth_error_set(err, EBUSY,
                                       "container %llu is %s: stop it first (state=exited) or "
                                       "use force=true",
                                       (unsigned long long)c->obj.id,
                                       berth_container_state_to_string(c->state));
        return 0;
}

int container_teardown(struct berth_store *s, struct berth_container *c, bool force,
                       struct berth_error *err)
{
        bool live = container_live(c);
        int r;

        r = container_check_deletable(c, force, err);
        if (r < 0)
                return r;
        if (live) {
                struct berth_cgroup *cg;
                struct timespec deadline;

                pthread_mutex_lock(&s->lock);
                c->stop_requested = true;
                (void)container_signal(c, SIGKILL);
                pthread_mutex_unlock(&s->lock);
                /* The exit handler may run (and drop the cgroups) meanwhile. */
                cg = container_cg_pin(s, c);
                if (cg) {
                        (void)berth_cgroup_kill_all(cg);
                        (void)berth_cgroup_freeze(cg, false, NULL);
                }
                container_cg_unpin(s, c, cg);
                (void)clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += FORCE_STOP_WAIT_S;
                pthread_mutex_lock(&s->lock);
                while (!c->exit_handled)
                        if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != 0)
                                break;
                live = !c->exit_handled;
                pthread_mutex_unlock(&s->lock);
                if (live)
                        return berth_error_set(err, EIO,
                                               "container %llu did not end within %d s of SIGKILL",
                                               (unsigned long long)c->obj.id, FORCE_STOP_WAIT_S);
        }
        /* The supervisor may still be finishing with it (log, event, record). */
        pthread_mutex_lock(&s->lock);
        while (c->busy > 0)
                pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
        container_log(c, "container deleted");
        container_remove_files(s, c, /* keep_log= */ true);
        return 0;
}

void container_release(struct berth_store *s, struct berth_container *c)
{
        if (c->mount)
                obj_unclaim(s, &c->mount->obj, &c->obj);
        c->mount = NULL;
        container_free_fields(c);
}

void container_free_fields(struct berth_container *c)
{
        free(c->name);
        free(c->command);
        strv_free(c->args);
        strv_free(c->env_extra);
        free(c->hostname);
        free(c->logfile);
        free(c->dir);
        free(c->error);
        safe_close(c->pidfd);
        safe_close(c->console_fd);
        safe_close(c->console_slave);
        safe_close(c->timer_fd);
        safe_close(c->mntns_fd);
        berth_cgroup_free(c->cg);
}

void container_for_each_child(struct berth_container *c, void (*fn)(struct berth_obj *, void *),
                              void *userdata)
{
        if (c->mount)
                fn(&c->mount->obj, userdata);
}

/* ---- stopping everything (berthd --shutdown-containers) ---------------------------- */

struct ids {
        uint64_t *v;
        size_t n;
        uint64_t max_stop_ms;
        bool live_only;
};

static int collect(struct berth_obj *o, void *userdata)
{
        struct ids *ids = userdata;
        uint64_t *n;

        if (ids->live_only) {
                struct berth_container *c = (struct berth_container *)o;
                if (c->state != BERTH_CONTAINER_RUNNING && c->state != BERTH_CONTAINER_PAUSED &&
                    c->state != BERTH_CONTAINER_STOPPING)
                        return 0;
                ids->max_stop_ms = MAX(ids->max_stop_ms, c->stop_timeout_ms);
        }
        n = realloc(ids->v, sizeof(*n) * (ids->n + 1));
        if (!n)
                return -ENOMEM;
        ids->v = n;
        n[ids->n++] = o->id;
        return 0;
}

static int count_live(struct berth_obj *o, void *userdata)
{
        struct berth_container *c = (struct berth_container *)o;

        if (c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
            c->state == BERTH_CONTAINER_STOPPING)
                (*(unsigned *)userdata)++;
        return 0;
}

int berth_store_shutdown(struct berth_store *s)
{
        static const enum berth_obj_type order[] = { BERTH_OBJ_CONTAINER, BERTH_OBJ_MOUNT,
                                                     BERTH_OBJ_ATTACH };
        struct ids live = { .live_only = true };
        struct timespec deadline;
        unsigned left = 0;
        int failed = 0;

        /* Every container is asked to stop at once (its stop signal, SIGKILL after its
         * stop_timeout, as a PATCH does), then all are waited for together. */
        if (berth_store_visit_all(s, BERTH_OBJ_CONTAINER, collect, &live) < 0)
                return -ENOMEM;
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
        for (;;) {
                left = 0;
                for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER]; i++)
                        (void)count_live(s->table[BERTH_OBJ_CONTAINER][i], &left);
                if (left == 0 || pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != 0)
                        break;
        }
        pthread_mutex_unlock(&s->lock);
        if (left > 0)
                log_warning("%u containers did not stop in time; they are killed", left);

        /* Then every object, newest first within each kind: a container takes what it
         * was created with along, an overlay goes before the mounts under it. */
        for (size_t t = 0; t < ELEMENTSOF(order); t++) {
                struct ids all = {};
                if (berth_store_visit_all(s, order[t], collect, &all) < 0) {
                        free(all.v);
                        return -ENOMEM;
                }
                for (size_t i = all.n; i > 0; i--) {
                        struct berth_error err = {};
                        int r = berth_store_delete(s, order[t], all.v[i - 1], /* force= */ true,
                                                   NULL, NULL, &err);
                        if (r < 0 && r != -ENOENT) {
                                log_warning("Removing %s %llu: %s",
                                            berth_obj_type_to_string(order[t]),
                                            (unsigned long long)all.v[i - 1], err.msg);
                                failed++;
                        }
                }
                free(all.v);
        }
        return failed ? -EBUSY : 0;
}
