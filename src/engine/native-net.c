/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network address translation for containers (native-net.h): rtnetlink for the links,
 * libnftables for the table. berthd is multi-threaded: what is done inside the
 * container's network namespace is done by a short-lived thread that joins it
 * (setns(CLONE_NEWNET) is per thread), never by a fork.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "macro.h"
#include "native-net.h"
#include "strv.h"

#define NL_BUF 1024

int berth_nat_range_parse(const char *s, uint32_t *ret_net, unsigned *ret_prefix,
                          struct berth_error *err)
{
        char ip[INET_ADDRSTRLEN], *end;
        const char *slash = s ? strchr(s, '/') : NULL;
        struct in_addr a;
        unsigned long prefix;
        uint32_t net, mask;

        if (!slash || (size_t)(slash - s) >= sizeof(ip))
                return berth_error_set(err, EINVAL, "'%.64s' is not an IPv4 network a.b.c.d/N",
                                       s ? s : "");
        memcpy(ip, s, (size_t)(slash - s));
        ip[slash - s] = '\0';
        errno = 0;
        prefix = strtoul(slash + 1, &end, 10);
        if (inet_pton(AF_INET, ip, &a) != 1 || !slash[1] || *end || errno)
                return berth_error_set(err, EINVAL, "'%.64s' is not an IPv4 network a.b.c.d/N", s);
        if (prefix < 16 || prefix > 30)
                return berth_error_set(err, EINVAL, "'%.64s': the prefix must be 16 to 30", s);
        net = ntohl(a.s_addr);
        mask = ~0u << (32 - prefix);
        if (net & ~mask)
                return berth_error_set(err, EINVAL, "'%.64s' has host bits set", s);
        if ((net & 0xff000000u) != 0x0a000000u && (net & 0xfff00000u) != 0xac100000u &&
            (net & 0xffff0000u) != 0xc0a80000u)
                return berth_error_set(err, EINVAL,
                                       "'%.64s' is not in a private range (10.0.0.0/8, "
                                       "172.16.0.0/12, 192.168.0.0/16)",
                                       s);
        if (ret_net)
                *ret_net = net;
        if (ret_prefix)
                *ret_prefix = (unsigned)prefix;
        return 0;
}

char *berth_nat_addr_format(uint32_t addr, unsigned prefix)
{
        char *s = NULL;

        if (asprintf(&s, "%u.%u.%u.%u/%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
                     addr & 0xff, prefix) < 0)
                return NULL;
        return s;
}

/* "a.b.c.d/N" of a container: its address and prefix, host byte order. */
static int parse_addr(const char *s, uint32_t *ret_addr, unsigned *ret_prefix)
{
        char ip[INET_ADDRSTRLEN], *end;
        const char *slash = strchr(s, '/');
        struct in_addr a;
        unsigned long prefix;

        if (!slash || (size_t)(slash - s) >= sizeof(ip))
                return -EINVAL;
        memcpy(ip, s, (size_t)(slash - s));
        ip[slash - s] = '\0';
        prefix = strtoul(slash + 1, &end, 10);
        if (inet_pton(AF_INET, ip, &a) != 1 || !slash[1] || *end || prefix < 16 || prefix > 30)
                return -EINVAL;
        *ret_addr = ntohl(a.s_addr);
        *ret_prefix = (unsigned)prefix;
        return 0;
}

/* ---- rtnetlink ---------------------------------------------------------------------- */

struct nlreq {
        struct nlmsghdr h;
        char buf[NL_BUF];
};

static void *nl_tail(struct nlreq *q)
{
        return (char *)&q->h + NLMSG_ALIGN(q->h.nlmsg_len);
}

static struct rtattr *nl_attr(struct nlreq *q, unsigned short type, const void *data, size_t len)
{
        struct rtattr *a = nl_tail(q);
        size_t size = RTA_LENGTH(len);

        /* Every request here is a few small attributes, far below NL_BUF. */
        assert(NLMSG_ALIGN(q->h.nlmsg_len) + RTA_ALIGN(size) <= sizeof(*q));
        a->rta_type = type;
        a->rta_len = (unsigned short)size;
        if (len)
                memcpy(RTA_DATA(a), data, len);
        q->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(q->h.nlmsg_len) + RTA_ALIGN(size));
        return a;
}

static struct rtattr *nl_nest(struct nlreq *q, unsigned short type)
{
        return nl_attr(q, type, NULL, 0);
}

