#!/bin/sh
# Load: berthd with N running containers, driven by wrk at 64 connections on 127.0.0.1.
# As root:
#
#   bench/load.sh BUILD_DIR [SECONDS] [N]
#
#   1. read-heavy: GET of one container by id (60 %), the mount list (20 %), the attachment
#      list (10 %), the whole container list of N (10 %);
#   2. create/delete: each connection creates a container (state created, on the shared
#      mount) and deletes it, again and again;
#   3. the read mix again, to see that memory stays where it was.
# It prints wrk's latency distribution, requests/s, non-2xx answers and berthd's RSS.
# Then the same against a private Docker engine (contrib/dockerd.sh; BERTH_BENCH_DOCKER=0
# leaves it out) with N running containers of the same busybox tree: its list
# (GET /containers/json) and the same two mixes in Docker's terms (inspect one container
# 60 %, the image list 20 %, the network list 10 %, the container list 10 %; create and
# delete), with dockerd's, containerd's and the shims' memory.
# Everything runs in a private mount namespace with the state on a tmpfs; the containers,
# berthd and the cgroups are removed at the end.
set -eu

build=$(cd "${1:?usage: bench/load.sh BUILD_DIR [SECONDS] [N]}" && pwd)
secs=${2:-60}
n=${3:-1000}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
        echo "bench/load.sh: run as root" >&2
        exit 1
fi
if [ "${BERTH_BENCH_INNER:-}" != 1 ]; then
        command -v wrk >/dev/null 2>&1 || {
                echo "bench/load.sh: installing wrk"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
        }
        if [ "${BERTH_BENCH_DOCKER:-1}" = 1 ] && ! command -v dockerd >/dev/null 2>&1; then
                echo "bench/load.sh: installing docker.io"
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
        fi
        BERTH_BENCH_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

