/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dobby's root file system for a spec's container (dobby-root.h), after DobbyRootfs.cpp
 * and the mounts of its template.
 *
 * Privilege: berthd (root) builds the root below its state directory, where nothing
 * else writes. Every directory entry is made and removed relative to an open directory,
 * with O_NOFOLLOW, so that a link, wherever it came from, is never followed; removal
 * stops at a mount.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dobby-loop.h"
#include "dobby-root.h"
#include "dobby-spec.h"
#include "error.h"
#include "macro.h"
#include "strv.h"

#define TMP_SIZE (UINT64_C(64) << 20) /* Dobby's size=65536k */
#define TMP_MODE 01777
#define SUFFIX_LEN 6
#define MAKE_TRIES 16
#define RM_DEPTH_MAX 128
#define SYSTEM_MOUNT_FLAGS                                                      \
        (BERTH_WL_MOUNT_RO | BERTH_WL_MOUNT_RECURSIVE | BERTH_WL_MOUNT_NOSUID | \
         BERTH_WL_MOUNT_NODEV)

/* The host's directories of programs and libraries beside /usr, where it has them. */
static const char *const system_names[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
#define SYSTEM_MAX (ELEMENTSOF(system_names) + 1)

/* Mount points and directories of every root (Dobby's, with /home/private for HOME). */
static const char *const plain_dirs[] = {
        "proc", "dev",     "sys",           "tmp",  "usr",
        "etc",  "etc/ssl", "etc/ssl/certs", "home", "home/private"
};

/* What /etc holds when the spec does not say (DobbyRootfs.cpp). */
static const char *const etc_defaults[_DOBBY_ETC_MAX] = {
        [DOBBY_ETC_PASSWD] = "root::0:0:root:/root:/bin/false\n",
        [DOBBY_ETC_GROUP] = "",
        [DOBBY_ETC_HOSTS] = "127.0.0.1\tlocalhost\n",
        [DOBBY_ETC_SERVICES] = "",
        [DOBBY_ETC_LD_PRELOAD] = "",
};
#define NSSWITCH_CONF                                                  \
        "hosts:     files mdns4_minimal [NOTFOUND=return] dns mdns4\n" \
        "protocols: files\n"

/* One of the host's directories as the root has it. */
struct system_dir {
        const char *name; /* "usr", "bin" … */
        char *source;     /* the host's, bound read-only; NULL: a link */
        char *link;       /* the host's own link into usr/ (merged /usr); NULL: a mount */
};

static void system_dirs_done(struct system_dir *d, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(d[i].source);
                free(d[i].link);
        }
}

/* ---- entries relative to a directory ------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

/* A new directory (or the one there, with created false), opened without following a
 * link. Returns the fd / -errno. */
static int dir_at(int dfd, const char *name, bool *ret_created)
{
        bool created = mkdirat(dfd, name, 0755) >= 0;
        int fd;

        if (!created && errno != EEXIST)
                return -errno;
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Whatever berthd's umask. */
        if (created && fchmod(fd, 0755) < 0) {
                int r = -errno;
                (void)close(fd);
                return r;
        }
        if (ret_created)
                *ret_created = created;
        return fd;
}

/* A new file holding text, 0644. */
static int file_at(int dfd, const char *name, const char *text, size_t len)
{
        _cleanup_close_ int fd =
                openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0)
                return -errno;
        return write_all(fd, text, len);
}

/* The lines of an /etc file, each ended by a newline, byte for byte. */
static int etc_file(int etc_fd, enum dobby_etc_file f, char *const *lines)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        if (!lines)
                return file_at(etc_fd, dobby_etc_file_name(f), etc_defaults[f],
                               strlen(etc_defaults[f]));
        STRV_FOREACH (l, lines)
                len += strlen(*l) + 1;
        text = malloc(len + 1);
        if (!text)
                return -ENOMEM;
        len = 0;
        STRV_FOREACH (l, lines) {
                size_t n = strlen(*l);

                memcpy(text + len, *l, n);
                len += n;
                text[len++] = '\n';
        }
        return file_at(etc_fd, dobby_etc_file_name(f), text, len);
}

/* A mount point at path (clean, absolute) inside the root: the directories above it and
 * itself, a directory or an empty file, unless something of that kind is there. */
