/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A compose v3 document (a pod's fileContents) into the normalized document and its
 * services in start order. The document's top level is checked here, each service in
 * compose-service.c; then the names compose 1.29 gives (containers, labels, config
 * hash), the dependencies and the order.
 *
 * Choices where compose leaves room:
 *  - networks, volumes, secrets and configs at the top level are refused: a pod's
 *    services share one network (<project>_default) and bind directories kept under
 *    the pod data root; a named volume "name:/dst" is <data_root>/<project>/_volumes/name.
 *  - an anonymous volume (a bare "/dst") is refused: its data would have no home that
 *    outlives the container.
 *  - depends_on conditions other than service_started are refused (start order only).
 *  - the config hash is over the service as it affects the container: x-* keys and
 *    depends_on are left out, and environment, labels, command and entrypoint are
 *    hashed in their resolved form, so writing a list as a mapping (or a command as
 *    a list) does not recreate the container.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-internal.h"
#include "error.h"
#include "json-util.h"
#include "strv.h"

/* ---- sha256 (FIPS 180-4) ---------------------------------------------------------- */

struct sha256 {
        uint32_t h[8];
        uint8_t buf[64];
        size_t n;
        uint64_t len;
};

static const uint32_t sha256_k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
        return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256 *c, const uint8_t *p)
{
        uint32_t w[64], a[8];

        for (int i = 0; i < 16; i++)
                w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
                uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        memcpy(a, c->h, sizeof(a));
        for (int i = 0; i < 64; i++) {
                uint32_t s1 = ror(a[4], 6) ^ ror(a[4], 11) ^ ror(a[4], 25);
                uint32_t ch = (a[4] & a[5]) ^ (~a[4] & a[6]);
                uint32_t t1 = a[7] + s1 + ch + sha256_k[i] + w[i];
                uint32_t s0 = ror(a[0], 2) ^ ror(a[0], 13) ^ ror(a[0], 22);
                uint32_t maj = (a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]);

                memmove(a + 1, a, 7 * sizeof(a[0]));
                a[4] += t1;
                a[0] = t1 + s0 + maj;
        }
        for (int i = 0; i < 8; i++)
                c->h[i] += a[i];
}

static void sha256_update(struct sha256 *c, const void *data, size_t len)
{
        const uint8_t *p = data;

        c->len += len;
        while (len > 0) {
                size_t n = MIN(len, sizeof(c->buf) - c->n);

                memcpy(c->buf + c->n, p, n);
                c->n += n;
                p += n;
                len -= n;
                if (c->n == sizeof(c->buf)) {
                        sha256_block(c, c->buf);
                        c->n = 0;
                }
        }
}

/* The digest of data as 64 lower-case hex digits into hex[65]. */
static void sha256_hex(const void *data, size_t len, char hex[static 65])
{
        struct sha256 c = { .h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
                                   0x9b05688c, 0x1f83d9ab, 0x5be0cd19 } };
        uint8_t pad[72] = { 0x80 };
        uint64_t bits;
        size_t padlen;

        sha256_update(&c, data, len);
        bits = c.len * 8;
        padlen = (c.n < 56 ? 56 : 120) - c.n;
        for (int i = 0; i < 8; i++)
                pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
        sha256_update(&c, pad, padlen + 8);
        for (int i = 0; i < 8; i++)
                (void)snprintf(hex + 8 * i, 9, "%08x", c.h[i]);
}

/* ---- the document ----------------------------------------------------------------- */

static void ctx_done(struct compose_ctx *c)
{
        free(c->project_norm);
        free(c->data_root);
        free(c->build_root);
        free(c->project_dir);
}

/* compose 1.29: the project lower-cased and [^-_a-z0-9] removed; the '-' and '_' that
 * compose strips in front of the names built from it are stripped here for all uses
 * (a pod's name starts with its prefix "od-pod-" anyway). */
static int project_normalize(const char *project, char **ret)
{
        char *out = malloc(strlen(project) + 1), *q = out;

        if (!out)
                return -ENOMEM;
        for (const char *p = project; *p; p++) {
                char ch = (char)(*p >= 'A' && *p <= 'Z' ? *p | 0x20 : *p);
                if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
                        if (q != out || (ch != '-' && ch != '_'))
                                *q++ = ch;
        }
        *q = 0;
        *ret = out;
        return 0;
}

static int ctx_init(struct compose_ctx *c, const struct pod_compose_opts *o,
                    struct berth_error *err)
{
        int r;

