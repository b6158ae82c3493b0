/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What containers need beyond themselves (docker.h): networks, images, an import of a
 * root file system tar, a build of a local context (sent as a tar made here: files,
 * directories and symlinks as links, found without following any link, so that nothing
 * outside the context goes).
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker-internal.h"
#include "macro.h"
#include "strv.h"

#define CONTEXT_MAX (256u << 20)
#define CONTEXT_DEPTH_MAX 64
#define BLOCK 512

static bool ref_ok(const char *ref)
{
        return ref && ref[0] && strlen(ref) < 256 &&
               strspn(ref,
                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@-") ==
                       strlen(ref) &&
               ref[0] != '/' && ref[0] != '-' && !strstr(ref, "..");
}

static json_t *labels_object(char *const *labels)
{
        json_t *o = json_object();

        STRV_FOREACH (l, labels) {
                const char *eq = strchr(*l, '=');
                _cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);
                if (!o || !k || json_object_set_new(o, k, json_string(eq ? eq + 1 : "")) < 0)
                        return json_decref(o), NULL;
        }
        return o;
}

/* ---- networks ----------------------------------------------------------------------------- */

int berth_docker_network_ensure(struct berth_engine *e, const char *name, char *const *labels,
                                struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *esc = name ? docker_escape(name) : NULL, *path = NULL;
        json_auto_t *j = NULL, *body = NULL;
        int r;

        if (!name || !name[0] || strpbrk(name, "/ \t\n"))
                return berth_error_set(err, EINVAL, "network '%s': not a docker network name",
                                       name ? name : "");
        if (!esc || asprintf(&path, "/networks/%s", esc) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "GET", path, NULL, &j, err, "inspect network %s", name);
        /* Docker finds a network by an id prefix too: only the name counts. */
        if (r >= 0 && streq_ptr(json_string_value(json_object_get(j, "Name")), name))
                return 1;
        if (r < 0 && r != -ENOENT)
                return r;
        berth_error_clear(err);
        body = json_pack("{s:s, s:b, s:s, s:o}", "Name", name, "CheckDuplicate", 1, "Driver",
                         "bridge", "Labels", labels_object(labels));
        if (!body)
                return -ENOMEM;
        r = docker_call(dk->client, "POST", "/networks/create", body, NULL, err,
                        "create network %s", name);
        if (r == -EEXIST) { /* made meanwhile */
                berth_error_clear(err);
                return 1;
        }
        return MIN(r, 0);
}

int berth_docker_network_remove(struct berth_engine *e, const char *name, struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *esc = name ? docker_escape(name) : NULL, *path = NULL;
        int r;

        if (!esc || asprintf(&path, "/networks/%s", esc) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "DELETE", path, NULL, NULL, err, "remove network %s", name);
        if (r == -ENOENT) {
                berth_error_clear(err);
                return 0;
        }
        return MIN(r, 0);
}

/* ---- images ------------------------------------------------------------------------------- */

int berth_docker_image_exists(struct berth_engine *e, const char *ref, struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *path = NULL;
        int r;

        if (!ref_ok(ref))
                return berth_error_set(err, EINVAL, "image '%s': not an image reference",
                                       ref ? ref : "");
        if (asprintf(&path, "/images/%s/json", ref) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "GET", path, NULL, NULL, err, "inspect image %s", ref);
        if (r == -ENOENT) {
                berth_error_clear(err);
                return 0;
        }
        return r < 0 ? r : 1;
}

/* A JSON-message stream (import, build): its "stream" lines into out (may be NULL),
 * an "error" in it fails. */
struct progress {
        char *out;
        size_t len;
        bool keep;
};

static int progress_line(json_t *obj, void *userdata)
{
        struct progress *p = userdata;
        const char *s = json_string_value(json_object_get(obj, "stream"));
        size_t n;
        char *b;

        if (!p->keep || !s)
                return 0;
        n = strlen(s);
        if (p->len + n > (4u << 20))
                return 0; /* enough said */
        b = realloc(p->out, p->len + n + 1);
        if (!b)
                return -ENOMEM;
        p->out = b;
        memcpy(p->out + p->len, s, n + 1);
        p->len += n;
        return 0;
}

