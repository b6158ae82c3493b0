/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A workload as Docker runs it: what Docker cannot honour is refused before anything is
 * made (nothing is contacted), the rest becomes the body of POST /containers/create.
 * What the workload leaves unset is Docker's default (its capability set, no
 * no_new_privs, its seccomp profile), as people who run images expect.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <time.h>

#include "docker-internal.h"
#include "json-util.h"
#include "macro.h"
#include "strv.h"

/* Docker's default capabilities (oci/caps/defaults.go). */
static const int default_caps[] = {
        CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
        CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
        CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
        CAP_KILL,    CAP_AUDIT_WRITE,
};

static const char *const ulimit_names[] = {
        "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
        "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};

/* ---- checks ------------------------------------------------------------------------------- */

static bool name_ok(const char *n)
{
        if (!n || strlen(n) < 2 ||
            !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789",
                    n[0]))
                return false;
        return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
               strlen(n);
}

/* "RLIMIT_NOFILE" or "nofile" as Docker's name ("nofile"), or NULL. */
static const char *ulimit_name(const char *type, char *buf, size_t size)
{
        size_t i;

        if (!type)
                return NULL;
        if (strncasecmp(type, "RLIMIT_", 7) == 0)
                type += 7;
        for (i = 0; type[i] && i < size - 1; i++)
                buf[i] = (char)(type[i] >= 'A' && type[i] <= 'Z' ? type[i] - 'A' + 'a' : type[i]);
        buf[i] = 0;
        for (size_t k = 0; k < ELEMENTSOF(ulimit_names); k++)
                if (streq(buf, ulimit_names[k]))
                        return buf;
        return NULL;
}

static int check_mounts(const struct berth_workload *w, struct berth_error *err)
{
        for (size_t i = 0; i < w->n_mounts; i++) {
                const struct berth_wl_mount *m = &w->mounts[i];
                unsigned long prop = m->propagation & ~(unsigned long)MS_REC;

                if (!m->destination || m->destination[0] != '/' || strpbrk(m->destination, ":,"))
                        return berth_error_set(err, EINVAL,
                                               "mounts[%zu]: the destination must be an absolute "
                                               "path without ':' or ','",
                                               i);
                if (m->kind == BERTH_WL_TMPFS)
                        continue;
                if (!m->source || m->source[0] != '/' || strpbrk(m->source, ":,"))
                        return berth_error_set(err, EINVAL,
                                               "mounts[%zu]: a bind's source must be an absolute "
                                               "host path without ':' or ','",
                                               i);
                if (m->flags &
                    (BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NODEV | BERTH_WL_MOUNT_NOEXEC))
                        return berth_error_set(err, EOPNOTSUPP,
                                               "mounts[%zu]: nosuid, nodev and noexec on a bind "
                                               "are not something the docker engine does",
                                               i);
                if (prop == MS_UNBINDABLE)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "mounts[%zu]: unbindable propagation is not "
                                               "something the docker engine does",
                                               i);
        }
        return 0;
}

static int check_ports(const struct berth_workload *w, bool host, struct berth_error *err)
{
        for (size_t i = 0; i < w->n_ports; i++) {
                const struct berth_wl_port *p = &w->ports[i];
                unsigned n = p->port_end ? (unsigned)p->port_end - p->port + 1 : 1;
                unsigned hn = p->host_port_end ? (unsigned)p->host_port_end - p->host_port + 1 : 1;

                if (host)
                        return berth_error_set(err, EINVAL,
                                               "ports: a container on the host's network "
                                               "(network_mode host) publishes no ports");
                if (p->port == 0 || (p->port_end && p->port_end < p->port) ||
                    (p->host_port_end && p->host_port_end < p->host_port))
                        return berth_error_set(err, EINVAL, "ports[%zu]: not a port or range", i);
                if (p->proto && !streq(p->proto, "tcp") && !streq(p->proto, "udp") &&
                    !streq(p->proto, "sctp"))
                        return berth_error_set(err, EINVAL,
                                               "ports[%zu]: protocol '%s' (tcp, udp or sctp)", i,
                                               p->proto);
                if (n > 1 && hn > 1 && n != hn)
                        return berth_error_set(err, EINVAL,
                                               "ports[%zu]: the host range (%u ports) and the "
                                               "container's (%u) differ",
                                               i, hn, n);
                if (p->host_ip && strpbrk(p->host_ip, "/\"\\"))
                        return berth_error_set(err, EINVAL, "ports[%zu]: host address '%s'", i,
                                               p->host_ip);
        }
        return 0;
}

