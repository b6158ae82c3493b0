/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engines of other swarm nodes, for the SRC door in swarm mode (src-nodes.h): a
 * docker client per node that berthd was given (--src-node-engine).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "docker-client.h"
#include "error.h"
#include "macro.h"
#include "src-nodes.h"
#include "strv.h"

struct src_node_engine {
        char *node; /* a hostname or a node id */
        struct docker_client *c;
};

struct src_nodes {
        struct src_node_engine *v;
        size_t n;
};

int src_nodes_new(char *const *specs, const char *tls_dir, struct src_nodes **ret,
                  struct berth_error *err)
{
        struct src_nodes *n = calloc(1, sizeof(*n));
        size_t count = strv_length(specs);
        int r = 0;

        if (!n || (count && !(n->v = calloc(count, sizeof(*n->v))))) {
                free(n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < count && r >= 0; i++) {
                const char *eq = strchr(specs[i], '=');

                if (!eq || eq == specs[i]) {
                        r = berth_error_set(err, EINVAL, "--src-node-engine '%s': not NODE=HOST",
                                            specs[i]);
                        break;
                }
                n->v[i].node = strndup(specs[i], (size_t)(eq - specs[i]));
                if (!n->v[i].node) {
                        r = -ENOMEM;
                        break;
                }
                for (size_t j = 0; j < i; j++)
                        if (streq(n->v[j].node, n->v[i].node))
                                r = berth_error_set(err, EINVAL,
                                                    "--src-node-engine: node '%s' is given twice",
                                                    n->v[i].node);
                n->n = i + 1;
                if (r >= 0)
                        r = docker_client_new_tls(eq + 1, tls_dir, &n->v[i].c, err);
                if (r < 0)
                        (void)berth_error_prefix(err, "--src-node-engine '%s'", specs[i]);
        }
        if (r < 0) {
                src_nodes_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

struct src_nodes *src_nodes_free(struct src_nodes *n)
{
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n; i++) {
                free(n->v[i].node);
                docker_client_free(n->v[i].c);
        }
        free(n->v);
        free(n);
        return NULL;
}

void src_nodes_cancel(struct src_nodes *n)
{
        for (size_t i = 0; n && i < n->n; i++)
                if (n->v[i].c)
                        docker_client_cancel_all(n->v[i].c);
}

struct docker_client *src_nodes_client(struct src_nodes *n, const char *id, const char *hostname)
{
        for (size_t i = 0; n && i < n->n; i++)
                if ((id && streq(n->v[i].node, id)) || (hostname && streq(n->v[i].node, hostname)))
                        return n->v[i].c;
        return NULL;
}
