/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The supervisor's side of a container (PID 1 ended, the stop timer fired, the console
 * spoke) and finding PID 1 again after a restart of berthd (recover.c). */
#include "config.h"

#include <dirent.h>
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

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "native-internal.h"
#include "pidref.h"
#include "store.h"
#include "strv.h"
#include "supervisor.h"

/* ---- the supervisor's side ---------------------------------------------------------- */

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

void native_handle_exit(void *userdata, uint64_t id)
{
        struct berth_store *s = userdata;
        struct berth_cgroup *cg = NULL;
        struct berth_container *c;
        int pidfd, mntns, exit_code = -1, sig = 0;
        char *error = NULL;
        siginfo_t si = {};
        uint64_t ooms = 0;
        bool oom = false, told = false;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        if (!c || N(c)->pidfd < 0 || N(c)->exit_handled) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        pidfd = N(c)->pidfd;
        /* A delete waits until no handler uses the object any more. */
        N(c)->busy++;
        pthread_mutex_unlock(&s->lock);

        /* Reap it when it is ours (ECHILD: a berthd before us started it). */
        if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0) {
                native_unbusy(s, c);
                return; /* not gone yet */
        }
        if (N(c)->console_fd >= 0)
                drain_console(s, c, N(c)->console_fd);
        read_status(c, &exit_code, &sig, &error);
        if (exit_code < 0 && sig == 0 && si.si_pid != 0) {
                if (si.si_code == CLD_EXITED)
                        exit_code = si.si_status;
                else
                        sig = si.si_status;
        }
        if (N(c)->cg)
                oom = berth_cgroup_oom_kills(N(c)->cg, &ooms) >= 0 && ooms > N(c)->oom_base;

        pthread_mutex_lock(&s->lock);
        /* Told already, as it happened (native_handle_oom()). */
        told = ooms <= N(c)->oom_seen;
        berth_supervisor_unwatch(NAT(c)->supervisor, N(c)->oom_fd);
        N(c)->oom_fd = safe_close(N(c)->oom_fd);
        berth_supervisor_unwatch(NAT(c)->supervisor, N(c)->pidfd);
        berth_supervisor_unwatch(NAT(c)->supervisor, N(c)->console_fd);
        berth_supervisor_unwatch(NAT(c)->supervisor, N(c)->timer_fd);
        N(c)->pidfd = safe_close(N(c)->pidfd);
        N(c)->console_fd = safe_close(N(c)->console_fd);
        N(c)->console_slave = safe_close(N(c)->console_slave);
        N(c)->timer_fd = safe_close(N(c)->timer_fd);
        mntns = TAKE_FD(N(c)->mntns_fd);
        /* Removed below, after the news is out; pinned meanwhile (a restart waits for
         * this handler, see container_start()). */
        cg = N(c)->cg;
        if (cg)
                N(c)->cg_pins++;
        N(c)->cg = NULL;
        c->pid = 0;
        N(c)->payload_pid = 0;
        c->exit_code = exit_code;
        c->signal = sig;
        c->oom_killed = oom;
        NAT(c)->stats.exits++;
        if (oom)
                NAT(c)->stats.oom_kills++;
        free(c->error);
        c->error = error;
        (void)clock_gettime(CLOCK_REALTIME, &c->finished_at);
        N(c)->exit_handled = true;
        berth_container_set_state_locked(s, c,
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
                berth_container_log(c, "%s%s\ncontainer state: %s",
                                    oom ? "out of memory: a process was killed by the OOM killer\n"
                                        : "",
                                    how, berth_container_state_to_string(c->state));
        }
        if (oom && !told)
                berth_container_publish(s, c, "oom");
        berth_container_publish(s, c, berth_container_state_to_string(c->state));
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
                native_cg_unpin(c, cg);
        }
        berth_container_persist(s, c);
        native_restart_after_exit(c);
        native_unbusy(s, c);
}

void native_handle_timer(void *userdata, uint64_t id)
{
        struct berth_store *s = userdata;
        struct berth_container *c;
        uint64_t n;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        if (c && N(c)->timer_fd >= 0)
                (void)!read(N(c)->timer_fd, &n, sizeof(n));
        if (c && c->state == BERTH_CONTAINER_STOPPING && N(c)->pidfd >= 0) {
                /* Killing PID 1 ends every process of its pid namespace. */
                (void)native_signal(c, SIGKILL);
                berth_container_log(c, "stop timeout: process killed");
        }
        pthread_mutex_unlock(&s->lock);
}

/* A systemd container's console into its log, rotated beyond log_max as berth-init
 * rotates a payload's output: a container that writes without end cannot fill the
 * state directory through its console either. */
