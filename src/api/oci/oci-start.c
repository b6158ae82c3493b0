/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * startContainer (an OCI bundle) and startContainerFromDobbySpec: the workload, its
 * descriptor and, for Dobby specs, its root; the core container made on it.
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
#include "oci-reaper.h"
#include "oci-start.h"
#include "store.h"
#include "strv.h"

/* ---- startContainer ----------------------------------------------------------------- */

static int check_new_id(const char *cid, struct berth_error *why)
{
        if (!berth_name_is_valid(cid))
                return berth_error_set(why, EINVAL,
                                       "containerId '%.128s' is not valid: 1 to %d letters, "
                                       "digits, '.', '_' and '-'",
                                       cid, BERTH_NAME_MAX);
        if (oc_all_digits(cid))
                return berth_error_set(why, EINVAL,
                                       "containerId '%s' is all digits, which reads as a "
                                       "descriptor",
                                       cid);
        return 0;
}

/* The bundle's config.json: a regular file (not a link) of at most 1 MiB. */
static int read_config(const char *bundle, json_t **ret, struct berth_error *why)
{
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        struct stat st;
        size_t len = 0;

        if (bundle[0] != '/')
                return berth_error_set(why, EINVAL, "bundlePath '%.256s' is not an absolute path",
                                       bundle);
        dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_error_set_errno(why, errno, "bundlePath '%.256s'", bundle);
        fd = openat(dfd, "config.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ELOOP)
                return berth_error_set(
                        why, EINVAL, "bundlePath '%.256s': config.json is a symbolic link", bundle);
        if (fd < 0)
                return berth_error_set_errno(why, errno, "bundlePath '%.256s': config.json",
                                             bundle);
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(why, errno, "bundlePath '%.256s': config.json",
                                             bundle);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(why, EINVAL,
                                       "bundlePath '%.256s': config.json is not a regular file",
                                       bundle);
        if (st.st_size > (off_t)CONFIG_MAX)
                return berth_error_set(why, EFBIG,
                                       "bundlePath '%.256s': config.json is over the limit of "
                                       "1 MiB",
                                       bundle);
        buf = malloc(CONFIG_MAX + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + len, CONFIG_MAX + 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_error_set_errno(
                                why, errno, "bundlePath '%.256s': read config.json", bundle);
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > CONFIG_MAX)
                        return berth_error_set(why, EFBIG,
                                               "bundlePath '%.256s': config.json is over the "
                                               "limit of 1 MiB",
                                               bundle);
        }
        *ret = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!*ret)
                return berth_error_set(why, EINVAL,
                                       "bundlePath '%.256s': config.json, line %d, column %d: %s",
                                       bundle, jerr.line, jerr.column, jerr.text);
        return 0;
}

