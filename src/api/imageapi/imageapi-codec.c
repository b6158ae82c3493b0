/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "http.h"
#include "imageapi-codec.h"
#include "jdec.h"
#include "json-util.h"
#include "macro.h"
#include "store.h"
#include "strv.h"

#define MOUNT_OPTIONS_MAX 64

static const char *const attach_kinds[_BERTH_ATTACH_KIND_MAX] = {
        [BERTH_ATTACH_ISCSI] = "iscsi",
        [BERTH_ATTACH_LOCAL] = "local",
        [BERTH_ATTACH_LOOPBACK] = "loopback",
        [BERTH_ATTACH_RBD] = "rbd",
};
static const char *const mount_kinds[_BERTH_MOUNT_KIND_MAX] = {
        [BERTH_MOUNT_ATTACH] = "attach",   [BERTH_MOUNT_BIND] = "bind", [BERTH_MOUNT_NFS] = "nfs",
        [BERTH_MOUNT_OVERLAY] = "overlay", [BERTH_MOUNT_URI] = "uri",
};
static const char *const bases[_BERTH_BASE_MAX] = {
        [BERTH_BASE_ROOT] = "root",
        [BERTH_BASE_MOUNT] = "mount",
};

/* The definition key for each kind ("uri" has none in the models). */
static const char *const attach_def_keys[] = { "iscsi", "local", "loopback", "rbd", NULL };
static const char *const mount_def_keys[] = { "attach", "bind", "nfs", "overlay", NULL };

/* What the head of an attach or a mount is decoded against. */
struct kind_set {
        const char *what;         /* "attachment", "mount" */
        const char *const *kinds; /* by enum value */
        size_t n_kinds;
        const char *const *def_keys;
        const char *choices;  /* the kinds named when a definition has none */
        unsigned def_missing; /* 1u << kind: kinds that may come without their definition */
};

static const struct kind_set attach_set = {
        .what = "attachment",
        .kinds = attach_kinds,
        .n_kinds = _BERTH_ATTACH_KIND_MAX,
        .def_keys = attach_def_keys,
        .choices = "iscsi, local, loopback, rbd",
        /* Not supported by this build: the core answers 501. */
        .def_missing = 1u << BERTH_ATTACH_ISCSI,
};

static const struct kind_set mount_set = {
        .what = "mount",
        .kinds = mount_kinds,
        .n_kinds = _BERTH_MOUNT_KIND_MAX,
        .def_keys = mount_def_keys,
        .choices = "attach, bind, overlay",
        .def_missing = (1u << BERTH_MOUNT_NFS) | (1u << BERTH_MOUNT_URI),
};

/* The head: a reference to an existing object, or a definition and its kind. */
struct head {
        int kind; /* index into kinds; -1 when a reference gives none */
        bool is_ref;
        uint64_t ref_id;
        const char *def; /* the definition's key, NULL when none is given */
};

static int present_def(json_t *j, const char *const *keys, const char **ret)
{
        int n = 0;

        *ret = NULL;
        for (const char *const *k = keys; *k; k++)
                if (jdec_has(j, *k)) {
                        if (!*ret)
                                *ret = *k;
                        n++;
                }
        return n;
}

/* Reference or definition? Sets h->is_ref and h->ref_id, or h->def. */
static int classify(json_t *j, const char *path, unsigned depth, const struct kind_set *ks,
                    struct head *h, struct berth_error *err)
{
        char p[JDEC_PATH_MAX];
        uint64_t id = 0;
        int has_id, n_defs, r;

        has_id = jdec_u64(j, path, "id", &id, err);
        if (has_id < 0)
                return has_id;
        r = jdec_readonly(j, path, "refs", err);
        if (r < 0)
                return r;
        n_defs = present_def(j, ks->def_keys, &h->def);
        if (n_defs > 1)
                return berth_error_set(err, EINVAL, "%s: give one definition, not several",
                                       path && *path ? path : ks->what);
        if (has_id && n_defs == 0) {
                if (depth == 0)
                        return berth_error_set(err, EINVAL,
                                               "id is read-only: a POST creates a new %s; "
                                               "reference existing ones by id from a parent",
                                               ks->what);
                h->is_ref = true;
                h->ref_id = id;
                return 0;
        }
        /* Go clients (go-swagger models, Kraken's) leave out every zero field, ids
         * included: an embedded object that has its kind and nothing else is their
         * reference to object 0. */
        if (!has_id && n_defs == 0 && depth > 0 && jdec_has(j, "kind")) {
                h->is_ref = true;
                return 0;
        }
        if (has_id && id != 0)
                return berth_error_set(err, EINVAL,
                                       "%s: a definition cannot carry an id (ids are assigned by "
                                       "berthd); send either {\"id\":N} or a definition",
                                       jdec_join(p, path, "id"));
        return 0;
}

