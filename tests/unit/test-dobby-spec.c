/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dobby-spec.h and dobby-root.h alone: seed 004's Dobby spec (tests/unit/dobby-fixtures,
 * as the seed's curl command has it) into a workload, field by field; strings byte for
 * byte; every refusal with its errno and the field it names; and the root file system
 * made from a fake host tree in a temporary directory (merged /usr and not), its /etc,
 * its mount points, what the host must have, and its removal. No root.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dobby-root.h"
#include "dobby-spec.h"
#include "error.h"
#include "macro.h"
#include "strv.h"

static const struct dobby_host host2 = { .ncpus = 2, .cgroup2 = true };

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *J(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

        ck_assert_msg(j, "bad JSON in the test: %s: %s", e.text, text);
        return j;
}

/* The seed's spec as the seed has it (network "nat"). */
static json_t *seed_verbatim(void)
{
        const char *src = getenv("BERTH_SRCDIR");
        char path[600];
        json_error_t e;
        json_t *j;

        (void)snprintf(path, sizeof(path), "%s/tests/unit/dobby-fixtures/seed-004.json",
                       src ? src : ".");
        j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
        ck_assert_msg(j, "%s: %s", path, e.text);
        return j;
}

/* The seed's spec with network "private": what runs today. */
static json_t *seed(void)
{
        json_t *j = seed_verbatim();

        ck_assert_int_eq(json_object_set_new(j, "network", json_string("private")), 0);
        return j;
}

/* Set the member at a dotted path of objects (made on the way); the value is stolen. */
static void set_at(json_t *root, const char *path, json_t *value)
{
        char *copy = strdup(path), *save = NULL, *tok, *next;
        json_t *o = root;

        ck_assert_ptr_nonnull(copy);
        for (tok = strtok_r(copy, ".", &save); tok; tok = next) {
                json_t *child;

                next = strtok_r(NULL, ".", &save);
                if (!next) {
                        ck_assert_int_eq(json_object_set_new(o, tok, value), 0);
                        break;
                }
                child = json_object_get(o, tok);
                if (!json_is_object(child)) {
                        child = json_object();
                        ck_assert_int_eq(json_object_set_new(o, tok, child), 0);
                }
                o = child;
        }
        free(copy);
}

static void translate_ok(json_t *spec, const struct oci_overrides *o, struct dobby_spec *d)
{
        struct berth_error err = {};
        int r = dobby_spec_translate(spec, o, &host2, d, &err);

        ck_assert_msg(r == 0, "translation failed: %d %s", r, err.msg);
}

/* spec (stolen) must be refused with code and a message holding needle, leaving an
 * empty result. */
static void refused_spec(json_t *spec, int code, const char *needle, const struct dobby_host *host)
{
        struct dobby_spec d;
        struct berth_error err = {};
        int r = dobby_spec_translate(spec, NULL, host ? host : &host2, &d, &err);

        json_decref(spec);
        ck_assert_msg(r == code, "want %d, got %d (%s) for '%s'", code, r, err.msg, needle);
        ck_assert_msg(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
        ck_assert_ptr_null(d.w.args);
        ck_assert_ptr_null(d.w.mounts);
        ck_assert_ptr_null(d.w.seccomp_rules);
        ck_assert_ptr_null(d.mount_fields);
        for (int f = 0; f < _DOBBY_ETC_MAX; f++)
                ck_assert_ptr_null(d.etc[f]);
}

/* The seed's spec with path set to value (JSON text), refused. */
static void refused(const char *path, const char *value, int code, const char *needle)
{
        json_t *s = seed();

        set_at(s, path, J(value));
        refused_spec(s, code, needle, NULL);
}

/* The seed's spec with path set to value (JSON text), translated into d. */
static void with(const char *path, const char *value, struct dobby_spec *d)
{
        json_auto_t *s = seed();

        set_at(s, path, J(value));
        translate_ok(s, NULL, d);
}

static const char *env_get(char *const *env, const char *key)
{
        size_t n = strlen(key);

        STRV_FOREACH (e, env)
                if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

static uint64_t rlimit_of(const struct berth_workload *w, const char *type)
{
        for (size_t i = 0; i < w->n_rlimits; i++)
                if (streq(w->rlimits[i].type, type)) {
                        ck_assert_uint_eq(w->rlimits[i].soft, w->rlimits[i].hard);
                        return w->rlimits[i].soft;
                }
        ck_abort_msg("no %s", type);
        return 0;
}

#define CAPS_BASE                                                       \
        ((UINT64_C(1) << CAP_AUDIT_WRITE) | (UINT64_C(1) << CAP_KILL) | \
         (UINT64_C(1) << CAP_NET_BIND_SERVICE))

/* ---- the seed ----------------------------------------------------------------------------- */

START_TEST(test_seed)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();
        const struct berth_workload *w = &d.w;

        translate_ok(s, NULL, &d);
        ck_assert_uint_eq(strv_length(w->args), 2);
        ck_assert_str_eq(w->args[0], "sleep");
        ck_assert_str_eq(w->args[1], "60");
        ck_assert_ptr_null(w->command_line);
        ck_assert_str_eq(w->cwd, "/");
        /* Dobby's fixed environment. */
        ck_assert_uint_eq(strv_length(w->env), 2);
        ck_assert_str_eq(env_get(w->env, "HOME"), "/home/private");
        ck_assert_str_eq(env_get(w->env, "PATH"), "/usr/sbin:/usr/bin:/sbin:/bin");
        /* Root inside, user.uid outside: "0 1000 1" and "0 1000 10". */
        ck_assert(w->user_set);
        ck_assert_uint_eq(w->uid, 0);
        ck_assert_uint_eq(w->gid, 0);
        ck_assert_uint_eq(w->namespaces, BERTH_NS_USER | BERTH_NS_NET | BERTH_NS_CGROUP);
        ck_assert_uint_eq(w->n_uid_map, 1);
        ck_assert_uint_eq(w->uid_map[0].inside, 0);
        ck_assert_uint_eq(w->uid_map[0].outside, 1000);
        ck_assert_uint_eq(w->uid_map[0].count, 1);
        ck_assert_uint_eq(w->n_gid_map, 1);
        ck_assert_uint_eq(w->gid_map[0].inside, 0);
        ck_assert_uint_eq(w->gid_map[0].outside, 1000);
        ck_assert_uint_eq(w->gid_map[0].count, 10);
        ck_assert_uint_eq(w->n_gids, 0);
        /* The console. */
        ck_assert_str_eq(w->log_path, "/tmp/container.log");
        ck_assert_uint_eq(w->log_max, 65536);
        ck_assert(!w->terminal);
        /* /etc: the spec's lines, the rest Dobby's defaults. */
        ck_assert_uint_eq(strv_length(d.etc[DOBBY_ETC_PASSWD]), 1);
        ck_assert_str_eq(d.etc[DOBBY_ETC_PASSWD][0], "root::0:0:root:/:/bin/false");
        ck_assert_uint_eq(strv_length(d.etc[DOBBY_ETC_GROUP]), 1);
        ck_assert_str_eq(d.etc[DOBBY_ETC_GROUP][0], "root:x:0:");
        ck_assert_ptr_null(d.etc[DOBBY_ETC_HOSTS]);
        ck_assert_ptr_null(d.etc[DOBBY_ETC_SERVICES]);
        ck_assert_ptr_null(d.etc[DOBBY_ETC_LD_PRELOAD]);
        /* Limits and the template's fixed parts. */
        ck_assert_uint_eq(w->limits.memory, 41943040);
        ck_assert_uint_eq(w->limits.cpu_weight, 0);
        ck_assert_str_eq(w->hostname, "dobby");
        ck_assert_uint_eq(rlimit_of(w, "RLIMIT_NOFILE"), 4096);
        ck_assert_uint_eq(rlimit_of(w, "RLIMIT_NPROC"), 300);
        ck_assert_uint_eq(rlimit_of(w, "RLIMIT_RTPRIO"), 0);
        ck_assert(w->caps_set && w->cap_sets);
        ck_assert_uint_eq(w->caps, CAPS_BASE);
        ck_assert_uint_eq(w->cap_effective, CAPS_BASE);
        ck_assert_uint_eq(w->cap_permitted, CAPS_BASE);
        ck_assert_uint_eq(w->cap_inheritable, CAPS_BASE);
        ck_assert_uint_eq(w->cap_ambient, CAPS_BASE);
        ck_assert(w->no_new_privs_set && w->no_new_privs);
        ck_assert(w->cgroup_mount);
        ck_assert_int_eq(w->restart, BERTH_RESTART_NO);
        ck_assert_uint_eq(w->n_mounts, 0);
        ck_assert_ptr_null(w->root_path);
        ck_assert_ptr_null(w->labels);
}
END_TEST

/* The seed verbatim asks for nat: a network namespace of its own, and the door's
 * address (given as the door creates it, not by the translation). */
START_TEST(test_seed_nat)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed_verbatim();

        translate_ok(s, NULL, &d);
        ck_assert(d.nat);
        ck_assert(d.w.namespaces & BERTH_NS_NET);
        ck_assert_ptr_null(d.w.nat_addr);
        set_at(s, "network", J("\"private\""));
        dobby_spec_done(&d); /* translate_ok() fills it anew */
        translate_ok(s, NULL, &d);
        ck_assert(!d.nat);
        ck_assert(d.w.namespaces & BERTH_NS_NET);
}
END_TEST

