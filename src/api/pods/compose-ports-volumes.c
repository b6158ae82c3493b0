/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A service's network_mode, ports and volumes: what the network and the host's
 * directories give the container. Bind sources are confined to the pod data root.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "compose-internal.h"
#include "error.h"
#include "strv.h"

/* ---- network, ports, volumes ------------------------------------------------------ */

int compose_key_network_mode(struct compose_svc *v, const char *key, json_t *j)
{
        const char *s = compose_json_str(j);

        if (!s)
                return compose_svc_type_error(v, key, "a string");
        if (strncmp(s, "service:", 8) == 0 || strncmp(s, "container:", 10) == 0)
                return compose_svc_fail(
                        v, EINVAL, "network_mode '%s' is not supported (bridge, host or none)", s);
        if (!streq(s, "bridge") && !streq(s, "host") && !streq(s, "none"))
                return compose_svc_fail(v, EINVAL,
                                        "network_mode '%s' is not one of bridge, host, none", s);
        v->net_host = streq(s, "host");
        v->net_none = streq(s, "none");
        if (v->native) {
                if (streq(s, "bridge"))
                        return compose_svc_fail(
                                v, EINVAL,
                                "network_mode bridge is not available on the native engine "
                                "(host, or none: a network namespace with only lo)");
                return 0;
        }
        v->w->network_mode = strdup(s);
        return v->w->network_mode ? 0 : -ENOMEM;
}

static int port_add(struct compose_svc *v, struct berth_wl_port *p)
{
        struct berth_wl_port *n;

        n = reallocarray(v->w->ports, v->w->n_ports + 1, sizeof(*n));
        if (!n) {
                compose_port_done(p);
                return -ENOMEM;
        }
        v->w->ports = n;
        v->w->ports[v->w->n_ports++] = *p;
        return 0;
}

/* With the host's network a container publishes nothing: its ports are the host's. A
 * mapping the host's network gives anyway ("5432:5432", as the seed's postgres recipe
 * writes it) is accepted and needs no publishing; any other mapping cannot be honoured
 * and is refused rather than silently dropped. */
static int port_on_host(struct compose_svc *v, const struct berth_wl_port *p)
{
        if (p->host_ip || p->host_port != p->port || p->host_port_end != p->port_end)
                return compose_svc_fail(
                        v, EINVAL,
                        "key 'ports' does not go with network_mode host: the container "
                        "uses the host's ports as they are (only a mapping of a port to "
                        "itself, like \"%u:%u\", is accepted there)",
                        p->port, p->port);
        return 0;
}

int compose_key_ports(struct compose_svc *v, const char *key, json_t *j)
{
        json_t *item;
        size_t i;
        int r;

        if (!json_is_array(j))
                return compose_svc_type_error(v, key, "a list");
        if (v->native && json_array_size(j) > 0)
                return compose_svc_not_native(v, key,
                                              "it publishes no ports: use network_mode host");
        if (json_array_size(j) > COMPOSE_LIST_MAX)
                return compose_svc_fail(v, EINVAL, "key '%s' has more than %d items", key,
                                        COMPOSE_LIST_MAX);
        if (v->net_none && json_array_size(j) > 0)
                return compose_svc_fail(v, EINVAL,
                                        "key 'ports' does not go with network_mode none");
        json_array_foreach (j, i, item) {
                _cleanup_(compose_port_done) struct berth_wl_port p = {};
                const char *s = compose_json_str(item);
                char buf[16];

                if (json_is_integer(item)) {
                        (void)snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
                                       json_integer_value(item));
                        s = buf;
                }
                if (s)
                        r = compose_port_parse(s, &p, v->c->err);
                else if (json_is_object(item))
                        r = compose_port_parse_long(item, &p, v->c->err);
                else
                        return compose_svc_type_error(v, key,
                                                      "a list of strings, numbers or mappings");
                if (r < 0)
                        return compose_svc_prefixed(v, r, NULL);
                if (v->net_host) {
                        r = port_on_host(v, &p);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = port_add(v, &p);
                p = (struct berth_wl_port){};
                if (r < 0)
                        return r;
        }
        return 0;
}

static int data_dir_add(struct compose_svc *v, const char *dir)
{
        if (strv_contains(v->s->data_dirs, dir))
                return 0;
        return strv_extend(&v->s->data_dirs, dir);
}

/* Where a volume's source is on the host: an absolute path (below the data root unless
 * host paths are allowed), ./rel under the service's directory, a name under the
 * project's _volumes/. *ret_rewrite says whether the document should show the result. */
