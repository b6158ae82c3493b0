/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "berthd-config.h"
#include "cgroup.h"
#include "container.h"
#include "docs.h"
#include "error.h"
#include "events-api.h"
#include "events.h"
#include "fileio.h"
#include "user.h"
#include "http.h"
#include "docker.h"
#include "imageapi.h"
#include "launch.h"
#include "metrics.h"
#include "pod.h"
#include "pods-api.h"
#include "oci-events.h"
#include "ocicontainer-api.h"
#include "oci-devices.h"
#include "ocicontainer.h"
#include "srcapp-api.h"
#include "srcapp.h"
#include "log.h"
#include "macro.h"
#include "persist.h"
#include "attach.h"
#include "mount.h"
#include "native.h"
#include "recover.h"
#include "server.h"
#include "store.h"
#include "strv.h"
#include "supervisor.h"

/* What berthd set up, in the order setup_steps[] sets it up. berthd_done() takes down
 * whatever was: pointers start NULL and fds -EBADF, so that a start that stopped half
 * way is taken down as a whole one is. */
struct berthd {
        const struct berthd_config *cfg;
        struct berth_http_listen listen; /* cfg's, with the socket group as its gid */
        sigset_t signals;                /* blocked in every thread; sigwait() takes them */
        struct berth_events events;
        struct berth_store *store;
        int lock_fd;
        int parent_fd;
        bool socket_gid_known;
        gid_t socket_gid;
        struct berth_launcher *launcher;
        struct berth_cgroup_system *cgroups;
        struct oci_device_allowlist devices; /* --oci-device-allow */
        struct berth_supervisor *supervisor;
        struct berth_engine *native; /* NULL without berth-init */
        struct berth_engine *docker;
        struct berth_pods *pods; /* NULL when its database could not be opened */
        struct berth_http_router *router;
        struct imageapi imageapi;
        struct berth_http_api containers_http;
        struct berth_events_api events_api;
        struct berth_pods_api pods_api;
        struct src_apps *src; /* NULL when the SRC door is off (src_off says why) */
        char src_off[256];
        struct berth_srcapp_api srcapp_api;
        struct oci_containers *oci;
        struct oci_events *oci_events;
        struct berth_ocicontainer_api oci_api;
        struct berth_docs docs;
        struct berth_metrics metrics;
        struct berth_http_server *server;
        bool listen_file; /* STATE_DIR/listen is ours to remove */
};

/* Tell systemd (Type=notify) without linking libsystemd. */
static void sd_notify_ready(const char *status)
{
        const char *e = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        char msg[256];
        socklen_t len;

        if (!e || (e[0] != '/' && e[0] != '@') || strlen(e) >= sizeof(sa.sun_path))
                return;
        strcpy(sa.sun_path, e);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(e));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        (void)snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
        (void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
}

/* What browsers may send (berth_http_router_set_browser_policy()). */
static int set_browser_policy(const struct berthd_config *cfg, struct berth_http_router *router)
{
        _cleanup_strv_free_ char **hosts = strv_copy(cfg->allow_hosts);
        struct in_addr a;

        if (!hosts)
                return -ENOMEM;
        /* An address literal berthd listens on names itself: no DNS rebinding there. */
        if ((cfg->listen.schemes & (BERTH_SCHEME_HTTP | BERTH_SCHEME_HTTPS)) &&
            inet_pton(AF_INET, cfg->host, &a) == 1 && strv_extend(&hosts, cfg->host) < 0)
                return -ENOMEM;
        if (cfg->tls_host && inet_pton(AF_INET, cfg->tls_host, &a) == 1 &&
            strv_extend(&hosts, cfg->tls_host) < 0)
                return -ENOMEM;
        return berth_http_router_set_browser_policy(router, cfg->allow_origins, hosts);
}

static int write_listen_file(const char *state_dir, const char *urls)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/listen", state_dir) < 0)
                return -ENOMEM;
        return write_file_atomic(path, urls, strlen(urls), 0644);
}

static void remove_listen_file(struct berthd *d)
{
        _cleanup_free_ char *path = NULL;

        if (!d->listen_file)
                return;
        d->listen_file = false;
        if (asprintf(&path, "%s/listen", d->cfg->state_dir) < 0) {
                path = NULL;
                return;
        }
        (void)unlink(path);
}

