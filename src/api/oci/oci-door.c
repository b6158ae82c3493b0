/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the OCIContainer door's methods share (oci-door.h): descriptors and Thunder's
 * states, finding the container a call names, and the params and results of calls.
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
#include "oci-door.h"
#include "store.h"
#include "strv.h"

/* ---- the door's containers --------------------------------------------------------- */

bool oc_all_digits(const char *s)
{
        return s && *s && strspn(s, "0123456789") == strlen(s);
}

/* "1" … "1023": the descriptor, else -EINVAL. */
static int parse_descriptor(const char *s)
{
        unsigned long v;

        if (!oc_all_digits(s) || strlen(s) > 4)
                return -EINVAL;
        v = strtoul(s, NULL, 10);
        return v >= 1 && v <= OCI_DESCRIPTOR_MAX ? (int)v : -EINVAL;
}

int oci_container_descriptor(const struct berth_container *c, const char *engine)
{
        const char *id = strv_env_get(c->w.labels, OCI_LABEL_ID);
        int d;

        if (!c->name || !id || !streq(id, c->name) || !c->engine || !streq(c->engine->name, engine))
                return -ENOENT;
        d = parse_descriptor(strv_env_get(c->w.labels, OCI_LABEL_DESCRIPTOR));
        return d < 0 ? -ENOENT : d;
}

/* Thunder's name of a state. */
const char *oc_thunder_state(enum berth_container_state s)
{
        switch (s) {
        case BERTH_CONTAINER_CREATED:
                return "Starting";
        case BERTH_CONTAINER_RUNNING:
                return "Running";
        case BERTH_CONTAINER_PAUSED:
                return "Paused";
        case BERTH_CONTAINER_STOPPING:
                return "Stopping";
        case BERTH_CONTAINER_EXITED:
        case BERTH_CONTAINER_DEAD:
                return "Stopped";
        case _BERTH_CONTAINER_STATE_MAX:
        case _BERTH_CONTAINER_STATE_INVALID:
        default:
                return "Invalid";
        }
}

/* ---- lookups --------------------------------------------------------------------- */

struct find {
        const struct oci_containers *oc;
        const char *cid;
        int descriptor; /* cid as a descriptor, or -1: by name */
        struct target *t;
        bool found, foreign;
};

static int visit_find(struct berth_obj *o, void *userdata)
{
        struct find *f = userdata;
        struct berth_container *c = berth_obj_to_container(o);
        int d = oc_ours_locked(f->oc, c);

        if (f->descriptor > 0 ? d != f->descriptor : !streq_ptr(c->name, f->cid))
                return 0;
        if (d < 0) {
                f->foreign = true;
                return 0;
        }
        *f->t = (struct target){
                .id = c->obj.id,
                .descriptor = d,
                .state = c->state,
                .pid = c->pid,
                .stop_timeout_ms = c->w.stop_timeout_ms,
        };
        (void)snprintf(f->t->name, sizeof(f->t->name), "%s", c->name);
        f->found = true;
        return 0;
}

/* containerId (a name, or a descriptor written as a string) to one of the door's
 * containers. -ENOENT with why (the errorReason) when there is none. */
int oc_resolve(struct oci_containers *oc, const char *cid, struct target *t,
               struct berth_error *why)
{
        struct find f = {
                .oc = oc,
                .cid = cid,
                .descriptor = oc_all_digits(cid) ? parse_descriptor(cid) : -1,
                .t = t,
        };

        if (oc_all_digits(cid) && f.descriptor < 0)
                return berth_error_set(
                        why, ENOENT, "no container has descriptor %.32s (descriptors are 1 to %d)",
                        cid, OCI_DESCRIPTOR_MAX);
        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_find, &f);
        if (f.found)
                return 0;
        if (f.descriptor > 0)
                return berth_error_set(why, ENOENT, "no container has descriptor %d", f.descriptor);
        if (f.foreign)
                return berth_error_set(why, ENOENT,
                                       "container '%.128s' was not started through "
                                       "org.rdk.OCIContainer",
                                       cid);
        return berth_error_set(why, ENOENT, "no container '%.128s'", cid);
}

