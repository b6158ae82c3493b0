/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct berth_error;
struct pod_db;

struct pod_row {
        char *name;
        json_t *doc;     /* the normalized compose document */
        json_t *recipes; /* the names it was made from */
        bool enabled;
};
void pod_row_done(struct pod_row *row);

int pod_db_open(const char *dir, struct pod_db **ret, struct berth_error *err);
void pod_db_close(struct pod_db *d);
/* -ENOENT when there is no such pod. */
int pod_db_get(struct pod_db *d, const char *name, struct pod_row *ret, struct berth_error *err);
/* Every pod, by name. */
int pod_db_list(struct pod_db *d, struct pod_row **ret, size_t *ret_n, struct berth_error *err);
/* create: -EEXIST when it exists; else -ENOENT when it does not. */
int pod_db_put(struct pod_db *d, const struct pod_row *row, bool create, struct berth_error *err);
int pod_db_set_enabled(struct pod_db *d, const char *name, bool enabled, struct berth_error *err);
int pod_db_delete(struct pod_db *d, const char *name, struct berth_error *err);
/* Append to the pod's history (failures are logged). */
void pod_db_history(struct pod_db *d, const char *name, const char *what, const char *detail);
int pod_db_setting_set(struct pod_db *d, const char *key, const char *value,
                       struct berth_error *err);
char *pod_db_setting_get(struct pod_db *d, const char *key);