/* The token of --token-file: one line of printable characters without spaces (its
 * trailing newline ignored). Never logged. */
static int read_token(const char *flag, const char *path, char **ret, struct berth_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[4097];
        struct stat st;
        ssize_t n;
        size_t len;

        if (fd < 0)
                return berth_error_set_errno(err, errno, "--%s '%s'", flag, path);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return berth_error_set(err, EINVAL, "--%s '%s' is not a regular file", flag, path);
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return berth_error_set_errno(err, errno, "read --%s '%s'", flag, path);
        if ((size_t)n >= sizeof(buf) - 1)
                return berth_error_set(err, EINVAL, "--%s '%s' is longer than 4 KiB", flag, path);
        len = (size_t)n;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
        buf[len] = 0;
        for (size_t i = 0; i < len; i++)
                if (buf[i] <= ' ' || buf[i] > '~') {
                        explicit_bzero(buf, sizeof(buf));
                        return berth_error_set(err, EINVAL,
                                               "--%s '%s' must hold one token of "
                                               "printable characters without spaces",
                                               flag, path);
                }
        if (len == 0)
                return berth_error_set(err, EINVAL, "--%s '%s' is empty", flag, path);
        if (st.st_mode & 0077)
                log_warning("--%s '%s' can be read by others than its owner (mode %04o)", flag,
                            path, (unsigned)(st.st_mode & 07777));
        *ret = strdup(buf);
        explicit_bzero(buf, sizeof(buf));
        return *ret ? 0 : -ENOMEM;
}

/* Every thread started from here on inherits the blocked set; the main thread takes
 * the signals with sigwait(). */
static int block_signals(struct berthd *d)
{
        sigemptyset(&d->signals);
        sigaddset(&d->signals, SIGTERM);
        sigaddset(&d->signals, SIGINT);
        sigaddset(&d->signals, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &d->signals, NULL);
        signal(SIGPIPE, SIG_IGN);
        return 0;
}

static int open_store(struct berthd *d)
{
        const struct berthd_config *cfg = d->cfg;
        struct berth_store_config scfg = { .state_dir = cfg->state_dir };
        struct berth_error err = {};
        int r;

        r = berth_store_new(&scfg, &d->store, &err);
        if (r < 0) {
                log_error("%s", err.msg);
                return r;
        }
        d->store->events = &d->events;
        return 0;
}

/* One berthd per state directory: two would hand out the same ids. */
static int lock_state_dir(struct berthd *d)
{
        const char *state_dir = d->cfg->state_dir;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        char pid[32];

        if (asprintf(&path, "%s/berthd.lock", state_dir) < 0)
                return -ENOMEM;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(errno, "State directory '%s' is not usable: %m", state_dir);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                char other[32] = "";
                ssize_t n = pread(fd, other, sizeof(other) - 1, 0);
                other[n > 0 ? n : 0] = 0;
                other[strcspn(other, "\n")] = 0;
                log_error("Another berthd (pid %s) is using state directory '%s'",
                          other[0] ? other : "?", state_dir);
                return -EBUSY;
        }
        (void)snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
                return log_error_errno(errno, "Failed to write '%s': %m", path);
        d->lock_fd = TAKE_FD(fd);
        return 0;
}

/* The cgroup parent is this berthd's alone: its recovery sweep removes whatever groups
 * under it no record names, so a second berthd there would take the first one's
 * containers and zygotes for leftovers. Claimed by an abstract socket name, which the
 * kernel frees with the process. */
static int claim_cgroup_parent(struct berthd *d)
{
        const char *parent = d->cfg->cgroup_parent;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        socklen_t len;
        int n;

        n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "berthd/cgroup-parent/%s", parent);
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to claim the cgroup parent: %m");
        if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
                if (errno == EADDRINUSE)
                        return log_error_errno(EBUSY,
                                               "cgroup parent '%s' is in use by another berthd "
                                               "(another state directory): give each berthd its "
                                               "own --cgroup-parent",
                                               parent);
                return log_error_errno(errno, "Failed to claim the cgroup parent: %m");
        }
        d->parent_fd = TAKE_FD(fd);
        return 0;
}

