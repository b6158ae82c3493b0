/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct berth_error;

/*
 * RBD images, two ways (../shared/reference/imageapi.md §1.3, §2.2):
 *
 *  - krbd, where the kernel has the rbd driver (/sys/bus/rbd): the image is mapped by
 *    writing "<monitors> <options> <pool> <image> <snap>" to add_single_major and
 *    appears as /dev/rbdN;
 *  - berth-rbd everywhere else: a helper process per attachment opens the image with
 *    librbd and serves it as the single file "image" in a FUSE mount; berthd then
 *    loop-attaches that file.
 *
 * The rbd_options of the API are kept as given (tri-state booleans, optional numbers),
 * so that each path can honour them or say which one it cannot (never a silent drop).
 * The secret is only ever written to the kernel's sysfs file or to the helper's key
 * pipe: it is not in any message, log line, record or reply.
 */

enum rbd_bool_opt {
        RBD_OPT_SHARE,
        RBD_OPT_NOSHARE,
        RBD_OPT_CRC,
        RBD_OPT_NOCRC,
        RBD_OPT_CEPHX_REQUIRE_SIGNATURES,
        RBD_OPT_NOCEPHX_REQUIRE_SIGNATURES,
        RBD_OPT_TCP_NODELAY,
        RBD_OPT_NOTCP_NODELAY,
        RBD_OPT_CEPHX_SIGN_MESSAGES,
        RBD_OPT_NOCEPHX_SIGN_MESSAGES,
        RBD_OPT_FORCE,
        RBD_OPT_RW,
        RBD_OPT_RO,
        RBD_OPT_LOCK_ON_READ,
        RBD_OPT_EXCLUSIVE,
        RBD_OPT_NOTRIM,
        RBD_OPT_ABORT_ON_FULL,
        _RBD_BOOL_OPT_MAX,
};

enum rbd_int_opt {
        RBD_OPT_MOUNT_TIMEOUT,
        RBD_OPT_OSDKEEPALIVE,
        RBD_OPT_OSD_IDLE_TTL,
        RBD_OPT_QUEUE_DEPTH,
        RBD_OPT_LOCK_TIMEOUT,
        RBD_OPT_ALLOC_SIZE,
        _RBD_INT_OPT_MAX,
};

/* JSON names (the API's), in enum order. */
extern const char *const rbd_bool_opt_names[_RBD_BOOL_OPT_MAX];
extern const char *const rbd_int_opt_names[_RBD_INT_OPT_MAX];

struct berth_rbd_spec {
        char **monitors; /* strv: "host", "host:port", "[v6]", "[v6]:port" */
        char *pool, *image, *snapshot;
        struct {
                char *fsid, *ip, *name, *secret, *ns;
                uint32_t bool_set, bool_val; /* bit (1 << enum rbd_bool_opt) */
                uint32_t int_set;
                int64_t ints[_RBD_INT_OPT_MAX];
        } opt;
};

void berth_rbd_spec_clear(struct berth_rbd_spec *s);
int berth_rbd_spec_copy(struct berth_rbd_spec *dst, const struct berth_rbd_spec *src);

static inline bool rbd_opt_is(const struct berth_rbd_spec *s, enum rbd_bool_opt o)
{
        return (s->opt.bool_set & (1u << o)) && (s->opt.bool_val & (1u << o));
}
static inline bool rbd_opt_has_int(const struct berth_rbd_spec *s, enum rbd_int_opt o)
{
        return s->opt.int_set & (1u << o);
}

/* Read-only when options.ro is set (as the kernel: read-write otherwise), and always
 * for a snapshot. */
bool rbd_spec_read_only(const struct berth_rbd_spec *s);

/* Check a monitor address: a host name, an IPv4 address or a bracketed IPv6 address,
 * each with an optional :port. Returns 0 / -EINVAL. */
int rbd_monitor_check(const char *m);

/* The cephx key of client.<name> from a Ceph configuration: a key= in it, or the
 * keyring it names (else the usual /etc/ceph keyrings). The kernel client reads no
 * configuration, so krbd without options.secret needs this. Returns 0 and a string
 * to free with erase_and_free, -ENOENT (no conf) or -ENOKEY. */
int rbd_key_from_conf(const char *conf, const char *name, char **ret);

/* ---- krbd (sysfs) ----------------------------------------------------------------- */

/* Whether <sysfs_root>/bus/rbd exists. */
bool krbd_available(const char *sysfs_root);

/* Build the line for add_single_major. Every option the kernel knows is passed;
 * force is an unmap option and not part of it. Returns a new string (which holds the
 * secret: free it with erase_and_free) or NULL. */
char *krbd_add_line(const struct berth_rbd_spec *s);

/* The id of a mapped device of this image (pool, image, namespace and snapshot; the
 * head when no snapshot is given), or -ENOENT. */
int krbd_find(const char *sysfs_root, const struct berth_rbd_spec *s);

/* Map, find the new device's id (the devices listed before and after the write,
 * under the caller's lock: berth maps one image at a time) and wait up to timeout_ms
 * for <dev_root>/rbdN, creating the node from sysfs major:minor if no udev does.
 * On any failure after the write the mapping is removed again. */
int krbd_map(const char *sysfs_root, const char *dev_root, const struct berth_rbd_spec *s,
             int timeout_ms, int *ret_id, char **ret_device, struct berth_error *err);
int krbd_unmap(const char *sysfs_root, int id, bool force, struct berth_error *err);

/* ---- berth-rbd (librbd + FUSE) ----------------------------------------------------- */

/* The first rbd_option this path cannot honour, or NULL. */
const char *rbd_helper_unsupported(const struct berth_rbd_spec *s);

struct rbd_helper {
        pid_t pid;
        int pidfd;
        char *mountpoint; /* the FUSE mount; the image is <mountpoint>/image */
        uint64_t size;
        uint64_t starttime; /* with pid, names it across a berthd restart (pidref.h) */
};

/* Start berth-rbd on a new directory under run_dir and wait (bounded by the mount
 * timeout, default 10 s, plus a margin) for READY or its error. The key goes through
 * a pipe. On failure nothing is left: no process, mount or directory. */
int rbd_helper_start(const char *helper_path, const char *run_dir, const char *ceph_conf,
                     const struct berth_rbd_spec *s, struct rbd_helper *ret,
                     struct berth_error *err);

/* SIGTERM (SIGKILL after timeout_ms, or at once when force), wait, lazily unmount a
 * mount the helper left, remove the directory. */
int rbd_helper_stop(struct rbd_helper *h, bool force, int timeout_ms);
void rbd_helper_clear(struct rbd_helper *h);
