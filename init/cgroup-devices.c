/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

/* Does the group allow everything (the default of a group nobody restricted)? */
static bool allows_all(const char *dir)
{
        char path[4096], buf[256];

        if ((size_t)snprintf(path, sizeof(path), "%s/devices.list", dir) >= sizeof(path))
                return true;
        if (read_one_line(path, buf, sizeof(buf)) < 0)
                return true;
        return !buf[0] || strncmp(buf, "a *:* rwm", 9) == 0;
}

int berth_devices_v1_set(const char *dir)
{
        char rule[64];
        int r = berth_cgroup_write(dir, "devices.deny", "a");

        /* The kernel refuses to change a group's default while it has children (the
         * containers a restarted berthd re-adopts): fine when it denies already. */
        if (r == -EINVAL && !allows_all(dir))
                r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(allowed); i++) {
                if (allowed[i].minor < 0)
                        (void)snprintf(rule, sizeof(rule), "c %d:* rwm", allowed[i].major);
                else
                        (void)snprintf(rule, sizeof(rule), "c %d:%d rwm", allowed[i].major,
                                       allowed[i].minor);
                r = berth_cgroup_write(dir, "devices.allow", rule);
        }
        if (r >= 0)
                r = berth_cgroup_write(dir, "devices.allow", "c *:* m");
        if (r >= 0)
                r = berth_cgroup_write(dir, "devices.allow", "b *:* m");
        return r;
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

/* struct bpf_cgroup_dev_ctx { u32 access_type (type | access << 16); u32 major, minor; }
 * in r1; r0 = 1 allows, 0 denies (EPERM). */
static size_t build(struct bpf_insn *p, size_t max)
{
        size_t n = 0;
        int rules_len = 0;

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
        EMIT(MOV64_IMM(BPF_REG_0, 0));
        EMIT(EXIT());
#undef EMIT
        return n;
}

static int bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int berth_devices_bpf_load(struct berth_error *err)
{
        struct bpf_insn prog[64];
        char log[4096] = "";
        size_t n = build(prog, ELEMENTSOF(prog));
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
