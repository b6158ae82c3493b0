/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container type: what the store, the records and the recovery need of it (struct
 * berth_obj_ops), its engines, and its registration. The object's life is
 * container.c; running it is its engine's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container-internal.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "log.h"
#include "logkeep.h"
#include "macro.h"
#include "record.h"
#include "recover.h"
#include "strv.h"

/* The children a container's record names. */
enum {
        SLOT_MOUNT,
};

static void container_for_each_child(struct berth_obj *o, obj_child_fn fn, void *userdata)
{
        struct berth_container *c = container_of(o);

        if (c->mount)
                fn(&c->mount->obj, userdata);
}

static void container_event(const struct berth_obj *o, struct berth_event *e)
{
        const struct berth_container *c = (const struct berth_container *)o;

        (void)snprintf(e->name, sizeof(e->name), "%s", c->name ? c->name : "");
        (void)snprintf(e->state, sizeof(e->state), "%s", berth_container_state_to_string(c->state));
        e->exit_code = c->exit_code;
        e->signal = c->signal;
        e->oom_killed = c->oom_killed;
}

/* ---- records ------------------------------------------------------------------------- */

static json_t *container_encode(const struct berth_obj *o)
{
        const struct berth_container *c = (const struct berth_container *)o;
        struct berth_engine *e = c->engine;
        json_t *j = json_pack(
                "{s:s?, s:o, s:o, s:s, s:s, s:s?, s:s?, s:i, s:i, s:i, s:b, s:b, s:s, s:I, s:I, "
                "s:I, s:s?}",
                "name", c->name, "mount",
                c->mount ? berth_record_child(&c->obj, &c->mount->obj) : json_null(), "workload",
                berth_workload_to_json(&c->w), "engine", e->name, "state",
                berth_container_state_to_string(c->state), "logfile", c->logfile, "dir", c->dir,
                "pid", (int)c->pid, "exit_code", c->exit_code, "signal", c->signal, "oom_killed",
                c->oom_killed, "stop_requested", c->stop_requested, "machine_id", c->machine_id,
                "created_at", (json_int_t)c->created_at.tv_sec, "started_at",
                (json_int_t)c->started_at.tv_sec, "finished_at", (json_int_t)c->finished_at.tv_sec,
                "error", c->error);

        if (j && e->ops->encode)
                json_object_set_new(j, "engine_state", e->ops->encode(e, c));
        return j;
}

/* A record written before workloads (flat fields): the same workload. */
static int workload_from_v0(json_t *j, struct berth_workload *w)
{
        berth_workload_init(w);
        w->args = berth_record_strv(j, "args");
        w->env = berth_record_strv(j, "env");
        w->command_line = berth_record_strdup(j, "command");
        w->hostname = berth_record_strdup(j, "hostname");
        w->systemd = berth_record_bool(j, "systemd");
        w->namespaces = (unsigned)berth_record_int(j, "namespaces", 0);
        w->stop_timeout_ms = (uint64_t)berth_record_int(j, "stop_timeout_ms", 10000);
        w->seccomp = w->systemd ? BERTH_WL_SECCOMP_PRIVILEGED : BERTH_WL_SECCOMP_DEFAULT;
        w->limits = (struct berth_limits){
                .memory = (uint64_t)berth_record_int(j, "limits_memory", 0),
                .pids = (uint64_t)berth_record_int(j, "limits_pids", 0),
                .cpu_weight = (uint32_t)berth_record_int(j, "limits_cpu_weight", 0),
                .cpu_quota_us = (uint32_t)berth_record_int(j, "limits_cpu_quota_us", 0),
        };
        if (!w->args || !w->env)
                return -ENOMEM;
        return w->args[0] ? 0 : -EINVAL;
}

