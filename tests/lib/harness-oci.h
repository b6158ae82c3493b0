/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "macro.h"

struct test_berthd;

/*
 * OCI bundles for the org.rdk.OCIContainer tests (issue 16), made at test time from the
 * busybox test rootfs (test_busybox_rootfs()). Each fails the test on error.
 */

/* A bundle at dir as `crun spec --bundle dir` makes it, the rootfs copied in as
 * dir/rootfs (a link out of the bundle is refused), process.args set to args (a JSON
 * array, as text). */
void test_oci_crun_bundle(const char *dir, const char *args);

/* What `umoci unpack` makes at dir of an OCI image (a layer of the same rootfs, its
 * config.cmd `sh -c cmd`), built in work (a directory, made when missing). */
void test_oci_umoci_bundle(const char *dir, const char *work, const char *cmd);

/* Set the member at path (keys from the top, NULL-terminated; objects are made as
 * needed) of bundle/config.json to value (stolen). Returns 0, or -1. */
int test_oci_config_set(const char *bundle, const char *const *path, json_t *value);

/* POST body to path of d: the reply's JSON (HTTP 200, else the test fails). */
json_t *test_oci_post(struct test_berthd *d, const char *path, const char *body);

/* POST body, a call with id 3, to path of d: its result (a JSON-RPC error fails). */
json_t *test_oci_result(struct test_berthd *d, const char *path, const char *body);

/* org.rdk.OCIContainer.1.<method> with params (JSON text; NULL: none) to path of d: its
 * result (a JSON-RPC error fails). */
_printf_(4, 5) json_t *test_oci_rpc(struct test_berthd *d, const char *path, const char *method,
                                    const char *params_fmt, ...);

/* Is result success:true? */
bool test_oci_ok(const json_t *result);

/* A result that must be success:true. */
#define test_oci_rpc_ok(d, path, method, ...)                                                   \
        ({                                                                                      \
                json_t *_r = test_oci_rpc(d, path, method, __VA_ARGS__);                        \
                ck_assert_msg(test_oci_ok(_r), "%s: %s", method, json_dumps(_r, JSON_COMPACT)); \
                _r;                                                                             \
        })

/* The seed's "Start (Dobby Spec)" request body (seed 004), byte for byte: network nat. */
extern const char test_oci_seed_dobby_body[];

/* s with the one occurrence of from replaced by to (the test fails without one). */
char *test_oci_replace(const char *s, const char *from, const char *to);
/* The seed's Dobby request (test_oci_seed_dobby_body) with network "private", the console
 * at <console_dir>/console.log, and, unless NULL, containerId id and the members of extra
 * (a JSON object's text) set in its dobbySpec. */
char *test_oci_dobby_request(const char *console_dir, const char *id, const char *extra);
/* executeCommand of command (plain text, split as a shell would) in id: its exit code;
 * its output into *ret_out unless NULL. A JSON-RPC error fails the test. */
int test_oci_exec(struct test_berthd *d, const char *path, const char *id, const char *command,
                  char **ret_out);
/* A start (a whole request) that must fail with an errorReason holding needle. */
void test_oci_start_fails(struct test_berthd *d, const char *path, const char *body,
                          const char *needle);
/* A start (a whole request) that must succeed: its descriptor. */
int test_oci_start_ok(struct test_berthd *d, const char *path, const char *body);
/* How many containers listContainers lists. */
size_t test_oci_n_listed(struct test_berthd *d, const char *path);
