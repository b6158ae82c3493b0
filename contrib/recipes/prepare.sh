#!/bin/sh
# Copy the recipe catalogue to DIR, ready for berthd --recipes-dir=DIR:
#
#   contrib/recipes/prepare.sh DIR
#
# Every recipe directory (one with a recipe.yml, recipe.yaml or recipe.json) is copied
# to DIR (replacing a copy of it that is there already; nothing else in DIR is
# touched), and a static busybox is put into every build context whose Dockerfile
# copies one in (hello_world/image/, static_site/image/): those recipes then build and
# run offline. busybox is $BUSYBOX, by default /bin/busybox (Debian's busybox-static);
# it is not kept in the source tree. `make install` does the same under
# $(datadir)/berth/recipes (contrib/recipes/Makefile.inc).
set -eu

src=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: contrib/recipes/prepare.sh DIR}
busybox=${BUSYBOX:-/bin/busybox}

if [ ! -f "$busybox" ] || [ ! -x "$busybox" ]; then
        echo "prepare.sh: no busybox at $busybox (apt-get install busybox-static, or set BUSYBOX)" >&2
        exit 1
fi
# A dynamically linked busybox would not run in a FROM scratch image.
if command -v readelf >/dev/null 2>&1 && readelf -l "$busybox" 2>/dev/null | grep -q 'INTERP'; then
        echo "prepare.sh: $busybox is dynamically linked; a static one is needed (busybox-static)" >&2
        exit 1
fi

mkdir -p "$dest"
if [ "$(cd "$dest" && pwd -P)" = "$(cd "$src" && pwd -P)" ]; then
        echo "prepare.sh: DIR is the source catalogue itself" >&2
        exit 1
fi
for dir in "$src"/*/; do
        name=$(basename "$dir")
        [ -f "$dir/recipe.yml" ] || [ -f "$dir/recipe.yaml" ] || [ -f "$dir/recipe.json" ] || continue
        rm -rf "${dest:?}/$name"
        cp -R "$src/$name" "$dest/$name"
done
for dockerfile in "$dest"/*/*/Dockerfile; do
        [ -f "$dockerfile" ] || continue
        if grep -q '^COPY busybox ' "$dockerfile"; then
                cp "$busybox" "$(dirname "$dockerfile")/busybox"
                chmod 755 "$(dirname "$dockerfile")/busybox"
        fi
done
