/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pods: a compose project run as a whole. The document is kept in pods.db (pod-db.c);
 * what runs is the store's container objects, one per service, named and labelled as
 * docker-compose 1.29 names them, so that the store's own records, recovery and
 * engines (docker, native) do the work and a pod is only the list of what should run.
 * The labels are the truth about which containers belong to a pod: a container is the
 * pod's when com.docker.compose.project says so, and it is current when its
 * com.docker.compose.config-hash is the service's.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "container.h"
#include "docker.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "objects.h"
#include "pod-db.h"
#include "pod-run.h"
#include "pods-state.h"
#include "pod.h"
#include "rbd.h"
#include "recipes.h"
#include "store.h"
#include "strv.h"

#define LABEL_PROJECT "com.docker.compose.project"
#define LABEL_SERVICE "com.docker.compose.service"
#define LABEL_HASH "com.docker.compose.config-hash"
#define POD_NAME_MAX 48

static const char *const state_names[] = {
        [BERTH_POD_ONLINE] = "online",
        [BERTH_POD_OFFLINE] = "offline",
        [BERTH_POD_DISABLED] = "disabled",
};

const char *berth_pod_state_to_string(enum berth_pod_state s)
{
        return s >= 0 && s <= BERTH_POD_DISABLED ? state_names[s] : NULL;
}

static const char *const verb_names[_BERTH_POD_VERB_MAX] = {
        [BERTH_POD_ENABLE] = "enable",   [BERTH_POD_DISABLE] = "disable",
        [BERTH_POD_START] = "start",     [BERTH_POD_STOP] = "stop",
        [BERTH_POD_RESTART] = "restart", [BERTH_POD_PAUSE] = "pause",
        [BERTH_POD_UNPAUSE] = "unpause", [BERTH_POD_KILL] = "kill",
};

const char *berth_pod_verb_to_string(enum berth_pod_verb v)
{
        return v >= 0 && v < _BERTH_POD_VERB_MAX ? verb_names[v] : NULL;
}

void berth_pod_status_done(struct berth_pod_status *st)
{
        free(st->name);
        *st = (struct berth_pod_status){};
}

/* ---- setup ------------------------------------------------------------------------- */

