#!/usr/bin/env bash
# A throw-away single-node Ceph cluster (one ceph-mon, one memstore ceph-osd, cephx on,
# 127.0.0.1 only, no mgr, no systemd) for berth's tests and benchmarks.
#
#   ceph-cluster.sh start DIR               start a cluster in DIR (or find it up) and print
#                                           KEY='value' lines, also kept in DIR/env
#   ceph-cluster.sh env DIR                 print those lines again (the cluster must be up)
#   ceph-cluster.sh import DIR FILE IMAGE   rbd import FILE (- for stdin) into the pool as
#                                           IMAGE, replacing an existing IMAGE
#   ceph-cluster.sh stop DIR                stop the daemons started in DIR and remove DIR;
#                                           succeeds if nothing runs there or DIR is absent
#
# Keys printed: CEPH_DIR CEPH_CONF CEPH_FSID CEPH_MON (msgr1 IP:PORT, usable alone as
# mon_host by librbd and the kernel client) CEPH_MON_V2 (msgr2 IP:PORT) CEPH_MON_HOST
# (mon_host with both, typed) CEPH_POOL CEPH_ADMIN_KEY CEPH_CLIENT (an id with `profile rbd`
# on the pool) CEPH_CLIENT_KEY CEPH_KEYRING (a keyring with both keys).
# librados takes an untyped IP:PORT (other than 6789/3300) as both protocols on that port:
# it logs a "_handle_peer_banner" line per connection, and a wrong key then fails only after
# client_mount_timeout (ETIMEDOUT) instead of at once (EACCES). CEPH_MON_HOST avoids both.
#
# Everything lives under DIR: nothing in /etc/ceph, /var/lib/ceph, /var/run/ceph or
# /var/log/ceph is used. Clusters in different DIRs run side by side on their own ports.
#
# Environment:
#   CEPH_CLUSTER_TIMEOUT=60         bound (s) on a whole start and on each rbd command of
#                                   import
#   CEPH_CLUSTER_PORT_BASE=         use ports BASE..BASE+19 instead of a free random block
#   CEPH_CLUSTER_MEMSTORE_BYTES=2147483648  OSD capacity (RAM is used only as data is written)
#
# Needs ceph-mon, ceph-osd and ceph-common (contrib/install-deps.sh test); not root.
set -euo pipefail

# The daemons read CEPH_CONF, CEPH_ARGS and CEPH_KEYRING too (global_init parses the
# environment): a caller's CEPH_KEYRING would replace osd.0's keyring and the OSD would fail
# cephx ("handle_auth_bad_method"). Nothing started here may inherit them.
unset CEPH_CONF CEPH_ARGS CEPH_KEYRING
# EPOCHREALTIME's decimal point and the tools' messages must not follow the caller's locale.
export LC_ALL=C
# Keys and cluster state are nobody else's business.
umask 077

PROG=ceph-cluster.sh
TIMEOUT=${CEPH_CLUSTER_TIMEOUT:-60}
PORT_BASE=${CEPH_CLUSTER_PORT_BASE:-}
MEM_BYTES=${CEPH_CLUSTER_MEMSTORE_BYTES:-2147483648}
POOL=rbd
CLIENT=berthtest
PG_NUM=8
# mon v2 and v1, then the OSD binds 8 (public, cluster and two heartbeat messengers, v2 and
# v1 each); the rest is slack.
NPORTS=20
# Seconds a daemon gets to exit on SIGTERM before SIGKILL
STOP_GRACE=10
MARK_NAME=.ceph-cluster

die() {
        printf '%s: %s\n' "$PROG" "$*" >&2
        exit 1
}

usage() {
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
        exit 2
}

# A decimal that test(1) and $((...)) take without overflowing (at most 15 digits).
is_uint() {
        case $1 in '' | *[!0-9]* | ????????????????*) return 1 ;; esac
}

now_ms() {
        local t=${EPOCHREALTIME/./}
        echo $((t / 1000))
}

# LEFT = whole seconds left before the start's deadline, which bounds every step that waits.
# (Not used as $(...): die would only end the subshell.)
set_left() {
        local ms=$((DEADLINE_MS - $(now_ms)))
        [ "$ms" -gt 0 ] || die "timed out after ${TIMEOUT}s ($STEP)"
        LEFT=$(((ms + 999) / 1000))
}

