/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The docker engine's calls beyond containers (docker.h, for the SRC door), against the
 * suite's real dockerd and its real registry on 127.0.0.1 (contrib/dockerd.sh,
 * contrib/registry.sh; those contrib/run-tests.sh started, or this program's own): the
 * busybox test image tagged, pushed, untagged and pulled back for real; a single-node
 * swarm on 127.0.0.1 with a replicated service of that image. Each test removes what it
 * made, in the registry too; the swarm test leaves the engine out of any swarm, and what
 * a failed test left is swept after the runner (Check runs no teardown after a failure).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker-client.h"
#include "docker.h"
#include "error.h"
#include "harness.h"
#include "macro.h"

#define IMAGE "berth-test/busybox:1"

static char docker_host[300];
static char registry[64];
static pid_t main_pid;         /* names start with bs<main_pid>x: what failed tests left is found */
static char swarm_marker[600]; /* there while a test of this program has a swarm */

/* Per test (in its forked process). */
static char prefix[32];
static struct berth_engine *engine;

/* Filters and specs made in a test, freed by its teardown (the calls do not take them). */
static json_t *made[32];
static size_t n_made;

static json_t *keep(json_t *j)
{
        ck_assert_ptr_nonnull(j);
        ck_assert_uint_lt(n_made, ELEMENTSOF(made));
        made[n_made++] = j;
        return j;
}

static void setup(void)
{
        (void)snprintf(prefix, sizeof(prefix), "bs%dx%d", (int)main_pid, (int)getpid());
        engine = test_docker_engine(docker_host, "test-priv-docker-src");
        ck_assert_ptr_nonnull(engine);
}

static void teardown(void)
{
        while (n_made > 0)
                json_decref(made[--n_made]);
        if (engine)
                berth_docker_engine_free(engine);
        engine = NULL;
}

/* ---- helpers (no ck_* in those the sweep uses) -------------------------------------------- */

/* DELETE a manifest from the registry, by its digest reference "HOST:PORT/REPO@DIGEST":
 * the HTTP status, 0 when it did not answer. */
static long registry_delete(const char *digest_ref)
{
        const char *slash = strchr(digest_ref, '/'), *at = strrchr(digest_ref, '@');
        char host[200], path[600];

        if (!slash || !at || at < slash)
                return 0;
        (void)snprintf(host, sizeof(host), "%.*s", (int)(slash - digest_ref), digest_ref);
        (void)snprintf(path, sizeof(path), "%.*s/manifests/%s", (int)(at - slash - 1), slash + 1,
                       at + 1);
        return test_registry_call(host, "DELETE", path);
}

/* Every local reference of the images whose tags or digests start with repo_prefix
 * removed (force), and their manifests from the registry: how many references went. */
static int remove_repo_images(struct berth_engine *e, const char *repo_prefix)
{
        json_t *l = NULL, *o;
        size_t i;
        int n = 0;

        if (berth_docker_images(e, &l, NULL) < 0)
                return 0;
        json_array_foreach (l, i, o) {
                static const char *const keys[] = { "RepoDigests", "RepoTags" };
                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        size_t j;
                        json_t *t;
                        json_array_foreach (json_object_get(o, keys[k]), j, t) {
                                const char *ref = json_string_value(t);
                                if (!ref || strncmp(ref, repo_prefix, strlen(repo_prefix)) != 0)
                                        continue;
                                if (k == 0)
                                        (void)registry_delete(ref);
                                if (berth_docker_image_remove(e, ref, true, NULL) >= 0)
                                        n++;
                        }
                }
        }
        json_decref(l);
        return n;
}

static bool image_there(const char *ref)
{
        struct berth_error err = {};
        json_t *j = NULL;
        int r = berth_docker_image_inspect(engine, ref, &j, &err);

        ck_assert_msg(r == 0 || r == -ENOENT, "inspect %s: %s", ref, err.msg);
        ck_assert(r < 0 || json_is_object(j));
        json_decref(j);
        return r == 0;
}

/* ---- the engine ------------------------------------------------------------------------------ */

