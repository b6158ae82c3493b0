/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * executeCommand (and execCommand): crun exec's options that make sense here, the
 * timeout, and the output and exit code of the command run in the container.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "dobby-root.h"
#include "dobby-spec.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "jdec.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "oci-nat.h"
#include "oci-util.h"
#include "oci-exec.h"
#include "store.h"
#include "strv.h"

/* ---- executeCommand ------------------------------------------------------------------ */

struct exec_req {
        char **args;
        char **env;
        const char *cwd;
        bool user_set;
        uid_t uid;
        gid_t gid;
};

static void exec_req_done(struct exec_req *x)
{
        strv_free(x->args);
        strv_free(x->env);
}

static int parse_id(const char *s, unsigned long *ret)
{
        char *end;

        if (!oc_all_digits(s) || strlen(s) > 10)
                return -EINVAL;
        errno = 0;
        *ret = strtoul(s, &end, 10);
        return errno == 0 && *ret < UINT32_MAX ? 0 : -EINVAL;
}

/* --user UID[:GID], numbers only (no passwd of the container is read); GID 0 when
 * absent, as crun exec has it. */
static int parse_user(const char *v, struct exec_req *x, struct berth_error *why)
{
        _cleanup_free_ char *u = strdup(v);
        unsigned long uid, gid = 0;
        char *colon;

        if (!u)
                return -ENOMEM;
        colon = strchr(u, ':');
        if (colon)
                *colon++ = 0;
        if (parse_id(u, &uid) < 0 || (colon && parse_id(colon, &gid) < 0))
                return berth_error_set(why, EINVAL, "option --user '%.64s': UID[:GID] as numbers",
                                       v);
        x->user_set = true;
        x->uid = (uid_t)uid;
        x->gid = (gid_t)gid;
        return 0;
}

/* One option of crun exec's that makes sense here, with its value. */
static int exec_option(const char *name, const char *v, struct exec_req *x, struct berth_error *why)
{
        if (streq(name, "--env")) {
                if (!strchr(v, '=') || v[0] == '=')
                        return berth_error_set(why, EINVAL, "option --env '%.64s': KEY=VALUE", v);
                return strv_extend(&x->env, v);
        }
        if (streq(name, "--cwd")) {
                if (v[0] != '/')
                        return berth_error_set(why, EINVAL,
                                               "option --cwd '%.64s': an absolute path", v);
                x->cwd = v;
                return 0;
        }
        return parse_user(v, x, why);
}

/* crun exec's options: --env K=V (repeatable), --cwd DIR and --user UID[:GID], also as
 * --opt=VALUE, and -e and -u. Values point into words. */
static int parse_options(char **words, struct exec_req *x, struct berth_error *why)
{
        static const struct {
                const char *name, *alias;
        } opts[] = { { "--env", "-e" }, { "--cwd", NULL }, { "--user", "-u" } };

        for (size_t i = 0; words && words[i]; i++) {
                const char *w = words[i], *v = NULL, *name = NULL;
                int r;

                for (size_t k = 0; k < ELEMENTSOF(opts) && !name; k++) {
                        size_t n = strlen(opts[k].name);

                        if (streq(w, opts[k].name) || streq_ptr(w, opts[k].alias))
                                name = opts[k].name;
                        else if (strncmp(w, opts[k].name, n) == 0 && w[n] == '=') {
                                name = opts[k].name;
                                v = w + n + 1;
                        }
                }
                if (!name)
                        return berth_error_set(why, EINVAL,
                                               "option '%.64s' is not supported: options "
                                               "are --env K=V, --cwd DIR and --user UID[:GID]",
                                               w);
                if (!v && !(v = words[++i]))
                        return berth_error_set(why, EINVAL, "option %s needs a value", name);
                r = exec_option(name, v, x, why);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* timeout: seconds, more than 0 and at most EXEC_TIMEOUT_MAX_S. */
static int param_timeout(json_t *params, uint64_t *ret_ms, struct berth_error *err)
{
        json_t *v = json_object_get(params, "timeout");
        double s;

        *ret_ms = EXEC_TIMEOUT_DEFAULT_S * 1000u;
        if (!v || json_is_null(v))
                return 0;
        s = json_number_value(v);
        if (!json_is_number(v) || !(s > 0) || s > EXEC_TIMEOUT_MAX_S)
                return berth_error_set(err, EINVAL,
                                       "params.timeout must be a number of seconds, more than "
                                       "0 and at most %d",
                                       EXEC_TIMEOUT_MAX_S);
        *ret_ms = MAX((uint64_t)(s * 1000), (uint64_t)1);
        return 0;
}

static int exec_result(const struct berth_exec_result *res, json_t **ret)
{
        json_t *out = jsonrpc_string_lossy(res->output ? res->output : "", res->output_len);
        int code = res->signal ? 128 + res->signal : res->exit_code;

        *ret = out ? json_pack("{s:b, s:i, s:o}", "success", 1, "exitCode", code, "output", out)
                   : NULL;
        if (*ret && res->signal)
                (void)json_object_set_new(*ret, "signal", json_integer(res->signal));
        if (*ret && res->output_dropped)
                (void)json_object_set_new(*ret, "outputTruncated", json_true());
        return *ret ? 0 : -ENOMEM;
}

int oc_m_exec(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId", "command", "options", "timeout", NULL };
        _cleanup_(exec_req_done) struct exec_req x = {};
        _cleanup_strv_free_ char **words = NULL;
        struct berth_exec_result res = { .exit_code = -1 };
        const char *cid, *command, *options;
        struct berth_error why = {};
        uint64_t timeout_ms;
        struct target t;
        int r;

        r = oc_check_params_cid(params, keys, &cid, err);
        if (r >= 0)
                r = oc_param_str(params, "command", true, &command, err);
        if (r >= 0)
                r = oc_param_str(params, "options", false, &options, err);
        if (r >= 0)
                r = param_timeout(params, &timeout_ms, err);
        if (r < 0)
                return r;
        if (oc_resolve(oc, cid, &t, &why) < 0)
                return oc_failed(ret, why.msg);
        r = oci_split_command(command, &x.args, &why);
        if (r >= 0 && options && options[strspn(options, " \t\n")])
                r = oci_split_command(options, &words, &why);
        if (r >= 0)
                r = parse_options(words, &x, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return oc_failed(ret, why.msg);
        if (t.state != BERTH_CONTAINER_RUNNING)
                return oc_failedf(ret, "container '%s' is %s: a command runs only in a running one",
                                  t.name, oc_thunder_state(t.state));
        r = berth_container_exec(oc->store, t.id,
                                 &(struct berth_exec){
                                         .args = x.args,
                                         .env = x.env,
                                         .cwd = (char *)x.cwd,
                                         .user_set = x.user_set,
                                         .uid = x.uid,
                                         .gid = x.gid,
                                         .timeout_ms = timeout_ms,
                                         .output_max = EXEC_OUTPUT_MAX,
                                 },
                                 &res, &why);
        if (r >= 0 && res.timed_out)
                r = oc_failedf(ret,
                               "the command ran longer than its timeout of %.3g s and was killed "
                               "(SIGKILL)",
                               (double)timeout_ms / 1000);
        else if (r >= 0)
                r = exec_result(&res, ret);
        else if (r != -ENOMEM)
                r = oc_failedf(ret, "container '%s': %s", t.name, why.msg);
        berth_exec_result_done(&res);
        return r;
}