        *c = (struct compose_ctx){ .o = o, .project = o->project, .err = err };
        if (!compose_name_valid(o->project, COMPOSE_ALNUM, COMPOSE_ALNUM "._-", 200))
                return berth_error_set(err, EINVAL,
                                       "project '%s' is not a name ([a-zA-Z0-9][a-zA-Z0-9._-]*)",
                                       o->project ? o->project : "");
        r = project_normalize(o->project, &c->project_norm);
        if (r < 0)
                return r;
        if (!c->project_norm[0])
                return berth_error_set(err, EINVAL, "project '%s' has no letters or digits",
                                       o->project);
        r = compose_path_normalize(o->data_root, &c->data_root);
        if (r == -EINVAL)
                return berth_error_set(err, EINVAL, "the pod data root must be an absolute path");
        if (r < 0)
                return r;
        if (o->build_root) {
                r = compose_path_normalize(o->build_root, &c->build_root);
                if (r == -EINVAL)
                        return berth_error_set(err, EINVAL,
                                               "the build root must be an absolute path");
                if (r < 0)
                        return r;
        }
        if (asprintf(&c->project_dir, "%s%s%s", c->data_root, streq(c->data_root, "/") ? "" : "/",
                     o->project) < 0) {
                c->project_dir = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* "3", "3.8", 3, 3.8, "2.4": compose's file formats 2 and 3, as a string. */
static int version_normalize(json_t *v, json_t **ret, struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        const char *s;
        size_t n;

        if (!v || json_is_null(v))
                text = strdup("3");
        else if (json_is_integer(v) || json_is_real(v))
                text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));
        else if ((s = compose_json_str(v)))
                text = strdup(s);
        else
                return berth_error_set(err, EINVAL, "version must be a string (\"3\", \"3.8\")");
        if (!text)
                return -ENOMEM;
        n = strlen(text);
        if (!((text[0] == '2' || text[0] == '3') &&
              (n == 1 ||
               (n >= 3 && n <= 4 && text[1] == '.' && strspn(text + 2, "0123456789") == n - 2))))
                return berth_error_set(err, EINVAL,
                                       "version '%s' is not supported (compose file format 3.x "
                                       "or 2.x)",
                                       text);
        *ret = json_string(text);
        return *ret ? 0 : -ENOMEM;
}

static int top_keys_check(json_t *fc, struct berth_error *err)
{
        const char *k;
        json_t *v;

        json_object_foreach (fc, k, v) {
                if (streq(k, "version") || streq(k, "services") || strncmp(k, "x-", 2) == 0)
                        continue;
                if (streq(k, "networks") || streq(k, "volumes") || streq(k, "secrets") ||
                    streq(k, "configs"))
                        return berth_error_set(err, EINVAL,
                                               "top-level key '%s' is not supported: a pod's "
                                               "services share its network and bind directories "
                                               "under the pod data root",
                                               k);
                return berth_error_set(err, EINVAL, "top-level key '%s' is not supported", k);
        }
        return 0;
}

static void service_done(struct pod_service *s)
{
        free(s->name);
        free(s->container_name);
        free(s->image);
        free(s->build_context);
        free(s->build_dockerfile);
        strv_free(s->depends_on);
        free(s->config_hash);
        strv_free(s->data_dirs);
        berth_workload_done(&s->w);
}

static void services_free(struct pod_service *s, size_t n)
{
        for (size_t i = 0; s && i < n; i++)
                service_done(&s[i]);
        free(s);
}

static int service_name_check(const char *name, struct berth_error *err)
{
        if (!compose_name_valid(name, COMPOSE_ALNUM "._-", COMPOSE_ALNUM "._-", COMPOSE_NAME_MAX))
                return berth_error_set(err, EINVAL,
                                       "service name '%.80s' must be 1 to %d of "
                                       "[a-zA-Z0-9._-]",
                                       name, COMPOSE_NAME_MAX);
        /* Names become directories under the project's. */
        if (streq(name, ".") || streq(name, "..") || streq(name, "_volumes"))
                return berth_error_set(err, EINVAL, "service name '%s' is reserved", name);
        return 0;
}

/* The service as it affects its container, hashed (see the top of the file). */
static int service_hash(json_t *def, const struct pod_service *s, const struct compose_svc_extra *x,
                        char **ret)
{
        json_auto_t *c = json_deep_copy(def);
        _cleanup_free_ char *text = NULL;
        const char *k;
        json_t *v;
        void *tmp;
        char hex[65];

        if (!c)
                return -ENOMEM;
        json_object_foreach_safe(c, tmp, k,
                                 v) if (strncmp(k, "x-", 2) == 0 || streq(k, "depends_on"))(void)
                json_object_del(c, k);
        if ((x->has_env &&
             json_object_set_new(c, "environment", berth_strv_to_json(s->w.env)) < 0) ||
            (x->has_labels &&
             json_object_set_new(c, "labels", berth_strv_to_json(x->labels)) < 0) ||
            (x->command && json_object_set_new(c, "command", berth_strv_to_json(x->command)) < 0) ||
            (x->entrypoint &&
             json_object_set_new(c, "entrypoint", berth_strv_to_json(x->entrypoint)) < 0))
                return -ENOMEM;
        text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text)
                return -ENOMEM;
        sha256_hex(text, strlen(text), hex);
        *ret = strdup(hex);
        return *ret ? 0 : -ENOMEM;
}

