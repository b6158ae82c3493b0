/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

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
