#!/bin/sh
# Install what berth needs on Debian 12, as root.
#   install-deps.sh build   compilers, autotools and the libraries berthd links
#   install-deps.sh test    the above, plus what the test suite runs: image tools,
#                           clang for the sanitizer lane, a throw-away Ceph cluster
#                           (contrib/ceph-cluster.sh) with rbd-fuse, and Redocly CLI
#                           (npm) for the OpenAPI lint
# Idempotent: packages already present are left alone.
set -eu

what=${1:-build}
BUILD_PKGS="build-essential autoconf automake libtool pkg-config python3 python3-yaml
        libcivetweb-dev libjansson-dev libmount-dev check libcurl4-openssl-dev libssl-dev
        libseccomp-dev libcap-dev libfuse3-dev librbd-dev librados-dev libsqlite3-dev
        libfyaml-dev libnftables-dev linux-libc-dev squashfs-tools busybox-static e2fsprogs util-linux curl"
TEST_PKGS="clang libclang-rt-14-dev xz-utils debootstrap openssl hostname
        ceph-mon ceph-osd ceph-common rbd-fuse fuse3 docker.io docker-compose docker-registry"
REDOCLY_VERSION=2.77.0
TOOLS_DIR=${BERTH_TOOLS_DIR:-/var/cache/berth-tools}

if [ "$(id -u)" != 0 ]; then
        echo "install-deps.sh: run as root (it uses apt-get)" >&2
        exit 1
fi

pkgs=$BUILD_PKGS
[ "$what" = test ] && pkgs="$pkgs $TEST_PKGS"

missing=""
for p in $pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                missing="$missing $p"
done
if [ -n "$missing" ]; then
        echo "install-deps.sh: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$what" = test ]; then
        if ! command -v npm >/dev/null 2>&1; then
                export DEBIAN_FRONTEND=noninteractive
                apt-get install -y -qq nodejs npm >/dev/null
        fi
        if [ ! -x "$TOOLS_DIR/node_modules/.bin/redocly" ] ||
           ! "$TOOLS_DIR/node_modules/.bin/redocly" --version 2>/dev/null | grep -q "$REDOCLY_VERSION"; then
                echo "install-deps.sh: installing @redocly/cli@$REDOCLY_VERSION into $TOOLS_DIR"
                mkdir -p "$TOOLS_DIR"
                (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --silent \
                        "@redocly/cli@$REDOCLY_VERSION" >/dev/null)
        fi
fi
