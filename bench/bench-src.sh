#!/bin/sh
# get-app-status of every app, with APPS apps (default 200): berthd's SRC door against the
# seed's method, one `docker ps -a --format '{{json .}}'` per call (Debian's 20.10 CLI, which
# the seed's server runs through a shell; here without the shell and the Python around it,
# so the seed's side is, if anything, faster than it was). As root:
#
#   bench/bench-src.sh BUILD_DIR [RUNS] [APPS]
#
# The engine is a private dockerd (contrib/dockerd.sh) with a busybox image imported from a
# local tarball; the apps are made through the door (create-app: created, not started) and
# approved by an allow-list. Everything started here is stopped by pid, everything made
# removed.
set -eu

build=$(cd "${1:?usage: bench/bench-src.sh BUILD_DIR [RUNS] [APPS]}" && pwd)
runs=${2:-30}
apps=${3:-200}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
        echo "bench/bench-src.sh: run as root" >&2
        exit 1
fi
for tool in dockerd curl python3; do
        command -v "$tool" >/dev/null 2>&1 || missing="${missing:-} $tool"
done
if [ -n "${missing:-}" ]; then
        echo "bench/bench-src.sh: installing docker.io curl python3"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io curl python3 \
                busybox-static >/dev/null
fi
cli=/usr/bin/docker # Debian's 20.10 client, as the seed's hosts had

work=$(mktemp -d /var/tmp/bsrc-XXXXXX)
ddir=$work/d
berthd_pid=
docker_started=
cleanup() {
        if [ -n "$berthd_pid" ]; then
                kill "$berthd_pid" 2>/dev/null || true
                wait "$berthd_pid" 2>/dev/null || true
        fi
        if [ -n "$docker_started" ]; then
                "$top/contrib/dockerd.sh" stop "$ddir" >/dev/null 2>&1 || true
        fi
        for mp in $(awk -v d="$work/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
                umount -l "$mp" 2>/dev/null || true
        done
        rm -rf "$work"
        for g in /sys/fs/cgroup/*/berth-bench-src; do
                [ -d "$g" ] && rmdir "$g"/* "$g" 2>/dev/null || true
        done
}
trap cleanup EXIT INT TERM

"$top/contrib/dockerd.sh" start "$ddir" >/dev/null
docker_started=1
sock=$ddir/docker.sock
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
chroot "$work/rootfs" /bin/busybox --install -s /bin
tar -C "$work/rootfs" -cf "$work/bb.tar" .
curl -sf --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary @"$work/bb.tar" \
        "http://d/v1.41/images/create?fromSrc=-&repo=berth-bench/app&tag=1&changes=CMD%20%5B%22sleep%22%2C%221000%22%5D" \
        >/dev/null
echo "berth-bench/app:1" >"$work/allowed"

"$build/berthd" --state-dir "$work/state" --data-dir "$work/data" \
        --docker-host "unix://$sock" --src-allowed-images "$work/allowed" \
        --cgroup-parent berth-bench-src --log-level warn >"$work/berthd.log" 2>&1 &
berthd_pid=$!
i=0
until [ -S "$work/state/berthd.sock" ] && curl -sf --unix-socket "$work/state/berthd.sock" \
        http://b/healthz >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 200 ] || { echo "berthd did not start:" >&2; cat "$work/berthd.log" >&2; exit 1; }
        sleep 0.05
done
B="--unix-socket $work/state/berthd.sock"

n=0
while [ $n -lt "$apps" ]; do
        curl -sf $B -X POST "http://b/demo/create-app?image=berth-bench/app:1&user=u$n" >/dev/null ||
                { echo "create-app u$n failed" >&2; tail -5 "$work/berthd.log" >&2; exit 1; }
        n=$((n + 1))
done
got=$(curl -sf $B http://b/demo/get-app-status | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$got" = "$apps" ] || { echo "get-app-status lists $got apps, not $apps" >&2; exit 1; }
got=$(DOCKER_HOST=unix://$sock $cli ps -a --format '{{json .}}' | wc -l)
[ "$got" = "$apps" ] || { echo "docker ps lists $got containers, not $apps" >&2; exit 1; }

now_us() { date +%s%6N; }
: >"$work/berth"
: >"$work/seed"
n=0
while [ $n -lt "$runs" ]; do
        t0=$(now_us)
        curl -sf $B http://b/demo/get-app-status >/dev/null
        t1=$(now_us)
        DOCKER_HOST=unix://$sock $cli ps -a --format '{{json .}}' >/dev/null
        t2=$(now_us)
        echo $((t1 - t0)) >>"$work/berth"
        echo $((t2 - t1)) >>"$work/seed"
        n=$((n + 1))
done

python3 - "$work" "$runs" "$apps" <<'EOF'
import os, platform, statistics, sys
work, runs, apps = sys.argv[1:4]
def load(n):
    return [int(x) / 1000 for x in open(os.path.join(work, n)).read().split()]
rows = [("berthd: GET /demo/get-app-status (curl)", load("berth")),
        ("the seed's method: docker ps -a --format '{{json .}}'", load("seed"))]
base = statistics.median(rows[1][1])
print("get-app-status of all %s apps (%s runs, %s, %d cpus)" % (apps, runs, platform.release(),
                                                             os.cpu_count()))
print("| | min ms | median ms | max ms | vs the seed's method |")
print("|---|---:|---:|---:|---:|")
for name, v in rows:
    print("| %s | %.1f | %.1f | %.1f | %.1fx |" % (name, min(v), statistics.median(v), max(v),
                                                base / statistics.median(v)))
EOF