/* Quotes, newlines and $ reach the process as they were: nothing is pasted. */
START_TEST(test_bytes)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();

        set_at(s, "args", J("[\"sh\", \"-c\", \"a\\\"b\", \"x\\ny\", \"$HOME\", \"'\\\\\"]"));
        set_at(s, "env", J("[\"A=a\\\"b\", \"B=x\\ny\", \"C=$HOME\", \"HOME=/h\"]"));
        set_at(s, "etc.hosts", J("[\"127.0.0.1 a\\\"b\", \"::1\\tx\", \"$x\"]"));
        translate_ok(s, NULL, &d);
        ck_assert_uint_eq(strv_length(d.w.args), 6);
        ck_assert_str_eq(d.w.args[2], "a\"b");
        ck_assert_str_eq(d.w.args[3], "x\ny");
        ck_assert_str_eq(d.w.args[4], "$HOME");
        ck_assert_str_eq(d.w.args[5], "'\\");
        ck_assert_str_eq(env_get(d.w.env, "A"), "a\"b");
        ck_assert_str_eq(env_get(d.w.env, "B"), "x\ny");
        ck_assert_str_eq(env_get(d.w.env, "C"), "$HOME");
        /* The spec's HOME wins over Dobby's. */
        ck_assert_str_eq(env_get(d.w.env, "HOME"), "/h");
        ck_assert_uint_eq(strv_length(d.w.env), 5);
        ck_assert_str_eq(d.etc[DOBBY_ETC_HOSTS][0], "127.0.0.1 a\"b");
        ck_assert_str_eq(d.etc[DOBBY_ETC_HOSTS][1], "::1\tx");
        ck_assert_str_eq(d.etc[DOBBY_ETC_HOSTS][2], "$x");
}
END_TEST

/* command, envvar and westerosSocket. */
START_TEST(test_overrides)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();
        char *envvar[] = { (char *)"HOME=/x", (char *)"Q=\"$y\"", NULL };
        struct oci_overrides o = {
                .command = "sh -c 'echo \"hi\" $HOME'",
                .envvar = envvar,
                .westeros_socket = "/run/westeros-0",
        };

        translate_ok(s, &o, &d);
        ck_assert_uint_eq(strv_length(d.w.args), 3);
        ck_assert_str_eq(d.w.args[2], "echo \"hi\" $HOME");
        ck_assert_str_eq(d.w.command_line, o.command);
        ck_assert_str_eq(env_get(d.w.env, "HOME"), "/x");
        ck_assert_str_eq(env_get(d.w.env, "Q"), "\"$y\"");
        ck_assert_str_eq(env_get(d.w.env, "XDG_RUNTIME_DIR"), "/tmp");
        ck_assert_str_eq(env_get(d.w.env, "WAYLAND_DISPLAY"), "westeros");
        ck_assert_uint_eq(d.w.n_mounts, 1);
        ck_assert_str_eq(d.w.mounts[0].source, "/run/westeros-0");
        ck_assert_str_eq(d.w.mounts[0].destination, "/tmp/westeros");
        ck_assert_str_eq(d.mount_fields[0], "westerosSocket");
}
END_TEST

/* ---- the fields --------------------------------------------------------------------------- */

START_TEST(test_user)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();

        /* Without a user namespace (Dobby's non-production builds): the ids as given. */
        set_at(s, "userNs", json_false());
        set_at(s, "user", J("{\"uid\": 30001, \"gid\": 30000}"));
        translate_ok(s, NULL, &d);
        ck_assert(d.w.user_set);
        ck_assert_uint_eq(d.w.uid, 30001);
        ck_assert_uint_eq(d.w.gid, 30000);
        ck_assert_uint_eq(d.w.namespaces & BERTH_NS_USER, 0);
        ck_assert_uint_eq(d.w.n_uid_map + d.w.n_gid_map, 0);

        refused("user", "{\"uid\": 0, \"gid\": 0}", -EINVAL, "user.uid 0");
        refused("user", "{\"uid\": 65535, \"gid\": 1}", -EINVAL, "user.uid must be an integer");
        refused("user", "{\"uid\": 1, \"gid\": 65535}", -EINVAL, "user.gid must be an integer");
        refused("user", "{\"uid\": 1}", -EINVAL, "user.gid is required");
        refused("user", "{\"uid\": 1, \"gid\": 1, \"name\": \"x\"}", -EINVAL,
                "user.name: unknown field");
        refused("user", "7", -EINVAL, "user");
        refused("userNs", "\"yes\"", -EINVAL, "userNs must be true or false");
}
END_TEST

START_TEST(test_userns_false_root)
{
        json_t *s = seed();

        /* uid 0 without a user namespace: root on the host. */
        set_at(s, "userNs", json_false());
        set_at(s, "user", J("{\"uid\": 0, \"gid\": 0}"));
        refused_spec(s, -EINVAL, "user.uid 0", NULL);
}
END_TEST

START_TEST(test_envelope)
{
        refused_spec(J("[]"), -EINVAL, "must be a JSON object", NULL);
        refused_spec(J("{}"), -EINVAL, "version is required", NULL);
        refused_spec(J("{\"version\": 1.0}"), -EINVAL, "version must be the string", NULL);
        refused_spec(J("{\"version\": \"2.0\"}"), -EOPNOTSUPP, "version '2.0'", NULL);
        /* The version first, then every unknown field, then every missing one. */
        refused_spec(J("{\"version\": \"1.2\", \"frobnicate\": 1}"), -EOPNOTSUPP, "version", NULL);
        refused_spec(J("{\"version\": \"1.0\", \"frobnicate\": 1, \"args\": [\"x\"], \"zork\": "
                       "null}"),
                     -EINVAL, "unknown fields: frobnicate, zork", NULL);
        refused_spec(J("{\"version\": \"1.0\"}"), -EINVAL,
                     "missing mandatory fields: args, user, memLimit", NULL);
        refused_spec(
                J("{\"version\": \"1.1\", \"user\": {\"uid\": 1, \"gid\": 1}, \"args\": null}"),
                -EINVAL, "missing mandatory fields: args, memLimit", NULL);
        refused("args", "[]", -EINVAL, "args must have at least one item");
        refused("args", "[\"\"]", -EINVAL, "args[0] must not be empty");
        refused("args", "[\"a\", 7]", -EINVAL, "args[1] must be a string");
        refused("args", "[\"a\\u0000b\"]", -EINVAL, "args[0] must be a string without NUL");
        refused("env", "[\"A=1\", \"B\"]", -EINVAL, "env[1] 'B' must be KEY=value");
        refused("env", "{}", -EINVAL, "env must be an array of strings");
        refused("cwd", "\"home\"", -EINVAL, "cwd 'home' must be an absolute path");
        refused("cwd", "7", -EINVAL, "cwd must be a string");
}
END_TEST

