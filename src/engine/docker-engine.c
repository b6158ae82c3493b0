/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The docker engine (docker.h): its ops table, a container's state and record, the
 * calls that change a container (create, start, stop, kill, pause, resume, remove),
 * recovery, and the engine itself. The object's state follows Docker's events
 * (docker-events.c); a call that changes it sets what it knows at once and the events
 * confirm it.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "docker-internal.h"
#include "events.h"
#include "log.h"
#include "logkeep.h"
#include "macro.h"
#include "store.h"

#define STOP_GRACE_S 60

int docker_need_id(const struct berth_container *c, struct berth_error *err)
{
        if (D(c)->id[0])
                return 0;
        return berth_error_set(err, ENOENT, "container %s has no docker container",
                               c->name ? c->name : "");
}

/* ---- the container's state and record -------------------------------------------------- */

static int docker_state_new(struct berth_engine *e, struct berth_container *c)
{
        (void)e;
        c->engine_state = calloc(1, sizeof(struct docker_ctr));
        return c->engine_state ? 0 : -ENOMEM;
}

static void docker_state_free(struct berth_engine *e, struct berth_container *c)
{
        (void)e;
        c->engine_state = mfree(c->engine_state);
}

static bool id_ok(const char *id)
{
        return id && strlen(id) == DOCKER_ID_LEN && strspn(id, "0123456789abcdef") == DOCKER_ID_LEN;
}

static json_t *docker_encode(struct berth_engine *e, const struct berth_container *c)
{
        (void)e;
        return json_pack("{s:s}", "docker_id", D(c)->id);
}

static int docker_decode(struct berth_engine *e, struct berth_container *c, json_t *j)
{
        const char *id = json_string_value(json_object_get(j, "docker_id"));

        (void)e;
        if (id && id[0] && !id_ok(id))
                return -EINVAL;
        (void)snprintf(D(c)->id, sizeof(D(c)->id), "%s", id ? id : "");
        return 0;
}

/* ---- create ------------------------------------------------------------------------------- */

static int docker_validate(struct berth_engine *e, struct berth_container *c,
                           struct berth_error *err)
{
        (void)e;
        return docker_check_workload(c, err);
}

/* berth's own lines about the container (created, stopping, …): a file like the native
 * engine's, beside Docker's log of its output. */
static int make_files(struct berth_container *c, struct berth_error *err)
{
        const char *state_dir = berth_container_state_dir(DK(c)->store);
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&c->dir, "%s/containers/%llu", state_dir, (unsigned long long)c->obj.id) < 0 ||
            asprintf(&c->logfile, "%s/logs/%llu-%lld.log", state_dir, (unsigned long long)c->obj.id,
                     (long long)c->created_at.tv_sec) < 0)
                return -ENOMEM;
        fd = open(c->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "create the log file '%s'", c->logfile);
        return 0;
}

static int docker_create(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct docker *dk = e->data;
        struct berth_store *s = dk->store;
        _cleanup_free_ char *name = docker_escape(c->name), *path = NULL;
        json_auto_t *body = docker_create_body(dk, c), *reply = NULL;
        const char *id;
        int r;

        if (!name || !body || asprintf(&path, "/containers/create?name=%s", name) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "POST", path, body, &reply, err, "create container %s",
                        c->name);
        if (r < 0)
                return r;
        id = json_string_value(json_object_get(reply, "Id"));
        if (!id_ok(id))
                return berth_error_set(err, EIO, "docker: create container %s: no id in the answer",
                                       c->name);
        /* A non-empty "Warnings" (IPv4 forwarding is off …) is not an error. */
        pthread_mutex_lock(&s->lock);
        memcpy(D(c)->id, id, sizeof(D(c)->id));
        pthread_mutex_unlock(&s->lock);
        r = make_files(c, err);
        if (r < 0)
                return r; /* the core removes what was made (remove, discard) */
        berth_container_log(c, "docker container %.12s made from image %s", id, c->w.image);
        return 0;
}

/* ---- state changes ------------------------------------------------------------------------- */

