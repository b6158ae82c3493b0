/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

struct berth_cgroup_system;
struct berth_container;
struct berth_error;
struct berth_store;

/*
 * The methods of Thunder's org.rdk.OCIContainer (seed 004) on berth's core: no JSON-RPC,
 * no HTTP (ocicontainer-api.c is the door). The containers are core containers on the
 * native engine, named by their containerId (a valid core name, not all digits: those
 * are descriptors), so the ImageAPI lists them too. Their workload carries two labels,
 * which a restarted berthd re-adopts with the container:
 *   io.berth.oci.id=<containerId>
 *   io.berth.oci.descriptor=<n>   1..1023, unique among the living containers of the
 *                                 door, handed out in turn as Dobby does
 * A container with both is one of this door's; no other is.
 *
 * As under Dobby, a container that has ended is removed, unless its restart policy may
 * start it again: a thread follows the store's events (from oci_containers_start()), and
 * every call that finds an ended one removes it too. The removal is the store's plain
 * delete, which refuses a container that runs again (a restart won the race).
 *
 * Results are Thunder's: every one has "success"; a failed operation is
 * {"success":false,"errorReason":"…"} naming what is wrong, not an error of the call.
 */

#include "oci-labels.h"

struct oci_device_allowlist;

struct oci_containers_config {
        struct berth_store *store;
        /* What getContainerInfo reads the containers' cgroups through; NULL: it fails
         * saying so. */
        const struct berth_cgroup_system *cgroups;
        const char *engine; /* NULL: "native" */
        /* The range of "nat" containers' addresses (oci-nat.h), as --oci-nat-range;
         * NULL: BERTH_NAT_RANGE_DEFAULT. */
        const char *nat_range;
        /* The devices Dobby specs may ask for (--oci-device-allow); NULL: none. Kept
         * by the caller while the door is there. */
        const struct oci_device_allowlist *devices;
        /* The sockets of the AI public and private D-Bus (as Dobby's SetAIDbusAddress
         * gives them; NULL: none) that a Dobby spec's dbus may name. */
        const char *ai_buses[2];
};

struct oci_containers;

/* Returns 0 / -ENOMEM / -EINVAL (nat_range). */
int oci_containers_new(const struct oci_containers_config *cfg, struct oci_containers **ret);
/* Remove what has ended, then follow the store's events (when it has a bus) and remove
 * containers as they end. Once, after the store's recovery. Returns 0 / -errno. */
int oci_containers_start(struct oci_containers *oc);
/* Stops the thread (the store must still be there). NULL. */
struct oci_containers *oci_containers_free(struct oci_containers *oc);

/* The methods, unversioned ("listContainers" …; "execCommand" is executeCommand). */
extern const char *const oci_container_methods[];

/* Call method with params (an object, or NULL for none). 0: *ret is the result, with
 * success true or false. -ENOENT: no such method. -EINVAL: params are wrong (err names
 * the param: "params.containerId is required"). -ENOMEM. */
int oci_containers_call(struct oci_containers *oc, const char *method, json_t *params, json_t **ret,
                        struct berth_error *err);
