/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recipe catalogue (src/api/pods/recipes.c): the shipped catalogue (the source
 * tree's contrib/recipes) against the seed's list and its folding_at_home example, and
 * against the examples of openapi/pods.yaml; names that would leave the catalogue;
 * malformed recipes in a temporary catalogue; merging recipes into a document. No
 * root, nothing mounted.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "error.h"
#include "harness.h"
#include "macro.h"
#include "recipes.h"

/* ---- the seed (000_9a32bfc56e62d69a.txt) ------------------------------------------ */

/* "List all Recipes": the reply body. */
static const char *const seed_names[] = {
        "code-server",
        "folding_at_home",
        "goofys3mounter",
        "harbor-registry",
        "hello_world",
        "kazuhm_host_agent",
        "minio",
        "node_red",
        "od_stats_dash",
        "openspeedtest",
        "pgadmin4",
        "plex",
        "postgres_davinci",
        "postgres_latest",
        "splunk_universal_forwarder",
        "static_site",
};

/* "Get a specific Recipe": the reply body, as the seed prints it. */
static const char seed_folding_at_home[] =
        "{\n"
        "  \"name\": \"folding_at_home\",\n"
        "  \"description\": \"A distributed computing project for performing molecular "
        "dynamics simulations of protein dynamics.\",\n"
        "  \"images\": [\n"
        "      \"linuxserver/foldingathome\"\n"
        "  ],\n"
        "  \"version\": \"1.0.0\",\n"
        "  \"services\": [\n"
        "      {\n"
        "          \"service_name\": \"folding_at_home\",\n"
        "          \"service_config\": {\n"
        "              \"image\": \"linuxserver/foldingathome\",\n"
        "              \"container_name\": \"foldingathome\",\n"
        "              \"environment\": [\n"
        "                  \"PUID=1000\",\n"
        "                  \"PGID=1000\",\n"
        "                  \"TZ=America/LosAngeles\",\n"
        "                  \"NVIDIA_VISIBLE_DEVICES=none\"\n"
        "              ],\n"
        "              \"volumes\": [\n"
        "                  \"./foldingathome/config:/config\"\n"
        "              ],\n"
        "              \"ports\": [\n"
        "                  \"7396:7396\"\n"
        "              ],\n"
        "              \"restart\": \"unless-stopped\"\n"
        "          }\n"
        "      }\n"
        "  ]\n"
        "}\n";

/* ---- helpers --------------------------------------------------------------------- */

static char catalogue[600]; /* <srcdir>/contrib/recipes */
/* One base directory per TCase, made and removed by an unchecked fixture in the parent
 * process, so that it goes away even when a forked test fails; each test works in its
 * own fresh subdirectory, tdir. */
static char base[512];
static char tdir[600];

static void catalogue_setup(void)
{
        const char *src = getenv("BERTH_SRCDIR");

        (void)snprintf(catalogue, sizeof(catalogue), "%s/contrib/recipes", src ? src : ".");
}

static void base_setup(void)
{
        const char *t = getenv("TMPDIR");

        catalogue_setup();
        (void)snprintf(base, sizeof(base), "%s/berth-test-recipes-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_msg(mkdtemp(base), "mkdtemp '%s': %m", base);
}

static void base_teardown(void)
{
        test_rm_rf(base);
        base[0] = 0;
}

static void dir_setup(void)
{
        (void)snprintf(tdir, sizeof(tdir), "%s/t-XXXXXX", base);
        ck_assert_msg(mkdtemp(tdir), "mkdtemp '%s': %m", tdir);
}

/* "<dir>/<rel>" in a rotating buffer. */
static const char *P(const char *rel)
{
        static char bufs[8][1024];
        static unsigned i;
        char *b = bufs[i++ % 8];

        (void)snprintf(b, 1024, "%s/%s", tdir, rel);
        return b;
}

/* j's member at the path of keys (NULL-terminated), or NULL. */
static json_t *jpath(json_t *j, ...)
{
        const char *k;
        va_list ap;

        va_start(ap, j);
        while (j && (k = va_arg(ap, const char *)))
                j = json_object_get(j, k);
        va_end(ap);
        return j;
}

static void write_file(const char *path, const char *content)
{
        FILE *f = fopen(path, "we");

        ck_assert_msg(f, "fopen '%s': %m", path);
        ck_assert_int_eq(fputs(content, f) >= 0, 1);
        ck_assert_int_eq(fclose(f), 0);
}

static void make_dir(const char *path)
{
        ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir '%s': %m", path);
}

/* A recipe <base>/<cat>/<name>/<file> with content. */
static void put_recipe(const char *cat, const char *name, const char *file, const char *content)
{
        char d[1024], f[1100];

        (void)snprintf(d, sizeof(d), "%s/%s", tdir, cat);
        make_dir(d);
        (void)snprintf(d, sizeof(d), "%s/%s/%s", tdir, cat, name);
        make_dir(d);
        (void)snprintf(f, sizeof(f), "%s/%s", d, file);
        write_file(f, content);
}

static json_t *get_ok(const char *dir, const char *name)
{
        struct berth_error err = {};
        json_t *j = NULL;
        int r = pod_recipe_get(dir, name, &j, &err);

        ck_assert_msg(r == 0, "get recipe '%s' from %s: %d %s", name, dir, r, err.msg);
        ck_assert_ptr_nonnull(j);
        return j;
}

/* get must fail with code, its message containing needle. */
static void get_fails(const char *dir, const char *name, int code, const char *needle)
{
        struct berth_error err = {};
        json_t *j = NULL;
        int r = pod_recipe_get(dir, name, &j, &err);

        ck_assert_msg(r == code, "get recipe '%s': expected %d, got %d (%s)", name, code, r,
                      err.msg);
        ck_assert_int_eq(err.code, code);
        ck_assert_ptr_null(j);
        ck_assert_msg(strstr(err.msg, needle), "get recipe '%s': message '%s' lacks '%s'", name,
                      err.msg, needle);
}

static bool array_has_string(json_t *a, const char *s)
{
        size_t i;
        json_t *v;

        json_array_foreach (a, i, v)
                if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
                        return true;
        return false;
}

static json_t *list_ok(const char *dir)
{
        struct berth_error err = {};
        json_t *a = NULL;
        int r = pod_recipes_list(dir, &a, &err);

        ck_assert_msg(r == 0, "list %s: %d %s", dir, r, err.msg);
        ck_assert(json_is_array(a));
        return a;
}

static json_t *loads(const char *s)
{
        json_error_t jerr;
        json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);

        ck_assert_msg(j, "fixture: %s", jerr.text);
        return j;
}

/* ---- the shipped catalogue ------------------------------------------------------- */

START_TEST(test_list_seed_names)
{
        json_auto_t *a = list_ok(catalogue);
        size_t i;
        json_t *v;

        for (size_t k = 0; k < ELEMENTSOF(seed_names); k++)
                ck_assert_msg(array_has_string(a, seed_names[k]), "the catalogue lacks '%s'",
                              seed_names[k]);
        /* Sorted, no duplicates, only valid recipes (Makefile.inc and the README are not
         * recipes). */
        json_array_foreach (a, i, v) {
                json_auto_t *r = NULL;

                ck_assert(json_is_string(v));
                if (i > 0)
                        ck_assert_msg(strcmp(json_string_value(json_array_get(a, i - 1)),
                                             json_string_value(v)) < 0,
                                      "not sorted at %zu", i);
                r = get_ok(catalogue, json_string_value(v));
                ck_assert_str_eq(json_string_value(json_object_get(r, "name")),
                                 json_string_value(v));
                ck_assert_msg(strlen(json_string_value(json_object_get(r, "description"))) > 20,
                              "recipe '%s' has no real description", json_string_value(v));
        }
        /* The seed's list is the whole shipped catalogue, in the seed's order. */
        ck_assert_int_eq(json_array_size(a), ELEMENTSOF(seed_names));
        for (size_t k = 0; k < ELEMENTSOF(seed_names); k++)
                ck_assert_str_eq(json_string_value(json_array_get(a, k)), seed_names[k]);
}
END_TEST

START_TEST(test_folding_at_home_is_the_seeds)
{
        json_auto_t *r = get_ok(catalogue, "folding_at_home");
        json_auto_t *seed = NULL;
        json_error_t jerr;
        json_t *rs, *ss;

        seed = json_loads(seed_folding_at_home, JSON_REJECT_DUPLICATES, &jerr);
        ck_assert_msg(seed, "seed fixture: %s", jerr.text);
        /* Field by field first, so that a difference is named; then the whole. */
        ck_assert_int_eq(json_object_size(r), json_object_size(seed));
        ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "folding_at_home");
        ck_assert(json_equal(json_object_get(r, "description"),
                             json_object_get(seed, "description")));
        ck_assert(json_equal(json_object_get(r, "images"), json_object_get(seed, "images")));
        ck_assert(json_equal(json_object_get(r, "version"), json_object_get(seed, "version")));
        rs = json_array_get(json_object_get(r, "services"), 0);
        ss = json_array_get(json_object_get(seed, "services"), 0);
        ck_assert_int_eq(json_array_size(json_object_get(r, "services")), 1);
        ck_assert(json_equal(json_object_get(rs, "service_name"),
                             json_object_get(ss, "service_name")));
        {
                json_t *rc = json_object_get(rs, "service_config");
                json_t *sc = json_object_get(ss, "service_config");
                const char *k;
                json_t *v;

                ck_assert_int_eq(json_object_size(rc), json_object_size(sc));
                json_object_foreach (sc, k, v)
                        ck_assert_msg(json_equal(json_object_get(rc, k), v),
                                      "service_config.%s differs from the seed's", k);
        }
        ck_assert(json_equal(r, seed));
        /* The reply keeps the seed's key order. */
        {
                static const char *const order[] = { "name", "description", "images", "version",
                                                     "services" };
                void *it = json_object_iter(r);

                for (size_t k = 0; k < ELEMENTSOF(order); k++, it = json_object_iter_next(r, it))
                        ck_assert_str_eq(json_object_iter_key(it), order[k]);
        }
}
END_TEST

