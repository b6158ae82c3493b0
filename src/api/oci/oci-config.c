/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An OCI bundle's config.json (runtime spec 1.0.x and 1.1.x) as a workload. Every field
 * is honoured or refused by name; the refusals say "not supported yet" where berth could
 * honour the field one day and why where it never will. Pure but for realpath(3) on the
 * bundle and its root.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cmdline.h"
#include "error.h"
#include "jdec.h"
#include "launch-spec.h"
#include "macro.h"
#include "oci-config-linux.h"
#include "oci-config-mounts.h"
#include "oci-config.h"
#include "oci-seccomp.h"
#include "oci-util.h"
#include "strv.h"

#define FIELD_MAX JDEC_PATH_MAX
#define WESTEROS_PATH "/tmp/westeros"

/* ---- paths ------------------------------------------------------------------------ */

/* path strictly below dir (both resolved). */
static bool path_below(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        if (streq(dir, "/"))
                return path[0] == '/' && path[1] != 0;
        return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] != 0;
}

/* root.path, relative to the bundle or absolute, resolved (links and "..") and then
 * required to be a directory below the resolved bundle. The engine mounts the resolved
 * path; a link swapped in later is the engine's to refuse when it opens it. */
static int decode_root(const char *bundle, json_t *config, struct berth_workload *w,
                       struct berth_error *err)
{
        static const struct oci_field fields[] = { { "path" }, { "readonly" }, {} };
        _cleanup_free_ char *b = NULL, *joined = NULL, *resolved = NULL;
        const char *path;
        bool readonly = false;
        struct stat st;
        json_t *root;
        int r;

        r = oci_get_object(config, "", "root", fields, &root, err);
        if (r < 0)
                return r;
        if (!root)
                return berth_error_set(err, EINVAL, "root is required");
        r = oci_get_str(root, "root", "path", true, &path, err);
        if (r >= 0)
                r = jdec_bool(root, "root", "readonly", &readonly, err);
        if (r < 0)
                return r;
        w->root_writable = !readonly;

        b = realpath(bundle, NULL);
        if (!b)
                return berth_error_set(err, EINVAL, "bundle '%s': %s", bundle, strerror(errno));
        if (path[0] == '/')
                joined = strdup(path);
        else if (asprintf(&joined, "%s/%s", b, path) < 0)
                joined = NULL;
        if (!joined)
                return -ENOMEM;
        resolved = realpath(joined, NULL);
        if (!resolved)
                return berth_error_set(err, EINVAL, "root.path '%s': %s", path, strerror(errno));
        if (!path_below(resolved, b))
                return berth_error_set(err, EINVAL,
                                       "root.path '%s' resolves to '%s', which is not below the "
                                       "bundle '%s'",
                                       path, resolved, b);
        if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode))
                return berth_error_set(err, EINVAL, "root.path '%s' is not a directory", path);
        w->root_path = TAKE_PTR(resolved);
        return 0;
}

/* ---- process ---------------------------------------------------------------------- */

static int decode_args_env(json_t *p, struct berth_workload *w, struct berth_error *err)
{
        char q[FIELD_MAX];
        const char *cwd;
        int r;

        r = oci_get_strv(p, "process", "args", &w->args, err);
        if (r >= 0)
                r = oci_get_strv(p, "process", "env", &w->env, err);
        if (r < 0)
                return r;
        if (w->args && w->args[0] && !w->args[0][0])
                return berth_error_set(err, EINVAL, "process.args[0] must not be empty");
        STRV_FOREACH (e, w->env)
                if (!oci_env_entry_valid(*e))
                        return berth_error_set(err, EINVAL, "%s '%s' must be KEY=value",
                                               oci_idx_path(q, "process.env", (size_t)(e - w->env)),
                                               *e);
        r = oci_get_str(p, "process", "cwd", true, &cwd, err);
        if (r < 0)
                return r;
        if (cwd[0] != '/')
                return berth_error_set(err, EINVAL, "process.cwd '%s' must be an absolute path",
                                       cwd);
        w->cwd = strdup(cwd);
        return w->cwd ? 0 : -ENOMEM;
}