static void decode_status(json_t *j, struct berth_container *c)
{
        const char *v;

        c->state = berth_container_state_from_string(berth_record_str(j, "state"));
        c->pid = (pid_t)berth_record_int(j, "pid", 0);
        c->exit_code = (int)berth_record_int(j, "exit_code", -1);
        c->signal = (int)berth_record_int(j, "signal", 0);
        c->oom_killed = berth_record_bool(j, "oom_killed");
        c->stop_requested = berth_record_bool(j, "stop_requested");
        v = berth_record_str(j, "machine_id");
        if (v && strlen(v) == 32)
                memcpy(c->machine_id, v, 33);
        c->created_at.tv_sec = (time_t)berth_record_int(j, "created_at", 0);
        c->started_at.tv_sec = (time_t)berth_record_int(j, "started_at", 0);
        c->finished_at.tv_sec = (time_t)berth_record_int(j, "finished_at", 0);
}

static int container_decode(struct berth_store *s, json_t *j, struct berth_obj **ret,
                            struct berth_record_links *links)
{
        struct berth_engine *e = berth_container_engine(s, berth_record_str(j, "engine"));
        _cleanup_(berth_workload_done) struct berth_workload w = {};
        json_t *es = json_object_get(j, "engine_state");
        struct berth_container *c;
        int r;

        if (!e)
                return -EINVAL; /* an engine this berthd does not have */
        r = json_object_get(j, "workload")
                    ? berth_workload_from_json(json_object_get(j, "workload"), &w, NULL)
                    : workload_from_v0(j, &w);
        if (r < 0)
                return r;
        if (!berth_record_str(j, "dir") || !berth_record_str(j, "logfile") ||
            berth_container_state_from_string(berth_record_str(j, "state")) < 0)
                return -EINVAL;
        c = container_alloc(s, berth_record_str(j, "name"), &w, e);
        if (!c)
                return -ENOMEM;
        *ret = &c->obj;
        decode_status(j, c);
        c->dir = berth_record_strdup(j, "dir");
        c->logfile = berth_record_strdup(j, "logfile");
        c->error = berth_record_strdup(j, "error");
        if (!c->dir || !c->logfile)
                return -ENOMEM;
        /* Records before engines kept the engine's fields beside the others. */
        r = e->ops->decode ? e->ops->decode(e, c, es ? es : j) : 0;
        if (r < 0)
                return r;
        if (json_is_null(json_object_get(j, "mount")))
                return 0; /* an engine that runs an image needs no root of ours */
        return berth_record_add_link(links, &c->obj, SLOT_MOUNT, 0, BERTH_OBJ_MOUNT,
                                     json_object_get(j, "mount"));
}

static void container_link(struct berth_obj *parent, unsigned slot, size_t index,
                           struct berth_obj *child)
{
        (void)index;
        if (slot == SLOT_MOUNT)
                container_of(parent)->mount = berth_obj_to_mount(child);
}

/* ---- recovery -------------------------------------------------------------------------- */

static int container_readopt(struct berth_store *s, struct berth_obj *o, bool may_rebuild,
                             struct berth_error *err)
{
        struct berth_container *c = container_of(o);

        (void)s;
        (void)may_rebuild;
        return c->engine->ops->readopt ? c->engine->ops->readopt(c->engine, c, err) : 0;
}

/* A container is never dropped: it is dead, and says why. */
static int container_lost(struct berth_store *s, struct berth_obj *o, const struct berth_error *why)
{
        struct berth_container *c = container_of(o);
        char desc[64];

        (void)s;
        log_warning("Recovering %s: %s; it is dead", berth_obj_describe(o, desc, sizeof(desc)),
                    why->msg);
        free(c->error);
        c->error = strdup(why->msg);
        c->state = BERTH_CONTAINER_DEAD;
        c->pid = 0;
        return 1;
}

static void container_broken(struct berth_store *s, struct berth_obj *o)
{
        struct berth_container *c = container_of(o);

        (void)s;
        if (c->engine->ops->readopt)
                (void)c->engine->ops->readopt(c->engine, c, NULL);
}

static void container_forget(struct berth_store *s, struct berth_obj *o)
{
        struct berth_container *c = container_of(o);

        (void)s;
        if (c->engine->ops->forget)
                c->engine->ops->forget(c->engine, c);
}

static void container_adopted(struct berth_store *s, struct berth_obj *o, bool changed)
{
        struct berth_container *c = container_of(o);

        (void)s;
        if (c->engine->ops->adopted)
                c->engine->ops->adopted(c->engine, c, changed);
}