START_TEST(test_offline_recipes)
{
        static const char *const offline[] = { "hello_world", "static_site" };

        for (size_t k = 0; k < ELEMENTSOF(offline); k++) {
                json_auto_t *r = get_ok(catalogue, offline[k]);
                char ctx[256], df[1024];
                json_t *s, *c;
                size_t i;

                /* Nothing from a registry: no image, a build context of the catalogue's
                 * own, with a Dockerfile FROM scratch. */
                ck_assert_int_eq(json_array_size(json_object_get(r, "images")), 0);
                (void)snprintf(ctx, sizeof(ctx), "%s/image/", offline[k]);
                json_array_foreach (json_object_get(r, "services"), i, s) {
                        struct stat st;
                        _cleanup_free_ char *text = NULL;
                        size_t len;
                        FILE *f;

                        c = json_object_get(s, "service_config");
                        ck_assert_ptr_null(json_object_get(c, "image"));
                        ck_assert_str_eq(json_string_value(json_object_get(c, "build")), ctx);
                        (void)snprintf(df, sizeof(df), "%s/%sDockerfile", catalogue, ctx);
                        ck_assert_msg(stat(df, &st) == 0, "%s: %m", df);
                        f = fopen(df, "re");
                        ck_assert_ptr_nonnull(f);
                        ck_assert_int_eq(getdelim(&text, &len, 0, f) > 0, 1);
                        (void)fclose(f);
                        ck_assert_msg(strstr(text, "\nFROM scratch\n"), "%s is not FROM scratch",
                                      df);
                        ck_assert_msg(strstr(text, "\nCOPY busybox /bin/busybox\n"),
                                      "%s copies no busybox", df);
                }
                ck_assert_msg(strstr(json_string_value(json_object_get(r, "description")),
                                     "no registry needed"),
                              "%s does not say it runs offline", offline[k]);
        }
        /* static_site: the seed's port and volume, on 127.0.0.1. */
        {
                json_auto_t *r = get_ok(catalogue, "static_site");
                json_t *c = json_object_get(json_array_get(json_object_get(r, "services"), 0),
                                            "service_config");

                ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "ports"), 0)),
                                 "127.0.0.1:3001:3000");
                ck_assert_str_eq(
                        json_string_value(json_array_get(json_object_get(c, "volumes"), 0)),
                        "./www:/www");
                ck_assert_str_eq(json_string_value(json_object_get(c, "restart")), "always");
        }
}
END_TEST

