/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h> /* workload.h needs it */
#include <jansson.h>
#include <stdbool.h>

#include "oci-config.h"
#include "oci-devices.h"
#include "workload.h"

struct berth_error;

/*
 * A Dobby legacy spec (peers.md §1.3; issue 16, "startContainerFromDobbySpec") as a
 * workload for the native engine, and what the door builds around it: the root file
 * system with its constructed /etc (dobby-root.h). Pure.
 *
 * Every field is honoured or refused by name, unknown ones included (Dobby ignores
 * them). Strings reach the process byte for byte: nothing is pasted into a template,
 * and berth-init, PID 1 of every container, takes DobbyInit's place.
 */

/* The files of the constructed /etc that a spec's "etc" writes. */
enum dobby_etc_file {
        DOBBY_ETC_PASSWD,
        DOBBY_ETC_GROUP,
        DOBBY_ETC_HOSTS,
        DOBBY_ETC_SERVICES,
        DOBBY_ETC_LD_PRELOAD,
        _DOBBY_ETC_MAX,
};

struct dobby_spec {
        /* Everything but the root: dobby_root_make() adds root_path, the host's /usr,
         * /bin … and /tmp in front of the spec's own mounts. */
        struct berth_workload w;
        /* Parallel to w.mounts: what names each mount in messages ("mounts[2]",
         * "syslog", "dbus.system", "westerosSocket"). */
        char **mount_fields;
        /* The lines of each /etc file (NULL: not given, Dobby's default content). */
        char **etc[_DOBBY_ETC_MAX];
        /* network "nat": the door gives w an address (w.nat_addr) as it creates it. */
        bool nat;
        /* The host's node of each of w.limits.devices, bound at its own path. */
        char **device_paths;
        /* The loop mounts (type "loop"): each is a bind mount of w (named by field in
         * mount_fields) whose source is the image file until dobby_root_make() has
         * mounted the image and made the source the directory it is mounted on. */
        struct dobby_loop *loops;
        size_t n_loops;
};

struct dobby_loop {
        char *field;   /* "mounts[2]" */
        char *fstype;  /* "ext4", "squashfs" … (fstype_is_valid()) */
        char *options; /* the file system's options, joined (mountopts_normalize()) */
        bool read_only;
};

/* What the translation needs to know of the node. */
struct dobby_host {
        unsigned ncpus; /* online cpus: cpu.cores is trimmed to them, as Dobby trims it */
        bool cgroup2;   /* a cgroup v2 tree to show read-only at /sys/fs/cgroup */
        /* The devices a spec may ask for (--oci-device-allow); NULL: none. */
        const struct oci_device_allowlist *devices;
        /* The sockets of the AI public and private D-Bus (berthd's --oci-ai-public-bus,
         * --oci-ai-private-bus, as Dobby's SetAIDbusAddress); NULL: this node has none. */
        const char *ai_public_bus, *ai_private_bus;
};

/* spec: the parsed spec. o: the method's params (command replaces args; envvar adds
 * environment; westerosSocket binds that socket at /tmp/westeros), or NULL. Fills *ret
 * (emptied first). -EINVAL (a bad value) or -EOPNOTSUPP (a field berth does not honour
 * yet), err naming the field; *ret is then empty. */
int dobby_spec_translate(json_t *spec, const struct oci_overrides *o, const struct dobby_host *host,
                         struct dobby_spec *ret, struct berth_error *err);
void dobby_spec_done(struct dobby_spec *s);

/* "passwd", "group", "hosts", "services", "ld.so.preload": the file's name in /etc. */
const char *dobby_etc_file_name(enum dobby_etc_file f);

/* Where Dobby's rootfs mounts the host's system bus (dbus.system "system"). */
#define DOBBY_DBUS_SYSTEM_SOCKET "/run/dbus/system_bus_socket"
/* Where the buses a spec's dbus.session and dbus.debug name go in the container, with
 * DBUS_SESSION_BUS_ADDRESS and DBUS_DEBUG_BUS_ADDRESS pointing there. */
#define DOBBY_DBUS_SESSION_SOCKET "/run/dbus/session_bus_socket"
#define DOBBY_DBUS_DEBUG_SOCKET "/run/dbus/debug_bus_socket"
