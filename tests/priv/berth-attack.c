/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-attack: what a hostile container tries, for tests/priv/test-priv-security. It is
 * linked statically and put into the test image (/usr/local/bin). Each command prints
 * "name=RESULT" lines, RESULT being "ok" or the errno's name, and the test reads them
 * from the container's log. It only ever tries; it exits 0 whatever happened.
 *
 *   berth-attack devices MAJOR MINOR   mknod a block device and open it
 *   berth-attack syscalls              namespaces, io_uring, userfaultfd, the new mount
 *                                      API, bpf, key rings, clone3
 *   berth-attack raw                   raw sockets (sniffing loopback)
 *   berth-attack api PORT              the API: TCP 127.0.0.1:PORT, any berthd.sock in sight
 *   berth-attack proc                  is /proc a procfs and /proc/sys read-only?
 *   berth-attack race DIR SECONDS      rename DIR/proc to and fro (another container's)
 *   berth-attack cgroups               mount each cgroup v1 hierarchy: is release_agent there?
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *result(long r)
{
        static char buf[64];

        if (r >= 0)
                return "ok";
        switch (errno) {
        case EPERM:
                return "EPERM";
        case EACCES:
                return "EACCES";
        case ENOSYS:
                return "ENOSYS";
        case EINVAL:
                return "EINVAL";
        case ENOENT:
                return "ENOENT";
        case ECONNREFUSED:
                return "ECONNREFUSED";
        case EROFS:
                return "EROFS";
        default:
                (void)snprintf(buf, sizeof(buf), "errno%d", errno);
                return buf;
        }
}

static void report(const char *name, long r)
{
        printf("%s=%s\n", name, result(r));
        fflush(stdout);
}

static int devices(int argc, char **argv)
{
        dev_t dev;
        int fd;

        if (argc < 4)
                return 2;
        dev = makedev((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]));
        (void)unlink("/dev/berth-disk");
        report("mknod", mknod("/dev/berth-disk", S_IFBLK | 0600, dev));
        fd = open("/dev/berth-disk", O_RDONLY | O_CLOEXEC);
        report("open", fd);
        if (fd >= 0) {
                char c;
                report("read", read(fd, &c, 1));
                close(fd);
        }
        (void)unlink("/dev/berth-disk");
        return 0;
}

static int child_fn(void *arg)
{
        (void)arg;
        _exit(0);
}

static long clone_flags(unsigned long flags)
{
        static char stack[16384];
        long pid = clone(child_fn, stack + sizeof(stack), (int)flags | SIGCHLD, NULL);

        if (pid > 0)
                (void)waitpid((pid_t)pid, NULL, 0);
        return pid;
}

