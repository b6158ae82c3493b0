#!/bin/sh
# A bounded libFuzzer run of tests/fuzz/fuzz-decoders over the seed corpus made from the
# OpenAPI examples (part of `make check` with --enable-fuzz; `make fuzz` runs longer).
#   tests/fuzz/run.sh [SECONDS]
set -eu
secs=${1:-${FUZZ_SECONDS:-20}}
top=${BERTH_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/berth-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
python3 "$top/tests/fuzz/make-corpus.py" "$work/seeds" "$top/openapi/imageapi.yaml"
mkdir -p "$work/corpus"
# Findings (crash-*, leak-*, timeout-*) are kept in the build directory.
# The OCI bundle the config.json decoder reads goes in work too (removed with it).
BERTH_FUZZ_DIR=$work ./tests/fuzz/fuzz-decoders -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix=./fuzz- -print_final_stats=1 "$work/corpus" "$work/seeds"
