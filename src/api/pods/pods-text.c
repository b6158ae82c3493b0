/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seed's CLI text, as docker-compose 1.29 prints it (pods-text.h). The rules are
 * compose's and texttable's (python3-texttable 1.6, compose/cli/formatter.py,
 * compose/container.py, compose/cli/log_printer.py, compose/parallel.py), followed to the
 * byte where the seed shows an example.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "macro.h"
#include "pods-text.h"
#include "strbuf.h"

/* ---- small helpers -------------------------------------------------------------- */

/* Code points in the first len bytes. */
static size_t width_n(const char *s, size_t len)
{
        size_t n = 0;

        for (size_t i = 0; i < len; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80)
                        n++;
        return n;
}

static size_t width(const char *s)
{
        return s ? width_n(s, strlen(s)) : 0;
}

static void pad(struct strbuf *b, size_t n)
{
        if (n > 0)
                strbuf_printf(b, "%*s", (int)MIN(n, (size_t)INT32_MAX), "");
}

/* Append len bytes, control characters as spaces (a table cell, one line). */
static void append_clean(struct strbuf *b, const char *s, size_t len)
{
        if (len == 0 || strbuf_grow(b, MAX(b->size, b->len + len + 1)) < 0)
                return;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                b->p[b->len++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
        b->p[b->len] = 0;
}

static bool is_blank(unsigned char c)
{
        return c <= 0x20 || c == 0x7f;
}

/* ---- tables ----------------------------------------------------------------------- */

/* A cell as texttable draws it: a blank cell is empty, and textwrap drops the blanks at
 * its end (the column's width still counts them). */
static void put_cell(struct strbuf *b, const char *s, size_t col_width, bool centre)
{
        size_t len = s ? strlen(s) : 0, w, fill, left;

        while (len > 0 && is_blank((unsigned char)s[len - 1]))
                len--;
        w = width_n(s ? s : "", len);
        fill = col_width > w ? col_width - w : 0;
        left = centre ? fill / 2 : 0;
        pad(b, left);
        append_clean(b, s, len);
        pad(b, fill - left);
}

static void put_row(struct strbuf *b, const char *const *cells, const size_t *widths, size_t n_cols,
                    bool header)
{
        for (size_t c = 0; c < n_cols; c++) {
                put_cell(b, cells[c], widths[c], header);
                if (c + 1 < n_cols)
                        strbuf_printf(b, "   ");
        }
        strbuf_printf(b, "\n");
}

void pods_text_table(struct strbuf *b, const char *const *headers, size_t n_cols,
                     const char *const *cells, size_t n_rows)
{
        _cleanup_free_ size_t *widths = NULL;
        size_t total = 0;

        if (n_cols == 0)
                return;
        widths = calloc(n_cols, sizeof(size_t));
        if (!widths) {
                b->oom = true;
                return;
        }
        for (size_t c = 0; c < n_cols; c++) {
                widths[c] = width(headers[c]);
                for (size_t r = 0; r < n_rows; r++)
                        widths[c] = MAX(widths[c], width(cells[r * n_cols + c]));
                total += widths[c] + (c > 0 ? 3 : 0);
        }
        put_row(b, headers, widths, n_cols, true);
        if (strbuf_grow(b, MAX(b->size, b->len + total + 2)) < 0)
                return;
        memset(b->p + b->len, '-', total);
        b->len += total;
        b->p[b->len] = 0;
        strbuf_printf(b, "\n");
        for (size_t r = 0; r < n_rows; r++)
                put_row(b, cells + r * n_cols, widths, n_cols, false);
}

static int cmp_ps_row(const void *a, const void *b)
{
        const struct pods_ps_row *x = a, *y = b;

        return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

void pods_text_ps(struct strbuf *b, const struct pods_ps_row *rows, size_t n)
{
        static const char *const headers[] = { "Name", "Command", "State", "Ports" };
        _cleanup_free_ struct pods_ps_row *sorted = NULL;
        _cleanup_free_ const char **cells = NULL;

        sorted = n ? calloc(n, sizeof(*sorted)) : NULL;
        cells = n ? calloc(n * 4, sizeof(char *)) : NULL;
        if (n && (!sorted || !cells)) {
                b->oom = true;
                return;
        }
        if (n)
                memcpy(sorted, rows, n * sizeof(*rows));
        /* Python's sort is stable; qsort is not, but equal names are one container. */
        if (n > 1)
                qsort(sorted, n, sizeof(*sorted), cmp_ps_row);
        for (size_t i = 0; i < n; i++) {
                cells[i * 4] = sorted[i].name;
                cells[i * 4 + 1] = sorted[i].command;
                cells[i * 4 + 2] = sorted[i].state;
                cells[i * 4 + 3] = sorted[i].ports;
        }
        pods_text_table(b, headers, ELEMENTSOF(headers), cells, n);
}

/* ---- the ps columns ------------------------------------------------------------ */

char *pods_text_command(char *const *entrypoint, char *const *args)
{
        struct strbuf b = {};
        char *const *lists[] = { entrypoint, args };
        bool first = true;

        for (size_t l = 0; l < ELEMENTSOF(lists); l++)
                for (char *const *p = lists[l]; p && *p; p++) {
                        strbuf_printf(&b, "%s%s", first ? "" : " ", *p);
                        first = false;
                }
        if (!b.oom && !b.p)
                strbuf_printf(&b, "%s", "");
        if (b.oom) {
                strbuf_wipe(&b);
                return NULL;
        }
        if (width(b.p) > 30) {
                size_t cut = 0, cps = 0;

                /* The first 26 code points: up to where the 27th begins. */
                for (; b.p[cut]; cut++)
                        if (((unsigned char)b.p[cut] & 0xc0) != 0x80 && cps++ == 26)
                                break;
                b.len = cut;
                b.p[cut] = 0;
                strbuf_printf(&b, " ...");
                if (b.oom) {
                        strbuf_wipe(&b);
                        return NULL;
                }
        }
        return b.p;
}

const char *pods_text_state(const struct pods_state_in *in, char *buf, size_t size)
{
        int code;

        if (in->state == BERTH_CONTAINER_PAUSED)
                return "Paused";
        if (in->restarting)
                return "Restarting";
        if (in->state == BERTH_CONTAINER_RUNNING || in->state == BERTH_CONTAINER_STOPPING) {
                if (!in->health || !*in->health)
                        return "Up";
                if (streq(in->health, "starting"))
                        return "Up (health: starting)";
                (void)snprintf(buf, size, "Up (%s)", in->health);
                return buf;
        }
        code = in->exit_code >= 0 ? in->exit_code : in->signal > 0 ? 128 + in->signal : 0;
        (void)snprintf(buf, size, "Exit %d", code);
        return buf;
}

struct port_key {
        char key[64]; /* "3000/tcp" */
        size_t index;
};

static int cmp_port_key(const void *a, const void *b)
{
        const struct port_key *x = a, *y = b;
        int r = strcmp(x->key, y->key);

        return r ? r : (x->index > y->index) - (x->index < y->index);
}

char *pods_text_ports(const struct pods_port *ports, size_t n)
{
        _cleanup_free_ struct port_key *keys = NULL;
        struct strbuf b = {};

        keys = n ? calloc(n, sizeof(*keys)) : NULL;
        if (n && !keys)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                (void)snprintf(keys[i].key, sizeof(keys[i].key), "%u/%s", ports[i].port,
                               ports[i].proto ? ports[i].proto : "tcp");
                keys[i].index = i;
        }
        if (n > 1)
                qsort(keys, n, sizeof(*keys), cmp_port_key);
        strbuf_printf(&b, "%s", "");
        for (size_t i = 0; i < n;) {
                size_t end = i, published = 0;

                while (end < n && streq(keys[end].key, keys[i].key))
                        published += ports[keys[end++].index].host_port > 0;
                strbuf_printf(&b, "%s", i > 0 ? ", " : "");
                if (published == 0)
                        strbuf_printf(&b, "%s", keys[i].key);
                for (size_t k = i, first = 1; k < end; k++) {
                        const struct pods_port *p = &ports[keys[k].index];

                        if (p->host_port == 0)
                                continue;
                        strbuf_printf(&b, "%s%s:%u->%s", first ? "" : ",",
                                      p->host_ip ? p->host_ip : "0.0.0.0", p->host_port,
                                      keys[k].key);
                        first = 0;
                }
                i = end;
        }
        if (b.oom) {
                strbuf_wipe(&b);
                return NULL;
        }
        return b.p;
}

/* ---- top ------------------------------------------------------------------------- */

int pods_text_top(struct strbuf *b, const char *name, const json_t *top)
{
        const json_t *titles = json_object_get(top, "Titles");
        const json_t *procs = json_object_get(top, "Processes");
        _cleanup_free_ const char **headers = NULL, **cells = NULL;
        size_t n_cols, n_rows;

        if (!json_is_array(titles) || (procs && !json_is_null(procs) && !json_is_array(procs)))
                return -EINVAL;
        n_cols = json_array_size(titles);
        n_rows = json_array_size(procs);
        headers = calloc(n_cols + 1, sizeof(char *));
        cells = calloc(n_cols * n_rows + 1, sizeof(char *));
        if (!headers || !cells)
                return -ENOMEM;
        for (size_t c = 0; c < n_cols; c++) {
                headers[c] = json_string_value(json_array_get(titles, c));
                if (!headers[c])
                        return -EINVAL;
        }
        for (size_t r = 0; r < n_rows; r++) {
                const json_t *row = json_array_get(procs, r);

                if (!json_is_array(row))
                        return -EINVAL;
                for (size_t c = 0; c < n_cols && c < json_array_size(row); c++) {
                        cells[r * n_cols + c] = json_string_value(json_array_get(row, c));
                        if (!cells[r * n_cols + c])
                                return -EINVAL;
                }
        }
        append_clean(b, name, strlen(name));
        strbuf_printf(b, "\n");
        pods_text_table(b, headers, n_cols, cells, n_rows);
        return b->oom ? -ENOMEM : 0;
}

/* ---- logs ------------------------------------------------------------------------ */

char *pods_text_log_label(const char *project, const char *service, const char *container)
{
        size_t np = strlen(project), ns = strlen(service);
        char *s;

        /* compose's name_without_project: "<project>_<service>" begins the name. */
        if (strncmp(container, project, np) == 0 && container[np] == '_' &&
            strncmp(container + np + 1, service, ns) == 0) {
                if (asprintf(&s, "%s_1", service) < 0)
                        return NULL;
                return s;
        }
        return strdup(container);
}

size_t pods_text_log_width(const char *const *services, size_t n)
{
        size_t w = 0;

        for (size_t i = 0; i < n; i++)
                w = MAX(w, width(services[i]));
        return w + 3;
}

void pods_text_log_prefix(struct strbuf *b, const char *label, size_t w)
{
        size_t lw = width(label);

        strbuf_printf(b, "%s", label);
        pad(b, w > lw ? w - lw : 0);
        strbuf_printf(b, " | ");
}

void pods_text_attaching(struct strbuf *b, const char *const *containers, size_t n)
{
        strbuf_printf(b, "Attaching to ");
        for (size_t i = 0; i < n; i++)
                strbuf_printf(b, "%s%s", i > 0 ? ", " : "", containers[i]);
        strbuf_printf(b, "\n");
}

/* ---- steps --------------------------------------------------------------------- */

void pods_steps_done(struct pods_step *steps, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(steps[i].container);
                free(steps[i].error);
        }
        free(steps);
}

