#!/bin/sh
# systemd boot benchmark: berth's systemd mode beside systemd-nspawn on the same
# Debian 12 image, from the launch to `systemctl is-system-running` = running (polled
# every 10 ms through nsenter, the same way for both). As root:
#
#   bench/bench-systemd.sh BUILD_DIR [RUNS]
#
# The image comes from contrib/mkimage-systemd.sh (built once, cached). Both boot an
# overlay with a fresh upper layer over one squashfs mount of it that stays up, so
# both read warm blocks; berth's time includes making the overlay (one request),
# nspawn's does not (the script makes it before launching). Runs alternate. Everything
# runs in a private mount namespace (systemd-nspawn, on a host without systemd, needs a
# tmpfs at /run/systemd/nspawn); every process started here is stopped by pid, every
# mount and directory removed at the end.
set -eu

build=$(cd "${1:?usage: bench/bench-systemd.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-10}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
        echo "bench/bench-systemd.sh: run as root" >&2
        exit 1
fi
if [ "${BERTH_BENCH_INNER:-}" != 1 ]; then
        if ! command -v systemd-nspawn >/dev/null 2>&1; then
                echo "bench/bench-systemd.sh: installing systemd-container"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-container >/dev/null
        fi
        BERTH_BENCH_INNER=1 exec unshare --mount --propagation private "$0" "$build" "$runs"
fi

work=$(mktemp -d /var/tmp/berth-bench-sd-XXXXXX)
berthd_pid=
nspawn_pid=
cleanup() {
        if [ -n "$nspawn_pid" ]; then
                kill "$nspawn_pid" 2>/dev/null || true
                wait "$nspawn_pid" 2>/dev/null || true
        fi
        if [ -n "$berthd_pid" ]; then
                kill "$berthd_pid" 2>/dev/null || true
                wait "$berthd_pid" 2>/dev/null || true
        fi
        for mp in $(awk -v d="$work/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
                umount -l "$mp" 2>/dev/null || true
        done
        rm -rf "$work"
        for d in /sys/fs/cgroup/*/berth-bench-sd; do
                [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
        done
}
trap cleanup EXIT INT TERM

image=$work/systemd.sqsh
"$top/contrib/mkimage-systemd.sh" "$image" >/dev/null
mkdir -p /run/systemd/nspawn
mount -t tmpfs tmpfs /run/systemd/nspawn

now_ms() {
        echo $(($(date +%s%N) / 1000000))
}

# Poll until systemd in the container of PID $1 says running; print the time.
wait_running() {
        deadline=$(($(now_ms) + 60000))
        while [ "$(now_ms)" -lt "$deadline" ]; do
                s=$(nsenter -t "$1" -m -p -- systemctl is-system-running 2>/dev/null || true)
                case $s in
                running)
                        now_ms
                        return 0
                        ;;
                degraded)
                        echo "bench/bench-systemd.sh: boot ended degraded" >&2
                        return 1
                        ;;
                esac
                sleep 0.01
        done
        echo "bench/bench-systemd.sh: no 'running' within 60 s" >&2
        return 1
}

# --- berth ---------------------------------------------------------------------------
"$build/berthd" --state-dir "$work/state" --scheme http --port 0 --cgroup-parent berth-bench-sd \
        --log-level warning >"$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 200); do [ -s "$work/state/listen" ] && break; sleep 0.02; done
B=$(head -n 1 "$work/state/listen")/imageapi/v1
J='Content-Type: application/json'
id_of() { sed -n 's/^{"id":\([0-9]*\).*/\1/p'; }
pid_of() { sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }

aid=$(curl -sf -XPOST -H "$J" "$B/attach" -d "{\"loopback\":{\"path\":\"$image\",\"ro\":true}}" | id_of)
mid=$(curl -sf -XPOST -H "$J" "$B/mount" \
        -d "{\"attach\":{\"attach\":{\"id\":$aid},\"fs_type\":\"squashfs\"}}" | id_of)
lower=$(curl -sf "$B/mount?id=$mid" | sed -n 's/.*"mountpoint":"\([^"]*\)".*/\1/p')

berth_once() {
        t0=$(now_ms)
        reply=$(curl -sf -XPOST -H "$J" "$B/container" -d "{\"name\":\"sd$1\",\"systemd\":true,
                \"state\":\"running\",\"command\":\"/lib/systemd/systemd\",
                \"mount\":{\"overlay\":{\"lower\":[{\"id\":$mid}]}}}")
        pid=$(echo "$reply" | pid_of)
        t1=$(wait_running "$pid")
        echo $((t1 - t0)) >>"$work/berth.times"
        curl -sf -XPATCH "$B/container?name=sd$1&state=exited" >/dev/null
        for _ in $(seq 500); do
                curl -sf "$B/container?name=sd$1" | grep -q '"state":"exited"' && break
                sleep 0.02
        done
        curl -sf -XDELETE "$B/container?name=sd$1&force=true" >/dev/null
}

# --- systemd-nspawn ------------------------------------------------------------------
nspawn_once() {
        r=$work/n$1
        mkdir -p "$r/upper" "$r/work" "$r/root"
        mount -t overlay overlay -o "lowerdir=$lower,upperdir=$r/upper,workdir=$r/work" "$r/root"
        t0=$(now_ms)
        systemd-nspawn --quiet --register=no --keep-unit --console=passive -b -D "$r/root" \
                -M "sdn$1" >"$r.log" 2>&1 &
        nspawn_pid=$!
        pid=
        for _ in $(seq 2000); do
                for c in $(ps -o pid= --ppid "$nspawn_pid"); do
                        [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] && pid=$c
                done
                [ -n "$pid" ] && break
                sleep 0.005
        done
        t1=$(wait_running "$pid")
        echo $((t1 - t0)) >>"$work/nspawn.times"
        kill "$nspawn_pid"
        wait "$nspawn_pid" || true
        nspawn_pid=
        umount "$r/root"
        rm -rf "$r"
}

berth_once warmup >/dev/null
nspawn_once warmup >/dev/null
rm -f "$work/berth.times" "$work/nspawn.times"
for i in $(seq "$runs"); do
        berth_once "$i"
        nspawn_once "$i"
done

stats() {
        sort -n "$1" | awk '{ v[NR] = $1 } END {
                m = v[int(NR / 2) + 1]; p = v[int(NR * 9 / 10) + 1 > NR ? NR : int(NR * 9 / 10) + 1]
                printf "%d %d %d\n", m, p, NR }'
}
set -- $(stats "$work/berth.times")
bm=$1 bp=$2 bn=$3
set -- $(stats "$work/nspawn.times")
nm=$1 np=$2 nn=$3

echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME"); $(systemd-nspawn --version | head -n 1)"
echo
printf '| %-44s | %10s | %10s | %10s | %s |\n' "systemd boot, launch to running" "median ms" "p90 ms" "× berth" "runs"
echo "|----------------------------------------------|-----------:|-----------:|-----------:|------|"
printf '| %-44s | %10d | %10d | %10.2f | %d |\n' "berth API (POST systemd:true, overlay)" "$bm" "$bp" 1 "$bn"
printf '| %-44s | %10d | %10d | %10.2f | %d |\n' "systemd-nspawn --register=no --keep-unit -b" "$nm" "$np" \
        "$(awk -v a="$nm" -v b="$bm" 'BEGIN { print a / b }')" "$nn"
