/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container's state changes as the rest of berth sees them: its log lines, its record,
 * its events; and the signals, the stop timer and the cgroup pins that change it. */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "container-internal.h"
#include "events.h"
#include "log.h"
#include "macro.h"
#include "persist.h"
#include "record.h"
#include "store-internal.h"
#include "supervisor.h"

static const char *const state_names[_BERTH_CONTAINER_STATE_MAX] = {
        [BERTH_CONTAINER_CREATED] = "created", [BERTH_CONTAINER_RUNNING] = "running",
        [BERTH_CONTAINER_PAUSED] = "paused",   [BERTH_CONTAINER_STOPPING] = "stopping",
        [BERTH_CONTAINER_EXITED] = "exited",   [BERTH_CONTAINER_DEAD] = "dead",
};

const char *berth_container_state_to_string(enum berth_container_state s)
{
        return s >= 0 && s < _BERTH_CONTAINER_STATE_MAX ? state_names[s] : NULL;
}

enum berth_container_state berth_container_state_from_string(const char *s)
{
        for (int i = 0; s && i < _BERTH_CONTAINER_STATE_MAX; i++)
                if (streq(state_names[i], s))
                        return (enum berth_container_state)i;
        return _BERTH_CONTAINER_STATE_INVALID;
}

/* ---- logging and events ----------------------------------------------------------- */

void container_log(const struct berth_container *c, const char *fmt, ...)
{
        char line[2048], msg[1024], prefix[96], tbuf[32];
        time_t now = time(NULL);
        size_t len = 0;
        struct tm tm;
        va_list ap;
        int fd;

        if (!c->logfile)
                return;
        (void)localtime_r(&now, &tm);
        (void)strftime(tbuf, sizeof(tbuf), "%Y/%m/%d %H:%M:%S", &tm);
        (void)snprintf(prefix, sizeof(prefix), "%s container(%llu): ", tbuf,
                       (unsigned long long)c->obj.id);
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* One line per line of the message, each with the prefix; one write. */
        for (char *m = msg, *nl;; m = nl + 1) {
                nl = strchr(m, '\n');
                len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%.*s\n", prefix,
                                        nl ? (int)(nl - m) : (int)strlen(m), m);
                if (!nl || len >= sizeof(line) - 1)
                        break;
        }
        len = MIN(len, sizeof(line) - 1);
        fd = open(c->logfile, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return;
        (void)!write(fd, line, len);
        (void)close(fd);
}

void container_publish(struct berth_store *s, const struct berth_container *c, const char *what)
{
        struct berth_event e = {
                .type = BERTH_OBJ_CONTAINER,
                .id = c->obj.id,
                .exit_code = c->exit_code,
                .signal = c->signal,
                .oom_killed = c->oom_killed,
        };

        if (!s->events)
                return;
        (void)snprintf(e.name, sizeof(e.name), "%s", c->name ? c->name : "");
        (void)snprintf(e.event, sizeof(e.event), "%s", what);
        (void)snprintf(e.state, sizeof(e.state), "%s", berth_container_state_to_string(c->state));
        berth_events_publish(s->events, &e);
}

void container_set_state_locked(struct berth_store *s, struct berth_container *c,
                                enum berth_container_state st)
{
        c->state = st;
        berth_store_changed();
        pthread_cond_broadcast(&s->cond);
}

void container_persist(struct berth_store *s, struct berth_container *c)
{
        json_t *j;

        pthread_mutex_lock(&s->lock);
        j = berth_record_from_obj(&c->obj);
        pthread_mutex_unlock(&s->lock);
        if (berth_persist_write(s->persist, BERTH_OBJ_CONTAINER, c->obj.id, j, NULL) < 0)
                log_warning("Container %llu: could not write its record",
                            (unsigned long long)c->obj.id);
}

/* ---- signals, the stop timer, cgroup pins ----------------------------------------- */

int container_signal(struct berth_container *c, int sig)
{
        if (c->pidfd < 0)
                return -ESRCH;
        return RET_NERRNO((int)syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0));
}

int container_arm_timer(struct berth_store *s, struct berth_container *c, uint64_t ms)
{
        struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ms / 1000),
                                                .tv_nsec = (long)(ms % 1000) * 1000000 } };

        if (c->timer_fd < 0) {
                c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (c->timer_fd < 0)
                        return -errno;
                if (berth_supervisor_watch(s->supervisor, c->timer_fd, BERTH_WATCH_TIMER,
                                           c->obj.id) < 0)
                        return -errno;
        }
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1;
        return RET_NERRNO(timerfd_settime(c->timer_fd, 0, &its, NULL));
}

struct berth_cgroup *container_cg_pin(struct berth_store *s, struct berth_container *c)
{
        struct berth_cgroup *cg;

        pthread_mutex_lock(&s->lock);
        cg = c->exit_handled ? NULL : c->cg;
        if (cg)
                c->cg_pins++;
        pthread_mutex_unlock(&s->lock);
        return cg;
}

void container_cg_unpin(struct berth_store *s, struct berth_container *c, struct berth_cgroup *cg)
{
        if (!cg)
                return;
        pthread_mutex_lock(&s->lock);
        if (--c->cg_pins == 0 && c->cg != cg)
                berth_cgroup_free(cg);
        pthread_mutex_unlock(&s->lock);
}