static int check_network(const struct berth_workload *w, struct berth_error *err)
{
        const char *mode = w->network_mode;

        if (mode && !streq(mode, "bridge") && !streq(mode, "host") && !streq(mode, "none"))
                return berth_error_set(err, EINVAL,
                                       "network_mode '%s': the docker engine takes bridge, host "
                                       "or none",
                                       mode);
        if (w->network && mode && !streq(mode, "bridge"))
                return berth_error_set(err, EINVAL,
                                       "network '%s' with network_mode %s: a container joins "
                                       "one or the other",
                                       w->network, mode);
        if (w->network && !name_ok(w->network))
                return berth_error_set(err, EINVAL, "network '%s': not a docker network name",
                                       w->network);
        if (strv_length(w->network_aliases) > 0 && !w->network)
                return berth_error_set(err, EINVAL,
                                       "network_aliases: docker gives aliases on a network "
                                       "the container joins by name only");
        return check_ports(w, mode && streq(mode, "host"), err);
}

/* What OCI bundles ask of the native launcher: the docker engine has none of it. */
static int check_oci_only(const struct berth_workload *w, struct berth_error *err)
{
        const char *field = w->terminal                     ? "terminal"
                            : w->masked_paths               ? "masked_paths"
                            : w->readonly_paths             ? "readonly_paths"
                            : w->cgroup_mount               ? "cgroup_mount"
                            : w->n_uid_map || w->n_gid_map  ? "uid_map"
                            : w->log_path                   ? "log_path"
                            : w->nat_addr                   ? "nat_addr"
                            : w->sysctls                    ? "sysctls"
                            : w->ns_join[BERTH_WL_JOIN_NET] ? "ns_join.net"
                            : w->ns_join[BERTH_WL_JOIN_IPC] ? "ns_join.ipc"
                            : w->ns_join[BERTH_WL_JOIN_UTS] ? "ns_join.uts"
                            : w->cgroups_path               ? "cgroups_path"
                            : w->rt_priority                ? "rt_priority"
                            : w->limits.n_devices           ? "limits.devices"
                                                            : NULL;

        if (field)
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s: not something the docker engine does (berth's own "
                                       "launcher does)",
                                       field);
        return 0;
}

static int check_misc(const struct berth_workload *w, struct berth_error *err)
{
        char buf[32];

        STRV_FOREACH (l, w->labels) {
                if (!strchr(*l, '=') || **l == '=')
                        return berth_error_set(err, EINVAL, "labels: '%s' is not key=value", *l);
                /* io.berth.src.* is the SRC door's (srcapp.h): its apps' facility,
                 * image and user. */
                if (strncmp(*l, "io.berth.", 9) == 0 && strncmp(*l, "io.berth.src.", 13) != 0)
                        return berth_error_set(
                                err, EINVAL, "labels: '%s': io.berth.* labels are berth's own", *l);
        }
        for (size_t i = 0; i < w->n_rlimits; i++)
                if (!ulimit_name(w->rlimits[i].type, buf, sizeof(buf)))
                        return berth_error_set(err, EINVAL, "rlimits[%zu]: unknown limit '%s'", i,
                                               w->rlimits[i].type ? w->rlimits[i].type : "");
        STRV_FOREACH (d, w->devices)
                if ((*d)[0] != '/')
                        return berth_error_set(err, EINVAL,
                                               "devices: '%s' does not start with a host path", *d);
        if (w->health && w->health->test && w->health->test[0] &&
            !streq(w->health->test[0], "CMD") && !streq(w->health->test[0], "CMD-SHELL") &&
            !streq(w->health->test[0], "NONE"))
                return berth_error_set(err, EINVAL,
                                       "health: the test starts with CMD, CMD-SHELL or NONE, "
                                       "not '%s'",
                                       w->health->test[0]);
        return 0;
}

