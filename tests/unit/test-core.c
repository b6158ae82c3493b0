/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store with its object types registered, and the native engine through its ops
 * table, on temporary directories, without root: nothing is mounted and nothing runs.
 * A fake mount type (a directory as its "mountpoint") stands in for mount.c, so that
 * the store's claims, references, deletes, records and recovery, the container object
 * and the native engine's create and its translation of a workload into a launch are
 * exercised as berthd uses them.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "fileio.h"
#include "launch.h"
#include "macro.h"
#include "native.h"
#include "record.h"
#include "recover.h"
#include "store-internal.h"
#include "strv.h"
#include "supervisor.h"
#include "workload.h"

static char dir[512];

static int rm_cb(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
        (void)sb;
        (void)ftw;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void dir_setup(void)
{
        const char *t = getenv("TMPDIR");

        (void)snprintf(dir, sizeof(dir), "%s/berth-test-core-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_msg(mkdtemp(dir), "mkdtemp: %m");
}

static void dir_teardown(void)
{
        (void)nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* A new list of the strings up to NULL. */
static char **strv_of(const char *first, ...)
{
        char **l = calloc(1, sizeof(char *));
        va_list ap;

        va_start(ap, first);
        for (const char *v = first; v; v = va_arg(ap, const char *))
                ck_assert_int_eq(strv_extend(&l, v), 0);
        va_end(ap);
        return l;
}

/* ---- a fake mount type -------------------------------------------------------------- */

/* Counts what the store asked of the type. */
static struct {
        unsigned built, torn_down, released, committed, readopted;
} calls;

static int fake_build(struct berth_store *s, const void *spec, struct berth_obj *holder,
                      bool ro_hint, struct berth_obj **ret, struct berth_error *err)
{
        const struct berth_mount_spec *ms = spec;
        struct berth_mount *m;

        (void)ro_hint;
        if (ms->kind != BERTH_MOUNT_BIND)
                return berth_error_set(err, EINVAL, "the fake type builds bind mounts only");
        m = (struct berth_mount *)store_alloc(s, BERTH_OBJ_MOUNT, sizeof(*m), !holder);
        ck_assert_ptr_nonnull(m);
        m->kind = ms->kind;
        m->bind.path = strdup(ms->bind.path);
        m->mountpoint = strdup(ms->bind.path);
        if (holder)
                ck_assert_int_eq(obj_claim(s, &m->obj, holder, true), 0);
        calls.built++;
        *ret = &m->obj;
        return 0;
}

static void fake_spec_ref(const void *spec, struct berth_ref *ret)
{
        const struct berth_mount_spec *ms = spec;

        *ret = (struct berth_ref){ .is_ref = ms->is_ref, .id = ms->ref_id, .kind = ms->kind };
}

static int fake_kind(const struct berth_obj *o)
{
        return ((const struct berth_mount *)o)->kind;
}

static const char *fake_kind_name(int k)
{
        return berth_mount_kind_to_string((enum berth_mount_kind)k);
}

static void fake_children(struct berth_obj *o, obj_child_fn fn, void *userdata)
{
        (void)o;
        (void)fn;
        (void)userdata;
}

static int fake_teardown(struct berth_store *s, struct berth_obj *o, bool lazy, bool defer,
                         struct berth_error *err)
{
        (void)s, (void)o, (void)lazy, (void)defer, (void)err;
        calls.torn_down++;
        return 0;
}

static void fake_free_fields(struct berth_obj *o)
{
        struct berth_mount *m = (struct berth_mount *)o;

        free(m->bind.path);
        free(m->mountpoint);
}

static void fake_release(struct berth_store *s, struct berth_obj *o)
{
        (void)s;
        calls.released++;
        fake_free_fields(o);
}

static void fake_committed(struct berth_store *s, struct berth_obj *o)
{
        (void)s, (void)o;
        calls.committed++;
}

static json_t *fake_encode(const struct berth_obj *o)
{
        const struct berth_mount *m = (const struct berth_mount *)o;

        return json_pack("{s:s}", "path", m->bind.path);
}

static int fake_decode(struct berth_store *s, json_t *j, struct berth_obj **ret,
                       struct berth_record_links *links)
{
        struct berth_mount *m =
                (struct berth_mount *)store_alloc(s, BERTH_OBJ_MOUNT, sizeof(*m), false);

        (void)links;
        if (!m)
                return -ENOMEM;
        *ret = &m->obj;
        m->kind = BERTH_MOUNT_BIND;
        m->bind.path = berth_record_strdup(j, "path");
        m->mountpoint = berth_record_strdup(j, "path");
        return m->bind.path ? 0 : -EINVAL;
}

static int fake_readopt(struct berth_store *s, struct berth_obj *o, bool may_rebuild,
                        struct berth_error *err)
{
        (void)s, (void)o, (void)may_rebuild, (void)err;
        calls.readopted++;
        return 0;
}

static const struct berth_obj_ops fake_mount_ops = {
        .build = fake_build,
        .spec_ref = fake_spec_ref,
        .kind = fake_kind,
        .kind_name = fake_kind_name,
        .for_each_child = fake_children,
        .teardown = fake_teardown,
        .release = fake_release,
        .free_fields = fake_free_fields,
        .committed = fake_committed,
        .encode = fake_encode,
        .decode = fake_decode,
        .readopt = fake_readopt,
};

/* A store in dir with the fake mount type, the container type and a native engine
 * (no launcher: nothing can start). */
struct world {
        struct berth_store *s;
        struct berth_supervisor *sup;
        struct berth_engine *native;
};

static void world_open(struct world *w)
{
        struct berth_error err = {};
        struct berth_native_config ncfg = {};

        memset(&calls, 0, sizeof(calls));
        *w = (struct world){};
        ck_assert_int_eq(
                berth_store_new(&(struct berth_store_config){ .state_dir = dir }, &w->s, &err), 0);
        ck_assert_int_eq(berth_store_register_type(w->s, BERTH_OBJ_MOUNT, &fake_mount_ops, NULL),
                         0);
        ck_assert_int_eq(
                berth_container_type_register(w->s, &(struct berth_container_config){}, &err), 0);
        ck_assert_int_eq(berth_supervisor_new(&w->sup), 0);
        ncfg.supervisor = w->sup;
        ck_assert_int_eq(berth_native_engine_new(w->s, &ncfg, &w->native, &err), 0);
        ck_assert_int_eq(berth_container_add_engine(w->s, w->native), 0);
}

static void world_close(struct world *w)
{
        w->s = berth_store_free(w->s);
        berth_native_engine_free(w->native);
        w->sup = berth_supervisor_free(w->sup);
}

static struct berth_mount_spec bind_spec(const char *path)
{
        return (struct berth_mount_spec){ .kind = BERTH_MOUNT_BIND,
                                          .bind = { .path = (char *)path } };
}

/* A root "file system": a directory with an executable /bin/app. */
static char *make_root(void)
{
        char *root = NULL, *bin = NULL, *app = NULL;
        int fd;

        ck_assert_int_ge(asprintf(&root, "%s/root", dir), 0);
        ck_assert_int_ge(asprintf(&bin, "%s/bin", root), 0);
        ck_assert_int_ge(asprintf(&app, "%s/app", bin), 0);
        ck_assert_int_eq(mkdir(root, 0755), 0);
        ck_assert_int_eq(mkdir(bin, 0755), 0);
        fd = open(app, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        ck_assert_int_ge(fd, 0);
        close(fd);
        free(bin);
        free(app);
        return root;
}

/* ---- the store ---------------------------------------------------------------------- */

static int count_visit(struct berth_obj *o, void *userdata)
{
        (void)o;
        (*(unsigned *)userdata)++;
        return 0;
}

START_TEST(test_store_through_ops)
{
        struct world w;
        struct berth_error err = {};
        struct berth_mount_spec spec = bind_spec("/srv/a");
        uint64_t gen;
        unsigned n = 0;

        world_open(&w);
        gen = berth_store_gen(w.s);
        ck_assert_int_eq(berth_store_create(w.s, BERTH_OBJ_MOUNT, &spec, NULL, NULL, &err), 0);
        ck_assert_uint_eq(calls.built, 1);
        ck_assert_uint_eq(calls.committed, 1);
        ck_assert_uint_gt(berth_store_gen(w.s), gen);
        ck_assert_int_eq(berth_store_visit_all(w.s, BERTH_OBJ_MOUNT, count_visit, &n), 0);
        ck_assert_uint_eq(n, 1);

        /* A type that builds nothing of this kind says so, and leaves no id used. */
        spec.kind = BERTH_MOUNT_OVERLAY;
        ck_assert_int_eq(berth_store_create(w.s, BERTH_OBJ_MOUNT, &spec, NULL, NULL, &err),
                         -EINVAL);
        ck_assert_str_eq(err.msg, "the fake type builds bind mounts only");
        ck_assert_uint_eq(w.s->next_id[BERTH_OBJ_MOUNT], 1);

        /* A top-level reference is refused by the store, naming the type. */
        spec = (struct berth_mount_spec){ .is_ref = true, .ref_id = 0, .kind = -1 };
        ck_assert_int_eq(berth_store_create(w.s, BERTH_OBJ_MOUNT, &spec, NULL, NULL, &err),
                         -EINVAL);
        ck_assert_msg(strstr(err.msg, "a new mount cannot be a reference"), "%s", err.msg);

        /* An unregistered type is not supported, and the message names it. */
        ck_assert_int_eq(berth_store_create(w.s, BERTH_OBJ_ATTACH, &spec, NULL, NULL, &err),
                         -EOPNOTSUPP);
        ck_assert_str_eq(err.msg, "this berthd has no attachment objects");

        ck_assert_int_eq(berth_store_delete(w.s, BERTH_OBJ_MOUNT, 0, false, NULL, NULL, &err), 0);
        ck_assert_uint_eq(calls.torn_down, 1);
        ck_assert_uint_eq(calls.released, 1);
        ck_assert_int_eq(berth_store_delete(w.s, BERTH_OBJ_MOUNT, 0, false, NULL, NULL, &err),
                         -ENOENT);
        world_close(&w);
}
END_TEST

/* ---- containers on the native engine, through the ops tables ----------------------- */

static struct berth_workload app_workload(void)
{
        struct berth_workload wl;

        berth_workload_init(&wl);
        wl.args = strv_of("app", "--serve", NULL);
        wl.env = strv_of("MODE=test", NULL);
        wl.cwd = strdup("/srv");
        return wl;
}

START_TEST(test_container_native_create)
{
        struct world w;
        struct berth_error err = {};
        _cleanup_free_ char *root = make_root(), *rec = NULL;
        struct berth_mount_spec ms = bind_spec(root);
        struct berth_workload wl = app_workload();
        struct berth_container_def def = { .name = "web", .root = &ms, .workload = &wl };
        struct berth_obj *o;
        struct berth_container *c;
        uint64_t id;

        world_open(&w);
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), 0);
        ck_assert_int_eq(berth_container_find(w.s, "web", &id), 0);
        ck_assert_int_eq(store_lookup(w.s, BERTH_OBJ_CONTAINER, id, &o, NULL), 0);
        c = berth_obj_to_container(o);
        ck_assert_str_eq(c->engine->name, "native");
        ck_assert_int_eq(c->state, BERTH_CONTAINER_CREATED);
        /* Its mount is its own, and claimed. */
        ck_assert_ptr_eq(c->mount->obj.owner, &c->obj);
        ck_assert_uint_eq(berth_obj_refs(&c->mount->obj), 1);
        /* The native engine's create made its directory and log. */
        ck_assert_int_eq(access(c->dir, F_OK), 0);
        ck_assert_int_eq(access(c->logfile, F_OK), 0);
        /* Its record holds the workload. */
        ck_assert_int_ge(asprintf(&rec, "%s/db/container-%llu.json", dir, (unsigned long long)id),
                         0);
        ck_assert_int_eq(access(rec, F_OK), 0);

        /* A second one of that name is a conflict, and leaves nothing. */
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), -EEXIST);
        ck_assert_msg(strstr(err.msg, "'web' exists"), "%s", err.msg);

        /* A command that is not in the root fails, and what was made for it goes. */
        free(wl.args[0]);
        wl.args[0] = strdup("nothere");
        def.name = "other";
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "'nothere' does not exist"), "%s", err.msg);
        ck_assert_int_eq(berth_container_find(w.s, "other", &id), -ENOENT);
        ck_assert_uint_eq(w.s->next_id[BERTH_OBJ_CONTAINER], 1);
        ck_assert_uint_eq(calls.torn_down, 1);
        ck_assert_uint_eq(calls.built, 2);

        /* What the engine cannot do yet is refused with the field's name. */
        free(wl.args[0]);
        wl.args[0] = strdup("app");
        wl.image = strdup("registry.local/app:1");
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), -EOPNOTSUPP);
        ck_assert_msg(strstr(err.msg, "image 'registry.local/app:1'"), "%s", err.msg);
        wl.image = mfree(wl.image);

        /* Exec into a container that is not running is a clear error. */
        {
                struct berth_exec x = { .args = (char *[]){ (char *)"true", NULL } };
                struct berth_exec_result res = {};
                ck_assert_int_eq(berth_container_find(w.s, "web", &id), 0);
                ck_assert_int_eq(berth_container_exec(w.s, id, &x, &res, &err), -EBUSY);
                ck_assert_msg(strstr(err.msg, "is created, not running"), "%s", err.msg);
        }

        /* A plain delete of a container that is not running takes its mount along. */
        ck_assert_uint_eq(calls.torn_down, 2);
        ck_assert_int_eq(berth_store_delete(w.s, BERTH_OBJ_CONTAINER, id, false, NULL, NULL, &err),
                         0);
        ck_assert_uint_eq(calls.torn_down, 3);
        ck_assert_uint_eq(w.s->n_table[BERTH_OBJ_MOUNT], 0);
        berth_workload_done(&wl);
        world_close(&w);
}
END_TEST

