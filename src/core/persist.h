/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include <jansson.h>

#include "objects.h"

struct berth_error;
struct berth_persist;

/*
 * Durable records of every object under <state>/db/, one JSON file per object
 * (<type>-<id>.json) plus the id counters (ids.json), each written atomically
 * (temporary file, rename; see write_file_atomic() on why there is no fsync). A record holds what a
 * restarted berthd needs to re-adopt the object: its kernel identity (loop number and backing
 * inode, mountpoint, upper and work directories) and its children by id. Claims are not stored:
 * they follow from the children lists. Secrets are never written.
 *
 * Mounts that berthd made but has no record of (it died between mount(2) and the
 * record) are recognisable by living under <state>/mounts without a record.
 */

/* Open (creating <state>/db) and load the id counters into next_id[]. */
int berth_persist_open(const char *state_dir, uint64_t next_id[_BERTH_OBJ_TYPE_MAX],
                       struct berth_persist **ret, struct berth_error *err);
struct berth_persist *berth_persist_free(struct berth_persist *p);

/* Write the exact counters (at a clean shutdown; in between ids.json holds a
 * reserved high-water mark). */
int berth_persist_flush_counters(struct berth_persist *p,
                                 const uint64_t next_id[_BERTH_OBJ_TYPE_MAX]);

/* Before records with ids up to next_id[] are written: a crash after this point
 * wastes ids but never reuses one. */
int berth_persist_reserve(struct berth_persist *p, const uint64_t next_id[_BERTH_OBJ_TYPE_MAX],
                          struct berth_error *err);
/* Write a record (berth_record_encode(), under the store's lock); steals j. */
int berth_persist_write(struct berth_persist *p, enum berth_obj_type type, uint64_t id, json_t *j,
                        struct berth_error *err);
void berth_persist_remove(struct berth_persist *p, enum berth_obj_type type, uint64_t id);

/* Call fn for every object record (path, its JSON, or NULL and the parse error); fn
 * owns nothing. Returns the number of calls that returned >= 0, or -errno. */
typedef int (*berth_persist_load_fn)(const char *path, json_t *j, const char *error,
                                     void *userdata);
int berth_persist_load(struct berth_persist *p, berth_persist_load_fn fn, void *userdata);

/* Number of object records present (used at start to report leftovers). */
int berth_persist_count(struct berth_persist *p);
