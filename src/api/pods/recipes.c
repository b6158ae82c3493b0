/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recipe catalogue (recipes.h). Privilege context: berthd runs as root and a recipe
 * name comes from a request (GET /api/v2/pod/suggested/{name}, the "recipes" of a set),
 * so a name is checked against the rule before the file system sees it, and then only
 * used relative to the catalogue's directory fd: openat() of one component with
 * O_NOFOLLOW, never a joined path. Symbolic links in the catalogue are not followed (a
 * recipe that is a link is not listed and not found).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "error.h"
#include "macro.h"
#include "recipes.h"
#include "strbuf.h"
#include "strv.h"

#define RECIPE_NAME_MAX 64
#define SERVICE_NAME_MAX 64
#define RECIPE_FILE_MAX (1024 * 1024)

#define RECIPE_NAME_RULE "letters, digits, '_' and '-', 1 to 64 characters, not starting with '-'"
#define SERVICE_NAME_RULE "[a-zA-Z0-9._-], 1 to 64 characters"
#define RECIPE_KEYS "name, description, images, version and services"

/* The file names a recipe may have, in the order they are looked for. */
static const char *const recipe_files[] = { "recipe.yml", "recipe.yaml", "recipe.json" };

static void closedirp(DIR **d)
{
        if (*d)
                (void)closedir(*d);
}