/* Records come back through the types' decode and link, in a new store. */
START_TEST(test_records_recover)
{
        struct world w;
        struct berth_error err = {};
        _cleanup_free_ char *root = make_root();
        struct berth_mount_spec ms = bind_spec(root);
        struct berth_workload wl = app_workload();
        struct berth_container_def def = { .name = "db", .root = &ms, .workload = &wl };
        struct berth_obj *o;
        struct berth_container *c;
        uint64_t id;

        world_open(&w);
        wl.stop_signal = SIGINT;
        wl.labels = strv_of("tier=back", NULL);
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), 0);
        world_close(&w);

        world_open(&w);
        ck_assert_int_eq(berth_store_recover(w.s), 0);
        ck_assert_uint_eq(calls.readopted, 1);
        ck_assert_int_eq(berth_container_find(w.s, "db", &id), 0);
        ck_assert_int_eq(store_lookup(w.s, BERTH_OBJ_CONTAINER, id, &o, NULL), 0);
        c = berth_obj_to_container(o);
        ck_assert_ptr_nonnull(c->mount);
        ck_assert_str_eq(c->mount->bind.path, root);
        ck_assert_ptr_eq(c->mount->obj.owner, &c->obj);
        ck_assert_str_eq(c->w.args[1], "--serve");
        ck_assert_str_eq(c->w.cwd, "/srv");
        ck_assert_str_eq(c->w.env[0], "MODE=test");
        ck_assert_str_eq(c->w.labels[0], "tier=back");
        ck_assert_int_eq(c->w.stop_signal, SIGINT);
        ck_assert_int_eq(berth_workload_stop_signal(&c->w), SIGINT);
        ck_assert_int_eq(c->state, BERTH_CONTAINER_CREATED);
        berth_workload_done(&wl);
        world_close(&w);
}
END_TEST