START_TEST(test_registry_recipes_say_so)
{
        json_auto_t *a = list_ok(catalogue);
        size_t i;
        json_t *v;

        json_array_foreach (a, i, v) {
                const char *n = json_string_value(v);
                json_auto_t *r = NULL;
                json_t *s;
                size_t si;

                /* The seed's own example keeps its description word for word. */
                if (!strcmp(n, "hello_world") || !strcmp(n, "static_site") ||
                    !strcmp(n, "folding_at_home"))
                        continue;
                r = get_ok(catalogue, n);
                ck_assert_msg(strstr(json_string_value(json_object_get(r, "description")),
                                     "Needs a registry"),
                              "recipe '%s' does not say it needs a registry", n);
                ck_assert_msg(json_array_size(json_object_get(r, "images")) > 0,
                              "recipe '%s' lists no images", n);
                /* Every image a service names is in images. */
                json_array_foreach (json_object_get(r, "services"), si, s) {
                        json_t *img =
                                json_object_get(json_object_get(s, "service_config"), "image");

                        ck_assert_msg(json_is_string(img), "recipe '%s': a service has no image",
                                      n);
                        ck_assert_msg(array_has_string(json_object_get(r, "images"),
                                                       json_string_value(img)),
                                      "recipe '%s': image '%s' is not in images", n,
                                      json_string_value(img));
                }
        }
}
END_TEST

START_TEST(test_yaml_merge_keys)
{
        json_auto_t *r = get_ok(catalogue, "harbor-registry");
        size_t i;
        json_t *s;

        /* The x-harbor anchor is merged into every service and not served itself. */
        ck_assert_ptr_null(json_object_get(r, "x-harbor"));
        ck_assert_int_eq(json_object_size(r), 5);
        ck_assert_int_ge(json_array_size(json_object_get(r, "services")), 5);
        json_array_foreach (json_object_get(r, "services"), i, s) {
                json_t *c = json_object_get(s, "service_config");

                ck_assert_ptr_null(json_object_get(c, "<<"));
                ck_assert_str_eq(json_string_value(json_object_get(c, "restart")), "always");
                ck_assert_str_eq(
                        json_string_value(json_array_get(json_object_get(c, "cap_drop"), 0)),
                        "ALL");
        }
        /* A merge under a service's own key: postgresql's environment has both. */
        s = json_object_get(json_array_get(json_object_get(r, "services"), 0), "service_config");
        ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(s, "environment"), "TZ")),
                "Etc/UTC");
        ck_assert_ptr_nonnull(
                json_object_get(json_object_get(s, "environment"), "POSTGRES_PASSWORD"));
}
END_TEST

