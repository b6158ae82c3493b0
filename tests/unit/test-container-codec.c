/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container codec alone: imageapi_decode_container() on good and bad bodies, and
 * imageapi_encode_container() on containers built in memory.
 *
 * JSON in this file is written with ' for " to keep it readable; a literal ' inside a
 * JSON string is written \u0027.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "error.h"
#include "imageapi-codec.h"
#include "macro.h"
#include "store.h"
#include "strv.h"

#define SEED_BODY                                                     \
        "{'name':'test-container','mount':{'id':1,'kind':'overlay'}," \
        "'command':'/usr/lib/systemd/systemd','state':'created','systemd':true}"

/* A minimal valid body: a mount reference and a command. */
#define BASE "'mount':{'id':1},'command':'/sbin/init'"

static json_t *parse(const char *text)
{
        char *t = strdup(text);
        json_error_t e;
        json_t *j;

        ck_assert_ptr_nonnull(t);
        for (char *p = t; *p; p++)
                if (*p == '\'')
                        *p = '"';
        j = json_loads(t, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
        ck_assert_msg(j, "test JSON does not parse: %s: %s", t, e.text);
        free(t);
        return j;
}

static struct berth_container_spec *container_ok(const char *text)
{
        struct berth_container_spec *s = NULL;
        struct berth_error err = {};
        json_t *j = parse(text);
        int r = imageapi_decode_container(j, &s, &err);

        json_decref(j);
        ck_assert_msg(r == 0, "%s: %d %s", text, r, err.msg);
        ck_assert_ptr_nonnull(s);
        ck_assert_ptr_nonnull(s->mount);
        ck_assert_ptr_nonnull(s->args);
        ck_assert_ptr_nonnull(s->args[0]);
        return s;
}

static void container_bad(const char *text, const char *needle)
{
        struct berth_container_spec *s = NULL;
        struct berth_error err = {};
        json_t *j = parse(text);
        int r = imageapi_decode_container(j, &s, &err);

        json_decref(j);
        ck_assert_msg(r == -EINVAL, "%s: expected -EINVAL, got %d", text, r);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_msg(strstr(err.msg, needle), "%s: message '%s' lacks '%s'", text, err.msg,
                      needle);
}

/* The body BASE plus extra members (extra starts with a comma). */
static const char *with(const char *extra)
{
        static char buf[200000];
        int n = snprintf(buf, sizeof(buf), "{" BASE "%s}", extra);

        ck_assert(n > 0 && (size_t)n < sizeof(buf));
        return buf;
}

static struct berth_container_spec *with_ok(const char *extra)
{
        return container_ok(with(extra));
}

static void with_bad(const char *extra, const char *needle)
{
        container_bad(with(extra), needle);
}

/* ",'key':[\"item\",…]" with n copies of item. */
static char *array_of(const char *key, const char *item, size_t n)
{
        size_t il = strlen(item), kl = strlen(key);
        char *s = malloc(kl + 8 + n * (il + 3));
        char *p = s;

        ck_assert_ptr_nonnull(s);
        p += sprintf(p, ",'%s':[", key);
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "%s'%s'", i ? "," : "", item);
        strcpy(p, "]");
        return s;
}

static char *repeat_char(char c, size_t n)
{
        char *s = malloc(n + 1);

        ck_assert_ptr_nonnull(s);
        memset(s, c, n);
        s[n] = 0;
        return s;
}

/* ---- decoding -------------------------------------------------------------------- */

START_TEST(test_decode_seed)
{
        struct berth_container_spec *s = container_ok(SEED_BODY);

        ck_assert_str_eq(s->name, "test-container");
        ck_assert(s->mount->is_ref);
        ck_assert_int_eq(s->mount->ref_id, 1);
        ck_assert_int_eq(s->mount->kind, BERTH_MOUNT_OVERLAY);
        ck_assert_str_eq(s->command, "/usr/lib/systemd/systemd");
        ck_assert_int_eq(strv_length(s->args), 1);
        ck_assert_str_eq(s->args[0], "/usr/lib/systemd/systemd");
        ck_assert(s->systemd);
        ck_assert_int_eq(s->state, BERTH_CONTAINER_CREATED);
        /* Defaults. */
        ck_assert_uint_eq(s->namespaces, 0);
        ck_assert_ptr_null(s->env);
        ck_assert_ptr_null(s->hostname);
        ck_assert_uint_eq(s->stop_timeout_ms, 10000);
        ck_assert_uint_eq(s->stop_timeout_ms, BERTH_STOP_TIMEOUT_DEFAULT_MS);
        ck_assert_uint_eq(s->limits.memory, 0);
        ck_assert_uint_eq(s->limits.pids, 0);
        ck_assert_uint_eq(s->limits.cpu_weight, 0);
        ck_assert_uint_eq(s->limits.cpu_quota_us, 0);
        ck_assert_uint_eq(s->limits.cpu_period_us, 0);
        berth_container_spec_free(s);

        /* Without name, state and systemd. */
        s = container_ok("{" BASE "}");
        ck_assert_ptr_null(s->name);
        ck_assert(!s->systemd);
        ck_assert_int_eq(s->state, BERTH_CONTAINER_CREATED);
        ck_assert(s->mount->is_ref);
        ck_assert_int_eq(s->mount->ref_id, 1);
        ck_assert_int_lt(s->mount->kind, 0);
        berth_container_spec_free(s);
}
END_TEST

