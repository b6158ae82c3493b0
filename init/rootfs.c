/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "chase.h"
#include "error.h"
#include "macro.h"
#include "rootfs.h"
#include "sysctl.h"
#include "strv.h"

static char log_buf[8192];
static size_t log_len;

void init_log_flush(void)
{
        if (log_len > 0)
                (void)!write(STDERR_FILENO, log_buf, log_len);
        log_len = 0;
}

void init_log(const char *fmt, ...)
{
        static char tbuf[32];
        static time_t cached;
        char buf[1024];
        time_t now = time(NULL);
        va_list ap;
        int n;

        if (now != cached) {
                struct tm tm;
                (void)localtime_r(&now, &tm);
                (void)strftime(tbuf, sizeof(tbuf), "%Y/%m/%d %H:%M:%S", &tm);
                cached = now;
        }
        n = snprintf(buf, sizeof(buf), "%s init: ", tbuf);
        va_start(ap, fmt);
        n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
        va_end(ap);
        if (n > (int)sizeof(buf) - 2)
                n = (int)sizeof(buf) - 2;
        buf[n++] = '\n';
        if (log_len + (size_t)n > sizeof(log_buf))
                init_log_flush();
        memcpy(log_buf + log_len, buf, (size_t)n);
        log_len += (size_t)n;
}

/* "/proc/self/fd/N", the path through which mount(2) reaches an fd's directory. */
struct fdpath {
        char p[32];
};
static const char *fdpath(struct fdpath *b, int fd)
{
        (void)snprintf(b->p, sizeof(b->p), "/proc/self/fd/%d", fd);
        return b->p;
}

/* Open (creating directories as needed) path inside the root. Every component is
 * resolved with open_in_root(), so symlinks in the image stay inside the image. */
static int ensure_dir(int root_fd, const char *path)
{
        char buf[4096];
        size_t len = strlen(path);
        int fd;

        if (len >= sizeof(buf))
                return -ENAMETOOLONG;
        fd = open_in_root(root_fd, path, O_PATH | O_DIRECTORY, 0);
        if (fd != -ENOENT)
                return fd;
        memcpy(buf, path, len + 1);
        for (char *p = buf + 1;; p++) {
                if (*p == '/' || *p == 0) {
                        char saved = *p, *slash;
                        int parent, r;

                        *p = 0;
                        fd = open_in_root(root_fd, buf, O_PATH | O_DIRECTORY, 0);
                        if (fd == -ENOENT) {
                                slash = strrchr(buf, '/');
                                *slash = 0;
                                parent = open_in_root(root_fd, buf[0] ? buf : "/",
                                                      O_PATH | O_DIRECTORY, 0);
                                *slash = '/';
                                if (parent < 0)
                                        return parent;
                                r = mkdirat(parent, slash + 1, 0755);
                                (void)close(parent);
                                if (r < 0 && errno != EEXIST)
                                        return -errno;
                                fd = open_in_root(root_fd, buf, O_PATH | O_DIRECTORY, 0);
                        }
                        *p = saved;
                        if (fd < 0)
                                return fd;
                        if (saved == 0)
                                return fd;
                        (void)close(fd);
                }
        }
}

static int mount_at(int root_fd, const char *path, const char *src, const char *fstype,
                    unsigned long flags, const char *data, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        struct fdpath b;

        init_log("mounting %s", path);
        fd = ensure_dir(root_fd, path);
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "mkdir %s in the image", path);
        if (mount(src, fdpath(&b, fd), fstype, flags, data) < 0)
                return berth_error_set_errno(err, errno, "mount %s on %s", fstype, path);
        return 0;
}