START_TEST(test_cwd)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {};
        json_auto_t *s = seed();

        json_object_del(s, "cwd");
        translate_ok(s, NULL, &d);
        ck_assert_str_eq(d.w.cwd, "/");
        with("cwd", "\"/home/private\"", &e);
        ck_assert_str_eq(e.w.cwd, "/home/private");
}
END_TEST

START_TEST(test_memory)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {}, f = {};

        /* 64 bits: 8 GiB, which Dobby's 32 would wrap. */
        with("memLimit", "8589934592", &d);
        ck_assert_uint_eq(d.w.limits.memory, UINT64_C(8589934592));
        with("swapLimit", "41943040", &e);
        ck_assert_uint_eq(e.w.limits.memory, 41943040);
        ck_assert_int_eq(e.w.limits.memory_swap, 0); /* equal: no swap */
        with("swapLimit", "83886080", &f);
        ck_assert_int_eq(f.w.limits.memory_swap, 83886080); /* memory plus swap */
        ck_assert_int_eq(d.w.limits.memory_swap, 0);
        refused("memLimit", "262143", -EINVAL, "memLimit 262143 is below");
        refused("memLimit", "-1", -EINVAL, "memLimit must be an integer");
        refused("memLimit", "\"40M\"", -EINVAL, "memLimit must be an integer");
        refused("swapLimit", "41943039", -EINVAL, "swapLimit 41943039 must be at least memLimit");
}
END_TEST

START_TEST(test_console)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {}, f = {};

        /* No console: the log stays in berth's state directory. */
        with("console", "null", &d);
        ck_assert_ptr_null(d.w.log_path);
        ck_assert_uint_eq(d.w.log_max, 0);
        with("console", "{\"path\": \"/var//log/./app.log\", \"limit\": -1}", &e);
        ck_assert_str_eq(e.w.log_path, "/var/log/app.log");
        ck_assert_uint_eq(e.w.log_max, INT64_MAX);
        with("console", "{\"limit\": 10}", &f);
        ck_assert_ptr_null(f.w.log_path);
        refused("console", "{\"path\": \"app.log\"}", -EINVAL, "console.path 'app.log'");
        refused("console", "{\"path\": \"/a/../b\"}", -EINVAL, "console.path '/a/../b'");
        refused("console", "{\"path\": \"/\"}", -EINVAL, "console.path must name a file");
        refused("console", "{\"path\": \"/x\", \"limit\": 0}", -EINVAL, "console.limit");
        refused("console", "{\"path\": \"/x\", \"limit\": \"1k\"}", -EINVAL, "console.limit");
        refused("console", "{\"path\": \"/x\", \"sink\": \"file\"}", -EINVAL,
                "console.sink: unknown field");
        refused("console", "\"/x\"", -EINVAL, "console");
}
END_TEST

START_TEST(test_etc)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};

        with("etc",
             "{\"passwd\": [], \"group\": [\"a\"], \"hosts\": [\"b\"], \"services\": "
             "[\"c\", \"d\"], \"ld-preload\": [\"/lib/x.so\"]}",
             &d);
        ck_assert_ptr_nonnull(d.etc[DOBBY_ETC_PASSWD]);
        ck_assert_uint_eq(strv_length(d.etc[DOBBY_ETC_PASSWD]), 0);
        ck_assert_str_eq(d.etc[DOBBY_ETC_SERVICES][1], "d");
        ck_assert_str_eq(d.etc[DOBBY_ETC_LD_PRELOAD][0], "/lib/x.so");
        ck_assert_str_eq(dobby_etc_file_name(DOBBY_ETC_LD_PRELOAD), "ld.so.preload");
        refused("etc.shadow", "[\"x\"]", -EINVAL, "etc.shadow: unknown field");
        refused("etc.passwd", "[{\"name\": \"x\"}]", -EINVAL, "etc.passwd[0] must be a string");
        refused("etc.hosts", "\"127.0.0.1 x\"", -EINVAL, "etc.hosts must be an array");
}
END_TEST

START_TEST(test_network)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {};
        json_auto_t *s = seed();

        with("network", "\"open\"", &d);
        ck_assert_uint_eq(d.w.namespaces & BERTH_NS_NET, 0);
        json_object_del(s, "network");
        translate_ok(s, NULL, &e);
        ck_assert_uint_ne(e.w.namespaces & BERTH_NS_NET, 0);
        refused("network", "\"bridge\"", -EINVAL, "network 'bridge' must be");
        refused("network", "true", -EINVAL, "network must be a string");
}
END_TEST

START_TEST(test_mounts)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        const struct berth_wl_mount *m;

        with("mounts",
             "[{\"source\": \"/opt/data\", \"destination\": \"/home/private/data/\", \"type\": "
             "\"bind\", \"options\": [\"rbind\", \"ro\", \"nosuid\", \"nodev\"]},"
             " {\"source\": \"tmpfs\", \"destination\": \"/scratch\", \"type\": \"tmpfs\", "
             "\"options\": [\"size=1m\", \"mode=700\", \"noexec\"]},"
             " {\"source\": \"/etc/x.conf\", \"destination\": \"/etc/x.conf\", \"type\": "
             "\"none\", \"options\": [\"bind\"]}]",
             &d);
        ck_assert_uint_eq(d.w.n_mounts, 3);
        m = &d.w.mounts[0];
        ck_assert_int_eq(m->kind, BERTH_WL_BIND);
        ck_assert_str_eq(m->source, "/opt/data");
        ck_assert_str_eq(m->destination, "/home/private/data");
        ck_assert_uint_eq(m->flags, BERTH_WL_MOUNT_RECURSIVE | BERTH_WL_MOUNT_RO |
                                            BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NODEV);
        m = &d.w.mounts[1];
        ck_assert_int_eq(m->kind, BERTH_WL_TMPFS);
        ck_assert_ptr_null(m->source);
        ck_assert_uint_eq(m->size, 1u << 20);
        ck_assert_uint_eq(m->mode, 0700);
        ck_assert_uint_eq(m->flags, BERTH_WL_MOUNT_NOEXEC);
        m = &d.w.mounts[2];
        ck_assert_int_eq(m->kind, BERTH_WL_BIND);
        ck_assert_uint_eq(m->flags, 0);
        ck_assert_str_eq(d.mount_fields[1], "mounts[1]");
        ck_assert_uint_eq(strv_length(d.mount_fields), 3);

