/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

/* String vectors and JSON arrays of strings, as the API codecs and the records
 * write and read them. */

/* A new array with a string for each item of l, in order; NULL and an empty list both
 * give []. An item jansson cannot make a string of (not UTF-8, or out of memory) is left
 * out. NULL only when the array cannot be allocated. */
json_t *berth_strv_to_json(char *const *l);

/* The strings of array j in a new list; what is not a string is skipped, and j that
 * is not an array (NULL included) gives an empty list (never a NULL one). Returns 0 /
 * -ENOMEM (*ret untouched). */
int berth_strv_from_json(const json_t *j, char ***ret);
