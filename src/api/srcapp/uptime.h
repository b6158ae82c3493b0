/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

struct berth_error;

/*
 * The uptime history of the SRC apps (seed 001, "Get App Uptime Summary"): every state
 * change of every app, as the engine's event stream reports it, kept in SQLite, and the
 * seed's summary computed from it exactly (no sampling at record time).
 *
 * Storage: a SQLite database file given by the caller (<data-dir>/src.db), in WAL mode;
 * other modules may keep their own tables in the same file, so every table here is
 * named uptime_*:
 *   uptime_changes(seq, app, time, running, event): one row per state change; time is
 *     REAL seconds since the epoch (sub-second precision, as the engine's timeNano);
 *     (app, time, running) is unique, so a replayed event is not recorded twice.
 *   uptime_bookmark: the time of the last engine event seen, from which the event stream
 *     is followed again (its "since") after a restart.
 *
 * State at an instant t: the last change of the app at or before t (changes at the same
 * time: the one recorded last); false before the app's first change. Changes are
 * ordered by time, whatever the order in which they were recorded.
 *
 * Times are UTC. The summary's keys are the seed's format, "2023-06-20T13:50:45" (UTC,
 * no zone suffix, whole seconds); the intervals' start and end add milliseconds,
 * "2023-06-20T13:50:45.250".
 *
 * Durations: "hour" (3600 s, a point every minute: 61 points), "day" (86400 s, every
 * 10 minutes: 145 points), "week" (604800 s, every hour: 169 points), "month" (30 days,
 * every 6 hours: 121 points). The summary's points are floor(now) - duration +
 * k * step for k = 0 … duration/step, so the first point is the window's start and the
 * last one is now (to the second); each point's value is the state at that instant.
 *
 * Input checks: an app name is 1 to 255 bytes without control characters, a time is a
 * finite number >= 0 and before the year 10000; anything else is -EINVAL with a message
 * that names it. An app without any record is -ENOENT naming it.
 *
 * History of a deleted app stays until it is pruned (its last change stays even then,
 * as for every app, so that its state at the window's start stays known) or until
 * src_uptime_forget() removes it.
 *
 * Thread safety: a struct src_uptime may be used from several threads at once (the
 * event thread records while request threads read); one mutex inside serialises calls.
 */
struct src_uptime;

/* Open (create when missing) the database file at path, with mode 0600; its directory
 * must exist. Returns: 0 / -errno (EIO with SQLite's message naming the file). */
int src_uptime_open(const char *path, struct src_uptime **ret, struct berth_error *err);
/* Close; accepts NULL and returns NULL. */
struct src_uptime *src_uptime_free(struct src_uptime *u);

/* Record that app became running (true) or not running (false) at time, because of the
 * engine event named by event (e.g. "start", "die"; may be NULL). The bookmark moves up
 * to time in the same transaction. Returns: 1 when recorded, 0 when the same
 * (app, time, running) was already there (nothing changes), -errno.
 * A replay is recognised by the exact time (SQLite keeps the double as it is given), so
 * the caller derives it from the event the same way every time (timeNano / 1e9); the
 * stream followed again from the bookmark may repeat the bookmark's own events. */
int src_uptime_record(struct src_uptime *u, const char *app, double time, bool running,
                      const char *event, struct berth_error *err);

/* The bookmark: the time of the last event seen. Returns: 1 with *ret set, 0 with
 * *ret = 0 when nothing was ever seen, -errno. */
int src_uptime_last_event(struct src_uptime *u, double *ret, struct berth_error *err);
/* Move the bookmark up to time (an event that changed no state was still seen); a time
 * earlier than the bookmark leaves it where it is. Returns: 0 / -errno. */
int src_uptime_set_last_event(struct src_uptime *u, double time, struct berth_error *err);

/* The seed's map {"YYYY-MM-DDTHH:MM:SS": bool} for app over [now - duration, now].
 * Returns: 0 / -errno (EINVAL: bad app, duration or now; ENOENT: no record of app). */
int src_uptime_summary(struct src_uptime *u, const char *app, const char *duration, double now,
                       json_t **ret, struct berth_error *err);

/* The exact running intervals of app clipped to [now - duration, now]:
 *   {"from": ISO, "to": ISO, "intervals": [{"start": ISO, "end": ISO, "seconds": real
 *    [, "open": true]}], "uptime_percent": real}
 * An interval still running at now ends at now with "open": true. uptime_percent is
 * running seconds / window seconds * 100, rounded to two decimals. Consecutive running
 * changes (a restart seen as start after start) make one interval.
 * Returns: as src_uptime_summary. */
int src_uptime_intervals(struct src_uptime *u, const char *app, const char *duration, double now,
                         json_t **ret, struct berth_error *err);

/* Remove the changes older than older_than, except for each app its last change before
 * it (the state at the start of any window from older_than on stays known).
 * Returns: the number of changes removed / -errno. */
int src_uptime_prune(struct src_uptime *u, double older_than, struct berth_error *err);

/* Remove every change of app (an app deleted for good). Returns: the number of changes
 * removed (0 for an app without records) / -errno (EINVAL: bad app). */
int src_uptime_forget(struct src_uptime *u, const char *app, struct berth_error *err);
