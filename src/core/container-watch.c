/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The supervisor's side of a container (PID 1 ended, the stop timer fired, the console
 * spoke) and finding PID 1 again after a restart of berthd (recover.c). */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "container-internal.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "pidref.h"
#include "store-internal.h"
#include "supervisor.h"

/* ---- the supervisor's side ---------------------------------------------------------- */

static struct berth_container *lookup_locked(struct berth_store *s, uint64_t id)
{
        struct berth_obj *o = NULL;

        if (store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, NULL) < 0)
                return NULL;
        return (struct berth_container *)o;
}

static void read_status(struct berth_container *c, int *exit_code, int *sig, char **error)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *j, *v;

        if (asprintf(&path, "%s/exit.json", c->dir) < 0 || read_file(path, 65536, &text, NULL) < 0)
                return;
        j = json_loads(text, 0, NULL);
        if (!j)
                return;
        if ((v = json_object_get(j, "exit_code")) && json_is_integer(v))
                *exit_code = (int)json_integer_value(v);
        if ((v = json_object_get(j, "signal")) && json_is_integer(v))
                *sig = (int)json_integer_value(v);
        if ((v = json_object_get(j, "error")) && json_is_string(v))
                *error = strdup(json_string_value(v));
        json_decref(j);
}

static void drain_console(struct berth_store *s, struct berth_container *c, int fd);

static void unbusy(struct berth_store *s, struct berth_container *c)
{
        pthread_mutex_lock(&s->lock);
        c->busy--;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

void container_handle_exit(struct berth_store *s, uint64_t id)
{
        struct berth_cgroup *cg = NULL;
        struct berth_container *c;
        int pidfd, mntns, exit_code = -1, sig = 0;
        char *error = NULL;
        siginfo_t si = {};
        uint64_t ooms = 0;
        bool oom = false;

        pthread_mutex_lock(&s->lock);
        c = lookup_locked(s, id);
        if (!c || c->pidfd < 0 || c->exit_handled) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        pidfd = c->pidfd;
        /* A delete waits until no handler uses the object any more. */
        c->busy++;
        pthread_mutex_unlock(&s->lock);

        /* Reap it when it is ours (ECHILD: a berthd before us started it). */
        if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0) {
                unbusy(s, c);
                return; /* not gone yet */
        }
        if (c->console_fd >= 0)
                drain_console(s, c, c->console_fd);
        read_status(c, &exit_code, &sig, &error);
        if (exit_code < 0 && sig == 0 && si.si_pid != 0) {
                if (si.si_code == CLD_EXITED)
                        exit_code = si.si_status;
                else
                        sig = si.si_status;
        }
        if (c->cg)
                oom = berth_cgroup_oom_kills(c->cg, &ooms) >= 0 && ooms > c->oom_base;

        pthread_mutex_lock(&s->lock);
        berth_supervisor_unwatch(s->supervisor, c->pidfd);
        berth_supervisor_unwatch(s->supervisor, c->console_fd);
        berth_supervisor_unwatch(s->supervisor, c->timer_fd);
        c->pidfd = safe_close(c->pidfd);
        c->console_fd = safe_close(c->console_fd);
        c->console_slave = safe_close(c->console_slave);
        c->timer_fd = safe_close(c->timer_fd);
        mntns = TAKE_FD(c->mntns_fd);
        /* Removed below, after the news is out; pinned meanwhile (a restart waits for
         * this handler, see container_start()). */
        cg = c->cg;
        if (cg)
                c->cg_pins++;
        c->cg = NULL;
        c->pid = 0;
        c->payload_pid = 0;
        c->exit_code = exit_code;
        c->signal = sig;
        c->oom_killed = oom;
        s->stats.container_exits++;
        if (oom)
                s->stats.container_oom_kills++;
        free(c->error);
        c->error = error;
        (void)clock_gettime(CLOCK_REALTIME, &c->finished_at);
        c->exit_handled = true;
        container_set_state_locked(s, c,
                                   c->stop_requested || (exit_code == 0 && sig == 0)
                                           ? BERTH_CONTAINER_EXITED
                                           : BERTH_CONTAINER_DEAD);
        pthread_mutex_unlock(&s->lock);

        {
                /* One write for the lines of the end. */
                char how[600];
                if (error)
                        (void)snprintf(how, sizeof(how), "process ended in error state: %s", error);
                else if (sig)
                        (void)snprintf(how, sizeof(how), "process killed by signal %d", sig);
                else
                        (void)snprintf(how, sizeof(how), "process ended, exit code (%d)",
                                       exit_code);
                container_log(c, "%s%s\ncontainer state: %s",
                              oom ? "out of memory: a process was killed by the OOM killer\n" : "",
                              how, berth_container_state_to_string(c->state));
        }
        if (oom)
                container_publish(s, c, "oom");
        container_publish(s, c, berth_container_state_to_string(c->state));
        /* Its mounts go now (launch.h), before a delete can come for its mount. */
        safe_close(mntns);

        if (cg) {
                /* PID 1's end took its pid namespace with it; anything else that joined
                 * the groups from outside is killed before they go. */
                if (!berth_cgroup_is_empty(cg))
                        (void)berth_cgroup_kill_all(cg);
                if (berth_cgroup_remove(cg) < 0)
                        log_warning("Container %llu: cgroups could not be removed",
                                    (unsigned long long)id);
                container_cg_unpin(s, c, cg);
        }
        container_persist(s, c);
        unbusy(s, c);
}

