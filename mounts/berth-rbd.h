/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the parts of berth-rbd share:
 *   berth-rbd.c          main, the log, the READY/ERROR line on --ready-fd, the watchdog
 *   berth-rbd-args.c     the command line
 *   berth-rbd-cluster.c  the cluster (cephx key, configuration, monitors) and the image
 *   berth-rbd-fuse.c     the FUSE file system that serves the image, and its mount
 */

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"
#include "macro.h"

/* 1 MiB: FUSE_MAX_MAX_PAGES (256) pages, the most libfuse 3 accepts per request. */
#define BERTH_RBD_MAX_IO (1024u * 1024u)
/* Kernel readahead of the FUSE file (its bdi). 128 KiB by default; 8 MiB keeps eight 1 MiB
 * reads in flight, which is what hides the OSD round trip of a sequential read. */
#define BERTH_RBD_READAHEAD_KB 8192u
#define BERTH_RBD_MAX_THREADS 16u
#define BERTH_RBD_MAX_BACKGROUND 64u
#define BERTH_RBD_DEFAULT_CONF "/etc/ceph/ceph.conf"
#define BERTH_RBD_KEY_MAX 512
#define IMAGE_INO 2
#define IMAGE_NAME "image"

DEFINE_TRIVIAL_CLEANUP_FUNC(rados_t, rados_shutdown);
DEFINE_TRIVIAL_CLEANUP_FUNC(rados_ioctx_t, rados_ioctx_destroy);
DEFINE_TRIVIAL_CLEANUP_FUNC(rbd_image_t, rbd_close);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fuse_session *, fuse_session_destroy);

/* ---- the command line (berth-rbd-args.c) ------------------------------------------------- */

extern const char *arg_mon_host;
extern const char *arg_pool;
extern const char *arg_image;
extern const char *arg_snap;
extern const char *arg_namespace;
extern const char *arg_id;
extern const char *arg_conf;
extern const char *arg_mountpoint;
extern int arg_key_fd;
extern int arg_ready_fd;
extern bool arg_ro;
extern unsigned arg_timeout;
extern const char **arg_set;
extern size_t arg_n_set;
/* --ready-fd was given (and parsed): the READY/ERROR line goes there, not to stderr. */
extern bool ready_fd_given;

/* Find --ready-fd before anything else, so that argument errors are reported on it too. */
void find_ready_fd(int argc, char **argv);
/* 1: go on; 0: done (--help); -errno with err set. */
int parse_argv(int argc, char **argv, struct berth_error *err);
void free_arg_set(void);

/* ---- the log and the report (berth-rbd.c) ------------------------------------------------ */

/* One write(2) per line, so that lines of worker threads do not interleave. A user value cannot
 * forge a second line: control characters become '?'. */
_printf_(1, 0) void log_msgv(const char *fmt, va_list ap);
/* libfuse's log lines (notices and worse) through log_msgv(). */
void fuse_log_to_stderr(enum fuse_log_level level, const char *fmt, va_list ap);
_printf_(1, 2) void log_msg(const char *fmt, ...);
/* The single READY/ERROR line (the first caller wins); closes --ready-fd. */
void report_error(int code, const char *msg);
void report_ready(uint64_t size);
bool was_reported(void);
/* Arm for `seconds` from now; the message is what the ERROR line says when it fires. */
int watchdog_start(void);
_printf_(2, 3) void watchdog_arm(unsigned seconds, const char *fmt, ...);
void watchdog_disarm(void);

/* ---- the cluster and the image (berth-rbd-cluster.c) ------------------------------------- */

int cluster_connect(rados_t *ret, struct berth_error *err);
int image_open(rados_t cluster, rados_ioctx_t *ret_io, rbd_image_t *ret_image, uint64_t *ret_size,
               struct berth_error *err);

/* ---- the file system: berth-rbd-fuse.c -------------------------------------------------- */

/* What the FUSE handlers need; userdata of the session. */
struct rbd_fs {
        rbd_image_t image;
        bool ro;
        uint64_t size; /* accessed with __atomic_*: a resize of an rw image updates it */
        struct timespec mtime;
        struct fuse_session *se;
        int opens; /* open file handles, __atomic_* */
};

extern const struct fuse_lowlevel_ops rbd_fs_ops;
/* The per-thread read buffers; once, before the session runs. */
int rbd_fs_buffers_init(void);
/* SIGUSR1 from berthd (see berth-rbd-fuse.c): serve fs until its last handle is released. */
void rbd_fs_linger_watch(struct rbd_fs *fs);
void rbd_fs_linger_unwatch(void);

/* The mount we made: its path and the device of its root, so that we only ever unmount our own
 * file system and not whatever was mounted over it later. */
struct rbd_fs_mount {
        char *path;
        dev_t dev;
};

int rbd_fs_check_mountpoint(const char *path, char **ret, struct berth_error *err);
int rbd_fs_mount_open(struct fuse_session *se, const char *abs, bool ro, struct rbd_fs_mount *m,
                      struct berth_error *err);
void rbd_fs_mount_release(struct rbd_fs_mount *m);
int rbd_fs_handshake(struct fuse_session *se, struct berth_error *err);
void rbd_fs_readahead(dev_t dev);
int rbd_fs_serve(struct fuse_session *se);
