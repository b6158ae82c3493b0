/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for every request decoder, the command-line splitter, the
 * mount-option parser and the unix socket's HTTP request parser. The first byte picks the decoder;
 * the rest is its input (JSON for the decoders, text for the others). Seeds: the request examples
 * of the OpenAPI document (tests/fuzz/make-corpus.py). `make fuzz` runs it; with --enable-fuzz,
 * `make check` runs it briefly (tests/fuzz/run.sh).
 */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "container.h"
#include "error.h"
#include "imageapi-codec.h"
#include "macro.h"
#include "mountopts.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned which;
        char *text;

        if (size < 1 || size > (1 << 16))
                return 0;
        which = data[0] % 9;
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