static void nl_nest_end(struct nlreq *q, struct rtattr *nest)
{
        nest->rta_len = (unsigned short)((char *)nl_tail(q) - (char *)nest);
}

static void nl_str(struct nlreq *q, unsigned short type, const char *s)
{
        nl_attr(q, type, s, strlen(s) + 1);
}

static void nl_u32(struct nlreq *q, unsigned short type, uint32_t v)
{
        nl_attr(q, type, &v, sizeof(v));
}

static void nl_init(struct nlreq *q, uint16_t type, uint16_t flags, const void *hdr, size_t len)
{
        memset(q, 0, sizeof(*q));
        q->h.nlmsg_type = type;
        q->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        q->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
        memcpy(NLMSG_DATA(&q->h), hdr, len);
}

static int nl_open(void)
{
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

        return fd < 0 ? -errno : fd;
}

/* Send q, and wait for its acknowledgement. Returns 0 / the kernel's -errno. */
static int nl_call(int fd, struct nlreq *q)
{
        static uint32_t seq;
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        char buf[4096];
        ssize_t n;

        q->h.nlmsg_seq = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
        if (sendto(fd, q, q->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
                return -errno;
        for (;;) {
                n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != q->h.nlmsg_seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR)
                                return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                }
        }
}

static int link_set_up(int fd, const char *name)
{
        struct ifinfomsg i = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
        struct nlreq q;

        nl_init(&q, RTM_NEWLINK, 0, &i, sizeof(i));
        nl_str(&q, IFLA_IFNAME, name);
        return nl_call(fd, &q);
}

static int link_del(int fd, const char *name)
{
        struct ifinfomsg i = { .ifi_family = AF_UNSPEC };
        struct nlreq q;
        int r;

        nl_init(&q, RTM_DELLINK, 0, &i, sizeof(i));
        nl_str(&q, IFLA_IFNAME, name);
        r = nl_call(fd, &q);
        return r == -ENODEV ? 0 : r;
}

/* addr/prefix on the link (replaced when there). */
static int addr_add(int fd, const char *name, uint32_t addr, unsigned prefix)
{
        struct ifaddrmsg a = { .ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefix };
        uint32_t be = htonl(addr), bcast = htonl(addr | ~(~0u << (32 - prefix)));
        struct nlreq q;

        a.ifa_index = if_nametoindex(name);
        if (a.ifa_index == 0)
                return -errno;
        nl_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &a, sizeof(a));
        nl_attr(&q, IFA_LOCAL, &be, sizeof(be));
        nl_attr(&q, IFA_ADDRESS, &be, sizeof(be));
        nl_attr(&q, IFA_BROADCAST, &bcast, sizeof(bcast));
        return nl_call(fd, &q);
}

static int bridge_ensure(int fd, uint32_t gateway, unsigned prefix, struct berth_error *err)
{
        struct ifinfomsg i = { .ifi_family = AF_UNSPEC };
        struct rtattr *info;
        struct nlreq q;
        int r;

        nl_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &i, sizeof(i));
        nl_str(&q, IFLA_IFNAME, BERTH_NAT_BRIDGE);
        info = nl_nest(&q, IFLA_LINKINFO);
        nl_str(&q, IFLA_INFO_KIND, "bridge");
        nl_nest_end(&q, info);
        r = nl_call(fd, &q);
        if (r < 0 && r != -EEXIST)
                return berth_error_set_errno(err, -r, "create the bridge '%s'", BERTH_NAT_BRIDGE);
        r = addr_add(fd, BERTH_NAT_BRIDGE, gateway, prefix);
        if (r < 0)
                return berth_error_set_errno(err, -r, "give the bridge '%s' its address",
                                             BERTH_NAT_BRIDGE);
        r = link_set_up(fd, BERTH_NAT_BRIDGE);
        if (r < 0)
                return berth_error_set_errno(err, -r, "bring the bridge '%s' up", BERTH_NAT_BRIDGE);
        return 0;
}