int docker_check_workload(const struct berth_container *c, struct berth_error *err)
{
        const struct berth_workload *w = &c->w;
        int r;

        if (!w->image || !w->image[0])
                return berth_error_set(err, EINVAL,
                                       "image: the docker engine runs an image, and the "
                                       "workload names none");
        if (strpbrk(w->image, " \t\n\"\\"))
                return berth_error_set(err, EINVAL, "image '%s': not an image reference", w->image);
        if (!c->name)
                return berth_error_set(err, EINVAL, "the docker engine needs a container name");
        if (!name_ok(c->name))
                return berth_error_set(err, EINVAL,
                                       "container name '%s': docker takes "
                                       "[a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters at least)",
                                       c->name);
        if (c->mount)
                return berth_error_set(err, EOPNOTSUPP,
                                       "root: the docker engine runs the image '%s', not a "
                                       "berth mount",
                                       w->image);
        if (w->root_path)
                return berth_error_set(err, EOPNOTSUPP,
                                       "root_path: the docker engine runs an image, not a host "
                                       "path");
        if (w->systemd)
                return berth_error_set(err, EOPNOTSUPP,
                                       "systemd: the docker engine does not run systemd mode");
        if (w->seccomp != BERTH_WL_SECCOMP_DEFAULT)
                return berth_error_set(err, EOPNOTSUPP,
                                       "seccomp: the docker engine applies its default profile "
                                       "only");
        if (w->seccomp_rules)
                return berth_error_set(err, EOPNOTSUPP,
                                       "seccomp_rules: the docker engine applies its default "
                                       "profile only, not a custom seccomp filter");
        if (w->namespaces & BERTH_NS_USER)
                return berth_error_set(err, EOPNOTSUPP,
                                       "namespaces: a user namespace per container is not "
                                       "something the docker engine does (userns-remap is the "
                                       "daemon's)");
        if (w->cap_sets)
                return berth_error_set(err, EOPNOTSUPP,
                                       "capabilities: the docker engine sets the bounding set "
                                       "only (caps), not the effective, permitted, inheritable "
                                       "and ambient sets");
        if (w->umask >= 0)
                return berth_error_set(err, EOPNOTSUPP,
                                       "umask: the docker engine has no umask for a container");
        r = check_mounts(w, err);
        if (r >= 0)
                r = check_network(w, err);
        if (r >= 0)
                r = check_misc(w, err);
        if (r >= 0)
                r = check_oci_only(w, err);
        return r;
}

/* ---- the create body ----------------------------------------------------------------------- */

static int set_strv(json_t *o, const char *key, char *const *l)
{
        json_t *a;

        if (!l)
                return 0;
        a = berth_strv_to_json(l);
        return a ? json_object_set_new(o, key, a) : -ENOMEM;
}

static json_t *labels_json(const struct docker *dk, const struct berth_container *c)
{
        json_t *o = json_object();
        char id[24];

        if (!o)
                return NULL;
        STRV_FOREACH (l, c->w.labels) {
                const char *eq = strchr(*l, '=');
                _cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : NULL;
                if (!k || json_object_set_new(o, k, json_string(eq + 1)) < 0)
                        goto oom;
        }
        (void)snprintf(id, sizeof(id), "%llu", (unsigned long long)c->obj.id);
        if (json_object_set_new(o, "io.berth.managed", json_string("1")) < 0 ||
            json_object_set_new(o, "io.berth.owner", json_string(dk->owner)) < 0 ||
            json_object_set_new(o, "io.berth.id", json_string(id)) < 0)
                goto oom;
        return o;
oom:
        json_decref(o);
        return NULL;
}

static int add_binding(json_t *exposed, json_t *bindings, const struct berth_wl_port *p, unsigned i,
                       unsigned n, unsigned hn)
{
        char key[32], host[16] = "";
        json_t *list, *b;

        (void)snprintf(key, sizeof(key), "%u/%s", (unsigned)p->port + i,
                       p->proto ? p->proto : "tcp");
        if (p->host_port != 0 && n == 1 && hn > 1)
                (void)snprintf(host, sizeof(host), "%u-%u", p->host_port, p->host_port_end);
        else if (p->host_port != 0)
                (void)snprintf(host, sizeof(host), "%u", (unsigned)p->host_port + (hn > 1 ? i : 0));
        if (json_object_set_new(exposed, key, json_object()) < 0)
                return -ENOMEM;
        list = json_object_get(bindings, key);
        if (!list && json_object_set_new(bindings, key, list = json_array()) < 0)
                return -ENOMEM;
        /* HostPort is a string: a port, a range, or "" (Docker picks one). */
        b = json_pack("{s:s, s:s}", "HostIp", p->host_ip ? p->host_ip : "", "HostPort", host);
        return b && json_array_append_new(list, b) >= 0 ? 0 : -ENOMEM;
}

