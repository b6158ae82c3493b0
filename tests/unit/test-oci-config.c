/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-config.h alone: the config.json that `crun spec` and `umoci unpack` wrote
 * (tests/unit/oci-fixtures, copied as they were) into workloads, field by field; what
 * the overrides add; every refusal with its errno and the field it names; and the
 * command splitter. A temporary bundle directory with a rootfs/ and a directory beside
 * it to escape to; no root.
 */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "macro.h"
#include "oci-config.h"
#include "oci-devices.h"
#include "oci-util.h"
#include "seccomp-rules.h"
#include "strv.h"

static char top[256], bundle[300], rootfs[320];

static int rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
        (void)sb;
        (void)ftw;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

/* <top>/bundle/rootfs, <top>/outside, and <top>/bundle/link -> ../outside. */
static void bundle_setup(void)
{
        const char *t = getenv("TMPDIR");
        char p[400];
        char *real;

        (void)snprintf(top, sizeof(top), "%s/berth-test-oci-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_msg(mkdtemp(top), "mkdtemp: %m");
        /* The translation resolves the bundle: compare with resolved paths. */
        real = realpath(top, NULL);
        ck_assert_ptr_nonnull(real);
        (void)snprintf(top, sizeof(top), "%s", real);
        free(real);
        (void)snprintf(bundle, sizeof(bundle), "%s/bundle", top);
        (void)snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
        ck_assert_int_eq(mkdir(bundle, 0755), 0);
        ck_assert_int_eq(mkdir(rootfs, 0755), 0);
        (void)snprintf(p, sizeof(p), "%s/outside", top);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        (void)snprintf(p, sizeof(p), "%s/link", bundle);
        ck_assert_int_eq(symlink("../outside", p), 0);
        (void)snprintf(p, sizeof(p), "%s/inner", bundle);
        ck_assert_int_eq(symlink("rootfs", p), 0);
}

static void bundle_teardown(void)
{
        (void)nftw(top, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static json_t *fixture(const char *name)
{
        const char *src = getenv("BERTH_SRCDIR");
        char path[600];
        json_error_t e;
        json_t *j;

        (void)snprintf(path, sizeof(path), "%s/tests/unit/oci-fixtures/%s", src ? src : ".", name);
        j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
        ck_assert_msg(j, "%s: %s", path, e.text);
        return j;
}

static json_t *J(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);

        ck_assert_msg(j, "bad JSON in the test: %s: %s", e.text, text);
        return j;
}

/* Set the value at a dotted path ("linux.resources.cpu.cpus"), making objects on the
 * way; "name[i]" steps into an array. The value is stolen. */
static void set_at(json_t *root, const char *path, json_t *value)
{
        char *copy = strdup(path), *save = NULL, *tok, *next;
        json_t *o = root;

        ck_assert_ptr_nonnull(copy);
        tok = strtok_r(copy, ".", &save);
        for (; tok; tok = next) {
                char *br = strchr(tok, '[');
                size_t idx = 0;
                json_t *child;

                next = strtok_r(NULL, ".", &save);
                if (br) {
                        idx = strtoul(br + 1, NULL, 10);
                        *br = 0;
                }
                if (!next && !br) {
                        ck_assert_int_eq(json_object_set_new(o, tok, value), 0);
                        break;
                }
                child = json_object_get(o, tok);
                if (!child) {
                        child = json_object();
                        ck_assert_int_eq(json_object_set_new(o, tok, child), 0);
                }
                if (br) {
                        ck_assert_msg(json_is_array(child), "%s is not an array", tok);
                        if (!next) {
                                if (idx >= json_array_size(child))
                                        ck_assert_int_eq(json_array_append_new(child, value), 0);
                                else
                                        ck_assert_int_eq(json_array_set_new(child, idx, value), 0);
                                break;
                        }
                        child = json_array_get(child, idx);
                        ck_assert_ptr_nonnull(child);
                }
                o = child;
        }
        free(copy);
}

/* Remove the member at a dotted path of objects. */
static void del_at(json_t *root, const char *path)
{
        char *copy = strdup(path), *save = NULL, *tok, *next;
        json_t *o = root;

        ck_assert_ptr_nonnull(copy);
        for (tok = strtok_r(copy, ".", &save); (next = strtok_r(NULL, ".", &save)); tok = next)
                ck_assert_ptr_nonnull(o = json_object_get(o, tok));
        ck_assert_int_eq(json_object_del(o, tok), 0);
        free(copy);
}

static void translate_ok(json_t *config, const struct oci_overrides *o, struct berth_workload *w,
                         json_t **annotations)
{
        struct berth_error err = {};
        int r = oci_config_to_workload(bundle, config, o, w, annotations, &err);

        ck_assert_msg(r == 0, "translation failed (%d): %s", r, err.msg);
}

/* Translate base (crun spec's config) with path set to value (JSON text; NULL: path
 * removed). Must fail with code and a message holding needle; nothing is left. */
static void refuse(const char *path, const char *value, int code, const char *needle)
{
        json_t *c = fixture("crun-spec.json"), *ann = (json_t *)0x1;
        struct berth_error err = {};
        struct berth_workload w;
        int r;

        if (value)
                set_at(c, path, J(value));
        else
                del_at(c, path);
        r = oci_config_to_workload(bundle, c, NULL, &w, &ann, &err);
        ck_assert_msg(r == code, "%s=%s: want %d, got %d (%s)", path, value ? value : "(none)",
                      code, r, err.msg);
        ck_assert_int_eq(err.code, code);
        ck_assert_msg(strstr(err.msg, needle), "'%s' not in '%s'", needle, err.msg);
        ck_assert_msg(!w.args && !w.env && !w.cwd && !w.mounts && !w.n_mounts && !w.root_path &&
                              !w.rlimits && !w.masked_paths && !w.gids && !w.hostname &&
                              !w.seccomp_rules,
                      "workload not empty");
        ck_assert_ptr_eq(ann, (json_t *)0x1);
        json_decref(c);
}

#define CAP(c) (UINT64_C(1) << (c))

/* ---- the real bundles ------------------------------------------------------------- */

static void check_common(const struct berth_workload *w)
{
        const uint64_t three = CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE);
        char want_root[400];

        ck_assert_uint_eq(strv_length(w->args), 1);
        ck_assert_str_eq(w->args[0], "sh");
        ck_assert_ptr_null(w->command_line);
        ck_assert_uint_eq(strv_length(w->env), 2);
        ck_assert_str_eq(w->env[0],
                         "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        ck_assert_str_eq(w->env[1], "TERM=xterm");
        ck_assert_str_eq(w->cwd, "/");
        ck_assert(w->user_set);
        ck_assert_uint_eq(w->uid, 0);
        ck_assert_uint_eq(w->gid, 0);
        ck_assert_uint_eq(w->n_gids, 0);
        ck_assert_int_eq(w->umask, -1);
        ck_assert(w->terminal);
        ck_assert(w->caps_set && w->cap_sets);
        ck_assert_uint_eq(w->caps, three);
        ck_assert_uint_eq(w->cap_effective, three);
        ck_assert_uint_eq(w->cap_permitted, three);
        /* ambient = what the kernel keeps: crun spec has no inheritable set, umoci does. */
        ck_assert_uint_eq(w->cap_ambient, w->cap_inheritable & three);
        ck_assert_uint_eq(w->n_rlimits, 1);
        ck_assert_str_eq(w->rlimits[0].type, "RLIMIT_NOFILE");
        ck_assert_uint_eq(w->rlimits[0].soft, 1024);
        ck_assert_uint_eq(w->rlimits[0].hard, 1024);
        ck_assert(w->no_new_privs_set && w->no_new_privs);
        ck_assert(!w->oom_score_adj_set);
        /* Every mount is one berth makes itself; /sys/fs/cgroup asks for the cgroup tree. */
        ck_assert_uint_eq(w->n_mounts, 0);
        ck_assert(w->cgroup_mount);
        ck_assert_uint_eq(w->namespaces, BERTH_NS_NET | BERTH_NS_CGROUP);
        (void)snprintf(want_root, sizeof(want_root), "%s/rootfs", bundle);
        ck_assert_str_eq(w->root_path, want_root);
        ck_assert(strv_contains(w->masked_paths, "/proc/kcore"));
        ck_assert(strv_contains(w->masked_paths, "/sys/firmware"));
        ck_assert(strv_contains(w->readonly_paths, "/proc/sys"));
        ck_assert(strv_contains(w->readonly_paths, "/proc/sysrq-trigger"));
        ck_assert_uint_eq(w->limits.memory, 0);
        ck_assert_uint_eq(w->limits.pids, 0);
        ck_assert_uint_eq(w->limits.cpu_weight, 0);
        ck_assert_int_eq(w->seccomp, BERTH_WL_SECCOMP_DEFAULT);
        ck_assert(!w->systemd);
        ck_assert_int_eq(w->stop_signal, 0);
}

START_TEST(test_crun_spec)
{
        json_t *c = fixture("crun-spec.json"), *ann = NULL;
        struct berth_workload w;

        translate_ok(c, NULL, &w, &ann);
        check_common(&w);
        ck_assert_uint_eq(w.cap_inheritable, 0);
        ck_assert(!w.root_writable); /* root.readonly: true */
        ck_assert_str_eq(w.hostname, "crun");
        ck_assert_uint_eq(strv_length(w.masked_paths), 10);
        ck_assert_uint_eq(strv_length(w.readonly_paths), 5);
        ck_assert(json_is_object(ann) && json_object_size(ann) == 0);
        /* The translation reaches the records unchanged. */
        {
                json_t *j = berth_workload_to_json(&w);
                struct berth_workload back;
                struct berth_error err = {};

                ck_assert_ptr_nonnull(j);
                ck_assert_int_eq(berth_workload_from_json(j, &back, &err), 0);
                ck_assert_str_eq(back.root_path, w.root_path);
                ck_assert(back.terminal && back.cgroup_mount && !back.root_writable);
                ck_assert_uint_eq(strv_length(back.masked_paths), 10);
                berth_workload_done(&back);
                json_decref(j);
        }
        json_decref(ann);
        json_decref(c);
        berth_workload_done(&w);
}
END_TEST

START_TEST(test_umoci)
{
        json_t *c = fixture("umoci.json"), *ann = NULL;
        struct berth_workload w;

        translate_ok(c, NULL, &w, &ann);
        check_common(&w);
        ck_assert_uint_eq(w.cap_inheritable, w.caps);
        ck_assert(w.root_writable); /* no root.readonly */
        ck_assert_str_eq(w.hostname, "umoci-default");
        ck_assert_uint_eq(strv_length(w.masked_paths), 7);
        ck_assert_uint_eq(strv_length(w.readonly_paths), 6);
        /* Annotations come back as they are; an empty stopSignal is the default. */
        ck_assert_uint_eq(json_object_size(ann), 6);
        ck_assert_str_eq(json_string_value(json_object_get(ann, "org.opencontainers.image.os")),
                         "linux");
        json_decref(ann);
        berth_workload_done(&w);

        /* Without ret_annotations, nothing is returned (and nothing leaks). */
        translate_ok(c, NULL, &w, NULL);
        berth_workload_done(&w);
        json_decref(c);
}
END_TEST

START_TEST(test_overrides)
{
        json_t *c = fixture("crun-spec.json");
        char e0[] = "TERM=dumb", e1[] = "FOO=a b", e2[] = "WAYLAND_DISPLAY=other";
        char *const envvar[] = { e0, e1, e2, NULL };
        struct oci_overrides o = {
                .command = "echo 'a b' \"c $HOME\" d\\ e",
                .envvar = envvar,
                .westeros_socket = "/run/westeros-0.sock",
        };
        struct berth_workload w;

        translate_ok(c, &o, &w, NULL);
        ck_assert_uint_eq(strv_length(w.args), 4);
        ck_assert_str_eq(w.args[0], "echo");
        ck_assert_str_eq(w.args[1], "a b");
        ck_assert_str_eq(w.args[2], "c $HOME");
        ck_assert_str_eq(w.args[3], "d e");
        ck_assert_str_eq(w.command_line, o.command);
        ck_assert(strv_contains(w.env, "TERM=dumb"));
        ck_assert(!strv_contains(w.env, "TERM=xterm"));
        ck_assert(strv_contains(w.env, "FOO=a b"));
        ck_assert(strv_contains(w.env, "XDG_RUNTIME_DIR=/tmp"));
        /* The caller's envvar comes last and wins. */
        ck_assert(strv_contains(w.env, "WAYLAND_DISPLAY=other"));
        ck_assert(!strv_contains(w.env, "WAYLAND_DISPLAY=westeros"));
        ck_assert_uint_eq(strv_length(w.env), 5);
        ck_assert_uint_eq(w.n_mounts, 1);
        ck_assert_int_eq(w.mounts[0].kind, BERTH_WL_BIND);
        ck_assert_str_eq(w.mounts[0].source, "/run/westeros-0.sock");
        ck_assert_str_eq(w.mounts[0].destination, "/tmp/westeros");
        berth_workload_done(&w);

        o = (struct oci_overrides){ .westeros_socket = "/run/w.sock" };
        translate_ok(c, &o, &w, NULL);
        ck_assert(strv_contains(w.env, "WAYLAND_DISPLAY=westeros"));
        ck_assert(strv_contains(w.env, "XDG_RUNTIME_DIR=/tmp"));
        ck_assert_str_eq(w.args[0], "sh");
        berth_workload_done(&w);

        {
                struct berth_error err = {};
                char noequals[] = "NOEQUALS";
                char *const bad[] = { noequals, NULL };

                o = (struct oci_overrides){ .command = "echo 'open" };
                ck_assert_int_eq(oci_config_to_workload(bundle, c, &o, &w, NULL, &err), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err.msg, "unterminated"));
                ck_assert_ptr_null(w.args);
                o = (struct oci_overrides){ .envvar = bad };
                ck_assert_int_eq(oci_config_to_workload(bundle, c, &o, &w, NULL, &err), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err.msg, "envvar[0]"));
                o = (struct oci_overrides){ .westeros_socket = "rel.sock" };
                ck_assert_int_eq(oci_config_to_workload(bundle, c, &o, &w, NULL, &err), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err.msg, "westerosSocket"));
                ck_assert_uint_eq(w.n_mounts, 0);
        }
        json_decref(c);
}
END_TEST

