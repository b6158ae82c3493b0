/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "container.h"
#include "macro.h"
#include "record.h"
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
                        json_object_set_new(r, "berth",
                                            json_pack("{s:b, s:i, s:I, s:s?, s:i}", "krbd",
                                                      a->rbd.krbd, "device_id", a->rbd.device_id,
                                                      "helper_pid", (json_int_t)a->rbd.helper.pid,
                                                      "fuse_mountpoint", a->rbd.helper.mountpoint,
                                                      "loop_nr", a->rbd.loop_nr));
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
                json_object_set_new(j, "overlay",
                                    json_pack("{s:o, s:s?, s:s?}", "lower", lower, "upperdir",
                                              m->overlay.upperdir, "workdir", m->overlay.workdir));
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
        if (j && c->cg)
                json_object_set_new(j, "cgroups", strv_json(c->cg->paths));
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