/* --socket-group, looked up once for the state directory and the socket, when the
 * first of them needs it; the transport gets the gid with the name. */
static int lookup_socket_group(struct berthd *d)
{
        const char *group = d->cfg->socket_group;

        if (d->socket_gid_known)
                return 0;
        if (group_lookup(group, &d->socket_gid) < 0)
                return log_error_errno(ENOENT, "--socket-group '%s' is not a group", group);
        d->socket_gid_known = true;
        d->listen.socket_gid_set = true;
        d->listen.socket_gid = d->socket_gid;
        return 0;
}

/* Is the state directory --socket-group's too? Only when the socket lives right in it. */
static bool state_dir_is_groups(const struct berthd_config *cfg)
{
        size_t n = strlen(cfg->state_dir);

        if (!cfg->socket_group || !(cfg->listen.schemes & BERTH_SCHEME_UNIX))
                return false;
        return strncmp(cfg->socket_path, cfg->state_dir, n) == 0 && cfg->socket_path[n] == '/' &&
               !strchr(cfg->socket_path + n + 1, '/');
}

/* The state directory holds the socket, the records, the logs and the containers' root
 * file systems: root's alone (0700), or traversable by --socket-group's members (0710)
 * when the socket is in it, so that they can connect; every directory below it stays
 * 0700. Whatever mode an earlier run or an operator left is corrected. */
static int secure_state_dir(struct berthd *d)
{
        const char *state_dir = d->cfg->state_dir;
        bool group = state_dir_is_groups(d->cfg);
        struct stat st;
        int r;

        if (group) {
                r = lookup_socket_group(d);
                if (r < 0)
                        return r;
        }
        if (lstat(state_dir, &st) < 0)
                return log_error_errno(errno, "State directory '%s': %m", state_dir);
        if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
                return log_error_errno(
                        EPERM, "State directory '%s' must be a directory owned by root", state_dir);
        if (chown(state_dir, 0, group ? d->socket_gid : 0) < 0 ||
            chmod(state_dir, group ? 0710 : 0700) < 0)
                return log_error_errno(errno, "Failed to secure state directory '%s': %m",
                                       state_dir);
        return 0;
}

/* Containers: the launcher (berth-init and the seccomp programs), the host's cgroups
 * and the supervisor thread. Without berth-init berthd still serves attachments and
 * mounts; container requests then get 501. */
static int open_launcher(struct berthd *d)
{
        struct berth_error err = {};

        if (berth_launcher_new(&d->launcher, &err) < 0)
                log_warning("Containers are not available: %s", err.msg);
        return 0;
}

/* --oci-device-allow: the nodes and their devices, read once (the flag's parser checked
 * them). */
static int load_devices(struct berthd *d)
{
        struct berth_error err = {};
        int r = oci_device_allow_load(d->cfg->oci_device_allow, &d->devices, &err);

        if (r < 0)
                return log_error_errno(r, "%s", err.msg[0] ? err.msg : strerror(-r));
        for (size_t i = 0; i < d->devices.n; i++)
                log_info("Dobby specs may ask for %s (c %u:%u)", d->devices.v[i].path,
                         d->devices.v[i].major, d->devices.v[i].minor);
        return 0;
}

static void prepare_cgroups(struct berthd *d, struct berth_cgroup_system *cs)
{
        struct berth_device devs[64];
        struct berth_error err = {};
        size_t n = 0;

        for (size_t i = 0; i < d->devices.n && n < ELEMENTSOF(devs); i++)
                devs[n++] = (struct berth_device){ d->devices.v[i].major, d->devices.v[i].minor,
                                                   BERTH_DEVICE_READ | BERTH_DEVICE_WRITE };
        if (berth_cgroup_system_allow_devices(cs, devs, n) < 0)
                log_warning("The device allow-list is not in berth's cgroups: out of memory");

        log_info("cgroups: %s layout%s%s", berth_cgroup_layout_to_string(cs->layout),
                 cs->v2 ? ", v2 at " : "", cs->v2 ? cs->v2 : "");
        if (berth_cgroup_system_prepare(cs, &err) < 0)
                log_warning("Containers' devices are confined by v1 groups only, and "
                            "containers without one get no CAP_MKNOD: %s",
                            err.msg);
}

