/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "error.h"
#include "macro.h"
#include "record.h"
#include "store-internal.h"
#include "strv.h"

static json_t *child_ref(const struct berth_obj *parent, const struct berth_obj *child)
{
        return json_pack("{s:I, s:b}", "id", (json_int_t)child->id, "owned",
                         child->owner == parent);
}

static json_t *attach_record(const struct berth_attach *a)
{
        json_t *j = json_pack("{s:s, s:s?, s:b}", "kind", berth_attach_kind_to_string(a->kind),
                              "device_file", a->device_file, "read_only", a->read_only);

        if (!j)
                return NULL;
        switch (a->kind) {
        case BERTH_ATTACH_LOOPBACK: {
                json_t *l = json_pack(
                        "{s:s, s:s, s:b, s:s?, s:I, s:I, s:i}", "path", a->loopback.path, "base",
                        berth_base_to_string(a->loopback.base), "readPartitions",
                        a->loopback.read_partitions, "backing_file", a->loopback.backing_file,
                        "backing_dev", (json_int_t)a->loopback.backing_dev, "backing_ino",
                        (json_int_t)a->loopback.backing_ino, "loop_nr", a->loopback.loop_nr);
                if (l && a->loopback.mount)
                        json_object_set_new(l, "mount",
                                            child_ref(&a->obj, &a->loopback.mount->obj));
                json_object_set_new(j, "loopback", l);
                break;
        }
        case BERTH_ATTACH_LOCAL:
                json_object_set_new(j, "local", json_pack("{s:s}", "path", a->local.path));
                break;
        case BERTH_ATTACH_RBD: {
                /* What a restarted berthd needs to find the mapping again; never the
                 * secret. */
                json_t *r = berth_rbd_to_json(a);
                if (r)
                        json_object_set_new(
                                r, "berth",
                                json_pack("{s:b, s:i, s:I, s:I, s:s?, s:i}", "krbd", a->rbd.krbd,
                                          "device_id", a->rbd.device_id, "helper_pid",
                                          (json_int_t)a->rbd.helper.pid, "helper_starttime",
                                          (json_int_t)a->rbd.helper.starttime, "fuse_mountpoint",
                                          a->rbd.helper.mountpoint, "loop_nr", a->rbd.loop_nr));
                json_object_set_new(j, "rbd", r);
                break;
        }
        case BERTH_ATTACH_ISCSI:
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
                break;
        }
        return j;
}

static json_t *mount_record(const struct berth_mount *m)
{
        json_t *j = json_pack("{s:s, s:s?, s:b, s:b}", "kind", berth_mount_kind_to_string(m->kind),
                              "mountpoint", m->mountpoint, "read_only", m->read_only, "detached",
                              m->detached);

        if (!j)
                return NULL;
        switch (m->kind) {
        case BERTH_MOUNT_ATTACH: {
                json_t *opts = json_array();
                for (char **o = m->attach.options; o && *o; o++)
                        json_array_append_new(opts, json_string(*o));
                json_object_set_new(j, "attach",
                                    json_pack("{s:o, s:s, s:o}", "attach",
                                              child_ref(&m->obj, &m->attach.attach->obj), "fs_type",
                                              m->attach.fs_type, "mount_options", opts));
                break;
        }
        case BERTH_MOUNT_OVERLAY: {
                json_t *lower = json_array();
                for (size_t i = 0; i < m->overlay.n_lower; i++)
                        json_array_append_new(lower, child_ref(&m->obj, &m->overlay.lower[i]->obj));
                json_object_set_new(
                        j, "overlay",
                        json_pack("{s:o, s:s?, s:s?, s:s?, s:I, s:b}", "lower", lower, "upperdir",
                                  m->overlay.upperdir, "workdir", m->overlay.workdir, "upper_mount",
                                  m->overlay.upper_mount, "upper_size",
                                  (json_int_t)m->overlay.upper_size, "dev", m->overlay.dev));
                break;
        }
        case BERTH_MOUNT_BIND: {
                json_t *b =
                        json_pack("{s:s, s:s, s:b, s:b, s:s?}", "path", m->bind.path, "base",
                                  berth_base_to_string(m->bind.base), "recursive",
                                  m->bind.recursive, "ro", m->bind.ro, "source", m->bind.source);
                if (b && m->bind.mount)
                        json_object_set_new(b, "mount", child_ref(&m->obj, &m->bind.mount->obj));
                json_object_set_new(j, "bind", b);
                break;
        }
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
                break;
        }
        return j;
}

