/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-devices.h"
#include "cgroup.h"
#include "error.h"
#include "fileio.h"
#include "macro.h"

/* Character devices a container may open (minor -1: all of that major). */
static const struct {
        int major, minor;
} allowed[] = {
        { 1, 3 },    { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, /* null zero full random urandom */
        { 5, 0 },    { 5, 1 }, { 5, 2 },                     /* tty console ptmx */
        { 136, -1 },                                         /* pty slaves */
        { 10, 200 },                                         /* net/tun */
};

bool berth_devices_standard(uint32_t major, uint32_t minor)
{
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                if ((uint32_t)allowed[i].major == major &&
                    (allowed[i].minor < 0 || (uint32_t)allowed[i].minor == minor))
                        return true;
        return false;
}

static const char *access_str(unsigned a)
{
        return (a & BERTH_DEVICE_READ) && (a & BERTH_DEVICE_WRITE) ? "rw"
               : a & BERTH_DEVICE_READ                             ? "r"
                                                                   : "w";
}

/* The rules of a parent group, as devices.list shows them; NULL-terminated. */
static char **parent_rules(const struct berth_device *extra, size_t n)
{
        char **v = calloc(ELEMENTSOF(allowed) + n + 3, sizeof(char *));
        size_t k = 0;
        int r = 0;

        for (size_t i = 0; v && i < ELEMENTSOF(allowed); i++) {
                if (allowed[i].minor < 0)
                        r |= asprintf(&v[k++], "c %d:* rwm", allowed[i].major) < 0;
                else
                        r |= asprintf(&v[k++], "c %d:%d rwm", allowed[i].major, allowed[i].minor) <
                             0;
        }
        for (size_t i = 0; v && i < n; i++)
                r |= asprintf(&v[k++], "c %u:%u rw", extra[i].major, extra[i].minor) < 0;
        if (v) {
                r |= !(v[k++] = strdup("c *:* m"));
                r |= !(v[k++] = strdup("b *:* m"));
        }
        if (r && v) {
                for (size_t i = 0; i < k; i++)
                        free(v[i]);
                free(v);
                return NULL;
        }
        return v;
}

static void rules_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

/* Deny what the group allows beyond rules (those of an earlier berthd's allow-list). */
static int deny_others(const char *dir, char *const *rules)
{
        _cleanup_free_ char *list = NULL;
        char path[4096], *save = NULL;
        int r;

        if ((size_t)snprintf(path, sizeof(path), "%s/devices.list", dir) >= sizeof(path))
                return -ENAMETOOLONG;
        r = read_file(path, 1 << 20, &list, NULL);
        if (r < 0)
                return r;
        for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                bool keep = false;

                for (size_t i = 0; rules[i] && !keep; i++)
                        keep = streq(line, rules[i]);
                if (keep)
                        continue;
                if (streq(line, "a *:* rwm"))
                        return -EINVAL; /* allows all, with children: cannot be narrowed */
                r = berth_cgroup_write(dir, "devices.deny", line);
                if (r < 0)
                        return r;
        }
        return 0;
}

int berth_devices_v1_set(const char *dir, const struct berth_device *extra, size_t n)
{
        char **rules = parent_rules(extra, n);
        int r;

        if (!rules)
                return -ENOMEM;
        r = berth_cgroup_write(dir, "devices.deny", "a");
        /* The kernel refuses to change a group's default while it has children (the
         * containers a restarted berthd re-adopts): then what is not in the list now
         * goes rule by rule. */
        if (r == -EINVAL)
                r = deny_others(dir, rules);
        for (size_t i = 0; r >= 0 && rules[i]; i++)
                r = berth_cgroup_write(dir, "devices.allow", rules[i]);
        rules_free(rules);
        return r;
}

int berth_cgroup_system_allow_devices(struct berth_cgroup_system *cs, const struct berth_device *d,
                                      size_t n)
{
        struct berth_device *v = calloc(n + 1, sizeof(*v));
        size_t k = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!berth_devices_standard(d[i].major, d[i].minor))
                        v[k++] = (struct berth_device){ d[i].major, d[i].minor,
                                                        BERTH_DEVICE_READ | BERTH_DEVICE_WRITE };
        free(cs->extra);
        cs->extra = v;
        cs->n_extra = k;
        return 0;
}

int berth_devices_v1_narrow(const char *dir, const struct berth_device *extra, size_t n,
                            const struct berth_limits *want, struct berth_error *err)
{
        char rule[64];
        int r;

        for (size_t i = 0; i < n; i++) {
                (void)snprintf(rule, sizeof(rule), "c %u:%u rw", extra[i].major, extra[i].minor);
                r = berth_cgroup_write(dir, "devices.deny", rule);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "deny %s in '%s'", rule, dir);
        }
        for (unsigned i = 0; want && i < want->n_devices; i++) {
                const struct berth_device *d = &want->devices[i];

                if (berth_devices_standard(d->major, d->minor))
                        continue;
                (void)snprintf(rule, sizeof(rule), "c %u:%u %s", d->major, d->minor,
                               access_str(d->access));
                r = berth_cgroup_write(dir, "devices.allow", rule);
                if (r < 0)
                        return berth_error_set_errno(err, -r,
                                                     "limits.devices[%u]: allow %s in '%s' (not "
                                                     "in the node's device allow-list?)",
                                                     i, rule, dir);
        }
        return 0;
}

/* ---- the BPF program -------------------------------------------------------------- */