static int decode_user(json_t *p, struct berth_workload *w, struct berth_error *err)
{
        static const struct oci_field fields[] = { { "uid" },
                                                   { "gid" },
                                                   { "umask" },
                                                   { "additionalGids" },
                                                   { "username",
                                                     "a Windows field; give uid and gid", true },
                                                   {} };
        json_t *u, *gids, *v;
        int64_t x = 0;
        size_t i;
        int r;

        r = oci_get_object(p, "process", "user", fields, &u, err);
        if (r < 0)
                return r;
        if (!u)
                return berth_error_set(err, EINVAL, "process.user is required");
        /* (uid_t)-1 means "unchanged" to setresuid(2): not an id. */
        r = oci_get_int(u, "process.user", "uid", 0, UINT32_MAX - 1, &x, err);
        if (r == 0)
                r = berth_error_set(err, EINVAL, "process.user.uid is required");
        if (r < 0)
                return r;
        w->uid = (uid_t)x;
        r = oci_get_int(u, "process.user", "gid", 0, UINT32_MAX - 1, &x, err);
        if (r == 0)
                r = berth_error_set(err, EINVAL, "process.user.gid is required");
        if (r < 0)
                return r;
        w->gid = (gid_t)x;
        w->user_set = true;
        r = oci_get_int(u, "process.user", "umask", 0, 0777, &x, err);
        if (r < 0)
                return r;
        if (r > 0)
                w->umask = (int)x;
        r = oci_get_array(u, "process.user", "additionalGids", &gids, err);
        if (r < 0 || !gids || json_array_size(gids) == 0)
                return r;
        w->gids = calloc(json_array_size(gids), sizeof(gid_t));
        if (!w->gids)
                return -ENOMEM;
        json_array_foreach (gids, i, v) {
                if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                    json_integer_value(v) >= UINT32_MAX)
                        return berth_error_set(err, EINVAL,
                                               "process.user.additionalGids[%zu] must be an "
                                               "integer from 0 to %u",
                                               i, UINT32_MAX - 1);
                w->gids[w->n_gids++] = (gid_t)json_integer_value(v);
        }
        return 0;
}

/* "CAP_KILL" as its number; -EINVAL for a name libcap does not know. */
static int cap_parse(const char *name)
{
        char buf[64];
        cap_value_t v;
        size_t n = strlen(name);

        if (strncmp(name, "CAP_", 4) != 0 || n >= sizeof(buf))
                return -EINVAL;
        for (size_t i = 0; i <= n; i++)
                buf[i] = (char)tolower((unsigned char)name[i]);
        if (cap_from_name(buf, &v) < 0 || v < 0 || v > 63)
                return -EINVAL;
        return (int)v;
}

static int decode_cap_set(json_t *caps, const char *set, uint64_t *ret, struct berth_error *err)
{
        _cleanup_strv_free_ char **names = NULL;
        char p[FIELD_MAX];
        int r;

        *ret = 0;
        jdec_join(p, "process.capabilities", set);
        r = oci_get_strv(caps, "process.capabilities", set, &names, err);
        if (r < 0)
                return r;
        STRV_FOREACH (n, names) {
                int v = cap_parse(*n);

                if (v < 0)
                        return berth_error_set(err, EINVAL, "%s: unknown capability '%s'", p, *n);
                *ret |= UINT64_C(1) << v;
        }
        return 0;
}

/* An absent set is an empty one, as in the spec; no capabilities object at all leaves
 * the engine's default set. */
static int decode_caps(json_t *p, struct berth_workload *w, struct berth_error *err)
{
        static const struct oci_field fields[] = { { "bounding" },    { "effective" },
                                                   { "inheritable" }, { "permitted" },
                                                   { "ambient" },     {} };
        json_t *caps;
        int r;

        r = oci_get_object(p, "process", "capabilities", fields, &caps, err);
        if (r < 0 || !caps)
                return r;
        r = decode_cap_set(caps, "bounding", &w->caps, err);
        if (r >= 0)
                r = decode_cap_set(caps, "effective", &w->cap_effective, err);
        if (r >= 0)
                r = decode_cap_set(caps, "permitted", &w->cap_permitted, err);
        if (r >= 0)
                r = decode_cap_set(caps, "inheritable", &w->cap_inheritable, err);
        if (r >= 0)
                r = decode_cap_set(caps, "ambient", &w->cap_ambient, err);
        if (r < 0)
                return r;
        /* The kernel raises an ambient capability only when it is permitted and
         * inheritable; crun and runc ignore the refusal of the others, so that what
         * `crun spec` writes (ambient = bounding, inheritable empty) runs: the ambient
         * set is what the kernel would keep. */
        w->cap_ambient &= w->cap_permitted & w->cap_inheritable;
        w->caps_set = w->cap_sets = true;
        return 0;
}