START_TEST(test_decode_command_and_args)
{
        struct berth_container_spec *s;

        s = container_ok("{'mount':{'id':0},'command':'/bin/sh -c \\'echo hello; exit 3\\''}");
        ck_assert_str_eq(s->command, "/bin/sh -c \"echo hello; exit 3\"");
        ck_assert_int_eq(strv_length(s->args), 3);
        ck_assert_str_eq(s->args[0], "/bin/sh");
        ck_assert_str_eq(s->args[1], "-c");
        ck_assert_str_eq(s->args[2], "echo hello; exit 3");
        berth_container_spec_free(s);

        /* Single quotes, and an empty argument. */
        s = container_ok(
                "{'mount':{'id':0},'command':'printf \\u0027%s|\\u0027 \\u0027\\u0027 x'}");
        ck_assert_int_eq(strv_length(s->args), 4);
        ck_assert_str_eq(s->args[1], "%s|");
        ck_assert_str_eq(s->args[2], "");
        ck_assert_str_eq(s->args[3], "x");
        berth_container_spec_free(s);

        /* args instead of command: taken as they are. */
        s = container_ok("{'mount':{'id':0},'args':['/bin/sh','-c','echo \\'a b\\'','']}");
        ck_assert_ptr_null(s->command);
        ck_assert_int_eq(strv_length(s->args), 4);
        ck_assert_str_eq(s->args[0], "/bin/sh");
        ck_assert_str_eq(s->args[2], "echo \"a b\"");
        ck_assert_str_eq(s->args[3], "");
        berth_container_spec_free(s);

        /* null is absent. */
        s = container_ok("{'mount':{'id':0},'command':null,'args':['/bin/true']}");
        ck_assert_int_eq(strv_length(s->args), 1);
        ck_assert_str_eq(s->args[0], "/bin/true");
        berth_container_spec_free(s);
        s = container_ok("{'mount':{'id':0},'command':'/bin/true','args':null}");
        ck_assert_str_eq(s->args[0], "/bin/true");
        berth_container_spec_free(s);

        /* Both or neither: the message names both. */
        container_bad("{'mount':{'id':0},'command':'/bin/true','args':['/bin/true']}",
                      "give command or args, not both");
        container_bad("{'mount':{'id':0}}", "command is required (or args)");
        container_bad("{'mount':{'id':0},'command':null,'args':null}",
                      "command is required (or args)");

        /* command. */
        container_bad("{'mount':{'id':0},'command':''}", "command must not be empty");
        container_bad("{'mount':{'id':0},'command':'   '}", "command: command is empty");
        container_bad("{'mount':{'id':0},'command':'/bin/sh -c \\'x'}",
                      "command: command has an unterminated \" quote at byte 11");
        container_bad("{'mount':{'id':0},'command':'echo \\u0027x'}",
                      "command: command has an unterminated ' quote at byte 5");
        container_bad("{'mount':{'id':0},'command':'echo x\\\\'}",
                      "command: command ends with a lone backslash");
        container_bad("{'mount':{'id':0},'command':'a\\nb'}",
                      "command contains control characters");
        container_bad("{'mount':{'id':0},'command':5}", "command must be a string");
        container_bad("{'mount':{'id':0},'command':['/bin/true']}", "command must be a string");

        /* args. */
        container_bad("{'mount':{'id':0},'args':[]}", "args must start with a non-empty program");
        container_bad("{'mount':{'id':0},'args':['','x']}",
                      "args must start with a non-empty program");
        container_bad("{'mount':{'id':0},'args':'/bin/true'}", "args must be an array of strings");
        container_bad("{'mount':{'id':0},'args':['/bin/true',1]}", "args[1] must be a string");
        container_bad("{'mount':{'id':0},'args':['/bin/true','a\\tb']}",
                      "args[1] contains control characters");
        {
                char *a = array_of("args", "x", 1025), *b;
                size_t n = strlen(a) + 64;

                b = malloc(n);
                ck_assert_ptr_nonnull(b);
                (void)snprintf(b, n, "{'mount':{'id':0}%s}", a);
                container_bad(b, "args has more than 1024 items");
                free(a);

                a = array_of("args", "x", 1024);
                b = realloc(b, strlen(a) + 64);
                ck_assert_ptr_nonnull(b);
                (void)sprintf(b, "{'mount':{'id':0}%s}", a);
                s = container_ok(b);
                ck_assert_int_eq(strv_length(s->args), 1024);
                berth_container_spec_free(s);
                free(a);
                free(b);
        }
}
END_TEST

START_TEST(test_decode_name)
{
        struct berth_container_spec *s;
        char *n, buf[512];

        s = with_ok(",'name':'Web_1.example-0'");
        ck_assert_str_eq(s->name, "Web_1.example-0");
        berth_container_spec_free(s);

        /* Digits 2-9 are allowed, unlike the Go server, whose regex left them out. */
        s = with_ok(",'name':'c23456789'");
        ck_assert_str_eq(s->name, "c23456789");
        berth_container_spec_free(s);
        s = with_ok(",'name':'9'");
        ck_assert_str_eq(s->name, "9");
        berth_container_spec_free(s);

        /* "" and null mean no name, as in the Go server. */
        s = with_ok(",'name':''");
        ck_assert_ptr_null(s->name);
        berth_container_spec_free(s);
        s = with_ok(",'name':null");
        ck_assert_ptr_null(s->name);
        berth_container_spec_free(s);

        with_bad(",'name':'a b'", "name 'a b' must match ^[A-Za-z0-9._-]+$");
        with_bad(",'name':'a/b'", "name 'a/b' must match");
        with_bad(",'name':'caf\\u00e9'", "name 'caf\xc3\xa9' must match");
        with_bad(",'name':'x:y'", "name 'x:y' must match");
        with_bad(",'name':'a\\u0001'", "name contains control characters");
        with_bad(",'name':5", "name must be a string");
        with_bad(",'name':true", "name must be a string");

        /* At most BERTH_NAME_MAX bytes. */
        n = repeat_char('n', BERTH_NAME_MAX);
        (void)snprintf(buf, sizeof(buf), ",'name':'%s'", n);
        s = with_ok(buf);
        ck_assert_uint_eq(strlen(s->name), BERTH_NAME_MAX);
        berth_container_spec_free(s);
        free(n);
        n = repeat_char('n', BERTH_NAME_MAX + 1);
        (void)snprintf(buf, sizeof(buf), ",'name':'%s'", n);
        with_bad(buf, "name is longer than 128 bytes");
        free(n);
}
END_TEST

