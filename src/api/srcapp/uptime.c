/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* (being written) */
#include "uptime.h"
extern int berth_stub_uptime;