static int mount_point(int root_fd, const char *path, bool dir)
{
        _cleanup_free_ char *copy = strdup(path + 1);
        _cleanup_close_ int cur = -EBADF;
        char *save = NULL, *comp, *next;
        struct stat st;

        if (!copy)
                return -ENOMEM;
        cur = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return -errno;
        comp = strtok_r(copy, "/", &save);
        for (; comp; comp = next) {
                int fd;

                next = strtok_r(NULL, "/", &save);
                if (next || dir) {
                        fd = dir_at(cur, comp, NULL);
                        if (fd < 0)
                                return fd;
                        safe_close(cur);
                        cur = fd;
                        continue;
                }
                fd = openat(cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        safe_close(fd);
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
                if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                return S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode) ? -EEXIST : 0;
        }
        return 0;
}

/* ---- removal ----------------------------------------------------------------------- */

struct fs_id {
        bool have_mnt_id;
        uint64_t mnt_id;
        uint32_t dev_major, dev_minor;
};

static int fs_id_at(int dfd, const char *name, int flags, struct fs_id *ret, mode_t *ret_mode)
{
        struct statx stx;

        if (statx(dfd, name, flags | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
                  STATX_TYPE | STATX_MNT_ID, &stx) < 0)
                return -errno;
        *ret = (struct fs_id){
                .have_mnt_id = stx.stx_mask & STATX_MNT_ID,
                .mnt_id = stx.stx_mnt_id,
                .dev_major = stx.stx_dev_major,
                .dev_minor = stx.stx_dev_minor,
        };
        if (ret_mode)
                *ret_mode = stx.stx_mode;
        return 0;
}

static bool same_mount(const struct fs_id *a, const struct fs_id *b)
{
        /* Without mount ids (kernels before 5.8), a bind of the same file system looks
         * the same: the file system at least is told apart. */
        if (a->have_mnt_id && b->have_mnt_id)
                return a->mnt_id == b->mnt_id;
        return a->dev_major == b->dev_major && a->dev_minor == b->dev_minor;
}

/* Remove name in dfd and everything below it, on the mount of top alone. */
static int rm_at(int dfd, const char *name, const struct fs_id *top, unsigned depth)
{
        _cleanup_close_ int fd = -EBADF;
        struct fs_id id;
        struct dirent *de;
        mode_t mode = 0;
        DIR *d;
        int r = 0, k;

        k = fs_id_at(dfd, name, 0, &id, &mode);
        if (k < 0)
                return k == -ENOENT ? 0 : k;
        if (!S_ISDIR(mode))
                return RET_NERRNO(unlinkat(dfd, name, 0));
        if (!same_mount(&id, top) || depth > RM_DEPTH_MAX)
                return -EBUSY;
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                k = rm_at(dirfd(d), de->d_name, top, depth + 1);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (errno != 0 && r == 0)
                r = -errno;
        closedir(d);
        if (r < 0)
                return r;
        return RET_NERRNO(unlinkat(dfd, name, AT_REMOVEDIR));
}

bool dobby_root_is_below(const char *roots, const char *path)
{
        size_t n = roots ? strlen(roots) : 0;
        const char *name;

        if (!path || n == 0 || strncmp(path, roots, n) != 0 || path[n] != '/')
                return false;
        name = path + n + 1;
        return *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

static int roots_find(const char *roots, struct fs_id *ret_id)
{
        _cleanup_close_ int fd = open(roots, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        r = fs_id_at(fd, "", AT_EMPTY_PATH, ret_id, NULL);
        return r < 0 ? r : TAKE_FD(fd);
}

int dobby_root_remove(const char *roots, const char *path)
{
        _cleanup_close_ int fd = -EBADF;
        struct fs_id top;

        if (!dobby_root_is_below(roots, path))
                return -EINVAL;
        dobby_loops_release(roots, path + strlen(roots) + 1);
        fd = roots_find(roots, &top);
        if (fd < 0)
                return fd == -ENOENT ? 0 : fd;
        return rm_at(fd, path + strlen(roots) + 1, &top, 0);
}

void dobby_roots_sweep(const char *roots, char *const *keep)
{
        _cleanup_close_ int fd = -EBADF;
        struct fs_id top;
        struct dirent *de;
        DIR *d;

        fd = roots_find(roots, &top);
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        TAKE_FD(fd);
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&path, "%s/%s", roots, de->d_name) < 0)
                        break;
                if (!strv_contains(keep, path))
                        (void)rm_at(dirfd(d), de->d_name, &top, 0);
        }
        closedir(d);
        dobby_loops_sweep(roots);
}

/* ---- what the host shares ----------------------------------------------------------- */

