/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* berth-init --exec (berth-init-exec.c). */
_noreturn_ void exec_main(void);
