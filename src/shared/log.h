/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

#include "macro.h"

/*
 * Logging for the main programs (berthd, berth-init, berth-rbd). Core modules do not
 * log above debug; errors travel up in struct berth_error and are logged once at the
 * edge. Output goes to stderr: with a "<N>" priority prefix when stderr is the
 * journal (JOURNAL_STREAM matches), otherwise with a timestamp.
 */

void log_set_max_level(int level);
int log_get_max_level(void);
/* Parse "error", "warn", "info", "debug", "trace" (and the Go imageapi names
 * PANIC, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, any case). Returns a LOG_* level or -EINVAL. */
int log_level_from_string(const char *s);
void log_set_program(const char *name);
/* Copy in to out (size bytes, always terminated) with control characters as \xNN. */
void log_escape(const char *in, char *out, size_t size);

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *fmt, ...) _printf_(6, 7);

/* %m in fmt prints strerror(error); the macros return -|error| (or 0 for error 0). */
#define log_full_errno(level, error, ...)                                                     \
        ({                                                                                    \
                int _level = (level), _e = (error);                                           \
                _e = _e < 0 ? -_e : _e;                                                       \
                (_level <= log_get_max_level())                                               \
                        ? log_internal(_level, _e, __FILE__, __LINE__, __func__, __VA_ARGS__) \
                        : -_e;                                                                \
        })
#define log_full(level, ...) (void)log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
