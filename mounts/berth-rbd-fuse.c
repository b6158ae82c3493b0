/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-rbd: the FUSE file system that serves the image, and its mount. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <rbd/librbd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "berth-rbd.h"
#include "error.h"
#include "macro.h"

/* SIGUSR1 from berthd: the attachment was force-deleted while a loop device (and the
 * mounts on it) still reads the image. Serve until the last open handle is released,
 * then end as on SIGTERM. */
static struct rbd_fs *linger_fs;
static volatile sig_atomic_t lingering;

static void linger_check(struct rbd_fs *fs)
{
        if (lingering && __atomic_load_n(&fs->opens, __ATOMIC_SEQ_CST) == 0)
                fuse_session_exit(fs->se);
}

static void on_sigusr1(_unused_ int sig)
{
        lingering = 1;
        if (linger_fs)
                linger_check(linger_fs);
}

void rbd_fs_linger_watch(struct rbd_fs *fs)
{
        struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };

        linger_fs = fs;
        (void)sigemptyset(&sa.sa_mask);
        (void)sigaction(SIGUSR1, &sa, NULL);
}

void rbd_fs_linger_unwatch(void)
{
        (void)signal(SIGUSR1, SIG_IGN);
        linger_fs = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * FUSE file system: "/" (inode 1) holds "image" (inode 2)
 * ------------------------------------------------------------------------------------------- */

static pthread_key_t buffer_key;

static void free_buffer(void *p)
{
        free(p);
}

int rbd_fs_buffers_init(void)
{
        return -pthread_key_create(&buffer_key, free_buffer);
}

/* One BERTH_RBD_MAX_IO buffer per worker thread, reused for every read it serves. */
static char *thread_buffer(void)
{
        char *b = pthread_getspecific(buffer_key);

        if (b)
                return b;
        b = malloc(BERTH_RBD_MAX_IO);
        if (b && pthread_setspecific(buffer_key, b) != 0)
                b = mfree(b);
        return b;
}

/* librbd errors are logged, at most one line a second, and become EIO. */
static void log_io_error(const char *op, uint64_t off, size_t len, int r)
{
        static time_t last;
        static unsigned suppressed;
        time_t now = time(NULL);

        if (__atomic_exchange_n(&last, now, __ATOMIC_RELAXED) == now) {
                __atomic_add_fetch(&suppressed, 1, __ATOMIC_RELAXED);
                return;
        }
        log_msg("%s of %zu bytes at %" PRIu64 " failed: %s (%u more errors not shown)", op, len,
                off, strerror(-r), __atomic_exchange_n(&suppressed, 0, __ATOMIC_RELAXED));
}

static uint64_t fs_size(struct rbd_fs *fs, bool refresh)
{
        uint64_t size;

        /* A read-only image (or snapshot) is not watched and never changes size. */
        if (refresh && !fs->ro && rbd_get_size(fs->image, &size) >= 0)
                __atomic_store_n(&fs->size, size, __ATOMIC_RELAXED);
        return __atomic_load_n(&fs->size, __ATOMIC_RELAXED);
}

static void fill_stat(struct rbd_fs *fs, fuse_ino_t ino, struct stat *st)
{
        *st = (struct stat){
                .st_ino = ino,
                .st_nlink = ino == FUSE_ROOT_ID ? 2 : 1,
                .st_blksize = BERTH_RBD_MAX_IO,
                .st_atim = fs->mtime,
                .st_mtim = fs->mtime,
                .st_ctim = fs->mtime,
        };
        if (ino == FUSE_ROOT_ID) {
                st->st_mode = S_IFDIR | 0755;
                return;
        }
        st->st_mode = S_IFREG | (fs->ro ? 0444 : 0644);
        st->st_size = (off_t)fs_size(fs, true);
        st->st_blocks = (st->st_size + 511) / 512;
}

/* Attributes of a read-only image never change: let the kernel cache them for a day. */
static double attr_timeout(const struct rbd_fs *fs)
{
        return fs->ro ? 86400.0 : 1.0;
}

static void op_init(_unused_ void *userdata, struct fuse_conn_info *conn)
{
        conn->max_write = BERTH_RBD_MAX_IO;
        conn->max_read = BERTH_RBD_MAX_IO;
        conn->max_background = BERTH_RBD_MAX_BACKGROUND;
        conn->congestion_threshold = BERTH_RBD_MAX_BACKGROUND * 3 / 4;
        if (conn->capable & FUSE_CAP_ASYNC_READ)
                conn->want |= FUSE_CAP_ASYNC_READ;
        /* mtime never changes, so this could never fire; keep_cache in op_open() decides. */
        conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct fuse_entry_param e = {};

        if (parent != FUSE_ROOT_ID || !streq(name, IMAGE_NAME)) {
                (void)fuse_reply_err(req, ENOENT);
                return;
        }
        e.ino = IMAGE_INO;
        e.attr_timeout = e.entry_timeout = attr_timeout(fs);
        fill_stat(fs, IMAGE_INO, &e.attr);
        (void)fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct stat st;

        if (ino != FUSE_ROOT_ID && ino != IMAGE_INO) {
                (void)fuse_reply_err(req, ENOENT);
                return;
        }
        fill_stat(fs, ino, &st);
        (void)fuse_reply_attr(req, &st, attr_timeout(fs));
}

/* The size of an RBD image is not changed through a file; times are accepted and dropped
 * (touch works), ownership and mode are fixed. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct stat st;

        if (ino != IMAGE_INO) {
                (void)fuse_reply_err(req, ino == FUSE_ROOT_ID ? EPERM : ENOENT);
                return;
        }
        if (fs->ro) {
                (void)fuse_reply_err(req, EROFS);
                return;
        }
        fill_stat(fs, ino, &st);
        if ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) ||
            ((to_set & FUSE_SET_ATTR_SIZE) && attr->st_size != st.st_size)) {
                (void)fuse_reply_err(req, EPERM);
                return;
        }
        (void)fuse_reply_attr(req, &st, attr_timeout(fs));
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);

        if (ino != IMAGE_INO) {
                (void)fuse_reply_err(req, ino == FUSE_ROOT_ID ? EISDIR : ENOENT);
                return;
        }
        if (fs->ro && (fi->flags & O_ACCMODE) != O_RDONLY) {
                (void)fuse_reply_err(req, EROFS);
                return;
        }
        /* The kernel page cache stays valid across opens only when nothing else writes. */
        fi->keep_cache = fs->ro;
        fi->noflush = fs->ro;
        __atomic_add_fetch(&fs->opens, 1, __ATOMIC_SEQ_CST);
        if (fuse_reply_open(req, fi) < 0)
                __atomic_sub_fetch(&fs->opens, 1, __ATOMIC_SEQ_CST);
}

