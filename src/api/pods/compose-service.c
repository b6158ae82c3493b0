/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One compose service: its keys, checked one by one, into a pod_service and its
 * workload (network, ports and volumes in compose-ports-volumes.c; limits, health
 * check and privileges in compose-limits.c). The engine is decided first (from image: and build:),
 * because what a key may say depends on it: the native engine runs a command in its own network
 * namespace (or the host's) and has no ports, health checks or devices.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "compose-internal.h"
#include "error.h"
#include "strv.h"

int compose_svc_fail(struct compose_svc *v, int errnum, const char *fmt, ...)
{
        char msg[BERTH_ERROR_MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return berth_error_set(v->c->err, errnum, "service '%s': %s", v->name, msg);
}

/* A value parser's message, with the service in front. */
int compose_svc_prefixed(struct compose_svc *v, int r, const char *key)
{
        if (r == -ENOMEM || !v->c->err)
                return r;
        if (key)
                return berth_error_prefix(v->c->err, "service '%s': key '%s'", v->name, key);
        return berth_error_prefix(v->c->err, "service '%s'", v->name);
}

int compose_svc_type_error(struct compose_svc *v, const char *key, const char *what)
{
        return compose_svc_fail(v, EINVAL, "key '%s' must be %s", key, what);
}

int compose_svc_not_native(struct compose_svc *v, const char *key, const char *why)
{
        return compose_svc_fail(v, EINVAL,
                                "key '%s' is not supported on the native engine (image %s): %s",
                                key, v->s->image, why);
}

/* A list of strings (no NUL bytes), at most COMPOSE_LIST_MAX. */
int compose_svc_str_list(struct compose_svc *v, const char *key, json_t *j, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        json_t *item;
        size_t i;

        if (!json_is_array(j))
                return compose_svc_type_error(v, key, "a list of strings");
        if (json_array_size(j) > COMPOSE_LIST_MAX)
                return compose_svc_fail(v, EINVAL, "key '%s' has more than %d items", key,
                                        COMPOSE_LIST_MAX);
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_array_foreach (j, i, item) {
                const char *s = compose_json_str(item);
                if (!s)
                        return compose_svc_type_error(v, key, "a list of strings");
                if (strv_extend(&l, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- image and build: the engine -------------------------------------------------- */

static bool rbd_name_ok(const char *s, size_t n)
{
        return n > 0 && n <= 128 && strspn(s, COMPOSE_ALNUM "._-") >= n;
}

/* rbd://pool/image[@snap] */
static bool rbd_url_ok(const char *url)
{
        const char *pool = url + strlen("rbd://"), *slash = strchr(pool, '/'), *img, *at;

        if (!slash)
                return false;
        img = slash + 1;
        at = strchr(img, '@');
        if (!rbd_name_ok(pool, (size_t)(slash - pool)))
                return false;
        if (!at)
                return rbd_name_ok(img, strlen(img));
        return rbd_name_ok(img, (size_t)(at - img)) && rbd_name_ok(at + 1, strlen(at + 1));
}

static int image_native(struct compose_svc *v, const char *image)
{
        if (strncmp(image, "file://", 7) == 0) {
                _cleanup_free_ char *norm = NULL;
                const char *path = image + 7;
                int r;

                r = compose_path_normalize(path, &norm);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !streq(norm, path) || streq(path, "/"))
                        return compose_svc_fail(
                                v, EINVAL,
                                "image '%s': a file:// image is file:///<absolute path> "
                                "without '.', '..' or '//'",
                                image);
                return 1;
        }
        if (strncmp(image, "rbd://", 6) == 0) {
                if (!rbd_url_ok(image))
                        return compose_svc_fail(
                                v, EINVAL,
                                "image '%s': an RBD image is rbd://<pool>/<image>[@<snap>] "
                                "(names of letters, digits, '.', '_' and '-')",
                                image);
                return 1;
        }
        if (strstr(image, "://"))
                return compose_svc_fail(
                        v, EINVAL, "image '%s': only file:// and rbd:// URLs name native images",
                        image);
        return 0;
}

/* A build context (below the build root) and Dockerfile. */
static int build_load(struct compose_svc *v, json_t *j)
{
        _cleanup_free_ char *joined = NULL, *ctx = NULL;
        const char *context = NULL, *dockerfile = NULL;
        int r;

        if (json_is_object(j)) {
                const char *key;
                json_t *val;

                json_object_foreach (j, key, val) {
                        if (streq(key, "context"))
                                context = compose_json_str(val);
                        else if (streq(key, "dockerfile"))
                                dockerfile = compose_json_str(val);
                        else
                                return compose_svc_fail(
                                        v, EINVAL,
                                        "key 'build': '%s' is not supported (context and "
                                        "dockerfile are)",
                                        key);
                        if (!compose_json_str(val))
                                return compose_svc_fail(v, EINVAL,
                                                        "key 'build': '%s' must be a string", key);
                }
                if (!context)
                        return compose_svc_fail(v, EINVAL, "key 'build' needs a context");
        } else if (!(context = compose_json_str(j)))
                return compose_svc_type_error(v, "build", "a string (the context) or a mapping");
        if (!context[0])
                return compose_svc_fail(v, EINVAL, "key 'build': the context is empty");
        if (!v->c->build_root)
                return compose_svc_fail(
                        v, EPERM, "key 'build': this berthd builds no images (no build root)");
        if (context[0] == '/')
                r = compose_path_normalize(context, &ctx);
        else {
                if (asprintf(&joined, "%s/%s", v->c->build_root, context) < 0)
                        return -ENOMEM;
                r = compose_path_normalize(joined, &ctx);
        }
        if (r < 0)
                return r;
        if (!streq(ctx, v->c->build_root) && !compose_path_below(ctx, v->c->build_root))
                return compose_svc_fail(v, EPERM, "build context '%s' is outside the build root %s",
                                        context, v->c->build_root);
        if (dockerfile) {
                _cleanup_free_ char *df = NULL;

                r = compose_relpath_clean(dockerfile, &df);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || !df[0])
                        return compose_svc_fail(
                                v, r == -EPERM ? EPERM : EINVAL,
                                "build dockerfile '%s' must be a path inside the context",
                                dockerfile);
                v->s->build_dockerfile = TAKE_PTR(df);
        }
        v->s->build_context = TAKE_PTR(ctx);
        return 0;
}

static int engine_load(struct compose_svc *v, json_t *def)
{
        json_t *image = json_object_get(def, "image"), *build = json_object_get(def, "build");
        const char *img = NULL;
        int r;

        if (image && !json_is_null(image) && !(img = compose_json_str(image)))
                return compose_svc_type_error(v, "image", "a string");
        if (build && json_is_null(build))
                build = NULL;
        if (!img && !build)
                return compose_svc_fail(v, EINVAL, "needs an image or a build");
        if (img) {
                r = image_native(v, img);
                if (r < 0)
                        return r;
                v->native = r > 0;
                if (v->native && build)
                        return compose_svc_fail(
                                v, EINVAL,
                                "key 'build' does not go with a native image (%s): the "
                                "native engine runs image files, it builds nothing",
                                img);
                if (!v->native) {
                        r = compose_image_ref_check(img, v->c->err);
                        if (r < 0)
                                return compose_svc_prefixed(v, r, NULL);
                }
                v->s->image = strdup(img);
        } else {
                /* compose 1.29 names a built image <project>_<service>. Docker wants
                 * repositories in lower case. */
                if (asprintf(&v->s->image, "%s_%s", v->c->project_norm, v->name) < 0)
                        v->s->image = NULL;
                for (char *p = v->s->image; p && *p; p++)
                        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p | 0x20 : *p);
        }
        if (!v->s->image)
                return -ENOMEM;
        v->s->engine = v->native ? POD_ENGINE_NATIVE : POD_ENGINE_DOCKER;
        if (build) {
                r = build_load(v, build);
                if (r < 0)
                        return r;
        }
        if (!v->native && !(v->w->image = strdup(v->s->image)))
                return -ENOMEM;
        return 0;
}

/* ---- command, environment, labels ------------------------------------------------- */

static int command_value(struct compose_svc *v, const char *key, json_t *j, char ***ret)
{
        const char *s = compose_json_str(j);
        int r;

        if (json_is_array(j))
                return compose_svc_str_list(v, key, j, ret);
        if (!s)
                return compose_svc_type_error(v, key, "a string or a list of strings");
        r = cmdline_split(s, ret, v->c->err);
        if (r < 0)
                return compose_svc_prefixed(v, r, key);
        if (streq(key, "command") && !(v->w->command_line = strdup(s)))
                return -ENOMEM;
        return 0;
}

static int key_command(struct compose_svc *v, const char *key, json_t *j)
{
        return command_value(v, key, j, &v->x->command);
}

static int key_entrypoint(struct compose_svc *v, const char *key, json_t *j)
{
        return command_value(v, key, j, &v->x->entrypoint);
}

/* Set "key=value" in l: an earlier entry for key is replaced in place (as a later
 * value wins in compose), else it is appended. */
static int kv_set(char ***l, const char *key, const char *value)
{
        size_t n = strlen(key);
        char *e;

        if (asprintf(&e, "%s=%s", key, value) < 0)
                return -ENOMEM;
        for (char **p = *l; p && *p; p++)
                if (strncmp(*p, key, n) == 0 && (*p)[n] == '=') {
                        free(*p);
                        *p = e;
                        return 0;
                }
        return strv_consume(l, e);
}

/* A scalar of a mapping as text: strings as they are, numbers and booleans as JSON
 * writes them; NULL for null. */
static int scalar_text(json_t *j, char **ret)
{
        const char *s;

        if (json_is_null(j)) {
                *ret = NULL;
                return 0;
        }
        s = compose_json_str(j);
        if (s)
                *ret = strdup(s);
        else if (json_is_number(j) || json_is_boolean(j))
                *ret = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        else
                return -EINVAL;
        return *ret ? 0 : -ENOMEM;
}

/* environment and labels: ["K=V", "K"] or {K: V}. A label K alone is "K=" (compose);
 * an environment K without a value is left out: berthd's own environment is not the
 * pod's. */
static int kv_list(struct compose_svc *v, const char *key, json_t *j, bool labels, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        const char *k;
        json_t *item;
        size_t i;
        int r;

        if (!json_is_array(j) && !json_is_object(j))
                return compose_svc_type_error(v, key, "a list of \"KEY=value\" or a mapping");
        if (json_is_array(j) ? json_array_size(j) > COMPOSE_LIST_MAX
                             : json_object_size(j) > COMPOSE_LIST_MAX)
                return compose_svc_fail(v, EINVAL, "key '%s' has more than %d items", key,
                                        COMPOSE_LIST_MAX);
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_array_foreach (j, i, item) {
                _cleanup_free_ char *name = NULL;
                const char *s = compose_json_str(item), *eq;

                if (!s)
                        return compose_svc_type_error(v, key, "a list of strings (\"KEY=value\")");
                eq = strchr(s, '=');
                name = eq ? strndup(s, (size_t)(eq - s)) : strdup(s);
                if (!name)
                        return -ENOMEM;
                if (!name[0])
                        return compose_svc_fail(v, EINVAL, "key '%s': '%s' has no name before '='",
                                                key, s);
                if (!eq && !labels)
                        continue;
                r = kv_set(&l, name, eq ? eq + 1 : "");
                if (r < 0)
                        return r;
        }
        json_object_foreach (json_is_object(j) ? j : NULL, k, item) {
                _cleanup_free_ char *val = NULL;

                if (!k[0] || strchr(k, '='))
                        return compose_svc_fail(
                                v, EINVAL, "key '%s': name '%s' is empty or holds '='", key, k);
                r = scalar_text(item, &val);
                if (r == -EINVAL)
                        return compose_svc_fail(
                                v, EINVAL,
                                "key '%s': the value of '%s' must be a string, a number, a "
                                "boolean or null",
                                key, k);
                if (r < 0)
                        return r;
                if (!val && !labels)
                        continue;
                r = kv_set(&l, k, val ? val : "");
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int key_environment(struct compose_svc *v, const char *key, json_t *j)
{
        v->x->has_env = true;
        return kv_list(v, key, j, false, &v->w->env);
}

static int key_labels(struct compose_svc *v, const char *key, json_t *j)
{
        int r;

        v->x->has_labels = true;
        r = kv_list(v, key, j, true, &v->x->labels);
        if (r < 0)
                return r;
        STRV_FOREACH (l, v->x->labels) {
                if (strncmp(*l, "com.docker.compose.", 19) == 0)
                        return compose_svc_fail(v, EINVAL,
                                                "key 'labels': '%.*s' is reserved (berth sets the "
                                                "com.docker.compose.* labels)",
                                                (int)strcspn(*l, "="), *l);
                /* berth's own: which berthd owns a container, and what other doors made
                 * (an SRC app): a pod must not pass for either. */
                if (strncmp(*l, "io.berth.", 9) == 0)
                        return compose_svc_fail(v, EINVAL,
                                                "key 'labels': '%.*s' is reserved (berth sets the "
                                                "io.berth.* labels)",
                                                (int)strcspn(*l, "="), *l);
        }
        return 0;
}

/* ---- the rest of the keys --------------------------------------------------------- */

static int key_restart(struct compose_svc *v, const char *key, json_t *j)
{
        const char *s = compose_json_str(j);

        if (!s)
                return compose_svc_type_error(v, key, "a string");
        if (strncmp(s, "on-failure:", 11) == 0) {
                const char *n = s + 11;
                unsigned long max;

                if (!n[0] || strspn(n, "0123456789") != strlen(n) || strlen(n) > 9)
                        return compose_svc_fail(v, EINVAL,
                                                "restart '%s': the count must be a number", s);
                max = strtoul(n, NULL, 10);
                v->w->restart = BERTH_RESTART_ON_FAILURE;
                v->w->restart_max = (unsigned)max;
                return 0;
        }
        if (berth_restart_from_string(s) < 0)
                return compose_svc_fail(v, EINVAL,
                                        "restart '%s' is not one of no, always, unless-stopped, "
                                        "on-failure[:N]",
                                        s);
        v->w->restart = berth_restart_from_string(s);
        return 0;
}

static int key_container_name(struct compose_svc *v, const char *key, json_t *j)
{
        const char *s = compose_json_str(j);

        if (!s)
                return compose_svc_type_error(v, key, "a string");
        if (strlen(s) < 2 || !compose_name_valid(s, COMPOSE_ALNUM, COMPOSE_ALNUM "_.-", 255))
                return compose_svc_fail(v, EINVAL,
                                        "container_name '%s' is not a container name "
                                        "([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                                        s);
        free(v->s->container_name);
        v->s->container_name = strdup(s);
        return v->s->container_name ? 0 : -ENOMEM;
}

static int dep_add(struct compose_svc *v, const char *dep)
{
        if (!compose_name_valid(dep, COMPOSE_ALNUM "._-", COMPOSE_ALNUM "._-", COMPOSE_NAME_MAX))
                return compose_svc_fail(v, EINVAL, "depends_on '%s' is not a service name", dep);
        if (strv_contains(v->s->depends_on, dep))
                return 0;
        return strv_extend(&v->s->depends_on, dep);
}

static int key_depends_on(struct compose_svc *v, const char *key, json_t *j)
{
        const char *k;
        json_t *item;
        size_t i;
        int r;

        if (!json_is_array(j) && !json_is_object(j))
                return compose_svc_type_error(v, key, "a list of service names or a mapping");
        json_array_foreach (j, i, item) {
                if (!compose_json_str(item))
                        return compose_svc_type_error(v, key, "a list of service names");
                r = dep_add(v, compose_json_str(item));
                if (r < 0)
                        return r;
        }
        json_object_foreach (json_is_object(j) ? j : NULL, k, item) {
                json_t *cond = json_object_get(item, "condition");

                if (!json_is_null(item) && !json_is_object(item))
                        return compose_svc_fail(v, EINVAL, "depends_on '%s' must be a mapping", k);
                if (json_object_size(item) > (cond ? 1u : 0u))
                        return compose_svc_fail(
                                v, EINVAL, "depends_on '%s': only 'condition' is supported", k);
                if (cond && !streq_ptr(compose_json_str(cond), "service_started"))
                        return compose_svc_fail(
                                v, EINVAL,
                                "depends_on '%s': only the condition service_started is "
                                "supported",
                                k);
                r = dep_add(v, k);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool numeric_id(const char *s, size_t len, uint32_t *ret)
{
        unsigned long long v = 0;

        if (len == 0 || len > 10)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned long long)(s[i] - '0');
        }
        if (v >= UINT32_MAX)
                return false;
        *ret = (uint32_t)v;
        return true;
}

static int key_user(struct compose_svc *v, const char *key, json_t *j)
{
        char buf[32];
        const char *s = compose_json_str(j), *colon;
        uint32_t uid, gid = 0;
        bool numeric;

        if (json_is_integer(j)) {
                (void)snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
                s = buf;
        }
        if (!s)
                return compose_svc_type_error(v, key,
                                              "a string (\"uid[:gid]\" or \"user[:group]\")");
        colon = strchr(s, ':');
        if (!s[0] || s[0] == ':' || s[0] == '-' ||
            (colon && (!colon[1] || strchr(colon + 1, ':'))) || strlen(s) > 256 ||
            strpbrk(s, " \t\n\r/"))
                return compose_svc_fail(v, EINVAL, "user '%s' is not uid[:gid] or user[:group]", s);
        numeric = numeric_id(s, colon ? (size_t)(colon - s) : strlen(s), &uid) &&
                  (!colon || numeric_id(colon + 1, strlen(colon + 1), &gid));
        if (numeric) {
                /* Without a group: 0, as docker does for a uid with no passwd entry. */
                v->w->user_set = true;
                v->w->uid = uid;
                v->w->gid = gid;
        } else if (v->native)
                return compose_svc_fail(
                        v, EINVAL,
                        "user '%s': the native engine takes numeric ids (uid[:gid]) only", s);
        if (v->native)
                return 0;
        v->w->user_name = strdup(s);
        return v->w->user_name ? 0 : -ENOMEM;
}

static int key_working_dir(struct compose_svc *v, const char *key, json_t *j)
{
        const char *s = compose_json_str(j);

        if (!s)
                return compose_svc_type_error(v, key, "a string");
        if (s[0] != '/' || strlen(s) >= PATH_MAX)
                return compose_svc_fail(v, EINVAL, "working_dir '%s' is not an absolute path", s);
        v->w->cwd = strdup(s);
        return v->w->cwd ? 0 : -ENOMEM;
}

static int key_cap_add(struct compose_svc *v, const char *key, json_t *j)
{
        v->caps_given = true;
        return compose_svc_str_list(v, key, j, &v->cap_add);
}

static int key_cap_drop(struct compose_svc *v, const char *key, json_t *j)
{
        v->caps_given = true;
        return compose_svc_str_list(v, key, j, &v->cap_drop);
}

static const struct {
        const char *key;
        int (*fn)(struct compose_svc *v, const char *key, json_t *j);
} keys[] = {
        { "image", NULL },
        { "build", NULL },
        { "network_mode", compose_key_network_mode },
        { "command", key_command },
        { "entrypoint", key_entrypoint },
        { "environment", key_environment },
        { "ports", compose_key_ports },
        { "volumes", compose_key_volumes },
        { "restart", key_restart },
        { "container_name", key_container_name },
        { "depends_on", key_depends_on },
        { "labels", key_labels },
        { "user", key_user },
        { "working_dir", key_working_dir },
        { "cap_add", key_cap_add },
        { "cap_drop", key_cap_drop },
        { "mem_limit", compose_key_mem_limit },
        { "cpus", compose_key_cpus },
        { "pids_limit", compose_key_pids_limit },
        { "healthcheck", compose_key_healthcheck },
        { "privileged", compose_key_privileged },
        { "devices", compose_key_devices },
};

static int keys_check(struct compose_svc *v, json_t *def)
{
        const char *k;
        json_t *val;

        json_object_foreach (def, k, val) {
                bool known = strncmp(k, "x-", 2) == 0;
                for (size_t i = 0; !known && i < ELEMENTSOF(keys); i++)
                        known = streq(k, keys[i].key);
                if (!known)
                        return compose_svc_fail(v, EINVAL, "key '%s' is not supported", k);
        }
        return 0;
}

/* The argv: docker takes the command alone (the entrypoint apart, NULL: the image's);
 * an image file has no defaults, so a native service needs one. */
static int args_finish(struct compose_svc *v)
{
        if (!v->native) {
                if (v->x->command && v->x->command[0] && !(v->w->args = strv_copy(v->x->command)))
                        return -ENOMEM;
                if (v->x->entrypoint && !(v->w->entrypoint = strv_copy(v->x->entrypoint)))
                        return -ENOMEM;
                return 0;
        }
        STRV_FOREACH (a, v->x->entrypoint)
                if (strv_extend(&v->w->args, *a) < 0)
                        return -ENOMEM;
        STRV_FOREACH (a, v->x->command)
                if (strv_extend(&v->w->args, *a) < 0)
                        return -ENOMEM;
        if (!v->w->args || !v->w->args[0])
                return compose_svc_fail(
                        v, EINVAL,
                        "needs a command (or an entrypoint): an image file (%s) has no "
                        "default command",
                        v->s->image);
        return 0;
}

static int network_finish(struct compose_svc *v)
{
        if (v->native) {
                if (!v->net_host)
                        v->w->namespaces |= BERTH_NS_NET;
                return 0;
        }
        if (v->net_host || v->net_none)
                return 0;
        if (asprintf(&v->w->network, "%s_default", v->c->project_norm) < 0) {
                v->w->network = NULL;
                return -ENOMEM;
        }
        return strv_extend(&v->w->network_aliases, v->name);
}

static void svc_done(struct compose_svc *v)
{
        strv_free(v->cap_add);
        strv_free(v->cap_drop);
}

int compose_service_load(struct compose_ctx *c, json_t *def, struct pod_service *s,
                         struct compose_svc_extra *x)
{
        _cleanup_(svc_done) struct compose_svc v = {
                .c = c, .s = s, .x = x, .w = &s->w, .name = s->name
        };
        int r;

        if (!json_is_object(def))
                return compose_svc_fail(&v, EINVAL, "must be a mapping of keys");
        r = keys_check(&v, def);
        if (r < 0)
                return r;
        r = engine_load(&v, def);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_t *j = json_object_get(def, keys[i].key);

                if (!keys[i].fn || !j || json_is_null(j))
                        continue;
                r = keys[i].fn(&v, keys[i].key, j);
                if (r < 0)
                        return r;
        }
        r = args_finish(&v);
        if (r < 0)
                return r;
        r = network_finish(&v);
        if (r < 0)
                return r;
        if (v.caps_given) {
                r = compose_caps_compute(v.cap_add, v.cap_drop, &s->w.caps, c->err);
                if (r < 0)
                        return compose_svc_prefixed(&v, r, NULL);
                s->w.caps_set = true;
        }
        return 0;
}

void compose_svc_extra_done(struct compose_svc_extra *x)
{
        strv_free(x->command);
        strv_free(x->entrypoint);
        strv_free(x->labels);
        *x = (struct compose_svc_extra){};
}