static int labels_finish(const struct compose_ctx *c, struct pod_service *s,
                         struct compose_svc_extra *x)
{
        char *l[7] = {};
        int r = 0;

        s->w.labels = TAKE_PTR(x->labels);
        if (asprintf(&l[0], "com.docker.compose.project=%s", c->project_norm) < 0 ||
            asprintf(&l[1], "com.docker.compose.service=%s", s->name) < 0 ||
            asprintf(&l[2], "com.docker.compose.container-number=1") < 0 ||
            asprintf(&l[3], "com.docker.compose.oneoff=False") < 0 ||
            asprintf(&l[4], "com.docker.compose.config-hash=%s", s->config_hash) < 0 ||
            asprintf(&l[5], "com.docker.compose.version=1.29.2") < 0 ||
            asprintf(&l[6], "com.docker.compose.project.working_dir=%s", c->project_dir) < 0)
                r = -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(l); i++) {
                if (r < 0 || !l[i]) {
                        free(r < 0 ? l[i] : NULL);
                        r = -ENOMEM;
                        continue;
                }
                r = strv_consume(&s->w.labels, l[i]);
        }
        return r;
}

static int service_one(struct compose_ctx *c, const char *name, json_t *def, json_t **ret_norm,
                       struct pod_service *s)
{
        _cleanup_(compose_svc_extra_done) struct compose_svc_extra x = {};
        json_auto_t *norm = NULL;
        int r;

        r = service_name_check(name, c->err);
        if (r < 0)
                return r;
        s->name = strdup(name);
        if (!s->name)
                return -ENOMEM;
        berth_workload_init(&s->w);
        /* The normalized copy: compose_service_load rewrites relative volume sources. */
        norm = json_is_object(def) ? json_deep_copy(def) : json_incref(def);
        if (!norm)
                return -ENOMEM;
        r = compose_service_load(c, norm, s, &x);
        if (r < 0)
                return r;
        if (!s->container_name &&
            asprintf(&s->container_name, "%s_%s_1", c->project_norm, s->name) < 0) {
                s->container_name = NULL;
                return -ENOMEM;
        }
        r = service_hash(norm, s, &x, &s->config_hash);
        if (r < 0)
                return r;
        r = labels_finish(c, s, &x);
        if (r < 0)
                return r;
        *ret_norm = TAKE_PTR(norm);
        return 0;
}

static struct pod_service *find(struct pod_service *s, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (streq(s[i].name, name))
                        return &s[i];
        return NULL;
}

static int names_check(struct pod_service *s, size_t n, struct berth_error *err)
{
        for (size_t i = 0; i < n; i++) {
                STRV_FOREACH (d, s[i].depends_on)
                        if (!find(s, n, *d))
                                return berth_error_set(err, EINVAL,
                                                       "service '%s': depends_on names '%s', "
                                                       "which is not a service of the pod",
                                                       s[i].name, *d);
                for (size_t j = 0; j < i; j++)
                        if (strcasecmp(s[i].container_name, s[j].container_name) == 0)
                                return berth_error_set(err, EINVAL,
                                                       "services '%s' and '%s' have the same "
                                                       "container name '%s'",
                                                       s[j].name, s[i].name, s[i].container_name);
        }
        return 0;
}

/* A dependency cycle among the services not placed: follow unplaced dependencies from
 * one of them until a service repeats, and name the loop. */
static int cycle_error(struct pod_service *s, size_t n, const bool *placed, struct berth_error *err)
{
        char msg[BERTH_ERROR_MSG_MAX] = "";
        size_t path[COMPOSE_SERVICES_MAX + 1], len = 0, cur = 0, start = 0;

        while (placed[cur])
                cur++;
        for (;;) {
                bool seen = false;
                for (size_t i = 0; i < len && !seen; i++)
                        if (path[i] == cur)
                                start = i, seen = true;
                if (seen || len > n)
                        break;
                path[len++] = cur;
                STRV_FOREACH (d, s[cur].depends_on) {
                        size_t k = (size_t)(find(s, n, *d) - s);
                        if (!placed[k]) {
                                cur = k;
                                break;
                        }
                }
        }
        for (size_t i = start; i < len; i++) {
                size_t m = strlen(msg);
                (void)snprintf(msg + m, sizeof(msg) - m, "'%s' -> ", s[path[i]].name);
        }
        return berth_error_set(err, EINVAL, "a dependency cycle among the services: %s'%s'", msg,
                               s[path[start]].name);
}

