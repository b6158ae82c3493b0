#!/bin/sh
# A private, throw-away Docker engine, for benchmarks that put berth beside it:
#
#   contrib/dockerd.sh start DIR [PORT] [--hostname NAME] [--tls ADDR:PORT CERTDIR]
#                                  [--gwbridge BRIDGE]
#                                  start dockerd on DIR/docker.sock (its data, state and
#                                  containerd under DIR), and on 127.0.0.1:PORT when one
#                                  is given (for wrk); prints DOCKER_HOST=unix://...
#                                  --hostname: in a UTS namespace of its own named NAME
#                                  (a second swarm node on this machine has a hostname
#                                  of its own); --tls: also on ADDR:PORT with TLS, client
#                                  certificates verified (CERTDIR/ca.pem, server-cert.pem,
#                                  server-key.pem); --gwbridge: its docker_gwbridge
#                                  network (a swarm node's, made when it joins, and left
#                                  behind by Docker) made now on a bridge of that name,
#                                  so that two swarm engines here do not share one;
#                                  `stop` removes it
#   contrib/dockerd.sh stop DIR    remove its containers and networks, stop it and its
#                                  containerd (by pid), unmount what is under DIR, remove
#                                  what it made outside DIR; DIR itself stays (rm -rf it)
#   contrib/dockerd.sh import DIR TAR REPO:TAG [CMD-JSON]
#                                  import a root file system tar as an image (unless the
#                                  engine has REPO:TAG), with CMD-JSON ('["sh"]') as its CMD
#
# As root, with Debian 12's docker.io (apt-get install docker.io; its package scripts do
# not start a daemon here). The engine changes nothing else on the host: no iptables
# rules, no IP forwarding, no default bridge (--bridge=none: a container on the default
# network gets its own loopback only). User-defined networks work (`docker network
# create`, compose's <project>_default): dockerd makes a br-<id> bridge for each, with
# an address from a pool of this DIR's own (10.N.0.0/16, N from a hash of DIR, so that
# two engines do not hand out the same subnet), and ports published on them are served
# by docker-proxy (-p 127.0.0.1:H:C); `stop` removes those networks, and their bridges
# with them. --network host works too. Keep DIR short: containerd puts unix sockets
# below it (108-byte limit). Processes are stopped by the pid they wrote, checked
# against their command line, never by name.
set -eu

cmd=${1:-}
dir=${2:?usage: contrib/dockerd.sh start|stop|import DIR ...}
port=
hostname=
tls_addr=
tls_dir=
gwbridge=
if [ "$cmd" = start ]; then
        shift 2
        while [ $# -gt 0 ]; do
                case "$1" in
                --hostname)
                        hostname=${2:?--hostname NAME}
                        shift 2
                        ;;
                --gwbridge)
                        gwbridge=${2:?--gwbridge BRIDGE}
                        shift 2
                        ;;
                --tls)
                        tls_addr=${2:?--tls ADDR:PORT CERTDIR}
                        tls_dir=${3:?--tls ADDR:PORT CERTDIR}
                        shift 3
                        ;;
                *)
                        port=$1
                        shift
                        ;;
                esac
        done
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock=$dir/docker.sock

say() { echo "dockerd.sh: $*" >&2; }