#define MNT(src, dst, type, opts)                                                    \
        "[{\"source\": \"" src "\", \"destination\": \"" dst "\", \"type\": \"" type \
        "\", \"options\": " opts "}]"
        refused("mounts", MNT("/a.img", "/data", "loop", "[]"), -EINVAL,
                "mounts[0].fstype is required for a loop mount");
        refused("mounts", MNT("srv:/x", "/data", "nfs", "[]"), -EOPNOTSUPP,
                "mounts[0].type 'nfs': not supported yet");
        refused("mounts", MNT("/a", "/data", "tmpfs", "[\"bind\"]"), -EINVAL,
                "mounts[0]: type 'tmpfs' with a bind option");
        /* Options are checked, not pasted. */
        refused("mounts", MNT("/a", "/data", "bind", "[\"ro\\\", \\\"rw\"]"), -EOPNOTSUPP,
                "mounts[0]: option 'ro\", \"rw' is not supported yet");
        refused("mounts", MNT("/a", "/data", "bind", "[\"x-mount.mkdir\"]"), -EOPNOTSUPP,
                "option 'x-mount.mkdir'");
        refused("mounts", MNT("/a", "/data", "tmpfs", "[\"size=50%\"]"), -EOPNOTSUPP, "size=50%");
        refused("mounts", MNT("a", "/data", "bind", "[]"), -EINVAL, "mounts[0].source 'a'");
        refused("mounts", MNT("/a", "data", "bind", "[]"), -EINVAL, "mounts[0].destination 'data'");
        refused("mounts", MNT("/a", "/x/../usr", "bind", "[]"), -EINVAL,
                "mounts[0].destination '/x/../usr'");
        refused("mounts", MNT("/a", "/", "bind", "[]"), -EINVAL, "must not be /");
        refused("mounts", MNT("/a", "/usr/share/x", "bind", "[]"), -EINVAL, "the host's /usr");
        refused("mounts", MNT("/a", "/bin", "bind", "[]"), -EINVAL, "the host's /bin");
        refused("mounts", MNT("/a", "/proc/x", "bind", "[]"), -EOPNOTSUPP, "below /proc");
        refused("mounts", MNT("/a", "/dev/shm", "bind", "[]"), -EOPNOTSUPP,
                "berth mounts /dev/shm itself");
        /* Loop mounts: an image, its file system type and options (never loop set-up
         * or bind options: berth does those), at a destination as any mount's. */
        refused("mounts",
                "[{\"source\": \"/a\", \"destination\": \"/d\", \"type\": \"loop\", "
                "\"fstype\": \"ext 4\"}]",
                -EINVAL, "mounts[0].fstype 'ext 4' is not a file system type");
        refused("mounts",
                "[{\"source\": \"/a\", \"destination\": \"/d\", \"type\": \"loop\", "
                "\"fstype\": \"ext4\", \"options\": [\"loop=/dev/loop3\"]}]",
                -EINVAL, "mounts[0].options");
        refused("mounts",
                "[{\"source\": \"/a\", \"destination\": \"/proc/x\", \"type\": \"loop\", "
                "\"fstype\": \"ext4\"}]",
                -EOPNOTSUPP, "below /proc");
        refused("mounts",
                "[{\"source\": \"a.img\", \"destination\": \"/d\", \"type\": \"loop\", "
                "\"fstype\": \"ext4\"}]",
                -EINVAL, "mounts[0].source 'a.img'");
        refused("mounts",
                "[{\"source\": \"/a\", \"destination\": \"/d\", \"type\": \"bind\", "
                "\"fstype\": \"ext4\"}]",
                -EINVAL, "mounts[0].fstype is for loop mounts");
        refused("mounts", "[{\"source\": \"/a\", \"destination\": \"/d\"}]", -EINVAL,
                "mounts[0].type is required");
        refused("mounts",
                "[{\"source\": \"/a\", \"destination\": \"/d\", \"type\": \"bind\", "
                "\"flags\": 1}]",
                -EINVAL, "mounts[0].flags: unknown field");
        refused("mounts", "{}", -EINVAL, "mounts must be an array");
#undef MNT
        {
                _cleanup_(dobby_spec_done) struct dobby_spec e = {};

                with("mounts",
                     "[{\"source\": \"/srv/a.img\", \"destination\": \"/data\", \"type\": "
                     "\"loop\", \"fstype\": \"squashfs\", \"options\": [\"ro\", \"noatime\"]}]",
                     &e);
                ck_assert_uint_eq(e.n_loops, 1);
                ck_assert_str_eq(e.loops[0].field, "mounts[0]");
                ck_assert_str_eq(e.loops[0].fstype, "squashfs");
                ck_assert(e.loops[0].read_only);
                ck_assert_ptr_nonnull(strstr(e.loops[0].options, "noatime"));
                ck_assert_ptr_nonnull(strstr(e.loops[0].options, "ro"));
                ck_assert_str_eq(e.w.mounts[0].source, "/srv/a.img");
                ck_assert_str_eq(e.w.mounts[0].destination, "/data");
                ck_assert_uint_eq(e.w.mounts[0].flags, BERTH_WL_MOUNT_RO);
        }
}
END_TEST

START_TEST(test_syslog_dbus)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();

        set_at(s, "syslog", json_true());
        set_at(s, "dbus", J("{\"system\": \"system\"}"));
        translate_ok(s, NULL, &d);
        ck_assert_uint_eq(d.w.n_mounts, 2);
        ck_assert_str_eq(d.w.mounts[0].source, "/dev/log");
        ck_assert_str_eq(d.w.mounts[0].destination, "/dev/log");
        ck_assert_uint_eq(d.w.mounts[0].flags, BERTH_WL_MOUNT_RO);
        ck_assert_str_eq(d.mount_fields[0], "syslog");
        ck_assert_str_eq(d.w.mounts[1].source, DOBBY_DBUS_SYSTEM_SOCKET);
        ck_assert_str_eq(d.w.mounts[1].destination, DOBBY_DBUS_SYSTEM_SOCKET);
        ck_assert_str_eq(d.mount_fields[1], "dbus.system");
        ck_assert_str_eq(env_get(d.w.env, "DBUS_SYSTEM_BUS_ADDRESS"),
                         "unix:path=" DOBBY_DBUS_SYSTEM_SOCKET);
        refused("syslog", "\"yes\"", -EINVAL, "syslog must be true or false");
        /* The AI buses: this node's (berthd's flags), else refused naming the flag. */
        refused("dbus", "{\"system\": \"ai-public\"}", -EOPNOTSUPP,
                "dbus.system 'ai-public': this node has no ai-public bus (berthd "
                "--oci-ai-public-bus)");
        refused("dbus", "{\"session\": \"ai-private\"}", -EOPNOTSUPP,
                "dbus.session 'ai-private': this node has no ai-private bus (berthd "
                "--oci-ai-private-bus)");
        {
                const struct dobby_host ai = { .ncpus = 2,
                                               .ai_public_bus = "/run/ai/public.sock",
                                               .ai_private_bus = "/run/ai/private.sock" };
                _cleanup_(dobby_spec_done) struct dobby_spec e = {};
                struct berth_error err = {};
                json_auto_t *t = seed();

                set_at(t, "dbus",
                       J("{\"system\": \"ai-private\", \"session\": \"ai-public\", "
                         "\"debug\": \"system\"}"));
                ck_assert_int_eq(dobby_spec_translate(t, NULL, &ai, &e, &err), 0);
                ck_assert_uint_eq(e.w.n_mounts, 3);
                ck_assert_str_eq(e.w.mounts[0].source, "/run/ai/private.sock");
                ck_assert_str_eq(e.w.mounts[0].destination, DOBBY_DBUS_SYSTEM_SOCKET);
                ck_assert_str_eq(e.w.mounts[1].source, "/run/ai/public.sock");
                ck_assert_str_eq(e.w.mounts[1].destination, DOBBY_DBUS_SESSION_SOCKET);
                ck_assert_str_eq(e.w.mounts[2].source, DOBBY_DBUS_SYSTEM_SOCKET);
                ck_assert_str_eq(e.w.mounts[2].destination, DOBBY_DBUS_DEBUG_SOCKET);
                ck_assert_str_eq(e.mount_fields[2], "dbus.debug");
                ck_assert_str_eq(env_get(e.w.env, "DBUS_SESSION_BUS_ADDRESS"),
                                 "unix:path=" DOBBY_DBUS_SESSION_SOCKET);
                ck_assert_str_eq(env_get(e.w.env, "DBUS_DEBUG_BUS_ADDRESS"),
                                 "unix:path=" DOBBY_DBUS_DEBUG_SOCKET);
        }
        refused("dbus", "{\"system\": \"session\"}", -EINVAL, "dbus.system must be");
        refused("dbus", "{\"bus\": \"system\"}", -EINVAL, "dbus.bus: unknown field");
}
END_TEST

