/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "macro.h"
#include "mountopts.h"
#include "strv.h"

static const char *const refused[] = {
        "bind",        "rbind",   "move",   "remount",   "rec",           "shared",
        "rshared",     "slave",   "rslave", "private",   "rprivate",      "unbindable",
        "runbindable", "loop",    "offset", "sizelimit", "encryption",    "user",
        "users",       "nouser",  "owner",  "group",     "helper",        "auto",
        "noauto",      "_netdev", "nofail", "comment",   "X-mount.mkdir",
};

static bool option_refused(const char *opt)
{
        size_t klen = strcspn(opt, "=");

        if (strncmp(opt, "x-", 2) == 0 || strncmp(opt, "X-", 2) == 0)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                if (strlen(refused[i]) == klen && strncmp(opt, refused[i], klen) == 0)
                        return true;
        return false;
}

static bool option_chars_ok(const char *opt)
{
        static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789_.:/=+@-";
        return strspn(opt, allowed) == strlen(opt);
}

static int add_one(char ***out, const char *opt, size_t len, bool *ro, bool *dev,
                   struct berth_error *err)
{
        _cleanup_free_ char *o = strndup(opt, len);

        if (!o)
                return -ENOMEM;
        if (len == 0)
                return berth_error_set(err, EINVAL, "mount_options: empty option");
        if (len > MOUNTOPT_LEN_MAX)
                return berth_error_set(err, EINVAL, "mount_options: option longer than %d bytes",
                                       MOUNTOPT_LEN_MAX);
        if (!option_chars_ok(o))
                return berth_error_set(err, EINVAL,
                                       "mount_options: '%.64s' has characters outside "
                                       "[A-Za-z0-9_.:/=+@-]",
                                       o);
        if (o[0] == '=' || option_refused(o))
                return berth_error_set(err, EINVAL,
                                       "mount_options: '%.64s' is not allowed (berth chooses the "
                                       "mount type, propagation and loop devices itself)",
                                       o);
        if (streq(o, "ro") || streq(o, "rdonly")) {
                *ro = true;
                return 0;
        }
        if (streq(o, "rw")) {
                *ro = false;
                return 0;
        }
        if (streq(o, "dev") || streq(o, "nodev")) {
                *dev = streq(o, "dev");
                return 0;
        }
        if (strv_length(*out) >= MOUNTOPTS_MAX)
                return berth_error_set(err, EINVAL, "mount_options: more than %d options",
                                       MOUNTOPTS_MAX);
        return strv_consume(out, TAKE_PTR(o));
}

int mountopts_normalize(char *const *opts, char **ret_joined, bool *ret_ro, struct berth_error *err)
{
        _cleanup_strv_free_ char **out = NULL;
        bool ro = false, dev = false;
        char *joined;
        int r;

        out = calloc(1, sizeof(char *));
        if (!out)
                return -ENOMEM;
        if (strv_length(opts) > MOUNTOPTS_MAX)
                return berth_error_set(err, EINVAL, "mount_options: more than %d entries",
                                       MOUNTOPTS_MAX);
        STRV_FOREACH (o, opts) {
                const char *p = *o;

                for (;;) {
                        size_t n = strcspn(p, ",");

                        r = add_one(&out, p, n, &ro, &dev, err);
                        if (r < 0)
                                return r;
                        if (!p[n])
                                break;
                        p += n + 1;
                }
        }
        if (ro) {
                r = strv_extend(&out, "ro");
                if (r < 0)
                        return r;
        }
        /* Device nodes in an image work only when asked for: a container that finds
         * (or, with CAP_MKNOD, makes) one there must not reach the host's devices. */
        if (!dev) {
                r = strv_extend(&out, "nodev");
                if (r < 0)
                        return r;
        }
        joined = strv_join(out, ",");
        if (!joined)
                return -ENOMEM;
        *ret_joined = joined;
        *ret_ro = ro;
        return 0;
}

bool fstype_is_valid(const char *s)
{
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._+-") == n;
}

bool fstype_is_read_only(const char *s)
{
        static const char *const ro_fs[] = { "squashfs", "erofs", "iso9660", "cramfs" };

        for (size_t i = 0; i < ELEMENTSOF(ro_fs); i++)
                if (streq_ptr(s, ro_fs[i]))
                        return true;
        return false;
}
