#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turn the OpenAPI YAML documents into what berthd serves.

    gen-embed.py OUT.c NAME=FILE.yaml [NAME=FILE.yaml ...]

For every document it emits `const char berth_openapi_<NAME>_json[]` (the document as
compact JSON; `berth_openrpc_<NAME>_json[]` for an OpenRPC document, a JSON-RPC door's),
and once `const char berth_docs_html[]`: a self-contained page (no
JavaScript, no network) that lists every operation, parameter, response and schema.
The generated file is shipped in release tarballs, so building berth from a tarball
needs no Python.
"""
import html
import json
import sys

import yaml


def c_string(text):
    out = []
    for i in range(0, len(text), 96):
        chunk = text[i:i + 96]
        chunk = chunk.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        chunk = chunk.replace("??", "?\\?")  # no trigraphs
        out.append('        "%s"' % chunk)
    return "\n".join(out) if out else '        ""'


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def schema_summary(s):
    if not isinstance(s, dict):
        return ""
    if "$ref" in s:
        n = ref_name(s["$ref"])
        return '<a href="#schema-%s">%s</a>' % (n, html.escape(n))
    t = s.get("type", "")
    if t == "array":
        return "array of " + schema_summary(s.get("items", {}))
    for k in ("oneOf", "anyOf", "allOf"):
        if k in s:
            return (" | " if k != "allOf" else " & ").join(schema_summary(x) for x in s[k])
    extra = []
    if "enum" in s:
        extra.append("one of " + ", ".join(html.escape(str(v)) for v in s["enum"]))
    if "format" in s:
        extra.append(html.escape(s["format"]))
    return html.escape(str(t)) + (" (" + "; ".join(extra) + ")" if extra else "")


def render_methods(doc, parts):
    """The methods of an OpenRPC document (none for OpenAPI ones)."""
    url = (doc.get("servers") or [{}])[0].get("url", "")
    for m in doc.get("methods", []):
        parts.append('<div class="op"><p><span class="m POST">POST</span><code>%s</code> <code>%s</code> %s</p>'
                     % (html.escape(url), html.escape(m["name"]), html.escape(m.get("summary", ""))))
        if m.get("description"):
            parts.append("<p>%s</p>" % html.escape(m["description"]))
        if m.get("params"):
            parts.append("<table><tr><th>param</th><th>type</th><th>description</th></tr>")
            for p in m["params"]:
                parts.append("<tr><td><code>%s</code>%s</td><td>%s</td><td>%s</td></tr>"
                             % (html.escape(p["name"]), " (required)" if p.get("required") else "",
                                schema_summary(p.get("schema", {})), html.escape(p.get("description", ""))))
            parts.append("</table>")
        res = m.get("result")
        if res:
            parts.append("<p>Result: %s. %s</p>" % (schema_summary(res.get("schema", {})),
                                                    html.escape(res.get("description", ""))))
        for ex in m.get("examples", []):
            call = {"jsonrpc": "2.0", "id": 3, "method": m["name"]}
            if ex.get("params"):
                call["params"] = {p["name"]: p["value"] for p in ex["params"]}
            reply = {"jsonrpc": "2.0", "id": 3, "result": ex.get("result", {}).get("value")}
            parts.append("<p><em>%s</em></p><pre>%s\n%s</pre>" % (html.escape(ex.get("name", "")),
                         html.escape(json.dumps(call, indent=2)), html.escape(json.dumps(reply, indent=2))))
        parts.append("</div>")


def render_docs(docs):
    parts = ["""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>berth API</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:62rem;padding:1rem 2rem;color:#1d1d1f}
h1{font-size:1.7rem}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.GET{color:#0a6}.POST{color:#06c}.DELETE{color:#c33}.PATCH{color:#a60}
code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f6f6f6;padding:.5rem;overflow-x:auto}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav a{margin-right:1rem}
</style></head><body>
<h1>berth API</h1>
<p>Machine-readable documents:"""]
    for name, doc in docs:
        kind = "openrpc" if "openrpc" in doc else "openapi"
        parts.append(' <a href="/%s/%s.json">/%s/%s.json</a>' % (kind, name, kind, name))
    parts.append("</p>")
    for name, doc in docs:
        info = doc.get("info", {})
        parts.append('<h2 id="api-%s">%s %s</h2>' % (name, html.escape(info.get("title", name)),
                                                     html.escape(str(info.get("version", "")))))
        if info.get("description"):
            parts.append("<pre>%s</pre>" % html.escape(info["description"]))
        base = ""
        for srv in doc.get("servers", []):
            # "/" (a door at the root) and "/api/v2" join a path alike
            base = srv.get("url", "").rstrip("/")
            break
        for path, item in doc.get("paths", {}).items():
            for method in ("get", "post", "patch", "put", "delete"):
                op = item.get(method)
                if not op:
                    continue
                M = method.upper()
                parts.append('<div class="op"><p><span class="m %s">%s</span><code>%s%s</code> %s</p>'
                             % (M, M, html.escape(base), html.escape(path),
                                html.escape(op.get("summary", ""))))
                if op.get("description"):
                    parts.append("<p>%s</p>" % html.escape(op["description"]))
                params = list(item.get("parameters", [])) + list(op.get("parameters", []))
                resolved = []
                for p in params:
                    if "$ref" in p:
                        p = doc["components"]["parameters"][ref_name(p["$ref"])]
                    resolved.append(p)
                if resolved:
                    parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>")
                    for p in resolved:
                        parts.append("<tr><td><code>%s</code>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                                     % (html.escape(p["name"]), " (required)" if p.get("required") else "",
                                        html.escape(p.get("in", "")), schema_summary(p.get("schema", {})),
                                        html.escape(p.get("description", ""))))
                    parts.append("</table>")
                body = op.get("requestBody")
                if body:
                    if "$ref" in body:
                        body = doc["components"]["requestBodies"][ref_name(body["$ref"])]
                    for ct, media in body.get("content", {}).items():
                        parts.append("<p>Body (<code>%s</code>): %s</p>" % (html.escape(ct), schema_summary(media.get("schema", {}))))
                        for ex_name, ex in (media.get("examples") or {}).items():
                            parts.append("<p><em>%s</em></p><pre>%s</pre>" % (html.escape(ex.get("summary", ex_name)),
                                                                             html.escape(json.dumps(ex.get("value"), indent=2))))
                parts.append("<table><tr><th>status</th><th>meaning</th></tr>")
                for status, resp in op.get("responses", {}).items():
                    if "$ref" in resp:
                        resp = doc["components"]["responses"][ref_name(resp["$ref"])]
                    parts.append("<tr><td>%s</td><td>%s</td></tr>" % (html.escape(str(status)), html.escape(resp.get("description", ""))))
                parts.append("</table></div>")
        render_methods(doc, parts)
        schemas = doc.get("components", {}).get("schemas", {})
        if schemas:
            parts.append("<h3>Schemas</h3>")
        for sname, s in schemas.items():
            parts.append('<h4 id="schema-%s">%s</h4>' % (html.escape(sname), html.escape(sname)))
            if s.get("description"):
                parts.append("<p>%s</p>" % html.escape(s["description"]))
            props = s.get("properties", {})
            if props:
                req = set(s.get("required", []))
                parts.append("<table><tr><th>field</th><th>type</th><th>description</th></tr>")
                for pname, p in props.items():
                    flags = []
                    if pname in req:
                        flags.append("required")
                    if isinstance(p, dict) and p.get("readOnly"):
                        flags.append("read-only")
                    if isinstance(p, dict) and p.get("writeOnly"):
                        flags.append("write-only")
                    parts.append("<tr><td><code>%s</code>%s</td><td>%s</td><td>%s</td></tr>"
                                 % (html.escape(pname), (" (" + ", ".join(flags) + ")") if flags else "",
                                    schema_summary(p), html.escape(p.get("description", "") if isinstance(p, dict) else "")))
                parts.append("</table>")
            elif s.get("enum"):
                parts.append("<p>%s</p>" % schema_summary(s))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[1]
    docs = []
    for arg in sys.argv[2:]:
        name, _, path = arg.partition("=")
        with open(path, encoding="utf-8") as f:
            docs.append((name, yaml.safe_load(f)))
    lines = ["/* Generated by openapi/gen-embed.py from the YAML documents in openapi/. Do not edit. */", ""]
    for name, doc in docs:
        text = json.dumps(doc, separators=(",", ":"), sort_keys=False) + "\n"
        kind = "openrpc" if "openrpc" in doc else "openapi"
        lines.append("const char berth_%s_%s_json[] =\n%s;\n" % (kind, name, c_string(text)))
    lines.append("const char berth_docs_html[] =\n%s;\n" % c_string(render_docs(docs)))
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    import os
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
