/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "src-names.h"

/* Docker's limits (distribution/reference): a name of at most 255 characters, a tag of
 * at most 128; the whole reference is bounded so that messages and copies stay small. */
#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128
#define REF_MAX_LEN 1024

/* s quoted for a message: printable ASCII as is, anything else as \xNN, at most 48
 * characters of s. */
static const char *q(char *buf, size_t size, const char *s)
{
        size_t n = 0, i;

        for (i = 0; s && s[i] && n + 8 < size; i++) {
                unsigned char c = (unsigned char)s[i];

                if (i == 48) {
                        n += (size_t)snprintf(buf + n, size - n, "...");
                        break;
                }
                if (c >= 0x20 && c < 0x7f && c != '\\')
                        buf[n++] = (char)c;
                else
                        n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
        }
        buf[n] = 0;
        return buf;
}
#define Q(s) q((char[256]){}, 256, (s))
#define QC(ch) q((char[256]){}, 256, (char[2]){ (ch), 0 })

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* A repository path component: [a-z0-9]+ joined by '.', '_', "__" or any run of '-'. */
static int path_component_check(const char *s, size_t len, const char *what,
                                struct berth_error *err)
{
        _cleanup_free_ char *c = strndup(s, len);
        size_t i = 0;

        if (!c)
                return -ENOMEM;
        if (len == 0)
                return berth_error_set(err, EINVAL, "%s has an empty path component", what);
        for (i = 0; i < len; i++)
                if (c[i] >= 'A' && c[i] <= 'Z')
                        return berth_error_set(err, EINVAL,
                                               "%s: repository name '%s' must be lowercase", what,
                                               Q(c));
        for (i = 0; i < len;) {
                size_t run = 0;

                if (!is_lower_alnum(c[i]))
                        return berth_error_set(
                                err, EINVAL,
                                "%s: path component '%s' must start and end with [a-z0-9] and "
                                "join them only with '.', '_', '__' or dashes",
                                what, Q(c));
                while (i < len && is_lower_alnum(c[i]))
                        i++;
                if (i == len)
                        break;
                while (i + run < len && c[i + run] == '-')
                        run++;
                if (run == 0) {
                        if (c[i] == '.' || c[i] == '_')
                                run = (c[i] == '_' && i + 1 < len && c[i + 1] == '_') ? 2 : 1;
                        else
                                return berth_error_set(err, EINVAL,
                                                       "%s: path component '%s' has '%s'", what,
                                                       Q(c), QC(c[i]));
                }
                i += run;
                if (i == len)
                        return berth_error_set(err, EINVAL,
                                               "%s: path component '%s' must end with [a-z0-9]",
                                               what, Q(c));
        }
        return 0;
}

/* host[:port]: host components [a-zA-Z0-9] or [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9],
 * joined by '.'. */
static int domain_check(const char *s, size_t len, const char *what, struct berth_error *err)
{
        _cleanup_free_ char *d = strndup(s, len);
        char *colon, *p;

        if (!d)
                return -ENOMEM;
        colon = strchr(d, ':');
        if (colon) {
                *colon = 0;
                if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
                    strlen(colon + 1) > 5)
                        return berth_error_set(err, EINVAL,
                                               "%s: registry port '%s' is not a number", what,
                                               Q(colon + 1));
        }
        for (p = d;;) {
                size_t n = strcspn(p, ".");

                if (n == 0 || !is_alnum(p[0]) || !is_alnum(p[n - 1]))
                        return berth_error_set(err, EINVAL, "%s: registry host '%s' is not valid",
                                               what, Q(d));
                for (size_t i = 0; i < n; i++)
                        if (!is_alnum(p[i]) && p[i] != '-')
                                return berth_error_set(err, EINVAL,
                                                       "%s: registry host '%s' is not valid", what,
                                                       Q(d));
                if (!p[n])
                        break;
                p += n + 1;
        }
        return 0;
}

static int tag_check(const char *t, const char *what, struct berth_error *err)
{
        size_t n = strlen(t);

        if (n == 0)
                return berth_error_set(err, EINVAL, "%s: the tag after ':' is empty", what);
        if (n > TAG_MAX_LEN)
                return berth_error_set(err, EINVAL, "%s: the tag is longer than %d characters",
                                       what, TAG_MAX_LEN);
        if (!(is_alnum(t[0]) || t[0] == '_'))
                return berth_error_set(err, EINVAL, "%s: tag '%s' must start with [A-Za-z0-9_]",
                                       what, Q(t));
        for (size_t i = 1; i < n; i++)
                if (!is_alnum(t[i]) && !strchr("_.-", t[i]))
                        return berth_error_set(err, EINVAL,
                                               "%s: tag '%s' may hold only [A-Za-z0-9_.-]", what,
                                               Q(t));
        return 0;
}

