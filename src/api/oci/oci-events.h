/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stddef.h>

struct berth_error;
struct berth_store;

/*
 * org.rdk.OCIContainer's events (seed 004, issue 16), from the store's event bus: no
 * HTTP here (the door's websocket is ocicontainer-api.c).
 *
 * The door's containers (ocicontainer.h: the two labels) are followed by a thread:
 *   onContainerStarted  it runs (once per start: a resume from pause is no new start)
 *   onContainerOOM      the kernel's OOM killer killed a process of it (berth's addition;
 *                       Thunder has none), before its onContainerStopped
 *   onContainerStopped  it ended (exited or dead), or was deleted while it ran
 * each with Thunder's params {"descriptor":"<n>","name":"<containerId>"} (the descriptor
 * a string, as Thunder sends it), to every client registered for the event, as
 *   {"jsonrpc":"2.0","method":"<id>.<event>","params":{…}}
 * once per registration ({event, id}) that matches. The same events go on the bus with
 * kind "oci" (GET /events): id the descriptor, name the containerId, event "started",
 * "oom" or "stopped", state "Running" or "Stopped", and a stop's exit_code, signal and
 * oom_killed.
 *
 * A container can end and be removed (the door removes what ended) before the thread
 * first looks at it: the door then tells the descriptor it handed out
 * (oci_events_note_start()), and events wait for that, up to 10 s.
 */

struct oci_events;
struct oci_events_client;

struct oci_events_config {
        struct berth_store *store;
        const char *engine; /* of the door's containers; NULL: "native" */
};

/* Returns 0 / -ENOMEM. */
int oci_events_new(const struct oci_events_config *cfg, struct oci_events **ret);
/* Learn the door's containers as they are, then follow the bus (when the store has one)
 * in a thread. Once, after the store's recovery. When the bus closes (berthd stops),
 * every client is closed. Returns 0 / -errno. */
int oci_events_start(struct oci_events *ev);
/* Stops the thread (the store must still be there); the clients must be gone. NULL. */
struct oci_events *oci_events_free(struct oci_events *ev);

/* The door answered a start of containerId with descriptor. */
void oci_events_note_start(struct oci_events *ev, const char *container_id, int descriptor);

/*
 * A client (a websocket). Frames go to send(), called with the events' lock held, from
 * any thread: it must not block, nor call back into these functions. close() is called
 * once when berthd stops. Registrations end with the client.
 */
typedef void (*oci_events_send_fn)(void *userdata, const char *text, size_t len);
typedef void (*oci_events_close_fn)(void *userdata);

/* -ESHUTDOWN once berthd stops, -ENOMEM. */
int oci_events_client_new(struct oci_events *ev, oci_events_send_fn send, oci_events_close_fn close,
                          void *userdata, struct oci_events_client **ret);
struct oci_events_client *oci_events_client_free(struct oci_events_client *c);

#define OCI_EVENTS_DUPLICATE 29 /* Thunder's ERROR_DUPLICATE_KEY, as its register answers */
#define OCI_EVENTS_REGISTRATIONS_MAX 64

/* Thunder's register and unregister (method unversioned) with params {event, id}: 1 when
 * method is neither (the caller serves it); 0 when done (the result is 0); < 0 with the
 * JSON-RPC error's code in *ret_code and its message in err:
 *   -32602  params are not {event, id} (both strings; id 1-256 bytes), an unknown event
 *           (register), more than 64 registrations
 *   29      "Duplicate registration. Only 1 remains!!!" (register of a pair again)
 *   -32601  "Registration not found!!!" (unregister of a pair never registered)
 * -ENOMEM. */
int oci_events_client_call(struct oci_events_client *c, const char *method, json_t *params,
                           int *ret_code, struct berth_error *err);