/* What berth honours beyond the two real bundles. */
START_TEST(test_fields)
{
        json_t *c = fixture("crun-spec.json"), *m;
        struct berth_workload w;
        char want[400];

        set_at(c, "process.user",
               J("{\"uid\":1000,\"gid\":100,\"umask\":18,"
                 "\"additionalGids\":[5,4294967294]}"));
        set_at(c, "process.oomScoreAdj", J("-500"));
        set_at(c, "process.noNewPrivileges", J("false"));
        set_at(c, "process.capabilities", J("{\"bounding\":[\"CAP_SYS_ADMIN\"]}"));
        set_at(c, "process.apparmorProfile", J("\"\""));
        set_at(c, "root", J("{\"path\":\"inner\",\"readonly\":false}"));
        set_at(c, "domainname", J("\"\""));
        set_at(c, "hooks", J("{\"prestart\":[]}"));
        set_at(c, "linux.resources",
               J("{\"memory\":{\"limit\":67108864,\"swap\":67108864,"
                 "\"disableOOMKiller\":false},"
                 "\"cpu\":{\"shares\":1024,\"quota\":50000,"
                 "\"period\":100000,\"cpus\":\"\"},"
                 "\"pids\":{\"limit\":64},"
                 "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}"));
        set_at(c, "linux.rootfsPropagation", J("\"rprivate\""));
        set_at(c, "linux.namespaces",
               J("[{\"type\":\"pid\"},{\"type\":\"mount\"},"
                 "{\"type\":\"user\"}]"));
        set_at(c, "linux.uidMappings", J("[{\"containerID\":0,\"hostID\":0,\"size\":4294967295}]"));
        set_at(c, "linux.gidMappings", J("[{\"containerID\":0,\"hostID\":0,\"size\":4294967295}]"));
        set_at(c, "linux.cgroupsPath", J("\"\""));
        set_at(c, "annotations",
               J("{\"org.opencontainers.image.stopSignal\":\"SIGRTMIN+3\","
                 "\"x\":\"y\"}"));
        m = json_object_get(c, "mounts");
        json_array_remove(m, 6); /* no /sys/fs/cgroup */
        json_array_append_new(m, J("{\"destination\":\"/data/\",\"type\":\"bind\","
                                   "\"source\":\"vol\",\"options\":[\"rbind\",\"ro\","
                                   "\"nosuid\",\"rslave\",\"relatime\"]}"));
        json_array_append_new(m, J("{\"destination\":\"/host\",\"source\":\"/srv\","
                                   "\"options\":[\"bind\",\"nodev\",\"noexec\"]}"));
        json_array_append_new(m, J("{\"destination\":\"/tmp\",\"type\":\"tmpfs\","
                                   "\"source\":\"tmpfs\",\"options\":[\"size=1m\","
                                   "\"mode=1777\",\"nosuid\",\"strictatime\"]}"));
        json_array_append_new(m, J("{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup2\","
                                   "\"source\":\"cgroup\"}"));

        translate_ok(c, NULL, &w, NULL);
        ck_assert_uint_eq(w.uid, 1000);
        ck_assert_uint_eq(w.gid, 100);
        ck_assert_int_eq(w.umask, 022);
        ck_assert_uint_eq(w.n_gids, 2);
        ck_assert_uint_eq(w.gids[1], 4294967294u);
        ck_assert(w.oom_score_adj_set);
        ck_assert_int_eq(w.oom_score_adj, -500);
        ck_assert(w.no_new_privs_set && !w.no_new_privs);
        ck_assert_uint_eq(w.caps, CAP(CAP_SYS_ADMIN));
        ck_assert_uint_eq(w.cap_effective | w.cap_permitted | w.cap_ambient, 0);
        (void)snprintf(want, sizeof(want), "%s/rootfs", bundle); /* through the link */
        ck_assert_str_eq(w.root_path, want);
        ck_assert(w.root_writable);
        ck_assert_uint_eq(w.limits.memory, 64u << 20);
        ck_assert_uint_eq(w.limits.cpu_weight, 1 + (1022 * 9999) / 262142);
        ck_assert_uint_eq(w.limits.cpu_quota_us, 50000);
        ck_assert_uint_eq(w.limits.cpu_period_us, 100000);
        ck_assert_uint_eq(w.limits.pids, 64);
        ck_assert_uint_eq(w.namespaces, BERTH_NS_USER | BERTH_NS_CGROUP);
        /* The identity of every id is berth's own map: none given. */
        ck_assert_uint_eq(w.n_uid_map + w.n_gid_map, 0);
        ck_assert(w.cgroup_mount);
        ck_assert_int_eq(w.stop_signal, SIGRTMIN + 3);
        ck_assert_uint_eq(w.n_mounts, 3);
        ck_assert_int_eq(w.mounts[0].kind, BERTH_WL_BIND);
        (void)snprintf(want, sizeof(want), "%s/vol", bundle);
        ck_assert_str_eq(w.mounts[0].source, want);
        ck_assert_str_eq(w.mounts[0].destination, "/data");
        ck_assert_uint_eq(w.mounts[0].flags,
                          BERTH_WL_MOUNT_RECURSIVE | BERTH_WL_MOUNT_RO | BERTH_WL_MOUNT_NOSUID);
        ck_assert_uint_eq(w.mounts[0].propagation, MS_SLAVE | MS_REC);
        ck_assert_str_eq(w.mounts[1].source, "/srv");
        ck_assert_uint_eq(w.mounts[1].flags, BERTH_WL_MOUNT_NODEV | BERTH_WL_MOUNT_NOEXEC);
        ck_assert_uint_eq(w.mounts[1].propagation, 0);
        ck_assert_int_eq(w.mounts[2].kind, BERTH_WL_TMPFS);
        ck_assert_ptr_null(w.mounts[2].source);
        ck_assert_uint_eq(w.mounts[2].size, 1u << 20);
        ck_assert_uint_eq(w.mounts[2].mode, 01777);
        ck_assert_uint_eq(w.mounts[2].flags, BERTH_WL_MOUNT_NOSUID);
        berth_workload_done(&w);

        /* An absolute root inside the bundle, and no capabilities object: the engine's
         * default set. */
        (void)snprintf(want, sizeof(want), "%s/./rootfs/", bundle);
        set_at(c, "root", json_pack("{s:s}", "path", want));
        json_object_del(json_object_get(c, "process"), "capabilities");
        translate_ok(c, NULL, &w, NULL);
        ck_assert(!w.caps_set && !w.cap_sets);
        ck_assert(w.root_writable);
        berth_workload_done(&w);
        json_decref(c);
}
END_TEST

