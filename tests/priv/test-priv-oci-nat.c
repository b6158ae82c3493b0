/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dobby's network "nat" end to end (issue 16): a real berthd with a range of the test's
 * own (10.213.<pid % 200>.0/24), the seed's spec verbatim. Its container gets eth0 at
 * the range's .2 on berth-nat0 (the bridge at .1); a second one, at .3, reaches a TCP
 * server the test runs on the bridge's address; the next one gets .3 again; a restart
 * of berthd keeps the running container's address and removes the veth of one that went
 * while it was down; after the last nat container the
 * bridge and the nftables table are gone. A range that is not private, too big or too
 * small keeps berthd from starting, naming the flag. The host is left as it was.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness-oci.h"
#include "harness.h"
#include "macro.h"

static struct test_berthd d;
static char cgparent[64];
static char work[300];
static char range[32], prefix[24]; /* "10.213.7.0/24", "10.213.7." */
static char ip_forward_was;
static bool container_log_was;

static const char *const *extra(void)
{
        static const char *a[] = { "--cgroup-parent", cgparent, "--oci-nat-range", range, NULL };
        return a;
}

/* argv's exit status, its output discarded; usable outside a test (no ck_*), as main()
 * cleans before and after the suite. */
static int run_quiet(const char *const *argv)
{
        posix_spawn_file_actions_t fa;
        int status = -1;
        pid_t pid;

        if (posix_spawn_file_actions_init(&fa) != 0)
                return -1;
        (void)posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        (void)posix_spawn_file_actions_adddup2(&fa, 1, 2);
        if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) != 0)
                pid = -1;
        posix_spawn_file_actions_destroy(&fa);
        if (pid < 0 || waitpid(pid, &status, 0) != pid)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* What a failed run may have left: the bridge, the table. */
static void host_clean(void)
{
        (void)run_quiet((const char *[]){ "ip", "link", "del", "berth-nat0", NULL });
        (void)run_quiet((const char *[]){ "ip", "link", "del", "bnstale-peer", NULL });
        (void)run_quiet((const char *[]){ "nft", "delete", "table", "ip", "berth_nat", NULL });
}

static void setup(void)
{
        (void)test_sweep(cgparent);
        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", work, NULL }), 0);
        test_berthd_start(&d, false, extra());
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
        host_clean();
}

static json_t *result_of(const char *body)
{
        struct test_reply r;
        json_t *j;

        test_http_headers(&d, "POST", "/jsonrpc/", body, NULL, &r);
        ck_assert_msg(r.status == 200 && r.json, "POST %s: HTTP %ld: %s", body, r.status,
                      r.body ? r.body : "");
        j = json_incref(json_object_get(r.json, "result"));
        ck_assert_msg(j, "no result: %s", r.body);
        test_reply_done(&r);
        return j;
}

_printf_(2, 3) static json_t *rpc(const char *method, const char *params_fmt, ...)
{
        _cleanup_free_ char *params = NULL, *body = NULL;
        va_list ap;

        va_start(ap, params_fmt);
        ck_assert_int_ge(vasprintf(&params, params_fmt, ap), 0);
        va_end(ap);
        ck_assert_int_ge(asprintf(&body,
                                  "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
                                  "\"org.rdk.OCIContainer.1.%s\",\"params\":%s}",
                                  method, params),
                         0);
        return result_of(body);
}

static bool ok(const json_t *result)
{
        return json_is_true(json_object_get(result, "success"));
}

static void start_ok(const char *body)
{
        json_auto_t *r = result_of(body);

        ck_assert_msg(ok(r), "start: %s", json_dumps(r, JSON_COMPACT));
}

static void stop_ok(const char *id)
{
        json_auto_t *r = rpc("stopContainer", "{\"containerId\":\"%s\",\"force\":true}", id);

        ck_assert_msg(ok(r), "stop %s: %s", id, json_dumps(r, JSON_COMPACT));
}

/* The seed's body as container id with args (a JSON array's text), its console in the
 * test's directory. */
