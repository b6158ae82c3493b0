/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event thread: GET /events of the containers with our owner label, from the last
 * event seen (since=), one object per line. start, die, pause, unpause, oom, destroy and
 * health_status change the container object whose io.berth.id (and Docker id) the
 * event names; a restart by Docker's policy is a die then a start: EXITED, then RUNNING
 * again. Each time the stream opens, every container of ours is first brought in line
 * with Docker's view (what happened while nobody listened). An engine that goes away is
 * followed again with a backoff; berth_docker_engine_stop() ends the stream at once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker-internal.h"
#include "log.h"
#include "macro.h"
#include "store.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

/* ---- Docker's view of one container --------------------------------------------------- */

bool docker_apply_inspect_locked(struct berth_container *c, json_t *j)
{
        struct berth_store *s = DK(c)->store;
        json_t *st = json_object_get(j, "State");
        const char *status = json_string_value(json_object_get(st, "Status"));
        const char *health =
                json_string_value(json_object_get(json_object_get(st, "Health"), "Status"));
        enum berth_container_state target = docker_state_from_status(status);
        bool running = target == BERTH_CONTAINER_RUNNING || target == BERTH_CONTAINER_PAUSED;
        struct timespec t;

        if (target < 0)
                return false;
        (void)snprintf(D(c)->health, sizeof(D(c)->health), "%s", health ? health : "");
        if (running) {
                c->pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
                c->exit_code = -1;
                c->signal = 0;
                if (docker_parse_time(json_string_value(json_object_get(st, "StartedAt")), &t))
                        c->started_at = t;
                c->finished_at = (struct timespec){};
                /* A stop under way stays one until Docker says it is over. */
                if (c->state == BERTH_CONTAINER_STOPPING && D(c)->stopping)
                        target = BERTH_CONTAINER_STOPPING;
        } else {
                c->pid = 0;
                if (target != BERTH_CONTAINER_CREATED) {
                        c->exit_code = (int)json_integer_value(json_object_get(st, "ExitCode"));
                        c->oom_killed = json_is_true(json_object_get(st, "OOMKilled"));
                        if (docker_parse_time(json_string_value(json_object_get(st, "FinishedAt")),
                                              &t))
                                c->finished_at = t;
                }
        }
        if (target == c->state)
                return false;
        berth_container_set_state_locked(s, c, target);
        return true;
}

int docker_sync(struct docker *dk, uint64_t id)
{
        struct berth_store *s = dk->store;
        char path[160], name[256];
        json_auto_t *j = NULL;
        struct berth_error err = {};
        struct berth_container *c;
        bool changed = false;
        int r;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        if (!c || c->engine != &dk->engine || !D(c)->id[0] || !docker_pin_locked(c)) {
                pthread_mutex_unlock(&s->lock);
                return 0;
        }
        (void)snprintf(path, sizeof(path), "/containers/%s/json", D(c)->id);
        (void)snprintf(name, sizeof(name), "%s", c->name ? c->name : "");
        pthread_mutex_unlock(&s->lock);

        r = docker_call(dk->client, "GET", path, NULL, &j, &err, "inspect container %s", name);
        pthread_mutex_lock(&s->lock);
        if (r >= 0)
                changed = docker_apply_inspect_locked(c, j);
        else if (r == -ENOENT && c->state != BERTH_CONTAINER_DEAD) {
                /* Removed behind berth's back. */
                free(c->error);
                c->error = strdup("the docker engine has no such container any more");
                c->pid = 0;
                berth_container_set_state_locked(s, c, BERTH_CONTAINER_DEAD);
                changed = true;
        }
        pthread_mutex_unlock(&s->lock);
        if (changed) {
                berth_container_persist(s, c);
                berth_container_publish(s, c, berth_container_state_to_string(c->state));
        }
        docker_unpin(c);
        return r == -ENOENT ? 0 : MIN(r, 0);
}

/* Every container of ours in line with Docker's view. */
/* What the event thread and the engine share: the time, and pins on a container that
 * keep its delete waiting while a call on it is made without the store's lock. */
