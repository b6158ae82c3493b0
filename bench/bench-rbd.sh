#!/bin/sh
# RBD benchmark: reading an image through berth-rbd beside Ceph's own rbd-fuse (the same
# image, the same throw-away cluster), and the time of an RBD attach + squashfs mount
# through berthd's API. As root:
#
#   bench/bench-rbd.sh BUILD_DIR [RUNS] [IMAGE_MIB]
#
# Each read is done with cold caches (drop_caches before it): time to the first 4 KiB,
# a sequential read of the whole file with dd bs=1M, and the same through a read-only
# loop device with O_DIRECT (how berthd uses it: squashfs on /dev/loopN). The cluster
# (contrib/ceph-cluster.sh), its mounts, loop devices and processes are this script's
# own and are stopped by pid at the end; it runs in a private mount namespace.
set -eu

build=$(cd "${1:?usage: bench/bench-rbd.sh BUILD_DIR [RUNS] [IMAGE_MIB]}" && pwd)
runs=${2:-3}
mib=${3:-256}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
        echo "bench/bench-rbd.sh: run as root" >&2
        exit 1
fi
if [ "${BERTH_BENCH_INNER:-}" != 1 ]; then
        command -v rbd-fuse >/dev/null 2>&1 || {
                echo "bench/bench-rbd.sh: installing rbd-fuse"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rbd-fuse >/dev/null
        }
        BERTH_BENCH_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

