/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The launch spec's JSON (init/launch-spec.h): every field survives
 * berth_launch_to_json() → text → berth_launch_from_json(), a launch without the
 * workload fields keeps its defaults, and each bad value is refused with a message
 * naming its field. The same for the exec spec (berth_exec_spec_to_json() →
 * berth_exec_spec_from_json()), whose pidfd and seccomp choice never travel in the JSON.
 * The user namespace's maps: as the kernel takes them or refused naming the field, as
 * text for /proc/PID/uid_map, from a workload (whose record keeps them, and log_path)
 * into the launch.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "error.h"
#include "launch-spec.h"
#include "launch.h"
#include "macro.h"
#include "native.h"
#include "strv.h"
#include "workload.h"

static void base_init(struct berth_launch *l)
{
        *l = (struct berth_launch){
                .id = 7,
                .caps = BERTH_CAPS_DEFAULT,
                .no_new_privs = true,
                .log_max = 65536,
                .rootfs = strdup("/var/lib/berth/mounts/1"),
                .staging = strdup("/run/berth/staging"),
                .exec_path = strdup("/bin/sh"),
                .cgroups = calloc(1, sizeof(char *)),
        };
        ck_assert_int_ge(strv_extend(&l->args, "sh"), 0);
        ck_assert_int_ge(strv_extend(&l->env, "PATH=/bin"), 0);
}

/* to_json, text, from_json. */
static void round_trip(const struct berth_launch *in, struct berth_launch *out)
{
        struct berth_error err = {};
        _cleanup_free_ char *text = NULL;
        json_t *j = berth_launch_to_json(in), *back;

        ck_assert_ptr_nonnull(j);
        text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        ck_assert_ptr_nonnull(text);
        back = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(back);
        ck_assert_msg(berth_launch_from_json(back, out, &err) == 0, "%s: %s", err.msg, text);
        json_decref(back);
}

START_TEST(test_round_trip_all_fields)
{
        struct berth_launch l, r;

        base_init(&l);
        l.cwd = strdup("/srv/app");
        l.uid = 1000;
        l.gid = 1001;
        l.gids = calloc(3, sizeof(gid_t));
        l.gids[0] = 10;
        l.gids[1] = 4294967294u;
        l.n_gids = 2;
        l.umask_set = true;
        l.umask = 027;
        l.oom_score_adj_set = true;
        l.oom_score_adj = -999;
        l.cap_sets = true;
        l.cap_effective = 1u << 10;
        l.cap_permitted = (1u << 10) | 1u;
        l.cap_inheritable = 1u << 10;
        l.cap_ambient = 1u << 10;
        l.mounts = calloc(3, sizeof(*l.mounts));
        l.mounts[0] = (struct berth_launch_mount){
                .type = LAUNCH_MOUNT_BIND,
                .source = strdup("/srv/data"),
                .destination = strdup("/data"),
                .flags = LAUNCH_MOUNT_READ_ONLY | LAUNCH_MOUNT_RECURSIVE | LAUNCH_MOUNT_NOSUID,
                .propagation = MS_SLAVE | MS_REC,
        };
        l.mounts[1] = (struct berth_launch_mount){
                .type = LAUNCH_MOUNT_TMPFS,
                .destination = strdup("/scratch"),
                .flags = LAUNCH_MOUNT_NODEV | LAUNCH_MOUNT_NOEXEC,
                .size = 1 << 20,
                .mode = 01777,
        };
        l.mounts[2] = (struct berth_launch_mount){
                .type = LAUNCH_MOUNT_BIND,
                .source = strdup("/etc/resolv.conf"),
                .destination = strdup("/etc/resolv.conf"),
                .propagation = MS_SHARED,
        };
        l.n_mounts = 3;
        l.rlimits = calloc(2, sizeof(*l.rlimits));
        l.rlimits[0] = (struct berth_launch_rlimit){ RLIMIT_NOFILE, 1024, 4096 };
        l.rlimits[1] = (struct berth_launch_rlimit){ RLIMIT_CORE, 0, RLIM_INFINITY };
        l.n_rlimits = 2;
        l.root_read_only = true;
        l.terminal = true;
        ck_assert_int_ge(strv_extend(&l.masked_paths, "/proc/cpuinfo"), 0);
        ck_assert_int_ge(strv_extend(&l.masked_paths, "/srv/secret"), 0);
        ck_assert_int_ge(strv_extend(&l.read_only_paths, "/proc/sysvipc"), 0);
        l.namespaces = LAUNCH_NS_CGROUP;
        l.cgroup2_inside = true;
        l.cgroup2_read_only = true;

        round_trip(&l, &r);
        ck_assert_str_eq(r.cwd, "/srv/app");
        ck_assert_uint_eq(r.uid, 1000);
        ck_assert_uint_eq(r.gid, 1001);
        ck_assert_uint_eq(r.n_gids, 2);
        ck_assert_uint_eq(r.gids[0], 10);
        ck_assert_uint_eq(r.gids[1], 4294967294u);
        ck_assert(r.umask_set && r.umask == 027);
        ck_assert(r.oom_score_adj_set && r.oom_score_adj == -999);
        ck_assert(r.cap_sets);
        ck_assert_uint_eq(r.cap_effective, l.cap_effective);
        ck_assert_uint_eq(r.cap_permitted, l.cap_permitted);
        ck_assert_uint_eq(r.cap_inheritable, l.cap_inheritable);
        ck_assert_uint_eq(r.cap_ambient, l.cap_ambient);
        ck_assert_uint_eq(r.n_mounts, 3);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_int_eq(r.mounts[i].type, l.mounts[i].type);
                ck_assert_pstr_eq(r.mounts[i].source, l.mounts[i].source);
                ck_assert_str_eq(r.mounts[i].destination, l.mounts[i].destination);
                ck_assert_uint_eq(r.mounts[i].flags, l.mounts[i].flags);
                ck_assert_uint_eq(r.mounts[i].propagation, l.mounts[i].propagation);
                ck_assert_uint_eq(r.mounts[i].size, l.mounts[i].size);
                ck_assert_uint_eq(r.mounts[i].mode, l.mounts[i].mode);
        }
        ck_assert_uint_eq(r.n_rlimits, 2);
        for (size_t i = 0; i < 2; i++) {
                ck_assert_int_eq(r.rlimits[i].resource, l.rlimits[i].resource);
                ck_assert_uint_eq(r.rlimits[i].soft, l.rlimits[i].soft);
                ck_assert_uint_eq(r.rlimits[i].hard, l.rlimits[i].hard);
        }
        ck_assert(r.root_read_only);
        ck_assert(r.terminal);
        ck_assert_uint_eq(strv_length(r.masked_paths), 2);
        ck_assert_str_eq(r.masked_paths[0], "/proc/cpuinfo");
        ck_assert_str_eq(r.masked_paths[1], "/srv/secret");
        ck_assert_uint_eq(strv_length(r.read_only_paths), 1);
        ck_assert_str_eq(r.read_only_paths[0], "/proc/sysvipc");
        ck_assert_uint_eq(r.namespaces, LAUNCH_NS_CGROUP);
        ck_assert(r.cgroup2_inside && r.cgroup2_read_only);
        /* And what was there before. */
        ck_assert_uint_eq(r.id, 7);
        ck_assert_uint_eq(r.caps, BERTH_CAPS_DEFAULT);
        ck_assert(r.no_new_privs);
        ck_assert_str_eq(r.exec_path, "/bin/sh");
        ck_assert_str_eq(r.args[0], "sh");
        berth_launch_done(&l);
        berth_launch_done(&r);
}
END_TEST

