#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Seed corpus for tests/fuzz/fuzz-decoders from the OpenAPI document's request examples.

    make-corpus.py OUTDIR openapi/imageapi.yaml

Each file is one byte selecting the decoder (as fuzz-decoders.c does) and the example.
"""
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
]


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
    for i, (which, text) in enumerate(EXTRA):
        with open(os.path.join(out, "%d-extra-%d" % (which, i)), "wb") as f:
            f.write(bytes([which]) + text)
    print("make-corpus.py: %d examples" % n)


if __name__ == "__main__":
    main()