int64_t docker_now_ns(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool docker_pin_locked(struct berth_container *c)
{
        if (c->deleting)
                return false;
        D(c)->busy++;
        return true;
}

void docker_unpin(struct berth_container *c)
{
        struct berth_store *s = DK(c)->store;

        pthread_mutex_lock(&s->lock);
        D(c)->busy--;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

static int resync(struct docker *dk)
{
        struct berth_store *s = dk->store;
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n = 0;
        int r = 0;

        pthread_mutex_lock(&s->lock);
        ids = calloc(s->n_table[BERTH_OBJ_CONTAINER] + 1, sizeof(uint64_t));
        for (size_t i = 0; ids && i < s->n_table[BERTH_OBJ_CONTAINER]; i++) {
                struct berth_container *c =
                        (struct berth_container *)s->table[BERTH_OBJ_CONTAINER][i];
                if (c->engine == &dk->engine)
                        ids[n++] = c->obj.id;
        }
        pthread_mutex_unlock(&s->lock);
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++)
                r = docker_sync(dk, ids[i]);
        return r;
}

/* ---- one event ---------------------------------------------------------------------------- */

struct change {
        enum berth_container_state target; /* or -1 */
        bool oom, health, start;
};

static void apply_event_locked(struct berth_container *c, const char *action, json_t *attrs,
                               const struct timespec *when, struct change *ch)
{
        const char *code = json_string_value(json_object_get(attrs, "exitCode"));

        if (streq(action, "start")) {
                c->exit_code = -1;
                c->signal = 0;
                c->oom_killed = false;
                c->started_at = *when;
                c->finished_at = (struct timespec){};
                ch->target = BERTH_CONTAINER_RUNNING;
                ch->start = true;
        } else if (streq(action, "die")) {
                c->exit_code = code ? atoi(code) : -1;
                c->pid = 0;
                c->finished_at = *when;
                D(c)->dies++;
                ch->target = BERTH_CONTAINER_EXITED;
        } else if (streq(action, "pause"))
                ch->target = BERTH_CONTAINER_PAUSED;
        else if (streq(action, "unpause"))
                ch->target = BERTH_CONTAINER_RUNNING;
        else if (streq(action, "oom")) {
                c->oom_killed = true;
                ch->oom = true;
        } else if (streq(action, "destroy")) {
                free(c->error);
                c->error = strdup("the container was removed from the docker engine outside "
                                  "berth");
                c->pid = 0;
                ch->target = BERTH_CONTAINER_DEAD;
        } else if (strncmp(action, "health_status: ", 15) == 0) {
                (void)snprintf(D(c)->health, sizeof(D(c)->health), "%s", action + 15);
                ch->health = true;
        }
        /* Docker unpausing for a stop berth asked for is still that stop. */
        if (ch->target == BERTH_CONTAINER_RUNNING && c->state == BERTH_CONTAINER_STOPPING &&
            D(c)->stopping)
                ch->target = (enum berth_container_state) - 1;
}

/* A start: its PID 1 as Docker has it (the event does not say). */
static void fill_pid(struct docker *dk, struct berth_container *c)
{
        struct berth_store *s = dk->store;
        json_auto_t *j = NULL;
        char path[160];

        (void)snprintf(path, sizeof(path), "/containers/%s/json", D(c)->id);
        if (docker_call(dk->client, "GET", path, NULL, &j, NULL, "inspect") < 0)
                return;
        pthread_mutex_lock(&s->lock);
        if (c->state == BERTH_CONTAINER_RUNNING)
                c->pid = (pid_t)json_integer_value(
                        json_object_get(json_object_get(j, "State"), "Pid"));
        pthread_mutex_unlock(&s->lock);
}

static int handle_event(json_t *ev, void *userdata)
{
        struct docker *dk = userdata;
        struct berth_store *s = dk->store;
        json_t *actor = json_object_get(ev, "Actor"), *attrs = json_object_get(actor, "Attributes");
        const char *action = json_string_value(json_object_get(ev, "Action"));
        const char *id = json_string_value(json_object_get(actor, "ID"));
        const char *bid = json_string_value(json_object_get(attrs, "io.berth.id"));
        int64_t ns = json_integer_value(json_object_get(ev, "timeNano"));
        struct timespec when = { .tv_sec = (time_t)(ns / 1000000000), .tv_nsec = ns % 1000000000 };
        struct change ch = { .target = (enum berth_container_state) - 1 };
        struct berth_container *c;
        bool changed;

        if (!action || !id || !bid ||
            !streq_ptr(json_string_value(json_object_get(ev, "Type")), "container"))
                return 0;
        pthread_mutex_lock(&dk->lock);
        dk->events_seen++;
        if (ns > dk->since_ns)
                dk->since_ns = ns;
        pthread_mutex_unlock(&dk->lock);

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, strtoull(bid, NULL, 10));
        if (!c || c->engine != &dk->engine || !streq(D(c)->id, id) || !docker_pin_locked(c)) {
                pthread_mutex_unlock(&s->lock);
                return 0;
        }
        apply_event_locked(c, action, attrs, &when, &ch);
        changed = (int)ch.target >= 0 && ch.target != c->state;
        if (changed)
                berth_container_set_state_locked(s, c, ch.target);
        else if (ch.oom || ch.health)
                berth_store_changed(s);
        pthread_mutex_unlock(&s->lock);

        if (changed && ch.start)
                fill_pid(dk, c);
        if (changed || ch.oom) {
                if (ch.target == BERTH_CONTAINER_EXITED)
                        berth_container_log(c, "process ended, exit code (%d)", c->exit_code);
                berth_container_persist(s, c);
        }
        if (ch.oom)
                berth_container_publish(s, c, "oom");
        if (ch.health)
                berth_container_publish(s, c, "health");
        if (changed)
                berth_container_publish(s, c, berth_container_state_to_string(c->state));
        docker_unpin(c);
        return 0;
}