static int volume_source(struct compose_svc *v, const char *src, char **ret, bool *ret_rewrite)
{
        _cleanup_free_ char *path = NULL, *rel = NULL;
        int r;

        *ret_rewrite = false;
        if (src[0] == '/') {
                r = compose_path_normalize(src, &path);
                if (r < 0)
                        return r;
                if (!compose_path_below(path, v->c->data_root) && !v->c->o->allow_host_paths)
                        return compose_svc_fail(v, EPERM,
                                                "volume source %s is outside the pod data root %s",
                                                src, v->c->data_root);
        } else if (src[0] == '~')
                return compose_svc_fail(v, EINVAL,
                                        "volume source '%s': '~' paths are not supported", src);
        else if (src[0] == '.' || strchr(src, '/')) {
                r = compose_relpath_clean(src, &rel);
                if (r == -EPERM)
                        return compose_svc_fail(
                                v, EPERM,
                                "volume source '%s' leaves the service's data directory "
                                "%s/%s ('..')",
                                src, v->c->project_dir, v->name);
                if (r < 0)
                        return r;
                if (asprintf(&path, "%s/%s%s%s", v->c->project_dir, v->name, rel[0] ? "/" : "",
                             rel) < 0)
                        return -ENOMEM;
                *ret_rewrite = true;
        } else {
                if (!compose_name_valid(src, COMPOSE_ALNUM, COMPOSE_ALNUM "_.-", 255))
                        return compose_svc_fail(
                                v, EINVAL,
                                "volume source '%s': a named volume is letters, digits, "
                                "'_', '.' and '-' (write ./%s for a directory of the "
                                "service)",
                                src, src);
                if (asprintf(&path, "%s/_volumes/%s", v->c->project_dir, src) < 0)
                        return -ENOMEM;
        }
        if (strlen(path) >= PATH_MAX)
                return compose_svc_fail(v, EINVAL, "volume source '%.64s...' is too long", src);
        if (compose_path_below(path, v->c->data_root)) {
                r = data_dir_add(v, path);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(path);
        return 0;
}

static int volume_mode(struct compose_svc *v, const char *spec, const char *mode,
                       struct berth_wl_mount *m)
{
        static const struct {
                const char *name;
                unsigned long flags;
        } props[] = {
                { "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
                { "shared", MS_SHARED },   { "rshared", MS_SHARED | MS_REC },
                { "slave", MS_SLAVE },     { "rslave", MS_SLAVE | MS_REC },
        };
        _cleanup_free_ char *copy = strdup(mode);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                bool known = false;

                if (streq(o, "ro"))
                        m->flags |= BERTH_WL_MOUNT_RO, known = true;
                else if (streq(o, "rw"))
                        m->flags &= ~BERTH_WL_MOUNT_RO, known = true;
                else if (streq(o, "nocopy") || streq(o, "cached") || streq(o, "delegated") ||
                         streq(o, "consistent"))
                        known = true; /* no meaning for a bind on Linux */
                for (size_t i = 0; i < ELEMENTSOF(props); i++)
                        if (streq(o, props[i].name))
                                m->propagation = props[i].flags, known = true;
                if (!known)
                        return compose_svc_fail(
                                v, EINVAL,
                                "volume '%s': mode '%s' is not supported (ro, rw, and a "
                                "propagation)",
                                spec, o);
        }
        return 0;
}

static int mount_add(struct compose_svc *v, struct berth_wl_mount *m)
{
        struct berth_wl_mount *n;

        for (size_t i = 0; i < v->w->n_mounts; i++)
                if (streq(v->w->mounts[i].destination, m->destination))
                        return compose_svc_fail(v, EINVAL, "two volumes mount on %s",
                                                m->destination);
        n = reallocarray(v->w->mounts, v->w->n_mounts + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        v->w->mounts = n;
        v->w->mounts[v->w->n_mounts++] = *m;
        *m = (struct berth_wl_mount){};
        return 0;
}

static void mount_clear(struct berth_wl_mount *m)
{
        free(m->source);
        free(m->destination);
}

static bool has_dotdot(const char *p)
{
        for (const char *c = p; (c = strstr(c, "..")); c += 2)
                if ((c == p || c[-1] == '/') && (c[2] == '/' || c[2] == 0))
                        return true;
        return false;
}

/* An absolute path without "..", not / itself; kept normalized. */
static int volume_target(struct compose_svc *v, const char *spec, const char *dst, char **ret)
{
        int r;

        if (has_dotdot(dst))
                return compose_svc_fail(v, EINVAL, "volume '%s': the target must not hold '..'",
                                        spec);
        r = compose_path_normalize(dst, ret);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || streq(*ret, "/") || strlen(*ret) >= PATH_MAX)
                return compose_svc_fail(v, EINVAL,
                                        "volume '%s': the target must be an absolute path (not /)",
                                        spec);
        return 0;
}

/* "src:dst[:mode]"; a relative source is rewritten in the document (*ret_doc). */
static int volume_short(struct compose_svc *v, const char *spec, json_t **ret_doc)
{
        _cleanup_(mount_clear) struct berth_wl_mount m = { .kind = BERTH_WL_BIND,
                                                           .flags = BERTH_WL_MOUNT_RECURSIVE };
        _cleanup_free_ char *copy = strdup(spec);
        char *dst, *mode;
        bool rewrite;
        int r;

        if (!copy)
                return -ENOMEM;
        dst = strchr(copy, ':');
        if (!dst)
                return compose_svc_fail(
                        v, EINVAL,
                        "volume '%s' has no source: anonymous volumes are not supported "
                        "(write <name>:%s for a named volume, kept with the pod's data)",
                        spec, spec);
        *dst++ = 0;
        mode = strchr(dst, ':');
        if (mode)
                *mode++ = 0;
        if (mode && strchr(mode, ':'))
                return compose_svc_fail(v, EINVAL, "volume '%s' is not source:target[:mode]", spec);
        if (!copy[0])
                return compose_svc_fail(v, EINVAL, "volume '%s' has an empty source", spec);
        r = volume_source(v, copy, &m.source, &rewrite);
        if (r < 0)
                return r;
        r = volume_target(v, spec, dst, &m.destination);
        if (r < 0)
                return r;
        if (mode) {
                r = volume_mode(v, spec, mode, &m);
                if (r < 0)
                        return r;
        }
        if (rewrite) {
                /* The source as it resolved, then ":dst[:mode]" as written. */
                _cleanup_free_ char *s = NULL;

                if (asprintf(&s, "%s%s", m.source, spec + strlen(copy)) < 0)
                        return -ENOMEM;
                r = mount_add(v, &m);
                if (r < 0)
                        return r;
                *ret_doc = json_string(s);
                return *ret_doc ? 0 : -ENOMEM;
        }
        return mount_add(v, &m);
}

/* {type: bind|volume, source, target, read_only}. */
static int volume_long(struct compose_svc *v, json_t *o)
{
        _cleanup_(mount_clear) struct berth_wl_mount m = { .kind = BERTH_WL_BIND,
                                                           .flags = BERTH_WL_MOUNT_RECURSIVE };
        const char *key, *type = NULL, *src = NULL, *dst = NULL;
        json_t *val;
        bool rewrite;
        int r;

        json_object_foreach (o, key, val) {
                if (streq(key, "read_only")) {
                        if (!json_is_boolean(val))
                                return compose_svc_fail(v, EINVAL,
                                                        "volume: 'read_only' must be a boolean");
                        if (json_is_true(val))
                                m.flags |= BERTH_WL_MOUNT_RO;
                        continue;
                }
                if (!streq(key, "type") && !streq(key, "source") && !streq(key, "target"))
                        return compose_svc_fail(
                                v, EINVAL,
                                "volume: key '%s' is not supported (type, source, target, "
                                "read_only)",
                                key);
                if (!compose_json_str(val))
                        return compose_svc_fail(v, EINVAL, "volume: '%s' must be a string", key);
                *(streq(key, "type")     ? &type
                  : streq(key, "source") ? &src
                                         : &dst) = compose_json_str(val);
        }
        if (!type || (!streq(type, "bind") && !streq(type, "volume")))
                return compose_svc_fail(v, EINVAL, "volume: 'type' must be bind or volume");
        if (!src || !src[0] || !dst)
                return compose_svc_fail(v, EINVAL, "volume: 'source' and 'target' are required");
        if (streq(type, "bind") && src[0] != '/' && src[0] != '.')
                return compose_svc_fail(v, EINVAL,
                                        "volume: a bind source is a path ('/…' or './…'), not '%s'",
                                        src);
        if (streq(type, "volume") && (src[0] == '/' || src[0] == '.' || strchr(src, '/')))
                return compose_svc_fail(v, EINVAL, "volume: a volume source is a name, not '%s'",
                                        src);
        r = volume_source(v, src, &m.source, &rewrite);
        if (r < 0)
                return r;
        r = volume_target(v, dst, dst, &m.destination);
        if (r < 0)
                return r;
        if (rewrite && json_object_set_new(o, "source", json_string(m.source)) < 0)
                return -ENOMEM;
        return mount_add(v, &m);
}

int compose_key_volumes(struct compose_svc *v, const char *key, json_t *j)
{
        json_t *item;
        size_t i;
        int r;

        if (!json_is_array(j))
                return compose_svc_type_error(v, key, "a list");
        if (json_array_size(j) > COMPOSE_LIST_MAX)
                return compose_svc_fail(v, EINVAL, "key '%s' has more than %d items", key,
                                        COMPOSE_LIST_MAX);
        json_array_foreach (j, i, item) {
                const char *s = compose_json_str(item);
                json_t *doc = NULL;

                if (s)
                        r = volume_short(v, s, &doc);
                else if (json_is_object(item))
                        r = volume_long(v, item);
                else
                        return compose_svc_type_error(v, key, "a list of strings or mappings");
                if (r < 0)
                        return r;
                if (doc && json_array_set_new(j, i, doc) < 0)
                        return -ENOMEM;
        }
        return 0;
}
