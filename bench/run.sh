#!/bin/sh
# Container start benchmark: berth (API and launcher) beside crun, runc, the unshare
# floor and, when a Docker engine answers, docker run. As root:
#
#   bench/run.sh BUILD_DIR [RUNS]
#
# BUILD_DIR holds berthd, berth-init and bench/bench-start (make bench builds them).
# crun refuses the hybrid cgroup layout of this machine kind ("cgroups in hybrid mode
# not supported"), so everything — berthd included, for a fair comparison — runs in a
# private mount namespace where the near-empty cgroup2 tree at
# /sys/fs/cgroup/unified is unmounted: all runtimes then use the v1 controllers.
# Nothing outside that namespace changes; every process started here is stopped by
# pid and every directory removed at the end.
set -eu

build=$(cd "${1:?usage: bench/run.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-50}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
        echo "bench/run.sh: run as root" >&2
        exit 1
fi
if [ "${BERTH_BENCH_INNER:-}" != 1 ]; then
        for tool in crun runc unshare mksquashfs; do
                command -v "$tool" >/dev/null 2>&1 || missing="${missing:-} $tool"
        done
        if [ -n "${missing:-}" ]; then
                echo "bench/run.sh: installing crun runc squashfs-tools"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq crun runc squashfs-tools \
                        busybox-static >/dev/null
        fi
        # The Docker engine row (BERTH_BENCH_DOCKER=0 leaves it out): Debian's docker.io,
        # whose package scripts start no daemon here; a private one is started below.
        if [ "${BERTH_BENCH_DOCKER:-1}" = 1 ] && ! command -v dockerd >/dev/null 2>&1; then
                echo "bench/run.sh: installing docker.io"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
        fi
        BERTH_BENCH_INNER=1 exec unshare --mount --propagation private "$0" "$build" "$runs"
fi

# Inside the private mount namespace from here on.
umount /sys/fs/cgroup/unified 2>/dev/null || true

work=$(mktemp -d /var/tmp/berth-bench-XXXXXX)
berthd_pid=
docker_dir=
cleanup() {
        if [ -n "$docker_dir" ]; then
                "$top/contrib/dockerd.sh" stop "$docker_dir" || true
        fi
        if [ -n "$berthd_pid" ]; then
                if ! kill -0 "$berthd_pid" 2>/dev/null; then
                        echo "bench/run.sh: berthd died; the end of its log:" >&2
                        tail -n 30 "$work/berthd.log" >&2
                fi
                kill "$berthd_pid" 2>/dev/null || true
                wait "$berthd_pid" 2>/dev/null || true
        fi
        for mp in $(awk -v d="$work/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
                umount -l "$mp" 2>/dev/null || true
        done
        rm -rf "$work"
        for d in /sys/fs/cgroup/*/berth-bench /sys/fs/cgroup/*/berth-bench-api; do
                [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true
        done
}
trap cleanup EXIT INT TERM

# One busybox root file system for all of them.
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/tmp" "$rootfs/etc"
cp /bin/busybox "$rootfs/bin/"
for a in sh true sleep cat ls echo; do ln -s busybox "$rootfs/bin/$a"; done
"$top/contrib/mkimage-busybox.sh" "$work/busybox.sqsh" >/dev/null

# OCI bundles: crun's default spec, /bin/true, no terminal, no network namespace (berth
# adds none by default either). runc rejects a symlinked rootfs, so each gets a copy.
for rt in crun runc; do
        mkdir -p "$work/bundle-$rt"
        cp -a "$rootfs" "$work/bundle-$rt/rootfs"
        (cd "$work/bundle-$rt" && crun spec)
        python3 - "$work/bundle-$rt/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
# No cgroup mount: berth honours it as a read-only cgroup2 tree, and the private
# namespace below has unmounted the v2 one (crun then mounts v1 hierarchies). Both
# runtimes run this same bundle without it (berth's JSON-RPC row runs bundle-crun).
c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/sys/fs/cgroup"]
json.dump(c, open(p, "w"), indent=1)
EOF
done
# The crun bundle with a seccomp filter of its own: berth's default allow-list (the names in
# init/seccomp-profile.c's base list, about Docker's default) as an OCI rule set, denied
# calls EPERM. Both runtimes compile it at each start.
mkdir -p "$work/bundle-seccomp"
cp -a "$work/bundle-crun/." "$work/bundle-seccomp/"
python3 - "$work/bundle-seccomp/config.json" "$top/init/seccomp-profile.c" <<'EOF'
import json, re, sys
p, src = sys.argv[1], open(sys.argv[2]).read()
base = src[src.index("static const char *const base[] = {"):]
base = base[:base.index("};")]
names = re.findall(r'"([a-z0-9_]+)"', base)
c = json.load(open(p))
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                         "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                         "syscalls": [{"names": names, "action": "SCMP_ACT_ALLOW"}]}
json.dump(c, open(p, "w"), indent=1)
EOF

# Run-time state on a tmpfs, as /run is on a usual host (berthd's default state dir is
# /run/berth); here /run is on ext4, where every file created or renamed costs a
# journal commit. berthd, crun and runc all keep their state on this one tmpfs.
mkdir -p "$work/run"
mount -t tmpfs -o mode=0700,size=64m berth-bench "$work/run"
"$build/berthd" --state-dir "$work/run/berthd" --scheme http --port 0 --cgroup-parent berth-bench-api \
        --log-level warning >"$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 200); do [ -s "$work/run/berthd/listen" ] && break; sleep 0.02; done
url=$(head -n 1 "$work/run/berthd/listen")

docker_flag=
if [ "${BERTH_BENCH_DOCKER:-1}" = 1 ] && command -v dockerd >/dev/null 2>&1; then
        # A private engine in this namespace (cgroups v1 as well), stopped at the end.
        docker_dir=$work/docker
        export "$("$top/contrib/dockerd.sh" start "$docker_dir")"
fi
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        if ! docker image inspect berth-bench-busybox >/dev/null 2>&1; then
                tar -C "$rootfs" -c . | docker import - berth-bench-busybox >/dev/null
        fi
        docker_flag=--docker
fi

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "versions: berthd $("$build/berthd" --version | cut -d' ' -f2), $(crun --version | head -n 1), $(runc --version | head -n 1)"
echo "runs: $runs per row after 5 warm-up runs; cgroups v1 (see bench/run.sh)"
BERTH_INIT="$build/berth-init" "$build/bench/bench-start" --url "$url" --rootfs "$rootfs" \
        --state-base "$work/run" --bundle-crun "$work/bundle-crun" \
        --bundle-runc "$work/bundle-runc" --bundle-seccomp "$work/bundle-seccomp" --image "$work/busybox.sqsh" --runs "$runs" $docker_flag
