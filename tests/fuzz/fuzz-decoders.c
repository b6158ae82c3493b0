/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for every request decoder, the command-line splitter, the
 * mount-option parser, the unix socket's HTTP request parser, berth-init's launch and
 * exec specs, compose documents (YAML, and JSON as a pod's fileContents), JSON-RPC
 * requests and OCI bundles' config.json (org.rdk.OCIContainer). The first
 * byte picks the decoder; the rest is its input (JSON for the decoders, text for the
 * others). Seeds: the request examples of the OpenAPI document, valid launch and exec
 * specs and compose documents (tests/fuzz/make-corpus.py). `make fuzz` runs it; with
 * --enable-fuzz, `make check` runs it briefly (tests/fuzz/run.sh).
 */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "compose.h"
#include "container.h"
#include "dobby-spec.h"
#include "error.h"
#include "imageapi-codec.h"
#include "launch-spec.h"
#include "launch.h"
#include "macro.h"
#include "jsonrpc.h"
#include "mountopts.h"
#include "oci-config.h"
#include "request-parse.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_json(unsigned which, const char *text, size_t len)
{
        struct berth_attach_spec *as = NULL;
        struct berth_mount_spec *ms = NULL;
        struct berth_container_spec *cs = NULL;
        struct berth_error err = {};
        json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);

        if (!j)
                return;
        switch (which) {
        case 0:
                (void)imageapi_decode_attach(j, "", 0, 0, &as, &err);
                break;
        case 1:
                (void)imageapi_decode_mount(j, "", 0, 0, &ms, &err);
                break;
        case 2:
                (void)imageapi_decode_overlay_v01(j, &ms, &err);
                break;
        case 3:
                (void)imageapi_decode_rbd_v01(j, &as, &err);
                break;
        case 4:
                (void)imageapi_decode_mount_rbd_v01(j, &ms, &err);
                break;
        default:
                (void)imageapi_decode_container(j, &cs, &err);
                break;
        }
        /* Every message is a terminated string. */
        if (strlen(err.msg) >= sizeof(err.msg))
                abort();
        berth_attach_spec_free(as);
        berth_mount_spec_free(ms);
        berth_container_spec_free(cs);
        json_decref(j);
}

/* A spec refused: -EINVAL (or -ENOMEM) with a terminated message of its own. */
static void check_refusal(int r, const struct berth_error *err)
{
        if ((r != -EINVAL && r != -ENOMEM) || err->code != r ||
            strlen(err->msg) >= sizeof(err->msg) || strncmp(err->msg, "launch spec: ", 13) != 0)
                abort();
}

/* Sorted, so that equal specs give equal text. Takes j. */
static char *spec_text(json_t *j)
{
        char *text;

        /* The encoders return NULL for OOM only: a decoded spec has all they need. */
        if (!j)
                abort();
        text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        if (!text)
                abort();
        return text;
}

/* What berth-init reads back from what berthd wrote: it must decode. */
static json_t *spec_reload(const char *text)
{
        json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);

        if (!j)
                abort();
        return j;
}

/* berth-init's decoders get the text loaded as berth-init loads it (duplicate keys allowed,
 * the last wins; any value, not only objects). What they accept goes round: berthd encodes,
 * berth-init decodes, and the second encoding is the first. */
static void decode_launch(const char *text, size_t len)
{
        struct berth_launch a, b;
        struct berth_error err = {};
        _cleanup_free_ char *t1 = NULL, *t2 = NULL;
        json_t *j = json_loadb(text, len, JSON_DECODE_ANY, NULL);
        int r;

        if (!j)
                return;
        r = berth_launch_from_json(j, &a, &err);
        json_decref(j);
        if (r < 0) {
                check_refusal(r, &err);
                return;
        }
        t1 = spec_text(berth_launch_to_json(&a));
        j = spec_reload(t1);
        r = berth_launch_from_json(j, &b, &err);
        json_decref(j);
        if (r < 0)
                abort();
        t2 = spec_text(berth_launch_to_json(&b));
        if (!streq(t1, t2))
                abort();
        berth_launch_done(&a);
        berth_launch_done(&b);
}

static void decode_exec(const char *text, size_t len)
{
        struct berth_exec_spec a, b;
        struct berth_error err = {};
        _cleanup_free_ char *t1 = NULL, *t2 = NULL;
        json_t *j = json_loadb(text, len, JSON_DECODE_ANY, NULL);
        int r;

        if (!j)
                return;
        r = berth_exec_spec_from_json(j, &a, &err);
        json_decref(j);
        if (r < 0) {
                check_refusal(r, &err);
                return;
        }
        /* The pidfd travels as an fd, never in the JSON. */
        if (a.pidfd != -EBADF)
                abort();
        t1 = spec_text(berth_exec_spec_to_json(&a));
        j = spec_reload(t1);
        r = berth_exec_spec_from_json(j, &b, &err);
        json_decref(j);
        if (r < 0)
                abort();
        t2 = spec_text(berth_exec_spec_to_json(&b));
        if (!streq(t1, t2))
                abort();
        berth_exec_spec_done(&a);
        berth_exec_spec_done(&b);
}

