/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compose.h alone: YAML into JSON (core schema, anchors and merge keys, duplicate keys,
 * alias bombs, lines in messages), and compose documents into the normalized document
 * and workloads: the seed's bodies, every key honoured, every refusal with what it
 * names, the config hash and the start order. No root, no files but a temporary one.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "error.h"
#include "macro.h"
#include "strv.h"

#define DATA "/usr/share/canteen/data"
#define RECIPES "/usr/share/berth/recipes"

static struct pod_compose_opts opts(void)
{
        return (struct pod_compose_opts){
                .project = "od-pod-test",
                .data_root = DATA,
                .build_root = RECIPES,
        };
}

static json_t *J(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);

        ck_assert_msg(j, "bad JSON in the test: %s: %s", e.text, text);
        return j;
}

/* Load with o; must succeed. */
static void load_with(const char *text, const struct pod_compose_opts *o, struct pod_compose *c)
{
        struct berth_error err = {};
        json_t *j = J(text);
        int r = pod_compose_load(j, o, c, &err);

        json_decref(j);
        ck_assert_msg(r == 0, "load failed (%d): %s", r, err.msg);
        ck_assert_ptr_nonnull(c->doc);
}

static void load(const char *text, struct pod_compose *c)
{
        struct pod_compose_opts o = opts();
        load_with(text, &o, c);
}

/* Load with o; must fail with code, and the message must hold every needle. The result
 * is left untouched. */
static void refuse_with(const char *text, const struct pod_compose_opts *o, int code,
                        const char *const *needles)
{
        struct berth_error err = {};
        struct pod_compose c = { .n_services = 4242 };
        json_t *j = J(text);
        int r = pod_compose_load(j, o, &c, &err);

        json_decref(j);
        ck_assert_msg(r == code, "want %d, got %d (%s) for %s", code, r, err.msg, text);
        ck_assert_int_eq(err.code, code);
        ck_assert_msg(c.n_services == 4242 && !c.doc && !c.services, "result touched");
        for (; needles && *needles; needles++)
                ck_assert_msg(strstr(err.msg, *needles), "'%s' not in '%s'", *needles, err.msg);
}

#define N(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void refuse(const char *text, int code, const char *const *needles)
{
        struct pod_compose_opts o = opts();
        refuse_with(text, &o, code, needles);
}

/* One service web with the given body (a JSON object's inside). */
static char *web(const char *body)
{
        char *s;

        ck_assert_int_ge(asprintf(&s, "{\"version\":\"3\",\"services\":{\"web\":{%s}}}", body), 0);
        return s;
}

static void refuse_web(const char *body, int code, const char *const *needles)
{
        char *s = web(body);
        refuse(s, code, needles);
        free(s);
}

static void load_web(const char *body, struct pod_compose *c)
{
        char *s = web(body);
        load(s, c);
        free(s);
}

static const struct pod_service *svc(const struct pod_compose *c, const char *name)
{
        const struct pod_service *s = pod_compose_service(c, name);
        ck_assert_msg(s, "no service %s", name);
        return s;
}

static void assert_strv(char **l, const char *const *want)
{
        size_t i = 0;

        for (; want[i]; i++) {
                ck_assert_msg(l && l[i], "missing item %zu '%s'", i, want[i]);
                ck_assert_str_eq(l[i], want[i]);
        }
        ck_assert_msg(!l || !l[i], "extra item '%s'", l[i]);
}

static const char *label(const struct pod_service *s, const char *key)
{
        size_t n = strlen(key);
        STRV_FOREACH (l, s->w.labels)
                if (strncmp(*l, key, n) == 0 && (*l)[n] == '=')
                        return *l + n + 1;
        return NULL;
}

/* ---- YAML ---------------------------------------------------------------------------- */

static json_t *yaml(const char *text)
{
        struct berth_error err = {};
        json_t *j = NULL;
        int r = berth_yaml_to_json(text, strlen(text), &j, &err);

        ck_assert_msg(r == 0, "YAML refused: %s", err.msg);
        ck_assert_ptr_nonnull(j);
        return j;
}

static void yaml_refused(const char *text, const char *const *needles)
{
        struct berth_error err = {};
        json_t *j = (json_t *)0x1;
        int r = berth_yaml_to_json(text, strlen(text), &j, &err);

        ck_assert_msg(r == -EINVAL, "want -EINVAL, got %d (%s)", r, err.msg);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_ptr_eq(j, (json_t *)0x1);
        for (; needles && *needles; needles++)
                ck_assert_msg(strstr(err.msg, *needles), "'%s' not in '%s'", *needles, err.msg);
}

START_TEST(test_yaml_merge_keys)
{
        json_t *j = yaml("x-common: &c {restart: always, image: busybox}\n"
                         "x-more: &m\n"
                         "  restart: 'no'\n"
                         "  user: '1000'\n"
                         "services:\n"
                         "  web:\n"
                         "    <<: *c\n"
                         "    image: nginx\n"
                         "  db:\n"
                         "    <<: [*m, *c]\n"
                         "  ref:\n"
                         "    env: *m\n");
        json_t *web = json_object_get(json_object_get(j, "services"), "web");
        json_t *db = json_object_get(json_object_get(j, "services"), "db");
        json_t *ref = json_object_get(json_object_get(j, "services"), "ref");

        /* Merged keys come in; an explicit key wins over a merged one. */
        ck_assert_str_eq(json_string_value(json_object_get(web, "restart")), "always");
        ck_assert_str_eq(json_string_value(json_object_get(web, "image")), "nginx");
        ck_assert_ptr_null(json_object_get(web, "<<"));
        /* Of a list of merged mappings, the first wins. */
        ck_assert_str_eq(json_string_value(json_object_get(db, "restart")), "no");
        ck_assert_str_eq(json_string_value(json_object_get(db, "user")), "1000");
        ck_assert_str_eq(json_string_value(json_object_get(db, "image")), "busybox");
        /* An alias is a copy; the x- key itself stays. */
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ref, "env"), "user")),
                         "1000");
        ck_assert_ptr_nonnull(json_object_get(j, "x-common"));
        json_decref(j);
}
END_TEST

START_TEST(test_yaml_core_schema)
{
        json_t *j = yaml("quoted: \"22:22\"\n"
                         "single: '8080'\n"
                         "plain_colon: 22:22\n"
                         "int: 8080\n"
                         "neg: -12\n"
                         "hex: 0x1F\n"
                         "oct: 0o17\n"
                         "float: 1.5\n"
                         "exp: 1e3\n"
                         "inf: .inf\n"
                         "yes: yes\n"
                         "t: true\n"
                         "f: FALSE\n"
                         "n: ~\n"
                         "n2: null\n"
                         "empty:\n"
                         "str: !!str 5\n"
                         "lit: |\n"
                         "  12\n"
                         "ver: 3.8\n"
                         "sq: 'a''b''c''d''e''f''g'\n"
                         "fold: 'x\n  y\n\n  z  '\n"
                         "'quoted key''s': 1\n");

        ck_assert_str_eq(json_string_value(json_object_get(j, "quoted")), "22:22");
        ck_assert_str_eq(json_string_value(json_object_get(j, "single")), "8080");
        /* YAML 1.1 would read 22:22 as sexagesimal 1342; 1.2 keeps a string. */
        ck_assert_str_eq(json_string_value(json_object_get(j, "plain_colon")), "22:22");
        ck_assert_int_eq(json_integer_value(json_object_get(j, "int")), 8080);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "neg")), -12);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "hex")), 31);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "oct")), 15);
        ck_assert(json_is_real(json_object_get(j, "float")));
        ck_assert(json_real_value(json_object_get(j, "float")) == 1.5);
        ck_assert(json_real_value(json_object_get(j, "exp")) == 1000.0);
        ck_assert_str_eq(json_string_value(json_object_get(j, "inf")), ".inf");
        ck_assert_str_eq(json_string_value(json_object_get(j, "yes")), "yes");
        ck_assert(json_is_true(json_object_get(j, "t")));
        ck_assert(json_is_false(json_object_get(j, "f")));
        ck_assert(json_is_null(json_object_get(j, "n")));
        ck_assert(json_is_null(json_object_get(j, "n2")));
        ck_assert(json_is_null(json_object_get(j, "empty")));
        ck_assert_str_eq(json_string_value(json_object_get(j, "str")), "5");
        ck_assert_str_eq(json_string_value(json_object_get(j, "lit")), "12\n");
        /* Escaped quotes (libfyaml's own reading of these leaked) and line folding. */
        ck_assert_str_eq(json_string_value(json_object_get(j, "sq")), "a'b'c'd'e'f'g");
        ck_assert_str_eq(json_string_value(json_object_get(j, "fold")), "x y\nz  ");
        ck_assert_int_eq(json_integer_value(json_object_get(j, "quoted key's")), 1);
        json_decref(j);
}
END_TEST

