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
int berth_docker_network_remove(struct berth_engine *e, const char *name, struct berth_error *err);
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

/* ---- the engine beyond containers: the SRC door (issue 15) ---------------------------- */
/*
 * Calls that give Docker's own documents (a new reference in *ret), for a door that shows
 * them as they are. Errors as above, with what failed and Docker's message; a swarm call
 * to an engine that is not a swarm manager (Docker's 503) is -ENOTCONN, "… is not a swarm
 * manager: <Docker's message>". Filters are Docker's map of lists
 * ({"label":["k=v"],"name":["x"]}), NULL for none; they are URL-encoded here. Image
 * references are [REGISTRY/]REPO[:TAG|@DIGEST]; a bad one is -EINVAL before any call.
 */

/* GET /info. */
int berth_docker_info(struct berth_engine *e, json_t **ret, struct berth_error *err);
/* From /info's Swarm: *active when its LocalNodeState is "active", *manager when it is
 * and ControlAvailable. Either pointer may be NULL. */
int berth_docker_swarm_mode(struct berth_engine *e, bool *manager, bool *active,
                            struct berth_error *err);

/* GET /images/json. */
int berth_docker_images(struct berth_engine *e, json_t **ret, struct berth_error *err);
/* POST /images/create?fromImage=REPO&tag=TAG: always with a tag (ref's, else "latest":
 * an empty tag would pull every tag). registry_auth is X-Registry-Auth's value (base64url
 * JSON), NULL for none. The 200 stream is read to its end: an "error"/"errorDetail" in it
 * fails the pull (-EIO, "docker: pull REF: <the message>"). */
int berth_docker_pull(struct berth_engine *e, const char *ref, const char *registry_auth,
                      struct berth_error *err);
/* GET /images/{ref}/json: -ENOENT when there is no such image. */
int berth_docker_image_inspect(struct berth_engine *e, const char *ref, json_t **ret,
                               struct berth_error *err);
/* POST /images/{src}/tag?repo=&tag= (tag NULL: "latest"). */
int berth_docker_tag(struct berth_engine *e, const char *src, const char *repo, const char *tag,
                     struct berth_error *err);
/* POST /images/{repo}/push?tag= (NULL: "latest"), with X-Registry-Auth e30= ({}); an error
 * inside the stream fails it (-EIO). */
int berth_docker_push(struct berth_engine *e, const char *repo, const char *tag,
                      struct berth_error *err);
/* DELETE /images/{ref}[?force=1]: -ENOENT when there is none, -EBUSY (409) when in use. */
int berth_docker_image_remove(struct berth_engine *e, const char *ref, bool force,
                              struct berth_error *err);

/* Swarm (docker-swarm.c). POST /services/create of spec (Docker's ServiceSpec): 201, its
 * ID in *ret_id (may be NULL); a name in use -EEXIST. No registry is asked about the
 * image (the engine resolves nothing: a local image serves). */
int berth_docker_service_create(struct berth_engine *e, const json_t *spec, char **ret_id,
                                struct berth_error *err);
/* DELETE /services/{name_or_id}; its tasks go with it. -ENOENT when there is none. */
int berth_docker_service_remove(struct berth_engine *e, const char *name_or_id,
                                struct berth_error *err);
int berth_docker_service_inspect(struct berth_engine *e, const char *name_or_id, json_t **ret,
                                 struct berth_error *err);
/* GET /services, /tasks, /nodes with filters (may be NULL). */
int berth_docker_services(struct berth_engine *e, const json_t *filters, json_t **ret,
                          struct berth_error *err);
int berth_docker_tasks(struct berth_engine *e, const json_t *filters, json_t **ret,
                       struct berth_error *err);
int berth_docker_nodes(struct berth_engine *e, const json_t *filters, json_t **ret,
                       struct berth_error *err);
int berth_docker_node_inspect(struct berth_engine *e, const char *id_or_name, json_t **ret,
                              struct berth_error *err);
/* POST /swarm/init on addr ("IP" or "IP:PORT", the port 2377 when none): listen,
 * advertise and data path all there. A node already in a swarm is -EBUSY. For tests and
 * set-ups; berthd never makes a swarm itself. */
int berth_docker_swarm_init(struct berth_engine *e, const char *addr, struct berth_error *err);
/* The worker join token of the swarm this engine manages (GET /swarm), and POST
 * /swarm/join of this engine as a worker: listening and advertising on addr (as init's),
 * joining the manager at manager ("IP[:PORT]"). For tests and set-ups. */
int berth_docker_swarm_join_token(struct berth_engine *e, char **ret, struct berth_error *err);
int berth_docker_swarm_join(struct berth_engine *e, const char *addr, const char *manager,
                            const char *token, struct berth_error *err);
/* POST /swarm/leave[?force=1], then the docker_gwbridge network it leaves behind is
 * removed (unless a container still uses it). A node in no swarm is -ENOTCONN. */
int berth_docker_swarm_leave(struct berth_engine *e, bool force, struct berth_error *err);

/* Containers as Docker has them, whoever made them: GET /containers/json[?all=1] with
 * filters (may be NULL), GET /containers/{id}/json, and GET /containers/{id}/stats?
 * stream=false (two samples, about a second: precpu_stats is filled, for docker stats's
 * CPU %). */
int berth_docker_containers(struct berth_engine *e, const json_t *filters, bool all, json_t **ret,
                            struct berth_error *err);
int berth_docker_container_inspect(struct berth_engine *e, const char *id_or_name, json_t **ret,
                                   struct berth_error *err);
int berth_docker_container_stats(struct berth_engine *e, const char *id, json_t **ret,
                                 struct berth_error *err);
/* The same two of another node's engine, over a client of its own (docker-client.h):
 * the SRC door's view of a swarm task on another node. */
struct docker_client;
int berth_docker_client_containers(struct docker_client *c, const json_t *filters, bool all,
                                   json_t **ret, struct berth_error *err);
int berth_docker_client_container_stats(struct docker_client *c, const char *id, json_t **ret,
                                        struct berth_error *err);

/* GET /events?since=SINCE[&filters=FILTERS] (since in seconds since the epoch, to the ns;
 * filters_json Docker's map of lists as JSON text, NULL for none), followed as a stream:
 * fn gets each event object (a return < 0 ends the stream with it). Returns 0 when the
 * stream ended, -ECANCELED when should_stop (asked at least once a second, with ud; may
 * be NULL) said so, -EHOSTDOWN when the engine does not answer, -errno. */
int berth_docker_follow_events(struct berth_engine *e, double since, const char *filters_json,
                               int (*fn)(json_t *event, void *ud), void *ud,
                               bool (*should_stop)(void *ud), struct berth_error *err);
