/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct berth_error;

/*
 * Network address translation for containers with a network namespace of their own
 * (a Dobby spec's network "nat"): a bridge on the host, BERTH_NAT_BRIDGE, at the
 * range's first host address; one veth pair per container, its end in the container
 * named eth0 at the container's address with the bridge's as its default route; and
 * an nftables table of berth's own, BERTH_NAT_TABLE, that masquerades what the range
 * sends out of the host (not to the bridge) and lets it be forwarded. IPv4 only.
 * Links, addresses and routes are made over rtnetlink, the table with libnftables.
 */

#define BERTH_NAT_BRIDGE "berth-nat0"
#define BERTH_NAT_TABLE "ip berth_nat"
#define BERTH_NAT_RANGE_DEFAULT "10.77.0.0/24"

/* "10.77.0.0/24": a network address (no host bits) in 10/8, 172.16/12 or 192.168/16,
 * a prefix of 16 to 30. ret_* may be NULL. Returns 0 / -EINVAL (err says why). */
int berth_nat_range_parse(const char *s, uint32_t *ret_net, unsigned *ret_prefix,
                          struct berth_error *err);
/* "a.b.c.d/prefix" of an address (host byte order); NULL only for OOM. */
char *berth_nat_addr_format(uint32_t addr, unsigned prefix);

/* The container's side, for the launch's before_go hook (launch.h): nat_addr is the
 * workload's ("10.77.0.5/24"), pid berth-init's, whose network namespace is new and
 * empty. Makes the bridge and the table when they are missing, sets net.ipv4.ip_forward
 * (a host-wide setting, left on), then the veth pair, eth0's address and route and
 * lo. On failure the pair is removed. Privilege: berthd's, as the host's root.
 * Returns 0 / -errno. */
int native_net_setup(pid_t pid, const char *nat_addr, struct berth_error *err);
/* The host end of the pair of the container that had nat_addr (gone already is no
 * error): the kernel removes it with the namespace, but asynchronously. 0 / -errno. */
int native_net_release(const char *nat_addr, struct berth_error *err);
/* The host's name of the veth of the container at nat_addr. 0 / -EINVAL. */
int native_net_veth_name(const char *nat_addr, char ret[static 16]);
/* Remove berth's veths on the bridge whose names are not in keep: those of containers
 * gone while berthd was not there. 0 / -errno. */
int native_net_sweep(const char *range, char *const *keep, struct berth_error *err);
/* The bridge and the table, when no container uses them any more (the veths go with
 * their namespaces). What is already gone is no error. Returns 0 / -errno. */
int native_net_teardown(struct berth_error *err);