/* Make a path inside the root read-only by binding it onto itself. */
static int bind_read_only(int root_fd, const char *path, struct berth_error *err)
{
        _cleanup_close_ int fd = open_in_root(root_fd, path, O_PATH, 0);
        struct fdpath b;

        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "open %s", path);
        if (mount(fdpath(&b, fd), fdpath(&b, fd), NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_error_set_errno(err, errno, "bind %s", path);
        fd = safe_close(fd);
        fd = open_in_root(root_fd, path, O_PATH, 0);
        if (fd < 0 ||
            mount(NULL, fdpath(&b, fd), NULL,
                  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return berth_error_set_errno(err, errno, "make %s read-only", path);
        return 0;
}

/* Hide a /proc file behind /dev/null, or a directory behind an empty read-only tmpfs. */
static int mask(int root_fd, int null_fd, const char *path, struct berth_error *err)
{
        _cleanup_close_ int fd = open_in_root(root_fd, path, O_PATH, 0);
        struct fdpath a, b;
        struct stat st;

        if (fd == -ENOENT)
                return 0;
        if (fd < 0 || fstat(fd, &st) < 0)
                return berth_error_set_errno(err, fd < 0 ? -fd : errno, "open %s", path);
        if (S_ISDIR(st.st_mode)) {
                if (mount("tmpfs", fdpath(&a, fd), "tmpfs",
                          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=555") < 0)
                        return berth_error_set_errno(err, errno, "mask %s", path);
        } else if (mount(fdpath(&a, null_fd), fdpath(&b, fd), NULL, MS_BIND, NULL) < 0)
                return berth_error_set_errno(err, errno, "mask %s", path);
        return 0;
}

struct dev_node {
        const char *name;
        unsigned maj, min;
};

static const struct dev_node dev_nodes[] = {
        { "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
        { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static int make_devices(int root_fd, bool in_userns, struct berth_error *err)
{
        static const char *const links[][2] = {
                { "ptmx", "pts/ptmx" },          { "fd", "/proc/self/fd" },
                { "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
                { "stderr", "/proc/self/fd/2" },
        };
        _cleanup_close_ int dev = open_in_root(root_fd, "/dev", O_PATH | O_DIRECTORY, 0);
        mode_t old = umask(0);
        int r = 0;

        if (dev < 0)
                return berth_error_set_errno(err, -dev, "open /dev");
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes) && r >= 0; i++) {
                const struct dev_node *n = &dev_nodes[i];

                init_log("making device file /dev/%s", n->name);
                if (!in_userns &&
                    mknodat(dev, n->name, S_IFCHR | 0666, makedev(n->maj, n->min)) >= 0)
                        continue;
                if (!in_userns && errno != EPERM) {
                        r = berth_error_set_errno(err, errno, "mknod /dev/%s", n->name);
                        break;
                }
                /* No mknod in a user namespace: bind the host's node instead. */
                {
                        _cleanup_close_ int f =
                                openat(dev, n->name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
                        char host[64];
                        struct fdpath b;

                        (void)snprintf(host, sizeof(host), "/dev/%s", n->name);
                        f = safe_close(f);
                        f = openat(dev, n->name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
                        if (f < 0 || mount(host, fdpath(&b, f), NULL, MS_BIND, NULL) < 0)
                                r = berth_error_set_errno(err, errno, "bind /dev/%s", n->name);
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(links) && r >= 0; i++) {
                init_log("creating symlink %s -> /dev/%s", links[i][1], links[i][0]);
                if (symlinkat(links[i][1], dev, links[i][0]) < 0)
                        r = berth_error_set_errno(err, errno, "symlink /dev/%s", links[i][0]);
        }
        if (r >= 0) {
                int f = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
                if (f < 0)
                        r = berth_error_set_errno(err, errno, "create /dev/console");
                safe_close(f);
        }
        umask(old);
        return r;
}

static int bind_sys(int root_fd, struct berth_error *err)
{
        _cleanup_close_ int fd = ensure_dir(root_fd, "/sys");
        struct mount_attr attr = {
                .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                            MOUNT_ATTR_NOEXEC,
        };
        struct fdpath b;

        init_log("mounting /sys (the host's, read-only)");
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "mkdir /sys in the image");
        /* Recursive: in a less privileged mount namespace the submounts are locked to
         * their parent. All of it becomes read-only. */
        if (mount("/sys", fdpath(&b, fd), NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_error_set_errno(err, errno, "bind /sys");
        fd = safe_close(fd);
        fd = open_in_root(root_fd, "/sys", O_PATH | O_DIRECTORY, 0);
        if (fd < 0 || mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return berth_error_set_errno(err, errno, "make /sys read-only");
        return 0;
}

/* pivot_root(".", "."): the old root ends up on top of the new one, at the working
 * directory; detach_old_root() then detaches it lazily, so that nothing of it stays
 * reachable. Path walks from the root or the working directory do not see it even
 * before that: they start on the new root's own directory. */
static int pivot_keep_old(int root_fd, struct berth_error *err)
{
        if (fchdir(root_fd) < 0)
                return berth_error_set_errno(err, errno, "chdir into the root");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return berth_error_set_errno(err, errno, "pivot_root");
        return 0;
}

static int detach_old_root(struct berth_error *err)
{
        if (umount2(".", MNT_DETACH) < 0)
                return berth_error_set_errno(err, errno, "detach the old root");
        if (chdir("/") < 0)
                return berth_error_set_errno(err, errno, "chdir /");
        return 0;
}

static int pivot(int root_fd, struct berth_error *err)
{
        int r = pivot_keep_old(root_fd, err);

        return r < 0 ? r : detach_old_root(err);
}

/* The spec's sysctls, through the /proc just mounted, before /proc/sys is read-only. */
static int write_sysctls(int root_fd, const struct berth_launch *l, struct berth_error *err)
{
        _cleanup_close_ int proc_fd = open_in_root(root_fd, "/proc", O_PATH | O_DIRECTORY, 0);

        if (proc_fd < 0)
                return berth_error_set_errno(err, -proc_fd, "open /proc");
        return berth_sysctl_write_all(proc_fd, l->sysctls, err);
}

/* /proc, /dev (with pts, shm, mqueue) and /sys, then the read-only and masked parts of
 * /proc and /sys, all below root_fd: a staging tmpfs that nothing else can reach, so
 * that no other process (another container on the same writable root, renaming its
 * directories at the right moment) can make a path resolve somewhere else between the
 * mount of /proc and the read-only bind of /proc/sys on it. */
static int api_mounts(int root_fd, const struct berth_launch *l, struct berth_error *err)
{
        static const char *const masked[] = { "/proc/kcore",
                                              "/proc/keys",
                                              "/proc/timer_list",
                                              "/proc/sched_debug",
                                              "/proc/latency_stats",
                                              "/proc/timer_stats",
                                              "/proc/acpi",
                                              "/proc/asound",
                                              "/proc/scsi",
                                              "/sys/firmware",
                                              "/sys/devices/virtual/powercap" };
        static const char *const read_only[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/irq",
                                                 "/proc/bus", "/proc/fs" };
        bool userns = l->namespaces & LAUNCH_NS_USER;
        _cleanup_close_ int null_fd = -EBADF;
        int r;

        r = mount_at(root_fd, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
        if (r >= 0 && l->sysctls)
                r = write_sysctls(root_fd, l, err);
        if (r >= 0)
                r = mount_at(root_fd, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                             "mode=755,size=65536k", err);
        if (r >= 0)
                r = make_devices(root_fd, userns, err);
        /* gid 5 is "tty"; a user namespace that does not map it refuses the option. */
        if (r >= 0)
                r = mount_at(root_fd, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                             !userns || berth_launch_idmap_maps(l->gid_map, l->n_gid_map, 5)
                                     ? "newinstance,ptmxmode=0666,mode=620,gid=5"
                                     : "newinstance,ptmxmode=0666,mode=620",
                             err);
        if (r >= 0)
                r = mount_at(root_fd, "/dev/shm", "tmpfs", "tmpfs",
                             MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", err);
        if (r >= 0)
                r = mount_at(root_fd, "/dev/mqueue", "mqueue", "mqueue",
                             MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
        if (r >= 0 && userns && !(l->namespaces & LAUNCH_NS_NET))
                /* sysfs belongs to the network namespace; in a user namespace that does
                 * not own one, bind the host's /sys (without its submounts) read-only. */
                r = bind_sys(root_fd, err);
        else if (r >= 0)
                r = mount_at(root_fd, "/sys", "sysfs", "sysfs",
                             MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
        /* In the container's cgroup namespace (berth-init unshared it after joining its
         * groups): the tree below its own v2 group. */
        if (r >= 0 && l->cgroup2_inside)
                r = mount_at(root_fd, "/sys/fs/cgroup", "cgroup2", "cgroup2",
                             MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                     (l->cgroup2_read_only ? MS_RDONLY : 0),
                             NULL, err);
        if (r < 0)
                return r;

        null_fd = open_in_root(root_fd, "/dev/null", O_PATH, 0);
        if (null_fd < 0)
                return berth_error_set_errno(err, -null_fd, "open /dev/null");
        for (size_t i = 0; i < ELEMENTSOF(read_only); i++) {
                r = bind_read_only(root_fd, read_only[i], err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(masked); i++) {
                r = mask(root_fd, null_fd, masked[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* What systemd mode adds in the root itself (nothing masked or read-only in these). */
static int systemd_mounts(int root_fd, struct berth_error *err)
{
        int r = mount_at(root_fd, "/run", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", err);

        if (r >= 0)
                r = mount_at(root_fd, "/run/lock", "tmpfs", "tmpfs",
                             MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=5m", err);
        if (r >= 0)
                r = mount_at(root_fd, "/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777",
                             err);
        return r;
}

/* uid and gid 0 as the mounter's namespace sees them: in a user namespace whose root is
 * not the host's, berth-init mounts it as the host's root (an id the namespace does not
 * map) and fills it as the namespace's root. */
#define STAGING_TMPFS_OPTS "mode=755,size=64k,uid=0,gid=0"
/* /proc last: the moves before it name their targets through /proc/self/fd. */
static const char *const api_dirs[] = { "/dev", "/sys", "/proc" };

/* Move /dev, /sys and /proc (with everything mounted on them) from the staging tmpfs
 * st_fd into the root. A target renamed meanwhile only moves the finished tree
 * elsewhere: nothing in it changes. */
static int move_api_mounts(int st_fd, int root_fd, struct berth_error *err)
{
        for (size_t i = 0; i < ELEMENTSOF(api_dirs); i++) {
                _cleanup_close_ int from =
                        open_in_root(st_fd, api_dirs[i], O_PATH | O_DIRECTORY, 0);
                _cleanup_close_ int to = ensure_dir(root_fd, api_dirs[i]);
                struct fdpath a, b;

                if (from < 0 || to < 0)
                        return berth_error_set_errno(err, from < 0 ? -from : -to,
                                                     "find %s in the staging tmpfs or the image",
                                                     api_dirs[i]);
                if (mount(fdpath(&a, from), fdpath(&b, to), NULL, MS_MOVE, NULL) < 0)
                        return berth_error_set_errno(err, errno, "move %s into the image",
                                                     api_dirs[i]);
        }
        return 0;
}

/* Make every mount private, mount the staging tmpfs (named source) on path, an empty
 * directory, and open it. path is NULL when the launch spec has none. Returns the fd /
 * -errno. */
static int staging_open(const char *path, const char *source, struct berth_error *err)
{
        int fd;

        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return berth_error_set_errno(err, errno, "make / private");
        if (!path)
                return berth_error_set(err, EINVAL, "launch spec: no staging directory");
        if (mount(source, path, "tmpfs", MS_NOSUID | MS_NODEV, STAGING_TMPFS_OPTS) < 0)
                return berth_error_set_errno(err, errno, "mount the staging tmpfs on '%s'", path);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "open '%s'", path);
        return fd;
}

/* ---- extra mounts ------------------------------------------------------------------ */

void rootfs_binds_close(struct rootfs_binds *b)
{
        for (size_t i = 0; i < b->n; i++)
                b->fd[i] = safe_close(b->fd[i]);
        b->n = 0;
}

static int open_binds(const struct berth_launch *l, struct rootfs_binds *b, struct berth_error *err)
{
        for (size_t i = 0; i < l->n_mounts; i++) {
                const struct berth_launch_mount *m = &l->mounts[i];
                int fd;

                if (m->type != LAUNCH_MOUNT_BIND)
                        continue;
                fd = berth_launch_mount_open_source(m);
                if (fd < 0)
                        return berth_error_set_errno(err, -fd, "open the bind source '%s'",
                                                     m->source);
                b->fd[b->n++] = fd;
        }
        return 0;
}

/* An empty file at path inside the root (and the directories above it), unless there is
 * something already. Returns its O_PATH fd / -errno. */
static int ensure_file(int root_fd, const char *path)
{
        _cleanup_free_ char *parent = strdup(path);
        _cleanup_close_ int dir = -EBADF;
        char *slash;
        int fd = open_in_root(root_fd, path, O_PATH, 0);

        if (fd != -ENOENT)
                return fd;
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        *slash = 0;
        dir = ensure_dir(root_fd, parent[0] ? parent : "/");
        if (dir < 0)
                return dir;
        fd = openat(dir, slash + 1, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
                return -errno;
        safe_close(fd);
        return open_in_root(root_fd, path, O_PATH, 0);
}

static uint64_t mount_attrs(unsigned flags)
{
        return (flags & LAUNCH_MOUNT_READ_ONLY ? MOUNT_ATTR_RDONLY : 0) |
               (flags & LAUNCH_MOUNT_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
               (flags & LAUNCH_MOUNT_NODEV ? MOUNT_ATTR_NODEV : 0) |
               (flags & LAUNCH_MOUNT_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
}

/* The propagation m asks for (private, rprivate for a recursive bind, by default), on
 * the mount at fd, once attached: a detached tree cannot join a peer group. */
static int set_propagation(int fd, const struct berth_launch_mount *m, struct berth_error *err)
{
        unsigned long p = m->propagation;
        struct mount_attr attr = {};

        if (p == 0)
                p = MS_PRIVATE | (m->flags & LAUNCH_MOUNT_RECURSIVE ? MS_REC : 0);
        attr.propagation = p & ~(unsigned long)MS_REC;
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (p & MS_REC ? AT_RECURSIVE : 0), &attr,
                          sizeof(attr)) < 0)
                return berth_error_set_errno(err, errno, "set the propagation of '%s'",
                                             m->destination);
        return 0;
}

/* tree_fd: the source as a detached tree. Its options are set while nothing can see it
 * yet (read-only throughout for a recursive bind); then it is attached on a mount
 * point resolved inside the root, and tree_fd is the attached mount. */
static int mount_bind(int root_fd, const struct berth_launch_mount *m, int tree_fd,
                      struct berth_error *err)
{
        struct mount_attr attr = { .attr_set = mount_attrs(m->flags) };
        _cleanup_close_ int target = -EBADF;
        struct stat st;

        if (fstat(tree_fd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat the bind source '%s'", m->source);
        if (attr.attr_set != 0 &&
            mount_setattr(tree_fd, "",
                          AT_EMPTY_PATH | (m->flags & LAUNCH_MOUNT_RECURSIVE ? AT_RECURSIVE : 0),
                          &attr, sizeof(attr)) < 0)
                return berth_error_set_errno(err, errno, "set the options of the bind of '%s'",
                                             m->source);
        target = S_ISDIR(st.st_mode) ? ensure_dir(root_fd, m->destination)
                                     : ensure_file(root_fd, m->destination);
        if (target < 0)
                return berth_error_set_errno(
                        err, -target, "make the mount point '%s' in the container", m->destination);
        if (move_mount(tree_fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
            0)
                return berth_error_set_errno(err, errno, "bind '%s' to '%s'", m->source,
                                             m->destination);
        return set_propagation(tree_fd, m, err);
}

static int mount_tmpfs(int root_fd, const struct berth_launch_mount *m, struct berth_error *err)
{
        unsigned long flags = (m->flags & LAUNCH_MOUNT_READ_ONLY ? MS_RDONLY : 0) |
                              (m->flags & LAUNCH_MOUNT_NOSUID ? MS_NOSUID : 0) |
                              (m->flags & LAUNCH_MOUNT_NODEV ? MS_NODEV : 0) |
                              (m->flags & LAUNCH_MOUNT_NOEXEC ? MS_NOEXEC : 0);
        _cleanup_close_ int fd = -EBADF;
        char data[64] = "";
        struct fdpath b;
        int n = 0;

        if (m->size > 0)
                n = snprintf(data, sizeof(data), "size=%llu,", (unsigned long long)m->size);
        if (m->mode > 0)
                (void)snprintf(data + n, sizeof(data) - (size_t)n, "mode=%o,", m->mode);
        if (data[0])
                data[strlen(data) - 1] = 0;
        fd = ensure_dir(root_fd, m->destination);
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "make the mount point '%s' in the container",
                                             m->destination);
        if (mount("tmpfs", fdpath(&b, fd), "tmpfs", flags, data[0] ? data : NULL) < 0)
                return berth_error_set_errno(err, errno, "mount a tmpfs on '%s'", m->destination);
        /* Now the tmpfs, found again as bind_read_only() does. */
        fd = safe_close(fd);
        fd = open_in_root(root_fd, m->destination, O_PATH | O_DIRECTORY, 0);
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "open '%s'", m->destination);
        return set_propagation(fd, m, err);
}

/* After the pivot: the container's "/" is the root, and its /proc is where fdpath()
 * looks. binds: one tree per bind mount of l, in order, each closed once used. */
static int extra_mounts(const struct berth_launch *l, struct rootfs_binds *binds,
                        struct berth_error *err)
{
        _cleanup_close_ int root_fd = -EBADF;
        size_t b = 0;

        for (size_t i = 0; i < l->n_mounts; i++)
                b += l->mounts[i].type == LAUNCH_MOUNT_BIND;
        if (b != binds->n)
                return berth_error_set(err, EPROTO, "%zu bind mounts but %zu sources", b, binds->n);
        if (l->n_mounts == 0)
                return 0;
        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return berth_error_set_errno(err, errno, "open /");
        b = 0;
        for (size_t i = 0; i < l->n_mounts; i++) {
                const struct berth_launch_mount *m = &l->mounts[i];
                int r;

                init_log("mounting %s on %s", m->type == LAUNCH_MOUNT_BIND ? m->source : "tmpfs",
                         m->destination);
                if (m->type == LAUNCH_MOUNT_BIND) {
                        r = mount_bind(root_fd, m, binds->fd[b], err);
                        binds->fd[b] = safe_close(binds->fd[b]);
                        b++;
                } else
                        r = mount_tmpfs(root_fd, m, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* After the pivot and the extra mounts (so that their paths may lie in the image or in
 * an extra mount as well as in /proc or /sys, and a zygote, whose /proc, /dev and /sys
 * were built before any spec, applies them the same way): the launch's own read-only and
 * masked paths, resolved inside the container's root, then the root itself read-only
 * (non-recursively, as crun does: the API mounts and the extra mounts keep their own
 * flags). mount_setattr() sets MOUNT_ATTR_RDONLY alone and keeps the flags the root has
 * (nosuid, nodev and the ones locked in a user namespace), which a remount would have to
 * restate. */
static int finish_root(const struct berth_launch *l, struct berth_error *err)
{
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
        _cleanup_close_ int root_fd = -EBADF, null_fd = -EBADF;
        int r;

        if (strv_length(l->masked_paths) == 0 && strv_length(l->read_only_paths) == 0 &&
            !l->root_read_only)
                return 0;
        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return berth_error_set_errno(err, errno, "open /");
        STRV_FOREACH (p, l->read_only_paths) {
                init_log("making %s read-only", *p);
                r = bind_read_only(root_fd, *p, err);
                if (r < 0)
                        return r;
        }
        if (strv_length(l->masked_paths) > 0) {
                null_fd = open_in_root(root_fd, "/dev/null", O_PATH, 0);
                if (null_fd < 0)
                        return berth_error_set_errno(err, -null_fd, "open /dev/null");
        }
        STRV_FOREACH (p, l->masked_paths) {
                init_log("masking %s", *p);
                r = mask(root_fd, null_fd, *p, err);
                if (r < 0)
                        return r;
        }
        if (!l->root_read_only)
                return 0;
        init_log("making the root file system read-only");
        if (mount_setattr(root_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return berth_error_set_errno(err, errno, "make the root file system read-only");
        return 0;
}

void rootfs_host_close(struct rootfs_host *h)
{
        rootfs_binds_close(&h->binds);
        h->staging_fd = safe_close(h->staging_fd);
        h->root_fd = safe_close(h->root_fd);
}

int rootfs_open_host(const struct berth_launch *l, struct rootfs_host *h, struct berth_error *err)
{
        struct fdpath b;
        int r;

        *h = (struct rootfs_host){ .staging_fd = -EBADF, .root_fd = -EBADF };
        r = open_binds(l, &h->binds, err);
        if (r < 0)
                return r;
        init_log("making all mounts private");
        h->staging_fd = staging_open(l->staging, "berth-staging", err);
        if (h->staging_fd < 0)
                return h->staging_fd;

        init_log("preparing image");
        h->root_fd = open(l->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (h->root_fd < 0)
                return berth_error_set_errno(err, errno, "open the root file system '%s'",
                                             l->rootfs);
        /* A mount of its own, so that it can be the new root for pivot_root(). */
        if (mount(fdpath(&b, h->root_fd), fdpath(&b, h->root_fd), NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_error_set_errno(err, errno, "bind the root file system");
        h->root_fd = safe_close(h->root_fd);
        h->root_fd = open(l->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (h->root_fd < 0)
                return berth_error_set_errno(err, errno, "open the root file system");
        return 0;
}

int rootfs_setup(const struct berth_launch *l, struct rootfs_host *h, struct berth_error *err)
{
        int st_fd = h->staging_fd, root_fd = h->root_fd;
        int r;

        r = api_mounts(st_fd, l, err);
        if (r >= 0)
                r = move_api_mounts(st_fd, root_fd, err);
        if (r >= 0 && l->systemd)
                r = systemd_mounts(root_fd, err);
        /* The old root goes with the (now empty) staging tmpfs on it. */
        if (r >= 0)
                r = pivot(root_fd, err);
        if (r >= 0)
                r = extra_mounts(l, &h->binds, err);
        if (r >= 0)
                r = finish_root(l, err);
        return r;
}

/* ---- zygotes ------------------------------------------------------------------------ */

#define ZYGOTE_ROOT "/root"

int rootfs_zygote_prepare(const char *staging, struct berth_error *err)
{
        const struct berth_launch def = { 0 }; /* the default profile */
        _cleanup_close_ int st = -EBADF;
        int r;

        st = staging_open(staging, "berth-zygote", err);
        if (st < 0)
                return st;
        r = api_mounts(st, &def, err);
        if (r < 0)
                return r;
        {
                _cleanup_close_ int d = ensure_dir(st, ZYGOTE_ROOT);
                if (d < 0)
                        return berth_error_set_errno(err, -d, "mkdir %s", ZYGOTE_ROOT);
        }
        /* Into the staging tmpfs now, with the host's tree detached: a zygote that
         * waits must not keep any host mount alive. */
        return pivot(st, err);
}

int rootfs_zygote_claim(int tree_fd, const struct berth_launch *l, struct rootfs_binds *binds,
                        struct berth_error *err)
{
        struct mount_attr attr = { .propagation = MS_PRIVATE };
        _cleanup_close_ int root_fd = -EBADF;
        struct fdpath b;
        int r;

        /* The root file system arrives as a detached tree (open_tree(2) in berthd);
         * private, so that nothing mounted below it propagates to the host. */
        if (mount_setattr(tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return berth_error_set_errno(err, errno, "make the root file system private");
        if (move_mount(tree_fd, "", AT_FDCWD, ZYGOTE_ROOT, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return berth_error_set_errno(err, errno, "attach the root file system");
        root_fd = open(ZYGOTE_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return berth_error_set_errno(err, errno, "open the root file system");
        for (size_t i = 0; i < ELEMENTSOF(api_dirs); i++) {
                _cleanup_close_ int d = ensure_dir(root_fd, api_dirs[i]);
                if (d < 0)
                        return berth_error_set_errno(err, -d, "mkdir %s in the image", api_dirs[i]);
                if (mount(api_dirs[i], fdpath(&b, d), NULL, MS_MOVE, NULL) < 0)
                        return berth_error_set_errno(err, errno, "move %s into the image",
                                                     api_dirs[i]);
        }
        r = pivot_keep_old(root_fd, err);
        if (r >= 0)
                r = extra_mounts(l, binds, err);
        return r < 0 ? r : finish_root(l, err);
}

int rootfs_zygote_detach_old_root(struct berth_error *err)
{
        return detach_old_root(err);
}

int console_setup(struct berth_error *err)
{
        _cleanup_close_ int master = -EBADF;
        int unlock = 0, n = -1;
        char slave[64];

        master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (master < 0)
                return berth_error_set_errno(err, errno, "open /dev/pts/ptmx");
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
                return berth_error_set_errno(err, errno, "set up the console pty");
        (void)snprintf(slave, sizeof(slave), "/dev/pts/%d", n);
        if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
                return berth_error_set_errno(err, errno, "bind %s to /dev/console", slave);
        return TAKE_FD(master);
}

int loopback_up(void)
{
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { .ifr_name = "lo" };

        if (fd < 0)
                return -errno;
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        return RET_NERRNO(ioctl(fd, SIOCSIFFLAGS, &ifr));
}