static int syscalls(void)
{
        struct io_uring_params p = {};
        struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
        union bpf_attr attr = {};
        long r;

        report("unshare_user", unshare(CLONE_NEWUSER));
        report("unshare_net", unshare(CLONE_NEWNET));
        report("unshare_mnt", unshare(CLONE_NEWNS));
        report("unshare_files", unshare(CLONE_FILES));
        report("clone_newuser", clone_flags(CLONE_NEWUSER));
        report("clone_plain", clone_flags(0));
        r = syscall(SYS_clone3, &ca, sizeof(ca));
        if (r == 0)
                _exit(0);
        if (r > 0)
                (void)waitpid((pid_t)r, NULL, 0);
        report("clone3", r);
        {
                int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                report("setns", fd < 0 ? fd : syscall(SYS_setns, fd, 0));
                if (fd >= 0)
                        close(fd);
        }
        r = syscall(SYS_io_uring_setup, 4, &p);
        report("io_uring_setup", r);
        if (r >= 0)
                close((int)r);
        r = syscall(SYS_userfaultfd, 0);
        report("userfaultfd", r);
        if (r >= 0)
                close((int)r);
        r = syscall(SYS_fsopen, "tmpfs", 0);
        report("fsopen", r);
        if (r >= 0)
                close((int)r);
        report("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 0));
        report("bpf", syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
        report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
        report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
        report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
        report("personality_bad", syscall(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */));
        report("getpid", getpid());
        return 0;
}

static int raw(void)
{
        int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

        report("packet", fd);
        if (fd >= 0)
                close(fd);
        fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
        report("raw_tcp", fd);
        if (fd >= 0)
                close(fd);
        return 0;
}

static bool streq_root(const char *d)
{
        return strcmp(d, "/") == 0;
}

/* Every unix socket under dir (not crossing into /proc or /sys): can it be reached? */
static int find_sockets(const char *dir, int depth)
{
        DIR *d;
        struct dirent *de;
        int n = 0;

        if (depth > 12 || !(d = opendir(dir)))
                return 0;
        while ((de = readdir(d))) {
                char p[4096];
                struct stat st;

                if (de->d_name[0] == '.' &&
                    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
                        continue;
                (void)snprintf(p, sizeof(p), "%s/%s", streq_root(dir) ? "" : dir, de->d_name);
                if (streq_root(dir) &&
                    (strcmp(de->d_name, "proc") == 0 || strcmp(de->d_name, "sys") == 0))
                        continue;
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISSOCK(st.st_mode)) {
                        struct sockaddr_un sa = { .sun_family = AF_UNIX };
                        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                        (void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
                        printf("socket_found=%s\n", p);
                        report("socket_connect",
                               fd < 0 ? fd : connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
                        if (fd >= 0)
                                close(fd);
                        n++;
                } else if (S_ISDIR(st.st_mode))
                        n += find_sockets(p, depth + 1);
        }
        closedir(d);
        return n;
}

static int api(int argc, char **argv)
{
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd, r;

        if (argc < 3)
                return 2;
        sa.sin_port = htons((unsigned short)atoi(argv[2]));
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        report("tcp_connect", r);
        if (r >= 0) {
                static const char req[] = "GET /imageapi/v1/container HTTP/1.1\r\nHost: "
                                          "127.0.0.1\r\nConnection: close\r\n\r\n";
                char buf[256] = "";
                ssize_t n;
                if (write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1 &&
                    (n = read(fd, buf, sizeof(buf) - 1)) > 12) {
                        buf[12] = 0;
                        printf("tcp_status=%s\n", buf + 9);
                }
        }
        close(fd);
        printf("sockets=%d\n", find_sockets("/", 0));
        return 0;
}

/* /proc/sys as one object (an fd), so that a /proc changed meanwhile (another container
 * may detach it by removing its mountpoint) cannot mix two answers. */
static int proc(void)
{
        struct statfs sf;
        struct statvfs sv;
        int fd = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                printf("proc_sys=absent\n");
        else if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
                printf("proc_sys=other\n");
        else if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
                printf("proc_sys=procfs-ro\n");
        else
                printf("proc_sys=procfs-rw\n");
        if (fd >= 0)
                close(fd);
        report("write_proc_sys", open("/proc/sys/kernel/printk", O_WRONLY | O_CLOEXEC));
        report("write_sysrq", open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC));
        return 0;
}

static int race(int argc, char **argv)
{
        char a[4096], b[4096], s[4096];
        time_t end;
        long n = 0;

        if (argc < 4)
                return 2;
        (void)snprintf(a, sizeof(a), "%s/proc", argv[2]);
        (void)snprintf(b, sizeof(b), "%s/proc.real", argv[2]);
        end = time(NULL) + atoi(argv[3]);
        /* Swap the real /proc directory of the other container's root with a decoy
         * that has a /sys of its own, again and again; every 64 swaps a pause of a
         * millisecond, so that some of the other container's starts run in between
         * (removing the directory its /proc is mounted on detaches that mount). */
        while (time(NULL) < end) {
                if ((n & 63) == 63)
                        (void)usleep(1000);
                if (rename(a, b) == 0) {
                        (void)mkdir(a, 0555);
                        (void)snprintf(s, sizeof(s), "%s/sys", a);
                        (void)mkdir(s, 0555);
                        (void)rmdir(s);
                        (void)rmdir(a);
                        (void)rename(b, a);
                }
                n++;
        }
        printf("race_rounds=%ld\n", n);
        return 0;
}

static int cgroups(void)
{
        static const char *const opts[] = { "cpu",
                                            "cpuacct",
                                            "cpuset",
                                            "memory",
                                            "devices",
                                            "freezer",
                                            "blkio",
                                            "pids",
                                            "none,name=systemd",
                                            "net_cls",
                                            "perf_event",
                                            "hugetlb",
                                            "rdma",
                                            "none,name=berthevil" };
        int found = 0;

        (void)mkdir("/tmp/cg", 0700);
        for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
                int r = mount("cgroup", "/tmp/cg", "cgroup", 0, opts[i]);
                char name[64];
                (void)snprintf(name, sizeof(name), "mount_%s", opts[i]);
                for (char *p = name; *p; p++)
                        if (*p == ',' || *p == '=')
                                *p = '_';
                report(name, r);
                if (r == 0) {
                        if (access("/tmp/cg/release_agent", F_OK) == 0) {
                                printf("release_agent_in=%s\n", opts[i]);
                                found++;
                        }
                        (void)umount2("/tmp/cg", MNT_DETACH);
                }
        }
        printf("release_agents=%d\n", found);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 2)
                return 2;
        if (strcmp(argv[1], "devices") == 0)
                return devices(argc, argv);
        if (strcmp(argv[1], "syscalls") == 0)
                return syscalls();
        if (strcmp(argv[1], "raw") == 0)
                return raw();
        if (strcmp(argv[1], "api") == 0)
                return api(argc, argv);
        if (strcmp(argv[1], "proc") == 0)
                return proc();
        if (strcmp(argv[1], "race") == 0)
                return race(argc, argv);
        if (strcmp(argv[1], "cgroups") == 0)
                return cgroups();
        return 2;
}