work=$(mktemp -d /var/tmp/berth-load-XXXXXX)
berthd_pid=
docker_dir=
cleanup() {
        if [ -n "$docker_dir" ]; then
                "$top/contrib/dockerd.sh" stop "$docker_dir" || true
        fi
        if [ -n "$berthd_pid" ] && kill -0 "$berthd_pid" 2>/dev/null; then
                kill "$berthd_pid"
                wait "$berthd_pid" 2>/dev/null || true
        fi
        for mp in $(awk -v d="$work/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
                umount -l "$mp" 2>/dev/null || true
        done
        rm -rf "$work"
        for d in /sys/fs/cgroup/*/berth-load; do
                [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true
        done
}
trap cleanup EXIT INT TERM

mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/dev" "$work/root/sys" "$work/root/tmp" \
        "$work/run"
cp /bin/busybox "$work/root/bin/"
for a in sh sleep; do ln -s busybox "$work/root/bin/$a"; done
mount -t tmpfs -o mode=0700,size=512m berth-load "$work/run"
# --shutdown-containers: SIGTERM at the end stops and removes all N of them.
"$build/berthd" --state-dir "$work/run/berthd" --scheme http --port 0 --cgroup-parent berth-load \
        --log-level warning --shutdown-containers >"$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 200); do [ -s "$work/run/berthd/listen" ] && break; sleep 0.02; done
url=$(head -n 1 "$work/run/berthd/listen")
J='Content-Type: application/json'

# Helpers for both engines.
rss_of() { awk '/^VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
rss() { rss_of "$berthd_pid"; }
list_ms() { # URL: curl's time_total, median of 5
        for _ in 1 2 3 4 5; do
                curl -sf -o /dev/null -w '%{time_total}\n' "$1"
        done | sort -n | awk 'NR == 3 { printf "%.2f ms", $1 * 1000 }'
}
# churn_lua FILE DELETE_PREFIX POST_PATH BODY ID_PATTERN: create (not start) and delete
# again and again. The Lua state is per wrk thread, shared by its connections: created
# ids wait in a queue.
churn_lua() {
        cat >"$1" <<EOF
local ids, head, tail = {}, 1, 0
request = function()
        if head <= tail then
                local id = ids[head]
                ids[head] = nil
                head = head + 1
                return wrk.format("DELETE", "$2" .. id)
        end
        return wrk.format("POST", "$3", { ["Content-Type"] = "application/json" }, '$4')
end
response = function(status, headers, body)
        local id = body:match('$5')
        if status == 201 and id then
                tail = tail + 1
                ids[tail] = id
        end
end
EOF
}
# run_wrk TITLE SCRIPT URL MEMORY_COMMAND
run_wrk() {
        echo
        echo "### $1 ($secs s, 64 connections, 2 threads)"
        wrk -t 2 -c 64 -d "${secs}s" --latency -s "$2" "$3" | grep -v "^Running\|threads and"
        echo "after it: $($4)"
}

curl -sf -H "$J" -d "{\"bind\":{\"path\":\"$work/root\",\"ro\":true}}" "$url/imageapi/v1/mount" >/dev/null
t0=$(date +%s%N)
for i in $(seq "$n"); do
        curl -sf -H "$J" -d '{"state":"running","args":["sleep","3600"],"mount":{"id":0}}' \
                "$url/imageapi/v1/container" >/dev/null
done
t1=$(date +%s%N)
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r); wrk $(wrk --version 2>&1 | head -n 1 | awk '{print $2}')"
echo "$n containers started one after the other in $(( (t1 - t0) / 1000000 )) ms (curl, one request each); berthd RSS $(rss)"
echo "GET /imageapi/v1/container (all $n, $(curl -sf "$url/imageapi/v1/container" | wc -c) bytes): $(list_ms "$url/imageapi/v1/container") (curl's time_total, median of 5)"

cat >"$work/read.lua" <<EOF
math.randomseed(os.time())
request = function()
        local r = math.random(100)
        if r <= 60 then
                return wrk.format("GET", "/imageapi/v1/container?id=" .. math.random(0, $n - 1))
        elseif r <= 80 then
                return wrk.format("GET", "/imageapi/v1/mount")
        elseif r <= 90 then
                return wrk.format("GET", "/imageapi/v1/attach")
        end
        return wrk.format("GET", "/imageapi/v1/container")
end
EOF
churn_lua "$work/churn.lua" "/imageapi/v1/container?id=" "/imageapi/v1/container" \
        '{"state":"created","args":["sleep","1"],"mount":{"id":0}}' '^{"id":(%d+)'

berthd_rss() { echo "berthd $(rss)"; }
run_wrk "read-heavy mix" "$work/read.lua" "$url" berthd_rss
run_wrk "create/delete mix" "$work/churn.lua" "$url" berthd_rss
# The churn's last creations (at most one per connection) were not deleted when wrk
# stopped: delete them, so that the last read mix sees the same N.
for id in $(curl -sf "$url/imageapi/v1/container" | grep -o '{"id":[0-9]*' | cut -d: -f2); do
        [ "$id" -ge "$n" ] && curl -sf -X DELETE "$url/imageapi/v1/container?id=$id" >/dev/null
done
run_wrk "read-heavy mix again" "$work/read.lua" "$url" berthd_rss
echo
echo "containers still there: $(curl -sf "$url/imageapi/v1/container" | grep -o '"logfile"' | wc -l) (want $n); GET of all: $(list_ms "$url/imageapi/v1/container")"
t=$(date +%s%N)
kill "$berthd_pid"
wait "$berthd_pid" || true
berthd_pid=
echo "berthd --shutdown-containers stopped and removed them in $(( ($(date +%s%N) - t) / 1000000 )) ms"

[ "${BERTH_BENCH_DOCKER:-1}" = 1 ] && command -v dockerd >/dev/null 2>&1 || exit 0

# ---- the same against dockerd ---------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
docker_dir=$work/docker
"$top/contrib/dockerd.sh" start "$docker_dir" "$port" >/dev/null
dsock=$docker_dir/docker.sock
durl=http://127.0.0.1:$port
drss() {
        shims=0
        for f in /proc/[0-9]*/cmdline; do
                p=${f#/proc/}
                p=${p%/cmdline}
                if tr '\0' ' ' <"$f" 2>/dev/null |
                        grep -qF -- "-address $docker_dir/exec/containerd/containerd.sock"; then
                        kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
                        shims=$((shims + ${kb:-0}))
                fi
        done
        echo "dockerd $(rss_of "$(cat "$docker_dir/docker.pid")"), containerd" \
                "$(rss_of "$(cat "$docker_dir/exec/containerd/containerd.pid")"), shims" \
                "$((shims / 1024)) MiB"
}
tar -C "$work/root" -c . | curl -sf --unix-socket "$dsock" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary @- "http://d/images/create?fromSrc=-&repo=berth-load&tag=1" >/dev/null
echo
echo "## dockerd $(dockerd --version | cut -d' ' -f3 | tr -d ,), the same busybox tree, --network host"
t0=$(date +%s%N)
# shellcheck disable=SC2016
seq "$n" | xargs -P 4 -I{} sh -c '
        id=$(curl -sf --unix-socket "$1" -H "Content-Type: application/json" \
                -d "{\"Image\":\"berth-load:1\",\"Cmd\":[\"sleep\",\"3600\"],\"HostConfig\":{\"NetworkMode\":\"host\"}}" \
                http://d/containers/create | cut -d\" -f4)
        curl -sf --unix-socket "$1" -X POST "http://d/containers/$id/start"' sh "$dsock"
t1=$(date +%s%N)
echo "$n containers created and started in $(((t1 - t0) / 1000000)) ms (curl, 4 at a time); $(drss)"
echo "GET /containers/json (all $(curl -sf "$durl/containers/json" | grep -o '"Id":' | wc -l)," \
        "$(curl -sf "$durl/containers/json" | wc -c) bytes): $(list_ms "$durl/containers/json") (curl's time_total, median of 5)"
{
        echo "local ids = {"
        curl -sf "$durl/containers/json" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4 | sed 's/.*/"&",/'
        echo "}"
        cat <<'EOF'
math.randomseed(os.time())
request = function()
        local r = math.random(100)
        if r <= 60 then
                return wrk.format("GET", "/containers/" .. ids[math.random(#ids)] .. "/json")
        elseif r <= 80 then
                return wrk.format("GET", "/images/json")
        elseif r <= 90 then
                return wrk.format("GET", "/networks")
        end
        return wrk.format("GET", "/containers/json")
end
EOF
} >"$work/dread.lua"
churn_lua "$work/dchurn.lua" "/containers/" "/containers/create" \
        '{"Image":"berth-load:1","Cmd":["sleep","1"],"HostConfig":{"NetworkMode":"host"}}' \
        '"Id":"(%x+)"'
run_wrk "dockerd: read-heavy mix" "$work/dread.lua" "$durl" drss
run_wrk "dockerd: create/delete mix" "$work/dchurn.lua" "$durl" drss
t=$(date +%s%N)
curl -sf "$durl/containers/json?all=1" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4 |
        xargs -P 4 -I{} curl -sf -o /dev/null -X DELETE "$durl/containers/{}?force=1"
echo
echo "dockerd removed them (DELETE ?force=1, 4 at a time) in $((($(date +%s%N) - t) / 1000000)) ms"