/* Without a launcher nothing starts: the start is refused, and the request leaves
 * nothing behind. A workload the native engine cannot run (no program, or none at
 * all) is refused by name. */
START_TEST(test_container_native_refusals)
{
        struct world w;
        struct berth_error err = {};
        _cleanup_free_ char *root = make_root();
        struct berth_mount_spec ms = bind_spec(root);
        struct berth_workload wl = app_workload(), empty;
        struct berth_container_def def = {
                .name = "web", .root = &ms, .workload = &wl, .start = true
        };
        uint64_t id;

        world_open(&w);
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), -EOPNOTSUPP);
        ck_assert_msg(strstr(err.msg, "no container launcher"), "%s", err.msg);
        ck_assert_int_eq(berth_container_find(w.s, "web", &id), -ENOENT);
        ck_assert_uint_eq(w.s->next_id[BERTH_OBJ_CONTAINER], 0);
        ck_assert_uint_eq(w.s->n_table[BERTH_OBJ_MOUNT], 0);
        ck_assert_uint_eq(calls.torn_down, 1);

        def.start = false;
        berth_workload_init(&empty);
        def.workload = &empty;
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "args"), "%s", err.msg);
        def.workload = NULL;
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "args"), "%s", err.msg);
        ck_assert_int_eq(berth_container_find(w.s, "web", &id), -ENOENT);
        ck_assert_uint_eq(w.s->n_table[BERTH_OBJ_MOUNT], 0);
        berth_workload_done(&wl);
        world_close(&w);
}
END_TEST