static char *nat_spec(const char *id, const char *args)
{
        json_auto_t *req = json_loads(test_oci_seed_dobby_body, 0, NULL);
        json_t *spec, *a = json_loads(args, 0, NULL);
        char path[400];

        ck_assert_ptr_nonnull(req);
        ck_assert_ptr_nonnull(a);
        json_object_set_new(json_object_get(req, "params"), "containerId", json_string(id));
        spec = json_object_get(json_object_get(req, "params"), "dobbySpec");
        json_object_set_new(spec, "args", a);
        (void)snprintf(path, sizeof(path), "%s/%s.log", work, id);
        json_object_set_new(json_object_get(spec, "console"), "path", json_string(path));
        return json_dumps(req, JSON_COMPACT);
}

static char *exec_out(const char *id, const char *command)
{
        json_auto_t *c = json_string(command);
        _cleanup_free_ char *cs = json_dumps(c, JSON_ENCODE_ANY);
        json_auto_t *r = rpc("executeCommand", "{\"containerId\":\"%s\",\"command\":%s}", id, cs);

        ck_assert_msg(ok(r) && json_integer_value(json_object_get(r, "exitCode")) == 0, "%s: %s",
                      command, json_dumps(r, JSON_COMPACT));
        return strdup(json_string_value(json_object_get(r, "output")) ?: "");
}

/* eth0 of container id has prefix + host as its address (and nothing else of the
 * range). */
static void assert_addr(const char *id, int host)
{
        _cleanup_free_ char *out = exec_out(id, "ip -4 -o addr show dev eth0");
        char want[64];

        (void)snprintf(want, sizeof(want), "inet %s%d/24", prefix, host);
        ck_assert_msg(strstr(out, want), "%s: eth0 is '%s', not %s", id, out, want);
}

/* The host end of the pair of the container at prefix + host. */
static const char *veth_name(int host)
{
        static char name[IF_NAMESIZE];
        unsigned a, b, c;

        ck_assert_int_eq(sscanf(prefix, "%u.%u.%u.", &a, &b, &c), 3);
        (void)snprintf(name, sizeof(name), "bn%02x%02x%02x%02x", a, b, c, (unsigned)host);
        return name;
}

static bool veth_exists(int host)
{
        return if_nametoindex(veth_name(host)) != 0;
}

static bool table_exists(void)
{
        return run_quiet((const char *[]){ "nft", "list", "table", "ip", "berth_nat", NULL }) == 0;
}

static bool bridge_exists(void)
{
        return if_nametoindex("berth-nat0") != 0;
}

/* A TCP server on the bridge's address; its port in *ret_port. */
static int listen_on_bridge(uint16_t *ret_port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof(sa);
        char gw[32];
        int fd;

        (void)snprintf(gw, sizeof(gw), "%s1", prefix);
        ck_assert_int_eq(inet_pton(AF_INET, gw, &sa.sin_addr), 1);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(fd, 4), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        *ret_port = ntohs(sa.sin_port);
        return fd;
}

