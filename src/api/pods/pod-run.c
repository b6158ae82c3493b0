/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Making and removing a pod service's container (pod.c decides what should run, this
 * file makes it): its data directories below the data root, never through a link; for
 * Docker, the engine, the pod's network and the image (built when missing); for berth's
 * launcher, the root (the image attached, squashfs, an overlay).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "container.h"
#include "docker.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "objects.h"
#include "pod-db.h"
#include "pod-run.h"
#include "pods-state.h"
#include "rbd.h"
#include "store.h"
#include "strv.h"

#define LABEL_PROJECT "com.docker.compose.project"

/* mkdir -p of path, which lies below root, never through a symbolic link: a container
 * that made one in its data directory cannot send berthd's mkdir elsewhere. */
static int mkdir_beneath(const char *root, const char *path, struct berth_error *err)
{
        _cleanup_free_ char *rel = NULL;
        size_t n = strlen(root);
        char *save = NULL, *comp;
        int fd, r = 0;

        while (n > 1 && root[n - 1] == '/')
                n--;
        if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != 0))
                return berth_error_set(err, EPERM, "%s is not below %s", path, root);
        r = mkdir_p(root, 0755);
        if (r < 0)
                return berth_error_set(err, -r, "pod data root %s: %s", root, strerror(-r));
        fd = open(root, O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set(err, errno, "pod data root %s: %m", root);
        rel = strdup(path + n);
        if (!rel) {
                close(fd);
                return -ENOMEM;
        }
        for (comp = strtok_r(rel, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
                int nfd;
                if (streq(comp, ".") || streq(comp, "..")) {
                        r = berth_error_set(err, EPERM, "%s: '%s' in a data path", path, comp);
                        break;
                }
                if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
                        r = berth_error_set(err, errno, "making %s: %m", path);
                        break;
                }
                nfd = openat(fd, comp, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0) {
                        r = berth_error_set(err, errno == ELOOP ? EPERM : errno,
                                            "making %s: '%s' is %s", path, comp,
                                            errno == ELOOP || errno == ENOTDIR
                                                    ? "not a directory (a link or a file)"
                                                    : strerror(errno));
                        break;
                }
                close(fd);
                fd = nfd;
        }
        close(fd);
        return r;
}

/* The monitors of the Ceph configuration (mon_host / mon host in [global]), as the
 * ImageAPI takes them: "ip:port" (msgr1 when a port is given) or "ip". */
