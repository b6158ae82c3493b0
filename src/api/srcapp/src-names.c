/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* (being written) */
#include "src-names.h"
extern int berth_stub_src_names;