START_TEST(test_accel)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {};

        with("gpu", "{\"enable\": false, \"memLimit\": 67108864}", &d);
        with("vpu", "{\"enable\": false}", &e);
        refused("gpu", "{\"enable\": true}", -EOPNOTSUPP, "gpu.enable: this node has no GPU");
        refused("vpu", "{\"enable\": true}", -EOPNOTSUPP, "vpu.enable: this node has no VPU");
        refused("gpu", "{\"enable\": 1}", -EINVAL, "gpu.enable must be true or false");
        refused("gpu", "{\"memory\": 1}", -EINVAL, "gpu.memory: unknown field");
}
END_TEST

START_TEST(test_cpu)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {}, f = {};
        const struct dobby_host host16 = { .ncpus = 16 };
        json_t *s;

        /* 50%: shares 512, weight 1 + 510 * 9999 / 262142 (crun's conversion). */
        with("cpu", "{\"shares\": 50}", &d);
        ck_assert_uint_eq(d.w.limits.cpu_weight, 1 + 510 * 9999 / 262142);
        with("cpu", "{\"shares\": 100, \"cores\": \"0-1\"}", &e);
        ck_assert_uint_eq(e.w.limits.cpu_weight, 1 + 1022 * 9999 / 262142);
        ck_assert_str_eq(e.w.limits.cpus, "0,1");
        /* Trimmed to the host's 2 cpus, as Dobby trims: all of them. */
        with("cpu", "{\"cores\": \"0,1-1,2-7\"}", &f);
        ck_assert_str_eq(f.w.limits.cpus, "0,1");
        dobby_spec_done(&f);
        with("cpu", "{\"cores\": \"1\"}", &f);
        ck_assert_str_eq(f.w.limits.cpus, "1");
        dobby_spec_done(&f);
        with("cpu", "{\"cores\": \"1,7\"}", &f);
        ck_assert_str_eq(f.w.limits.cpus, "1");
        dobby_spec_done(&f);
        /* Nothing left: Dobby sets no cpus. */
        with("cpu", "{\"cores\": \"7\"}", &f);
        ck_assert_str_eq(f.w.limits.cpus, "");
        ck_assert_str_eq(d.w.limits.cpus, "");
        refused("cpu", "{\"shares\": 0}", -EINVAL, "cpu.shares must be an integer from 1 to 100");
        refused("cpu", "{\"shares\": 101}", -EINVAL, "cpu.shares");
        refused("cpu", "{\"cores\": \"0-8\"}", -EINVAL, "cpu.cores '0-8' must list");
        refused("cpu", "{\"cores\": \"1-0\"}", -EINVAL, "cpu.cores");
        refused("cpu", "{\"cores\": \"0,\"}", -EINVAL, "cpu.cores");
        refused("cpu", "{\"cores\": \" 0\"}", -EINVAL, "cpu.cores");
        refused("cpu", "{\"cores\": \"\"}", -EINVAL, "cpu.cores");
        refused("cpu", "{\"quota\": 1}", -EINVAL, "cpu.quota: unknown field");
        /* A host of 16: cores below 8 only, as Dobby's bitset. */
        s = seed();
        set_at(s, "cpu", J("{\"cores\": \"0-7\"}"));
        {
                _cleanup_(dobby_spec_done) struct dobby_spec g = {};
                struct berth_error err = {};

                ck_assert_int_eq(dobby_spec_translate(s, NULL, &host16, &g, &err), 0);
                ck_assert_str_eq(g.w.limits.cpus, "0,1,2,3,4,5,6,7");
        }
        json_decref(s);
}
END_TEST

START_TEST(test_rt_priority)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {}, f = {}, g = {};
        json_t *s;

        with("rtPriority", "0", &d);
        ck_assert_uint_eq(rlimit_of(&d.w, "RLIMIT_RTPRIO"), 0);
        ck_assert_int_eq(d.w.rt_priority, 0);
        ck_assert_uint_eq(d.w.limits.rt_runtime_us, 0);
        /* 1.0: the priority and the limit; the payload runs SCHED_RR, with a budget. */
        with("rtPriority", "4", &f);
        ck_assert_uint_eq(rlimit_of(&f.w, "RLIMIT_RTPRIO"), 4);
        ck_assert_int_eq(f.w.rt_priority, 4);
        ck_assert_uint_eq(f.w.limits.rt_runtime_us, BERTH_RT_CONTAINER_US);
        refused("rtPriority", "100", -EINVAL, "rtPriority must be an integer from 0 to 99");
        /* 1.1: {default, limit}. */
        s = seed();
        set_at(s, "version", json_string("1.1"));
        set_at(s, "rtPriority", J("{\"limit\": 6}"));
        translate_ok(s, NULL, &e);
        json_decref(s);
        ck_assert_uint_eq(rlimit_of(&e.w, "RLIMIT_RTPRIO"), 6);
        s = seed();
        set_at(s, "version", json_string("1.1"));
        set_at(s, "rtPriority", J("{\"default\": 4, \"limit\": 6}"));
        translate_ok(s, NULL, &g);
        json_decref(s);
        ck_assert_uint_eq(rlimit_of(&g.w, "RLIMIT_RTPRIO"), 6);
        ck_assert_int_eq(g.w.rt_priority, 4);
        s = seed();
        set_at(s, "version", json_string("1.1"));
        set_at(s, "rtPriority", J("{\"default\": 7, \"limit\": 6}"));
        refused_spec(s, -EINVAL, "rtPriority.default 7 is above its limit 6", NULL);
        s = seed();
        set_at(s, "version", json_string("1.1"));
        set_at(s, "rtPriority", J("4"));
        refused_spec(s, -EINVAL, "rtPriority must be an object", NULL);
        refused("rtPriority", "{\"limit\": 6}", -EINVAL, "rtPriority must be an integer");
}
END_TEST

START_TEST(test_restart)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {};

        with("restartOnCrash", "true", &d);
        ck_assert_int_eq(d.w.restart, BERTH_RESTART_ON_FAILURE);
        ck_assert_uint_eq(d.w.restart_max, 10);
        with("restartOnCrash", "false", &e);
        ck_assert_int_eq(e.w.restart, BERTH_RESTART_NO);
        refused("restartOnCrash", "1", -EINVAL, "restartOnCrash must be true or false");
}
END_TEST

START_TEST(test_caps)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {};

        /* Extra capabilities in the bounding set alone, and no no_new_privs. */
        with("capabilities", "[\"CAP_NET_RAW\", \"CAP_NET_BROADCAST\"]", &d);
        ck_assert_uint_eq(d.w.caps, CAPS_BASE | (UINT64_C(1) << CAP_NET_RAW) |
                                            (UINT64_C(1) << CAP_NET_BROADCAST));
        ck_assert_uint_eq(d.w.cap_effective, CAPS_BASE);
        ck_assert_uint_eq(d.w.cap_ambient, CAPS_BASE);
        ck_assert(d.w.no_new_privs_set && !d.w.no_new_privs);
        with("capabilities", "[]", &e);
        ck_assert_uint_eq(e.w.caps, CAPS_BASE);
        ck_assert(!e.w.no_new_privs);
        refused("capabilities", "[\"CAP_SYS_ADMIN\"]", -EINVAL,
                "capabilities[0] 'CAP_SYS_ADMIN' is not allowed");
        refused("capabilities", "[\"CAP_NET_RAW\", \"cap_net_raw\"]", -EINVAL,
                "capabilities[1] 'cap_net_raw'");
}
END_TEST