/* A delete that is refused says -EBUSY whether or not the caller wants the message. */
START_TEST(test_delete_busy_without_error)
{
        struct world w;
        struct berth_error err = {};
        _cleanup_free_ char *root = make_root();
        struct berth_mount_spec ms = bind_spec(root);
        struct berth_workload wl = app_workload();
        struct berth_container_def def = { .name = "web", .root = &ms, .workload = &wl };
        uint64_t id;

        world_open(&w);
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), 0);
        ck_assert_int_eq(berth_container_find(w.s, "web", &id), 0);
        /* Its mount was created as part of it. */
        ck_assert_int_eq(berth_store_delete(w.s, BERTH_OBJ_MOUNT, 0, false, NULL, NULL, &err),
                         -EBUSY);
        ck_assert(err.hint & BERTH_HINT_FORCE);
        ck_assert_int_eq(berth_store_delete(w.s, BERTH_OBJ_MOUNT, 0, false, NULL, NULL, NULL),
                         -EBUSY);
        ck_assert_uint_eq(w.s->n_table[BERTH_OBJ_MOUNT], 1);
        ck_assert_int_eq(berth_store_delete(w.s, BERTH_OBJ_CONTAINER, id, false, NULL, NULL, NULL),
                         0);
        berth_workload_done(&wl);
        world_close(&w);
}
END_TEST

