/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * docker/cli 20.10's formatters, cli/command/formatter/container.go (ps),
 * cli/command/container/formatter_stats.go and stats_helpers.go (stats),
 * cli/command/node/formatter.go (node ls), and docker/go-units (sizes, durations),
 * rewritten over the Engine API's JSON. Where Go iterates a map (Labels, Networks) its
 * order is random; here it is sorted.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "src-format.h"
#include "strbuf.h"

static bool startswith(const char *s, const char *p)
{
        return strncmp(s, p, strlen(p)) == 0;
}

static const char *str(const json_t *o, const char *k)
{
        const char *s = json_string_value(json_object_get(o, k));
        return s ? s : "";
}

static double num(const json_t *o, const char *k)
{
        return json_number_value(json_object_get(o, k));
}

/* go-units getSizeAndUnit */
static const char *size_unit(double *size, double base, const char *const *units, size_t n)
{
        size_t i = 0;

        while (*size >= base && i < n - 1) {
                *size /= base;
                i++;
        }
        return units[i];
}

void src_bytes_size(char *buf, size_t size, double bytes)
{
        static const char *const u[] = {
                "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"
        };
        const char *unit = size_unit(&bytes, 1024.0, u, ELEMENTSOF(u));

        (void)snprintf(buf, size, "%.4g%s", bytes, unit);
}

void src_human_size(char *buf, size_t size, double bytes, int precision)
{
        static const char *const u[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
        const char *unit = size_unit(&bytes, 1000.0, u, ELEMENTSOF(u));

        (void)snprintf(buf, size, "%.*g%s", precision, bytes, unit);
}

void src_human_duration(char *buf, size_t size, double d)
{
        long s = (long)d, minutes = (long)(d / 60), hours;

        if (s < 1)
                (void)snprintf(buf, size, "Less than a second");
        else if (s == 1)
                (void)snprintf(buf, size, "1 second");
        else if (s < 60)
                (void)snprintf(buf, size, "%ld seconds", s);
        else if (minutes == 1)
                (void)snprintf(buf, size, "About a minute");
        else if (minutes < 60)
                (void)snprintf(buf, size, "%ld minutes", minutes);
        else if ((hours = (long)(d / 3600 + 0.5)) == 1)
                (void)snprintf(buf, size, "About an hour");
        else if (hours < 48)
                (void)snprintf(buf, size, "%ld hours", hours);
        else if (hours < 24 * 7 * 2)
                (void)snprintf(buf, size, "%ld days", hours / 24);
        else if (hours < 24 * 30 * 2)
                (void)snprintf(buf, size, "%ld weeks", hours / 24 / 7);
        else if (hours < 24 * 365 * 2)
                (void)snprintf(buf, size, "%ld months", hours / 24 / 30);
        else
                (void)snprintf(buf, size, "%ld years", (long)(d / 3600) / 24 / 365);
}

/* One UTF-8 sequence at s: its code point and length (a bad byte counts as itself). */
static size_t utf8_next(const unsigned char *s, unsigned *ret)
{
        size_t n = s[0] < 0x80         ? 1
                   : (s[0] >> 5) == 6  ? 2
                   : (s[0] >> 4) == 14 ? 3
                   : (s[0] >> 3) == 30 ? 4
                                       : 1;
        unsigned c = n == 1 ? s[0] : s[0] & (0x7f >> n);

        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80) {
                        *ret = s[0];
                        return 1;
                }
                c = (c << 6) | (s[i] & 0x3f);
        }
        *ret = c;
        return n;
}