START_TEST(test_info)
{
        struct berth_error err = {};
        json_auto_t *info = NULL, *l = NULL;
        bool manager = true, active = true;

        ck_assert_msg(berth_docker_info(engine, &info, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(json_string_value(json_object_get(info, "OSType")), "linux");
        ck_assert_ptr_nonnull(json_object_get(info, "Swarm"));
        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        /* The suite's engine is in no swarm but during the swarm test. */
        ck_assert(!manager && !active);

        /* Swarm calls on it: a 503 from Docker, said plainly. */
        ck_assert_int_eq(berth_docker_services(engine, NULL, &l, &err), -ENOTCONN);
        ck_assert_msg(strstr(err.msg, "not a swarm manager") && strstr(err.msg, "list services"),
                      "%s", err.msg);
        ck_assert_ptr_null(l);
        ck_assert_int_eq(berth_docker_nodes(engine, NULL, &l, &err), -ENOTCONN);
        ck_assert_int_eq(berth_docker_swarm_leave(engine, true, &err), -ENOTCONN);

        /* Containers by filters: the image list has the test image, the filters are
         * encoded (a label nobody has finds nothing; a bad filter is Docker's 400). */
        ck_assert_msg(berth_docker_containers(
                              engine, keep(json_pack("{s:[s]}", "label", "io.berth.nobody=1")),
                              true, &l, &err) == 0,
                      "%s", err.msg);
        ck_assert_int_eq(json_array_size(l), 0);
        l = (json_decref(l), NULL);
        ck_assert_int_eq(berth_docker_containers(engine,
                                                 keep(json_pack("{s:[s]}", "nosuchfilter", "x")),
                                                 false, &l, &err),
                         -EINVAL);
        ck_assert_msg(strstr(err.msg, "list containers") && strstr(err.msg, "nosuchfilter"), "%s",
                      err.msg);
        ck_assert_int_eq(
                berth_docker_containers(engine, keep(json_pack("[s]", "x")), true, &l, &err),
                -EINVAL);
        ck_assert_int_eq(berth_docker_container_inspect(engine, "nosuch-ctr", &l, &err), -ENOENT);
        ck_assert_msg(strstr(err.msg, "nosuch-ctr"), "%s", err.msg);
        ck_assert_int_eq(berth_docker_container_inspect(engine, "../x", &l, &err), -EINVAL);
        ck_assert_int_eq(berth_docker_container_stats(engine, "a?b", &l, &err), -EINVAL);
        ck_assert_int_eq(berth_docker_service_remove(engine, "a/b", &err), -EINVAL);
        ck_assert_int_eq(berth_docker_node_inspect(engine, "", &l, &err), -EINVAL);
        ck_assert_int_eq(berth_docker_swarm_init(engine, "127.0.0.1:x", &err), -EINVAL);
        ck_assert_int_eq(berth_docker_swarm_init(engine, "1.2.3.4;rm", &err), -EINVAL);
}
END_TEST

/* ---- images through the registry ------------------------------------------------------------ */

START_TEST(test_registry_round_trip)
{
        struct berth_error err = {};
        char repo[200], ref[260], missing[260];
        json_auto_t *list = NULL, *img = NULL;
        bool listed = false;
        json_t *o;
        size_t i;
        int r;

        (void)snprintf(repo, sizeof(repo), "%s/berth-test/%s", registry, prefix);

        /* The list has the test image. */
        ck_assert_msg(berth_docker_images(engine, &list, &err) == 0, "%s", err.msg);
        json_array_foreach (list, i, o) {
                size_t k;
                json_t *t;
                json_array_foreach (json_object_get(o, "RepoTags"), k, t)
                        listed |= streq(json_string_value(t), IMAGE);
        }
        ck_assert_msg(listed, "%s is not in the image list", IMAGE);

        /* Tag it for the registry as :1, :2 and :latest, push each. */
        static const char *const tags[] = { "1", "2", "latest" };
        for (size_t t = 0; t < ELEMENTSOF(tags); t++) {
                ck_assert_msg(berth_docker_tag(engine, IMAGE, repo, tags[t], &err) == 0, "%s",
                              err.msg);
                ck_assert_msg(berth_docker_push(engine, repo, tags[t], &err) == 0, "%s", err.msg);
        }
        /* The push went to the registry: Docker now knows the image by its digest there. */
        ck_assert_msg(berth_docker_image_inspect(engine, IMAGE, &img, &err) == 0, "%s", err.msg);
        {
                bool digest = false;
                json_array_foreach (json_object_get(img, "RepoDigests"), i, o)
                        digest |= strncmp(json_string_value(o), repo, strlen(repo)) == 0 &&
                                  json_string_value(o)[strlen(repo)] == '@';
                ck_assert_msg(digest, "no digest of %s after the push", repo);
        }

        /* Only the local tags go: the image stays by its own name. */
        for (size_t t = 0; t < ELEMENTSOF(tags); t++) {
                (void)snprintf(ref, sizeof(ref), "%s:%s", repo, tags[t]);
                ck_assert_msg(berth_docker_image_remove(engine, ref, false, &err) == 0, "%s",
                              err.msg);
                ck_assert(!image_there(ref));
        }
        ck_assert(image_there(IMAGE));
        ck_assert_int_eq(berth_docker_image_remove(engine, ref, false, &err), -ENOENT);
        ck_assert_msg(strstr(err.msg, "remove image") && strstr(err.msg, ref), "%s", err.msg);

        /* A pull brings :1 back from the registry. */
        (void)snprintf(ref, sizeof(ref), "%s:1", repo);
        ck_assert(!image_there(ref));
        ck_assert_msg(berth_docker_pull(engine, ref, NULL, &err) == 0, "%s", err.msg);
        ck_assert(image_there(ref));
        /* It is the same image. */
        {
                json_auto_t *pulled = NULL;
                ck_assert_int_eq(berth_docker_image_inspect(engine, ref, &pulled, &err), 0);
                ck_assert_str_eq(json_string_value(json_object_get(pulled, "Id")),
                                 json_string_value(json_object_get(img, "Id")));
        }

        /* A tag the registry does not have: its message, from the pull. (Docker 20.10
         * says this one with a 404 before any stream; errors later in the stream are
         * scanned as build's are.) */
        (void)snprintf(missing, sizeof(missing), "%s:nosuchtag", repo);
        r = berth_docker_pull(engine, missing, NULL, &err);
        ck_assert_msg(r == -ENOENT, "a pull of %s: %d %s", missing, r, err.msg);
        ck_assert_msg(strstr(err.msg, "pull ") && strstr(err.msg, "nosuchtag") &&
                              strstr(err.msg, "manifest unknown"),
                      "%s", err.msg);
        ck_assert(!image_there(missing));
        /* A registry that does not answer (nothing listens on port 1). */
        ck_assert_int_lt(berth_docker_pull(engine, "127.0.0.1:1/berth-test/x:1", NULL, &err), 0);
        ck_assert_msg(strstr(err.msg, "127.0.0.1:1"), "%s", err.msg);

        /* No tag: :latest, and only it. */
        ck_assert_msg(berth_docker_pull(engine, repo, NULL, &err) == 0, "%s", err.msg);
        (void)snprintf(ref, sizeof(ref), "%s:latest", repo);
        ck_assert(image_there(ref));
        (void)snprintf(ref, sizeof(ref), "%s:2", repo);
        ck_assert(!image_there(ref));

        /* Bad references reach no engine. */
        ck_assert_int_eq(berth_docker_pull(engine, "a b", NULL, &err), -EINVAL);
        ck_assert_int_eq(berth_docker_pull(engine, "x:", NULL, &err), -EINVAL);
        ck_assert_int_eq(berth_docker_pull(engine, "-x", NULL, &err), -EINVAL);
        ck_assert_int_eq(berth_docker_pull(engine, repo, "a b", &err), -EINVAL);
        ck_assert_int_eq(berth_docker_tag(engine, IMAGE, repo, "a/b", &err), -EINVAL);
        ck_assert_int_eq(berth_docker_push(engine, "x;y", "1", &err), -EINVAL);
        ck_assert_int_eq(berth_docker_image_remove(engine, "../x", true, &err), -EINVAL);

        /* What it made, gone: tags, digests, manifests in the registry. */
        ck_assert_int_gt(remove_repo_images(engine, repo), 0);
        ck_assert_int_eq(remove_repo_images(engine, repo), 0);
        ck_assert(image_there(IMAGE));
        (void)snprintf(ref, sizeof(ref), "%s:1", repo);
        ck_assert_int_lt(berth_docker_pull(engine, ref, NULL, &err), 0);
}
END_TEST

/* ---- a single-node swarm -------------------------------------------------------------------- */

/* What a swarm test leaves: its services, the swarm (by force), its networks. No ck_*. */
static void swarm_cleanup(struct berth_engine *e, const char *service)
{
        bool active = false;

        if (access(swarm_marker, F_OK) < 0)
                return;
        if (service)
                (void)berth_docker_service_remove(e, service, NULL);
        if (berth_docker_swarm_mode(e, NULL, &active, NULL) >= 0 && active)
                (void)berth_docker_swarm_leave(e, true, NULL);
        (void)berth_docker_network_remove(e, "docker_gwbridge", NULL);
        (void)unlink(swarm_marker);
}

static char swarm_service[64];

static void swarm_teardown(void)
{
        if (engine)
                swarm_cleanup(engine, swarm_service);
        teardown();
}

/* Tasks of the service (a new list). */
static json_t *tasks_of(const char *svc)
{
        struct berth_error err = {};
        json_auto_t *f = json_pack("{s:[s]}", "service", svc);
        json_t *l = NULL;

        ck_assert_ptr_nonnull(f);
        ck_assert_msg(berth_docker_tasks(engine, f, &l, &err) == 0, "%s", err.msg);
        return l;
}

START_TEST(test_swarm)
{
        struct berth_error err = {};
        json_auto_t *nodes = NULL, *spec = NULL, *l = NULL, *svc = NULL, *ctr = NULL;
        json_auto_t *stats = NULL, *ns = NULL;
        _cleanup_free_ char *id = NULL, *id2 = NULL;
        const char *node_id, *ctr_id = NULL;
        bool manager = false, active = false;
        double t0, converged = -1;
        json_t *o;
        size_t i;
        int fd;

        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        ck_assert_msg(!active, "the engine at %s is in a swarm already: not this test's to leave",
                      docker_host);
        fd = open(swarm_marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        (void)close(fd);
        (void)snprintf(swarm_service, sizeof(swarm_service), "%s-svc", prefix);

        ck_assert_msg(berth_docker_swarm_init(engine, "127.0.0.1", &err) == 0, "%s", err.msg);
        ck_assert_int_eq(berth_docker_swarm_init(engine, "127.0.0.1", &err), -EBUSY);
        ck_assert_msg(strstr(err.msg, "already part of a swarm"), "%s", err.msg);
        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        ck_assert(manager && active);

        /* This node, the leader. */
        ck_assert_msg(berth_docker_nodes(engine, NULL, &nodes, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(json_array_size(nodes), 1);
        o = json_array_get(nodes, 0);
        ck_assert(json_is_true(json_object_get(json_object_get(o, "ManagerStatus"), "Leader")));
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "Spec"), "Role")),
                         "manager");
        ck_assert_str_eq(
                json_string_value(json_object_get(json_object_get(o, "ManagerStatus"), "Addr")),
                "127.0.0.1:2377");
        node_id = json_string_value(json_object_get(o, "ID"));
        ck_assert_ptr_nonnull(node_id);
        ck_assert_msg(berth_docker_node_inspect(engine, node_id, &ns, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(json_string_value(json_object_get(ns, "ID")), node_id);
        /* Filters reach Docker: no worker here. */
        ck_assert_int_eq(
                berth_docker_nodes(engine, keep(json_pack("{s:[s]}", "role", "worker")), &l, &err),
                0);
        ck_assert_int_eq(json_array_size(l), 0);
        l = (json_decref(l), NULL);
        ck_assert_int_eq(berth_docker_node_inspect(engine, "nosuchnode", &l, &err), -ENOENT);

        /* A replicated service of one replica, of the local image. */
        spec = json_pack("{s:s, s:{s:s}, s:{s:{s:s, s:[s,s,s]}, s:{s:s}}, s:{s:{s:i}}}", "Name",
                         swarm_service, "Labels", "io.berth.test", prefix, "TaskTemplate",
                         "ContainerSpec", "Image", IMAGE, "Command", "sh", "-c",
                         "trap 'exit 0' TERM; while true; do sleep 1; done", "RestartPolicy",
                         "Condition", "any", "Mode", "Replicated", "Replicas", 1);
        ck_assert_ptr_nonnull(spec);
        t0 = test_now();
        ck_assert_msg(berth_docker_service_create(engine, spec, &id, &err) == 0, "%s", err.msg);
        ck_assert_ptr_nonnull(id);
        ck_assert_int_eq(berth_docker_service_create(engine, spec, &id2, &err), -EEXIST);
        ck_assert_ptr_null(id2);
        ck_assert_msg(strstr(err.msg, swarm_service), "%s", err.msg);
        ck_assert_msg(berth_docker_service_inspect(engine, swarm_service, &svc, &err) == 0, "%s",
                      err.msg);
        ck_assert_str_eq(json_string_value(json_object_get(svc, "ID")), id);
        ck_assert_msg(berth_docker_services(
                              engine, keep(json_pack("{s:[s]}", "label", "io.berth.test=nobody")),
                              &l, &err) == 0,
                      "%s", err.msg);
        ck_assert_int_eq(json_array_size(l), 0);
        l = (json_decref(l), NULL);
        ck_assert_int_eq(berth_docker_services(engine,
                                               keep(json_pack("{s:[s]}", "name", swarm_service)),
                                               &l, &err),
                         0);
        ck_assert_int_eq(json_array_size(l), 1);
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0), "ID")), id);
        l = (json_decref(l), NULL);

        /* Its task runs, about half a second later (bounded). */
        while (converged < 0 && test_now() - t0 < 30) {
                json_decref(l);
                l = tasks_of(swarm_service);
                json_array_foreach (l, i, o) {
                        json_t *st = json_object_get(o, "Status");
                        if (streq_ptr(json_string_value(json_object_get(st, "State")), "running")) {
                                converged = test_now() - t0;
                                ctr_id = json_string_value(json_object_get(
                                        json_object_get(st, "ContainerStatus"), "ContainerID"));
                        }
                }
                if (converged < 0)
                        (void)usleep(50 * 1000);
        }
        ck_assert_msg(converged >= 0, "no task of %s runs after 30 s", swarm_service);
        fprintf(stderr, "test-priv-docker-src: the service's task ran after %.2f s\n", converged);
        ck_assert_int_eq(json_array_size(l), 1);
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0), "NodeID")),
                         node_id);
        ck_assert_ptr_nonnull(ctr_id);

        /* Its container, as Docker has it: found by the service's label, inspected, and its
         * stats with both samples (precpu filled). */
        {
                json_auto_t *cl = NULL;
                char label[200];
                (void)snprintf(label, sizeof(label), "com.docker.swarm.service.name=%s",
                               swarm_service);
                ck_assert_msg(berth_docker_containers(engine,
                                                      keep(json_pack("{s:[s]}", "label", label)),
                                                      false, &cl, &err) == 0,
                              "%s", err.msg);
                ck_assert_int_eq(json_array_size(cl), 1);
                ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cl, 0), "Id")),
                                 ctr_id);
        }
        ck_assert_msg(berth_docker_container_inspect(engine, ctr_id, &ctr, &err) == 0, "%s",
                      err.msg);
        ck_assert(json_is_true(json_object_get(json_object_get(ctr, "State"), "Running")));
        ck_assert_msg(berth_docker_container_stats(engine, ctr_id, &stats, &err) == 0, "%s",
                      err.msg);
        ck_assert_msg(json_integer_value(json_object_get(json_object_get(stats, "precpu_stats"),
                                                         "system_cpu_usage")) > 0,
                      "no precpu_stats: %s", json_dumps(stats, JSON_COMPACT));
        ck_assert_int_gt(json_integer_value(json_object_get(json_object_get(stats, "cpu_stats"),
                                                            "system_cpu_usage")),
                         json_integer_value(json_object_get(json_object_get(stats, "precpu_stats"),
                                                            "system_cpu_usage")));

        /* Removed: its tasks and container go. */
        ck_assert_msg(berth_docker_service_remove(engine, swarm_service, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(berth_docker_service_remove(engine, swarm_service, &err), -ENOENT);
        ck_assert_msg(strstr(err.msg, swarm_service), "%s", err.msg);
        t0 = test_now();
        for (;;) {
                json_auto_t *cl = NULL, *all = NULL;
                size_t left = 0;
                /* (a filter by the service's name is a 404 once it is gone) */
                ck_assert_msg(berth_docker_tasks(engine, NULL, &all, &err) == 0, "%s", err.msg);
                json_array_foreach (all, i, o)
                        left += streq_ptr(json_string_value(json_object_get(o, "ServiceID")), id);
                ck_assert_int_eq(berth_docker_container_inspect(engine, ctr_id, &cl, &err) == 0 ||
                                         err.code == -ENOENT,
                                 1);
                if (left == 0 && !cl)
                        break;
                ck_assert_msg(test_now() - t0 < 30, "the tasks of %s stay: %s", swarm_service,
                              json_dumps(all, JSON_COMPACT));
                (void)usleep(100 * 1000);
        }

        /* Left: no swarm, no network of it. */
        ck_assert_msg(berth_docker_swarm_leave(engine, true, &err) == 0, "%s", err.msg);
        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        ck_assert(!manager && !active);
        l = (json_decref(l), NULL); /* (ctr_id was in it) */
        ck_assert_int_eq(berth_docker_nodes(engine, NULL, &l, &err), -ENOTCONN);
        ck_assert_int_eq(berth_docker_swarm_leave(engine, false, &err), -ENOTCONN);
        {
                struct docker_client *dc = NULL;
                ck_assert_int_eq(docker_client_new(docker_host, &dc, &err), 0);
                ck_assert_int_eq(docker_call(dc, "GET", "/networks/docker_gwbridge", NULL, NULL,
                                             &err, "inspect"),
                                 -ENOENT);
                ck_assert_int_eq(
                        docker_call(dc, "GET", "/networks/ingress", NULL, NULL, &err, "inspect"),
                        -ENOENT);
                docker_client_free(dc);
        }
        (void)unlink(swarm_marker);
}
END_TEST

static Suite *src_suite(void)
{
        Suite *s = suite_create("priv-docker-src");

        tcase_add_test(test_tcase(s, "engine", setup, teardown, 60), test_info);
        tcase_add_test(test_tcase(s, "registry", setup, teardown, 120), test_registry_round_trip);
        tcase_add_test(test_tcase(s, "swarm", setup, swarm_teardown, 120), test_swarm);
        return s;
}

/* After the runner: what failed tests left (no teardown runs after a failure in a forked
 * test): the swarm (only when a test of this program made it), images and manifests of
 * this program's repositories. No ck_* call here. */
static void sweep(void)
{
        struct berth_engine *e = test_docker_engine(docker_host, "test-priv-docker-src");
        char repo[200];

        if (!e)
                return;
        if (access(swarm_marker, F_OK) == 0) {
                fprintf(stderr, "test-priv-docker-src: leaving the swarm a failed test left\n");
                swarm_cleanup(e, NULL);
        }
        (void)snprintf(repo, sizeof(repo), "%s/berth-test/bs%dx", registry, (int)main_pid);
        if (remove_repo_images(e, repo) > 0)
                fprintf(stderr, "test-priv-docker-src: removed images of %s*\n", repo);
        berth_docker_engine_free(e);
}

int main(void)
{
        int r;

        test_require_root("test-priv-docker-src");
        test_priv_begin("test-priv-docker-src", "docker-src");
        r = test_docker_need("test-priv-docker-src", docker_host, sizeof(docker_host), IMAGE,
                             registry, sizeof(registry));
        if (r != 0)
                return r;
        main_pid = getpid();
        /* Not in the run directory: test_priv_run() removes it before the sweep. */
        (void)snprintf(swarm_marker, sizeof(swarm_marker), "/var/tmp/bsw-%d", (int)main_pid);
        r = test_priv_run(src_suite(), "test-priv-docker-src", NULL, NULL);
        sweep();
        return r;
}