/* A record that names no root (as an engine that runs images writes it) comes back
 * with none, and a start on the native engine says so. */
START_TEST(test_record_without_root)
{
        struct world w;
        struct berth_error err = {};
        _cleanup_free_ char *root = make_root(), *rec = NULL;
        struct berth_mount_spec ms = bind_spec(root);
        struct berth_workload wl = app_workload();
        struct berth_container_def def = { .name = "web", .root = &ms, .workload = &wl };
        struct berth_obj *o;
        struct berth_container *c;
        json_t *j;
        uint64_t id;

        world_open(&w);
        ck_assert_int_eq(berth_container_create(w.s, &def, NULL, NULL, &err), 0);
        ck_assert_int_eq(berth_container_find(w.s, "web", &id), 0);
        world_close(&w);
        ck_assert_int_ge(asprintf(&rec, "%s/db/container-%llu.json", dir, (unsigned long long)id),
                         0);
        j = json_load_file(rec, 0, NULL);
        ck_assert_ptr_nonnull(j);
        ck_assert_int_eq(json_object_set_new(json_object_get(j, "object"), "mount", json_null()),
                         0);
        ck_assert_int_eq(json_dump_file(j, rec, 0), 0);
        json_decref(j);

        world_open(&w);
        ck_assert_int_eq(berth_store_recover(w.s), 0);
        ck_assert_int_eq(store_lookup(w.s, BERTH_OBJ_CONTAINER, id, &o, NULL), 0);
        c = berth_obj_to_container(o);
        ck_assert_ptr_null(c->mount);
        ck_assert_int_eq(
                berth_container_set_state(w.s, id, BERTH_CONTAINER_RUNNING, NULL, NULL, &err),
                -EINVAL);
        ck_assert_msg(strstr(err.msg, "has no root"), "%s", err.msg);
        ck_assert_int_eq(c->state, BERTH_CONTAINER_DEAD);
        berth_workload_done(&wl);
        world_close(&w);
}
END_TEST

/* A container record as the berthd before workloads wrote it (flat fields, no engine):
 * a berthd upgraded over running containers re-adopts them with the same workload. */
START_TEST(test_record_before_workloads)
{
        static const char *const v0_fmt =
                "{\"version\":1,\"type\":\"container\",\"id\":4,\"user\":true,"
                "\"removed\":false,\"object\":{\"name\":\"old\",\"mount\":{\"id\":0,"
                "\"owned\":true},\"command\":\"/bin/app -v\",\"args\":[\"/bin/app\",\"-v\"],"
                "\"env\":[\"A=1\"],\"hostname\":\"oldhost\",\"systemd\":false,"
                "\"namespaces\":1,\"stop_timeout_ms\":3000,\"state\":\"exited\","
                "\"logfile\":\"%s/logs/4-1.log\",\"dir\":\"%s/containers/4\","
                "\"pid\":0,\"exit_code\":0,\"signal\":0,\"oom_killed\":false,"
                "\"stop_requested\":true,\"machine_id\":\"0123456789abcdef0123456789abcdef\","
                "\"limits_memory\":1048576,\"limits_pids\":10,\"limits_cpu_weight\":0,"
                "\"limits_cpu_quota_us\":0,\"started_at\":1,\"pid_starttime\":5,"
                "\"boot_id\":\"x\",\"created_at\":1,\"finished_at\":2}}";
        static const char *const mount0 = "{\"version\":1,\"type\":\"mount\",\"id\":0,"
                                          "\"user\":false,\"removed\":false,"
                                          "\"object\":{\"path\":\"/srv/old\"}}";
        _cleanup_free_ char *db = NULL, *p1 = NULL, *p2 = NULL, *v0 = NULL;
        struct world w;
        struct berth_obj *o;
        struct berth_container *c;

        ck_assert_int_ge(asprintf(&v0, v0_fmt, dir, dir), 0);
        ck_assert_int_ge(asprintf(&db, "%s/db", dir), 0);
        ck_assert_int_ge(asprintf(&p1, "%s/container-4.json", db), 0);
        ck_assert_int_ge(asprintf(&p2, "%s/mount-0.json", db), 0);
        ck_assert_int_eq(mkdir(db, 0700), 0);
        ck_assert_int_eq(write_file_atomic(p1, v0, strlen(v0), 0600), 0);
        ck_assert_int_eq(write_file_atomic(p2, mount0, strlen(mount0), 0600), 0);

        world_open(&w);
        ck_assert_int_eq(berth_store_recover(w.s), 0);
        ck_assert_int_eq(store_lookup(w.s, BERTH_OBJ_CONTAINER, 4, &o, NULL), 0);
        c = berth_obj_to_container(o);
        ck_assert_str_eq(c->engine->name, "native");
        ck_assert_str_eq(c->name, "old");
        ck_assert_str_eq(c->mount->bind.path, "/srv/old");
        ck_assert_str_eq(c->w.args[0], "/bin/app");
        ck_assert_str_eq(c->w.args[1], "-v");
        ck_assert_str_eq(c->w.env[0], "A=1");
        ck_assert_str_eq(c->w.command_line, "/bin/app -v");
        ck_assert_str_eq(c->w.hostname, "oldhost");
        ck_assert_uint_eq(c->w.namespaces, BERTH_NS_NET);
        ck_assert_uint_eq(c->w.stop_timeout_ms, 3000);
        ck_assert_uint_eq(c->w.limits.memory, 1048576);
        ck_assert_uint_eq(c->w.limits.pids, 10);
        ck_assert_int_eq(c->state, BERTH_CONTAINER_EXITED);
        ck_assert_int_eq(c->exit_code, 0);
        ck_assert_str_eq(c->machine_id, "0123456789abcdef0123456789abcdef");
        world_close(&w);
}
END_TEST

