#!/usr/bin/env python3
"""Fails the build when a file includes a header of a layer above its own.

Layers, bottom up, each file's taken from its folder:
  pure  devices/ (device models), lib/ (infrastructure, parsers), arm64/
        (the pure arm64 pieces), and the tests' tests/unit/, tests/fuzz/,
        tests/common/;
  arch  arm64/kvm/ (arm64's KVM glue);
  vmm   vmm/.
A source in no such folder is an error. A header include/a64vm/NAME.h
belongs to the layer of the source NAME.c; header-only modules are
declared with --headers; a header elsewhere has its folder's layer. vmm
may include only the headers --exports names from the arch layer.

Every include form is read: "a64vm/x.h", <a64vm/x.h>, and a path relative
to the file or to include/ ("../include/a64vm/x.h", "ram_disk.h").

Also fails on an include cycle among modules (a module is NAME.c with
NAME.h), and when struct vm is defined (or typedef'd with its body)
outside vm.c, or vm.h is included by anything but vm.c and main.c: the
rest of the glue gets wiring structs.

  check_layers.py --root DIR --stamp OUT --depfile DEP
      [--headers LAYER NAME.h...] [--exports LAYER NAME.h...] SOURCE...
"""
import os
import re
import sys

ORDER = ["pure", "arch", "vmm"]
# Longest prefix first: arm64/kvm/ before arm64/.
FOLDERS = [("arm64/kvm/", "arch"), ("arm64/", "pure"), ("devices/", "pure"),
           ("lib/", "pure"), ("tests/unit/", "pure"), ("tests/fuzz/", "pure"),
           ("tests/common/", "pure"), ("vmm/", "vmm")]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SEARCH = ["include", "tests/common"]  # the build's -I folders, besides the file's own


def parse(argv):
    opts = {"headers": {}, "exports": {}, "sources": []}
    current = opts["sources"]
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--root", "--stamp", "--depfile"):
            opts[a[2:]] = argv[i + 1]
            current = opts["sources"]
            i += 2
        elif a in ("--headers", "--exports"):
            current = opts[a[2:]].setdefault(argv[i + 1], [])
            i += 2
        else:
            current.append(a)
            i += 1
    return opts


def folder_layer(rel):
    for prefix, layer in FOLDERS:
        if rel.startswith(prefix):
            return layer
    return None


class Tree:
    def __init__(self, root, sources, headers):
        self.root = root
        self.sources = sources  # paths relative to root
        self.header_layer = {}  # include/a64vm/NAME.h -> layer
        for rel in sources:
            layer = folder_layer(rel)
            base = os.path.splitext(os.path.basename(rel))[0] + ".h"
            if layer and os.path.exists(os.path.join(root, "include/a64vm", base)):
                self.header_layer["include/a64vm/" + base] = layer
        for layer, names in headers.items():
            for h in names:
                self.header_layer["include/a64vm/" + h] = layer

    def layer(self, rel):
        if rel.startswith("include/a64vm/"):
            return self.header_layer.get(rel)
        return folder_layer(rel)

    def resolve(self, including, form, name):
        """The included file, relative to root, or None for a system header."""
        dirs = [] if form == "<" else [os.path.dirname(including)]
        for d in dirs + SEARCH:
            rel = os.path.normpath(os.path.join(d, name))
            if not rel.startswith("..") and os.path.isfile(os.path.join(self.root, rel)):
                return rel
        return None


def check_file(tree, rel, layer, exports, graph, errors):
    with open(os.path.join(tree.root, rel), encoding="utf-8") as f:
        text = f.read()
    module = os.path.splitext(os.path.basename(rel))[0]
    for form, name in INCLUDE.findall(text):
        inc = tree.resolve(rel, form, name)
        if inc is None or inc.startswith("include/uapi/"):
            continue  # the system's, or KVM's vendored UAPI: any layer's
        if inc.startswith("include/a64vm/"):
            inc_module = os.path.splitext(os.path.basename(inc))[0]
            if inc_module != module:
                graph.setdefault(module, set()).add(inc_module)
        want = tree.layer(inc)
        shown = f"{name}" if inc.endswith(name) else f"{name} ({inc})"
        if want is None:
            errors.append(f"{rel}: includes {shown}, which has no layer")
        elif ORDER.index(want) > ORDER.index(layer):
            errors.append(f"{rel} ({layer}) includes {shown} ({want}): an upward include")
        elif want != layer and want in exports and \
                os.path.basename(inc) not in exports[want]:
            errors.append(f"{rel} ({layer}) includes {shown}: only "
                          f"{', '.join(exports[want])} is the face of {want}")
    return text


VM_STRUCT = re.compile(r"^\s*(typedef\s+)?struct\s+vm\s*\{", re.M)


def vm_private(rel, text, tree, errors):
    """struct vm is vm.c's alone; only main.c beside it may include vm.h."""
    name = os.path.basename(rel)
    if name != "vm.c" and VM_STRUCT.search(text):
        errors.append(f"{rel}: defines struct vm, which only vm.c may know")
    if name in ("vm.c", "main.c"):
        return
    for form, inc in INCLUDE.findall(text):
        if tree.resolve(rel, form, inc) == "include/a64vm/vm.h":
            errors.append(f"{rel}: includes a64vm/vm.h; take a wiring struct "
                          "or the vm_ctl handle instead")


def main():
    o = parse(sys.argv[1:])
    root = os.path.abspath(o["root"])
    # Sources come relative to the build directory (meson) or to root.
    sources = sorted({os.path.relpath(os.path.abspath(s), root) for s in o["sources"]})
    tree = Tree(root, sources, o["headers"])
    errors = [f"{s}: in no layer (not under {', '.join(p for p, _ in FOLDERS)})"
              for s in sources if folder_layer(s) is None]
    hdir = os.path.join(root, "include/a64vm")
    headers = sorted("include/a64vm/" + h for h in os.listdir(hdir) if h.endswith(".h"))
    errors += [f"{h}: no layer (no source file of that name; declare it in "
               "meson.build)" for h in headers if h not in tree.header_layer]
    files = [(s, folder_layer(s)) for s in sources if folder_layer(s)]
    files += [(h, tree.header_layer[h]) for h in headers if h in tree.header_layer]
    graph = {}  # module -> the modules it includes
    for rel, layer in files:
        text = check_file(tree, rel, layer, o["exports"], graph, errors)
        vm_private(rel, text, tree, errors)
    errors += cycles(graph)
    for e in errors:
        print("layers: " + e, file=sys.stderr)
    if errors:
        return 1
    with open(o["depfile"], "w") as d:
        d.write(o["stamp"] + ": " + " ".join(os.path.join(root, f) for f, _ in files) + "\n")
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


if __name__ == "__main__":
    sys.exit(main())