/* A launch that sets none of the workload fields: no optional key in its JSON, and the
 * defaults back (root, no groups, inherited umask and OOM score, no cap sets). */
START_TEST(test_defaults)
{
        struct berth_launch l, r;
        json_t *j;

        base_init(&l);
        j = berth_launch_to_json(&l);
        ck_assert_ptr_nonnull(j);
        ck_assert_ptr_null(json_object_get(j, "umask"));
        ck_assert_ptr_null(json_object_get(j, "oom_score_adj"));
        ck_assert_ptr_null(json_object_get(j, "cap_effective"));
        ck_assert_ptr_null(json_object_get(j, "root_read_only"));
        ck_assert_ptr_null(json_object_get(j, "terminal"));
        ck_assert_ptr_null(json_object_get(j, "masked_paths"));
        ck_assert_ptr_null(json_object_get(j, "read_only_paths"));
        ck_assert_ptr_null(json_object_get(j, "cgroup2_read_only"));
        json_decref(j);
        round_trip(&l, &r);
        ck_assert(r.uid == 0 && r.gid == 0 && r.n_gids == 0 && !r.umask_set &&
                  !r.oom_score_adj_set && !r.cap_sets && r.n_mounts == 0 && r.n_rlimits == 0 &&
                  !r.cwd);
        ck_assert(!r.root_read_only && !r.terminal && !r.masked_paths && !r.read_only_paths &&
                  !r.cgroup2_read_only);
        berth_launch_done(&l);
        berth_launch_done(&r);
}
END_TEST

/* Names as an OCI config or a person writes them; "unlimited" and -1. */
START_TEST(test_rlimit_names)
{
        static const char *const json =
                "[{\"type\":\"nofile\",\"soft\":10,\"hard\":-1},"
                "{\"type\":\"RLIMIT_NPROC\",\"soft\":\"unlimited\",\"hard\":\"unlimited\"},"
                "{\"type\":\"Stack\",\"soft\":8388608,\"hard\":8388608}]";
        struct berth_error err = {};
        struct berth_launch l, r;
        json_t *j;

        ck_assert_int_eq(berth_rlimit_from_string("RLIMIT_RTTIME"), RLIMIT_RTTIME);
        ck_assert_int_eq(berth_rlimit_from_string("as"), RLIMIT_AS);
        ck_assert_int_eq(berth_rlimit_from_string("RLIMIT_"), -EINVAL);
        ck_assert_int_eq(berth_rlimit_from_string("bogus"), -EINVAL);
        ck_assert_str_eq(berth_rlimit_to_string(RLIMIT_MEMLOCK), "RLIMIT_MEMLOCK");
        ck_assert_ptr_null(berth_rlimit_to_string(99));

        base_init(&l);
        j = berth_launch_to_json(&l);
        json_object_set_new(j, "rlimits", json_loads(json, 0, NULL));
        ck_assert_msg(berth_launch_from_json(j, &r, &err) == 0, "%s", err.msg);
        json_decref(j);
        ck_assert_uint_eq(r.n_rlimits, 3);
        ck_assert_int_eq(r.rlimits[0].resource, RLIMIT_NOFILE);
        ck_assert_uint_eq(r.rlimits[0].soft, 10);
        ck_assert_uint_eq(r.rlimits[0].hard, RLIM_INFINITY);
        ck_assert_int_eq(r.rlimits[1].resource, RLIMIT_NPROC);
        ck_assert_uint_eq(r.rlimits[1].soft, RLIM_INFINITY);
        ck_assert_int_eq(r.rlimits[2].resource, RLIMIT_STACK);
        berth_launch_done(&l);
        berth_launch_done(&r);
}
END_TEST