/* ---- refusals --------------------------------------------------------------------- */

START_TEST(test_refuse_unknown)
{
        refuse("foo", "1", -EINVAL, "foo: unknown field");
        refuse("process.foo", "1", -EINVAL, "process.foo: unknown field");
        refuse("process.user.name", "\"x\"", -EINVAL, "process.user.name: unknown field");
        refuse("linux.resources.memory.bar", "1", -EINVAL,
               "linux.resources.memory.bar: unknown field");
        refuse("mounts[0].flags", "[]", -EINVAL, "mounts[0].flags: unknown field");
        refuse("linux.namespaces[0].join", "\"x\"", -EINVAL,
               "linux.namespaces[0].join: unknown field");
        refuse("process.rlimits[0].max", "1", -EINVAL, "process.rlimits[0].max: unknown field");
        refuse("hooks", "{\"later\":[]}", -EINVAL, "hooks.later: unknown field");
        refuse("windows", "{\"layerFolders\":[]}", -EOPNOTSUPP, "windows");
}
END_TEST

START_TEST(test_refuse_version)
{
        refuse("ociVersion", "\"2.0.0\"", -EOPNOTSUPP, "ociVersion '2.0.0'");
        refuse("ociVersion", "\"1.10.0\"", -EOPNOTSUPP, "ociVersion '1.10.0'");
        refuse("ociVersion", "1", -EINVAL, "ociVersion");
        refuse("ociVersion", NULL, -EINVAL, "ociVersion is required");
}
END_TEST

START_TEST(test_version_ok)
{
        static const char *const ok[] = { "\"1.0.0\"", "\"1.0.2-dev\"", "\"1.1.0\"",
                                          "\"1.1.0-rc.1\"", "\"1.0\"" };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                json_t *c = fixture("crun-spec.json");
                struct berth_workload w;

                set_at(c, "ociVersion", J(ok[i]));
                translate_ok(c, NULL, &w, NULL);
                berth_workload_done(&w);
                json_decref(c);
        }
}
END_TEST

START_TEST(test_refuse_root)
{
        char abs[400];

        refuse("root.path", "\"../outside\"", -EINVAL, "root.path '../outside'");
        refuse("root.path", "\"rootfs/../../outside\"", -EINVAL, "root.path");
        refuse("root.path", "\"link\"", -EINVAL, "root.path 'link'");
        refuse("root.path", "\"missing\"", -EINVAL, "root.path 'missing'");
        refuse("root.path", "\".\"", -EINVAL, "not below the bundle");
        refuse("root.path", "\"/\"", -EINVAL, "root.path '/'");
        (void)snprintf(abs, sizeof(abs), "\"%s/../outside\"", bundle);
        refuse("root.path", abs, -EINVAL, "root.path");
        refuse("root", NULL, -EINVAL, "root is required");
        refuse("root.readonly", "\"yes\"", -EINVAL, "root.readonly");
}
END_TEST

START_TEST(test_refuse_process)
{
        refuse("process.cwd", "\"tmp\"", -EINVAL, "process.cwd 'tmp'");
        refuse("process.cwd", NULL, -EINVAL, "process.cwd is required");
        refuse("process.args", "[]", -EINVAL, "process.args");
        refuse("process.args", "[\"\"]", -EINVAL, "process.args[0]");
        refuse("process.args", "[\"sh\",1]", -EINVAL, "process.args[1]");
        refuse("process.env", "[\"NOVALUE\"]", -EINVAL, "process.env[0] 'NOVALUE'");
        refuse("process.capabilities.effective", "[\"CAP_KILL\",\"CAP_FOO\"]", -EINVAL,
               "process.capabilities.effective: unknown capability 'CAP_FOO'");
        refuse("process.capabilities.bounding", "[\"kill\"]", -EINVAL,
               "process.capabilities.bounding: unknown capability 'kill'");
        refuse("process.user.uid", "4294967295", -EINVAL, "process.user.uid");
        refuse("process.user.gid", "-1", -EINVAL, "process.user.gid");
        refuse("process.user.additionalGids", "[1,4294967295]", -EINVAL,
               "process.user.additionalGids[1]");
        refuse("process.user.umask", "512", -EINVAL, "process.user.umask");
        refuse("process.user.username", "\"root\"", -EOPNOTSUPP, "process.user.username");
        refuse("process.rlimits[0].type", "\"RLIMIT_FOO\"", -EINVAL, "process.rlimits[0].type");
        refuse("process.rlimits[0].soft", "2048", -EINVAL, "process.rlimits[0]: soft 2048");
        refuse("process.rlimits[1]", "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1}", -EINVAL,
               "process.rlimits[1].type: RLIMIT_NOFILE is given twice");
        refuse("process.oomScoreAdj", "1001", -EINVAL, "process.oomScoreAdj");
        refuse("process.apparmorProfile", "\"docker-default\"", -EOPNOTSUPP,
               "process.apparmorProfile: not supported yet");
        refuse("process.selinuxLabel", "\"x\"", -EOPNOTSUPP, "process.selinuxLabel");
        refuse("process.consoleSize", "{\"height\":25,\"width\":80}", -EOPNOTSUPP,
               "process.consoleSize");
        refuse("process.ioPriority", "{\"class\":\"IOPRIO_CLASS_IDLE\"}", -EOPNOTSUPP,
               "process.ioPriority");
        refuse("process.scheduler", "{\"policy\":\"SCHED_FIFO\"}", -EOPNOTSUPP,
               "process.scheduler");
        refuse("process.execCPUAffinity", "{\"initial\":\"0\"}", -EOPNOTSUPP,
               "process.execCPUAffinity");
        refuse("process.terminal", "1", -EINVAL, "process.terminal");
        refuse("process", NULL, -EINVAL, "process is required");
        refuse("domainname", "\"example.org\"", -EOPNOTSUPP, "domainname");
        refuse("hostname", "\"a/b\"", -EINVAL, "hostname 'a/b'");
        refuse("annotations", "{\"x\":1}", -EINVAL, "annotations.x must be a string");
        refuse("annotations", "[]", -EINVAL, "annotations must be an object");
}
END_TEST