static int kind_index(const struct kind_set *ks, const char *name)
{
        for (size_t i = 0; i < ks->n_kinds; i++)
                if (ks->kinds[i] && streq(ks->kinds[i], name))
                        return (int)i;
        return -1;
}

/* The head of an attach or a mount, shared by both: kind, then reference or
 * definition. A definition's kind is the one given, or else that of its definition;
 * the two must agree, and the definition is there unless its kind may go without. */
static int decode_head(json_t *j, const char *path, unsigned depth, const struct kind_set *ks,
                       struct head *ret, struct berth_error *err)
{
        char p[JDEC_PATH_MAX];
        int r;

        *ret = (struct head){ .kind = -1 };
        r = jdec_enum(j, path, "kind", ks->kinds, ks->n_kinds, false, err);
        if (r == -EINVAL)
                return r;
        ret->kind = r >= 0 ? r : -1;
        r = classify(j, path, depth, ks, ret, err);
        if (r < 0 || ret->is_ref)
                return r;
        if (ret->kind < 0) {
                if (!ret->def)
                        return berth_error_set(err, EINVAL,
                                               "%s is required (one of %s), with its definition",
                                               jdec_join(p, path, "kind"), ks->choices);
                ret->kind = kind_index(ks, ret->def);
        } else if (ret->def && !streq(ret->def, ks->kinds[ret->kind]))
                return berth_error_set(err, EINVAL, "%s is given but kind is '%s'",
                                       jdec_join(p, path, ret->def), ks->kinds[ret->kind]);
        if (!ret->def && !(ks->def_missing & (1u << ret->kind)))
                return berth_error_set(err, EINVAL, "%s is required for kind %s",
                                       jdec_join(p, path, ks->kinds[ret->kind]),
                                       ks->kinds[ret->kind]);
        return 0;
}

/* ---- attach -------------------------------------------------------------------- */

static int decode_loopback(json_t *j, const char *path, unsigned depth, unsigned flags,
                           struct berth_attach_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "path", "base", "readPartitions", "ro", "mount", NULL };
        bool ro = false;
        int r;

        r = jdec_object(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "path", true, IMAGEAPI_PATH_MAX, &s->loopback.path, err);
        if (r < 0)
                return r;
        r = jdec_enum(j, path, "base", bases, _BERTH_BASE_MAX, false, err);
        if (r == -EINVAL)
                return r;
        s->loopback.base = r >= 0 ? (enum berth_base)r : BERTH_BASE_ROOT;
        r = jdec_bool(j, path, "readPartitions", &s->loopback.read_partitions, err);
        if (r < 0)
                return r;
        r = jdec_bool(j, path, "ro", &ro, err);
        if (r < 0)
                return r;
        s->loopback.ro = r > 0 ? ro : -1;
        if (jdec_has(j, "mount")) {
                char p[JDEC_PATH_MAX];
                if (s->loopback.base != BERTH_BASE_MOUNT)
                        return berth_error_set(err, EINVAL, "%s: only used when base is 'mount'",
                                               jdec_join(p, path, "mount"));
                r = imageapi_decode_mount(json_object_get(j, "mount"), jdec_join(p, path, "mount"),
                                          depth + 1, flags, &s->loopback.mount, err);
                if (r < 0)
                        return r;
        } else if (s->loopback.base == BERTH_BASE_MOUNT) {
                char p[JDEC_PATH_MAX];
                return berth_error_set(err, EINVAL, "%s is required when base is 'mount'",
                                       jdec_join(p, path, "mount"));
        }
        return 0;
}

static int decode_local(json_t *j, const char *path, struct berth_attach_spec *s,
                        struct berth_error *err)
{
        static const char *const keys[] = { "path", NULL };
        int r;

        r = jdec_object(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "path", true, IMAGEAPI_PATH_MAX, &s->local.path, err);
        return r;
}

/* Characters that would split the kernel's "monitors options pool image snap" line or
 * its comma-separated options. */
