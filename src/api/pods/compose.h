/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h> /* workload.h uses EINVAL */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "workload.h"

struct berth_error;

/*
 * Compose v3, as people write it: a pod's fileContents (JSON) or a recipe file (YAML or
 * JSON) becomes a normalized document and, per service, a neutral workload with what the
 * pod layer needs to run it. Pure: no file is read or made here except
 * berth_yaml_file_to_json(); unit-tested and fuzzed.
 *
 * Errors: -EINVAL (a 422) with a message that names the service and the key ("service
 * 'web': key 'links' is not supported"), -EPERM (a 403) for a path outside what the
 * pod may use ("service 'web': volume source /etc is outside the pod data root
 * /usr/share/canteen/data"), -ENOMEM.
 */

/* YAML (1.2 core schema: null, bool, int, float; quoted scalars stay strings; anchors,
 * aliases and merge keys "<<" resolved) into JSON. A document that is not a mapping or
 * a sequence at the top is -EINVAL; so are duplicate keys. The message gives the line. */
int berth_yaml_to_json(const char *buf, size_t len, json_t **ret, struct berth_error *err);
/* The same for a file (-ENOENT when missing; at most 1 MiB). */
int berth_yaml_file_to_json(const char *path, json_t **ret, struct berth_error *err);

struct pod_compose_opts {
        const char *project;    /* the pod's full name, "od-pod-x": the compose project */
        const char *data_root;  /* the pod data root (absolute) */
        const char *build_root; /* relative build: contexts resolve here (the recipes
                                   directory); absolute ones must be below it too */
        bool allow_host_paths;  /* bind sources anywhere on the host */
        bool allow_privileged;  /* privileged: true and devices */
};

enum pod_engine {
        POD_ENGINE_DOCKER, /* image: a Docker reference, or build: */
        POD_ENGINE_NATIVE, /* image: file:///abs/path.sqsh or rbd://pool/image[@snap] */
};

struct pod_service {
        char *name;           /* the key under services: */
        char *container_name; /* "<project>_<name>_1", or container_name: */
        enum pod_engine engine;
        char *image;            /* docker: the reference ("<project>_<name>" for build:);
                                   native: the file:// or rbd:// URL as written */
        char *build_context;    /* absolute directory (below build_root), NULL: no build */
        char *build_dockerfile; /* relative to the context, NULL: Dockerfile */
        char **depends_on;      /* service names */
        char *config_hash;      /* sha256 hex of the canonical JSON of the normalized service
                                   (sorted keys, no spaces), as compose 1.29's config-hash */
        char **data_dirs;       /* host directories (below data_root) binds need made */
        /* args/entrypoint/env/cwd/user/mounts (binds resolved, ./rel under
         * <data_root>/<project>/<name>/)/ports/network_mode/network (bridge:
         * "<project>_default", aliases: the service name)/limits/caps/restart/health/
         * labels (the service's, plus com.docker.compose.project, .service,
         * .container-number=1, .oneoff=False, .config-hash, .version=1.29.2) */
        struct berth_workload w;
};

struct pod_compose {
        json_t *doc; /* the normalized document: {"version", "services": {...}}; x-* kept */
        struct pod_service *services; /* in start order: depends_on first, then by name */
        size_t n_services;
};

/* fileContents → the normalized document and its services. A dependency cycle or an
 * unknown depends_on is -EINVAL naming them. */
int pod_compose_load(json_t *file_contents, const struct pod_compose_opts *o,
                     struct pod_compose *ret, struct berth_error *err);
void pod_compose_done(struct pod_compose *c);
/* The service named name, or NULL. */
const struct pod_service *pod_compose_service(const struct pod_compose *c, const char *name);
