/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "error.h"
#include "log.h"
#include "macro.h"
#include "native-net.h"
#include "oci-nat.h"
#include "store.h"
#include "strv.h"

struct oci_nat {
        pthread_mutex_t lock;
        uint32_t net;
        unsigned prefix;
        char range[24]; /* "a.b.c.d/N" */
        bool maybe_up;  /* the bridge or table may be there (unknown at first) */
};

int oci_nat_new(const char *range, struct oci_nat **ret, struct berth_error *err)
{
        struct oci_nat *n;
        uint32_t net;
        unsigned prefix;
        int r;

        r = berth_nat_range_parse(range ? range : BERTH_NAT_RANGE_DEFAULT, &net, &prefix, err);
        if (r < 0)
                return r;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        pthread_mutex_init(&n->lock, NULL);
        n->net = net;
        n->prefix = prefix;
        (void)snprintf(n->range, sizeof(n->range), "%s", range ? range : BERTH_NAT_RANGE_DEFAULT);
        n->maybe_up = true;
        *ret = n;
        return 0;
}

struct oci_nat *oci_nat_free(struct oci_nat *n)
{
        if (!n)
                return NULL;
        pthread_mutex_destroy(&n->lock);
        free(n);
        return NULL;
}

void oci_nat_lock(struct oci_nat *n)
{
        pthread_mutex_lock(&n->lock);
}

void oci_nat_unlock(struct oci_nat *n)
{
        pthread_mutex_unlock(&n->lock);
}

struct taken {
        const struct oci_nat *n;
        uint8_t *used; /* a bit per address of the range */
        size_t count;  /* containers with an address, in the range or not */
};

static int visit_taken(struct berth_obj *o, void *userdata)
{
        struct taken *t = userdata;
        const char *a = berth_obj_to_container(o)->w.nat_addr;
        char ip[INET_ADDRSTRLEN];
        struct in_addr in;
        size_t len;
        uint32_t off;

        if (!a)
                return 0;
        t->count++;
        len = strcspn(a, "/");
        if (!t->used || len >= sizeof(ip))
                return 0;
        memcpy(ip, a, len);
        ip[len] = '\0';
        if (inet_pton(AF_INET, ip, &in) != 1)
                return 0;
        off = ntohl(in.s_addr) - t->n->net;
        if (off < (1u << (32 - t->n->prefix)))
                t->used[off / 8] |= (uint8_t)(1u << (off % 8));
        return 0;
}

int oci_nat_take_locked(struct oci_nat *n, struct berth_store *s, char **ret,
                        struct berth_error *err)
{
        uint32_t size = 1u << (32 - n->prefix);
        _cleanup_free_ uint8_t *used = calloc(size / 8 + 1, 1);
        struct taken t = { .n = n, .used = used };

        if (!used)
                return -ENOMEM;
        n->maybe_up = true;
        (void)berth_store_visit_all(s, BERTH_OBJ_CONTAINER, visit_taken, &t);
        /* .0 is the network, .1 the bridge, the last the broadcast address. */
        for (uint32_t off = 2; off < size - 1; off++)
                if (!(used[off / 8] & (1u << (off % 8)))) {
                        *ret = berth_nat_addr_format(n->net + off, n->prefix);
                        return *ret ? 0 : -ENOMEM;
                }
        return berth_error_set(err, ENOSPC, "every address of the NAT range is in use");
}

void oci_nat_sweep_locked(struct oci_nat *n, struct berth_store *s)
{
        struct taken t = { .n = n };
        struct berth_error err = {};

        if (!n->maybe_up)
                return;
        (void)berth_store_visit_all(s, BERTH_OBJ_CONTAINER, visit_taken, &t);
        if (t.count > 0)
                return;
        if (native_net_teardown(&err) < 0)
                log_warning("OCIContainer: the NAT bridge and table could not be removed: %s",
                            err.msg);
        else
                n->maybe_up = false;
}

void oci_nat_sweep(struct oci_nat *n, struct berth_store *s)
{
        oci_nat_lock(n);
        oci_nat_sweep_locked(n, s);
        oci_nat_unlock(n);
}

void oci_nat_release(struct oci_nat *n, const char *addr)
{
        struct berth_error err = {};

        oci_nat_lock(n);
        if (native_net_release(addr, &err) < 0)
                log_warning("OCIContainer: the veth of '%s' could not be removed: %s", addr,
                            err.msg);
        oci_nat_unlock(n);
}

static int visit_veth(struct berth_obj *o, void *userdata)
{
        const char *a = berth_obj_to_container(o)->w.nat_addr;
        char name[16];

        if (a && native_net_veth_name(a, name) >= 0)
                return strv_extend(userdata, name) < 0 ? -ENOMEM : 0;
        return 0;
}

void oci_nat_recover(struct oci_nat *n, struct berth_store *s)
{
        _cleanup_strv_free_ char **keep = NULL;
        struct berth_error err = {};

        oci_nat_lock(n);
        if (berth_store_visit_all(s, BERTH_OBJ_CONTAINER, visit_veth, &keep) >= 0 &&
            native_net_sweep(n->range, keep, &err) < 0)
                log_warning("OCIContainer: stale NAT veths could not be removed: %s", err.msg);
        oci_nat_unlock(n);
}
