#!/usr/bin/env python3
"""Fails the build when a file includes a header of a layer above its own.

Layers, bottom up: pure (device models, the pure arm64 pieces, parsers),
arch (arm64's KVM glue), vmm. A header belongs to the layer of the source
file that shares its name; header-only modules are declared with --headers.
vmm may include only arch.h from the arch layer.

  check_layers.py --root DIR --stamp OUT --depfile DEP
      --layer pure FILE... --layer arch FILE... --layer vmm FILE...
      --headers LAYER NAME.h... --exports LAYER NAME.h...
"""
import os
import re
import sys

ORDER = ["pure", "arch", "vmm"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"a64vm/([^"]+)"', re.M)


def parse(argv):
    opts = {"layers": {}, "headers": {}, "exports": {}}
    groups = {"--layer": "layers", "--headers": "headers", "--exports": "exports"}
    current = None  # the list that plain arguments go to
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--root", "--stamp", "--depfile"):
            opts[a[2:]] = argv[i + 1]
            current = None
            i += 2
        elif a in groups:
            current = opts[groups[a]].setdefault(argv[i + 1], [])
            i += 2
        else:
            current.append(a)
            i += 1
    return opts


def main():
    o = parse(sys.argv[1:])
    root = o["root"]
    layer_of = {}  # header name -> layer
    sources = []   # (path, layer)
    for layer, files in o["layers"].items():
        for f in files:
            sources.append((f, layer))
            base = os.path.splitext(os.path.basename(f))[0] + ".h"
            if os.path.exists(os.path.join(root, "include/a64vm", base)):
                layer_of[base] = layer
    for layer, names in o["headers"].items():
        for h in names:
            layer_of[h] = layer
    exports = o["exports"]  # layer -> the only headers above it may use
    hdir = os.path.join(root, "include/a64vm")
    headers = sorted(h for h in os.listdir(hdir) if h.endswith(".h"))
    errors = [f"include/a64vm/{h}: no layer (no source file of that name; "
              "declare it in meson.build)" for h in headers if h not in layer_of]
    files = sources + [(os.path.join(hdir, h), layer_of[h])
                       for h in headers if h in layer_of]
    seen = []
    for path, layer in files:
        full = os.path.abspath(path)  # relative to the build directory
        path = os.path.relpath(full, root)
        seen.append(full)
        with open(full, encoding="utf-8") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            want = layer_of.get(inc)
            if want is None:
                errors.append(f"{path}: includes a64vm/{inc}, which has no layer")
            elif ORDER.index(want) > ORDER.index(layer):
                errors.append(f"{path} ({layer}) includes a64vm/{inc} ({want}): "
                              "an upward include")
            elif want != layer and want in exports and inc not in exports[want] \
                    and ORDER.index(layer) > ORDER.index(want):
                errors.append(f"{path} ({layer}) includes a64vm/{inc}: only "
                              f"{', '.join(exports[want])} is the face of {want}")
    for e in errors:
        print("layers: " + e, file=sys.stderr)
    if errors:
        return 1
    with open(o["depfile"], "w") as d:
        d.write(o["stamp"] + ": " + " ".join(seen) + "\n")
    with open(o["stamp"], "w") as s:
        s.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
