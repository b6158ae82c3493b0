/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

struct berth_error;

/*
 * The recipe catalogue: a directory (--recipes-dir; installed from contrib/recipes/)
 * with one recipe per subdirectory <name>/, described by <name>/recipe.yml (or
 * recipe.yaml, recipe.json) in the seed's format: {name, description, images, version,
 * services: [{service_name, service_config}]}. A recipe's build: contexts are relative
 * to the catalogue directory ("static_site/image/"), as the seed writes them.
 *
 * Recipe names: letters, digits, '_' and '-', 1 to 64 characters, not starting with
 * '-' (-EINVAL naming the rule); an unknown one is -ENOENT.
 *
 * A recipe's "x-*" keys (where YAML anchors live, as in compose files) are accepted and
 * left out of the recipe returned; any other key beside the five is -EINVAL. Symbolic
 * links in the catalogue are not followed.
 */

/* The sorted names (a JSON array of strings); a missing directory is an empty list. */
int pod_recipes_list(const char *dir, json_t **ret, struct berth_error *err);
/* One recipe, validated (fields and types; -EINVAL naming the file and the field). */
int pod_recipe_get(const char *dir, const char *name, json_t **ret, struct berth_error *err);
/* Add the services of the named recipes (a JSON array of names) to the compose
 * document's "services" (created when missing); a service the document already has is
 * left as the document has it. -ENOENT names an unknown recipe.
 * "Already has": by name, or under another name as a service that runs the same image or
 * builds the same context (the seed's "my-website", built from "static_site/image/",
 * with "recipes": ["static_site"]). Nothing changes when a recipe fails. */
int pod_recipes_merge(const char *dir, json_t *recipes, json_t *file_contents,
                      struct berth_error *err);
