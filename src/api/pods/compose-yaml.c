/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * YAML into JSON for compose documents and recipes, with libfyaml.
 *
 * libfyaml parses (its own depth limit, duplicate keys refused, every diagnostic kept
 * in a diag object of ours, so nothing reaches stderr); the document is NOT resolved
 * with fy_document_resolve(), which copies every alias and so would let a few hundred
 * bytes of nested aliases ("billion laughs") expand to gigabytes. The walker below
 * follows aliases and applies merge keys itself, and counts what it builds: a
 * document that expands past BUDGET_NODES nodes or BUDGET_BYTES bytes of strings, or
 * nests deeper than DEPTH_MAX, is refused.
 *
 * Plain scalars follow the YAML 1.2 core schema: null (null, Null, NULL, ~, empty),
 * booleans (true/false in three spellings), integers (decimal, 0o octal, 0x hex) and
 * floats. .inf and .nan have no JSON form and stay strings. Quoted and block scalars
 * are always strings, so "22:22" stays "22:22". Keys must be strings.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compose.h"
#include "error.h"
#include "macro.h"

#define YAML_FILE_MAX (1u << 20)
#define DEPTH_MAX 64
#define BUDGET_NODES (1u << 17)
#define BUDGET_BYTES (4u << 20)

#define TAG_PREFIX "tag:yaml.org,2002:"

struct walk {
        size_t nodes, bytes;
        struct berth_error *err;
};

/* What libfyaml would have printed: the first line of it, as a fallback message when
 * no error was collected (an empty stream). */
struct diag_sink {
        char first[160];
};

static void diag_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
        struct diag_sink *s = user;
        size_t n;

        if (s->first[0] || len == 0)
                return;
        n = MIN(len, sizeof(s->first) - 1);
        memcpy(s->first, buf, n);
        s->first[n] = 0;
        s->first[strcspn(s->first, "\n")] = 0;
}

/* The 1-based line of a node: its own token, or (a collection) its first scalar's. */
static int node_line(struct fy_node *n)
{
        for (int depth = 0; n && depth < DEPTH_MAX; depth++) {
                struct fy_token *t;
                void *it = NULL;

                switch (fy_node_get_type(n)) {
                case FYNT_SCALAR:
                        t = fy_node_get_scalar_token(n);
                        if (!t)
                                return 0;
                        return fy_token_start_mark(t)->line + 1;
                case FYNT_SEQUENCE:
                        n = fy_node_sequence_iterate(n, &it);
                        break;
                case FYNT_MAPPING: {
                        struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
                        n = p ? fy_node_pair_key(p) : NULL;
                        break;
                }
                default:
                        return 0;
                }
        }
        return 0;
}

_printf_(4, 5) static int walk_error(struct walk *w, int errnum, struct fy_node *n, const char *fmt,
                                     ...)
{
        char msg[BERTH_ERROR_MSG_MAX];
        int line = node_line(n);
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (line > 0)
                return berth_error_set(w->err, errnum, "YAML line %d: %s", line, msg);
        return berth_error_set(w->err, errnum, "YAML: %s", msg);
}

static int charge(struct walk *w, struct fy_node *n, size_t bytes)
{
        w->nodes++;
        w->bytes += bytes;
        if (w->nodes > BUDGET_NODES || w->bytes > BUDGET_BYTES)
                return walk_error(w, EINVAL, n,
                                  "the document expands (aliases followed) past %u nodes or "
                                  "%u bytes of text",
                                  BUDGET_NODES, BUDGET_BYTES);
        return 0;
}

static bool match_any(const char *s, size_t len, const char *const *words)
{
        for (; *words; words++)
                if (strlen(*words) == len && memcmp(s, *words, len) == 0)
                        return true;
        return false;
}

