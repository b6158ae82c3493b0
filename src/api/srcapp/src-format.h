/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The objects the docker 20.10 CLI prints with --format '{{json .}}', made from the
 * Engine API's documents (jansson values in, a new object out; NULL only when out of
 * memory or when the input is not an object). Pure: no I/O, the clock is a parameter.
 */

/* One item of GET /containers/json?all=1&size=1 -> `docker ps -a`'s object. now_usec is
 * the wall clock (µs since the epoch) for RunningFor. */
json_t *src_ps_json(const json_t *item, uint64_t now_usec);

/* GET /containers/{id}/stats?stream=false (precpu filled) -> `docker stats --no-stream`'s
 * object. container is the Container column (what the CLI was given); NULL: the short id,
 * as `docker stats` without arguments prints. */
json_t *src_stats_json(const json_t *stats, const char *container);

/* One item of GET /nodes -> `docker node ls`'s object; info is GET /info (for Self and
 * TLSStatus), may be NULL (Self false, TLSStatus "Unknown"). */
json_t *src_node_json(const json_t *node, const json_t *info);

/* s appended to the list of strings l unless it is there: 0, or -ENOMEM. */
int src_json_add_unique(json_t *l, const char *s);

/* go-units: HumanDuration, BytesSize (binary, "%.4g"), HumanSizeWithPrecision (decimal). */
void src_human_duration(char *buf, size_t size, double seconds);
void src_bytes_size(char *buf, size_t size, double bytes);
void src_human_size(char *buf, size_t size, double bytes, int precision);
