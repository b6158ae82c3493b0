/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The syntax of single compose values: paths, ports, durations, sizes, capabilities
 * and image references. Pure; the messages name the value and the caller adds the
 * service.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "compose-internal.h"
#include "error.h"
#include "strv.h"

const char *compose_json_str(json_t *v)
{
        const char *s = json_string_value(v);

        if (!s || strlen(s) != json_string_length(v))
                return NULL;
        return s;
}

bool compose_name_valid(const char *s, const char *first, const char *rest, size_t max)
{
        size_t n;

        if (!s || !s[0] || !strchr(first, s[0]))
                return false;
        n = strlen(s);
        return n <= max && strspn(s + 1, rest) == n - 1;
}

/* ---- paths ---------------------------------------------------------------------- */

int compose_path_normalize(const char *path, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t n = 0;
        const char *p = path;

        if (!path || path[0] != '/')
                return -EINVAL;
        out = malloc(strlen(path) + 2);
        if (!out)
                return -ENOMEM;
        while (*p) {
                size_t len;

                p += strspn(p, "/");
                len = strcspn(p, "/");
                if (len == 0)
                        break;
                if (len == 1 && p[0] == '.')
                        ;
                else if (len == 2 && p[0] == '.' && p[1] == '.') {
                        while (n > 0 && out[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--;
                } else {
                        out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                }
                p += len;
        }
        if (n == 0)
                out[n++] = '/';
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

bool compose_path_below(const char *path, const char *root)
{
        size_t n = strlen(root);

        if (streq(root, "/"))
                return path[0] == '/' && path[1] != 0;
        return strncmp(path, root, n) == 0 && path[n] == '/' && path[n + 1] != 0;
}

int compose_relpath_clean(const char *rel, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t n = 0;
        const char *p = rel;

        if (!rel || rel[0] == '/')
                return -EINVAL;
        out = malloc(strlen(rel) + 1);
        if (!out)
                return -ENOMEM;
        while (*p) {
                size_t len;

                p += strspn(p, "/");
                len = strcspn(p, "/");
                if (len == 0)
                        break;
                if (len == 2 && p[0] == '.' && p[1] == '.')
                        return -EPERM;
                if (!(len == 1 && p[0] == '.')) {
                        if (n > 0)
                                out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                }
                p += len;
        }
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- ports ---------------------------------------------------------------------- */

void compose_port_done(struct berth_wl_port *p)
{
        free(p->host_ip);
        free(p->proto);
        *p = (struct berth_wl_port){};
}

static int port_number(const char *s, size_t len, unsigned min, uint16_t *ret)
{
        unsigned long v = 0;

        if (len == 0 || len > 5)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned long)(s[i] - '0');
        }
        if (v < min || v > 65535)
                return -EINVAL;
        *ret = (uint16_t)v;
        return 0;
}

/* "80" or "8000-8010". */
static int port_range(const char *s, size_t len, unsigned min, uint16_t *lo, uint16_t *hi)
{
        const char *dash = memchr(s, '-', len);

        if (!dash) {
                if (port_number(s, len, min, lo) < 0)
                        return -EINVAL;
                *hi = *lo;
                return 0;
        }
        if (port_number(s, (size_t)(dash - s), min, lo) < 0 ||
            port_number(dash + 1, len - (size_t)(dash - s) - 1, min, hi) < 0 || *hi < *lo)
                return -EINVAL;
        return 0;
}

static int port_proto(const char *proto, char **ret)
{
        if (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp"))
                return -EINVAL;
        *ret = strdup(proto);
        return *ret ? 0 : -ENOMEM;
}

static int port_ip(const char *s, size_t len, char **ret)
{
        char buf[INET6_ADDRSTRLEN + 1];
        unsigned char addr[16];

        if (len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = 0;
        if (inet_pton(AF_INET, buf, addr) != 1 && inet_pton(AF_INET6, buf, addr) != 1)
                return -EINVAL;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* Ranges: a container range needs a host range of the same length (or none); a host
 * range with one container port lets the engine pick one of the range. */
static int port_ranges_check(const struct berth_wl_port *p)
{
        if (p->port_end != p->port && p->host_port != 0 &&
            p->host_port_end - p->host_port != p->port_end - p->port)
                return -EINVAL;
        return 0;
}

int compose_port_parse(const char *spec, struct berth_wl_port *ret, struct berth_error *err)
{
        _cleanup_(compose_port_done) struct berth_wl_port p = {};
        _cleanup_free_ char *s = NULL;
        char *slash, *c, *host = NULL;
        int r;

        s = strdup(spec);
        if (!s)
                return -ENOMEM;
        slash = strchr(s, '/');
        if (slash) {
                *slash = 0;
                r = port_proto(slash + 1, &p.proto);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return berth_error_set(err, EINVAL,
                                               "port '%s': the protocol must be tcp, udp or sctp",
                                               spec);
        } else if (!(p.proto = strdup("tcp")))
                return -ENOMEM;

        /* The container part is after the last ':', the host part before it, and the
         * address (IPv6 in brackets or bare) before that. */
        c = strrchr(s, ':');
        if (c) {
                *c++ = 0;
                host = strrchr(s, ':');
                if (host) {
                        const char *ip = s;
                        size_t iplen;

                        *host++ = 0;
                        iplen = strlen(ip);
                        if (iplen >= 2 && ip[0] == '[' && ip[iplen - 1] == ']')
                                ip++, iplen -= 2;
                        r = port_ip(ip, iplen, &p.host_ip);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return berth_error_set(err, EINVAL,
                                                       "port '%s': '%s' is not an IP address", spec,
                                                       s);
                } else
                        host = s;
        } else
                c = s;

        if (port_range(c, strlen(c), 1, &p.port, &p.port_end) < 0)
                return berth_error_set(err, EINVAL,
                                       "port '%s': the container port must be a port (1-65535) "
                                       "or a range of them (8000-8010)",
                                       spec);
        if (host && host[0] &&
            port_range(host, strlen(host), 1, &p.host_port, &p.host_port_end) < 0)
                return berth_error_set(err, EINVAL,
                                       "port '%s': the host port must be a port (1-65535) or a "
                                       "range of them",
                                       spec);
        if (port_ranges_check(&p) < 0)
                return berth_error_set(err, EINVAL,
                                       "port '%s': the host range and the container range differ "
                                       "in length",
                                       spec);
        *ret = p;
        p = (struct berth_wl_port){};
        return 0;
}

static int long_port_number(json_t *v, unsigned min, uint16_t *lo, uint16_t *hi)
{
        const char *s;

        if (json_is_integer(v)) {
                json_int_t n = json_integer_value(v);
                if (n < (json_int_t)min || n > 65535)
                        return -EINVAL;
                *lo = *hi = (uint16_t)n;
                return 0;
        }
        s = compose_json_str(v);
        if (!s)
                return -EINVAL;
        return port_range(s, strlen(s), min, lo, hi);
}

int compose_port_parse_long(json_t *o, struct berth_wl_port *ret, struct berth_error *err)
{
        static const char *const keys[] = { "target",   "published", "host_ip",
                                            "protocol", "mode",      NULL };
        _cleanup_(compose_port_done) struct berth_wl_port p = {};
        const char *key, *s;
        json_t *v;
        int r;

        json_object_foreach (o, key, v) {
                bool known = false;
                for (size_t i = 0; keys[i]; i++)
                        known = known || streq(key, keys[i]);
                if (!known)
                        return berth_error_set(err, EINVAL, "port: key '%s' is not supported", key);
        }
        v = json_object_get(o, "target");
        if (!v || long_port_number(v, 1, &p.port, &p.port_end) < 0)
                return berth_error_set(err, EINVAL,
                                       "port: 'target' must be a container port (1-65535)");
        v = json_object_get(o, "published");
        if (v && !json_is_null(v) && long_port_number(v, 1, &p.host_port, &p.host_port_end) < 0)
                return berth_error_set(err, EINVAL,
                                       "port: 'published' must be a port (1-65535) or a range");
        v = json_object_get(o, "host_ip");
        if (v && !json_is_null(v)) {
                s = compose_json_str(v);
                r = s ? port_ip(s, strlen(s), &p.host_ip) : -EINVAL;
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return berth_error_set(err, EINVAL,
                                               "port: 'host_ip' must be an IP address");
        }
        v = json_object_get(o, "protocol");
        s = v && !json_is_null(v) ? compose_json_str(v) : "tcp";
        r = s ? port_proto(s, &p.proto) : -EINVAL;
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return berth_error_set(err, EINVAL, "port: 'protocol' must be tcp, udp or sctp");
        v = json_object_get(o, "mode");
        s = v && !json_is_null(v) ? compose_json_str(v) : "ingress";
        /* Swarm's modes: a single engine publishes on its host either way. */
        if (!s || (!streq(s, "ingress") && !streq(s, "host")))
                return berth_error_set(err, EINVAL, "port: 'mode' must be ingress or host");
        if (port_ranges_check(&p) < 0)
                return berth_error_set(err, EINVAL,
                                       "port: the published range and the target range differ "
                                       "in length");
        *ret = p;
        p = (struct berth_wl_port){};
        return 0;
}

/* ---- durations and sizes -------------------------------------------------------- */

int compose_duration_parse(const char *s, uint64_t *ret_ns)
{
        static const struct {
                const char *unit;
                uint64_t ns;
        } units[] = {
                /* Longest first: "ms" before "m". */
                { "ns", 1 },
                { "us", 1000 },
                { "\xc2\xb5s", 1000 }, /* µs, micro sign */
                { "\xce\xbcs", 1000 }, /* μs, Greek mu */
                { "ms", 1000000 },
                { "s", 1000000000 },
                { "m", UINT64_C(60000000000) },
                { "h", UINT64_C(3600000000000) },
        };
        long double total = 0;

        if (!s || !s[0])
                return -EINVAL;
        if (streq(s, "0")) {
                *ret_ns = 0;
                return 0;
        }
        while (*s) {
                long double v = 0, scale = 1;
                size_t digits = 0, best = 0;
                uint64_t mult = 0;

                for (; *s >= '0' && *s <= '9'; s++, digits++)
                        v = v * 10 + (*s - '0');
                if (*s == '.')
                        for (s++; *s >= '0' && *s <= '9'; s++, digits++)
                                v += (*s - '0') * (scale /= 10);
                if (digits == 0)
                        return -EINVAL;
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t n = strlen(units[i].unit);
                        if (n > best && strncmp(s, units[i].unit, n) == 0)
                                best = n, mult = units[i].ns;
                }
                if (best == 0)
                        return -EINVAL;
                s += best;
                total += v * mult;
                if (total > (long double)INT64_MAX)
                        return -ERANGE;
        }
        *ret_ns = (uint64_t)total;
        return 0;
}

int compose_bytes_parse(json_t *v, uint64_t *ret)
{
        const char *s, *p;
        long double n = 0, scale = 1;
        size_t digits = 0;
        uint64_t mult = 1;

        if (json_is_integer(v)) {
                if (json_integer_value(v) <= 0)
                        return -EINVAL;
                *ret = (uint64_t)json_integer_value(v);
                return 0;
        }
        s = compose_json_str(v);
        if (!s)
                return -EINVAL;
        for (p = s; *p >= '0' && *p <= '9'; p++, digits++)
                n = n * 10 + (*p - '0');
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                        n += (*p - '0') * (scale /= 10);
        if (digits == 0 || digits > 30)
                return -EINVAL;
        if (*p == ' ')
                p++;
        if (*p) {
                const char *units = "bkmgtp", *u = strchr(units, *p | 0x20);

                if (!u || !*u)
                        return -EINVAL;
                for (const char *i = units; i < u; i++)
                        mult *= 1024;
                p++;
                /* "1g", "1gb", "1GiB"; "b" alone is bytes. */
                if (mult > 1 && (*p | 0x20) == 'i')
                        p++;
                if (mult > 1 && (*p | 0x20) == 'b')
                        p++;
                if (*p)
                        return -EINVAL;
        }
        n *= mult;
        if (n < 1 || n > (long double)INT64_MAX)
                return -EINVAL;
        *ret = (uint64_t)n;
        return 0;
}

/* ---- capabilities --------------------------------------------------------------- */

static int cap_lookup(const char *name, int *ret)
{
        char buf[64];
        cap_value_t v;

        if (!name[0] || strspn(name, "0123456789") == strlen(name))
                return -EINVAL;
        if (strncasecmp(name, "cap_", 4) == 0)
                name += 4;
        if (snprintf(buf, sizeof(buf), "cap_%s", name) >= (int)sizeof(buf))
                return -EINVAL;
        for (char *c = buf; *c; c++)
                *c = (char)(*c >= 'A' && *c <= 'Z' ? *c | 0x20 : *c);
        if (cap_from_name(buf, &v) < 0 || v < 0 || v > CAP_LAST_CAP)
                return -EINVAL;
        *ret = v;
        return 0;
}

static bool is_all(const char *s)
{
        return strcasecmp(s, "ALL") == 0 || strcasecmp(s, "CAP_ALL") == 0;
}

static int caps_mask(char *const *l, const char *what, uint64_t *ret, bool *ret_all,
                     struct berth_error *err)
{
        *ret = 0;
        *ret_all = false;
        STRV_FOREACH (s, l) {
                int v;

                if (is_all(*s)) {
                        *ret_all = true;
                        continue;
                }
                if (cap_lookup(*s, &v) < 0)
                        return berth_error_set(err, EINVAL, "%s: unknown capability '%s'", what,
                                               *s);
                *ret |= UINT64_C(1) << v;
        }
        return 0;
}

int compose_caps_compute(char *const *add, char *const *drop, uint64_t *ret,
                         struct berth_error *err)
{
        uint64_t a, d, all = (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1;
        bool add_all, drop_all;
        int r;

        r = caps_mask(add, "cap_add", &a, &add_all, err);
        if (r < 0)
                return r;
        r = caps_mask(drop, "cap_drop", &d, &drop_all, err);
        if (r < 0)
                return r;
        /* As docker's TweakCapabilities: adding ALL keeps all but the drops; dropping ALL
         * keeps the adds only; else the default set minus the drops plus the adds. */
        if (add_all)
                *ret = all & ~d;
        else if (drop_all)
                *ret = a;
        else
                *ret = (COMPOSE_CAPS_DOCKER_DEFAULT & ~d) | a;
        return 0;
}

/* ---- image references ----------------------------------------------------------- */

#define LOWER_PATH "abcdefghijklmnopqrstuvwxyz0123456789._-"

static bool ref_component_ok(const char *s, size_t len, bool domain)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                bool ok = strchr(LOWER_PATH, c) && c;
                if (domain)
                        ok = ok || (c >= 'A' && c <= 'Z') || c == ':';
                if (!ok)
                        return false;
        }
        return strchr(COMPOSE_ALNUM, s[0]) != NULL;
}

int compose_image_ref_check(const char *ref, struct berth_error *err)
{
        const char *at, *name_end, *last_slash, *colon, *p;
        size_t len = strlen(ref);
        bool first = true;

        if (len == 0 || len > 255)
                return berth_error_set(err, EINVAL, "image '%.64s': a reference is 1 to 255 bytes",
                                       ref);
        at = strchr(ref, '@');
        name_end = at ? at : ref + len;
        last_slash = memrchr(ref, '/', (size_t)(name_end - ref));
        colon = memrchr(ref, ':', (size_t)(name_end - ref));
        if (colon && (!last_slash || colon > last_slash)) {
                /* A tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
                size_t n = (size_t)(name_end - colon - 1);
                if (n == 0 || n > 128 || colon[1] == '.' || colon[1] == '-' ||
                    strspn(colon + 1, COMPOSE_ALNUM "_.-") < n)
                        return berth_error_set(err, EINVAL, "image '%s': the tag is not valid",
                                               ref);
                name_end = colon;
        }
        if (at && (strchr(at + 1, ':') == NULL ||
                   strspn(at + 1, COMPOSE_ALNUM "+._-:") != strlen(at + 1)))
                return berth_error_set(err, EINVAL, "image '%s': a digest is <algorithm>:<hex>",
                                       ref);
        /* The first component is a registry (upper case and a port allowed) when it has a
         * '.' or a ':' or is localhost, and more follow. */
        for (p = ref; p < name_end;) {
                const char *slash = memchr(p, '/', (size_t)(name_end - p));
                size_t n = (size_t)((slash ? slash : name_end) - p);
                bool domain = first && slash &&
                              (memchr(p, '.', n) || memchr(p, ':', n) ||
                               (n == 9 && strncmp(p, "localhost", 9) == 0));

                if (!ref_component_ok(p, n, domain))
                        return berth_error_set(err, EINVAL,
                                               "image '%s': a repository is lower-case letters, "
                                               "digits and . _ - between slashes",
                                               ref);
                first = false;
                p += n + (slash ? 1 : 0);
                if (slash && p == name_end)
                        return berth_error_set(err, EINVAL, "image '%s': ends with '/'", ref);
        }
        return 0;
}