START_TEST(test_decode_state_and_systemd)
{
        struct berth_container_spec *s;

        s = with_ok(",'state':'running'");
        ck_assert_int_eq(s->state, BERTH_CONTAINER_RUNNING);
        berth_container_spec_free(s);
        s = with_ok(",'state':'created'");
        ck_assert_int_eq(s->state, BERTH_CONTAINER_CREATED);
        berth_container_spec_free(s);
        s = with_ok(",'state':null");
        ck_assert_int_eq(s->state, BERTH_CONTAINER_CREATED);
        berth_container_spec_free(s);

        with_bad(",'state':'exited'", "state must be created or running");
        with_bad(",'state':'paused'", "state must be created or running");
        with_bad(",'state':'Running'", "state must be created or running");
        with_bad(",'state':''", "state must be created or running");
        with_bad(",'state':1", "state must be created or running");

        s = with_ok(",'systemd':false");
        ck_assert(!s->systemd);
        berth_container_spec_free(s);
        s = with_ok(",'systemd':true");
        ck_assert(s->systemd);
        berth_container_spec_free(s);
        with_bad(",'systemd':'yes'", "systemd must be true or false");
        with_bad(",'systemd':1", "systemd must be true or false");
}
END_TEST

START_TEST(test_decode_namespaces)
{
        struct berth_container_spec *s;

        /* Always there: accepted and ignored. */
        s = with_ok(",'namespaces':['mnt','pid','uts','ipc']");
        ck_assert_uint_eq(s->namespaces, 0);
        berth_container_spec_free(s);
        s = with_ok(",'namespaces':[]");
        ck_assert_uint_eq(s->namespaces, 0);
        berth_container_spec_free(s);
        s = with_ok(",'namespaces':null");
        ck_assert_uint_eq(s->namespaces, 0);
        berth_container_spec_free(s);

        s = with_ok(",'namespaces':['net']");
        ck_assert_uint_eq(s->namespaces, BERTH_NS_NET);
        berth_container_spec_free(s);
        s = with_ok(",'namespaces':['user']");
        ck_assert_uint_eq(s->namespaces, BERTH_NS_USER);
        berth_container_spec_free(s);
        s = with_ok(",'namespaces':['cgroup']");
        ck_assert_uint_eq(s->namespaces, BERTH_NS_CGROUP);
        berth_container_spec_free(s);
        s = with_ok(",'namespaces':['ipc','cgroup','mnt','user','pid','net','uts','net']");
        ck_assert_uint_eq(s->namespaces, BERTH_NS_NET | BERTH_NS_USER | BERTH_NS_CGROUP);
        berth_container_spec_free(s);

        with_bad(",'namespaces':['time']", "namespaces[0]: the time namespace is not supported");
        with_bad(",'namespaces':['mnt','bogus']",
                 "namespaces[1] must be one of cgroup, ipc, net, mnt, pid, user, uts");
        with_bad(",'namespaces':['NET']", "namespaces[0] must be one of");
        with_bad(",'namespaces':['net',1]", "namespaces[1] must be a string");
        with_bad(",'namespaces':'net'", "namespaces must be an array of strings");
        with_bad(",'namespaces':{'net':true}", "namespaces must be an array of strings");
}
END_TEST

START_TEST(test_decode_env)
{
        struct berth_container_spec *s;
        char *a;

        s = with_ok(",'env':['A=1','_b2=x y','EMPTY=','PATH=/usr/bin:/bin','K=v=w']");
        ck_assert_int_eq(strv_length(s->env), 5);
        ck_assert_str_eq(s->env[0], "A=1");
        ck_assert_str_eq(s->env[1], "_b2=x y");
        ck_assert_str_eq(s->env[2], "EMPTY=");
        ck_assert_str_eq(s->env[4], "K=v=w");
        berth_container_spec_free(s);
        s = with_ok(",'env':[]");
        ck_assert_int_eq(strv_length(s->env), 0);
        berth_container_spec_free(s);

        with_bad(",'env':['NOEQ']", "env[0] must be NAME=value");
        with_bad(",'env':['A=1','1A=x']", "env[1] must be NAME=value");
        with_bad(",'env':['A-B=x']", "env[0] must be NAME=value");
        with_bad(",'env':['A B=x']", "env[0] must be NAME=value");
        with_bad(",'env':['=x']", "env[0] must be NAME=value");
        with_bad(",'env':['']", "env[0] must be NAME=value");
        with_bad(",'env':[1]", "env[0] must be a string");
        with_bad(",'env':['A=1',null]", "env[1] must be a string");
        with_bad(",'env':'A=1'", "env must be an array of strings");
        with_bad(",'env':{'A':'1'}", "env must be an array of strings");
        with_bad(",'env':['A=\\u0007']", "env[0] contains control characters");

        a = array_of("env", "A=1", 257);
        with_bad(a, "env has more than 256 items");
        free(a);
        a = array_of("env", "A=1", 256);
        s = with_ok(a);
        ck_assert_int_eq(strv_length(s->env), 256);
        berth_container_spec_free(s);
        free(a);
}
END_TEST