static int post_stream(struct docker *dk, const char *path, const void *data, size_t size,
                       const char *upload_path, char **ret_output, struct berth_error *err,
                       const char *what)
{
        struct progress p = { .keep = ret_output != NULL };
        struct docker_ndjson nd = { .scan_errors = true, .fn = progress_line, .userdata = &p };
        struct docker_reply reply;
        int r;

        r = docker_request(dk->client,
                           &(struct docker_request){
                                   .method = "POST",
                                   .path = path,
                                   .content_type = "application/x-tar",
                                   .data = data,
                                   .size = size,
                                   .upload_path = upload_path,
                                   .on_data = docker_ndjson_data,
                                   .userdata = &nd,
                           },
                           &reply, err);
        docker_ndjson_done(&nd);
        if (r >= 0 && (r < 200 || r >= 300))
                r = docker_error(&reply, err, "%s", what);
        else if (nd.error < 0)
                r = berth_error_set(err, EIO, "docker: %s: %s", what, nd.msg);
        else if (r < 0)
                (void)berth_error_prefix(err, "docker: %s", what);
        docker_reply_done(&reply);
        if (r >= 0 && ret_output) {
                *ret_output = p.out ? TAKE_PTR(p.out) : strdup("");
                if (!*ret_output)
                        r = -ENOMEM;
        }
        free(p.out);
        return MIN(r, 0);
}

int berth_docker_import(struct berth_engine *e, const char *tar_path, const char *repo,
                        const char *tag, char *const *changes, struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *path = NULL, *r_esc = repo ? docker_escape(repo) : NULL;
        _cleanup_free_ char *t_esc = docker_escape(tag ? tag : "latest");
        size_t len;

        if (!ref_ok(repo) || strchr(repo, ':') || (tag && !ref_ok(tag)))
                return berth_error_set(err, EINVAL, "import as '%s:%s': not a repository and tag",
                                       repo ? repo : "", tag ? tag : "");
        if (!r_esc || !t_esc ||
            asprintf(&path, "/images/create?fromSrc=-&repo=%s&tag=%s", r_esc, t_esc) < 0)
                return -ENOMEM;
        STRV_FOREACH (c, changes) {
                _cleanup_free_ char *esc = docker_escape(*c);
                char *p;
                if (!esc)
                        return -ENOMEM;
                len = strlen(path);
                p = realloc(path, len + strlen(esc) + sizeof("&changes="));
                if (!p)
                        return -ENOMEM;
                path = p;
                (void)sprintf(path + len, "&changes=%s", esc);
        }
        return post_stream(dk, path, NULL, 0, tar_path, NULL, err, "import an image");
}

/* ---- a tar of the build context ------------------------------------------------------------ */

struct tar {
        char *buf;
        size_t len, cap;
};

/* Room for n bytes padded to whole blocks (zeroed) at the end: their offset, or < 0. */
static ssize_t tar_reserve(struct tar *t, size_t n)
{
        size_t padded = (n + BLOCK - 1) / BLOCK * BLOCK, off = t->len;

        if (t->len + padded > CONTEXT_MAX)
                return -EFBIG;
        if (t->len + padded > t->cap) {
                size_t cap = MAX(t->cap * 2, t->len + padded);
                char *b;
                if (cap < 65536)
                        cap = 65536;
                b = realloc(t->buf, cap);
                if (!b)
                        return -ENOMEM;
                t->buf = b;
                t->cap = cap;
        }
        memset(t->buf + off, 0, padded);
        t->len += padded;
        return (ssize_t)off;
}

static int tar_put(struct tar *t, const void *data, size_t n)
{
        ssize_t off = tar_reserve(t, n);

        if (off < 0)
                return (int)off;
        if (n > 0)
                memcpy(t->buf + off, data, n);
        return 0;
}

static void octal(char *field, size_t size, uint64_t v)
{
        (void)snprintf(field, size, "%0*llo", (int)size - 1, (unsigned long long)v);
}

/* A PAX record "<len> key=value\n", whose length counts itself. */
static int pax_record(char **buf, size_t *len, const char *key, const char *value)
{
        size_t body = strlen(key) + strlen(value) + 3, n = body + 1;
        char *b;

        while (snprintf(NULL, 0, "%zu", n) + body != n)
                n = snprintf(NULL, 0, "%zu", n) + body;
        b = realloc(*buf, *len + n + 1);
        if (!b)
                return -ENOMEM;
        *buf = b;
        (void)snprintf(*buf + *len, n + 1, "%zu %s=%s\n", n, key, value);
        *len += n;
        return 0;
}

