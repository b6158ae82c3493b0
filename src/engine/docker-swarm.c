/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine as a whole and its swarm (docker.h): /info and the swarm mode it says,
 * services, tasks and nodes, a swarm made and left (tests), and containers as Docker has
 * them, whoever made them (list by filters, inspect, stats with both samples). Docker's
 * documents are given as they are.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker-internal.h"
#include "macro.h"

/* Names and ids in a path: Docker's names are letters, digits and ._- (services and nodes
 * too); ids hex. Nothing that would change the path. */
static bool name_ok(const char *s)
{
        return s && s[0] && strlen(s) < 256 &&
               strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                       strlen(s);
}

/* "?filters=<url-encoded JSON>" (sep '?' or '&'), or "" for none. */
static int filters_query(const json_t *filters, char sep, char **ret, struct berth_error *err,
                         const char *what)
{
        _cleanup_free_ char *text = NULL, *esc = NULL;

        *ret = NULL;
        if (!filters) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        if (!json_is_object(filters))
                return berth_error_set(err, EINVAL, "%s: the filters are not a JSON object", what);
        text = json_dumps(filters, JSON_COMPACT);
        esc = text ? docker_escape(text) : NULL;
        if (!esc || asprintf(ret, "%cfilters=%s", sep, esc) < 0)
                return -ENOMEM;
        return 0;
}

/* A swarm call: as docker_call(), but Docker's 503 (no swarm here, or not its manager) is
 * -ENOTCONN and says so, and a 409 on a create is -EEXIST. */
static int swarm_call(struct docker *dk, const char *method, const char *path, json_t *body,
                      json_t **ret, struct berth_error *err, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));

static int swarm_call(struct docker *dk, const char *method, const char *path, json_t *body,
                      json_t **ret, struct berth_error *err, const char *fmt, ...)
{
        struct docker_reply reply;
        const char *msg;
        char what[300];
        va_list ap;
        int r;

        va_start(ap, fmt);
        (void)vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (ret)
                *ret = NULL;
        r = docker_request(dk->client,
                           &(struct docker_request){ .method = method, .path = path, .json = body },
                           &reply, err);
        if (r < 0)
                return berth_error_prefix(err, "docker: %s", what);
        msg = json_string_value(json_object_get(reply.json, "message"));
        if (r >= 200 && r < 300) {
                if (ret)
                        *ret = TAKE_PTR(reply.json);
        } else if (r == 503)
                r = berth_error_set(err, ENOTCONN,
                                    "docker: %s: the engine at %s is not a swarm manager: %s", what,
                                    docker_client_host(dk->client), msg ? msg : "HTTP 503");
        else if (r == 409 && streq(method, "POST"))
                r = berth_error_set(err, EEXIST, "docker: %s: %s", what, msg ? msg : "HTTP 409");
        else
                r = docker_error(&reply, err, "%s", what);
        docker_reply_done(&reply);
        return r;
}

/* A list from GET path (a swarm call or not): an array, or an error. */
/* A list from the engine of c, or through swarm_call() when swarm (a manager's call). */
static int get_list(struct docker_client *c, struct docker *swarm, const char *base,
                    const json_t *filters, char sep, json_t **ret, struct berth_error *err,
                    const char *what)
{
        _cleanup_free_ char *q = NULL, *path = NULL;
        int r;

        *ret = NULL;
        r = filters_query(filters, sep, &q, err, what);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s%s", base, q) < 0)
                return -ENOMEM;
        r = swarm ? swarm_call(swarm, "GET", path, NULL, ret, err, "%s", what)
                  : docker_call(c, "GET", path, NULL, ret, err, "%s", what);
        if (r < 0)
                return r;
        if (!json_is_array(*ret)) {
                *ret = (json_decref(*ret), NULL);
                return berth_error_set(err, EIO, "docker: %s: the answer is not a list", what);
        }
        return 0;
}

/* ---- the engine ----------------------------------------------------------------------------- */

int berth_docker_info(struct berth_engine *e, json_t **ret, struct berth_error *err)
{
        struct docker *dk = e->data;
        int r;

        r = docker_call(dk->client, "GET", "/info", NULL, ret, err, "engine info");
        if (r >= 0 && !json_is_object(*ret)) {
                *ret = (json_decref(*ret), NULL);
                return berth_error_set(err, EIO,
                                       "docker: engine info: the answer is not an object");
        }
        return MIN(r, 0);
}

int berth_docker_swarm_mode(struct berth_engine *e, bool *manager, bool *active,
                            struct berth_error *err)
{
        json_auto_t *info = NULL;
        json_t *swarm;
        const char *state;
        bool a;
        int r;

        r = berth_docker_info(e, &info, err);
        if (r < 0)
                return r;
        swarm = json_object_get(info, "Swarm");
        state = json_string_value(json_object_get(swarm, "LocalNodeState"));
        a = state && streq(state, "active");
        if (active)
                *active = a;
        if (manager)
                *manager = a && json_is_true(json_object_get(swarm, "ControlAvailable"));
        return 0;
}

