#!/usr/bin/env bash
# Runs the GDB side of a nested scenario from outside the test host, through
# the forwarded port: tests/gdb/drive.sh SCENARIO PORT [KEY=VALUE...].
# Prints E2E-RESULT lines; the GDB transcripts go to $A64VM_GDB_LOG.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
name=$1 port=$2
shift 2
for kv in "$@"; do export "A64VM_${kv%%=*}=${kv#*=}"; done
export A64VM_GDB_PORT=$port A64VM_GDB_DIR=$top/tests/gdb
export A64VM_GDB_STATE=$(mktemp)
log=${A64VM_GDB_LOG:-/dev/null}
elf=$top/build-aarch64/tests/guest/baremetal/gdb_guest.elf

gdb_run() { # ELF|- SCRIPT
  local file=()
  [ "$1" = - ] || file=(-ex "file $1")
  echo "=== gdb $2" >>"$log"
  timeout -k 5 240 gdb-multiarch -nx -batch "${file[@]}" -x "$A64VM_GDB_DIR/$2" \
    </dev/null 2>&1 | tee -a "$log" | grep '^E2E-RESULT'
  [ "${PIPESTATUS[0]}" -eq 0 ] || echo "E2E-RESULT gdb-$2 FAIL gdb exited with ${PIPESTATUS[0]}"
}

if ! command -v gdb-multiarch >/dev/null; then
  echo "E2E-RESULT gdb-$name FAIL gdb-multiarch is not installed (tools/bootstrap installs it)"
  exit 0
fi
case $name in
  gdb_baremetal)
    gdb_run "$elf" baremetal_1.py
    python3 "$A64VM_GDB_DIR/hostile.py" "$port" 2>&1 | tee -a "$log" | grep '^E2E-RESULT'
    gdb_run "$elf" baremetal_2.py ;;
  gdb_linux)
    gdb_run - linux.py ;;
  *) echo "E2E-RESULT gdb-$name FAIL no GDB driver for this scenario" ;;
esac
rm -f "$A64VM_GDB_STATE"
