/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rdk.OCIContainer's methods on the core (ocicontainer.h). Params that break a
 * method's signature are -EINVAL (the door's -32602); everything else is a result with
 * success true or false.
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
#include "oci-config.h"
#include "oci-nat.h"
#include "oci-util.h"
#include "ocicontainer.h"
#include "store.h"
#include "strv.h"

#define CONFIG_MAX (1u << 20)
#define EXEC_OUTPUT_MAX (64u << 10)
#define EXEC_TIMEOUT_DEFAULT_S 10
#define EXEC_TIMEOUT_MAX_S 300
/* Beyond a container's stop timeout: its SIGKILL, and the end of it being handled. */
#define STOP_GRACE_MS 5000u
/* How often the reaper looks whether it should stop, when no event comes. */
#define REAPER_POLL_MS 250
#define PARAM_MAX 4096

/* A container of the door that restarts on failure, and how often it failed. */
struct crashes {
        uint64_t id;
        unsigned n;
};

struct oci_containers {
        struct berth_store *store;
        const struct berth_cgroup_system *cgroups;
        const struct oci_device_allowlist *devices; /* --oci-device-allow, or NULL */
        char *engine;
        /* Held from a descriptor's handout to the end of the create that carries it. */
        pthread_mutex_t start_lock;
        unsigned next_descriptor; /* start_lock */
        uint64_t events_after;
        pthread_t reaper;
        bool reaper_running;
        bool stopping; /* atomic */
        /* The roots of Dobby specs' containers (dobby-root.h): <state>/oci-roots, or
         * NULL without a state directory. roots_lock is held while a root is made and by
         * a sweep of the roots, which also keeps those in making: made, and not yet (or
         * no longer) a container's. Taken before start_lock. */
        char *roots;
        pthread_mutex_t roots_lock;
        char **making; /* roots_lock */
        /* Held from the removal of a container to that of its root, so that a call that
         * finds the container gone finds its root gone too (the reaper may have come
         * first), and by a sweep of the roots. Taken after start_lock and roots_lock. */
        pthread_mutex_t reap_lock;
        /* The failures seen of containers that restart on failure (restartOnCrash). */
        pthread_mutex_t crash_lock; /* taken inside the store's lock, never around it */
        struct crashes *crashes;
        size_t n_crashes;
        struct oci_nat *nat; /* the addresses of "nat" containers */
};

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

/* ---- the door's containers --------------------------------------------------------- */

/* What a method needs of a container, copied under the store's lock. */
struct target {
        uint64_t id;
        int descriptor;
        char name[BERTH_NAME_MAX + 1];
        enum berth_container_state state;
        pid_t pid;
        uint64_t stop_timeout_ms;
};

static bool all_digits(const char *s)
{
        return s && *s && strspn(s, "0123456789") == strlen(s);
}

/* "1" … "1023": the descriptor, else -EINVAL. */
static int parse_descriptor(const char *s)
{
        unsigned long v;

        if (!all_digits(s) || strlen(s) > 4)
                return -EINVAL;
        v = strtoul(s, NULL, 10);
        return v >= 1 && v <= OCI_DESCRIPTOR_MAX ? (int)v : -EINVAL;
}

int oci_container_descriptor(const struct berth_container *c, const char *engine)
{
        const char *id = strv_env_get(c->w.labels, OCI_LABEL_ID);
        int d;

        if (!c->name || !id || !streq(id, c->name) || !c->engine || !streq(c->engine->name, engine))
                return -ENOENT;
        d = parse_descriptor(strv_env_get(c->w.labels, OCI_LABEL_DESCRIPTOR));
        return d < 0 ? -ENOENT : d;
}

/* Its descriptor when c is one of the door's, else -ENOENT (the store's lock held). */
static int ours_locked(const struct oci_containers *oc, const struct berth_container *c)
{
        return oci_container_descriptor(c, oc->engine);
}

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

static const char *thunder_state(enum berth_container_state s)
{
        switch (s) {
        case BERTH_CONTAINER_CREATED:
                return "Starting";
        case BERTH_CONTAINER_RUNNING:
                return "Running";
        case BERTH_CONTAINER_PAUSED:
                return "Paused";
        case BERTH_CONTAINER_STOPPING:
                return "Stopping";
        case BERTH_CONTAINER_EXITED:
        case BERTH_CONTAINER_DEAD:
                return "Stopped";
        case _BERTH_CONTAINER_STATE_MAX:
        case _BERTH_CONTAINER_STATE_INVALID:
        default:
                return "Invalid";
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
static void remove_root(struct oci_containers *oc, const char *root)
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
static void making_done(struct oci_containers *oc, const char *root)
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
static int delete_locked(struct oci_containers *oc, uint64_t id, bool force,
                         struct berth_error *err)
{
        _cleanup_free_ char *root = root_of(oc, id), *nat = nat_of(oc, id);
        int r;

        r = berth_store_delete(oc->store, BERTH_OBJ_CONTAINER, id, force, NULL, NULL, err);
        if (r >= 0) {
                crashes_forget(oc, id);
                remove_root(oc, root);
                if (nat)
                        oci_nat_release(oc->nat, nat);
                oci_nat_sweep(oc->nat, oc->store);
        }
        return r;
}

/* Remove it if it is one of the door's and has ended for good, and its root with it. The
 * plain delete refuses a container that runs again meanwhile (a restart won the race).
 * Called with start_lock held too: the root goes here, not by a sweep. */
static void reap(struct oci_containers *oc, uint64_t id)
{
        struct berth_store *s = oc->store;
        struct berth_error err = {};
        struct berth_container *c;
        bool ended;
        int r = 0;

        pthread_mutex_lock(&oc->reap_lock);
        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        ended = c && ours_locked(oc, c) >= 0 && ended_for_good(oc, c);
        pthread_mutex_unlock(&s->lock);
        if (ended)
                r = delete_locked(oc, id, /* force= */ false, &err);
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
        counts = c && ours_locked(oc, c) >= 0 && c->w.restart == BERTH_RESTART_ON_FAILURE &&
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

        if (ours_locked(l->oc, c) < 0 || !ended_for_good(l->oc, c))
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
static void sweep(struct oci_containers *oc)
{
        struct ids l = { .oc = oc };

        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_ended, &l);
        for (size_t i = 0; i < l.n; i++)
                reap(oc, l.ids[i]);
        free(l.ids);
        sweep_roots(oc);
}

static void *reaper_main(void *userdata)
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
                        sweep(oc);
                for (int i = 0; i < n; i++) {
                        const struct berth_event *e = &buf[i];

                        after = e->seq;
                        if (e->type != BERTH_OBJ_CONTAINER || e->kind[0])
                                continue;
                        if (streq(e->event, "exited") || streq(e->event, "dead")) {
                                count_crash(oc, e);
                                reap(oc, e->id);
                        } else if (streq(e->event, "deleted"))
                                sweep_roots(oc);
                }
        }
        return NULL;
}