void container_handle_timer(struct berth_store *s, uint64_t id)
{
        struct berth_container *c;
        uint64_t n;

        pthread_mutex_lock(&s->lock);
        c = lookup_locked(s, id);
        if (c && c->timer_fd >= 0)
                (void)!read(c->timer_fd, &n, sizeof(n));
        if (c && c->state == BERTH_CONTAINER_STOPPING && c->pidfd >= 0) {
                /* Killing PID 1 ends every process of its pid namespace. */
                (void)container_signal(c, SIGKILL);
                container_log(c, "stop timeout: process killed");
        }
        pthread_mutex_unlock(&s->lock);
}

/* A systemd container's console into its log, rotated beyond log_max as berth-init
 * rotates a payload's output: a container that writes without end cannot fill the
 * state directory through its console either. */
static void console_to_log(const struct berth_store *s, const struct berth_container *c,
                           const void *buf, size_t n)
{
        _cleanup_close_ int log = -EBADF;
        struct stat st;

        log = open(c->logfile, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (log < 0)
                return;
        if (s->log_max && fstat(log, &st) >= 0 && (uint64_t)st.st_size + n > s->log_max) {
                _cleanup_close_ int old_fd = container_open_log_old(c);

                if (old_fd >= 0)
                        (void)log_rotate_fd(log, old_fd);
        }
        (void)!write(log, buf, n);
}

static void drain_console(struct berth_store *s, struct berth_container *c, int fd)
{
        char buf[16384];
        ssize_t n;

        for (;;) {
                n = read(fd, buf, sizeof(buf));
                if (n <= 0)
                        return;
                console_to_log(s, c, buf, (size_t)n);
        }
}

void container_handle_console(struct berth_store *s, uint64_t id)
{
        struct berth_container *c;
        char buf[16384];
        ssize_t n;
        int fd;

        pthread_mutex_lock(&s->lock);
        c = lookup_locked(s, id);
        fd = c ? c->console_fd : -1;
        if (fd >= 0)
                c->busy++;
        pthread_mutex_unlock(&s->lock);
        if (fd < 0)
                return;
        /* Only this thread reads or closes the console fd. */
        n = read(fd, buf, sizeof(buf));
        if (n > 0)
                console_to_log(s, c, buf, (size_t)n);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                /* The other side is gone (EIO on a pty whose slave closed). */
                pthread_mutex_lock(&s->lock);
                berth_supervisor_unwatch(s->supervisor, fd);
                c->console_fd = safe_close(c->console_fd);
                pthread_mutex_unlock(&s->lock);
        }
        unbusy(s, c);
}

/* ---- re-adoption after a restart of berthd (recover.c) ------------------------------ */

static bool state_is_live(enum berth_container_state st)
{
        return st == BERTH_CONTAINER_RUNNING || st == BERTH_CONTAINER_PAUSED ||
               st == BERTH_CONTAINER_STOPPING;
}