/* ---- the translation of a workload into a launch ------------------------------------- */

START_TEST(test_launch_from_workload)
{
        struct berth_workload wl = app_workload();
        struct berth_error err = {};
        struct berth_launch l;
        struct berth_cgroup cg = { .devices_confined = true };
        struct berth_native_launch_in in = {
                .w = &wl,
                .id = 9,
                .name = "web",
                .rootfs = "/run/berth/mounts/mount_x",
                .staging = "/run/berth/staging",
                .machine_id = "0123456789abcdef0123456789abcdef",
                .log_max = 4096,
        };

        wl.hostname = strdup("web");
        in.exec_path = strdup("/bin/app");
        ck_assert_int_eq(berth_native_launch_from_workload(&in, &l, &err), 0);
        ck_assert_str_eq(l.args[0], "app");
        ck_assert_str_eq(l.exec_path, "/bin/app");
        ck_assert_str_eq(l.cwd, "/srv");
        ck_assert_str_eq(l.hostname, "web");
        ck_assert(strv_contains(l.env, "MODE=test"));
        ck_assert(strv_contains(l.env, "container=berth"));
        ck_assert_uint_eq(l.namespaces, 0);
        ck_assert(l.no_new_privs);
        ck_assert_uint_eq(l.log_max, 4096);
        /* No network namespace: no raw sockets; no device confinement: no mknod. */
        ck_assert_uint_eq(l.caps & (1ull << CAP_NET_RAW), 0);
        ck_assert_uint_eq(l.caps & (1ull << CAP_MKNOD), 0);
        berth_launch_done(&l);

        wl.namespaces = BERTH_NS_NET;
        wl.log_max = 100;
        in.cg = &cg;
        in.exec_path = strdup("/bin/app");
        ck_assert_int_eq(berth_native_launch_from_workload(&in, &l, &err), 0);
        ck_assert_uint_eq(l.namespaces, LAUNCH_NS_NET);
        ck_assert_uint_ne(l.caps & (1ull << CAP_NET_RAW), 0);
        ck_assert_uint_ne(l.caps & (1ull << CAP_MKNOD), 0);
        ck_assert_uint_eq(l.log_max, 100);
        berth_launch_done(&l);

        /* systemd: privileged, a cgroup namespace, container_uuid. */
        wl.systemd = true;
        wl.namespaces = 0;
        in.exec_path = strdup("/bin/app");
        ck_assert_int_eq(berth_native_launch_from_workload(&in, &l, &err), 0);
        ck_assert_uint_eq(l.namespaces, LAUNCH_NS_CGROUP);
        ck_assert(!l.no_new_privs);
        ck_assert(strv_contains(l.env, "container_uuid=0123456789abcdef0123456789abcdef"));
        ck_assert_int_eq(berth_workload_stop_signal(&wl), SIGRTMIN + 3);
        berth_launch_done(&l);

        /* A user, a tmpfs and a limit go through as they are. */
        wl.systemd = false;
        wl.user_set = true;
        wl.uid = 1000;
        wl.gid = 100;
        wl.gids = calloc(1, sizeof(gid_t));
        wl.gids[0] = 27;
        wl.n_gids = 1;
        wl.mounts = calloc(1, sizeof(*wl.mounts));
        wl.mounts[0] = (struct berth_wl_mount){ .kind = BERTH_WL_TMPFS,
                                                .destination = strdup("/scratch"),
                                                .flags = BERTH_WL_MOUNT_RO,
                                                .size = 1 << 20 };
        wl.n_mounts = 1;
        wl.rlimits = calloc(1, sizeof(*wl.rlimits));
        wl.rlimits[0] =
                (struct berth_wl_rlimit){ .type = strdup("nofile"), .soft = 64, .hard = 128 };
        wl.n_rlimits = 1;
        in.exec_path = strdup("/bin/app");
        ck_assert_int_eq(berth_native_launch_from_workload(&in, &l, &err), 0);
        ck_assert_uint_eq(l.uid, 1000);
        ck_assert_uint_eq(l.gid, 100);
        ck_assert_uint_eq(l.n_gids, 1);
        ck_assert_uint_eq(l.gids[0], 27);
        ck_assert_uint_eq(l.n_mounts, 1);
        ck_assert_int_eq(l.mounts[0].type, LAUNCH_MOUNT_TMPFS);
        ck_assert_str_eq(l.mounts[0].destination, "/scratch");
        ck_assert_uint_eq(l.mounts[0].flags, LAUNCH_MOUNT_READ_ONLY);
        ck_assert_uint_eq(l.n_rlimits, 1);
        ck_assert_uint_eq(l.rlimits[0].soft, 64);
        berth_launch_done(&l);

        /* What a launch cannot carry is named. */
        free(wl.rlimits[0].type);
        wl.rlimits[0].type = strdup("RLIMIT_BOGUS");
        in.exec_path = strdup("/bin/app");
        ck_assert_int_eq(berth_native_launch_from_workload(&in, &l, &err), -EINVAL);
        ck_assert_str_eq(err.msg, "rlimits[0].type: unknown resource limit 'RLIMIT_BOGUS'");
        berth_launch_done(&l);
        berth_workload_done(&wl);
}
END_TEST