START_TEST(test_yaml_refusals)
{
        yaml_refused("services:\n  web:\n    image: a\n    image: b\n", N("line 4", "duplicate"));
        yaml_refused("a: 1\nb: [1, 2\nc: 3\n", N("line"));
        yaml_refused("a: 1\n80: http\n", N("line 2", "'80' is not a string"));
        yaml_refused("a: *nowhere\n", N("line 1", "nowhere"));
        yaml_refused("a: 1\n---\nb: 2\n", N("more than one document"));
        yaml_refused("just a scalar\n", N("mapping or a list"));
        yaml_refused("", N("empty"));
        yaml_refused("# only a comment\n", N("empty"));
        yaml_refused("a: !!int \"7\"\n", N("tag"));
        yaml_refused("a: !custom x\n", N("line 1", "tag"));
        yaml_refused("a: 99999999999999999999\n", N("out of range"));
        yaml_refused("a:\n  <<: 5\n", N("merge"));
        yaml_refused("{[1]: x}\n", N("key"));
        yaml_refused("a: \"nul \\0 here\"\n", N("NUL"));
        /* Not UTF-8 in a directive (libfyaml 0.7.12 loops forever on it), in a value, a
         * control character: refused before parsing, with the line. */
        yaml_refused("%i\xa6\na: 1\n", N("line 1", "UTF-8"));
        yaml_refused("a: 1\nb: \xc3\x28\n", N("line 2", "UTF-8"));
        yaml_refused("a: 1\n\nb: \x7f\n", N("line 3", "printable"));
        yaml_refused("a: \xed\xa0\x80\n", N("UTF-8"));
}
END_TEST

/* libfyaml prints nothing: its diagnostics come back in the error. */
START_TEST(test_yaml_quiet)
{
        char path[] = "/tmp/test-compose-err-XXXXXX";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        struct stat st;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_ge(saved, 0);
        ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
        yaml_refused("a: [1\n", N("line"));
        yaml_refused("", N("empty"));
        yaml_refused("a: 1\na: 2\n", N("duplicate"));
        yaml_refused("%YAML 9.9\n---\na: 1\n", N("YAML"));
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        close(saved);
        ck_assert_int_eq(fstat(fd, &st), 0);
        close(fd);
        unlink(path);
        ck_assert_int_eq(st.st_size, 0);
}
END_TEST

START_TEST(test_yaml_alias_bomb)
{
        /* Nine levels of ten aliases: 10^9 strings once expanded. */
        const char *lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                          "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                          "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                          "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                          "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                          "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                          "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                          "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
        /* The same with merge keys. */
        const char *merge = "a: &a {a0: 1, a1: 1, a2: 1, a3: 1, a4: 1, a5: 1, a6: 1, a7: 1}\n"
                            "b: &b {b0: *a, b1: *a, b2: *a, b3: *a, b4: *a, b5: *a, b6: *a}\n"
                            "c: &c {c0: *b, c1: *b, c2: *b, c3: *b, c4: *b, c5: *b, c6: *b}\n"
                            "d: &d {d0: *c, d1: *c, d2: *c, d3: *c, d4: *c, d5: *c, d6: *c}\n"
                            "e: &e {e0: *d, e1: *d, e2: *d, e3: *d, e4: *d, e5: *d, e6: *d}\n"
                            "f: &f {<<: *e, f0: *e, f1: *e, f2: *e, f3: *e, f4: *e, f5: *e}\n"
                            "g: &g {<<: *f, g0: *f, g1: *f, g2: *f, g3: *f, g4: *f}\n";
        json_t *j;

        yaml_refused(lol, N("expands"));
        yaml_refused(merge, N("expands"));
        /* An alias inside its own anchor: a loop, not a hang. */
        yaml_refused("a: &a [1, *a]\n", N("YAML"));
        /* A few levels are fine. */
        j = yaml("a: &a [x, y]\nb: &b [*a, *a]\nc: [*b, *b]\n");
        ck_assert_int_eq(json_array_size(json_array_get(json_object_get(j, "c"), 1)), 2);
        json_decref(j);
}
END_TEST

START_TEST(test_yaml_depth)
{
        char buf[512];
        json_t *j;

        memset(buf, '[', 200);
        memset(buf + 200, ']', 200);
        buf[400] = 0;
        yaml_refused(buf, N("YAML"));
        memset(buf, 0, sizeof(buf));
        memset(buf, '[', 30);
        memset(buf + 30, ']', 30);
        j = yaml(buf);
        json_decref(j);
}
END_TEST

START_TEST(test_yaml_file)
{
        char path[] = "/tmp/test-compose-XXXXXX";
        const char *text = "version: '3'\nservices:\n  web:\n    image: nginx\n";
        struct berth_error err = {};
        json_t *j = NULL;
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        ck_assert_int_eq(berth_yaml_file_to_json(path, &j, &err), 0);
        ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "3");
        json_decref(j);

        /* A bad file names itself and the line. */
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "a: 1\na: 2\n", 10), 10);
        close(fd);
        ck_assert_int_eq(berth_yaml_file_to_json(path, &j, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "line 2"), "%s", err.msg);
        unlink(path);

        ck_assert_int_eq(berth_yaml_file_to_json(path, &j, &err), -ENOENT);
        ck_assert_msg(strstr(err.msg, path), "%s", err.msg);
        ck_assert_int_eq(berth_yaml_file_to_json("/tmp", &j, &err), -EINVAL);
}
END_TEST

START_TEST(test_yaml_compose_end_to_end)
{
        const char *text = "x-common: &common\n"
                           "  restart: always\n"
                           "  environment:\n"
                           "    TZ: UTC\n"
                           "services:\n"
                           "  web:\n"
                           "    <<: *common\n"
                           "    image: nginx:1.25\n"
                           "    ports: [\"8080:80\"]\n"
                           "  db:\n"
                           "    <<: *common\n"
                           "    image: postgres\n";
        struct pod_compose c = {};
        json_t *j = yaml(text);
        struct pod_compose_opts o = opts();
        struct berth_error err = {};

        ck_assert_int_eq(pod_compose_load(j, &o, &c, &err), 0);
        ck_assert_int_eq(svc(&c, "web")->w.restart, BERTH_RESTART_ALWAYS);
        ck_assert_int_eq(svc(&c, "db")->w.restart, BERTH_RESTART_ALWAYS);
        assert_strv(svc(&c, "db")->w.env, N("TZ=UTC"));
        ck_assert_int_eq(svc(&c, "web")->w.ports[0].host_port, 8080);
        /* The x- key stays in the document. */
        ck_assert_ptr_nonnull(json_object_get(c.doc, "x-common"));
        pod_compose_done(&c);
        json_decref(j);
}
END_TEST

/* ---- the seed's documents ------------------------------------------------------------ */

/* POST /pod/$NAME/set (the update and test bodies differ in the command and port). */
static const char seed_set[] =
        "{\"version\":\"3\",\"services\":{"
        "\"hello_world\":{\"image\":\"ubuntu\",\"command\":[\"/bin/echo\",\"Hello world\"]},"
        "\"my-website\":{\"build\":\"static_site/image/\",\"ports\":[\"3001:3000\"],"
        "\"volumes\":[\"/usr/share/canteen/data/od-pod-hello-site/static_site/www/:/www/\"],"
        "\"restart\":\"always\"}}}";
static const char seed_update[] =
        "{\"version\":\"3\",\"services\":{"
        "\"hello_world\":{\"image\":\"ubuntu\",\"command\":[\"/bin/echo\","
        "\"Hello world, how do you do?\"]},"
        "\"my-website\":{\"build\":\"static_site/image/\",\"ports\":[\"3002:3000\"],"
        "\"volumes\":[\"/usr/share/canteen/data/od-pod-hello-site/static_site/www/:/www/\"],"
        "\"restart\":\"always\"}}}";
static const char seed_test[] =
        "{\"version\":\"3\",\"services\":{"
        "\"hello_world\":{\"image\":\"ubuntu\",\"command\":[\"/bin/echo\",\"Hello world\"]},"
        "\"my-website\":{\"build\":\"static_site/image/\",\"ports\":[\"3002:3000\"],"
        "\"volumes\":[\"/usr/share/canteen/data/od-pod-test/static_site/www/:/www/\"],"
        "\"restart\":\"always\"}}}";
/* GET /pod/suggested/folding_at_home: its service_config as a pod's service. */
static const char seed_folding[] =
        "{\"version\":\"3\",\"services\":{\"folding_at_home\":{"
        "\"image\":\"linuxserver/foldingathome\",\"container_name\":\"foldingathome\","
        "\"environment\":[\"PUID=1000\",\"PGID=1000\",\"TZ=America/LosAngeles\","
        "\"NVIDIA_VISIBLE_DEVICES=none\"],"
        "\"volumes\":[\"./foldingathome/config:/config\"],\"ports\":[\"7396:7396\"],"
        "\"restart\":\"unless-stopped\"}}}";
/* GET /pod/od-pod-postgres_latest/details: its compose_file. */
static const char seed_postgres[] =
        "{\"version\":\"3\",\"services\":{\"postgres_pg\":{\"network_mode\":\"host\","
        "\"image\":\"postgres:latest\",\"ports\":[\"5432:5432\"],"
        "\"volumes\":[\"/usr/share/canteen/data/od-pod-postgres_latest/postgres_pg/data:"
        "/var/lib/postgresql/data\"],"
        "\"environment\":{\"POSTGRES_PASSWORD\":\"postgres\",\"POSTGRES_USER\":\"postgres\"}}}}";