int container_readopt(struct berth_store *s, struct berth_container *c, struct berth_error *err)
{
        char name[32];
        pid_t pid = 0;
        int fd = -ESRCH, r;

        r = RET_NERRNO(mkdir(c->dir, 0700));
        if (r < 0 && r != -EEXIST)
                return berth_error_set_errno(err, -r, "create '%s'", c->dir);
        (void)snprintf(name, sizeof(name), "%llu", (unsigned long long)c->obj.id);
        if (s->cgroups && s->cgroups->layout != BERTH_CGROUP_NONE &&
            berth_cgroup_open(s->cgroups, name, &c->cg, NULL) < 0)
                log_debug("Container %s: no cgroups", name);

        /* Its PID 1: the recorded one if it is still that process in this boot; or,
         * for a container whose start was cut short by the old berthd's end before
         * the record said "running", the namespace init in its cgroup. */
        if (state_is_live(c->state) && c->pid > 0 && streq(c->boot_id, s->boot_id))
                fd = pidfd_open_checked(c->pid, c->pid_starttime);
        else if (c->state == BERTH_CONTAINER_CREATED && c->cg &&
                 (pid = berth_cgroup_find_init(c->cg)) > 0) {
                fd = pidfd_open_checked(pid, 0);
                if (fd >= 0) {
                        c->pid = pid;
                        c->pid_starttime = 0;
                        (void)pid_starttime(pid, &c->pid_starttime);
                        memcpy(c->boot_id, s->boot_id, sizeof(c->boot_id));
                        c->state = BERTH_CONTAINER_RUNNING;
                        c->exit_code = -1;
                        (void)clock_gettime(CLOCK_REALTIME, &c->started_at);
                }
        }
        if (fd >= 0) {
                c->pidfd = fd;
                c->mntns_fd = pid_open_mntns(c->pid, fd); /* as at its start (launch.h) */
                if (c->state != BERTH_CONTAINER_STOPPING)
                        c->state = berth_cgroup_is_frozen(c->cg) ? BERTH_CONTAINER_PAUSED
                                                                 : BERTH_CONTAINER_RUNNING;
                container_log(c, "berthd restarted: container re-adopted (pid %d)", (int)c->pid);
                if (c->systemd)
                        container_log(c, "the console of the old berthd is gone: systemd's "
                                         "console output is no longer copied here");
                return 0;
        }
        if (state_is_live(c->state)) {
                /* It ended while no berthd was watching: berth-init's status file says
                 * how; without one (another boot, or PID 1 was killed) it is dead. */
                int code = -1, sig = 0;
                char *error = NULL;
                uint64_t ooms = 0;

                read_status(c, &code, &sig, &error);
                c->exit_code = code;
                c->signal = sig;
                free(c->error);
                c->error = error;
                c->oom_killed = c->cg && berth_cgroup_oom_kills(c->cg, &ooms) >= 0 && ooms > 0;
                c->pid = 0;
                (void)clock_gettime(CLOCK_REALTIME, &c->finished_at);
                c->state = (c->stop_requested && (code >= 0 || sig)) || (code == 0 && sig == 0)
                                   ? BERTH_CONTAINER_EXITED
                                   : BERTH_CONTAINER_DEAD;
                c->exit_handled = true;
                container_log(c,
                              "berthd restarted: the container ended while berthd was "
                              "not running (%s %d); container state: %s",
                              sig ? "signal" : "exit code", sig ? sig : code,
                              berth_container_state_to_string(c->state));
                r = 1;
        } else
                r = 0;
        /* Whatever is left in its groups has no PID 1 any more. */
        c->cg = berth_cgroup_destroy(c->cg);
        c->pid = 0;
        return r;
}

void container_adopted(struct berth_store *s, struct berth_container *c, bool changed)
{
        if (c->pidfd >= 0) {
                (void)berth_supervisor_watch(s->supervisor, c->pidfd, BERTH_WATCH_EXIT, c->obj.id);
                if (c->state == BERTH_CONTAINER_STOPPING) {
                        /* The old berthd may have died before its signal went out. */
                        pthread_mutex_lock(&s->lock);
                        (void)container_signal(c, c->systemd ? SIGRTMIN + 3 : SIGTERM);
                        (void)container_arm_timer(s, c, c->stop_timeout_ms);
                        pthread_mutex_unlock(&s->lock);
                }
        }
        if (changed || c->pidfd >= 0)
                container_persist(s, c);
        if (changed)
                container_publish(s, c, berth_container_state_to_string(c->state));
}

void container_forget(struct berth_store *s, struct berth_container *c)
{
        (void)s;
        if (c->pidfd >= 0) {
                struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
                (void)container_signal(c, SIGKILL);
                (void)poll(&p, 1, 5000);
                c->pidfd = safe_close(c->pidfd);
        }
        c->cg = berth_cgroup_destroy(c->cg);
        c->pid = 0;
        container_remove_files(s, c, /* keep_log= */ true);
}