static void op_release(fuse_req_t req, _unused_ fuse_ino_t ino, _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);

        (void)fuse_reply_err(req, 0);
        __atomic_sub_fetch(&fs->opens, 1, __ATOMIC_SEQ_CST);
        linger_check(fs);
}

static void op_read(fuse_req_t req, _unused_ fuse_ino_t ino, size_t size, off_t off,
                    _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        uint64_t isize = fs_size(fs, false);
        size_t len, done = 0;
        char *buf;

        if (off < 0 || (uint64_t)off >= isize) {
                (void)fuse_reply_buf(req, NULL, 0);
                return;
        }
        len = (size_t)MIN((uint64_t)size, isize - (uint64_t)off);
        /* Larger than max_read: the kernel never sends it. A short read would read as EOF. */
        buf = len <= BERTH_RBD_MAX_IO ? thread_buffer() : NULL;
        if (!buf) {
                log_io_error("read", (uint64_t)off, len, -ENOMEM);
                (void)fuse_reply_err(req, EIO);
                return;
        }
        while (done < len) {
                ssize_t r = rbd_read2(fs->image, (uint64_t)off + done, len - done, buf + done,
                                      LIBRADOS_OP_FLAG_FADVISE_SEQUENTIAL);

                if (r == -EINTR)
                        continue;
                if (r <= 0) {
                        log_io_error("read", (uint64_t)off + done, len - done, r ? (int)r : -EIO);
                        (void)fuse_reply_err(req, EIO);
                        return;
                }
                done += (size_t)r;
        }
        (void)fuse_reply_buf(req, buf, len);
}

static void op_write(fuse_req_t req, _unused_ fuse_ino_t ino, const char *buf, size_t size,
                     off_t off, _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        uint64_t isize;
        size_t len, done = 0;

        if (fs->ro) {
                (void)fuse_reply_err(req, EROFS);
                return;
        }
        isize = fs_size(fs, false);
        if (off < 0 || (uint64_t)off >= isize) {
                /* The file is as large as the image; as on a block device, no room after it. */
                if (size == 0)
                        (void)fuse_reply_write(req, 0);
                else
                        (void)fuse_reply_err(req, ENOSPC);
                return;
        }
        len = (size_t)MIN((uint64_t)size, isize - (uint64_t)off);
        while (done < len) {
                ssize_t r = rbd_write2(fs->image, (uint64_t)off + done, len - done, buf + done, 0);

                if (r == -EINTR)
                        continue;
                if (r <= 0) {
                        log_io_error("write", (uint64_t)off + done, len - done, r ? (int)r : -EIO);
                        (void)fuse_reply_err(req, EIO);
                        return;
                }
                done += (size_t)r;
        }
        (void)fuse_reply_write(req, len);
}