/* POST (or GET) /containers/{id}/<action><query>. */
static int call_on(struct berth_container *c, const char *method, const char *action,
                   const char *query, json_t **ret, struct berth_error *err)
{
        char path[200];

        if (docker_need_id(c, err) < 0)
                return -ENOENT;
        (void)snprintf(path, sizeof(path), "/containers/%s/%s%s", D(c)->id, action,
                       query ? query : "");
        return docker_call(DK(c)->client, method, path, NULL, ret, err, "%s container %s",
                           streq(action, "json") ? "inspect" : action, c->name);
}

static int docker_start(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct docker *dk = e->data;
        struct berth_store *s = dk->store;
        json_auto_t *j = NULL;
        bool changed = false;
        uint64_t dies;
        int r;

        pthread_mutex_lock(&s->lock);
        dies = D(c)->dies;
        c->exit_code = -1;
        c->signal = 0;
        c->oom_killed = false;
        c->stop_requested = false;
        c->error = mfree(c->error);
        berth_store_changed(s);
        pthread_mutex_unlock(&s->lock);

        r = call_on(c, "POST", "start", NULL, NULL, err); /* 304: it runs already */
        if (r < 0) {
                berth_container_log(c, "start failed: %s", err ? err->msg : "error");
                return r;
        }
        (void)call_on(c, "GET", "json", NULL, &j, NULL);
        pthread_mutex_lock(&s->lock);
        /* A die event handled meanwhile is newer than what this call knows. */
        if (D(c)->dies == dies) {
                enum berth_container_state before = c->state;
                if (j)
                        (void)docker_apply_inspect_locked(c, j);
                else if (c->state != BERTH_CONTAINER_RUNNING)
                        berth_container_set_state_locked(s, c, BERTH_CONTAINER_RUNNING);
                changed = c->state != before;
                if (c->state == BERTH_CONTAINER_RUNNING && c->started_at.tv_sec == 0)
                        (void)clock_gettime(CLOCK_REALTIME, &c->started_at);
        }
        pthread_mutex_unlock(&s->lock);
        berth_container_log(c, "container running (docker %.12s)", D(c)->id);
        berth_container_persist(s, c);
        if (changed)
                berth_container_publish(s, c, berth_container_state_to_string(c->state));
        return 0;
}

struct stop_job {
        struct docker *dk;
        uint64_t obj;
        char id[DOCKER_ID_LEN + 1];
        char name[256];
        unsigned timeout_s;
        bool paused;
};

static void stop_done(struct stop_job *job)
{
        struct berth_store *s = job->dk->store;
        struct berth_container *c;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, job->obj);
        if (c && c->engine == &job->dk->engine && streq(D(c)->id, job->id))
                D(c)->stopping = false;
        pthread_mutex_unlock(&s->lock);
}

/* POST /stop waits for the container's end (its stop signal, SIGKILL after its
 * timeout): a thread of its own, so that a stop returns at once. The exit comes back
 * through the events; a stop that failed puts the object back as Docker has it. */
static void *stop_main(void *userdata)
{
        struct stop_job *job = userdata;
        struct docker *dk = job->dk;
        struct berth_error err = {};
        struct docker_reply reply = {};
        char path[160];
        int r;

        if (job->paused) {
                /* A frozen process cannot act on its stop signal. */
                (void)snprintf(path, sizeof(path), "/containers/%s/unpause", job->id);
                (void)docker_call(dk->client, "POST", path, NULL, NULL, NULL, "unpause");
        }
        (void)snprintf(path, sizeof(path), "/containers/%s/stop?t=%u", job->id, job->timeout_s);
        r = docker_request(dk->client,
                           &(struct docker_request){
                                   .method = "POST",
                                   .path = path,
                                   .timeout_ms = (long)(job->timeout_s + STOP_GRACE_S) * 1000,
                           },
                           &reply, &err);
        if (r >= 0 && r != 204 && r != 304)
                (void)docker_error(&reply, &err, "stop container %s", job->name);
        docker_reply_done(&reply);
        stop_done(job);
        if (r < 0 || (r != 204 && r != 304)) {
                log_debug("Container %llu: %s", (unsigned long long)job->obj, err.msg);
                (void)docker_sync(dk, job->obj);
        }
        pthread_mutex_lock(&dk->lock);
        dk->workers--;
        pthread_cond_broadcast(&dk->cond);
        pthread_mutex_unlock(&dk->lock);
        free(job);
        return NULL;
}