static bool recipe_name_valid(const char *name)
{
        size_t n = 0;

        if (!name || name[0] == '-')
                return false;
        for (const char *p = name; *p; p++, n++) {
                if (n >= RECIPE_NAME_MAX)
                        return false;
                if (!isascii((unsigned char)*p) ||
                    !(isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
                        return false;
        }
        return n > 0;
}

static bool service_name_valid(const char *name)
{
        size_t n = strlen(name);

        if (n == 0 || n > SERVICE_NAME_MAX)
                return false;
        for (const char *p = name; *p; p++)
                if (!isascii((unsigned char)*p) ||
                    !(isalnum((unsigned char)*p) || strchr("._-", *p)))
                        return false;
        return true;
}

/* A client's string, fit to be quoted in a message: printable ASCII ('?' for the rest),
 * cut at 64 characters. */
static const char *quotable(const char *s, char *buf, size_t size)
{
        size_t i = 0;

        for (; s && *s && i + 4 < size; s++)
                buf[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        if (s && *s && i >= 3)
                memcpy(buf + i - 3, "...", 3);
        buf[i] = 0;
        return buf;
}

static int check_recipe_name(const char *name, struct berth_error *err)
{
        char q[68];

        if (recipe_name_valid(name))
                return 0;
        return berth_error_set(err, EINVAL, "recipe name '%s' is not valid: %s",
                               quotable(name, q, sizeof(q)), RECIPE_NAME_RULE);
}

/* The catalogue directory; -ENOENT (no message) when it does not exist. */
static int open_catalogue(const char *dir, struct berth_error *err)
{
        int fd;

        if (!dir || !*dir)
                return berth_error_set(err, ENOENT, "no recipe catalogue is configured");
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return berth_error_set_errno(err, errno, "open recipe catalogue '%s'", dir);
        }
        return fd;
}

/* The recipe's directory in the catalogue, not through a link. */
static int open_recipe_dir(int cat_fd, const char *dir, const char *name, struct berth_error *err)
{
        int fd = openat(cat_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd >= 0)
                return fd;
        if (errno == ENOENT)
                return berth_error_set(err, ENOENT, "no recipe '%s' in %s", name, dir);
        if (errno == ENOTDIR || errno == ELOOP)
                return berth_error_set(err, ENOENT,
                                       "no recipe '%s' in %s: not a directory (links are not "
                                       "followed)",
                                       name, dir);
        return berth_error_set_errno(err, errno, "open recipe '%s' in %s", name, dir);
}

/* Which of recipe_files the recipe has: its index, -ENOENT when none; two are
 * ambiguous (-EINVAL). */
static int find_recipe_file(int rdir_fd, const char *dir, const char *name, struct berth_error *err)
{
        int found = -ENOENT;

        for (size_t i = 0; i < ELEMENTSOF(recipe_files); i++) {
                struct stat st;

                if (fstatat(rdir_fd, recipe_files[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return berth_error_set_errno(err, errno, "%s/%s/%s", dir, name,
                                                     recipe_files[i]);
                }
                if (!S_ISREG(st.st_mode))
                        return berth_error_set(err, EINVAL,
                                               "%s/%s/%s is not a regular file (links are not "
                                               "followed)",
                                               dir, name, recipe_files[i]);
                if (found >= 0)
                        return berth_error_set(err, EINVAL,
                                               "recipe '%s' in %s has both %s and %s: keep one",
                                               name, dir, recipe_files[found], recipe_files[i]);
                found = (int)i;
        }
        return found;
}

/* Read a regular file of the recipe's directory (at most RECIPE_FILE_MAX bytes). It is
 * found with O_PATH and checked before it is opened for reading (through
 * /proc/self/fd), so that a FIFO or a device put in its place is never opened. */
static int read_recipe_file(int rdir_fd, const char *file, const char *path, char **ret,
                            size_t *ret_len, struct berth_error *err)
{
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        char proc[64];
        struct stat st;
        size_t len = 0;

        pfd = openat(rdir_fd, file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0)
                return berth_error_set_errno(err, errno, "open %s", path);
        if (fstat(pfd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(err, EINVAL, "%s is not a regular file", path);
        if (st.st_size > RECIPE_FILE_MAX)
                return berth_error_set(err, EINVAL, "%s is larger than %d bytes", path,
                                       RECIPE_FILE_MAX);
        (void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
        fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "open %s", path);

        buf = malloc(RECIPE_FILE_MAX + 1);
        if (!buf)
                return berth_error_set(err, ENOMEM, "read %s: out of memory", path);
        for (;;) {
                ssize_t n = read(fd, buf + len, RECIPE_FILE_MAX + 1 - len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_error_set_errno(err, errno, "read %s", path);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > RECIPE_FILE_MAX) /* it grew since the fstat() */
                        return berth_error_set(err, EINVAL, "%s is larger than %d bytes", path,
                                               RECIPE_FILE_MAX);
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int parse_recipe(const char *file, const char *path, const char *buf, size_t len,
                        json_t **ret, struct berth_error *err)
{
        json_error_t jerr;
        json_t *j;
        int r;

        if (strcmp(file, "recipe.json") != 0) {
                r = berth_yaml_to_json(buf, len, &j, err);
                if (r < 0)
                        return berth_error_prefix(err, "%s", path);
                *ret = j;
                return 0;
        }
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                return berth_error_set(err, EINVAL, "%s: malformed JSON at line %d, column %d: %s",
                                       path, jerr.line, jerr.column, jerr.text);
        *ret = j;
        return 0;
}

/* ---- the recipe's shape -------------------------------------------------------- */

static bool is_string_array(const json_t *a)
{
        size_t i;
        json_t *v;

        if (!json_is_array(a))
                return false;
        json_array_foreach (a, i, v)
                if (!json_is_string(v))
                        return false;
        return true;
}

/* Refuse keys of o that are not in allowed (NULL-terminated), naming all of them; with
 * ext, "x-*" keys (extension keys, where YAML anchors live) are allowed too. */
static int check_unknown_keys(json_t *o, const char *const *allowed, bool ext, const char *path,
                              const char *where, const char *expected, struct berth_error *err)
{
        struct strbuf sb = {};
        unsigned n = 0;
        const char *k;
        json_t *v;
        int r = 0;

        json_object_foreach (o, k, v) {
                bool ok = ext && strncmp(k, "x-", 2) == 0;
                char q[68];

                for (const char *const *a = allowed; *a && !ok; a++)
                        ok = strcmp(k, *a) == 0;
                if (ok)
                        continue;
                strbuf_printf(&sb, "%s'%s'", n++ ? ", " : "", quotable(k, q, sizeof(q)));
        }
        if (sb.oom)
                r = berth_error_set(err, ENOMEM, "%s: out of memory", path);
        else if (n > 0)
                r = berth_error_set(err, EINVAL, "%s: unknown key%s %s%s (%s)", path,
                                    n > 1 ? "s" : "", sb.p, where, expected);
        strbuf_wipe(&sb);
        return r;
}

static int check_service(json_t *s, size_t i, json_t *seen, const char *path,
                         struct berth_error *err)
{
        static const char *const keys[] = { "service_name", "service_config", NULL };
        json_t *n = json_object_get(s, "service_name"), *c = json_object_get(s, "service_config");
        char where[64], q[68];
        int r;

        if (!json_is_object(s))
                return berth_error_set(err, EINVAL,
                                       "%s: services[%zu] must be a mapping with service_name "
                                       "and service_config",
                                       path, i);
        (void)snprintf(where, sizeof(where), " in services[%zu]", i);
        r = check_unknown_keys(s, keys, /* ext= */ false, path, where,
                               "a service has service_name and service_config", err);
        if (r < 0)
                return r;
        if (!json_is_string(n))
                return berth_error_set(err, EINVAL, "%s: services[%zu].service_name %s", path, i,
                                       n ? "must be a string" : "is missing");
        if (!service_name_valid(json_string_value(n)))
                return berth_error_set(
                        err, EINVAL, "%s: services[%zu].service_name '%s' is not valid: %s", path,
                        i, quotable(json_string_value(n), q, sizeof(q)), SERVICE_NAME_RULE);
        if (json_object_get(seen, json_string_value(n)))
                return berth_error_set(err, EINVAL, "%s: service '%s' is given twice", path,
                                       json_string_value(n));
        if (json_object_set(seen, json_string_value(n), json_true()) < 0)
                return berth_error_set(err, ENOMEM, "%s: out of memory", path);
        if (!json_is_object(c))
                return berth_error_set(err, EINVAL, "%s: services[%zu].service_config %s", path, i,
                                       c ? "must be a mapping (a compose service)" : "is missing");
        return 0;
}

/* Check the recipe's shape; the result has its five keys in the seed's order (the
 * "x-*" keys, there for YAML anchors only, are left out). */
static int check_recipe(json_t *j, const char *name, const char *path, json_t **ret,
                        struct berth_error *err)
{
        static const char *const keys[] = { "name",    "description", "images",
                                            "version", "services",    NULL };
        json_auto_t *out = NULL, *seen = NULL;
        json_t *services;
        size_t i;
        json_t *s;
        int r;

        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "%s: a recipe is a mapping with %s", path,
                                       RECIPE_KEYS);
        r = check_unknown_keys(j, keys, /* ext= */ true, path, "", "a recipe has " RECIPE_KEYS,
                               err);
        if (r < 0)
                return r;
        for (const char *const *k = keys; *k; k++)
                if (!json_object_get(j, *k))
                        return berth_error_set(err, EINVAL, "%s: '%s' is missing", path, *k);
        if (!json_is_string(json_object_get(j, "name")))
                return berth_error_set(err, EINVAL, "%s: 'name' must be a string", path);
        if (strcmp(json_string_value(json_object_get(j, "name")), name) != 0) {
                char q[68];

                return berth_error_set(
                        err, EINVAL, "%s: name '%s' does not match its directory '%s'", path,
                        quotable(json_string_value(json_object_get(j, "name")), q, sizeof(q)),
                        name);
        }
        if (!json_is_string(json_object_get(j, "description")))
                return berth_error_set(err, EINVAL, "%s: 'description' must be a string", path);
        if (!json_is_string(json_object_get(j, "version")))
                return berth_error_set(err, EINVAL,
                                       "%s: 'version' must be a string (quote it in YAML: "
                                       "\"1.0\")",
                                       path);
        if (!is_string_array(json_object_get(j, "images")))
                return berth_error_set(err, EINVAL, "%s: 'images' must be a list of strings", path);
        services = json_object_get(j, "services");
        if (!json_is_array(services) || json_array_size(services) == 0)
                return berth_error_set(err, EINVAL,
                                       "%s: 'services' must be a non-empty list of "
                                       "{service_name, service_config}",
                                       path);
        seen = json_object();
        if (!seen)
                return berth_error_set(err, ENOMEM, "%s: out of memory", path);
        json_array_foreach (services, i, s) {
                r = check_service(s, i, seen, path, err);
                if (r < 0)
                        return r;
        }

        out = json_object();
        if (!out)
                return berth_error_set(err, ENOMEM, "%s: out of memory", path);
        for (const char *const *k = keys; *k; k++)
                if (json_object_set(out, *k, json_object_get(j, *k)) < 0)
                        return berth_error_set(err, ENOMEM, "%s: out of memory", path);
        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- the calls ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Does the catalogue entry look like a recipe: a directory (not a link) with one of
 * recipe_files (a regular file)? Its content is checked when it is read. */
static bool is_recipe_dir(int cat_fd, const char *name)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = openat(cat_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(recipe_files); i++)
                if (fstatat(fd, recipe_files[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISREG(st.st_mode))
                        return true;
        return false;
}

int pod_recipes_list(const char *dir, json_t **ret, struct berth_error *err)
{
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        json_auto_t *a = NULL;
        struct dirent *de;
        int fd, r;

        a = json_array();
        if (!a)
                return berth_error_set(err, ENOMEM, "list recipes: out of memory");
        fd = open_catalogue(dir, err);
        if (fd == -ENOENT && berth_error_code(err) == 0) {
                *ret = TAKE_PTR(a);
                return 0;
        }
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                r = berth_error_set_errno(err, errno, "read recipe catalogue '%s'", dir);
                (void)close(fd);
                return r;
        }
        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return berth_error_set_errno(err, errno,
                                                             "read recipe catalogue '%s'", dir);
                        break;
                }
                if (!recipe_name_valid(de->d_name) || !is_recipe_dir(dirfd(d), de->d_name))
                        continue;
                if (strv_extend(&names, de->d_name) < 0)
                        return berth_error_set(err, ENOMEM, "list recipes: out of memory");
        }
        if (names)
                qsort(names, strv_length(names), sizeof(char *), cmp_str);
        STRV_FOREACH (n, names)
                if (json_array_append_new(a, json_string(*n)) < 0)
                        return berth_error_set(err, ENOMEM, "list recipes: out of memory");
        *ret = TAKE_PTR(a);
        return 0;
}

int pod_recipe_get(const char *dir, const char *name, json_t **ret, struct berth_error *err)
{
        _cleanup_close_ int cat_fd = -EBADF, rdir_fd = -EBADF;
        _cleanup_free_ char *buf = NULL, *path = NULL;
        json_auto_t *j = NULL;
        size_t len = 0;
        int r, i;

        r = check_recipe_name(name, err);
        if (r < 0)
                return r;
        cat_fd = open_catalogue(dir, err);
        if (cat_fd == -ENOENT && berth_error_code(err) == 0)
                return berth_error_set(
                        err, ENOENT, "no recipe '%s': the catalogue %s does not exist", name, dir);
        if (cat_fd < 0)
                return cat_fd;
        rdir_fd = open_recipe_dir(cat_fd, dir, name, err);
        if (rdir_fd < 0)
                return rdir_fd;
        i = find_recipe_file(rdir_fd, dir, name, err);
        if (i == -ENOENT)
                return berth_error_set(err, ENOENT, "no recipe '%s' in %s: %s/ has no %s", name,
                                       dir, name, "recipe.yml, recipe.yaml or recipe.json");
        if (i < 0)
                return i;
        /* For messages only: nothing is opened by this path. */
        if (asprintf(&path, "%s/%s/%s", dir, name, recipe_files[i]) < 0) {
                path = NULL;
                return berth_error_set(err, ENOMEM, "read recipe '%s': out of memory", name);
        }
        r = read_recipe_file(rdir_fd, recipe_files[i], path, &buf, &len, err);
        if (r < 0)
                return r;
        r = parse_recipe(recipe_files[i], path, buf, len, &j, err);
        if (r < 0)
                return r;
        return check_recipe(j, name, path, ret, err);
}

/* A service's build context as written (build: "ctx" or build: {context: "ctx"}), or
 * NULL. */
static const char *build_context(json_t *cfg)
{
        json_t *b = json_object_get(cfg, "build");

        if (json_is_object(b))
                b = json_object_get(b, "context");
        return json_string_value(b);
}

/* Contexts equal but for "./" in front and "/" at the end. */
static bool same_context(const char *a, const char *b)
{
        size_t la, lb;

        while (a[0] == '.' && a[1] == '/')
                a += 2;
        while (b[0] == '.' && b[1] == '/')
                b += 2;
        la = strlen(a);
        lb = strlen(b);
        while (la > 1 && a[la - 1] == '/')
                la--;
        while (lb > 1 && b[lb - 1] == '/')
                lb--;
        return la == lb && strncmp(a, b, la) == 0;
}

/* Does services (an object, or anything else: no) have cfg's service already, under any
 * name: one that runs the same image, or builds the same context? A client that made
 * fileContents from a recipe may have renamed its service (the seed's "my-website",
 * built from static_site/image/, with "recipes": ["static_site"]); adding the recipe's
 * service again would run the site twice, on the same port. */
static bool has_copy(json_t *services, json_t *cfg)
{
        const char *img = json_string_value(json_object_get(cfg, "image"));
        const char *ctx = build_context(cfg);
        const char *k;
        json_t *v;

        json_object_foreach (services, k, v) {
                const char *vimg = json_string_value(json_object_get(v, "image"));
                const char *vctx = build_context(v);

                if ((img && vimg && strcmp(img, vimg) == 0) ||
                    (ctx && vctx && same_context(ctx, vctx)))
                        return true;
        }
        return false;
}

int pod_recipes_merge(const char *dir, json_t *recipes, json_t *file_contents,
                      struct berth_error *err)
{
        json_auto_t *add = NULL;
        json_t *services, *v;
        const char *k;
        size_t i;
        json_t *rn;
        int r;

        if (!recipes || json_is_null(recipes))
                return 0;
        if (!json_is_array(recipes))
                return berth_error_set(err, EINVAL, "'recipes' must be a list of recipe names");
        if (!json_is_object(file_contents))
                return berth_error_set(err, EINVAL, "'fileContents' must be a mapping");
        services = json_object_get(file_contents, "services");
        if (services && !json_is_null(services) && !json_is_object(services))
                return berth_error_set(err, EINVAL,
                                       "'fileContents.services' must be a mapping of service "
                                       "names to services");

        /* Everything is read and checked before the document changes: a recipe that
         * fails leaves it as it was. */
        add = json_object();
        if (!add)
                return berth_error_set(err, ENOMEM, "merge recipes: out of memory");
        json_array_foreach (recipes, i, rn) {
                json_auto_t *recipe = NULL, *mine = NULL;
                json_t *s;
                size_t si;

                if (!json_is_string(rn))
                        return berth_error_set(err, EINVAL,
                                               "'recipes' must be a list of recipe names: "
                                               "item %zu is not a string",
                                               i);
                r = pod_recipe_get(dir, json_string_value(rn), &recipe, err);
                if (r < 0)
                        return r;
                mine = json_object();
                if (!mine)
                        return berth_error_set(err, ENOMEM, "merge recipes: out of memory");
                json_array_foreach (json_object_get(recipe, "services"), si, s) {
                        const char *sname = json_string_value(json_object_get(s, "service_name"));
                        json_t *cfg = json_object_get(s, "service_config");

                        /* The document's own service wins, then the first recipe's;
                         * by name, or as a copy under another name. */
                        if (json_object_get(services, sname) || json_object_get(add, sname) ||
                            has_copy(services, cfg) || has_copy(add, cfg))
                                continue;
                        if (json_object_set(mine, sname, cfg) < 0)
                                return berth_error_set(err, ENOMEM, "merge recipes: out of memory");
                }
                if (json_object_update(add, mine) < 0)
                        return berth_error_set(err, ENOMEM, "merge recipes: out of memory");
        }
        if (json_object_size(add) == 0)
                return 0;
        if (!json_is_object(services)) {
                if (json_object_set_new(file_contents, "services", json_object()) < 0)
                        return berth_error_set(err, ENOMEM, "merge recipes: out of memory");
                services = json_object_get(file_contents, "services");
        }
        json_object_foreach (add, k, v)
                if (json_object_set(services, k, v) < 0)
                        return berth_error_set(err, ENOMEM, "merge recipes: out of memory");
        return 0;
}