/* "{:<{width}} ... {status}" of "<verb> <name>". */
static void step_line(struct strbuf *b, const char *verb, const char *name, size_t w,
                      const char *status)
{
        size_t lw = width(verb) + 1 + width(name);

        strbuf_printf(b, "%s %s", verb, name);
        pad(b, w > lw ? w - lw : 0);
        strbuf_printf(b, " ... %s", status);
}

void pods_text_steps(struct strbuf *b, const char *verb, const struct pods_step *steps, size_t n)
{
        size_t w = 0;

        for (size_t i = 0; i < n; i++)
                w = MAX(w, width(verb) + 1 + width(steps[i].container));
        strbuf_printf(b, "%s", "");
        for (size_t i = 0; i < n; i++) {
                step_line(b, verb, steps[i].container, w, "");
                strbuf_printf(b, "\r\n");
        }
        for (size_t i = 0; i < n; i++) {
                strbuf_printf(b, "\r");
                step_line(b, verb, steps[i].container, w, steps[i].error ? "error" : "done");
                strbuf_printf(b, "\r");
        }
        for (size_t i = 0; i < n; i++)
                if (steps[i].error)
                        strbuf_printf(b, "\nERROR: for %s  %s\n", steps[i].container,
                                      steps[i].error);
}

void pods_text_down(struct strbuf *b, const char *const *stopped, size_t n_stopped,
                    const char *const *removed, size_t n_removed)
{
        size_t w = 0;

        for (size_t i = 0; i < n_stopped; i++)
                w = MAX(w, strlen("Stopping ") + width(stopped[i]));
        for (size_t i = 0; i < n_removed; i++)
                w = MAX(w, strlen("Removing ") + width(removed[i]));
        strbuf_printf(b, "%s", "");
        for (size_t i = 0; i < n_stopped; i++) {
                step_line(b, "Stopping", stopped[i], w, "done");
                strbuf_printf(b, "\n");
        }
        for (size_t i = 0; i < n_removed; i++) {
                step_line(b, "Removing", removed[i], w, "done");
                strbuf_printf(b, "\n");
        }
}