START_TEST(test_workload_json)
{
        struct berth_workload wl = app_workload(), back;
        struct berth_error err = {};
        json_t *j;

        wl.user_set = true;
        wl.uid = 1000;
        wl.gid = 100;
        wl.limits.memory = 1 << 20;
        strcpy(wl.limits.cpus, "0-1,3");
        strcpy(wl.limits.mems, "0");
        wl.limits.devices[0] = (struct berth_device){ 1, 11, BERTH_DEVICE_WRITE };
        wl.limits.devices[1] =
                (struct berth_device){ 13, 64, BERTH_DEVICE_READ | BERTH_DEVICE_WRITE };
        wl.limits.n_devices = 2;
        wl.restart = BERTH_RESTART_ON_FAILURE;
        wl.restart_max = 3;
        wl.image = strdup("registry.local/app:1");
        wl.mounts = calloc(1, sizeof(*wl.mounts));
        wl.mounts[0] = (struct berth_wl_mount){ .kind = BERTH_WL_BIND,
                                                .source = strdup("/srv"),
                                                .destination = strdup("/data"),
                                                .flags = BERTH_WL_MOUNT_RO };
        wl.n_mounts = 1;
        wl.cap_sets = true;
        wl.cap_ambient = 1u << 10;
        j = berth_workload_to_json(&wl);
        ck_assert_ptr_nonnull(j);
        ck_assert_int_eq(berth_workload_from_json(j, &back, &err), 0);
        ck_assert_str_eq(back.args[0], "app");
        ck_assert_uint_eq(back.uid, 1000);
        ck_assert_uint_eq(back.gid, 100);
        ck_assert_uint_eq(back.limits.memory, 1 << 20);
        ck_assert_str_eq(back.limits.cpus, "0-1,3");
        ck_assert_str_eq(back.limits.mems, "0");
        ck_assert_uint_eq(back.limits.n_devices, 2);
        ck_assert_uint_eq(back.limits.devices[0].major, 1);
        ck_assert_uint_eq(back.limits.devices[0].minor, 11);
        ck_assert_uint_eq(back.limits.devices[0].access, BERTH_DEVICE_WRITE);
        ck_assert_uint_eq(back.limits.devices[1].minor, 64);
        ck_assert_uint_eq(back.limits.devices[1].access, BERTH_DEVICE_READ | BERTH_DEVICE_WRITE);
        ck_assert_int_eq(back.restart, BERTH_RESTART_ON_FAILURE);
        ck_assert_uint_eq(back.restart_max, 3);
        ck_assert_int_eq(back.umask, -1);
        ck_assert_str_eq(back.image, "registry.local/app:1");
        ck_assert_uint_eq(back.n_mounts, 1);
        ck_assert_str_eq(back.mounts[0].source, "/srv");
        ck_assert_str_eq(back.mounts[0].destination, "/data");
        ck_assert_uint_eq(back.mounts[0].flags, BERTH_WL_MOUNT_RO);
        ck_assert(back.cap_sets);
        ck_assert_uint_eq(back.cap_ambient, 1u << 10);
        berth_workload_done(&back);
        /* an image brings its own command; anything else needs args */
        json_object_del(j, "args");
        ck_assert_int_eq(berth_workload_from_json(j, &back, &err), 0);
        ck_assert_ptr_null(back.args);
        berth_workload_done(&back);
        json_object_del(j, "image");
        ck_assert_int_eq(berth_workload_from_json(j, &back, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "args"), "%s", err.msg);
        json_decref(j);
        berth_workload_done(&wl);
}
END_TEST