static char *host_path(const char *host, const char *name)
{
        char *p = NULL;

        if (asprintf(&p, "%s/%s", streq(host, "/") ? "" : host, name) < 0)
                return NULL;
        return p;
}

/* A link of merged /usr: "usr/bin" or "/usr/bin", without "..". */
static bool usr_link(const char *target)
{
        const char *t = target[0] == '/' ? target + 1 : target;

        return strncmp(t, "usr/", 4) == 0 && t[4] && !strstr(t, "..");
}

/* /usr and the directories beside it that the host has. */
static int system_dirs(const char *host, struct system_dir *out, size_t *n, struct berth_error *err)
{
        struct stat st;

        out[0] = (struct system_dir){ .name = "usr", .source = host_path(host, "usr") };
        if (!out[0].source)
                return -ENOMEM;
        *n = 1;
        if (stat(out[0].source, &st) < 0 || !S_ISDIR(st.st_mode))
                return berth_error_set(err, ENOENT, "this node has no %s to share", out[0].source);
        for (size_t i = 0; i < ELEMENTSOF(system_names); i++) {
                _cleanup_free_ char *p = host_path(host, system_names[i]);
                char target[PATH_MAX];
                ssize_t len;

                if (!p)
                        return -ENOMEM;
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISLNK(st.st_mode)) {
                        len = readlink(p, target, sizeof(target) - 1);
                        if (len > 0) {
                                target[len] = 0;
                                if (usr_link(target)) {
                                        out[*n] = (struct system_dir){ .name = system_names[i],
                                                                       .link = strdup(target) };
                                        if (!out[(*n)++].link)
                                                return -ENOMEM;
                                        continue;
                                }
                        }
                        /* Elsewhere: what it leads to, as a directory. */
                        if (stat(p, &st) < 0)
                                continue;
                }
                if (!S_ISDIR(st.st_mode))
                        continue;
                out[*n] = (struct system_dir){ .name = system_names[i], .source = TAKE_PTR(p) };
                (*n)++;
        }
        return 0;
}

/* What a mount binds from the host must be there (its kind decides the mount point's). */
static int check_source(const struct berth_wl_mount *m, const char *field, bool *ret_dir,
                        struct berth_error *err)
{
        struct stat st;

        *ret_dir = true;
        if (m->kind != BERTH_WL_BIND)
                return 0;
        if (stat(m->source, &st) >= 0) {
                *ret_dir = S_ISDIR(st.st_mode);
                return 0;
        }
        if (errno == ENOENT && streq(field, "syslog"))
                return berth_error_set(err, ENOENT, "syslog: this node has no /dev/log");
        if (errno == ENOENT && streq(field, "dbus.system") &&
            streq(m->source, DOBBY_DBUS_SYSTEM_SOCKET))
                return berth_error_set(err, ENOENT,
                                       "dbus.system: this node has no system bus at %s", m->source);
        if (errno == ENOENT && strncmp(field, "dbus.", 5) == 0)
                return berth_error_set(err, ENOENT, "%s: this node has no bus at %s", field,
                                       m->source);
        return berth_error_set_errno(err, errno, "%s%s '%.256s'", field,
                                     strncmp(field, "mounts[", 7) == 0 ? ".source" : "", m->source);
}

/* console.path's directory must be there: the engine makes the file, not directories. */
static int check_console(const char *path, struct berth_error *err)
{
        _cleanup_free_ char *dir = strdup(path);
        struct stat st;
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash == dir)
                slash[1] = 0;
        else
                *slash = 0;
        if (stat(dir, &st) < 0)
                return berth_error_set_errno(err, errno, "console.path '%.256s': its directory",
                                             path);
        if (!S_ISDIR(st.st_mode))
                return berth_error_set(err, ENOTDIR,
                                       "console.path '%.256s': '%s' is not a directory", path, dir);
        return 0;
}

/* Mounts made inside what berth-init mounts itself (/dev, /tmp) need no mount point in
 * the root: it makes them there. */
static bool needs_mount_point(const char *dest)
{
        static const char *const own[] = { "/dev", "/tmp" };

        for (size_t i = 0; i < ELEMENTSOF(own); i++) {
                size_t n = strlen(own[i]);

                if (strncmp(dest, own[i], n) == 0 && (dest[n] == 0 || dest[n] == '/'))
                        return false;
        }
        return true;
}

/* ---- the root -------------------------------------------------------------------------- */

/* roots, made when missing, and opened: a directory of berthd's that nobody else may
 * write. */
