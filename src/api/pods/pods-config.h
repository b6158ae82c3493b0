/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <jansson.h>

struct berth_error;

/*
 * /api/v2/pod/config (seed 000): the engine's daemon.json, read and written, and the
 * mount that holds the pod data root. No engine is ever restarted here: the reply says
 * whether the operator must.
 */

/* The daemon.json keys dockerd documents (20.10, and the common ones of later
 * releases), with the JSON type each takes; ends with a NULL key. */
enum pods_daemon_type {
        PODS_DJ_STRING,
        PODS_DJ_BOOL,
        PODS_DJ_INT,
        PODS_DJ_OBJECT,
        PODS_DJ_STRV,  /* an array of strings */
        PODS_DJ_ARRAY, /* an array of anything (default-address-pools) */
};
struct pods_daemon_key {
        const char *key;
        enum pods_daemon_type type;
};
extern const struct pods_daemon_key pods_daemon_keys[];

/* configJson: an object whose keys are documented keys, each of its type (dockerd
 * would refuse to start on the next restart otherwise). -EINVAL naming every unknown
 * key, or the first key of the wrong type. */
int pods_config_check_daemon_json(json_t *j, struct berth_error *err);

/* daemon.json at path: {} when the file does not exist or is empty; -EBADMSG naming
 * the file when it is not a JSON object; at most 1 MiB. */
int pods_config_read_daemon_json(const char *path, json_t **ret, struct berth_error *err);

/* Write j to path (a symlink: to its target) atomically and durably: a temporary file
 * in the same directory, fsync, rename, fsync of the directory; mode 0644. Nothing is
 * written when the file holds the same JSON already. Returns 1 written, 0 unchanged;
 * -ENOENT (naming it) when the directory of path does not exist: it is not made. */
int pods_config_write_daemon_json(const char *path, json_t *j, struct berth_error *err);

/* path, absolute, made lexically normal ("//", "." and ".." gone) and with the
 * symlinks of the part that exists resolved; the part that does not exist follows as
 * is. -EINVAL when path is not absolute. */
int pods_config_resolve(const char *path, char **ret);

/* The mount that holds path (absolute and normal, see above), from a mountinfo file
 * ("/proc/self/mountinfo"): the entry whose mount point is the longest prefix of path,
 * the last such in the file (the one on top). As the seed's podDataMount: {source,
 * mountpoint, type, options: {"rw": true, "size": "10k", ...} (per-mount and
 * file-system options, each once), fs_freq: 0, fs_passno: 0}. */
int pods_config_mount_of(const char *mountinfo, const char *path, json_t **ret,
                         struct berth_error *err);

/* Comma-separated option strings into {name: true} (or name: "value" for name=value);
 * either may be NULL. NULL on OOM. */
json_t *pods_config_options(const char *vfs_options, const char *fs_options);