ping_ok() {
        [ -S "$sock" ] && [ "$(curl -s --max-time 2 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ]
}

# The pid in FILE if that process's command line contains WORD.
pid_of() {
        p=$(cat "$1" 2>/dev/null) || return 1
        [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] || return 1
        tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$2" || return 1
        echo "$p"
}

stop_pid() { # PID SECONDS: TERM, wait, then KILL
        kill -TERM "$1" 2>/dev/null || return 0
        i=0
        while [ $i -lt $(($2 * 20)) ]; do
                kill -0 "$1" 2>/dev/null || return 0
                sleep 0.05
                i=$((i + 1))
        done
        say "pid $1 did not end after $2 s: KILL"
        kill -KILL "$1" 2>/dev/null || true
}

start() {
        for b in dockerd containerd runc curl; do
                command -v "$b" >/dev/null 2>&1 || {
                        say "$b is missing (apt-get install docker.io curl)"
                        exit 1
                }
        done
        if ping_ok; then
                echo "DOCKER_HOST=unix://$sock"
                return 0
        fi
        mkdir -p "$dir/data" "$dir/exec"
        # Paths dockerd 20.10 and its containerd create outside their roots (hard-coded):
        # noted when they are not there yet, removed at stop.
        : >"$dir/made-outside"
        for x in /etc/docker/key.json /run/docker/plugins /run/docker /run/containerd/s \
                /run/containerd; do
                [ -e "$x" ] || echo "$x" >>"$dir/made-outside"
        done
        # Its cgroup driver makes a "docker" group in every hierarchy mounted.
        for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
                if [ -e "${h}cgroup.procs" ] && [ ! -e "${h}docker" ]; then
                        echo "${h}docker" >>"$dir/made-outside"
                fi
        done
        # A swarm manager makes docker_gwbridge, which Docker leaves behind: removed at
        # stop if it was not there before and nothing is attached to it any more (another
        # engine here may have made it meanwhile, and be using it).
        [ -e /sys/class/net/docker_gwbridge ] || echo "idle:docker_gwbridge" >>"$dir/made-outside"
        echo '{}' >"$dir/daemon.json"
        rm -f "$sock"
        tcp=
        [ -n "$port" ] && tcp="-H tcp://127.0.0.1:$port"
        if [ -n "$tls_addr" ]; then
                tcp="$tcp -H tcp://$tls_addr --tlsverify --tlscacert $tls_dir/ca.pem"
                tcp="$tcp --tlscert $tls_dir/server-cert.pem --tlskey $tls_dir/server-key.pem"
        fi
        # The command that runs dockerd: in a UTS namespace of its own, named, or as is.
        if [ -n "$hostname" ]; then
                # shellcheck disable=SC2016
                set -- unshare --uts -- sh -c 'hostname "$0" && exec "$@"' "$hostname"
        else
                set --
        fi
        # The subnets of its user networks: 10.N.0.0/16 (N in 100..249) of this DIR.
        n=$(($(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 150 + 100))
        # shellcheck disable=SC2086
        "$@" setsid dockerd -H "unix://$sock" $tcp --data-root "$dir/data" --exec-root "$dir/exec" \
                --pidfile "$dir/docker.pid" --config-file "$dir/daemon.json" --log-level warn \
                --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
                --bridge=none --default-address-pool "base=10.$n.0.0/16,size=24" \
                >>"$dir/dockerd.log" 2>&1 </dev/null &
        echo $! >"$dir/launcher.pid"
        i=0
        while ! ping_ok; do
                if [ $i -ge 600 ] || ! kill -0 "$(cat "$dir/launcher.pid")" 2>/dev/null; then
                        tail -n 20 "$dir/dockerd.log" >&2
                        stop
                        say "dockerd did not start (log: $dir/dockerd.log)"
                        exit 1
                fi
                sleep 0.05
                i=$((i + 1))
        done
        if [ -n "$gwbridge" ]; then
                echo "net:$gwbridge" >>"$dir/made-outside"
                o='"com.docker.network.bridge'
                code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 --unix-socket "$sock" \
                        -X POST -H 'Content-Type: application/json' \
                        -d "{\"Name\":\"docker_gwbridge\",\"Driver\":\"bridge\",\"Options\":{$o.name\":\"$gwbridge\",$o.enable_icc\":\"false\",$o.enable_ip_masquerade\":\"false\"}}" \
                        http://d/v1.41/networks/create)
                if [ "$code" != 201 ]; then
                        stop
                        say "cannot make docker_gwbridge on $gwbridge (HTTP $code)"
                        exit 1
                fi
        fi
        echo "DOCKER_HOST=unix://$sock"
}

# The ids of the user networks (not bridge, host, none).
user_networks() {
        curl -s --max-time 10 --unix-socket "$sock" "http://d/networks" |
                grep -o '"Name":"[^"]*","Id":"[0-9a-f]\{64\}"' |
                grep -v -e '"Name":"bridge"' -e '"Name":"host"' -e '"Name":"none"' |
                grep -o '[0-9a-f]\{64\}'
}

stop() {
        bridges=
        if ping_ok; then
                for id in $(curl -s --max-time 10 --unix-socket "$sock" \
                        "http://d/containers/json?all=1" | grep -o '"Id":"[0-9a-f]\{64\}"' | cut -d'"' -f4); do
                        curl -s --max-time 30 --unix-socket "$sock" -X DELETE \
                                "http://d/containers/$id?force=1&v=1" >/dev/null || true
                done
                # A network's bridge outlives the engine unless the network is removed.
                for id in $(user_networks); do
                        bridges="$bridges br-$(echo "$id" | cut -c1-12)"
                        curl -s --max-time 30 --unix-socket "$sock" -X DELETE \
                                "http://d/networks/$id" >/dev/null || true
                done
        fi
        cpid=$(pid_of "$dir/exec/containerd/containerd.pid" "$dir/exec/containerd" || true)
        if p=$(pid_of "$dir/docker.pid" "unix://$sock"); then
                stop_pid "$p" 30
        elif p=$(pid_of "$dir/launcher.pid" "unix://$sock"); then
                stop_pid "$p" 30
        fi
        # Its containerd ends with it; its shims survive a dockerd that was killed.
        [ -n "$cpid" ] && stop_pid "$cpid" 10
        for f in /proc/[0-9]*/cmdline; do
                p=${f#/proc/}
                p=${p%/cmdline}
                # (a process that ended meanwhile has no cmdline: 2>/dev/null first)
                if tr '\0' ' ' 2>/dev/null <"$f" | grep -qF -- "-address $dir/exec/containerd/containerd.sock"; then
                        stop_pid "$p" 5
                fi
        done
        awk -v d="$dir/" 'index($5, d) == 1 { print length($5), $5 }' /proc/self/mountinfo |
                sort -rn | cut -d' ' -f2- | while read -r m; do
                umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "cannot unmount $m"
        done
        if [ -f "$dir/made-outside" ]; then
                sort -r "$dir/made-outside" | while read -r x; do
                        if [ "$x" = /etc/docker/key.json ]; then
                                rm -f "$x"
                        elif [ "${x#idle:}" != "$x" ]; then
                                b=/sys/class/net/${x#idle:}
                                if [ -d "$b/brif" ] && [ -z "$(ls -A "$b/brif")" ]; then
                                        ip link delete "${x#idle:}" 2>/dev/null || true
                                fi
                        elif [ "${x#net:}" != "$x" ]; then
                                if [ -e "/sys/class/net/${x#net:}" ]; then
                                        ip link delete "${x#net:}" 2>/dev/null ||
                                                say "cannot remove ${x#net:}"
                                fi
                        else
                                rmdir "$x" 2>/dev/null || true
                        fi
                done
                rm -f "$dir/made-outside"
        fi
        # A bridge of its own that a network's removal did not take (ours by its id).
        for b in $bridges; do
                if [ -e "/sys/class/net/$b" ]; then
                        ip link delete "$b" 2>/dev/null || say "cannot remove bridge $b"
                fi
        done
        rm -f "$sock" "$dir/docker.pid" "$dir/launcher.pid"
}

# import DIR TAR REPO:TAG [CMD-JSON]: POST /images/create?fromSrc=- unless it is there.
import_image() {
        tar=${3:?usage: contrib/dockerd.sh import DIR TAR REPO:TAG [CMD-JSON]}
        ref=${4:?usage: contrib/dockerd.sh import DIR TAR REPO:TAG [CMD-JSON]}
        cmdjson=${5:-}
        case "$ref" in
        *:*) repo=${ref%:*} tag=${ref##*:} ;;
        *) repo=$ref tag=latest ;;
        esac
        [ -f "$tar" ] && [ -r "$tar" ] || {
                say "cannot read $tar" # (Docker would import an empty body as an image)
                exit 1
        }
        ping_ok || {
                say "no engine answers on $sock"
                exit 1
        }
        code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
                "http://d/v1.41/images/$repo:$tag/json")
        [ "$code" = 200 ] && return 0
        changes=
        if [ -n "$cmdjson" ]; then
                changes="&changes=$(printf 'CMD %s' "$cmdjson" | od -An -tx1 -v | tr -d ' \n' |
                        sed 's/../%&/g')"
        fi
        out=$(curl -s --max-time 120 --unix-socket "$sock" -X POST \
                -H 'Content-Type: application/x-tar' --data-binary @"$tar" \
                "http://d/v1.41/images/create?fromSrc=-&repo=$repo&tag=$tag$changes")
        code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
                "http://d/v1.41/images/$repo:$tag/json")
        if [ "$code" != 200 ]; then
                say "import of $tar as $repo:$tag failed: $out"
                exit 1
        fi
}

case "$cmd" in
start) start ;;
stop) stop ;;
import) import_image "$@" ;;
*)
        sed -n '2,13p' "$0" >&2
        exit 2
        ;;
esac