/* Annotations become labels, as they are ("key=value"): what berth keeps of them. */
static int add_annotations(struct berth_workload *w, json_t *annotations, struct berth_error *why)
{
        const char *key;
        json_t *v;

        json_object_foreach (annotations, key, v) {
                _cleanup_free_ char *l = NULL;

                if (!json_is_string(v))
                        return berth_error_set(why, EINVAL, "annotations.%.128s must be a string",
                                               key);
                if (!*key || strchr(key, '='))
                        return berth_error_set(why, EINVAL,
                                               "annotations: key '%.128s' cannot be a label "
                                               "key (empty, or with '=')",
                                               key);
                if (strncmp(key, "io.berth.oci.", strlen("io.berth.oci.")) == 0)
                        return berth_error_set(why, EINVAL,
                                               "annotations: key '%.128s' is berth's own", key);
                if (asprintf(&l, "%s=%s", key, json_string_value(v)) < 0)
                        return -ENOMEM;
                if (strv_consume(&w->labels, TAKE_PTR(l)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

struct start_req {
        const char *cid, *bundle;
        struct oci_overrides o;
};

/* The host's memory nodes: one past the highest online one (1 without NUMA). */
static unsigned host_mem_nodes(void)
{
        char buf[256];
        const char *last;

        if (read_one_line("/sys/devices/system/node/online", buf, sizeof(buf)) < 0 || !buf[0])
                return 1;
        last = buf + strcspn(buf, "\n");
        while (last > buf && last[-1] >= '0' && last[-1] <= '9')
                last--;
        return (unsigned)strtoul(last, NULL, 10) + 1;
}

/* The bundle as a workload of the door, without its descriptor. */
static int prepare(const struct start_req *q, struct berth_workload *w, struct berth_error *why)
{
        _cleanup_(json_decrefp) json_t *config = NULL, *annotations = NULL;
        char *l = NULL;
        int r;

        r = read_config(q->bundle, &config, why);
        if (r < 0)
                return r;
        r = oci_config_to_workload(q->bundle, config, &q->o, w, &annotations, why);
        if (r >= 0)
                r = oci_cpuset_check_host(w->limits.cpus, w->limits.mems, "linux.resources.cpu",
                                          (unsigned)MAX(get_nprocs(), 1), host_mem_nodes(), why);
        if (r < 0)
                return r;
        /* Nothing starts it again but a client: Dobby's containers end for good. */
        w->restart = BERTH_RESTART_NO;
        STRV_FOREACH (p, w->labels)
                if (strncmp(*p, "io.berth.oci.", strlen("io.berth.oci.")) == 0)
                        return berth_error_set(why, EINVAL, "label '%.128s' is berth's own", *p);
        r = add_annotations(w, annotations, why);
        if (r < 0)
                return r;
        if (asprintf(&l, "%s=%s", OCI_LABEL_ID, q->cid) < 0)
                return -ENOMEM;
        return strv_consume(&w->labels, l);
}

struct used {
        const struct oci_containers *oc;
        bool d[OCI_DESCRIPTOR_MAX + 1];
};

static int visit_used(struct berth_obj *o, void *userdata)
{
        struct used *u = userdata;
        int d = oc_ours_locked(u->oc, berth_obj_to_container(o));

        if (d > 0)
                u->d[d] = true;
        return 0;
}

/* The next free descriptor after the last one handed out, from 1 to 1023 and round
 * again as Dobby's; -ENOSPC when all are in use. start_lock held. */
static int take_descriptor(struct oci_containers *oc)
{
        struct used u = { .oc = oc };

        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_used, &u);
        for (unsigned i = 0; i < OCI_DESCRIPTOR_MAX; i++) {
                unsigned d = (oc->next_descriptor - 1 + i) % OCI_DESCRIPTOR_MAX + 1;

                if (!u.d[d]) {
                        oc->next_descriptor = d % OCI_DESCRIPTOR_MAX + 1;
                        return (int)d;
                }
        }
        return -ENOSPC;
}

/* With nat, its address (the lowest free) as the workload's nat_addr and a label. */
static int create_nat_locked(struct oci_containers *oc, struct berth_workload *w,
                             struct berth_error *why)
{
        char *l = NULL;
        int r;

        w->nat_addr = mfree(w->nat_addr);
        r = oci_nat_take_locked(oc->nat, oc->store, &w->nat_addr, why);
        if (r < 0)
                return r;
        if (asprintf(&l, "%s=%.*s", OCI_LABEL_NAT, (int)strcspn(w->nat_addr, "/"), w->nat_addr) < 0)
                return -ENOMEM;
        return strv_consume(&w->labels, l);
}

/* Create and start it with a descriptor (and with nat, an address): the descriptor, or
 * -errno with why. */
static int create(struct oci_containers *oc, const struct start_req *q, struct berth_workload *w,
                  bool nat, struct berth_error *why)
{
        uint64_t old;
        char *l = NULL;
        int d, r;

        pthread_mutex_lock(&oc->start_lock);
        /* An ended container of that name, not removed yet, makes way. */
        if (berth_container_find(oc->store, q->cid, &old) >= 0)
                oc_reap(oc, old);
        d = take_descriptor(oc);
        if (d < 0)
                r = berth_error_set(why, ENOSPC, "all %d descriptors are in use",
                                    OCI_DESCRIPTOR_MAX);
        else if (asprintf(&l, "%s=%d", OCI_LABEL_DESCRIPTOR, d) < 0)
                r = -ENOMEM;
        else
                r = strv_consume(&w->labels, l);
        if (nat)
                oci_nat_lock(oc->nat);
        if (r >= 0 && nat)
                r = create_nat_locked(oc, w, why);
        if (r >= 0)
                r = berth_container_create(oc->store,
                                           &(struct berth_container_def){
                                                   .name = q->cid,
                                                   .root = NULL, /* w->root_path */
                                                   .workload = w,
                                                   .engine = oc->engine,
                                                   .start = true,
                                           },
                                           NULL, NULL, why);
        if (nat) {
                /* A failed first start leaves no bridge behind. */
                if (r < 0)
                        oci_nat_sweep_locked(oc->nat, oc->store);
                oci_nat_unlock(oc->nat);
        }
        /* A start that failed leaves nothing behind: its descriptor comes next again. */
        if (r < 0 && d > 0)
                oc->next_descriptor = (unsigned)d;
        pthread_mutex_unlock(&oc->start_lock);
        if (r == -EEXIST)
                (void)berth_error_prefix(why, "containerId '%s' is in use", q->cid);
        return r < 0 ? r : d;
}

int oc_m_start(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId",    "bundlePath", "command",
                                            "westerosSocket", "envvar",     NULL };
        _cleanup_(berth_workload_done) struct berth_workload w;
        _cleanup_strv_free_ char **envvar = NULL;
        struct berth_error why = {};
        struct start_req q = {};
        int r;

        berth_workload_init(&w);
        r = oc_check_params_cid(params, keys, &q.cid, err);
        if (r >= 0)
                r = oc_param_str(params, "bundlePath", true, &q.bundle, err);
        if (r >= 0)
                r = oc_param_overrides(params, &q.o, &envvar, err);
        q.o.devices = oc->devices;
        if (r < 0)
                return r;

        r = check_new_id(q.cid, &why);
        if (r >= 0)
                r = prepare(&q, &w, &why);
        if (r >= 0)
                r = create(oc, &q, &w, /* nat= */ false, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return oc_failed(ret, why.msg[0] ? why.msg : strerror(-r));
        *ret = json_pack("{s:i, s:b}", "descriptor", r, "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* ---- startContainerFromDobbySpec ------------------------------------------------------ */

/* dobbySpec: an object, or a string that holds one (Thunder's code takes an object, its
 * documentation a string). A new reference. */
static int param_spec(json_t *params, json_t **ret, struct berth_error *err)
{
        json_t *v = json_object_get(params, "dobbySpec");
        json_error_t jerr;

        *ret = NULL;
        if (!v || json_is_null(v))
                return berth_error_set(err, EINVAL, "params.dobbySpec is required");
        if (json_is_string(v)) {
                *ret = json_loadb(json_string_value(v), json_string_length(v),
                                  JSON_REJECT_DUPLICATES, &jerr);
                if (!*ret)
                        return berth_error_set(err, EINVAL,
                                               "params.dobbySpec: line %d, column %d: %s",
                                               jerr.line, jerr.column, jerr.text);
        } else
                *ret = json_incref(v);
        if (json_is_object(*ret))
                return 0;
        json_decref(TAKE_PTR(*ret));
        return berth_error_set(err, EINVAL,
                               "params.dobbySpec must be an object (or a string that holds one)");
}

/* The spec as a workload of the door (without its descriptor or root). */
static int prepare_dobby(struct oci_containers *oc, const struct start_req *q, json_t *spec,
                         struct dobby_spec *d, struct berth_error *why)
{
        const struct dobby_host host = {
                .ncpus = (unsigned)MAX(get_nprocs(), 1),
                .cgroup2 = oc->cgroups && oc->cgroups->v2,
                .devices = oc->devices,
                .ai_public_bus = oc->ai_buses[0],
                .ai_private_bus = oc->ai_buses[1],
        };
        char *l = NULL;
        int r;

        r = dobby_spec_translate(spec, &q->o, &host, d, why);
        if (r < 0)
                return r;
        if (asprintf(&l, "%s=%s", OCI_LABEL_ID, q->cid) < 0)
                return -ENOMEM;
        return strv_consume(&d->w.labels, l);
}

/* Its root, then the container on it; the root goes again when the container could not
 * be made. A sweep of the roots keeps it meanwhile (making). */
static int create_dobby(struct oci_containers *oc, const struct start_req *q, struct dobby_spec *d,
                        struct berth_error *why)
{
        int r;

        if (!oc->roots)
                return berth_error_set(why, EOPNOTSUPP,
                                       "this berthd has no state directory for Dobby roots");
        pthread_mutex_lock(&oc->roots_lock);
        r = dobby_root_make(oc->roots, q->cid, /* host= */ NULL, d, why);
        if (r >= 0 && strv_extend(&oc->making, d->w.root_path) < 0) {
                oc_remove_root(oc, d->w.root_path);
                r = -ENOMEM;
        }
        pthread_mutex_unlock(&oc->roots_lock);
        if (r < 0)
                return r;
        r = create(oc, q, &d->w, d->nat, why);
        if (r < 0)
                oc_remove_root(oc, d->w.root_path);
        oc_making_done(oc, d->w.root_path);
        return r;
}

int oc_m_start_dobby(struct oci_containers *oc, json_t *params, json_t **ret,
                     struct berth_error *err)
{
        static const char *const keys[] = { "containerId",    "dobbySpec", "command",
                                            "westerosSocket", "envvar",    NULL };
        _cleanup_(json_decrefp) json_t *spec = NULL;
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        _cleanup_strv_free_ char **envvar = NULL;
        struct berth_error why = {};
        struct start_req q = {};
        int r;

        r = oc_check_params_cid(params, keys, &q.cid, err);
        if (r >= 0)
                r = param_spec(params, &spec, err);
        if (r >= 0)
                r = oc_param_overrides(params, &q.o, &envvar, err);
        if (r < 0)
                return r;

        r = check_new_id(q.cid, &why);
        if (r >= 0)
                r = prepare_dobby(oc, &q, spec, &d, &why);
        if (r >= 0)
                r = create_dobby(oc, &q, &d, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return oc_failed(ret, why.msg[0] ? why.msg : strerror(-r));
        *ret = json_pack("{s:i, s:b}", "descriptor", r, "success", 1);
        return *ret ? 0 : -ENOMEM;
}

void oc_descriptors_recover(struct oci_containers *oc)
{
        struct used u = { .oc = oc };

        (void)berth_store_visit_all(oc->store, BERTH_OBJ_CONTAINER, visit_used, &u);
        for (unsigned d = 1; d <= OCI_DESCRIPTOR_MAX; d++)
                if (u.d[d])
                        oc->next_descriptor = d % OCI_DESCRIPTOR_MAX + 1;
}
