#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Seed corpus for tests/fuzz/fuzz-decoders from the OpenAPI document's request examples,
plus valid launch and exec specs for berth-init (init/launch-spec.h) and compose documents
(src/api/pods/compose.h: YAML, and JSON as a pod's fileContents; the seed's bodies, every
key, and the recipes of contrib/recipes/ when they are there).

    make-corpus.py OUTDIR openapi/imageapi.yaml

Each file is one byte selecting the decoder (as fuzz-decoders.c does) and the example.
"""
import glob
import json
import os
import sys

import yaml

DECODERS = {
    "/attach": 0,
    "/mount": 1,
    "/mount/overlay": 2,
    "/attach/rbd": 3,
    "/mount/rbd": 4,
    "/container": 5,
}
EXTRA = [
    (6, b"/bin/sh -c 'echo \"a b\" \\$HOME; exit 3'"),
    (6, b"sleep 60"),
    (7, b"ro,noexec,nosuid,nodev,relatime"),
    (7, b"rw,lowerdir=/x,upperdir=/y,x-systemd.automount"),
    (8, b"POST /imageapi/v1/mount?id=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n"),
    (8, b"GET /events HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"),
    (8, b"1a;ext=1"),
    (13, b'{"jsonrpc":"2.0","id":3,"method":"org.rdk.OCIContainer.1.listContainers"}'),
    (13, b'{"jsonrpc":"2.0","id":3,"method":"org.rdk.OCIContainer.1.executeCommand",'
         b'"params":{"containerId":"SleepTest","options":"","command":"ls"}}'),
    (13, b'[{"jsonrpc":"2.0","id":"a","method":"x","params":[1]}]'),
]
OCI_FIXTURES = ["crun-spec.json", "umoci.json"]  # tests/unit/oci-fixtures, selector 14

LAUNCH, EXEC = 9, 10
CAPS_DEFAULT, CAPS_SYSTEMD = 0xA80425FB, 0xFCECAFFF  # BERTH_CAPS_* (launch-spec.h)
CAP_NET_BIND_SERVICE, CAP_CHOWN = 1 << 10, 1 << 0
RLIMITS = ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS",
           "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"]
PROPAGATIONS = ["private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
                "runbindable"]

# Only the required fields, the optional strings null.
LAUNCH_MINIMAL = {
    "id": 1, "name": None, "hostname": None, "rootfs": "/var/lib/berth/mounts/1",
    "staging": None, "args": ["sh"], "exec": "/bin/sh", "env": [], "cwd": None,
    "systemd": False, "namespaces": 0, "cgroups": [], "cgroup2_inside": False,
    "caps": CAPS_DEFAULT, "no_new_privs": True, "log_max": 0, "machine_id": None,
}
# Every field: the user, umask, OOM score, capability sets, mounts with every option and
# resource limits in each spelling the decoder takes.
LAUNCH_FULL = dict(LAUNCH_MINIMAL, **{
    "id": 7, "name": "web", "hostname": "web-1", "staging": "/run/berth/staging/7",
    "args": ["/bin/sh", "-c", "exec httpd -f -p 80"], "env": ["PATH=/usr/bin:/bin", "TERM=xterm"],
    "cwd": "/srv/app", "namespaces": 7, "cgroups": ["/sys/fs/cgroup/berth/7"],
    "log_max": 1 << 20, "machine_id": "0123456789abcdef0123456789abcdef",
    "uid": 1000, "gid": 1001, "gids": [10, 4294967294], "umask": 0o027,
    "cap_effective": CAP_NET_BIND_SERVICE, "cap_permitted": CAP_NET_BIND_SERVICE | CAP_CHOWN,
    "cap_inheritable": CAP_NET_BIND_SERVICE, "cap_ambient": CAP_NET_BIND_SERVICE,
    "mounts": [
        {"type": "bind", "source": "/srv/data", "destination": "/data", "read_only": True,
         "recursive": True, "nosuid": True, "nodev": True, "noexec": True,
         "propagation": "rslave"},
        {"type": "tmpfs", "destination": "/scratch/", "read_only": False, "nosuid": True,
         "nodev": True, "noexec": False, "propagation": "private", "size": 1 << 20,
         "mode": 0o1777},
        {"type": "bind", "source": "/etc/resolv.conf", "destination": "/etc/resolv.conf",
         "recursive": False},
    ],
    "rlimits": [
        {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
        {"type": "core", "soft": 0, "hard": "unlimited"},
        {"type": "Stack", "soft": 8388608, "hard": -1},
        {"type": "NPROC", "soft": "infinity", "hard": "unlimited"},
    ],
    "oom_score_adj": -999,
})
# systemd mode: root, cgroup2 inside, every propagation and every resource limit.
LAUNCH_SYSTEMD = dict(LAUNCH_MINIMAL, **{
    "id": 9, "name": "sd", "hostname": "sd", "args": ["/sbin/init"], "exec": "/sbin/init",
    "env": ["container=berth"], "systemd": True, "namespaces": 5,
    "cgroups": ["/sys/fs/cgroup/berth/9", "/sys/fs/cgroup/pids/berth/9"],
    "cgroup2_inside": True, "caps": CAPS_SYSTEMD, "no_new_privs": False, "uid": 0, "gid": 0,
    "gids": [], "umask": 0o022, "oom_score_adj": 1000,
    "cap_effective": CAPS_SYSTEMD, "cap_permitted": CAPS_SYSTEMD, "cap_inheritable": 0,
    "cap_ambient": 0,
    "mounts": [{"type": "tmpfs", "destination": "/run/p%d" % i, "propagation": p}
               for i, p in enumerate(PROPAGATIONS)],
    "rlimits": [{"type": n, "soft": i, "hard": i + 1} for i, n in enumerate(RLIMITS)],
})
EXEC_MINIMAL = {
    "namespaces": 0, "cgroups": [], "args": ["ls"], "env": [], "cwd": None, "caps": 0,
    "no_new_privs": False,
}
EXEC_FULL = {
    "namespaces": 7, "cgroups": ["/sys/fs/cgroup/berth/7", "/sys/fs/cgroup/pids/berth/7"],
    "args": ["/bin/sh", "-c", "id; pwd"], "env": ["PATH=/usr/bin:/bin", "HOME=/root"],
    "cwd": "/srv/app", "caps": CAPS_DEFAULT, "no_new_privs": True, "uid": 1000, "gid": 1001,
}
SPECS = [
    (LAUNCH, "minimal", LAUNCH_MINIMAL),
    (LAUNCH, "full", LAUNCH_FULL),
    (LAUNCH, "systemd", LAUNCH_SYSTEMD),
    (EXEC, "minimal", EXEC_MINIMAL),
    (EXEC, "full", EXEC_FULL),
    (EXEC, "root", dict(EXEC_FULL, uid=0, gid=0, cwd=None, namespaces=2)),
    # Refusals that byte-wise mutation seldom builds (one JSON type swapped for another).
    (LAUNCH, "bad-args", dict(LAUNCH_MINIMAL, args=[])),
    (LAUNCH, "bad-mount", dict(LAUNCH_MINIMAL, mounts=[[]])),
    (LAUNCH, "bad-rlimit", dict(LAUNCH_MINIMAL, rlimits=["nofile"])),
    (LAUNCH, "bad-rlimit-type", dict(LAUNCH_MINIMAL, rlimits=[{"type": True, "soft": 1,
                                                                 "hard": 1}])),
    (EXEC, "bad-args", dict(EXEC_MINIMAL, args=[])),
]

YAML, COMPOSE = 11, 12
# The seed's fileContents (set; details of postgres_latest; folding_at_home's recipe).
COMPOSE_DOCS = [
    ("seed-set", {"version": "3", "services": {
        "hello_world": {"image": "ubuntu", "command": ["/bin/echo", "Hello world"]},
        "my-website": {"build": "static_site/image/", "ports": ["3001:3000"],
                       "volumes": ["/usr/share/canteen/data/od-pod-hello-site/static_site/www/:/www/"],
                       "restart": "always"}}}),
    ("seed-postgres", {"version": "3", "services": {"postgres_pg": {
        "network_mode": "host", "image": "postgres:latest", "ports": ["5432:5432"],
        "volumes": ["/usr/share/canteen/data/od-pod-postgres_latest/postgres_pg/data:"
                    "/var/lib/postgresql/data"],
        "environment": {"POSTGRES_PASSWORD": "postgres", "POSTGRES_USER": "postgres"}}}}),
    ("seed-folding", {"version": "3", "services": {"folding_at_home": {
        "image": "linuxserver/foldingathome", "container_name": "foldingathome",
        "environment": ["PUID=1000", "PGID=1000", "TZ=America/LosAngeles",
                        "NVIDIA_VISIBLE_DEVICES=none"],
        "volumes": ["./foldingathome/config:/config"], "ports": ["7396:7396"],
        "restart": "unless-stopped"}}}),
    # Every key honoured, on both engines.
    ("every-key", {"version": "3.8", "x-top": {"a": 1}, "services": {
        "web": {"image": "registry.example.com:5000/team/web:1.0",
                "build": {"context": "static_site/image", "dockerfile": "Dockerfile"},
                "command": "sh -c 'echo \"hi\"; exec httpd -f'", "entrypoint": ["/bin/tini", "--"],
                "environment": ["A=1", "B", "C="], "labels": {"tier": "front", "n": 2},
                "ports": ["127.0.0.1:8000-8001:9000-9001/udp", "[::1]:53:53/udp", 8443,
                          {"target": 90, "published": "9090", "protocol": "tcp"}],
                "volumes": ["./data:/data:ro", "cache:/cache:rw,rshared",
                            {"type": "bind", "source": "./long", "target": "/long",
                             "read_only": True}],
                "restart": "on-failure:3", "network_mode": "bridge", "container_name": "web-1",
                "depends_on": {"db": {"condition": "service_started"}}, "user": "1000:1000",
                "working_dir": "/srv", "cap_add": ["NET_ADMIN"], "cap_drop": ["CAP_MKNOD"],
                "mem_limit": "512m", "cpus": "1.5", "pids_limit": 100,
                "healthcheck": {"test": ["CMD", "true"], "interval": "1m30s", "timeout": "10s",
                                "start_period": "500ms", "retries": 3},
                "privileged": False, "devices": [], "x-note": "kept"},
        "db": {"image": "file:///srv/images/db.sqsh", "command": ["postgres"], "user": "999",
               "network_mode": "none", "depends_on": ["cache"]},
        "cache": {"image": "rbd://rbd/cache@snap1", "entrypoint": "redis-server",
                  "network_mode": "host", "cap_drop": ["ALL"], "cap_add": ["SETUID"]}}}),
    # Refusals that byte-wise mutation seldom builds.
    ("bad-host-path", {"services": {"a": {"image": "x", "volumes": ["/etc:/etc"]}}}),
    ("bad-cycle", {"services": {"a": {"image": "x", "depends_on": ["b"]},
                                "b": {"image": "x", "depends_on": ["a"]}}}),
    ("bad-ports-host", {"services": {"a": {"image": "x", "network_mode": "host",
                                           "ports": ["80:8080"]}}}),
]
YAML_DOCS = [
    ("anchors", b"""x-common: &common
  restart: always
  environment:
    TZ: UTC