START_TEST(test_seed_set)
{
        struct pod_compose c = {};
        const struct pod_service *hw, *site;

        load(seed_set, &c);
        ck_assert_int_eq(c.n_services, 2);
        hw = svc(&c, "hello_world");
        ck_assert_int_eq(hw->engine, POD_ENGINE_DOCKER);
        ck_assert_str_eq(hw->image, "ubuntu");
        ck_assert_str_eq(hw->w.image, "ubuntu");
        assert_strv(hw->w.args, N("/bin/echo", "Hello world"));
        ck_assert_ptr_null(hw->w.entrypoint);
        ck_assert_str_eq(hw->container_name, "od-pod-test_hello_world_1");
        ck_assert_str_eq(hw->w.network, "od-pod-test_default");
        assert_strv(hw->w.network_aliases, N("hello_world"));
        ck_assert_int_eq(hw->w.restart, BERTH_RESTART_NO);

        site = svc(&c, "my-website");
        ck_assert_int_eq(site->engine, POD_ENGINE_DOCKER);
        ck_assert_str_eq(site->build_context, RECIPES "/static_site/image");
        ck_assert_ptr_null(site->build_dockerfile);
        ck_assert_str_eq(site->image, "od-pod-test_my-website");
        ck_assert_ptr_null(site->w.args);
        ck_assert_int_eq(site->w.n_ports, 1);
        ck_assert_int_eq(site->w.ports[0].host_port, 3001);
        ck_assert_int_eq(site->w.ports[0].port, 3000);
        ck_assert_str_eq(site->w.ports[0].proto, "tcp");
        ck_assert_ptr_null(site->w.ports[0].host_ip);
        ck_assert_int_eq(site->w.n_mounts, 1);
        ck_assert_str_eq(site->w.mounts[0].source, DATA "/od-pod-hello-site/static_site/www");
        ck_assert_str_eq(site->w.mounts[0].destination, "/www");
        ck_assert(!(site->w.mounts[0].flags & BERTH_WL_MOUNT_RO));
        assert_strv(site->data_dirs, N(DATA "/od-pod-hello-site/static_site/www"));
        ck_assert_int_eq(site->w.restart, BERTH_RESTART_ALWAYS);

        /* The document: version a string, everything as given (the absolute volume as
         * written). */
        ck_assert_str_eq(json_string_value(json_object_get(c.doc, "version")), "3");
        ck_assert_str_eq(json_string_value(json_array_get(
                                 json_object_get(json_object_get(json_object_get(c.doc, "services"),
                                                                 "my-website"),
                                                 "volumes"),
                                 0)),
                         "/usr/share/canteen/data/od-pod-hello-site/static_site/www/:/www/");
        {
                json_t *in = J(seed_set);
                ck_assert(json_equal(in, c.doc));
                json_decref(in);
        }
        pod_compose_done(&c);
        ck_assert_ptr_null(c.doc);
        ck_assert_int_eq(c.n_services, 0);
}
END_TEST

START_TEST(test_seed_update_and_test)
{
        struct pod_compose a = {}, b = {}, t = {};

        load(seed_set, &a);
        load(seed_update, &b);
        load(seed_test, &t);
        assert_strv(svc(&b, "hello_world")->w.args, N("/bin/echo", "Hello world, how do you do?"));
        ck_assert_int_eq(svc(&b, "my-website")->w.ports[0].host_port, 3002);
        /* Both services changed between set and update: both hashes differ. */
        ck_assert_str_ne(svc(&a, "hello_world")->config_hash, svc(&b, "hello_world")->config_hash);
        ck_assert_str_ne(svc(&a, "my-website")->config_hash, svc(&b, "my-website")->config_hash);
        /* The test body's hello_world is set's: the same hash. */
        ck_assert_str_eq(svc(&a, "hello_world")->config_hash, svc(&t, "hello_world")->config_hash);
        ck_assert_str_eq(svc(&t, "my-website")->w.mounts[0].source,
                         DATA "/od-pod-test/static_site/www");
        pod_compose_done(&a);
        pod_compose_done(&b);
        pod_compose_done(&t);
}
END_TEST

START_TEST(test_seed_folding_at_home)
{
        struct pod_compose_opts o = opts();
        struct pod_compose c = {};
        const struct pod_service *s;
        json_t *vols;
        const char *dir = DATA "/od-pod-my_folding_at_home/folding_at_home/foldingathome/config";

        o.project = "od-pod-my_folding_at_home";
        load_with(seed_folding, &o, &c);
        s = svc(&c, "folding_at_home");
        ck_assert_str_eq(s->container_name, "foldingathome");
        assert_strv(s->w.env, N("PUID=1000", "PGID=1000", "TZ=America/LosAngeles",
                                "NVIDIA_VISIBLE_DEVICES=none"));
        ck_assert_str_eq(s->w.mounts[0].source, dir);
        ck_assert_str_eq(s->w.mounts[0].destination, "/config");
        assert_strv(s->data_dirs, N(dir));
        ck_assert_int_eq(s->w.restart, BERTH_RESTART_UNLESS_STOPPED);
        ck_assert_int_eq(s->w.ports[0].host_port, 7396);
        /* ./rel is rewritten in the document, as the seed's pods show it. */
        vols = json_object_get(
                json_object_get(json_object_get(c.doc, "services"), "folding_at_home"), "volumes");
        ck_assert_str_eq(json_string_value(json_array_get(vols, 0)),
                         DATA "/od-pod-my_folding_at_home/folding_at_home/foldingathome/config:"
                              "/config");
        ck_assert_str_eq(label(s, "com.docker.compose.project"), "od-pod-my_folding_at_home");
        ck_assert_str_eq(label(s, "com.docker.compose.project.working_dir"),
                         DATA "/od-pod-my_folding_at_home");
        pod_compose_done(&c);
}
END_TEST

START_TEST(test_seed_postgres)
{
        struct pod_compose_opts o = opts();
        struct pod_compose c = {};
        const struct pod_service *s;

        o.project = "od-pod-postgres_latest";
        load_with(seed_postgres, &o, &c);
        s = svc(&c, "postgres_pg");
        ck_assert_str_eq(s->w.network_mode, "host");
        ck_assert_ptr_null(s->w.network);
        ck_assert_ptr_null(s->w.network_aliases);
        /* 5432:5432 is what the host's network gives: nothing to publish. */
        ck_assert_int_eq(s->w.n_ports, 0);
        assert_strv(s->w.env, N("POSTGRES_PASSWORD=postgres", "POSTGRES_USER=postgres"));
        ck_assert_str_eq(s->w.mounts[0].destination, "/var/lib/postgresql/data");
        /* The document keeps the environment as a mapping. */
        ck_assert(json_is_object(
                json_object_get(json_object_get(json_object_get(c.doc, "services"), "postgres_pg"),
                                "environment")));
        pod_compose_done(&c);
}
END_TEST

/* ---- keys and refusals --------------------------------------------------------------- */

START_TEST(test_unknown_keys)
{
        refuse_web("\"image\":\"nginx\",\"links\":[\"db\"]", -EINVAL,
                   N("service 'web': key 'links' is not supported"));
        refuse("{\"version\":\"3\",\"services\":{\"web\":{\"image\":\"a\"}},\"networks\":{}}",
               -EINVAL, N("top-level key 'networks' is not supported"));
        refuse("{\"version\":\"3\",\"services\":{\"web\":{\"image\":\"a\"}},\"volumes\":{}}",
               -EINVAL, N("'volumes'"));
        refuse("{\"version\":\"3\",\"services\":{\"web\":{\"image\":\"a\"}},\"bogus\":1}", -EINVAL,
               N("'bogus'"));
        refuse("{\"version\":\"3\",\"services\":{}}", -EINVAL, N("services"));
        refuse("{\"version\":\"3\"}", -EINVAL, N("services"));
        refuse("[]", -EINVAL, N("mapping"));
        refuse("{\"services\":{\"web app\":{\"image\":\"a\"}}}", -EINVAL, N("'web app'"));
        refuse("{\"services\":{\"..\":{\"image\":\"a\",\"volumes\":[\"./x:/x\"]}}}", -EINVAL,
               N("'..'"));
        refuse("{\"services\":{\"web\":\"nginx\"}}", -EINVAL, N("service 'web'", "mapping"));
        refuse_web("\"command\":[\"x\"]", -EINVAL, N("service 'web'", "image or a build"));
}
END_TEST

START_TEST(test_x_keys_kept)
{
        struct pod_compose c = {}, d = {};

        load("{\"version\":\"3\",\"x-top\":{\"a\":1},\"services\":{\"web\":{\"image\":\"nginx\","
             "\"x-note\":\"one\"}}}",
             &c);
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(c.doc, "x-top"), "a")),
                         1);
        ck_assert_str_eq(
                json_string_value(json_object_get(
                        json_object_get(json_object_get(c.doc, "services"), "web"), "x-note")),
                "one");
        /* An x- key does not touch the container: the same hash without it. */
        load_web("\"image\":\"nginx\"", &d);
        ck_assert_str_eq(svc(&c, "web")->config_hash, svc(&d, "web")->config_hash);
        pod_compose_done(&c);
        pod_compose_done(&d);
}
END_TEST

START_TEST(test_version)
{
        struct pod_compose c = {};

        load("{\"services\":{\"web\":{\"image\":\"nginx\"}}}", &c);
        ck_assert_str_eq(json_string_value(json_object_get(c.doc, "version")), "3");
        pod_compose_done(&c);
        load("{\"version\":3.8,\"services\":{\"web\":{\"image\":\"nginx\"}}}", &c);
        ck_assert_str_eq(json_string_value(json_object_get(c.doc, "version")), "3.8");
        pod_compose_done(&c);
        load("{\"version\":\"2.4\",\"services\":{\"web\":{\"image\":\"nginx\"}}}", &c);
        ck_assert_str_eq(json_string_value(json_object_get(c.doc, "version")), "2.4");
        pod_compose_done(&c);
        refuse("{\"version\":\"1\",\"services\":{\"web\":{\"image\":\"a\"}}}", -EINVAL,
               N("version '1'"));
        refuse("{\"version\":\"4.0\",\"services\":{\"web\":{\"image\":\"a\"}}}", -EINVAL,
               N("version"));
        refuse("{\"version\":true,\"services\":{\"web\":{\"image\":\"a\"}}}", -EINVAL,
               N("version"));
}
END_TEST

