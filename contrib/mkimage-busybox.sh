#!/bin/sh
# Build a small busybox root file system as a squashfs image.
#   mkimage-busybox.sh OUT.sqsh [FILE...]
# Needs busybox-static and squashfs-tools. The image has /bin/sh, the busybox
# applets under /bin, and /etc/os-release; each FILE (a static program, say) is put
# into /usr/local/bin.
set -eu
out=${1:?usage: mkimage-busybox.sh OUT.sqsh [FILE...]}
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs
mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" \
        "$root/tmp" "$root/run" "$root/root" "$root/usr/bin" "$root/usr/sbin" "$root/var/log"
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cat >"$root/etc/os-release" <<OS
NAME="berth demo (busybox)"
ID=berth-demo
PRETTY_NAME="berth demo image"
OS
echo "berth-demo" >"$root/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
chmod 1777 "$root/tmp"
mkdir -p "$root/usr/local/bin"
for f in "$@"; do
        cp "$f" "$root/usr/local/bin/"
done
mksquashfs "$root" "$out.tmp" -noappend -quiet -no-progress -comp gzip -all-root >/dev/null
mv "$out.tmp" "$out"
echo "$out"