/* The pair: host_name on the bridge, eth0 in pid's network namespace. */
static int veth_add(int fd, const char *host_name, pid_t pid)
{
        struct ifinfomsg i = { .ifi_family = AF_UNSPEC }, peer = { .ifi_family = AF_UNSPEC };
        struct rtattr *info, *data, *p;
        struct nlreq q;
        unsigned bridge = if_nametoindex(BERTH_NAT_BRIDGE);

        if (bridge == 0)
                return -errno;
        nl_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &i, sizeof(i));
        nl_str(&q, IFLA_IFNAME, host_name);
        nl_u32(&q, IFLA_MASTER, bridge);
        info = nl_nest(&q, IFLA_LINKINFO);
        nl_str(&q, IFLA_INFO_KIND, "veth");
        data = nl_nest(&q, IFLA_INFO_DATA);
        p = nl_attr(&q, VETH_INFO_PEER, &peer, sizeof(peer));
        nl_str(&q, IFLA_IFNAME, "eth0");
        nl_u32(&q, IFLA_NET_NS_PID, (uint32_t)pid);
        nl_nest_end(&q, p);
        nl_nest_end(&q, data);
        nl_nest_end(&q, info);
        return nl_call(fd, &q);
}

static int route_default(int fd, const char *dev, uint32_t gateway)
{
        struct rtmsg m = {
                .rtm_family = AF_INET,
                .rtm_table = RT_TABLE_MAIN,
                .rtm_protocol = RTPROT_BOOT,
                .rtm_scope = RT_SCOPE_UNIVERSE,
                .rtm_type = RTN_UNICAST,
        };
        uint32_t gw = htonl(gateway);
        unsigned oif = if_nametoindex(dev);
        struct nlreq q;

        if (oif == 0)
                return -errno;
        nl_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &m, sizeof(m));
        nl_attr(&q, RTA_GATEWAY, &gw, sizeof(gw));
        nl_u32(&q, RTA_OIF, oif);
        return nl_call(fd, &q);
}

/* ---- inside the container's namespace ---------------------------------------------- */

struct inside {
        int netns_fd;
        uint32_t addr, gateway;
        unsigned prefix;
        struct berth_error *err;
        int r;
};

/* A thread of its own, in the container's network namespace (setns() is per thread for
 * it): lo and eth0 up, eth0's address, the default route. if_nametoindex() and the
 * netlink socket are of the thread's namespace. */
static void *inside_main(void *userdata)
{
        struct inside *in = userdata;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (setns(in->netns_fd, CLONE_NEWNET) < 0) {
                in->r = berth_error_set_errno(in->err, errno, "join the container's network");
                return NULL;
        }
        fd = nl_open();
        r = fd < 0 ? fd : link_set_up(fd, "lo");
        if (r >= 0)
                r = addr_add(fd, "eth0", in->addr, in->prefix);
        if (r >= 0)
                r = link_set_up(fd, "eth0");
        if (r >= 0)
                r = route_default(fd, "eth0", in->gateway);
        in->r = r < 0 ? berth_error_set_errno(in->err, -r, "configure eth0 in the container") : 0;
        return NULL;
}

static int configure_inside(pid_t pid, uint32_t addr, unsigned prefix, uint32_t gateway,
                            struct berth_error *err)
{
        char path[64];
        struct inside in = { .addr = addr, .prefix = prefix, .gateway = gateway, .err = err };
        _cleanup_close_ int netns = -EBADF;
        pthread_t t;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        netns = open(path, O_RDONLY | O_CLOEXEC);
        if (netns < 0)
                return berth_error_set_errno(err, errno, "open '%s'", path);
        in.netns_fd = netns;
        r = -pthread_create(&t, NULL, inside_main, &in);
        if (r < 0)
                return berth_error_set_errno(err, -r, "start a thread for the container's network");
        (void)pthread_join(t, NULL);
        return in.r;
}

/* ---- nftables ----------------------------------------------------------------------- */

struct nft_job {
        const char *cmd;
        bool missing_ok;
        struct berth_error *err;
        int r;
};

static void *nft_main(void *userdata)
{
        struct nft_job *j = userdata;
        struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
        const char *msg;

        j->r = 0;
        if (!nft) {
                j->r = -ENOMEM;
                return NULL;
        }
        (void)nft_ctx_buffer_output(nft);
        (void)nft_ctx_buffer_error(nft);
        if (nft_run_cmd_from_buffer(nft, j->cmd) != 0) {
                msg = nft_ctx_get_error_buffer(nft);
                if (!j->missing_ok || !msg || !strstr(msg, "No such file or directory"))
                        j->r = berth_error_set(j->err, EIO, "nftables: %.400s",
                                               msg && *msg ? msg : "failed");
        }
        nft_ctx_free(nft);
        return NULL;
}

/* libnftables' parser needs more stack than a civetweb worker has (about 100 KiB): it
 * runs on a thread of its own, with the usual 8 MiB. */
