#!/bin/sh
# Lint every OpenAPI document with Redocly CLI (its recommended rules; a warning fails
# too). The test command installs it (contrib/run-tests.sh); without it this test is
# skipped, or fails when BERTH_TESTS_MUST_RUN=1.
set -eu
srcdir=${BERTH_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
redocly=${REDOCLY:-}
if [ -z "$redocly" ]; then
        for c in "$srcdir/node_modules/.bin/redocly" "${BERTH_TOOLS_DIR:-/var/cache/berth-tools}/node_modules/.bin/redocly"; do
                if [ -x "$c" ]; then redocly=$c; break; fi
        done
fi
if [ -z "$redocly" ] && command -v redocly >/dev/null 2>&1; then
        redocly=$(command -v redocly)
fi
if [ -z "$redocly" ]; then
        echo "openapi-lint: Redocly CLI not found (set REDOCLY or run contrib/run-tests.sh)" >&2
        [ "${BERTH_TESTS_MUST_RUN:-0}" = 1 ] && exit 1
        exit 77
fi
echo "openapi-lint: $("$redocly" --version 2>/dev/null | tail -n 1) $redocly"
status=0
# The documents berthd serves must all be there (gen-embed.py embeds these).
for doc in imageapi pods srcapp; do
        if [ ! -f "$srcdir/openapi/$doc.yaml" ]; then
                echo "openapi-lint: $srcdir/openapi/$doc.yaml is missing" >&2
                status=1
        fi
done
for doc in "$srcdir"/openapi/*.yaml; do
        name=$(basename "$doc")
        [ "$name" = redocly.yaml ] && continue
        skip=
        case $name in
        pods.yaml)
                # The seed's routes /pod/{name}/details and /pod/suggested/{name} both
                # match /pod/suggested/details; berthd gives the literal segment the
                # request (the recipe), and the document says how to reach a pod named
                # "suggested" (with its prefix).
                skip=--skip-rule=no-ambiguous-paths ;;
        srcapp.yaml)
                # The seed's plain-text outline is at its base URL, GET /{facility}/,
                # with the slash.
                skip=--skip-rule=no-path-trailing-slash ;;
        esac
        out=$("$redocly" lint --format=stylish $skip "$doc" 2>&1) || status=1
        printf '%s\n' "$out" | grep -v '[║╔╚]'
        # Warnings count: a document is lint-clean or the test fails.
        if printf '%s\n' "$out" | grep -v '[║╔╚]' | grep -Eq '^ +[0-9]+:[0-9]+ +warning|You have [0-9]+ warning'; then
                echo "openapi-lint: $name has warnings" >&2
                status=1
        fi
done
exit $status