static int ports_json(const struct berth_workload *w, json_t *cfg, json_t *hc)
{
        json_t *exposed = json_object(), *bindings = json_object();
        int r = exposed && bindings ? 0 : -ENOMEM;

        for (size_t i = 0; i < w->n_ports && r >= 0; i++) {
                const struct berth_wl_port *p = &w->ports[i];
                unsigned n = p->port_end ? (unsigned)p->port_end - p->port + 1 : 1;
                unsigned hn = p->host_port_end ? (unsigned)p->host_port_end - p->host_port + 1 : 1;
                for (unsigned k = 0; k < n && r >= 0; k++)
                        r = add_binding(exposed, bindings, p, k, n, hn);
        }
        if (r >= 0 && json_object_set(cfg, "ExposedPorts", exposed) >= 0 &&
            json_object_set(hc, "PortBindings", bindings) >= 0)
                r = 0;
        else
                r = -ENOMEM;
        json_decref(exposed);
        json_decref(bindings);
        return r;
}

static const char *propagation_name(unsigned long p)
{
        bool rec = p & MS_REC;

        switch (p & ~(unsigned long)MS_REC) {
        case MS_PRIVATE:
                return rec ? "rprivate" : "private";
        case MS_SLAVE:
                return rec ? "rslave" : "slave";
        case MS_SHARED:
                return rec ? "rshared" : "shared";
        default:
                return NULL;
        }
}

/* Binds ("src:dst[:ro][,propagation]") and Tmpfs ({"dst": "size=…,mode=…"}). Binds are
 * recursive in Docker whatever the workload's flag says. */
static int mounts_json(const struct berth_workload *w, json_t *hc)
{
        json_t *binds = json_array(), *tmpfs = json_object();
        int r = binds && tmpfs ? 0 : -ENOMEM;

        for (size_t i = 0; i < w->n_mounts && r >= 0; i++) {
                const struct berth_wl_mount *m = &w->mounts[i];
                const char *prop = propagation_name(m->propagation);
                bool ro = m->flags & BERTH_WL_MOUNT_RO;
                char opts[160] = "", *s = NULL;

                if (m->kind == BERTH_WL_TMPFS) {
                        size_t n = 0;
                        if (m->size)
                                n += (size_t)snprintf(opts + n, sizeof(opts) - n, "size=%llu,",
                                                      (unsigned long long)m->size);
                        n += (size_t)snprintf(opts + n, sizeof(opts) - n, "mode=%o%s%s%s%s",
                                              m->mode ? m->mode : 0755u, ro ? ",ro" : "",
                                              m->flags & BERTH_WL_MOUNT_NOSUID ? ",nosuid" : "",
                                              m->flags & BERTH_WL_MOUNT_NODEV ? ",nodev" : "",
                                              m->flags & BERTH_WL_MOUNT_NOEXEC ? ",noexec" : "");
                        r = json_object_set_new(tmpfs, m->destination, json_string(opts));
                        continue;
                }
                if (asprintf(&s, "%s:%s%s%s%s%s", m->source, m->destination, ro || prop ? ":" : "",
                             ro ? "ro" : "", ro && prop ? "," : "", prop ? prop : "") < 0)
                        r = -ENOMEM;
                else
                        r = json_array_append_new(binds, json_string(s));
                free(s);
        }
        if (r >= 0 && json_object_set(hc, "Binds", binds) >= 0 &&
            json_object_set(hc, "Tmpfs", tmpfs) >= 0)
                r = 0;
        else
                r = -ENOMEM;
        json_decref(binds);
        json_decref(tmpfs);
        return r;
}