static int roots_open(const char *roots, struct fs_id *ret_id, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (mkdir(roots, 0711) < 0 && errno != EEXIST)
                return berth_error_set_errno(err, errno, "create '%s'", roots);
        fd = open(roots, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "open '%s'", roots);
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat '%s'", roots);
        if (st.st_uid != geteuid() || (st.st_mode & 022))
                return berth_error_set(err, EPERM,
                                       "'%s' must be berthd's own directory, writable by nobody "
                                       "else",
                                       roots);
        r = fs_id_at(fd, "", AT_EMPTY_PATH, ret_id, NULL);
        if (r < 0)
                return berth_error_set_errno(err, -r, "stat '%s'", roots);
        return TAKE_FD(fd);
}

/* A new directory "<name>.<6 random letters or digits>" in roots_fd. */
static int new_dir(int roots_fd, const char *name, char **ret_entry, int *ret_fd)
{
        static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";

        for (int t = 0; t < MAKE_TRIES; t++) {
                unsigned char rnd[SUFFIX_LEN];
                _cleanup_free_ char *entry = NULL;
                char suffix[SUFFIX_LEN + 1];
                int fd;

                if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                        return -errno;
                for (size_t i = 0; i < SUFFIX_LEN; i++)
                        suffix[i] = chars[rnd[i] % (sizeof(chars) - 1)];
                suffix[SUFFIX_LEN] = 0;
                if (asprintf(&entry, "%s.%s", name, suffix) < 0)
                        return -ENOMEM;
                if (mkdirat(roots_fd, entry, 0700) < 0) {
                        if (errno == EEXIST)
                                continue;
                        return -errno;
                }
                fd = openat(roots_fd, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || fchmod(fd, 0755) < 0) {
                        int r = -errno;
                        if (fd >= 0)
                                (void)close(fd);
                        (void)unlinkat(roots_fd, entry, AT_REMOVEDIR);
                        return r;
                }
                *ret_entry = TAKE_PTR(entry);
                *ret_fd = fd;
                return 0;
        }
        return -EEXIST;
}

/* The directories, the host's links, and /etc. */
static int populate(int root_fd, const struct system_dir *sys, size_t n_sys,
                    const struct dobby_spec *s)
{
        _cleanup_close_ int etc_fd = -EBADF;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(plain_dirs); i++) {
                int fd = dir_at(root_fd, plain_dirs[i], NULL);

                if (fd < 0)
                        return fd;
                safe_close(fd);
        }
        for (size_t i = 1; i < n_sys; i++) {
                int fd;

                if (sys[i].link) {
                        if (symlinkat(sys[i].link, root_fd, sys[i].name) < 0)
                                return -errno;
                        continue;
                }
                fd = dir_at(root_fd, sys[i].name, NULL);
                if (fd < 0)
                        return fd;
                safe_close(fd);
        }
        etc_fd = openat(root_fd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (etc_fd < 0)
                return -errno;
        for (int f = 0; f < _DOBBY_ETC_MAX; f++) {
                r = etc_file(etc_fd, (enum dobby_etc_file)f, s->etc[f]);
                if (r < 0)
                        return r;
        }
        return file_at(etc_fd, "nsswitch.conf", NSSWITCH_CONF, strlen(NSSWITCH_CONF));
}

/* The host's directories and /tmp in front of the spec's mounts. Nothing of s changes
 * on failure. */
static int prepend_mounts(struct dobby_spec *s, const struct system_dir *sys, size_t n_sys)
{
        struct berth_workload *w = &s->w;
        _cleanup_strv_free_ char **fields = NULL;
        struct berth_wl_mount *m;
        size_t n = 0;

        m = calloc(n_sys + 1 + w->n_mounts, sizeof(*m));
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n_sys; i++) {
                if (!sys[i].source)
                        continue;
                m[n] = (struct berth_wl_mount){ .kind = BERTH_WL_BIND,
                                                .flags = SYSTEM_MOUNT_FLAGS };
                m[n].source = strdup(sys[i].source);
                if (asprintf(&m[n].destination, "/%s", sys[i].name) < 0)
                        m[n].destination = NULL;
                n++;
                if (!m[n - 1].source || !m[n - 1].destination || strv_extend(&fields, "root") < 0)
                        goto oom;
        }
        /* Dobby's /tmp (nr_inodes=8k aside: a workload tmpfs has a size and a mode). */
        m[n] = (struct berth_wl_mount){
                .kind = BERTH_WL_TMPFS,
                .destination = strdup("/tmp"),
                .flags = BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NODEV | BERTH_WL_MOUNT_NOEXEC,
                .size = TMP_SIZE,
                .mode = TMP_MODE,
        };
        n++;
        if (!m[n - 1].destination || strv_extend(&fields, "root") < 0)
                goto oom;
        STRV_FOREACH (f, s->mount_fields)
                if (strv_extend(&fields, *f) < 0)
                        goto oom;
        memcpy(m + n, w->mounts, w->n_mounts * sizeof(*m));
        free(w->mounts);
        w->mounts = m;
        w->n_mounts += n;
        strv_free(s->mount_fields);
        s->mount_fields = TAKE_PTR(fields);
        return 0;
