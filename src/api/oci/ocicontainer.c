/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rdk.OCIContainer's methods on the core (ocicontainer.h): lookups, params, the
 * methods that need little (list, state, stop, pause, resume) and the dispatch. Params
 * that break a method's signature are -EINVAL (the door's -32602); everything else is a
 * result with success true or false.
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
#include "oci-door.h"
#include "oci-exec.h"
#include "oci-info.h"
#include "oci-reaper.h"
#include "oci-start.h"
#include "ocicontainer.h"
#include "store.h"
#include "strv.h"

const char *const oci_container_methods[] = {
        "listContainers",
        "getContainerState",
        "getContainerInfo",
        "startContainer",
        "startContainerFromDobbySpec",
        "stopContainer",
        "pauseContainer",
        "resumeContainer",
        "executeCommand",
        "execCommand",
        NULL,
};

/* ---- listContainers, getContainerState --------------------------------------------- */

struct list {
        const struct oci_containers *oc;
        json_t *out;
};

static int visit_list(struct berth_obj *o, void *userdata)
{
        struct list *l = userdata;
        struct berth_container *c = berth_obj_to_container(o);
        int d = oc_ours_locked(l->oc, c);

        if (d < 0)
                return 0;
        return json_array_append_new(l->out,
                                     json_pack("{s:i, s:s}", "Descriptor", d, "Id", c->name)) < 0
                       ? -ENOMEM
                       : 0;
}

static int m_list(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { NULL };
        struct list l = { .oc = oc };
        int r;

        r = oc_check_params(params, keys, err);
        if (r < 0)
                return r;
        l.out = json_array();
        if (!l.out)
                return -ENOMEM;
        r = berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_list, &l);
        if (r < 0) {
                json_decref(l.out);
                return r;
        }
        *ret = json_pack("{s:o, s:b}", "containers", l.out, "success", 1);
        return *ret ? 0 : -ENOMEM;
}