static int decode_rlimit(json_t *v, const char *p, struct berth_workload *w,
                         struct berth_error *err)
{
        static const struct oci_field fields[] = { { "type" }, { "soft" }, { "hard" }, {} };
        struct berth_wl_rlimit *l = &w->rlimits[w->n_rlimits];
        int64_t soft = -1, hard = -1;
        const char *type;
        int r, res;

        r = oci_check_object(v, p, fields, err);
        if (r >= 0)
                r = oci_get_str(v, p, "type", true, &type, err);
        if (r >= 0)
                r = oci_get_int(v, p, "soft", 0, INT64_MAX, &soft, err);
        if (r >= 0)
                r = oci_get_int(v, p, "hard", 0, INT64_MAX, &hard, err);
        if (r < 0)
                return r;
        if (soft < 0 || hard < 0)
                return berth_error_set(err, EINVAL, "%s: soft and hard are required", p);
        res = berth_rlimit_from_string(type);
        if (res < 0 || strncmp(type, "RLIMIT_", 7) != 0)
                return berth_error_set(err, EINVAL, "%s.type: unknown resource limit '%s'", p,
                                       type);
        if (soft > hard)
                return berth_error_set(err, EINVAL, "%s: soft %lld is above hard %lld", p,
                                       (long long)soft, (long long)hard);
        for (size_t k = 0; k < w->n_rlimits; k++)
                if (berth_rlimit_from_string(w->rlimits[k].type) == res)
                        return berth_error_set(err, EINVAL, "%s.type: %s is given twice", p, type);
        l->type = strdup(type);
        if (!l->type)
                return -ENOMEM;
        l->soft = (uint64_t)soft;
        l->hard = (uint64_t)hard;
        w->n_rlimits++;
        return 0;
}

