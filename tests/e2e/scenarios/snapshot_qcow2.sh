# limit: 360
# A qcow2 disk that qemu-storage-daemon serves, saved with the VM as the
# image's own internal snapshot (docs/snapshot.md). A Linux guest on 2
# vCPUs writes a record a sector each, synced (a write in flight), and is
# saved halfway while it runs on: its later writes reach the image, and a
# checkpoint of it is refused by the disk's name. Restored in a new a64vm
# (the image taken back to its snapshot first): the loop goes on to its
# end, every record is where it belongs, the sector the original wrote
# after the snapshot reads as it was at the snapshot (empty), and exit 0.
# Restored again: the sector the first restore wrote is empty again. Then
# a restore of an image whose snapshot was deleted is refused in one line,
# and a snapshot of a disk with snapshot=on is refused by name.
SOCK=/tmp/snapq.sock D=/tmp/snap-qcow2 Q=/tmp/snapq.qcow2
qemu_img() { /usr/bin/qemu-img "$@"; } # beside qemu-storage-daemon, off the PATH
# Whether the disk holds a sector's text (after the page cache is dropped).
AT='echo 3 >/proc/sys/vm/drop_caches; for s in 400 401; do dd if=/dev/vda bs=512 skip=$s count=1 2>/dev/null | grep -q "later\|again" && echo AT$s-written || echo AT$s-empty; done'
has() { # IMAGE SECTOR TEXT
  dd if="$1" bs=512 skip="$2" count=1 2>/dev/null | grep -q "$3"
}
image_raw() { rm -f q.raw; qemu_img convert -O raw $Q q.raw 2>convert.err || cat convert.err; }

rm -rf $D; qemu_img create -q -f qcow2 $Q 8M
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 --control $SOCK \
  --disk $Q --append "console=ttyAMA0 quiet a64vm.test=shell" --verbose
if ! wait_for "A64VM-GUEST-INIT" 150; then
  fail snapshot-qcow2-save "no guest init within 150 s"; show_logs; kill -9 $VM_PID; vm_wait 5
  return
fi
# Its disk comes once the daemon has its queues, maybe after the prompt:
# a write before would make /dev/vda a file of the RAM disk.
type_line 'i=0; while [ ! -b /dev/vda ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; '"$RECORD_LOOP"
wait_for '^HALFWAY' 60
timeout 120 /a64vm ctl $SOCK snapshot $D >reply.txt 2>&1
timeout 60 /a64vm ctl $SOCK checkpoint c1 >checkpoint.txt 2>&1
wait_for '^WRITES-DONE' 90
type_line 'echo later | dd of=/dev/vda bs=512 seek=400 conv=sync,fsync 2>/dev/null; echo LATER""-DONE'
wait_for '^LATER-DONE' 30
type_line 'poweroff -f'
vm_wait 60; st=$?
image_raw; name=$(qemu_img snapshot -l $Q | grep -o 'a64vm-[0-9-]*' | head -1)
rm -f expect.img; records 300
if [ $st -eq 0 ] && grep -q '"ok":true' reply.txt && [ -n "$name" ] &&
   grep -q 'virtio-blk0.*qemu-storage-daemon.*is saved only to files' checkpoint.txt &&
   cmp -n $((300 * 512)) q.raw expect.img >/dev/null && has q.raw 400 later; then
  pass snapshot-qcow2-save "$(cat reply.txt), the image's snapshot $name; the VM ran on to exit 0," \
    "its later write in the image; a checkpoint: $(cat checkpoint.txt)"
else
  fail snapshot-qcow2-save "status $st, $(cat reply.txt), snapshot '$name', checkpoint: $(cat checkpoint.txt)," \
    "$(cmp -n $((300 * 512)) q.raw expect.img 2>&1 | head -1), sector 400 written: $(has q.raw 400 later && echo yes || echo no)"
  show_logs
fi

restore_run() { # NAME: restored, the loop ends, AT is read, 401 written, exit 0
  t0=$(now)
  vm_start --restore $D
  if ! wait_for '^WRITES-DONE' 90; then
    fail "$1" "the restored guest's writes did not end"; show_logs; kill -9 $VM_PID; vm_wait 5
    return 1
  fi
  took=$(elapsed $t0)
  type_line "$AT; echo again | dd of=/dev/vda bs=512 seek=401 conv=sync,fsync 2>/dev/null; echo AGAIN\"\"-DONE"
  wait_for '^AGAIN-DONE' 30
  type_line 'poweroff -f'
  vm_wait 60; st=$?
  at=$(grep '^AT40[01]-' out.log | tr -d '\r' | tr '\n' ' ')
  image_raw
  if [ $st -eq 0 ] && [ "$at" = "AT400-empty AT401-empty " ] &&
     cmp -n $((300 * 512)) q.raw expect.img >/dev/null && has q.raw 401 again; then
    pass "$1" "the loop ended ${took} s after exec, 300 records, $at(as at the snapshot), exit 0"
  else
    fail "$1" "status $st, '$at', $(cmp -n $((300 * 512)) q.raw expect.img 2>&1 | head -1)"
    show_logs
  fi
}
if [ -n "$name" ]; then
  restore_run snapshot-qcow2-restore
  restore_run snapshot-qcow2-restore-again
  qemu_img snapshot -d "$name" $Q
  refused snapshot-qcow2-refuses-deleted $D "holds no snapshot $name"
fi

# snapshot=on: its overlay ends with a64vm, so the VM cannot be saved; it runs on.
vm_start --kernel /guest/snap_guest.img --mem 64M --control $SOCK \
  --disk /guest/qcow2/ro.qcow2,snapshot=on
wait_for 'SNAP-GUEST ROUND 30' 120
timeout 120 /a64vm ctl $SOCK snapshot /tmp/snap-overlay >reply.txt 2>&1
if grep -q 'virtio-blk0.* cannot be saved: its overlay (snapshot=on)' reply.txt &&
   wait_for 'SNAP-GUEST TIMER ok' 180 && vm_wait 30 && [ ! -e /tmp/snap-overlay/state ]; then
  pass snapshot-qcow2-refuses-overlay "$(cat reply.txt); the guest finished"
else
  fail snapshot-qcow2-refuses-overlay "$(cat reply.txt)"; show_logs; kill -9 $VM_PID 2>/dev/null
  vm_wait 5
fi
