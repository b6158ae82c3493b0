/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct berth_error;
struct berth_store;

/*
 * The addresses of the door's "nat" containers (a Dobby spec's network "nat"): the
 * lowest free host address of the range from .2 up (.1 is the bridge's), free meaning
 * that no container of the store has it as its workload's nat_addr. The records are
 * what keeps them across a restart of berthd: there is no state of its own to lose.
 * When no container has one any more, the bridge and the nftables table go
 * (native-net.h).
 */

#define OCI_LABEL_NAT "io.berth.oci.nat"

struct oci_nat;

/* range: "10.77.0.0/24" (berth_nat_range_parse()), NULL: the default. -EINVAL / -ENOMEM. */
int oci_nat_new(const char *range, struct oci_nat **ret, struct berth_error *err);
struct oci_nat *oci_nat_free(struct oci_nat *n);

/* Held from oci_nat_take() to the end of the start that uses the address, and by a
 * sweep: a sweep never removes the bridge under a start. Taken after the door's other
 * locks. */
void oci_nat_lock(struct oci_nat *n);
void oci_nat_unlock(struct oci_nat *n);
/* A free address, "a.b.c.d/N" in *ret (the caller's). Locked. -ENOSPC / -ENOMEM. */
int oci_nat_take_locked(struct oci_nat *n, struct berth_store *s, char **ret,
                        struct berth_error *err);
/* The host end of the pair of a container that is gone, at once (the kernel removes it
 * with the namespace, but later). Takes the lock. */
void oci_nat_release(struct oci_nat *n, const char *addr);
/* The bridge and table when no container has an address any more. Locked. */
void oci_nat_sweep_locked(struct oci_nat *n, struct berth_store *s);
void oci_nat_sweep(struct oci_nat *n, struct berth_store *s);
/* At berthd's start: the veths of containers that are gone (before a sweep). */
void oci_nat_recover(struct oci_nat *n, struct berth_store *s);
