/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* (being written: the suite's shared dockerd) */
#include "harness.h"
