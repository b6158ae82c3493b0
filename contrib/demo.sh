#!/bin/sh
# berth demo, as root on Debian 12:
#   ./contrib/demo.sh         install what is needed, build, start berthd on
#                             127.0.0.1:${BERTH_DEMO_PORT:-8080}, and walk through the API with
#                             curl on a busybox squashfs image attached through loopback:
#                             attach, mount, overlay, then a container on it
#   ./contrib/demo.sh stop    delete what the demo made, stop that berthd, clean up
#
# Everything lives under /run/berth-demo (state) and /var/lib/berth-demo (the image).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
PORT=${BERTH_DEMO_PORT:-8080}
STATE=${BERTH_DEMO_STATE:-/run/berth-demo}
DATA=${BERTH_DEMO_DATA:-/var/lib/berth-demo}
PIDFILE=$STATE.pid
IMAGE=$DATA/busybox.sqsh

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; echo; }
api() { curl -sS --fail-with-body -H 'Content-Type: application/json' "$@"; }

stop() {
        if [ -s "$PIDFILE" ]; then
                pid=$(cat "$PIDFILE")
                url=$(head -n 1 "$STATE/listen" 2>/dev/null || true)
                if [ -n "$url" ] && kill -0 "$pid" 2>/dev/null; then
                        # Highest ids first: overlays before the mounts they sit on.
                        for coll in container mount attach; do
                                ids=$(curl -s "$url/imageapi/v1/$coll" |
                                        python3 -c 'import json,sys; print(" ".join(str(o["id"]) for o in reversed(json.load(sys.stdin))))')
                                for id in $ids; do
                                        curl -s -X DELETE "$url/imageapi/v1/$coll?id=$id&force=true" >/dev/null
                                done
                        done
                fi
                if kill -0 "$pid" 2>/dev/null; then
                        kill "$pid"
                        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                fi
                rm -f "$PIDFILE"
        fi
        if grep -q " $STATE/" /proc/self/mountinfo; then
                echo "demo.sh: mounts are left under $STATE; not removing it" >&2
                exit 1
        fi
        rm -rf "$STATE"
        # Only what the demo put there: DATA may be a directory of the user's.
        rm -f "$STATE.log" "$IMAGE"
        rmdir "$DATA" 2>/dev/null || true
        echo "berth demo stopped"
}

if [ "$(id -u)" != 0 ]; then
        echo "demo.sh: run as root (loop devices and mounts need it)" >&2
        exit 1
fi
if [ "${1:-}" = stop ]; then
        stop
        exit 0
fi

# 1. Dependencies and build.
"$top/contrib/install-deps.sh" build
cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
[ -f Makefile ] && make -s distclean >/dev/null 2>&1 || true
mkdir -p build/demo
(cd build/demo && { [ -f Makefile ] || "$top/configure" -q; } && make -s -j"$(nproc)" berthd berth-init)
BERTHD=$top/build/demo/berthd

# 2. The demo image: busybox in a squashfs.
mkdir -p "$DATA"
[ -s "$IMAGE" ] || ./contrib/mkimage-busybox.sh "$IMAGE" >/dev/null

# 3. berthd, unless the demo's one is already running.
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        echo "demo.sh: berthd (pid $(cat "$PIDFILE")) is already running; './contrib/demo.sh stop' first" >&2
        exit 1
fi
rm -rf "$STATE"
"$BERTHD" --state-dir "$STATE" --host 127.0.0.1 --port "$PORT" --scheme http --scheme unix \
        >"$STATE.log" 2>&1 &
echo $! >"$PIDFILE"
for _ in $(seq 100); do
        [ -s "$STATE/listen" ] && break
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
                cat "$STATE.log" >&2
                rm -f "$PIDFILE"
                echo "demo.sh: berthd did not start (port $PORT in use? set BERTH_DEMO_PORT)" >&2
                exit 1
        fi
        sleep 0.05
done
URL=http://127.0.0.1:$PORT/imageapi/v1
echo "berthd $("$BERTHD" --version | cut -d' ' -f2) is listening on http://127.0.0.1:$PORT and unix:$STATE/berthd.sock"

# 4. The tour: the seed walk-through's attach, mount and overlay steps.
say "curl -XPOST -H 'Content-Type: application/json' -d '{\"kind\":\"loopback\",\"loopback\":{\"path\":\"$IMAGE\",\"base\":\"root\"}}' $URL/attach"
api -XPOST -d "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"$IMAGE\",\"base\":\"root\"}}" "$URL/attach"

say "curl -XPOST -H 'Content-Type: application/json' -d '{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}}' $URL/mount"
api -XPOST -d '{"kind":"attach","attach":{"attach":{"id":0},"fs_type":"squashfs","mount_options":["ro"]}}' "$URL/mount"

say "curl -XPOST -H 'Content-Type: application/json' -d '{ \"lower\": [ 0 ]}' $URL/mount/overlay"
overlay=$(api -XPOST -d '{ "lower": [ 0 ]}' "$URL/mount/overlay")
echo "$overlay"
mp=$(echo "$overlay" | python3 -c 'import json,sys; print(json.load(sys.stdin)["mountpoint"])')

run ls "$mp"
say "echo 'written through the overlay' > $mp/root/hello; ls $(dirname "$mp")/upper_*/root"
echo 'written through the overlay' >"$mp/root/hello"
ls "$(echo "$overlay" | python3 -c 'import json,sys; print(json.load(sys.stdin)["upperdir"])')/root"

say "curl $URL/mount | python3 -m json.tool"
curl -s "$URL/mount" | python3 -m json.tool

# 5. A container on the overlay (the walk-through's steps 6-9): created, then started
# with the v0.1 state path; its own pid, uts, ipc and mount namespaces, berth-init as
# PID 1, output in its log file.
cmd="/bin/sh -c 'echo hello from \$(hostname), pid \$\$; while sleep 1; do date; done'"
body=$(python3 -c 'import json,sys; print(json.dumps({"name":"demo","command":sys.argv[1],"mount":{"id":1}}))' "$cmd")
say "curl -XPOST -H 'Content-Type: application/json' -d '$body' $URL/container"
api -XPOST -d "$body" "$URL/container"
echo
say "curl $URL/container/0/running"
c=$(curl -s "$URL/container/0/running")
echo "$c"
pid=$(echo "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
log=$(echo "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)["logfile"])')
sleep 1.5
run cat "$log"
say "nsenter -t $pid -a ps    # inside: berth-init is PID 1"
nsenter -t "$pid" -a ps

say "curl -XDELETE '$URL/attach?id=0'     # still used by mount 0: refused"
curl -s -XDELETE "$URL/attach?id=0"
echo

cat <<EOF

berthd and the container keep running (berthd pid $(cat "$PIDFILE"), log $STATE.log). Try:
  curl -sN http://127.0.0.1:$PORT/events &            # state changes as server-sent events
  curl -s -XPATCH '$URL/container?id=0&state=paused'  # freeze it; state=running thaws it
  curl -s -XPATCH '$URL/container?id=0&state=exited'  # SIGTERM, SIGKILL after stop_timeout
  curl -s $URL/container
  curl -s $URL/attach
  curl -s --unix-socket $STATE/berthd.sock http://localhost/imageapi/v1/mount
  open http://127.0.0.1:$PORT/docs
Stop it and remove everything the demo made with:
  sudo ./contrib/demo.sh stop
EOF
