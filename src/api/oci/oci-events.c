/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.rdk.OCIContainer's events (oci-events.h): the store's container events translated
 * into Thunder's, and the clients' registrations.
 */
#include "config.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "error.h"
#include "events.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "oci-events.h"
#include "ocicontainer.h"
#include "strv.h"

/* How often the thread looks whether it should stop, when no event comes. */
#define POLL_MS 250
/* Events of a container that was gone before it was seen wait this long for the door's
 * note of its descriptor; notes wait as long for their container. */
#define PENDING_MS 10000
#define PENDING_MAX 256
#define NOTES_MAX 64
#define DESIGNATOR_MAX 256

enum oci_event {
        OCI_EVENT_STARTED,
        OCI_EVENT_STOPPED,
        OCI_EVENT_OOM,
        _OCI_EVENT_MAX,
};

static const char *const event_names[_OCI_EVENT_MAX] = {
        [OCI_EVENT_STARTED] = "onContainerStarted",
        [OCI_EVENT_STOPPED] = "onContainerStopped",
        [OCI_EVENT_OOM] = "onContainerOOM",
};

/* On the bus (kind "oci"): berth_event's event is short. */
static const char *const bus_names[_OCI_EVENT_MAX] = {
        [OCI_EVENT_STARTED] = "started",
        [OCI_EVENT_STOPPED] = "stopped",
        [OCI_EVENT_OOM] = "oom",
};

/* A container seen on the bus. */
struct tracked {
        uint64_t id;
        int descriptor; /* 0: not one of the door's */
        char name[BERTH_NAME_MAX + 1];
        bool started; /* onContainerStarted sent, and no onContainerStopped since */
};

/* A start the door answered, waiting for its container's events. */
struct note {
        char name[BERTH_NAME_MAX + 1];
        int descriptor;
        int64_t at;
};

struct pending {
        struct berth_event e;
        int64_t at;
};

struct registration {
        enum oci_event event;
        char *id;
};

struct oci_events_client {
        struct oci_events *ev;
        oci_events_send_fn send;
        oci_events_close_fn close;
        void *userdata;
        struct registration *regs;
        size_t n_regs;
        struct oci_events_client *prev, *next;
};

struct oci_events {
        struct berth_store *store;
        char *engine;
        pthread_t thread;
        bool thread_running;
        bool stopping; /* atomic */
        uint64_t after;

        pthread_mutex_t lock;
        /* With lock. */
        struct oci_events_client *clients;
        bool closed; /* berthd stops: no new client */
        struct tracked *tracked;
        size_t n_tracked;
        struct note notes[NOTES_MAX];
        size_t n_notes;
        struct pending *pending; /* PENDING_MAX of them */
        size_t n_pending;
};

/* ---- frames --------------------------------------------------------------------------- */

static void send_to_clients(struct oci_events *ev, enum oci_event what, const struct tracked *t)
{
        char descriptor[16];

        (void)snprintf(descriptor, sizeof(descriptor), "%d", t->descriptor);
        for (struct oci_events_client *c = ev->clients; c; c = c->next)
                for (size_t i = 0; i < c->n_regs; i++) {
                        _cleanup_free_ char *method = NULL, *text = NULL;
                        json_t *j;

                        if (c->regs[i].event != what ||
                            asprintf(&method, "%s.%s", c->regs[i].id, event_names[what]) < 0)
                                continue;
                        j = json_pack("{s:s, s:s, s:{s:s, s:s}}", "jsonrpc", "2.0", "method",
                                      method, "params", "descriptor", descriptor, "name", t->name);
                        text = j ? json_dumps(j, JSON_COMPACT) : NULL;
                        json_decref(j);
                        if (text)
                                c->send(c->userdata, text, strlen(text));
                }
}

/* The event to the clients and on the bus (lock held). */
static void emit(struct oci_events *ev, enum oci_event what, const struct tracked *t,
                 const struct berth_event *from)
{
        struct berth_event e = {
                .type = BERTH_OBJ_CONTAINER,
                .id = (uint64_t)t->descriptor,
                .exit_code = -1,
        };

        log_debug("OCIContainer: %s %s (descriptor %d)", event_names[what], t->name, t->descriptor);
        send_to_clients(ev, what, t);
        if (!ev->store->events)
                return;
        (void)snprintf(e.kind, sizeof(e.kind), "oci");
        (void)snprintf(e.name, sizeof(e.name), "%s", t->name);
        (void)snprintf(e.event, sizeof(e.event), "%s", bus_names[what]);
        (void)snprintf(e.state, sizeof(e.state), "%s",
                       what == OCI_EVENT_STOPPED ? "Stopped" : "Running");
        if (what == OCI_EVENT_STOPPED && from) {
                e.exit_code = from->exit_code;
                e.signal = from->signal;
                e.oom_killed = from->oom_killed;
        }
        berth_events_publish(ev->store->events, &e);
}