static bool all_in(const char *s, size_t len, const char *set)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr(set, s[i]) || s[i] == 0)
                        return false;
        return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_core_float(const char *s, size_t len)
{
        size_t i = 0, digits = 0;

        if (i < len && (s[i] == '-' || s[i] == '+'))
                i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
                i++, digits++;
        if (i < len && s[i] == '.') {
                size_t frac = 0;
                i++;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                        i++, frac++;
                if (digits == 0 && frac == 0)
                        return false;
                digits += frac;
        }
        if (digits == 0)
                return false;
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                size_t exp = 0;
                i++;
                if (i < len && (s[i] == '-' || s[i] == '+'))
                        i++;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                        i++, exp++;
                if (exp == 0)
                        return false;
        }
        return i == len;
}

/* A string the scalar's text; jansson checks it is UTF-8. */
static int make_string(struct walk *w, struct fy_node *n, const char *s, size_t len, json_t **ret)
{
        json_t *j;

        if (memchr(s, 0, len))
                return walk_error(w, EINVAL, n, "a string holds a NUL character");
        j = json_stringn(s, len);
        if (!j) {
                /* Not UTF-8, unless even the unchecked copy fails (no memory). */
                j = json_stringn_nocheck(s, len);
                if (!j)
                        return -ENOMEM;
                json_decref(j);
                return walk_error(w, EINVAL, n, "a string is not valid UTF-8");
        }
        *ret = j;
        return 0;
}

static int plain_number(struct walk *w, struct fy_node *n, const char *s, size_t len, json_t **ret)
{
        char buf[128], *end;
        int base = 10;
        const char *digits = buf;
        long long v;
        double d;

        if (len >= sizeof(buf))
                return walk_error(w, EINVAL, n, "number '%.40s...' is too long", s);
        memcpy(buf, s, len);
        buf[len] = 0;

        if (len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'o')) {
                base = buf[1] == 'x' ? 16 : 8;
                digits = buf + 2;
        }
        if (base != 10 || all_in(buf + (buf[0] == '-' || buf[0] == '+'),
                                 len - (buf[0] == '-' || buf[0] == '+'), "0123456789")) {
                errno = 0;
                v = strtoll(digits, &end, base);
                if (errno == ERANGE || (base != 10 && v < 0))
                        return walk_error(w, EINVAL, n, "integer %s is out of range", buf);
                *ret = json_integer((json_int_t)v);
                return *ret ? 0 : -ENOMEM;
        }
        errno = 0;
        d = strtod(buf, &end);
        if (errno == ERANGE && isinf(d))
                return walk_error(w, EINVAL, n, "number %s is out of range", buf);
        *ret = json_real(d);
        return *ret ? 0 : -ENOMEM;
}

/* The YAML 1.2 core schema for a plain scalar. */
static int plain_scalar(struct walk *w, struct fy_node *n, const char *s, size_t len, json_t **ret)
{
        static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
        static const char *const trues[] = { "true", "True", "TRUE", NULL };
        static const char *const falses[] = { "false", "False", "FALSE", NULL };

        if (match_any(s, len, nulls))
                *ret = json_null();
        else if (match_any(s, len, trues))
                *ret = json_true();
        else if (match_any(s, len, falses))
                *ret = json_false();
        else if ((len > 2 && s[0] == '0' && s[1] == 'x' &&
                  all_in(s + 2, len - 2, "0123456789abcdefABCDEF")) ||
                 (len > 2 && s[0] == '0' && s[1] == 'o' && all_in(s + 2, len - 2, "01234567")) ||
                 is_core_float(s, len))
                return plain_number(w, n, s, len, ret);
        else
                return make_string(w, n, s, len, ret);
        return 0;
}

/* A node may carry no tag, the non-specific "!", or the core tag of its kind (want: "str",
 * "map" or "seq"): 1 when it carries that tag, 0 when none. Any other tag is refused. */
static int tag_check(struct walk *w, struct fy_node *n, const char *want)
{
        size_t len = 0, plen = strlen(TAG_PREFIX);
        const char *tag = fy_node_get_tag(n, &len);

        if (!tag || len == 0 || (len == 1 && tag[0] == '!'))
                return 0;
        if (len == plen + strlen(want) && memcmp(tag, TAG_PREFIX, plen) == 0 &&
            memcmp(tag + plen, want, len - plen) == 0)
                return 1;
        return walk_error(w, EINVAL, n,
                          "tag '%.*s' is not supported here (only !!str, !!map and !!seq)",
                          (int)MIN(len, (size_t)64), tag);
}