# --- the daemons we started, by pid -------------------------------------------------------

# proc_start PID: the process's start time (clock ticks after boot); empty if it is gone or a
# zombie. A daemon is reparented to PID 1 when it exits, and some PID 1s (containers, VM
# agents) reap seconds later, so `kill -0` alone would say "alive".
proc_start() {
        local stat
        { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 0
        # The fields after "(comm)", which may hold spaces: state is field 3, starttime 22.
        # shellcheck disable=SC2086
        set -- ${stat##*) }
        [ "$1" != Z ] || return 0
        echo "${20}"
}

# The daemon writes its pid file before its parent returns; we copy "NAME PID STARTTIME" into
# run/daemons at once. stop signals exactly those processes, never one found by name, and the
# start time keeps a reused pid from being taken for ours.
record_daemon() {
        local name=$1 pid st
        pid=$(tr -dc 0-9 2>/dev/null <"$RUN/$name.pid") || true
        [ -n "$pid" ] || die "$name started but wrote no pid file"
        st=$(proc_start "$pid")
        [ -n "$st" ] || die "$name exited right after starting"
        echo "$name $pid $st" >>"$RUN/daemons"
}

# daemon_pids [NAME]: the recorded daemons (all, or NAME) that still run.
daemon_pids() {
        local name pid st
        [ -f "$RUN/daemons" ] || return 0
        while read -r name pid st; do
                if [ -z "${1:-}" ] || [ "$1" = "$name" ]; then
                        [ "$(proc_start "$pid")" != "$st" ] || echo "$pid"
                fi
        done <"$RUN/daemons"
}

# dead_daemon: the name of a recorded daemon that no longer runs; fails if all run.
dead_daemon() {
        local name pid st
        while read -r name pid st; do
                if [ "$(proc_start "$pid")" != "$st" ]; then
                        echo "$name"
                        return 0
                fi
        done <"$RUN/daemons"
        return 1
}

# unrecorded_pids [NAME]: a start killed (or failed) between a daemon's fork and
# record_daemon leaves only the daemon's pid file: believe it only for a process that runs
# with our ceph.conf.
unrecorded_pids() {
        local f pid pat=${1:-*}
        for f in "$RUN"/$pat.pid; do
                [ -f "$f" ] || continue
                pid=$(tr -dc 0-9 2>/dev/null <"$f") || continue
                [ -n "$pid" ] || continue
                [ -n "$(proc_start "$pid")" ] || continue
                ! grep -qs " $pid " "$RUN/daemons" || continue
                if tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$CONF"; then
                        echo "$pid"
                fi
        done
}

# kill_wait PID...: SIGTERM, wait up to STOP_GRACE s, then SIGKILL and wait for the exit.
kill_wait() {
        [ $# -gt 0 ] || return 0
        local -A st=()
        local p end running
        for p; do st[$p]=$(proc_start "$p"); done
        kill -TERM "$@" 2>/dev/null || true
        end=$(($(now_ms) + STOP_GRACE * 1000))
        while :; do
                running=()
                for p; do
                        # An empty start time: already gone when we began.
                        if [ -n "${st[$p]}" ] && [ "$(proc_start "$p")" = "${st[$p]}" ]; then
                                running+=("$p")
                        fi
                done
                [ ${#running[@]} -gt 0 ] || return 0
                if [ "$(now_ms)" -ge "$end" ]; then
                        echo "$PROG: pid ${running[*]} still runs ${STOP_GRACE}s after SIGTERM, sending SIGKILL" >&2
                        kill -KILL "${running[@]}" 2>/dev/null || true
                        end=$(($(now_ms) + 5000))
                fi
                sleep 0.02
        done
}

# --- DIR and its lock ---------------------------------------------------------------------

set_dir() {
        [ -n "$1" ] || usage
        D=$(realpath -m -- "$1") || die "bad directory '$1'"
        # DIR goes into ceph.conf, where '$', '#', ';', '=', commas and blanks mean something,
        # and into the printed shell lines.
        case $D in
        / | *[!A-Za-z0-9._/+@-]*) die "directory '$D' must be made of [A-Za-z0-9._/+@-] and not be /" ;;
        esac
        CONF=$D/ceph.conf
        RUN=$D/run
        MARK=$D/$MARK_NAME
}

# lock_dir -x|-s: commands on one DIR are serialised (start and stop exclusive, env and
# import shared) by a flock on DIR itself, so that no lock file lives outside DIR. fd 9
# must not reach the daemons, or they would hold the lock forever: every launch says 9<&-.
# Returns 1 if DIR does not exist (any more).
lock_dir() {
        while :; do
                [ -d "$D" ] || return 1
                exec 9<"$D" || return 1
                # Long enough for a start that fails at its deadline and then stops daemons.
                flock "$1" -w $((TIMEOUT + 3 * STOP_GRACE)) 9 ||
                        die "'$D' stayed locked by another $PROG for $((TIMEOUT + 3 * STOP_GRACE))s"
                # A stop we waited for may have removed DIR (and a start made a new one).
                [ "$D" -ef "/proc/$$/fd/9" ] && return 0
                exec 9<&-
        done
}

# Only a DIR with our mark is emptied or removed; an empty DIR (mktemp -d) is fine to use.
owned_or_empty() {
        [ -f "$MARK" ] || [ -z "$(ls -A -- "$D")" ]
}

is_up() {
        [ -f "$D/env" ] && [ -n "$(daemon_pids mon.a)" ] && [ -n "$(daemon_pids osd.0)" ]
}

# teardown remove|keep: stop our daemons, then remove DIR, or only what is in it (start keeps
# the inode it holds the lock on).
teardown() {
        # The OSD first: a stopping OSD waits (osd_mon_shutdown_timeout, 5 s) for the mon to
        # acknowledge that it goes down.
        # shellcheck disable=SC2046 # one pid per word
        kill_wait $(daemon_pids osd.0) $(unrecorded_pids osd.0)
        # shellcheck disable=SC2046
        kill_wait $(daemon_pids) $(unrecorded_pids)
        if [ "$1" = keep ]; then
                find "$D" -mindepth 1 -delete
        else
                rm -rf -- "$D"
        fi
}

cmd_stop() {
        lock_dir -x || return 0
        owned_or_empty || die "'$D' is not a $PROG directory (no $MARK_NAME); not touching it"
        teardown remove
}

# --- ports --------------------------------------------------------------------------------

used_ports() {
        local hex
        # Column 2 is ADDR:PORT in hex. awk reads /proc: bash's read would make the kernel
        # regenerate the table for every byte.
        while read -r hex; do
                printf '%d ' $((16#$hex))
        done < <(awk 'FNR > 1 { sub(/.*:/, "", $2); print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
}

block_free() {
        local p
        for ((p = $1; p < $1 + NPORTS; p++)); do
                case $USED in *" $p "*) return 1 ;; esac
        done
}

# BASE..BASE+NPORTS-1 free of any TCP socket (listening or not, IPv4 or IPv6: each makes a
# bind fail). Blocks are aligned, so two clusters share all of a block (seen here, or at the
# mon's bind) or none of it, and stay below the ephemeral range so that outgoing connections
# do not take their ports.
pick_ports() {
        USED=" $(used_ports) "
        if [ -n "$PORT_BASE" ]; then
                block_free "$PORT_BASE" ||
                        die "a port in $PORT_BASE..$((PORT_BASE + NPORTS - 1)) (CEPH_CLUSTER_PORT_BASE) is in use"
                BASE=$PORT_BASE
                return 0
        fi
        local lo=20000 hi=40000 eph try
        read -r eph _ </proc/sys/net/ipv4/ip_local_port_range || eph=$hi
        if [ "$eph" -lt "$hi" ] && [ "$eph" -ge $((lo + 100 * NPORTS)) ]; then
                hi=$eph
        fi
        for ((try = 0; try < 50; try++)); do
                BASE=$((lo + (${SRANDOM:-$RANDOM} % ((hi - lo) / NPORTS)) * NPORTS))
                block_free "$BASE" && return 0
        done
        die "found no $NPORTS free ports in a row in $lo..$hi"
}

# --- start --------------------------------------------------------------------------------

# keyring_entry NAME KEY [SERVICE CAPS]...
keyring_entry() {
        printf '[%s]\n\tkey = %s\n' "$1" "$2"
        shift 2
        while [ $# -ge 2 ]; do
                printf '\tcaps %s = "%s"\n' "$1" "$2"
                shift 2
        done
}

# The keys exist before the mon and go into its initial auth database (ceph-mon --mkfs), so
# no `ceph auth` round trip is needed. Keyrings are written here rather than by one
# ceph-authtool run per entry (45 ms each). -c /dev/null: it would read /etc/ceph/ceph.conf.
make_keys() {
        local mon_key osd_key mon osd admin client
        mon_key=$(ceph-authtool -c /dev/null --gen-print-key)
        osd_key=$(ceph-authtool -c /dev/null --gen-print-key)
        ADMIN_KEY=$(ceph-authtool -c /dev/null --gen-print-key)
        CLIENT_KEY=$(ceph-authtool -c /dev/null --gen-print-key)
        mon=$(keyring_entry mon. "$mon_key" mon 'allow *')
        osd=$(keyring_entry osd.0 "$osd_key" mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *')
        admin=$(keyring_entry client.admin "$ADMIN_KEY" mds 'allow *' mgr 'allow *' mon 'allow *' osd 'allow *')
        client=$(keyring_entry "client.$CLIENT" "$CLIENT_KEY" mgr "profile rbd pool=$POOL" \
                mon 'profile rbd' osd "profile rbd pool=$POOL")
        printf '%s\n' "$admin" "$client" >"$D/keyring"
        printf '%s\n' "$osd" >"$D/osd.0/keyring"
        printf '%s\n' "$mon" "$admin" "$client" "$osd" >"$D/mon.keyring"
}

write_conf() {
        cat >"$CONF" <<EOF
# A throw-away cluster of berth's contrib/$PROG; \`$PROG stop $D\` removes it.
[global]
fsid = $FSID
mon host = $MON_HOST
mon initial members = a
public addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv6 = false
ms bind port min = $((BASE + 2))
ms bind port max = $((BASE + NPORTS - 1))
# A taken port is retried 3 times, 5 s apart, by default: fail at once, start retries.
ms bind retry count = 1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
# No mgr: MGR_DOWN would be raised once this grace passes after the first OSD exists.
mon mgr mkfs grace = 31536000
# The mon refuses to start on a file system more than 95 % full; CI disks may be.
mon data avail warn = 1
mon data avail crit = 0
# Each osdmap or pool change is a paxos proposal, batched for 1 s by default.
paxos propose interval = 0.05
paxos min wait = 0.01
# Their defaults are in /var/run/ceph, /var/lib/ceph/crash and /var/log/ceph.
run dir = $RUN
crash dir = $D/crash
mon cluster log file = $D/log/ceph.\$channel.log
[mon]
mon data = $D/mon.\$id
log file = $D/log/\$name.log
admin socket = $RUN/\$name.asok
[osd]
osd data = $D/osd.\$id
keyring = $D/osd.\$id/keyring
log file = $D/log/\$name.log
admin socket = $RUN/\$name.asok
osd objectstore = memstore
memstore device bytes = $MEM_BYTES
[client]
keyring = $D/keyring
# Fail rather than wait 300 s for an unreachable mon.
client mount timeout = 30
rados mon op timeout = 60
rados osd op timeout = 120
EOF
}

# Everything the mon needs before it runs.
prepare_mon() {
        mkdir -p "$D/mon.a" "$D/osd.0" "$D/log" "$D/crash" "$RUN"
        make_keys
        write_conf
        monmaptool -c /dev/null --create --addv a "$MON_HOST" --fsid "$FSID" "$D/monmap" >/dev/null
        set_left
        timeout "$LEFT" ceph-mon -c "$CONF" --mkfs -i a --monmap "$D/monmap" \
                --keyring "$D/mon.keyring" </dev/null >>"$D/log/mon.a.out" 2>&1 9<&- ||
                die "ceph-mon --mkfs failed"
}

# The mon, on a free block of ports. Two starts may pick the same block at the same moment;
# the loser's mon cannot bind and it tries another block.
start_mon() {
        local attempt
        for attempt in 1 2 3; do
                read -r FSID </proc/sys/kernel/random/uuid
                pick_ports
                MON_HOST="[v2:127.0.0.1:$BASE,v1:127.0.0.1:$((BASE + 1))]"
                STEP="preparing ceph-mon" LOG=$D/log/mon.a.out
                prepare_mon
                STEP="starting ceph-mon on $MON_HOST" LOG=$D/log/mon.a.log
                set_left
                # The daemon forks; its parent returns once the child has bound its ports.
                if timeout "$LEFT" ceph-mon -c "$CONF" -i a --pid-file "$RUN/mon.a.pid" \
                        </dev/null >>"$D/log/mon.a.out" 2>&1 9<&-; then
                        record_daemon mon.a
                        return 0
                fi
                if [ -n "$PORT_BASE" ] || [ "$attempt" = 3 ] ||
                        ! grep -qs 'Address already in use' "$D/log/mon.a.out"; then
                        die "ceph-mon failed to start"
                fi
                echo "$PROG: ports $BASE.. were taken meanwhile, trying others" >&2
                teardown keep
                touch "$MARK"
        done
}

# client_bg NAME CMD...: a client command in the background, bounded by the deadline; stdout
# and stderr go to log/NAME.out and log/NAME.err. Sets BG.
client_bg() {
        local name=$1
        shift
        set_left
        timeout "$LEFT" "$@" >"$D/log/$name.out" 2>"$D/log/$name.err" 9<&- &
        BG=$!
}

# client_wait PID NAME WHAT: its result; fails as soon as one of our daemons dies rather than
# when the deadline passes.
client_wait() {
        local pid=$1 name=$2 rc dead
        STEP=$3
        while kill -0 "$pid" 2>/dev/null; do
                if dead=$(dead_daemon); then
                        LOG=$D/log/$dead.log
                        die "$dead exited during: $STEP"
                fi
                sleep 0.02
        done
        wait "$pid" && rc=0 || rc=$?
        [ "$rc" != 0 ] || return 0
        [ "$rc" != 124 ] || die "timed out after ${TIMEOUT}s ($STEP)"
        echo "$PROG: $STEP:" >&2
        tail -n 5 "$D/log/$name.err" | sed 's/^/  /' >&2
        die "$STEP failed (exit $rc)"
}

# The pool is created while the OSD is made: each `ceph` command costs 0.3 s of Python.
start_osd_and_pool() {
        local pool_create osd_uuid
        read -r osd_uuid </proc/sys/kernel/random/uuid
        client_bg pool-create ceph -c "$CONF" osd pool create "$POOL" "$PG_NUM" "$PG_NUM"
        pool_create=$BG
        client_bg osd-new ceph -c "$CONF" osd new "$osd_uuid" 0
        client_wait "$BG" osd-new "ceph osd new"
        [ "$(cat "$D/log/osd-new.out")" = 0 ] || die "ceph osd new gave '$(cat "$D/log/osd-new.out")', not 0"
        STEP="ceph-osd --mkfs" LOG=$D/log/osd.0.log
        set_left
        timeout "$LEFT" ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" \
                </dev/null >>"$D/log/osd.0.out" 2>&1 9<&- || die "ceph-osd --mkfs failed"
        STEP="starting ceph-osd"
        set_left
        timeout "$LEFT" ceph-osd -c "$CONF" -i 0 --pid-file "$RUN/osd.0.pid" \
                </dev/null >>"$D/log/osd.0.out" 2>&1 9<&- || die "ceph-osd failed to start"
        record_daemon osd.0
        client_wait "$pool_create" pool-create "ceph osd pool create $POOL"
        # It writes the pool's rbd_info object, which needs an active PG: once it returns,
        # the OSD serves the pool.
        client_bg pool-init rbd -c "$CONF" pool init "$POOL"
        client_wait "$BG" pool-init "rbd pool init $POOL (waiting for the OSD to serve it)"
}

# Single quotes suffice: DIR is restricted and keys are base64.
write_env() {
        cat >"$D/env.tmp" <<EOF
CEPH_DIR='$D'
CEPH_CONF='$CONF'
CEPH_FSID='$FSID'
CEPH_MON='127.0.0.1:$((BASE + 1))'
CEPH_MON_V2='127.0.0.1:$BASE'
CEPH_MON_HOST='$MON_HOST'
CEPH_POOL='$POOL'
CEPH_ADMIN_KEY='$ADMIN_KEY'
CEPH_CLIENT='$CLIENT'
CEPH_CLIENT_KEY='$CLIENT_KEY'
CEPH_KEYRING='$D/keyring'
EOF
        mv "$D/env.tmp" "$D/env"
}

# A failed or interrupted start shows the log of the step that failed, and leaves nothing.
on_start_exit() {
        local rc=$? jobs_left
        [ "$STARTED" = no ] || return 0
        jobs_left=$(jobs -p)
        # shellcheck disable=SC2086 # one pid per word
        [ -z "$jobs_left" ] || kill $jobs_left 2>/dev/null || true
        if [ -n "$LOG" ] && [ -s "$LOG" ]; then
                echo "$PROG: last lines of $LOG:" >&2
                tail -n 15 "$LOG" | sed 's/^/  /' >&2
        fi
        echo "$PROG: start failed; stopping what it started and removing '$D'" >&2
        teardown remove || true
        exit $((rc == 0 ? 1 : rc))
}

cmd_start() {
        local t0 b
        for b in ceph ceph-mon ceph-osd ceph-authtool monmaptool rbd flock timeout; do
                command -v "$b" >/dev/null || die "$b not found (contrib/install-deps.sh test installs it)"
        done
        if ! is_uint "$MEM_BYTES" || [ "$MEM_BYTES" -lt $((64 << 20)) ]; then
                die "CEPH_CLUSTER_MEMSTORE_BYTES='$MEM_BYTES' is not a size in bytes of 64 MiB or more"
        fi
        if [ -n "$PORT_BASE" ] && { ! is_uint "$PORT_BASE" || [ "$PORT_BASE" -lt 1024 ] ||
                [ "$PORT_BASE" -gt $((65535 - NPORTS)) ]; }; then
                die "CEPH_CLUSTER_PORT_BASE='$PORT_BASE' is not a port in 1024..$((65535 - NPORTS))"
        fi
        t0=$(now_ms)
        DEADLINE_MS=$((t0 + TIMEOUT * 1000))
        mkdir -p -- "$D" || die "cannot create '$D'"
        lock_dir -x || die "'$D' vanished while starting"
        if is_up; then
                cat "$D/env"
                return 0
        fi
        owned_or_empty || die "'$D' is not empty and not a $PROG directory"
        STARTED=no LOG='' STEP="setting up"
        trap on_start_exit EXIT
        trap 'die "interrupted"' INT TERM HUP
        # What a dead cluster or a killed start left behind.
        teardown keep
        touch "$MARK"
        start_mon
        start_osd_and_pool
        write_env
        STARTED=yes
        trap - EXIT INT TERM HUP
        echo "$PROG: up in '$D' (mon 127.0.0.1:$((BASE + 1))) after $(($(now_ms) - t0)) ms" >&2
        cat "$D/env"
}

# --- env, import --------------------------------------------------------------------------

need_up() {
        if ! lock_dir -s || ! is_up; then
                die "no cluster runs in '$D' (start it with: $PROG start $D)"
        fi
}

cmd_import() {
        local file=$1 image=$2 rbd rc
        [ "$file" = - ] || [ -f "$file" ] || die "'$file' is not a file"
        case $image in '' | -* | */* | *@*) die "bad image name '$image'" ;; esac
        need_up
        rbd=(timeout "$TIMEOUT" rbd -c "$CONF")
        "${rbd[@]}" info --pool "$POOL" --image "$image" >/dev/null 2>&1 && rc=0 || rc=$?
        case $rc in
        0)
                # `rbd rm` refuses an image with snapshots.
                "${rbd[@]}" snap purge --no-progress --pool "$POOL" --image "$image" >&2 ||
                        die "cannot purge the snapshots of the old '$POOL/$image'"
                "${rbd[@]}" rm --no-progress --pool "$POOL" --image "$image" >&2 ||
                        die "cannot remove the old '$POOL/$image'"
                ;;
        2) ;; # ENOENT
        *) die "rbd info '$POOL/$image' failed (exit $rc)" ;;
        esac
        "${rbd[@]}" import --no-progress --path "$file" --dest-pool "$POOL" --dest "$image" >&2 ||
                die "rbd import of '$file' as '$POOL/$image' failed"
}

main() {
        [ $# -ge 2 ] || usage
        if ! is_uint "$TIMEOUT" || [ "$TIMEOUT" -lt 1 ] || [ "$TIMEOUT" -gt 86400 ]; then
                die "CEPH_CLUSTER_TIMEOUT='$TIMEOUT' is not a number of seconds (1..86400)"
        fi
        set_dir "$2"
        case $1:$# in
        start:2) cmd_start ;;
        stop:2) cmd_stop ;;
        env:2)
                need_up
                cat "$D/env"
                ;;
        import:4) cmd_import "$3" "$4" ;;
        *) usage ;;
        esac
}

main "$@"