/* ---- the door's containers ------------------------------------------------------------ */

/* Its descriptor when c is one of the door's (ocicontainer.h), else 0 (store locked). */
static int door_descriptor(const struct oci_events *ev, const struct berth_container *c)
{
        int d = oci_container_descriptor(c, ev->engine);

        return d < 0 ? 0 : d;
}

static bool runs(enum berth_container_state s)
{
        return s == BERTH_CONTAINER_RUNNING || s == BERTH_CONTAINER_PAUSED ||
               s == BERTH_CONTAINER_STOPPING;
}

static struct tracked *find_tracked(struct oci_events *ev, uint64_t id)
{
        for (size_t i = 0; i < ev->n_tracked; i++)
                if (ev->tracked[i].id == id)
                        return &ev->tracked[i];
        return NULL;
}

static struct tracked *track(struct oci_events *ev, uint64_t id, int descriptor, const char *name,
                             bool started)
{
        struct tracked *n = reallocarray(ev->tracked, ev->n_tracked + 1, sizeof(*n));

        if (!n)
                return NULL;
        ev->tracked = n;
        n = &ev->tracked[ev->n_tracked++];
        *n = (struct tracked){ .id = id, .descriptor = descriptor, .started = started };
        (void)snprintf(n->name, sizeof(n->name), "%s", name);
        return n;
}

static void untrack(struct oci_events *ev, struct tracked *t)
{
        *t = ev->tracked[--ev->n_tracked];
}

/* The note for name, taken (its descriptor), or 0. */
static int take_note(struct oci_events *ev, const char *name)
{
        for (size_t i = 0; i < ev->n_notes; i++)
                if (streq(ev->notes[i].name, name)) {
                        int d = ev->notes[i].descriptor;
                        ev->notes[i] = ev->notes[--ev->n_notes];
                        return d;
                }
        return 0;
}

/* A container seen in the store settles the note of its start. */
static void drop_note(struct oci_events *ev, const char *name, int descriptor)
{
        for (size_t i = 0; i < ev->n_notes; i++)
                if (streq(ev->notes[i].name, name) && ev->notes[i].descriptor == descriptor) {
                        ev->notes[i] = ev->notes[--ev->n_notes];
                        return;
                }
}

struct look {
        const struct oci_events *ev;
        int descriptor;
        char name[BERTH_NAME_MAX + 1];
        bool started;
};

static int visit_look(struct berth_obj *o, void *userdata)
{
        struct look *l = userdata;
        struct berth_container *c = berth_obj_to_container(o);

        l->descriptor = door_descriptor(l->ev, c);
        l->started = runs(c->state);
        (void)snprintf(l->name, sizeof(l->name), "%s", c->name ?: "");
        return 0;
}

/* The tracking of the container an event is about: from the store, else from the
 * door's note; NULL when neither knows it yet (or out of memory). */
static struct tracked *resolve(struct oci_events *ev, const struct berth_event *e)
{
        struct look l = { .ev = ev };
        int d;

        if (berth_store_visit_one(ev->store, BERTH_OBJ_CONTAINER, e->id, visit_look, &l) >= 0) {
                if (l.descriptor > 0)
                        drop_note(ev, l.name, l.descriptor);
                /* Not started yet as far as the events go: this one may be its start. */
                return track(ev, e->id, l.descriptor, l.name, false);
        }
        /* Gone. Only a container whose creation is the first thing seen of it can be a
         * new one of the door's: the start found them all (scan()). */
        if (!streq(e->event, "created"))
                return NULL;
        d = take_note(ev, e->name);
        if (d <= 0)
                return NULL;
        log_debug("OCIContainer: container %llu ('%s') went before its events were read; "
                  "its descriptor %d from the door's answer",
                  (unsigned long long)e->id, e->name, d);
        return track(ev, e->id, d, e->name, false);
}

static void handle(struct oci_events *ev, struct tracked *t, const struct berth_event *e)
{
        if (t->descriptor == 0) {
                if (streq(e->event, "deleted"))
                        untrack(ev, t);
                return;
        }
        if (streq(e->event, "running") && !t->started) {
                t->started = true;
                emit(ev, OCI_EVENT_STARTED, t, e);
        } else if (streq(e->event, "oom") && t->started)
                emit(ev, OCI_EVENT_OOM, t, e);
        else if ((streq(e->event, "exited") || streq(e->event, "dead")) && t->started) {
                t->started = false;
                emit(ev, OCI_EVENT_STOPPED, t, e);
        } else if (streq(e->event, "deleted")) {
                if (t->started)
                        emit(ev, OCI_EVENT_STOPPED, t, NULL);
                untrack(ev, t);
        }
}