START_TEST(test_postgres_latest_host_network)
{
        json_auto_t *r = get_ok(catalogue, "postgres_latest");
        json_t *s = json_array_get(json_object_get(r, "services"), 0);
        json_t *c = json_object_get(s, "service_config");

        /* The seed's details example, without the ports berth refuses with host
         * networking. */
        ck_assert_str_eq(json_string_value(json_object_get(s, "service_name")), "postgres_pg");
        ck_assert_str_eq(json_string_value(json_object_get(c, "network_mode")), "host");
        ck_assert_str_eq(json_string_value(json_object_get(c, "image")), "postgres:latest");
        ck_assert_ptr_null(json_object_get(c, "ports"));
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "volumes"), 0)),
                         "./data:/var/lib/postgresql/data");
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "environment"),
                                                           "POSTGRES_USER")),
                         "postgres");
}
END_TEST

/* Every shipped recipe, as a pod made from it alone, is a document berth runs: the
 * catalogue keeps berth's rules (no ports with host networking, binds under the pod data
 * root, build contexts in the catalogue). Two need what berthd refuses by default, and
 * say so in their description. */
START_TEST(test_recipes_compose)
{
        static const struct {
                const char *name, *flag;
        } needs_flag[] = {
                { "goofys3mounter", "--pods-allow-privileged" },
                { "kazuhm_host_agent", "--pods-allow-host-paths" },
        };
        json_auto_t *a = list_ok(catalogue);
        size_t i;
        json_t *v;

        json_array_foreach (a, i, v) {
                const char *n = json_string_value(v);
                const char *flag = NULL;

                for (size_t k = 0; k < ELEMENTSOF(needs_flag); k++)
                        if (!strcmp(n, needs_flag[k].name))
                                flag = needs_flag[k].flag;
                for (int allow = flag ? 0 : 1; allow <= 1; allow++) {
                        struct pod_compose_opts o = {
                                .project = "od-pod-x",
                                .data_root = "/usr/share/canteen/data",
                                .build_root = catalogue,
                                .allow_host_paths = allow,
                                .allow_privileged = allow,
                        };
                        json_auto_t *fc = loads("{\"version\":\"3\"}"), *rl = json_pack("[s]", n);
                        json_auto_t *recipe = get_ok(catalogue, n);
                        struct pod_compose c = {};
                        struct berth_error err = {};
                        int r;

                        ck_assert_int_eq(pod_recipes_merge(catalogue, rl, fc, &err), 0);
                        r = pod_compose_load(fc, &o, &c, &err);
                        if (!allow) {
                                ck_assert_msg(r == -EPERM, "recipe '%s' without %s: %d %s", n, flag,
                                              r, err.msg);
                                ck_assert_msg(strstr(json_string_value(json_object_get(
                                                             recipe, "description")),
                                                     flag),
                                              "recipe '%s' does not name %s", n, flag);
                                continue;
                        }
                        ck_assert_msg(r == 0, "recipe '%s' is refused: %s", n, err.msg);
                        ck_assert_int_eq(c.n_services,
                                         json_array_size(json_object_get(recipe, "services")));
                        pod_compose_done(&c);
                }
        }
}
END_TEST

/* The examples of openapi/pods.yaml are the catalogue's. */
START_TEST(test_openapi_examples)
{
        const char *src = getenv("BERTH_SRCDIR");
        struct berth_error err = {};
        json_auto_t *doc = NULL, *list = NULL, *fah = NULL;
        char path[600];
        json_t *ex;
        int r;

        (void)snprintf(path, sizeof(path), "%s/openapi/pods.yaml", src ? src : ".");
        r = berth_yaml_file_to_json(path, &doc, &err);
        ck_assert_msg(r == 0, "%s: %s", path, err.msg);

        ex = jpath(doc, "paths", "/pod/suggested", "get", "responses", "200", "content",
                   "application/json; charset=utf-8", "example", NULL);
        list = list_ok(catalogue);
        ck_assert_msg(json_equal(ex, list), "GET /suggested: the example is not the catalogue");

        ex = jpath(doc, "paths", "/pod/suggested/{name}", "get", "responses", "200", "content",
                   "application/json; charset=utf-8", "example", NULL);
        fah = get_ok(catalogue, "folding_at_home");
        ck_assert_msg(json_equal(ex, fah),
                      "GET /suggested/{name}: the example is not folding_at_home");
}
END_TEST

/* ---- names ----------------------------------------------------------------------- */