oom:
        for (size_t i = 0; i < n; i++) {
                free(m[i].source);
                free(m[i].destination);
        }
        free(m);
        return -ENOMEM;
}

/* What the host must have, before anything is made. */
static int check_host(const struct dobby_spec *s, bool *dirs, struct berth_error *err)
{
        int r;

        for (size_t i = 0; i < s->w.n_mounts; i++) {
                r = check_source(&s->w.mounts[i], s->mount_fields[i], &dirs[i], err);
                if (r < 0)
                        return r;
                /* An image, mounted on a directory that the container binds. */
                if (dobby_loop_is(s, i))
                        dirs[i] = true;
        }
        return s->w.log_path ? check_console(s->w.log_path, err) : 0;
}

static int build(int root_fd, const struct system_dir *sys, size_t n_sys,
                 const struct dobby_spec *s, const bool *dirs, struct berth_error *err)
{
        int r = populate(root_fd, sys, n_sys, s);

        if (r < 0)
                return berth_error_set_errno(err, -r, "construct the root file system");
        for (size_t i = 0; i < s->w.n_mounts; i++) {
                const struct berth_wl_mount *m = &s->w.mounts[i];

                if (!needs_mount_point(m->destination))
                        continue;
                r = mount_point(root_fd, m->destination, dirs[i]);
                if (r == -EEXIST || r == -ENOTDIR || r == -ELOOP)
                        return berth_error_set(err, EINVAL,
                                               "%s.destination %.256s: the root has no place for a "
                                               "%s there",
                                               s->mount_fields[i], m->destination,
                                               dirs[i] ? "directory" : "file");
                if (r < 0)
                        return berth_error_set_errno(err, -r, "%s.destination %.256s",
                                                     s->mount_fields[i], m->destination);
        }
        return 0;
}

int dobby_root_make(const char *roots, const char *name, const char *host, struct dobby_spec *s,
                    struct berth_error *err)
{
        struct system_dir sys[SYSTEM_MAX] = {};
        _cleanup_close_ int roots_fd = -EBADF, root_fd = -EBADF;
        _cleanup_free_ char *entry = NULL, *path = NULL;
        _cleanup_free_ bool *dirs = NULL;
        struct fs_id top = {};
        size_t n_sys = 0;
        int r;

        if (!name || !*name || strchr(name, '/') || name[0] == '.')
                return berth_error_set(err, EINVAL, "'%s' cannot name a root", name ? name : "");
        if (strv_length(s->mount_fields) != s->w.n_mounts)
                return berth_error_set(err, EINVAL, "%zu mounts but %zu fields naming them",
                                       s->w.n_mounts, strv_length(s->mount_fields));
        dirs = calloc(s->w.n_mounts + 1, sizeof(bool));
        if (!dirs)
                return -ENOMEM;
        r = system_dirs(host ? host : "/", sys, &n_sys, err);
        if (r >= 0)
                r = check_host(s, dirs, err);
        if (r >= 0)
                r = roots_fd = roots_open(roots, &top, err);
        if (r >= 0) {
                r = new_dir(roots_fd, name, &entry, &root_fd);
                if (r < 0)
                        (void)berth_error_set_errno(err, -r, "create a root in '%s'", roots);
        }
        if (r >= 0 && asprintf(&path, "%s/%s", roots, entry) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = build(root_fd, sys, n_sys, s, dirs, err);
        if (r >= 0)
                r = prepend_mounts(s, sys, n_sys);
        if (r >= 0)
                r = dobby_loops_mount(roots, entry, s, err);
        if (r < 0 && entry)
                (void)rm_at(roots_fd, entry, &top, 0);
        system_dirs_done(sys, n_sys);
        if (r < 0)
                return r == -ENOMEM ? berth_error_set(err, ENOMEM, "out of memory") : r;
        free(s->w.root_path);
        s->w.root_path = TAKE_PTR(path);
        s->w.root_writable = false;
        return 0;
}