/* What only engines that run images read survives a record, and a workload without
 * any of it writes no image_opts (records of other workloads are as they were). */
START_TEST(test_workload_image_opts)
{
        struct berth_workload wl, back, copy;
        struct berth_error err = {};
        char s_ep[] = "/entry", s_web[] = "web", s_cmd[] = "CMD-SHELL", s_true[] = "true";
        char s_ip[] = "127.0.0.1", s_tcp[] = "tcp", s_img[] = "busybox:1", s_user[] = "nobody";
        char s_bridge[] = "bridge", s_net[] = "od-pod-x_default";
        char *ep[] = { s_ep, NULL }, *aliases[] = { s_web, NULL },
             *test[] = { s_cmd, s_true, NULL };
        struct berth_wl_port port = { .host_ip = s_ip,
                                      .host_port = 3001,
                                      .host_port_end = 3001,
                                      .port = 3000,
                                      .port_end = 3000,
                                      .proto = s_tcp };
        struct berth_wl_health health = { .test = test,
                                          .interval_ns = 5000000000ull,
                                          .retries = 3 };
        json_t *j;

        berth_workload_init(&wl);
        wl.image = s_img;
        j = berth_workload_to_json(&wl);
        ck_assert_ptr_null(json_object_get(j, "image_opts"));
        json_decref(j);

        wl.entrypoint = ep;
        wl.user_name = s_user;
        wl.network_mode = s_bridge;
        wl.network = s_net;
        wl.network_aliases = aliases;
        wl.ports = &port;
        wl.n_ports = 1;
        wl.health = &health;
        j = berth_workload_to_json(&wl);
        ck_assert_ptr_nonnull(json_object_get(j, "image_opts"));
        ck_assert_int_eq(berth_workload_from_json(j, &back, &err), 0);
        json_decref(j);
        ck_assert_str_eq(back.entrypoint[0], "/entry");
        ck_assert_str_eq(back.user_name, "nobody");
        ck_assert_str_eq(back.network, "od-pod-x_default");
        ck_assert_str_eq(back.network_aliases[0], "web");
        ck_assert_uint_eq(back.n_ports, 1);
        ck_assert_str_eq(back.ports[0].host_ip, "127.0.0.1");
        ck_assert_uint_eq(back.ports[0].host_port, 3001);
        ck_assert_uint_eq(back.ports[0].port, 3000);
        ck_assert_str_eq(back.ports[0].proto, "tcp");
        ck_assert_ptr_nonnull(back.health);
        ck_assert_str_eq(back.health->test[1], "true");
        ck_assert_uint_eq(back.health->interval_ns, 5000000000ull);
        ck_assert_uint_eq(back.health->retries, 3);
        ck_assert_int_eq(berth_workload_copy(&copy, &back), 0);
        ck_assert_str_eq(copy.ports[0].host_ip, "127.0.0.1");
        ck_assert_str_eq(copy.health->test[0], "CMD-SHELL");
        berth_workload_done(&copy);
        berth_workload_done(&back);
}
END_TEST

static Suite *core_suite(void)
{
        Suite *s = suite_create("core");
        TCase *tc = tcase_create("store");

        tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
        tcase_add_test(tc, test_store_through_ops);
        tcase_add_test(tc, test_container_native_create);
        tcase_add_test(tc, test_records_recover);
        tcase_add_test(tc, test_container_native_refusals);
        tcase_add_test(tc, test_delete_busy_without_error);
        tcase_add_test(tc, test_record_without_root);
        tcase_add_test(tc, test_record_before_workloads);
        suite_add_tcase(s, tc);
        tc = tcase_create("native");
        tcase_add_test(tc, test_launch_from_workload);
        tcase_add_test(tc, test_workload_json);
        tcase_add_test(tc, test_workload_image_opts);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(core_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