START_TEST(test_decode_hostname)
{
        struct berth_container_spec *s;
        char *h, buf[256];

        s = with_ok(",'hostname':'web-1.example'");
        ck_assert_str_eq(s->hostname, "web-1.example");
        berth_container_spec_free(s);
        s = with_ok(",'hostname':null");
        ck_assert_ptr_null(s->hostname);
        berth_container_spec_free(s);

        h = repeat_char('h', 63);
        (void)snprintf(buf, sizeof(buf), ",'hostname':'%s'", h);
        s = with_ok(buf);
        ck_assert_str_eq(s->hostname, h);
        berth_container_spec_free(s);
        free(h);
        h = repeat_char('h', 64);
        (void)snprintf(buf, sizeof(buf), ",'hostname':'%s'", h);
        with_bad(buf, "hostname is longer than 63 bytes");
        free(h);

        with_bad(",'hostname':'-web'", "hostname '-web' is not a valid host name");
        with_bad(",'hostname':'.web'", "hostname '.web' is not a valid host name");
        with_bad(",'hostname':'web_1'", "hostname 'web_1' is not a valid host name");
        with_bad(",'hostname':'a b'", "hostname 'a b' is not a valid host name");
        with_bad(",'hostname':'a/b'", "hostname 'a/b' is not a valid host name");
        with_bad(",'hostname':''", "hostname must not be empty");
        with_bad(",'hostname':5", "hostname must be a string");
}
END_TEST

START_TEST(test_decode_stop_timeout)
{
        struct berth_container_spec *s;

        s = with_ok("");
        ck_assert_uint_eq(s->stop_timeout_ms, 10000);
        berth_container_spec_free(s);
        s = with_ok(",'stop_timeout':null");
        ck_assert_uint_eq(s->stop_timeout_ms, 10000);
        berth_container_spec_free(s);
        s = with_ok(",'stop_timeout':0");
        ck_assert_uint_eq(s->stop_timeout_ms, 0);
        berth_container_spec_free(s);
        s = with_ok(",'stop_timeout':1");
        ck_assert_uint_eq(s->stop_timeout_ms, 1000);
        berth_container_spec_free(s);
        s = with_ok(",'stop_timeout':3600");
        ck_assert_uint_eq(s->stop_timeout_ms, 3600000);
        berth_container_spec_free(s);

        with_bad(",'stop_timeout':3601", "stop_timeout must be 0 to 3600 seconds");
        with_bad(",'stop_timeout':9223372036854775807", "stop_timeout must be 0 to 3600 seconds");
        with_bad(",'stop_timeout':-1", "stop_timeout must be a non-negative integer");
        with_bad(",'stop_timeout':1.5", "stop_timeout must be a non-negative integer");
        with_bad(",'stop_timeout':'10'", "stop_timeout must be a non-negative integer");
}
END_TEST

START_TEST(test_decode_limits)
{
        struct berth_container_spec *s;

        s = with_ok(",'limits':{'memory':1048576,'pids':100,'cpu_weight':1,'cpus':0.5}");
        ck_assert_uint_eq(s->limits.memory, 1048576);
        ck_assert_uint_eq(s->limits.pids, 100);
        ck_assert_uint_eq(s->limits.cpu_weight, 1);
        ck_assert_uint_eq(s->limits.cpu_quota_us, 50000);
        ck_assert_uint_eq(s->limits.cpu_period_us, 100000);
        berth_container_spec_free(s);

        s = with_ok(",'limits':{'memory':17179869184,'cpu_weight':10000,'cpus':2}");
        ck_assert_uint_eq(s->limits.memory, 17179869184ull);
        ck_assert_uint_eq(s->limits.pids, 0);
        ck_assert_uint_eq(s->limits.cpu_weight, 10000);
        ck_assert_uint_eq(s->limits.cpu_quota_us, 200000);
        ck_assert_uint_eq(s->limits.cpu_period_us, 100000);
        berth_container_spec_free(s);

        /* The ends of the cpus range. */
        s = with_ok(",'limits':{'cpus':0.01}");
        ck_assert_uint_eq(s->limits.cpu_quota_us, 1000);
        berth_container_spec_free(s);
        s = with_ok(",'limits':{'cpus':1024}");
        ck_assert_uint_eq(s->limits.cpu_quota_us, 102400000);
        berth_container_spec_free(s);

        /* Empty, null and 0 (= none for memory and pids) set nothing. */
        s = with_ok(",'limits':{}");
        ck_assert_uint_eq(s->limits.memory, 0);
        ck_assert_uint_eq(s->limits.cpu_quota_us, 0);
        ck_assert_uint_eq(s->limits.cpu_period_us, 0);
        berth_container_spec_free(s);
        s = with_ok(",'limits':null");
        ck_assert_uint_eq(s->limits.memory, 0);
        berth_container_spec_free(s);
        s = with_ok(",'limits':{'memory':0,'pids':0,'cpu_weight':null,'cpus':null}");
        ck_assert_uint_eq(s->limits.memory, 0);
        ck_assert_uint_eq(s->limits.pids, 0);
        ck_assert_uint_eq(s->limits.cpu_weight, 0);
        ck_assert_uint_eq(s->limits.cpu_quota_us, 0);
        berth_container_spec_free(s);

        with_bad(",'limits':{'memory':1048575}", "limits.memory must be at least 1048576 bytes");
        with_bad(",'limits':{'memory':1}", "limits.memory must be at least 1048576 bytes");
        with_bad(",'limits':{'memory':-1}", "limits.memory must be a non-negative integer");
        with_bad(",'limits':{'memory':'1G'}", "limits.memory must be a non-negative integer");
        with_bad(",'limits':{'pids':-5}", "limits.pids must be a non-negative integer");
        with_bad(",'limits':{'pids':1.5}", "limits.pids must be a non-negative integer");
        with_bad(",'limits':{'cpu_weight':0}", "limits.cpu_weight must be 1 to 10000");
        with_bad(",'limits':{'cpu_weight':10001}", "limits.cpu_weight must be 1 to 10000");
        with_bad(",'limits':{'cpu_weight':-1}", "limits.cpu_weight must be a non-negative integer");
        with_bad(",'limits':{'cpus':0}", "limits.cpus must be a number from 0.01 to 1024");
        with_bad(",'limits':{'cpus':0.0}", "limits.cpus must be a number from 0.01 to 1024");
        with_bad(",'limits':{'cpus':0.001}", "limits.cpus must be a number from 0.01 to 1024");
        with_bad(",'limits':{'cpus':-1}", "limits.cpus must be a number from 0.01 to 1024");
        with_bad(",'limits':{'cpus':1025}", "limits.cpus must be a number from 0.01 to 1024");
        with_bad(",'limits':{'cpus':'1'}", "limits.cpus must be a number from 0.01 to 1024");
        with_bad(",'limits':{'cpus':true}", "limits.cpus must be a number from 0.01 to 1024");
        with_bad(",'limits':{'swap':1}", "limits.swap: unknown field");
        with_bad(",'limits':{'memory':2097152,'cpu':1}", "limits.cpu: unknown field");
        with_bad(",'limits':[]", "limits must be an object");
        with_bad(",'limits':100", "limits must be an object");
}
END_TEST