/* algorithm:hex, algorithm [A-Za-z][A-Za-z0-9]* joined by [-_+.], hex at least 32. */
static int digest_check(const char *d, const char *what, struct berth_error *err)
{
        const char *colon = strchr(d, ':');
        size_t i;
        bool start = true;

        if (!colon || colon == d)
                return berth_error_set(err, EINVAL, "%s: digest '%s' is not algorithm:hex", what,
                                       Q(d));
        for (i = 0; d + i < colon; i++) {
                char c = d[i];
                bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

                if (start ? !letter : !(is_alnum(c) || strchr("-_+.", c)))
                        return berth_error_set(err, EINVAL,
                                               "%s: digest algorithm in '%s' is not valid", what,
                                               Q(d));
                start = strchr("-_+.", c) != NULL;
        }
        if (start)
                return berth_error_set(err, EINVAL, "%s: digest algorithm in '%s' is not valid",
                                       what, Q(d));
        if (strlen(colon + 1) < 32 ||
            strspn(colon + 1, "0123456789abcdefABCDEF") != strlen(colon + 1))
                return berth_error_set(err, EINVAL,
                                       "%s: digest '%s' needs at least 32 hex digits after ':'",
                                       what, Q(d));
        return 0;
}

struct ref {
        size_t name_len;   /* [domain/]path */
        size_t path_start; /* where the path begins (after domain/) */
        const char *tag;   /* NULL: none */
        const char *digest;
};

