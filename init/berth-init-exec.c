/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth-init-exec.h"
#include "error.h"
#include "init-spec.h"
#include "launch.h"
#include "macro.h"
#include "restrict.h"
#include "strv.h"

/*
 * berth-init --exec: a command in a running container (launch.h). Privilege: root in
 * berthd's namespaces, started by berthd without namespaces of its own, with the exec
 * spec, the container's pidfd, the seccomp program and the output pipe at fixed fds
 * (launch-spec.h). It joins the container's groups (while the host's /sys/fs/cgroup is
 * in view), enters its namespaces, and forks the command into its pid namespace, where
 * the command takes the same restrictions as a payload (apply_restrictions()). It stays
 * the command's parent, outside the container, and ends as the command does.
 */

/* Failures before READY: berthd reads the message; nothing goes to the output pipe. */
static _noreturn_ void exec_fail(struct berth_error *err)
{
        char msg[LAUNCH_MSG_MAX];

        (void)snprintf(msg, sizeof(msg), "ERROR %d exec: %s", -err->code, err->msg);
        sync_send(msg, -1);
        _exit(127);
}

/* The exec spec, as the launch spec the restrictions are computed from. */
static int exec_read_spec(char ***ret_cgroups, struct berth_error *err)
{
        struct berth_exec_spec x;
        json_t *j = NULL;
        int r = read_spec_json(&j, err);

        if (r < 0)
                return r;
        r = berth_exec_spec_from_json(j, &x, err);
        json_decref(j);
        if (r < 0)
                return r;
        spec = (struct berth_launch){
                .args = TAKE_PTR(x.args),
                .env = TAKE_PTR(x.env),
                .cwd = TAKE_PTR(x.cwd),
                .namespaces = x.namespaces,
                .caps = x.caps,
                .no_new_privs = x.no_new_privs,
                .uid = x.user_set ? x.uid : 0,
                .gid = x.user_set ? x.gid : 0,
        };
        if (x.process) {
                struct berth_launch *p = x.process;

                spec.gids = TAKE_PTR(p->gids);
                spec.n_gids = p->n_gids;
                spec.rlimits = TAKE_PTR(p->rlimits);
                spec.n_rlimits = p->n_rlimits;
                spec.umask_set = p->umask_set;
                spec.umask = p->umask;
                /* Within what this command may have (the container's bounding set). */
                spec.cap_sets = p->cap_sets;
                spec.cap_effective = p->cap_effective & x.caps;
                spec.cap_permitted = p->cap_permitted & x.caps;
                spec.cap_inheritable = p->cap_inheritable & x.caps;
                spec.cap_ambient =
                        p->cap_ambient & x.caps & spec.cap_permitted & spec.cap_inheritable;
                spec.cap_effective &= spec.cap_permitted;
        }
        *ret_cgroups = TAKE_PTR(x.cgroups);
        berth_exec_spec_done(&x);
        return 0;
}

/* Into every namespace of the container's PID 1 at once (setns(2) with a pidfd, Linux
 * 5.8, on which the launcher relies anyway); the pid namespace takes effect for the
 * children. The mount namespace brings its root and working directory along. */
static int exec_enter(struct berth_error *err)
{
        int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID;

        if (spec.namespaces & LAUNCH_NS_NET)
                flags |= CLONE_NEWNET;
        if (spec.namespaces & LAUNCH_NS_CGROUP)
                flags |= CLONE_NEWCGROUP;
        if (spec.namespaces & LAUNCH_NS_USER)
                flags |= CLONE_NEWUSER;
        if (setns(LAUNCH_FD_EXEC_PIDFD, flags) < 0)
                return berth_error_set_errno(err, errno, "enter the container's namespaces");
        (void)close(LAUNCH_FD_EXEC_PIDFD);
        return 0;
}

/* execvpe(3), but on the PATH of the command's environment (glibc's looks at the
 * caller's), Docker's default PATH without one. Returns the errno of the failure:
 * ENOENT when no directory has the command, EACCES when one has it but may not run it. */
static int exec_on_path(char **args, char **env)
{
        const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        int saved = ENOENT;

        if (strchr(args[0], '/')) {
                execve(args[0], args, env);
                return errno;
        }
        STRV_FOREACH (e, env)
                if (strncmp(*e, "PATH=", 5) == 0)
                        path = *e + 5;
        for (const char *p = path;; p++) {
                size_t n = strcspn(p, ":");
                char full[PATH_MAX];
                /* An empty entry is the working directory, as for execvp(3). */
                int len =
                        snprintf(full, sizeof(full), "%.*s%s%s", (int)n, p, n ? "/" : "", args[0]);

                if (args[0][0] && len < (int)sizeof(full)) {
                        execve(full, args, env);
                        if (errno == EACCES)
                                saved = EACCES;
                        else if (errno != ENOENT && errno != ENOTDIR)
                                return errno;
                }
                p += n;
                if (!*p)
                        break;
        }
        return saved;
}