services:
  web:
    <<: *common
    image: nginx:1.25
    ports: ["8080:80", 22:22]
  db:
    <<: [*common, {user: '999'}]
    image: postgres
    healthcheck:
      test: pg_isready
      interval: 10s
"""),
    ("scalars", b"a: [~, null, true, False, 0x1F, 0o17, -12, 1.5e3, .inf, !!str 5, '8']\n"),
    ("bomb", b"a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c]\n"),
    ("duplicate", b"services:\n  web:\n    image: a\n    image: b\n"),
]


def compose_seeds(out, top):
    n = 0
    for name, doc in COMPOSE_DOCS:
        body = json.dumps(doc, separators=(",", ":")).encode()
        for which in (COMPOSE, YAML):  # JSON is YAML too
            with open(os.path.join(out, "%d-compose-%s" % (which, name)), "wb") as f:
                f.write(bytes([which]) + body)
            n += 1
    for name, text in YAML_DOCS:
        with open(os.path.join(out, "%d-yaml-%s" % (YAML, name)), "wb") as f:
            f.write(bytes([YAML]) + text)
        n += 1
    # The catalogue's recipes: their services as a pod's document.
    for path in sorted(glob.glob(os.path.join(top, "contrib", "recipes", "*", "recipe.y*ml"))):
        try:
            recipe = yaml.safe_load(open(path))
            services = {s["service_name"]: s["service_config"] for s in recipe["services"]}
        except (yaml.YAMLError, KeyError, TypeError):
            continue
        body = yaml.safe_dump({"version": "3", "services": services}).encode()
        name = os.path.basename(os.path.dirname(path))
        with open(os.path.join(out, "%d-recipe-%s" % (YAML, name)), "wb") as f:
            f.write(bytes([YAML]) + body)
        n += 1
    return n


def main():
    out, doc = sys.argv[1], yaml.safe_load(open(sys.argv[2]))
    os.makedirs(out, exist_ok=True)
    n = 0
    for path, ops in doc.get("paths", {}).items():
        which = DECODERS.get(path)
        post = (ops or {}).get("post")
        if which is None or not post:
            continue
        media = post.get("requestBody", {}).get("content", {}).get("application/json", {})
        for name, ex in (media.get("examples") or {}).items():
            body = json.dumps(ex.get("value"), separators=(",", ":")).encode()
            with open(os.path.join(out, "%d-%s" % (which, name)), "wb") as f:
                f.write(bytes([which]) + body)
            n += 1
    for which, name, spec in SPECS:
        with open(os.path.join(out, "%d-spec-%s" % (which, name)), "wb") as f:
            f.write(bytes([which]) + json.dumps(spec, separators=(",", ":")).encode())
    for i, (which, text) in enumerate(EXTRA):
        with open(os.path.join(out, "%d-extra-%d" % (which, i)), "wb") as f:
            f.write(bytes([which]) + text)
    top = os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[2])))
    dobby = os.path.join(top, "tests", "unit", "dobby-fixtures", "seed-004.json")
    if os.path.exists(dobby):  # selector 15
        with open(dobby, "rb") as src, open(os.path.join(out, "15-dobby-seed"), "wb") as f:
            f.write(bytes([15]) + src.read())
    for name in OCI_FIXTURES:
        path = os.path.join(top, "tests", "unit", "oci-fixtures", name)
        if os.path.exists(path):
            with open(path, "rb") as src, open(os.path.join(out, "14-oci-%s" % name), "wb") as f:
                f.write(bytes([14]) + src.read())
    seccomp_seeds(out, top, dobby)
    docs = compose_seeds(out, top)
    print("make-corpus.py: %d examples, %d specs, %d compose documents" % (n, len(SPECS), docs))


# Custom seccomp filters (oci-seccomp.c): crun spec's config with a linux.seccomp, and
# the Dobby seed with a seccomp.
SECCOMP = {
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
    "flags": ["SECCOMP_FILTER_FLAG_TSYNC"],
    "syscalls": [
        {"names": ["read", "write", "mkdir"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
         "args": [{"index": 1, "value": 9, "valueTwo": 0, "op": "SCMP_CMP_EQ"},
                  {"index": 0, "value": 255, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]},
    ],
}


def seccomp_seeds(out, top, dobby):
    crun = os.path.join(top, "tests", "unit", "oci-fixtures", "crun-spec.json")
    if os.path.exists(crun):
        with open(crun) as src:
            c = json.load(src)
        c["linux"]["seccomp"] = SECCOMP
        with open(os.path.join(out, "14-oci-seccomp"), "wb") as f:
            f.write(bytes([14]) + json.dumps(c).encode())
    if os.path.exists(dobby):
        with open(dobby) as src:
            d = json.load(src)
        d["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                        "syscalls": {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}}
        with open(os.path.join(out, "15-dobby-seccomp"), "wb") as f:
            f.write(bytes([15]) + json.dumps(d).encode())


if __name__ == "__main__":
    main()