static json_t *cap_name(int cap)
{
        char *n = cap_to_name((cap_value_t)cap);
        json_t *j;

        if (!n)
                return NULL;
        for (char *p = n; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                        *p = (char)(*p - 'a' + 'A');
        j = json_string(n);
        cap_free(n);
        return j;
}

/* The bounding set as Docker's CapAdd and CapDrop against its default set. */
static int caps_json(const struct berth_workload *w, json_t *hc)
{
        json_t *add = json_array(), *drop = json_array();
        uint64_t def = 0;
        int r = add && drop ? 0 : -ENOMEM;

        for (size_t i = 0; i < ELEMENTSOF(default_caps); i++)
                def |= UINT64_C(1) << default_caps[i];
        for (int cap = 0; cap <= CAP_LAST_CAP && r >= 0; cap++) {
                bool want = w->caps & (UINT64_C(1) << cap), has = def & (UINT64_C(1) << cap);
                if (want != has)
                        r = json_array_append_new(want ? add : drop, cap_name(cap));
        }
        if (r >= 0 && json_object_set(hc, "CapAdd", add) >= 0 &&
            json_object_set(hc, "CapDrop", drop) >= 0)
                r = 0;
        else
                r = -ENOMEM;
        json_decref(add);
        json_decref(drop);
        return r;
}

static int devices_json(const struct berth_workload *w, json_t *hc)
{
        json_t *a = json_array();

        if (!a)
                return -ENOMEM;
        STRV_FOREACH (d, w->devices) {
                _cleanup_strv_free_ char **parts = NULL;
                char *copy = strdup(*d), *save = NULL;
                json_t *j;

                for (char *t = copy ? strtok_r(copy, ":", &save) : NULL; t;
                     t = strtok_r(NULL, ":", &save))
                        (void)strv_extend(&parts, t);
                free(copy);
                if (!parts) {
                        json_decref(a);
                        return -ENOMEM;
                }
                j = json_pack("{s:s, s:s, s:s}", "PathOnHost", parts[0], "PathInContainer",
                              parts[1] ? parts[1] : parts[0], "CgroupPermissions",
                              parts[1] && parts[2] ? parts[2] : "rwm");
                if (!j || json_array_append_new(a, j) < 0) {
                        json_decref(a);
                        return -ENOMEM;
                }
        }
        return json_object_set_new(hc, "Devices", a);
}

static int ulimits_json(const struct berth_workload *w, json_t *hc)
{
        json_t *a = json_array();
        char buf[32];

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < w->n_rlimits; i++) {
                const struct berth_wl_rlimit *l = &w->rlimits[i];
                /* Docker's are int64, -1 unlimited. */
                json_int_t soft = l->soft > INT64_MAX ? -1 : (json_int_t)l->soft;
                json_int_t hard = l->hard > INT64_MAX ? -1 : (json_int_t)l->hard;
                json_t *j =
                        json_pack("{s:s, s:I, s:I}", "Name", ulimit_name(l->type, buf, sizeof(buf)),
                                  "Soft", soft, "Hard", hard);
                if (!j || json_array_append_new(a, j) < 0) {
                        json_decref(a);
                        return -ENOMEM;
                }
        }
        return json_object_set_new(hc, "Ulimits", a);
}

static int resources_json(const struct berth_workload *w, json_t *hc)
{
        const struct berth_limits *l = &w->limits;
        int r = 0;

        if (l->memory)
                r |= json_object_set_new(hc, "Memory", json_integer((json_int_t)l->memory));
        /* Docker's MemorySwap is memory plus swap too (-1: unlimited). */
        if (l->memory && l->memory_swap)
                r |= json_object_set_new(hc, "MemorySwap", json_integer(l->memory_swap));
        if (l->pids)
                r |= json_object_set_new(hc, "PidsLimit", json_integer((json_int_t)l->pids));
        if (l->cpu_quota_us) {
                uint64_t period = l->cpu_period_us ? l->cpu_period_us : 100000;
                r |= json_object_set_new(hc, "NanoCpus",
                                         json_integer((json_int_t)((uint64_t)l->cpu_quota_us *
                                                                   1000000000u / period)));
        }
        if (l->cpu_weight) {
                /* cgroup v2's weight as v1's shares (systemd's conversion). */
                uint64_t shares = MAX((uint64_t)l->cpu_weight * 1024 / 100, (uint64_t)2);
                r |= json_object_set_new(hc, "CpuShares", json_integer((json_int_t)shares));
        }
        if (l->cpus[0])
                r |= json_object_set_new(hc, "CpusetCpus", json_string(l->cpus));
        if (l->mems[0])
                r |= json_object_set_new(hc, "CpusetMems", json_string(l->mems));
        return r < 0 ? -ENOMEM : 0;
}