START_TEST(test_seccomp)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {}, e = {};
        json_t *r, *sys;

        /* The one rule of Dobby's template, in the canonical form (seccomp-rules.h); once
         * refused ("not supported yet"), now the container's whole filter. */
        with("seccomp",
             "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {\"names\": [\"getcwd\", "
             "\"chmod\", \"no_such_call\"], \"action\": \"SCMP_ACT_ERRNO\"}}",
             &d);
        r = d.w.seccomp_rules;
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "defaultAction")), SCMP_ACT_ALLOW);
        ck_assert_uint_eq(json_array_size(json_object_get(r, "architectures")), 0);
        ck_assert_uint_eq(json_array_size(json_object_get(r, "syscalls")), 1);
        sys = json_array_get(json_object_get(r, "syscalls"), 0);
        ck_assert_int_eq(json_integer_value(json_object_get(sys, "action")), SCMP_ACT_ERRNO(EPERM));
        /* Byte for byte, a name this kernel does not know included (libseccomp skips it). */
        ck_assert_uint_eq(json_array_size(json_object_get(sys, "names")), 3);
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(sys, "names"), 1)),
                         "chmod");
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(sys, "names"), 2)),
                         "no_such_call");
        ck_assert_uint_eq(json_array_size(json_object_get(sys, "args")), 0);
        /* Without seccomp: berth's profile (no rules). */
        {
                json_auto_t *s = seed();
                translate_ok(s, NULL, &e);
        }
        ck_assert_ptr_null(e.w.seccomp_rules);
        /* Checked before it is translated: Dobby pastes the names unescaped. */
        refused("seccomp",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {\"names\": [\"getcwd\", "
                "\"getpid\\\"], \\\"x\\\": [\\\"\"], \"action\": \"SCMP_ACT_ERRNO\"}}",
                -EINVAL, "seccomp.syscalls.names[1] 'getpid\"], \"x\": [\"' is not a system call");
        refused("seccomp",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {\"names\": [], \"action\": "
                "\"SCMP_ACT_ERRNO\"}}",
                -EINVAL, "seccomp.syscalls.names must not be empty");
        refused("seccomp",
                "{\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": {\"names\": [\"x\"], "
                "\"action\": \"SCMP_ACT_ERRNO\"}}",
                -EINVAL, "seccomp.defaultAction must be");
        refused("seccomp",
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {\"names\": [\"x\"], "
                "\"action\": \"SCMP_ACT_TRACE\"}}",
                -EINVAL, "seccomp.syscalls.action must be");
        refused("seccomp", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", -EINVAL,
                "seccomp.syscalls is required");
        refused("seccomp", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": []}",
                -EINVAL, "seccomp.architectures: unknown field");
}
END_TEST

START_TEST(test_refused_fields)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();

        set_at(s, "devices", J("[]"));
        set_at(s, "plugins", J("[]"));
        set_at(s, "rdkPlugins", J("{}"));
        translate_ok(s, NULL, &d);
        /* Without --oci-device-allow no device is allowed. */
        refused("devices", "[{\"major\": 13, \"minor\": 64, \"access\": \"rw\"}]", -EPERM,
                "devices[0]: character device 13:64 is not on the node's allow-list (berthd "
                "--oci-device-allow names no such node)");
        refused("plugins", "[{\"name\": \"jumper\", \"data\": {}}]", -EOPNOTSUPP,
                "plugins: not supported yet");
        refused("rdkPlugins", "{\"networking\": {\"data\": {}}}", -EOPNOTSUPP,
                "rdkPlugins: not supported yet");
        refused("rdkPlugins", "[]", -EINVAL, "rdkPlugins must be an object");
}
END_TEST

/* A node's allow-list, as berthd reads it from --oci-device-allow. */
static struct oci_device_allow allowed_nodes[] = {
        { .path = (char *)"/dev/kmsg", .major = 1, .minor = 11, .driver = (char *)"mem" },
        { .path = (char *)"/dev/input/event0",
          .major = 13,
          .minor = 64,
          .driver = (char *)"input" },
};
static const struct oci_device_allowlist allow_list = { allowed_nodes, 2 };
static const struct dobby_host host_dev = { .ncpus = 2, .cgroup2 = true, .devices = &allow_list };

static void devices_refused(const char *value, int code, const char *needle)
{
        json_t *s = seed();

        set_at(s, "devices", J(value));
        refused_spec(s, code, needle, &host_dev);
}

/* The mount of d at destination, or NULL. */
static const struct berth_wl_mount *mount_at(const struct dobby_spec *d, const char *destination)
{
        for (size_t i = 0; i < d->w.n_mounts; i++)
                if (streq(d->w.mounts[i].destination, destination))
                        return &d->w.mounts[i];
        return NULL;
}

START_TEST(test_devices)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();
        struct berth_error err = {};
        const struct berth_wl_mount *m;

        set_at(s, "devices",
               J("[{\"major\": 1, \"minor\": 11, \"access\": \"w\"}, {\"major\": \"input\", "
                 "\"minor\": 64, \"access\": \"wr\"}]"));
        ck_assert_int_eq(dobby_spec_translate(s, NULL, &host_dev, &d, &err), 0);
        ck_assert_uint_eq(d.w.limits.n_devices, 2);
        ck_assert_uint_eq(d.w.limits.devices[0].major, 1);
        ck_assert_uint_eq(d.w.limits.devices[0].minor, 11);
        ck_assert_uint_eq(d.w.limits.devices[0].access, BERTH_DEVICE_WRITE);
        ck_assert_uint_eq(d.w.limits.devices[1].major, 13);
        ck_assert_uint_eq(d.w.limits.devices[1].minor, 64);
        ck_assert_uint_eq(d.w.limits.devices[1].access, BERTH_DEVICE_READ | BERTH_DEVICE_WRITE);
        /* Each node bound at its own path, nosuid and noexec but not nodev. */
        m = mount_at(&d, "/dev/kmsg");
        ck_assert_ptr_nonnull(m);
        ck_assert_int_eq(m->kind, BERTH_WL_BIND);
        ck_assert_str_eq(m->source, "/dev/kmsg");
        ck_assert_uint_eq(m->flags, BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NOEXEC);
        m = mount_at(&d, "/dev/input/event0");
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(d.mount_fields[m - d.w.mounts], "devices[1]");

        devices_refused("[{\"major\": 1, \"minor\": 12, \"access\": \"r\"}]", -EPERM,
                        "devices[0]: character device 1:12 is not on the node's allow-list (berthd "
                        "--oci-device-allow");
        devices_refused("[{\"major\": \"misc\", \"minor\": 11, \"access\": \"r\"}]", -EPERM,
                        "devices[0]: character device 'misc' 11 is not on the node's allow-list");
        devices_refused("[{\"major\": 1, \"minor\": 11, \"access\": \"m\"}]", -EINVAL,
                        "devices[0].access 'm' must be \"r\", \"w\", \"rw\" or \"wr\"");
        devices_refused("[{\"major\": 1, \"minor\": 11, \"access\": \"rwm\"}]", -EINVAL,
                        "devices[0].access 'rwm' must be");
        devices_refused("[{\"major\": 1, \"minor\": 11}]", -EINVAL,
                        "devices[0].access is required");
        devices_refused("[{\"minor\": 11, \"access\": \"r\"}]", -EINVAL,
                        "devices[0].major is required");
        devices_refused("[{\"major\": 0, \"minor\": 11, \"access\": \"r\"}]", -EINVAL,
                        "devices[0].major");
        devices_refused("[{\"major\": 1025, \"minor\": 11, \"access\": \"r\"}]", -EINVAL,
                        "devices[0].major");
        devices_refused("[{\"major\": 1, \"minor\": 1025, \"access\": \"r\"}]", -EINVAL,
                        "devices[0].minor");
        devices_refused("[{\"major\": \"\", \"minor\": 11, \"access\": \"r\"}]", -EINVAL,
                        "devices[0].major must be a number from 1 to 1024 or a driver's name");
        devices_refused("[{\"major\": 1, \"minor\": 11, \"access\": \"r\", \"type\": \"c\"}]",
                        -EINVAL, "devices[0].type");
        devices_refused("[{\"major\": 1, \"minor\": 11, \"access\": \"r\"}, {\"major\": "
                        "\"mem\", \"minor\": 11, \"access\": \"w\"}]",
                        -EINVAL, "devices[1]: the device of devices[0] again");
        devices_refused("[1]", -EINVAL, "devices[0]");
        devices_refused("{}", -EINVAL, "devices must be an array");
}
END_TEST

START_TEST(test_no_cgroup2)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        const struct dobby_host h = { .ncpus = 4 };
        json_auto_t *s = seed();
        struct berth_error err = {};

        ck_assert_int_eq(dobby_spec_translate(s, NULL, &h, &d, &err), 0);
        ck_assert(!d.w.cgroup_mount);
        ck_assert_uint_eq(d.w.namespaces & BERTH_NS_CGROUP, 0);
}
END_TEST

