/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

static int max_level = LOG_INFO;
static const char *program = "berth";

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

void log_set_program(const char *name)
{
        program = name;
}

int log_level_from_string(const char *s)
{
        static const struct {
                const char *name;
                int level;
        } table[] = {
                { "panic", LOG_EMERG },     { "fatal", LOG_CRIT },    { "crit", LOG_CRIT },
                { "error", LOG_ERR },       { "err", LOG_ERR },       { "warn", LOG_WARNING },
                { "warning", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
                { "debug", LOG_DEBUG },     { "trace", LOG_DEBUG },
        };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(s, table[i].name) == 0)
                        return table[i].level;
        return -EINVAL;
}

/* stderr is connected to the journal when JOURNAL_STREAM names its device:inode. */
static bool stderr_is_journal(void)
{
        static int cached = -1;
        unsigned long long dev, ino;
        const char *e;
        struct stat st;

        if (cached >= 0)
                return cached;
        cached = 0;
        e = getenv("JOURNAL_STREAM");
        if (e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0)
                cached = (unsigned long long)st.st_dev == dev &&
                         (unsigned long long)st.st_ino == ino;
        return cached;
}

static const char *level_name(int level)
{
        switch (level) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
                return "fatal";
        case LOG_ERR:
                return "error";
        case LOG_WARNING:
                return "warning";
        case LOG_NOTICE:
                return "notice";
        case LOG_INFO:
                return "info";
        default:
                return "debug";
        }
}

void log_escape(const char *in, char *out, size_t size)
{
        static const char hex[] = "0123456789abcdef";
        size_t j = 0;

        if (size == 0)
                return;
        for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
                if (*p < 0x20 || *p == 0x7f) {
                        if (j + 4 >= size)
                                break;
                        out[j++] = '\\';
                        out[j++] = 'x';
                        out[j++] = hex[*p >> 4];
                        out[j++] = hex[*p & 15];
                } else {
                        if (j + 1 >= size)
                                break;
                        out[j++] = (char)*p;
                }
        }
        out[j] = 0;
}

/* Expand %m ourselves: the message is formatted once, then written with one write(2)
 * so that lines from worker threads do not interleave. */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *fmt, ...)
{
        char fmtbuf[1024], raw[2048], msg[2048], out[2304];
        const char *src = fmt;
        size_t j = 0;
        va_list ap;
        int n;

        for (; *src && j < sizeof(fmtbuf) - 1; src++) {
                if (src[0] == '%' && src[1] == 'm') {
                        const char *e = strerror(error);
                        /* strerror() text never contains '%', but do not trust it. */
                        for (; *e && j < sizeof(fmtbuf) - 2; e++)
                                if (*e != '%')
                                        fmtbuf[j++] = *e;
                        src++;
                        continue;
                }
                if (src[0] == '%' && src[1] == '%' && j < sizeof(fmtbuf) - 2) {
                        fmtbuf[j++] = *src++;
                }
                fmtbuf[j++] = *src;
        }
        fmtbuf[j] = 0;

        va_start(ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        (void)vsnprintf(raw, sizeof(raw), fmtbuf, ap);
#pragma GCC diagnostic pop
        va_end(ap);

        /* Never let a value from a request (a path, a name) forge log lines or send
         * escape sequences to an operator's terminal: control characters are written
         * as \xNN. */
        log_escape(raw, msg, sizeof(msg));

        if (stderr_is_journal()) {
                n = snprintf(out, sizeof(out), "<%d>%s\n", level, msg);
        } else {
                struct timespec ts;
                struct tm tm;
                char tbuf[32];

                (void)clock_gettime(CLOCK_REALTIME, &ts);
                (void)gmtime_r(&ts.tv_sec, &tm);
                (void)strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
                n = snprintf(out, sizeof(out), "%s.%03ldZ %s[%d] %s: %s\n", tbuf,
                             ts.tv_nsec / 1000000, program, (int)getpid(), level_name(level), msg);
        }
        if (n > 0)
                (void)!write(STDERR_FILENO, out, MIN((size_t)n, sizeof(out) - 1));
        (void)file;
        (void)line;
        (void)func;
        return -error;
}
