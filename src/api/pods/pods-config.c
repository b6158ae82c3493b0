/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /api/v2/pod/config: the engine's daemon.json and the mount of the pod data root
 * (pods-config.h). Runs as root in a request thread: the only file written is the
 * daemon.json the operator named (--docker-daemon-json), atomically.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <libmount/libmount.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "fileio.h"
#include "macro.h"
#include "pods-config.h"
#include "pods-text.h"
#include "strbuf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_table *, mnt_unref_table)

#define DAEMON_JSON_MAX (1u << 20)

/* dockerd's documented daemon.json keys (docs/reference/commandline/dockerd.md, "Daemon
 * configuration file", 20.10), and proxies, log-format, default-network-opts and
 * cdi-spec-dirs of 23 to 26. Unknown keys are refused: dockerd refuses to start on a
 * file with one (and with a value of the wrong type), so it would fail at the
 * operator's next restart of the engine, not now. */
const struct pods_daemon_key pods_daemon_keys[] = {
        { "allow-nondistributable-artifacts", PODS_DJ_STRV },
        { "api-cors-header", PODS_DJ_STRING },
        { "authorization-plugins", PODS_DJ_STRV },
        { "bip", PODS_DJ_STRING },
        { "bridge", PODS_DJ_STRING },
        { "builder", PODS_DJ_OBJECT },
        { "cdi-spec-dirs", PODS_DJ_STRV },
        { "cgroup-parent", PODS_DJ_STRING },
        { "cluster-advertise", PODS_DJ_STRING },
        { "cluster-store", PODS_DJ_STRING },
        { "cluster-store-opts", PODS_DJ_OBJECT },
        { "containerd", PODS_DJ_STRING },
        { "containerd-namespace", PODS_DJ_STRING },
        { "containerd-plugins-namespace", PODS_DJ_STRING },
        { "data-root", PODS_DJ_STRING },
        { "debug", PODS_DJ_BOOL },
        { "default-address-pools", PODS_DJ_ARRAY },
        { "default-cgroupns-mode", PODS_DJ_STRING },
        { "default-gateway", PODS_DJ_STRING },
        { "default-gateway-v6", PODS_DJ_STRING },
        { "default-ipc-mode", PODS_DJ_STRING },
        { "default-network-opts", PODS_DJ_OBJECT },
        { "default-runtime", PODS_DJ_STRING },
        { "default-shm-size", PODS_DJ_STRING },
        { "default-ulimits", PODS_DJ_OBJECT },
        { "dns", PODS_DJ_STRV },
        { "dns-opts", PODS_DJ_STRV },
        { "dns-search", PODS_DJ_STRV },
        { "exec-opts", PODS_DJ_STRV },
        { "exec-root", PODS_DJ_STRING },
        { "experimental", PODS_DJ_BOOL },
        { "features", PODS_DJ_OBJECT },
        { "fixed-cidr", PODS_DJ_STRING },
        { "fixed-cidr-v6", PODS_DJ_STRING },
        { "group", PODS_DJ_STRING },
        { "host-gateway-ip", PODS_DJ_STRING },
        { "hosts", PODS_DJ_STRV },
        { "icc", PODS_DJ_BOOL },
        { "init", PODS_DJ_BOOL },
        { "init-path", PODS_DJ_STRING },
        { "insecure-registries", PODS_DJ_STRV },
        { "ip", PODS_DJ_STRING },
        { "ip-forward", PODS_DJ_BOOL },
        { "ip-masq", PODS_DJ_BOOL },
        { "ip6tables", PODS_DJ_BOOL },
        { "iptables", PODS_DJ_BOOL },
        { "ipv6", PODS_DJ_BOOL },
        { "labels", PODS_DJ_STRV },
        { "live-restore", PODS_DJ_BOOL },
        { "log-driver", PODS_DJ_STRING },
        { "log-format", PODS_DJ_STRING },
        { "log-level", PODS_DJ_STRING },
        { "log-opts", PODS_DJ_OBJECT },
        { "max-concurrent-downloads", PODS_DJ_INT },
        { "max-concurrent-uploads", PODS_DJ_INT },
        { "max-download-attempts", PODS_DJ_INT },
        { "metrics-addr", PODS_DJ_STRING },
        { "mtu", PODS_DJ_INT },
        { "no-new-privileges", PODS_DJ_BOOL },
        { "node-generic-resources", PODS_DJ_STRV },
        { "oom-score-adjust", PODS_DJ_INT },
        { "pidfile", PODS_DJ_STRING },
        { "proxies", PODS_DJ_OBJECT },
        { "raw-logs", PODS_DJ_BOOL },
        { "registry-mirrors", PODS_DJ_STRV },
        { "runtimes", PODS_DJ_OBJECT },
        { "seccomp-profile", PODS_DJ_STRING },
        { "selinux-enabled", PODS_DJ_BOOL },
        { "shutdown-timeout", PODS_DJ_INT },
        { "storage-driver", PODS_DJ_STRING },
        { "storage-opts", PODS_DJ_STRV },
        { "swarm-default-advertise-addr", PODS_DJ_STRING },
        { "tls", PODS_DJ_BOOL },
        { "tlscacert", PODS_DJ_STRING },
        { "tlscert", PODS_DJ_STRING },
        { "tlskey", PODS_DJ_STRING },
        { "tlsverify", PODS_DJ_BOOL },
        { "userland-proxy", PODS_DJ_BOOL },
        { "userland-proxy-path", PODS_DJ_STRING },
        { "userns-remap", PODS_DJ_STRING },
        {},
};