START_TEST(test_bad_names)
{
        static const char *const bad[] = {
                "../x",
                "x/y",
                "",
                "..",
                ".",
                "/etc",
                "-x",
                "a b",
                "x\n",
                "x.yml",
                "é",
                /* 65 characters */
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        };
        char sixty_four[65];

        /* A recipe just outside the catalogue: ../x must not reach it. */
        make_dir(P("cat"));
        put_recipe(".", "x", "recipe.json",
                   "{\"name\":\"x\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
                   "\"services\":[{\"service_name\":\"s\",\"service_config\":{}}]}");
        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                get_fails(P("cat"), bad[k], -EINVAL, "letters, digits, '_' and '-'");
                /* The name is refused before the file system is looked at: the same
                 * answer for a catalogue that does not exist. */
                get_fails(P("nonexistent"), bad[k], -EINVAL, "not valid");
        }
        get_fails(P("cat"), NULL, -EINVAL, "not valid");
        /* The message quotes the name harmlessly. */
        get_fails(P("cat"), "x\n", -EINVAL, "'x?'");

        memset(sixty_four, 'a', 64);
        sixty_four[64] = 0;
        get_fails(P("cat"), sixty_four, -ENOENT, "no recipe");
        get_fails(P("cat"), "nope", -ENOENT, "no recipe 'nope'");
        get_fails(P("nonexistent"), "nope", -ENOENT, "does not exist");
}
END_TEST

START_TEST(test_links_not_followed)
{
        static const char good[] = "{\"name\":\"%s\",\"description\":\"d\",\"images\":[],"
                                   "\"version\":\"1\",\"services\":[{\"service_name\":\"s\","
                                   "\"service_config\":{}}]}";
        char buf[512];
        json_auto_t *a = NULL, *r = NULL;

        (void)snprintf(buf, sizeof(buf), good, "outside");
        put_recipe(".", "outside", "recipe.json", buf);
        (void)snprintf(buf, sizeof(buf), good, "real");
        put_recipe("cat", "real", "recipe.json", buf);
        /* A recipe directory that is a link out of the catalogue. */
        ck_assert_int_eq(symlink("../outside", P("cat/outside")), 0);
        /* A recipe file that is a link. */
        make_dir(P("cat/linkfile"));
        ck_assert_int_eq(symlink("../../outside/recipe.json", P("cat/linkfile/recipe.json")), 0);
        /* A FIFO in place of a recipe file: refused without being opened (a read
         * would block). */
        make_dir(P("cat/fifo"));
        ck_assert_int_eq(mkfifo(P("cat/fifo/recipe.json"), 0600), 0);
        /* A file in the catalogue, and a directory without a recipe. */
        write_file(P("cat/README"), "not a recipe\n");
        make_dir(P("cat/empty"));

        a = list_ok(P("cat"));
        ck_assert_int_eq(json_array_size(a), 1);
        ck_assert_str_eq(json_string_value(json_array_get(a, 0)), "real");
        r = get_ok(P("cat"), "real");
        ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "real");

        get_fails(P("cat"), "outside", -ENOENT, "links are not followed");
        get_fails(P("cat"), "linkfile", -EINVAL, "not a regular file");
        get_fails(P("cat"), "fifo", -EINVAL, "not a regular file");
        get_fails(P("cat"), "empty", -ENOENT, "has no recipe.yml");
        get_fails(P("cat"), "README", -ENOENT, "not a directory");
}
END_TEST

START_TEST(test_missing_catalogue)
{
        json_auto_t *a = list_ok(P("nonexistent"));
        struct berth_error err = {};
        json_t *j = NULL;

        ck_assert_int_eq(json_array_size(a), 0);
        /* A catalogue that is a file is an error, not an empty list. */
        write_file(P("file"), "x");
        ck_assert_int_eq(pod_recipes_list(P("file"), &j, &err), -ENOTDIR);
        ck_assert_ptr_null(j);
        ck_assert_ptr_nonnull(strstr(err.msg, "file"));
}
END_TEST

/* ---- malformed recipes ----------------------------------------------------------- */

struct bad_recipe {
        const char *file;
        const char *content;
        const char *needle;
};

#define SVC "[{\"service_name\":\"s\",\"service_config\":{}}]"