#define INSN(c, d, s, o, i) \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV32_REG(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define AND32_IMM(d, i) INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH32_IMM(d, i) INSN(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The BPF access bits a container may not have on d (of read and write). */
static int32_t denied_bits(const struct berth_device *d)
{
        return (d->access & BERTH_DEVICE_READ ? 0 : BPF_DEVCG_ACC_READ) |
               (d->access & BERTH_DEVICE_WRITE ? 0 : BPF_DEVCG_ACC_WRITE);
}

/* struct bpf_cgroup_dev_ctx { u32 access_type (type | access << 16); u32 major, minor; }
 * in r1; r0 = 1 allows, 0 denies (EPERM). extra: devices beyond the list, each opened
 * with the access it has only. */
static size_t build(struct bpf_insn *p, size_t max, const struct berth_device *extra,
                    size_t n_extra)
{
        size_t n = 0;
        int rules_len = (int)n_extra * 7;

        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                rules_len += allowed[i].minor < 0 ? 3 : 4;

#define EMIT(x)                   \
        do {                      \
                if (n >= max)     \
                        return 0; \
                p[n++] = (x);     \
        } while (0)
        EMIT(LDX_W(BPF_REG_2, BPF_REG_1, 0));
        EMIT(MOV32_REG(BPF_REG_3, BPF_REG_2));
        EMIT(AND32_IMM(BPF_REG_3, 0xffff)); /* r3: BPF_DEVCG_DEV_BLOCK or _CHAR */
        EMIT(RSH32_IMM(BPF_REG_2, 16));     /* r2: BPF_DEVCG_ACC_* bits */
        EMIT(LDX_W(BPF_REG_4, BPF_REG_1, 4));
        EMIT(LDX_W(BPF_REG_5, BPF_REG_1, 8));
        /* mknod alone, of any node. */
        EMIT(JNE_IMM(BPF_REG_2, BPF_DEVCG_ACC_MKNOD, 2));
        EMIT(MOV64_IMM(BPF_REG_0, 1));
        EMIT(EXIT());
        /* Opening: character devices of the list only. */
        EMIT(JNE_IMM(BPF_REG_3, BPF_DEVCG_DEV_CHAR, rules_len));
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++) {
                if (allowed[i].minor < 0) {
                        EMIT(JNE_IMM(BPF_REG_4, allowed[i].major, 2));
                } else {
                        EMIT(JNE_IMM(BPF_REG_4, allowed[i].major, 3));
                        EMIT(JNE_IMM(BPF_REG_5, allowed[i].minor, 2));
                }
                EMIT(MOV64_IMM(BPF_REG_0, 1));
                EMIT(EXIT());
        }
        for (size_t i = 0; i < n_extra; i++) {
                EMIT(JNE_IMM(BPF_REG_4, (int32_t)extra[i].major, 6));
                EMIT(JNE_IMM(BPF_REG_5, (int32_t)extra[i].minor, 5));
                EMIT(MOV32_REG(BPF_REG_6, BPF_REG_2));
                EMIT(AND32_IMM(BPF_REG_6, denied_bits(&extra[i])));
                EMIT(JNE_IMM(BPF_REG_6, 0, 2));
                EMIT(MOV64_IMM(BPF_REG_0, 1));
                EMIT(EXIT());
        }
        EMIT(MOV64_IMM(BPF_REG_0, 0));
        EMIT(EXIT());
#undef EMIT
        return n;
}

static int bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int berth_devices_bpf_load(const struct berth_limits *want, struct berth_error *err)
{
        struct berth_device extra[BERTH_DEVICES_MAX];
        struct bpf_insn prog[64 + 7 * BERTH_DEVICES_MAX];
        char log[4096] = "";
        size_t n_extra = 0, n;

        for (unsigned i = 0; want && i < want->n_devices && i < BERTH_DEVICES_MAX; i++)
                if (!berth_devices_standard(want->devices[i].major, want->devices[i].minor))
                        extra[n_extra++] = want->devices[i];
        n = build(prog, ELEMENTSOF(prog), extra, n_extra);
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uint64_t)(uintptr_t)prog,
                .insn_cnt = (uint32_t)n,
                .license = (uint64_t)(uintptr_t) "GPL",
                .log_buf = (uint64_t)(uintptr_t)log,
                .log_size = sizeof(log),
                .log_level = 1,
        };
        int fd;

        if (n == 0)
                return berth_error_set(err, E2BIG, "the device program does not fit");
        fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd < 0 && errno == ENOSPC) {
                /* The verifier's log did not fit: load without it. */
                attr.log_buf = 0;
                attr.log_size = 0;
                attr.log_level = 0;
                fd = bpf(BPF_PROG_LOAD, &attr);
        }
        if (fd < 0)
                return berth_error_set_errno(err, errno, "load the cgroup device program%s%.200s",
                                             log[0] ? ": " : "", log);
        return fd;
}

int berth_devices_bpf_attach(int prog_fd, int dir_fd, const char *dir, struct berth_error *err)
{
        union bpf_attr attr = {
                .target_fd = (uint32_t)dir_fd,
                .attach_bpf_fd = (uint32_t)prog_fd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = BPF_F_ALLOW_MULTI,
        };

        if (bpf(BPF_PROG_ATTACH, &attr) < 0)
                return berth_error_set_errno(err, errno, "attach the device program to '%s'", dir);
        return 0;
}