static void pend(struct oci_events *ev, const struct berth_event *e)
{
        if (ev->n_pending == PENDING_MAX) {
                log_debug("OCIContainer: event of unknown container %llu dropped",
                          (unsigned long long)ev->pending[0].e.id);
                memmove(ev->pending, ev->pending + 1, sizeof(*ev->pending) * --ev->n_pending);
        }
        ev->pending[ev->n_pending++] = (struct pending){ .e = *e, .at = monotonic_ms() };
}

/* A container event of the bus (lock held). */
static void container_event(struct oci_events *ev, const struct berth_event *e)
{
        struct tracked *t = find_tracked(ev, e->id);

        if (!t) {
                /* Events after one that waits wait too, in order. */
                for (size_t i = 0; i < ev->n_pending; i++)
                        if (ev->pending[i].e.id == e->id) {
                                pend(ev, e);
                                return;
                        }
                t = resolve(ev, e);
                if (!t && !streq(e->event, "created"))
                        return; /* no new container of the door's */
        }
        if (!t) {
                pend(ev, e);
                return;
        }
        handle(ev, t, e);
}

/* The waiting events of name's container, now that its descriptor is known (lock
 * held); those waiting too long go. */
static void flush_pending(struct oci_events *ev, const char *name, int descriptor)
{
        int64_t now = monotonic_ms();
        size_t k = 0;

        for (size_t i = 0; i < ev->n_pending; i++) {
                struct pending *p = &ev->pending[i];
                struct tracked *t;

                if (name && streq(p->e.name, name)) {
                        t = find_tracked(ev, p->e.id)
                                    ?: track(ev, p->e.id, descriptor, name, false);
                        if (t)
                                handle(ev, t, &p->e);
                        continue;
                }
                if (now - p->at > PENDING_MS)
                        continue;
                ev->pending[k++] = *p;
        }
        ev->n_pending = k;
        k = 0;
        for (size_t i = 0; i < ev->n_notes; i++)
                if (now - ev->notes[i].at <= PENDING_MS)
                        ev->notes[k++] = ev->notes[i];
        ev->n_notes = k;
}

void oci_events_note_start(struct oci_events *ev, const char *container_id, int descriptor)
{
        bool waiting = false;

        if (!ev || descriptor <= 0)
                return;
        pthread_mutex_lock(&ev->lock);
        for (size_t i = 0; i < ev->n_tracked; i++)
                if (ev->tracked[i].descriptor == descriptor &&
                    streq(ev->tracked[i].name, container_id)) {
                        /* Seen in the store already. */
                        pthread_mutex_unlock(&ev->lock);
                        return;
                }
        for (size_t i = 0; i < ev->n_pending && !waiting; i++)
                waiting = streq(ev->pending[i].e.name, container_id);
        if (waiting) {
                log_debug("OCIContainer: the events of '%s' waited for its descriptor %d",
                          container_id, descriptor);
                flush_pending(ev, container_id, descriptor);
        } else {
                if (ev->n_notes == NOTES_MAX)
                        memmove(ev->notes, ev->notes + 1, sizeof(*ev->notes) * --ev->n_notes);
                ev->notes[ev->n_notes] =
                        (struct note){ .descriptor = descriptor, .at = monotonic_ms() };
                (void)snprintf(ev->notes[ev->n_notes].name, sizeof(ev->notes[0].name), "%s",
                               container_id);
                ev->n_notes++;
        }
        pthread_mutex_unlock(&ev->lock);
}

/* ---- the thread ----------------------------------------------------------------------- */

static int visit_scan(struct berth_obj *o, void *userdata)
{
        struct oci_events *ev = userdata;
        struct berth_container *c = berth_obj_to_container(o);
        int d = door_descriptor(ev, c);

        if (d > 0 && !find_tracked(ev, c->obj.id) &&
            !track(ev, c->obj.id, d, c->name, runs(c->state)))
                return -ENOMEM;
        return 0;
}

/* The door's containers as they are now (lock held): at the start, and when events
 * were lost. One that went meanwhile ends as it would have. */