/* ---- results and params ---------------------------------------------------------------- */

/* {"success":false,"errorReason":…}: 0, -ENOMEM. */
int oc_failed(json_t **ret, const char *reason)
{
        json_t *m = jsonrpc_string_lossy(reason, strlen(reason));

        *ret = m ? json_pack("{s:b, s:o}", "success", 0, "errorReason", m) : NULL;
        return *ret ? 0 : -ENOMEM;
}

_printf_(2, 3) int oc_failedf(json_t **ret, const char *fmt, ...)
{
        char msg[BERTH_ERROR_MSG_MAX];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return oc_failed(ret, msg);
}

int oc_succeeded(json_t **ret)
{
        *ret = json_pack("{s:b}", "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* params: absent (none) or an object whose every key is in keys. */
int oc_check_params(json_t *params, const char *const *keys, struct berth_error *err)
{
        if (!params)
                return 0;
        if (!json_is_object(params))
                return berth_error_set(err, EINVAL,
                                       "params must be an object (the methods take their "
                                       "params by name)");
        return jdec_check_keys(params, "params", keys, err);
}

/* A string param, borrowed from params: NULL when absent or null (-EINVAL when required).
 * An empty string is none, for optional ones (Thunder's clients send "" for unset). */
int oc_param_str(json_t *params, const char *key, bool required, const char **ret,
                 struct berth_error *err)
{
        json_t *v = json_object_get(params, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return required ? berth_error_set(err, EINVAL, "params.%s is required", key) : 0;
        if (!json_is_string(v))
                return berth_error_set(err, EINVAL, "params.%s must be a string", key);
        if (strlen(json_string_value(v)) != json_string_length(v))
                return berth_error_set(err, EINVAL, "params.%s contains a NUL byte", key);
        if (json_string_length(v) > PARAM_MAX)
                return berth_error_set(err, EINVAL, "params.%s is longer than %d bytes", key,
                                       PARAM_MAX);
        if (json_string_length(v) == 0 && required)
                return berth_error_set(err, EINVAL, "params.%s must not be empty", key);
        *ret = json_string_length(v) ? json_string_value(v) : NULL;
        return 0;
}

static int param_cid(json_t *params, const char **ret, struct berth_error *err)
{
        return oc_param_str(params, "containerId", true, ret, err);
}

/* oc_check_params(), then the containerId (required). */
int oc_check_params_cid(json_t *params, const char *const *keys, const char **ret_cid,
                        struct berth_error *err)
{
        int r = oc_check_params(params, keys, err);

        return r < 0 ? r : param_cid(params, ret_cid, err);
}

/* What both starts take besides the container: command, westerosSocket and envvar (in
 * *ret_envvar, which o borrows). */
int oc_param_overrides(json_t *params, struct oci_overrides *o, char ***ret_envvar,
                       struct berth_error *err)
{
        int r;

        r = oc_param_str(params, "command", false, &o->command, err);
        if (r >= 0)
                r = oc_param_str(params, "westerosSocket", false, &o->westeros_socket, err);
        if (r >= 0)
                r = jdec_strv(params, "params", "envvar", 1024, PARAM_MAX, ret_envvar, err);
        if (r < 0)
                return r;
        o->envvar = *ret_envvar;
        return 0;
}

int oc_target_of(struct oci_containers *oc, json_t *params, const char *const *keys,
                 const char **ret_cid, struct target *t, json_t **ret, struct berth_error *err)
{
        struct berth_error why = {};
        int r;

        r = oc_check_params_cid(params, keys, ret_cid, err);
        if (r < 0)
                return r;
        if (oc_resolve(oc, *ret_cid, t, &why) < 0) {
                r = oc_failed(ret, why.msg);
                return r < 0 ? r : 0;
        }
        return 1;
}