/* The command's process, in the container's pid namespace. Only a failure comes back,
 * as "<errno> <message>" on errfd (close-on-exec: its end without a word is the exec). */
static _noreturn_ void exec_child(const struct restrictions *rs, int errfd)
{
        struct berth_error err = {};
        struct restrict_failure f = {};
        char msg[LAUNCH_MSG_MAX];
        int e;

        /* The parent is outside this pid namespace: 0 while it lives. Gone already, the
         * command must not start at all. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != 0)
                _exit(127);
        if (setsid() < 0) {
                berth_error_set_errno(&err, errno, "start a session");
        } else if (apply_restrictions(rs, &f) < 0) {
                restrict_error(&f, &err);
        } else if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != 0) {
                /* Again: a change of the effective uid or gid clears it. (So does the
                 * exec of a set-user-ID program, without no_new_privs.) */
                _exit(127);
        } else {
                e = exec_on_path(spec.args, spec.env);
                if (e == ENOENT && !strchr(spec.args[0], '/'))
                        berth_error_set(&err, ENOENT, "'%s' not found in the container",
                                        spec.args[0]);
                else
                        berth_error_set_errno(&err, e, "execute '%s'", spec.args[0]);
        }
        (void)snprintf(msg, sizeof(msg), "%d %s", -err.code, err.msg);
        (void)!write(errfd, msg, strlen(msg));
        _exit(127);
}

/* End as the command did: with its code, or by its signal (no core: berth-init is not
 * dumpable, and RLIMIT_CORE 0 for a core_pattern that ignores that). */
static _noreturn_ void exec_end_as(int wstatus)
{
        if (WIFSIGNALED(wstatus)) {
                int sig = WTERMSIG(wstatus);
                sigset_t one;

                (void)setrlimit(RLIMIT_CORE, &(struct rlimit){});
                (void)signal(sig, SIG_DFL);
                sigemptyset(&one);
                sigaddset(&one, sig);
                (void)raise(sig);
                (void)sigprocmask(SIG_UNBLOCK, &one, NULL);
                /* Not fatal by default: it could not have killed the command. */
                _exit(128 + sig);
        }
        _exit(WEXITSTATUS(wstatus));
}

/* Wait for the command, killing it when berthd's deadline (SIGTERM) comes; its wait
 * status. */
static int exec_wait_command(pid_t pid, const sigset_t *blocked)
{
        int ws = 0;

        for (;;) {
                siginfo_t si;
                pid_t w = waitpid(pid, &ws, WNOHANG);

                if (w == pid)
                        return ws;
                if (w < 0 && errno != EINTR)
                        _exit(127);
                if (sigwaitinfo(blocked, &si) == SIGTERM)
                        (void)kill(pid, SIGKILL);
        }
}

_noreturn_ void exec_main(void)
{
        struct berth_error err = {};
        char **cgroups = NULL; /* no cleanup: this function ends the process */
        struct restrictions rs;
        char msg[LAUNCH_MSG_MAX];
        int errpipe[2];
        ssize_t n;
        pid_t pid;
        sigset_t all;

        /* Whatever mask the launcher left: every signal is blocked, and taken with
         * sigwaitinfo() once the command runs: SIGTERM is berthd's deadline (the command is
         * killed and reaped here, so that no zombie is left to the host's init), SIGCHLD
         * its end. A SIGKILL from berthd ends berth-init, and the command dies with it
         * (PDEATHSIG). The command gets a clean mask. */
        sigfillset(&all);
        (void)sigprocmask(SIG_BLOCK, &all, NULL);
        /* The restrictions first: they read /proc/self, which is berthd's /proc only
         * until the mount namespace changes. */
        if (exec_read_spec(&cgroups, &err) < 0 || prepare_restrictions(&rs, &err) < 0 ||
            join_cgroups_at(cgroups, &err) < 0 || exec_enter(&err) < 0)
                exec_fail(&err);
        if (pipe2(errpipe, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
                berth_error_set_errno(&err, errno, "fork into the container");
                exec_fail(&err);
        }
        if (pid == 0) {
                (void)close(errpipe[0]);
                exec_child(&rs, errpipe[1]);
        }
        (void)close(errpipe[1]);
        /* The output pipe ends when the command (and what it started) closes it. */
        (void)dup2(LAUNCH_FD_STDIN, STDOUT_FILENO);
        (void)dup2(LAUNCH_FD_STDIN, STDERR_FILENO);
        do
                n = read(errpipe[0], msg, sizeof(msg) - 1);
        while (n < 0 && errno == EINTR);
        if (n > 0) {
                char *end;
                long e;

                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                msg[n] = 0;
                e = strtol(msg, &end, 10);
                berth_error_set(&err, e > 0 ? (int)e : EIO, "%s", *end ? end + 1 : "");
                exec_fail(&err);
        }
        (void)snprintf(msg, sizeof(msg), "READY %d", (int)pid);
        sync_send(msg, -1);
        (void)close(LAUNCH_FD_SYNC);
        exec_end_as(exec_wait_command(pid, &all));
}
