# limit: 420
# Disks qemu-storage-daemon serves over vhost-user-blk (Debian's, which
# a64vm starts), with a Linux guest on 2 vCPUs:
#   - a qcow2 overlay made with qemu-img create -b (told by its header):
#     the guest reads its backing image's bytes through it, its write
#     (fsync'd) is in the overlay after a64vm is killed with SIGKILL, and
#     the backing image is unchanged; a queue per vCPU;
#   - a raw image with snapshot=on: the guest's writes go to a temporary
#     overlay, the image is unchanged after the run;
#   - a qcow2 image with ro: the guest's write is refused, and the
#     daemon's export itself is read-only (writable=off);
#   - the daemon killed: one line from a64vm, the guest's next read fails
#     with an I/O error, a64vm and the guest go on and power off (exit 0);
#   - the daemon stopped (SIGSTOP): a64vm says it hangs, the read the
#     guest made meanwhile fails with an I/O error.
#   - a daemon the test started itself, at --disk vhost-user=SOCKET;
#   - each of the three takes its queues at the driver's start and keeps
#     them (a request served at once has its call).
# The images come from tools/testhost (qemu-img on the build machine).
IMG=/guest/qcow2
cp $IMG/base.qcow2 $IMG/top.qcow2 $IMG/ro.qcow2 .
dd if=/dev/zero of=raw.img bs=1M count=24 2>/dev/null
base_sum=$(md5sum <base.qcow2)
raw_sum=$(md5sum <raw.img)
# The base's first MiB, as tools/testhost wrote it (not with yes: SIGPIPE
# is ignored here, and it would never end).
pattern_sum=$(awk 'BEGIN { for (i = 0; i < 52429; i++) print "a64vm-qcow2-pattern" }' |
  head -c 1048576 | sha256sum | cut -d' ' -f1)