static void console_to_log(const struct berth_container *c, const void *buf, size_t n)
{
        uint64_t log_max = NAT(c)->log_max;
        _cleanup_close_ int log = -EBADF;
        struct stat st;

        log = native_log_open(c->logfile, O_RDWR | O_APPEND);
        if (log < 0)
                return;
        if (log_max && fstat(log, &st) >= 0 && (uint64_t)st.st_size + n > log_max) {
                _cleanup_close_ int old_fd = native_open_log_old(c);

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
                console_to_log(c, buf, (size_t)n);
        }
}

void native_handle_console(void *userdata, uint64_t id)
{
        struct berth_store *s = userdata;
        struct berth_container *c;
        char buf[16384];
        ssize_t n;
        int fd;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        fd = c ? N(c)->console_fd : -1;
        if (fd >= 0)
                N(c)->busy++;
        pthread_mutex_unlock(&s->lock);
        if (fd < 0)
                return;
        /* Only this thread reads or closes the console fd. */
        n = read(fd, buf, sizeof(buf));
        if (n > 0)
                console_to_log(c, buf, (size_t)n);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                /* The other side is gone (EIO on a pty whose slave closed). */
                pthread_mutex_lock(&s->lock);
                berth_supervisor_unwatch(NAT(c)->supervisor, fd);
                N(c)->console_fd = safe_close(N(c)->console_fd);
                pthread_mutex_unlock(&s->lock);
        }
        native_unbusy(s, c);
}

/* ---- re-adoption after a restart of berthd (recover.c) ------------------------------ */

static bool state_is_live(enum berth_container_state st)
{
        return st == BERTH_CONTAINER_RUNNING || st == BERTH_CONTAINER_PAUSED ||
               st == BERTH_CONTAINER_STOPPING;
}