START_TEST(test_decode_read_only)
{
        struct berth_container_spec *s;

        /* A client that echoes the model with its defaults. */
        s = with_ok(",'id':0,'refs':0,'pid':null,'logfile':'','exit_code':null,'signal':null,"
                    "'oom_killed':false,'started_at':null,'finished_at':'','error':''");
        ck_assert_ptr_nonnull(s->args);
        berth_container_spec_free(s);
        s = with_ok(",'exit_code':0,'signal':0,'pid':0");
        berth_container_spec_free(s);

        with_bad(",'pid':5", "pid is read-only");
        with_bad(",'logfile':'/x'", "logfile is read-only");
        with_bad(",'exit_code':1", "exit_code is read-only");
        with_bad(",'exit_code':-1", "exit_code is read-only");
        with_bad(",'signal':9", "signal is read-only");
        with_bad(",'oom_killed':true", "oom_killed is read-only");
        with_bad(",'started_at':'2024-01-01T00:00:00.000Z'", "started_at is read-only");
        with_bad(",'finished_at':'2024-01-01T00:00:00.000Z'", "finished_at is read-only");
        with_bad(",'error':'boom'", "error is read-only");
        with_bad(",'id':3", "id is read-only");
        with_bad(",'refs':1", "refs is read-only");
}
END_TEST

START_TEST(test_decode_shape)
{
        with_bad(",'bogus':1", "bogus: unknown field");
        with_bad(",'Name':'x'", "Name: unknown field");
        container_bad("[]", "the request body must be an object");
        container_bad("null", "the request body must be an object");
        container_bad("'x'", "the request body must be an object");

        /* The mount. */
        container_bad("{'command':'/bin/true'}", "mount is required");
        container_bad("{'mount':null,'command':'/bin/true'}", "mount is required");
        container_bad("{'mount':1,'command':'/bin/true'}", "mount must be an object");
        container_bad("{'mount':{},'command':'/bin/true'}", "mount.kind is required");
        container_bad("{'mount':{'id':1,'kind':'bogus'},'command':'/bin/true'}",
                      "mount.kind must be one of");
        container_bad("{'mount':{'id':-1},'command':'/bin/true'}",
                      "mount.id must be a non-negative integer");
        container_bad("{'mount':{'id':1,'refs':2},'command':'/bin/true'}",
                      "mount.refs is read-only");
        container_bad("{'mount':{'id':1,'mountpoint':'/x'},'command':'/bin/true'}",
                      "mount.mountpoint is read-only");
        container_bad("{'mount':{'id':1,'extra':1},'command':'/bin/true'}",
                      "mount.extra: unknown field");
}
END_TEST

START_TEST(test_decode_nested_mount)
{
        struct berth_container_spec *s;
        struct berth_mount_spec *m, *l;
        struct berth_attach_spec *a;

        s = container_ok(
                "{'name':'nested','command':'/sbin/init','mount':{'kind':'overlay','overlay':{"
                "'lower':[{'kind':'attach','attach':{'fs_type':'squashfs','mount_options':['ro'],"
                "'attach':{'kind':'loopback','loopback':{'path':'/srv/img.sqsh'}}}},{'id':4}]}}}");
        m = s->mount;
        ck_assert(!m->is_ref);
        ck_assert_int_eq(m->kind, BERTH_MOUNT_OVERLAY);
        ck_assert_int_eq(m->overlay.n_lower, 2);
        l = m->overlay.lower[0];
        ck_assert(!l->is_ref);
        ck_assert_int_eq(l->kind, BERTH_MOUNT_ATTACH);
        ck_assert_str_eq(l->attach.fs_type, "squashfs");
        ck_assert_int_eq(strv_length(l->attach.options), 1);
        ck_assert_str_eq(l->attach.options[0], "ro");
        a = l->attach.attach;
        ck_assert_ptr_nonnull(a);
        ck_assert(!a->is_ref);
        ck_assert_int_eq(a->kind, BERTH_ATTACH_LOOPBACK);
        ck_assert_str_eq(a->loopback.path, "/srv/img.sqsh");
        ck_assert_int_eq(a->loopback.base, BERTH_BASE_ROOT);
        ck_assert(m->overlay.lower[1]->is_ref);
        ck_assert_int_eq(m->overlay.lower[1]->ref_id, 4);
        berth_container_spec_free(s);

        /* A bind definition with "id":0, as a client sending defaults does. */
        s = container_ok("{'command':'/sbin/init','mount':{'id':0,'kind':'bind','bind':{"
                         "'path':'/srv/rootfs'}}}");
        ck_assert(!s->mount->is_ref);
        ck_assert_int_eq(s->mount->kind, BERTH_MOUNT_BIND);
        ck_assert_str_eq(s->mount->bind.path, "/srv/rootfs");
        berth_container_spec_free(s);

        /* Errors deep inside carry the whole path. */
        container_bad("{'command':'/sbin/init','mount':{'kind':'overlay','overlay':{'lower':[{"
                      "'kind':'attach','attach':{'fs_type':'squashfs','attach':{'kind':"
                      "'loopback','loopback':{}}}}]}}}",
                      "mount.overlay.lower[0].attach.attach.loopback.path is required");
        container_bad("{'command':'/sbin/init','mount':{'kind':'overlay','overlay':{'lower':[{"
                      "'id':2,'kind':'attach','attach':{'fs_type':'ext4','attach':{'id':1}}}]}}}",
                      "mount.overlay.lower[0].id: a definition cannot carry an id");
        container_bad("{'command':'/sbin/init','mount':{'kind':'overlay','overlay':{'lower':[]}}}",
                      "mount.overlay.lower must name at least one mount");
        container_bad("{'command':'/sbin/init','mount':{'kind':'bind','overlay':{'lower':[{"
                      "'id':1}]}}}",
                      "mount.overlay is given but kind is 'bind'");
}
END_TEST

