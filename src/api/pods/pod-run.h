/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pods-state.h"

struct berth_error;
struct pod_compose;
struct pod_service;

/* pod-run.c: make and start svc's container (its data directories, what its engine
 * needs first); stop (its signal, then the timeout) and delete one; whether a document
 * has Docker services on the pod's bridge network; remove that network. */
int pod_service_create(struct berth_pods *p, const char *project, const struct pod_service *svc,
                       uint64_t *ret_id, struct berth_error *err);
int pod_container_remove(struct berth_pods *p, uint64_t id, uint64_t stop_timeout_ms,
                         struct berth_error *err);
bool pod_doc_uses_bridge(const struct pod_compose *comp);
void pod_network_cleanup(struct berth_pods *p, const char *project);