int native_readopt(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct native *nat = e->data;
        struct berth_store *s = nat->store;
        char name[160];
        pid_t pid = 0;
        int fd = -ESRCH, r;

        r = RET_NERRNO(mkdir(c->dir, 0700));
        if (r < 0 && r != -EEXIST)
                return berth_error_set_errno(err, -r, "create '%s'", c->dir);
        native_cgroup_name(&c->w, c->obj.id, name, sizeof(name));
        if (NAT(c)->cgroups && NAT(c)->cgroups->layout != BERTH_CGROUP_NONE &&
            berth_cgroup_open(NAT(c)->cgroups, name, &N(c)->cg, NULL) < 0)
                log_debug("Container %s: no cgroups", name);

        /* Its PID 1: the recorded one if it is still that process in this boot; or,
         * for a container whose start was cut short by the old berthd's end before
         * the record said "running", the namespace init in its cgroup. */
        if (state_is_live(c->state) && c->pid > 0 && streq(N(c)->boot_id, s->boot_id))
                fd = pidfd_open_checked(c->pid, N(c)->pid_starttime);
        else if (c->state == BERTH_CONTAINER_CREATED && N(c)->cg &&
                 (pid = berth_cgroup_find_init(N(c)->cg)) > 0) {
                fd = pidfd_open_checked(pid, 0);
                if (fd >= 0) {
                        c->pid = pid;
                        N(c)->pid_starttime = 0;
                        (void)pid_starttime(pid, &N(c)->pid_starttime);
                        memcpy(N(c)->boot_id, s->boot_id, sizeof(N(c)->boot_id));
                        c->state = BERTH_CONTAINER_RUNNING;
                        c->exit_code = -1;
                        (void)clock_gettime(CLOCK_REALTIME, &c->started_at);
                }
        }
        if (fd >= 0) {
                N(c)->pidfd = fd;
                N(c)->mntns_fd = pid_open_mntns(c->pid, fd); /* as at its start (launch.h) */
                if (c->state != BERTH_CONTAINER_STOPPING)
                        c->state = berth_cgroup_is_frozen(N(c)->cg) ? BERTH_CONTAINER_PAUSED
                                                                    : BERTH_CONTAINER_RUNNING;
                berth_container_log(c, "berthd restarted: container re-adopted (pid %d)",
                                    (int)c->pid);
                if (c->w.systemd)
                        berth_container_log(c, "the console of the old berthd is gone: systemd's "
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
                c->oom_killed =
                        N(c)->cg && berth_cgroup_oom_kills(N(c)->cg, &ooms) >= 0 && ooms > 0;
                c->pid = 0;
                (void)clock_gettime(CLOCK_REALTIME, &c->finished_at);
                c->state = (c->stop_requested && (code >= 0 || sig)) || (code == 0 && sig == 0)
                                   ? BERTH_CONTAINER_EXITED
                                   : BERTH_CONTAINER_DEAD;
                N(c)->exit_handled = true;
                berth_container_log(c,
                                    "berthd restarted: the container ended while berthd was "
                                    "not running (%s %d); container state: %s",
                                    sig ? "signal" : "exit code", sig ? sig : code,
                                    berth_container_state_to_string(c->state));
                r = 1;
        } else
                r = 0;
        /* Whatever is left in its groups has no PID 1 any more. */
        N(c)->cg = berth_cgroup_destroy(N(c)->cg);
        c->pid = 0;
        return r;
}

void native_adopted(struct berth_engine *e, struct berth_container *c, bool changed)
{
        struct native *nat = e->data;
        struct berth_store *s = nat->store;
        if (N(c)->pidfd >= 0) {
                (void)berth_supervisor_watch(NAT(c)->supervisor, N(c)->pidfd, NAT(c)->watch_exit,
                                             c->obj.id);
                pthread_mutex_lock(&s->lock);
                /* What the old berthd told is not known: from what there is now. */
                if (N(c)->cg)
                        (void)berth_cgroup_oom_kills(N(c)->cg, &N(c)->oom_seen);
                native_watch_oom(c);
                pthread_mutex_unlock(&s->lock);
                if (c->state == BERTH_CONTAINER_STOPPING) {
                        /* The old berthd may have died before its signal went out. */
                        pthread_mutex_lock(&s->lock);
                        (void)native_signal(c, berth_workload_stop_signal(&c->w));
                        (void)native_arm_timer(c, c->w.stop_timeout_ms);
                        pthread_mutex_unlock(&s->lock);
                }
        }
        if (changed || N(c)->pidfd >= 0)
                berth_container_persist(s, c);
        if (changed)
                berth_container_publish(s, c, berth_container_state_to_string(c->state));
        /* It ended while no berthd watched (or before): its policy decides. */
        native_restart_after_adopt(c);
}

void native_forget(struct berth_engine *e, struct berth_container *c)
{
        (void)e;
        if (N(c)->pidfd >= 0) {
                struct pollfd p = { .fd = N(c)->pidfd, .events = POLLIN };
                (void)native_signal(c, SIGKILL);
                (void)poll(&p, 1, 5000);
                N(c)->pidfd = safe_close(N(c)->pidfd);
        }
        N(c)->cg = berth_cgroup_destroy(N(c)->cg);
        c->pid = 0;
        native_remove_files(c, /* keep_log= */ true);
}

/* ---- what a crash left -------------------------------------------------------------- */

/* Groups under berth's parent that no container owns any more. */
unsigned native_sweep(struct berth_engine *e)
{
        struct native *nat = e->data;
        struct berth_store *s = nat->store;
        const struct berth_cgroup_system *cs = nat->cgroups;
        _cleanup_strv_free_ char **names = NULL;
        unsigned n = 0;

        if (!cs || cs->layout == BERTH_CGROUP_NONE)
                return 0;
        for (int c = -1; c < _BERTH_CG_MAX; c++) {
                const char *root = c < 0 ? cs->v2 : cs->v1[c];
                _cleanup_free_ char *parent = NULL;
                struct dirent *de;
                DIR *d;

                if (!root || asprintf(&parent, "%s/%s", root, cs->parent) < 0)
                        continue;
                d = opendir(parent);
                if (!d)
                        continue;
                while ((de = readdir(d)))
                        if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
                            !strv_contains(names, de->d_name))
                                (void)strv_extend(&names, de->d_name);
                closedir(d);
        }
        STRV_FOREACH (name, names) {
                struct berth_cgroup *cg = NULL;
                bool owned = false;
                char *end;
                unsigned long long id = strtoull(*name, &end, 10);

                for (struct berth_obj *o = s->all; o && !*end && end != *name; o = o->all_next)
                        if (o->type == BERTH_OBJ_CONTAINER && o->id == id &&
                            ((struct berth_container *)o)->engine == e &&
                            N((struct berth_container *)o)->cg)
                                owned = true;
                if (owned)
                        continue;
                /* Only groups berth names: a container id, or "z<n>" of a zygote that
                 * the old berthd had not handed out yet. Anything else under the parent
                 * is not ours to judge. */
                if ((*end || end == *name) &&
                    !((*name)[0] == 'z' && (*name)[1] &&
                      strspn(*name + 1, "0123456789") == strlen(*name + 1)))
                        continue;
                if (berth_cgroup_open(cs, *name, &cg, NULL) < 0)
                        continue;
                if (!berth_cgroup_is_empty(cg))
                        log_warning("cgroup %s/%s has processes but no container: killing them",
                                    cs->parent, *name);
                else
                        log_debug("Removing cgroup %s/%s: no container owns it", cs->parent, *name);
                (void)berth_cgroup_destroy(cg);
                n++;
        }
        return n;
}
