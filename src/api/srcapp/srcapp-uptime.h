/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

struct berth_engine;
struct berth_error;
struct src_apps;
struct src_uptime;

/*
 * The SRC door's uptime recorder (issue 15, "Uptime from events"): one thread follows
 * the engine's container events of the apps (label io.berth.src.facility, one of the
 * door's facilities) from the uptime bookmark, so that a berthd that was down catches
 * up, and records every state change in the uptime store (uptime.h, in src.db):
 * create, die, stop, pause, destroy and a kill by SIGKILL are "not running", start and
 * unpause "running", at the event's timeNano / 1e9. An engine that is away is followed
 * again with a backoff; history older than keep seconds is pruned once an hour.
 */
struct src_recorder;

/* Open the store at db_path and, with an engine (may be NULL: nothing is followed),
 * start the thread. keep <= 0: 90 days. The same stream's swarm node events call
 * on_node_event (may be NULL) with userdata, from the thread. */
int src_recorder_start(struct berth_engine *e, const char *db_path, char *const *facilities,
                       double keep, void (*on_node_event)(void *userdata), void *userdata,
                       struct src_recorder **ret, struct berth_error *err);
/* Stop the thread (promptly: the stream is cut) and close; accepts NULL, returns NULL. */
/* Ask it to stop without waiting (its stream ends when the engine's calls are cancelled:
 * berth_docker_engine_stop()); src_recorder_stop() then joins it at once. */
void src_recorder_signal(struct src_recorder *r);
struct src_recorder *src_recorder_stop(struct src_recorder *r);
struct src_uptime *src_recorder_uptime(struct src_recorder *r);