/* What a service must be once loaded: names, a 64-hex hash, data directories and bind
 * sources below the data root (host paths are not allowed here). */
static void compose_check_service(const struct pod_service *s, const char *root)
{
        size_t n = strlen(root);

        if (!s->name || !s->container_name || !s->image || !s->config_hash ||
            strlen(s->config_hash) != 64 || strspn(s->config_hash, "0123456789abcdef") != 64)
                abort();
        STRV_FOREACH (d, s->data_dirs)
                if (strncmp(*d, root, n) != 0 || (*d)[n] != '/' || strstr(*d, "/../") ||
                    strstr(*d, "//"))
                        abort();
        for (size_t i = 0; i < s->w.n_mounts; i++)
                if (strncmp(s->w.mounts[i].source, root, n) != 0 || s->w.mounts[i].source[n] != '/')
                        abort();
        if (s->engine == POD_ENGINE_NATIVE && (!s->w.args || !s->w.args[0] || s->w.n_ports))
                abort();
}

/* A compose document: refused with a message of its own, or loaded; what loads gives a
 * normalized document that loads again to the same document and hashes. */
static void decode_compose(json_t *j)
{
        const struct pod_compose_opts o = {
                .project = "od-pod-fuzz",
                .data_root = "/usr/share/canteen/data",
                .build_root = "/usr/share/berth/recipes",
        };
        struct pod_compose a = {}, b = {};
        struct berth_error err = {};
        int r;

        r = pod_compose_load(j, &o, &a, &err);
        if (r < 0) {
                if ((r != -EINVAL && r != -EPERM && r != -ENOMEM) || err.code != r ||
                    strlen(err.msg) >= sizeof(err.msg) || !err.msg[0] || a.doc)
                        abort();
                return;
        }
        if (!json_is_string(json_object_get(a.doc, "version")) || a.n_services == 0)
                abort();
        for (size_t i = 0; i < a.n_services; i++) {
                compose_check_service(&a.services[i], o.data_root);
                if (pod_compose_service(&a, a.services[i].name) != &a.services[i])
                        abort();
        }
        if (pod_compose_load(a.doc, &o, &b, &err) < 0 || !json_equal(a.doc, b.doc) ||
            a.n_services != b.n_services)
                abort();
        for (size_t i = 0; i < a.n_services; i++)
                if (!streq(a.services[i].name, b.services[i].name) ||
                    !streq(a.services[i].config_hash, b.services[i].config_hash))
                        abort();
        pod_compose_done(&a);
        pod_compose_done(&b);
}

static void decode_yaml(const char *text, size_t len)
{
        struct berth_error err = {};
        json_t *j = NULL;
        int r = berth_yaml_to_json(text, len, &j, &err);

        if (r < 0) {
                if ((r != -EINVAL && r != -ENOMEM) || err.code != r || !err.msg[0] ||
                    strlen(err.msg) >= sizeof(err.msg) || j)
                        abort();
                return;
        }
        if (!json_is_object(j) && !json_is_array(j))
                abort();
        decode_compose(j);
        json_decref(j);
}

/* A JSON-RPC body: refused with one of the envelope's codes and a terminated message,
 * or a request with a method; either way its reply encodes. */
static void decode_jsonrpc(const char *text, size_t len)
{
        struct jsonrpc_request req = {};
        struct jsonrpc_error e = {};
        const char *m = NULL;
        json_t *reply;
        int r;

        r = jsonrpc_request_parse(text, len, &req, &e);
        if (r < 0) {
                if (r == -ENOMEM)
                        return;
                if ((e.code != JSONRPC_PARSE_ERROR && e.code != JSONRPC_INVALID_REQUEST &&
                     e.code != JSONRPC_INVALID_PARAMS) ||
                    strlen(e.message) >= sizeof(e.message) || req.root)
                        abort();
                reply = jsonrpc_error_to_json(&e);
                if (!reply)
                        abort();
                json_decref(reply);
                jsonrpc_error_done(&e);
                return;
        }
        if (!req.method)
                abort();
        (void)jsonrpc_thunder_method(req.method, "org.rdk.OCIContainer", 1, &m);
        reply = jsonrpc_result_new(req.id, json_true());
        if (!reply)
                abort();
        json_decref(reply);
        jsonrpc_request_done(&req);
}

static char bundle[300];