static int check_token(const char *path, const char *key, const char *v, const char *bad,
                       struct berth_error *err)
{
        char p[JDEC_PATH_MAX];

        if (v && v[strcspn(v, bad)])
                return berth_error_set(err, EINVAL, "%s must not contain spaces%s",
                                       jdec_join(p, path, key),
                                       strchr(bad, ',') ? ", ',' or '='" : "");
        return 0;
}

static int decode_rbd_options(json_t *j, const char *path, struct berth_rbd_spec *s,
                              struct berth_error *err)
{
        static const char *const strs[] = { "fsid", "ip", "name", "secret", "namespace" };
        const char *keys[_RBD_BOOL_OPT_MAX + _RBD_INT_OPT_MAX + ELEMENTSOF(strs) + 1];
        static const enum rbd_bool_opt pairs[][2] = {
                { RBD_OPT_SHARE, RBD_OPT_NOSHARE },
                { RBD_OPT_CRC, RBD_OPT_NOCRC },
                { RBD_OPT_CEPHX_REQUIRE_SIGNATURES, RBD_OPT_NOCEPHX_REQUIRE_SIGNATURES },
                { RBD_OPT_TCP_NODELAY, RBD_OPT_NOTCP_NODELAY },
                { RBD_OPT_CEPHX_SIGN_MESSAGES, RBD_OPT_NOCEPHX_SIGN_MESSAGES },
                { RBD_OPT_RO, RBD_OPT_RW },
        };
        char *sv[ELEMENTSOF(strs)] = {};
        char p[JDEC_PATH_MAX];
        size_t n = 0;
        int r;

        for (int o = 0; o < _RBD_BOOL_OPT_MAX; o++)
                keys[n++] = rbd_bool_opt_names[o];
        for (int o = 0; o < _RBD_INT_OPT_MAX; o++)
                keys[n++] = rbd_int_opt_names[o];
        for (size_t i = 0; i < ELEMENTSOF(strs); i++)
                keys[n++] = strs[i];
        keys[n] = NULL;
        r = jdec_object(j, path, keys, err);
        for (int o = 0; r >= 0 && o < _RBD_BOOL_OPT_MAX; o++) {
                bool v = false;
                r = jdec_bool(j, path, rbd_bool_opt_names[o], &v, err);
                if (r > 0) {
                        s->opt.bool_set |= 1u << o;
                        if (v)
                                s->opt.bool_val |= 1u << o;
                }
        }
        for (int o = 0; r >= 0 && o < _RBD_INT_OPT_MAX; o++) {
                uint64_t v = 0;
                r = jdec_u64(j, path, rbd_int_opt_names[o], &v, err);
                if (r > 0 && v > INT32_MAX)
                        r = berth_error_set(err, EINVAL, "%s must be at most %d",
                                            jdec_join(p, path, rbd_int_opt_names[o]), INT32_MAX);
                if (r > 0) {
                        s->opt.int_set |= 1u << o;
                        s->opt.ints[o] = (int64_t)v;
                }
        }
        /* A secret is never in a message: only its field is named. */
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(strs); i++)
                r = jdec_string(j, path, strs[i], false, 256, &sv[i], err);
        s->opt.fsid = sv[0];
        s->opt.ip = sv[1];
        s->opt.name = sv[2];
        s->opt.secret = sv[3];
        s->opt.ns = sv[4];
        if (r < 0)
                return r;
        if (rbd_opt_has_int(s, RBD_OPT_MOUNT_TIMEOUT) && s->opt.ints[RBD_OPT_MOUNT_TIMEOUT] == 0)
                return berth_error_set(err, EINVAL, "%s must be at least 1 (seconds)",
                                       jdec_join(p, path, "mount_timeout"));
        for (size_t i = 0; i < ELEMENTSOF(pairs); i++)
                if (rbd_opt_is(s, pairs[i][0]) && rbd_opt_is(s, pairs[i][1]))
                        return berth_error_set(
                                err, EINVAL, "%s: '%s' and '%s' contradict each other", path,
                                rbd_bool_opt_names[pairs[i][0]], rbd_bool_opt_names[pairs[i][1]]);
        if (s->opt.ip) {
                unsigned char buf[16];
                if (inet_pton(AF_INET, s->opt.ip, buf) != 1 &&
                    inet_pton(AF_INET6, s->opt.ip, buf) != 1)
                        return berth_error_set(err, EINVAL, "%s '%s' is not an IP address",
                                               jdec_join(p, path, "ip"), s->opt.ip);
        }
        /* A cephx key: 28 bytes in base64, 40 characters ("AQ...=="). */
        if (s->opt.secret &&
            (strlen(s->opt.secret) != 40 ||
             s->opt.secret[strspn(s->opt.secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                                                 "vwxyz0123456789+/=")]))
                return berth_error_set(err, EINVAL, "%s is not a base64 cephx key",
                                       jdec_join(p, path, "secret"));
        r = check_token(path, "name", s->opt.name, " \t\n,=", err);
        if (r >= 0)
                r = check_token(path, "namespace", s->opt.ns, " \t\n,=", err);
        if (r >= 0)
                r = check_token(path, "fsid", s->opt.fsid, " \t\n,=", err);
        return r;
}

