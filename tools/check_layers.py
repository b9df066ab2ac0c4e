#!/usr/bin/env python3
"""Fails the build when a file includes a header of a layer above its own.

Layers, bottom up: pure (device models, the pure arm64 pieces, parsers),
arch (arm64's KVM glue), vmm. A header belongs to the layer of the source
file that shares its name; header-only modules are declared with --headers.
vmm may include only arch.h from the arch layer.

Also fails on an include cycle among modules (a module is NAME.c with
NAME.h), and when struct vm is defined outside vm.c or vm.h is included
by anything but vm.c and main.c: the rest of the glue gets wiring structs.

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
    graph = {}  # module -> the modules it includes
    for path, layer in files:
        full = os.path.abspath(path)  # relative to the build directory
        path = os.path.relpath(full, root)
        seen.append(full)
        with open(full, encoding="utf-8") as f:
            text = f.read()
        module = os.path.splitext(os.path.basename(path))[0]
        for inc in INCLUDE.findall(text):
            if inc[:-2] != module:
                graph.setdefault(module, set()).add(inc[:-2])
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
    errors += cycles(graph)
    errors += vm_private(root, files)
    for e in errors:
        print("layers: " + e, file=sys.stderr)
    if errors:
        return 1
    with open(o["depfile"], "w") as d:
        d.write(o["stamp"] + ": " + " ".join(seen) + "\n")
    with open(o["stamp"], "w") as s:
        s.write("ok\n")
    return 0


def cycles(graph):
    """One error per include cycle among modules (Tarjan's components)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [f"an include cycle among {', '.join(c)}" for c in found]


VM_STRUCT = re.compile(r"^struct vm\s*\{", re.M)


def vm_private(root, files):
    """struct vm is vm.c's alone; only main.c beside it may include vm.h."""
    errors = []
    for path, _ in files:
        rel = os.path.relpath(os.path.abspath(path), root)
        name = os.path.basename(rel)
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        if name != "vm.c" and VM_STRUCT.search(text):
            errors.append(f"{rel}: defines struct vm, which only vm.c may know")
        if name not in ("vm.c", "main.c") and "vm.h" in INCLUDE.findall(text):
            errors.append(f"{rel}: includes a64vm/vm.h; take a wiring struct "
                          "or the vm_ctl handle instead")
    return errors


if __name__ == "__main__":
    sys.exit(main())