/* An OCI config.json, on a bundle of this program's own (an empty rootfs): refused with
 * a message of its own, or translated into a workload that records and reloads. */
static void decode_oci(const char *text, size_t len)
{
        struct berth_workload w, w2;
        struct berth_error err = {};
        json_t *j, *ann = NULL, *rec;
        int r;

        if (!bundle[0]) {
                char root[320];
                /* In run.sh's directory, which it removes (libFuzzer's exit runs no
                 * atexit handler). */
                const char *dir = getenv("BERTH_FUZZ_DIR");

                (void)snprintf(bundle, sizeof(bundle), "%s/bundle-XXXXXX",
                               dir && *dir ? dir : "/tmp");
                if (!mkdtemp(bundle))
                        abort();
                (void)snprintf(root, sizeof(root), "%s/rootfs", bundle);
                if (mkdir(root, 0755) < 0)
                        abort();
        }
        j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
        if (!j)
                return;
        r = oci_config_to_workload(bundle, j, &(struct oci_overrides){}, &w, &ann, &err);
        json_decref(j);
        if (r < 0) {
                if ((r != -EINVAL && r != -EOPNOTSUPP && r != -ENOMEM) || err.code != r ||
                    !err.msg[0] || strlen(err.msg) >= sizeof(err.msg) || ann)
                        abort();
                return;
        }
        rec = berth_workload_to_json(&w);
        if (!rec || berth_workload_from_json(rec, &w2, &err) < 0)
                abort();
        json_decref(rec);
        berth_workload_done(&w2);
        berth_workload_done(&w);
        json_decref(ann);
}

/* A Dobby legacy spec: refused with a message of its own, or a workload that records
 * and reloads. Pure (dobby-spec.h): no root is made. */
static void decode_dobby(const char *text, size_t len)
{
        const struct dobby_host host = { .ncpus = 2, .cgroup2 = true };
        struct dobby_spec spec = {};
        struct berth_workload w2;
        struct berth_error err = {};
        json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *rec;
        int r;

        if (!j)
                return;
        r = dobby_spec_translate(j, NULL, &host, &spec, &err);
        json_decref(j);
        if (r < 0) {
                if ((r != -EINVAL && r != -EOPNOTSUPP && r != -ENOMEM) || err.code != r ||
                    !err.msg[0] || strlen(err.msg) >= sizeof(err.msg))
                        abort();
                return;
        }
        rec = berth_workload_to_json(&spec.w);
        if (!rec || berth_workload_from_json(rec, &w2, &err) < 0)
                abort();
        json_decref(rec);
        berth_workload_done(&w2);
        dobby_spec_done(&spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned which;
        char *text;

        if (size < 1 || size > (1 << 16))
                return 0;
        which = data[0] % 16;
        text = malloc(size);
        if (!text)
                return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = 0;
        if (which < 6)
                decode_json(which, text, size - 1);
        else if (which == 6) {
                char **argv = NULL;
                struct berth_error err = {};
                if (cmdline_split(text, &argv, &err) >= 0 && !argv)
                        abort();
                strv_free(argv);
        } else if (which == 8) {
                /* The unix socket's request head, its framing and target. */
                struct berth_http_head h;
                struct berth_http_framing f;
                char *path = NULL;
                const char *query = NULL;
                long long v;
                if (berth_http_head_parse(text, &h) >= 0) {
                        if (berth_http_framing_from_head(&h, &f) >= 0 && f.content_length < -1)
                                abort();
                        if (berth_http_target_split(h.target, &path, &query) >= 0 && path[0] != '/')
                                abort();
                        free(path);
                }
                (void)berth_http_chunk_size_parse((const char *)data + 1, size - 1, &v);
        } else if (which == 9)
                decode_launch(text, size - 1);
        else if (which == 10)
                decode_exec(text, size - 1);
        else if (which == 11)
                decode_yaml(text, size - 1);
        else if (which == 13)
                decode_jsonrpc(text, size - 1);
        else if (which == 14)
                decode_oci(text, size - 1);
        else if (which == 15)
                decode_dobby(text, size - 1);
        else if (which == 12) {
                json_t *j = json_loadb(text, size - 1, JSON_REJECT_DUPLICATES, NULL);
                if (j)
                        decode_compose(j);
                json_decref(j);
        } else {
                /* Mount options, comma-separated as a client would list them. */
                char **opts = NULL, *joined = NULL, *save = NULL;
                bool ro = false;
                struct berth_error err = {};
                for (char *o = strtok_r(text, ",", &save); o; o = strtok_r(NULL, ",", &save))
                        if (strv_extend(&opts, o) < 0)
                                break;
                (void)mountopts_normalize(opts, &joined, &ro, &err);
                free(joined);
                strv_free(opts);
        }
        free(text);
        return 0;
}