static int detect_cgroups(struct berthd *d)
{
        struct berth_error err = {};

        if (berth_cgroup_system_detect("/sys/fs/cgroup", d->cfg->cgroup_parent, &d->cgroups, &err) <
            0)
                log_warning("Containers run without cgroups: %s", err.msg);
        else
                prepare_cgroups(d, d->cgroups);
        return 0;
}

static int new_supervisor(struct berthd *d)
{
        int r = berth_supervisor_new(&d->supervisor);

        if (r < 0)
                return log_error_errno(r, "Failed to set up the supervisor: %m");
        return 0;
}

/* The object types, each with its own settings, and the engines that run containers
 * (the native one when there is a launcher). */
static int register_types(struct berthd *d)
{
        const struct berthd_config *cfg = d->cfg;
        struct berth_error err = {};
        int r;

        r = berth_attach_type_register(d->store,
                                       &(struct berth_attach_config){
                                               .sysfs_root = cfg->sysfs_root,
                                               .dev_root = cfg->dev_root,
                                               .ceph_conf = cfg->ceph_conf,
                                       },
                                       d->supervisor, &err);
        if (r >= 0)
                r = berth_mount_type_register(
                        d->store,
                        &(struct berth_mount_config){ .overlay_upper_size =
                                                              cfg->overlay_upper_size },
                        &err);
        if (r >= 0)
                r = berth_container_type_register(
                        d->store,
                        &(struct berth_container_config){ .logs_kept = cfg->logs_kept,
                                                          .refuse_privileged =
                                                                  cfg->refuse_privileged },
                        &err);
        /* Without a launcher too: its containers are re-adopted and can be stopped
         * and deleted; a start or an exec is refused (501). */
        if (r >= 0)
                r = berth_native_engine_new(d->store,
                                            &(struct berth_native_config){
                                                    .launcher = d->launcher,
                                                    .cgroups = d->cgroups,
                                                    .supervisor = d->supervisor,
                                                    .log_max = cfg->log_max,
                                            },
                                            &d->native, &err);
        if (r >= 0 && d->native)
                r = berth_container_add_engine(d->store, d->native);
        /* A client of the engine: nothing is contacted until a container needs it. */
        if (r >= 0)
                r = berth_docker_engine_new(d->store,
                                            &(struct berth_docker_config){
                                                    .host = cfg->docker_host,
                                                    .owner = cfg->state_dir,
                                            },
                                            &d->docker, &err);
        if (r >= 0)
                r = berth_container_add_engine(d->store, d->docker);
        if (r < 0) {
                log_error("Failed to set up the object types: %s",
                          err.msg[0] ? err.msg : strerror(-r));
                return r;
        }
        return 0;
}

static int start_supervisor(struct berthd *d)
{
        int r = berth_supervisor_start(d->supervisor);

        if (r < 0)
                return log_error_errno(r, "Failed to start the supervisor thread: %m");
        return 0;
}

/* Everything an earlier berthd left: re-adopted before the first request. */
static int recover_state(struct berthd *d)
{
        int r;

        r = berth_store_recover(d->store);
        if (r < 0)
                return log_error_errno(r, "Failed to recover the state in '%s': %m",
                                       d->cfg->state_dir);
        return 0;
}

/* The docker engine's events keep its containers' states; pods that are enabled come
 * back (what a reboot took is made again; what runs is left alone). A pods database
 * that cannot be opened turns the pods off, not berthd. */
static int start_pods(struct berthd *d)
{
        const struct berthd_config *cfg = d->cfg;
        struct berth_error err = {};
        int r;

        r = berth_docker_engine_start(d->docker, &err);
        if (r < 0)
                log_warning("The docker engine's events are not followed: %s", err.msg);
        r = berth_pods_new(d->store,
                           &(struct berth_pods_config){
                                   .data_dir = cfg->data_dir,
                                   .data_root = cfg->pod_data_root,
                                   .recipes_dir = cfg->recipes_dir,
                                   .prefix = cfg->pod_prefix,
                                   .ceph_conf = cfg->ceph_conf,
                                   .allow_host_paths = cfg->pods_allow_host_paths,
                                   .allow_privileged = cfg->pods_allow_privileged,
                           },
                           &d->pods, &err);
        if (r < 0) {
                log_warning("Pods are off: %s", err.msg[0] ? err.msg : strerror(-r));
                return 0;
        }
        err = (struct berth_error){};
        if (berth_pods_recover(d->pods, &err) < 0)
                log_warning("Pods: %s", err.msg);
        return 0;
}