static json_t *strv_json(char *const *l)
{
        json_t *a = json_array();

        STRV_FOREACH (e, l)
                json_array_append_new(a, json_string(*e));
        return a;
}

/* Enough to find the container's processes again after a restart (pid and the
 * start time that tells a reused pid apart), and how it ended if it did. */
static json_t *container_record(const struct berth_container *c)
{
        json_t *j = json_pack(
                "{s:s?, s:o, s:s?, s:o, s:o, s:s?, s:b, s:I, s:I, s:s, s:s?, "
                "s:s?, s:i, s:i, s:i, s:b, s:b, s:s, s:I, s:I, s:I, s:I, s:I}",
                "name", c->name, "mount", child_ref(&c->obj, &c->mount->obj), "command", c->command,
                "args", strv_json(c->args), "env", strv_json(c->env_extra), "hostname", c->hostname,
                "systemd", c->systemd, "namespaces", (json_int_t)c->namespaces, "stop_timeout_ms",
                (json_int_t)c->stop_timeout_ms, "state", berth_container_state_to_string(c->state),
                "logfile", c->logfile, "dir", c->dir, "pid", (int)c->pid, "exit_code", c->exit_code,
                "signal", c->signal, "oom_killed", c->oom_killed, "stop_requested",
                c->stop_requested, "machine_id", c->machine_id, "limits_memory",
                (json_int_t)c->limits.memory, "limits_pids", (json_int_t)c->limits.pids,
                "limits_cpu_weight", (json_int_t)c->limits.cpu_weight, "limits_cpu_quota_us",
                (json_int_t)c->limits.cpu_quota_us, "started_at", (json_int_t)c->started_at.tv_sec);
        if (!j)
                return NULL;
        if (c->cg)
                json_object_set_new(j, "cgroups", strv_json(c->cg->paths));
        json_object_set_new(j, "pid_starttime", json_integer((json_int_t)c->pid_starttime));
        json_object_set_new(j, "boot_id", json_string(c->boot_id));
        json_object_set_new(j, "created_at", json_integer((json_int_t)c->created_at.tv_sec));
        json_object_set_new(j, "finished_at", json_integer((json_int_t)c->finished_at.tv_sec));
        if (c->error)
                json_object_set_new(j, "error", json_string(c->error));
        return j;
}

json_t *berth_record_from_obj(const struct berth_obj *o)
{
        json_t *body = NULL, *j;

        switch (o->type) {
        case BERTH_OBJ_ATTACH:
                body = attach_record((const struct berth_attach *)o);
                break;
        case BERTH_OBJ_MOUNT:
                body = mount_record((const struct berth_mount *)o);
                break;
        case BERTH_OBJ_CONTAINER:
                body = container_record((const struct berth_container *)o);
                break;
        case _BERTH_OBJ_TYPE_MAX:
        case _BERTH_OBJ_TYPE_INVALID:
                break;
        }
        if (!body)
                return NULL;
        j = json_pack("{s:i, s:s, s:I, s:b, s:b, s:o}", "version", 1, "type",
                      berth_obj_type_to_string(o->type), "id", (json_int_t)o->id, "user", o->user,
                      "removed", o->removed, "object", body);
        return j;
}

/* ---- decoding ------------------------------------------------------------------------ */

static const char *jstr(json_t *j, const char *key)
{
        return json_string_value(json_object_get(j, key));
}

static char *jstrdup(json_t *j, const char *key)
{
        const char *v = jstr(j, key);

        return v ? strdup(v) : NULL;
}

static json_int_t jint(json_t *j, const char *key, json_int_t def)
{
        json_t *v = json_object_get(j, key);

        return json_is_integer(v) ? json_integer_value(v) : def;
}

static bool jbool(json_t *j, const char *key)
{
        return json_is_true(json_object_get(j, key));
}

