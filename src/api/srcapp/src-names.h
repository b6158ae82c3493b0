/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "error.h"

/* The labels of an app's container or service (its facility, image reference, user). */
#define SRC_LABEL_FACILITY "io.berth.src.facility"
#define SRC_LABEL_IMAGE "io.berth.src.image"
#define SRC_LABEL_USER "io.berth.src.user"

/*
 * The SRC door's names (seed 001): an app is the container "IMAGE--USER", IMAGE the last
 * path component of a Docker image reference. Everything that arrives in ?image=, ?user=
 * or ?name= passes through here before it reaches the engine. Pure: no I/O.
 * Errors are -EINVAL (422 at the edge) with a message that says what is wrong; values
 * are quoted with control and non-ASCII bytes escaped, and cut short.
 */

#define SRC_USER_MAX 64
#define SRC_USER_RULE                                                                        \
        "user names can include uppercase and lowercase letters and numbers, as well as "    \
        "dashes and underscores; they cannot have double dashes, nor can they start with a " \
        "dash (1 to 64 characters)"

/* Check ref against Docker's reference grammar ([host[:port]/]path[:tag][@digest], path
 * components lowercase). Returns 0 / -EINVAL. */
int src_ref_validate(const char *ref, struct berth_error *err);

/* The repository's last path component of ref, without registry, tag or digest
 * ("127.0.0.1:5000/team/web:1.2" -> "web"), in a new string. Returns 0 / -EINVAL /
 * -ENOMEM. */
int src_image_base(const char *ref, char **ret, struct berth_error *err);

/* ref with ":latest" added when it has neither tag nor digest (a pull without a tag
 * pulls every tag), in a new string. Returns 0 / -EINVAL / -ENOMEM. */
int src_image_with_tag(const char *ref, char **ret, struct berth_error *err);

/* Check a user name against SRC_USER_RULE. Returns 0 / -EINVAL (the message quotes the
 * rule). */
int src_user_valid(const char *user, struct berth_error *err);

/* "IMAGE--USER" for image reference image_ref and user, in a new string. Returns 0 /
 * -EINVAL / -ENOMEM. */
int src_app_name(const char *image_ref, const char *user, char **ret, struct berth_error *err);

/* Split app name (as given in ?name=) into IMAGE and USER (new strings; either ret may
 * be NULL), checking that it is such a name and a valid Docker container name. Returns
 * 0 / -EINVAL / -ENOMEM (rets untouched on error). */
int src_app_split(const char *name, char **ret_image, char **ret_user, struct berth_error *err);