static const struct bad_recipe bad_recipes[] = {
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\",\"services\":" SVC
          ",\"extra\":1}",
          "unknown key 'extra' (a recipe has name, description, images, version and services)" },
        { "recipe.yml",
          "name: r\ndescription: d\nimages: []\nversion: '1'\nservices: " SVC "\nfoo: 1\nbar: 2\n",
          "unknown keys 'foo', 'bar'" },
        { "recipe.json",
          "{\"name\":\"other\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":" SVC "}",
          "name 'other' does not match its directory 'r'" },
        { "recipe.json", "{\"name\":\"r\",\"images\":[],\"version\":\"1\",\"services\":" SVC "}",
          "'description' is missing" },
        { "recipe.json",
          "{\"name\":7,\"description\":\"d\",\"images\":[],\"version\":\"1\",\"services\":" SVC "}",
          "'name' must be a string" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":[],\"images\":[],\"version\":\"1\",\"services\":" SVC
          "}",
          "'description' must be a string" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":\"x\",\"version\":\"1\","
          "\"services\":" SVC "}",
          "'images' must be a list of strings" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[\"a\",3],\"version\":\"1\","
          "\"services\":" SVC "}",
          "'images' must be a list of strings" },
        /* YAML reads an unquoted 1.0 as a number. */
        { "recipe.yml", "name: r\ndescription: d\nimages: []\nversion: 1.0\nservices: " SVC "\n",
          "'version' must be a string" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\",\"services\":[]}",
          "'services' must be a non-empty list" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\",\"services\":{}}",
          "'services' must be a non-empty list" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[\"s\"]}",
          "services[0] must be a mapping" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[{\"service_name\":\"s\"}]}",
          "services[0].service_config is missing" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[{\"service_name\":\"s\",\"service_config\":\"image: x\"}]}",
          "services[0].service_config must be a mapping" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[{\"service_config\":{}}]}",
          "services[0].service_name is missing" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[{\"service_name\":\"a b\",\"service_config\":{}}]}",
          "service_name 'a b' is not valid: [a-zA-Z0-9._-]" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[{\"service_name\":\"s\",\"service_config\":{}},"
          "{\"service_name\":\"s\",\"service_config\":{}}]}",
          "service 's' is given twice" },
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[{\"service_name\":\"s\",\"service_config\":{},\"config\":{}}]}",
          "unknown key 'config' in services[0]" },
        /* x-* keys are for anchors at the top only. */
        { "recipe.json",
          "{\"name\":\"r\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
          "\"services\":[{\"service_name\":\"s\",\"service_config\":{},\"x-a\":{}}]}",
          "unknown key 'x-a' in services[0]" },
        { "recipe.json", "[1, 2]", "a recipe is a mapping" },
        { "recipe.json", "{\"name\": \"r\",", "malformed JSON at line 1" },
        { "recipe.json", "{\"name\":\"r\",\"name\":\"r\"}", "duplicate" },
        { "recipe.yml", "name: r\nname: r\n", "recipe.yml" },
        { "recipe.yml", "name: [r\n", "recipe.yml" },
};

START_TEST(test_malformed)
{
        const struct bad_recipe *b = &bad_recipes[_i];
        char cat[32];

        (void)snprintf(cat, sizeof(cat), "cat%d", _i);
        put_recipe(cat, "r", b->file, b->content);
        /* Listed (a file is there), refused when read. */
        {
                json_auto_t *a = list_ok(P(cat));

                ck_assert_int_eq(json_array_size(a), 1);
        }
        get_fails(P(cat), "r", -EINVAL, b->needle);
        /* The message names the file. */
        get_fails(P(cat), "r", -EINVAL, b->file);
}
END_TEST

START_TEST(test_two_files)
{
        static const char ok[] = "{\"name\":\"r\",\"description\":\"d\",\"images\":[],"
                                 "\"version\":\"1\",\"services\":" SVC "}";

        put_recipe("cat", "r", "recipe.json", ok);
        put_recipe("cat", "r", "recipe.yml", ok); /* JSON is YAML */
        get_fails(P("cat"), "r", -EINVAL, "has both recipe.yml and recipe.json");
}
END_TEST

START_TEST(test_too_large)
{
        _cleanup_free_ char *big = malloc(1024 * 1024 + 64);

        ck_assert_ptr_nonnull(big);
        memset(big, ' ', 1024 * 1024 + 63);
        big[0] = '{';
        big[1024 * 1024 + 62] = '}';
        big[1024 * 1024 + 63] = 0;
        put_recipe("cat", "r", "recipe.json", big);
        get_fails(P("cat"), "r", -EINVAL, "larger than 1048576 bytes");
}
END_TEST

START_TEST(test_extension_keys)
{
        json_auto_t *r = NULL;

        put_recipe("cat", "r", "recipe.yaml",
                   "x-common: &c\n  restart: always\n  image: busybox\n"
                   "name: r\ndescription: d\nimages: [busybox]\nversion: \"2\"\n"
                   "services:\n"
                   "  - service_name: a\n    service_config:\n      <<: *c\n"
                   "  - service_name: b.2\n    service_config:\n      <<: *c\n      restart: "
                   "\"no\"\n");
        r = get_ok(P("cat"), "r");
        ck_assert_ptr_null(json_object_get(r, "x-common"));
        ck_assert_int_eq(json_object_size(r), 5);
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(json_array_get(json_object_get(r, "services"), 0),
                                                 "service_config"),
                                 "restart")),
                         "always");
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(json_array_get(json_object_get(r, "services"), 1),
                                                 "service_config"),
                                 "restart")),
                         "no");
}
END_TEST

/* ---- merge ----------------------------------------------------------------------- */

static json_t *service_config_of(json_t *recipe, size_t i)
{
        return json_object_get(json_array_get(json_object_get(recipe, "services"), i),
                               "service_config");
}

START_TEST(test_merge_seed_set)
{
        /* The seed's "Create a new pod" body: hello_world is the document's own, by
         * name, and my-website is the static_site recipe's service renamed (the same
         * build context): nothing is added, and the document stays as the seed's reply
         * shows it. */
        json_auto_t *body =
                loads("{\"fileContents\":{\"version\":\"3\",\"services\":{"
                      "\"hello_world\":{\"image\":\"ubuntu\",\"command\":[\"/bin/echo\",\"Hello "
                      "world\"]},"
                      "\"my-website\":{\"build\":\"static_site/image/\",\"ports\":[\"3001:3000\"],"
                      "\"volumes\":[\"/usr/share/canteen/data/od-pod-hello-site/static_site/www/:/"
                      "www/\"],"
                      "\"restart\":\"always\"}}},"
                      "\"recipes\":[\"hello_world\",\"static_site\"]}");
        json_auto_t *before = NULL;
        struct berth_error err = {};
        json_t *fc = json_object_get(body, "fileContents");
        int r;

        before = json_deep_copy(fc);
        r = pod_recipes_merge(catalogue, json_object_get(body, "recipes"), fc, &err);
        ck_assert_msg(r == 0, "merge: %d %s", r, err.msg);
        ck_assert_int_eq(json_object_size(json_object_get(fc, "services")), 2);
        ck_assert(json_equal(fc, before));
}
END_TEST

START_TEST(test_merge_adds_missing)
{
        /* Only hello_world is there: static_site's service is added as the recipe has
         * it, under its own name. */
        json_auto_t *fc = loads("{\"version\":\"3\",\"services\":{\"hello_world\":"
                                "{\"image\":\"ubuntu\"}}}");
        json_auto_t *recipes = loads("[\"hello_world\",\"static_site\"]");
        json_auto_t *site = get_ok(catalogue, "static_site");
        struct berth_error err = {};
        json_t *svcs = json_object_get(fc, "services");

        ck_assert_int_eq(pod_recipes_merge(catalogue, recipes, fc, &err), 0);
        ck_assert_int_eq(json_object_size(svcs), 2);
        ck_assert_str_eq(json_string_value(jpath(svcs, "hello_world", "image", NULL)), "ubuntu");
        ck_assert(json_equal(json_object_get(svcs, "static_site"), service_config_of(site, 0)));
}
END_TEST

START_TEST(test_merge_renamed_copy)
{
        /* A service of the document that runs the recipe's image under another name is
         * its copy; a context written differently ("./x" vs "x/") is the same. */
        json_auto_t *fc = loads("{\"services\":{\"db\":{\"image\":\"postgres:latest\"},"
                                "\"site\":{\"build\":{\"context\":\"./static_site/image\"}}}}");
        json_auto_t *recipes = loads("[\"postgres_latest\",\"static_site\",\"hello_world\"]");
        struct berth_error err = {};
        json_t *svcs = json_object_get(fc, "services");

        ck_assert_int_eq(pod_recipes_merge(catalogue, recipes, fc, &err), 0);
        ck_assert_ptr_null(json_object_get(svcs, "postgres_pg"));
        ck_assert_ptr_null(json_object_get(svcs, "static_site"));
        ck_assert_ptr_nonnull(json_object_get(svcs, "hello_world"));
        ck_assert_int_eq(json_object_size(svcs), 3);
}
END_TEST

START_TEST(test_merge_creates_services)
{
        json_auto_t *fc = loads("{\"version\":\"3\"}");
        json_auto_t *recipes =
                loads("[\"harbor-registry\",\"postgres_latest\",\"harbor-registry\"]");
        json_auto_t *harbor = get_ok(catalogue, "harbor-registry");
        json_auto_t *pg = get_ok(catalogue, "postgres_latest");
        struct berth_error err = {};
        json_t *svcs;
        size_t i;
        json_t *s;

        ck_assert_int_eq(pod_recipes_merge(catalogue, recipes, fc, &err), 0);
        svcs = json_object_get(fc, "services");
        ck_assert(json_is_object(svcs));
        ck_assert_int_eq(json_object_size(svcs),
                         json_array_size(json_object_get(harbor, "services")) +
                                 json_array_size(json_object_get(pg, "services")));
        json_array_foreach (json_object_get(harbor, "services"), i, s)
                ck_assert(json_equal(json_object_get(svcs, json_string_value(json_object_get(
                                                                   s, "service_name"))),
                                     json_object_get(s, "service_config")));
        ck_assert(json_equal(json_object_get(svcs, "postgres_pg"), service_config_of(pg, 0)));
}
END_TEST

START_TEST(test_merge_first_recipe_wins)
{
        json_auto_t *fc = loads("{\"services\":null}");
        json_auto_t *recipes = loads("[\"one\",\"two\"]");
        struct berth_error err = {};

        put_recipe("cat", "one", "recipe.json",
                   "{\"name\":\"one\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
                   "\"services\":[{\"service_name\":\"s\",\"service_config\":{\"image\":\"a\"}}]}");
        put_recipe("cat", "two", "recipe.json",
                   "{\"name\":\"two\",\"description\":\"d\",\"images\":[],\"version\":\"1\","
                   "\"services\":[{\"service_name\":\"s\",\"service_config\":{\"image\":\"b\"}},"
                   "{\"service_name\":\"t\",\"service_config\":{\"image\":\"c\"}}]}");
        ck_assert_int_eq(pod_recipes_merge(P("cat"), recipes, fc, &err), 0);
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(json_object_get(fc, "services"), "s"), "image")),
                         "a");
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(json_object_get(fc, "services"), "t"), "image")),
                         "c");
}
END_TEST