static char **jstrv(json_t *j, const char *key)
{
        json_t *a = json_object_get(j, key), *v;
        char **l = calloc(1, sizeof(char *));
        size_t i;

        json_array_foreach (a, i, v)
                if (l && json_is_string(v) && strv_extend(&l, json_string_value(v)) < 0)
                        return strv_free(l);
        return l;
}

static int add_link(struct berth_record_link **links, size_t *n, struct berth_obj *parent,
                    enum berth_record_slot slot, size_t index, enum berth_obj_type type,
                    json_t *ref)
{
        struct berth_record_link *v;
        json_t *id = json_object_get(ref, "id");

        if (!json_is_integer(id) || json_integer_value(id) < 0)
                return -EINVAL;
        v = realloc(*links, sizeof(*v) * (*n + 1));
        if (!v)
                return -ENOMEM;
        *links = v;
        v[(*n)++] = (struct berth_record_link){ .parent = parent,
                                                .slot = slot,
                                                .index = index,
                                                .type = type,
                                                .id = (uint64_t)json_integer_value(id),
                                                .owned = jbool(ref, "owned") };
        return 0;
}

static int attach_decode(struct berth_store *s, json_t *j, struct berth_attach **ret,
                         struct berth_record_link **links, size_t *n_links)
{
        enum berth_attach_kind kind = berth_attach_kind_from_string(jstr(j, "kind"));
        struct berth_attach *a;
        json_t *l;
        int r = 0;

        if (kind < 0)
                return -EINVAL;
        a = attach_alloc(s, kind, false);
        if (!a)
                return -ENOMEM;
        *ret = a;
        a->device_file = jstrdup(j, "device_file");
        a->read_only = jbool(j, "read_only");
        switch (kind) {
        case BERTH_ATTACH_LOOPBACK:
                l = json_object_get(j, "loopback");
                a->loopback.path = jstrdup(l, "path");
                a->loopback.base = berth_base_from_string(jstr(l, "base"));
                a->loopback.read_partitions = jbool(l, "readPartitions");
                a->loopback.backing_file = jstrdup(l, "backing_file");
                a->loopback.backing_dev = (dev_t)jint(l, "backing_dev", 0);
                a->loopback.backing_ino = (ino_t)jint(l, "backing_ino", 0);
                a->loopback.loop_nr = (int)jint(l, "loop_nr", -1);
                if (!a->loopback.path || !a->loopback.backing_file || a->loopback.base < 0)
                        return -EINVAL;
                if (json_object_get(l, "mount"))
                        r = add_link(links, n_links, &a->obj, BERTH_SLOT_LOOPBACK_MOUNT, 0,
                                     BERTH_OBJ_MOUNT, json_object_get(l, "mount"));
                break;
        case BERTH_ATTACH_LOCAL:
                a->local.path = jstrdup(json_object_get(j, "local"), "path");
                if (!a->local.path)
                        return -EINVAL;
                break;
        case BERTH_ATTACH_RBD: {
                json_t *rb = json_object_get(j, "rbd"), *b = json_object_get(rb, "berth");
                r = berth_rbd_from_json(rb, &a->rbd.spec);
                if (r < 0)
                        return r;
                a->rbd.krbd = jbool(b, "krbd");
                a->rbd.device_id = (int)jint(b, "device_id", -1);
                a->rbd.helper.pid = (pid_t)jint(b, "helper_pid", 0);
                a->rbd.helper.starttime = (uint64_t)jint(b, "helper_starttime", 0);
                a->rbd.helper.mountpoint = jstrdup(b, "fuse_mountpoint");
                a->rbd.loop_nr = (int)jint(b, "loop_nr", -1);
                break;
        }
        case BERTH_ATTACH_ISCSI:
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
                return -EINVAL;
        }
        if (r >= 0 && !a->device_file)
                r = -EINVAL;
        return r;
}

static int mount_decode(struct berth_store *s, json_t *j, struct berth_mount **ret,
                        struct berth_record_link **links, size_t *n_links)
{
        enum berth_mount_kind kind = berth_mount_kind_from_string(jstr(j, "kind"));
        struct berth_mount *m;
        json_t *d, *v;
        size_t i;
        int r = 0;

