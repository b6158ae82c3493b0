/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _pure_ __attribute__((pure))
#define _alignas_(n) __attribute__((aligned(n)))
/* Code that runs where no sanitizer runtime may (a CLONE_VM child before execve). */
#define _no_sanitize_ __attribute__((no_sanitize("address", "undefined")))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define MIN(a, b)                       \
        ({                              \
                __typeof__(a) _a = (a); \
                __typeof__(b) _b = (b); \
                _a < _b ? _a : _b;      \
        })
#define MAX(a, b)                       \
        ({                              \
                __typeof__(a) _a = (a); \
                __typeof__(b) _b = (b); \
                _a > _b ? _a : _b;      \
        })

/* Transfer ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                     \
        ({                              \
                __typeof__(p) _p = (p); \
                (p) = NULL;             \
                _p;                     \
        })
#define TAKE_FD(fd)             \
        ({                      \
                int _fd = (fd); \
                (fd) = -EBADF;  \
                _fd;            \
        })

/* Turn a libc-style "-1 and errno" result into -errno. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}
#define RET_NERRNO(expr)                                          \
        ({                                                        \
                __typeof__(expr) _r = (expr);                     \
                _r < 0 ? (__typeof__(expr))negative_errno() : _r; \
        })

static inline void *mfree(void *p)
{
        free(p);
        return NULL;
}

/* Zero a string that held a secret (a token, a key) and free it: NULL. */
static inline void *erase_and_free(char *s)
{
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
        return NULL;
}

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void)close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd)
{
        *fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
        if (*f)
                (void)fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p)     \
        {                                       \
                if (*p)                         \
                        func(*p);               \
        }

/* CLOCK_MONOTONIC in milliseconds. */
static inline int64_t monotonic_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Duplicate a string or return NULL; NULL in gives NULL out. */
static inline char *strdup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static inline int streq_ptr(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
#define streq(a, b) (strcmp((a), (b)) == 0)