static void container_known_paths(const struct berth_obj *o, char ***l)
{
        const struct berth_container *c = (const struct berth_container *)o;

        if (c->dir)
                (void)strv_extend(l, c->dir);
}

/* Is logfile the log of a container the store has? */
static bool log_in_use(const char *logfile, void *userdata)
{
        struct berth_store *s = userdata;
        bool found = false;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER] && !found; i++)
                found = streq_ptr(container_of(s->table[BERTH_OBJ_CONTAINER][i])->logfile, logfile);
        pthread_mutex_unlock(&s->lock);
        return found;
}

static unsigned container_sweep(struct berth_store *s, char *const *known)
{
        struct container_ctx *C = cctx(s);
        _cleanup_free_ char *containers = NULL, *logs = NULL;
        unsigned n = 0;

        if (asprintf(&containers, "%s/containers", s->state_dir) >= 0)
                n += berth_sweep_dir(containers, known);
        for (size_t i = 0; i < C->n_engines; i++)
                if (C->engines[i]->ops->sweep)
                        n += C->engines[i]->ops->sweep(C->engines[i]);
        /* The logs of containers deleted before: kept within the budget. */
        if (asprintf(&logs, "%s/logs", s->state_dir) >= 0 &&
            berth_logkeep_scan(C->logkeep, logs, log_in_use, s) < 0)
                log_warning("Could not list the logs in '%s'", logs);
        return n;
}

static void container_metrics(struct berth_store *s, berth_metric_fn fn, void *userdata)
{
        struct container_ctx *C = cctx(s);
        uint64_t files = 0, bytes = 0;

        for (size_t i = 0; i < C->n_engines; i++)
                if (C->engines[i]->ops->metrics)
                        C->engines[i]->ops->metrics(C->engines[i], fn, userdata);
        berth_logkeep_stats(C->logkeep, &files, &bytes);
        fn("berth_kept_logs_files", "Logs of deleted containers kept (--logs-kept-size).", false,
           files, userdata);
        fn("berth_kept_logs_bytes", "What they take.", false, bytes, userdata);
}

/* ---- the type ------------------------------------------------------------------------- */

static void container_done(struct berth_store *s, void *data)
{
        struct container_ctx *C = data;

        (void)s;
        if (!C)
                return;
        berth_logkeep_free(C->logkeep);
        free(C);
}

static const struct berth_obj_ops container_ops = {
        .for_each_child = container_for_each_child,
        .check_delete = container_check_delete,
        .teardown = container_teardown,
        .release = container_release,
        .free_fields = container_free_fields,
        .event = container_event,
        .own_created_event = true,
        .encode = container_encode,
        .decode = container_decode,
        .link = container_link,
        .readopt = container_readopt,
        .lost = container_lost,
        .broken = container_broken,
        .forget = container_forget,
        .adopted = container_adopted,
        .known_paths = container_known_paths,
        .sweep = container_sweep,
        .metrics = container_metrics,
        .done = container_done,
};

int berth_container_type_register(struct berth_store *s, const struct berth_container_config *cfg,
                                  struct berth_error *err)
{
        struct container_ctx *C = calloc(1, sizeof(*C));
        _cleanup_free_ char *logs = NULL, *containers = NULL;
        int r;

        if (!C)
                return -ENOMEM;
        C->refuse_privileged = cfg->refuse_privileged;
        C->logkeep = berth_logkeep_new(cfg->logs_kept);
        if (!C->logkeep || asprintf(&logs, "%s/logs", s->state_dir) < 0 ||
            asprintf(&containers, "%s/containers", s->state_dir) < 0) {
                container_done(s, C);
                return -ENOMEM;
        }
        r = mkdir_p(logs, 0700);
        if (r >= 0)
                r = mkdir_p(containers, 0700);
        if (r < 0) {
                container_done(s, C);
                return berth_error_set_errno(err, -r, "create '%s'", containers);
        }
        r = berth_store_register_type(s, BERTH_OBJ_CONTAINER, &container_ops, C);
        if (r < 0) {
                container_done(s, C);
                return berth_error_set_errno(err, -r, "register the container type");
        }
        return 0;
}