work=$(mktemp -d /var/tmp/berth-bench-rbd-XXXXXX)
pids=
loops=
cleanup() {
        for l in $loops; do losetup -d "$l" 2>/dev/null || true; done
        for p in $pids; do kill "$p" 2>/dev/null || true; done
        for p in $pids; do wait "$p" 2>/dev/null || true; done
        for mp in $(awk -v d="$work/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
                umount -l "$mp" 2>/dev/null || true
        done
        "$top/contrib/ceph-cluster.sh" stop "$work/ceph" >/dev/null 2>&1 || true
        rm -rf "$work"
        for d in /sys/fs/cgroup/*/berth-bench-rbd; do
                [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true
        done
}
trap cleanup EXIT INT TERM

"$top/contrib/ceph-cluster.sh" start "$work/ceph" >/dev/null
# Our own file, KEY='value' lines.
. "$work/ceph/env"
head -c "$((mib * 1048576))" /dev/urandom >"$work/raw.img"
"$top/contrib/mkimage-busybox.sh" "$work/busybox.sqsh" >/dev/null
"$top/contrib/ceph-cluster.sh" import "$work/ceph" "$work/raw.img" raw.img >/dev/null
"$top/contrib/ceph-cluster.sh" import "$work/ceph" "$work/busybox.sqsh" busybox.sqsh >/dev/null
rm -f "$work/raw.img"
printf '%s' "$CEPH_ADMIN_KEY" >"$work/key"
chmod 600 "$work/key"

now_ns() { date +%s%N; }
ms_since() { echo "$(( ($(now_ns) - $1) / 1000 ))" | awk '{ printf "%.1f\n", $1 / 1000 }'; }
mbps() { # dd's summary line: "... bytes (...) copied, 1.23 s, 218 MB/s"
        awk '/copied/ { for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) t = $(i - 1); }
             END { printf "%.0f", '"$mib"' * 1.048576 / t }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# berth-rbd, as berthd starts it (read-only, key through a pipe).
mkdir -p "$work/brbd" "$work/rfuse"
"$build/berth-rbd" --mon-host "$CEPH_MON" --pool rbd --image raw.img --id admin --key-fd 3 \
        --ready-fd 4 --ro "$work/brbd" 3<"$work/key" 4>"$work/brbd.ready" &
pids="$pids $!"
for _ in $(seq 300); do grep -q READY "$work/brbd.ready" 2>/dev/null && break; sleep 0.05; done
grep -q READY "$work/brbd.ready" || { echo "berth-rbd did not start: $(cat "$work/brbd.ready")" >&2; exit 1; }
# rbd-fuse, in the foreground so that its pid is ours.
rbd-fuse -f -c "$CEPH_CONF" -p rbd -r raw.img "$work/rfuse" &
pids="$pids $!"
for _ in $(seq 300); do [ -e "$work/rfuse/raw.img" ] && break; sleep 0.05; done
[ -e "$work/rfuse/raw.img" ] || { echo "rbd-fuse did not start" >&2; exit 1; }

measure() { # name file
        : >"$work/$1.ttfb"; : >"$work/$1.seq"; : >"$work/$1.loop"
        for _ in $(seq "$runs"); do
                drop
                t=$(now_ns)
                dd if="$2" of=/dev/null bs=4k count=1 status=none
                ms_since "$t" >>"$work/$1.ttfb"
                drop
                dd if="$2" of=/dev/null bs=1M 2>&1 | mbps >>"$work/$1.seq"
                echo >>"$work/$1.seq"
                drop
                l=$(losetup -r -f --show "$2")
                loops="$loops $l"
                dd if="$l" of=/dev/null bs=1M iflag=direct 2>&1 | mbps >>"$work/$1.loop"
                echo >>"$work/$1.loop"
                losetup -d "$l"
                loops=$(echo "$loops" | sed "s# $l##")
        done
}
measure berth "$work/brbd/image"
measure rfuse "$work/rfuse/raw.img"

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "ceph: $(ceph --version | awk '{print $3}'), one mon + one osd (memstore) on 127.0.0.1; image ${mib} MiB of random data; $runs runs, cold caches, medians"
echo
printf '| %-38s | %12s | %12s | %16s |\n' "read the image" "first 4 KiB" "dd bs=1M" "loop, O_DIRECT"
printf '|%s|%s|%s|%s|\n' "----------------------------------------" "-------------:" "-------------:" "-----------------:"
for t in berth rfuse; do
        name="berth-rbd (librbd + FUSE)"
        [ "$t" = rfuse ] && name="rbd-fuse (Ceph's own)"
        printf '| %-38s | %9s ms | %7s MB/s | %11s MB/s |\n' "$name" \
                "$(median <"$work/$t.ttfb")" "$(grep . "$work/$t.seq" | median)" "$(grep . "$work/$t.loop" | median)"
done
b=$(grep . "$work/berth.seq" | median); r=$(grep . "$work/rfuse.seq" | median)
bl=$(grep . "$work/berth.loop" | median); rl=$(grep . "$work/rfuse.loop" | median)
echo
echo "berth-rbd / rbd-fuse throughput: dd $(awk -v a="$b" -v b="$r" 'BEGIN { printf "%.2f", a / b }')x, loop $(awk -v a="$bl" -v b="$rl" 'BEGIN { printf "%.2f", a / b }')x"

# Through berthd: POST /attach/rbd, POST /mount/rbd (squashfs), until both replied.
mkdir -p "$work/run"
mount -t tmpfs -o mode=0700,size=64m berth-bench "$work/run"
"$build/berthd" --state-dir "$work/run/berthd" --scheme http --port 0 --cgroup-parent berth-bench-rbd \
        --log-level warning >"$work/berthd.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 200); do [ -s "$work/run/berthd/listen" ] && break; sleep 0.02; done
url=$(head -n 1 "$work/run/berthd/listen")/imageapi/v1
body="{\"monitors\":[\"$CEPH_MON\"],\"pool\":\"rbd\",\"image\":\"busybox.sqsh\",\"options\":{\"ro\":true,\"name\":\"admin\",\"secret\":\"$CEPH_ADMIN_KEY\"}}"
: >"$work/api"
: >"$work/api.attach"
: >"$work/api.del"
for i in $(seq $((runs * 5))); do
        t=$(now_ns)
        a=$(curl -sf -H 'Content-Type: application/json' -d "$body" "$url/attach/rbd")
        ms_since "$t" >>"$work/api.attach"
        id=$(echo "$a" | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
        m=$(curl -sf -H 'Content-Type: application/json' \
                -d "{\"id\":$id,\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}" "$url/mount/rbd")
        ms_since "$t" >>"$work/api"
        mid=$(echo "$m" | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
        t=$(now_ns)
        curl -sf -X DELETE "$url/mount/rbd/$mid" >/dev/null
        curl -sf -X DELETE "$url/attach/rbd/$id" >/dev/null
        ms_since "$t" >>"$work/api.del"
done
echo
printf '| %-46s | %10s | %s |\n' "through berthd (curl, $((runs * 5)) runs)" "median ms" "max ms"
printf '|%s|%s|%s|\n' "------------------------------------------------" "-----------:" "-------:"
printf '| %-46s | %10s | %s |\n' "POST /attach/rbd" "$(median <"$work/api.attach")" "$(sort -n "$work/api.attach" | tail -n 1)"
printf '| %-46s | %10s | %s |\n' "POST /attach/rbd + POST /mount/rbd (squashfs)" "$(median <"$work/api")" "$(sort -n "$work/api" | tail -n 1)"
printf '| %-46s | %10s | %s |\n' "DELETE /mount/rbd/N + DELETE /attach/rbd/N" "$(median <"$work/api.del")" "$(sort -n "$work/api.del" | tail -n 1)"