        if (kind < 0)
                return -EINVAL;
        m = mount_alloc(s, kind, false);
        if (!m)
                return -ENOMEM;
        *ret = m;
        m->mountpoint = jstrdup(j, "mountpoint");
        m->read_only = jbool(j, "read_only");
        m->detached = jbool(j, "detached");
        switch (kind) {
        case BERTH_MOUNT_ATTACH:
                d = json_object_get(j, "attach");
                m->attach.fs_type = jstrdup(d, "fs_type");
                m->attach.options = jstrv(d, "mount_options");
                if (!m->attach.fs_type || !m->attach.options)
                        return -EINVAL;
                r = add_link(links, n_links, &m->obj, BERTH_SLOT_ATTACH, 0, BERTH_OBJ_ATTACH,
                             json_object_get(d, "attach"));
                break;
        case BERTH_MOUNT_OVERLAY:
                d = json_object_get(j, "overlay");
                m->overlay.upperdir = jstrdup(d, "upperdir");
                m->overlay.workdir = jstrdup(d, "workdir");
                m->overlay.upper_mount = jstrdup(d, "upper_mount");
                m->overlay.upper_size =
                        (uint64_t)json_integer_value(json_object_get(d, "upper_size"));
                m->overlay.dev = jbool(d, "dev");
                m->overlay.lower =
                        calloc(json_array_size(json_object_get(d, "lower")) + 1, sizeof(void *));
                if (!m->overlay.lower)
                        return -ENOMEM;
                json_array_foreach (json_object_get(d, "lower"), i, v)
                        if (r >= 0)
                                r = add_link(links, n_links, &m->obj, BERTH_SLOT_LOWER, i,
                                             BERTH_OBJ_MOUNT, v);
                if (r >= 0 && json_array_size(json_object_get(d, "lower")) == 0)
                        r = -EINVAL;
                break;
        case BERTH_MOUNT_BIND:
                d = json_object_get(j, "bind");
                m->bind.path = jstrdup(d, "path");
                m->bind.base = berth_base_from_string(jstr(d, "base"));
                m->bind.recursive = jbool(d, "recursive");
                m->bind.ro = jbool(d, "ro");
                m->bind.source = jstrdup(d, "source");
                if (!m->bind.path || m->bind.base < 0)
                        return -EINVAL;
                if (json_object_get(d, "mount"))
                        r = add_link(links, n_links, &m->obj, BERTH_SLOT_BIND_MOUNT, 0,
                                     BERTH_OBJ_MOUNT, json_object_get(d, "mount"));
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
                return -EINVAL;
        }
        if (r >= 0 && !m->mountpoint && !m->detached)
                r = -EINVAL;
        return r;
}

static int container_decode(struct berth_store *s, json_t *j, struct berth_container **ret,
                            struct berth_record_link **links, size_t *n_links)
{
        struct berth_container_spec spec = {
                .name = (char *)jstr(j, "name"),
                .command = (char *)jstr(j, "command"),
                .hostname = (char *)jstr(j, "hostname"),
                .systemd = jbool(j, "systemd"),
                .namespaces = (unsigned)jint(j, "namespaces", 0),
                .stop_timeout_ms = (uint64_t)jint(j, "stop_timeout_ms", 10000),
                .limits = { .memory = (uint64_t)jint(j, "limits_memory", 0),
                            .pids = (uint64_t)jint(j, "limits_pids", 0),
                            .cpu_weight = (uint32_t)jint(j, "limits_cpu_weight", 0),
                            .cpu_quota_us = (uint32_t)jint(j, "limits_cpu_quota_us", 0) },
        };
        _cleanup_strv_free_ char **args = jstrv(j, "args"), **env = jstrv(j, "env");
        struct berth_container *c;
        const char *v;

