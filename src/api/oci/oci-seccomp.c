/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An OCI seccomp object as a custom filter (oci-seccomp.h). Pure but for compiling the
 * result once with libseccomp. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "jdec.h"
#include "macro.h"
#include "oci-seccomp.h"
#include "oci-util.h"
#include "seccomp-rules.h"
#include "strv.h"

#define FIELD_MAX JDEC_PATH_MAX
#define NAME_MAX_LEN 128
#define ERRNO_MAX 4095 /* the kernel's MAX_ERRNO */

static const struct {
        const char *name;
        uint32_t action;
        bool data; /* takes errnoRet */
} actions[] = {
        { "SCMP_ACT_KILL", SCMP_ACT_KILL },
        { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
        { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
        { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
        { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true },
        { "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true },
        { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
        { "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

static const struct {
        const char *name;
        enum scmp_compare op;
} ops[] = {
        { "SCMP_CMP_NE", SCMP_CMP_NE },
        { "SCMP_CMP_LT", SCMP_CMP_LT },
        { "SCMP_CMP_LE", SCMP_CMP_LE },
        { "SCMP_CMP_EQ", SCMP_CMP_EQ },
        { "SCMP_CMP_GE", SCMP_CMP_GE },
        { "SCMP_CMP_GT", SCMP_CMP_GT },
        { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* o[key] (an action) and o[errno_key] (its errno or trace data) as one libseccomp action. */
static int decode_action(json_t *o, const char *prefix, const char *key, const char *errno_key,
                         uint32_t *ret, struct berth_error *err)
{
        char p[FIELD_MAX], q[FIELD_MAX];
        int64_t data = EPERM;
        const char *a;
        size_t i;
        int r;

        r = oci_get_str(o, prefix, key, true, &a, err);
        if (r < 0)
                return r;
        jdec_join(p, prefix, key);
        jdec_join(q, prefix, errno_key);
        if (streq(a, "SCMP_ACT_NOTIFY"))
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s 'SCMP_ACT_NOTIFY': not supported: berth has no "
                                       "seccomp notify listener",
                                       p);
        for (i = 0; i < ELEMENTSOF(actions) && !streq(actions[i].name, a); i++)
                ;
        if (i == ELEMENTSOF(actions))
                return berth_error_set(
                        err, EINVAL,
                        "%s '%.64s' is not an action (SCMP_ACT_KILL, "
                        "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, "
                        "SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG)",
                        p, a);
        if (!actions[i].data && jdec_has(o, errno_key))
                return berth_error_set(err, EINVAL,
                                       "%s goes with SCMP_ACT_ERRNO or SCMP_ACT_TRACE only, not %s",
                                       q, a);
        r = oci_get_int(o, prefix, errno_key, 0,
                        actions[i].action == SCMP_ACT_TRACE(0) ? 0xffff : ERRNO_MAX, &data, err);
        if (r < 0)
                return r;
        *ret = actions[i].data ? actions[i].action | (uint32_t)data : actions[i].action;
        return 0;
}

/* SCMP_ARCH_X86_64 -> "x86_64" -> libseccomp's token. */
static int decode_arches(json_t *s, const char *prefix, json_t *out, struct berth_error *err)
{
        static const char pre[] = "SCMP_ARCH_";
        char p[FIELD_MAX], q[FIELD_MAX];
        json_t *a, *v;
        size_t i;
        int r;

        r = oci_get_array(s, prefix, "architectures", &a, err);
        if (r < 0)
                return r;
        jdec_join(p, prefix, "architectures");
        json_array_foreach (a, i, v) {
                const char *name = oci_json_str(v);
                char lower[32] = "";
                uint32_t token = 0;

                if (!name)
                        return berth_error_set(err, EINVAL, "%s must be a string",
                                               oci_idx_path(q, p, i));
                if (strncmp(name, pre, strlen(pre)) == 0 &&
                    strlen(name + strlen(pre)) < sizeof(lower)) {
                        for (size_t k = 0; name[strlen(pre) + k]; k++)
                                lower[k] = (char)tolower((unsigned char)name[strlen(pre) + k]);
                        token = *lower ? seccomp_arch_resolve_name(lower) : 0;
                }
                if (token == 0)
                        return berth_error_set(err, EINVAL,
                                               "%s '%.64s' is not an architecture libseccomp knows "
                                               "(SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, …)",
                                               oci_idx_path(q, p, i), name);
                if (json_array_append_new(out, json_integer(token)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int decode_flags(json_t *s, const char *prefix, struct berth_error *err)
{
        static const char *const refused[] = { "SECCOMP_FILTER_FLAG_LOG",
                                               "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                               "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
                                               "SECCOMP_FILTER_FLAG_NEW_LISTENER", NULL };
        char p[FIELD_MAX], q[FIELD_MAX];
        json_t *a, *v;
        size_t i;
        int r;

        r = oci_get_array(s, prefix, "flags", &a, err);
        if (r < 0)
                return r;
        jdec_join(p, prefix, "flags");
        json_array_foreach (a, i, v) {
                const char *f = oci_json_str(v);

                oci_idx_path(q, p, i);
                if (!f)
                        return berth_error_set(err, EINVAL, "%s must be a string", q);
                /* The payload installs the filter while it is its only thread. */
                if (streq(f, "SECCOMP_FILTER_FLAG_TSYNC"))
                        continue;
                if (strv_contains((char *const *)refused, f))
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s '%s': not supported yet: berth-init installs "
                                               "the filter without flags",
                                               q, f);
                return berth_error_set(err, EINVAL, "%s '%.64s' is not a seccomp filter flag", q,
                                       f);
        }
        return 0;
}

static int decode_arg(json_t *v, const char *p, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
        int64_t index = -1, value = -1, two = 0;
        char q[FIELD_MAX];
        const char *op;
        size_t i;
        int r;

        r = jdec_object(v, p, keys, err);
        if (r >= 0)
                r = oci_get_int(v, p, "index", 0, 5, &index, err);
        if (r >= 0 && index < 0)
                r = berth_error_set(err, EINVAL, "%s is required", jdec_join(q, p, "index"));
        if (r >= 0)
                r = oci_get_int(v, p, "value", 0, INT64_MAX, &value, err);
        if (r >= 0 && value < 0)
                r = berth_error_set(err, EINVAL, "%s is required", jdec_join(q, p, "value"));
        if (r >= 0)
                r = oci_get_int(v, p, "valueTwo", 0, INT64_MAX, &two, err);
        if (r >= 0)
                r = oci_get_str(v, p, "op", true, &op, err);
        if (r < 0)
                return r;
        for (i = 0; i < ELEMENTSOF(ops) && !streq(ops[i].name, op); i++)
                ;
        if (i == ELEMENTSOF(ops))
                return berth_error_set(err, EINVAL,
                                       "%s '%.64s' is not a comparison (SCMP_CMP_NE, SCMP_CMP_LT, "
                                       "SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, "
                                       "SCMP_CMP_MASKED_EQ)",
                                       jdec_join(q, p, "op"), op);
        *ret = json_pack("{s:I, s:I, s:I, s:i}", "index", (json_int_t)index, "value",
                         (json_int_t)value, "valueTwo", (json_int_t)two, "op", (int)ops[i].op);
        return *ret ? 0 : -ENOMEM;
}

static int decode_names(json_t *sys, const char *p, size_t *n_names, json_t **ret,
                        struct berth_error *err)
{
        char q[FIELD_MAX], t[FIELD_MAX];
        json_t *a, *v;
        size_t i;
        int r;

        r = oci_get_array(sys, p, "names", &a, err);
        if (r < 0)
                return r;
        jdec_join(q, p, "names");
        if (json_array_size(a) == 0)
                return berth_error_set(err, EINVAL, "%s is required and must not be empty", q);
        *n_names += json_array_size(a);
        if (*n_names > BERTH_SECCOMP_RULES_NAMES_MAX)
                return berth_error_set(err, EINVAL, "%s: more than %d names in all", q,
                                       BERTH_SECCOMP_RULES_NAMES_MAX);
        json_array_foreach (a, i, v) {
                const char *name = oci_json_str(v);

                if (!name || !*name || strlen(name) > NAME_MAX_LEN)
                        return berth_error_set(err, EINVAL,
                                               "%s must be a non-empty string of at most %d bytes",
                                               oci_idx_path(t, q, i), NAME_MAX_LEN);
        }
        *ret = json_incref(a);
        return 0;
}

static int decode_syscall(json_t *sys, const char *p, size_t *n_names, json_t *out,
                          struct berth_error *err)
{
        static const char *const keys[] = { "names", "action", "errnoRet", "args", NULL };
        json_auto_t *names = NULL, *args = json_array();
        char q[FIELD_MAX], t[FIELD_MAX];
        uint32_t action;
        json_t *a, *v;
        size_t i;
        int r;

        if (!args)
                return -ENOMEM;
        r = jdec_object(sys, p, keys, err);
        if (r >= 0)
                r = decode_names(sys, p, n_names, &names, err);
        if (r >= 0)
                r = decode_action(sys, p, "action", "errnoRet", &action, err);
        if (r >= 0)
                r = oci_get_array(sys, p, "args", &a, err);
        if (r < 0)
                return r;
        jdec_join(q, p, "args");
        if (json_array_size(a) > BERTH_SECCOMP_RULES_ARGS_MAX)
                return berth_error_set(err, EINVAL, "%s: more than %d comparisons", q,
                                       BERTH_SECCOMP_RULES_ARGS_MAX);
        json_array_foreach (a, i, v) {
                json_t *arg = NULL;

                r = decode_arg(v, oci_idx_path(t, q, i), &arg, err);
                if (r < 0)
                        return r;
                if (json_array_append_new(args, arg) < 0)
                        return -ENOMEM;
        }
        return json_array_append_new(out, json_pack("{s:O, s:I, s:O}", "names", names, "action",
                                                    (json_int_t)action, "args", args)) < 0
                       ? -ENOMEM
                       : 0;
}

static int decode_syscalls(json_t *s, const char *prefix, json_t *out, struct berth_error *err)
{
        char p[FIELD_MAX], q[FIELD_MAX];
        size_t i, n_names = 0;
        json_t *a, *v;
        int r;

        r = oci_get_array(s, prefix, "syscalls", &a, err);
        if (r < 0)
                return r;
        jdec_join(p, prefix, "syscalls");
        if (json_array_size(a) > BERTH_SECCOMP_RULES_SYSCALLS_MAX)
                return berth_error_set(err, EINVAL, "%s: more than %d entries", p,
                                       BERTH_SECCOMP_RULES_SYSCALLS_MAX);
        json_array_foreach (a, i, v) {
                r = decode_syscall(v, oci_idx_path(q, p, i), &n_names, out, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int decode_listener(json_t *s, const char *prefix, struct berth_error *err)
{
        static const char *const keys[] = { "listenerPath", "listenerMetadata" };
        char p[FIELD_MAX];

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_t *v = json_object_get(s, keys[i]);

                if (v && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0))
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s: not supported: berth has no seccomp notify "
                                               "listener",
                                               jdec_join(p, prefix, keys[i]));
        }
        return 0;
}

/* What libseccomp refused, or a program too long, is the request's fault: -EINVAL (only
 * running out of memory or of file descriptors is not). */
static int compile_error(int r, struct berth_error *err)
{
        char msg[BERTH_ERROR_MSG_MAX];

        if (r == -ENOMEM || r == -EMFILE || r == -ENFILE || !err)
                return r;
        (void)snprintf(msg, sizeof(msg), "%s", err->msg);
        return berth_error_set(err, EINVAL, "%s", msg);
}

int oci_seccomp_translate(json_t *s, const char *prefix, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "defaultAction", "defaultErrnoRet",
                                            "architectures", "flags",
                                            "listenerPath",  "listenerMetadata",
                                            "syscalls",      NULL };
        json_auto_t *arches = json_array(), *syscalls = json_array(), *rules = NULL;
        uint32_t def;
        int r, fd;

        *ret = NULL;
        if (!s || json_is_null(s))
                return 0;
        if (!arches || !syscalls)
                return -ENOMEM;
        r = jdec_object(s, prefix, keys, err);
        if (r >= 0)
                r = decode_listener(s, prefix, err);
        if (r >= 0)
                r = decode_action(s, prefix, "defaultAction", "defaultErrnoRet", &def, err);
        if (r >= 0)
                r = decode_arches(s, prefix, arches, err);
        if (r >= 0)
                r = decode_flags(s, prefix, err);
        if (r >= 0)
                r = decode_syscalls(s, prefix, syscalls, err);
        if (r < 0)
                return r;
        rules = json_pack("{s:I, s:O, s:O}", "defaultAction", (json_int_t)def, "architectures",
                          arches, "syscalls", syscalls);
        if (!rules)
                return -ENOMEM;
        /* Once now, so that a set libseccomp refuses is refused before anything exists. */
        fd = berth_seccomp_rules_build(rules, prefix, err);
        if (fd < 0)
                return compile_error(fd, err);
        (void)close(fd);
        *ret = TAKE_PTR(rules);
        return 0;
}