START_TEST(test_merge_refusals)
{
        static const struct {
                const char *recipes;
                const char *fc;
                int code;
                const char *needle;
        } cases[] = {
                { "[\"hello_world\",\"no_such_recipe\"]", "{\"services\":{}}", -ENOENT,
                  "no recipe 'no_such_recipe'" },
                { "[\"hello_world\",\"../static_site\"]", "{\"services\":{}}", -EINVAL,
                  "recipe name '../static_site' is not valid" },
                { "[\"hello_world\",3]", "{\"services\":{}}", -EINVAL, "item 1 is not a string" },
                { "{\"hello_world\":true}", "{\"services\":{}}", -EINVAL,
                  "'recipes' must be a list" },
                { "[\"hello_world\"]", "{\"services\":[]}", -EINVAL,
                  "'fileContents.services' must be a mapping" },
                { "[\"hello_world\"]", "[]", -EINVAL, "'fileContents' must be a mapping" },
        };

        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                json_auto_t *recipes = loads(cases[k].recipes), *fc = loads(cases[k].fc);
                json_auto_t *before = json_deep_copy(fc);
                struct berth_error err = {};
                int r;

                r = pod_recipes_merge(catalogue, recipes, fc, &err);
                ck_assert_msg(r == cases[k].code, "case %zu: %d %s", k, r, err.msg);
                ck_assert_msg(strstr(err.msg, cases[k].needle), "case %zu: '%s' lacks '%s'", k,
                              err.msg, cases[k].needle);
                /* Nothing merged, not even the recipes before the bad one. */
                ck_assert_msg(json_equal(fc, before), "case %zu: the document changed", k);
        }
        /* No recipes: nothing to do. */
        {
                json_auto_t *fc = loads("{\"version\":\"3\"}");
                json_auto_t *empty = loads("[]");
                struct berth_error err = {};

                ck_assert_int_eq(pod_recipes_merge(catalogue, NULL, fc, &err), 0);
                ck_assert_int_eq(pod_recipes_merge(catalogue, json_null(), fc, &err), 0);
                ck_assert_int_eq(pod_recipes_merge(catalogue, empty, fc, &err), 0);
                ck_assert_int_eq(json_object_size(fc), 1);
        }
}
END_TEST

