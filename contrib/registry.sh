#!/bin/sh
# A private, throw-away image registry on 127.0.0.1, for the tests that push and pull:
#
#   contrib/registry.sh start DIR [PORT]
#                                  serve a registry (Debian's docker-registry, the
#                                  distribution v2 server) from DIR on 127.0.0.1:PORT (a
#                                  free port when none is given); prints
#                                  REGISTRY=127.0.0.1:PORT (also in DIR/address)
#   contrib/registry.sh stop DIR   stop it by the pid it wrote (checked against its
#                                  command line) and remove what start made in DIR
#
# As root or not (apt-get install docker-registry; its package scripts do not start a
# daemon here). Docker treats registries on 127.0.0.0/8 as insecure-allowed, so no TLS
# and no daemon flag is needed. Nothing listens beyond 127.0.0.1.
set -eu

cmd=${1:-}
dir=${2:?usage: contrib/registry.sh start|stop DIR [PORT]}
port=${3:-}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf=$dir/registry.yml

say() { echo "registry.sh: $*" >&2; }

answers() { # PORT: its /v2/ answers 200
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/v2/" \
                2>/dev/null)" = 200 ]
}

# The pid in FILE if that process's command line contains WORD.
pid_of() {
        p=$(cat "$1" 2>/dev/null) || return 1
        [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] || return 1
        tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$2" || return 1
        echo "$p"
}

# Is something listening on 127.0.0.1:PORT or *:PORT (tcp)? From /proc, no tool needed.
in_use() {
        hex=$(printf '%04X' "$1")
        cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
                awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }'
}

# One try on PORT: 0 when it serves, 1 when it did not start.
try_port() {
        cat >"$conf" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$1
log:
  level: warn
EOF
        setsid docker-registry serve "$conf" >>"$dir/registry.log" 2>&1 </dev/null &
        echo $! >"$dir/registry.pid"
        i=0
        while ! answers "$1"; do
                if [ $i -ge 200 ] || ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
                        stop_it
                        return 1
                fi
                sleep 0.05
                i=$((i + 1))
        done
        # (its own answer: not another server's on a port it could not have)
        sleep 0.1
        kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null || {
                stop_it
                return 1
        }
        echo "127.0.0.1:$1" >"$dir/address"
        return 0
}

start() {
        for b in docker-registry curl setsid; do
                command -v "$b" >/dev/null 2>&1 || {
                        say "$b is missing (apt-get install docker-registry curl)"
                        exit 1
                }
        done
        if pid_of "$dir/registry.pid" "$conf" >/dev/null && [ -f "$dir/address" ] &&
                answers "$(cut -d: -f2 "$dir/address")"; then
                echo "REGISTRY=$(cat "$dir/address")"
                return 0
        fi
        mkdir -p "$dir/data"
        if [ -n "$port" ]; then
                try_port "$port" || {
                        tail -n 5 "$dir/registry.log" >&2
                        say "no registry on 127.0.0.1:$port (log: $dir/registry.log)"
                        exit 1
                }
        else
                # A free port between 20000 and 29999, from a hash of DIR, then the next
                # ones (another may take it between the look and the start: try again).
                p=$(($(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 10000 + 20000))
                n=0
                while :; do
                        if ! in_use "$p" && try_port "$p"; then
                                break
                        fi
                        n=$((n + 1))
                        if [ $n -ge 20 ]; then
                                tail -n 5 "$dir/registry.log" >&2
                                say "no free port for a registry (log: $dir/registry.log)"
                                exit 1
                        fi
                        p=$(((p - 20000 + 1) % 10000 + 20000))
                done
        fi
        echo "REGISTRY=$(cat "$dir/address")"
}

stop_it() {
        if p=$(pid_of "$dir/registry.pid" "$conf"); then
                kill -TERM "$p" 2>/dev/null || true
                i=0
                while kill -0 "$p" 2>/dev/null; do
                        if [ $i -ge 100 ]; then
                                say "pid $p did not end after 5 s: KILL"
                                kill -KILL "$p" 2>/dev/null || true
                                break
                        fi
                        sleep 0.05
                        i=$((i + 1))
                done
        fi
        rm -f "$dir/registry.pid" "$dir/address"
}

stop() {
        stop_it
        rm -rf --one-file-system "$dir/data"
        rm -f "$conf" "$dir/registry.log"
        rmdir "$dir" 2>/dev/null || true
}

case "$cmd" in
start) start ;;
stop) stop ;;
*)
        sed -n '2,10p' "$0" >&2
        exit 2
        ;;
esac