/* What the first client sends (up to 63 bytes), within 15 s. */
static void accept_hello(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char buf[64] = "";
        ssize_t n, got = 0;
        int c;

        ck_assert_msg(poll(&p, 1, 15000) == 1, "no container connected to the bridge's address");
        c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        ck_assert_int_ge(c, 0);
        p = (struct pollfd){ .fd = c, .events = POLLIN };
        while (got < (ssize_t)sizeof(buf) - 1 && poll(&p, 1, 5000) == 1 &&
               (n = read(c, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
                got += n;
        close(c);
        ck_assert_str_eq(buf, "hello\n");
}

/* ---- the tests ---------------------------------------------------------------------- */

START_TEST(nat)
{
        _cleanup_free_ char *client = NULL, *third = nat_spec("third", "[\"sleep\", \"60\"]"),
                            *fourth = nat_spec("fourth", "[\"sleep\", \"60\"]");
        char cmd[200];
        uint16_t port;
        int srv;

        ck_assert(!bridge_exists());
        /* The seed's spec, verbatim: eth0 at .2, the bridge and the table made. */
        start_ok(test_oci_seed_dobby_body);
        ck_assert(bridge_exists());
        ck_assert(table_exists());
        ck_assert(veth_exists(2));
        assert_addr("SleepTest", 2);
        {
                _cleanup_free_ char *out = exec_out("SleepTest", "ip -4 route show default");
                char want[64];

                (void)snprintf(want, sizeof(want), "default via %s1 dev eth0", prefix);
                ck_assert_msg(strstr(out, want), "route: '%s'", out);
        }

        /* A second one, at .3, reaches the test's server on the bridge's address as soon
         * as it runs. */
        srv = listen_on_bridge(&port);
        (void)snprintf(cmd, sizeof(cmd),
                       "[\"sh\", \"-c\", \"echo hello | busybox nc -w 3 %s1 %u; sleep 60\"]",
                       prefix, port);
        client = nat_spec("client", cmd);
        start_ok(client);
        assert_addr("client", 3);
        accept_hello(srv);
        close(srv);

        /* Stopped: its pair goes, and its address comes next again. */
        stop_ok("client");
        ck_assert(!veth_exists(3));
        start_ok(third);
        assert_addr("third", 3);
        ck_assert(veth_exists(3));

        /* A restart of berthd keeps the addresses: the next one gets .4. */
        test_berthd_kill(&d);
        /* A pair of a container gone while berthd was down (.254): swept at the start. */
        {
                ck_assert_int_eq(
                        test_run((const char *[]){ "ip", "link", "add", veth_name(254), "type",
                                                   "veth", "peer", "name", "bnstale-peer", NULL }),
                        0);
                ck_assert_int_eq(test_run((const char *[]){ "ip", "link", "set", veth_name(254),
                                                            "master", "berth-nat0", NULL }),
                                 0);
                ck_assert(veth_exists(254));
        }
        test_berthd_spawn(&d, false, extra());
        ck_assert(!veth_exists(254));
        assert_addr("SleepTest", 2);
        assert_addr("third", 3);
        start_ok(fourth);
        assert_addr("fourth", 4);

        /* After the last one, nothing of the NAT is left. */
        stop_ok("SleepTest");
        stop_ok("third");
        ck_assert(bridge_exists());
        ck_assert(table_exists());
        stop_ok("fourth");
        ck_assert(!veth_exists(2) && !veth_exists(3) && !veth_exists(4));
        ck_assert(!bridge_exists());
        ck_assert(!table_exists());
}
END_TEST

/* berthd refuses a range it cannot use, naming the flag. */
START_TEST(bad_ranges)
{
        static const char *const bad[] = { "8.8.8.0/24",    "10.0.0.0/8", "10.213.0.0/31",
                                           "10.213.0.1/24", "10.213.0.0", "x/24" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char out[2048];
                int r = test_berthd_run((const char *[]){ "--oci-nat-range", bad[i], NULL }, out,
                                        sizeof(out));

                ck_assert_msg(r != 0, "%s accepted", bad[i]);
                ck_assert_msg(strstr(out, "--oci-nat-range"), "%s: '%s'", bad[i], out);
        }
}
END_TEST

static Suite *nat_suite(void)
{
        Suite *s = suite_create("oci-nat");

        tcase_add_test(test_tcase(s, "nat", setup, teardown, 90), nat);
        tcase_add_test(test_tcase(s, "bad", NULL, NULL, 30), bad_ranges);
        return s;
}

static void read_ip_forward(char *c)
{
        FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "re");

        *c = '0';
        if (f) {
                *c = (char)fgetc(f);
                fclose(f);
        }
}

int main(void)
{
        const char *tmp;
        int r;

        test_require_root("test-priv-oci-nat");
        test_priv_begin("test-priv-oci-nat", "oci-nat");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        (void)snprintf(prefix, sizeof(prefix), "10.213.%d.", (int)(getpid() % 200));
        (void)snprintf(range, sizeof(range), "%s0/24", prefix);
        tmp = getenv("TMPDIR");
        (void)snprintf(work, sizeof(work), "%s/oci-nat", tmp && *tmp ? tmp : "/var/tmp");
        read_ip_forward(&ip_forward_was);
        container_log_was = access("/tmp/container.log", F_OK) == 0;
        r = test_priv_run(nat_suite(), "test-priv-oci-nat", NULL, cgparent);
        /* berthd turns forwarding on for NAT; the host had it as it was. */
        if (ip_forward_was == '0') {
                FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "we");
                if (f) {
                        fputs("0", f);
                        fclose(f);
                }
        }
        if (!container_log_was)
                (void)unlink("/tmp/container.log");
        host_clean();
        return r;
}
