#!/usr/bin/env bash
# Runs the outside side of a nested scenario from outside the test host,
# through the forwarded port: tests/gdb/drive.sh NAME PORT [KEY=VALUE...].
# NAME is a GDB scenario, or rootfs_check (an ext4 image to check).
# Prints E2E-RESULT lines; the GDB transcripts go to $A64VM_GDB_LOG.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
name=$1 port=$2
shift 2
for kv in "$@"; do export "A64VM_${kv%%=*}=${kv#*=}"; done
export A64VM_GDB_PORT=$port A64VM_GDB_DIR=$top/tests/gdb
export A64VM_GDB_STATE=$(mktemp)
log=${A64VM_GDB_LOG:-/dev/null}
# The test host's speed against the reference, in percent (tests/e2e/lib.sh).
scale=${A64VM_SCALE:-100}
elf=$top/build-aarch64/tests/guest/baremetal/gdb_guest.elf

gdb_run() { # ELF|- SCRIPT
  local file=()
  [ "$1" = - ] || file=(-ex "file $1")
  echo "=== gdb $2" >>"$log"
  timeout -k 5 $((240 * scale / 100)) gdb-multiarch -nx -batch "${file[@]}" -x "$A64VM_GDB_DIR/$2" \
    </dev/null 2>&1 | tee -a "$log" | grep '^E2E-RESULT'
  [ "${PIPESTATUS[0]}" -eq 0 ] || echo "E2E-RESULT gdb-$2 FAIL gdb exited with ${PIPESTATUS[0]}"
}

# Not GDB: the ext4 image of virtio_rootfs, checked with e2fsprogs here.
rootfs_check() {
  local img url=http://127.0.0.1:$port
  img=$(mktemp)
  python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
    "$url/root.img" "$img" 2>>"$log" || echo "E2E-RESULT virtio-rootfs-outside${A64VM_SUFFIX:-} FAIL cannot fetch the image"
  # A killed guest leaves its journal to replay, as a reboot would.
  e2fsck -fy "$img" >>"$log" 2>&1
  local st=$? got1 got2
  got1=$(debugfs -R "cat /data1.bin" "$img" 2>>"$log" | sha256sum | cut -d' ' -f1)
  got2=$(debugfs -R "cat /data2.bin" "$img" 2>>"$log" | sha256sum | cut -d' ' -f1)
  [ $st -le 1 ] && echo "E2E-RESULT virtio-rootfs-fsck${A64VM_SUFFIX:-} PASS e2fsck status $st" ||
    echo "E2E-RESULT virtio-rootfs-fsck${A64VM_SUFFIX:-} FAIL e2fsck status $st"
  [ -n "$A64VM_SHA1" ] && [ "$got1" = "$A64VM_SHA1" ] &&
    echo "E2E-RESULT virtio-rootfs-poweroff-data${A64VM_SUFFIX:-} PASS /data1.bin in the image, checksum matches" ||
    echo "E2E-RESULT virtio-rootfs-poweroff-data${A64VM_SUFFIX:-} FAIL guest $A64VM_SHA1, image $got1"
  [ -n "$A64VM_SHA2" ] && [ "$got2" = "$A64VM_SHA2" ] &&
    echo "E2E-RESULT virtio-rootfs-sigkill-data${A64VM_SUFFIX:-} PASS /data2.bin synced before SIGKILL is in the image" ||
    echo "E2E-RESULT virtio-rootfs-sigkill-data${A64VM_SUFFIX:-} FAIL guest $A64VM_SHA2, image $got2"
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' \
    "$url/done" >/dev/null 2>&1
  rm -f "$img"
}
if [ "$name" = rootfs_check ]; then
  rootfs_check
  exit 0
fi

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
  gdb_uboot)
    gdb_run - uboot.py ;;
  gdb_freebsd)
    gdb_run "${A64VM_FREEBSD_DIR:-$top/../shared/freebsd}/kernel" freebsd.py ;;
  *) echo "E2E-RESULT gdb-$name FAIL no GDB driver for this scenario" ;;
esac
rm -f "$A64VM_GDB_STATE"
