/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "engine.h"

struct berth_error;
struct berth_store;

/*
 * The docker engine: containers run by a Docker engine, driven over its Engine API
 * (v1.41) on its unix socket with libcurl (docker-client.c). A container's workload
 * names an image (workload.image) and has no berth mount; its name is the container
 * object's name, which Docker gets as is. Docker's own restart manager applies the
 * restart policy (berthd never restarts a docker container itself), and the engine's
 * event stream (one thread) keeps the objects' states: nothing polls.
 *
 * Every container berth makes carries the labels io.berth.managed=1,
 * io.berth.owner=<owner> (the state directory of the berthd that made it) and
 * io.berth.id=<object id>: a sweep removes only what this berthd made and no longer
 * knows.
 *
 * An engine that does not answer is -EHOSTDOWN with a message naming the socket
 * ("the docker engine at unix:///var/run/docker.sock does not answer: ..."). Docker's
 * own errors keep its message, mapped: 404 -ENOENT, 409 -EEXIST/-EBUSY, 400 -EINVAL,
 * 5xx -EIO.
 */
struct berth_docker_config {
        const char *host;  /* "unix:///path" (NULL: unix:///var/run/docker.sock) */
        const char *owner; /* the io.berth.owner label (the state directory) */
};

int berth_docker_engine_new(struct berth_store *s, const struct berth_docker_config *cfg,
                            struct berth_engine **ret, struct berth_error *err);
/* Start following the engine's events (after recovery re-adopted the containers).
 * An engine that is down is not an error: the thread reconnects (with a backoff) and
 * catches up from the last event it saw (since=). */
int berth_docker_engine_start(struct berth_engine *e, struct berth_error *err);
/* Stop following events and wait for the thread (before the store is freed: the
 * thread changes its objects). Idempotent; free calls it too. */
void berth_docker_engine_stop(struct berth_engine *e);
void berth_docker_engine_free(struct berth_engine *e);

/* Beyond the container ops, for the doors that manage what containers need. */

/* GET /_ping: 0 or -EHOSTDOWN. */
int berth_docker_ping(struct berth_engine *e, struct berth_error *err);
/* A bridge network named name (labels "k=v"): made unless it exists. 0 made, 1 there. */
int berth_docker_network_ensure(struct berth_engine *e, const char *name, char *const *labels,
                                struct berth_error *err);
/* Remove a network; one that does not exist is not an error. */
int berth_docker_network_remove(struct berth_engine *e, const char *name,
                                struct berth_error *err);
/* 1 when the engine has the image ref, 0 when not. */
int berth_docker_image_exists(struct berth_engine *e, const char *ref, struct berth_error *err);
/* POST /build of the directory context_dir (a tar made in memory; files only below
 * it, symlinks kept as links, no path leaves it) as tag; dockerfile relative to the
 * context (NULL: Dockerfile). The build's output lines go to *ret_output when not NULL;
 * an error inside the stream fails it (-EIO, with the engine's message). */
int berth_docker_build(struct berth_engine *e, const char *context_dir, const char *dockerfile,
                       const char *tag, char *const *labels, char **ret_output,
                       struct berth_error *err);
/* POST /images/create?fromSrc=- of a root file system tar (tests, and images from
 * local tarballs): repo:tag with the Dockerfile-style changes ("CMD [...]"), may be NULL. */
int berth_docker_import(struct berth_engine *e, const char *tar_path, const char *repo,
                        const char *tag, char *const *changes, struct berth_error *err);
/* The engine's id of a container object (NULL when it has none yet). Locked. */
const char *berth_docker_container_id(const struct berth_container *c);
/* The socket path of the engine (for messages). */
const char *berth_docker_socket(const struct berth_engine *e);
