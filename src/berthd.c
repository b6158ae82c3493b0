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
#include "imageapi.h"
#include "launch.h"
#include "metrics.h"
#include "log.h"
#include "macro.h"
#include "persist.h"
#include "recover.h"
#include "zygotes.h"
#include "server.h"
#include "store.h"
#include "strv.h"
#include "supervisor.h"

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

/* One berthd per state directory: two would hand out the same ids. */
static int lock_state_dir(const char *state_dir, int *ret_fd)
{
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
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Containers of the default profile start from a pool of zygotes (launch.h), where no
 * v2 group must be joined: hosts with v1 controllers. */
static void start_zygotes(const struct berthd_config *cfg, struct berth_store *store)
{
        const struct berth_cgroup_system *cs = store->cgroups;
        int r;

        if (cfg->zygotes == 0 || !store->launcher)
                return;
        if (!berth_cgroup_v2_avoidable(cs)) {
                log_info("Zygotes are off: containers here join a v2 cgroup, which a zygote "
                         "cannot do cheaply");
                return;
        }
        /* A zygote keeps the default profile's capabilities, CAP_MKNOD among them, which
         * only a container whose devices its groups confine may have (container_caps()):
         * a zygote's groups are v1 only, so a v1 devices hierarchy is needed. */
        if (!cs || !cs->v1[BERTH_CG_DEVICES]) {
                log_info("Zygotes are off: there is no cgroup v1 devices hierarchy to confine "
                         "their containers' devices");
                return;
        }
        r = berth_zygotes_start(store->launcher, store->cgroups, store->staging_dir, cfg->zygotes,
                                &store->zygotes);
        if (r < 0)
                log_warning_errno(r, "Zygotes are off: %m");
}

/* The state directory holds the socket, the records, the logs and the containers' root
 * file systems: root's alone (0700), or traversable by --socket-group's members (0710)
 * when the socket is in it, so that they can connect; every directory below it stays
 * 0700. Whatever mode an earlier run or an operator left is corrected. */
static int secure_state_dir(const struct berthd_config *cfg)
{
        bool group = cfg->socket_group && (cfg->listen.schemes & BERTH_SCHEME_UNIX);
        gid_t gid = 0;
        struct stat st;

        if (group) {
                size_t n = strlen(cfg->state_dir);
                /* Only when the socket lives right in the state directory. */
                group = strncmp(cfg->socket_path, cfg->state_dir, n) == 0 &&
                        cfg->socket_path[n] == '/' && !strchr(cfg->socket_path + n + 1, '/');
        }
        if (group && group_lookup(cfg->socket_group, &gid) < 0)
                return log_error_errno(ENOENT, "--socket-group '%s' is not a group",
                                       cfg->socket_group);
        if (lstat(cfg->state_dir, &st) < 0)
                return log_error_errno(errno, "State directory '%s': %m", cfg->state_dir);
        if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
                return log_error_errno(EPERM,
                                       "State directory '%s' must be a directory owned by root",
                                       cfg->state_dir);
        if (chown(cfg->state_dir, 0, gid) < 0 || chmod(cfg->state_dir, group ? 0710 : 0700) < 0)
                return log_error_errno(errno, "Failed to secure state directory '%s': %m",
                                       cfg->state_dir);
        return 0;
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

/* The cgroup parent is this berthd's alone: its recovery sweep removes whatever groups
 * under it no record names, so a second berthd there would take the first one's
 * containers and zygotes for leftovers. Claimed by an abstract socket name, which the
 * kernel frees with the process. */
static int claim_cgroup_parent(const char *parent, int *ret_fd)
{
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
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int write_listen_file(const char *state_dir, const char *urls)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/listen", state_dir) < 0)
                return -ENOMEM;
        return write_file_atomic(path, urls, strlen(urls), 0644);
}

/* The token of --token-file: one line of printable characters without spaces (its
 * trailing newline ignored). Never logged. */
static int read_token(const char *path, char **ret, struct berth_error *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[4097];
        struct stat st;
        ssize_t n;
        size_t len;

        if (fd < 0)
                return berth_error_set_errno(err, errno, "--token-file '%s'", path);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return berth_error_set(err, EINVAL, "--token-file '%s' is not a regular file",
                                       path);
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return berth_error_set_errno(err, errno, "read --token-file '%s'", path);
        if ((size_t)n >= sizeof(buf) - 1)
                return berth_error_set(err, EINVAL, "--token-file '%s' is longer than 4 KiB", path);
        len = (size_t)n;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
        buf[len] = 0;
        for (size_t i = 0; i < len; i++)
                if (buf[i] <= ' ' || buf[i] > '~') {
                        explicit_bzero(buf, sizeof(buf));
                        return berth_error_set(err, EINVAL,
                                               "--token-file '%s' must hold one token of "
                                               "printable characters without spaces",
                                               path);
                }
        if (len == 0)
                return berth_error_set(err, EINVAL, "--token-file '%s' is empty", path);
        if (st.st_mode & 0077)
                log_warning("--token-file '%s' can be read by others than its owner (mode %04o)",
                            path, (unsigned)(st.st_mode & 07777));
        *ret = strdup(buf);
        explicit_bzero(buf, sizeof(buf));
        return *ret ? 0 : -ENOMEM;
}

static int run(struct berthd_config *cfg)
{
        struct berth_store_config scfg = { .state_dir = cfg->state_dir,
                                           .sysfs_root = cfg->sysfs_root,
                                           .dev_root = cfg->dev_root,
                                           .ceph_conf = cfg->ceph_conf,
                                           .log_max = cfg->log_max,
                                           .refuse_privileged = cfg->refuse_privileged,
                                           .overlay_upper_size = cfg->overlay_upper_size,
                                           .logs_kept = cfg->logs_kept };
        struct berth_launcher *launcher = NULL;
        struct berth_cgroup_system *cgroups = NULL;
        struct berth_supervisor *supervisor = NULL;
        struct berth_events events;
        struct berth_events_api events_api;
        struct berth_http_api containers_http;
        _cleanup_close_ int lock_fd = -EBADF, parent_fd = -EBADF;
        struct berth_http_router *router = NULL;
        struct berth_http_server *server = NULL;
        struct berth_store *store = NULL;
        struct berth_error err = {};
        struct imageapi imageapi;
        struct berth_docs docs;
        struct berth_metrics metrics;
        _cleanup_free_ char *listen_path = NULL;
        sigset_t mask;
        int r, sig;

        /* Every thread started from here on inherits the blocked set; the main
         * thread takes the signals with sigwait(). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        berth_events_init(&events);

        r = berth_store_new(&scfg, &store, &err);
        if (r < 0) {
                log_error("%s", err.msg);
                berth_events_done(&events);
                return r;
        }
        r = lock_state_dir(cfg->state_dir, &lock_fd);
        if (r >= 0)
                r = claim_cgroup_parent(cfg->cgroup_parent, &parent_fd);
        if (r >= 0)
                r = secure_state_dir(cfg);
        if (r < 0)
                goto out;

        /* Containers: the launcher (berth-init and the seccomp programs), the host's
         * cgroups, the supervisor thread and the event bus. Without berth-init berthd
         * still serves attachments and mounts; container requests then get 501. */
        store->events = &events;
        r = berth_launcher_new(&launcher, &err);
        if (r < 0) {
                log_warning("Containers are not available: %s", err.msg);
                berth_error_clear(&err);
        }
        store->launcher = launcher;
        r = berth_cgroup_system_detect("/sys/fs/cgroup", cfg->cgroup_parent, &cgroups, &err);
        if (r < 0) {
                log_warning("Containers run without cgroups: %s", err.msg);
                berth_error_clear(&err);
        } else {
                log_info("cgroups: %s layout%s%s", berth_cgroup_layout_to_string(cgroups->layout),
                         cgroups->v2 ? ", v2 at " : "", cgroups->v2 ? cgroups->v2 : "");
                if (berth_cgroup_system_prepare(cgroups, &err) < 0) {
                        log_warning("Containers' devices are confined by v1 groups only, and "
                                    "containers without one get no CAP_MKNOD: %s",
                                    err.msg);
                        berth_error_clear(&err);
                }
        }
        store->cgroups = cgroups;
        r = berth_supervisor_start(store, &supervisor);
        if (r < 0) {
                log_error_errno(r, "Failed to start the supervisor thread: %m");
                goto out;
        }
        store->supervisor = supervisor;

        /* Everything an earlier berthd left: re-adopted before the first request. */
        r = berth_store_recover(store);
        if (r < 0) {
                log_error_errno(r, "Failed to recover the state in '%s': %m", cfg->state_dir);
                goto out;
        }
        start_zygotes(cfg, store);

        r = berth_http_router_new(&router);
        if (r >= 0)
                r = set_browser_policy(cfg, router);
        if (r < 0)
                goto out;
        if (cfg->token_file) {
                char *token = NULL;
                r = read_token(cfg->token_file, &token, &err);
                if (r >= 0) {
                        r = berth_http_router_set_token(router, token);
                        erase_and_free(token);
                }
                if (r < 0) {
                        log_error("%s", err.msg[0] ? err.msg : strerror(-r));
                        goto out;
                }
        }
        imageapi_init(&imageapi, store, cfg->max_body);
        imageapi_containers_init(&imageapi, &containers_http);
        berth_events_api_init(&events_api, &events, 16);
        berth_docs_init(&docs);
        berth_metrics_init(&metrics, store, router);
        if (berth_http_router_add_api(router, &imageapi.http) < 0 ||
            berth_http_router_add_api(router, &containers_http) < 0 ||
            berth_http_router_add_api(router, &events_api.http) < 0 ||
            berth_http_router_add_api(router, &docs.http) < 0 ||
            berth_http_router_add_api(router, &metrics.http) < 0) {
                r = -ENOMEM;
                goto out;
        }

        r = berth_http_server_start(&cfg->listen, router, &server, &err);
        if (r < 0) {
                log_error("%s", err.msg);
                goto out;
        }
        r = write_listen_file(cfg->state_dir, berth_http_server_urls(server));
        if (r < 0)
                log_warning_errno(r, "Failed to write '%s/listen', ignoring: %m", cfg->state_dir);

        {
                char urls[1024];
                snprintf(urls, sizeof(urls), "%s", berth_http_server_urls(server));
                for (char *p = urls; *p; p++)
                        if (*p == '\n')
                                *p = p[1] ? ' ' : 0;
                log_info("berthd %s listening on %s (state in %s)", PACKAGE_VERSION, urls,
                         cfg->state_dir);
                sd_notify_ready(urls);
        }

        for (;;) {
                if (sigwait(&mask, &sig) != 0)
                        continue;
                if (sig == SIGHUP) {
                        log_info("SIGHUP: nothing to reload");
                        continue;
                }
                break;
        }
        if (cfg->shutdown_containers) {
                /* No new requests while everything is taken down. */
                log_info("Received %s, shutting down: stopping every container, then removing "
                         "every container, mount and attachment",
                         strsignal(sig));
                berth_events_close(&events); /* event streams end, so the server can stop */
                berth_http_server_stop(server);
                server = NULL;
                if (asprintf(&listen_path, "%s/listen", cfg->state_dir) >= 0)
                        (void)unlink(listen_path);
                r = berth_store_shutdown(store);
                log_info("Everything %s",
                         r < 0 ? "stopped, but not everything was removed (see above)"
                               : "stopped and removed");
        } else
                log_info("Received %s, shutting down; mounts, devices and containers stay up",
                         strsignal(sig));
        r = 0;
out:
        /* Event streams first, so that their worker threads return. */
        berth_events_close(&events);
        berth_http_server_stop(server);
        berth_http_router_free(router);
        berth_zygotes_stop(store ? store->zygotes : NULL);
        berth_supervisor_stop(supervisor);
        if (server && !listen_path && asprintf(&listen_path, "%s/listen", cfg->state_dir) >= 0)
                (void)unlink(listen_path);
        berth_store_free(store);
        berth_launcher_free(launcher);
        berth_cgroup_system_prune(cgroups);
        berth_cgroup_system_free(cgroups);
        berth_events_done(&events);
        return r;
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