/* The SRC apps door (seed 001). A database that cannot be opened turns the door off
 * (it answers 503 saying why), not berthd; a flag's file that cannot be read stops the
 * start, as --token-file's does. */
static int start_src(struct berthd *d)
{
        const struct berthd_config *cfg = d->cfg;
        struct berth_error err = {};
        char *admin = NULL;
        int r;

        if (cfg->src_admin_token_file) {
                r = read_token("src-admin-token-file", cfg->src_admin_token_file, &admin, &err);
                if (r < 0) {
                        log_error("%s", err.msg[0] ? err.msg : strerror(-r));
                        return r;
                }
        }
        r = src_apps_new(d->store,
                         &(struct src_config){
                                 .data_dir = cfg->data_dir,
                                 .facilities = cfg->src_facilities,
                                 .mode = !cfg->src_mode                  ? SRC_MODE_AUTO
                                         : streq(cfg->src_mode, "swarm") ? SRC_MODE_SWARM
                                                                         : SRC_MODE_SOLO,
                                 .admin_token = admin,
                                 .allowed_images = cfg->src_allowed_images,
                                 .uptime_keep = cfg->src_uptime_keep,
                                 .node_engines = cfg->src_node_engines,
                                 .node_tls_dir = cfg->src_node_tls_dir,
                         },
                         &d->src, &err);
        erase_and_free(admin);
        /* The operator's own files and nodes are wrong: berthd does not start. */
        if (r < 0 &&
            (strstr(err.msg, "--src-allowed-images") || strstr(err.msg, "--src-node-engine"))) {
                log_error("%s", err.msg);
                return r;
        }
        if (r < 0) {
                (void)snprintf(d->src_off, sizeof(d->src_off), "%s",
                               err.msg[0] ? err.msg : strerror(-r));
                log_warning("The SRC apps are off: %s", d->src_off);
        }
        return 0;
}

/* org.rdk.OCIContainer (seed 004): its containers that ended while berthd was down are
 * removed, then each one as it ends. */
static int start_oci(struct berthd *d)
{
        int r;

        r = oci_containers_new(&(struct oci_containers_config){ .store = d->store,
                                                                .cgroups = d->cgroups,
                                                                .nat_range = d->cfg->oci_nat_range,
                                                                .devices = &d->devices,
                                                                .ai_buses = {
                                                                        d->cfg->oci_ai_public_bus,
                                                                        d->cfg->oci_ai_private_bus,
                                                                } },
                               &d->oci);
        if (r >= 0)
                r = oci_containers_start(d->oci);
        if (r >= 0)
                r = oci_events_new(&(struct oci_events_config){ .store = d->store },
                                   &d->oci_events);
        if (r >= 0)
                r = oci_events_start(d->oci_events);
        if (r < 0)
                return log_error_errno(r, "Failed to start the OCIContainer door: %m");
        return 0;
}

/* Containers of the default profile start from a pool of zygotes (launch.h) where the
 * host allows it (the native engine decides). Without them containers start the slower
 * way, so nothing here stops berthd. */
static int start_zygotes(struct berthd *d)
{
        struct berth_error err = {};

        if (d->native && berth_native_engine_zygotes(d->native, d->cfg->zygotes, &err) < 0)
                log_warning("Zygotes are off: %s", err.msg);
        return 0;
}

static int make_router(struct berthd *d)
{
        int r;

        r = berth_http_router_new(&d->router);
        if (r < 0)
                return r;
        return set_browser_policy(d->cfg, d->router);
}

static int require_token(struct berthd *d)
{
        const char *path = d->cfg->token_file;
        struct berth_error err = {};
        char *token = NULL;
        int r;

        if (!path)
                return 0;
        r = read_token("token-file", path, &token, &err);
        if (r >= 0) {
                r = berth_http_router_set_token(d->router, token);
                erase_and_free(token);
        }
        if (r < 0)
                log_error("%s", err.msg[0] ? err.msg : strerror(-r));
        return r;
}