/* Kahn's order; among the services ready to start, the first by name. */
static int start_order(struct pod_service *s, size_t n, size_t *order, struct berth_error *err)
{
        bool placed[COMPOSE_SERVICES_MAX] = {};

        for (size_t k = 0; k < n; k++) {
                size_t best = n;

                for (size_t i = 0; i < n; i++) {
                        bool ready = !placed[i];
                        STRV_FOREACH (d, s[i].depends_on)
                                ready = ready && placed[find(s, n, *d) - s];
                        if (ready && (best == n || strcmp(s[i].name, s[best].name) < 0))
                                best = i;
                }
                if (best == n)
                        return cycle_error(s, n, placed, err);
                placed[best] = true;
                order[k] = best;
        }
        return 0;
}

struct service_list {
        struct pod_service *s;
        size_t n;
};

static void service_list_free(struct service_list *l)
{
        services_free(l->s, l->n);
}

static int load(json_t *fc, struct compose_ctx *c, struct pod_compose *ret)
{
        _cleanup_(service_list_free) struct service_list l = {};
        json_auto_t *doc = NULL, *services_norm = NULL, *version = NULL;
        size_t order[COMPOSE_SERVICES_MAX], n;
        struct pod_service *sorted;
        json_t *services, *def;
        const char *name;
        int r;

        if (!json_is_object(fc))
                return berth_error_set(c->err, EINVAL, "the compose document must be a mapping");
        r = top_keys_check(fc, c->err);
        if (r < 0)
                return r;
        r = version_normalize(json_object_get(fc, "version"), &version, c->err);
        if (r < 0)
                return r;
        services = json_object_get(fc, "services");
        if (!json_is_object(services) || json_object_size(services) == 0)
                return berth_error_set(c->err, EINVAL,
                                       "services must be a mapping of at least one service");
        n = json_object_size(services);
        if (n > COMPOSE_SERVICES_MAX)
                return berth_error_set(c->err, EINVAL, "a pod has at most %d services",
                                       COMPOSE_SERVICES_MAX);
        doc = json_deep_copy(fc);
        services_norm = json_object();
        l.s = calloc(n, sizeof(*l.s));
        if (!doc || !services_norm || !l.s)
                return -ENOMEM;
        l.n = n;
        json_object_foreach (services, name, def) {
                json_t *norm = NULL;
                size_t i = (size_t)(json_object_size(services_norm));

                r = service_one(c, name, def, &norm, &l.s[i]);
                if (r < 0)
                        return r;
                if (json_object_set_new(services_norm, name, norm) < 0)
                        return -ENOMEM;
        }
        r = names_check(l.s, n, c->err);
        if (r < 0)
                return r;
        r = start_order(l.s, n, order, c->err);
        if (r < 0)
                return r;
        if (json_object_set(doc, "version", version) < 0 ||
            json_object_set(doc, "services", services_norm) < 0)
                return -ENOMEM;
        sorted = calloc(n, sizeof(*sorted));
        if (!sorted)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                sorted[k] = l.s[order[k]];
        free(TAKE_PTR(l.s));
        *ret = (struct pod_compose){ .doc = TAKE_PTR(doc), .services = sorted, .n_services = n };
        return 0;
}

int pod_compose_load(json_t *file_contents, const struct pod_compose_opts *o,
                     struct pod_compose *ret, struct berth_error *err)
{
        struct compose_ctx c;
        int r;

        assert(o);
        assert(ret);
        r = ctx_init(&c, o, err);
        if (r >= 0)
                r = load(file_contents, &c, ret);
        ctx_done(&c);
        if (r == -ENOMEM)
                return berth_error_set(err, ENOMEM, "compose: out of memory");
        return r;
}

void pod_compose_done(struct pod_compose *c)
{
        if (!c)
                return;
        json_decref(c->doc);
        services_free(c->services, c->n_services);
        *c = (struct pod_compose){};
}

const struct pod_service *pod_compose_service(const struct pod_compose *c, const char *name)
{
        for (size_t i = 0; c && name && i < c->n_services; i++)
                if (streq(c->services[i].name, name))
                        return &c->services[i];
        return NULL;
}