static int nft_run(const char *cmd, bool missing_ok, struct berth_error *err)
{
        struct nft_job j = { .cmd = cmd, .missing_ok = missing_ok, .err = err };
        pthread_attr_t attr;
        pthread_t t;
        int r;

        if (pthread_attr_init(&attr) != 0)
                return -ENOMEM;
        r = -pthread_attr_setstacksize(&attr, 8u << 20);
        if (r >= 0)
                r = -pthread_create(&t, &attr, nft_main, &j);
        (void)pthread_attr_destroy(&attr);
        if (r < 0)
                return berth_error_set_errno(err, -r, "start a thread for nftables");
        (void)pthread_join(t, NULL);
        return j.r;
}

/* The table, made again whole in one transaction (nft -f): masquerade of what the range
 * sends out of the host but not to its bridge, and forwarding to and from the bridge
 * (a chain of its own accepts; another table's drop still drops). */
static int table_ensure(uint32_t net, unsigned prefix, struct berth_error *err)
{
        _cleanup_free_ char *range = berth_nat_addr_format(net, prefix), *cmd = NULL;

        if (!range)
                return -ENOMEM;
        if (asprintf(&cmd,
                     "table %1$s {}\n"
                     "flush table %1$s\n"
                     "table %1$s {\n"
                     "  chain postrouting {\n"
                     "    type nat hook postrouting priority srcnat; policy accept;\n"
                     "    ip saddr %2$s oifname != \"%3$s\" masquerade\n"
                     "  }\n"
                     "  chain forward {\n"
                     "    type filter hook forward priority filter; policy accept;\n"
                     "    iifname \"%3$s\" accept\n"
                     "    oifname \"%3$s\" ct state established,related accept\n"
                     "  }\n"
                     "}\n",
                     BERTH_NAT_TABLE, range, BERTH_NAT_BRIDGE) < 0)
                return -ENOMEM;
        return nft_run(cmd, /* missing_ok= */ false, err);
}

static void ip_forward_on(void)
{
        _cleanup_close_ int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
        char c = '1';

        if (fd < 0 || pread(fd, &c, 1, 0) != 1 || c == '1')
                return;
        if (pwrite(fd, "1", 1, 0) != 1)
                log_warning("Could not set net.ipv4.ip_forward for NAT containers, ignoring: %m");
        else
                log_info("Set net.ipv4.ip_forward to 1 for NAT containers");
}

/* ---- the container's network -------------------------------------------------------- */

static void veth_name(uint32_t addr, char ret[static IFNAMSIZ])
{
        snprintf(ret, IFNAMSIZ, "bn%08x", addr);
}

int native_net_release(const char *nat_addr, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        char name[IFNAMSIZ];
        uint32_t addr;
        unsigned prefix;
        int r;

        if (parse_addr(nat_addr, &addr, &prefix) < 0)
                return berth_error_set(err, EINVAL, "nat address '%.64s' is not a.b.c.d/N",
                                       nat_addr);
        veth_name(addr, name);
        fd = nl_open();
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "open a netlink socket");
        r = link_del(fd, name);
        return r < 0 ? berth_error_set_errno(err, -r, "delete '%s'", name) : 0;
}

int native_net_setup(pid_t pid, const char *nat_addr, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        uint32_t addr, net, gateway;
        unsigned prefix;
        char host_name[IFNAMSIZ];
        int r;

        if (parse_addr(nat_addr, &addr, &prefix) < 0)
                return berth_error_set(err, EINVAL, "nat address '%.64s' is not a.b.c.d/N",
                                       nat_addr);
        net = addr & (~0u << (32 - prefix));
        gateway = net + 1;
        /* Named after the address, which is the container's alone: a pair left by a
         * namespace still alive goes first. */
        veth_name(addr, host_name);
        fd = nl_open();
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "open a netlink socket");
        r = bridge_ensure(fd, gateway, prefix, err);
        if (r >= 0)
                r = table_ensure(net, prefix, err);
        if (r < 0)
                return r;
        ip_forward_on();
        (void)link_del(fd, host_name);
        r = veth_add(fd, host_name, pid);
        if (r < 0)
                return berth_error_set_errno(err, -r, "create the veth pair '%s'", host_name);
        r = link_set_up(fd, host_name);
        if (r < 0)
                r = berth_error_set_errno(err, -r, "bring '%s' up", host_name);
        else
                r = configure_inside(pid, addr, prefix, gateway, err);
        if (r < 0)
                (void)link_del(fd, host_name);
        return r;
}

