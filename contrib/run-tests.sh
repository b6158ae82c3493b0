#!/bin/sh
# The test command: install the test dependencies, build, run the whole suite.
#   sudo ./contrib/run-tests.sh          all lanes
#   sudo ./contrib/run-tests.sh quick    lane 1 only
#
# Lanes (../shared/style.md):
#   1. gcc, --enable-werror: make check (unit, API, privileged, OpenAPI lint)
#   2. clang, --enable-asan --enable-ubsan: make check in build/sanitize, with a short
#      libFuzzer run of the request decoders (--enable-fuzz)
#   3. make distcheck (a tarball that builds and passes its own check)
# As root, privileged tests must run: BERTH_TESTS_MUST_RUN=1 turns a skip into a failure.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
lanes=${1:-all}
jobs=$(nproc 2>/dev/null || echo 2)

if [ "$(id -u)" = 0 ]; then
        "$top/contrib/install-deps.sh" test
        export BERTH_TESTS_MUST_RUN=1
else
        echo "run-tests.sh: not root: dependencies are not installed and privileged tests skip" >&2
fi
export REDOCLY="${REDOCLY:-${BERTH_TOOLS_DIR:-/var/cache/berth-tools}/node_modules/.bin/redocly}"

lane() { printf '\n=== %s ===\n' "$*"; }
show_logs() {
        # On failure, show what the test driver captured.
        find "$1" -name '*.log' -path '*tests*' -newer "$1/config.status" 2>/dev/null |
                while read -r f; do
                        if grep -qE '^:test-result: (FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null; then
                                echo "--- $f"; tail -n 60 "$f"
                        fi
                done
}

cd "$top"
# One Docker engine, one Ceph cluster and one image registry for the whole run, which the
# tests that need them share (BERTH_TEST_DOCKER_HOST, BERTH_TEST_CEPH_DIR,
# BERTH_TEST_REGISTRY; contrib/dockerd.sh: no iptables, no forwarding;
# contrib/ceph-cluster.sh and contrib/registry.sh: 127.0.0.1 only); stopped at the end, by
# pid.
docker_dir=
ceph_dir=
registry_dir=
stop_daemons() {
        if [ -n "$docker_dir" ]; then
                "$top/contrib/dockerd.sh" stop "$docker_dir" >/dev/null 2>&1 || true
                rm -rf --one-file-system "$docker_dir"
        fi
        if [ -n "$ceph_dir" ]; then
                "$top/contrib/ceph-cluster.sh" stop "$ceph_dir" >/dev/null 2>&1 || true
        fi
        if [ -n "$registry_dir" ]; then
                "$top/contrib/registry.sh" stop "$registry_dir" >/dev/null 2>&1 || true
                rm -rf --one-file-system "$registry_dir"
        fi
}
trap stop_daemons EXIT
# A signal ends the run through exit, so that the EXIT trap stops the daemons (sh runs
# no EXIT trap for a signal it does not trap).
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null 2>&1; then
        docker_dir=/var/tmp/bdk-suite-$$
        "$top/contrib/dockerd.sh" start "$docker_dir" >/dev/null
        export BERTH_TEST_DOCKER_HOST="unix://$docker_dir/docker.sock"
fi
if [ "$(id -u)" = 0 ] && command -v ceph-mon >/dev/null 2>&1; then
        ceph_dir=/var/tmp/bceph-suite-$$
        "$top/contrib/ceph-cluster.sh" start "$ceph_dir" >/dev/null
        export BERTH_TEST_CEPH_DIR="$ceph_dir"
fi
if [ "$(id -u)" = 0 ] && command -v docker-registry >/dev/null 2>&1; then
        registry_dir=/var/tmp/breg-suite-$$
        "$top/contrib/registry.sh" start "$registry_dir" >/dev/null
        BERTH_TEST_REGISTRY=$(cat "$registry_dir/address")
        export BERTH_TEST_REGISTRY
fi
[ -x configure ] || autoreconf -fi
# Every lane builds out of tree (build/<lane>); an in-tree configuration would stop
# them, so clear it.
[ -f Makefile ] && make -s distclean >/dev/null 2>&1 || true

lane "1/3 gcc --enable-werror: make check"
mkdir -p build/gcc
cd build/gcc
"$top/configure" -q --enable-werror
make -s -j"$jobs"
if ! make -s -j"$jobs" check; then
        show_logs "$PWD"
        exit 1
fi
[ "$lanes" = quick ] && exit 0
cd "$top"

lane "2/3 clang --enable-asan --enable-ubsan: make check"
mkdir -p build/sanitize
(
        cd build/sanitize
        "$top/configure" -q CC=clang CFLAGS="-O1 -g" --enable-asan --enable-ubsan --enable-werror \
                --enable-fuzz
        make -s -j"$jobs"
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
        export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        if ! make -s -j"$jobs" check; then
                show_logs "$PWD"
                exit 1
        fi
)

lane "3/3 make distcheck"
if ! make -C build/gcc -s -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror; then
        # distcheck keeps its tree (build/gcc/berth-*/_build) when it fails.
        show_logs "$top/build/gcc"
        exit 1
fi

echo
echo "run-tests.sh: all lanes passed"
