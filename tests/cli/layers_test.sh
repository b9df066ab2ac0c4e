#!/bin/sh
# tools/check_layers.py on small trees: it must accept a clean one and
# reject an upward include, an include cycle, struct vm defined outside
# vm.c and vm.h included outside vm.c and main.c.
set -u
check=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# tree NAME: a fresh tree; files are written with put.
tree() { rm -rf "$tmp/t"; mkdir -p "$tmp/t/include/a64vm" "$tmp/t/vmm" "$tmp/t/devices"; }
put() { printf '%s\n' "$2" >"$tmp/t/$1"; }
run() {
  (cd "$tmp/t" && "$check" --root "$tmp/t" --stamp "$tmp/ok" --depfile "$tmp/d" \
    --layer pure devices/dev.c --layer arch --layer vmm vmm/a.c vmm/b.c vmm/vm.c vmm/main.c \
    --headers arch --exports arch) >"$tmp/out" 2>&1
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
}
base() {
  tree
  put devices/dev.c '#include "a64vm/dev.h"'
  put include/a64vm/dev.h ''
  put vmm/a.c '#include "a64vm/a.h"
#include "a64vm/dev.h"'
  put include/a64vm/a.h ''
  put vmm/b.c '#include "a64vm/b.h"
#include "a64vm/a.h"'
  put include/a64vm/b.h ''
  put vmm/vm.c '#include "a64vm/vm.h"
#include "a64vm/b.h"
struct vm {
	int fd;
};'
  put include/a64vm/vm.h 'struct vm;'
  put vmm/main.c '#include "a64vm/vm.h"'
}
base; expect 0 clean-tree
base; put devices/dev.c '#include "a64vm/a.h"'; expect 1 upward-include "an upward include"
base; put vmm/a.c '#include "a64vm/b.h"'; expect 1 cycle "an include cycle among a, b"
base; put include/a64vm/a.h '#include "a64vm/b.h"'; expect 1 cycle-through-header "an include cycle among a, b"
base; put include/a64vm/vm.h 'struct vm {
	int fd;
};'; expect 1 struct-vm-in-header "defines struct vm"
base; put vmm/b.c '#include "a64vm/b.h"
#include "a64vm/vm.h"'; expect 1 vm-h-outside-vm-c "includes a64vm/vm.h"
[ $failures -eq 0 ]