static void scan(struct oci_events *ev)
{
        for (size_t i = 0; i < ev->n_tracked;) {
                struct tracked *t = &ev->tracked[i];
                struct look l = { .ev = ev };

                if (berth_store_visit_one(ev->store, BERTH_OBJ_CONTAINER, t->id, visit_look, &l) >=
                    0) {
                        if (t->descriptor > 0 && t->started != l.started) {
                                t->started = l.started;
                                emit(ev, l.started ? OCI_EVENT_STARTED : OCI_EVENT_STOPPED, t,
                                     NULL);
                        }
                        i++;
                        continue;
                }
                if (t->descriptor > 0 && t->started)
                        emit(ev, OCI_EVENT_STOPPED, t, NULL);
                untrack(ev, t);
        }
        (void)berth_store_visit_all(ev->store, BERTH_OBJ_CONTAINER, visit_scan, ev);
}

static void close_clients(struct oci_events *ev)
{
        pthread_mutex_lock(&ev->lock);
        ev->closed = true;
        for (struct oci_events_client *c = ev->clients; c; c = c->next)
                c->close(c->userdata);
        pthread_mutex_unlock(&ev->lock);
}

static void *thread_main(void *userdata)
{
        struct oci_events *ev = userdata;
        struct berth_event buf[64];

        while (!__atomic_load_n(&ev->stopping, __ATOMIC_SEQ_CST)) {
                bool lost = false;
                int n = berth_events_wait(ev->store->events, ev->after, POLL_MS, buf,
                                          ELEMENTSOF(buf), &lost);

                if (n < 0) {
                        /* The bus closes: berthd stops. */
                        close_clients(ev);
                        break;
                }
                pthread_mutex_lock(&ev->lock);
                if (lost)
                        scan(ev);
                for (int i = 0; i < n; i++) {
                        ev->after = buf[i].seq;
                        if (buf[i].type == BERTH_OBJ_CONTAINER && !buf[i].kind[0])
                                container_event(ev, &buf[i]);
                }
                flush_pending(ev, NULL, 0);
                pthread_mutex_unlock(&ev->lock);
        }
        return NULL;
}

int oci_events_new(const struct oci_events_config *cfg, struct oci_events **ret)
{
        struct oci_events *ev = calloc(1, sizeof(*ev));

        if (!ev)
                return -ENOMEM;
        ev->store = cfg->store;
        ev->engine = strdup(cfg->engine ?: "native");
        ev->pending = calloc(PENDING_MAX, sizeof(*ev->pending));
        if (!ev->engine || !ev->pending) {
                free(ev->engine);
                free(ev->pending);
                free(ev);
                return -ENOMEM;
        }
        pthread_mutex_init(&ev->lock, NULL);
        *ret = ev;
        return 0;
}

int oci_events_start(struct oci_events *ev)
{
        int r;

        /* What the bus says from here on, about the containers as they are now. */
        if (ev->store->events)
                ev->after = berth_events_last(ev->store->events);
        pthread_mutex_lock(&ev->lock);
        scan(ev);
        pthread_mutex_unlock(&ev->lock);
        if (!ev->store->events)
                return 0;
        r = -pthread_create(&ev->thread, NULL, thread_main, ev);
        if (r < 0)
                return r;
        ev->thread_running = true;
        return 0;
}

struct oci_events *oci_events_free(struct oci_events *ev)
{
        if (!ev)
                return NULL;
        __atomic_store_n(&ev->stopping, true, __ATOMIC_SEQ_CST);
        if (ev->thread_running)
                (void)pthread_join(ev->thread, NULL);
        assert(!ev->clients);
        pthread_mutex_destroy(&ev->lock);
        free(ev->tracked);
        free(ev->pending);
        free(ev->engine);
        free(ev);
        return NULL;
}

/* ---- clients -------------------------------------------------------------------------- */

int oci_events_client_new(struct oci_events *ev, oci_events_send_fn send, oci_events_close_fn close,
                          void *userdata, struct oci_events_client **ret)
{
        struct oci_events_client *c = calloc(1, sizeof(*c));
        int r = 0;

        if (!c)
                return -ENOMEM;
        *c = (struct oci_events_client){
                .ev = ev, .send = send, .close = close, .userdata = userdata
        };
        pthread_mutex_lock(&ev->lock);
        if (ev->closed)
                r = -ESHUTDOWN;
        else {
                c->next = ev->clients;
                if (ev->clients)
                        ev->clients->prev = c;
                ev->clients = c;
        }
        pthread_mutex_unlock(&ev->lock);
        if (r < 0) {
                free(c);
                return r;
        }
        *ret = c;
        return 0;
}

struct oci_events_client *oci_events_client_free(struct oci_events_client *c)
{
        struct oci_events *ev;