guest() { # MARK COMMAND: runs it in the guest's shell, waits for MARK's line
  type_line "$2; echo $1\"\"-DONE"
  wait_for "^$1-DONE" "${3:-60}"
}
val() { tr -d '\r' <out.log | sed -n "s/^$1 //p" | tail -n 1; }
# What a64vm said went wrong, and what the daemons said (their stderr is a64vm's).
troubles() { grep -v '^a64vm: debug' err.log | tail -n 8 | tr '\n' ' '; }
qsd_pid() { # IMAGE: the daemon serving it
  for p in /proc/[0-9]*; do
    tr '\0' ' ' <$p/cmdline 2>/dev/null | grep -q "qemu-storage-daemon .*filename=$1," &&
      echo ${p#/proc/}
  done
}
# The daemons of a VM killed with SIGKILL end on their own (SIGTERM from
# the kernel); until they have, their images are locked.
daemons_gone() {
  for _ in $(seq 100); do pidof qemu-storage-daemon >/dev/null || return 0; sleep 0.1; done
}
# The guest names its disks in the order they are probed: each is found by
# its size (top 16 MiB, raw 24 MiB, ro 8 MiB).
# Under a full run's load a disk can come after the shell's prompt: each
# is waited for (30 s at most) before it is named.
DEVS='dev() { for b in /sys/block/vd*; do [ $(cat $b/size) = $1 ] && echo /dev/${b##*/}; done; }; for i in $(seq 300); do [ -n "$(dev 32768)" ] && [ -n "$(dev 49152)" ] && [ -n "$(dev 16384)" ] && break; sleep 0.1; done; TOP=$(dev 32768) RAW=$(dev 49152) RO=$(dev 16384)'

vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 --verbose \
  --disk top.qcow2 --disk raw.img,snapshot=on --disk ro.qcow2,ro \
  --append "console=ttyAMA0 quiet a64vm.test=shell"
if ! wait_for '^guest# ' 150; then
  fail vhost-blk-guest "no guest shell"; show_logs; kill -KILL $VM_PID; vm_wait 10; return
fi
guest D "$DEVS"
guest Q 'echo QUEUES $(ls /sys/block/${TOP#/dev/}/mq | wc -l)'
guest B 'echo BACKING $(dd if=$TOP bs=1M count=1 2>/dev/null | sha256sum)'
guest W 'dd if=/dev/urandom of=/tmp/d bs=1M count=1 2>/dev/null; dd if=/tmp/d of=$TOP bs=1M seek=4 conv=fsync 2>/dev/null; echo WROTE $(sha256sum </tmp/d)'
guest R 'echo 3 >/proc/sys/vm/drop_caches; echo READ $(dd if=$TOP bs=1M skip=4 count=1 2>/dev/null | sha256sum)'
guest S 'dd if=/tmp/d of=$RAW bs=1M conv=fsync 2>/dev/null && echo SNAP-WROTE; echo 3 >/proc/sys/vm/drop_caches; echo SNAP $(dd if=$RAW bs=1M count=1 2>/dev/null | sha256sum)'
guest O 'dd if=/tmp/d of=$RO bs=4k count=1 conv=fsync 2>/dev/null && echo RO-WRITTEN || echo RO-REFUSED'
ro_export=$(sed -n 's/.*--disk ro.qcow2: .*, export \(writable=[a-z]*\)$/\1/p' err.log)
kill -KILL $VM_PID; vm_wait 10
daemons_gone

daemon=$(grep -o 'top.qcow2: [^ ]*qemu-storage-daemon (pid [0-9]*), qcow2, 2 queues' err.log)
queues=$(val QUEUES)
[ -n "$daemon" ] && [ "$queues" = 2 ] &&
  pass vhost-blk-qcow2-queues "$daemon; the guest sees $queues" ||
  fail vhost-blk-qcow2-queues "guest: '$queues'; a64vm: $(grep -i blk err.log | head -n 3 | tr '\n' ' ')"
[ "$(val BACKING | cut -d' ' -f1)" = "$pattern_sum" ] &&
  pass vhost-blk-backing-chain "the backing image's bytes, read through the overlay" ||
  fail vhost-blk-backing-chain "read $(val BACKING)"
wrote=$(val WROTE | cut -d' ' -f1)
[ -n "$wrote" ] && [ "$(val READ | cut -d' ' -f1)" = "$wrote" ] &&
  pass vhost-blk-write-read "1 MiB written with fsync and read back" ||
  fail vhost-blk-write-read "wrote $wrote, read $(val READ)"
snap=$(val SNAP | cut -d' ' -f1)
[ "$snap" = "$wrote" ] && [ "$(md5sum <raw.img)" = "$raw_sum" ] &&
  grep -q 'raw.img.*raw under a temporary overlay' err.log &&
  pass vhost-blk-snapshot "the guest read its write back; raw.img unchanged after the run" ||
  fail vhost-blk-snapshot "read $snap of $wrote; raw.img $(md5sum <raw.img) was $raw_sum"
tr -d '\r' <out.log | grep -q '^RO-REFUSED' && [ "$ro_export" = writable=off ] &&
  pass vhost-blk-read-only "the write refused; the daemon's export: $ro_export" ||
  fail vhost-blk-read-only "$(tr -d '\r' <out.log | grep '^RO-') export '$ro_export'"

# Again, on the same overlay: what was synced before SIGKILL is there.
# And a daemon the test starts itself, at --disk vhost-user=SOCKET.
dd if=/dev/zero of=user.img bs=1M count=8 2>/dev/null
/usr/bin/qemu-storage-daemon --blockdev driver=file,node-name=f,filename=user.img \
  --export type=vhost-user-blk,id=e,node-name=f,addr.type=unix,addr.path=user.sock,writable=on \
  2>user-qsd.err &
for _ in $(seq 100); do [ -S user.sock ] && break; sleep 0.1; done
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 --verbose \
  --disk top.qcow2 --disk raw.img,snapshot=on --disk vhost-user=user.sock \
  --append "console=ttyAMA0 quiet a64vm.test=shell"
if ! wait_for '^guest# ' 150; then
  fail vhost-blk-guest "no guest shell the second time"; show_logs
  kill -KILL $VM_PID; vm_wait 10; return
fi
guest D "$DEVS"
guest A 'echo AGAIN $(dd if=$TOP bs=1M skip=4 count=1 2>/dev/null | sha256sum)'
guest U 'USR=$(dev 16384); dd if=/dev/urandom of=/tmp/d bs=1M count=1 2>/dev/null; dd if=/tmp/d of=$USR bs=1M seek=2 conv=fsync 2>/dev/null; echo USER $(sha256sum </tmp/d)'
[ "$(val AGAIN | cut -d' ' -f1)" = "$wrote" ] && [ "$(md5sum <base.qcow2)" = "$base_sum" ] &&
  pass vhost-blk-durable "the fsync'd write is in the overlay after SIGKILL; the backing image unchanged" ||
  fail vhost-blk-durable "read $(val AGAIN) of $wrote"
user=$(val USER | cut -d' ' -f1)
[ -n "$user" ] && [ "$(dd if=user.img bs=1M skip=2 count=1 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$user" ] &&
  grep -q "virtio-blk2.*by vhost-user, on user.sock: 16384 sectors" err.log &&
  pass vhost-blk-user-daemon "--disk vhost-user=SOCKET: the guest's write is in the file the daemon serves" ||
  fail vhost-blk-user-daemon "guest $user; $(grep 'virtio-blk2' err.log | head -n 2 | tr '\n' ' ') $(cat user-qsd.err)"

# The first disk's daemon killed: a64vm says so, the guest's reads fail.
# First every daemon holds its queues (the worker talks to them after DRIVER_OK).
for _ in $(seq 100); do
  [ "$(grep -c 'virtio-blk[012] ([0-9:.]*): the daemon took the queues: done' err.log)" -ge 3 ] && break
  sleep 0.2
done
# A daemon that served a request before it had the queue's call broke there
# (qemu-storage-daemon: "vu_panic: Error writing eventfd") and lost its disk.
if [ "$(grep -c 'virtio-blk[012] ([0-9:.]*): the daemon took the queues: done' err.log)" -ge 3 ] &&
   ! grep -q "closed its socket\|vu_panic\|without its daemon" err.log; then
  pass vhost-blk-daemons-start "the three daemons took the queues and hold them"
else
  fail vhost-blk-daemons-start "$(troubles)"
fi
guest V 'echo RAWDEV $RAW TOPDEV $TOP'
kill -KILL "$(qsd_pid top.qcow2)"
for _ in $(seq 100); do grep -q "closed its socket" err.log && break; sleep 0.2; done
guest K 'dd if=$TOP of=/dev/null bs=4k count=1 skip=300 iflag=direct 2>&1 | grep -o "Input/output error" | head -n 1 | sed "s/^/KILLED /"'
if [ "$(val KILLED)" = "Input/output error" ] && grep -q "virtio-blk0[ (0-9:.)]*: the vhost-user daemon closed its socket" err.log &&
   grep -q "without its daemon the guest's requests fail" err.log; then
  pass vhost-blk-daemon-dies "$(grep -o 'the vhost-user daemon closed[^;]*' err.log | head -n 1); the guest's read: I/O error"
else
  fail vhost-blk-daemon-dies "guest '$(val KILLED)'; $(troubles)"
fi
# The second's stopped: its requests get no answer; after 30 s a64vm takes them.
kill -STOP "$(qsd_pid raw.img)"
t0=$(now)
guest H 'dd if=$RAW of=/dev/null bs=4k count=1 skip=200 iflag=direct 2>&1 | grep -o "Input/output error" | head -n 1 | sed "s/^/HUNG /"' 120
if [ "$(val HUNG)" = "Input/output error" ] && grep -q "virtio-blk1 ([0-9:.]*): the vhost-user daemon answered none of 1 requests in 30 s: it hangs" err.log; then
  pass vhost-blk-daemon-hangs "a64vm took the queues back $(elapsed $t0) s after the read; the read: I/O error"
else
  fail vhost-blk-daemon-hangs "guest '$(val HUNG)' ($(val RAWDEV)); raw's daemon $(qsd_pid raw.img); $(grep 'virtio-blk1' err.log | tail -n 4 | tr '\n' ' '); $(troubles)"
fi
type_line 'poweroff -f'
vm_wait 60; st=$?
[ $st -eq 0 ] && pass vhost-blk-poweroff "exit 0 without both daemons" ||
  fail vhost-blk-poweroff "status $st: $(tail -n 3 err.log | tr '\n' ' ')"