static int conf_monitors(const char *conf, char ***ret, struct berth_error *err)
{
        _cleanup_fclose_ FILE *f = fopen(conf, "re");
        _cleanup_strv_free_ char **v1 = NULL, **any = NULL;
        char line[1024];

        if (!f)
                return berth_error_set(err, errno == ENOENT ? EINVAL : errno,
                                       "rbd:// images need the Ceph configuration %s: %m", conf);
        while (fgets(line, sizeof(line), f)) {
                char *k = line + strspn(line, " \t"), *v = strchr(k, '='), *save = NULL, *t;
                size_t kl;
                if (!v)
                        continue;
                kl = (size_t)(v - k);
                while (kl > 0 && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
                        kl--;
                if (!((kl == 8 && strncmp(k, "mon_host", 8) == 0) ||
                      (kl == 8 && strncmp(k, "mon host", 8) == 0)))
                        continue;
                for (t = strtok_r(v + 1, " \t\n,[]", &save); t;
                     t = strtok_r(NULL, " \t\n,[]", &save)) {
                        char *slash = strchr(t, '/'), *a;
                        bool is_v1 = has_prefix(t, "v1:"), is_v2 = has_prefix(t, "v2:");
                        if (slash)
                                *slash = 0;
                        a = strdup(is_v1 || is_v2 ? t + 3 : t);
                        if (!a || strv_consume(is_v2 ? &any : &v1, a) < 0)
                                return -ENOMEM;
                }
        }
        if (strv_length(v1) > 0) {
                *ret = TAKE_PTR(v1);
                return 0;
        }
        /* Only msgr2 addresses: their hosts, on the msgr1 default port. */
        STRV_FOREACH (a, any) {
                char *colon = strrchr(*a, ':');
                if (colon)
                        *colon = 0;
        }
        if (strv_length(any) > 0) {
                *ret = TAKE_PTR(any);
                return 0;
        }
        return berth_error_set(err, EINVAL, "rbd:// images: %s names no monitor (mon_host)", conf);
}

/* The root of a native service: its image attached read-only (a loop device of the
 * file, or the RBD image), mounted as squashfs, with an overlay on top. */
static int native_root(struct berth_pods *p, const struct pod_service *svc,
                       struct berth_mount_spec **ret, struct berth_error *err)
{
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *ov = NULL;
        struct berth_mount_spec *lower;
        struct berth_attach_spec *a;
        int r;

        ov = calloc(1, sizeof(*ov));
        lower = calloc(1, sizeof(*lower));
        a = calloc(1, sizeof(*a));
        if (!ov || !lower || !a) {
                free(lower);
                free(a);
                return -ENOMEM;
        }
        ov->kind = BERTH_MOUNT_OVERLAY;
        ov->overlay.lower = calloc(1, sizeof(*ov->overlay.lower));
        if (!ov->overlay.lower) {
                free(lower);
                free(a);
                return -ENOMEM;
        }
        ov->overlay.lower[0] = lower;
        ov->overlay.n_lower = 1;
        lower->kind = BERTH_MOUNT_ATTACH;
        lower->attach.attach = a;
        lower->attach.fs_type = strdup("squashfs");
        if (!lower->attach.fs_type)
                return -ENOMEM;
        if (has_prefix(svc->image, "file://")) {
                a->kind = BERTH_ATTACH_LOOPBACK;
                a->loopback.path = strdup(svc->image + strlen("file://"));
                a->loopback.base = BERTH_BASE_ROOT;
                a->loopback.ro = 1;
                if (!a->loopback.path)
                        return -ENOMEM;
        } else if (has_prefix(svc->image, "rbd://")) {
                const char *pi = svc->image + strlen("rbd://"), *slash = strchr(pi, '/');
                const char *at = slash ? strchr(slash, '@') : NULL;
                a->kind = BERTH_ATTACH_RBD;
                if (!slash)
                        return berth_error_set(err, EINVAL,
                                               "service '%s': image %s: rbd://pool/image",
                                               svc->name, svc->image);
                a->rbd.pool = strndup(pi, (size_t)(slash - pi));
                a->rbd.image =
                        at ? strndup(slash + 1, (size_t)(at - slash - 1)) : strdup(slash + 1);
                a->rbd.snapshot = at ? strdup(at + 1) : NULL;
                if (!a->rbd.pool || !a->rbd.image || (at && !a->rbd.snapshot))
                        return -ENOMEM;
                r = conf_monitors(p->cfg.ceph_conf, &a->rbd.monitors, err);
                if (r < 0)
                        return r;
        } else
                return berth_error_set(err, EINVAL, "service '%s': image %s is not a native image",
                                       svc->name, svc->image);
        *ret = TAKE_PTR(ov);
        return 0;
}

bool pod_doc_uses_bridge(const struct pod_compose *comp)
{
        for (size_t i = 0; i < comp->n_services; i++) {
                const struct pod_service *s = &comp->services[i];
                if (s->engine == POD_ENGINE_DOCKER && s->w.network &&
                    (!s->w.network_mode || streq(s->w.network_mode, "bridge")))
                        return true;
        }
        return false;
}

static struct berth_engine *docker_engine(struct berth_pods *p, struct berth_error *err)
{
        struct berth_engine *e = berth_container_engine(p->s, "docker");

        if (!e)
                (void)berth_error_set(err, EHOSTDOWN, "this berthd has no docker engine");
        return e;
}

/* What a docker service needs before its container: the engine, its network, its
 * image (built from its context when missing). */
static int docker_prepare(struct berth_pods *p, const char *project, const struct pod_service *svc,
                          struct berth_error *err)
{
        struct berth_engine *e = docker_engine(p, err);
        int r;

        if (!e)
                return -EHOSTDOWN;
        r = berth_docker_ping(e, err);
        if (r < 0)
                return r;
        if (svc->w.network && (!svc->w.network_mode || streq(svc->w.network_mode, "bridge"))) {
                _cleanup_free_ char *l1 = NULL, *l2 = NULL;
                if (asprintf(&l1, "%s=%s", LABEL_PROJECT, project) < 0 ||
                    asprintf(&l2, "com.docker.compose.network=default") < 0)
                        return -ENOMEM;
                r = berth_docker_network_ensure(e, svc->w.network, (char *const[]){ l1, l2, NULL },
                                                err);
                if (r < 0)
                        return r;
        }
        if (svc->build_context) {
                r = berth_docker_image_exists(e, svc->image, err);
                if (r < 0)
                        return r;
                if (r == 0) {
                        _cleanup_free_ char *l1 = NULL;
                        if (asprintf(&l1, "%s=%s", LABEL_PROJECT, project) < 0)
                                return -ENOMEM;
                        log_info("pod %s: building %s from %s", project, svc->image,
                                 svc->build_context);
                        r = berth_docker_build(e, svc->build_context, svc->build_dockerfile,
                                               svc->image, (char *const[]){ l1, NULL }, NULL, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int id_of(struct berth_obj *o, void *userdata)
{
        *(uint64_t *)userdata = o->id;
        return 0;
}

/* Make and start the container of svc. */
int pod_service_create(struct berth_pods *p, const char *project, const struct pod_service *svc,
                       uint64_t *ret_id, struct berth_error *err)
{
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *root = NULL;
        struct berth_workload w;
        uint64_t id = 0;
        int r;

        STRV_FOREACH (d, svc->data_dirs) {
                r = mkdir_beneath(p->cfg.data_root, *d, err);
                if (r < 0)
                        return r;
        }
        if (svc->engine == POD_ENGINE_DOCKER) {
                r = docker_prepare(p, project, svc, err);
                if (r < 0)
                        return r;
        } else {
                r = native_root(p, svc, &root, err);
                if (r < 0)
                        return r;
        }
        r = berth_workload_copy(&w, &svc->w);
        if (r < 0)
                return r;
        if (svc->engine == POD_ENGINE_NATIVE) {
                /* The native engine runs the mount, not the URL. */
                free(w.image);
                w.image = NULL;
        }
        r = berth_container_create(
                p->s,
                &(struct berth_container_def){
                        .name = svc->container_name,
                        .root = root,
                        .workload = &w,
                        .engine = svc->engine == POD_ENGINE_DOCKER ? "docker" : "native",
                        .start = true,
                },
                id_of, &id, err);
        berth_workload_done(&w);
        if (r < 0)
                return r;
        *ret_id = id;
        return 0;
}

int pod_container_remove(struct berth_pods *p, uint64_t id, uint64_t stop_timeout_ms,
                         struct berth_error *err)
{
        struct berth_error ignored = {};
        int r;

        /* Stopped with its signal first, so that it can end cleanly; the delete ends
         * what is left. */
        if (berth_container_set_state(p->s, id, BERTH_CONTAINER_EXITED, NULL, NULL, &ignored) >= 0)
                (void)berth_container_wait_ended(p->s, id, stop_timeout_ms + 2000);
        r = berth_store_delete(p->s, BERTH_OBJ_CONTAINER, id, /* force= */ true, NULL, NULL, err);
        return r == -ENOENT ? 0 : r;
}

/* The docker network of the pod, when no container of the pod is left. */
void pod_network_cleanup(struct berth_pods *p, const char *project)
{
        struct berth_engine *e = berth_container_engine(p->s, "docker");
        _cleanup_free_ char *net = NULL;
        struct berth_error err = {};

        if (!e || asprintf(&net, "%s_default", project) < 0)
                return;
        if (berth_docker_network_remove(e, net, &err) < 0 && err.code != -EHOSTDOWN)
                log_warning("pod %s: %s", project, err.msg);
}
