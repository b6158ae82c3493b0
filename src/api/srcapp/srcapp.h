/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "src-names.h"

struct berth_engine;
struct berth_error;
struct berth_store;

/*
 * The SRC apps (seed 001) of one berthd: apps are core container objects on the
 * "docker" engine, named IMAGE--USER (src-names.h), labelled with their facility, the
 * full image reference and the user; images by request and approval, kept in SQLite
 * (<data-dir>/src.db, tables src_*). Every name is checked (src-names.h) before the
 * engine hears of it. Errors are berth_error with a message that names the app or image,
 * never the engine's raw output alone: -EINVAL (422), -ENOENT (404), -EEXIST/-EBUSY
 * (409), -EACCES (403: an image not approved), -EHOSTDOWN (503).
 */

enum src_mode {
        SRC_MODE_AUTO, /* from the engine: a swarm manager is swarm mode */
        SRC_MODE_SOLO,
        SRC_MODE_SWARM,
};

const char *src_mode_to_string(enum src_mode m);

struct src_config {
        const char *data_dir;       /* src.db goes there */
        char *const *facilities;    /* NULL or empty: {"demo"} */
        enum src_mode mode;         /* SRC_MODE_AUTO: asked of the engine */
        const char *admin_token;    /* NULL: approve-image is refused */
        const char *allowed_images; /* a file, one reference a line; NULL: none */
        double uptime_keep;         /* seconds of uptime history kept (0: 90 days) */
        char *const *node_engines;  /* "NODE=HOST": swarm nodes' engines (NULL: none) */
        const char *node_tls_dir;   /* ca.pem, cert.pem, key.pem for tcp:// nodes */
};

enum src_op {
        SRC_OP_START,
        SRC_OP_STOP,
        SRC_OP_PAUSE,
        SRC_OP_UNPAUSE,
        SRC_OP_RESTART,
        SRC_OP_KILL,
        SRC_OP_DELETE,
        SRC_OP_HARD_RESET,
};

struct src_apps;

int src_apps_new(struct berth_store *s, const struct src_config *cfg, struct src_apps **ret,
                 struct berth_error *err);
/* berthd is stopping: the uptime recorder is told to end (before the engine's calls
 * are cancelled, so that its stream is not followed again). */
void src_apps_stopping(struct src_apps *a);
struct src_apps *src_apps_free(struct src_apps *a);

struct berth_engine *src_apps_engine(struct src_apps *a);
/* The engines of other swarm nodes (srcapp-swarm.h). */
struct src_nodes *src_apps_nodes(struct src_apps *a);
/* The uptime history (srcapp-uptime.h), NULL when it is not open. */
struct src_uptime *src_apps_uptime(struct src_apps *a);
bool src_apps_has_facility(const struct src_apps *a, const char *facility);
/* Is token the admin token (constant time)? false when none is configured. */
bool src_apps_admin_token(const struct src_apps *a, const char *token);

/* The node's mode: forced, or SWARM when the engine is a swarm manager. */
int src_apps_mode(struct src_apps *a, enum src_mode *ret, struct berth_error *err);

/* Create app IMAGE--USER of facility from an approved image (pulled when the engine
 * lacks it), not started. *ret_name (may be NULL) gets its name. */
/* create-app's checks, in both modes, before the engine hears of anything: image and
 * user given, the user's rules, the reference with its tag (*ret_ref) and the app's
 * name (*ret_name), and the image approved (-EACCES naming it). */
int src_create_checks(struct src_apps *a, const char *image, const char *user, char **ret_ref,
                      char **ret_name, struct berth_error *err);
int src_app_create(struct src_apps *a, const char *facility, const char *image, const char *user,
                   char **ret_name, struct berth_error *err);
int src_app_do(struct src_apps *a, const char *facility, const char *name, enum src_op op,
               struct berth_error *err);
/* The engine's list of the facility's containers (GET /containers/json?all=1, filtered
 * by its label); with name, only that app (-ENOENT naming it when it is not there). */
int src_app_list(struct src_apps *a, const char *facility, const char *name, json_t **ret,
                 struct berth_error *err);

/* Images. A reference is kept with its tag (":latest" added). */
int src_image_request(struct src_apps *a, const char *image, char **ret_ref,
                      struct berth_error *err);
/* Pull (through the Engine API, always tagged), then record the approval. */
int src_image_approve(struct src_apps *a, const char *image, char **ret_ref,
                      struct berth_error *err);
/* 1 approved, 0 not, -errno. */
int src_image_approved(struct src_apps *a, const char *ref, struct berth_error *err);
/* [{image, requested, requested_at, approved, approved_at, approved_by}] */
int src_image_requests(struct src_apps *a, json_t **ret, struct berth_error *err);