static Suite *recipes_suite(void)
{
        Suite *s = suite_create("recipes");
        TCase *tc;

        tc = tcase_create("catalogue");
        tcase_add_unchecked_fixture(tc, catalogue_setup, NULL);
        tcase_add_test(tc, test_list_seed_names);
        tcase_add_test(tc, test_folding_at_home_is_the_seeds);
        tcase_add_test(tc, test_offline_recipes);
        tcase_add_test(tc, test_registry_recipes_say_so);
        tcase_add_test(tc, test_yaml_merge_keys);
        tcase_add_test(tc, test_postgres_latest_host_network);
        tcase_add_test(tc, test_recipes_compose);
        tcase_add_test(tc, test_openapi_examples);
        suite_add_tcase(s, tc);

        tc = tcase_create("names");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_test(tc, test_bad_names);
        tcase_add_test(tc, test_links_not_followed);
        tcase_add_test(tc, test_missing_catalogue);
        suite_add_tcase(s, tc);

        tc = tcase_create("malformed");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_loop_test(tc, test_malformed, 0, (int)ELEMENTSOF(bad_recipes));
        tcase_add_test(tc, test_two_files);
        tcase_add_test(tc, test_too_large);
        tcase_add_test(tc, test_extension_keys);
        suite_add_tcase(s, tc);

        tc = tcase_create("merge");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, dir_setup, NULL);
        tcase_add_test(tc, test_merge_seed_set);
        tcase_add_test(tc, test_merge_adds_missing);
        tcase_add_test(tc, test_merge_renamed_copy);
        tcase_add_test(tc, test_merge_creates_services);
        tcase_add_test(tc, test_merge_first_recipe_wins);
        tcase_add_test(tc, test_merge_refusals);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(recipes_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