        if (!args || !env)
                return -ENOMEM;
        if (!args[0] || !jstr(j, "dir") || !jstr(j, "logfile") ||
            berth_container_state_from_string(jstr(j, "state")) < 0)
                return -EINVAL;
        spec.args = args;
        spec.env = env;
        c = container_alloc(s, &spec);
        if (!c)
                return -ENOMEM;
        *ret = c;
        if (!c->args || !c->env_extra || !c->hostname || (spec.name && !c->name))
                return -ENOMEM;
        c->state = berth_container_state_from_string(jstr(j, "state"));
        c->dir = jstrdup(j, "dir");
        c->logfile = jstrdup(j, "logfile");
        c->pid = (pid_t)jint(j, "pid", 0);
        c->pid_starttime = (uint64_t)jint(j, "pid_starttime", 0);
        v = jstr(j, "boot_id");
        (void)snprintf(c->boot_id, sizeof(c->boot_id), "%s", v ? v : "");
        c->exit_code = (int)jint(j, "exit_code", -1);
        c->signal = (int)jint(j, "signal", 0);
        c->oom_killed = jbool(j, "oom_killed");
        c->stop_requested = jbool(j, "stop_requested");
        v = jstr(j, "machine_id");
        if (v && strlen(v) == 32)
                memcpy(c->machine_id, v, 33);
        c->created_at.tv_sec = (time_t)jint(j, "created_at", 0);
        c->started_at.tv_sec = (time_t)jint(j, "started_at", 0);
        c->finished_at.tv_sec = (time_t)jint(j, "finished_at", 0);
        c->error = jstrdup(j, "error");
        if (!c->dir || !c->logfile)
                return -ENOMEM;
        return add_link(links, n_links, &c->obj, BERTH_SLOT_MOUNT, 0, BERTH_OBJ_MOUNT,
                        json_object_get(j, "mount"));
}

int berth_record_decode(struct berth_store *s, json_t *j, struct berth_obj **ret,
                        struct berth_record_link **links, size_t *n_links, struct berth_error *err)
{
        enum berth_obj_type type = _BERTH_OBJ_TYPE_INVALID;
        json_t *body = json_object_get(j, "object"), *id = json_object_get(j, "id");
        struct berth_obj *o = NULL;
        size_t n0 = *n_links;
        int r;

        for (int t = 0; t < _BERTH_OBJ_TYPE_MAX; t++)
                if (streq_ptr(jstr(j, "type"), berth_obj_type_to_string((enum berth_obj_type)t)))
                        type = (enum berth_obj_type)t;
        if (jint(j, "version", 0) != 1 || type < 0 || !json_is_object(body) ||
            !json_is_integer(id) || json_integer_value(id) < 0)
                return berth_error_set(err, EINVAL, "not a berthd record (version 1)");
        switch (type) {
        case BERTH_OBJ_ATTACH:
                r = attach_decode(s, body, (struct berth_attach **)&o, links, n_links);
                break;
        case BERTH_OBJ_MOUNT:
                r = mount_decode(s, body, (struct berth_mount **)&o, links, n_links);
                break;
        case BERTH_OBJ_CONTAINER:
                r = container_decode(s, body, (struct berth_container **)&o, links, n_links);
                break;
        case _BERTH_OBJ_TYPE_MAX:
        case _BERTH_OBJ_TYPE_INVALID:
        default:
                r = -EINVAL;
                break;
        }
        if (o) {
                o->id = (uint64_t)json_integer_value(id);
                o->user = jbool(j, "user");
                o->removed = jbool(j, "removed");
        }
        if (r < 0) {
                *n_links = n0;
                if (o)
                        store_free_obj(s, o);
                return berth_error_set_errno(err, -r, "%s record is %s",
                                             berth_obj_type_to_string(type),
                                             r == -EINVAL ? "incomplete" : "unreadable");
        }
        *ret = o;
        return 0;
}

void berth_record_link_set(const struct berth_record_link *l, struct berth_obj *child)
{
        switch (l->slot) {
        case BERTH_SLOT_LOOPBACK_MOUNT:
                ((struct berth_attach *)l->parent)->loopback.mount = berth_obj_to_mount(child);
                break;
        case BERTH_SLOT_ATTACH:
                ((struct berth_mount *)l->parent)->attach.attach = berth_obj_to_attach(child);
                break;
        case BERTH_SLOT_LOWER: {
                struct berth_mount *m = (struct berth_mount *)l->parent;
                m->overlay.lower[l->index] = berth_obj_to_mount(child);
                m->overlay.n_lower = MAX(m->overlay.n_lower, l->index + 1);
                break;
        }
        case BERTH_SLOT_BIND_MOUNT:
                ((struct berth_mount *)l->parent)->bind.mount = berth_obj_to_mount(child);
                break;
        case BERTH_SLOT_MOUNT:
                ((struct berth_container *)l->parent)->mount = berth_obj_to_mount(child);
                break;
        }
}
