/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct berth_container;

/*
 * How a core container is one of the OCIContainer door's (ocicontainer.h): two labels of
 * its workload, which a restarted berthd re-adopts with it.
 */

#define OCI_LABEL_ID "io.berth.oci.id"
#define OCI_LABEL_DESCRIPTOR "io.berth.oci.descriptor"
#define OCI_DESCRIPTOR_MAX 1023

/* Its descriptor when c is one of the door's containers (OCI_LABEL_ID is its name and
 * OCI_LABEL_DESCRIPTOR a descriptor) and runs on engine, else -ENOENT. The store's lock
 * held. */
int oci_container_descriptor(const struct berth_container *c, const char *engine);