static void reply_flush(fuse_req_t req)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        int r = fs->ro ? 0 : rbd_flush(fs->image);

        if (r < 0)
                log_io_error("flush", 0, 0, r);
        (void)fuse_reply_err(req, r < 0 ? EIO : 0);
}

static void op_flush(fuse_req_t req, _unused_ fuse_ino_t ino, _unused_ struct fuse_file_info *fi)
{
        reply_flush(req);
}

static void op_fsync(fuse_req_t req, _unused_ fuse_ino_t ino, _unused_ int datasync,
                     _unused_ struct fuse_file_info *fi)
{
        reply_flush(req);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       _unused_ struct fuse_file_info *fi)
{
        static const struct {
                const char *name;
                fuse_ino_t ino;
                mode_t mode;
        } entries[] = {
                { ".", FUSE_ROOT_ID, S_IFDIR },
                { "..", FUSE_ROOT_ID, S_IFDIR },
                { IMAGE_NAME, IMAGE_INO, S_IFREG },
        };
        char buf[512];
        size_t n = 0, max = MIN(size, sizeof(buf));

        if (ino != FUSE_ROOT_ID) {
                (void)fuse_reply_err(req, ENOTDIR);
                return;
        }
        for (size_t i = off < 0 ? 0 : (size_t)off; i < ELEMENTSOF(entries); i++) {
                struct stat st = { .st_ino = entries[i].ino, .st_mode = entries[i].mode };
                size_t l = fuse_add_direntry(req, buf + n, max - n, entries[i].name, &st,
                                             (off_t)i + 1);

                if (l > max - n)
                        break;
                n += l;
        }
        (void)fuse_reply_buf(req, buf, n);
}

static void op_statfs(fuse_req_t req, _unused_ fuse_ino_t ino)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct statvfs sv = {
                .f_bsize = 4096,
                .f_frsize = 4096,
                .f_blocks = (fs_size(fs, false) + 4095) / 4096,
                .f_files = 2,
                .f_namemax = 255,
        };

        (void)fuse_reply_statfs(req, &sv);
}

const struct fuse_lowlevel_ops rbd_fs_ops = {
        .init = op_init,
        .lookup = op_lookup,
        .getattr = op_getattr,
        .setattr = op_setattr,
        .open = op_open,
        .release = op_release,
        .read = op_read,
        .write = op_write,
        .flush = op_flush,
        .fsync = op_fsync,
        .readdir = op_readdir,
        .statfs = op_statfs,
};

/* ---------------------------------------------------------------------------------------------
 * Mount
 * ------------------------------------------------------------------------------------------- */

/* Without AT_STATX_DONT_SYNC, the stat of the FUSE root would be a GETATTR request, which
 * nobody answers when the session loop is not running. */
static int mount_dev(const char *path, dev_t *ret)
{
        struct statx stx;

        if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC | AT_SYMLINK_NOFOLLOW, STATX_INO, &stx) < 0)
                return negative_errno();
        *ret = makedev(stx.stx_dev_major, stx.stx_dev_minor);
        return 0;
}

void rbd_fs_mount_release(struct rbd_fs_mount *m)
{
        dev_t dev = 0;

        if (!m->path)
                return;
        if (mount_dev(m->path, &dev) < 0 || dev != m->dev)
                log_msg("'%s' no longer shows our FUSE mount: it was unmounted, or another mount "
                        "covers it; leaving it alone",
                        m->path);
        else if (umount2(m->path, UMOUNT_NOFOLLOW) < 0) {
                if (errno == EBUSY)
                        log_msg("'%s' is still in use (a loop device?), detaching it lazily",
                                m->path);
                if (umount2(m->path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                        log_msg("Cannot unmount '%s': %s", m->path, strerror(errno));
        }
        m->path = mfree(m->path);
}

int rbd_fs_check_mountpoint(const char *path, char **ret, struct berth_error *err)
{
        _cleanup_free_ char *abs = NULL;
        struct dirent *de;
        DIR *d;

        abs = realpath(path, NULL);
        if (!abs)
                return berth_error_set_errno(err, errno, "mountpoint '%s'", path);
        d = opendir(abs);
        if (!d)
                return berth_error_set_errno(err, errno, "mountpoint '%s'", path);
        errno = 0;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        break;
        (void)closedir(d);
        if (de)
                return berth_error_set(err, ENOTEMPTY, "mountpoint '%s' is not empty", path);
        *ret = TAKE_PTR(abs);
        return 0;
}

void rbd_fs_readahead(dev_t dev)
{
        char path[64], val[16];
        _cleanup_close_ int fd = -EBADF;
        int n;

        (void)snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", major(dev),
                       minor(dev));
        n = snprintf(val, sizeof(val), "%u", BERTH_RBD_READAHEAD_KB);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, val, (size_t)n) != n)
                log_msg("Cannot set '%s', reads stay slower: %s", path, strerror(errno));
}