START_TEST(test_types)
{
        refuse_web("\"image\":\"a\",\"ports\":\"80:80\"", -EINVAL,
                   N("service 'web': key 'ports' must be a list"));
        refuse_web("\"image\":\"a\",\"environment\":5", -EINVAL,
                   N("service 'web': key 'environment' must be"));
        refuse_web("\"image\":\"a\",\"environment\":{\"A\":[1]}", -EINVAL, N("'A'"));
        refuse_web("\"image\":5", -EINVAL, N("key 'image' must be a string"));
        refuse_web("\"image\":\"a\",\"cap_add\":\"NET_ADMIN\"", -EINVAL,
                   N("key 'cap_add' must be a list of strings"));
        refuse_web("\"image\":\"a\",\"privileged\":\"yes\"", -EINVAL,
                   N("key 'privileged' must be a boolean"));
        refuse_web("\"image\":\"a\",\"pids_limit\":\"10\"", -EINVAL,
                   N("key 'pids_limit' must be an integer"));
        refuse_web("\"image\":\"a\",\"restart\":1", -EINVAL, N("key 'restart' must be a string"));
        refuse_web("\"image\":\"a\",\"healthcheck\":[]", -EINVAL, N("healthcheck", "mapping"));
        refuse_web("\"image\":\"a\",\"command\":{}", -EINVAL, N("key 'command' must be"));
        refuse_web("\"image\":\"a\",\"volumes\":[5]", -EINVAL, N("key 'volumes'"));
}
END_TEST

START_TEST(test_image_refs)
{
        struct pod_compose c = {};

        load_web("\"image\":\"registry.Example.com:5000/team/app:1.0-rc_1\"", &c);
        ck_assert_str_eq(svc(&c, "web")->w.image, "registry.Example.com:5000/team/app:1.0-rc_1");
        pod_compose_done(&c);
        load_web("\"image\":\"busybox@sha256:"
                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
                 &c);
        pod_compose_done(&c);
        refuse_web("\"image\":\"Ubuntu\"", -EINVAL, N("image 'Ubuntu'"));
        refuse_web("\"image\":\"my image\"", -EINVAL, N("image"));
        refuse_web("\"image\":\"team/\"", -EINVAL, N("image"));
        refuse_web("\"image\":\"nginx:\"", -EINVAL, N("tag"));
        refuse_web("\"image\":\"http://x/y\"", -EINVAL, N("file:// and rbd://"));
}
END_TEST

START_TEST(test_command_and_entrypoint)
{
        struct pod_compose c = {};
        const struct pod_service *s;

        load_web("\"image\":\"busybox\",\"command\":\"sh -c 'echo \\\"hi there\\\"; exit 3'\","
                 "\"entrypoint\":[\"/bin/tini\",\"--\"]",
                 &c);
        s = svc(&c, "web");
        assert_strv(s->w.args, N("sh", "-c", "echo \"hi there\"; exit 3"));
        assert_strv(s->w.entrypoint, N("/bin/tini", "--"));
        ck_assert_str_eq(s->w.command_line, "sh -c 'echo \"hi there\"; exit 3'");
        pod_compose_done(&c);
        /* An entrypoint alone; the image's command stays. */
        load_web("\"image\":\"busybox\",\"entrypoint\":\"/bin/sh -c\"", &c);
        ck_assert_ptr_null(svc(&c, "web")->w.args);
        assert_strv(svc(&c, "web")->w.entrypoint, N("/bin/sh", "-c"));
        pod_compose_done(&c);
        refuse_web("\"image\":\"busybox\",\"command\":\"echo 'unterminated\"", -EINVAL,
                   N("service 'web': key 'command'"));
}
END_TEST

START_TEST(test_environment)
{
        struct pod_compose c = {};
        json_t *env;

        /* A name alone is left out (never taken from berthd's environment); a later value
         * wins. */
        load_web("\"image\":\"a\",\"environment\":[\"A=1\",\"HOME\",\"C=\",\"D=x=y\",\"A=2\"]", &c);
        assert_strv(svc(&c, "web")->w.env, N("A=2", "C=", "D=x=y"));
        env = json_object_get(json_object_get(json_object_get(c.doc, "services"), "web"),
                              "environment");
        ck_assert(json_is_array(env));
        ck_assert_int_eq(json_array_size(env), 5);
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"environment\":{\"A\":1,\"PATH\":null,\"C\":\"x\",\"D\":true,"
                 "\"E\":1.5}",
                 &c);
        assert_strv(svc(&c, "web")->w.env, N("A=1", "C=x", "D=true", "E=1.5"));
        ck_assert(json_is_null(json_object_get(
                json_object_get(json_object_get(json_object_get(c.doc, "services"), "web"),
                                "environment"),
                "PATH")));
        pod_compose_done(&c);

        refuse_web("\"image\":\"a\",\"environment\":[\"=v\"]", -EINVAL, N("'=v'"));
        refuse_web("\"image\":\"a\",\"environment\":{\"A=B\":\"c\"}", -EINVAL, N("'A=B'"));
}
END_TEST

START_TEST(test_ports)
{
        struct pod_compose c = {};
        const struct berth_wl_port *p;

        load_web("\"image\":\"a\",\"ports\":[\"127.0.0.1:8000-8001:9000-9001/udp\","
                 "\"[::1]:53:53/udp\",\"9000-9009:80\",\"80\",8443,\"127.0.0.1::81/sctp\","
                 "{\"target\":90,\"published\":\"9090\",\"host_ip\":\"10.0.0.1\","
                 "\"protocol\":\"udp\"}]",
                 &c);
        ck_assert_int_eq(svc(&c, "web")->w.n_ports, 7);
        p = svc(&c, "web")->w.ports;
        ck_assert_str_eq(p[0].host_ip, "127.0.0.1");
        ck_assert_int_eq(p[0].host_port, 8000);
        ck_assert_int_eq(p[0].host_port_end, 8001);
        ck_assert_int_eq(p[0].port, 9000);
        ck_assert_int_eq(p[0].port_end, 9001);
        ck_assert_str_eq(p[0].proto, "udp");
        ck_assert_str_eq(p[1].host_ip, "::1");
        ck_assert_int_eq(p[1].host_port, 53);
        /* A host range for one container port: the engine picks one of the range. */
        ck_assert_int_eq(p[2].host_port, 9000);
        ck_assert_int_eq(p[2].host_port_end, 9009);
        ck_assert_int_eq(p[2].port, 80);
        ck_assert_int_eq(p[2].port_end, 80);
        /* The container port alone: any host port. */
        ck_assert_int_eq(p[3].host_port, 0);
        ck_assert_int_eq(p[3].port, 80);
        ck_assert_str_eq(p[3].proto, "tcp");
        ck_assert_int_eq(p[4].port, 8443);
        ck_assert_int_eq(p[5].host_port, 0);
        ck_assert_str_eq(p[5].proto, "sctp");
        ck_assert_str_eq(p[6].host_ip, "10.0.0.1");
        ck_assert_int_eq(p[6].host_port, 9090);
        ck_assert_int_eq(p[6].port, 90);
        pod_compose_done(&c);

        refuse_web("\"image\":\"a\",\"ports\":[\"8000-8002:9000-9001\"]", -EINVAL,
                   N("service 'web'", "differ"));
        refuse_web("\"image\":\"a\",\"ports\":[\"80/xyz\"]", -EINVAL, N("tcp, udp or sctp"));
        refuse_web("\"image\":\"a\",\"ports\":[\"70000\"]", -EINVAL, N("'70000'"));
        refuse_web("\"image\":\"a\",\"ports\":[\"1.2.3:80:80\"]", -EINVAL, N("not an IP address"));
        refuse_web("\"image\":\"a\",\"ports\":[\"80:0\"]", -EINVAL, N("container port"));
        refuse_web("\"image\":\"a\",\"ports\":[{\"target\":80,\"bogus\":1}]", -EINVAL,
                   N("'bogus'"));
        refuse_web("\"image\":\"a\",\"ports\":[true]", -EINVAL, N("key 'ports'"));
}
END_TEST

START_TEST(test_ports_with_host_network)
{
        refuse_web("\"image\":\"a\",\"network_mode\":\"host\",\"ports\":[\"3001:3000\"]", -EINVAL,
                   N("service 'web'", "network_mode host"));
        refuse_web("\"image\":\"a\",\"network_mode\":\"host\",\"ports\":[\"80\"]", -EINVAL,
                   N("network_mode host"));
        refuse_web("\"image\":\"a\",\"network_mode\":\"host\",\"ports\":[\"127.0.0.1:80:80\"]",
                   -EINVAL, N("network_mode host"));
        refuse_web("\"image\":\"a\",\"network_mode\":\"none\",\"ports\":[\"80:80\"]", -EINVAL,
                   N("network_mode none"));
}
END_TEST