/* A trailing slash on a destination is dropped. */
START_TEST(test_mount_destination_slash)
{
        struct berth_error err = {};
        struct berth_launch l, r;
        json_t *j;

        base_init(&l);
        j = berth_launch_to_json(&l);
        json_object_set_new(
                j, "mounts",
                json_loads("[{\"type\":\"tmpfs\",\"destination\":\"/run/x//\"}]", 0, NULL));
        ck_assert_msg(berth_launch_from_json(j, &r, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(r.mounts[0].destination, "/run/x");
        ck_assert_uint_eq(r.mounts[0].propagation, 0);
        json_decref(j);
        berth_launch_done(&l);
        berth_launch_done(&r);
}
END_TEST

struct bad_case {
        const char *key;   /* set in a valid spec … */
        const char *value; /* … to this JSON (NULL: delete the key) */
        const char *want;  /* in the message */
};

static const struct bad_case bad_cases[] = {
        { "bogus", "1", "unknown field 'bogus'" },
        { "exec", NULL, "'exec' is missing" },
        { "args", "[]", "'args' is empty" },
        { "args", "[1]", "'args[0]' must be a string" },
        { "caps", "\"all\"", "'caps' must be an integer" },
        { "namespaces", "64", "'namespaces'" },
        { "cwd", "\"relative/dir\"", "'cwd' must be an absolute path" },
        { "uid", "-1", "'uid' must be an integer from 0 to 4294967294" },
        { "gid", "4294967295", "'gid' must be an integer from 0 to 4294967294" },
        { "gids", "[1, \"wheel\"]", "'gids[1]' must be an integer" },
        { "umask", "512", "'umask' must be an integer from 0 to 511" },
        { "oom_score_adj", "1001", "'oom_score_adj' must be an integer from -1000 to 1000" },
        { "cap_ambient", "0",
          "'cap_effective', 'cap_permitted', 'cap_inheritable' and "
          "'cap_ambient' go together" },
        { "rlimits", "[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]",
          "'rlimits[0].type': unknown resource limit 'RLIMIT_BOGUS'" },
        { "rlimits", "[{\"type\":5,\"soft\":1,\"hard\":1}]",
          "'rlimits[0].type': unknown resource limit 5" },
        { "rlimits", "[{\"type\":\"nofile\",\"soft\":1}]",
          "'rlimits[0]' needs type, soft and hard" },
        { "rlimits", "[{\"type\":\"nofile\",\"soft\":2,\"hard\":1}]",
          "'rlimits[0]': soft 2 is above hard 1" },
        { "rlimits", "[{\"type\":\"nofile\",\"soft\":-2,\"hard\":1}]", "'rlimits[0].soft'" },
        { "rlimits", "[{\"type\":\"nofile\",\"soft\":1,\"hard\":1,\"max\":3}]",
          "unknown field 'rlimits[0].max'" },
        { "rlimits",
          "[{\"type\":\"nofile\",\"soft\":1,\"hard\":1},{\"type\":\"NOFILE\",\"soft\":1,\"hard\":1}"
          "]",
          "'rlimits[1].type': NOFILE is given twice" },
        { "mounts", "[{\"type\":\"overlay\",\"destination\":\"/x\"}]",
          "'mounts[0].type' must be \"bind\" or \"tmpfs\"" },
        { "mounts", "[{\"destination\":\"/x\"}]", "'mounts[0].type' is missing" },
        { "mounts", "[{\"type\":\"tmpfs\"}]", "'mounts[0].destination' must be a path other" },
        { "mounts", "[{\"type\":\"tmpfs\",\"destination\":\"/\"}]",
          "'mounts[0].destination' must be a path other than '/'" },
        { "mounts", "[{\"type\":\"tmpfs\",\"destination\":\"x\"}]",
          "'mounts[0].destination' must be an absolute path" },
        { "mounts", "[{\"type\":\"bind\",\"destination\":\"/x\"}]",
          "'mounts[0].source' is missing" },
        { "mounts", "[{\"type\":\"bind\",\"source\":\"/a\",\"destination\":\"/x\",\"size\":1}]",
          "'mounts[0]': size and mode are for tmpfs" },
        { "mounts", "[{\"type\":\"tmpfs\",\"source\":\"/a\",\"destination\":\"/x\"}]",
          "'mounts[0]': source and recursive are for bind mounts" },
        { "mounts", "[{\"type\":\"tmpfs\",\"destination\":\"/x\",\"propagation\":\"master\"}]",
          "'mounts[0].propagation' must be one of" },
        { "mounts", "[{\"type\":\"tmpfs\",\"destination\":\"/x\",\"mode\":4096}]",
          "'mounts[0].mode' must be an integer from 0 to 4095" },
        { "mounts", "[{\"type\":\"tmpfs\",\"destination\":\"/x\",\"read_only\":1}]",
          "'mounts[0].read_only' must be true or false" },
        { "mounts", "[{\"type\":\"tmpfs\",\"destination\":\"/x\",\"options\":[]}]",
          "unknown field 'mounts[0].options'" },
        { "mounts", "{}", "'mounts' must be an array" },
        { "root_read_only", "\"yes\"", "'root_read_only' must be true or false" },
        { "terminal", "1", "'terminal' must be true or false" },
        { "masked_paths", "[\"proc/kcore\"]", "'masked_paths[0]' must be an absolute path" },
        { "masked_paths", "[\"/proc/kcore\", \"\"]", "'masked_paths[1]' must be an absolute path" },
        { "masked_paths", "[\"/proc\", 1]", "'masked_paths[1]' must be a string" },
        { "masked_paths", "\"/proc/kcore\"", "'masked_paths' must be an array of at most" },
        { "masked_paths", "[\"/srv/../etc/shadow\"]",
          "'masked_paths[0]' must not have a '..' component" },
        { "read_only_paths", "[\"relative\"]", "'read_only_paths[0]' must be an absolute path" },
        { "read_only_paths", "[\"//\"]", "'read_only_paths[0]' must be a path other than '/'" },
        { "read_only_paths", "[\"/srv/..\"]",
          "'read_only_paths[0]' must not have a '..' component" },
        { "cgroup2_read_only", "true",
          "'cgroup2_read_only' needs 'cgroup2_inside' and the cgroup namespace" },
        { "sysctls", "[\"vm.swappiness=1\"]", "'sysctls[0]' is not key=value of a namespace" },
        { "sysctls", "[\"net/ipv4/x=1\"]", "'sysctls[0]' is not key=value of a namespace" },
        { "sysctls", "[\"kernel.shmmni\"]", "'sysctls[0]' is not key=value of a namespace" },
        { "sysctls", "[\"kernel.shmmni=1\\n2\"]", "'sysctls[0]' is not key=value" },
        { "sysctls", "[\"net.ipv4.ip_forward=1\"]", "'sysctls[0]': not the container's own" },
        { "ns_join", "{\"pid\":\"/proc/1/ns/pid\"}", "'ns_join.pid': unknown namespace" },
        { "ns_join", "{\"net\":\"relative\"}", "'ns_join' must be an absolute path" },
        { "ns_join", "[]", "'ns_join' must be an object" },
};

START_TEST(test_bad_values)
{
        const struct bad_case *c = &bad_cases[_i];
        struct berth_error err = {};
        struct berth_launch l, r;
        json_t *j;
        int ret;

        base_init(&l);
        j = berth_launch_to_json(&l);
        berth_launch_done(&l);
        if (c->value) {
                json_t *v = json_loads(c->value, JSON_DECODE_ANY, NULL);
                ck_assert_ptr_nonnull(v);
                json_object_set_new(j, c->key, v);
        } else
                json_object_del(j, c->key);
        ret = berth_launch_from_json(j, &r, &err);
        json_decref(j);
        ck_assert_int_eq(ret, -EINVAL);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_msg(strncmp(err.msg, "launch spec: ", 13) == 0 && strstr(err.msg, c->want),
                      "%s=%s: want '%s', got '%s'", c->key, c->value ? c->value : "(deleted)",
                      c->want, err.msg);
}
END_TEST

/* Cap sets that capset(2) or PR_CAP_AMBIENT_RAISE would refuse. */
START_TEST(test_bad_cap_sets)
{
        static const struct {
                uint64_t eff, perm, inh, amb;
                const char *want;
        } cases[] = {
                { 1ull << 21, 1ull << 21, 0, 0, "beyond the bounding set 'caps'" },
                { 1, 0, 0, 0, "'cap_effective' must be within 'cap_permitted'" },
                { 0, 1, 0, 1, "'cap_ambient' must be within 'cap_permitted' and" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct berth_error err = {};
                struct berth_launch l, r;
                json_t *j;

                base_init(&l);
                l.cap_sets = true;
                l.cap_effective = cases[i].eff;
                l.cap_permitted = cases[i].perm;
                l.cap_inheritable = cases[i].inh;
                l.cap_ambient = cases[i].amb;
                j = berth_launch_to_json(&l);
                berth_launch_done(&l);
                ck_assert_int_eq(berth_launch_from_json(j, &r, &err), -EINVAL);
                json_decref(j);
                ck_assert_msg(strstr(err.msg, cases[i].want), "%s", err.msg);
        }
}
END_TEST

/* ---- user namespace maps ------------------------------------------------------------ */

static struct berth_launch_idmap *idmap_dup(const struct berth_launch_idmap *m, size_t n)
{
        struct berth_launch_idmap *c = calloc(n, sizeof(*c));

        ck_assert_ptr_nonnull(c);
        memcpy(c, m, n * sizeof(*c));
        return c;
}

/* Both maps travel (each line in order), and the payload's ids in them pass. */
START_TEST(test_idmap_round_trip)
{
        static const struct berth_launch_idmap u[] = { { 0, 100000, 1 }, { 1, 200000, 65535 } },
                                               g[] = { { 0, 100000, 10 } };
        struct berth_launch l, r;
        json_t *j;

        base_init(&l);
        l.namespaces = LAUNCH_NS_USER;
        l.uid_map = idmap_dup(u, 2);
        l.n_uid_map = 2;
        l.gid_map = idmap_dup(g, 1);
        l.n_gid_map = 1;
        l.uid = 65535;
        l.gid = 9;
        l.gids = calloc(1, sizeof(gid_t));
        l.gids[0] = 5;
        l.n_gids = 1;
        j = berth_launch_to_json(&l);
        ck_assert_ptr_nonnull(j);
        ck_assert_uint_eq(json_array_size(json_object_get(j, "uid_map")), 2);
        json_decref(j);
        round_trip(&l, &r);
        ck_assert_uint_eq(r.n_uid_map, 2);
        ck_assert_uint_eq(r.n_gid_map, 1);
        ck_assert_int_eq(memcmp(r.uid_map, u, sizeof(u)), 0);
        ck_assert_int_eq(memcmp(r.gid_map, g, sizeof(g)), 0);
        berth_launch_done(&l);
        berth_launch_done(&r);

        /* None: no key, and none back (the identity). */
        base_init(&l);
        l.namespaces = LAUNCH_NS_USER;
        j = berth_launch_to_json(&l);
        ck_assert_ptr_null(json_object_get(j, "uid_map"));
        ck_assert_ptr_null(json_object_get(j, "gid_map"));
        json_decref(j);
        round_trip(&l, &r);
        ck_assert(r.n_uid_map == 0 && !r.uid_map && r.n_gid_map == 0 && !r.gid_map);
        berth_launch_done(&l);
        berth_launch_done(&r);
}
END_TEST

/* What the kernel would refuse (or berth-init could not use), named. Each case sets these
 * keys (a JSON object) in a valid spec with a user namespace. */
static const struct {
        const char *set, *want;
} bad_idmaps[] = {
        { "{\"namespaces\":0,\"uid_map\":[[0,1000,1]],\"gid_map\":[[0,1000,1]]}",
          "'uid_map' and 'gid_map' need the user namespace" },
        { "{\"uid_map\":[[0,1000,1]]}", "'uid_map' and 'gid_map' go together" },
        { "{\"uid_map\":{},\"gid_map\":[[0,1000,1]]}", "'uid_map' must be an array of at most" },
        { "{\"uid_map\":[[0,1000]],\"gid_map\":[[0,1000,1]]}",
          "'uid_map[0]' must be [inside, outside, count]" },
        { "{\"uid_map\":[[0,-1,1]],\"gid_map\":[[0,1000,1]]}",
          "'uid_map[0][1]' must be an integer from 0 to 4294967295" },
        { "{\"uid_map\":[[0,1000,1]],\"gid_map\":[[0,\"1000\",1]]}", "'gid_map[0][1]'" },
        { "{\"uid_map\":[[0,1000,0]],\"gid_map\":[[0,1000,1]]}",
          "launch spec: uid_map[0]: the count must be at least 1" },
        { "{\"uid_map\":[[0,4294967295,1]],\"gid_map\":[[0,1000,1]]}",
          "uid_map[0]: 0 4294967295 1 goes beyond id 4294967294" },
        { "{\"uid_map\":[[4294967290,0,6],[0,1,1]],\"gid_map\":[[0,1000,1]]}",
          "uid_map[0]: 4294967290 0 6 goes beyond" },
        { "{\"uid_map\":[[0,1000,10],[5,2000,1]],\"gid_map\":[[0,1000,1]]}",
          "uid_map[1]: its ids inside overlap uid_map[0]'s" },
        { "{\"uid_map\":[[0,1000,10],[10,1009,1]],\"gid_map\":[[0,1000,1]]}",
          "uid_map[1]: its ids outside overlap uid_map[0]'s" },
        { "{\"uid_map\":[[0,1000,1]],\"gid_map\":[[1,1000,1]]}",
          "gid_map: maps no id to 0 inside" },
        { "{\"uid_map\":[[0,1000,1]],\"gid_map\":[[0,1000,1]],\"uid\":1}",
          "'uid' 1 is not in 'uid_map'" },
        { "{\"uid_map\":[[0,1000,1]],\"gid_map\":[[0,1000,10]],\"gid\":10}",
          "'gid' 10 is not in 'gid_map'" },
        { "{\"uid_map\":[[0,1000,1]],\"gid_map\":[[0,1000,10]],\"gids\":[9,10]}",
          "'gids[1]' 10 is not in 'gid_map'" },
};

START_TEST(test_bad_idmaps)
{
        struct berth_error err = {};
        struct berth_launch l, r;
        json_t *j, *set;
        int ret;

        base_init(&l);
        l.namespaces = LAUNCH_NS_USER;
        j = berth_launch_to_json(&l);
        berth_launch_done(&l);
        set = json_loads(bad_idmaps[_i].set, 0, NULL);
        ck_assert_ptr_nonnull(set);
        ck_assert_int_eq(json_object_update(j, set), 0);
        json_decref(set);
        ret = berth_launch_from_json(j, &r, &err);
        json_decref(j);
        ck_assert_int_eq(ret, -EINVAL);
        ck_assert_msg(strncmp(err.msg, "launch spec: ", 13) == 0 &&
                              strstr(err.msg, bad_idmaps[_i].want),
                      "%s: want '%s', got '%s'", bad_idmaps[_i].set, bad_idmaps[_i].want, err.msg);
}
END_TEST

/* More lines than the kernel takes, and a text beyond a page (one write(2) of the map). */
START_TEST(test_idmap_limits)
{
        struct berth_launch_idmap m[LAUNCH_IDMAP_MAX + 1];
        struct berth_error err = {};
        _cleanup_free_ char *text = NULL;

        for (uint32_t i = 0; i < ELEMENTSOF(m); i++)
                m[i] = (struct berth_launch_idmap){ i, 1000 + i, 1 };
        ck_assert_int_eq(berth_launch_idmap_check(m, LAUNCH_IDMAP_MAX, "uid_map", &err), 0);
        ck_assert_int_eq(berth_launch_idmap_check(m, LAUNCH_IDMAP_MAX + 1, "uid_map", &err),
                         -EINVAL);
        ck_assert_str_eq(err.msg, "uid_map: 341 lines, more than the kernel's 340");
        /* Long numbers: 340 lines of ~30 bytes. */
        for (uint32_t i = 0; i < LAUNCH_IDMAP_MAX; i++)
                m[i] = (struct berth_launch_idmap){ i == 0 ? 0 : 4000000000u + i, 3000000000u + i,
                                                    1 };
        ck_assert_int_eq(berth_launch_idmap_check(m, LAUNCH_IDMAP_MAX, "gid_map", &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "gid_map: ") && strstr(err.msg, "bytes as text, the kernel "
                                                                      "takes less than"),
                      "%s", err.msg);

        /* The text berthd writes. */
        m[0] = (struct berth_launch_idmap){ 0, 100000, 1 };
        m[1] = (struct berth_launch_idmap){ 1, 4294967293u, 2 };
        text = berth_launch_idmap_format(m, 2);
        ck_assert_str_eq(text, "0 100000 1\n1 4294967293 2\n");
        ck_assert_int_eq(berth_launch_idmap_check(m, 2, "uid_map", &err), 0);
        free(text);
        text = berth_launch_idmap_format(NULL, 0);
        ck_assert_str_eq(text, "0 0 4294967295\n");
        ck_assert(berth_launch_idmap_maps(NULL, 0, 4242));
        ck_assert(berth_launch_idmap_maps(m, 2, 2));
        ck_assert(!berth_launch_idmap_maps(m, 2, 3));
}
END_TEST

/* The workload's record keeps the maps and log_path (src/core/workload.c), and the native
 * engine gives the maps to the launch with a user namespace only. */
/* The launch of w as the native engine makes it (container 3 on /srv/root). */
static int launch_of(const struct berth_workload *w, struct berth_launch *l,
                     struct berth_error *err)
{
        return berth_native_launch_from_workload(
                &(struct berth_native_launch_in){
                        .w = w,
                        .id = 3,
                        .rootfs = "/srv/root",
                        .staging = "/run/berth/staging",
                        .exec_path = strdup("/bin/sh"),
                        .machine_id = "0123456789abcdef0123456789abcdef",
                },
                l, err);
}

START_TEST(test_workload_idmaps)
{
        struct berth_wl_idmap u[] = { { 0, 100000, 1 }, { 1, 300000, 10 } },
                              g[] = { { 0, 100000, 10 } };
        char *args[] = { (char *)"sh", NULL };
        struct berth_workload w, back, copy;
        struct berth_error err = {};
        struct berth_launch l;
        json_t *j;

        berth_workload_init(&w);
        w.args = args;
        w.namespaces = BERTH_NS_USER;
        w.uid_map = u;
        w.n_uid_map = 2;
        w.gid_map = g;
        w.n_gid_map = 1;
        w.log_path = (char *)"/var/log/app/console.log";
        j = berth_workload_to_json(&w);
        ck_assert_ptr_nonnull(j);
        berth_workload_init(&back);
        ck_assert_msg(berth_workload_from_json(j, &back, &err) >= 0, "%s", err.msg);
        json_decref(j);
        ck_assert_uint_eq(back.n_uid_map, 2);
        ck_assert_uint_eq(back.n_gid_map, 1);
        ck_assert_int_eq(memcmp(back.uid_map, u, sizeof(u)), 0);
        ck_assert_int_eq(memcmp(back.gid_map, g, sizeof(g)), 0);
        ck_assert_str_eq(back.log_path, "/var/log/app/console.log");
        ck_assert_int_ge(berth_workload_copy(&copy, &back), 0);
        ck_assert_uint_eq(copy.n_uid_map, 2);
        ck_assert_int_eq(memcmp(copy.uid_map, u, sizeof(u)), 0);
        ck_assert_str_eq(copy.log_path, "/var/log/app/console.log");
        berth_workload_done(&copy);

        ck_assert_msg(launch_of(&back, &l, &err) >= 0, "%s", err.msg);
        ck_assert_uint_eq(l.namespaces, LAUNCH_NS_USER);
        ck_assert_uint_eq(l.n_uid_map, 2);
        ck_assert_uint_eq(l.uid_map[1].inside, 1);
        ck_assert_uint_eq(l.uid_map[1].outside, 300000);
        ck_assert_uint_eq(l.uid_map[1].count, 10);
        ck_assert_uint_eq(l.n_gid_map, 1);
        ck_assert_uint_eq(l.gid_map[0].count, 10);
        berth_launch_done(&l);

        /* Without the user namespace, no maps (native_validate() refuses such a workload). */
        back.namespaces = 0;
        ck_assert_msg(launch_of(&back, &l, &err) >= 0, "%s", err.msg);
        ck_assert(l.n_uid_map == 0 && !l.uid_map && l.n_gid_map == 0 && !l.gid_map);
        berth_launch_done(&l);
        berth_workload_done(&back);
}
END_TEST

static bool strv_same(char *const *a, char *const *b);

/* Sysctls and joins: carried from the workload to berth-init, and what they exclude. */
START_TEST(test_kernel_fields)
{
        char *args[] = { (char *)"sh", NULL };
        char *sysctls[] = { (char *)"kernel.shmmni=2048", NULL };
        struct berth_workload w, back;
        struct berth_error err = {};
        struct berth_launch l, r;
        json_t *j;

        berth_workload_init(&w);
        w.args = args;
        w.sysctls = sysctls;
        w.ns_join[BERTH_WL_JOIN_NET] = (char *)"/run/netns/a";
        w.ns_join[BERTH_WL_JOIN_UTS] = (char *)"/proc/9/ns/uts";
        j = berth_workload_to_json(&w);
        ck_assert_ptr_nonnull(j);
        berth_workload_init(&back);
        ck_assert_msg(berth_workload_from_json(j, &back, &err) >= 0, "%s", err.msg);
        json_decref(j);
        ck_assert(strv_same(back.sysctls, sysctls));
        ck_assert_str_eq(back.ns_join[BERTH_WL_JOIN_NET], "/run/netns/a");
        ck_assert_ptr_null(back.ns_join[BERTH_WL_JOIN_IPC]);
        ck_assert_msg(launch_of(&back, &l, &err) >= 0, "%s", err.msg);
        berth_workload_done(&back);
        /* A joined uts namespace keeps its name: no hostname for berth-init to set. */
        ck_assert_ptr_null(l.hostname);
        ck_assert_str_eq(l.ns_join[LAUNCH_JOIN_UTS], "/proc/9/ns/uts");
        round_trip(&l, &r);
        ck_assert(strv_same(r.sysctls, sysctls));
        ck_assert_str_eq(r.ns_join[LAUNCH_JOIN_NET], "/run/netns/a");
        ck_assert_ptr_null(r.ns_join[LAUNCH_JOIN_IPC]);
        berth_launch_done(&r);

        /* Joins never go with a user namespace, nor a joined uts with a hostname. */
        l.namespaces = LAUNCH_NS_USER;
        j = berth_launch_to_json(&l);
        ck_assert_int_eq(berth_launch_from_json(j, &r, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "'ns_join' with a user namespace"), "%s", err.msg);
        json_decref(j);
        l.namespaces = 0;
        l.hostname = strdup("x");
        j = berth_launch_to_json(&l);
        berth_error_clear(&err);
        ck_assert_int_eq(berth_launch_from_json(j, &r, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "'ns_join.uts' and a hostname"), "%s", err.msg);
        json_decref(j);
        berth_launch_done(&l);
}
END_TEST

/* ---- the exec spec ----------------------------------------------------------------- */

static void exec_init(struct berth_exec_spec *s)
{
        *s = (struct berth_exec_spec){
                .pidfd = 42, /* never opened: only its absence from the JSON is tested */
                .namespaces = LAUNCH_NS_NET | LAUNCH_NS_USER | LAUNCH_NS_CGROUP,
                .caps = BERTH_CAPS_DEFAULT,
                .no_new_privs = true,
                .privileged = true,
        };
        ck_assert_int_ge(strv_extend(&s->cgroups, "/sys/fs/cgroup/berth/7"), 0);
        ck_assert_int_ge(strv_extend(&s->cgroups, "/sys/fs/cgroup/pids/berth/7"), 0);
        ck_assert_int_ge(strv_extend(&s->args, "/bin/sh"), 0);
        ck_assert_int_ge(strv_extend(&s->args, "-c"), 0);
        ck_assert_int_ge(strv_extend(&s->args, "id; pwd"), 0);
        ck_assert_int_ge(strv_extend(&s->env, "PATH=/usr/bin:/bin"), 0);
        ck_assert_int_ge(strv_extend(&s->env, "HOME=/root"), 0);
}

static bool strv_same(char *const *a, char *const *b)
{
        size_t i = 0;

        for (; a[i] && b[i]; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return !a[i] && !b[i];
}

static void exec_round_trip(const struct berth_exec_spec *in, struct berth_exec_spec *out)
{
        struct berth_error err = {};
        _cleanup_free_ char *text = NULL;
        json_t *j = berth_exec_spec_to_json(in), *back;

        ck_assert_ptr_nonnull(j);
        /* The pidfd is an fd of its own (LAUNCH_FD_EXEC_PIDFD), the profile a memfd. */
        ck_assert_ptr_null(json_object_get(j, "pidfd"));
        ck_assert_ptr_null(json_object_get(j, "privileged"));
        text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        ck_assert_ptr_nonnull(text);
        back = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(back);
        ck_assert_msg(berth_exec_spec_from_json(back, out, &err) == 0, "%s: %s", err.msg, text);
        json_decref(back);
}

START_TEST(test_exec_round_trip)
{
        struct berth_exec_spec s, r;

        exec_init(&s);
        s.cwd = strdup("/srv/app");
        s.user_set = true;
        s.uid = 1000;
        s.gid = 4294967294u;
        /* The container's process settings the command takes too. */
        s.process = calloc(1, sizeof(*s.process));
        ck_assert_ptr_nonnull(s.process);
        s.process->gids = calloc(2, sizeof(gid_t));
        ck_assert_ptr_nonnull(s.process->gids);
        s.process->gids[0] = 5;
        s.process->gids[1] = 7;
        s.process->n_gids = 2;
        s.process->rlimits = calloc(1, sizeof(*s.process->rlimits));
        ck_assert_ptr_nonnull(s.process->rlimits);
        s.process->rlimits[0] = (struct berth_launch_rlimit){ RLIMIT_NOFILE, 321, 654 };
        s.process->n_rlimits = 1;
        s.process->umask_set = true;
        s.process->umask = 027;
        s.process->cap_sets = true;
        s.process->cap_permitted = s.process->cap_effective = 1;
        exec_round_trip(&s, &r);
        ck_assert_ptr_nonnull(r.process);
        ck_assert_uint_eq(r.process->n_gids, 2);
        ck_assert_uint_eq(r.process->gids[1], 7);
        ck_assert_uint_eq(r.process->n_rlimits, 1);
        ck_assert_int_eq(r.process->rlimits[0].resource, RLIMIT_NOFILE);
        ck_assert_uint_eq(r.process->rlimits[0].hard, 654);
        ck_assert(r.process->umask_set);
        ck_assert_uint_eq(r.process->umask, 027);
        ck_assert(r.process->cap_sets);
        ck_assert_uint_eq(r.process->cap_effective, 1);
        ck_assert_int_eq(r.pidfd, -EBADF);
        ck_assert(!r.privileged);
        ck_assert_uint_eq(r.namespaces, s.namespaces);
        ck_assert(strv_same(r.cgroups, s.cgroups));
        ck_assert(strv_same(r.args, s.args));
        ck_assert(strv_same(r.env, s.env));
        ck_assert_str_eq(r.cwd, "/srv/app");
        ck_assert(r.user_set);
        ck_assert_uint_eq(r.uid, 1000);
        ck_assert_uint_eq(r.gid, 4294967294u);
        ck_assert_uint_eq(r.caps, BERTH_CAPS_DEFAULT);
        ck_assert(r.no_new_privs);
        berth_exec_spec_done(&s);
        berth_exec_spec_done(&r);
}
END_TEST

/* Root, no cwd, no namespace beyond the four, no groups, no caps: uid and gid stay out of
 * the JSON and come back unset. */
START_TEST(test_exec_defaults)
{
        struct berth_exec_spec s = { .pidfd = -EBADF }, r;
        json_t *j;

        ck_assert_int_ge(strv_extend(&s.args, "ls"), 0);
        s.cgroups = calloc(1, sizeof(char *));
        s.env = calloc(1, sizeof(char *));
        s.uid = 1000; /* ignored without user_set */
        j = berth_exec_spec_to_json(&s);
        ck_assert_ptr_nonnull(j);
        ck_assert_ptr_null(json_object_get(j, "uid"));
        ck_assert_ptr_null(json_object_get(j, "gid"));
        ck_assert(json_is_null(json_object_get(j, "cwd")));
        json_decref(j);
        exec_round_trip(&s, &r);
        ck_assert(!r.user_set && r.uid == 0 && r.gid == 0 && !r.cwd && r.namespaces == 0 &&
                  r.caps == 0 && !r.no_new_privs);
        ck_assert_str_eq(r.args[0], "ls");
        ck_assert_ptr_null(r.args[1]);
        ck_assert_ptr_null(r.cgroups[0]);
        ck_assert_ptr_null(r.env[0]);
        berth_exec_spec_done(&s);
        berth_exec_spec_done(&r);
}
END_TEST

static const struct bad_case exec_bad_cases[] = {
        { "bogus", "1", "unknown field 'bogus'" },
        { "pidfd", "3", "unknown field 'pidfd'" },
        { "namespaces", NULL, "'namespaces' is missing" },
        { "cgroups", NULL, "'cgroups' is missing" },
        { "args", NULL, "'args' is missing" },
        { "env", NULL, "'env' is missing" },
        { "caps", NULL, "'caps' is missing" },
        { "no_new_privs", NULL, "'no_new_privs' is missing" },
        { "namespaces", "8", "'namespaces' must be an integer from 0 to 7" },
        { "cgroups", "\"/sys/fs/cgroup\"", "'cgroups' must be an array of strings" },
        { "args", "[]", "'args' is empty" },
        { "args", "null", "'args' must be an array of strings" },
        { "args", "[\"sh\", 1]", "'args[1]' must be a string" },
        { "env", "[{}]", "'env[0]' must be a string" },
        { "cwd", "\"srv\"", "'cwd' must be an absolute path" },
        { "cwd", "1", "'cwd' must be a string" },
        { "uid", "1000", "'uid' and 'gid' go together" },
        { "gid", "1000", "'uid' and 'gid' go together" },
        { "uid", "-1", "'uid' must be an integer from 0 to 4294967294" },
        { "gid", "4294967295", "'gid' must be an integer from 0 to 4294967294" },
        { "caps", "-1", "'caps' must be an integer from 0 to" },
        { "caps", "1.5", "'caps' must be an integer" },
        { "process", "[]", "'process' must be an object" },
        { "process", "{\"uid\": 1}", "unknown field 'process.uid'" },
        { "process", "{\"cap_effective\": 1}", "'process.cap_*' go together" },
        { "process", "{\"umask\": 512}", "'umask' must be an integer from 0 to 511" },
        { "process", "{\"rlimits\": [{\"type\": \"nope\"}]}", "rlimits[0]" },
        { "no_new_privs", "1", "'no_new_privs' must be true or false" },
};

START_TEST(test_exec_bad_values)
{
        const struct bad_case *c = &exec_bad_cases[_i];
        struct berth_error err = {};
        struct berth_exec_spec s, r;
        json_t *j;
        int ret;

        exec_init(&s);
        j = berth_exec_spec_to_json(&s);
        berth_exec_spec_done(&s);
        ck_assert_ptr_nonnull(j);
        if (c->value) {
                json_t *v = json_loads(c->value, JSON_DECODE_ANY, NULL);
                ck_assert_ptr_nonnull(v);
                json_object_set_new(j, c->key, v);
        } else
                json_object_del(j, c->key);
        ret = berth_exec_spec_from_json(j, &r, &err);
        json_decref(j);
        ck_assert_int_eq(ret, -EINVAL);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_msg(strncmp(err.msg, "launch spec: ", 13) == 0 && strstr(err.msg, c->want),
                      "%s=%s: want '%s', got '%s'", c->key, c->value ? c->value : "(deleted)",
                      c->want, err.msg);
        /* Nothing is left to free, and the pidfd is not one. */
        ck_assert_ptr_null(r.args);
        ck_assert_ptr_null(r.cwd);
        ck_assert_int_eq(r.pidfd, -EBADF);
}
END_TEST

START_TEST(test_exec_not_object)
{
        struct berth_error err = {};
        struct berth_exec_spec r;
        json_t *j = json_array();

        ck_assert_int_eq(berth_exec_spec_from_json(j, &r, &err), -EINVAL);
        json_decref(j);
        ck_assert_str_eq(err.msg, "launch spec: not a JSON object");
        ck_assert_int_eq(r.pidfd, -EBADF);
}
END_TEST

static Suite *launch_spec_suite(void)
{
        Suite *s = suite_create("launch-spec");
        TCase *tc = tcase_create("json");

        tcase_add_test(tc, test_round_trip_all_fields);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_rlimit_names);
        tcase_add_test(tc, test_mount_destination_slash);
        tcase_add_loop_test(tc, test_bad_values, 0, ELEMENTSOF(bad_cases));
        tcase_add_test(tc, test_bad_cap_sets);
        tcase_add_test(tc, test_idmap_round_trip);
        tcase_add_loop_test(tc, test_bad_idmaps, 0, ELEMENTSOF(bad_idmaps));
        tcase_add_test(tc, test_idmap_limits);
        tcase_add_test(tc, test_workload_idmaps);
        tcase_add_test(tc, test_kernel_fields);
        suite_add_tcase(s, tc);

        tc = tcase_create("exec");
        tcase_add_test(tc, test_exec_round_trip);
        tcase_add_test(tc, test_exec_defaults);
        tcase_add_loop_test(tc, test_exec_bad_values, 0, ELEMENTSOF(exec_bad_cases));
        tcase_add_test(tc, test_exec_not_object);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(launch_spec_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