static int add_apis(struct berthd *d)
{
        imageapi_init(&d->imageapi, d->store, d->cfg->max_body);
        imageapi_containers_init(&d->imageapi, &d->containers_http);
        berth_events_api_init(&d->events_api, &d->events, 16);
        berth_pods_api_init(&d->pods_api, d->pods, d->store, d->cfg->docker_daemon_json,
                            d->cfg->max_body);
        berth_srcapp_api_init(&d->srcapp_api, d->src, d->src_off);
        berth_ocicontainer_api_init(&d->oci_api, d->oci, d->cfg->max_body);
        berth_ocicontainer_api_set_events(&d->oci_api, d->oci_events);
        berth_docs_init(&d->docs);
        berth_metrics_init(&d->metrics, d->store, d->router);
        if (berth_http_router_add_api(d->router, &d->imageapi.http) < 0 ||
            berth_http_router_add_api(d->router, &d->containers_http) < 0 ||
            berth_http_router_add_api(d->router, &d->events_api.http) < 0 ||
            berth_http_router_add_api(d->router, &d->pods_api.http) < 0 ||
            berth_http_router_add_api(d->router, &d->srcapp_api.http) < 0 ||
            berth_http_router_add_api(d->router, &d->oci_api.http) < 0 ||
            berth_http_router_add_api(d->router, &d->docs.http) < 0 ||
            berth_http_router_add_api(d->router, &d->metrics.http) < 0)
                return -ENOMEM;
        return 0;
}

static int start_http_server(struct berthd *d)
{
        struct berth_error err = {};
        int r;

        if (d->cfg->socket_group && (d->listen.schemes & BERTH_SCHEME_UNIX)) {
                r = lookup_socket_group(d);
                if (r < 0)
                        return r;
        }
        r = berth_http_server_start(&d->listen, d->router, &d->server, &err);
        if (r < 0) {
                log_error("%s", err.msg);
                return r;
        }
        d->listen_file = true;
        return 0;
}

/* Where berthd listens: in STATE_DIR/listen for clients and tests, in the log, and to
 * systemd, which then takes berthd for started. */
static int announce(struct berthd *d)
{
        const char *state_dir = d->cfg->state_dir;
        char urls[1024];
        int r;

        r = write_listen_file(state_dir, berth_http_server_urls(d->server));
        if (r < 0)
                log_warning_errno(r, "Failed to write '%s/listen', ignoring: %m", state_dir);
        (void)snprintf(urls, sizeof(urls), "%s", berth_http_server_urls(d->server));
        for (char *p = urls; *p; p++)
                if (*p == '\n')
                        *p = p[1] ? ' ' : 0;
        log_info("berthd %s listening on %s (state in %s)", PACKAGE_VERSION, urls, state_dir);
        sd_notify_ready(urls);
        return 0;
}

/* berthd's start, in order. Each step logs why it failed; the first failure ends the
 * start, and berthd_done() takes down what the steps before it set up. */
static int (*const setup_steps[])(struct berthd *d) = {
        block_signals,    open_store,     lock_state_dir,   claim_cgroup_parent,
        secure_state_dir, open_launcher,  load_devices,     detect_cgroups,
        new_supervisor,   register_types, start_supervisor, recover_state,
        start_pods,       start_src,      start_oci,        start_zygotes,
        make_router,      require_token,  add_apis,         start_http_server,
        announce,
};

static void berthd_init(struct berthd *d, const struct berthd_config *cfg)
{
        *d = (struct berthd){
                .cfg = cfg,
                .listen = cfg->listen,
                .lock_fd = -EBADF,
                .parent_fd = -EBADF,
        };
        berth_events_init(&d->events);
}