/* ---- the root ------------------------------------------------------------------------------ */

static char top[256], hostdir[300], roots[300];

static int rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
        (void)sb;
        (void)ftw;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void mkdir_in(const char *dir, const char *name)
{
        char p[600];

        (void)snprintf(p, sizeof(p), "%s/%s", dir, name);
        ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %m", p);
}

static void symlink_in(const char *dir, const char *name, const char *target)
{
        char p[600];

        (void)snprintf(p, sizeof(p), "%s/%s", dir, name);
        ck_assert_int_eq(symlink(target, p), 0);
}

static void file_in(const char *dir, const char *name, const char *text)
{
        char p[600];
        FILE *f;

        (void)snprintf(p, sizeof(p), "%s/%s", dir, name);
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(text, f), 0);
        ck_assert_int_eq(fclose(f), 0);
}

/* <top>/host: a host whose /usr is merged for bin, lib and lib64, not for sbin (a
 * directory), with lib32 a link elsewhere; <top>/state/oci-roots for the roots. */
static void root_setup(void)
{
        const char *t = getenv("TMPDIR");
        char state[320];

        (void)snprintf(top, sizeof(top), "%s/berth-test-dobby-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_msg(mkdtemp(top), "mkdtemp: %m");
        (void)snprintf(hostdir, sizeof(hostdir), "%s/host", top);
        (void)snprintf(state, sizeof(state), "%s/state", top);
        (void)snprintf(roots, sizeof(roots), "%s/" DOBBY_ROOTS_DIR, state);
        ck_assert_int_eq(mkdir(hostdir, 0755), 0);
        ck_assert_int_eq(mkdir(state, 0700), 0);
        mkdir_in(hostdir, "usr");
        mkdir_in(hostdir, "usr/bin");
        mkdir_in(hostdir, "usr/lib");
        mkdir_in(hostdir, "usr/lib64");
        mkdir_in(hostdir, "sbin");
        mkdir_in(hostdir, "elsewhere");
        symlink_in(hostdir, "bin", "usr/bin");
        symlink_in(hostdir, "lib", "usr/lib");
        symlink_in(hostdir, "lib64", "/usr/lib64");
        symlink_in(hostdir, "lib32", "elsewhere");
        mkdir_in(top, "data");
        file_in(top, "x.conf", "x\n");
}

static void root_teardown(void)
{
        (void)nftw(top, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static void assert_file(const char *root, const char *name, const char *want)
{
        char p[700], buf[4096];
        ssize_t n;
        int fd;
        struct stat st;

        (void)snprintf(p, sizeof(p), "%s/%s", root, name);
        fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        ck_assert_msg(fd >= 0, "open %s: %m", p);
        ck_assert_int_eq(fstat(fd, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);
        n = read(fd, buf, sizeof(buf) - 1);
        ck_assert_int_ge(n, 0);
        buf[n] = 0;
        close(fd);
        ck_assert_msg(streq(buf, want), "%s: '%s', want '%s'", name, buf, want);
}

static mode_t lmode(const char *root, const char *name)
{
        char p[700];
        struct stat st;

        (void)snprintf(p, sizeof(p), "%s/%s", root, name);
        if (lstat(p, &st) < 0)
                return 0;
        return st.st_mode;
}

static int count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                n += !streq(de->d_name, ".") && !streq(de->d_name, "..");
        closedir(d);
        return n;
}

/* The seed's spec, with mounts from the test's tree, made into a root. */
START_TEST(test_root)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();
        struct berth_error err = {};
        char mounts[1200], link[64], p[700];
        const char *root;
        ssize_t n;

        (void)snprintf(
                mounts, sizeof(mounts),
                "[{\"source\": \"%s/data\", \"destination\": \"/home/private/data\", \"type\": "
                "\"bind\", \"options\": [\"rbind\"]},"
                " {\"source\": \"%s/x.conf\", \"destination\": \"/opt/conf/x.conf\", \"type\": "
                "\"bind\", \"options\": [\"ro\"]},"
                " {\"source\": \"%s/x.conf\", \"destination\": \"/etc/hosts\", \"type\": "
                "\"bind\", \"options\": [\"ro\"]},"
                " {\"source\": \"tmpfs\", \"destination\": \"/tmp/sub\", \"type\": \"tmpfs\"}]",
                top, top, top);
        set_at(s, "mounts", J(mounts));
        set_at(s, "etc.ld-preload", J("[\"/lib/a\\\"b.so\", \"x\\ny\"]"));
        json_object_del(s, "console");
        translate_ok(s, NULL, &d);
        ck_assert_int_eq(dobby_root_make(roots, "SleepTest", hostdir, &d, &err), 0);

        root = d.w.root_path;
        ck_assert(dobby_root_is_below(roots, root));
        ck_assert_int_eq(strncmp(root + strlen(roots), "/SleepTest.", 11), 0);
        ck_assert(!d.w.root_writable);
        ck_assert_uint_eq(lmode(roots, "") & 07777, 0711);
        ck_assert_uint_eq(lmode(root, "") & 07777, 0755);
        for (const char *const *dir = (const char *const[]){ "proc", "dev", "sys", "tmp", "usr",
                                                             "etc", "etc/ssl/certs", "home/private",
                                                             "sbin", "lib32", NULL };
             *dir; dir++)
                ck_assert_msg(S_ISDIR(lmode(root, *dir)) && (lmode(root, *dir) & 07777) == 0755,
                              "%s", *dir);
        /* Merged /usr: the same links. */
        (void)snprintf(p, sizeof(p), "%s/bin", root);
        n = readlink(p, link, sizeof(link) - 1);
        ck_assert_int_gt(n, 0);
        link[n] = 0;
        ck_assert_str_eq(link, "usr/bin");
        (void)snprintf(p, sizeof(p), "%s/lib64", root);
        n = readlink(p, link, sizeof(link) - 1);
        ck_assert_int_gt(n, 0);
        link[n] = 0;
        ck_assert_str_eq(link, "/usr/lib64");
        ck_assert(S_ISLNK(lmode(root, "lib")));
        ck_assert_uint_eq(lmode(root, "libx32"), 0);
        /* /etc: the spec's lines, byte for byte, and Dobby's defaults. */
        assert_file(root, "etc/passwd", "root::0:0:root:/:/bin/false\n");
        assert_file(root, "etc/group", "root:x:0:\n");
        assert_file(root, "etc/hosts", "127.0.0.1\tlocalhost\n");
        assert_file(root, "etc/services", "");
        assert_file(root, "etc/ld.so.preload", "/lib/a\"b.so\nx\ny\n");
        assert_file(root, "etc/nsswitch.conf",
                    "hosts:     files mdns4_minimal [NOTFOUND=return] dns mdns4\n"
                    "protocols: files\n");
        /* Mount points: a directory, a file (and the directories above it), the file
         * there already; none in /tmp, which berth-init mounts. */
        ck_assert(S_ISDIR(lmode(root, "home/private/data")));
        ck_assert(S_ISDIR(lmode(root, "opt/conf")));
        ck_assert(S_ISREG(lmode(root, "opt/conf/x.conf")));
        (void)snprintf(p, sizeof(p), "%s/tmp", root);
        ck_assert_int_eq(count_entries(p), 0);

        /* The workload's mounts: the host's, /tmp, then the spec's. */
        ck_assert_uint_eq(d.w.n_mounts, 3 + 1 + 4);
        ck_assert_uint_eq(strv_length(d.mount_fields), d.w.n_mounts);
        (void)snprintf(p, sizeof(p), "%s/usr", hostdir);
        ck_assert_str_eq(d.w.mounts[0].source, p);
        ck_assert_str_eq(d.w.mounts[0].destination, "/usr");
        ck_assert_uint_eq(d.w.mounts[0].flags, BERTH_WL_MOUNT_RO | BERTH_WL_MOUNT_RECURSIVE |
                                                       BERTH_WL_MOUNT_NOSUID |
                                                       BERTH_WL_MOUNT_NODEV);
        ck_assert_str_eq(d.w.mounts[1].destination, "/sbin");
        ck_assert_str_eq(d.w.mounts[2].destination, "/lib32");
        (void)snprintf(p, sizeof(p), "%s/lib32", hostdir);
        ck_assert_str_eq(d.w.mounts[2].source, p);
        ck_assert_int_eq(d.w.mounts[3].kind, BERTH_WL_TMPFS);
        ck_assert_str_eq(d.w.mounts[3].destination, "/tmp");
        ck_assert_uint_eq(d.w.mounts[3].size, 64u << 20);
        ck_assert_uint_eq(d.w.mounts[3].mode, 01777);
        ck_assert_uint_eq(d.w.mounts[3].flags,
                          BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NODEV | BERTH_WL_MOUNT_NOEXEC);
        ck_assert_str_eq(d.w.mounts[4].destination, "/home/private/data");
        ck_assert_str_eq(d.mount_fields[4], "mounts[0]");
        ck_assert_str_eq(d.w.mounts[7].destination, "/tmp/sub");

        /* Another root of the same name is another directory. */
        {
                _cleanup_(dobby_spec_done) struct dobby_spec e = {};
                json_auto_t *s2 = seed();

                json_object_del(s2, "console");
                translate_ok(s2, NULL, &e);
                ck_assert_int_eq(dobby_root_make(roots, "SleepTest", hostdir, &e, &err), 0);
                ck_assert_str_ne(e.w.root_path, root);
                ck_assert_int_eq(count_entries(roots), 2);
                /* A sweep keeps what is named, and removes the rest. */
                dobby_roots_sweep(roots, (char *[]){ d.w.root_path, NULL });
                ck_assert_int_eq(count_entries(roots), 1);
                ck_assert_int_eq(access(e.w.root_path, F_OK), -1);
        }
        ck_assert_int_eq(dobby_root_remove(roots, root), 0);
        ck_assert_int_eq(count_entries(roots), 0);
        ck_assert_int_eq(dobby_root_remove(roots, root), 0);
}
END_TEST

/* What the container would bind from the host must be there; nothing is left when not. */
static void root_refused(json_t *s, const char *needle)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        struct berth_error err = {};

        translate_ok(s, NULL, &d);
        ck_assert_int_lt(dobby_root_make(roots, "bad", hostdir, &d, &err), 0);
        ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
        ck_assert_ptr_null(d.w.root_path);
        ck_assert(access(roots, F_OK) < 0 || count_entries(roots) == 0);
}

START_TEST(test_root_refused)
{
        json_auto_t *a = seed(), *b = seed(), *c = seed(), *e = seed(), *f = seed();
        char mounts[600];

        set_at(a, "mounts",
               J("[{\"source\": \"/nonexistent/x\", \"destination\": \"/x\", "
                 "\"type\": \"bind\"}]"));
        root_refused(a, "mounts[0].source '/nonexistent/x': No such file");
        set_at(b, "console", J("{\"path\": \"/nonexistent/dir/c.log\", \"limit\": -1}"));
        root_refused(b, "console.path '/nonexistent/dir/c.log'");
        /* A file where a directory must go. */
        (void)snprintf(mounts, sizeof(mounts),
                       "[{\"source\": \"%s/data\", \"destination\": \"/etc/passwd/x\", \"type\": "
                       "\"bind\"}]",
                       top);
        json_object_del(c, "console");
        set_at(c, "mounts", J(mounts));
        root_refused(c, "mounts[0].destination /etc/passwd/x");
        /* A directory where a file is. */
        (void)snprintf(mounts, sizeof(mounts),
                       "[{\"source\": \"%s/data\", \"destination\": \"/etc/hosts\", \"type\": "
                       "\"bind\"}]",
                       top);
        json_object_del(e, "console");
        set_at(e, "mounts", J(mounts));
        root_refused(e, "the root has no place for a directory there");
        if (access("/dev/log", F_OK) < 0) {
                set_at(f, "syslog", json_true());
                root_refused(f, "syslog: this node has no /dev/log");
        }
        ck_assert_int_eq(dobby_root_make(roots, "a/b", hostdir, &(struct dobby_spec){}, NULL),
                         -EINVAL);
}
END_TEST

/* Removal follows no link: what one leads to stays. */
START_TEST(test_root_remove_links)
{
        _cleanup_(dobby_spec_done) struct dobby_spec d = {};
        json_auto_t *s = seed();
        struct berth_error err = {};
        char p[700], q[700];

        json_object_del(s, "console");
        translate_ok(s, NULL, &d);
        ck_assert_int_eq(dobby_root_make(roots, "links", hostdir, &d, &err), 0);
        (void)snprintf(p, sizeof(p), "%s/home/private/out", d.w.root_path);
        (void)snprintf(q, sizeof(q), "%s/data", top);
        file_in(q, "keep", "k");
        ck_assert_int_eq(symlink(q, p), 0);
        ck_assert_int_eq(dobby_root_remove(roots, d.w.root_path), 0);
        ck_assert_int_eq(access(d.w.root_path, F_OK), -1);
        (void)snprintf(p, sizeof(p), "%s/data/keep", top);
        ck_assert_int_eq(access(p, F_OK), 0);
        ck_assert_int_eq(access(hostdir, F_OK), 0);
        /* Only roots: nothing else is removed. */
        ck_assert_int_eq(dobby_root_remove(roots, top), -EINVAL);
        ck_assert_int_eq(dobby_root_remove(roots, roots), -EINVAL);
        (void)snprintf(p, sizeof(p), "%s/..", roots);
        ck_assert_int_eq(dobby_root_remove(roots, p), -EINVAL);
        (void)snprintf(p, sizeof(p), "%s/a/b", roots);
        ck_assert(!dobby_root_is_below(roots, p));
        ck_assert_int_eq(access(top, F_OK), 0);
}
END_TEST

static Suite *dobby_suite(void)
{
        Suite *s = suite_create("dobby");
        TCase *tc = tcase_create("spec");

        tcase_add_test(tc, test_seed);
        tcase_add_test(tc, test_seed_nat);
        tcase_add_test(tc, test_bytes);
        tcase_add_test(tc, test_overrides);
        tcase_add_test(tc, test_user);
        tcase_add_test(tc, test_userns_false_root);
        tcase_add_test(tc, test_envelope);
        tcase_add_test(tc, test_cwd);
        tcase_add_test(tc, test_memory);
        tcase_add_test(tc, test_console);
        tcase_add_test(tc, test_etc);
        tcase_add_test(tc, test_network);
        tcase_add_test(tc, test_mounts);
        tcase_add_test(tc, test_syslog_dbus);
        tcase_add_test(tc, test_accel);
        tcase_add_test(tc, test_cpu);
        tcase_add_test(tc, test_rt_priority);
        tcase_add_test(tc, test_restart);
        tcase_add_test(tc, test_caps);
        tcase_add_test(tc, test_seccomp);
        tcase_add_test(tc, test_refused_fields);
        tcase_add_test(tc, test_devices);
        tcase_add_test(tc, test_no_cgroup2);
        suite_add_tcase(s, tc);

        tc = tcase_create("root");
        tcase_add_checked_fixture(tc, root_setup, root_teardown);
        tcase_add_test(tc, test_root);
        tcase_add_test(tc, test_root_refused);
        tcase_add_test(tc, test_root_remove_links);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(dobby_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
