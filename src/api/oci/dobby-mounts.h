/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "dobby-spec.h"

struct berth_error;

/* The spec's mounts, then /dev/log (syslog), the system bus (dbus), the westeros
 * socket and the nodes of the devices (at their own paths, below /dev). */
int dobby_decode_mounts(json_t *spec, const struct oci_overrides *o, const struct dobby_host *host,
                        struct dobby_spec *d, struct berth_error *err);