static int tar_header(struct tar *t, const char *name, char type, mode_t mode, uint64_t size,
                      time_t mtime, const char *link)
{
        char h[BLOCK] = {};
        unsigned sum = 0;
        int r;

        if (strlen(name) >= 100 || (link && strlen(link) >= 100)) {
                _cleanup_free_ char *pax = NULL;
                size_t len = 0;
                r = pax_record(&pax, &len, "path", name);
                if (r >= 0 && link)
                        r = pax_record(&pax, &len, "linkpath", link);
                if (r >= 0)
                        r = tar_header(t, "././@PaxHeader", 'x', 0644, len, mtime, NULL);
                if (r >= 0)
                        r = tar_put(t, pax, len);
                if (r < 0)
                        return r;
        }
        (void)snprintf(h, 100, "%s", name);
        octal(h + 100, 8, mode & 07777);
        octal(h + 108, 8, 0);
        octal(h + 116, 8, 0);
        octal(h + 124, 12, size);
        octal(h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
        memset(h + 148, ' ', 8);
        h[156] = type;
        if (link)
                (void)snprintf(h + 157, 100, "%s", link);
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        for (size_t i = 0; i < BLOCK; i++)
                sum += (unsigned char)h[i];
        (void)snprintf(h + 148, 8, "%06o", sum);
        h[155] = ' ';
        return tar_put(t, h, BLOCK);
}

static int tar_file(struct tar *t, int dirfd, const char *name, const char *path)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        ssize_t off;
        int r;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0; /* replaced meanwhile */
        if ((uint64_t)st.st_size > CONTEXT_MAX)
                return -EFBIG;
        r = tar_header(t, path, '0', st.st_mode, (uint64_t)st.st_size, st.st_mtime, NULL);
        if (r < 0)
                return r;
        /* The data, padded to its blocks, read in place. */
        off = tar_reserve(t, (size_t)st.st_size);
        if (off < 0)
                return (int)off;
        for (size_t done = 0; done < (size_t)st.st_size;) {
                ssize_t n = read(fd, t->buf + off + done, (size_t)st.st_size - done);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO; /* it shrank meanwhile */
                done += (size_t)n;
        }
        return 0;
}

static int tar_dir(struct tar *t, int dirfd, const char *rel, unsigned depth)
{
        DIR *d;
        struct dirent *de;
        int r = 0, fd;

        if (depth > CONTEXT_DEPTH_MAX)
                return -ELOOP;
        fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                (void)close(fd);
                return -errno;
        }
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                if (asprintf(&path, "%s%s", rel, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_free_ char *sub = NULL;
                        _cleanup_close_ int sfd = openat(
                                dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sfd < 0 || asprintf(&sub, "%s/", path) < 0)
                                r = sfd < 0 ? -errno : -ENOMEM;
                        if (r >= 0)
                                r = tar_header(t, sub, '5', st.st_mode, 0, st.st_mtime, NULL);
                        if (r >= 0)
                                r = tar_dir(t, sfd, sub, depth + 1);
                } else if (S_ISREG(st.st_mode))
                        r = tar_file(t, dirfd, de->d_name, path);
                else if (S_ISLNK(st.st_mode)) {
                        char target[4096];
                        ssize_t n = readlinkat(dirfd, de->d_name, target, sizeof(target) - 1);
                        if (n < 0)
                                r = -errno;
                        else {
                                target[n] = 0;
                                r = tar_header(t, path, '2', 0777, 0, st.st_mtime, target);
                        }
                }
                /* Devices, fifos and sockets are not part of a build context. */
        }
        closedir(d);
        return r;
}

static int tar_context(const char *dir, struct tar *t, struct berth_error *err)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return berth_error_set_errno(err, errno, "build context '%s'", dir);
        r = tar_dir(t, fd, "", 0);
        if (r >= 0)
                r = tar_put(t, (char[2 * BLOCK]){}, 2 * BLOCK);
        if (r == -EFBIG)
                return berth_error_set(err, EFBIG, "build context '%s': over %u MiB", dir,
                                       CONTEXT_MAX >> 20);
        if (r < 0)
                return berth_error_set_errno(err, -r, "build context '%s'", dir);
        return 0;
}

int berth_docker_build(struct berth_engine *e, const char *context_dir, const char *dockerfile,
                       const char *tag, char *const *labels, char **ret_output,
                       struct berth_error *err)
{
        struct docker *dk = e->data;
        const char *df = dockerfile ? dockerfile : "Dockerfile";
        json_auto_t *lj = labels_object(labels);
        _cleanup_free_ char *ltext = lj ? json_dumps(lj, JSON_COMPACT) : NULL;
        _cleanup_free_ char *t_esc = tag ? docker_escape(tag) : NULL, *d_esc = docker_escape(df);
        _cleanup_free_ char *l_esc = ltext ? docker_escape(ltext) : NULL, *path = NULL;
        struct tar t = {};
        char what[300];
        int r;