static int decode_rlimits(json_t *p, struct berth_workload *w, struct berth_error *err)
{
        json_t *a, *v;
        size_t i;
        int r;

        r = oci_get_array(p, "process", "rlimits", &a, err);
        if (r < 0 || !a || json_array_size(a) == 0)
                return r;
        w->rlimits = calloc(json_array_size(a), sizeof(*w->rlimits));
        if (!w->rlimits)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                char q[FIELD_MAX];

                r = decode_rlimit(v, oci_idx_path(q, "process.rlimits", i), w, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int decode_process(json_t *config, struct berth_workload *w, struct berth_error *err)
{
        static const struct oci_field fields[] = {
                { "terminal" },
                { "cwd" },
                { "env" },
                { "args" },
                { "rlimits" },
                { "capabilities" },
                { "noNewPrivileges" },
                { "oomScoreAdj" },
                { "user" },
                { "consoleSize", "" },
                { "commandLine", "a Windows field; give args", true },
                { "apparmorProfile", "" },
                { "scheduler", "" },
                { "selinuxLabel", "" },
                { "ioPriority", "" },
                { "execCPUAffinity", "" },
                {},
        };
        bool nnp = false;
        int64_t x = 0;
        json_t *p;
        int r;

        r = oci_get_object(config, "", "process", fields, &p, err);
        if (r < 0)
                return r;
        if (!p)
                return berth_error_set(err, EINVAL, "process is required");
        r = jdec_bool(p, "process", "terminal", &w->terminal, err);
        if (r >= 0)
                r = decode_args_env(p, w, err);
        if (r >= 0)
                r = decode_user(p, w, err);
        if (r >= 0)
                r = decode_caps(p, w, err);
        if (r >= 0)
                r = decode_rlimits(p, w, err);
        /* The spec's default is off, berth's on: say which, always. */
        if (r >= 0)
                r = jdec_bool(p, "process", "noNewPrivileges", &nnp, err);
        if (r < 0)
                return r;
        w->no_new_privs_set = true;
        w->no_new_privs = nnp;
        r = oci_get_int(p, "process", "oomScoreAdj", -1000, 1000, &x, err);
        if (r < 0)
                return r;
        if (r > 0) {
                w->oom_score_adj_set = true;
                w->oom_score_adj = (int)x;
        }
        return 0;
}

/* ---- mounts ----------------------------------------------------------------------- */

/* A bind mount's source: absolute, or relative to the bundle. */
static int bind_source(const char *bundle, const char *source, const char *p, char **ret,
                       struct berth_error *err)
{
        if (!source || !*source)
                return berth_error_set(err, EINVAL, "%s.source is required for a bind mount", p);
        if (source[0] == '/')
                *ret = strdup(source);
        else if (asprintf(ret, "%s/%s", bundle, source) < 0)
                *ret = NULL;
        return *ret ? 0 : -ENOMEM;
}

/* A bind mount, a tmpfs, or one of the mounts berth makes itself. Returns 1 and *ret_bind
 * for the first two; 0 for berth's own (recorded in w) / -errno. */
static int mount_kind(const char *type, const char *dest, char *const *options, const char *p,
                      struct berth_workload *w, bool *ret_bind, struct berth_error *err)
{
        bool bind;
        int r;

        bind = streq_ptr(type, "bind") || strv_contains(options, "bind") ||
               strv_contains(options, "rbind");
        if (bind && type && !streq(type, "bind") && !streq(type, "none") && *type)
                return berth_error_set(err, EINVAL, "%s: type '%s' with a bind option", p, type);
        if (!bind && (!type || !*type))
                return berth_error_set(err, EINVAL, "%s.type is required (or a bind option)", p);
        if (!bind) {
                bool cgroup = false;

                r = oci_api_mount(type, dest, options, p, &cgroup, err);
                if (r < 0)
                        return r;
                /* The cgroup tree is the container's own cgroup2 one, in a cgroup
                 * namespace, whatever the type says. */
                if (r > 0 && cgroup) {
                        w->cgroup_mount = true;
                        w->namespaces |= BERTH_NS_CGROUP;
                }
                if (r > 0)
                        return 0;
                if (!streq(type, "tmpfs"))
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s.type '%s': not supported yet (bind and tmpfs "
                                               "are)",
                                               p, type);
        }
        if (oci_api_destination(dest))
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s: a %s mount at %s: berth mounts %s itself", p,
                                       bind ? "bind" : "tmpfs", dest, dest);
        *ret_bind = bind;
        return 1;
}

static int decode_mount(const char *bundle, json_t *v, const char *p, struct berth_workload *w,
                        struct berth_error *err)
{
        static const struct oci_field fields[] = { { "destination" },
                                                   { "source" },
                                                   { "options" },
                                                   { "type" },
                                                   { "uidMappings", "id-mapped mounts" },
                                                   { "gidMappings", "id-mapped mounts" },
                                                   {} };
        _cleanup_strv_free_ char **options = NULL;
        _cleanup_free_ char *dest = NULL;
        struct berth_wl_mount *m = &w->mounts[w->n_mounts];
        const char *type, *source, *destination;
        bool bind = false;
        int r;

        r = oci_check_object(v, p, fields, err);
        if (r >= 0)
                r = oci_get_str(v, p, "destination", true, &destination, err);
        if (r >= 0)
                r = oci_get_str(v, p, "source", false, &source, err);
        if (r >= 0)
                r = oci_get_str(v, p, "type", false, &type, err);
        if (r >= 0)
                r = oci_get_strv(v, p, "options", &options, err);
        if (r < 0)
                return r;
        {
                char q[FIELD_MAX];

                r = oci_path_clean_field(jdec_join(q, p, "destination"), destination, &dest, err);
                if (r < 0)
                        return r;
        }
        if (streq(dest, "/"))
                return berth_error_set(err, EINVAL, "%s.destination must not be /", p);
        r = mount_kind(type, dest, options, p, w, &bind, err);
        if (r <= 0)
                return r;
        *m = (struct berth_wl_mount){ .kind = bind ? BERTH_WL_BIND : BERTH_WL_TMPFS };
        /* Counted now: from here the mount owns what it holds. */
        w->n_mounts++;
        m->destination = TAKE_PTR(dest);
        if (bind) {
                r = bind_source(bundle, source, p, &m->source, err);
                if (r < 0)
                        return r;
        }
        return oci_mount_options(options, p, m, err);
}

static int decode_mounts(const char *bundle, json_t *config, struct berth_workload *w,
                         const struct oci_overrides *o, struct berth_error *err)
{
        size_t n, i;
        json_t *a, *v;
        int r;

        r = oci_get_array(config, "", "mounts", &a, err);
        if (r < 0)
                return r;
        n = json_array_size(a) + (o && o->westeros_socket ? 1 : 0);
        if (n == 0)
                return 0;
        w->mounts = calloc(n, sizeof(*w->mounts));
        if (!w->mounts)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                char p[FIELD_MAX];

                r = decode_mount(bundle, v, oci_idx_path(p, "mounts", i), w, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the rest --------------------------------------------------------------------- */

static int decode_hooks(json_t *config, struct berth_error *err)
{
#define HOOK(name)                          \
        {                                   \
                name, "berth runs no hooks" \
        }
        static const struct oci_field fields[] = { HOOK("prestart"),
                                                   HOOK("createRuntime"),
                                                   HOOK("createContainer"),
                                                   HOOK("startContainer"),
                                                   HOOK("poststart"),
                                                   HOOK("poststop"),
                                                   {} };
#undef HOOK
        json_t *h;

        return oci_get_object(config, "", "hooks", fields, &h, err);
}

static int decode_version(json_t *config, struct berth_error *err)
{
        const char *v;
        int r;

        r = oci_get_str(config, "", "ociVersion", true, &v, err);
        if (r < 0)
                return r;
        if ((strncmp(v, "1.0", 3) != 0 && strncmp(v, "1.1", 3) != 0) ||
            (v[3] != 0 && !strchr(".-+", v[3])))
                return berth_error_set(err, EOPNOTSUPP,
                                       "ociVersion '%s': not supported (berth reads 1.0.x and "
                                       "1.1.x)",
                                       v);
        return 0;
}

/* "SIGTERM", "TERM", "15", "SIGRTMIN+3": the signal, or -EINVAL. */
static int signal_parse(const char *s)
{
        char *end;
        long n;

        if (isdigit((unsigned char)*s)) {
                errno = 0;
                n = strtol(s, &end, 10);
                return errno || *end || n < 1 || n >= _NSIG ? -EINVAL : (int)n;
        }
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
                bool min = strncasecmp(s, "RTMIN", 5) == 0;

                n = 0;
                if (s[5]) {
                        if (s[5] != (min ? '+' : '-') || !isdigit((unsigned char)s[6]))
                                return -EINVAL;
                        errno = 0;
                        n = strtol(s + 6, &end, 10);
                        if (errno || *end || n > SIGRTMAX - SIGRTMIN)
                                return -EINVAL;
                }
                return min ? SIGRTMIN + (int)n : SIGRTMAX - (int)n;
        }
        for (int i = 1; i < SIGRTMIN; i++) {
                const char *a = sigabbrev_np(i);

                if (a && strcasecmp(s, a) == 0)
                        return i;
        }
        return -EINVAL;
}

#define STOP_SIGNAL_KEY "org.opencontainers.image.stopSignal"

static int decode_annotations(json_t *config, struct berth_workload *w, json_t **ret,
                              struct berth_error *err)
{
        json_t *a = json_object_get(config, "annotations"), *v;
        const char *key, *sig;

        *ret = NULL;
        if (a && !json_is_null(a) && !json_is_object(a))
                return berth_error_set(err, EINVAL, "annotations must be an object of strings");
        json_object_foreach (a, key, v)
                if (!oci_json_str(v))
                        return berth_error_set(err, EINVAL, "annotations.%.200s must be a string",
                                               key);
        sig = json_string_value(json_object_get(a, STOP_SIGNAL_KEY));
        if (sig && *sig) {
                int s = signal_parse(sig);

                if (s < 0)
                        return berth_error_set(
                                err, EINVAL, "annotations." STOP_SIGNAL_KEY " '%s': unknown signal",
                                sig);
                w->stop_signal = s;
        }
        *ret = json_is_object(a) ? json_deep_copy(a) : json_object();
        return *ret ? 0 : -ENOMEM;
}

static int decode_hostname(json_t *config, struct berth_workload *w, struct berth_error *err)
{
        const char *h;
        int r;

        r = oci_get_str(config, "", "hostname", false, &h, err);
        if (r < 0 || !h || !*h)
                return r;
        if (strlen(h) > 64 || strchr(h, '/'))
                return berth_error_set(err, EINVAL,
                                       "hostname '%s' must be at most 64 bytes, without '/'", h);
        w->hostname = strdup(h);
        return w->hostname ? 0 : -ENOMEM;
}

static int apply_overrides(const struct oci_overrides *o, struct berth_workload *w,
                           struct berth_error *err)
{
        if (!o)
                return 0;
        if (o->westeros_socket) {
                struct berth_wl_mount *m = &w->mounts[w->n_mounts];

                if (o->westeros_socket[0] != '/')
                        return berth_error_set(err, EINVAL,
                                               "westerosSocket '%s' must be an absolute path",
                                               o->westeros_socket);
                *m = (struct berth_wl_mount){
                        .kind = BERTH_WL_BIND,
                        .flags = BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NODEV |
                                 BERTH_WL_MOUNT_NOEXEC,
                };
                w->n_mounts++;
                m->source = strdup(o->westeros_socket);
                m->destination = strdup(WESTEROS_PATH);
                if (!m->source || !m->destination ||
                    oci_env_set(&w->env, "XDG_RUNTIME_DIR=/tmp") < 0 ||
                    oci_env_set(&w->env, "WAYLAND_DISPLAY=westeros") < 0)
                        return -ENOMEM;
        }
        /* After westeros': what the caller says last wins. */
        return oci_overrides_apply(o, w, err);
}

int oci_overrides_apply(const struct oci_overrides *o, struct berth_workload *w,
                        struct berth_error *err)
{
        int r;

        if (o && o->command) {
                char **args = NULL;

                r = oci_split_command(o->command, &args, err);
                if (r < 0)
                        return r;
                strv_free(w->args);
                w->args = args;
                w->command_line = strdup(o->command);
                if (!w->command_line)
                        return -ENOMEM;
        }
        for (size_t i = 0; o && o->envvar && o->envvar[i]; i++) {
                if (!oci_env_entry_valid(o->envvar[i]))
                        return berth_error_set(err, EINVAL,
                                               "envvar[%zu] '%.128s' must be KEY=value", i,
                                               o->envvar[i]);
                r = oci_env_set(&w->env, o->envvar[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int translate(const char *bundle, json_t *config, const struct oci_overrides *o,
                     struct berth_workload *w, json_t **ret_annotations, struct berth_error *err)
{
#define PLATFORM(name)                                    \
        {                                                 \
                name, "berth runs Linux containers", true \
        }
        static const struct oci_field fields[] = { { "ociVersion" },     { "process" },
                                                   { "root" },           { "hostname" },
                                                   { "mounts" },         { "hooks" },
                                                   { "annotations" },    { "linux" },
                                                   { "domainname", "" }, PLATFORM("solaris"),
                                                   PLATFORM("windows"),  PLATFORM("vm"),
                                                   PLATFORM("zos"),      {} };
#undef PLATFORM
        int r;

        if (!bundle || bundle[0] != '/')
                return berth_error_set(err, EINVAL, "bundle '%s' must be an absolute path",
                                       bundle ? bundle : "");
        /* The version first: a config of another version may well have other fields. */
        if (!json_is_object(config))
                return berth_error_set(err, EINVAL, "config.json must be an object");
        r = decode_version(config, err);
        if (r >= 0)
                r = oci_check_object(config, "", fields, err);
        if (r >= 0)
                r = decode_process(config, w, err);
        if (r >= 0)
                r = decode_root(bundle, config, w, err);
        if (r >= 0)
                r = decode_hostname(config, w, err);
        if (r >= 0)
                r = decode_mounts(bundle, config, w, o, err);
        if (r >= 0)
                r = oci_decode_linux(config, o ? o->devices : NULL, w, err);
        if (r >= 0 && w->hostname && w->ns_join[BERTH_WL_JOIN_UTS])
                r = berth_error_set(err, EOPNOTSUPP,
                                    "hostname '%s': the uts namespace is joined "
                                    "(linux.namespaces), and keeps its own name",
                                    w->hostname);
        if (r >= 0)
                r = decode_hooks(config, err);
        if (r >= 0)
                r = apply_overrides(o, w, err);
        if (r < 0)
                return r;
        if (!w->args || !w->args[0])
                return berth_error_set(err, EINVAL, "process.args must have at least one item");
        if (!w->env && !(w->env = calloc(1, sizeof(char *))))
                return -ENOMEM;
        return decode_annotations(config, w, ret_annotations, err);
}

int oci_config_to_workload(const char *bundle, json_t *config, const struct oci_overrides *o,
                           struct berth_workload *w, json_t **ret_annotations,
                           struct berth_error *err)
{
        json_t *annotations = NULL;
        int r;

        berth_workload_init(w);
        r = translate(bundle, config, o, w, &annotations, err);
        if (r < 0) {
                json_decref(annotations);
                berth_workload_done(w);
                return r == -ENOMEM ? berth_error_set(err, ENOMEM, "out of memory") : r;
        }
        if (ret_annotations)
                *ret_annotations = annotations;
        else
                json_decref(annotations);
        return 0;
}

int oci_split_command(const char *line, char ***ret, struct berth_error *err)
{
        return cmdline_split(line, ret, err);
}