int berth_pods_new(struct berth_store *s, const struct berth_pods_config *cfg,
                   struct berth_pods **ret, struct berth_error *err)
{
        struct berth_pods *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->s = s;
        p->cfg = (struct berth_pods_config){
                .data_dir = strdup(cfg->data_dir),
                .data_root = strdup(cfg->data_root),
                .recipes_dir = strdup(cfg->recipes_dir),
                .prefix = strdup(cfg->prefix ? cfg->prefix : "od-pod-"),
                .ceph_conf = strdup(cfg->ceph_conf ? cfg->ceph_conf : "/etc/ceph/ceph.conf"),
                .allow_host_paths = cfg->allow_host_paths,
                .allow_privileged = cfg->allow_privileged,
        };
        pthread_mutex_init(&p->lock, NULL);
        if (!p->cfg.data_dir || !p->cfg.data_root || !p->cfg.recipes_dir || !p->cfg.prefix ||
            !p->cfg.ceph_conf) {
                berth_pods_free(p);
                return -ENOMEM;
        }
        r = pod_db_open(p->cfg.data_dir, &p->db, err);
        if (r < 0) {
                berth_pods_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void berth_pods_free(struct berth_pods *p)
{
        if (!p)
                return;
        pod_db_close(p->db);
        free((char *)p->cfg.data_dir);
        free((char *)p->cfg.data_root);
        free((char *)p->cfg.recipes_dir);
        free((char *)p->cfg.prefix);
        free((char *)p->cfg.ceph_conf);
        pthread_mutex_destroy(&p->lock);
        free(p);
}

const struct berth_pods_config *berth_pods_config(const struct berth_pods *p)
{
        return &p->cfg;
}

/* ---- names ------------------------------------------------------------------------- */

int berth_pod_name(const struct berth_pods *p, const char *in, char **ret, struct berth_error *err)
{
        const char *rest = in;
        size_t n;

        if (!in)
                in = rest = "";
        if (has_prefix(in, p->cfg.prefix))
                rest = in + strlen(p->cfg.prefix);
        n = strlen(rest);
        if (n == 0 || n > POD_NAME_MAX || !isalnum((unsigned char)rest[0]) ||
            rest[strspn(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")])
                return berth_error_set(err, EINVAL,
                                       "pod name '%.64s' is not valid: a pod name is '<name>' or "
                                       "'%s<name>', where <name> is 1 to %d letters, digits, '_' "
                                       "or '-', starting with a letter or digit",
                                       in, p->cfg.prefix, POD_NAME_MAX);
        if (asprintf(ret, "%s%s", p->cfg.prefix, rest) < 0)
                return -ENOMEM;
        return 0;
}

/* ---- events ------------------------------------------------------------------------ */

static void pod_event(struct berth_pods *p, const char *name, const char *what, const char *state)
{
        struct berth_event e = { .type = BERTH_OBJ_CONTAINER, .exit_code = -1 };

        pod_db_history(p->db, name, what, state);
        if (!p->s->events)
                return;
        (void)snprintf(e.kind, sizeof(e.kind), "pod");
        (void)snprintf(e.name, sizeof(e.name), "%s", name);
        (void)snprintf(e.event, sizeof(e.event), "%s", what);
        if (state)
                (void)snprintf(e.state, sizeof(e.state), "%s", state);
        berth_events_publish(p->s->events, &e);
}

/* ---- the pod's containers, from the store ------------------------------------------ */

struct member {
        uint64_t id;
        char *name, *service, *hash, *engine;
        enum berth_container_state state;
        int exit_code;
        bool stop_requested;
};

struct members {
        const char *project;
        struct member *v;
        size_t n;
        int r;
};

static void members_done(struct members *m)
{
        for (size_t i = 0; i < m->n; i++) {
                free(m->v[i].name);
                free(m->v[i].service);
                free(m->v[i].hash);
                free(m->v[i].engine);
        }
        free(m->v);
        *m = (struct members){};
}

static int collect_member(struct berth_obj *o, void *userdata)
{
        struct berth_container *c = berth_obj_to_container(o);
        struct members *m = userdata;
        const char *proj = c ? strv_env_get(c->w.labels, LABEL_PROJECT) : NULL;
        struct member *nv, *x;

        if (!proj || !streq(proj, m->project))
                return 0;
        nv = realloc(m->v, (m->n + 1) * sizeof(*nv));
        if (!nv) {
                m->r = -ENOMEM;
                return 0;
        }
        m->v = nv;
        x = &m->v[m->n++];
        *x = (struct member){
                .id = c->obj.id,
                .name = strdup(c->name ? c->name : ""),
                .service = strdup(strv_env_get(c->w.labels, LABEL_SERVICE) ?: ""),
                .hash = strdup(strv_env_get(c->w.labels, LABEL_HASH) ?: ""),
                .engine = strdup(c->engine ? c->engine->name : ""),
                .state = c->state,
                .exit_code = c->exit_code,
                .stop_requested = c->stop_requested,
        };
        if (!x->name || !x->service || !x->hash || !x->engine)
                m->r = -ENOMEM;
        return 0;
}

static int members_get(struct berth_pods *p, const char *project, struct members *ret)
{
        *ret = (struct members){ .project = project };
        (void)berth_store_visit_all(p->s, BERTH_OBJ_CONTAINER, collect_member, ret);
        if (ret->r < 0) {
                members_done(ret);
                return -ENOMEM;
        }
        return 0;
}

static const struct member *member_by_service(const struct members *m, const char *service)
{
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->v[i].service, service))
                        return &m->v[i];
        return NULL;
}

static bool state_live(enum berth_container_state s)
{
        return s == BERTH_CONTAINER_RUNNING || s == BERTH_CONTAINER_PAUSED ||
               s == BERTH_CONTAINER_STOPPING;
}

static enum berth_pod_state pod_state(const struct members *m, bool enabled)
{
        for (size_t i = 0; i < m->n; i++)
                if (state_live(m->v[i].state))
                        return BERTH_POD_ONLINE;
        return enabled ? BERTH_POD_OFFLINE : BERTH_POD_DISABLED;
}

static int status_of(struct berth_pods *p, const struct pod_row *row, struct berth_pod_status *st)
{
        struct members m;
        int r;

        r = members_get(p, row->name, &m);
        if (r < 0)
                return r;
        *st = (struct berth_pod_status){
                .name = strdup(row->name),
                .enabled = row->enabled,
                .state = pod_state(&m, row->enabled),
        };
        members_done(&m);
        return st->name ? 0 : -ENOMEM;
}

/* ---- compose ----------------------------------------------------------------------- */

static int load_compose(struct berth_pods *p, const char *name, json_t *doc,
                        struct pod_compose *ret, struct berth_error *err)
{
        const struct pod_compose_opts o = {
                .project = name,
                .data_root = p->cfg.data_root,
                .build_root = p->cfg.recipes_dir,
                .allow_host_paths = p->cfg.allow_host_paths,
                .allow_privileged = p->cfg.allow_privileged,
        };

        return pod_compose_load(doc, &o, ret, err);
}

/* fileContents with the services of the recipes added: a new document. */
static int document_of(struct berth_pods *p, json_t *file_contents, json_t *recipes, json_t **ret,
                       struct berth_error *err)
{
        json_t *doc;
        int r;

        if (!json_is_object(file_contents))
                return berth_error_set(err, EINVAL, "fileContents must be an object");
        if (recipes && !json_is_null(recipes) && !json_is_array(recipes))
                return berth_error_set(err, EINVAL, "recipes must be an array of recipe names");
        doc = json_deep_copy(file_contents);
        if (!doc)
                return -ENOMEM;
        if (json_array_size(recipes) > 0) {
                r = pod_recipes_merge(p->cfg.recipes_dir, recipes, doc, err);
                if (r < 0) {
                        json_decref(doc);
                        return r;
                }
        }
        *ret = doc;
        return 0;
}

/* ---- steps ------------------------------------------------------------------------- */

struct steps {
        berth_pod_step_fn fn;
        void *userdata;
        unsigned failed;
        int first_code; /* -errno of the first failure */
        char first[BERTH_ERROR_MSG_MAX];
};

static void step(struct steps *st, const char *container, int r, const struct berth_error *e)
{
        const char *msg = r < 0 ? (e->msg[0] ? e->msg : strerror(-r)) : NULL;

        if (r < 0 && st->failed++ == 0) {
                st->first_code = r;
                (void)snprintf(st->first, sizeof(st->first), "%s: %s", container, msg);
        }
        if (st->fn)
                st->fn(container, msg, st->userdata);
}

static int steps_result(const struct steps *st, const char *pod, const char *verb,
                        struct berth_error *err)
{
        if (st->failed == 0)
                return 0;
        /* The first failure's kind (an engine that does not answer stays a 503). */
        return berth_error_set(err, -st->first_code, "pod %s: %s failed for %u container%s: %s",
                               pod, verb, st->failed, st->failed == 1 ? "" : "s", st->first);
}

/* Bring every service up: make what is missing or outdated, start what is not
 * running, resume what is paused. */
static void pod_up(struct berth_pods *p, const char *project, const struct pod_compose *comp,
                   struct steps *st)
{
        struct members m;

        if (members_get(p, project, &m) < 0) {
                struct berth_error e = {};
                step(st, project, berth_error_set(&e, ENOMEM, "out of memory"), &e);
                return;
        }
        for (size_t i = 0; i < comp->n_services; i++) {
                const struct pod_service *svc = &comp->services[i];
                const struct member *x = member_by_service(&m, svc->name);
                struct berth_error e = {};
                uint64_t id = 0, other;
                int r = 0;

                if (x && !streq(x->hash, svc->config_hash)) {
                        r = pod_container_remove(p, x->id, svc->w.stop_timeout_ms, &e);
                        x = NULL;
                }
                if (r >= 0 && !x && berth_container_find(p->s, svc->container_name, &other) >= 0)
                        r = berth_error_set(&e, EEXIST,
                                            "the name %s is taken by a container that is not "
                                            "pod %s's",
                                            svc->container_name, project);
                if (r >= 0 && !x)
                        r = pod_service_create(p, project, svc, &id, &e);
                else if (r >= 0 && x->state == BERTH_CONTAINER_PAUSED)
                        r = berth_container_set_state(p->s, x->id, BERTH_CONTAINER_RUNNING, NULL,
                                                      NULL, &e);
                else if (r >= 0 && x->state != BERTH_CONTAINER_RUNNING)
                        r = berth_container_set_state(p->s, x->id, BERTH_CONTAINER_RUNNING, NULL,
                                                      NULL, &e);
                step(st, svc->container_name, r, &e);
        }
        members_done(&m);
}

/* Stop (and with remove, delete) every container of the pod, in reverse start order;
 * the stops go out together and are waited for after. */
static void pod_down(struct berth_pods *p, const char *project, const struct pod_compose *comp,
                     bool remove, struct steps *st)
{
        struct members m;
        uint64_t timeout = BERTH_STOP_TIMEOUT_DEFAULT_MS;

        if (members_get(p, project, &m) < 0)
                return;
        for (size_t i = 0; comp && i < comp->n_services; i++)
                timeout = MAX(timeout, comp->services[i].w.stop_timeout_ms);
        for (size_t i = m.n; i-- > 0;) {
                struct berth_error e = {};
                if (state_live(m.v[i].state) &&
                    berth_container_set_state(p->s, m.v[i].id, BERTH_CONTAINER_EXITED, NULL, NULL,
                                              &e) < 0)
                        log_warning("pod %s: stopping %s: %s", project, m.v[i].name, e.msg);
        }
        for (size_t i = m.n; i-- > 0;) {
                struct berth_error e = {};
                int r = berth_container_wait_ended(p->s, m.v[i].id, timeout + 2000);
                if (r < 0)
                        (void)berth_error_set(&e, -r, "%s did not stop in time", m.v[i].name);
                if (remove)
                        r = berth_store_delete(p->s, BERTH_OBJ_CONTAINER, m.v[i].id, true, NULL,
                                               NULL, &e);
                step(st, m.v[i].name, r == -ENOENT ? 0 : r, &e);
        }
        members_done(&m);
}

static void pod_each(struct berth_pods *p, const char *project, enum berth_pod_verb v,
                     struct steps *st)
{
        struct members m;

        if (members_get(p, project, &m) < 0)
                return;
        for (size_t k = 0; k < m.n; k++) {
                /* pause and kill go in reverse start order, unpause in order */
                size_t i = v == BERTH_POD_UNPAUSE ? k : m.n - 1 - k;
                struct berth_error e = {};
                int r;

                if (v == BERTH_POD_PAUSE) {
                        if (m.v[i].state != BERTH_CONTAINER_RUNNING)
                                continue;
                        r = berth_container_set_state(p->s, m.v[i].id, BERTH_CONTAINER_PAUSED, NULL,
                                                      NULL, &e);
                } else if (v == BERTH_POD_UNPAUSE) {
                        if (m.v[i].state != BERTH_CONTAINER_PAUSED)
                                continue;
                        r = berth_container_set_state(p->s, m.v[i].id, BERTH_CONTAINER_RUNNING,
                                                      NULL, NULL, &e);
                } else {
                        if (!state_live(m.v[i].state))
                                continue;
                        r = berth_container_kill(p->s, m.v[i].id, SIGKILL, &e);
                }
                step(st, m.v[i].name, r, &e);
        }
        members_done(&m);
}

/* ---- the calls --------------------------------------------------------------------- */

int berth_pods_list(struct berth_pods *p, struct berth_pod_status **ret, size_t *ret_n,
                    struct berth_error *err)
{
        struct pod_row *rows = NULL;
        struct berth_pod_status *v;
        size_t n = 0;
        int r;

        pthread_mutex_lock(&p->lock);
        r = pod_db_list(p->db, &rows, &n, err);
        pthread_mutex_unlock(&p->lock);
        if (r < 0)
                return r;
        v = calloc(n ? n : 1, sizeof(*v));
        for (size_t i = 0; i < n; i++) {
                if (v && r >= 0 && status_of(p, &rows[i], &v[i]) < 0)
                        r = -ENOMEM;
                pod_row_done(&rows[i]);
        }
        free(rows);
        if (!v || r < 0) {
                for (size_t i = 0; v && i < n; i++)
                        berth_pod_status_done(&v[i]);
                free(v);
                return -ENOMEM;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int berth_pod_details(struct berth_pods *p, const char *name, json_t **ret_doc,
                      json_t **ret_recipes, struct berth_pod_status *ret_st,
                      struct berth_error *err)
{
        struct pod_row row = {};
        int r;

        pthread_mutex_lock(&p->lock);
        r = pod_db_get(p->db, name, &row, err);
        pthread_mutex_unlock(&p->lock);
        if (r < 0)
                return r;
        r = ret_st ? status_of(p, &row, ret_st) : 0;
        if (r >= 0 && ret_doc)
                *ret_doc = json_incref(row.doc);
        if (r >= 0 && ret_recipes)
                *ret_recipes = json_incref(row.recipes);
        pod_row_done(&row);
        return r;
}

int berth_pod_test(struct berth_pods *p, const char *name, json_t *file_contents, json_t *recipes,
                   json_t **ret_doc, bool *ret_exists, struct berth_error *err)
{
        struct pod_compose comp = {};
        struct pod_row row = {};
        json_t *doc = NULL;
        int r;

        r = document_of(p, file_contents, recipes, &doc, err);
        if (r >= 0)
                r = load_compose(p, name, doc, &comp, err);
        json_decref(doc);
        if (r < 0)
                return r;
        *ret_doc = json_incref(comp.doc);
        pod_compose_done(&comp);
        pthread_mutex_lock(&p->lock);
        r = pod_db_get(p->db, name, &row, NULL);
        pthread_mutex_unlock(&p->lock);
        *ret_exists = r >= 0;
        pod_row_done(&row);
        return 0;
}

int berth_pod_set(struct berth_pods *p, const char *name, json_t *file_contents, json_t *recipes,
                  bool update, struct berth_error *err)
{
        struct pod_compose comp = {};
        struct pod_row old = {};
        json_t *doc = NULL;
        struct members m = {};
        int r;

        r = document_of(p, file_contents, recipes, &doc, err);
        if (r >= 0)
                r = load_compose(p, name, doc, &comp, err);
        json_decref(doc);
        if (r < 0)
                return r;

        pthread_mutex_lock(&p->lock);
        r = pod_db_get(p->db, name, &old, NULL);
        if (!update && r >= 0) {
                r = berth_error_set(err, EEXIST, "pod %s already exists: update it instead", name);
                goto out;
        }
        if (update && r < 0) {
                r = berth_error_set(err, ENOENT, "pod %s does not exist", name);
                goto out;
        }
        {
                json_t *all_recipes = json_array();
                struct pod_row row = {
                        .name = (char *)name,
                        .doc = comp.doc,
                        .recipes = all_recipes,
                        .enabled = update && old.enabled,
                };
                json_t *v;
                size_t i;

                /* update: the recipes it was made from, and the new ones */
                if (!all_recipes) {
                        r = -ENOMEM;
                        goto out;
                }
                if (old.recipes)
                        json_array_extend(all_recipes, old.recipes);
                json_array_foreach (recipes, i, v) {
                        bool seen = false;
                        json_t *w;
                        size_t k;
                        json_array_foreach (all_recipes, k, w)
                                seen |= json_equal(v, w);
                        if (!seen)
                                json_array_append(all_recipes, v);
                }
                r = pod_db_put(p->db, &row, !update, err);
                json_decref(all_recipes);
                if (r < 0)
                        goto out;
        }
        pod_event(p, name, update ? "updated" : "created", NULL);
        if (!update)
                goto out;

        /* update: services that are gone go; changed ones are made again when the pod
         * runs (or when it starts next). */
        r = members_get(p, name, &m);
        if (r < 0)
                goto out;
        {
                struct steps st = {};
                bool running = pod_state(&m, old.enabled) == BERTH_POD_ONLINE;
                for (size_t i = 0; i < m.n; i++) {
                        const struct pod_service *svc = pod_compose_service(&comp, m.v[i].service);
                        struct berth_error e = {};
                        if (svc && (streq(svc->config_hash, m.v[i].hash) || running))
                                continue;
                        step(&st, m.v[i].name,
                             pod_container_remove(p, m.v[i].id, BERTH_STOP_TIMEOUT_DEFAULT_MS, &e),
                             &e);
                }
                if (running)
                        pod_up(p, name, &comp, &st);
                r = steps_result(&st, name, "update", err);
        }
out:
        pthread_mutex_unlock(&p->lock);
        members_done(&m);
        pod_row_done(&old);
        pod_compose_done(&comp);
        return r;
}

int berth_pod_destroy(struct berth_pods *p, const char *name, struct berth_error *err)
{
        return berth_pod_destroy_steps(p, name, NULL, NULL, err);
}

int berth_pod_destroy_steps(struct berth_pods *p, const char *name, berth_pod_step_fn fn,
                            void *userdata, struct berth_error *err)
{
        struct steps st = { .fn = fn, .userdata = userdata };
        struct pod_row row = {};
        int r;

        pthread_mutex_lock(&p->lock);
        r = pod_db_get(p->db, name, &row, err);
        if (r >= 0) {
                struct pod_compose comp = {};
                struct berth_error ignored = {};
                bool have = load_compose(p, name, row.doc, &comp, &ignored) >= 0;
                pod_down(p, name, have ? &comp : NULL, /* remove= */ true, &st);
                r = steps_result(&st, name, "destroy", err);
                if (r >= 0) {
                        if (!have || pod_doc_uses_bridge(&comp))
                                pod_network_cleanup(p, name);
                        r = pod_db_delete(p->db, name, err);
                }
                if (r >= 0)
                        pod_event(p, name, "destroyed", NULL);
                pod_compose_done(&comp);
        }
        pthread_mutex_unlock(&p->lock);
        pod_row_done(&row);
        return r;
}

int berth_pod_do(struct berth_pods *p, const char *name, enum berth_pod_verb v,
                 berth_pod_step_fn fn, void *userdata, struct berth_error *err)
{
        struct steps st = { .fn = fn, .userdata = userdata };
        struct pod_compose comp = {};
        struct pod_row row = {};
        struct members m = {};
        int r;

        if (v < 0 || v >= _BERTH_POD_VERB_MAX)
                return berth_error_set(err, EINVAL, "no such pod action");
        pthread_mutex_lock(&p->lock);
        r = pod_db_get(p->db, name, &row, err);
        if (r < 0)
                goto out;
        r = load_compose(p, name, row.doc, &comp, err);
        if (r < 0)
                goto out;
        switch (v) {
        case BERTH_POD_ENABLE:
                r = pod_db_set_enabled(p->db, name, true, err);
                if (r >= 0)
                        pod_up(p, name, &comp, &st);
                break;
        case BERTH_POD_DISABLE:
                r = pod_db_set_enabled(p->db, name, false, err);
                if (r >= 0)
                        pod_down(p, name, &comp, false, &st);
                break;
        case BERTH_POD_START:
                pod_up(p, name, &comp, &st);
                break;
        case BERTH_POD_STOP:
                pod_down(p, name, &comp, false, &st);
                break;
        case BERTH_POD_RESTART:
                pod_down(p, name, &comp, false, &st);
                pod_up(p, name, &comp, &st);
                break;
        case BERTH_POD_PAUSE:
        case BERTH_POD_UNPAUSE:
        case BERTH_POD_KILL:
                pod_each(p, name, v, &st);
                break;
        case _BERTH_POD_VERB_MAX:
        default:
                break;
        }
        if (r >= 0)
                r = steps_result(&st, name, berth_pod_verb_to_string(v), err);
        if (members_get(p, name, &m) >= 0)
                pod_event(p, name, berth_pod_verb_to_string(v),
                          berth_pod_state_to_string(
                                  pod_state(&m, v == BERTH_POD_ENABLE ||
                                                        (v != BERTH_POD_DISABLE && row.enabled))));
out:
        pthread_mutex_unlock(&p->lock);
        members_done(&m);
        pod_compose_done(&comp);
        pod_row_done(&row);
        return r;
}

int berth_pod_members(struct berth_pods *p, const char *name,
                      int (*fn)(const struct berth_pod_member *m, void *userdata), void *userdata,
                      struct berth_error *err)
{
        struct pod_compose comp = {};
        struct pod_row row = {};
        struct members m = {};
        int r;

        pthread_mutex_lock(&p->lock);
        r = pod_db_get(p->db, name, &row, err);
        if (r >= 0)
                r = load_compose(p, name, row.doc, &comp, err);
        pthread_mutex_unlock(&p->lock);
        if (r >= 0)
                r = members_get(p, name, &m);
        /* the services in start order, then containers of services the document no
         * longer has (an update that could not remove them) */
        for (size_t i = 0; r >= 0 && i < comp.n_services; i++) {
                const struct pod_service *svc = &comp.services[i];
                const struct member *x = member_by_service(&m, svc->name);
                r = fn(
                        &(struct berth_pod_member){
                                .service = svc->name,
                                .container = x ? x->name : svc->container_name,
                                .id = x ? x->id : 0,
                                .engine = svc->engine == POD_ENGINE_DOCKER ? "docker" : "native",
                        },
                        userdata);
        }
        for (size_t i = 0; r >= 0 && i < m.n; i++)
                if (!pod_compose_service(&comp, m.v[i].service))
                        r = fn(&(struct berth_pod_member){ .service = m.v[i].service,
                                                           .container = m.v[i].name,
                                                           .id = m.v[i].id,
                                                           .engine = m.v[i].engine },
                               userdata);
        members_done(&m);
        pod_compose_done(&comp);
        pod_row_done(&row);
        return r < 0 ? r : 0;
}

int berth_pods_recover(struct berth_pods *p, struct berth_error *err)
{
        struct pod_row *rows = NULL;
        size_t n = 0;
        int r;

        pthread_mutex_lock(&p->lock);
        r = pod_db_list(p->db, &rows, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct pod_compose comp = {};
                struct berth_error e = {};
                struct members m = {};
                struct steps st = {};

                if (rows[i].enabled && load_compose(p, rows[i].name, rows[i].doc, &comp, &e) < 0)
                        log_warning("pod %s: its document no longer loads: %s", rows[i].name,
                                    e.msg);
                else if (rows[i].enabled && members_get(p, rows[i].name, &m) >= 0) {
                        /* Only what is missing (a reboot took it): containers that ended
                         * are their restart policy's business, and running ones stay. */
                        bool missing = false;
                        for (size_t k = 0; k < comp.n_services; k++)
                                missing |= !member_by_service(&m, comp.services[k].name);
                        if (missing) {
                                log_info("pod %s is enabled: bringing up its missing containers",
                                         rows[i].name);
                                for (size_t k = 0; k < comp.n_services; k++) {
                                        const struct pod_service *svc = &comp.services[k];
                                        uint64_t id;
                                        struct berth_error se = {};
                                        if (member_by_service(&m, svc->name))
                                                continue;
                                        step(&st, svc->container_name,
                                             pod_service_create(p, rows[i].name, svc, &id, &se),
                                             &se);
                                }
                                if (steps_result(&st, rows[i].name, "start", &e) < 0)
                                        log_warning("%s", e.msg);
                                pod_event(p, rows[i].name, "recovered", NULL);
                        }
                }
                members_done(&m);
                pod_compose_done(&comp);
        }
        pthread_mutex_unlock(&p->lock);
        for (size_t i = 0; i < n; i++)
                pod_row_done(&rows[i]);
        free(rows);
        return r < 0 ? r : 0;
}

int berth_pods_setting_set(struct berth_pods *p, const char *key, const char *value,
                           struct berth_error *err)
{
        int r;

        pthread_mutex_lock(&p->lock);
        r = pod_db_setting_set(p->db, key, value, err);
        pthread_mutex_unlock(&p->lock);
        return r;
}

char *berth_pods_setting_get(struct berth_pods *p, const char *key)
{
        char *v;

        pthread_mutex_lock(&p->lock);
        v = pod_db_setting_get(p->db, key);
        pthread_mutex_unlock(&p->lock);
        return v;
}