static int decode_rbd(json_t *j, const char *path, struct berth_attach_spec *s,
                      struct berth_error *err)
{
        static const char *const keys[] = { "monitors", "pool",      "image", "snapshot",
                                            "options",  "device_id", NULL };
        struct berth_rbd_spec *r_ = &s->rbd;
        char p[JDEC_PATH_MAX];
        int r;

        r = jdec_object(j, path, keys, err);
        if (r >= 0)
                r = jdec_readonly(j, path, "device_id", err);
        if (r >= 0)
                r = jdec_strv(j, path, "monitors", 16, 300, &r_->monitors, err);
        if (r >= 0 && strv_length(r_->monitors) == 0)
                r = berth_error_set(err, EINVAL, "%s is required (at least one monitor address)",
                                    jdec_join(p, path, "monitors"));
        STRV_FOREACH (m, r_->monitors)
                if (r >= 0 && rbd_monitor_check(*m) < 0)
                        r = berth_error_set(err, EINVAL,
                                            "%s: '%s' is not a monitor address (host, IPv4 or "
                                            "[IPv6], with an optional :port)",
                                            jdec_join(p, path, "monitors"), *m);
        if (r >= 0)
                r = jdec_string(j, path, "pool", true, 256, &r_->pool, err);
        if (r >= 0)
                r = jdec_string(j, path, "image", true, 256, &r_->image, err);
        if (r >= 0)
                r = jdec_string(j, path, "snapshot", false, 256, &r_->snapshot, err);
        if (r >= 0)
                r = check_token(path, "pool", r_->pool, " \t\n", err);
        if (r >= 0)
                r = check_token(path, "image", r_->image, " \t\n", err);
        if (r >= 0)
                r = check_token(path, "snapshot", r_->snapshot, " \t\n", err);
        if (r >= 0 && jdec_has(j, "options"))
                r = decode_rbd_options(json_object_get(j, "options"), jdec_join(p, path, "options"),
                                       r_, err);
        return r;
}