/* ---- the thread --------------------------------------------------------------------------- */

static bool stopping(struct docker *dk)
{
        bool r;

        pthread_mutex_lock(&dk->lock);
        r = dk->stopping;
        pthread_mutex_unlock(&dk->lock);
        return r;
}

static bool should_stop(void *userdata)
{
        return stopping(userdata);
}

/* A stream of events from since_ns on, until it ends. */
static int follow(struct docker *dk, struct berth_error *err)
{
        json_auto_t *f = json_pack("{s:[s], s:[s]}", "type", "container", "label", dk->owner_label);
        _cleanup_free_ char *text = f ? json_dumps(f, JSON_COMPACT) : NULL;
        _cleanup_free_ char *esc = text ? docker_escape(text) : NULL, *path = NULL;
        struct docker_ndjson nd = { .fn = handle_event, .userdata = dk };
        struct docker_reply reply;
        int64_t since;
        int r;

        pthread_mutex_lock(&dk->lock);
        since = dk->since_ns;
        pthread_mutex_unlock(&dk->lock);
        if (!esc ||
            asprintf(&path, "/events?since=%lld.%09lld&filters=%s", (long long)(since / 1000000000),
                     (long long)(since % 1000000000), esc) < 0)
                return -ENOMEM;
        r = docker_request(dk->client,
                           &(struct docker_request){ .path = path,
                                                     .on_data = docker_ndjson_data,
                                                     .userdata = &nd,
                                                     .should_stop = should_stop },
                           &reply, err);
        docker_ndjson_done(&nd);
        if (r >= 0 && r != 200)
                r = docker_error(&reply, err, "follow the events");
        docker_reply_done(&reply);
        return r;
}

static void set_connected(struct docker *dk, bool up)
{
        pthread_mutex_lock(&dk->lock);
        dk->connected = up;
        if (up)
                dk->connects++;
        pthread_mutex_unlock(&dk->lock);
}

void *docker_events_main(void *userdata)
{
        struct docker *dk = userdata;
        int backoff = 0;

        while (!stopping(dk)) {
                struct berth_error err = {};
                struct timespec deadline;
                int64_t t0 = docker_now_ns();
                int r;

                r = resync(dk);
                if (r >= 0) {
                        /* The resync saw what happened before t0: the stream replays
                         * from there (since=), so that nothing between is missed. */
                        pthread_mutex_lock(&dk->lock);
                        dk->since_ns = t0;
                        pthread_mutex_unlock(&dk->lock);
                        set_connected(dk, true);
                        r = follow(dk, &err);
                        set_connected(dk, false);
                        /* A stream that lasted starts the backoff again; one that
                         * fails at once (an engine that is gone: the resync needs no
                         * call when there is nothing to resync) does not. */
                        if (docker_now_ns() - t0 > 10 * (int64_t)1000000000)
                                backoff = 0;
                }
                if (stopping(dk))
                        break;
                if (r < 0)
                        log_debug("Docker events: %s", err.msg[0] ? err.msg : "failed");
                backoff = backoff ? MIN(backoff * 2, BACKOFF_MAX_MS) : BACKOFF_FIRST_MS;
                (void)clock_gettime(CLOCK_REALTIME, &deadline);
                deadline.tv_sec += backoff / 1000;
                deadline.tv_nsec += (long)(backoff % 1000) * 1000000;
                if (deadline.tv_nsec >= 1000000000) {
                        deadline.tv_sec++;
                        deadline.tv_nsec -= 1000000000;
                }
                pthread_mutex_lock(&dk->lock);
                while (!dk->stopping &&
                       pthread_cond_timedwait(&dk->cond, &dk->lock, &deadline) == 0)
                        ;
                pthread_mutex_unlock(&dk->lock);
        }
        return NULL;
}
