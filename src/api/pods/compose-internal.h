/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "compose.h"
#include "macro.h"

/* Shared by compose.c (the document), compose-service.c, compose-ports-volumes.c and
 * compose-limits.c (one service's keys) and compose-values.c (the syntax of single
 * values). Not for other modules. */

#define COMPOSE_SERVICES_MAX 256
#define COMPOSE_LIST_MAX 1024
#define COMPOSE_NAME_MAX 63 /* a service name is a DNS label (the network alias) */

struct compose_ctx {
        const struct pod_compose_opts *o;
        const char *project; /* as given: the data directories */
        char *project_norm;  /* compose's project name: labels, containers, network */
        char *data_root;     /* normalized */
        char *build_root;    /* normalized, NULL: builds are refused */
        char *project_dir;   /* <data_root>/<project> */
        struct berth_error *err;
};

/* What a service's keys gave besides its pod_service, for its config hash. */
struct compose_svc_extra {
        char **command;    /* as a list; NULL when absent */
        char **entrypoint; /* as a list; NULL when absent */
        char **labels;     /* the service's own, "k=v" */
        bool has_env, has_labels;
};

/* compose-service.c: one service (def: its normalized copy, volume sources rewritten in
 * place) into s (its name already set). */
int compose_service_load(struct compose_ctx *c, json_t *def, struct pod_service *s,
                         struct compose_svc_extra *x);
void compose_svc_extra_done(struct compose_svc_extra *x);

/* A service being read: its keys are read in a fixed order, the engine first. */
struct compose_svc {
        struct compose_ctx *c;
        struct pod_service *s;
        struct compose_svc_extra *x;
        struct berth_workload *w;
        const char *name;
        bool native;
        bool net_host, net_none; /* network_mode host or none (read before ports) */
        char **cap_add, **cap_drop;
        bool caps_given;
};

/* Errors naming the service: "service 'web': <fmt>". Each returns -errnum. */
int compose_svc_fail(struct compose_svc *v, int errnum, const char *fmt, ...) _printf_(3, 4);
/* A value parser's message with "service 'web'[: key 'k']" in front; returns r. */
int compose_svc_prefixed(struct compose_svc *v, int r, const char *key);
/* "key 'k' must be <what>". */
int compose_svc_type_error(struct compose_svc *v, const char *key, const char *what);
/* "key 'k' is not supported on the native engine (image …): <why>". */
int compose_svc_not_native(struct compose_svc *v, const char *key, const char *why);
/* A list of strings (no NUL bytes), at most COMPOSE_LIST_MAX; never NULL on success. */
int compose_svc_str_list(struct compose_svc *v, const char *key, json_t *j, char ***ret);

/* The keys read in compose-ports-volumes.c and compose-limits.c (j neither absent nor
 * null). */
int compose_key_network_mode(struct compose_svc *v, const char *key, json_t *j);
int compose_key_ports(struct compose_svc *v, const char *key, json_t *j);
int compose_key_volumes(struct compose_svc *v, const char *key, json_t *j);
int compose_key_mem_limit(struct compose_svc *v, const char *key, json_t *j);
int compose_key_cpus(struct compose_svc *v, const char *key, json_t *j);
int compose_key_pids_limit(struct compose_svc *v, const char *key, json_t *j);
int compose_key_healthcheck(struct compose_svc *v, const char *key, json_t *j);
int compose_key_privileged(struct compose_svc *v, const char *key, json_t *j);
int compose_key_devices(struct compose_svc *v, const char *key, json_t *j);

/* compose-values.c. Messages name the value, not the service (the caller adds that). */

/* Lexically normalized absolute path (no ".", "..", "//" or trailing "/"), or -EINVAL
 * when path is not absolute. */
int compose_path_normalize(const char *path, char **ret);
/* Is the normalized path strictly below the normalized root? */
bool compose_path_below(const char *path, const char *root);
/* A relative path without "..": its normalized form ("" for "." alone); -EPERM for "..". */
int compose_relpath_clean(const char *rel, char **ret);

/* One short-syntax port "[ip:][host[-range]:]container[-range][/proto]". */
int compose_port_parse(const char *spec, struct berth_wl_port *ret, struct berth_error *err);
/* A long-syntax port {target, published, host_ip, protocol, mode}. */
int compose_port_parse_long(json_t *o, struct berth_wl_port *ret, struct berth_error *err);
void compose_port_done(struct berth_wl_port *p);

/* "1m30s", "10s", "500ms" (Go's time.ParseDuration, no sign) into nanoseconds. */
int compose_duration_parse(const char *s, uint64_t *ret_ns);
/* 1073741824, "512m", "1g", "1.5GiB" (docker's units, powers of 1024) into bytes. */
int compose_bytes_parse(json_t *v, uint64_t *ret);
/* Docker's default capability set, plus cap_add, minus cap_drop ("ALL" in either as
 * docker reads it). -EINVAL naming an unknown capability. */
int compose_caps_compute(char *const *add, char *const *drop, uint64_t *ret,
                         struct berth_error *err);
#define COMPOSE_CAPS_DOCKER_DEFAULT UINT64_C(0xA80425FB)

/* A Docker image reference, loosely: no blanks, a lower-case repository, a tag or a
 * digest, at most 255 bytes. */
int compose_image_ref_check(const char *ref, struct berth_error *err);

/* [first][rest]* with every character in the set, at most max bytes. */
bool compose_name_valid(const char *s, const char *first, const char *rest, size_t max);

#define COMPOSE_ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* The string of a JSON string without NUL bytes, else NULL. */
const char *compose_json_str(json_t *v);
