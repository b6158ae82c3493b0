/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-rbd: its log lines on stderr, the one-line report to berthd on --ready-fd, and the
 * watchdog that bounds the set-up (berth-rbd.h). */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <time.h>

#include "berth-rbd.h"
#include "error.h"
#include "macro.h"

/* ---------------------------------------------------------------------------------------------
 * Logging and the one-line report on --ready-fd
 * ------------------------------------------------------------------------------------------- */

bool ready_fd_given;

static void write_all(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, buf, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return;
                buf += k;
                n -= (size_t)k;
        }
}

_printf_(1, 0) void log_msgv(const char *fmt, va_list ap)
{
        char msg[1024], line[1100];
        int n;

        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        for (char *p = msg; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        n = snprintf(line, sizeof(line), "berth-rbd[%d]: %s\n", (int)getpid(), msg);
        if (n > 0)
                write_all(STDERR_FILENO, line, MIN((size_t)n, sizeof(line) - 1));
}

_printf_(1, 2) void log_msg(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_msgv(fmt, ap);
        va_end(ap);
}

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static bool reported;

/* Write the single READY/ERROR line (the first caller wins) and close --ready-fd. */
static void report_line(const char *line)
{
        pthread_mutex_lock(&report_lock);
        if (!reported) {
                reported = true;
                if (ready_fd_given) {
                        write_all(arg_ready_fd, line, strlen(line));
                        arg_ready_fd = safe_close(arg_ready_fd);
                } else
                        write_all(STDERR_FILENO, line, strlen(line));
        }
        pthread_mutex_unlock(&report_lock);
}

bool was_reported(void)
{
        bool r;

        pthread_mutex_lock(&report_lock);
        r = reported;
        pthread_mutex_unlock(&report_lock);
        return r;
}

void report_error(int code, const char *msg)
{
        char line[BERTH_ERROR_MSG_MAX + 32];

        code = code < 0 ? -code : code;
        (void)snprintf(line, sizeof(line), "ERROR %d %s", code ? code : EIO, msg);
        for (char *p = line; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        if (ready_fd_given)
                log_msg("%s", msg);
        (void)strncat(line, "\n", sizeof(line) - strlen(line) - 1);
        report_line(line);
}

void report_ready(uint64_t size)
{
        char line[64];

        (void)snprintf(line, sizeof(line), "READY %" PRIu64 "\n", size);
        report_line(line);
}

/* fuse_log_func_t carries no format attribute; fmt comes from libfuse itself. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void fuse_log_to_stderr(enum fuse_log_level level, const char *fmt, va_list ap)
{
        if (level <= FUSE_LOG_NOTICE)
                log_msgv(fmt, ap);
}
#pragma GCC diagnostic pop

/* ---------------------------------------------------------------------------------------------
 * Watchdog: librados retries monitors and OSDs forever, and client_mount_timeout only covers
 * part of rados_connect(). The setup must end within --timeout whatever librados does; nothing
 * is mounted yet while it is armed, so _exit() leaves nothing behind.
 * ------------------------------------------------------------------------------------------- */

static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool armed;
        struct timespec deadline;
        char msg[BERTH_ERROR_MSG_MAX];
} watchdog = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *watchdog_thread(_unused_ void *p)
{
        pthread_mutex_lock(&watchdog.lock);
        for (;;) {
                int r;

                if (!watchdog.armed) {
                        pthread_cond_wait(&watchdog.cond, &watchdog.lock);
                        continue;
                }
                r = pthread_cond_timedwait(&watchdog.cond, &watchdog.lock, &watchdog.deadline);
                if (r == ETIMEDOUT && watchdog.armed) {
                        report_error(ETIMEDOUT, watchdog.msg);
                        _exit(EXIT_FAILURE);
                }
        }
        return NULL;
}

int watchdog_start(void)
{
        pthread_condattr_t attr;
        pthread_t t;
        int r;

        (void)pthread_condattr_init(&attr);
        (void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        r = pthread_cond_init(&watchdog.cond, &attr);
        (void)pthread_condattr_destroy(&attr);
        if (r != 0)
                return -r;
        r = pthread_create(&t, NULL, watchdog_thread, NULL);
        if (r != 0)
                return -r;
        (void)pthread_detach(t);
        return 0;
}

_printf_(2, 3) void watchdog_arm(unsigned seconds, const char *fmt, ...)
{
        va_list ap;

        pthread_mutex_lock(&watchdog.lock);
        (void)clock_gettime(CLOCK_MONOTONIC, &watchdog.deadline);
        watchdog.deadline.tv_sec += seconds;
        va_start(ap, fmt);
        (void)vsnprintf(watchdog.msg, sizeof(watchdog.msg), fmt, ap);
        va_end(ap);
        watchdog.armed = true;
        pthread_cond_signal(&watchdog.cond);
        pthread_mutex_unlock(&watchdog.lock);
}

void watchdog_disarm(void)
{
        pthread_mutex_lock(&watchdog.lock);
        watchdog.armed = false;
        pthread_cond_signal(&watchdog.cond);
        pthread_mutex_unlock(&watchdog.lock);
}