/* ---- services, tasks, nodes --------------------------------------------------------------- */

int berth_docker_service_create(struct berth_engine *e, const json_t *spec, char **ret_id,
                                struct berth_error *err)
{
        struct docker *dk = e->data;
        json_auto_t *j = NULL;
        const char *name = json_string_value(json_object_get(spec, "Name"));
        const char *id;
        int r;

        if (ret_id)
                *ret_id = NULL;
        if (!json_is_object(spec) || !name_ok(name))
                return berth_error_set(err, EINVAL,
                                       "create service: the spec is not an object with a Name of "
                                       "letters, digits and ._-");
        /* The body is only written out: the spec stays as it is. */
        r = swarm_call(dk, "POST", "/services/create", (json_t *)spec, &j, err, "create service %s",
                       name);
        if (r < 0)
                return r;
        id = json_string_value(json_object_get(j, "ID"));
        if (!id)
                return berth_error_set(err, EIO, "docker: create service %s: no ID in the answer",
                                       name);
        if (ret_id && !(*ret_id = strdup(id)))
                return -ENOMEM;
        return 0;
}

/* METHOD /<collection>/<name>: a service or a node by name or id (checked first). */
static int named_call(struct docker *dk, const char *method, const char *collection,
                      const char *what, const char *verb, const char *name, json_t **ret,
                      struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (ret)
                *ret = NULL;
        if (!name_ok(name))
                return berth_error_set(err, EINVAL, "%s '%s': not a %s name or id", what,
                                       name ? name : "", what);
        if (asprintf(&path, "/%s/%s", collection, name) < 0)
                return -ENOMEM;
        r = swarm_call(dk, method, path, NULL, ret, err, "%s %s %s", verb, what, name);
        return MIN(r, 0);
}

int berth_docker_service_remove(struct berth_engine *e, const char *name_or_id,
                                struct berth_error *err)
{
        return named_call(e->data, "DELETE", "services", "service", "remove", name_or_id, NULL,
                          err);
}

int berth_docker_service_inspect(struct berth_engine *e, const char *name_or_id, json_t **ret,
                                 struct berth_error *err)
{
        return named_call(e->data, "GET", "services", "service", "inspect", name_or_id, ret, err);
}

int berth_docker_services(struct berth_engine *e, const json_t *filters, json_t **ret,
                          struct berth_error *err)
{
        return get_list(NULL, e->data, "/services", filters, '?', ret, err, "list services");
}

int berth_docker_tasks(struct berth_engine *e, const json_t *filters, json_t **ret,
                       struct berth_error *err)
{
        return get_list(NULL, e->data, "/tasks", filters, '?', ret, err, "list tasks");
}

int berth_docker_nodes(struct berth_engine *e, const json_t *filters, json_t **ret,
                       struct berth_error *err)
{
        return get_list(NULL, e->data, "/nodes", filters, '?', ret, err, "list nodes");
}

int berth_docker_node_inspect(struct berth_engine *e, const char *id_or_name, json_t **ret,
                              struct berth_error *err)
{
        return named_call(e->data, "GET", "nodes", "node", "inspect", id_or_name, ret, err);
}

/* ---- a swarm made and left ------------------------------------------------------------------ */

/* addr "IP" or "IP:PORT" as *ip and *listen (the port 2377 when none). */
static int swarm_addr(const char *what, const char *addr, char **ip, char **listen,
                      struct berth_error *err)
{
        const char *colon = addr ? strchr(addr, ':') : NULL;

