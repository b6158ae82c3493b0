/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * The logs of deleted containers. The ImageAPI keeps a container's log file after its
 * delete (operators read it afterwards), but the state directory is a tmpfs on most
 * hosts, and a provisioning tool that creates and deletes containers all day would
 * fill it: the kept logs are bounded by a byte budget (--logs-kept-size), and the
 * oldest go first. Sizes are what the files take (allocated blocks: a one-line log on a
 * tmpfs takes a page). Thread-safe.
 */
struct berth_logkeep;

/* max_bytes 0: a log goes with its container. */
struct berth_logkeep *berth_logkeep_new(uint64_t max_bytes);
void berth_logkeep_free(struct berth_logkeep *k);

/* At start-up, when no request can add: every file in logs_dir that live() does not
 * claim (it is given the log's path without a ".1" ending) and that is not kept already
 * is a kept log, oldest first by modification time; then the budget applies. live()
 * runs without k's lock. */
int berth_logkeep_scan(struct berth_logkeep *k, const char *logs_dir,
                       bool (*live)(const char *logfile, void *userdata), void *userdata);

/* A container was deleted: its log (and the rotated copy, logfile.1) joins the kept
 * ones, and the oldest kept go while the total is over the budget. */
void berth_logkeep_add(struct berth_logkeep *k, const char *logfile);

/* What is kept now (for /metrics and tests). */
void berth_logkeep_stats(struct berth_logkeep *k, uint64_t *files, uint64_t *bytes);