/* The store's lock held; D(c)->stopping set by the caller. */
static int spawn_stop(struct berth_container *c, bool paused)
{
        struct docker *dk = DK(c);
        struct stop_job *job = calloc(1, sizeof(*job));
        pthread_attr_t attr;
        pthread_t t;
        int r;

        if (!job)
                return -ENOMEM;
        *job = (struct stop_job){
                .dk = dk,
                .obj = c->obj.id,
                .timeout_s = (unsigned)((c->w.stop_timeout_ms + 999) / 1000),
                .paused = paused,
        };
        memcpy(job->id, D(c)->id, sizeof(job->id));
        (void)snprintf(job->name, sizeof(job->name), "%s", c->name);
        pthread_mutex_lock(&dk->lock);
        r = dk->stopping ? -ECANCELED : 0;
        if (r >= 0) {
                (void)pthread_attr_init(&attr);
                (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                r = -pthread_create(&t, &attr, stop_main, job);
                (void)pthread_attr_destroy(&attr);
        }
        if (r >= 0)
                dk->workers++;
        pthread_mutex_unlock(&dk->lock);
        if (r < 0)
                free(job);
        return r;
}

static int docker_stop(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct docker *dk = e->data;
        struct berth_store *s = dk->store;
        enum berth_container_state prev = c->state;
        bool live = prev == BERTH_CONTAINER_RUNNING || prev == BERTH_CONTAINER_PAUSED;
        int r;

        if (!live) {
                /* Not running here: Docker may still have it restarting by its policy
                 * (a stop ends that). Nothing to stop is no error, whatever Docker says. */
                pthread_mutex_lock(&s->lock);
                c->stop_requested = true;
                pthread_mutex_unlock(&s->lock);
                struct berth_error e2 = {};
                if (call_on(c, "POST", "stop", "?t=0", NULL, &e2) < 0)
                        log_debug("Container %llu: %s", (unsigned long long)c->obj.id, e2.msg);
                return 0;
        }
        pthread_mutex_lock(&s->lock);
        c->stop_requested = true;
        D(c)->stopping = true;
        berth_container_set_state_locked(s, c, BERTH_CONTAINER_STOPPING);
        r = spawn_stop(c, prev == BERTH_CONTAINER_PAUSED);
        if (r < 0) {
                D(c)->stopping = false;
                c->stop_requested = false;
                berth_container_set_state_locked(s, c, prev);
        }
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return berth_error_set_errno(err, -r, "stop container %s", c->name);
        berth_container_persist(s, c);
        berth_container_log(c, "stopping container (timeout %llu ms)",
                            (unsigned long long)c->w.stop_timeout_ms);
        berth_container_publish(s, c, "stopping");
        return 0;
}

static int docker_kill(struct berth_engine *e, struct berth_container *c, int sig,
                       struct berth_error *err)
{
        char q[40], name[24];
        int r;

        (void)e;
        docker_signal_name(sig, name, sizeof(name));
        (void)snprintf(q, sizeof(q), "?signal=%s", name);
        r = call_on(c, "POST", "kill", q, NULL, err);
        if (r < 0)
                return r;
        berth_container_log(c, "signal %d sent", sig);
        return 0;
}

static int set_paused(struct berth_container *c, bool pause, struct berth_error *err)
{
        struct berth_store *s = DK(c)->store;
        bool changed;
        int r;

        r = call_on(c, "POST", pause ? "pause" : "unpause", NULL, NULL, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        changed = c->state != (pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING);
        if (changed)
                berth_container_set_state_locked(
                        s, c, pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING);
        pthread_mutex_unlock(&s->lock);
        berth_container_log(c, pause ? "container paused" : "container resumed");
        if (changed) {
                berth_container_persist(s, c);
                berth_container_publish(s, c, pause ? "paused" : "running");
        }
        return 0;
}

static int docker_pause(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        (void)e;
        return set_paused(c, true, err);
}

static int docker_resume(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        (void)e;
        return set_paused(c, false, err);
}

/* DELETE ?force=1&v=1: killed when it runs, with its anonymous volumes. */
static int remove_container(struct docker *dk, const char *id, const char *name,
                            struct berth_error *err)
{
        char path[160];
        int r;

        if (!id[0])
                return 0;
        (void)snprintf(path, sizeof(path), "/containers/%s?force=1&v=1", id);
        r = docker_call(dk->client, "DELETE", path, NULL, NULL, err, "remove container %s", name);
        return r == -ENOENT ? 0 : MIN(r, 0);
}

static void drop_log(struct berth_container *c, bool keep)
{
        struct berth_logkeep *k = berth_container_logkeep(DK(c)->store);

        if (keep && k)
                berth_logkeep_add(k, c->logfile);
        else if (c->logfile)
                (void)unlink(c->logfile);
}

static int docker_remove(struct berth_engine *e, struct berth_container *c, unsigned flags,
                         struct berth_error *err)
{
        struct docker *dk = e->data;
        struct berth_store *s = dk->store;
        int r;

        r = remove_container(dk, D(c)->id, c->name, (flags & BERTH_REMOVE_DISCARD) ? NULL : err);
        if (r < 0 && !(flags & BERTH_REMOVE_DISCARD))
                return r;
        /* The event thread or a stop worker may still be finishing with it. */
        pthread_mutex_lock(&s->lock);
        while (D(c)->busy > 0)
                pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
        if (!(flags & BERTH_REMOVE_DISCARD))
                berth_container_log(c, "container deleted");
        drop_log(c, !(flags & BERTH_REMOVE_DISCARD));
        return 0;
}

/* ---- what the engine runs, its events, its counters -------------------------------------- */

/* GET /containers/json?all=1 of the containers with our owner label. */
static int list_ours(struct docker *dk, json_t **ret, struct berth_error *err)
{
        json_auto_t *f = json_pack("{s:[s]}", "label", dk->owner_label);
        _cleanup_free_ char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
        _cleanup_free_ char *esc = text ? docker_escape(text) : NULL, *path = NULL;
        int r;

        if (!esc || asprintf(&path, "/containers/json?all=1&filters=%s", esc) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "GET", path, NULL, ret, err, "list containers");
        if (r >= 0 && !json_is_array(*ret))
                r = berth_error_set(err, EIO, "docker: list containers: not a list");
        return MIN(r, 0);
}

static int docker_list(struct berth_engine *e, berth_engine_list_fn fn, void *userdata)
{
        json_auto_t *l = NULL;
        size_t i;
        json_t *c;
        int r;

        r = list_ours(e->data, &l, NULL);
        if (r < 0)
                return r;
        json_array_foreach (l, i, c) {
                const char *name =
                        json_string_value(json_array_get(json_object_get(c, "Names"), 0));
                r = fn(json_string_value(json_object_get(c, "Id")),
                       name && name[0] == '/' ? name + 1 : name,
                       json_string_value(json_object_get(c, "State")), userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int docker_events(struct berth_engine *e, uint64_t after, int timeout_ms,
                         struct berth_event *out, size_t max)
{
        struct docker *dk = e->data;
        bool lost;

        if (!dk->store->events)
                return -EOPNOTSUPP;
        return berth_events_wait(dk->store->events, after, timeout_ms, out, max, &lost);
}

static void docker_metrics(struct berth_engine *e,
                           void (*fn)(const char *name, const char *help, bool counter,
                                      uint64_t value, void *userdata),
                           void *userdata)
{
        struct docker *dk = e->data;
        uint64_t calls, errors, events, connects;
        bool up;

        docker_client_counters(dk->client, &calls, &errors);
        pthread_mutex_lock(&dk->lock);
        events = dk->events_seen;
        connects = dk->connects;
        up = dk->connected;
        pthread_mutex_unlock(&dk->lock);
        fn("berth_docker_calls_total", "Calls to the docker engine.", true, calls, userdata);
        fn("berth_docker_errors_total", "Calls to the docker engine that failed.", true, errors,
           userdata);
        fn("berth_docker_events_total", "Container events of the docker engine handled.", true,
           events, userdata);
        fn("berth_docker_event_streams_total", "Times the docker engine's events were followed.",
           true, connects, userdata);
        fn("berth_docker_engine_up", "1 while the docker engine's events are followed.", false,
           up ? 1 : 0, userdata);
}

/* ---- recovery --------------------------------------------------------------------------- */

static int docker_readopt(struct berth_engine *e, struct berth_container *c,
                          struct berth_error *err)
{
        struct docker *dk = e->data;
        struct berth_store *s = dk->store;
        json_auto_t *j = NULL;
        bool stopping = c->state == BERTH_CONTAINER_STOPPING, changed;
        int r;

        if (!D(c)->id[0])
                return berth_error_set(err, ENOENT,
                                       "the docker engine never made it (its create was cut "
                                       "short)");
        r = call_on(c, "GET", "json", NULL, &j, err);
        if (r == -EHOSTDOWN) {
                /* Kept as recorded: the event thread brings it in line when the engine
                 * answers. */
                log_debug("Container %llu: %s; kept as recorded", (unsigned long long)c->obj.id,
                          err ? err->msg : "the docker engine does not answer");
                berth_error_clear(err);
                return 0;
        }
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        D(c)->stopping = stopping; /* a stop the old berthd had under way: adopted() */
        changed = docker_apply_inspect_locked(c, j);
        pthread_mutex_unlock(&s->lock);
        return changed ? 1 : 0;
}

static void docker_adopted(struct berth_engine *e, struct berth_container *c, bool changed)
{
        struct docker *dk = e->data;
        struct berth_store *s = dk->store;
        int r = 0;

        pthread_mutex_lock(&s->lock);
        if (c->state == BERTH_CONTAINER_STOPPING && D(c)->stopping) {
                /* The old berthd may have died before Docker had its stop. */
                r = spawn_stop(c, false);
                if (r < 0)
                        D(c)->stopping = false;
        } else
                D(c)->stopping = false;
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                log_debug("Container %llu: its stop cannot be resumed",
                          (unsigned long long)c->obj.id);
        if (changed) {
                berth_container_persist(s, c);
                berth_container_publish(s, c, berth_container_state_to_string(c->state));
        }
}

static void docker_forget(struct berth_engine *e, struct berth_container *c)
{
        (void)remove_container(e->data, D(c)->id, c->name ? c->name : "", NULL);
        drop_log(c, true);
}

/* Is there a container object of this engine with id (and that Docker id)? */
static bool owned(struct docker *dk, uint64_t id, const char *docker_id)
{
        struct berth_store *s = dk->store;
        struct berth_container *c;
        bool r;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        r = c && c->engine == &dk->engine && (!D(c)->id[0] || streq(D(c)->id, docker_id));
        pthread_mutex_unlock(&s->lock);
        return r;
}

/* Docker's containers with our owner label whose io.berth.id no container object of
 * this engine has: what a crash left (a create cut short, a delete not finished). One
 * without a readable id is left alone. */
static unsigned docker_sweep(struct berth_engine *e)
{
        struct docker *dk = e->data;
        json_auto_t *l = NULL;
        unsigned n = 0;
        size_t i;
        json_t *c;

        if (list_ours(dk, &l, NULL) < 0)
                return 0;
        json_array_foreach (l, i, c) {
                json_t *labels = json_object_get(c, "Labels");
                const char *id = json_string_value(json_object_get(c, "Id"));
                const char *bid = json_string_value(json_object_get(labels, "io.berth.id"));
                const char *owner = json_string_value(json_object_get(labels, "io.berth.owner"));
                char *end = NULL;
                unsigned long long obj = bid ? strtoull(bid, &end, 10) : 0;

                if (!id_ok(id) || !owner || !streq(owner, dk->owner) || !bid || !*bid || *end ||
                    obj == 0 || owned(dk, obj, id))
                        continue;
                log_debug("Removing docker container %.12s: no container %llu owns it", id, obj);
                if (remove_container(dk, id, id, NULL) >= 0)
                        n++;
        }
        return n;
}

const struct berth_engine_ops docker_ops = {
        .state_new = docker_state_new,
        .state_free = docker_state_free,
        .validate = docker_validate,
        .create = docker_create,
        .start = docker_start,
        .stop = docker_stop,
        .kill = docker_kill,
        .pause = docker_pause,
        .resume = docker_resume,
        .exec = docker_exec,
        .stats = docker_stats,
        .logs = docker_logs,
        .top = docker_top,
        .inspect = docker_inspect,
        .remove = docker_remove,
        .list = docker_list,
        .events = docker_events,
        .encode = docker_encode,
        .decode = docker_decode,
        .readopt = docker_readopt,
        .adopted = docker_adopted,
        .forget = docker_forget,
        .sweep = docker_sweep,
        .metrics = docker_metrics,
};

/* ---- the engine --------------------------------------------------------------------------- */

int berth_docker_engine_new(struct berth_store *s, const struct berth_docker_config *cfg,
                            struct berth_engine **ret, struct berth_error *err)
{
        struct docker *dk;
        int r;

        if (!cfg->owner || !cfg->owner[0])
                return berth_error_set(err, EINVAL, "the docker engine needs an owner label");
        dk = calloc(1, sizeof(*dk));
        if (!dk)
                return -ENOMEM;
        dk->engine = (struct berth_engine){ .name = "docker", .ops = &docker_ops, .data = dk };
        dk->store = s;
        pthread_mutex_init(&dk->lock, NULL);
        pthread_cond_init(&dk->cond, NULL);
        dk->since_ns = docker_now_ns();
        r = docker_client_new(cfg->host, &dk->client, err);
        if (r >= 0 && (!(dk->owner = strdup(cfg->owner)) ||
                       asprintf(&dk->owner_label, "io.berth.owner=%s", cfg->owner) < 0))
                r = -ENOMEM;
        if (r < 0) {
                berth_docker_engine_free(&dk->engine);
                return r;
        }
        *ret = &dk->engine;
        return 0;
}

int berth_docker_engine_start(struct berth_engine *e, struct berth_error *err)
{
        struct docker *dk = e->data;
        int r = 0;

        pthread_mutex_lock(&dk->lock);
        if (!dk->thread_started && !dk->stopping) {
                r = -pthread_create(&dk->thread, NULL, docker_events_main, dk);
                dk->thread_started = r >= 0;
        }
        pthread_mutex_unlock(&dk->lock);
        return r < 0 ? berth_error_set_errno(err, -r, "start following the docker engine's events")
                     : 0;
}

void berth_docker_engine_stop(struct berth_engine *e)
{
        struct docker *dk;
        bool join;

        if (!e)
                return;
        dk = e->data;
        pthread_mutex_lock(&dk->lock);
        dk->stopping = true;
        join = dk->thread_started;
        dk->thread_started = false;
        pthread_cond_broadcast(&dk->cond);
        pthread_mutex_unlock(&dk->lock);
        if (dk->client)
                docker_client_cancel_all(dk->client);
        if (join)
                (void)pthread_join(dk->thread, NULL);
        pthread_mutex_lock(&dk->lock);
        while (dk->workers > 0)
                pthread_cond_wait(&dk->cond, &dk->lock);
        pthread_mutex_unlock(&dk->lock);
}

void berth_docker_engine_free(struct berth_engine *e)
{
        struct docker *dk;

        if (!e)
                return;
        dk = e->data;
        berth_docker_engine_stop(e);
        dk->client = docker_client_free(dk->client);
        pthread_mutex_destroy(&dk->lock);
        pthread_cond_destroy(&dk->cond);
        free(dk->owner);
        free(dk->owner_label);
        free(dk);
}

int berth_docker_ping(struct berth_engine *e, struct berth_error *err)
{
        struct docker *dk = e->data;
        struct docker_reply reply;
        int r;

        r = docker_request(dk->client, &(struct docker_request){ .path = "/_ping" }, &reply, err);
        if (r >= 0 && r != 200)
                r = berth_error_set(err, EHOSTDOWN,
                                    "the docker engine at %s does not answer: /_ping said HTTP %d",
                                    docker_client_host(dk->client), r);
        docker_reply_done(&reply);
        return MIN(r, 0);
}

const char *berth_docker_container_id(const struct berth_container *c)
{
        if (!c || !c->engine || c->engine->ops != &docker_ops || !D(c) || !D(c)->id[0])
                return NULL;
        return D(c)->id;
}

const char *berth_docker_socket(const struct berth_engine *e)
{
        return docker_client_socket(((const struct docker *)e->data)->client);
}