/* ---- lookups --------------------------------------------------------------------- */

struct find {
        const struct oci_containers *oc;
        const char *cid;
        int descriptor; /* cid as a descriptor, or -1: by name */
        struct target *t;
        bool found, foreign;
};

static int visit_find(struct berth_obj *o, void *userdata)
{
        struct find *f = userdata;
        struct berth_container *c = berth_obj_to_container(o);
        int d = ours_locked(f->oc, c);

        if (f->descriptor > 0 ? d != f->descriptor : !streq_ptr(c->name, f->cid))
                return 0;
        if (d < 0) {
                f->foreign = true;
                return 0;
        }
        *f->t = (struct target){
                .id = c->obj.id,
                .descriptor = d,
                .state = c->state,
                .pid = c->pid,
                .stop_timeout_ms = c->w.stop_timeout_ms,
        };
        (void)snprintf(f->t->name, sizeof(f->t->name), "%s", c->name);
        f->found = true;
        return 0;
}

/* containerId (a name, or a descriptor written as a string) to one of the door's
 * containers. -ENOENT with why (the errorReason) when there is none. */
static int resolve(struct oci_containers *oc, const char *cid, struct target *t,
                   struct berth_error *why)
{
        struct find f = {
                .oc = oc,
                .cid = cid,
                .descriptor = all_digits(cid) ? parse_descriptor(cid) : -1,
                .t = t,
        };

        if (all_digits(cid) && f.descriptor < 0)
                return berth_error_set(
                        why, ENOENT, "no container has descriptor %.32s (descriptors are 1 to %d)",
                        cid, OCI_DESCRIPTOR_MAX);
        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_find, &f);
        if (f.found)
                return 0;
        if (f.descriptor > 0)
                return berth_error_set(why, ENOENT, "no container has descriptor %d", f.descriptor);
        if (f.foreign)
                return berth_error_set(why, ENOENT,
                                       "container '%.128s' was not started through "
                                       "org.rdk.OCIContainer",
                                       cid);
        return berth_error_set(why, ENOENT, "no container '%.128s'", cid);
}

/* ---- results and params ---------------------------------------------------------------- */

/* {"success":false,"errorReason":…}: 0, -ENOMEM. */
static int failed(json_t **ret, const char *reason)
{
        json_t *m = jsonrpc_string_lossy(reason, strlen(reason));

        *ret = m ? json_pack("{s:b, s:o}", "success", 0, "errorReason", m) : NULL;
        return *ret ? 0 : -ENOMEM;
}