        if (!c)
                return NULL;
        ev = c->ev;
        pthread_mutex_lock(&ev->lock);
        if (c->prev)
                c->prev->next = c->next;
        else
                ev->clients = c->next;
        if (c->next)
                c->next->prev = c->prev;
        pthread_mutex_unlock(&ev->lock);
        for (size_t i = 0; i < c->n_regs; i++)
                free(c->regs[i].id);
        free(c->regs);
        free(c);
        return NULL;
}

/* params as {event, id}: the event (-1 when it is none of ours) and the id. */
static int registration_parse(json_t *params, int *ret_event, const char **ret_id,
                              struct berth_error *err)
{
        const char *key, *event = NULL, *id = NULL;
        json_t *v;

        if (!json_is_object(params))
                return berth_error_set(err, EINVAL, "params must be {\"event\", \"id\"}");
        json_object_foreach (params, key, v) {
                const char **slot = streq(key, "event") ? &event : streq(key, "id") ? &id : NULL;

                if (!slot)
                        return berth_error_set(err, EINVAL,
                                               "params.%.64s is not known: params are event and id",
                                               key);
                if (!json_is_string(v))
                        return berth_error_set(err, EINVAL, "params.%s must be a string", key);
                *slot = json_string_value(v);
        }
        if (!event || !id)
                return berth_error_set(err, EINVAL, "params.%s is required",
                                       event ? "id" : "event");
        if (!*id || strlen(id) > DESIGNATOR_MAX ||
            strlen(id) != json_string_length(json_object_get(params, "id")))
                return berth_error_set(err, EINVAL, "params.id must be 1 to %d bytes (without NUL)",
                                       DESIGNATOR_MAX);
        *ret_event = -1;
        for (int i = 0; i < _OCI_EVENT_MAX; i++)
                if (streq(event, event_names[i]))
                        *ret_event = i;
        *ret_id = id;
        return 0;
}

static ssize_t find_registration(const struct oci_events_client *c, int event, const char *id)
{
        for (size_t i = 0; i < c->n_regs; i++)
                if ((int)c->regs[i].event == event && streq(c->regs[i].id, id))
                        return (ssize_t)i;
        return -1;
}

static int do_register(struct oci_events_client *c, int event, const char *id, int *ret_code,
                       struct berth_error *err)
{
        struct registration *n;
        char *copy;

        if (event < 0) {
                *ret_code = JSONRPC_INVALID_PARAMS;
                return berth_error_set(err, EINVAL,
                                       "params.event: the events are onContainerStarted, "
                                       "onContainerStopped and onContainerOOM");
        }
        if (find_registration(c, event, id) >= 0) {
                /* Thunder's own words. */
                *ret_code = OCI_EVENTS_DUPLICATE;
                return berth_error_set(err, EEXIST, "Duplicate registration. Only 1 remains!!!");
        }
        if (c->n_regs >= OCI_EVENTS_REGISTRATIONS_MAX) {
                *ret_code = JSONRPC_INVALID_PARAMS;
                return berth_error_set(err, EINVAL, "at most %d registrations per connection",
                                       OCI_EVENTS_REGISTRATIONS_MAX);
        }
        copy = strdup(id);
        n = copy ? reallocarray(c->regs, c->n_regs + 1, sizeof(*n)) : NULL;
        if (!n) {
                free(copy);
                return -ENOMEM;
        }
        c->regs = n;
        c->regs[c->n_regs++] = (struct registration){ .event = (enum oci_event)event, .id = copy };
        return 0;
}

int oci_events_client_call(struct oci_events_client *c, const char *method, json_t *params,
                           int *ret_code, struct berth_error *err)
{
        bool reg = streq(method, "register");
        const char *id = NULL;
        ssize_t i;
        int event = -1, r;

        if (!reg && !streq(method, "unregister"))
                return 1;
        r = registration_parse(params, &event, &id, err);
        if (r < 0) {
                *ret_code = JSONRPC_INVALID_PARAMS;
                return r;
        }
        /* Frames are sent under the lock: a registration changes under it too. */
        pthread_mutex_lock(&c->ev->lock);
        if (reg)
                r = do_register(c, event, id, ret_code, err);
        else if ((i = find_registration(c, event, id)) < 0) {
                *ret_code = JSONRPC_METHOD_NOT_FOUND;
                r = berth_error_set(err, ENOENT, "Registration not found!!!");
        } else {
                free(c->regs[i].id);
                c->regs[i] = c->regs[--c->n_regs];
        }
        pthread_mutex_unlock(&c->ev->lock);
        return r;
}
