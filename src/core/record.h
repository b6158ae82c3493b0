/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "objects.h"

/* The durable record of an object (see persist.h). Returns a new reference or NULL
 * on OOM. */
json_t *berth_record_from_obj(const struct berth_obj *o);