static int to_json(struct walk *w, struct fy_node *n, unsigned depth, json_t **ret);

/* An alias's target (itself when it is not one). */
static int follow(struct walk *w, struct fy_node *n, struct fy_node **ret)
{
        if (fy_node_is_alias(n)) {
                struct fy_node *t = fy_node_resolve_alias(n);
                size_t len = 0;
                const char *name = fy_node_get_scalar(n, &len);

                if (!t)
                        return walk_error(w, EINVAL, n, "alias '*%.*s' names no anchor (or a loop)",
                                          (int)MIN(len, (size_t)64), name ? name : "");
                n = t;
        }
        *ret = n;
        return 0;
}

/* A scalar's text (NUL-terminated; it may hold a NUL from an escape). Read through a token
 * iterator, not fy_node_get_scalar(): that leaks 2 KiB in 0.7.12 for a single-quoted
 * scalar with five or more '' in it. */
static int node_text(struct walk *w, struct fy_node *n, char **ret, size_t *ret_len)
{
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_iter_chunk *c = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = 0;
        struct fy_token_iter *it;
        int e = 0, r = 0;

        it = t ? fy_token_iter_create(t) : NULL;
        if (t && !it)
                return -ENOMEM;
        while (it && (c = fy_token_iter_chunk_next(it, c, &e))) {
                if (len + c->len > BUDGET_BYTES) {
                        r = walk_error(w, EINVAL, n, "a scalar is longer than %u bytes",
                                       BUDGET_BYTES);
                        break;
                }
                if (len + c->len + 1 > size) {
                        size_t nsize = MAX(size * 2, len + c->len + 1);
                        char *nbuf = realloc(buf, MAX(nsize, (size_t)64));

                        if (!nbuf) {
                                r = -ENOMEM;
                                break;
                        }
                        buf = nbuf;
                        size = MAX(nsize, (size_t)64);
                }
                memcpy(buf + len, c->str, c->len);
                len += c->len;
        }
        if (it)
                fy_token_iter_destroy(it);
        if (r < 0)
                return r;
        if (e < 0)
                return walk_error(w, EINVAL, n, "a scalar cannot be read");
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int scalar_to_json(struct walk *w, struct fy_node *n, json_t **ret)
{
        _cleanup_free_ char *s = NULL;
        size_t len = 0;
        int r;

        r = node_text(w, n, &s, &len);
        if (r < 0)
                return r;
        r = charge(w, n, len);
        if (r < 0)
                return r;
        r = tag_check(w, n, "str");
        if (r < 0)
                return r;
        if (fy_node_get_style(n) == FYNS_PLAIN && r == 0)
                return plain_scalar(w, n, s, len, ret);
        return make_string(w, n, s, len, ret);
}

static int seq_to_json(struct walk *w, struct fy_node *n, unsigned depth, json_t **ret)
{
        json_auto_t *a = NULL;
        struct fy_node *item;
        void *it = NULL;
        int r;

        r = tag_check(w, n, "seq");
        if (r < 0)
                return r;
        r = charge(w, n, 0);
        if (r < 0)
                return r;
        a = json_array();
        if (!a)
                return -ENOMEM;
        while ((item = fy_node_sequence_iterate(n, &it))) {
                json_t *v = NULL;

                r = to_json(w, item, depth + 1, &v);
                if (r < 0)
                        return r;
                if (json_array_append_new(a, v) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

/* A key: a scalar (an alias to one too) that is a string under the core schema. */
static int key_text(struct walk *w, struct fy_node *k, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *s = NULL;
        size_t len = 0;
        int r;

        r = follow(w, k, &k);
        if (r < 0)
                return r;
        if (fy_node_get_type(k) != FYNT_SCALAR)
                return walk_error(w, EINVAL, k, "a key must be a string, not a %s",
                                  fy_node_get_type(k) == FYNT_MAPPING ? "mapping" : "list");
        r = node_text(w, k, &s, &len);
        if (r < 0)
                return r;
        r = tag_check(w, k, "str");
        if (r < 0)
                return r;
        if (fy_node_get_style(k) == FYNS_PLAIN && r == 0) {
                json_t *j = NULL;
                bool str;

                r = plain_scalar(w, k, s, len, &j);
                if (r < 0)
                        return r;
                str = json_is_string(j);
                json_decref(j);
                if (!str)
                        return walk_error(w, EINVAL, k, "key '%.*s' is not a string (quote it)",
                                          (int)MIN(len, (size_t)64), s);
        }
        if (memchr(s, 0, len))
                return walk_error(w, EINVAL, k, "a key holds a NUL character");
        *ret = TAKE_PTR(s);
        *ret_len = len;
        return 0;
}

static bool is_merge_key(struct fy_node *k)
{
        size_t len = 0;
        const char *s;

        if (fy_node_get_type(k) != FYNT_SCALAR || fy_node_get_style(k) != FYNS_PLAIN)
                return false;
        s = fy_node_get_scalar(k, &len);
        return s && len == 2 && memcmp(s, "<<", 2) == 0;
}

/* Add what src has and o does not (explicit keys win over merged ones; of several
 * merged mappings, the first wins). */
static int merge_into(struct walk *w, json_t *o, struct fy_node *src, unsigned depth)
{
        json_auto_t *m = NULL;
        const char *key;
        json_t *v;
        int r;

        r = follow(w, src, &src);
        if (r < 0)
                return r;
        if (fy_node_get_type(src) != FYNT_MAPPING)
                return walk_error(w, EINVAL, src,
                                  "a merge key '<<' takes a mapping or a list of mappings");
        r = to_json(w, src, depth + 1, &m);
        if (r < 0)
                return r;
        json_object_foreach (m, key, v)
                if (!json_object_get(o, key) && json_object_set(o, key, v) < 0)
                        return -ENOMEM;
        return 0;
}

static int map_merges(struct walk *w, json_t *o, struct fy_node *n, unsigned depth)
{
        struct fy_node_pair *p;
        void *it = NULL;
        int r;

        while ((p = fy_node_mapping_iterate(n, &it))) {
                struct fy_node *v;

                if (!is_merge_key(fy_node_pair_key(p)))
                        continue;
                r = follow(w, fy_node_pair_value(p), &v);
                if (r < 0)
                        return r;
                if (fy_node_get_type(v) == FYNT_SEQUENCE) {
                        struct fy_node *item;
                        void *sit = NULL;

                        if (depth + 1 > DEPTH_MAX)
                                return walk_error(w, EINVAL, v, "nested deeper than %d levels",
                                                  DEPTH_MAX);
                        while ((item = fy_node_sequence_iterate(v, &sit))) {
                                r = merge_into(w, o, item, depth + 1);
                                if (r < 0)
                                        return r;
                        }
                } else {
                        r = merge_into(w, o, v, depth);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* One explicit key and its value into o. */
static int map_pair(struct walk *w, json_t *o, struct fy_node *n, struct fy_node_pair *p,
                    unsigned depth)
{
        struct fy_node *k = fy_node_pair_key(p);
        _cleanup_free_ char *key = NULL;
        size_t len = 0;
        json_t *v = NULL;
        int r;

        if (!k)
                return walk_error(w, EINVAL, n, "a key is empty (null)");
        r = key_text(w, k, &key, &len);
        if (r < 0)
                return r;
        if (json_object_get(o, key))
                return walk_error(w, EINVAL, k, "duplicate key '%.64s'", key);
        r = charge(w, k, len);
        if (r < 0)
                return r;
        r = to_json(w, fy_node_pair_value(p), depth + 1, &v);
        if (r < 0)
                return r;
        /* jansson checks that keys are UTF-8 (or it has no memory). */
        if (json_object_set_new(o, key, v) < 0)
                return walk_error(w, EINVAL, k, "key '%.64s' is not valid UTF-8", key);
        return 0;
}

static int map_to_json(struct walk *w, struct fy_node *n, unsigned depth, json_t **ret)
{
        json_auto_t *o = NULL;
        struct fy_node_pair *p;
        void *it = NULL;
        int r;

        r = tag_check(w, n, "map");
        if (r < 0)
                return r;
        r = charge(w, n, 0);
        if (r < 0)
                return r;
        o = json_object();
        if (!o)
                return -ENOMEM;
        while ((p = fy_node_mapping_iterate(n, &it)))
                if (!fy_node_pair_key(p) || !is_merge_key(fy_node_pair_key(p))) {
                        r = map_pair(w, o, n, p, depth);
                        if (r < 0)
                                return r;
                }
        r = map_merges(w, o, n, depth);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int to_json(struct walk *w, struct fy_node *n, unsigned depth, json_t **ret)
{
        int r;

        if (depth > DEPTH_MAX)
                return walk_error(w, EINVAL, n, "nested deeper than %d levels (aliases followed)",
                                  DEPTH_MAX);
        if (!n) {
                *ret = json_null();
                return 0;
        }
        r = follow(w, n, &n);
        if (r < 0)
                return r;
        switch (fy_node_get_type(n)) {
        case FYNT_SCALAR:
                return scalar_to_json(w, n, ret);
        case FYNT_SEQUENCE:
                return seq_to_json(w, n, depth, ret);
        case FYNT_MAPPING:
                return map_to_json(w, n, depth, ret);
        default:
                return walk_error(w, EINVAL, n, "unknown node type");
        }
}

/* The first error libfyaml collected, as ours. */
static int parse_error(struct fy_diag *diag, const struct diag_sink *sink, struct berth_error *err)
{
        struct fy_diag_error *e;
        void *it = NULL;

        while ((e = fy_diag_errors_iterate(diag, &it)))
                if (e->type >= FYET_ERROR && e->msg)
                        return berth_error_set(err, EINVAL, "YAML line %d, column %d: %s", e->line,
                                               e->column, e->msg);
        if (sink->first[0])
                return berth_error_set(err, EINVAL, "YAML: %s", sink->first);
        return berth_error_set(err, EINVAL, "YAML: the document is empty");
}

/* The character at p (left bytes there) into *ret: its length, 0 when not UTF-8
 * (truncated, overlong, a surrogate, past U+10FFFF). */
static size_t utf8_char(const unsigned char *p, size_t left, uint32_t *ret)
{
        static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
        uint32_t c = p[0];
        size_t n = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;

        if (n == 0 || n > left)
                return 0;
        if (n > 1)
                c &= 0x3Fu >> (n - 1);
        for (size_t k = 1; k < n; k++) {
                if ((p[k] & 0xC0) != 0x80)
                        return 0;
                c = c << 6 | (p[k] & 0x3F);
        }
        if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                return 0;
        *ret = c;
        return n;
}

/* YAML's c-printable: tab, the newlines, and no other control character. */
static bool yaml_printable(uint32_t c)
{
        if (c < 0x20)
                return c == '\t' || c == '\n' || c == '\r';
        if (c >= 0x7F && c < 0xA0)
                return c == 0x85;
        return c != 0xFFFE && c != 0xFFFF;
}

/* Checked before libfyaml sees the text: 0.7.12 loops forever on a directive holding
 * a byte that is not UTF-8. */
static int text_check(const char *buf, size_t len, struct berth_error *err)
{
        const unsigned char *p = (const unsigned char *)buf;
        int line = 1;

        for (size_t i = 0, n; i < len; i += n) {
                uint32_t c = 0;

                n = utf8_char(p + i, len - i, &c);
                if (n == 0 || !yaml_printable(c))
                        return berth_error_set(err, EINVAL,
                                               "YAML line %d: a character is not valid UTF-8 "
                                               "or not printable",
                                               line);
                if (c == '\n')
                        line++;
        }
        return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct fy_diag *, fy_diag_destroy)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fy_parser *, fy_parser_destroy)

static int yaml_load(const char *buf, size_t len, json_t **ret, struct berth_error *err)
{
        _cleanup_(fy_diag_destroyp) struct fy_diag *diag = NULL;
        _cleanup_(fy_parser_destroyp) struct fy_parser *parser = NULL;
        struct diag_sink sink = {};
        struct fy_diag_cfg dcfg;
        struct fy_parse_cfg pcfg;
        struct fy_document *doc, *more;
        struct fy_node *root;
        struct walk w = { .err = err };
        json_t *j = NULL;
        int r;

        if (len > YAML_FILE_MAX)
                return berth_error_set(err, EINVAL, "YAML: the document is larger than %u bytes",
                                       YAML_FILE_MAX);
        r = text_check(buf, buf ? len : 0, err);
        if (r < 0)
                return r;
        fy_diag_cfg_default(&dcfg);
        dcfg.fp = NULL;
        dcfg.output_fn = diag_output;
        dcfg.user = &sink;
        dcfg.colorize = false;
        diag = fy_diag_create(&dcfg);
        if (!diag)
                return -ENOMEM;
        fy_diag_set_collect_errors(diag, true);
        pcfg = (struct fy_parse_cfg){
                .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE,
                .diag = diag,
        };
        parser = fy_parser_create(&pcfg);
        if (!parser)
                return -ENOMEM;
        if (fy_parser_set_string(parser, buf ? buf : "", buf ? len : 0) < 0)
                return -ENOMEM;
        doc = fy_parse_load_document(parser);
        if (!doc)
                return parse_error(diag, &sink, err);
        more = fy_parse_load_document(parser);
        if (more) {
                fy_parse_document_destroy(parser, more);
                fy_parse_document_destroy(parser, doc);
                return berth_error_set(err, EINVAL,
                                       "YAML: the stream holds more than one document");
        }
        if (fy_parser_get_stream_error(parser)) {
                fy_parse_document_destroy(parser, doc);
                return parse_error(diag, &sink, err);
        }
        root = fy_document_root(doc);
        if (!root)
                r = berth_error_set(err, EINVAL, "YAML: the document is empty");
        else {
                r = to_json(&w, root, 0, &j);
                if (r >= 0 && !json_is_object(j) && !json_is_array(j)) {
                        json_decref(j);
                        r = walk_error(&w, EINVAL, root,
                                       "the document must be a mapping or a list, not a scalar");
                }
        }
        fy_parse_document_destroy(parser, doc);
        if (r < 0)
                return r;
        *ret = j;
        return 0;
}

int berth_yaml_to_json(const char *buf, size_t len, json_t **ret, struct berth_error *err)
{
        int r = yaml_load(buf, len, ret, err);

        /* Every other failure has its message already. */
        if (r == -ENOMEM)
                return berth_error_set(err, ENOMEM, "YAML: out of memory");
        return r;
}

int berth_yaml_file_to_json(const char *path, json_t **ret, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;
        int r;

        /* O_NONBLOCK: a FIFO put where a recipe should be must not hang the caller. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "open '%s'", path);
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat '%s'", path);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(err, EINVAL, "'%s' is not a regular file", path);
        if (st.st_size > (off_t)YAML_FILE_MAX)
                return berth_error_set(err, EFBIG, "'%s' is larger than %u bytes", path,
                                       YAML_FILE_MAX);
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (len <= (size_t)st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_error_set_errno(err, errno, "read '%s'", path);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (len > (size_t)st.st_size)
                return berth_error_set(err, EFBIG, "'%s' grew while it was read", path);
        r = berth_yaml_to_json(buf, len, ret, err);
        if (r < 0 && err)
                (void)berth_error_prefix(err, "%s", path);
        return r;
}