static json_t *health_json(const struct berth_wl_health *h)
{
        json_t *test = berth_strv_to_json(h->test);

        if (!test)
                return NULL;
        return json_pack("{s:o, s:I, s:I, s:I, s:i}", "Test", test, "Interval",
                         (json_int_t)h->interval_ns, "Timeout", (json_int_t)h->timeout_ns,
                         "StartPeriod", (json_int_t)h->start_period_ns, "Retries", (int)h->retries);
}

void docker_signal_name(int sig, char *buf, size_t size)
{
        const char *n = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

        if (n)
                (void)snprintf(buf, size, "SIG%s", n);
        else
                (void)snprintf(buf, size, "%d", sig);
}

static int network_json(const struct berth_container *c, json_t *cfg, json_t *hc)
{
        const struct berth_workload *w = &c->w;
        const char *mode = w->network ? w->network : w->network_mode ? w->network_mode : "bridge";
        json_t *ep, *aliases;

        if (json_object_set_new(hc, "NetworkMode", json_string(mode)) < 0)
                return -ENOMEM;
        if (!w->network)
                return 0;
        aliases = berth_strv_to_json(w->network_aliases ? w->network_aliases : (char *[]){ NULL });
        ep = aliases ? json_pack("{s:{s:{s:o}}}", "EndpointsConfig", w->network, "Aliases", aliases)
                     : NULL;
        return ep ? json_object_set_new(cfg, "NetworkingConfig", ep) : -ENOMEM;
}

static int user_json(const struct berth_workload *w, json_t *cfg, json_t *hc)
{
        char user[32];

        if (w->user_name)
                return json_object_set_new(cfg, "User", json_string(w->user_name));
        if (!w->user_set)
                return 0;
        (void)snprintf(user, sizeof(user), "%u:%u", (unsigned)w->uid, (unsigned)w->gid);
        if (json_object_set_new(cfg, "User", json_string(user)) < 0)
                return -ENOMEM;
        if (w->n_gids > 0) {
                json_t *a = json_array();
                for (size_t i = 0; a && i < w->n_gids; i++) {
                        (void)snprintf(user, sizeof(user), "%u", (unsigned)w->gids[i]);
                        if (json_array_append_new(a, json_string(user)) < 0)
                                a = (json_decref(a), NULL);
                }
                return a ? json_object_set_new(hc, "GroupAdd", a) : -ENOMEM;
        }
        return 0;
}

static int host_config(const struct berth_container *c, json_t *cfg, json_t *hc)
{
        const struct berth_workload *w = &c->w;
        static const char *const policy[_BERTH_RESTART_MAX] = {
                [BERTH_RESTART_NO] = "no",
                [BERTH_RESTART_ALWAYS] = "always",
                [BERTH_RESTART_UNLESS_STOPPED] = "unless-stopped",
                [BERTH_RESTART_ON_FAILURE] = "on-failure",
        };
        char max_size[24];
        int r = 0;

        (void)snprintf(max_size, sizeof(max_size), "%llu",
                       (unsigned long long)(w->log_max ? w->log_max : BERTH_LOG_MAX_DEFAULT));
        r |= json_object_set_new(
                hc, "RestartPolicy",
                json_pack("{s:s, s:i}", "Name",
                          w->restart >= 0 && w->restart < _BERTH_RESTART_MAX ? policy[w->restart]
                                                                             : "no",
                          "MaximumRetryCount",
                          w->restart == BERTH_RESTART_ON_FAILURE ? (int)w->restart_max : 0));
        r |= json_object_set_new(
                hc, "LogConfig",
                json_pack("{s:s, s:{s:s}}", "Type", "json-file", "Config", "max-size", max_size));
        r |= json_object_set_new(hc, "Init", json_false());
        r |= json_object_set_new(hc, "Privileged", json_boolean(w->privileged));
        if (w->oom_score_adj_set)
                r |= json_object_set_new(hc, "OomScoreAdj", json_integer(w->oom_score_adj));
        if (w->no_new_privs_set && w->no_new_privs)
                r |= json_object_set_new(hc, "SecurityOpt",
                                         json_pack("[s]", "no-new-privileges:true"));
        if (w->namespaces & BERTH_NS_CGROUP)
                r |= json_object_set_new(hc, "CgroupnsMode", json_string("private"));
        if (r < 0)
                return -ENOMEM;
        if (resources_json(w, hc) < 0 || mounts_json(w, hc) < 0 || ports_json(w, cfg, hc) < 0 ||
            devices_json(w, hc) < 0 || ulimits_json(w, hc) < 0 || network_json(c, cfg, hc) < 0 ||
            (w->caps_set && caps_json(w, hc) < 0))
                return -ENOMEM;
        return 0;
}

