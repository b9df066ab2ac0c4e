# limit: 240
# virtio-blk and virtio-rng with a Linux guest: data written and synced by
# the guest is in the image (also when a64vm is then killed with SIGKILL),
# a read-only disk refuses writes, the serial number shows, /dev/hwrng
# gives bytes, and a second VM cannot open a writable image in use. Two
# vCPUs: the first disk has a request queue each, served through io_uring;
# the read-only one is read synchronously (aio=sync).
dd if=/dev/zero of=disk.img bs=1M count=16 2>/dev/null
dd if=/dev/urandom of=ro.img bs=1M count=1 2>/dev/null
ro_sha=$(dd if=ro.img bs=4k count=1 2>/dev/null | sha256sum | cut -d' ' -f1)
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 --verbose \
  --disk disk.img,serial=disk-one --disk ro.img,ro,aio=sync --rng \
  --append "console=ttyAMA0 quiet a64vm.test=virtio"
if ! wait_for "^VIRTIO-SYNCED [0-9a-f]\{64\}" 150; then
  fail virtio-guest "the guest did not finish its checks"; show_logs; vm_wait 1; return
fi
kill -KILL $VM_PID; vm_wait 10
tr -d '\r' <out.log >guest.log
val() { sed -n "s/^$1 //p" guest.log | head -1; }

uring=$(grep -o 'virtio-blk0[^:]*: io_uring, [0-9]* request queues' err.log)
[ "$(val VIRTIO-QUEUES)" = 2 ] && [ -n "$uring" ] &&
  pass virtio-blk-queues "$uring; the guest sees $(val VIRTIO-QUEUES)" ||
  fail virtio-blk-queues "guest: '$(val VIRTIO-QUEUES)' queues; a64vm: '$uring'"

[ "$(val VIRTIO-SERIAL)" = disk-one ] && pass virtio-blk-serial "vda serial disk-one" ||
  fail virtio-blk-serial "got '$(val VIRTIO-SERIAL)'"
wrote=$(val VIRTIO-WROTE)
img=$(dd if=disk.img bs=1M count=4 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ -n "$wrote" ] && [ "$img" = "$wrote" ] && [ "$(val VIRTIO-READ)" = "$wrote" ]; then
  pass virtio-blk-write-read "4 MiB written with fsync, read back and in the image"
else
  fail virtio-blk-write-read "guest $wrote, read back $(val VIRTIO-READ), image $img"
fi
synced=$(val VIRTIO-SYNCED)
img=$(dd if=disk.img bs=1M skip=8 count=2 2>/dev/null | sha256sum | cut -d' ' -f1)
[ -n "$synced" ] && [ "$img" = "$synced" ] &&
  pass virtio-blk-sigkill-after-sync "2 MiB synced, then SIGKILL: in the image" ||
  fail virtio-blk-sigkill-after-sync "guest $synced, image $img"
grep -q '^VIRTIO-RO-REFUSED' guest.log && ! grep -q '^VIRTIO-RO-WRITTEN' guest.log &&
  [ "$(val VIRTIO-RO-CONTENT)" = "$ro_sha" ] &&
  pass virtio-blk-read-only "the write was refused, the image unchanged" ||
  fail virtio-blk-read-only "$(grep VIRTIO-RO guest.log | tr '\n' ' ')"
set -- $(val VIRTIO-RNG)
[ "$2" = 64 ] && pass virtio-rng "$1 gave 64 bytes" || fail virtio-rng "$*"

# A second VM on the same writable image is refused while the first runs.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 128M \
  --disk disk.img --append "console=ttyAMA0 quiet"
first=$VM_PID
wait_lock $first 30
/a64vm run --kernel $GUEST_KERNEL --disk disk.img >/dev/null 2>second.err </dev/null
second=$?
kill -KILL $first; VM_PID=$first; vm_wait 10
grep -q "in use by another process" second.err && [ $second -eq 1 ] &&
  pass virtio-blk-lock "$(cat second.err)" || fail virtio-blk-lock "status $second: $(cat second.err)"
