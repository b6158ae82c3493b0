/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * src/shared/fileio.c, strv.c and chase.c, the id counters of src/core/persist.c and
 * the kept logs of src/core/logkeep.c, on temporary directories. No root needed; nothing is
 * mounted.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "error.h"
#include "fileio.h"
#include "logkeep.h"
#include "macro.h"
#include "persist.h"
#include "strv.h"

/* ---- temporary directories ------------------------------------------------------- */

/* One base directory per TCase, made and removed by the unchecked fixture in the
 * parent process, so that it goes away even when a forked test fails. Each test
 * works in its own fresh subdirectory, `dir`. */
static char base[512];
static char dir[600];

static int rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
        (void)sb;
        (void)ftw;
        if (type == FTW_DP)
                return rmdir(p);
        return unlink(p);
}

/* Test-local removal, independent of rm_rf_physical() under test. */
static void remove_tree(const char *p)
{
        struct stat st;

        if (lstat(p, &st) < 0)
                return;
        /* Tests may leave directories without write or search permission behind. */
        (void)nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static void base_setup(void)
{
        const char *t = getenv("TMPDIR");

        (void)snprintf(base, sizeof(base), "%s/berth-test-fileio-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_msg(mkdtemp(base), "mkdtemp '%s': %m", base);
}

static void base_teardown(void)
{
        remove_tree(base);
        base[0] = 0;
}

static void dir_setup(void)
{
        (void)snprintf(dir, sizeof(dir), "%s/t-XXXXXX", base);
        ck_assert_msg(mkdtemp(dir), "mkdtemp '%s': %m", dir);
}

/* "<dir>/<rel>" in a static rotating buffer. */
static const char *P(const char *rel)
{
        static char bufs[8][1024];
        static unsigned i;
        char *b = bufs[i++ % ELEMENTSOF(bufs)];

        (void)snprintf(b, sizeof(bufs[0]), "%s/%s", dir, rel);
        return b;
}

static void put(const char *rel, const char *content)
{
        FILE *f = fopen(P(rel), "we");

        ck_assert_msg(f, "create '%s': %m", P(rel));
        ck_assert_int_eq(fputs(content, f) >= 0, 1);
        ck_assert_int_eq(fclose(f), 0);
}

static void put_size(const char *rel, size_t size)
{
        int fd = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        char buf[4096];

        ck_assert_msg(fd >= 0, "create '%s': %m", P(rel));
        memset(buf, 'x', sizeof(buf));
        while (size > 0) {
                size_t n = MIN(size, sizeof(buf));
                ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
                size -= n;
        }
        ck_assert_int_eq(close(fd), 0);
}

static void mk(const char *rel)
{
        ck_assert_msg(mkdir(P(rel), 0755) == 0, "mkdir '%s': %m", P(rel));
}

static void ln(const char *target, const char *rel)
{
        ck_assert_msg(symlink(target, P(rel)) == 0, "symlink '%s': %m", P(rel));
}

static bool exists(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0;
}

static size_t count_entries(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        size_t n = 0;

        ck_assert_msg(d, "opendir '%s': %m", path);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

/* ---- fileio ----------------------------------------------------------------------- */

START_TEST(test_write_file_atomic)
{
        char *s = NULL;
        size_t len = 0;
        struct stat st;

        ck_assert_int_eq(write_file_atomic(P("f"), "hello\n", 6, 0640), 0);
        ck_assert_int_eq(read_file(P("f"), 1024, &s, &len), 0);
        ck_assert_str_eq(s, "hello\n");
        ck_assert_uint_eq(len, 6);
        s = mfree(s);
        ck_assert_int_eq(stat(P("f"), &st), 0);
        /* fchmod: the umask does not apply. */
        ck_assert_uint_eq(st.st_mode & 07777, 0640);
        /* No temporary file left behind. */
        ck_assert_uint_eq(count_entries(dir), 1);

        /* Overwrite with shorter content and another mode. */
        ck_assert_int_eq(write_file_atomic(P("f"), "bye", 3, 0600), 0);
        ck_assert_int_eq(read_file(P("f"), 1024, &s, &len), 0);
        ck_assert_str_eq(s, "bye");
        ck_assert_uint_eq(len, 3);
        s = mfree(s);
        ck_assert_int_eq(stat(P("f"), &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        ck_assert_uint_eq(count_entries(dir), 1);

        /* Binary data with NULs, and an empty file. */
        ck_assert_int_eq(write_file_atomic(P("bin"), "a\0b", 3, 0644), 0);
        ck_assert_int_eq(read_file(P("bin"), 16, &s, &len), 0);
        ck_assert_uint_eq(len, 3);
        ck_assert(memcmp(s, "a\0b", 3) == 0);
        s = mfree(s);
        ck_assert_int_eq(write_file_atomic(P("empty"), "", 0, 0644), 0);
        ck_assert_int_eq(stat(P("empty"), &st), 0);
        ck_assert_int_eq(st.st_size, 0);
        ck_assert_uint_eq(count_entries(dir), 3);

        /* A missing directory: an error, and nothing created. */
        ck_assert_int_eq(write_file_atomic(P("nodir/f"), "x", 1, 0644), -ENOENT);
        ck_assert_uint_eq(count_entries(dir), 3);
}
END_TEST

START_TEST(test_write_file_atomic_replaces_symlink)
{
        char *s = NULL;
        struct stat st;

        /* rename() replaces the link itself; the file it pointed to stays as it was. */
        put("target", "old");
        ln("target", "link");
        ck_assert_int_eq(write_file_atomic(P("link"), "new", 3, 0644), 0);
        ck_assert_int_eq(lstat(P("link"), &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(read_file(P("target"), 16, &s, NULL), 0);
        ck_assert_str_eq(s, "old");
        free(s);
}
END_TEST

START_TEST(test_read_file)
{
        char *s = NULL;
        size_t len = 0;

        put("small", "0123456789");
        ck_assert_int_eq(read_file(P("small"), 1024, &s, &len), 0);
        ck_assert_str_eq(s, "0123456789");
        ck_assert_uint_eq(len, 10);
        s = mfree(s);

        /* ret_len is optional. */
        ck_assert_int_eq(read_file(P("small"), 10, &s, NULL), 0);
        ck_assert_str_eq(s, "0123456789");
        s = mfree(s);

        /* Larger than the first buffer. */
        put_size("big", 10000);
        ck_assert_int_eq(read_file(P("big"), 1 << 20, &s, &len), 0);
        ck_assert_uint_eq(len, 10000);
        ck_assert_uint_eq(strlen(s), 10000);
        s = mfree(s);

        ck_assert_int_eq(read_file(P("big"), 9999, &s, &len), -EFBIG);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(read_file(P("big"), 5000, &s, &len), -EFBIG);

        ck_assert_int_eq(read_file(P("missing"), 1024, &s, &len), -ENOENT);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_read_file_max_small)
{
        char *s = NULL;
        size_t len = 0;
        int r;

        /* max below the first 4096-byte buffer is still a limit. */
        put("small", "0123456789");
        r = read_file(P("small"), 5, &s, &len);
        ck_assert_msg(r == -EFBIG, "10-byte file, max 5: expected -EFBIG, got %d (len %zu)", r,
                      len);
        free(s);
}
END_TEST

START_TEST(test_read_file_exactly_max)
{
        char *s = NULL;
        size_t len = 0;
        int r;

        /* A file of exactly max bytes is not too big. */
        put_size("f", 8192);
        r = read_file(P("f"), 8192, &s, &len);
        ck_assert_msg(r == 0, "8192-byte file, max 8192: expected 0, got %d", r);
        ck_assert_uint_eq(len, 8192);
        free(s);
}
END_TEST

START_TEST(test_read_one_line)
{
        char buf[64];

        put("attr", "hello\nworld\n");
        ck_assert_int_eq(read_one_line(P("attr"), buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "hello");

        put("noeol", "1234");
        ck_assert_int_eq(read_one_line(P("noeol"), buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "1234");

        put("empty", "");
        ck_assert_int_eq(read_one_line(P("empty"), buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "");

        /* Truncated to the buffer, always NUL-terminated. */
        ck_assert_int_eq(read_one_line(P("attr"), buf, 4), 0);
        ck_assert_str_eq(buf, "hel");

        ck_assert_int_eq(read_one_line(P("attr"), buf, 0), -EINVAL);
        ck_assert_int_eq(read_one_line(P("missing"), buf, sizeof(buf)), -ENOENT);
}
END_TEST

START_TEST(test_mkdir_p)
{
        struct stat st;
        mode_t old = umask(022);

        ck_assert_int_eq(mkdir_p(P("a/b/c"), 0700), 0);
        ck_assert_int_eq(stat(P("a/b/c"), &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0700);
        ck_assert_int_eq(stat(P("a"), &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0700);

        /* Existing directories, also partly existing paths, and slashes in excess. */
        ck_assert_int_eq(mkdir_p(P("a/b/c"), 0700), 0);
        ck_assert_int_eq(mkdir_p(P("a/b/d/e"), 0755), 0);
        ck_assert_int_eq(stat(P("a/b/d/e"), &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_int_eq(mkdir_p(P("x//y/"), 0755), 0);
        ck_assert_int_eq(stat(P("x/y"), &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_int_eq(mkdir_p(dir, 0755), 0);

        /* A file in the way. */
        put("file", "x");
        ck_assert_int_eq(mkdir_p(P("file/sub"), 0755), -ENOTDIR);
        (void)umask(old);
}
END_TEST

START_TEST(test_mkdir_p_existing_file)
{
        int r;

        /* An existing regular file is not a directory (as mkdir -p). */
        put("file", "x");
        r = mkdir_p(P("file"), 0755);
        ck_assert_msg(r < 0, "mkdir_p on a regular file: expected an error, got %d", r);
}
END_TEST

START_TEST(test_rm_rf_physical)
{
        char outside[700], victim[800], outside_dir_file[800];
        char *s = NULL;
        struct stat st;
        char deep[256] = "tree";

        /* Something outside the tree that symlinks inside it point at. */
        (void)snprintf(outside, sizeof(outside), "%s/outside", dir);
        (void)snprintf(victim, sizeof(victim), "%s/victim", outside);
        (void)snprintf(outside_dir_file, sizeof(outside_dir_file), "%s/sub/keep", outside);
        mk("outside");
        mk("outside/sub");
        put("outside/victim", "precious");
        put("outside/sub/keep", "keep");

        mk("tree");
        mk("tree/a");
        mk("tree/a/b");
        put("tree/a/b/file", "x");
        put("tree/f", "y");
        put("tree/.hidden", "z");
        ck_assert_int_eq(mkfifo(P("tree/a/fifo"), 0600), 0);
        ln(victim, "tree/abs-link");
        ln("../outside/victim", "tree/rel-link");
        ln(outside, "tree/a/dir-link");
        ln("../../outside/sub", "tree/a/b/rel-dir-link");
        ln("/nonexistent/dangling", "tree/dangling");
        /* Deeper than nftw's 16 descriptors. */
        for (int i = 0; i < 24; i++) {
                strcat(deep, "/d");
                mk(deep);
        }
        put("tree/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/leaf", "l");

        ck_assert_int_eq(rm_rf_physical(P("tree")), 0);
        ck_assert(!exists(P("tree")));

        /* Nothing reached through the symlinks was touched. */
        ck_assert_int_eq(read_file(victim, 64, &s, NULL), 0);
        ck_assert_str_eq(s, "precious");
        s = mfree(s);
        ck_assert(exists(outside_dir_file));
        ck_assert_uint_eq(count_entries(outside), 2);

        /* Missing is success; a single file or a symlink goes alone. */
        ck_assert_int_eq(rm_rf_physical(P("tree")), 0);
        ck_assert_int_eq(rm_rf_physical(P("never/was")), 0);
        put("single", "1");
        ck_assert_int_eq(rm_rf_physical(P("single")), 0);
        ck_assert(!exists(P("single")));
        ln(outside, "dirlink");
        ck_assert_int_eq(rm_rf_physical(P("dirlink")), 0);
        ck_assert(!exists(P("dirlink")));
        ck_assert_int_eq(stat(victim, &st), 0);
        ck_assert_uint_eq(count_entries(outside), 2);
}
END_TEST

START_TEST(test_mkdtemp_in)
{
        _cleanup_free_ char *a = NULL, *b = NULL;
        char *none = NULL;
        struct stat st;
        mode_t old = umask(077);
        size_t n = strlen(dir);

        ck_assert_int_eq(mkdtemp_in(dir, "pfx-", 0750, &a), 0);
        ck_assert_int_eq(strncmp(a, dir, n), 0);
        ck_assert_int_eq(strncmp(a + n, "/pfx-", 5), 0);
        ck_assert_uint_eq(strlen(a), n + 5 + 6);
        ck_assert_int_eq(stat(a, &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        /* chmod: the umask does not apply. */
        ck_assert_uint_eq(st.st_mode & 07777, 0750);

        ck_assert_int_eq(mkdtemp_in(dir, "pfx-", 0700, &b), 0);
        ck_assert_str_ne(a, b);
        ck_assert_uint_eq(count_entries(dir), 2);

        ck_assert_int_eq(mkdtemp_in(P("missing"), "pfx-", 0700, &none), -ENOENT);
        ck_assert_ptr_null(none);
        (void)umask(old);
}
END_TEST

START_TEST(test_dir_is_empty)
{
        mk("e");
        ck_assert_int_eq(dir_is_empty(P("e")), 1);
        put("e/.hidden", "");
        ck_assert_int_eq(dir_is_empty(P("e")), 0);
        ck_assert_int_eq(unlink(P("e/.hidden")), 0);
        mk("e/sub");
        ck_assert_int_eq(dir_is_empty(P("e")), 0);
        ck_assert_int_eq(dir_is_empty(P("e/sub")), 1);

        ck_assert_int_eq(dir_is_empty(P("missing")), -ENOENT);
        put("file", "x");
        ck_assert_int_eq(dir_is_empty(P("file")), -ENOTDIR);
}
END_TEST

/* ---- strv ------------------------------------------------------------------------- */

START_TEST(test_strv_basic)
{
        _cleanup_strv_free_ char **l = NULL, **c = NULL;
        char *s;

        ck_assert_uint_eq(strv_length(NULL), 0);
        ck_assert(!strv_contains(NULL, "a"));
        ck_assert_ptr_null(strv_free(NULL));

        /* Extending a NULL list creates it. */
        ck_assert_int_eq(strv_extend(&l, "a"), 0);
        ck_assert_ptr_nonnull(l);
        ck_assert_uint_eq(strv_length(l), 1);
        ck_assert_str_eq(l[0], "a");
        ck_assert_ptr_null(l[1]);

        s = strdup("b");
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(strv_consume(&l, s), 0);
        /* consume takes the string itself, extend a copy. */
        ck_assert_ptr_eq(l[1], s);
        ck_assert_int_eq(strv_extend(&l, ""), 0);
        ck_assert_uint_eq(strv_length(l), 3);
        ck_assert_ptr_null(l[3]);

        /* consume(NULL) is how a failed strdup() arrives: -ENOMEM, list unchanged. */
        ck_assert_int_eq(strv_consume(&l, NULL), -ENOMEM);
        ck_assert_uint_eq(strv_length(l), 3);

        ck_assert(strv_contains(l, "a"));
        ck_assert(strv_contains(l, "b"));
        ck_assert(strv_contains(l, ""));
        ck_assert(!strv_contains(l, "c"));
        ck_assert(!strv_contains(l, "A"));

        c = strv_copy(l);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(strv_length(c), 3);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_str_eq(c[i], l[i]);
                ck_assert_ptr_ne(c[i], l[i]);
        }
        ck_assert_ptr_null(c[3]);
}
END_TEST

START_TEST(test_strv_copy_empty)
{
        _cleanup_strv_free_ char **c = NULL, **d = NULL;
        char *empty[] = { NULL };

        c = strv_copy(NULL);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(strv_length(c), 0);
        d = strv_copy(empty);
        ck_assert_ptr_nonnull(d);
        ck_assert_ptr_null(d[0]);
}
END_TEST

static void join_eq(char *const *l, const char *sep, const char *want)
{
        _cleanup_free_ char *s = strv_join(l, sep);

        ck_assert_ptr_nonnull(s);
        ck_assert_msg(streq(s, want), "joined '%s', want '%s'", s, want);
}

START_TEST(test_strv_join)
{
        char *one[] = { (char *)"a", NULL };
        char *three[] = { (char *)"a", (char *)"bc", (char *)"d", NULL };
        char *empty[] = { NULL };
        char *empty_last[] = { (char *)"a", (char *)"", NULL };

        join_eq(NULL, ",", "");
        join_eq(empty, ",", "");
        join_eq(one, ",", "a");
        join_eq(three, ",", "a,bc,d");
        join_eq(three, ", ", "a, bc, d");
        join_eq(three, "", "abcd");
        join_eq(empty_last, ",", "a,");
}
END_TEST

START_TEST(test_strv_join_empty_first)
{
        char *empty_first[] = { (char *)"", (char *)"b", NULL };
        char *empties[] = { (char *)"", (char *)"", (char *)"", NULL };

        /* Empty elements keep their separators. */
        join_eq(empty_first, ",", ",b");
        join_eq(empties, ",", ",,");
}
END_TEST

/* ---- open_in_root ------------------------------------------------------------------- */

struct chase_case {
        const char *path;
        int flags;
        const char *want; /* relative to the root; NULL when an error is expected */
        int error;
};

static void chase_layout(void)
{
        mk("root");
        mk("root/etc");
        put("root/etc/passwd", "inside\n");
        mk("root/sub");
        mk("root/sub/deeper");
        put("root/file", "file\n");
        put("root/sub/file2", "file2\n");
        ln("/etc", "root/etc-link");                     /* absolute, to a directory */
        ln("/etc/passwd", "root/passwd-link");           /* absolute, to a file */
        ln("../../../../etc/passwd", "root/a");          /* .. beyond the root */
        ln("../file", "root/sub/rel");                   /* relative, inside */
        ln("../../../../../file", "root/sub/deeper/up"); /* relative, clamped at the root */
        ln("/sub", "root/sub/deeper/abs-dir");           /* absolute dir, then more path */
        ln("..", "root/sub/parent");
        ln("loop2", "root/loop1");
        ln("loop1", "root/loop2");
        ln("self", "root/self");
        ln("/nonexistent", "root/dangling");
}

static const struct chase_case chase_cases[] = {
        { "file", O_RDONLY, "file", 0 },
        { "/file", O_RDONLY, "file", 0 },
        { "etc-link/passwd", O_RDONLY, "etc/passwd", 0 },
        { "passwd-link", O_RDONLY, "etc/passwd", 0 },
        { "/etc/passwd", O_RDONLY, "etc/passwd", 0 },
        { "a", O_RDONLY, "etc/passwd", 0 },
        { "../../etc/passwd", O_RDONLY, "etc/passwd", 0 },
        { "sub/../file", O_RDONLY, "file", 0 },
        { "sub/./deeper/../../file", O_RDONLY, "file", 0 },
        { "sub/rel", O_RDONLY, "file", 0 },
        { "sub/deeper/up", O_RDONLY, "file", 0 },
        { "sub/deeper/abs-dir/file2", O_RDONLY, "sub/file2", 0 },
        { "sub/parent/file", O_RDONLY, "file", 0 },
        { "sub", O_RDONLY | O_DIRECTORY, "sub", 0 },
        { "etc-link", O_RDONLY | O_DIRECTORY, "etc", 0 },
        { "/", O_RDONLY | O_DIRECTORY, ".", 0 },
        { "..", O_RDONLY | O_DIRECTORY, ".", 0 },
        { "a", O_PATH, "etc/passwd", 0 },
        { "sub/rel", O_RDWR, "file", 0 },
        { "loop1", O_RDONLY, NULL, ELOOP },
        { "loop1/x", O_RDONLY, NULL, ELOOP },
        { "self", O_RDONLY, NULL, ELOOP },
        { "file/x", O_RDONLY, NULL, ENOTDIR },
        { "etc/passwd/x", O_RDONLY, NULL, ENOTDIR },
        { "sub/rel/x", O_RDONLY, NULL, ENOTDIR },
        { "file", O_RDONLY | O_DIRECTORY, NULL, ENOTDIR },
        { "missing", O_RDONLY, NULL, ENOENT },
        { "sub/missing", O_RDONLY, NULL, ENOENT },
        { "missing/x", O_RDONLY, NULL, ENOENT },
        { "dangling", O_RDONLY, NULL, ENOENT },
};

static void chase_check(int root_fd, const struct chase_case *c, bool fallback)
{
        const char *mode = fallback ? "fallback" : "openat2";
        char want_path[1024];
        struct stat got, want;
        int fd;

        fd = open_in_root(root_fd, c->path, c->flags, 0);
        if (!c->want) {
                ck_assert_msg(fd == -c->error, "%s: '%s': expected -%d, got %d", mode, c->path,
                              c->error, fd);
                return;
        }
        ck_assert_msg(fd >= 0, "%s: '%s': %d (%s)", mode, c->path, fd, strerror(-fd));
        (void)snprintf(want_path, sizeof(want_path), "%s/root/%s", dir, c->want);
        ck_assert_int_eq(fstat(fd, &got), 0);
        ck_assert_int_eq(stat(want_path, &want), 0);
        ck_assert_msg(got.st_dev == want.st_dev && got.st_ino == want.st_ino,
                      "%s: '%s' opened another file than '%s'", mode, c->path, c->want);
        ck_assert_msg(fcntl(fd, F_GETFD) & FD_CLOEXEC, "%s: '%s': no O_CLOEXEC", mode, c->path);
        ck_assert_int_eq(close(fd), 0);
}

/* _i == 0: openat2() when the kernel has it; _i == 1: the fallback. */
START_TEST(test_open_in_root)
{
        bool fallback = _i == 1;
        struct stat host, inside;
        int root_fd;

        chase_layout();
        open_in_root_force_fallback(fallback);
        root_fd = open(P("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(root_fd, 0);

        for (size_t i = 0; i < ELEMENTSOF(chase_cases); i++)
                chase_check(root_fd, &chase_cases[i], fallback);

        /* The host's /etc/passwd is another file than the one inside. */
        ck_assert_int_eq(stat(P("root/etc/passwd"), &inside), 0);
        if (stat("/etc/passwd", &host) == 0)
                ck_assert(host.st_dev != inside.st_dev || host.st_ino != inside.st_ino);

        /* What is read through the absolute link is the root's own file. */
        {
                char buf[16] = {};
                int fd = open_in_root(root_fd, "etc-link/passwd", O_RDONLY, 0);

                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), 7);
                ck_assert_str_eq(buf, "inside\n");
                (void)close(fd);
        }
        open_in_root_force_fallback(false);
        (void)close(root_fd);
}
END_TEST

/* Path forms where open(2) and openat2(2) fail; the fallback must agree. */
START_TEST(test_open_in_root_trailing_slash)
{
        bool fallback = _i == 1;
        const char *mode = fallback ? "fallback" : "openat2";
        int root_fd, fd;

        chase_layout();
        open_in_root_force_fallback(fallback);
        root_fd = open(P("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(root_fd, 0);

        /* "file/" names a directory: -ENOTDIR, as open(2) and openat2(2). */
        fd = open_in_root(root_fd, "file/", O_RDONLY, 0);
        ck_assert_msg(fd == -ENOTDIR, "%s: 'file/': expected -ENOTDIR, got %d", mode, fd);
        if (fd >= 0)
                (void)close(fd);
        open_in_root_force_fallback(false);
        (void)close(root_fd);
}
END_TEST

START_TEST(test_open_in_root_empty)
{
        bool fallback = _i == 1;
        const char *mode = fallback ? "fallback" : "openat2";
        int root_fd, fd;

        chase_layout();
        open_in_root_force_fallback(fallback);
        root_fd = open(P("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(root_fd, 0);

        /* The empty path is -ENOENT, as open(2) and openat2(2). */
        fd = open_in_root(root_fd, "", O_RDONLY, 0);
        ck_assert_msg(fd == -ENOENT, "%s: '': expected -ENOENT, got %d", mode, fd);
        if (fd >= 0)
                (void)close(fd);

        fd = open_in_root(root_fd, NULL, O_RDONLY, 0);
        ck_assert_int_lt(fd, 0);

        open_in_root_force_fallback(false);
        (void)close(root_fd);
}
END_TEST

START_TEST(test_open_in_root_create)
{
        char name[64], via_link[128], host_path[128], inside[128];
        bool fallback = _i == 1, escaped;
        struct stat st;
        int root_fd, fd;

        (void)umask(022);
        chase_layout();
        open_in_root_force_fallback(fallback);
        root_fd = open(P("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(root_fd, 0);

        /* O_CREAT through an absolute symlink lands inside the root. The name is
         * unique (the test directory's suffix) so that the host check means something. */
        (void)snprintf(name, sizeof(name), "berth-test-%s", strrchr(dir, '-') + 1);
        (void)snprintf(via_link, sizeof(via_link), "etc-link/%s", name);
        (void)snprintf(host_path, sizeof(host_path), "/etc/%s", name);
        (void)snprintf(inside, sizeof(inside), "root/etc/%s", name);
        fd = open_in_root(root_fd, via_link, O_WRONLY | O_CREAT | O_EXCL, 0600);
        escaped = access(host_path, F_OK) == 0;
        if (escaped)
                (void)unlink(host_path);
        ck_assert_msg(!escaped, "O_CREAT escaped the root: created '%s'", host_path);
        ck_assert_msg(fd >= 0, "create: %d", fd);
        ck_assert_int_eq(close(fd), 0);
        ck_assert_int_eq(stat(P(inside), &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0600);

        /* O_CREAT of a missing file in a missing directory fails. */
        fd = open_in_root(root_fd, "nodir/new", O_WRONLY | O_CREAT, 0600);
        ck_assert_int_eq(fd, -ENOENT);

        open_in_root_force_fallback(false);
        (void)close(root_fd);
}
END_TEST

/* ---- persist ---------------------------------------------------------------------- */

START_TEST(test_persist_no_counters)
{
        uint64_t next_id[_BERTH_OBJ_TYPE_MAX] = {};
        struct berth_persist *p = NULL;
        struct berth_error err = {};
        struct stat st;

        ck_assert_int_eq(berth_persist_open(dir, next_id, &p, &err), 0);
        ck_assert_ptr_nonnull(p);
        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++)
                ck_assert_uint_eq(next_id[t], 0);
        /* db/ was created, private. */
        ck_assert_int_eq(stat(P("db"), &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 0077, 0);
        ck_assert_int_eq(berth_persist_count(p), 0);
        p = berth_persist_free(p);
        ck_assert_ptr_null(p);

        /* The state directory itself may be missing too. */
        ck_assert_int_eq(berth_persist_open(P("new/state"), next_id, &p, &err), 0);
        ck_assert(exists(P("new/state/db")));
        berth_persist_free(p);
}
END_TEST

START_TEST(test_persist_counters)
{
        uint64_t next_id[_BERTH_OBJ_TYPE_MAX] = {};
        struct berth_persist *p = NULL;
        struct berth_error err = {};

        mk("db");
        put("db/ids.json", "{\"attachment\":3,\"mount\":5,\"container\":0}");
        next_id[BERTH_OBJ_CONTAINER] = 9;
        ck_assert_int_eq(berth_persist_open(dir, next_id, &p, &err), 0);
        ck_assert_uint_eq(next_id[BERTH_OBJ_ATTACH], 3);
        ck_assert_uint_eq(next_id[BERTH_OBJ_MOUNT], 5);
        ck_assert_uint_eq(next_id[BERTH_OBJ_CONTAINER], 0);
        berth_persist_free(p);
}
END_TEST

/* An unreadable ids.json (empty after a power cut, say) does not stop berthd: the
 * counters are rebuilt past every id a record or a container log names, plus a block,
 * and written back. */
START_TEST(test_persist_corrupt)
{
        static const char *const corrupt[] = { "{\"attachment\":3,", "", "nonsense",
                                               "{\"mount\":1,\"mount\":2}", "[1,2]" };
        struct berth_error err = {};

        mk("db");
        mk("logs");
        put("db/attachment-4.json", "{}");
        put("db/attachment-1.json", "{}");
        put("db/mount-9.json", "{}");
        put("logs/12-1700000000.log", "");
        put("logs/12-1700000000.log.1", "");
        for (size_t i = 0; i < ELEMENTSOF(corrupt); i++) {
                uint64_t next_id[_BERTH_OBJ_TYPE_MAX] = {};
                struct berth_persist *p = NULL;
                _cleanup_free_ char *text = NULL;

                put("db/ids.json", corrupt[i]);
                ck_assert_msg(berth_persist_open(dir, next_id, &p, &err) == 0, "ids.json '%s': %s",
                              corrupt[i], err.msg);
                ck_assert_uint_eq(next_id[BERTH_OBJ_ATTACH], 5 + 64);
                ck_assert_uint_eq(next_id[BERTH_OBJ_MOUNT], 10 + 64);
                ck_assert_uint_eq(next_id[BERTH_OBJ_CONTAINER], 13 + 64);
                berth_persist_free(p);
                ck_assert_int_ge(read_file(P("db/ids.json"), 4096, &text, NULL), 0);
                ck_assert_msg(strstr(text, "\"mount\":74"), "not written back: %s", text);
        }
}
END_TEST

START_TEST(test_persist_count)
{
        uint64_t next_id[_BERTH_OBJ_TYPE_MAX] = {};
        struct berth_persist *p = NULL;

        ck_assert_int_eq(berth_persist_open(dir, next_id, &p, NULL), 0);
        put("db/attachment-1.json", "{}");
        put("db/mount-2.json", "{}");
        put("db/ids.json", "{}");
        put("db/container-3.json.tmpAbC123", "{}");
        put("db/README", "x");
        ck_assert_int_eq(berth_persist_count(p), 2);

        /* remove() of a record brings the count down; a missing record is fine. */
        berth_persist_remove(p, BERTH_OBJ_MOUNT, 2);
        ck_assert(!exists(P("db/mount-2.json")));
        berth_persist_remove(p, BERTH_OBJ_MOUNT, 77);
        ck_assert_int_eq(berth_persist_count(p), 1);
        berth_persist_free(p);
}
END_TEST

START_TEST(test_persist_state_is_file)
{
        uint64_t next_id[_BERTH_OBJ_TYPE_MAX] = {};
        struct berth_persist *p = NULL;
        struct berth_error err = {};

        put("state", "x");
        ck_assert_int_eq(berth_persist_open(P("state"), next_id, &p, &err), -ENOTDIR);
        ck_assert_ptr_null(p);
        ck_assert_int_eq(err.code, -ENOTDIR);
}
END_TEST

/* ---- logkeep ----------------------------------------------------------------------- */

/* A file of n bytes (what it takes: st_blocks). */
static uint64_t put_bytes(const char *rel, size_t n)
{
        _cleanup_free_ char *b = malloc(n + 1);
        struct stat st;

        ck_assert_ptr_nonnull(b);
        memset(b, 'x', n);
        b[n] = 0;
        put(rel, b);
        ck_assert_int_eq(stat(P(rel), &st), 0);
        return (uint64_t)st.st_blocks * 512;
}

START_TEST(test_logkeep_budget)
{
        uint64_t one = put_bytes("1-100.log", 3000), files, bytes;
        struct berth_logkeep *k;

        ck_assert_uint_gt(one, 0);
        (void)put_bytes("1-100.log.1", 3000);
        (void)put_bytes("2-101.log", 3000);
        (void)put_bytes("3-102.log", 3000);
        (void)put_bytes("4-103.log", 3000);
        /* Room for three files of this size. */
        k = berth_logkeep_new(3 * one);
        ck_assert_ptr_nonnull(k);
        berth_logkeep_add(k, P("1-100.log")); /* and its .1 */
        berth_logkeep_add(k, P("2-101.log"));
        ck_assert(exists(P("1-100.log.1")) && exists(P("1-100.log")) && exists(P("2-101.log")));
        /* The fourth file is over: the oldest, the rotated copy, goes first. */
        berth_logkeep_add(k, P("3-102.log"));
        ck_assert(!exists(P("1-100.log.1")) && exists(P("1-100.log")));
        berth_logkeep_add(k, P("4-103.log"));
        ck_assert(!exists(P("1-100.log")) && exists(P("2-101.log")) && exists(P("4-103.log")));
        berth_logkeep_stats(k, &files, &bytes);
        ck_assert_uint_eq(files, 3);
        ck_assert_uint_eq(bytes, 3 * one);
        /* A kept log someone else removed is no trouble. */
        ck_assert_int_eq(unlink(P("2-101.log")), 0);
        (void)put_bytes("5-104.log", 3000);
        berth_logkeep_add(k, P("5-104.log"));
        ck_assert(exists(P("3-102.log")) && exists(P("4-103.log")) && exists(P("5-104.log")));
        /* A log that is not there adds nothing. */
        berth_logkeep_add(k, P("6-105.log"));
        berth_logkeep_stats(k, &files, &bytes);
        ck_assert_uint_eq(files, 3);
        berth_logkeep_free(k);
}
END_TEST

START_TEST(test_logkeep_zero)
{
        struct berth_logkeep *k = berth_logkeep_new(0);

        (void)put_bytes("1-100.log", 10);
        (void)put_bytes("1-100.log.1", 10);
        berth_logkeep_add(k, P("1-100.log"));
        ck_assert(!exists(P("1-100.log")) && !exists(P("1-100.log.1")));
        berth_logkeep_free(k);
}
END_TEST

static bool live_two(const char *logfile, void *userdata)
{
        (void)userdata;
        return streq(logfile, P("2-200.log"));
}

START_TEST(test_logkeep_scan)
{
        struct timespec t[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
        uint64_t one = put_bytes("1-100.log", 3000), files, bytes;
        struct berth_logkeep *k = berth_logkeep_new(2 * one);

        (void)put_bytes("2-200.log", 3000);
        (void)put_bytes("2-200.log.1", 3000);
        (void)put_bytes("3-300.log", 3000);
        (void)put_bytes("4-400.log", 3000);
        /* Oldest by modification time, whatever the names say. */
        for (int i = 0; i < 3; i++) {
                static const char *const order[] = { "4-400.log", "1-100.log", "3-300.log" };
                t[0].tv_sec = t[1].tv_sec = 1000 + i;
                ck_assert_int_eq(utimensat(AT_FDCWD, P(order[i]), t, 0), 0);
        }
        /* One added before the scan (as recovery does) is not counted twice. */
        berth_logkeep_add(k, P("3-300.log"));
        ck_assert_int_eq(berth_logkeep_scan(k, dir, live_two, NULL), 0);
        /* A live container's log and its copy are never counted or removed. */
        ck_assert(exists(P("2-200.log")) && exists(P("2-200.log.1")));
        ck_assert(!exists(P("4-400.log")) && exists(P("1-100.log")) && exists(P("3-300.log")));
        berth_logkeep_stats(k, &files, &bytes);
        ck_assert_uint_eq(files, 2);
        ck_assert_uint_eq(bytes, 2 * one);
        berth_logkeep_free(k);
        /* A directory that is not there: nothing kept, no error. */
        k = berth_logkeep_new(1);
        ck_assert_int_eq(berth_logkeep_scan(k, P("nonexistent"), NULL, NULL), 0);
        berth_logkeep_free(k);
}
END_TEST

static Suite *fileio_suite(void)
{
        Suite *s = suite_create("fileio");
        TCase *tc = tcase_create("fileio");

        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_test(tc, test_write_file_atomic);
        tcase_add_test(tc, test_write_file_atomic_replaces_symlink);
        tcase_add_test(tc, test_read_file);
        tcase_add_test(tc, test_read_file_max_small);
        tcase_add_test(tc, test_read_file_exactly_max);
        tcase_add_test(tc, test_read_one_line);
        tcase_add_test(tc, test_mkdir_p);
        tcase_add_test(tc, test_mkdir_p_existing_file);
        tcase_add_test(tc, test_rm_rf_physical);
        tcase_add_test(tc, test_mkdtemp_in);
        tcase_add_test(tc, test_dir_is_empty);
        suite_add_tcase(s, tc);

        tc = tcase_create("strv");
        tcase_add_test(tc, test_strv_basic);
        tcase_add_test(tc, test_strv_copy_empty);
        tcase_add_test(tc, test_strv_join);
        tcase_add_test(tc, test_strv_join_empty_first);
        suite_add_tcase(s, tc);

        tc = tcase_create("chase");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_loop_test(tc, test_open_in_root, 0, 2);
        tcase_add_loop_test(tc, test_open_in_root_trailing_slash, 0, 2);
        tcase_add_loop_test(tc, test_open_in_root_empty, 0, 2);
        tcase_add_loop_test(tc, test_open_in_root_create, 0, 2);
        suite_add_tcase(s, tc);

        tc = tcase_create("persist");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_test(tc, test_persist_no_counters);
        tcase_add_test(tc, test_persist_counters);
        tcase_add_test(tc, test_persist_corrupt);
        tcase_add_test(tc, test_persist_count);
        tcase_add_test(tc, test_persist_state_is_file);
        suite_add_tcase(s, tc);

        tc = tcase_create("logkeep");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_test(tc, test_logkeep_budget);
        tcase_add_test(tc, test_logkeep_zero);
        tcase_add_test(tc, test_logkeep_scan);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(fileio_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
