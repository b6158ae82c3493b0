/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "oci-door.h"

/*
 * executeCommand and execCommand (oci-exec.c).
 */

int oc_m_exec(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err);