static int ref_parse(const char *ref, struct ref *ret, struct berth_error *err)
{
        _cleanup_free_ char *copy = NULL;
        const char *what = "image reference";
        struct ref r = {};
        char *at, *slash, *colon, *p;
        int k;

        if (!ref || !*ref)
                return berth_error_set(err, EINVAL, "the image reference is empty");
        if (strlen(ref) > REF_MAX_LEN)
                return berth_error_set(err, EINVAL, "the image reference is longer than %d bytes",
                                       REF_MAX_LEN);
        for (p = (char *)ref; *p; p++)
                if (!is_alnum(*p) && !strchr("._-:/@+", *p))
                        return berth_error_set(err, EINVAL,
                                               "image reference '%s' has '%s', which no image "
                                               "reference may hold",
                                               Q(ref), QC(*p));
        copy = strdup(ref);
        if (!copy)
                return -ENOMEM;
        at = strchr(copy, '@');
        if (at) {
                *at = 0;
                if (strchr(at + 1, '@'))
                        return berth_error_set(err, EINVAL, "image reference '%s' has two '@'",
                                               Q(ref));
                k = digest_check(at + 1, what, err);
                if (k < 0)
                        return k;
                r.digest = ref + (at + 1 - copy);
        }
        slash = strrchr(copy, '/');
        colon = strrchr(slash ? slash : copy, ':');
        if (colon) {
                *colon = 0;
                k = tag_check(colon + 1, what, err);
                if (k < 0)
                        return k;
                r.tag = ref + (colon + 1 - copy);
        }
        r.name_len = strlen(copy);
        if (r.name_len == 0)
                return berth_error_set(err, EINVAL, "image reference '%s' has no repository name",
                                       Q(ref));
        if (r.name_len > NAME_MAX_LEN)
                return berth_error_set(err, EINVAL,
                                       "the repository name is longer than %d characters",
                                       NAME_MAX_LEN);
        /* The first component is a registry when more follow and it looks like a host. */
        slash = strchr(copy, '/');
        if (slash) {
                size_t n = (size_t)(slash - copy);
                _cleanup_free_ char *first = strndup(copy, n);

                if (!first)
                        return -ENOMEM;
                if (strpbrk(first, ".:") || streq(first, "localhost") ||
                    strpbrk(first, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
                        k = domain_check(copy, n, what, err);
                        if (k < 0)
                                return k;
                        r.path_start = n + 1;
                }
        }
        for (p = copy + r.path_start;;) {
                size_t n = strcspn(p, "/");

                k = path_component_check(p, n, what, err);
                if (k < 0)
                        return k;
                if (!p[n])
                        break;
                p += n + 1;
        }
        *ret = r;
        return 0;
}

int src_ref_validate(const char *ref, struct berth_error *err)
{
        struct ref r;

        return ref_parse(ref, &r, err);
}

int src_image_base(const char *ref, char **ret, struct berth_error *err)
{
        const char *last, *p;
        struct ref r;
        char *s;
        int k;

        k = ref_parse(ref, &r, err);
        if (k < 0)
                return k;
        last = ref + r.path_start;
        for (p = last; p < ref + r.name_len; p++)
                if (*p == '/')
                        last = p + 1;
        s = strndup(last, (size_t)(ref + r.name_len - last));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int src_image_with_tag(const char *ref, char **ret, struct berth_error *err)
{
        struct ref r;
        char *s;
        int k;

        k = ref_parse(ref, &r, err);
        if (k < 0)
                return k;
        if (r.tag || r.digest)
                s = strdup(ref);
        else if (asprintf(&s, "%s:latest", ref) < 0)
                s = NULL;
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int src_user_valid(const char *user, struct berth_error *err)
{
        size_t n, i;

        if (!user || !*user)
                return berth_error_set(err, EINVAL, "the user name is empty: " SRC_USER_RULE);
        n = strlen(user);
        if (n > SRC_USER_MAX)
                return berth_error_set(err, EINVAL,
                                       "user name '%s' is %zu characters long: " SRC_USER_RULE,
                                       Q(user), n);
        if (user[0] == '-')
                return berth_error_set(
                        err, EINVAL, "user name '%s' starts with a dash: " SRC_USER_RULE, Q(user));
        for (i = 0; i < n; i++)
                if (!is_alnum(user[i]) && user[i] != '-' && user[i] != '_')
                        return berth_error_set(err, EINVAL,
                                               "user name '%s' has '%s': " SRC_USER_RULE, Q(user),
                                               QC(user[i]));
        if (strstr(user, "--"))
                return berth_error_set(err, EINVAL,
                                       "user name '%s' has a double dash: " SRC_USER_RULE, Q(user));
        return 0;
}

/* Docker's container names: ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$ */
static bool container_name_ok(const char *s)
{
        if (!is_alnum(s[0]) || !s[1])
                return false;
        for (s++; *s; s++)
                if (!is_alnum(*s) && !strchr("_.-", *s))
                        return false;
        return true;
}

int src_app_name(const char *image_ref, const char *user, char **ret, struct berth_error *err)
{
        _cleanup_free_ char *base = NULL;
        char *s;
        int k;

        k = src_image_base(image_ref, &base, err);
        if (k < 0)
                return k;
        k = src_user_valid(user, err);
        if (k < 0)
                return k;
        if (asprintf(&s, "%s--%s", base, user) < 0)
                return -ENOMEM;
        if (!container_name_ok(s)) {
                free(s);
                return berth_error_set(err, EINVAL, "app name '%s' is not a valid container name",
                                       Q(s));
        }
        *ret = s;
        return 0;
}

int src_app_split(const char *name, char **ret_image, char **ret_user, struct berth_error *err)
{
        _cleanup_free_ char *image = NULL, *user = NULL;
        const char *sep = NULL, *p;
        int k;

        if (!name || !*name)
                return berth_error_set(err, EINVAL, "the app name is empty");
        if (strlen(name) > NAME_MAX_LEN + 2 + SRC_USER_MAX)
                return berth_error_set(err, EINVAL, "app name '%s' is too long", Q(name));
        if (!container_name_ok(name))
                return berth_error_set(err, EINVAL,
                                       "app name '%s' is not a container name "
                                       "([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                                       Q(name));
        /* USER has no "--": it starts after the last one. */
        for (p = strstr(name, "--"); p; p = strstr(p + 1, "--"))
                sep = p;
        if (!sep)
                return berth_error_set(err, EINVAL,
                                       "app name '%s' is not IMAGE--USER (no '--' in it)", Q(name));
        image = strndup(name, (size_t)(sep - name));
        user = strdup(sep + 2);
        if (!image || !user)
                return -ENOMEM;
        k = path_component_check(image, strlen(image), "app name's image", err);
        if (k < 0)
                return berth_error_prefix(err, "app name '%s'", Q(name));
        k = src_user_valid(user, err);
        if (k < 0)
                return berth_error_prefix(err, "app name '%s'", Q(name));
        if (ret_image)
                *ret_image = TAKE_PTR(image);
        if (ret_user)
                *ret_user = TAKE_PTR(user);
        return 0;
}