/* golang.org/x/text/width: East Asian Wide and Fullwidth take two columns. */
static int char_width(unsigned c)
{
        if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
            (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
            (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
            (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
            (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
            (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
            (c >= 0x20000 && c <= 0x3fffd))
                return 2;
        return 1;
}

/* formatter.Ellipsis: s cut to max display columns, the last one a "…". */
static void ellipsis(struct strbuf *b, const char *s, int max)
{
        const unsigned char *p = (const unsigned char *)s;
        int total = 0;
        unsigned c;

        for (size_t i = 0; p[i];) {
                i += utf8_next(p + i, &c);
                total += char_width(c);
        }
        if (total <= max) {
                strbuf_printf(b, "%s", s);
                return;
        }
        for (size_t i = 0, w = 0; p[i];) {
                size_t n = utf8_next(p + i, &c);

                w += (size_t)char_width(c);
                if (w > (size_t)max - 1)
                        break;
                strbuf_printf(b, "%.*s", (int)n, (const char *)p + i);
                i += n;
        }
        strbuf_printf(b, "…");
}

/* strconv.Quote, for valid UTF-8 of printable characters and ASCII controls. */
static void go_quote(struct strbuf *b, const char *s)
{
        strbuf_printf(b, "\"");
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                const char *e = strchr("\a\b\f\n\r\t\v", *p);

                if (*p == '"' || *p == '\\')
                        strbuf_printf(b, "\\%c", *p);
                else if (*p && e)
                        strbuf_printf(b, "\\%c", "abfnrtv"[e - "\a\b\f\n\r\t\v"]);
                else if (*p < 0x20 || *p == 0x7f)
                        strbuf_printf(b, "\\x%02x", *p);
                else
                        strbuf_printf(b, "%c", *p);
        }
        strbuf_printf(b, "\"");
}

static int set_buf(json_t *o, const char *k, struct strbuf *b)
{
        int r;

        if (b->oom)
                r = -1;
        else
                r = json_object_set_new(o, k, json_string(b->p ? b->p : ""));
        strbuf_wipe(b);
        return r;
}

static int set_str(json_t *o, const char *k, const char *v)
{
        return json_object_set_new(o, k, json_string(v));
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The object's keys (or "k=v"), sorted, joined by ",". */
static void join_keys(struct strbuf *b, const json_t *o, bool with_values)
{
        const char *k;
        json_t *v;
        size_t n = 0, i = 0;
        char **l;

        if (!json_is_object(o) || json_object_size(o) == 0)
                return;
        l = calloc(json_object_size(o), sizeof(char *));
        if (!l) {
                b->oom = true;
                return;
        }
        json_object_foreach ((json_t *)o, k, v) {
                char *s = NULL;

                if (with_values ? asprintf(&s, "%s=%s", k, json_string_value(v) ?: "") < 0
                                : !(s = strdup(k)))
                        b->oom = true;
                else
                        l[n++] = s;
        }
        qsort(l, n, sizeof(char *), cmp_str);
        for (i = 0; i < n; i++) {
                strbuf_printf(b, "%s%s", i ? "," : "", l[i]);
                free(l[i]);
        }
        free(l);
}

static int cmp_port(const void *a, const void *b)
{
        const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
        double px = num(x, "PrivatePort"), py = num(y, "PrivatePort");
        int c;

        if (px != py)
                return px < py ? -1 : 1;
        c = strcmp(str(x, "IP"), str(y, "IP"));
        if (c)
                return c;
        px = num(x, "PublicPort"), py = num(y, "PublicPort");
        if (px != py)
                return px < py ? -1 : 1;
        return strcmp(str(x, "Type"), str(y, "Type"));
}

struct port_group {
        char key[80];
        long first, last;
};

static void form_group(struct strbuf *b, const struct port_group *g, bool *sep)
{
        const char *slash = strrchr(g->key, '/');
        char range[48];

        if (g->first != g->last)
                (void)snprintf(range, sizeof(range), "%ld-%ld", g->first, g->last);
        else
                (void)snprintf(range, sizeof(range), "%ld", g->first);
        strbuf_printf(b, "%s", *sep ? ", " : "");
        *sep = true;
        if (slash)
                strbuf_printf(b, "%.*s:%s->%s/%s", (int)(slash - g->key), g->key, range, range,
                              slash + 1);
        else
                strbuf_printf(b, "%s/%s", range, g->key);
}

/* formatter.DisplayablePorts: runs of ports grouped by IP and protocol, then the
 * mappings to another host port. */
static void ports(struct strbuf *b, const json_t *list)
{
        size_t n = json_array_size(list), n_groups = 0, i, j;
        _cleanup_free_ const json_t **p = NULL;
        _cleanup_free_ struct port_group *g = NULL;
        struct strbuf maps = {};
        bool sep = false;

        if (n == 0)
                return;
        p = calloc(n, sizeof(*p));
        g = calloc(n, sizeof(*g));
        if (!p || !g) {
                b->oom = true;
                return;
        }
        for (i = 0; i < n; i++)
                p[i] = json_array_get(list, i);
        qsort(p, n, sizeof(*p), cmp_port);
        for (i = 0; i < n; i++) {
                long cur = (long)num(p[i], "PrivatePort"), pub = (long)num(p[i], "PublicPort");
                const char *ip = str(p[i], "IP"), *type = str(p[i], "Type");
                char key[80];

                if (*ip && pub != cur) {
                        bool v6 = strchr(ip, ':') != NULL;

                        strbuf_printf(&maps, "%s%s%s%s:%ld->%ld/%s",
                                      maps.len || maps.oom ? ", " : "", v6 ? "[" : "", ip,
                                      v6 ? "]" : "", pub, cur, type);
                        continue;
                }
                if (*ip)
                        (void)snprintf(key, sizeof(key), "%s/%s", ip, type);
                else
                        (void)snprintf(key, sizeof(key), "%s", type);
                for (j = 0; j < n_groups && !streq(g[j].key, key); j++)
                        ;
                if (j == n_groups) {
                        (void)snprintf(g[j].key, sizeof(g[j].key), "%s", key);
                        g[j].first = g[j].last = cur;
                        n_groups++;
                } else if (cur == g[j].last + 1) {
                        g[j].last = cur;
                } else {
                        form_group(b, &g[j], &sep);
                        g[j].first = g[j].last = cur;
                }
        }
        for (j = 0; j < n_groups; j++)
                form_group(b, &g[j], &sep);
        if (maps.p)
                strbuf_printf(b, "%s%s", sep ? ", " : "", maps.p);
        if (maps.oom)
                b->oom = true;
        strbuf_wipe(&maps);
}

/* ContainerContext.Image with trunc: the short id when the image is the image id, else
 * the reference without its digest and without docker.io/library/. */
static void image(struct strbuf *b, const json_t *item)
{
        const char *img = str(item, "Image"), *id = str(item, "ImageID"), *at;
        size_t n;

        if (!*img) {
                strbuf_printf(b, "<no image>");
                return;
        }
        if (startswith(img, "sha256:"))
                img += 7;
        if (startswith(id, "sha256:"))
                id += 7;
        if (strlen(img) >= 12 && strncmp(img, id, 12) == 0 &&
            strspn(img, "0123456789abcdef") >= 12 && (strlen(img) == 12 || strlen(img) == 64)) {
                strbuf_printf(b, "%.12s", img);
                return;
        }
        img = str(item, "Image");
        at = strchr(img, '@');
        n = at ? (size_t)(at - img) : strlen(img);
        if (startswith(img, "docker.io/library/"))
                img += 18, n -= 18;
        else if (startswith(img, "docker.io/"))
                img += 10, n -= 10;
        strbuf_printf(b, "%.*s", (int)n, img);
}

static int ps_names_mounts(json_t *o, const json_t *item)
{
        struct strbuf b = {};
        const json_t *v;
        size_t i, local = 0;
        int r = 0;

        /* Names: the first one without a '/' (links are "/other/alias"). */
        json_array_foreach (json_object_get(item, "Names"), i, v) {
                const char *s = json_string_value(v);

                s = s && s[0] == '/' ? s + 1 : s ?: "";
                if (!strchr(s, '/')) {
                        strbuf_printf(&b, "%s", s);
                        break;
                }
        }
        r |= set_buf(o, "Names", &b);
        json_array_foreach (json_object_get(item, "Mounts"), i, v) {
                const char *name = str(v, "Name");

                if (streq(str(v, "Driver"), "local"))
                        local++;
                if (i)
                        strbuf_printf(&b, ",");
                ellipsis(&b, *name ? name : str(v, "Source"), 15);
        }
        r |= set_buf(o, "Mounts", &b);
        strbuf_printf(&b, "%zu", local);
        r |= set_buf(o, "LocalVolumes", &b);
        return r;
}

json_t *src_ps_json(const json_t *item, uint64_t now_usec)
{
        json_auto_t *o = json_object();
        struct strbuf b = {};
        time_t created;
        struct tm tm;
        char t[128], rw[32], rootfs[32];
        int r = 0;

        if (!o || !json_is_object(item))
                return NULL;
        strbuf_printf(&b, "%s", "");
        ellipsis(&b, str(item, "Command"), 20);
        {
                struct strbuf q = {};

                go_quote(&q, b.p ? b.p : "");
                q.oom |= b.oom;
                strbuf_wipe(&b);
                r |= set_buf(o, "Command", &q);
        }
        created = (time_t)num(item, "Created");
        if (!localtime_r(&created, &tm) || !strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S %z %Z", &tm))
                t[0] = 0;
        r |= set_str(o, "CreatedAt", t);
        strbuf_printf(&b, "%.12s", str(item, "Id"));
        r |= set_buf(o, "ID", &b);
        image(&b, item);
        r |= set_buf(o, "Image", &b);
        join_keys(&b, json_object_get(item, "Labels"), true);
        r |= set_buf(o, "Labels", &b);
        r |= ps_names_mounts(o, item);
        join_keys(&b, json_object_get(json_object_get(item, "NetworkSettings"), "Networks"), false);
        r |= set_buf(o, "Networks", &b);
        ports(&b, json_object_get(item, "Ports"));
        r |= set_buf(o, "Ports", &b);
        src_human_duration(t, sizeof(t) - 4, (double)now_usec / 1e6 - (double)created);
        strcat(t, " ago");
        r |= set_str(o, "RunningFor", t);
        src_human_size(rw, sizeof(rw), num(item, "SizeRw"), 3);
        src_human_size(rootfs, sizeof(rootfs), num(item, "SizeRootFs"), 3);
        if (num(item, "SizeRootFs") > 0)
                strbuf_printf(&b, "%s (virtual %s)", rw, rootfs);
        else
                strbuf_printf(&b, "%s", rw);
        r |= set_buf(o, "Size", &b);
        r |= set_str(o, "State", str(item, "State"));
        r |= set_str(o, "Status", str(item, "Status"));
        return r ? NULL : TAKE_PTR(o);
}

static double get_path(const json_t *o, const char *a, const char *b, const char *c)
{
        o = json_object_get(o, a);
        if (b)
                o = json_object_get(o, b);
        return c ? num(o, c) : json_number_value(o);
}

/* stats_helpers.go: calculateCPUPercentUnix, calculateMemUsageUnixNoCache (v1:
 * total_inactive_file when below usage, v2: inactive_file), calculateBlockIO,
 * calculateNetwork. */
json_t *src_stats_json(const json_t *s, const char *container)
{
        json_auto_t *o = json_object();
        const json_t *cpu = json_object_get(s, "cpu_stats"),
                     *mem = json_object_get(s, "memory_stats"), *ms = json_object_get(mem, "stats"),
                     *v, *inact;
        double cpu_delta, sys_delta, ncpu, pct = 0, usage, used, limit, rd = 0, wr = 0, rx = 0,
                                           tx = 0;
        char a[32], c[32], buf[96];
        const char *name = str(s, "name"), *k;
        size_t i;
        int r = 0;

        if (!o || !json_is_object(s))
                return NULL;
        cpu_delta = get_path(cpu, "cpu_usage", NULL, "total_usage") -
                    get_path(s, "precpu_stats", "cpu_usage", "total_usage");
        sys_delta = num(cpu, "system_cpu_usage") -
                    get_path(s, "precpu_stats", NULL, "system_cpu_usage");
        ncpu = num(cpu, "online_cpus");
        if (ncpu == 0)
                ncpu = (double)json_array_size(
                        json_object_get(json_object_get(cpu, "cpu_usage"), "percpu_usage"));
        if (sys_delta > 0 && cpu_delta > 0)
                pct = cpu_delta / sys_delta * ncpu * 100.0;
        usage = num(mem, "usage");
        used = usage;
        if ((inact = json_object_get(ms, "total_inactive_file")) &&
            json_number_value(inact) < usage)
                used = usage - json_number_value(inact);
        else if (json_number_value(json_object_get(ms, "inactive_file")) < usage)
                used = usage - json_number_value(json_object_get(ms, "inactive_file"));
        limit = num(mem, "limit");
        json_array_foreach (
                json_object_get(json_object_get(s, "blkio_stats"), "io_service_bytes_recursive"), i,
                v) {
                const char *op = str(v, "op");

                if (*op == 'r' || *op == 'R')
                        rd += num(v, "value");
                else if (*op == 'w' || *op == 'W')
                        wr += num(v, "value");
        }
        json_object_foreach ((json_t *)json_object_get(s, "networks"), k, v) {
                rx += num(v, "rx_bytes");
                tx += num(v, "tx_bytes");
        }
        src_human_size(a, sizeof(a), rd, 3);
        src_human_size(c, sizeof(c), wr, 3);
        (void)snprintf(buf, sizeof(buf), "%s / %s", a, c);
        r |= set_str(o, "BlockIO", buf);
        (void)snprintf(buf, sizeof(buf), "%.2f%%", pct);
        r |= set_str(o, "CPUPerc", buf);
        (void)snprintf(buf, sizeof(buf), "%.12s", str(s, "id"));
        r |= set_str(o, "Container", container ? container : buf);
        r |= set_str(o, "ID", buf);
        (void)snprintf(buf, sizeof(buf), "%.2f%%", limit != 0 ? used / limit * 100.0 : 0.0);
        r |= set_str(o, "MemPerc", buf);
        src_bytes_size(a, sizeof(a), used);
        src_bytes_size(c, sizeof(c), limit);
        (void)snprintf(buf, sizeof(buf), "%s / %s", a, c);
        r |= set_str(o, "MemUsage", buf);
        r |= set_str(o, "Name", strlen(name) > 1 ? name + 1 : "--");
        src_human_size(a, sizeof(a), rx, 3);
        src_human_size(c, sizeof(c), tx, 3);
        (void)snprintf(buf, sizeof(buf), "%s / %s", a, c);
        r |= set_str(o, "NetIO", buf);
        (void)snprintf(buf, sizeof(buf), "%.0f", get_path(s, "pids_stats", NULL, "current"));
        r |= set_str(o, "PIDs", buf);
        return r ? NULL : TAKE_PTR(o);
}

/* command.PrettyPrint: strings.Title, each word's first letter in upper case. */
static int set_title(json_t *o, const char *k, const char *v)
{
        _cleanup_free_ char *s = strdup(v);

        if (!s)
                return -1;
        for (char *p = s; *p; p++)
                if (p == s || isspace((unsigned char)p[-1]))
                        *p = (char)toupper((unsigned char)*p);
        return set_str(o, k, s);
}

json_t *src_node_json(const json_t *node, const json_t *info)
{
        json_auto_t *o = json_object();
        const json_t *desc = json_object_get(node, "Description"),
                     *mgr = json_object_get(node, "ManagerStatus"),
                     *swarm = json_object_get(info, "Swarm"), *ours, *theirs;
        const char *id = str(node, "ID"), *tls = "Unknown";
        int r = 0;

        if (!o || !json_is_object(node))
                return NULL;
        ours = json_object_get(json_object_get(swarm, "Cluster"), "TLSInfo");
        theirs = json_object_get(desc, "TLSInfo");
        if (json_object_size(ours) > 0 && json_object_size(theirs) > 0)
                tls = json_equal((json_t *)ours, (json_t *)theirs) ? "Ready" : "Needs Rotation";
        r |= set_title(o, "Availability", str(json_object_get(node, "Spec"), "Availability"));
        r |= set_str(o, "EngineVersion", str(json_object_get(desc, "Engine"), "EngineVersion"));
        r |= set_str(o, "Hostname", str(desc, "Hostname"));
        r |= set_str(o, "ID", id);
        r |= set_title(o, "ManagerStatus",
                       !mgr                                           ? ""
                       : json_is_true(json_object_get(mgr, "Leader")) ? "leader"
                                                                      : str(mgr, "Reachability"));
        r |= json_object_set_new(o, "Self", json_boolean(*id && streq(id, str(swarm, "NodeID"))));
        r |= set_title(o, "Status", str(json_object_get(node, "Status"), "State"));
        r |= set_str(o, "TLSStatus", tls);
        return r ? NULL : TAKE_PTR(o);
}

int src_json_add_unique(json_t *l, const char *s)
{
        json_t *x;
        size_t i;

        json_array_foreach (l, i, x)
                if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
                        return 0;
        return json_array_append_new(l, json_string(s)) < 0 ? -ENOMEM : 0;
}