int imageapi_decode_attach(json_t *j, const char *path, unsigned depth, unsigned flags,
                           struct berth_attach_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = { "id",    "kind",     "device_file", "refs", "iscsi",
                                            "local", "loopback", "rbd",         NULL };
        _cleanup_(berth_attach_spec_freep) struct berth_attach_spec *s = NULL;
        char p[JDEC_PATH_MAX];
        struct head h;
        int r;

        if (depth > IMAGEAPI_DEPTH_MAX)
                return berth_error_set(err, EINVAL, "%s: nested more than %d levels deep", path,
                                       IMAGEAPI_DEPTH_MAX);
        r = jdec_object(j, path, keys, err);
        if (r >= 0)
                r = jdec_readonly(j, path, "device_file", err);
        if (r < 0)
                return r;
        r = decode_head(j, path, depth, &attach_set, &h, err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->loopback.ro = -1;
        s->kind = h.kind >= 0 ? (enum berth_attach_kind)h.kind : _BERTH_ATTACH_KIND_INVALID;
        if (h.is_ref) {
                s->is_ref = true;
                s->ref_id = h.ref_id;
                *ret = TAKE_PTR(s);
                return 0;
        }

        switch (s->kind) {
        case BERTH_ATTACH_LOOPBACK:
                r = decode_loopback(json_object_get(j, "loopback"), jdec_join(p, path, "loopback"),
                                    depth, flags, s, err);
                break;
        case BERTH_ATTACH_LOCAL:
                r = decode_local(json_object_get(j, "local"), jdec_join(p, path, "local"), s, err);
                break;
        case BERTH_ATTACH_RBD:
                r = decode_rbd(json_object_get(j, "rbd"), jdec_join(p, path, "rbd"), s, err);
                break;
        case BERTH_ATTACH_ISCSI:
                /* Not supported by this build: the core answers 501. */
                r = 0;
                break;
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
        default:
                r = -EINVAL;
                break;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- mount --------------------------------------------------------------------- */

static int decode_mount_attach(json_t *j, const char *path, unsigned depth, unsigned flags,
                               struct berth_mount_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "attach", "fs_type", "mount_options", NULL };
        char p[JDEC_PATH_MAX];
        int r;

        r = jdec_object(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "fs_type", true, 32, &s->attach.fs_type, err);
        if (r >= 0)
                r = jdec_strv(j, path, "mount_options", MOUNT_OPTIONS_MAX, 256, &s->attach.options,
                              err);
        if (r < 0)
                return r;
        if (!jdec_has(j, "attach"))
                return berth_error_set(err, EINVAL, "%s is required", jdec_join(p, path, "attach"));
        return imageapi_decode_attach(json_object_get(j, "attach"), jdec_join(p, path, "attach"),
                                      depth + 1, flags, &s->attach.attach, err);
}

/* The seed's overlay.lower items: a plain mount id ({"lower":[0]}). Anything else is a
 * mount (-ENOENT), v0.1 or v0.2. */
static int decode_lower_v01(json_t *item, const char *path, struct berth_mount_spec **ret,
                            struct berth_error *err)
{
        struct berth_mount_spec *l;

        if (!json_is_integer(item))
                return -ENOENT;
        if (json_integer_value(item) < 0)
                return berth_error_set(err, EINVAL, "%s must be a mount id (>= 0)", path);
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->is_ref = true;
        l->ref_id = (uint64_t)json_integer_value(item);
        l->kind = _BERTH_MOUNT_KIND_INVALID;
        *ret = l;
        return 0;
}

static int decode_overlay(json_t *j, const char *path, unsigned depth, unsigned flags,
                          struct berth_mount_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "lower", "upperdir",   "workdir", "upper_size", "dev",
                                            "id",    "mountpoint", "refs",    NULL };
        /* The server's; and v0.1's mount_overlay's id, mountpoint and refs, as its
         * clients echo them (zero). */
        static const char *const readonly[] = { "upperdir",   "workdir", "id",
                                                "mountpoint", "refs",    NULL };
        char p[JDEC_PATH_MAX];
        json_t *lower, *item;
        size_t i;
        int r;

        r = jdec_object(j, path, keys, err);
        for (const char *const *k = readonly; r >= 0 && *k; k++)
                r = jdec_readonly(j, path, *k, err);
        if (r >= 0)
                r = jdec_bool(j, path, "dev", &s->overlay.dev, err);
        if (r >= 0 && json_object_get(j, "upper_size")) {
                r = jdec_u64(j, path, "upper_size", &s->overlay.upper_size, err);
                s->overlay.upper_size_set = true;
                if (r >= 0 && s->overlay.upper_size > 0 && s->overlay.upper_size < (1u << 20))
                        r = berth_error_set(err, EINVAL,
                                            "%s must be 0 (no tmpfs of its own) or at least "
                                            "1048576 bytes",
                                            jdec_join(p, path, "upper_size"));
        }
        if (r < 0)
                return r;
        jdec_join(p, path, "lower");
        lower = json_object_get(j, "lower");
        if (!lower || json_is_null(lower))
                return berth_error_set(err, EINVAL, "%s is required", p);
        if (!json_is_array(lower))
                return berth_error_set(err, EINVAL, "%s must be an array of mounts", p);
        if (json_array_size(lower) == 0)
                return berth_error_set(err, EINVAL, "%s must name at least one mount", p);
        if (json_array_size(lower) > 64)
                return berth_error_set(err, EINVAL, "%s has more than 64 mounts", p);
        s->overlay.lower = calloc(json_array_size(lower), sizeof(*s->overlay.lower));
        if (!s->overlay.lower)
                return -ENOMEM;
        json_array_foreach (lower, i, item) {
                char ip[JDEC_PATH_MAX];

                (void)snprintf(ip, sizeof(ip), "%s[%zu]", p, i);
                r = -ENOENT;
                if (flags & IMAGEAPI_DECODE_V01)
                        r = decode_lower_v01(item, ip, &s->overlay.lower[i], err);
                if (r == -ENOENT)
                        r = imageapi_decode_mount(item, ip, depth + 1, flags, &s->overlay.lower[i],
                                                  err);
                if (r < 0)
                        return r;
                s->overlay.n_lower = i + 1;
        }
        return 0;
}

static int decode_bind(json_t *j, const char *path, unsigned depth, unsigned flags,
                       struct berth_mount_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "path", "base", "recursive", "ro", "mount", NULL };
        char p[JDEC_PATH_MAX];
        int r;

        r = jdec_object(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "path", true, IMAGEAPI_PATH_MAX, &s->bind.path, err);
        if (r >= 0)
                r = jdec_bool(j, path, "recursive", &s->bind.recursive, err);
        if (r >= 0)
                r = jdec_bool(j, path, "ro", &s->bind.ro, err);
        if (r < 0)
                return r;
        r = jdec_enum(j, path, "base", bases, _BERTH_BASE_MAX, false, err);
        if (r == -EINVAL)
                return r;
        s->bind.base = r >= 0 ? (enum berth_base)r : BERTH_BASE_ROOT;
        if (jdec_has(j, "mount")) {
                if (s->bind.base != BERTH_BASE_MOUNT)
                        return berth_error_set(err, EINVAL, "%s: only used when base is 'mount'",
                                               jdec_join(p, path, "mount"));
                return imageapi_decode_mount(json_object_get(j, "mount"),
                                             jdec_join(p, path, "mount"), depth + 1, flags,
                                             &s->bind.mount, err);
        }
        if (s->bind.base == BERTH_BASE_MOUNT)
                return berth_error_set(err, EINVAL, "%s is required when base is 'mount'",
                                       jdec_join(p, path, "mount"));
        return 0;
}