        if (ret_output)
                *ret_output = NULL;
        if (!ref_ok(tag))
                return berth_error_set(err, EINVAL, "build: tag '%s' is not an image reference",
                                       tag ? tag : "");
        if (df[0] == '/' || streq(df, "..") || strncmp(df, "../", 3) == 0 || strstr(df, "/../") ||
            (strlen(df) >= 3 && streq(df + strlen(df) - 3, "/..")))
                return berth_error_set(err, EINVAL,
                                       "build: the Dockerfile '%s' is not inside the context", df);
        if (!t_esc || !d_esc || !l_esc ||
            asprintf(&path, "/build?t=%s&dockerfile=%s&labels=%s&rm=1&forcerm=1", t_esc, d_esc,
                     l_esc) < 0)
                return -ENOMEM;
        r = tar_context(context_dir, &t, err);
        if (r >= 0) {
                (void)snprintf(what, sizeof(what), "build %s", tag);
                r = post_stream(dk, path, t.buf, t.len, NULL, ret_output, err, what);
        }
        free(t.buf);
        return r;
}

/* ---- images by reference: list, pull, tag, push, remove ----------------------------------- */

int berth_docker_images(struct berth_engine *e, json_t **ret, struct berth_error *err)
{
        struct docker *dk = e->data;
        int r;

        r = docker_call(dk->client, "GET", "/images/json", NULL, ret, err, "list images");
        if (r >= 0 && !json_is_array(*ret)) {
                *ret = (json_decref(*ret), NULL);
                return berth_error_set(err, EIO, "docker: list images: the answer is not a list");
        }
        return MIN(r, 0);
}

/* ref as repository and tag: "[host[:port]/]path[:tag][@digest]"; the digest, when there
 * is one, is the tag (Docker takes a digest there), else the tag, else "latest". */
static int split_ref(const char *ref, char **ret_repo, char **ret_tag, struct berth_error *err)
{
        const char *at, *slash, *colon, *end;

        if (!ref_ok(ref))
                return berth_error_set(err, EINVAL, "image '%s': not an image reference",
                                       ref ? ref : "");
        at = strchr(ref, '@');
        slash = strrchr(ref, '/');
        colon = strrchr(ref, ':');
        if (at) {
                end = at;
                /* repo:tag@digest: the digest says which. */
                colon = memrchr(ref, ':', (size_t)(at - ref));
                if (colon && (!slash || colon > slash))
                        end = colon;
                *ret_repo = strndup(ref, (size_t)(end - ref));
                *ret_tag = strdup(at + 1);
        } else if (colon && (!slash || colon > slash)) {
                *ret_repo = strndup(ref, (size_t)(colon - ref));
                *ret_tag = strdup(colon + 1);
        } else {
                *ret_repo = strdup(ref);
                *ret_tag = strdup("latest");
        }
        if (!*ret_repo || !*ret_tag) {
                *ret_repo = mfree(*ret_repo);
                *ret_tag = mfree(*ret_tag);
                return -ENOMEM;
        }
        if (!(*ret_repo)[0] || !(*ret_tag)[0] || strchr(*ret_tag, '/') ||
            (*ret_repo)[strlen(*ret_repo) - 1] == '/' || strchr(*ret_repo, '@')) {
                *ret_repo = mfree(*ret_repo);
                *ret_tag = mfree(*ret_tag);
                return berth_error_set(err, EINVAL, "image '%s': not an image reference", ref);
        }
        return 0;
}

/* base64url: letters, digits, -, _, = (and + / of plain base64, which Docker takes too). */
static bool auth_ok(const char *a)
{
        return a[0] && strlen(a) < 8192 &&
               strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+/") ==
                       strlen(a);
}

/* A POST whose 200 answer is a JSON-message stream (pull, push): read to its end, an
 * error inside it fails. */
static int post_messages(struct docker *dk, const char *path, const char *auth,
                         struct berth_error *err, const char *what)
{
        _cleanup_free_ char *line = NULL;
        struct docker_ndjson nd = { .scan_errors = true };
        struct docker_reply reply;
        int r;

        if (asprintf(&line, "X-Registry-Auth: %s", auth) < 0)
                return -ENOMEM;
        r = docker_request(dk->client,
                           &(struct docker_request){
                                   .method = "POST",
                                   .path = path,
                                   .on_data = docker_ndjson_data,
                                   .userdata = &nd,
                                   .headers = (const char *const[]){ line, NULL },
                           },
                           &reply, err);
        docker_ndjson_done(&nd);
        if (r >= 0 && (r < 200 || r >= 300))
                r = docker_error(&reply, err, "%s", what);
        else if (nd.error < 0)
                r = berth_error_set(err, EIO, "docker: %s: %s", what, nd.msg);
        else if (r < 0)
                (void)berth_error_prefix(err, "docker: %s", what);
        docker_reply_done(&reply);
        return MIN(r, 0);
}

