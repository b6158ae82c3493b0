/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The processes of a native container, as `ps -ef` shows them from the host (Docker's
 * /top shape, so that a door prints both engines' the same way), and what the engine
 * knows of it beyond the object. */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "fileio.h"
#include "macro.h"
#include "native-internal.h"
#include "store.h"

/* /proc/PID/stat: ppid, utime+stime (ticks), starttime (ticks after boot). */
static int proc_stat(pid_t pid, pid_t *ppid, unsigned long long *cpu, unsigned long long *start)
{
        char path[64], *p;
        _cleanup_free_ char *text = NULL;
        unsigned long long ut, st;
        int pp;

        (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (read_file(path, 4096, &text, NULL) < 0)
                return -ESRCH;
        p = strrchr(text, ')'); /* comm may hold anything, but not after its last ')' */
        if (!p || sscanf(p + 2,
                         "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
                         "%*d %*d %llu",
                         &pp, &ut, &st, start) != 4)
                return -EIO;
        *ppid = pp;
        *cpu = ut + st;
        return 0;
}

static char *proc_cmd(pid_t pid)
{
        char path[64];
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        (void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        if (read_file(path, 4096, &text, &len) < 0 || len == 0) {
                char comm[64] = "";
                (void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
                if (read_one_line(path, comm, sizeof(comm)) < 0)
                        return strdup("?");
                char *s = NULL;
                return asprintf(&s, "[%s]", comm) < 0 ? NULL : s;
        }
        for (size_t i = 0; i + 1 < len; i++)
                if (text[i] == 0)
                        text[i] = ' ';
        return TAKE_PTR(text);
}

static json_t *proc_row(pid_t pid, double boot, long hz)
{
        unsigned long long cpu, start;
        char path[64], stime[16], tm_s[16], user[64], pid_s[16], ppid_s[16];
        _cleanup_free_ char *cmd = NULL;
        struct passwd pw, *res = NULL;
        char pwbuf[1024];
        struct stat st;
        struct tm tm;
        time_t started;
        pid_t ppid;

        if (proc_stat(pid, &ppid, &cpu, &start) < 0)
                return NULL;
        (void)snprintf(path, sizeof(path), "/proc/%d", (int)pid);
        if (stat(path, &st) < 0)
                return NULL;
        if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
                (void)snprintf(user, sizeof(user), "%s", res->pw_name);
        else
                (void)snprintf(user, sizeof(user), "%u", (unsigned)st.st_uid);
        started = (time_t)(boot + (double)start / (double)hz);
        (void)localtime_r(&started, &tm);
        (void)strftime(stime, sizeof(stime), "%H:%M", &tm);
        cpu /= (unsigned long long)hz;
        (void)snprintf(tm_s, sizeof(tm_s), "%02llu:%02llu:%02llu", cpu / 3600, cpu / 60 % 60,
                       cpu % 60);
        cmd = proc_cmd(pid);
        if (!cmd)
                return NULL;
        /* strings, as Docker's /top gives them */
        (void)snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
        (void)snprintf(ppid_s, sizeof(ppid_s), "%d", (int)ppid);
        return json_pack("[s, s, s, s, s, s, s, s]", user, pid_s, ppid_s, "0", stime, "?", tm_s,
                         cmd);
}

/* The inode of pid's pid namespace, or 0. */
static ino_t pid_ns_of(pid_t pid)
{
        char path[64];
        struct stat st;

        (void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
        return stat(path, &st) < 0 ? 0 : st.st_ino;
}

int native_top(struct berth_engine *e, struct berth_container *c, json_t **ret,
               struct berth_error *err)
{
        struct native *nat = e->data;
        struct timespec now, up;
        json_t *procs, *row;
        struct dirent *de;
        double boot;
        ino_t ns;
        pid_t pid;
        long hz = sysconf(_SC_CLK_TCK);
        DIR *d;

        pthread_mutex_lock(&nat->store->lock);
        pid = c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
                              c->state == BERTH_CONTAINER_STOPPING
                      ? c->pid
                      : 0;
        pthread_mutex_unlock(&nat->store->lock);
        if (pid <= 0)
                return berth_error_set(err, EBUSY, "container %llu is not running",
                                       (unsigned long long)c->obj.id);
        ns = pid_ns_of(pid);
        if (ns == 0)
                return berth_error_set(err, ESRCH, "container %llu: its PID 1 (%d) is gone",
                                       (unsigned long long)c->obj.id, (int)pid);
        clock_gettime(CLOCK_REALTIME, &now);
        clock_gettime(CLOCK_BOOTTIME, &up);
        boot = (double)now.tv_sec - (double)up.tv_sec +
               ((double)now.tv_nsec - (double)up.tv_nsec) / 1e9;
        procs = json_array();
        d = opendir("/proc");
        if (!procs || !d) {
                json_decref(procs);
                if (d)
                        closedir(d);
                return -ENOMEM;
        }
        while ((de = readdir(d))) {
                char *end;
                long p = strtol(de->d_name, &end, 10);
                if (*end || p <= 0 || pid_ns_of((pid_t)p) != ns)
                        continue;
                row = proc_row((pid_t)p, boot, hz > 0 ? hz : 100);
                if (row)
                        json_array_append_new(procs, row);
        }
        closedir(d);
        *ret = json_pack("{s:[s,s,s,s,s,s,s,s], s:o}", "Titles", "UID", "PID", "PPID", "C", "STIME",
                         "TTY", "TIME", "CMD", "Processes", procs);
        return *ret ? 0 : -ENOMEM;
}

int native_inspect(struct berth_engine *e, struct berth_container *c, json_t **ret,
                   struct berth_error *err)
{
        struct native *nat = e->data;
        char id[32];

        (void)err;
        (void)snprintf(id, sizeof(id), "%llu", (unsigned long long)c->obj.id);
        pthread_mutex_lock(&nat->store->lock);
        *ret = json_pack("{s:s, s:[], s:s, s:i}", "id", id, "ports", "status",
                         berth_container_state_to_string(c->state), "pid", (int)c->pid);
        pthread_mutex_unlock(&nat->store->lock);
        return *ret ? 0 : -ENOMEM;
}