/* ---- encoding -------------------------------------------------------------------- */

/* A container on an overlay mount it owns, over a user-created bind mount; nothing
 * has run yet. */
struct fixture {
        struct berth_mount lower, m;
        struct berth_mount *lowers[1];
        struct berth_obj *m_holders[1], *lower_holders[1];
        char *args[4], *env[3];
        struct berth_container c;
};

static void fixture_init(struct fixture *f)
{
        *f = (struct fixture){
                .lower = {
                        .obj = { .type = BERTH_OBJ_MOUNT, .id = 2, .user = true },
                        .kind = BERTH_MOUNT_BIND,
                        .mountpoint = (char *)"/run/berth/mounts/mount_aaaaaa",
                        .bind = { .path = (char *)"/srv/rootfs", .base = BERTH_BASE_ROOT,
                                  .recursive = true },
                },
                .m = {
                        .obj = { .type = BERTH_OBJ_MOUNT, .id = 3 },
                        .kind = BERTH_MOUNT_OVERLAY,
                        .mountpoint = (char *)"/run/berth/mounts/mount_bbbbbb",
                },
                .args = { (char *)"/bin/sh", (char *)"-c", (char *)"exit 3", NULL },
                .env = { (char *)"A=1", (char *)"B=two words", NULL },
                .c = {
                        .obj = { .type = BERTH_OBJ_CONTAINER, .id = 7, .user = true },
                        .name = (char *)"web",
                        .w = { .command_line = (char *)"/bin/sh -c \"exit 3\"",
                               .stop_timeout_ms = 10000 },
                        .state = BERTH_CONTAINER_CREATED,
                        .logfile = (char *)"/var/lib/berth/containers/7/log",
                        .exit_code = -1,
                },
        };
        f->lowers[0] = &f->lower;
        f->m.overlay.lower = f->lowers;
        f->m.overlay.n_lower = 1;
        f->m.overlay.upperdir = (char *)"/run/berth/mounts/upper_cccccc";
        f->m.overlay.workdir = (char *)"/run/berth/mounts/work_dddddd";
        f->lower_holders[0] = &f->m.obj;
        f->lower.obj.holders = f->lower_holders;
        f->lower.obj.n_holders = 1;
        f->m.obj.owner = &f->c.obj;
        f->m_holders[0] = &f->c.obj;
        f->m.obj.holders = f->m_holders;
        f->m.obj.n_holders = 1;
        f->c.mount = &f->m;
        f->c.w.args = f->args;
        f->c.w.env = f->env;
}

static json_t *encode(const struct berth_container *c)
{
        json_t *j = imageapi_encode_container(c);

        ck_assert_ptr_nonnull(j);
        ck_assert(json_is_object(j));
        return j;
}

/* The object without its mount, as compact JSON. */
static char *dump_without_mount(json_t *j)
{
        json_t *copy = json_copy(j);
        char *text;

        ck_assert_ptr_nonnull(copy);
        ck_assert_int_eq(json_object_del(copy, "mount"), 0);
        text = json_dumps(copy, JSON_COMPACT);
        ck_assert_ptr_nonnull(text);
        json_decref(copy);
        return text;
}

static const char *str_of(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);

        ck_assert_msg(json_is_string(v), "%s is not a string", key);
        return json_string_value(v);
}

static void assert_null(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);

        ck_assert_msg(v, "%s is missing", key);
        ck_assert_msg(json_is_null(v), "%s is not null", key);
}

static void assert_int(json_t *j, const char *key, json_int_t want)
{
        json_t *v = json_object_get(j, key);

        ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
        ck_assert_msg(json_integer_value(v) == want, "%s is %lld, expected %lld", key,
                      (long long)json_integer_value(v), (long long)want);
}

static void assert_namespaces(const struct berth_container *c, const char *want)
{
        json_t *j = encode(c);
        char *text = json_dumps(json_object_get(j, "namespaces"), JSON_COMPACT);

        ck_assert_ptr_nonnull(text);
        ck_assert_str_eq(text, want);
        free(text);
        json_decref(j);
}

START_TEST(test_encode_created)
{
        struct fixture f;
        json_t *j, *m;
        char *text;

        fixture_init(&f);
        j = encode(&f.c);
        text = dump_without_mount(j);
        ck_assert_str_eq(
                text,
                "{\"id\":7,\"name\":\"web\",\"command\":\"/bin/sh -c \\\"exit 3\\\"\","
                "\"args\":[\"/bin/sh\",\"-c\",\"exit 3\"],\"systemd\":false,\"state\":\"created\","
                "\"namespaces\":[\"ipc\",\"mnt\",\"pid\",\"uts\"],"
                "\"logfile\":\"/var/lib/berth/containers/7/log\",\"refs\":1,\"pid\":null,"
                "\"exit_code\":null,\"signal\":null,\"oom_killed\":false,\"started_at\":null,"
                "\"finished_at\":null,\"env\":[\"A=1\",\"B=two words\"],\"hostname\":\"web\","
                "\"stop_timeout\":10,\"limits\":{}}");
        free(text);

        /* The mount is rendered in full, as the mount codec renders it. */
        m = json_object_get(j, "mount");
        ck_assert(json_is_object(m));
        assert_int(m, "id", 3);
        ck_assert_str_eq(str_of(m, "kind"), "overlay");
        assert_int(m, "refs", 1);
        {
                json_t *want = imageapi_encode_mount(&f.m, 0);
                json_t *l0 =
                        json_array_get(json_object_get(json_object_get(m, "overlay"), "lower"), 0);

                ck_assert(json_equal(m, want));
                json_decref(want);
                assert_int(l0, "id", 2);
                ck_assert_str_eq(str_of(json_object_get(l0, "bind"), "path"), "/srv/rootfs");
        }
        ck_assert_ptr_null(json_object_get(j, "error"));
        json_decref(j);
}
END_TEST