static const struct pods_daemon_key *daemon_key(const char *key)
{
        for (const struct pods_daemon_key *k = pods_daemon_keys; k->key; k++)
                if (streq(k->key, key))
                        return k;
        return NULL;
}

static bool type_ok(json_t *v, enum pods_daemon_type t)
{
        size_t i;
        json_t *x;

        switch (t) {
        case PODS_DJ_STRING:
                return json_is_string(v);
        case PODS_DJ_BOOL:
                return json_is_boolean(v);
        case PODS_DJ_INT:
                return json_is_integer(v);
        case PODS_DJ_OBJECT:
                return json_is_object(v);
        case PODS_DJ_STRV:
                if (!json_is_array(v))
                        return false;
                json_array_foreach (v, i, x)
                        if (!json_is_string(x))
                                return false;
                return true;
        case PODS_DJ_ARRAY:
                return json_is_array(v);
        }
        return false;
}

static const char *type_name(enum pods_daemon_type t)
{
        static const char *const names[] = {
                [PODS_DJ_STRING] = "a string",          [PODS_DJ_BOOL] = "true or false",
                [PODS_DJ_INT] = "an integer",           [PODS_DJ_OBJECT] = "an object",
                [PODS_DJ_STRV] = "an array of strings", [PODS_DJ_ARRAY] = "an array",
        };
        return names[t];
}

int pods_config_check_daemon_json(json_t *j, struct berth_error *err)
{
        struct strbuf b = {};
        const char *key;
        size_t n = 0;
        json_t *v;
        int r;

        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "configJson must be an object (daemon.json)");
        json_object_foreach (j, key, v)
                if (!daemon_key(key))
                        strbuf_printf(&b, "%s'%.64s'", n++ ? ", " : "", key);
        if (n > 0) {
                r = berth_error_set(err, EINVAL,
                                    "configJson: unknown daemon.json key%s %s (dockerd would "
                                    "refuse to start; the keys taken are those dockerd documents)",
                                    n > 1 ? "s" : "", b.oom ? "" : b.p);
                strbuf_wipe(&b);
                return r;
        }
        json_object_foreach (j, key, v) {
                const struct pods_daemon_key *k = daemon_key(key);

                if (!type_ok(v, k->type))
                        return berth_error_set(err, EINVAL, "configJson.%s must be %s", key,
                                               type_name(k->type));
        }
        return 0;
}

int pods_config_read_daemon_json(const char *path, json_t **ret, struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        json_error_t jerr;
        size_t len = 0;
        json_t *j;
        int r;

        r = read_file(path, DAEMON_JSON_MAX, &text, &len);
        if (r == -ENOENT || (r >= 0 && strspn(text, " \t\r\n") == len)) {
                *ret = json_object();
                return *ret ? 0 : -ENOMEM;
        }
        if (r < 0)
                return berth_error_set_errno(err, -r, "read %s", path);
        j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                return berth_error_set(err, EBADMSG, "%s is not valid JSON: line %d: %s", path,
                                       jerr.line, jerr.text);
        if (!json_is_object(j)) {
                json_decref(j);
                return berth_error_set(err, EBADMSG, "%s does not hold a JSON object", path);
        }
        *ret = j;
        return 0;
}

int pods_config_write_daemon_json(const char *path, json_t *j, struct berth_error *err)
{
        _cleanup_free_ char *target = NULL, *dir_copy = NULL, *text = NULL;
        json_t *old = NULL;
        struct stat st;
        size_t len;
        bool same;
        int r;

        /* A symlinked daemon.json (a configuration manager's) stays a link. */
        target = realpath(path, NULL);
        if (!target && errno != ENOENT)
                return berth_error_set_errno(err, errno, "resolve %s", path);
        if (!target && !(target = strdup(path)))
                return -ENOMEM;
        dir_copy = strdup(target);
        if (!dir_copy)
                return -ENOMEM;
        if (stat(dirname(dir_copy), &st) < 0 || !S_ISDIR(st.st_mode))
                return berth_error_set(err, ENOENT,
                                       "the directory of %s does not exist (is the engine "
                                       "installed?); berth does not make it",
                                       target);
        /* An unreadable or invalid old file is replaced. */
        same = pods_config_read_daemon_json(target, &old, NULL) >= 0 && json_equal(old, j);
        json_decref(old);
        if (same)
                return 0;
        text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
                return -ENOMEM;
        len = strlen(text);
        {
                char *t = realloc(text, len + 2);
                if (!t)
                        return -ENOMEM;
                text = t;
                text[len] = '\n';
                text[len + 1] = 0;
        }
        r = write_file_atomic_full(target, text, len + 1, 0644, /* durable= */ true);
        if (r < 0)
                return berth_error_set_errno(err, -r, "write %s", target);
        return 1;
}