int berth_docker_pull(struct berth_engine *e, const char *ref, const char *registry_auth,
                      struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *repo = NULL, *tag = NULL, *r_esc = NULL, *t_esc = NULL;
        _cleanup_free_ char *path = NULL;
        char what[320];
        int r;

        r = split_ref(ref, &repo, &tag, err);
        if (r < 0)
                return r;
        if (registry_auth && !auth_ok(registry_auth))
                return berth_error_set(err, EINVAL,
                                       "pull %s: the registry auth is not base64url text", ref);
        r_esc = docker_escape(repo);
        t_esc = docker_escape(tag);
        if (!r_esc || !t_esc ||
            asprintf(&path, "/images/create?fromImage=%s&tag=%s", r_esc, t_esc) < 0)
                return -ENOMEM;
        (void)snprintf(what, sizeof(what), "pull %s%s%s", repo, strchr(tag, ':') ? "@" : ":", tag);
        /* Without credentials, the empty ones: Docker then asks the registry anonymously. */
        return post_messages(dk, path, registry_auth ? registry_auth : "e30=", err, what);
}

int berth_docker_image_inspect(struct berth_engine *e, const char *ref, json_t **ret,
                               struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *path = NULL;
        int r;

        *ret = NULL;
        if (!ref_ok(ref))
                return berth_error_set(err, EINVAL, "image '%s': not an image reference",
                                       ref ? ref : "");
        if (asprintf(&path, "/images/%s/json", ref) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "GET", path, NULL, ret, err, "inspect image %s", ref);
        if (r >= 0 && !*ret)
                return berth_error_set(err, EIO, "docker: inspect image %s: no document", ref);
        return MIN(r, 0);
}

static bool tag_ok(const char *tag)
{
        return tag[0] && strlen(tag) <= 128 &&
               strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                       strlen(tag) &&
               tag[0] != '.' && tag[0] != '-';
}

int berth_docker_tag(struct berth_engine *e, const char *src, const char *repo, const char *tag,
                     struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *path = NULL, *r_esc = NULL, *t_esc = NULL;
        int r;

        if (!tag)
                tag = "latest";
        if (!ref_ok(src) || !ref_ok(repo) || strchr(repo, '@') || !tag_ok(tag) ||
            (strrchr(repo, ':') && (!strchr(repo, '/') || strrchr(repo, ':') > strrchr(repo, '/'))))
                return berth_error_set(err, EINVAL, "tag '%s' as '%s:%s': not an image and a tag",
                                       src ? src : "", repo ? repo : "", tag);
        r_esc = docker_escape(repo);
        t_esc = docker_escape(tag);
        if (!r_esc || !t_esc ||
            asprintf(&path, "/images/%s/tag?repo=%s&tag=%s", src, r_esc, t_esc) < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "POST", path, NULL, NULL, err, "tag %s as %s:%s", src, repo,
                        tag);
        return MIN(r, 0);
}

int berth_docker_push(struct berth_engine *e, const char *repo, const char *tag,
                      struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *path = NULL, *t_esc = NULL;
        char what[320];

        if (!tag)
                tag = "latest";
        if (!ref_ok(repo) || strchr(repo, '@') || !tag_ok(tag) ||
            (strrchr(repo, ':') && (!strchr(repo, '/') || strrchr(repo, ':') > strrchr(repo, '/'))))
                return berth_error_set(err, EINVAL, "push '%s:%s': not a repository and a tag",
                                       repo ? repo : "", tag);
        t_esc = docker_escape(tag);
        if (!t_esc || asprintf(&path, "/images/%s/push?tag=%s", repo, t_esc) < 0)
                return -ENOMEM;
        (void)snprintf(what, sizeof(what), "push %s:%s", repo, tag);
        return post_messages(dk, path, "e30=", err, what);
}

int berth_docker_image_remove(struct berth_engine *e, const char *ref, bool force,
                              struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *path = NULL;
        int r;

        if (!ref_ok(ref))
                return berth_error_set(err, EINVAL, "image '%s': not an image reference",
                                       ref ? ref : "");
        if (asprintf(&path, "/images/%s%s", ref, force ? "?force=1" : "") < 0)
                return -ENOMEM;
        r = docker_call(dk->client, "DELETE", path, NULL, NULL, err, "remove image %s", ref);
        return MIN(r, 0);
}
