#!/bin/sh
# Build a minimal Debian 12 (bookworm) root file system with systemd as init, as a
# squashfs image for berth's systemd mode.
#   mkimage-systemd.sh OUT.sqsh          (as root)
# Needs debootstrap, squashfs-tools and util-linux (flock, unshare, setsid, setpriv),
# and the network (the mirror apt uses here; BERTH_DEBIAN_MIRROR overrides it).
# The image is debootstrap's minbase plus systemd, systemd-sysv and dbus, slimmed (no
# apt lists, .debs, docs, man pages or translations: 36 MiB), with an empty
# /etc/machine-id (systemd takes the id from $container_uuid, which berth sets per
# container), no /etc/hostname (the container keeps the host name berth gives it),
# an empty /etc/resolv.conf, and root locked. It boots to "running" with 0 failed
# units as it is, so no unit is masked (see mask_units).
#
# The image is built once and cached as $BERTH_IMAGE_CACHE/systemd-bookworm.sqsh
# (default /var/cache/berth-tools/images), tagged with RECIPE below; later runs
# hard-link (or copy) it to OUT. Builds are serialised with flock and the cache is
# replaced by rename, so concurrent runs are safe. OUT may be the cache path itself.
# The build log goes to stderr only on failure; stdout gets OUT's path.
set -eu

# Bump whenever a change below changes the image: a cache with another tag is rebuilt.
RECIPE=systemd-bookworm-1
SUITE=bookworm
INCLUDE=systemd,systemd-sysv,dbus
# Units to mask in the image: none are needed (see mask_units).
MASK=""

prog=mkimage-systemd.sh
out=${1:?usage: mkimage-systemd.sh OUT.sqsh}
cache_dir=${BERTH_IMAGE_CACHE:-/var/cache/berth-tools/images}
cache=$cache_dir/systemd-bookworm.sqsh
stamp=$cache.recipe
tmp=""
tmpout=""
child=""

die() {
        echo "$prog: $*" >&2
        exit 1
}

# Each tool with the Debian package that provides it.
need_tools() {
        missing=""
        for tp in "$@"; do
                command -v "${tp%%:*}" >/dev/null 2>&1 || missing="$missing ${tp#*:}"
        done
        [ -z "$missing" ] || die "missing tools: apt-get install -y$missing"
}

# Unmount whatever is still mounted below $1, deepest first. debootstrap runs in its
# own mount namespace, so normally there is nothing; this is the safety net.
unmount_below() {
        awk -v p="$1/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do
                        umount -l "$m" 2>/dev/null || true
                done
}

# Stop the debootstrap session (its process group: dpkg, wget...) and wait for it,
# so that nothing writes into the tree while it is removed.
stop_child() {
        [ -n "$child" ] || return 0
        kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null || true
        i=0
        while kill -0 -- "-$child" 2>/dev/null && [ "$i" -lt 50 ]; do
                sleep 0.1
                i=$((i + 1))
        done
        kill -KILL -- "-$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
        child=""
}

remove_tree() {
        unmount_below "$1"
        rm -rf --one-file-system "$1"
}

cleanup() {
        rc=$?
        trap - EXIT INT TERM HUP
        stop_child
        if [ -n "$tmp" ] && [ -d "$tmp" ]; then
                remove_tree "$tmp"
        fi
        [ -z "$tmpout" ] || rm -f "$tmpout"
        exit "$rc"
}