START_TEST(test_refuse_stop_signal)
{
        json_t *c = fixture("crun-spec.json");
        struct berth_error err = {};
        struct berth_workload w;

        set_at(c, "annotations", J("{\"org.opencontainers.image.stopSignal\":\"SIGFOO\"}"));
        ck_assert_int_eq(oci_config_to_workload(bundle, c, NULL, &w, NULL, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "org.opencontainers.image.stopSignal 'SIGFOO'"));

        set_at(c, "annotations", J("{\"org.opencontainers.image.stopSignal\":\"TERM\"}"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_int_eq(w.stop_signal, SIGTERM);
        berth_workload_done(&w);
        set_at(c, "annotations", J("{\"org.opencontainers.image.stopSignal\":\"9\"}"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_int_eq(w.stop_signal, SIGKILL);
        berth_workload_done(&w);
        set_at(c, "annotations", J("{\"org.opencontainers.image.stopSignal\":\"SIGQUIT\"}"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_int_eq(w.stop_signal, SIGQUIT);
        berth_workload_done(&w);
        json_decref(c);
}
END_TEST

START_TEST(test_refuse_mounts)
{
        refuse("mounts[7]", "{\"destination\":\"/mnt\",\"type\":\"nfs\",\"source\":\"h:/x\"}",
               -EOPNOTSUPP, "mounts[7].type 'nfs'");
        refuse("mounts[7]", "{\"destination\":\"/mnt\",\"type\":\"overlay\",\"source\":\"o\"}",
               -EOPNOTSUPP, "mounts[7].type 'overlay'");
        refuse("mounts[7]", "{\"destination\":\"/foo\",\"type\":\"proc\",\"source\":\"proc\"}",
               -EOPNOTSUPP, "mounts[7]: type 'proc' at /foo");
        refuse("mounts[7]", "{\"destination\":\"/dev/pts\",\"type\":\"sysfs\"}", -EOPNOTSUPP,
               "mounts[7]: type 'sysfs' at /dev/pts");
        refuse("mounts[0].options", "[\"hidepid=2\"]", -EOPNOTSUPP,
               "mounts[0]: option 'hidepid=2' of proc at /proc");
        refuse("mounts[1].options", "[\"size=1m\"]", -EOPNOTSUPP, "mounts[1]: option 'size=1m'");
        refuse("mounts[5].options", "[\"rw\"]", -EOPNOTSUPP, "mounts[5]: option 'rw' of sysfs");
        refuse("mounts[6].options", "[\"rw\"]", -EOPNOTSUPP, "mounts[6]: option 'rw' of cgroup");
        refuse("mounts[7]", "{\"destination\":\"/proc\",\"type\":\"bind\",\"source\":\"/proc\"}",
               -EOPNOTSUPP, "mounts[7]: a bind mount at /proc");
        refuse("mounts[7]", "{\"destination\":\"/sys\",\"type\":\"tmpfs\"}", -EOPNOTSUPP,
               "mounts[7]: a tmpfs mount at /sys");
        refuse("mounts[7]",
               "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/x\","
               "\"options\":[\"nosymfollow\"]}",
               -EOPNOTSUPP, "mounts[7]: option 'nosymfollow'");
        refuse("mounts[7]", "{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"size=-1\"]}",
               -EINVAL, "mounts[7]: option 'size=-1'");
        refuse("mounts[7]",
               "{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"size=50%\"]}",
               -EOPNOTSUPP, "mounts[7]: option 'size=50%'");
        refuse("mounts[7]", "{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"mode=9\"]}",
               -EINVAL, "mounts[7]: option 'mode=9'");
        refuse("mounts[7]", "{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"uid=5\"]}",
               -EOPNOTSUPP, "mounts[7]: option 'uid=5'");
        refuse("mounts[7]", "{\"destination\":\"x\",\"type\":\"tmpfs\"}", -EINVAL,
               "mounts[7].destination 'x'");
        refuse("mounts[7]", "{\"destination\":\"/a/../b\",\"type\":\"tmpfs\"}", -EINVAL,
               "mounts[7].destination '/a/../b'");
        refuse("mounts[7]", "{\"destination\":\"/x\",\"type\":\"bind\"}", -EINVAL,
               "mounts[7].source is required");
        refuse("mounts[7]", "{\"destination\":\"/x\"}", -EINVAL, "mounts[7].type is required");
        refuse("mounts[7]", "{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"rbind\"]}",
               -EINVAL, "mounts[7]: type 'tmpfs' with a bind option");
        refuse("mounts[7]",
               "{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/x\","
               "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}",
               -EOPNOTSUPP, "mounts[7].uidMappings");
}
END_TEST

/* Other maps become the workload's (the native engine checks them when it makes the
 * container). */
START_TEST(test_cpuset)
{
        json_auto_t *c = fixture("crun-spec.json");
        struct berth_error err = {};
        struct berth_workload w;
        unsigned bad = 0;

        set_at(c, "linux.resources.cpu.cpus", J("\"0-1,3\""));
        set_at(c, "linux.resources.cpu.mems", J("\"0\""));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_str_eq(w.limits.cpus, "0-1,3");
        ck_assert_str_eq(w.limits.mems, "0");
        berth_workload_done(&w);
        /* "" asks for nothing. */
        set_at(c, "linux.resources.cpu.cpus", J("\"\""));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_str_eq(w.limits.cpus, "");
        berth_workload_done(&w);

        /* The host's cpus: 2 of them here. */
        ck_assert_int_eq(oci_cpu_list_check("0-1", 2, &bad), 0);
        ck_assert_int_eq(oci_cpu_list_check("0,7", 2, &bad), -ERANGE);
        ck_assert_uint_eq(bad, 7);
        ck_assert_int_eq(oci_cpu_list_check("1-5", 2, &bad), -ERANGE);
        ck_assert_uint_eq(bad, 2);
        ck_assert_int_eq(oci_cpu_list_check("1-", 2, &bad), -EINVAL);
        ck_assert_int_eq(oci_cpu_list_check("", 2, &bad), -EINVAL);
        ck_assert_int_eq(oci_cpuset_check_host("0", "0", "linux.resources.cpu", 2, 1, &err), 0);
        ck_assert_int_eq(oci_cpuset_check_host("7", "", "linux.resources.cpu", 2, 1, &err),
                         -EINVAL);
        ck_assert_msg(strstr(err.msg, "linux.resources.cpu.cpus '7': this node has no cpu 7"), "%s",
                      err.msg);
        ck_assert_int_eq(oci_cpuset_check_host("", "1", "linux.resources.cpu", 2, 1, &err),
                         -EINVAL);
        ck_assert_msg(strstr(err.msg, "linux.resources.cpu.mems '1': this node has no memory "
                                      "node 1"),
                      "%s", err.msg);
}
END_TEST

START_TEST(test_user_maps)
{
        struct berth_workload w;
        json_auto_t *c = fixture("crun-spec.json");

        set_at(c, "linux.namespaces",
               J("[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"user\"}]"));
        set_at(c, "linux.uidMappings", J("[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]"));
        set_at(c, "linux.gidMappings",
               J("[{\"containerID\":0,\"hostID\":100000,\"size\":10},"
                 "{\"containerID\":100,\"hostID\":5,\"size\":1}]"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert(w.namespaces & BERTH_NS_USER);
        ck_assert_uint_eq(w.n_uid_map, 1);
        ck_assert_uint_eq(w.uid_map[0].outside, 100000);
        ck_assert_uint_eq(w.uid_map[0].count, 65536);
        ck_assert_uint_eq(w.n_gid_map, 2);
        ck_assert_uint_eq(w.gid_map[1].inside, 100);
        ck_assert_uint_eq(w.gid_map[1].outside, 5);
        berth_workload_done(&w);
}
END_TEST

/* linux.sysctl and namespaces joined by path. */
START_TEST(test_kernel)
{
        struct berth_workload w;
        json_auto_t *c = fixture("crun-spec.json"), *d = fixture("crun-spec.json");
        struct berth_error err = {};

        set_at(c, "linux.sysctl",
               J("{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmni\":\"2048\","
                 "\"fs.mqueue.msg_max\":\"20\",\"kernel.domainname\":\"a b\"}"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_uint_eq(strv_length(w.sysctls), 4);
        ck_assert(strv_contains(w.sysctls, "net.ipv4.ip_forward=1"));
        ck_assert(strv_contains(w.sysctls, "kernel.domainname=a b"));
        ck_assert(w.namespaces & BERTH_NS_NET);
        berth_workload_done(&w);

        /* swap: memory plus swap, or -1 (unlimited); equal to the limit is none. */
        set_at(c, "linux.resources", J("{\"memory\":{\"limit\":1048576,\"swap\":4194304}}"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_int_eq(w.limits.memory_swap, 4194304);
        berth_workload_done(&w);
        set_at(c, "linux.resources", J("{\"memory\":{\"limit\":1048576,\"swap\":-1}}"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_int_eq(w.limits.memory_swap, -1);
        berth_workload_done(&w);
        set_at(c, "linux.resources", J("{\"memory\":{\"limit\":1048576,\"swap\":1048576}}"));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_int_eq(w.limits.memory_swap, 0);
        berth_workload_done(&w);
        json_object_del(json_object_get(c, "linux"), "resources");

        /* cgroupsPath: below berthd's parent. */
        set_at(c, "linux.cgroupsPath", J("\"/apps/web.1\""));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_str_eq(w.cgroups_path, "apps/web.1");
        berth_workload_done(&w);
        set_at(c, "linux.cgroupsPath", J("\"zed/7\""));
        translate_ok(c, NULL, &w, NULL);
        ck_assert_str_eq(w.cgroups_path, "zed/7");
        berth_workload_done(&w);

        /* The network, ipc and uts namespaces by path; the uts one keeps its name. */
        set_at(d, "linux.namespaces[1]", J("{\"type\":\"network\",\"path\":\"/run/netns/a\"}"));
        set_at(d, "linux.namespaces[2]", J("{\"type\":\"ipc\",\"path\":\"/proc/7/ns/ipc\"}"));
        set_at(d, "linux.namespaces[3]", J("{\"type\":\"uts\",\"path\":\"/proc/7/ns/uts\"}"));
        ck_assert_int_eq(oci_config_to_workload(bundle, d, NULL, &w, NULL, &err), -EOPNOTSUPP);
        ck_assert_msg(strstr(err.msg, "hostname 'crun': the uts namespace is joined"), "%s",
                      err.msg);
        del_at(d, "hostname");
        translate_ok(d, NULL, &w, NULL);
        ck_assert(!(w.namespaces & BERTH_NS_NET));
        ck_assert_str_eq(w.ns_join[BERTH_WL_JOIN_NET], "/run/netns/a");
        ck_assert_str_eq(w.ns_join[BERTH_WL_JOIN_IPC], "/proc/7/ns/ipc");
        ck_assert_str_eq(w.ns_join[BERTH_WL_JOIN_UTS], "/proc/7/ns/uts");
        berth_workload_done(&w);

        /* A net sysctl of a joined network namespace, or of the host's, would reach out. */
        set_at(d, "linux.sysctl", J("{\"net.ipv4.ip_forward\":\"1\"}"));
        berth_error_clear(&err);
        ck_assert_int_eq(oci_config_to_workload(bundle, d, NULL, &w, NULL, &err), -EOPNOTSUPP);
        ck_assert_msg(strstr(err.msg, "linux.sysctl.net.ipv4.ip_forward: the network namespace "
                                      "is joined"),
                      "%s", err.msg);
        set_at(d, "linux.namespaces[1]", J("{\"type\":\"cgroup\"}"));
        berth_error_clear(&err);
        ck_assert_int_eq(oci_config_to_workload(bundle, d, NULL, &w, NULL, &err), -EOPNOTSUPP);
        ck_assert_msg(strstr(err.msg, "shares the host's network namespace"), "%s", err.msg);

        /* Never with a new user namespace. */
        del_at(d, "linux.sysctl");
        set_at(d, "linux.namespaces[1]", J("{\"type\":\"user\"}"));
        set_at(d, "linux.uidMappings", J("[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"));
        set_at(d, "linux.gidMappings", J("[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"));
        berth_error_clear(&err);
        ck_assert_int_eq(oci_config_to_workload(bundle, d, NULL, &w, NULL, &err), -EOPNOTSUPP);
        ck_assert_msg(strstr(err.msg, "with a new user namespace is not supported yet"), "%s",
                      err.msg);
}
END_TEST

/* linux.devices and device rules for the node's allow-list. */
START_TEST(test_devices)
{
        struct oci_device_allow list[] = {
                { .path = (char *)"/dev/null", .major = 1, .minor = 3 },
                { .path = (char *)"/dev/zero", .major = 1, .minor = 5 }
        };
        const struct oci_device_allowlist allow = { .v = list, .n = 2 };
        const struct oci_overrides o = { .devices = &allow };
        struct berth_workload w;
        json_auto_t *c = fixture("crun-spec.json");
        struct berth_error err = {};
        struct stat st;

        ck_assert_int_eq(stat("/dev/null", &st), 0);
        set_at(c, "linux.devices",
               J("[{\"path\":\"/dev/my-null\",\"type\":\"c\",\"major\":1,\"minor\":3}]"));
        /* After crun spec's deny-all: /dev/zero readable, then its write taken back. */
        set_at(c, "linux.resources.devices[1]",
               J("{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rw\"}"));
        set_at(c, "linux.resources.devices[2]",
               J("{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"w\"}"));
        translate_ok(c, &o, &w, NULL);
        ck_assert_uint_eq(w.limits.n_devices, 2);
        ck_assert_uint_eq(w.limits.devices[0].minor, 5);
        ck_assert_uint_eq(w.limits.devices[0].access, BERTH_DEVICE_READ);
        ck_assert_uint_eq(w.limits.devices[1].minor, 3);
        ck_assert_uint_eq(w.limits.devices[1].access, BERTH_DEVICE_READ | BERTH_DEVICE_WRITE);
        ck_assert_str_eq(w.mounts[w.n_mounts - 1].source, "/dev/null");
        ck_assert_str_eq(w.mounts[w.n_mounts - 1].destination, "/dev/my-null");
        berth_workload_done(&w);

        /* fileMode, uid and gid only as the host's node is. */
        set_at(c, "linux.devices[0].fileMode", json_integer(st.st_mode & 07777));
        set_at(c, "linux.devices[0].uid", json_integer(st.st_uid));
        translate_ok(c, &o, &w, NULL);
        berth_workload_done(&w);
        set_at(c, "linux.devices[0].fileMode", json_integer(0600));
        ck_assert_int_eq(oci_config_to_workload(bundle, c, &o, &w, NULL, &err), -EOPNOTSUPP);
        ck_assert_msg(strstr(err.msg, "linux.devices[0].fileMode 0600: the host's node /dev/null "
                                      "is bound as it is"),
                      "%s", err.msg);
        set_at(c, "linux.devices[0].fileMode", json_integer(st.st_mode & 07777));
        set_at(c, "linux.devices[0].path", J("\"/srv/null\""));
        berth_error_clear(&err);
        ck_assert_int_eq(oci_config_to_workload(bundle, c, &o, &w, NULL, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "linux.devices[0].path '/srv/null' must be below /dev/"),
                      "%s", err.msg);
}
END_TEST

START_TEST(test_refuse_linux)
{
        refuse("linux.namespaces[0]", "{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}", -EOPNOTSUPP,
               "linux.namespaces[0].path: joining the pid namespace");
        refuse("linux.namespaces[1]", "{\"type\":\"network\",\"path\":\"proc/1/ns/net\"}", -EINVAL,
               "linux.namespaces[1].path 'proc/1/ns/net' must be absolute");
        refuse("linux.namespaces[5]", "{\"type\":\"pid\"}", -EINVAL,
               "linux.namespaces[5]: the pid namespace is given twice");
        refuse("linux.namespaces[5]", "{\"type\":\"foo\"}", -EINVAL, "linux.namespaces[5].type");
        refuse("linux.namespaces[5]", "{\"type\":\"time\"}", -EOPNOTSUPP, "linux.namespaces[5]");
        refuse("linux.namespaces", "[{\"type\":\"mount\"}]", -EOPNOTSUPP,
               "linux.namespaces: no pid namespace");
        refuse("linux.namespaces", "[{\"type\":\"pid\"}]", -EOPNOTSUPP,
               "linux.namespaces: no mount namespace");
        refuse("linux.namespaces[5]", "{\"type\":\"user\"}", -EINVAL,
               "a user namespace needs uidMappings");
        refuse("linux.uidMappings", "[{\"containerID\":0,\"hostID\":100000,\"size\":-1}]", -EINVAL,
               "linux.uidMappings[0].size");
        refuse("linux.uidMappings", "[{\"containerID\":0,\"hostID\":0,\"size\":4294967295}]",
               -EINVAL, "linux.uidMappings: mappings need a user namespace");
        /* Once "not supported yet"; {"defaultAction":"SCMP_ACT_ALLOW"} is a filter now
         * (test_seccomp), {} one without its required defaultAction. */
        refuse("linux.seccomp", "{}", -EINVAL, "linux.seccomp.defaultAction is required");
        refuse("linux.sysctl", "{\"vm.swappiness\":\"1\"}", -EOPNOTSUPP,
               "linux.sysctl.vm.swappiness: not a parameter of a namespace");
        refuse("linux.sysctl", "{\"kernel.hostname\":\"x\"}", -EOPNOTSUPP,
               "linux.sysctl.kernel.hostname: set the hostname field");
        refuse("linux.sysctl", "{\"net/ipv4/ip_forward\":\"1\"}", -EINVAL,
               "linux.sysctl 'net/ipv4/ip_forward': not a parameter name");
        refuse("linux.sysctl", "{\"net..x\":\"1\"}", -EINVAL, "linux.sysctl 'net..x'");
        refuse("linux.sysctl", "{\"net.ipv4.ip_forward\":1}", -EINVAL,
               "linux.sysctl.net.ipv4.ip_forward must be a string");
        refuse("linux.sysctl", "{\"kernel.shmmni\":\"1\\n2\"}", -EINVAL,
               "linux.sysctl.kernel.shmmni: a value");
        refuse("linux.sysctl", "[]", -EINVAL, "linux.sysctl must be an object");
        refuse("hooks", "{\"prestart\":[{\"path\":\"/bin/true\"}]}", -EOPNOTSUPP,
               "hooks.prestart: not supported yet");
        refuse("hooks", "{\"poststop\":[{\"path\":\"/bin/true\"}]}", -EOPNOTSUPP, "hooks.poststop");
        refuse("linux.cgroupsPath", "\"machine.slice:berth:x\"", -EOPNOTSUPP,
               "linux.cgroupsPath 'machine.slice:berth:x': the systemd driver's");
        refuse("linux.cgroupsPath", "\"/42/x\"", -EINVAL, "linux.cgroupsPath '/42/x' must be");
        refuse("linux.cgroupsPath", "\"z7\"", -EINVAL, "linux.cgroupsPath 'z7'");
        refuse("linux.cgroupsPath", "\"/a/../b\"", -EINVAL, "linux.cgroupsPath '/a/../b'");
        refuse("linux.cgroupsPath", "\"a//b\"", -EINVAL, "linux.cgroupsPath 'a//b'");
        refuse("linux.cgroupsPath", "\"a/b/c/d/e\"", -EINVAL, "linux.cgroupsPath 'a/b/c/d/e'");
        refuse("linux.cgroupsPath", "\"a/.hidden\"", -EINVAL, "linux.cgroupsPath 'a/.hidden'");
        refuse("linux.cgroupsPath", "7", -EINVAL, "linux.cgroupsPath must be a string");
        /* Device rules: one character device of the node's allow-list (none here), r and w. */
        refuse("linux.resources.devices[1]",
               "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rw\"}",
               -EPERM,
               "linux.resources.devices[1]: character device 10:200 is not on the node's "
               "allow-list");
        refuse("linux.resources.devices[1]",
               "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rwm\"}",
               -EOPNOTSUPP, "linux.resources.devices[1].access 'rwm': 'm' (mknod)");
        refuse("linux.resources.devices[0]", "{\"allow\":true,\"access\":\"rwm\"}", -EOPNOTSUPP,
               "linux.resources.devices[0]: allow rules are supported for one character device");
        refuse("linux.resources.devices[1]",
               "{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0}", -EOPNOTSUPP,
               "not for block devices");
        refuse("linux.resources.cpu.cpus", "\"0-\"", -EINVAL,
               "linux.resources.cpu.cpus '0-' must be numbers and ranges");
        refuse("linux.resources.cpu.cpus", "\"1-0\"", -EINVAL, "linux.resources.cpu.cpus '1-0'");
        refuse("linux.resources.cpu.cpus", "\"0,,1\"", -EINVAL, "linux.resources.cpu.cpus");
        refuse("linux.resources.cpu.cpus", "\" 0\"", -EINVAL, "linux.resources.cpu.cpus");
        refuse("linux.resources.cpu.cpus", "\"0x1\"", -EINVAL, "linux.resources.cpu.cpus");
        refuse("linux.resources.cpu.cpus", "\"4096\"", -EINVAL,
               "linux.resources.cpu.cpus '4096': 4096 is not below 4096");
        refuse("linux.resources.cpu.cpus", "1", -EINVAL,
               "linux.resources.cpu.cpus must be a string");
        refuse("linux.resources.cpu.mems", "\"0;1\"", -EINVAL, "linux.resources.cpu.mems");
        refuse("linux.resources.cpu.mems",
               "\"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25\"", -EINVAL,
               "linux.resources.cpu.mems must be at most 63 characters");
        refuse("linux.resources.cpu.shares", "262145", -EINVAL, "linux.resources.cpu.shares");
        refuse("linux.resources.memory", "{\"limit\":2097152,\"swap\":1048576}", -EINVAL,
               "linux.resources.memory.swap 1048576 is memory plus swap: at least the limit");
        refuse("linux.resources.memory", "{\"swap\":1048576}", -EINVAL,
               "linux.resources.memory.swap needs a limit");
        refuse("linux.resources.memory.reservation", "1048576", -EOPNOTSUPP,
               "linux.resources.memory.reservation");
        refuse("linux.resources.memory.limit", "-2", -EINVAL, "linux.resources.memory.limit");
        refuse("linux.resources.blockIO", "{\"weight\":10}", -EOPNOTSUPP,
               "linux.resources.blockIO");
        refuse("linux.resources.unified", "{\"io.weight\":\"10\"}", -EOPNOTSUPP,
               "linux.resources.unified");
        refuse("linux.resources.hugepageLimits", "[{\"pageSize\":\"2MB\",\"limit\":1}]",
               -EOPNOTSUPP, "linux.resources.hugepageLimits");
        refuse("linux.devices",
               "[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,"
               "\"minor\":229}]",
               -EPERM,
               "linux.devices[0]: character device 10:229 is not on the node's allow-list "
               "(berthd --oci-device-allow");
        refuse("linux.devices", "[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}]",
               -EOPNOTSUPP, "linux.devices[0].type 'b': not supported yet");
        refuse("linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1}]", -EINVAL,
               "linux.devices[0].minor is required");
        refuse("linux.rootfsPropagation", "\"shared\"", -EOPNOTSUPP, "linux.rootfsPropagation");
        refuse("linux.intelRdt", "{\"closID\":\"x\"}", -EOPNOTSUPP, "linux.intelRdt");
        refuse("linux.personality", "{\"domain\":\"LINUX32\"}", -EOPNOTSUPP, "linux.personality");
        refuse("linux.mountLabel", "\"system_u:object_r:x\"", -EOPNOTSUPP, "linux.mountLabel");
        refuse("linux.maskedPaths", "[\"proc/kcore\"]", -EINVAL, "linux.maskedPaths[0]");
        refuse("linux.readonlyPaths", "[\"/proc/../etc\"]", -EINVAL, "linux.readonlyPaths[0]");
        refuse("linux", NULL, -EINVAL, "linux is required");
}
END_TEST

/* ---- the command splitter --------------------------------------------------------- */

static void split_ok(const char *line, const char *const *want)
{
        struct berth_error err = {};
        char **l = NULL;
        size_t n = 0;

        ck_assert_msg(oci_split_command(line, &l, &err) == 0, "%s: %s", line, err.msg);
        for (; want[n]; n++) {
                ck_assert_ptr_nonnull(l[n]);
                ck_assert_str_eq(l[n], want[n]);
        }
        ck_assert_ptr_null(l[n]);
        strv_free(l);
}

static void split_bad(const char *line, const char *needle)
{
        struct berth_error err = {};
        char **l = (char **)0x1;

        ck_assert_int_eq(oci_split_command(line, &l, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, needle), "'%s' not in '%s'", needle, err.msg);
        ck_assert_ptr_eq(l, (char **)0x1);
}

START_TEST(test_split)
{
        split_ok("ls -l  /tmp\t x", (const char *const[]){ "ls", "-l", "/tmp", "x", NULL });
        split_ok("echo 'a  b' \"c 'd'\"", (const char *const[]){ "echo", "a  b", "c 'd'", NULL });
        split_ok("echo \"a \\\"q\\\" \\\\ \\x\"",
                 (const char *const[]){ "echo", "a \"q\" \\ \\x", NULL });
        split_ok("echo 'a\\b'", (const char *const[]){ "echo", "a\\b", NULL });
        split_ok("a\\ b c\\'d", (const char *const[]){ "a b", "c'd", NULL });
        split_ok("echo '' \"\" x''y", (const char *const[]){ "echo", "", "", "xy", NULL });
        split_ok("echo $HOME * \"$HOME\" '*' `id`",
                 (const char *const[]){ "echo", "$HOME", "*", "$HOME", "*", "`id`", NULL });
        split_ok("a;b|c", (const char *const[]){ "a;b|c", NULL });
        split_bad("echo 'open", "unterminated ' quote");
        split_bad("echo \"open", "unterminated \" quote");
        split_bad("echo \\", "backslash");
        split_bad("", "empty");
        split_bad("   \t", "empty");
}
END_TEST

/* ---- linux.seccomp ------------------------------------------------------------------ */

#define SECCOMP_OK                                                                      \
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\","                                        \
        "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]," \
        "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\"],"                                    \
        "\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\",\"no_such_call\"],"            \
        "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"                                \
        "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\","                   \
        "\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"                 \
        "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"

static json_t *seccomp_of(const char *text, struct berth_workload *w)
{
        json_auto_t *c = fixture("crun-spec.json");

        set_at(c, "linux.seccomp", J(text));
        translate_ok(c, NULL, w, NULL);
        ck_assert_ptr_nonnull(w->seccomp_rules);
        return w->seccomp_rules;
}

static json_t *rule_at(json_t *r, size_t i)
{
        return json_array_get(json_object_get(r, "syscalls"), i);
}

static json_int_t int_at(json_t *o, const char *key)
{
        ck_assert_msg(json_is_integer(json_object_get(o, key)), "%s is not an integer", key);
        return json_integer_value(json_object_get(o, key));
}

/* Each word in libseccomp's numbers (seccomp-rules.h), every entry kept in its place. */
START_TEST(test_seccomp)
{
        struct berth_workload w, none;
        json_t *r, *arches, *arg;
        json_auto_t *c = fixture("crun-spec.json");

        r = seccomp_of(SECCOMP_OK, &w);
        ck_assert_int_eq(int_at(r, "defaultAction"), SCMP_ACT_ALLOW);
        arches = json_object_get(r, "architectures");
        ck_assert_uint_eq(json_array_size(arches), 3);
        ck_assert_int_eq(json_integer_value(json_array_get(arches, 0)), SCMP_ARCH_X86_64);
        ck_assert_int_eq(json_integer_value(json_array_get(arches, 1)), SCMP_ARCH_X86);
        ck_assert_int_eq(json_integer_value(json_array_get(arches, 2)), SCMP_ARCH_X32);
        ck_assert_uint_eq(json_array_size(json_object_get(r, "syscalls")), 3);
        ck_assert_int_eq(int_at(rule_at(r, 0), "action"), SCMP_ACT_ERRNO(1));
        ck_assert_uint_eq(json_array_size(json_object_get(rule_at(r, 0), "names")), 3);
        ck_assert_str_eq(
                json_string_value(json_array_get(json_object_get(rule_at(r, 0), "names"), 2)),
                "no_such_call");
        /* errnoRet absent: EPERM, as in runc and crun. */
        ck_assert_int_eq(int_at(rule_at(r, 1), "action"), SCMP_ACT_ERRNO(EPERM));
        arg = json_array_get(json_object_get(rule_at(r, 1), "args"), 0);
        ck_assert_int_eq(int_at(arg, "index"), 0);
        ck_assert_int_eq(int_at(arg, "value"), 8);
        ck_assert_int_eq(int_at(arg, "valueTwo"), 0);
        ck_assert_int_eq(int_at(arg, "op"), SCMP_CMP_EQ);
        ck_assert_int_eq(int_at(rule_at(r, 2), "action"), SCMP_ACT_ALLOW);
        berth_workload_done(&w);

        /* The other actions, data and comparisons. */
        r = seccomp_of("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                       "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
                       "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_TRAP\"},"
                       "{\"names\":[\"close\"],\"action\":\"SCMP_ACT_LOG\"},"
                       "{\"names\":[\"open\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7},"
                       "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
                       "{\"index\":1,\"value\":15,\"valueTwo\":0,\"op\":\"SCMP_CMP_NE\"},"
                       "{\"index\":0,\"value\":255,\"valueTwo\":1,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
                       "{\"names\":[\"dup\"],\"action\":\"SCMP_ACT_KILL\"}]}",
                       &w);
        ck_assert_int_eq(int_at(r, "defaultAction"), SCMP_ACT_ERRNO(38));
        ck_assert_int_eq(int_at(rule_at(r, 0), "action"), SCMP_ACT_KILL_PROCESS);
        ck_assert_int_eq(int_at(rule_at(r, 1), "action"), SCMP_ACT_TRAP);
        ck_assert_int_eq(int_at(rule_at(r, 2), "action"), SCMP_ACT_LOG);
        ck_assert_int_eq(int_at(rule_at(r, 3), "action"), SCMP_ACT_TRACE(7));
        arg = json_array_get(json_object_get(rule_at(r, 4), "args"), 1);
        ck_assert_int_eq(int_at(arg, "op"), SCMP_CMP_MASKED_EQ);
        ck_assert_int_eq(int_at(arg, "valueTwo"), 1);
        ck_assert_int_eq(int_at(rule_at(r, 5), "action"), SCMP_ACT_KILL);
        berth_workload_done(&w);

        /* Without linux.seccomp, or null: berth's profile. */
        translate_ok(c, NULL, &none, NULL);
        ck_assert_ptr_null(none.seccomp_rules);
        berth_workload_done(&none);
        set_at(c, "linux.seccomp", json_null());
        translate_ok(c, NULL, &none, NULL);
        ck_assert_ptr_null(none.seccomp_rules);
        berth_workload_done(&none);
}
END_TEST

/* The compiled program, installed in a child of this test (no_new_privs lets an
 * unprivileged process install it): mkdir fails with errnoRet 1 (EPERM), personality(8)
 * with EPERM, other calls work. */
/* The same set again is the program compiled before (a dup of its memfd); another set
 * is compiled anew. */
START_TEST(test_seccomp_cache)
{
        struct berth_workload w, x;
        struct berth_error err = {};
        struct stat a, b, c;
        json_t *other;
        int fd1, fd2, fd3;

        fd1 = berth_seccomp_rules_build(seccomp_of(SECCOMP_OK, &w), "seccomp", &err);
        ck_assert_msg(fd1 >= 0, "%s", err.msg);
        fd2 = berth_seccomp_rules_build(w.seccomp_rules, "seccomp", &err);
        ck_assert_msg(fd2 >= 0, "%s", err.msg);
        ck_assert_int_eq(fstat(fd1, &a), 0);
        ck_assert_int_eq(fstat(fd2, &b), 0);
        ck_assert_int_ne(fd1, fd2);
        ck_assert_msg(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "compiled twice");
        /* A set with one more rule is another program. */
        (void)seccomp_of(SECCOMP_OK, &x);
        other = json_array_get(json_object_get(x.seccomp_rules, "syscalls"), 0);
        ck_assert_ptr_nonnull(other);
        ck_assert_int_eq(json_array_append_new(json_object_get(x.seccomp_rules, "syscalls"),
                                               json_deep_copy(other)),
                         0);
        json_object_set_new(json_array_get(json_object_get(x.seccomp_rules, "syscalls"), 1),
                            "names", json_pack("[s]", "chroot"));
        fd3 = berth_seccomp_rules_build(x.seccomp_rules, "seccomp", &err);
        ck_assert_msg(fd3 >= 0, "%s", err.msg);
        ck_assert_int_eq(fstat(fd3, &c), 0);
        ck_assert(c.st_ino != a.st_ino);
        close(fd1);
        close(fd2);
        close(fd3);
        berth_workload_done(&w);
        berth_workload_done(&x);
}
END_TEST

START_TEST(test_seccomp_kernel)
{
        struct berth_workload w;
        struct berth_error err = {};
        int fd, status;
        pid_t pid;

        fd = berth_seccomp_rules_build(seccomp_of(SECCOMP_OK, &w), "seccomp", &err);
        ck_assert_msg(fd >= 0, "%s", err.msg);
        berth_workload_done(&w);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct sock_filter prog[4096];
                ssize_t n = pread(fd, prog, sizeof(prog), 0);
                struct sock_fprog fp = { .len = (unsigned short)(n / 8), .filter = prog };
                char dir[400];

                (void)snprintf(dir, sizeof(dir), "%s/made", top);
                if (n <= 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) < 0)
                        _exit(10);
                if (mkdir(dir, 0755) == 0 || errno != EPERM)
                        _exit(11);
                if (personality(8) != -1 || errno != EPERM)
                        _exit(12);
                if (personality(0xffffffff) < 0 || getpid() <= 0)
                        _exit(13);
                if (rmdir(top) == 0 || errno == EPERM) /* not empty: ENOTEMPTY */
                        _exit(14);
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
        (void)close(fd);
}
END_TEST

/* The rules are part of the record, and of a copy. */
START_TEST(test_seccomp_record)
{
        struct berth_workload w, back, copy;
        struct berth_error err = {};
        json_auto_t *j = NULL;

        seccomp_of(SECCOMP_OK, &w);
        j = berth_workload_to_json(&w);
        ck_assert_ptr_nonnull(j);
        ck_assert_int_eq(berth_workload_from_json(j, &back, &err), 0);
        ck_assert(json_equal(back.seccomp_rules, w.seccomp_rules));
        ck_assert_int_eq(berth_workload_copy(&copy, &w), 0);
        ck_assert(json_equal(copy.seccomp_rules, w.seccomp_rules));
        ck_assert_ptr_ne(copy.seccomp_rules, w.seccomp_rules);
        berth_workload_done(&w);
        berth_workload_done(&back);
        berth_workload_done(&copy);
        /* None: no member in the record. */
        berth_workload_init(&w);
        json_decref(j);
        j = berth_workload_to_json(&w);
        ck_assert_ptr_null(json_object_get(j, "seccomp_rules"));
}
END_TEST

#define SYS(x) "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"" x "}"

START_TEST(test_refuse_seccomp)
{
        const char *p = "linux.seccomp";

        refuse(p, "{\"defaultAction\":\"SCMP_ACT_FOO\"}", -EINVAL,
               "linux.seccomp.defaultAction 'SCMP_ACT_FOO' is not an action");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", -EOPNOTSUPP,
               "linux.seccomp.defaultAction 'SCMP_ACT_NOTIFY': not supported");
        refuse(p, "{\"defaultAction\":1}", -EINVAL, "linux.seccomp.defaultAction must be a string");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}", -EINVAL,
               "linux.seccomp.defaultErrnoRet goes with SCMP_ACT_ERRNO or SCMP_ACT_TRACE only");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/l.sock\"}",
               -EOPNOTSUPP,
               "linux.seccomp.listenerPath: not supported: berth has no seccomp notify");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"x\"}", -EOPNOTSUPP,
               "linux.seccomp.listenerMetadata: not supported");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_FOO\"]}",
               -EINVAL, "linux.seccomp.architectures[0] 'SCMP_ARCH_FOO' is not an architecture");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"x86_64\"]}", -EINVAL,
               "linux.seccomp.architectures[0] 'x86_64'");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]}",
               -EOPNOTSUPP, "linux.seccomp.flags[0] 'SECCOMP_FILTER_FLAG_LOG': not supported yet");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\","
               "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]}",
               -EOPNOTSUPP, "linux.seccomp.flags[1] 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"FOO\"]}", -EINVAL,
               "linux.seccomp.flags[0] 'FOO' is not a seccomp filter flag");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"foo\":1}", -EINVAL,
               "linux.seccomp.foo: unknown field");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" SYS("") "," SYS("") "," SYS(
                       "") "," SYS(",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_"
                                   "CMP_FOO\"}]") "]}",
               -EINVAL, "linux.seccomp.syscalls[3].args[0].op 'SCMP_CMP_FOO' is not a comparison");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" SYS(
                       ",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]") "]}",
               -EINVAL, "linux.seccomp.syscalls[0].args[0].index must be an integer from 0 to 5");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" SYS(
                       ",\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]") "]}",
               -EINVAL, "linux.seccomp.syscalls[0].args[0].value must be an integer from 0");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" SYS(
                       ",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]") "]}",
               -EINVAL, "linux.seccomp.syscalls[0].args[0].value is required");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],"
               "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
               -EOPNOTSUPP, "linux.seccomp.syscalls[0].action 'SCMP_ACT_NOTIFY': not supported");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],"
               "\"action\":\"SCMP_ACT_BAR\"}]}",
               -EINVAL, "linux.seccomp.syscalls[0].action 'SCMP_ACT_BAR' is not an action");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],"
               "\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}",
               -EINVAL, "linux.seccomp.syscalls[0].errnoRet goes with SCMP_ACT_ERRNO");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" SYS(
                       ",\"errnoRet\":4096") "]}",
               -EINVAL, "linux.seccomp.syscalls[0].errnoRet must be an integer from 0 to 4095");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[" SYS(
                       ",\"comment\":\"x\"") "]}",
               -EINVAL, "linux.seccomp.syscalls[0].comment: unknown field");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
               "\"action\":\"SCMP_ACT_ERRNO\"}]}",
               -EINVAL, "linux.seccomp.syscalls[0].names is required and must not be empty");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\",\"\"],"
               "\"action\":\"SCMP_ACT_ERRNO\"}]}",
               -EINVAL, "linux.seccomp.syscalls[0].names[1] must be a non-empty string");
        refuse(p,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[7],"
               "\"action\":\"SCMP_ACT_ERRNO\"}]}",
               -EINVAL, "linux.seccomp.syscalls[0].names[0]");
        refuse(p, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", -EINVAL,
               "linux.seccomp.syscalls must be an array");
}
END_TEST

