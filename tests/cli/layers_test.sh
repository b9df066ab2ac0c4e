#!/bin/sh
# tools/check_layers.py on small trees, a case per rule: a clean tree
# passes; an upward include fails in each include form ("a64vm/x.h",
# <a64vm/x.h>, a relative path) and from each layer, as does a vmm file
# including an arch header other than arch.h, an include cycle (through
# sources or headers), struct vm defined (or typedef'd) outside vm.c, vm.h
# included outside vm.c and main.c, a source in no layer's folder, and a
# header with no layer.
set -u
check=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# tree: a fresh tree; files are written with put.
tree() {
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t/include/a64vm" "$tmp/t/vmm" "$tmp/t/devices" "$tmp/t/lib" \
    "$tmp/t/arm64/kvm" "$tmp/t/tests/unit" "$tmp/t/misc"
}
put() { printf '%s\n' "$2" >"$tmp/t/$1"; }
sources="devices/dev.c lib/util.c arm64/kvm/gic.c vmm/a.c vmm/b.c vmm/vm.c vmm/main.c tests/unit/test_dev.c"
run() {
  (cd "$tmp/t" && "$check" --root "$tmp/t" --stamp "$tmp/ok" --depfile "$tmp/d" \
    $sources ${extra:-} --headers arch arch.h --exports arch arch.h) >"$tmp/out" 2>&1
}
expect() { # WANT(0|1) NAME [TEXT]
  run; st=$?
  ok=false
  if [ "$1" -eq 0 ]; then
    [ $st -eq 0 ] && ok=true
  elif [ $st -ne 0 ] && grep -q -- "$3" "$tmp/out"; then
    ok=true
  fi
  if $ok; then
    echo "PASS $2"
  else
    echo "FAIL $2 (status $st): $(cat "$tmp/out")"; failures=$((failures + 1))
  fi
  extra=
}
base() {
  tree
  put devices/dev.c '#include "a64vm/dev.h"
#include "a64vm/util.h"'
  put include/a64vm/dev.h ''
  put lib/util.c '#include <a64vm/util.h>
#include <stdio.h>
#include <linux/kvm.h>'
  put include/a64vm/util.h ''
  put arm64/kvm/gic.c '#include "a64vm/gic.h"
#include "a64vm/arch.h"
#include "a64vm/dev.h"'
  put include/a64vm/gic.h ''
  put include/a64vm/arch.h ''
  put vmm/a.c '#include "a64vm/a.h"
#include "a64vm/dev.h"
#include "a64vm/arch.h"'
  put include/a64vm/a.h ''
  put vmm/b.c '#include "a64vm/b.h"
#include "../include/a64vm/a.h"'
  put include/a64vm/b.h ''
  put vmm/vm.c '#include "a64vm/vm.h"
#include "a64vm/b.h"
struct vm {
	int fd;
};'
  put include/a64vm/vm.h 'struct vm;'
  put vmm/main.c '#include "a64vm/vm.h"'
  put tests/unit/test_dev.c '#include "a64vm/dev.h"
#include "unit.h"'
  put tests/unit/unit.h ''
}
base; expect 0 clean-tree
base; put devices/dev.c '#include "a64vm/a.h"'; expect 1 upward-include-quoted "an upward include"
base; put devices/dev.c '#include <a64vm/a.h>'; expect 1 upward-include-angle "an upward include"
base; put devices/dev.c '#include "../include/a64vm/a.h"'; expect 1 upward-include-relative "an upward include"
base; put lib/util.c '#include "a64vm/gic.h"'; expect 1 upward-include-pure-to-arch "(arch): an upward include"
base; put arm64/kvm/gic.c '#include "a64vm/b.h"'; expect 1 upward-include-arch-to-vmm "(vmm): an upward include"
base; put tests/unit/test_dev.c '#include "a64vm/a.h"'; expect 1 upward-include-from-a-test "an upward include"
base; put vmm/a.c '#include "a64vm/gic.h"'; expect 1 arch-only-through-arch-h "only arch.h is the face of arch"
base; put vmm/a.c '#include "a64vm/b.h"'; expect 1 cycle "an include cycle among a, b"
base; put include/a64vm/a.h '#include "a64vm/b.h"'; expect 1 cycle-through-header "an include cycle among a, b"
base; put include/a64vm/vm.h 'struct vm {
	int fd;
};'; expect 1 struct-vm-in-header "defines struct vm"
base; put vmm/b.c '#include "a64vm/b.h"
typedef struct vm {
	int fd;
} vm_t;'; expect 1 typedef-struct-vm "defines struct vm"
base; put vmm/b.c '#include "a64vm/b.h"
#include "a64vm/vm.h"'; expect 1 vm-h-outside-vm-c "includes a64vm/vm.h"
base; put vmm/b.c '#include "a64vm/b.h"
#include <a64vm/vm.h>'; expect 1 vm-h-angle-outside-vm-c "includes a64vm/vm.h"
base; put misc/x.c ''; extra=misc/x.c; expect 1 file-in-no-layer "misc/x.c: in no layer"
base; put include/a64vm/orphan.h ''; expect 1 header-in-no-layer "orphan.h: no layer"
[ $failures -eq 0 ]