# The mirror apt uses on this machine, for $SUITE (not -security or -updates).
find_mirror() {
        m=${BERTH_DEBIAN_MIRROR:-}
        if [ -z "$m" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
                # deb822: one stanza per paragraph; take the first URI of the first
                # enabled "deb" stanza whose Suites has $SUITE itself.
                m=$(awk -v suite="$SUITE" '
                        BEGIN { RS = ""; FS = "\n" }
                        {
                                types = ""; uris = ""; suites = ""; enabled = "yes"
                                for (i = 1; i <= NF; i++) {
                                        if ($i ~ /^#/ || $i !~ /^[A-Za-z-]+:/) continue
                                        k = tolower(substr($i, 1, index($i, ":") - 1))
                                        v = " " substr($i, index($i, ":") + 1) " "
                                        gsub(/[ \t]+/, " ", v)
                                        if (k == "types") types = v
                                        else if (k == "uris") uris = v
                                        else if (k == "suites") suites = v
                                        else if (k == "enabled") enabled = tolower(v)
                                }
                                if (types ~ / deb / && suites ~ (" " suite " ") &&
                                    enabled !~ /no/ && split(uris, u, " ") > 0) {
                                        print u[1]; exit
                                }
                        }' /etc/apt/sources.list.d/debian.sources)
        fi
        if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
                m=$(awk -v suite="$SUITE" '
                        $1 == "deb" {
                                i = 2
                                if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                                if ($(i + 1) == suite) { print $i; exit }
                        }' /etc/apt/sources.list)
        fi
        case $m in
        http://* | https://* | ftp://* | file://*) ;;
        *) m=http://deb.debian.org/debian ;;
        esac
        echo "${m%/}"
}

# Booted under systemd-nspawn 252 on this host (hybrid cgroups, read-only /sys and
# /proc/sys, no CAP_SYS_MODULE/CAP_SYS_RAWIO, with and without --private-network),
# the unmasked image reaches "running" with 0 failed units in 0.45-0.58 s, so nothing
# is masked. What was checked: systemd-networkd and udevd are not in minbase;
# systemd-remount-fs (no fstab entries), dev-hugepages.mount and
# sys-fs-fuse-connections.mount succeed (10-20 ms each); getty@tty1 and the kernel
# file system mounts are skipped by their conditions (console-getty runs instead);
# the timers' services (apt-daily, apt-daily-upgrade, dpkg-db-backup,
# systemd-tmpfiles-clean) succeed when started, and e2scrub_*, fstrim skip
# themselves in a container. List a unit in MASK if a runtime makes it fail.
mask_units() {
        for u in $MASK; do
                ln -sfn /dev/null "$1/etc/systemd/system/$u"
        done
}

# Per-container identity must not be baked into the image.
set_identity() {
        # Empty, not missing: systemd fills it in from $container_uuid (or a random id)
        # without treating the boot as a first boot.
        : >"$1/etc/machine-id"
        rm -f "$1/var/lib/dbus/machine-id"
        ln -s /etc/machine-id "$1/var/lib/dbus/machine-id"
        # debootstrap copies both from the build host.
        rm -f "$1/etc/hostname" "$1/etc/resolv.conf"
        : >"$1/etc/resolv.conf"
        # Root stays locked (debootstrap leaves "root:*" in /etc/shadow).
}

slim() {
        r=$1
        rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin \
                "$r"/var/lib/apt/lists/* "$r"/usr/share/man/* "$r"/usr/share/info/* \
                "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old \
                "$r"/var/cache/ldconfig/aux-cache "$r"/var/log/bootstrap.log \
                "$r"/var/log/dpkg.log "$r"/var/log/alternatives.log "$r"/var/log/apt/*
        # Docs, but keep the copyright files.
        find "$r/usr/share/doc" -depth -mindepth 1 ! -type d ! -name copyright -delete
        find "$r/usr/share/doc" -depth -mindepth 1 -type d -empty -delete
        # Translations: only C is left (locale.alias is not a translation).
        find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
                -exec rm -rf {} +
        # Keep packages installed later in the container from bringing them back.
        cat >"$r/etc/dpkg/dpkg.cfg.d/berth-slim" <<'EOF'
# berth image: no docs, man pages or translations (mkimage-systemd.sh)
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
}

build() {
        need_tools debootstrap:debootstrap mksquashfs:squashfs-tools
        mirror=$(find_mirror)
        # Left by a run that was killed (we hold the lock: no build is running).
        for d in "$cache_dir"/.build.*; do
                [ ! -d "$d" ] || remove_tree "$d"
        done
        tmp=$(mktemp -d "$cache_dir/.build.XXXXXX")
        root=$tmp/rootfs
        echo "$prog: building $cache from $mirror (about a minute)" >&2
        # debootstrap runs in private mount and pid namespaces: the proc and sys mounts
        # it makes inside the target vanish with it, and when it dies everything it
        # started (dpkg in the chroot, downloads) dies too. If this script is killed
        # outright, the parent-death signal takes unshare and, through --kill-child,
        # the whole build with it. Its own session (setsid does not fork: a background
        # job is no group leader) lets a signal to this script stop the build at once
        # (stop_child). fd 9 (the lock) is closed so that no build process holds it.
        setsid setpriv --pdeathsig KILL unshare --mount --propagation private \
                --pid --fork --kill-child \
                debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$root" \
                "$mirror" >"$tmp/debootstrap.log" 2>&1 9>&- </dev/null &
        child=$!
        rc=0
        wait "$child" || rc=$?
        child=""
        if [ "$rc" != 0 ]; then
                tail -n 30 "$tmp/debootstrap.log" >&2
                [ ! -f "$root/debootstrap/debootstrap.log" ] ||
                        tail -n 30 "$root/debootstrap/debootstrap.log" >&2
                die "debootstrap failed"
        fi
        set_identity "$root"
        mask_units "$root"
        slim "$root"
        # zstd at level 3: measured here on this tree (2 CPUs): gzip (level 9) 9.1-9.3 s,
        # 35.0 MiB; zstd at its default level 15 10.7-17.5 s, 31.6 MiB; zstd level 3
        # 0.62-0.63 s, 36.3 MiB. The kernel here has CONFIG_SQUASHFS_ZSTD=y.
        # mksquashfs warns that it drops the POSIX ACL on /var/log/journal: harmless.
        if ! mksquashfs "$root" "$tmp/image.sqsh" -noappend -quiet -no-progress \
                -comp zstd -Xcompression-level 3 >"$tmp/mksquashfs.log" 2>&1; then
                cat "$tmp/mksquashfs.log" >&2
                die "mksquashfs failed"
        fi
        chmod 0644 "$tmp/image.sqsh"
        echo "$RECIPE" >"$tmp/recipe"
        # The tag goes first and comes back last: a cache without a matching tag is
        # never used. Both renames stay inside $cache_dir, so each is atomic.
        rm -f "$stamp"
        mv -f "$tmp/image.sqsh" "$cache"
        mv -f "$tmp/recipe" "$stamp"
}

[ "$(id -u)" = 0 ] || die "run as root (debootstrap needs it)"
need_tools flock:util-linux unshare:util-linux setsid:util-linux setpriv:util-linux
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$cache_dir"
exec 9>"$cache_dir/systemd-bookworm.lock"
if ! flock -n 9; then
        echo "$prog: waiting for another build of $cache" >&2
        flock 9
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$RECIPE" ] || [ ! -s "$cache" ]; then
        build
fi

if [ "$(stat -Lc %d:%i -- "$out" 2>/dev/null)" = "$(stat -Lc %d:%i -- "$cache")" ]; then
        # OUT is the cache (or already a hard link to it).
        echo "$out"
        exit 0
fi
# A hard link when OUT is on the cache's file system, a copy otherwise; either way
# OUT appears whole or not at all. Do not write to OUT: it may share the cache's inode.
tmpout=$out.tmp.$$
rm -f "$tmpout"
ln "$cache" "$tmpout" 2>/dev/null || cp "$cache" "$tmpout"
mv -f "$tmpout" "$out"
tmpout=""
echo "$out"