static int m_state(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId", NULL };
        const char *cid;
        struct target t;
        int r;

        r = oc_target_of(oc, params, keys, &cid, &t, ret, err);
        if (r <= 0)
                return r;
        /* The containerId as the caller wrote it, as Thunder answers. */
        *ret = json_pack("{s:s, s:s, s:b}", "containerId", cid, "state", oc_thunder_state(t.state),
                         "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* ---- stop, pause, resume ------------------------------------------------------------- */

static int m_stop(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId", "force", NULL };
        struct berth_error why = {};
        uint64_t wait_ms;
        bool force = false;
        const char *cid;
        struct target t;
        int r;

        r = oc_check_params_cid(params, keys, &cid, err);
        if (r >= 0)
                r = jdec_bool(params, "params", "force", &force, err);
        if (r < 0)
                return r;
        if (oc_resolve(oc, cid, &t, &why) < 0)
                return oc_failed(ret, why.msg);
        if (force) {
                /* SIGKILL now (thawed first when paused), and it is gone when the delete
                 * returns: what a Dobby container is once it has stopped. */
                pthread_mutex_lock(&oc->reap_lock);
                r = oc_delete_locked(oc, t.id, /* force= */ true, &why);
                pthread_mutex_unlock(&oc->reap_lock);
                if (r < 0 && r != -ENOENT)
                        return oc_failedf(ret, "container '%s' could not be stopped: %s", t.name,
                                          why.msg);
                return oc_succeeded(ret);
        }
        /* Its stop signal, then SIGKILL after its stop timeout (the engine's). */
        r = berth_container_set_state(oc->store, t.id, BERTH_CONTAINER_EXITED, NULL, NULL, &why);
        if (r < 0 && r != -ENOENT)
                return oc_failedf(ret, "container '%s' could not be stopped: %s", t.name, why.msg);
        wait_ms = t.stop_timeout_ms + STOP_GRACE_MS;
        if (berth_container_wait_ended(oc->store, t.id, wait_ms) < 0)
                return oc_failedf(ret,
                                  "container '%s' has not ended within %llu ms of its stop signal "
                                  "(its stop timeout and SIGKILL); it is still stopping",
                                  t.name, (unsigned long long)wait_ms);
        oc_reap(oc, t.id);
        return oc_succeeded(ret);
}

static int pause_resume(struct oci_containers *oc, json_t *params, json_t **ret,
                        struct berth_error *err, bool pause)
{
        static const char *const keys[] = { "containerId", NULL };
        enum berth_container_state from = pause ? BERTH_CONTAINER_RUNNING : BERTH_CONTAINER_PAUSED;
        struct berth_error why = {};
        const char *cid;
        struct target t;
        int r;

        r = oc_target_of(oc, params, keys, &cid, &t, ret, err);
        if (r <= 0)
                return r;
        if (t.state != from)
                return oc_failedf(ret, "container '%s' is %s, not %s", t.name,
                                  oc_thunder_state(t.state), oc_thunder_state(from));
        /* FIXME: a paused container that is killed from outside between the check above
         * and this call is exited by then, and setting it running starts it again; the
         * core has no "resume only" transition. */
        r = berth_container_set_state(oc->store, t.id,
                                      pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING,
                                      NULL, NULL, &why);
        if (r < 0)
                return oc_failedf(ret, "container '%s' could not be %s: %s", t.name,
                                  pause ? "paused" : "resumed", why.msg);
        return oc_succeeded(ret);
}

static int m_pause(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        return pause_resume(oc, params, ret, err, true);
}

static int m_resume(struct oci_containers *oc, json_t *params, json_t **ret,
                    struct berth_error *err)
{
        return pause_resume(oc, params, ret, err, false);
}

/* ---- the object ---------------------------------------------------------------------- */

typedef int (*method_fn)(struct oci_containers *oc, json_t *params, json_t **ret,
                         struct berth_error *err);

static const struct {
        const char *name;
        method_fn fn;
} methods[] = {
        { "listContainers", m_list },
        { "getContainerState", m_state },
        { "getContainerInfo", oc_m_info },
        { "startContainer", oc_m_start },
        { "startContainerFromDobbySpec", oc_m_start_dobby },
        { "stopContainer", m_stop },
        { "pauseContainer", m_pause },
        { "resumeContainer", m_resume },
        { "executeCommand", oc_m_exec },
        { "execCommand", oc_m_exec },
};

int oci_containers_call(struct oci_containers *oc, const char *method, json_t *params, json_t **ret,
                        struct berth_error *err)
{
        *ret = NULL;
        for (size_t i = 0; i < ELEMENTSOF(methods); i++)
                if (streq(methods[i].name, method)) {
                        /* What has ended is gone before any call looks, as under Dobby,
                         * whether or not the reaper has come to it yet. */
                        oc_sweep(oc);
                        return methods[i].fn(oc, params, ret, err);
                }
        return -ENOENT;
}

/* What oci_containers_new() made before it failed. */
static void containers_undo(struct oci_containers *oc)
{
        free(oc->ai_buses[0]);
        free(oc->ai_buses[1]);
        free(oc->roots);
        free(oc->engine);
        free(oc);
}

int oci_containers_new(const struct oci_containers_config *cfg, struct oci_containers **ret)
{
        struct oci_containers *oc = calloc(1, sizeof(*oc));
        const char *state = berth_container_state_dir(cfg->store);
        int r = -ENOMEM;

        if (!oc)
                return -ENOMEM;
        oc->store = cfg->store;
        oc->cgroups = cfg->cgroups;
        oc->devices = cfg->devices;
        oc->engine = strdup(cfg->engine ? cfg->engine : "native");
        oc->next_descriptor = 1;
        if (state && asprintf(&oc->roots, "%s/" DOBBY_ROOTS_DIR, state) < 0)
                oc->roots = NULL;
        if (!oc->engine || (state && !oc->roots))
                goto fail;
        for (size_t i = 0; i < 2; i++)
                if (cfg->ai_buses[i] && !(oc->ai_buses[i] = strdup(cfg->ai_buses[i])))
                        goto fail;
        r = oci_nat_new(cfg->nat_range, &oc->nat, NULL);
        if (r < 0)
                goto fail;
        pthread_mutex_init(&oc->start_lock, NULL);
        pthread_mutex_init(&oc->roots_lock, NULL);
        pthread_mutex_init(&oc->reap_lock, NULL);
        pthread_mutex_init(&oc->crash_lock, NULL);
        *ret = oc;
        return 0;
fail:
        containers_undo(oc);
        return r;
}

int oci_containers_start(struct oci_containers *oc)
{
        int r;

        oc_descriptors_recover(oc);
        if (oc->store->events)
                oc->events_after = berth_events_last(oc->store->events);
        oci_nat_recover(oc->nat, oc->store);
        oc_sweep(oc);
        if (!oc->store->events)
                return 0;
        r = -pthread_create(&oc->reaper, NULL, oc_reaper_main, oc);
        if (r < 0)
                return r;
        oc->reaper_running = true;
        return 0;
}

struct oci_containers *oci_containers_free(struct oci_containers *oc)
{
        if (!oc)
                return NULL;
        __atomic_store_n(&oc->stopping, true, __ATOMIC_SEQ_CST);
        if (oc->reaper_running)
                (void)pthread_join(oc->reaper, NULL);
        pthread_mutex_destroy(&oc->start_lock);
        pthread_mutex_destroy(&oc->roots_lock);
        pthread_mutex_destroy(&oc->reap_lock);
        pthread_mutex_destroy(&oc->crash_lock);
        free(oc->crashes);
        oci_nat_free(oc->nat);
        strv_free(oc->making);
        containers_undo(oc);
        return NULL;
}