/* The names of the links enslaved to the bridge that are berth's veths ("bn" and
 * eight hex digits, the address) of the range net/prefix and not in keep, and how many
 * links the bridge has in all. */
static int stale_veths(int fd, unsigned bridge, uint32_t net, unsigned prefix, char *const *keep,
                       char ***ret, size_t *ret_ports)
{
        struct ifinfomsg i = { .ifi_family = AF_UNSPEC };
        struct nlreq q;
        char buf[16384];
        ssize_t n;

        nl_init(&q, RTM_GETLINK, NLM_F_DUMP, &i, sizeof(i));
        q.h.nlmsg_flags &= (uint16_t)~NLM_F_ACK;
        if (send(fd, &q, q.h.nlmsg_len, 0) < 0)
                return -errno;
        for (;;) {
                n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
                     h = NLMSG_NEXT(h, n)) {
                        struct ifinfomsg *m = NLMSG_DATA(h);
                        int len = (int)IFLA_PAYLOAD(h);
                        const char *name = NULL;
                        unsigned master = 0;

                        if (h->nlmsg_type == NLMSG_DONE)
                                return 0;
                        if (h->nlmsg_type == NLMSG_ERROR)
                                return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                        for (struct rtattr *a = IFLA_RTA(m); RTA_OK(a, len); a = RTA_NEXT(a, len))
                                if (a->rta_type == IFLA_IFNAME)
                                        name = RTA_DATA(a);
                                else if (a->rta_type == IFLA_MASTER)
                                        master = *(uint32_t *)RTA_DATA(a);
                        if (master != bridge || !name)
                                continue;
                        (*ret_ports)++;
                        if (strlen(name) == 10 && strncmp(name, "bn", 2) == 0 &&
                            strspn(name + 2, "0123456789abcdef") == 8 &&
                            (strtoul(name + 2, NULL, 16) & (~0u << (32 - prefix))) == net &&
                            !strv_contains(keep, name) && strv_extend(ret, name) < 0)
                                return -ENOMEM;
                }
        }
}

int native_net_sweep(const char *range, char *const *keep, struct berth_error *err)
{
        _cleanup_strv_free_ char **stale = NULL;
        _cleanup_close_ int fd = -EBADF;
        unsigned bridge = if_nametoindex(BERTH_NAT_BRIDGE), prefix;
        uint32_t net;
        size_t ports = 0;
        int r;

        if (bridge == 0)
                return 0;
        r = berth_nat_range_parse(range, &net, &prefix, err);
        if (r < 0)
                return r;
        fd = nl_open();
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "open a netlink socket");
        r = stale_veths(fd, bridge, net, prefix, keep, &stale, &ports);
        if (r < 0)
                return berth_error_set_errno(err, -r, "list the links of '%s'", BERTH_NAT_BRIDGE);
        STRV_FOREACH (v, stale) {
                r = link_del(fd, *v);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "delete '%s'", *v);
        }
        return 0;
}

int native_net_veth_name(const char *nat_addr, char ret[static IFNAMSIZ])
{
        uint32_t addr;
        unsigned prefix;

        if (parse_addr(nat_addr, &addr, &prefix) < 0)
                return -EINVAL;
        veth_name(addr, ret);
        return 0;
}

int native_net_teardown(struct berth_error *err)
{
        _cleanup_strv_free_ char **stale = NULL;
        _cleanup_close_ int fd = nl_open();
        unsigned bridge = if_nametoindex(BERTH_NAT_BRIDGE);
        size_t ports = 0;
        int r;

        if (fd < 0)
                return berth_error_set_errno(err, -fd, "open a netlink socket");
        /* A bridge with ports is in use still: by containers of another berthd on this
         * host, or a pair the kernel has not removed yet. */
        if (bridge > 0) {
                r = stale_veths(fd, bridge, 0, 32, NULL, &stale, &ports);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "list the links of '%s'",
                                                     BERTH_NAT_BRIDGE);
                if (ports > 0)
                        return 0;
        }
        r = link_del(fd, BERTH_NAT_BRIDGE);
        if (r < 0)
                return berth_error_set_errno(err, -r, "delete the bridge '%s'", BERTH_NAT_BRIDGE);
        return nft_run("delete table " BERTH_NAT_TABLE "\n", /* missing_ok= */ true, err);
}
