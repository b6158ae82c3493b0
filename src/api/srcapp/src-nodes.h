/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct berth_error;
struct docker_client;

/* The engines of other nodes, from "NODE=HOST" (NODE: a hostname or a node id) and the
 * TLS files of tcp:// hosts. Errors name --src-node-engine. */
struct src_nodes;
int src_nodes_new(char *const *specs, const char *tls_dir, struct src_nodes **ret,
                  struct berth_error *err);
struct src_nodes *src_nodes_free(struct src_nodes *n);
/* Ends the calls under way (berthd stops). */
void src_nodes_cancel(struct src_nodes *n);
/* The engine given for a node, by its id or its hostname; NULL: none. */
struct docker_client *src_nodes_client(struct src_nodes *n, const char *id, const char *hostname);