/* v0.1's mount kinds, and what each is here (an rbd mount is an attach mount of an rbd
 * attachment): the index from jdec_enum(), or a negative one for none. */
static const char *const kinds_v01[] = { "overlay", "rbd" };

static enum berth_mount_kind mount_kind_v01(int kind)
{
        return kind < 0    ? _BERTH_MOUNT_KIND_INVALID
               : kind == 0 ? BERTH_MOUNT_OVERLAY
                           : BERTH_MOUNT_ATTACH;
}

/* v0.1's mount_overlay {id, lower, mountpoint, refs, upperdir, workdir}: lower as in
 * the v0.2 overlay definition, the rest read-only (zero, as its clients echo them). */
static int decode_overlay_v01(json_t *o, const char *path, unsigned depth, unsigned flags,
                              struct berth_mount_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "id",      "lower", "mountpoint", "upperdir",
                                            "workdir", "refs",  NULL };
        json_t *def;
        int r;

        r = jdec_object(o, path, keys, err);
        for (const char *const *k = keys; r >= 0 && *k; k++)
                if (!streq(*k, "lower"))
                        r = jdec_readonly(o, path, *k, err);
        if (r < 0)
                return r;
        /* Same shape as the v0.2 overlay definition (no upper_size or dev here). */
        def = json_pack("{s:O?}", "lower", json_object_get(o, "lower"));
        if (!def)
                return -ENOMEM;
        r = decode_overlay(def, path, depth, flags | IMAGEAPI_DECODE_V01, s, err);
        json_decref(def);
        return r;
}

/* The v0.1 mount model (upstream v0.1.x, and Kraken's copy of it):
 * {kind: "overlay"|"rbd", mount_id, overlay: mount_overlay, rbd: mount_rbd}. With
 * mount_id, kind and id reference an existing mount (a definition is ignored, as the
 * v0.1 server did); otherwise kind's definition makes one, and kind alone (mount_id 0
 * left out) references mount 0. An rbd mount is an attach mount of an rbd attachment. */
static bool is_mount_v01(json_t *j)
{
        json_t *kind = json_object_get(j, "kind");

        return jdec_has(j, "mount_id") || jdec_has(j, "rbd") ||
               (json_is_string(kind) && streq(json_string_value(kind), "rbd"));
}

