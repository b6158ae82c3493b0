/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ImageAPI's objects as replies show them: attachments and mounts in the v0.2 shapes,
 * and the v0.1 overlay and rbd shapes of the seed's paths. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageapi-codec.h"
#include "json-util.h"
#include "macro.h"
#include "store.h"
#include "strv.h"

#define ENCODE_DEPTH_MAX 16

json_t *imageapi_encode_attach(const struct berth_attach *a, unsigned depth)
{
        json_t *j, *def = NULL;

        j = json_pack("{s:I, s:s, s:s?, s:I}", "id", (json_int_t)a->obj.id, "kind",
                      berth_attach_kind_to_string(a->kind), "device_file", a->device_file, "refs",
                      (json_int_t)berth_obj_refs(&a->obj));
        if (!j)
                return NULL;
        switch (a->kind) {
        case BERTH_ATTACH_LOOPBACK:
                def = json_pack("{s:s, s:s, s:b, s:b}", "path", a->loopback.path, "base",
                                berth_base_to_string(a->loopback.base), "readPartitions",
                                a->loopback.read_partitions, "ro", a->read_only);
                if (def && a->loopback.mount && depth < ENCODE_DEPTH_MAX)
                        json_object_set_new(def, "mount",
                                            imageapi_encode_mount(a->loopback.mount, depth + 1));
                break;
        case BERTH_ATTACH_LOCAL:
                def = json_pack("{s:s}", "path", a->local.path);
                break;
        case BERTH_ATTACH_RBD:
                def = berth_rbd_to_json(a);
                break;
        case BERTH_ATTACH_ISCSI:
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
                break;
        }
        if (def)
                json_object_set_new(j, berth_attach_kind_to_string(a->kind), def);
        return j;
}

json_t *imageapi_encode_mount(const struct berth_mount *m, unsigned depth)
{
        json_t *j, *def = NULL;

        j = json_pack("{s:I, s:s, s:s?, s:I}", "id", (json_int_t)m->obj.id, "kind",
                      berth_mount_kind_to_string(m->kind), "mountpoint", m->mountpoint, "refs",
                      (json_int_t)berth_obj_refs(&m->obj));
        if (!j)
                return NULL;
        switch (m->kind) {
        case BERTH_MOUNT_ATTACH:
                def = json_pack("{s:s, s:o}", "fs_type", m->attach.fs_type, "mount_options",
                                berth_strv_to_json(m->attach.options));
                if (def && m->attach.attach && depth < ENCODE_DEPTH_MAX)
                        json_object_set_new(def, "attach",
                                            imageapi_encode_attach(m->attach.attach, depth + 1));
                break;
        case BERTH_MOUNT_OVERLAY: {
                json_t *lower = json_array();
                for (size_t i = 0; lower && i < m->overlay.n_lower && depth < ENCODE_DEPTH_MAX; i++)
                        json_array_append_new(
                                lower, imageapi_encode_mount(m->overlay.lower[i], depth + 1));
                def = json_pack("{s:o, s:s?, s:s?, s:I, s:b}", "lower", lower, "upperdir",
                                m->overlay.upperdir, "workdir", m->overlay.workdir, "upper_size",
                                (json_int_t)m->overlay.upper_size, "dev", m->overlay.dev);
                break;
        }
        case BERTH_MOUNT_BIND:
                def = json_pack("{s:s, s:s, s:b, s:b}", "path", m->bind.path, "base",
                                berth_base_to_string(m->bind.base), "recursive", m->bind.recursive,
                                "ro", m->bind.ro);
                if (def && m->bind.mount && depth < ENCODE_DEPTH_MAX)
                        json_object_set_new(def, "mount",
                                            imageapi_encode_mount(m->bind.mount, depth + 1));
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
                break;
        }
        if (def)
                json_object_set_new(j, berth_mount_kind_to_string(m->kind), def);
        return j;
}

json_t *imageapi_encode_overlay_v01(const struct berth_mount *m)
{
        json_t *lower = json_array();

        /* v0.1's mount_overlay.lower is [mount]: {"kind","mount_id"} (an attach mount of an
         * rbd attachment is v0.1's kind rbd), not the ids the request may give. */
        for (size_t i = 0; lower && i < m->overlay.n_lower; i++) {
                const struct berth_mount *l = m->overlay.lower[i];
                bool rbd = l->kind == BERTH_MOUNT_ATTACH && l->attach.attach &&
                           l->attach.attach->kind == BERTH_ATTACH_RBD;
                json_array_append_new(lower,
                                      json_pack("{s:s, s:I}", "kind",
                                                rbd ? "rbd" : berth_mount_kind_to_string(l->kind),
                                                "mount_id", (json_int_t)l->obj.id));
        }
        return json_pack("{s:I, s:o, s:s?, s:s?, s:s?, s:I}", "id", (json_int_t)m->obj.id, "lower",
                         lower, "mountpoint", m->mountpoint, "upperdir", m->overlay.upperdir,
                         "workdir", m->overlay.workdir, "refs",
                         (json_int_t)berth_obj_refs(&m->obj));
}

/* ---- the seed's v0.1 rbd paths ------------------------------------------------- */

json_t *imageapi_encode_rbd_v01(const struct berth_attach *a)
{
        json_t *j = berth_rbd_to_json(a);

        if (!j)
                return NULL;
        json_object_set_new(j, "id", json_integer((json_int_t)a->obj.id));
        json_object_set_new(j, "device_file", json_string(a->device_file));
        json_object_set_new(j, "refs", json_integer((json_int_t)berth_obj_refs(&a->obj)));
        return j;
}

json_t *imageapi_encode_mount_rbd_v01(const struct berth_mount *m)
{
        return json_pack("{s:I, s:s?, s:I, s:I, s:s, s:o}", "id", (json_int_t)m->obj.id,
                         "mountpoint", m->mountpoint, "refs", (json_int_t)berth_obj_refs(&m->obj),
                         "rbd_id", (json_int_t)m->attach.attach->obj.id, "fs_type",
                         m->attach.fs_type, "mount_options", berth_strv_to_json(m->attach.options));
}