START_TEST(test_encode_running_and_exited)
{
        struct fixture f;
        json_t *j;

        fixture_init(&f);
        f.c.state = BERTH_CONTAINER_RUNNING;
        f.c.pid = 4242;
        f.c.started_at = (struct timespec){ .tv_sec = 1700000000, .tv_nsec = 123456789 };
        j = encode(&f.c);
        ck_assert_str_eq(str_of(j, "state"), "running");
        assert_int(j, "pid", 4242);
        ck_assert_str_eq(str_of(j, "started_at"), "2023-11-14T22:13:20.123Z");
        assert_null(j, "exit_code");
        assert_null(j, "signal");
        assert_null(j, "finished_at");
        ck_assert_ptr_null(json_object_get(j, "error"));
        json_decref(j);

        /* Exited with a code. Exit code 0 is a code, not "unset". */
        f.c.state = BERTH_CONTAINER_EXITED;
        f.c.pid = 0;
        f.c.exit_code = 0;
        f.c.finished_at = (struct timespec){ .tv_sec = 1700000061, .tv_nsec = 5000000 };
        j = encode(&f.c);
        ck_assert_str_eq(str_of(j, "state"), "exited");
        assert_null(j, "pid");
        assert_int(j, "exit_code", 0);
        assert_null(j, "signal");
        ck_assert(json_is_false(json_object_get(j, "oom_killed")));
        ck_assert_str_eq(str_of(j, "started_at"), "2023-11-14T22:13:20.123Z");
        ck_assert_str_eq(str_of(j, "finished_at"), "2023-11-14T22:14:21.005Z");
        json_decref(j);

        /* Killed by a signal after an OOM kill, with an error. */
        f.c.exit_code = 137;
        f.c.signal = 9;
        f.c.oom_killed = true;
        f.c.error = (char *)"out of memory";
        f.c.finished_at = (struct timespec){ .tv_sec = 1, .tv_nsec = 999999999 };
        j = encode(&f.c);
        assert_int(j, "exit_code", 137);
        assert_int(j, "signal", 9);
        ck_assert(json_is_true(json_object_get(j, "oom_killed")));
        ck_assert_str_eq(str_of(j, "finished_at"), "1970-01-01T00:00:01.999Z");
        ck_assert_str_eq(str_of(j, "error"), "out of memory");
        json_decref(j);

        /* Other states. */
        f.c.state = BERTH_CONTAINER_PAUSED;
        j = encode(&f.c);
        ck_assert_str_eq(str_of(j, "state"), "paused");
        json_decref(j);
        f.c.state = BERTH_CONTAINER_DEAD;
        j = encode(&f.c);
        ck_assert_str_eq(str_of(j, "state"), "dead");
        json_decref(j);
}
END_TEST

START_TEST(test_encode_namespaces)
{
        struct fixture f;

        fixture_init(&f);
        assert_namespaces(&f.c, "[\"ipc\",\"mnt\",\"pid\",\"uts\"]");
        f.c.w.systemd = true;
        assert_namespaces(&f.c, "[\"cgroup\",\"ipc\",\"mnt\",\"pid\",\"uts\"]");
        f.c.w.namespaces = BERTH_NS_CGROUP;
        assert_namespaces(&f.c, "[\"cgroup\",\"ipc\",\"mnt\",\"pid\",\"uts\"]");
        f.c.w.systemd = false;
        assert_namespaces(&f.c, "[\"cgroup\",\"ipc\",\"mnt\",\"pid\",\"uts\"]");
        f.c.w.namespaces = BERTH_NS_NET;
        assert_namespaces(&f.c, "[\"ipc\",\"mnt\",\"pid\",\"uts\",\"net\"]");
        f.c.w.namespaces = BERTH_NS_USER;
        assert_namespaces(&f.c, "[\"ipc\",\"mnt\",\"pid\",\"uts\",\"user\"]");
        f.c.w.namespaces = BERTH_NS_NET | BERTH_NS_USER | BERTH_NS_CGROUP;
        f.c.w.systemd = true;
        assert_namespaces(&f.c, "[\"cgroup\",\"ipc\",\"mnt\",\"pid\",\"uts\",\"net\",\"user\"]");
}
END_TEST

START_TEST(test_encode_limits)
{
        struct fixture f;
        json_t *j, *l;

        fixture_init(&f);
        f.c.w.limits = (struct berth_limits){ .memory = 64u << 20,
                                              .pids = 100,
                                              .cpu_weight = 200,
                                              .cpu_quota_us = 50000,
                                              .cpu_period_us = 100000 };
        j = encode(&f.c);
        l = json_object_get(j, "limits");
        ck_assert_int_eq(json_object_size(l), 4);
        assert_int(l, "memory", 64 << 20);
        assert_int(l, "pids", 100);
        assert_int(l, "cpu_weight", 200);
        ck_assert(json_is_real(json_object_get(l, "cpus")));
        ck_assert(json_real_value(json_object_get(l, "cpus")) == 0.5);
        json_decref(j);

        /* Only what is set; a quota without a period is per 100 ms. */
        f.c.w.limits = (struct berth_limits){ .cpu_quota_us = 150000 };
        j = encode(&f.c);
        l = json_object_get(j, "limits");
        ck_assert_int_eq(json_object_size(l), 1);
        ck_assert(json_real_value(json_object_get(l, "cpus")) == 1.5);
        json_decref(j);

        f.c.w.limits = (struct berth_limits){ .pids = 1 };
        j = encode(&f.c);
        l = json_object_get(j, "limits");
        ck_assert_int_eq(json_object_size(l), 1);
        assert_int(l, "pids", 1);
        json_decref(j);
}
END_TEST

