/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>

struct fake_krbd {
        char *root, sys[512], dev[512]; /* <root>/sys, <root>/dev */
        pthread_t add, del;
        char last_add[1024]; /* the last line written to add_single_major */
        int next_id;
        bool make_node; /* false: no udev (berth must make the node itself) */
};

void fake_krbd_start(struct fake_krbd *f);
void fake_krbd_stop(struct fake_krbd *f);