/* A set beyond the kernel's 4096 BPF instructions: refused when translated, not when
 * a container starts. */
START_TEST(test_seccomp_too_big)
{
        json_auto_t *s = J("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}");
        json_t *a = json_object_get(s, "syscalls");
        json_auto_t *c = fixture("crun-spec.json");
        struct berth_error err = {};
        struct berth_workload w;
        int r;

        /* 1024 entries of 4 comparisons on one argument: 4096 rules (each its own, as
         * they compare the same argument), 3 instructions or more each. */
        for (int i = 0; i < 1024; i++)
                ck_assert_int_eq(
                        json_array_append_new(
                                a,
                                json_pack("{s:[s], s:s, s:[{s:i, s:i, s:s}, {s:i, s:i, s:s}, "
                                          "{s:i, s:i, s:s}, {s:i, s:i, s:s}]}",
                                          "names", "personality", "action", "SCMP_ACT_ERRNO",
                                          "args", "index", 0, "value", 4 * i, "op", "SCMP_CMP_EQ",
                                          "index", 0, "value", 4 * i + 1, "op", "SCMP_CMP_EQ",
                                          "index", 0, "value", 4 * i + 2, "op", "SCMP_CMP_EQ",
                                          "index", 0, "value", 4 * i + 3, "op", "SCMP_CMP_EQ")),
                        0);
        set_at(c, "linux.seccomp", TAKE_PTR(s));
        r = oci_config_to_workload(bundle, c, NULL, &w, NULL, &err);
        ck_assert_msg(r == -EINVAL, "want -EINVAL, got %d (%s)", r, err.msg);
        ck_assert_msg(strstr(err.msg, "linux.seccomp: the filter has"), "%s", err.msg);
        ck_assert_msg(strstr(err.msg, "more than the kernel's 4096"), "%s", err.msg);
        ck_assert_ptr_null(w.seccomp_rules);
        ck_assert_ptr_null(w.args);
}
END_TEST