/* ---- the mount of the pod data root ------------------------------------------------ */

/* Lexically normal: no "//", "." or ".."; "/" for the root. */
static char *normalize(const char *path)
{
        size_t n = strlen(path), o = 0;
        char *out = malloc(n + 2);

        if (!out)
                return NULL;
        for (const char *p = path; *p;) {
                size_t k;

                while (*p == '/')
                        p++;
                k = strcspn(p, "/");
                if (k == 0 || (k == 1 && p[0] == '.')) {
                        p += k;
                        continue;
                }
                if (k == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--; /* the '/' before the component */
                        p += k;
                        continue;
                }
                out[o++] = '/';
                memcpy(out + o, p, k);
                o += k;
                p += k;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = 0;
        return out;
}

int pods_config_resolve(const char *path, char **ret)
{
        _cleanup_free_ char *norm = NULL;
        size_t cut;

        if (!path || path[0] != '/')
                return -EINVAL;
        norm = normalize(path);
        if (!norm)
                return -ENOMEM;
        cut = strlen(norm);
        for (;;) {
                _cleanup_free_ char *prefix = strndup(norm, cut ? cut : 1), *real = NULL;
                const char *tail = norm + cut;

                if (!prefix)
                        return -ENOMEM;
                real = realpath(prefix, NULL);
                if (real) {
                        if (asprintf(ret, "%s%s", streq(real, "/") && *tail ? "" : real, tail) < 0)
                                return -ENOMEM;
                        return 0;
                }
                if ((errno != ENOENT && errno != ENOTDIR) || cut <= 1)
                        return -errno;
                while (cut > 0 && norm[cut - 1] != '/')
                        cut--;
                if (cut > 1)
                        cut--; /* drop the '/' too, but keep "/" */
        }
}

static void add_options(json_t *o, const char *opts)
{
        _cleanup_free_ char *copy = opts ? strdup(opts) : NULL;
        char *p = copy, *name, *value;
        size_t namesz, valuesz;

        while (p && mnt_optstr_next_option(&p, &name, &namesz, &value, &valuesz) == 0) {
                _cleanup_free_ char *k = strndup(name, namesz);

                if (!k || json_object_get(o, k))
                        continue;
                (void)json_object_set_new(o, k, value ? json_stringn(value, valuesz) : json_true());
        }
}

json_t *pods_config_options(const char *vfs_options, const char *fs_options)
{
        json_t *o = json_object();

        if (!o)
                return NULL;
        add_options(o, vfs_options);
        add_options(o, fs_options);
        return o;
}

int pods_config_mount_of(const char *mountinfo, const char *path, json_t **ret,
                         struct berth_error *err)
{
        _cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
        _cleanup_free_ char *cand = NULL;
        struct libmnt_fs *fs = NULL;
        const char *src;
        int r;

        tb = mnt_new_table();
        cand = strdup(path);
        if (!tb || !cand)
                return -ENOMEM;
        r = mnt_table_parse_file(tb, mountinfo);
        if (r < 0)
                return berth_error_set_errno(err, -r, "read %s", mountinfo);
        for (;;) {
                char *slash;

                fs = mnt_table_find_target(tb, cand, MNT_ITER_BACKWARD);
                if (fs || streq(cand, "/"))
                        break;
                slash = strrchr(cand, '/');
                if (!slash)
                        break;
                if (slash == cand)
                        slash[1] = 0;
                else
                        *slash = 0;
        }
        if (!fs)
                return berth_error_set(err, ENOENT, "no mount in %s holds %s", mountinfo, path);
        src = mnt_fs_get_source(fs);
        *ret = json_pack("{s:o, s:s, s:s, s:o, s:i, s:i}", "source",
                         src ? json_string(src) : json_null(), "mountpoint", mnt_fs_get_target(fs),
                         "type", mnt_fs_get_fstype(fs) ? mnt_fs_get_fstype(fs) : "", "options",
                         pods_config_options(mnt_fs_get_vfs_options(fs), mnt_fs_get_fs_options(fs)),
                         "fs_freq", 0, "fs_passno", 0);
        return *ret ? 0 : -ENOMEM;
}