/* ---- UTF-8 and keys ----------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at s (at most len bytes), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
        uint32_t cp;
        size_t n;

        if (s[0] > 0 && s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates, beyond U+10FFFF. */
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

char *pods_text_utf8(const char *s, size_t len, size_t *ret_len)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t bad = 0, o = 0;
        char *out;

        for (size_t i = 0; i < len;) {
                size_t k = utf8_seq(u + i, len - i);
                bad += k == 0;
                i += k ? k : 1;
        }
        if (bad > (SIZE_MAX - len - 1) / 2)
                return NULL;
        out = malloc(len + bad * 2 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < len;) {
                size_t k = utf8_seq(u + i, len - i);

                if (k == 0) {
                        memcpy(out + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                        continue;
                }
                memcpy(out + o, s + i, k);
                o += k;
                i += k;
        }
        out[o] = 0;
        if (ret_len)
                *ret_len = o;
        return out;
}

static bool in_list(const char *const *l, const char *s)
{
        for (; l && *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

int pods_check_keys(json_t *o, const char *what, const char *const *allowed,
                    struct berth_error *err)
{
        struct strbuf b = {};
        const char *key;
        size_t n = 0;
        json_t *v;
        int r;

        if (!json_is_object(o))
                return berth_error_set(err, EINVAL, "%s must be a JSON object", what);
        json_object_foreach (o, key, v)
                if (!in_list(allowed, key))
                        strbuf_printf(&b, "%s'%.64s'", n++ ? ", " : "", key);
        if (n == 0)
                return 0;
        strbuf_printf(&b, " (allowed: ");
        for (const char *const *a = allowed; a && *a; a++)
                strbuf_printf(&b, "%s%s", a == allowed ? "" : ", ", *a);
        strbuf_printf(&b, "%s)", allowed && *allowed ? "" : "none");
        if (b.oom)
                r = berth_error_set(err, EINVAL, "unknown keys in %s", what);
        else
                r = berth_error_set(err, EINVAL, "unknown key%s in %s: %s", n > 1 ? "s" : "", what,
                                    b.p);
        strbuf_wipe(&b);
        return r;
}