START_TEST(test_encode_names_and_defaults)
{
        struct fixture f;
        json_t *j;

        /* hostname wins over the name. */
        fixture_init(&f);
        f.c.w.hostname = (char *)"box.example";
        j = encode(&f.c);
        ck_assert_str_eq(str_of(j, "hostname"), "box.example");
        ck_assert_str_eq(str_of(j, "name"), "web");
        json_decref(j);

        /* No name and no hostname: "berth"; no command (args were given): null. */
        f.c.w.hostname = NULL;
        f.c.name = NULL;
        f.c.w.command_line = NULL;
        f.c.w.env = NULL;
        f.c.logfile = NULL;
        f.c.w.stop_timeout_ms = 0;
        j = encode(&f.c);
        ck_assert_str_eq(str_of(j, "hostname"), "berth");
        assert_null(j, "name");
        assert_null(j, "command");
        assert_null(j, "logfile");
        ck_assert_int_eq(json_array_size(json_object_get(j, "env")), 0);
        ck_assert(json_is_array(json_object_get(j, "env")));
        ck_assert_int_eq(json_array_size(json_object_get(j, "args")), 3);
        assert_int(j, "stop_timeout", 0);
        json_decref(j);

        /* stop_timeout is in seconds; refs counts the user and every holder. */
        fixture_init(&f);
        f.c.w.stop_timeout_ms = 3600000;
        f.c.obj.user = false;
        j = encode(&f.c);
        assert_int(j, "stop_timeout", 3600);
        assert_int(j, "refs", 0);
        json_decref(j);
        {
                struct berth_obj *holders[2] = { &f.lower.obj, &f.m.obj };

                f.c.obj.user = true;
                f.c.obj.holders = holders;
                f.c.obj.n_holders = 2;
                j = encode(&f.c);
                assert_int(j, "refs", 3);
                json_decref(j);
        }
}
END_TEST

START_TEST(test_encode_decode_agree)
{
        struct berth_container_spec *s;
        struct fixture f;
        json_t *j;

        /* What the decoder makes of a body, the encoder renders back the same way. */
        s = container_ok("{'name':'agree','mount':{'id':3},'command':'/bin/sh -c \\'exit 3\\'',"
                         "'systemd':true,'namespaces':['net'],'env':['A=1'],'hostname':'h1',"
                         "'stop_timeout':30,'limits':{'memory':2097152,'cpus':0.25}}");
        fixture_init(&f);
        f.c.name = s->name;
        f.c.w.command_line = s->command;
        f.c.w.args = s->args;
        f.c.w.env = s->env;
        f.c.w.hostname = s->hostname;
        f.c.w.systemd = s->systemd;
        f.c.w.namespaces = s->namespaces;
        f.c.w.stop_timeout_ms = s->stop_timeout_ms;
        f.c.w.limits = s->limits;
        f.c.state = s->state;
        j = encode(&f.c);
        ck_assert_str_eq(str_of(j, "name"), "agree");
        ck_assert_str_eq(str_of(j, "command"), "/bin/sh -c \"exit 3\"");
        ck_assert_int_eq(json_array_size(json_object_get(j, "args")), 3);
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "args"), 2)),
                         "exit 3");
        ck_assert(json_is_true(json_object_get(j, "systemd")));
        ck_assert_str_eq(str_of(j, "hostname"), "h1");
        assert_int(j, "stop_timeout", 30);
        assert_int(json_object_get(j, "limits"), "memory", 2097152);
        ck_assert(json_real_value(json_object_get(json_object_get(j, "limits"), "cpus")) == 0.25);
        {
                char *text = json_dumps(json_object_get(j, "namespaces"), JSON_COMPACT);

                ck_assert_str_eq(text, "[\"cgroup\",\"ipc\",\"mnt\",\"pid\",\"uts\",\"net\"]");
                free(text);
        }
        json_decref(j);
        berth_container_spec_free(s);
}
END_TEST

static Suite *container_codec_suite(void)
{
        Suite *s = suite_create("container-codec");
        TCase *tc = tcase_create("decode");

        tcase_add_test(tc, test_decode_seed);
        tcase_add_test(tc, test_decode_command_and_args);
        tcase_add_test(tc, test_decode_name);
        tcase_add_test(tc, test_decode_state_and_systemd);
        tcase_add_test(tc, test_decode_namespaces);
        tcase_add_test(tc, test_decode_env);
        tcase_add_test(tc, test_decode_hostname);
        tcase_add_test(tc, test_decode_stop_timeout);
        tcase_add_test(tc, test_decode_limits);
        tcase_add_test(tc, test_decode_read_only);
        tcase_add_test(tc, test_decode_shape);
        tcase_add_test(tc, test_decode_nested_mount);
        suite_add_tcase(s, tc);
        tc = tcase_create("encode");
        tcase_add_test(tc, test_encode_created);
        tcase_add_test(tc, test_encode_running_and_exited);
        tcase_add_test(tc, test_encode_namespaces);
        tcase_add_test(tc, test_encode_limits);
        tcase_add_test(tc, test_encode_names_and_defaults);
        tcase_add_test(tc, test_encode_decode_agree);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(container_codec_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
