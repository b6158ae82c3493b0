#!/bin/sh
# Lint every OpenAPI document with Redocly CLI. The test command installs it
# (contrib/run-tests.sh); without it this test is skipped, or fails when
# BERTH_TESTS_MUST_RUN=1.
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
for doc in "$srcdir"/openapi/*.yaml; do
        [ "$(basename "$doc")" = redocly.yaml ] && continue
        "$redocly" lint --format=stylish "$doc" || status=1
done
exit $status
