#!/bin/sh
# A three-service pod, from nothing to all three containers running, three ways in one
# run: berth's own launcher (file:// squashfs image), berth on a Docker engine, and
# `docker-compose up -d` of the same compose file on the same engine. As root:
#
#   bench/bench-pods.sh BUILD_DIR [RUNS]
#
# berth: POST /api/v2/pod/NAME/set + POST /api/v2/pod/NAME/enable (which returns when
# every container has started), over berthd's unix socket with curl. docker-compose: `up
# -d` with a project of its own. Between runs (not timed) the pod is destroyed or the
# project brought down. The engine is a private dockerd (contrib/dockerd.sh) with a
# busybox image imported from a local tarball; nothing is pulled. Everything started here
# is stopped by pid, everything made removed.
set -eu

build=$(cd "${1:?usage: bench/bench-pods.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-10}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
        echo "bench/bench-pods.sh: run as root" >&2
        exit 1
fi
for tool in dockerd docker-compose mksquashfs curl python3; do
        command -v "$tool" >/dev/null 2>&1 || missing="${missing:-} $tool"
done
if [ -n "${missing:-}" ]; then
        echo "bench/bench-pods.sh: installing docker.io docker-compose squashfs-tools"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose \
                squashfs-tools busybox-static curl python3 >/dev/null
fi

work=$(mktemp -d /var/tmp/bpods-XXXXXX)
ddir=$work/d
berthd_pid=
docker_started=
cleanup() {
        if [ -n "$berthd_pid" ]; then
                curl -s --unix-socket "$work/state/berthd.sock" -X POST \
                        http://b/api/v2/pod/bn/destroy >/dev/null 2>&1 || true
                curl -s --unix-socket "$work/state/berthd.sock" -X POST \
                        http://b/api/v2/pod/bd/destroy >/dev/null 2>&1 || true
                kill "$berthd_pid" 2>/dev/null || true
                wait "$berthd_pid" 2>/dev/null || true
        fi
        if [ -n "$docker_started" ]; then
                DOCKER_HOST=unix://$ddir/docker.sock docker-compose -p bcompose \
                        -f "$work/compose.yml" down -t 1 >/dev/null 2>&1 || true
                "$top/contrib/dockerd.sh" stop "$ddir" >/dev/null 2>&1 || true
        fi
        for mp in $(awk -v d="$work/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
                umount -l "$mp" 2>/dev/null || true
        done
        rm -rf "$work"
        for g in /sys/fs/cgroup/*/berth-bench-pods; do
                [ -d "$g" ] && rmdir "$g"/* "$g" 2>/dev/null || true
        done
}
trap cleanup EXIT INT TERM

now_us() { date +%s%6N; }

# The engine, and the busybox image in it (from a tarball of the host's busybox-static).
"$top/contrib/dockerd.sh" start "$ddir" >/dev/null
docker_started=1
sock=$ddir/docker.sock
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
chroot "$work/rootfs" /bin/busybox --install -s /bin
tar -C "$work/rootfs" -cf "$work/bb.tar" .
curl -sf --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary @"$work/bb.tar" \
        "http://d/v1.41/images/create?fromSrc=-&repo=berth-bench/busybox&tag=1" >/dev/null
"$top/contrib/mkimage-busybox.sh" "$work/busybox.sqsh" >/dev/null

# The payload: a loop that ends at once on SIGTERM (busybox's sleep as PID 1 would not).
cmd='["sh", "-c", "trap \"exit 0\" TERM; while :; do sleep 1; done"]'
cat >"$work/compose.yml" <<EOF
version: "3"
services:
  a:
    image: berth-bench/busybox:1
    command: $cmd
  b:
    image: berth-bench/busybox:1
    command: $cmd
    depends_on: [a]
  c:
    image: berth-bench/busybox:1
    command: $cmd
    depends_on: [a]
EOF
docker_body=$(python3 - "$cmd" <<'EOF'
import json, sys
cmd = json.loads(sys.argv[1])
svc = lambda deps: dict({"image": "berth-bench/busybox:1", "command": cmd}, **({"depends_on": deps} if deps else {}))
print(json.dumps({"fileContents": {"version": "3", "services": {"a": svc(None), "b": svc(["a"]), "c": svc(["a"])}}}))
EOF
)
native_body=$(python3 - "$cmd" "$work/busybox.sqsh" <<'EOF'
import json, sys
cmd = json.loads(sys.argv[1])
img = "file://" + sys.argv[2]
svc = lambda deps: dict({"image": img, "command": cmd}, **({"depends_on": deps} if deps else {}))
print(json.dumps({"fileContents": {"version": "3", "services": {"a": svc(None), "b": svc(["a"]), "c": svc(["a"])}}}))
EOF
)

"$build/berthd" --state-dir "$work/state" --data-dir "$work/data" \
        --pod-data-root "$work/poddata" --docker-host "unix://$sock" \
        --cgroup-parent berth-bench-pods --log-level warn >"$work/berthd.log" 2>&1 &
berthd_pid=$!
i=0
until [ -S "$work/state/berthd.sock" ] && curl -sf --unix-socket "$work/state/berthd.sock" \
        http://b/healthz >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 200 ] || { echo "berthd did not start:" >&2; cat "$work/berthd.log" >&2; exit 1; }
        sleep 0.05
done

api() { # METHOD PATH [BODY]
        if [ $# -ge 3 ]; then
                curl -sf --unix-socket "$work/state/berthd.sock" -X "$1" \
                        -H 'Content-Type: application/json' --data-binary "$3" "http://b$2"
        else
                curl -sf --unix-socket "$work/state/berthd.sock" -X "$1" "http://b$2"
        fi
}

berth_run() { # POD BODY → ms from set to all running
        t0=$(now_us)
        api POST "/api/v2/pod/$1/set" "$2" >/dev/null
        api POST "/api/v2/pod/$1/enable" '{}' >/dev/null
        t1=$(now_us)
        api GET "/api/v2/pod/$1/details" | grep -q '"state":"online"' ||
                { echo "pod $1 is not online" >&2; exit 1; }
        api POST "/api/v2/pod/$1/destroy" '{}' >/dev/null
        echo "$(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100))"
}

compose_run() {
        t0=$(now_us)
        DOCKER_HOST=unix://$sock docker-compose -p bcompose -f "$work/compose.yml" up -d \
                >/dev/null 2>&1
        t1=$(now_us)
        [ "$(curl -sf --unix-socket "$sock" "http://d/v1.41/containers/json?filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dbcompose%22%5D%7D" |
                python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["State"]=="running"))')" = 3 ] ||
                { echo "docker-compose: not 3 running" >&2; exit 1; }
        DOCKER_HOST=unix://$sock docker-compose -p bcompose -f "$work/compose.yml" down -t 1 \
                >/dev/null 2>&1
        echo "$(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100))"
}

# One warm-up of each (the first build of a network, page cache), then alternating runs.
berth_run bn "$native_body" >/dev/null
berth_run bd "$docker_body" >/dev/null
compose_run >/dev/null
: >"$work/native"
: >"$work/docker"
: >"$work/compose"
n=0
while [ $n -lt "$runs" ]; do
        berth_run bn "$native_body" >>"$work/native"
        berth_run bd "$docker_body" >>"$work/docker"
        compose_run >>"$work/compose"
        n=$((n + 1))
done

python3 - "$work" "$runs" <<'EOF'
import statistics, sys, os, platform
work, runs = sys.argv[1], sys.argv[2]
def load(n):
    return [float(x) for x in open(os.path.join(work, n)).read().split()]
rows = [("berth, native (file:// squashfs)", load("native")),
        ("berth, docker engine", load("docker")),
        ("docker-compose up -d", load("compose"))]
base = statistics.median(rows[2][1])
print("Three-service pod, set + enable to all running (%s runs, %s, %d cpus)" %
      (runs, platform.release(), os.cpu_count()))
print("| | min ms | median ms | max ms | vs docker-compose |")
print("|---|---:|---:|---:|---:|")
for name, v in rows:
    print("| %s | %.1f | %.1f | %.1f | %.2fx |" % (name, min(v), statistics.median(v), max(v),
                                                 base / statistics.median(v)))
EOF
