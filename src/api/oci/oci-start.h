/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "oci-door.h"

/*
 * startContainer and startContainerFromDobbySpec (oci-start.c).
 */

int oc_m_start(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err);

int oc_m_start_dobby(struct oci_containers *oc, json_t *params, json_t **ret,
                     struct berth_error *err);

/* After a restart of berthd: descriptors go on after the highest a re-adopted container
 * has. */
void oc_descriptors_recover(struct oci_containers *oc);