START_TEST(test_network_mode)
{
        struct pod_compose c = {};

        load_web("\"image\":\"a\",\"network_mode\":\"bridge\"", &c);
        ck_assert_str_eq(svc(&c, "web")->w.network, "od-pod-test_default");
        pod_compose_done(&c);
        load_web("\"image\":\"a\",\"network_mode\":\"none\"", &c);
        ck_assert_str_eq(svc(&c, "web")->w.network_mode, "none");
        ck_assert_ptr_null(svc(&c, "web")->w.network);
        pod_compose_done(&c);
        refuse_web("\"image\":\"a\",\"network_mode\":\"service:db\"", -EINVAL,
                   N("'service:db' is not supported"));
        refuse_web("\"image\":\"a\",\"network_mode\":\"container:x\"", -EINVAL, N("not supported"));
        refuse_web("\"image\":\"a\",\"network_mode\":\"mynet\"", -EINVAL, N("'mynet'"));
}
END_TEST

START_TEST(test_volumes)
{
        struct pod_compose c = {};
        const struct pod_service *s;
        json_t *vols;

        load_web("\"image\":\"a\",\"volumes\":[\"./data:/data:ro\",\"conf/sub:/conf\",\".:/all\","
                 "\"cache:/cache:rw,rshared\",\"" DATA "//od-pod-test/./x/:/x\","
                 "{\"type\":\"bind\",\"source\":\"./long\",\"target\":\"/long\","
                 "\"read_only\":true}]",
                 &c);
        s = svc(&c, "web");
        ck_assert_int_eq(s->w.n_mounts, 6);
        ck_assert_str_eq(s->w.mounts[0].source, DATA "/od-pod-test/web/data");
        ck_assert(s->w.mounts[0].flags & BERTH_WL_MOUNT_RO);
        ck_assert(s->w.mounts[0].flags & BERTH_WL_MOUNT_RECURSIVE);
        ck_assert_int_eq(s->w.mounts[0].kind, BERTH_WL_BIND);
        ck_assert_str_eq(s->w.mounts[1].source, DATA "/od-pod-test/web/conf/sub");
        ck_assert_str_eq(s->w.mounts[2].source, DATA "/od-pod-test/web");
        /* A named volume lives with the project's data. */
        ck_assert_str_eq(s->w.mounts[3].source, DATA "/od-pod-test/_volumes/cache");
        ck_assert(!(s->w.mounts[3].flags & BERTH_WL_MOUNT_RO));
        ck_assert_uint_eq(s->w.mounts[3].propagation, MS_SHARED | MS_REC);
        /* "//" and "." are normalized away. */
        ck_assert_str_eq(s->w.mounts[4].source, DATA "/od-pod-test/x");
        ck_assert_str_eq(s->w.mounts[5].source, DATA "/od-pod-test/web/long");
        ck_assert(s->w.mounts[5].flags & BERTH_WL_MOUNT_RO);
        assert_strv(s->data_dirs, N(DATA "/od-pod-test/web/data", DATA "/od-pod-test/web/conf/sub",
                                    DATA "/od-pod-test/web", DATA "/od-pod-test/_volumes/cache",
                                    DATA "/od-pod-test/x", DATA "/od-pod-test/web/long"));
        vols = json_object_get(json_object_get(json_object_get(c.doc, "services"), "web"),
                               "volumes");
        /* Relative sources are rewritten in the document; the rest is as written. */
        ck_assert_str_eq(json_string_value(json_array_get(vols, 0)),
                         DATA "/od-pod-test/web/data:/data:ro");
        ck_assert_str_eq(json_string_value(json_array_get(vols, 3)), "cache:/cache:rw,rshared");
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(vols, 5), "source")),
                         DATA "/od-pod-test/web/long");
        pod_compose_done(&c);

        refuse_web("\"image\":\"a\",\"volumes\":[\"/data\"]", -EINVAL,
                   N("anonymous volumes are not supported"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"./a:/x\",\"./b:/x/\"]", -EINVAL,
                   N("two volumes mount on /x"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"./a:relative\"]", -EINVAL, N("target"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"./a:/x/../y\"]", -EINVAL, N("target"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"./a:/\"]", -EINVAL, N("target"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"./a:/x:z\"]", -EINVAL, N("mode 'z'"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"~/a:/x\"]", -EINVAL, N("'~/a'"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"a:/x:ro:rw\"]", -EINVAL, N("source:target"));
        refuse_web("\"image\":\"a\",\"volumes\":[{\"type\":\"tmpfs\",\"target\":\"/t\"}]", -EINVAL,
                   N("'type'"));
}
END_TEST

START_TEST(test_volume_host_paths)
{
        struct pod_compose_opts o = opts();
        struct pod_compose c = {};
        char *s;

        refuse_web("\"image\":\"a\",\"volumes\":[\"/etc:/host-etc\"]", -EPERM,
                   N("service 'web': volume source /etc is outside the pod data root " DATA));
        /* Lexically below the root, really outside it. */
        refuse_web("\"image\":\"a\",\"volumes\":[\"" DATA "/../../../etc:/x\"]", -EPERM,
                   N("outside the pod data root"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"" DATA ":/x\"]", -EPERM,
                   N("outside the pod data root"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"/usr/share/canteen/database:/x\"]", -EPERM,
                   N("outside"));
        /* ./rel and rel must stay in the service's directory. */
        refuse_web("\"image\":\"a\",\"volumes\":[\"../other/x:/x\"]", -EPERM,
                   N("'../other/x' leaves"));
        refuse_web("\"image\":\"a\",\"volumes\":[\"./a/../../b:/x\"]", -EPERM, N("leaves"));
        refuse_web("\"image\":\"a\",\"volumes\":[{\"type\":\"bind\",\"source\":\"/etc\","
                   "\"target\":\"/x\"}]",
                   -EPERM, N("/etc"));

        /* Allowed by the flag: any host path, and no data directory made for it. */
        o.allow_host_paths = true;
        s = web("\"image\":\"a\",\"volumes\":[\"/etc/../srv/x:/x:ro\"]");
        load_with(s, &o, &c);
        ck_assert_str_eq(svc(&c, "web")->w.mounts[0].source, "/srv/x");
        ck_assert_ptr_null(svc(&c, "web")->data_dirs);
        pod_compose_done(&c);
        free(s);
        /* Even so, ./rel stays below the service's directory. */
        s = web("\"image\":\"a\",\"volumes\":[\"../x:/x\"]");
        refuse_with(s, &o, -EPERM, N("leaves"));
        free(s);
}
END_TEST

START_TEST(test_build)
{
        struct pod_compose c = {};
        const struct pod_service *s;

        load_web("\"build\":{\"context\":\"site/./image/../image\",\"dockerfile\":\"docker/"
                 "Dockerfile.prod\"},\"image\":\"myorg/site:2\"",
                 &c);
        s = svc(&c, "web");
        ck_assert_str_eq(s->build_context, RECIPES "/site/image");
        ck_assert_str_eq(s->build_dockerfile, "docker/Dockerfile.prod");
        ck_assert_str_eq(s->image, "myorg/site:2");
        ck_assert_int_eq(s->engine, POD_ENGINE_DOCKER);
        pod_compose_done(&c);
        load_web("\"build\":\"" RECIPES "/static_site/image\"", &c);
        ck_assert_str_eq(svc(&c, "web")->build_context, RECIPES "/static_site/image");
        pod_compose_done(&c);

        refuse_web("\"build\":\"../../etc\"", -EPERM,
                   N("service 'web'", "'../../etc' is outside the build root " RECIPES));
        refuse_web("\"build\":\"/tmp/ctx\"", -EPERM, N("outside the build root"));
        refuse_web("\"build\":{\"context\":\"a\",\"dockerfile\":\"../Dockerfile\"}", -EPERM,
                   N("dockerfile"));
        refuse_web("\"build\":{\"context\":\"a\",\"dockerfile\":\"/Dockerfile\"}", -EINVAL,
                   N("dockerfile"));
        refuse_web("\"build\":{\"context\":\"a\",\"args\":{}}", -EINVAL, N("'args'"));
        refuse_web("\"build\":{\"dockerfile\":\"D\"}", -EINVAL, N("context"));
        refuse_web("\"build\":\"a\",\"image\":\"file:///srv/img.sqsh\",\"command\":\"x\"", -EINVAL,
                   N("native"));
        {
                struct pod_compose_opts o = opts();
                char *t = web("\"build\":\"a\"");
                o.build_root = NULL;
                refuse_with(t, &o, -EPERM, N("build root"));
                free(t);
        }
}
END_TEST

START_TEST(test_built_image_name)
{
        struct pod_compose_opts o = opts();
        struct pod_compose c = {};

        /* compose 1.29's project name: lower case, [^-_a-z0-9] removed. */
        o.project = "Od-Pod.Mixed";
        load_with("{\"services\":{\"Web\":{\"build\":\"x\"}}}", &o, &c);
        ck_assert_str_eq(svc(&c, "Web")->image, "od-podmixed_web");
        ck_assert_str_eq(svc(&c, "Web")->container_name, "od-podmixed_Web_1");
        ck_assert_str_eq(svc(&c, "Web")->w.network, "od-podmixed_default");
        ck_assert_str_eq(label(svc(&c, "Web"), "com.docker.compose.project"), "od-podmixed");
        /* Data directories use the pod's name as it is. */
        ck_assert_str_eq(label(svc(&c, "Web"), "com.docker.compose.project.working_dir"),
                         DATA "/Od-Pod.Mixed");
        pod_compose_done(&c);
}
END_TEST

START_TEST(test_native)
{
        struct pod_compose c = {};
        const struct pod_service *s;

        load_web("\"image\":\"file:///srv/images/app.sqsh\",\"entrypoint\":[\"/bin/tini\"],"
                 "\"command\":\"httpd -f\",\"user\":\"1000:100\",\"restart\":\"on-failure:2\"",
                 &c);
        s = svc(&c, "web");
        ck_assert_int_eq(s->engine, POD_ENGINE_NATIVE);
        ck_assert_str_eq(s->image, "file:///srv/images/app.sqsh");
        ck_assert_ptr_null(s->w.image);
        assert_strv(s->w.args, N("/bin/tini", "httpd", "-f"));
        ck_assert_ptr_null(s->w.entrypoint);
        ck_assert(s->w.namespaces & BERTH_NS_NET);
        ck_assert_ptr_null(s->w.network);
        ck_assert_ptr_null(s->w.network_mode);
        ck_assert(s->w.user_set);
        ck_assert_int_eq(s->w.uid, 1000);
        ck_assert_int_eq(s->w.gid, 100);
        ck_assert_ptr_null(s->w.user_name);
        ck_assert_int_eq(s->w.restart, BERTH_RESTART_ON_FAILURE);
        ck_assert_int_eq(s->w.restart_max, 2);
        pod_compose_done(&c);

        load_web("\"image\":\"rbd://rbd/app-1.0@snap_1\",\"command\":[\"sleep\",\"60\"],"
                 "\"network_mode\":\"host\"",
                 &c);
        s = svc(&c, "web");
        ck_assert_int_eq(s->engine, POD_ENGINE_NATIVE);
        ck_assert(!(s->w.namespaces & BERTH_NS_NET));
        pod_compose_done(&c);
        load_web("\"image\":\"rbd://pool/img\",\"command\":[\"x\"],\"network_mode\":\"none\"", &c);
        ck_assert(svc(&c, "web")->w.namespaces & BERTH_NS_NET);
        pod_compose_done(&c);

        refuse_web("\"image\":\"file:///srv/app.sqsh\"", -EINVAL,
                   N("service 'web': needs a command", "no default command"));
        refuse_web("\"image\":\"file:///srv/app.sqsh\",\"command\":[]", -EINVAL,
                   N("needs a command"));
        refuse_web("\"image\":\"file:///srv/app.sqsh\",\"command\":\"x\",\"ports\":[\"80:80\"]",
                   -EINVAL, N("key 'ports'", "native", "network_mode host"));
        refuse_web("\"image\":\"file:///srv/app.sqsh\",\"command\":\"x\",\"network_mode\":"
                   "\"bridge\"",
                   -EINVAL, N("bridge"));
        refuse_web("\"image\":\"file:///srv/app.sqsh\",\"command\":\"x\",\"healthcheck\":"
                   "{\"test\":\"true\"}",
                   -EINVAL, N("key 'healthcheck'", "native"));
        refuse_web("\"image\":\"file:///srv/app.sqsh\",\"command\":\"x\",\"user\":\"www-data\"",
                   -EINVAL, N("numeric"));
        refuse_web("\"image\":\"file:///srv/app.sqsh\",\"command\":\"x\",\"privileged\":true",
                   -EINVAL, N("native"));
        refuse_web("\"image\":\"file:///srv/app.sqsh\",\"command\":\"x\",\"devices\":"
                   "[\"/dev/fuse\"]",
                   -EINVAL, N("native"));
        refuse_web("\"image\":\"file://relative/app.sqsh\",\"command\":\"x\"", -EINVAL,
                   N("file:///"));
        refuse_web("\"image\":\"file:///srv/../etc/app.sqsh\",\"command\":\"x\"", -EINVAL,
                   N("'..'"));
        refuse_web("\"image\":\"file:///srv//app.sqsh\",\"command\":\"x\"", -EINVAL, N("'//'"));
        refuse_web("\"image\":\"rbd://pool\",\"command\":\"x\"", -EINVAL, N("rbd://<pool>"));
        refuse_web("\"image\":\"rbd://po ol/img\",\"command\":\"x\"", -EINVAL, N("rbd://"));
        refuse_web("\"image\":\"rbd://pool/img@\",\"command\":\"x\"", -EINVAL, N("rbd://"));
}
END_TEST

START_TEST(test_restart)
{
        static const struct {
                const char *in;
                enum berth_restart want;
                unsigned max;
        } cases[] = {
                { "no", BERTH_RESTART_NO, 0 },
                { "always", BERTH_RESTART_ALWAYS, 0 },
                { "unless-stopped", BERTH_RESTART_UNLESS_STOPPED, 0 },
                { "on-failure", BERTH_RESTART_ON_FAILURE, 0 },
                { "on-failure:5", BERTH_RESTART_ON_FAILURE, 5 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct pod_compose c = {};
                char body[128];

                (void)snprintf(body, sizeof(body), "\"image\":\"a\",\"restart\":\"%s\"",
                               cases[i].in);
                load_web(body, &c);
                ck_assert_int_eq(svc(&c, "web")->w.restart, cases[i].want);
                ck_assert_uint_eq(svc(&c, "web")->w.restart_max, cases[i].max);
                pod_compose_done(&c);
        }
        refuse_web("\"image\":\"a\",\"restart\":\"sometimes\"", -EINVAL, N("'sometimes'"));
        refuse_web("\"image\":\"a\",\"restart\":\"on-failure:x\"", -EINVAL, N("count"));
}
END_TEST

START_TEST(test_container_names_and_labels)
{
        struct pod_compose c = {};
        const struct pod_service *s;

        load_web("\"image\":\"a\",\"container_name\":\"my.web-1\",\"labels\":[\"tier=front\","
                 "\"flag\"]",
                 &c);
        s = svc(&c, "web");
        ck_assert_str_eq(s->container_name, "my.web-1");
        ck_assert_str_eq(label(s, "tier"), "front");
        ck_assert_str_eq(label(s, "flag"), "");
        ck_assert_str_eq(label(s, "com.docker.compose.project"), "od-pod-test");
        ck_assert_str_eq(label(s, "com.docker.compose.service"), "web");
        ck_assert_str_eq(label(s, "com.docker.compose.container-number"), "1");
        ck_assert_str_eq(label(s, "com.docker.compose.oneoff"), "False");
        ck_assert_str_eq(label(s, "com.docker.compose.version"), "1.29.2");
        ck_assert_str_eq(label(s, "com.docker.compose.config-hash"), s->config_hash);
        ck_assert_int_eq(strlen(s->config_hash), 64);
        ck_assert_int_eq(strspn(s->config_hash, "0123456789abcdef"), 64);
        ck_assert_str_eq(label(s, "com.docker.compose.project.working_dir"), DATA "/od-pod-test");
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"labels\":{\"a\":\"1\",\"b\":2,\"c\":null}", &c);
        s = svc(&c, "web");
        ck_assert_str_eq(label(s, "a"), "1");
        ck_assert_str_eq(label(s, "b"), "2");
        ck_assert_str_eq(label(s, "c"), "");
        pod_compose_done(&c);

        refuse_web("\"image\":\"a\",\"container_name\":\"_web\"", -EINVAL, N("'_web'"));
        refuse_web("\"image\":\"a\",\"container_name\":\"a b\"", -EINVAL, N("container_name"));
        refuse_web("\"image\":\"a\",\"labels\":[\"com.docker.compose.project=x\"]", -EINVAL,
                   N("reserved"));
        refuse_web("\"image\":\"a\",\"labels\":[\"io.berth.src.user=x\"]", -EINVAL, N("reserved"));
        refuse("{\"services\":{\"a\":{\"image\":\"x\",\"container_name\":\"same\"},"
               "\"b\":{\"image\":\"x\",\"container_name\":\"same\"}}}",
               -EINVAL, N("'a' and 'b'", "'same'"));
}
END_TEST

START_TEST(test_user_and_working_dir)
{
        struct pod_compose c = {};
        const struct pod_service *s;

        load_web("\"image\":\"a\",\"user\":\"1000\",\"working_dir\":\"/srv\"", &c);
        s = svc(&c, "web");
        ck_assert(s->w.user_set);
        ck_assert_int_eq(s->w.uid, 1000);
        ck_assert_int_eq(s->w.gid, 0);
        ck_assert_str_eq(s->w.user_name, "1000");
        ck_assert_str_eq(s->w.cwd, "/srv");
        pod_compose_done(&c);
        /* Names are resolved in the image by docker. */
        load_web("\"image\":\"a\",\"user\":\"www-data:www-data\"", &c);
        ck_assert(!svc(&c, "web")->w.user_set);
        ck_assert_str_eq(svc(&c, "web")->w.user_name, "www-data:www-data");
        pod_compose_done(&c);
        load_web("\"image\":\"a\",\"user\":33", &c);
        ck_assert_int_eq(svc(&c, "web")->w.uid, 33);
        pod_compose_done(&c);
        refuse_web("\"image\":\"a\",\"user\":\"a:b:c\"", -EINVAL, N("user 'a:b:c'"));
        refuse_web("\"image\":\"a\",\"user\":\"\"", -EINVAL, N("user"));
        refuse_web("\"image\":\"a\",\"working_dir\":\"srv\"", -EINVAL, N("working_dir 'srv'"));
}
END_TEST

START_TEST(test_caps)
{
        struct pod_compose c = {};
        uint64_t def = (1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_FSETID) |
                       (1ull << CAP_FOWNER) | (1ull << CAP_MKNOD) | (1ull << CAP_NET_RAW) |
                       (1ull << CAP_SETGID) | (1ull << CAP_SETUID) | (1ull << CAP_SETFCAP) |
                       (1ull << CAP_SETPCAP) | (1ull << CAP_NET_BIND_SERVICE) |
                       (1ull << CAP_SYS_CHROOT) | (1ull << CAP_KILL) | (1ull << CAP_AUDIT_WRITE);
        uint64_t all = (1ull << (CAP_LAST_CAP + 1)) - 1;

        /* Without cap_add or cap_drop, the engine's default. */
        load_web("\"image\":\"a\"", &c);
        ck_assert(!svc(&c, "web")->w.caps_set);
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"cap_add\":[\"NET_ADMIN\",\"cap_sys_ptrace\"],"
                 "\"cap_drop\":[\"CAP_CHOWN\",\"mknod\"]",
                 &c);
        ck_assert(svc(&c, "web")->w.caps_set);
        ck_assert_uint_eq(svc(&c, "web")->w.caps,
                          (def & ~((1ull << CAP_CHOWN) | (1ull << CAP_MKNOD))) |
                                  (1ull << CAP_NET_ADMIN) | (1ull << CAP_SYS_PTRACE));
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"cap_drop\":[\"ALL\"],\"cap_add\":[\"NET_BIND_SERVICE\"]", &c);
        ck_assert_uint_eq(svc(&c, "web")->w.caps, 1ull << CAP_NET_BIND_SERVICE);
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"cap_add\":[\"ALL\"],\"cap_drop\":[\"SYS_ADMIN\"]", &c);
        ck_assert_uint_eq(svc(&c, "web")->w.caps, all & ~(1ull << CAP_SYS_ADMIN));
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"cap_drop\":[]", &c);
        ck_assert_uint_eq(svc(&c, "web")->w.caps, def);
        pod_compose_done(&c);

        refuse_web("\"image\":\"a\",\"cap_add\":[\"FLY\"]", -EINVAL,
                   N("service 'web'", "unknown capability 'FLY'"));
        refuse_web("\"image\":\"a\",\"cap_drop\":[\"12\"]", -EINVAL, N("'12'"));
}
END_TEST

START_TEST(test_limits)
{
        static const struct {
                const char *mem;
                uint64_t want;
        } mems[] = {
                { "\"512m\"", 512ull << 20 }, { "\"1g\"", 1ull << 30 },
                { "\"1gb\"", 1ull << 30 },    { "\"1.5G\"", 3ull << 29 },
                { "\"100k\"", 100ull << 10 }, { "\"4096b\"", 4096 },
                { "\"2048\"", 2048 },         { "1073741824", 1ull << 30 },
                { "\"64MiB\"", 64ull << 20 },
        };
        struct pod_compose c = {};
        char body[256];

        for (size_t i = 0; i < ELEMENTSOF(mems); i++) {
                (void)snprintf(body, sizeof(body), "\"image\":\"a\",\"mem_limit\":%s", mems[i].mem);
                load_web(body, &c);
                ck_assert_uint_eq(svc(&c, "web")->w.limits.memory, mems[i].want);
                pod_compose_done(&c);
        }
        load_web("\"image\":\"a\",\"cpus\":0.5,\"pids_limit\":100", &c);
        ck_assert_uint_eq(svc(&c, "web")->w.limits.cpu_quota_us, 50000);
        ck_assert_uint_eq(svc(&c, "web")->w.limits.cpu_period_us, 100000);
        ck_assert_uint_eq(svc(&c, "web")->w.limits.pids, 100);
        pod_compose_done(&c);
        load_web("\"image\":\"a\",\"cpus\":\"1.5\",\"pids_limit\":-1", &c);
        ck_assert_uint_eq(svc(&c, "web")->w.limits.cpu_quota_us, 150000);
        ck_assert_uint_eq(svc(&c, "web")->w.limits.pids, 0);
        pod_compose_done(&c);
        load_web("\"image\":\"a\",\"cpus\":2", &c);
        ck_assert_uint_eq(svc(&c, "web")->w.limits.cpu_quota_us, 200000);
        pod_compose_done(&c);

        refuse_web("\"image\":\"a\",\"mem_limit\":\"10x\"", -EINVAL, N("mem_limit"));
        refuse_web("\"image\":\"a\",\"mem_limit\":\"m\"", -EINVAL, N("mem_limit"));
        refuse_web("\"image\":\"a\",\"mem_limit\":0", -EINVAL, N("mem_limit"));
        refuse_web("\"image\":\"a\",\"mem_limit\":\"1bb\"", -EINVAL, N("mem_limit"));
        refuse_web("\"image\":\"a\",\"cpus\":0.001", -EINVAL, N("cpus"));
        refuse_web("\"image\":\"a\",\"cpus\":-1", -EINVAL, N("cpus"));
        refuse_web("\"image\":\"a\",\"cpus\":\"lots\"", -EINVAL, N("cpus 'lots'"));
        refuse_web("\"image\":\"a\",\"pids_limit\":-5", -EINVAL, N("pids_limit"));
}
END_TEST

START_TEST(test_healthcheck)
{
        struct pod_compose c = {};
        const struct berth_wl_health *h;

        load_web("\"image\":\"a\",\"healthcheck\":{\"test\":\"curl -f http://localhost/\","
                 "\"interval\":\"1m30s\",\"timeout\":\"10s\",\"start_period\":\"500ms\","
                 "\"retries\":3}",
                 &c);
        h = svc(&c, "web")->w.health;
        ck_assert_ptr_nonnull(h);
        assert_strv(h->test, N("CMD-SHELL", "curl -f http://localhost/"));
        ck_assert_uint_eq(h->interval_ns, 90ull * 1000000000);
        ck_assert_uint_eq(h->timeout_ns, 10ull * 1000000000);
        ck_assert_uint_eq(h->start_period_ns, 500ull * 1000000);
        ck_assert_uint_eq(h->retries, 3);
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"healthcheck\":{\"test\":[\"CMD\",\"pg_isready\",\"-U\","
                 "\"postgres\"],\"interval\":\"1h2m3.5s\",\"timeout\":\"2ms\"}",
                 &c);
        h = svc(&c, "web")->w.health;
        assert_strv(h->test, N("CMD", "pg_isready", "-U", "postgres"));
        ck_assert_uint_eq(h->interval_ns, 3723500000000ull);
        ck_assert_uint_eq(h->timeout_ns, 2000000);
        pod_compose_done(&c);

        load_web("\"image\":\"a\",\"healthcheck\":{\"disable\":true}", &c);
        assert_strv(svc(&c, "web")->w.health->test, N("NONE"));
        pod_compose_done(&c);

        refuse_web("\"image\":\"a\",\"healthcheck\":{\"test\":\"x\",\"interval\":\"10\"}", -EINVAL,
                   N("healthcheck 'interval'"));
        refuse_web("\"image\":\"a\",\"healthcheck\":{\"test\":\"x\",\"timeout\":\"5 s\"}", -EINVAL,
                   N("'timeout'"));
        refuse_web("\"image\":\"a\",\"healthcheck\":{\"test\":\"x\",\"timeout\":\"999us\"}",
                   -EINVAL, N("at least 1ms"));
        refuse_web("\"image\":\"a\",\"healthcheck\":{\"disable\":true,\"test\":\"x\"}", -EINVAL,
                   N("disable"));
        refuse_web("\"image\":\"a\",\"healthcheck\":{\"test\":[\"CMD-SHELL\"]}", -EINVAL,
                   N("'test'"));
        refuse_web("\"image\":\"a\",\"healthcheck\":{\"test\":[\"RUN\",\"x\"]}", -EINVAL,
                   N("'test'"));
        refuse_web("\"image\":\"a\",\"healthcheck\":{\"start_interval\":\"1s\"}", -EINVAL,
                   N("'start_interval'"));
        refuse_web("\"image\":\"a\",\"healthcheck\":{\"retries\":-1}", -EINVAL, N("retries"));
}
END_TEST

START_TEST(test_privileged_and_devices)
{
        struct pod_compose_opts o = opts();
        struct pod_compose c = {};
        char *s;

        refuse_web("\"image\":\"a\",\"privileged\":true", -EPERM,
                   N("service 'web': key 'privileged' is refused"));
        refuse_web("\"image\":\"a\",\"devices\":[\"/dev/fuse\"]", -EPERM,
                   N("service 'web': key 'devices' is refused"));
        load_web("\"image\":\"a\",\"privileged\":false,\"devices\":[]", &c);
        ck_assert(!svc(&c, "web")->w.privileged);
        ck_assert_ptr_null(svc(&c, "web")->w.devices);
        pod_compose_done(&c);

        o.allow_privileged = true;
        s = web("\"image\":\"a\",\"privileged\":true,\"devices\":[\"/dev/fuse\","
                "\"/dev/sda:/dev/xvda:r\"]");
        load_with(s, &o, &c);
        ck_assert(svc(&c, "web")->w.privileged);
        assert_strv(svc(&c, "web")->w.devices, N("/dev/fuse", "/dev/sda:/dev/xvda:r"));
        pod_compose_done(&c);
        free(s);
        s = web("\"image\":\"a\",\"devices\":[\"/dev/sda:/dev/xvda:rx\"]");
        refuse_with(s, &o, -EINVAL, N("device '/dev/sda:/dev/xvda:rx'"));
        free(s);
}
END_TEST

/* ---- config hash and order ----------------------------------------------------------- */

static char *hash_of(const char *body)
{
        struct pod_compose c = {};
        char *h;

        load_web(body, &c);
        h = strdup(svc(&c, "web")->config_hash);
        pod_compose_done(&c);
        return h;
}

START_TEST(test_config_hash)
{
        static const char *const same[] = {
                "\"image\":\"a\",\"command\":[\"x\",\"y\"],\"environment\":[\"A=1\"]",
                /* Keys in another order, a command written as a string, an environment as a
                 * mapping, a valueless variable, an x- key, depends_on: the same container. */
                "\"x-doc\":\"z\",\"environment\":{\"A\":\"1\",\"B\":null},\"command\":\"x y\","
                "\"image\":\"a\"",
        };
        static const char *const differ[] = {
                "\"image\":\"a\",\"command\":[\"x\",\"z\"],\"environment\":[\"A=1\"]",
                "\"image\":\"a\",\"command\":[\"x\",\"y\"],\"environment\":[\"A=2\"]",
                "\"image\":\"b\",\"command\":[\"x\",\"y\"],\"environment\":[\"A=1\"]",
                "\"image\":\"a\",\"command\":[\"x\",\"y\"],\"environment\":[\"A=1\"],"
                "\"ports\":[\"80:80\"]",
                "\"image\":\"a\",\"command\":[\"x\",\"y\"],\"environment\":[\"A=1\"],"
                "\"restart\":\"always\"",
                "\"image\":\"a\",\"command\":[\"x\",\"y\"],\"environment\":[\"A=1\"],"
                "\"volumes\":[\"./d:/d\"]",
        };
        char *base = hash_of(same[0]);
        struct pod_compose c = {}, d = {};

        for (size_t i = 1; i < ELEMENTSOF(same); i++) {
                char *h = hash_of(same[i]);
                ck_assert_msg(streq(h, base), "hash of %s differs", same[i]);
                free(h);
        }
        for (size_t i = 0; i < ELEMENTSOF(differ); i++) {
                char *h = hash_of(differ[i]);
                ck_assert_msg(!streq(h, base), "hash of %s is the same", differ[i]);
                free(h);
        }
        free(base);

        /* Another service changing leaves this one's hash; the document reloaded (volume
         * sources already absolute) gives the same hashes. */
        load("{\"services\":{\"a\":{\"image\":\"x\",\"volumes\":[\"./v:/v\"]},"
             "\"b\":{\"image\":\"y\"}}}",
             &c);
        load("{\"services\":{\"a\":{\"image\":\"x\",\"volumes\":[\"./v:/v\"]},"
             "\"b\":{\"image\":\"y\",\"command\":\"new\"}}}",
             &d);
        ck_assert_str_eq(svc(&c, "a")->config_hash, svc(&d, "a")->config_hash);
        ck_assert_str_ne(svc(&c, "b")->config_hash, svc(&d, "b")->config_hash);
        {
                struct pod_compose e = {};
                struct pod_compose_opts o = opts();
                struct berth_error err = {};

                ck_assert_int_eq(pod_compose_load(c.doc, &o, &e, &err), 0);
                ck_assert_str_eq(svc(&c, "a")->config_hash, svc(&e, "a")->config_hash);
                ck_assert(json_equal(c.doc, e.doc));
                pod_compose_done(&e);
        }
        pod_compose_done(&c);
        pod_compose_done(&d);
}
END_TEST

START_TEST(test_sha256)
{
        /* The hash is the sha256 of the canonical text: for {"image":"<n a's>"} that is
         * the text itself, 12 + n bytes. The lengths cross the padding's edges (55, 56,
         * 63, 64, 119, 120 bytes). Digests from Python's hashlib. */
        static const struct {
                size_t n;
                const char *hex;
        } cases[] = {
                { 1, "a4db6e5b124155fd9ecba86f65b779ff6521944a2f844c3623abf415186f6350" },
                { 43, "3d9bd07b802b104bd913af987e4e9cf5383b38aee99af3532373014faa3bf022" },
                { 44, "c64c4db7e1330d874f9d2c5d02122da2f1efc7228269267c2827b292a718db2e" },
                { 51, "665b661277475d59f885799b1cd1cdd41115a6192dae8748745de4de92035559" },
                { 52, "e3f16cdaf6ba4ab0e0536c41221aef93f22673fd953ab7214bf60f4644969e2f" },
                { 107, "469d45e762302ba426a818f3955be5b3176bc3665d69641cd531f97ea35a70ca" },
                { 108, "79b4a4fe63f224df2e004784859d767ecbee4b7b3abd7a682a9e642644fa1b5f" },
                { 200, "63f9878320f046e8fe434f7a68d08d4a7efa4f53d0e91576d397175e241a4596" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char body[300], *h;

                ck_assert_int_lt(cases[i].n, 250);
                (void)snprintf(body, sizeof(body), "\"image\":\"%0*d\"", (int)cases[i].n, 0);
                for (char *p = strchr(body, ':') + 2; *p == '0'; p++)
                        *p = 'a';
                h = hash_of(body);
                ck_assert_msg(streq(h, cases[i].hex), "n=%zu: %s", cases[i].n, h);
                free(h);
        }
}
END_TEST

START_TEST(test_start_order)
{
        struct pod_compose c = {};
        /* Ready at first: b, c, db (by name: b); then c; then a (its c is up) before db;
         * web last. */
        const char *want[] = { "b", "c", "a", "db", "web" };

        load("{\"services\":{\"web\":{\"image\":\"x\",\"depends_on\":[\"a\",\"db\"]},"
             "\"a\":{\"image\":\"x\",\"depends_on\":{\"c\":{\"condition\":\"service_started\"}}},"
             "\"db\":{\"image\":\"x\"},\"c\":{\"image\":\"x\"},\"b\":{\"image\":\"x\"}}}",
             &c);
        ck_assert_int_eq(c.n_services, 5);
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ck_assert_str_eq(c.services[i].name, want[i]);
        assert_strv(svc(&c, "web")->depends_on, N("a", "db"));
        pod_compose_done(&c);

        refuse("{\"services\":{\"a\":{\"image\":\"x\",\"depends_on\":[\"b\"]},"
               "\"b\":{\"image\":\"x\",\"depends_on\":[\"c\"]},"
               "\"c\":{\"image\":\"x\",\"depends_on\":[\"a\"]},\"d\":{\"image\":\"x\"}}}",
               -EINVAL, N("cycle", "'a' -> 'b' -> 'c' -> 'a'"));
        refuse("{\"services\":{\"a\":{\"image\":\"x\",\"depends_on\":[\"a\"]}}}", -EINVAL,
               N("cycle", "'a' -> 'a'"));
        refuse("{\"services\":{\"a\":{\"image\":\"x\",\"depends_on\":[\"ghost\"]}}}", -EINVAL,
               N("service 'a'", "'ghost'"));
        refuse("{\"services\":{\"a\":{\"image\":\"x\",\"depends_on\":{\"b\":{\"condition\":"
               "\"service_healthy\"}}},\"b\":{\"image\":\"x\"}}}",
               -EINVAL, N("service_started"));
}
END_TEST

START_TEST(test_opts)
{
        struct pod_compose_opts o = opts();

        o.project = "../x";
        refuse_with(seed_set, &o, -EINVAL, N("project"));
        o = opts();
        o.data_root = "relative";
        refuse_with(seed_set, &o, -EINVAL, N("data root"));
}
END_TEST

static Suite *compose_suite(void)
{
        Suite *s = suite_create("compose");
        TCase *tc = tcase_create("yaml");

        tcase_add_test(tc, test_yaml_merge_keys);
        tcase_add_test(tc, test_yaml_core_schema);
        tcase_add_test(tc, test_yaml_refusals);
        tcase_add_test(tc, test_yaml_quiet);
        tcase_add_test(tc, test_yaml_alias_bomb);
        tcase_add_test(tc, test_yaml_depth);
        tcase_add_test(tc, test_yaml_file);
        tcase_add_test(tc, test_yaml_compose_end_to_end);
        suite_add_tcase(s, tc);

        tc = tcase_create("seed");
        tcase_add_test(tc, test_seed_set);
        tcase_add_test(tc, test_seed_update_and_test);
        tcase_add_test(tc, test_seed_folding_at_home);
        tcase_add_test(tc, test_seed_postgres);
        suite_add_tcase(s, tc);

        tc = tcase_create("keys");
        tcase_add_test(tc, test_unknown_keys);
        tcase_add_test(tc, test_x_keys_kept);
        tcase_add_test(tc, test_version);
        tcase_add_test(tc, test_types);
        tcase_add_test(tc, test_image_refs);
        tcase_add_test(tc, test_command_and_entrypoint);
        tcase_add_test(tc, test_environment);
        tcase_add_test(tc, test_ports);
        tcase_add_test(tc, test_ports_with_host_network);
        tcase_add_test(tc, test_network_mode);
        tcase_add_test(tc, test_volumes);
        tcase_add_test(tc, test_volume_host_paths);
        tcase_add_test(tc, test_build);
        tcase_add_test(tc, test_built_image_name);
        tcase_add_test(tc, test_native);
        tcase_add_test(tc, test_restart);
        tcase_add_test(tc, test_container_names_and_labels);
        tcase_add_test(tc, test_user_and_working_dir);
        tcase_add_test(tc, test_caps);
        tcase_add_test(tc, test_limits);
        tcase_add_test(tc, test_healthcheck);
        tcase_add_test(tc, test_privileged_and_devices);
        tcase_add_test(tc, test_opts);
        suite_add_tcase(s, tc);

        tc = tcase_create("hash-order");
        tcase_add_test(tc, test_config_hash);
        tcase_add_test(tc, test_sha256);
        tcase_add_test(tc, test_start_order);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(compose_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
