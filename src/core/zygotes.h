/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "launch.h"

/*
 * A pool of ready zygotes (launch.h) for containers of the default profile, refilled
 * by a thread of its own whenever one is taken. A zygote that cannot be started three
 * times in a row disables the pool (logged): containers then start the usual way.
 */
struct berth_zygotes;

/* staging: an empty directory (see berth_zygote_start()). */
int berth_zygotes_start(struct berth_launcher *L, const char *staging, unsigned target,
                        struct berth_zygotes **ret);
/* Ends the unclaimed zygotes and the thread. */
void berth_zygotes_stop(struct berth_zygotes *p);
/* A ready zygote, or false when there is none right now. */
bool berth_zygotes_take(struct berth_zygotes *p, struct berth_zygote *ret);