_printf_(2, 3) static int failedf(json_t **ret, const char *fmt, ...)
{
        char msg[BERTH_ERROR_MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return failed(ret, msg);
}

static int succeeded(json_t **ret)
{
        *ret = json_pack("{s:b}", "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* params: absent (none) or an object whose every key is in keys. */
static int check_params(json_t *params, const char *const *keys, struct berth_error *err)
{
        if (!params)
                return 0;
        if (!json_is_object(params))
                return berth_error_set(err, EINVAL,
                                       "params must be an object (the methods take their "
                                       "params by name)");
        return jdec_check_keys(params, "params", keys, err);
}

/* A string param, borrowed from params: NULL when absent or null (-EINVAL when required).
 * An empty string is none, for optional ones (Thunder's clients send "" for unset). */
static int param_str(json_t *params, const char *key, bool required, const char **ret,
                     struct berth_error *err)
{
        json_t *v = json_object_get(params, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return required ? berth_error_set(err, EINVAL, "params.%s is required", key) : 0;
        if (!json_is_string(v))
                return berth_error_set(err, EINVAL, "params.%s must be a string", key);
        if (strlen(json_string_value(v)) != json_string_length(v))
                return berth_error_set(err, EINVAL, "params.%s contains a NUL byte", key);
        if (json_string_length(v) > PARAM_MAX)
                return berth_error_set(err, EINVAL, "params.%s is longer than %d bytes", key,
                                       PARAM_MAX);
        if (json_string_length(v) == 0 && required)
                return berth_error_set(err, EINVAL, "params.%s must not be empty", key);
        *ret = json_string_length(v) ? json_string_value(v) : NULL;
        return 0;
}

static int param_cid(json_t *params, const char **ret, struct berth_error *err)
{
        return param_str(params, "containerId", true, ret, err);
}

/* check_params(), then the containerId (required). */
static int check_params_cid(json_t *params, const char *const *keys, const char **ret_cid,
                            struct berth_error *err)
{
        int r = check_params(params, keys, err);

        return r < 0 ? r : param_cid(params, ret_cid, err);
}

/* What both starts take besides the container: command, westerosSocket and envvar (in
 * *ret_envvar, which o borrows). */
static int param_overrides(json_t *params, struct oci_overrides *o, char ***ret_envvar,
                           struct berth_error *err)
{
        int r;

        r = param_str(params, "command", false, &o->command, err);
        if (r >= 0)
                r = param_str(params, "westerosSocket", false, &o->westeros_socket, err);
        if (r >= 0)
                r = jdec_strv(params, "params", "envvar", 1024, PARAM_MAX, ret_envvar, err);
        if (r < 0)
                return r;
        o->envvar = *ret_envvar;
        return 0;
}

/* ---- listContainers, getContainerState --------------------------------------------- */

struct list {
        const struct oci_containers *oc;
        json_t *out;
};

static int visit_list(struct berth_obj *o, void *userdata)
{
        struct list *l = userdata;
        struct berth_container *c = berth_obj_to_container(o);
        int d = ours_locked(l->oc, c);

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

        r = check_params(params, keys, err);
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
        struct berth_error why = {};
        const char *cid;
        struct target t;
        int r;

        r = check_params_cid(params, keys, &cid, err);
        if (r < 0)
                return r;
        if (resolve(oc, cid, &t, &why) < 0)
                return failed(ret, why.msg);
        /* The containerId as the caller wrote it, as Thunder answers. */
        *ret = json_pack("{s:s, s:s, s:b}", "containerId", cid, "state", thunder_state(t.state),
                         "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* ---- getContainerInfo -------------------------------------------------------------- */

static int read_u64(const char *dir, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *path = NULL;
        char buf[64], *end;
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = read_one_line(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        errno = 0;
        *ret = strtoull(buf, &end, 10);
        return errno != 0 || end == buf || *end ? -EINVAL : 0;
}

/* An integer, or null when it could not be read. */
static json_t *u64_json(int r, uint64_t v)
{
        return r < 0 ? json_null() : json_integer((json_int_t)MIN(v, (uint64_t)INT64_MAX));
}

static json_t *file_u64(const char *dir, const char *file)
{
        uint64_t v = 0;
        int r = dir ? read_u64(dir, file, &v) : -ENOENT;

        return u64_json(r, v);
}

/* The value of "key N" in a flat-keyed file (cpu.stat, memory.events). */
static int read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t n = strlen(key);
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = read_file(path, 64 << 10, &text, NULL);
        if (r < 0)
                return r;
        for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, n) == 0 && l[n] == ' ') {
                        char *end;
                        errno = 0;
                        *ret = strtoull(l + n + 1, &end, 10);
                        return errno != 0 || (*end && *end != '\n') ? -EINVAL : 0;
                }
        return -ENOENT;
}

/* Whitespace-separated unsigned numbers of a file, as a JSON array; null when the file
 * cannot be read. */
static json_t *file_numbers(const char *dir, const char *file)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *a;
        char *p, *end;

        if (!dir || asprintf(&path, "%s/%s", dir, file) < 0)
                return json_null();
        if (read_file(path, 4u << 20, &text, NULL) < 0)
                return json_null();
        a = json_array();
        for (p = text; a && *(p += strspn(p, " \t\n"));) {
                unsigned long long v;

                errno = 0;
                v = strtoull(p, &end, 10);
                if (errno != 0 || end == p) {
                        json_decref(a);
                        return json_null();
                }
                if (json_array_append_new(a, json_integer((json_int_t)MIN(
                                                     v, (unsigned long long)INT64_MAX))) < 0) {
                        json_decref(a);
                        return NULL;
                }
                p = end;
        }
        return a;
}

static json_t *cpu_json(const struct oci_cgroup_dirs *d)
{
        uint64_t usec = 0;
        int r;

        if (!d->cpu)
                return json_pack("{s:{s:n, s:n}}", "usage", "percpu", "total");
        if (!d->cpu_v2)
                return json_pack("{s:{s:o, s:o}}", "usage", "percpu",
                                 file_numbers(d->cpu, "cpuacct.usage_percpu"), "total",
                                 file_u64(d->cpu, "cpuacct.usage"));
        /* cgroup2 counts microseconds, and nothing per CPU. */
        r = read_keyed(d->cpu, "cpu.stat", "usage_usec", &usec);
        return json_pack("{s:{s:n, s:o}}", "usage", "percpu", "total",
                         u64_json(r, usec > UINT64_MAX / 1000 ? UINT64_MAX : usec * 1000));
}

static json_t *memory_json(const struct oci_cgroup_dirs *d)
{
        char max[64] = "";
        uint64_t v = 0;
        json_t *limit;
        int r;

        if (!d->memory)
                return json_pack("{s:{s:n, s:n, s:n, s:n}}", "user", "failcnt", "limit", "max",
                                 "usage");
        if (!d->memory_v2)
                return json_pack("{s:{s:o, s:o, s:o, s:o}}", "user", "failcnt",
                                 file_u64(d->memory, "memory.failcnt"), "limit",
                                 file_u64(d->memory, "memory.limit_in_bytes"), "max",
                                 file_u64(d->memory, "memory.max_usage_in_bytes"), "usage",
                                 file_u64(d->memory, "memory.usage_in_bytes"));
        /* cgroup2: "max" is no limit (null); the count of times the limit was hit is
         * memory.events' max, which is what v1's failcnt counts. */
        {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/memory.max", d->memory) >= 0)
                        (void)read_one_line(path, max, sizeof(max));
        }
        limit = streq(max, "max") ? json_null() : file_u64(d->memory, "memory.max");
        r = read_keyed(d->memory, "memory.events", "max", &v);
        return json_pack("{s:{s:o, s:o, s:o, s:o}}", "user", "failcnt", u64_json(r, v), "limit",
                         limit, "max", file_u64(d->memory, "memory.peak"), "usage",
                         file_u64(d->memory, "memory.current"));
}

json_t *oci_cgroup_info(const struct oci_cgroup_dirs *dirs)
{
        json_t *pids = file_numbers(dirs->procs, "cgroup.procs");

        if (json_is_null(pids)) {
                json_decref(pids);
                pids = json_array();
        }
        return json_pack("{s:o, s:o, s:o}", "cpu", cpu_json(dirs), "memory", memory_json(dirs),
                         "pids", pids);
}

struct cg_found {
        char *v2, *memory, *cpuacct;
};

static void cg_found_done(struct cg_found *f)
{
        free(f->v2);
        free(f->memory);
        free(f->cpuacct);
}

static bool has_ctrl(const char *list, const char *ctrl)
{
        size_t n = strlen(ctrl);

        for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, ctrl, n) == 0 && (p[n] == ',' || p[n] == 0))
                        return true;
        return false;
}

/* One line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH" ("0::PATH" for cgroup2). */
static int cg_line(const struct berth_cgroup_system *cs, char *line, struct cg_found *f)
{
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        const char *path;

        if (!c2)
                return 0;
        *c2 = 0;
        path = c2 + 1;
        if (streq(line, "0:") && cs->v2 && !f->v2)
                return asprintf(&f->v2, "%s%s", cs->v2, path) < 0 ? -ENOMEM : 0;
        if (has_ctrl(c1 + 1, "memory") && cs->v1[BERTH_CG_MEMORY] && !f->memory &&
            asprintf(&f->memory, "%s%s", cs->v1[BERTH_CG_MEMORY], path) < 0)
                return -ENOMEM;
        if (has_ctrl(c1 + 1, "cpuacct") && cs->v1[BERTH_CG_CPUACCT] && !f->cpuacct &&
            asprintf(&f->cpuacct, "%s%s", cs->v1[BERTH_CG_CPUACCT], path) < 0)
                return -ENOMEM;
        return 0;
}

/* The groups PID is in, read from /proc/PID/cgroup (whatever the engine). */
static int cg_of_pid(const struct berth_cgroup_system *cs, pid_t pid, struct cg_found *f,
                     struct berth_error *why)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        int r;

        (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        r = read_file(path, 64 << 10, &text, NULL);
        if (r < 0)
                return berth_error_set_errno(why, -r, "read '%s'", path);
        for (char *l = text, *nl; l && *l; l = nl) {
                nl = strchr(l, '\n');
                if (nl)
                        *nl++ = 0;
                r = cg_line(cs, l, f);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int m_info(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId", NULL };
        _cleanup_(cg_found_done) struct cg_found f = {};
        const struct berth_cgroup_system *cs = oc->cgroups;
        struct oci_cgroup_dirs dirs;
        struct berth_error why = {};
        struct timespec ts;
        const char *cid;
        struct target t;
        json_t *info;
        int r;

        r = check_params_cid(params, keys, &cid, err);
        if (r < 0)
                return r;
        if (resolve(oc, cid, &t, &why) < 0)
                return failed(ret, why.msg);
        if (t.pid <= 0 ||
            (t.state != BERTH_CONTAINER_RUNNING && t.state != BERTH_CONTAINER_PAUSED &&
             t.state != BERTH_CONTAINER_STOPPING))
                return failedf(ret, "container '%s' is %s: it has no processes to measure", t.name,
                               thunder_state(t.state));
        if (!cs || cs->layout == BERTH_CGROUP_NONE)
                return failedf(ret, "container '%s': this node has no cgroups to read", t.name);
        r = cg_of_pid(cs, t.pid, &f, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return failedf(ret, "container '%s': %s", t.name, why.msg);
        /* v1 groups first: on a hybrid host a container may have no v2 group of its own,
         * and its PID 1 is then in its parent's. */
        dirs = (struct oci_cgroup_dirs){
                .cpu = f.cpuacct ? f.cpuacct : f.v2,
                .cpu_v2 = !f.cpuacct,
                .memory = f.memory                      ? f.memory
                          : cs->v2_has[BERTH_CG_MEMORY] ? f.v2
                                                        : NULL,
                .memory_v2 = !f.memory,
                .procs = f.memory    ? f.memory
                         : f.cpuacct ? f.cpuacct
                                     : f.v2,
        };
        info = oci_cgroup_info(&dirs);
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        if (!info || json_object_set_new(info, "id", json_string(t.name)) < 0 ||
            json_object_set_new(info, "state",
                                json_string(berth_container_state_to_string(t.state))) < 0 ||
            json_object_set_new(info, "timestamp",
                                json_integer((json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec)) <
                    0) {
                json_decref(info);
                return -ENOMEM;
        }
        *ret = json_pack("{s:o, s:b}", "info", info, "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* ---- startContainer ----------------------------------------------------------------- */

static int check_new_id(const char *cid, struct berth_error *why)
{
        if (!berth_name_is_valid(cid))
                return berth_error_set(why, EINVAL,
                                       "containerId '%.128s' is not valid: 1 to %d letters, "
                                       "digits, '.', '_' and '-'",
                                       cid, BERTH_NAME_MAX);
        if (all_digits(cid))
                return berth_error_set(why, EINVAL,
                                       "containerId '%s' is all digits, which reads as a "
                                       "descriptor",
                                       cid);
        return 0;
}

/* The bundle's config.json: a regular file (not a link) of at most 1 MiB. */
static int read_config(const char *bundle, json_t **ret, struct berth_error *why)
{
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        struct stat st;
        size_t len = 0;

        if (bundle[0] != '/')
                return berth_error_set(why, EINVAL, "bundlePath '%.256s' is not an absolute path",
                                       bundle);
        dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_set_errno(why, errno, "bundlePath '%.256s'", bundle);
        fd = openat(dfd, "config.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ELOOP)
                return berth_error_set(
                        why, EINVAL, "bundlePath '%.256s': config.json is a symbolic link", bundle);
        if (fd < 0)
                return berth_error_set_errno(why, errno, "bundlePath '%.256s': config.json",
                                             bundle);
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(why, errno, "bundlePath '%.256s': config.json",
                                             bundle);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(why, EINVAL,
                                       "bundlePath '%.256s': config.json is not a regular file",
                                       bundle);
        if (st.st_size > (off_t)CONFIG_MAX)
                return berth_error_set(why, EFBIG,
                                       "bundlePath '%.256s': config.json is over the limit of "
                                       "1 MiB",
                                       bundle);
        buf = malloc(CONFIG_MAX + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + len, CONFIG_MAX + 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set_errno(
                                why, errno, "bundlePath '%.256s': read config.json", bundle);
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > CONFIG_MAX)
                        return berth_error_set(why, EFBIG,
                                               "bundlePath '%.256s': config.json is over the "
                                               "limit of 1 MiB",
                                               bundle);
        }
        *ret = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!*ret)
                return berth_error_set(why, EINVAL,
                                       "bundlePath '%.256s': config.json, line %d, column %d: %s",
                                       bundle, jerr.line, jerr.column, jerr.text);
        return 0;
}

/* Annotations become labels, as they are ("key=value"): what berth keeps of them. */
static int add_annotations(struct berth_workload *w, json_t *annotations, struct berth_error *why)
{
        const char *key;
        json_t *v;

        json_object_foreach (annotations, key, v) {
                _cleanup_free_ char *l = NULL;

                if (!json_is_string(v))
                        return berth_error_set(why, EINVAL, "annotations.%.128s must be a string",
                                               key);
                if (!*key || strchr(key, '='))
                        return berth_error_set(why, EINVAL,
                                               "annotations: key '%.128s' cannot be a label "
                                               "key (empty, or with '=')",
                                               key);
                if (strncmp(key, "io.berth.oci.", strlen("io.berth.oci.")) == 0)
                        return berth_error_set(why, EINVAL,
                                               "annotations: key '%.128s' is berth's own", key);
                if (asprintf(&l, "%s=%s", key, json_string_value(v)) < 0)
                        return -ENOMEM;
                if (strv_consume(&w->labels, TAKE_PTR(l)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

struct start_req {
        const char *cid, *bundle;
        struct oci_overrides o;
};

/* The host's memory nodes: one past the highest online one (1 without NUMA). */
static unsigned host_mem_nodes(void)
{
        char buf[256];
        const char *last;

        if (read_one_line("/sys/devices/system/node/online", buf, sizeof(buf)) < 0 || !buf[0])
                return 1;
        last = buf + strcspn(buf, "\n");
        while (last > buf && last[-1] >= '0' && last[-1] <= '9')
                last--;
        return (unsigned)strtoul(last, NULL, 10) + 1;
}

/* The bundle as a workload of the door, without its descriptor. */
static int prepare(const struct start_req *q, struct berth_workload *w, struct berth_error *why)
{
        _cleanup_(json_decrefp) json_t *config = NULL, *annotations = NULL;
        char *l = NULL;
        int r;

        r = read_config(q->bundle, &config, why);
        if (r < 0)
                return r;
        r = oci_config_to_workload(q->bundle, config, &q->o, w, &annotations, why);
        if (r >= 0)
                r = oci_cpuset_check_host(w->limits.cpus, w->limits.mems, "linux.resources.cpu",
                                          (unsigned)MAX(get_nprocs(), 1), host_mem_nodes(), why);
        if (r < 0)
                return r;
        /* Nothing starts it again but a client: Dobby's containers end for good. */
        w->restart = BERTH_RESTART_NO;
        STRV_FOREACH (p, w->labels)
                if (strncmp(*p, "io.berth.oci.", strlen("io.berth.oci.")) == 0)
                        return berth_error_set(why, EINVAL, "label '%.128s' is berth's own", *p);
        r = add_annotations(w, annotations, why);
        if (r < 0)
                return r;
        if (asprintf(&l, "%s=%s", OCI_LABEL_ID, q->cid) < 0)
                return -ENOMEM;
        return strv_consume(&w->labels, l);
}

struct used {
        const struct oci_containers *oc;
        bool d[OCI_DESCRIPTOR_MAX + 1];
};

static int visit_used(struct berth_obj *o, void *userdata)
{
        struct used *u = userdata;
        int d = ours_locked(u->oc, berth_obj_to_container(o));

        if (d > 0)
                u->d[d] = true;
        return 0;
}

/* The next free descriptor after the last one handed out, from 1 to 1023 and round
 * again as Dobby's; -ENOSPC when all are in use. start_lock held. */
static int take_descriptor(struct oci_containers *oc)
{
        struct used u = { .oc = oc };

        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_used, &u);
        for (unsigned i = 0; i < OCI_DESCRIPTOR_MAX; i++) {
                unsigned d = (oc->next_descriptor - 1 + i) % OCI_DESCRIPTOR_MAX + 1;

                if (!u.d[d]) {
                        oc->next_descriptor = d % OCI_DESCRIPTOR_MAX + 1;
                        return (int)d;
                }
        }
        return -ENOSPC;
}

/* With nat, its address (the lowest free) as the workload's nat_addr and a label. */
static int create_nat_locked(struct oci_containers *oc, struct berth_workload *w,
                             struct berth_error *why)
{
        char *l = NULL;
        int r;

        w->nat_addr = mfree(w->nat_addr);
        r = oci_nat_take_locked(oc->nat, oc->store, &w->nat_addr, why);
        if (r < 0)
                return r;
        if (asprintf(&l, "%s=%.*s", OCI_LABEL_NAT, (int)strcspn(w->nat_addr, "/"), w->nat_addr) < 0)
                return -ENOMEM;
        return strv_consume(&w->labels, l);
}

/* Create and start it with a descriptor (and with nat, an address): the descriptor, or
 * -errno with why. */
static int create(struct oci_containers *oc, const struct start_req *q, struct berth_workload *w,
                  bool nat, struct berth_error *why)
{
        uint64_t old;
        char *l = NULL;
        int d, r;

        pthread_mutex_lock(&oc->start_lock);
        /* An ended container of that name, not removed yet, makes way. */
        if (berth_container_find(oc->store, q->cid, &old) >= 0)
                reap(oc, old);
        d = take_descriptor(oc);
        if (d < 0)
                r = berth_error_set(why, ENOSPC, "all %d descriptors are in use",
                                    OCI_DESCRIPTOR_MAX);
        else if (asprintf(&l, "%s=%d", OCI_LABEL_DESCRIPTOR, d) < 0)
                r = -ENOMEM;
        else
                r = strv_consume(&w->labels, l);
        if (nat)
                oci_nat_lock(oc->nat);
        if (r >= 0 && nat)
                r = create_nat_locked(oc, w, why);
        if (r >= 0)
                r = berth_container_create(oc->store,
                                           &(struct berth_container_def){
                                                   .name = q->cid,
                                                   .root = NULL, /* w->root_path */
                                                   .workload = w,
                                                   .engine = oc->engine,
                                                   .start = true,
                                           },
                                           NULL, NULL, why);
        if (nat) {
                /* A failed first start leaves no bridge behind. */
                if (r < 0)
                        oci_nat_sweep_locked(oc->nat, oc->store);
                oci_nat_unlock(oc->nat);
        }
        /* A start that failed leaves nothing behind: its descriptor comes next again. */
        if (r < 0 && d > 0)
                oc->next_descriptor = (unsigned)d;
        pthread_mutex_unlock(&oc->start_lock);
        if (r == -EEXIST)
                (void)berth_error_prefix(why, "containerId '%s' is in use", q->cid);
        return r < 0 ? r : d;
}

static int m_start(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId",    "bundlePath", "command",
                                            "westerosSocket", "envvar",     NULL };
        _cleanup_(berth_workload_done) struct berth_workload w;
        _cleanup_strv_free_ char **envvar = NULL;
        struct berth_error why = {};
        struct start_req q = {};
        int r;

        berth_workload_init(&w);
        r = check_params_cid(params, keys, &q.cid, err);
        if (r >= 0)
                r = param_str(params, "bundlePath", true, &q.bundle, err);
        if (r >= 0)
                r = param_overrides(params, &q.o, &envvar, err);
        if (r < 0)
                return r;

        r = check_new_id(q.cid, &why);
        if (r >= 0)
                r = prepare(&q, &w, &why);
        if (r >= 0)
                r = create(oc, &q, &w, /* nat= */ false, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return failed(ret, why.msg[0] ? why.msg : strerror(-r));
        *ret = json_pack("{s:i, s:b}", "descriptor", r, "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* ---- startContainerFromDobbySpec ------------------------------------------------------ */

/* dobbySpec: an object, or a string that holds one (Thunder's code takes an object, its
 * documentation a string). A new reference. */
static int param_spec(json_t *params, json_t **ret, struct berth_error *err)
{
        json_t *v = json_object_get(params, "dobbySpec");
        json_error_t jerr;

        *ret = NULL;
        if (!v || json_is_null(v))
                return berth_error_set(err, EINVAL, "params.dobbySpec is required");
        if (json_is_string(v)) {
                *ret = json_loadb(json_string_value(v), json_string_length(v),
                                  JSON_REJECT_DUPLICATES, &jerr);
                if (!*ret)
                        return berth_error_set(err, EINVAL,
                                               "params.dobbySpec: line %d, column %d: %s",
                                               jerr.line, jerr.column, jerr.text);
        } else
                *ret = json_incref(v);
        if (json_is_object(*ret))
                return 0;
        json_decref(TAKE_PTR(*ret));
        return berth_error_set(err, EINVAL,
                               "params.dobbySpec must be an object (or a string that holds one)");
}

/* The spec as a workload of the door (without its descriptor or root). */
static int prepare_dobby(struct oci_containers *oc, const struct start_req *q, json_t *spec,
                         struct dobby_spec *d, struct berth_error *why)
{
        const struct dobby_host host = {
                .ncpus = (unsigned)MAX(get_nprocs(), 1),
                .cgroup2 = oc->cgroups && oc->cgroups->v2,
                .devices = oc->devices,
        };
        char *l = NULL;
        int r;

        r = dobby_spec_translate(spec, &q->o, &host, d, why);
        if (r < 0)
                return r;
        if (asprintf(&l, "%s=%s", OCI_LABEL_ID, q->cid) < 0)
                return -ENOMEM;
        return strv_consume(&d->w.labels, l);
}

/* Its root, then the container on it; the root goes again when the container could not
 * be made. A sweep of the roots keeps it meanwhile (making). */
static int create_dobby(struct oci_containers *oc, const struct start_req *q, struct dobby_spec *d,
                        struct berth_error *why)
{
        int r;

        if (!oc->roots)
                return berth_error_set(why, EOPNOTSUPP,
                                       "this berthd has no state directory for Dobby roots");
        pthread_mutex_lock(&oc->roots_lock);
        r = dobby_root_make(oc->roots, q->cid, /* host= */ NULL, d, why);
        if (r >= 0 && strv_extend(&oc->making, d->w.root_path) < 0) {
                remove_root(oc, d->w.root_path);
                r = -ENOMEM;
        }
        pthread_mutex_unlock(&oc->roots_lock);
        if (r < 0)
                return r;
        r = create(oc, q, &d->w, d->nat, why);
        if (r < 0)
                remove_root(oc, d->w.root_path);
        making_done(oc, d->w.root_path);
        return r;
}

static int m_start_dobby(struct oci_containers *oc, json_t *params, json_t **ret,
                         struct berth_error *err)
{
        static const char *const keys[] = { "containerId",    "dobbySpec", "command",
                                            "westerosSocket", "envvar",    NULL };
        _cleanup_(json_decrefp) json_t *spec = NULL;
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        _cleanup_strv_free_ char **envvar = NULL;
        struct berth_error why = {};
        struct start_req q = {};
        int r;

        r = check_params_cid(params, keys, &q.cid, err);
        if (r >= 0)
                r = param_spec(params, &spec, err);
        if (r >= 0)
                r = param_overrides(params, &q.o, &envvar, err);
        if (r < 0)
                return r;

        r = check_new_id(q.cid, &why);
        if (r >= 0)
                r = prepare_dobby(oc, &q, spec, &d, &why);
        if (r >= 0)
                r = create_dobby(oc, &q, &d, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return failed(ret, why.msg[0] ? why.msg : strerror(-r));
        *ret = json_pack("{s:i, s:b}", "descriptor", r, "success", 1);
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

        r = check_params_cid(params, keys, &cid, err);
        if (r >= 0)
                r = jdec_bool(params, "params", "force", &force, err);
        if (r < 0)
                return r;
        if (resolve(oc, cid, &t, &why) < 0)
                return failed(ret, why.msg);
        if (force) {
                /* SIGKILL now (thawed first when paused), and it is gone when the delete
                 * returns: what a Dobby container is once it has stopped. */
                pthread_mutex_lock(&oc->reap_lock);
                r = delete_locked(oc, t.id, /* force= */ true, &why);
                pthread_mutex_unlock(&oc->reap_lock);
                if (r < 0 && r != -ENOENT)
                        return failedf(ret, "container '%s' could not be stopped: %s", t.name,
                                       why.msg);
                return succeeded(ret);
        }
        /* Its stop signal, then SIGKILL after its stop timeout (the engine's). */
        r = berth_container_set_state(oc->store, t.id, BERTH_CONTAINER_EXITED, NULL, NULL, &why);
        if (r < 0 && r != -ENOENT)
                return failedf(ret, "container '%s' could not be stopped: %s", t.name, why.msg);
        wait_ms = t.stop_timeout_ms + STOP_GRACE_MS;
        if (berth_container_wait_ended(oc->store, t.id, wait_ms) < 0)
                return failedf(ret,
                               "container '%s' has not ended within %llu ms of its stop signal "
                               "(its stop timeout and SIGKILL); it is still stopping",
                               t.name, (unsigned long long)wait_ms);
        reap(oc, t.id);
        return succeeded(ret);
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

        r = check_params_cid(params, keys, &cid, err);
        if (r < 0)
                return r;
        if (resolve(oc, cid, &t, &why) < 0)
                return failed(ret, why.msg);
        if (t.state != from)
                return failedf(ret, "container '%s' is %s, not %s", t.name, thunder_state(t.state),
                               thunder_state(from));
        /* FIXME: a paused container that is killed from outside between the check above
         * and this call is exited by then, and setting it running starts it again; the
         * core has no "resume only" transition. */
        r = berth_container_set_state(oc->store, t.id,
                                      pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING,
                                      NULL, NULL, &why);
        if (r < 0)
                return failedf(ret, "container '%s' could not be %s: %s", t.name,
                               pause ? "paused" : "resumed", why.msg);
        return succeeded(ret);
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

/* ---- executeCommand ------------------------------------------------------------------ */

struct exec_req {
        char **args;
        char **env;
        const char *cwd;
        bool user_set;
        uid_t uid;
        gid_t gid;
};

static void exec_req_done(struct exec_req *x)
{
        strv_free(x->args);
        strv_free(x->env);
}

static int parse_id(const char *s, unsigned long *ret)
{
        char *end;

        if (!all_digits(s) || strlen(s) > 10)
                return -EINVAL;
        errno = 0;
        *ret = strtoul(s, &end, 10);
        return errno == 0 && *ret < UINT32_MAX ? 0 : -EINVAL;
}

/* --user UID[:GID], numbers only (no passwd of the container is read); GID 0 when
 * absent, as crun exec has it. */
static int parse_user(const char *v, struct exec_req *x, struct berth_error *why)
{
        _cleanup_free_ char *u = strdup(v);
        unsigned long uid, gid = 0;
        char *colon;

        if (!u)
                return -ENOMEM;
        colon = strchr(u, ':');
        if (colon)
                *colon++ = 0;
        if (parse_id(u, &uid) < 0 || (colon && parse_id(colon, &gid) < 0))
                return berth_error_set(why, EINVAL, "option --user '%.64s': UID[:GID] as numbers",
                                       v);
        x->user_set = true;
        x->uid = (uid_t)uid;
        x->gid = (gid_t)gid;
        return 0;
}

/* One option of crun exec's that makes sense here, with its value. */
static int exec_option(const char *name, const char *v, struct exec_req *x, struct berth_error *why)
{
        if (streq(name, "--env")) {
                if (!strchr(v, '=') || v[0] == '=')
                        return berth_error_set(why, EINVAL, "option --env '%.64s': KEY=VALUE", v);
                return strv_extend(&x->env, v);
        }
        if (streq(name, "--cwd")) {
                if (v[0] != '/')
                        return berth_error_set(why, EINVAL,
                                               "option --cwd '%.64s': an absolute path", v);
                x->cwd = v;
                return 0;
        }
        return parse_user(v, x, why);
}

/* crun exec's options: --env K=V (repeatable), --cwd DIR and --user UID[:GID], also as
 * --opt=VALUE, and -e and -u. Values point into words. */
static int parse_options(char **words, struct exec_req *x, struct berth_error *why)
{
        static const struct {
                const char *name, *alias;
        } opts[] = { { "--env", "-e" }, { "--cwd", NULL }, { "--user", "-u" } };

        for (size_t i = 0; words && words[i]; i++) {
                const char *w = words[i], *v = NULL, *name = NULL;
                int r;

                for (size_t k = 0; k < ELEMENTSOF(opts) && !name; k++) {
                        size_t n = strlen(opts[k].name);

                        if (streq(w, opts[k].name) || streq_ptr(w, opts[k].alias))
                                name = opts[k].name;
                        else if (strncmp(w, opts[k].name, n) == 0 && w[n] == '=') {
                                name = opts[k].name;
                                v = w + n + 1;
                        }
                }
                if (!name)
                        return berth_error_set(why, EINVAL,
                                               "option '%.64s' is not supported: options "
                                               "are --env K=V, --cwd DIR and --user UID[:GID]",
                                               w);
                if (!v && !(v = words[++i]))
                        return berth_error_set(why, EINVAL, "option %s needs a value", name);
                r = exec_option(name, v, x, why);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* timeout: seconds, more than 0 and at most EXEC_TIMEOUT_MAX_S. */
static int param_timeout(json_t *params, uint64_t *ret_ms, struct berth_error *err)
{
        json_t *v = json_object_get(params, "timeout");
        double s;

        *ret_ms = EXEC_TIMEOUT_DEFAULT_S * 1000u;
        if (!v || json_is_null(v))
                return 0;
        s = json_number_value(v);
        if (!json_is_number(v) || !(s > 0) || s > EXEC_TIMEOUT_MAX_S)
                return berth_error_set(err, EINVAL,
                                       "params.timeout must be a number of seconds, more than "
                                       "0 and at most %d",
                                       EXEC_TIMEOUT_MAX_S);
        *ret_ms = MAX((uint64_t)(s * 1000), (uint64_t)1);
        return 0;
}

static int exec_result(const struct berth_exec_result *res, json_t **ret)
{
        json_t *out = jsonrpc_string_lossy(res->output ? res->output : "", res->output_len);
        int code = res->signal ? 128 + res->signal : res->exit_code;

        *ret = out ? json_pack("{s:b, s:i, s:o}", "success", 1, "exitCode", code, "output", out)
                   : NULL;
        if (*ret && res->signal)
                (void)json_object_set_new(*ret, "signal", json_integer(res->signal));
        if (*ret && res->output_dropped)
                (void)json_object_set_new(*ret, "outputTruncated", json_true());
        return *ret ? 0 : -ENOMEM;
}

static int m_exec(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId", "command", "options", "timeout", NULL };
        _cleanup_(exec_req_done) struct exec_req x = {};
        _cleanup_strv_free_ char **words = NULL;
        struct berth_exec_result res = { .exit_code = -1 };
        const char *cid, *command, *options;
        struct berth_error why = {};
        uint64_t timeout_ms;
        struct target t;
        int r;

        r = check_params_cid(params, keys, &cid, err);
        if (r >= 0)
                r = param_str(params, "command", true, &command, err);
        if (r >= 0)
                r = param_str(params, "options", false, &options, err);
        if (r >= 0)
                r = param_timeout(params, &timeout_ms, err);
        if (r < 0)
                return r;
        if (resolve(oc, cid, &t, &why) < 0)
                return failed(ret, why.msg);
        r = oci_split_command(command, &x.args, &why);
        if (r >= 0 && options && options[strspn(options, " \t\n")])
                r = oci_split_command(options, &words, &why);
        if (r >= 0)
                r = parse_options(words, &x, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return failed(ret, why.msg);
        if (t.state != BERTH_CONTAINER_RUNNING)
                return failedf(ret, "container '%s' is %s: a command runs only in a running one",
                               t.name, thunder_state(t.state));
        r = berth_container_exec(oc->store, t.id,
                                 &(struct berth_exec){
                                         .args = x.args,
                                         .env = x.env,
                                         .cwd = (char *)x.cwd,
                                         .user_set = x.user_set,
                                         .uid = x.uid,
                                         .gid = x.gid,
                                         .timeout_ms = timeout_ms,
                                         .output_max = EXEC_OUTPUT_MAX,
                                 },
                                 &res, &why);
        if (r >= 0 && res.timed_out)
                r = failedf(ret,
                            "the command ran longer than its timeout of %.3g s and was killed "
                            "(SIGKILL)",
                            (double)timeout_ms / 1000);
        else if (r >= 0)
                r = exec_result(&res, ret);
        else if (r != -ENOMEM)
                r = failedf(ret, "container '%s': %s", t.name, why.msg);
        berth_exec_result_done(&res);
        return r;
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
        { "getContainerInfo", m_info },
        { "startContainer", m_start },
        { "startContainerFromDobbySpec", m_start_dobby },
        { "stopContainer", m_stop },
        { "pauseContainer", m_pause },
        { "resumeContainer", m_resume },
        { "executeCommand", m_exec },
        { "execCommand", m_exec },
};

int oci_containers_call(struct oci_containers *oc, const char *method, json_t *params, json_t **ret,
                        struct berth_error *err)
{
        *ret = NULL;
        for (size_t i = 0; i < ELEMENTSOF(methods); i++)
                if (streq(methods[i].name, method)) {
                        /* What has ended is gone before any call looks, as under Dobby,
                         * whether or not the reaper has come to it yet. */
                        sweep(oc);
                        return methods[i].fn(oc, params, ret, err);
                }
        return -ENOENT;
}

int oci_containers_new(const struct oci_containers_config *cfg, struct oci_containers **ret)
{
        struct oci_containers *oc = calloc(1, sizeof(*oc));
        int r;

        if (!oc)
                return -ENOMEM;
        oc->store = cfg->store;
        oc->cgroups = cfg->cgroups;
        oc->devices = cfg->devices;
        oc->engine = strdup(cfg->engine ? cfg->engine : "native");
        oc->next_descriptor = 1;
        if (berth_container_state_dir(cfg->store) &&
            asprintf(&oc->roots, "%s/" DOBBY_ROOTS_DIR, berth_container_state_dir(cfg->store)) < 0)
                oc->roots = NULL;
        if (!oc->engine || (berth_container_state_dir(cfg->store) && !oc->roots)) {
                free(oc->engine);
                free(oc);
                return -ENOMEM;
        }
        r = oci_nat_new(cfg->nat_range, &oc->nat, NULL);
        if (r < 0) {
                free(oc->roots);
                free(oc->engine);
                free(oc);
                return r;
        }
        pthread_mutex_init(&oc->start_lock, NULL);
        pthread_mutex_init(&oc->roots_lock, NULL);
        pthread_mutex_init(&oc->reap_lock, NULL);
        pthread_mutex_init(&oc->crash_lock, NULL);
        *ret = oc;
        return 0;
}

int oci_containers_start(struct oci_containers *oc)
{
        struct used u = { .oc = oc };
        int r;

        /* Descriptors go on after the highest a re-adopted container has. */
        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_used, &u);
        for (unsigned d = 1; d <= OCI_DESCRIPTOR_MAX; d++)
                if (u.d[d])
                        oc->next_descriptor = d % OCI_DESCRIPTOR_MAX + 1;
        if (oc->store->events)
                oc->events_after = berth_events_last(oc->store->events);
        oci_nat_recover(oc->nat, oc->store);
        sweep(oc);
        if (!oc->store->events)
                return 0;
        r = -pthread_create(&oc->reaper, NULL, reaper_main, oc);
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
        free(oc->roots);
        free(oc->engine);
        free(oc);
        return NULL;
}