/* mount(2) ourselves instead of fuse_session_mount(MOUNTPOINT), which can only say "-1" and
 * falls back to fusermount3: every failure here gets its own errno and message. */
int rbd_fs_mount_open(struct fuse_session *se, const char *abs, bool ro, struct rbd_fs_mount *ret,
                      struct berth_error *err)
{
        char opts[256], source[1024], devfd[32];
        _cleanup_close_ int fd = -EBADF;
        unsigned long flags = MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0);

        fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "FUSE not available: /dev/fuse");
        (void)snprintf(source, sizeof(source), "berth-rbd:%s/%s%s%s%s%s", arg_pool,
                       arg_namespace ?: "", arg_namespace ? "/" : "", arg_image,
                       arg_snap ? "@" : "", arg_snap ?: "");
        (void)snprintf(opts, sizeof(opts),
                       "fd=%d,rootmode=40000,user_id=%u,group_id=%u,max_read=%u", fd,
                       (unsigned)getuid(), (unsigned)getgid(), BERTH_RBD_MAX_IO);
        if (mount(source, abs, "fuse.berth-rbd", flags, opts) < 0)
                return berth_error_set_errno(err, errno, "cannot mount FUSE on '%s'", abs);
        ret->path = strdup(abs);
        if (!ret->path || mount_dev(abs, &ret->dev) < 0) {
                (void)umount2(abs, MNT_DETACH | UMOUNT_NOFOLLOW);
                ret->path = mfree(ret->path);
                return berth_error_set(err, ENOMEM, "cannot record the mount on '%s'", abs);
        }
        /* libfuse takes a mounted /dev/fuse fd as "/dev/fd/N"; the session owns it from here. */
        (void)snprintf(devfd, sizeof(devfd), "/dev/fd/%d", fd);
        if (fuse_session_mount(se, devfd) < 0) {
                rbd_fs_mount_release(ret);
                return berth_error_set(err, EIO, "libfuse refused the FUSE fd");
        }
        TAKE_FD(fd);
        return 0;
}

/* Answer FUSE_INIT here, before the worker pool starts: after this, MOUNTPOINT/image can be
 * opened without waiting, which is what READY promises. */
int rbd_fs_handshake(struct fuse_session *se, struct berth_error *err)
{
        struct fuse_buf buf = {};
        int r;

        do
                r = fuse_session_receive_buf(se, &buf);
        while (r == -EINTR && !fuse_session_exited(se));
        if (r > 0)
                fuse_session_process_buf(se, &buf);
        free(buf.mem);
        if (r == -EINTR)
                return berth_error_set(err, EINTR, "interrupted by a signal before ready");
        if (r <= 0)
                return berth_error_set(err, r < 0 ? r : ENODEV,
                                       "FUSE connection closed during the handshake");
        if (fuse_session_exited(se))
                return berth_error_set(err, EPROTO, "the kernel refused the FUSE handshake");
        return 0;
}

int rbd_fs_serve(struct fuse_session *se)
{
        int r;

#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 12)
        struct fuse_loop_config *cfg = fuse_loop_cfg_create();

        if (!cfg)
                return -ENOMEM;
        /* Keep the workers (and their read buffers) instead of re-creating them. */
        fuse_loop_cfg_set_max_threads(cfg, BERTH_RBD_MAX_THREADS);
        fuse_loop_cfg_set_idle_threads(cfg, BERTH_RBD_MAX_THREADS);
        fuse_loop_cfg_set_clone_fd(cfg, 0);
        r = fuse_session_loop_mt(se, cfg);
        fuse_loop_cfg_destroy(cfg);
#else
        struct fuse_loop_config cfg = { .clone_fd = 0, .max_idle_threads = BERTH_RBD_MAX_THREADS };

        r = fuse_session_loop_mt(se, &cfg);
#endif
        return r;
}