static int berthd_setup(struct berthd *d)
{
        int r;

        for (size_t i = 0; i < ELEMENTSOF(setup_steps); i++) {
                r = setup_steps[i](d);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* SIGTERM or SIGINT; SIGHUP has nothing to reload. */
static int wait_for_signal(struct berthd *d)
{
        int sig;

        for (;;) {
                if (sigwait(&d->signals, &sig) != 0)
                        continue;
                if (sig != SIGHUP)
                        return sig;
                log_info("SIGHUP: nothing to reload");
        }
}

/* What a signal ends: berthd alone, or with --shutdown-containers everything it runs. */
static void shut_down(struct berthd *d, int sig)
{
        int r;

        if (!d->cfg->shutdown_containers) {
                log_info("Received %s, shutting down; mounts, devices and containers stay up",
                         strsignal(sig));
                return;
        }
        /* No new requests while everything is taken down. */
        log_info("Received %s, shutting down: stopping every container, then removing "
                 "every container, mount and attachment",
                 strsignal(sig));
        berth_events_close(&d->events); /* event streams end, so the server can stop */
        berth_http_server_stop(d->server);
        d->server = NULL;
        remove_listen_file(d);
        r = berth_store_shutdown(d->store);
        log_info("Everything %s", r < 0 ? "stopped, but not everything was removed (see above)"
                                        : "stopped and removed");
}

static void berthd_done(struct berthd *d)
{
        /* Event streams first, so that their worker threads return. */
        berth_events_close(&d->events);
        berth_http_server_stop(d->server);
        d->server = NULL;
        berth_http_router_free(d->router);
        /* Its reaper has seen the bus close; it goes before the store. */
        d->oci_events = oci_events_free(d->oci_events);
        d->oci = oci_containers_free(d->oci);
        berth_pods_free(d->pods);
        d->pods = NULL;
        /* The recorder is told first; cancelling the engine's calls ends its stream at
         * once (no waiting for curl's next progress call), then it is joined. */
        src_apps_stopping(d->src);
        berth_docker_engine_stop(d->docker);
        d->src = src_apps_free(d->src);
        d->supervisor = berth_supervisor_free(d->supervisor);
        remove_listen_file(d);
        d->store = berth_store_free(d->store);
        /* After the store: its containers use the engine until they are freed. */
        berth_native_engine_free(d->native);
        d->native = NULL;
        berth_docker_engine_free(d->docker);
        d->docker = NULL;
        berth_launcher_free(d->launcher);
        berth_cgroup_system_prune(d->cgroups);
        berth_cgroup_system_free(d->cgroups);
        oci_device_allow_done(&d->devices);
        berth_events_done(&d->events);
        d->parent_fd = safe_close(d->parent_fd);
        d->lock_fd = safe_close(d->lock_fd);
}

static int run(const struct berthd_config *cfg)
{
        struct berthd d;
        int r;

        berthd_init(&d, cfg);
        r = berthd_setup(&d);
        if (r >= 0)
                shut_down(&d, wait_for_signal(&d));
        berthd_done(&d);
        return r < 0 ? r : 0;
}

int main(int argc, char *argv[])
{
        struct berthd_config cfg;
        int r;

        /* glibc gives each thread that allocates its own malloc arena, and every HTTP
         * worker keeps the memory of the largest reply it built (a list of 1,000
         * containers is 600 KB of JSON): RSS grew to 160 MiB under load. Two arenas
         * keep it at about 40 MiB with the same throughput (bench/load.sh). */
        (void)mallopt(M_ARENA_MAX, 2);
        log_set_program("berthd");
        r = berthd_config_parse(argc, argv, &cfg);
        if (r < 0) {
                berthd_config_done(&cfg);
                return 2;
        }
        if (cfg.show_help) {
                berthd_config_help(argv[0]);
                berthd_config_done(&cfg);
                return 0;
        }
        if (cfg.show_version) {
                printf("berthd %s\n", PACKAGE_VERSION);
                berthd_config_done(&cfg);
                return 0;
        }
        log_set_max_level(cfg.log_level);
        {
                /* Before anything is touched: an API exposed to whoever reaches the
                 * port is refused here. */
                char warning[512];
                if (berthd_config_check_exposure(&cfg, warning, sizeof(warning)) < 0) {
                        berthd_config_done(&cfg);
                        return 2;
                }
                if (warning[0])
                        log_warning("%s", warning);
        }
        r = run(&cfg);
        berthd_config_done(&cfg);
        return r < 0 ? 1 : 0;
}