static int decode_mount_v01(json_t *j, const char *path, unsigned depth, unsigned flags,
                            struct berth_mount_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = { "mount_id", "kind", "overlay", "rbd", NULL };
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *s = NULL;
        char p[JDEC_PATH_MAX];
        uint64_t id = 0;
        int r, kind, has_id;

        r = jdec_check_keys(j, path, keys, err);
        if (r < 0)
                return r;
        has_id = jdec_u64(j, path, "mount_id", &id, err);
        if (has_id < 0)
                return has_id;
        /* kind is required but for a bare {"mount_id":N}, as the seed's lower items. */
        kind = jdec_enum(j, path, "kind", kinds_v01, ELEMENTSOF(kinds_v01), !has_id, err);
        if (kind == -EINVAL)
                return kind;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->kind = mount_kind_v01(kind);
        if (has_id || !jdec_has(j, kinds_v01[kind])) {
                if (depth == 0 && !has_id)
                        return berth_error_set(err, EINVAL, "%s is required for kind %s",
                                               jdec_join(p, path, kinds_v01[kind]),
                                               kinds_v01[kind]);
                s->is_ref = true;
                s->ref_id = id;
                *ret = TAKE_PTR(s);
                return 0;
        }
        jdec_join(p, path, kinds_v01[kind]);
        if (kind == 0) {
                r = decode_overlay_v01(json_object_get(j, "overlay"), p, depth, flags, s, err);
        } else {
                _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *m = NULL;
                r = imageapi_decode_mount_rbd_v01(json_object_get(j, "rbd"), &m, err);
                if (r < 0)
                        return berth_error_prefix(err, "%s", p);
                berth_mount_spec_free(s);
                s = TAKE_PTR(m);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int imageapi_decode_mount(json_t *j, const char *path, unsigned depth, unsigned flags,
                          struct berth_mount_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = { "id",   "kind", "mountpoint", "refs", "attach",
                                            "bind", "nfs",  "overlay",    NULL };
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *s = NULL;
        char p[JDEC_PATH_MAX];
        struct head h;
        int r;

        if (depth > IMAGEAPI_DEPTH_MAX)
                return berth_error_set(err, EINVAL, "%s: nested more than %d levels deep", path,
                                       IMAGEAPI_DEPTH_MAX);
        r = jdec_expect_object(j, path, err);
        if (r < 0)
                return r;
        if (is_mount_v01(j))
                return decode_mount_v01(j, path, depth, flags, ret, err);
        r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_readonly(j, path, "mountpoint", err);
        if (r < 0)
                return r;
        r = decode_head(j, path, depth, &mount_set, &h, err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->kind = h.kind >= 0 ? (enum berth_mount_kind)h.kind : _BERTH_MOUNT_KIND_INVALID;
        if (h.is_ref) {
                s->is_ref = true;
                s->ref_id = h.ref_id;
                *ret = TAKE_PTR(s);
                return 0;
        }

        switch (s->kind) {
        case BERTH_MOUNT_ATTACH:
                r = decode_mount_attach(json_object_get(j, "attach"), jdec_join(p, path, "attach"),
                                        depth, flags, s, err);
                break;
        case BERTH_MOUNT_OVERLAY:
                r = decode_overlay(json_object_get(j, "overlay"), jdec_join(p, path, "overlay"),
                                   depth, flags, s, err);
                break;
        case BERTH_MOUNT_BIND:
                r = decode_bind(json_object_get(j, "bind"), jdec_join(p, path, "bind"), depth,
                                flags, s, err);
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
                /* Not supported by this build: the core answers 501. */
                r = 0;
                break;
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
        default:
                r = -EINVAL;
                break;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int imageapi_decode_overlay_v01(json_t *j, struct berth_mount_spec **ret, struct berth_error *err)
{
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        s->kind = BERTH_MOUNT_OVERLAY;
        r = decode_overlay_v01(j, "", 0, 0, s, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- the seed's v0.1 rbd paths ------------------------------------------------- */

int imageapi_decode_rbd_v01(json_t *j, struct berth_attach_spec **ret, struct berth_error *err)
{
        static const char *const ro[] = { "id", "device_id", "device_file", "refs", NULL };
        _cleanup_(berth_attach_spec_freep) struct berth_attach_spec *s = NULL;
        json_t *rest = NULL;
        int r;

        r = jdec_expect_object(j, "", err);
        for (const char *const *k = ro; r >= 0 && *k; k++)
                r = jdec_readonly(j, "", *k, err);
        if (r < 0)
                return r;
        rest = json_deep_copy(j);
        s = calloc(1, sizeof(*s));
        if (!rest || !s) {
                json_decref(rest);
                return -ENOMEM;
        }
        for (const char *const *k = ro; *k; k++)
                (void)json_object_del(rest, *k);
        s->kind = BERTH_ATTACH_RBD;
        s->loopback.ro = -1;
        r = decode_rbd(rest, "", s, err);
        json_decref(rest);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int imageapi_decode_mount_rbd_v01(json_t *j, struct berth_mount_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = { "id",         "rbd_id",        "rbd",  "fs_type",
                                            "mountpoint", "mount_options", "refs", NULL };
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *s = NULL;
        uint64_t id = 0;
        int r, has_id = 0, has_rbd_id = 0;

        r = jdec_object(j, "", keys, err);
        if (r >= 0)
                r = jdec_readonly(j, "", "mountpoint", err);
        if (r >= 0)
                r = jdec_readonly(j, "", "refs", err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->kind = BERTH_MOUNT_ATTACH;
        r = jdec_string(j, "", "fs_type", true, 32, &s->attach.fs_type, err);
        if (r >= 0)
                r = jdec_strv(j, "", "mount_options", MOUNT_OPTIONS_MAX, 256, &s->attach.options,
                              err);
        /* The rbd: the seed's {"id": <rbd id>}, v0.1's rbd_id, or a nested rbd. */
        if (r >= 0)
                r = has_rbd_id = jdec_u64(j, "", "rbd_id", &id, err);
        if (r >= 0 && !has_rbd_id)
                r = has_id = jdec_u64(j, "", "id", &id, err);
        if (r < 0)
                return r;
        /* Neither: rbd_id 0, left out by a Go client (its models omit zero fields). */
        if (has_id || has_rbd_id || !jdec_has(j, "rbd")) {
                if (jdec_has(j, "rbd"))
                        return berth_error_set(
                                err, EINVAL,
                                "give the rbd either by id or nested in rbd, not both");
                s->attach.attach = calloc(1, sizeof(*s->attach.attach));
                if (!s->attach.attach)
                        return -ENOMEM;
                s->attach.attach->is_ref = true;
                s->attach.attach->ref_id = id;
                s->attach.attach->kind = BERTH_ATTACH_RBD;
        } else {
                r = imageapi_decode_rbd_v01(json_object_get(j, "rbd"), &s->attach.attach, err);
                if (r < 0)
                        return berth_error_prefix(err, "rbd");
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int imageapi_decode_path_id(const char *s, uint64_t *ret, struct berth_error *err)
{
        char *end;
        unsigned long long v;

        errno = 0;
        if (!s || !isdigit((unsigned char)s[0]) || (v = strtoull(s, &end, 10), errno) || *end ||
            v > INT64_MAX)
                return berth_error_set(err, EINVAL,
                                       "id in path must be a non-negative integer: \"%.32s\"",
                                       s ? s : "");
        *ret = v;
        return 0;
}

int imageapi_decode_mount_target_v01(json_t *j, uint64_t *ret_id, enum berth_mount_kind *ret_kind,
                                     struct berth_error *err)
{
        static const char *const keys[] = { "mount_id", "kind", "overlay", "rbd", "id", NULL };
        uint64_t id = 0;
        int r, kind = -1;

        r = jdec_object(j, "", keys, err);
        if (r >= 0)
                r = kind = jdec_enum(j, "", "kind", kinds_v01, ELEMENTSOF(kinds_v01), false, err);
        if (r == -ENOENT)
                r = 0;
        if (r >= 0)
                r = jdec_u64(j, "", "mount_id", &id, err);
        if (r == 0)
                r = jdec_u64(j, "", "id", &id, err);
        /* Or the id inside the definition, as the v0.1 server also looked there. */
        for (const char *const *k = kinds_v01; r == 0 && k < kinds_v01 + ELEMENTSOF(kinds_v01); k++)
                if (json_is_object(json_object_get(j, *k)))
                        r = jdec_u64(json_object_get(j, *k), *k, "id", &id, err);
        if (r < 0)
                return r;
        /* None given: mount 0, whose id a Go client leaves out. */
        *ret_id = id;
        *ret_kind = mount_kind_v01(kind);
        return 0;
}

struct berth_container_spec *berth_container_spec_free(struct berth_container_spec *s)
{
        if (!s)
                return NULL;
        free(s->name);
        berth_mount_spec_free(s->mount);
        free(s->command);
        strv_free(s->args);
        strv_free(s->env);
        free(s->hostname);
        free(s);
        return NULL;
}
