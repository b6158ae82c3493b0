/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-rbd: serve one RBD image as the single regular file MOUNTPOINT/image of a FUSE mount,
 * on nodes whose kernel has no rbd driver. berthd starts one per attachment, then loop-attaches
 * the file and mounts the squashfs on it.
 *
 * Privilege context: runs as root (mount(2), /dev/fuse, /sys/class/bdi), started by berthd with
 * an argv array. The cephx key arrives on an inherited fd and is handed to librados only; it is
 * never in argv, the environment, a log line or the ERROR line. The outcome of the setup is one
 * line on --ready-fd: "READY <bytes>" once the image is open and MOUNTPOINT/image can be opened,
 * or "ERROR <errno> <message>" and a non-zero exit with nothing mounted.
 *
 * Threads: librados/librbd threads, a watchdog that bounds the setup, and the libfuse worker
 * pool. Every worker reads with rbd_read2() straight into its own buffer of BERTH_RBD_MAX_IO
 * bytes, which is also the largest request the kernel may send (max_read, max_pages).
 */
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
 * main
 * ------------------------------------------------------------------------------------------- */

/* berthd may start us with 0-2 closed; /dev/fuse must never become "stderr". */
static void ensure_std_fds(void)
{
        for (int fd = 0; fd <= 2; fd++)
                if (fcntl(fd, F_GETFD) < 0) {
                        int n = open("/dev/null", O_RDWR);

                        if (n >= 0 && n != fd) {
                                (void)!dup2(n, fd);
                                (void)close(n);
                        }
                }
}

/* We outlive berthd: an fd it leaked to us (a listening socket, a lock) must not stay open
 * for the life of the mount. Keep 0-2, --key-fd and --ready-fd. */
static void close_inherited_fds(void)
{
        int keep[2] = { MIN(arg_key_fd, arg_ready_fd), MAX(arg_key_fd, arg_ready_fd) };
        unsigned from = 3;

        for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
                if (keep[i] < (int)from)
                        continue;
                if ((unsigned)keep[i] > from)
                        (void)close_range(from, (unsigned)keep[i] - 1, 0);
                from = (unsigned)keep[i] + 1;
        }
        (void)close_range(from, ~0u, 0);
}

static void rbd_fs_mount_releasep(struct rbd_fs_mount *m)
{
        rbd_fs_mount_release(m);
}

static int setup(int argc, char **argv, struct berth_error *err)
{
        int r;

        ensure_std_fds();
        find_ready_fd(argc, argv);
        /* Outlive berthd: own session, no PDEATHSIG; a dead reader must not kill us either. */
        (void)setsid();
        (void)signal(SIGPIPE, SIG_IGN);
        /* librados keeps the key in its config: no core file of ours may carry it. Not
         * PR_SET_DUMPABLE=0, which would also hide /proc/PID from root's tools. */
        (void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
        fuse_set_log_func(fuse_log_to_stderr);
        r = parse_argv(argc, argv, err);
        if (r <= 0)
                return r;
        close_inherited_fds();
        r = rbd_fs_buffers_init();
        if (r < 0)
                return berth_error_set(err, r, "pthread_key_create");
        r = watchdog_start();
        if (r < 0)
                return berth_error_set(err, r, "cannot start the watchdog thread");
        return 1;
}

static int run(struct berth_error *err)
{
        char max_read[32], *fargv[] = { (char *)"berth-rbd", (char *)"-o", max_read, NULL };
        _cleanup_(fuse_opt_free_args) struct fuse_args fargs = FUSE_ARGS_INIT(3, fargv);
        _cleanup_(rados_shutdownp) rados_t cluster = NULL;
        _cleanup_(rados_ioctx_destroyp) rados_ioctx_t io = NULL;
        _cleanup_(rbd_closep) rbd_image_t image = NULL;
        _cleanup_(fuse_session_destroyp) struct fuse_session *se = NULL;
        _cleanup_(rbd_fs_mount_releasep) struct rbd_fs_mount m = {};
        _cleanup_free_ char *abs = NULL;
        struct rbd_fs fs = { .ro = arg_ro };
        int r;

        /* Must match conn->max_read, which op_init() sets. */
        (void)snprintf(max_read, sizeof(max_read), "max_read=%u", BERTH_RBD_MAX_IO);
        r = rbd_fs_check_mountpoint(arg_mountpoint, &abs, err);
        if (r < 0)
                return r;
        r = cluster_connect(&cluster, err);
        if (r < 0)
                return r;
        r = image_open(cluster, &io, &image, &fs.size, err);
        if (r < 0)
                return r;
        fs.image = image;
        /* Relative --conf and keyring paths are read by now; do not pin the caller's cwd. */
        (void)!chdir("/");
        (void)clock_gettime(CLOCK_REALTIME, &fs.mtime);

        se = fuse_session_new(&fargs, &rbd_fs_ops, sizeof(rbd_fs_ops), &fs);
        if (!se)
                return berth_error_set(err, ENOMEM, "cannot create a FUSE session");
        if (fuse_set_signal_handlers(se) < 0)
                return berth_error_set(err, EIO, "cannot install signal handlers");
        fs.se = se;
        rbd_fs_linger_watch(&fs);
        r = rbd_fs_mount_open(se, abs, arg_ro, &m, err);
        if (r < 0)
                return r;
        r = rbd_fs_handshake(se, err);
        if (r < 0)
                return r;
        rbd_fs_readahead(m.dev);
        report_ready(fs.size);
        log_msg("Serving %s/%s%s%s (%" PRIu64 " bytes, %s) on '%s'", arg_pool, arg_image,
                arg_snap ? "@" : "", arg_snap ?: "", fs.size, arg_ro ? "read-only" : "read-write",
                abs);

        r = rbd_fs_serve(se);
        if (r < 0)
                log_msg("FUSE session failed: %s", strerror(-r));
        rbd_fs_linger_unwatch();
        fuse_remove_signal_handlers(se);
        rbd_fs_mount_release(&m);
        if (!arg_ro) {
                int q = rbd_flush(image);

                if (q < 0) {
                        log_msg("Flushing image '%s' failed: %s", arg_image, strerror(-q));
                        return q;
                }
        }
        return r < 0 ? r : 0;
}

int main(int argc, char **argv)
{
        struct berth_error err = {};
        int r;

        atexit(free_arg_set);
        r = setup(argc, argv, &err);
        if (r == 0)
                return EXIT_SUCCESS;
        if (r > 0)
                r = run(&err);
        if (r < 0 && !was_reported()) {
                report_error(err.code ?: r, err.msg[0] ? err.msg : strerror(-r));
                return EXIT_FAILURE;
        }
        if (r < 0)
                return EXIT_FAILURE;
        log_msg("Stopped");
        return EXIT_SUCCESS;
}