static Suite *oci_suite(void)
{
        Suite *s = suite_create("oci-config");
        TCase *tc = tcase_create("bundles");

        tcase_add_checked_fixture(tc, bundle_setup, bundle_teardown);
        tcase_add_test(tc, test_crun_spec);
        tcase_add_test(tc, test_cpuset);
        tcase_add_test(tc, test_umoci);
        tcase_add_test(tc, test_overrides);
        tcase_add_test(tc, test_fields);
        suite_add_tcase(s, tc);

        tc = tcase_create("refusals");
        tcase_add_checked_fixture(tc, bundle_setup, bundle_teardown);
        tcase_add_test(tc, test_refuse_unknown);
        tcase_add_test(tc, test_refuse_version);
        tcase_add_test(tc, test_version_ok);
        tcase_add_test(tc, test_refuse_root);
        tcase_add_test(tc, test_refuse_process);
        tcase_add_test(tc, test_refuse_stop_signal);
        tcase_add_test(tc, test_refuse_mounts);
        tcase_add_test(tc, test_refuse_linux);
        tcase_add_test(tc, test_user_maps);
        tcase_add_test(tc, test_kernel);
        tcase_add_test(tc, test_devices);
        suite_add_tcase(s, tc);

        tc = tcase_create("seccomp");
        tcase_add_checked_fixture(tc, bundle_setup, bundle_teardown);
        tcase_add_test(tc, test_seccomp);
        tcase_add_test(tc, test_seccomp_kernel);
        tcase_add_test(tc, test_seccomp_cache);
        tcase_add_test(tc, test_seccomp_record);
        tcase_add_test(tc, test_refuse_seccomp);
        tcase_add_test(tc, test_seccomp_too_big);
        suite_add_tcase(s, tc);

        tc = tcase_create("split");
        tcase_add_test(tc, test_split);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(oci_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