json_t *docker_create_body(const struct docker *dk, const struct berth_container *c)
{
        const struct berth_workload *w = &c->w;
        bool host_net = w->network_mode && streq(w->network_mode, "host");
        json_t *cfg = json_object(), *hc = json_object(), *labels = labels_json(dk, c);
        char sig[24];
        int r = 0;

        if (!cfg || !hc || !labels)
                goto oom;
        docker_signal_name(berth_workload_stop_signal(w), sig, sizeof(sig));
        r |= json_object_set_new(cfg, "Image", json_string(w->image));
        r |= json_object_set_new(cfg, "Labels", TAKE_PTR(labels));
        r |= json_object_set_new(cfg, "Tty", json_false());
        r |= json_object_set_new(cfg, "AttachStdout", json_false());
        r |= json_object_set_new(cfg, "AttachStderr", json_false());
        r |= json_object_set_new(cfg, "StopSignal", json_string(sig));
        r |= json_object_set_new(cfg, "StopTimeout",
                                 json_integer((json_int_t)((w->stop_timeout_ms + 999) / 1000)));
        if (w->cwd)
                r |= json_object_set_new(cfg, "WorkingDir", json_string(w->cwd));
        /* Docker refuses a host name beside the host's network. */
        if (w->hostname && !host_net)
                r |= json_object_set_new(cfg, "Hostname", json_string(w->hostname));
        if (w->health)
                r |= json_object_set_new(cfg, "Healthcheck", health_json(w->health));
        if (r < 0 || (strv_length(w->args) > 0 && set_strv(cfg, "Cmd", w->args) < 0) ||
            set_strv(cfg, "Entrypoint", w->entrypoint) < 0 || set_strv(cfg, "Env", w->env) < 0 ||
            user_json(w, cfg, hc) < 0 || host_config(c, cfg, hc) < 0 ||
            json_object_set(cfg, "HostConfig", hc) < 0)
                goto oom;
        json_decref(hc);
        return cfg;
oom:
        json_decref(labels);
        json_decref(hc);
        json_decref(cfg);
        return NULL;
}

/* ---- Docker's words ----------------------------------------------------------------------- */

enum berth_container_state docker_state_from_status(const char *status)
{
        if (!status)
                return _BERTH_CONTAINER_STATE_INVALID;
        if (streq(status, "created"))
                return BERTH_CONTAINER_CREATED;
        if (streq(status, "running"))
                return BERTH_CONTAINER_RUNNING;
        if (streq(status, "paused"))
                return BERTH_CONTAINER_PAUSED;
        if (streq(status, "restarting") || streq(status, "exited"))
                return BERTH_CONTAINER_EXITED;
        if (streq(status, "dead") || streq(status, "removing"))
                return BERTH_CONTAINER_DEAD;
        return _BERTH_CONTAINER_STATE_INVALID;
}

bool docker_parse_time(const char *s, struct timespec *ret)
{
        struct tm tm = {};
        const char *end;
        long ns = 0;

        *ret = (struct timespec){};
        if (!s || strncmp(s, "0001-", 5) == 0)
                return false;
        end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                return false;
        if (*end == '.') {
                long scale = 100000000;
                for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
                        ns += (*end - '0') * scale;
        }
        ret->tv_sec = timegm(&tm);
        ret->tv_nsec = ns;
        return true;
}