        if (!addr || !addr[0] || strlen(addr) > 64 ||
            strspn(addr, "0123456789.:abcdefghijklmnopqrstuvwxyz-") != strlen(addr) ||
            (colon && (strchr(colon + 1, ':') || colon == addr || !colon[1] ||
                       strspn(colon + 1, "0123456789") != strlen(colon + 1))))
                return berth_error_set(err, EINVAL, "swarm %s on '%s': not an address[:port]", what,
                                       addr ? addr : "");
        *ip = colon ? strndup(addr, (size_t)(colon - addr)) : strdup(addr);
        if (!*ip || asprintf(listen, "%s:%s", *ip, colon ? colon + 1 : "2377") < 0) {
                *listen = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* Docker says "already part of a swarm" with a 503. */
static int already_in_swarm(struct docker *dk, int r, const char *what, const char *listen,
                            struct berth_error *err)
{
        if (r == -EIO && err && strstr(err->msg, "already part of a swarm"))
                r = berth_error_set(err, EBUSY,
                                    "docker: swarm %s on %s: the engine at %s is "
                                    "already part of a swarm",
                                    what, listen, docker_client_host(dk->client));
        return MIN(r, 0);
}

int berth_docker_swarm_init(struct berth_engine *e, const char *addr, struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *ip = NULL, *listen = NULL;
        json_auto_t *body = NULL;
        int r;

        r = swarm_addr("init", addr, &ip, &listen, err);
        if (r < 0)
                return r;
        body = json_pack("{s:s, s:s, s:s}", "ListenAddr", listen, "AdvertiseAddr", listen,
                         "DataPathAddr", ip);
        if (!body)
                return -ENOMEM;
        r = docker_call(dk->client, "POST", "/swarm/init", body, NULL, err, "swarm init on %s",
                        listen);
        return already_in_swarm(dk, r, "init", listen, err);
}

int berth_docker_swarm_join_token(struct berth_engine *e, char **ret, struct berth_error *err)
{
        json_auto_t *sw = NULL;
        const char *t;
        int r;

        r = swarm_call(e->data, "GET", "/swarm", NULL, &sw, err, "inspect the swarm");
        if (r < 0)
                return r;
        t = json_string_value(json_object_get(json_object_get(sw, "JoinTokens"), "Worker"));
        if (!t)
                return berth_error_set(err, EIO, "docker: inspect the swarm: no worker join token");
        *ret = strdup(t);
        return *ret ? 0 : -ENOMEM;
}

int berth_docker_swarm_join(struct berth_engine *e, const char *addr, const char *manager,
                            const char *token, struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *ip = NULL, *listen = NULL, *mip = NULL, *mlisten = NULL;
        json_auto_t *body = NULL;
        int r;

        r = swarm_addr("join", addr, &ip, &listen, err);
        if (r >= 0)
                r = swarm_addr("join", manager, &mip, &mlisten, err);
        if (r < 0)
                return r;
        body = json_pack("{s:s, s:s, s:s, s:[s], s:s}", "ListenAddr", listen, "AdvertiseAddr",
                         listen, "DataPathAddr", ip, "RemoteAddrs", mlisten, "JoinToken",
                         token ? token : "");
        if (!body)
                return -ENOMEM;
        r = docker_call(dk->client, "POST", "/swarm/join", body, NULL, err,
                        "swarm join of %s to %s", listen, mlisten);
        return already_in_swarm(dk, r, "join", listen, err);
}

int berth_docker_swarm_leave(struct berth_engine *e, bool force, struct berth_error *err)
{
        struct docker *dk = e->data;
        struct berth_error ignored = {};
        int r;

        r = swarm_call(dk, "POST", force ? "/swarm/leave?force=1" : "/swarm/leave", NULL, NULL, err,
                       "leave the swarm");
        if (r < 0)
                return r;
        /* Left behind by the swarm: not a network of anyone's. One that a container still
         * uses stays (Docker says so with a 403 or 409). */
        (void)berth_docker_network_remove(e, "docker_gwbridge", &ignored);
        return 0;
}

/* ---- containers as Docker has them ---------------------------------------------------------- */

int berth_docker_containers(struct berth_engine *e, const json_t *filters, bool all, json_t **ret,
                            struct berth_error *err)
{
        return berth_docker_client_containers(((struct docker *)e->data)->client, filters, all, ret,
                                              err);
}

int berth_docker_client_containers(struct docker_client *c, const json_t *filters, bool all,
                                   json_t **ret, struct berth_error *err)
{
        return get_list(c, NULL, all ? "/containers/json?all=1" : "/containers/json", filters,
                        all ? '&' : '?', ret, err, "list containers");
}

int berth_docker_container_inspect(struct berth_engine *e, const char *id_or_name, json_t **ret,
                                   struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *path = NULL;
        int r;

        *ret = NULL;
        if (!name_ok(id_or_name))
                return berth_error_set(err, EINVAL, "container '%s': not a container name or id",
                                       id_or_name ? id_or_name : "");
        if (asprintf(&path, "/containers/%s/json", id_or_name) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "GET", path, NULL, ret, err, "inspect container %s",
                        id_or_name);
        return MIN(r, 0);
}

int berth_docker_container_stats(struct berth_engine *e, const char *id, json_t **ret,
                                 struct berth_error *err)
{
        return berth_docker_client_container_stats(((struct docker *)e->data)->client, id, ret,
                                                   err);
}

int berth_docker_client_container_stats(struct docker_client *c, const char *id, json_t **ret,
                                        struct berth_error *err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        *ret = NULL;
        if (!name_ok(id))
                return berth_error_set(err, EINVAL, "container '%s': not a container name or id",
                                       id ? id : "");
        /* Not one-shot: Docker waits for a second sample, so that precpu_stats is there. */
        if (asprintf(&path, "/containers/%s/stats?stream=false", id) < 0)
                return -ENOMEM;
        r = docker_call(c, "GET", path, NULL, ret, err, "stats of container %s", id);
        if (r >= 0 && !json_is_object(*ret)) {
                *ret = (json_decref(*ret), NULL);
                return berth_error_set(err, EIO, "docker: stats of container %s: no document", id);
        }
        return MIN(r, 0);
}
