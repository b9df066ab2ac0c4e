# limit: 420
# Save and restore (docs/snapshot.md). snap_guest computes a known result
# on 1, then 4 vCPUs; the control socket snapshots it at two points while
# it runs on. Each snapshot, started in a new a64vm, finishes with the
# original's result, its counter neither going back nor jumping over the
# time between, its PMU's cycles never going back, its timer's interrupts
# arriving; the same snapshot twice gives the same output. A Linux guest
# with no virtio device, then with a disk and rng on each transport. Then
# what a restore refuses, one line each, and a VM that cannot be saved
# runs on.
G=/guest/snap_guest.img
SOCK=/tmp/snap.sock
# The restored run's output without the line that depends on timing.
steady() { grep '^SNAP-GUEST' "$1" | grep -v CLOCK; }

restore_check() { # NAME DIR ORIGINAL-LOG
  vm_start --restore "$2"
  if ! wait_for 'SNAP-GUEST TIMER' 180; then
    fail "$1" "the restored guest did not finish"; show_logs; kill -9 $VM_PID; vm_wait 5
    return 1
  fi
  vm_wait 60; st=$?
  cp out.log "$1.log"
  clock=$(grep 'SNAP-GUEST CLOCK' out.log | tr -d '\r')
  step=$(echo "$clock" | sed -n 's/.*max_step_ms=\([0-9]*\).*/\1/p')
  if [ $st -ne 0 ]; then
    fail "$1" "exit status $st"; show_logs
  elif [ "$(grep RESULT out.log)" != "$(grep RESULT "$3")" ]; then
    fail "$1" "$(grep RESULT out.log) against $(grep RESULT "$3")"
  elif ! echo "$clock" | grep -q 'backwards=0' || echo "$clock" | grep -q 'pmu_backwards=[1-9]' ||
       [ "${step:-99999}" -ge 5000 ]; then
    fail "$1" "$clock (the snapshot was taken 6 s before)"
  elif ! grep -q 'SNAP-GUEST TIMER ok' out.log; then
    fail "$1" "the timer's interrupts stopped"
  else
    pass "$1" "$(grep RESULT out.log | tr -d '\r'), $clock, timer ok, exit 0"
    return 0
  fi
  return 1
}

for cpus in 1 4; do
  D=/tmp/snap-$cpus
  vm_start --kernel $G --cpus $cpus --mem 64M --control $SOCK
  ok=true
  for at in 30 60; do
    if ! wait_for "SNAP-GUEST ROUND $at" 120; then
      fail snapshot-${cpus}cpu-save "the guest did not reach round $at"; show_logs; ok=false
      break
    fi
    /a64vm ctl $SOCK snapshot $D-$at >reply-$at.txt 2>&1 || ok=false
  done
  if $ok; then
    pass snapshot-${cpus}cpu-save "at rounds 30 and 60: $(cat reply-30.txt) $(cat reply-60.txt)" \
      "$(du -k $D-30/memory | cut -f1) KiB of memory, $(stat -c %s $D-30/state) bytes of state"
  else
    fail snapshot-${cpus}cpu-save "$(cat reply-*.txt)"
  fi
  wait_for 'SNAP-GUEST TIMER' 180; vm_wait 30; st=$?
  cp out.log orig.log
  if [ $st -ne 0 ] || ! grep -q 'SNAP-GUEST TIMER ok' orig.log; then
    fail snapshot-${cpus}cpu-original "the snapshotted VM did not finish well (status $st)"
    show_logs; continue
  fi
  $ok || continue
  sleep 6 # a counter that followed the host's clock would jump this far
  restore_check snapshot-${cpus}cpu-restore-30 $D-30 orig.log
  restore_check snapshot-${cpus}cpu-restore-60 $D-60 orig.log
  if restore_check snapshot-${cpus}cpu-restore-30-again $D-30 orig.log &&
     [ "$(steady snapshot-${cpus}cpu-restore-30.log)" = "$(steady snapshot-${cpus}cpu-restore-30-again.log)" ]; then
    pass snapshot-${cpus}cpu-same-twice "the same snapshot gave the same output twice"
  else
    fail snapshot-${cpus}cpu-same-twice "$(diff snapshot-${cpus}cpu-restore-30.log snapshot-${cpus}cpu-restore-30-again.log | head -5)"
  fi
done

# A Linux guest on 2 vCPUs (no virtio device): saved at its prompt with a
# value in its RAM disk, restored: it answers, reads the value back, its
# timers fire (sleep 1 takes a second by the host's clock), and it powers
# off with exit 0.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 --control $SOCK \
  --append "console=ttyAMA0 quiet"
if wait_for "A64VM-GUEST-INIT" 150; then
  type_line 'echo saved-$((6 * 7)) >/tmp/value; echo VALUE-WRITTEN'
  wait_for '^VALUE-WRITTEN' 30
  /a64vm ctl $SOCK snapshot /tmp/snap-linux >reply.txt 2>&1
  /a64vm ctl $SOCK quit >/dev/null; vm_wait 30
  vm_start --restore /tmp/snap-linux
  type_line 'echo "VALUE-$(cat /tmp/value)"; echo SLEEP""-START; sleep 1; echo SLEPT""-1'
  if wait_for '^SLEEP-START' 60; then
    t0=$(now)
    wait_for '^SLEPT-1' 30
    took=$(elapsed $t0)
    if grep -q '^VALUE-saved-42' out.log &&
       awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t <= 3) }'; then
      pass snapshot-linux-restore "the value read back, sleep 1 took $took s; $(cat reply.txt)"
    else
      fail snapshot-linux-restore "$(grep '^VALUE-' out.log), sleep 1 took $took s"; show_logs
    fi
  else
    fail snapshot-linux-restore "no answer after the restore"; show_logs
  fi
  type_line 'poweroff -f'
  vm_wait 60; st=$?
  [ $st -eq 0 ] && pass snapshot-linux-poweroff "exit 0" || fail snapshot-linux-poweroff "status $st"
else
  fail snapshot-linux-restore "no guest init within 150 s"; show_logs; kill -9 $VM_PID; vm_wait 5
fi

# What a restore refuses (lib.sh's refused): one line, exit 1, nothing started.
D=/tmp/snap-1-30
if [ -d $D ]; then
  mkdir -p /tmp/bad
  cp $D/memory /tmp/bad/memory
  head -c $(( $(stat -c %s $D/state) - 8 )) $D/state >/tmp/bad/state
  refused snapshot-refuses-truncated /tmp/bad "truncated"
  cp $D/state /tmp/bad/state
  printf '\002' | dd of=/tmp/bad/state bs=1 seek=8 conv=notrunc 2>/dev/null
  refused snapshot-refuses-newer /tmp/bad "made by a newer a64vm"
  cp $D/state /tmp/bad/state
  printf 'X' | dd of=/tmp/bad/state bs=1 seek=$(( $(stat -c %s $D/state) - 20 )) conv=notrunc 2>/dev/null
  refused snapshot-refuses-corrupted /tmp/bad "corrupted (checksum)"
  cp $D/state /tmp/bad/state
  rm /tmp/bad/memory; cp $D/memory /tmp/bad/memory
  refused snapshot-refuses-other-memory /tmp/bad "not the memory saved with its state"
  refused snapshot-refuses-machine-change $D "the machine is the snapshot's" --cpus 2
  refused snapshot-refuses-missing /tmp/nothing-here "No such file"
fi

# A flash bank's file, as a disk: written since the snapshot (a byte
# rewritten as it was: the same size and contents, a new mtime), a restore
# in place is refused before anything changes, so the guest finishes as
# it would have; a restore in a new a64vm is refused too, and
# --restore-force takes the file as it is: that restore finishes with the
# same result.
dd if=/dev/zero of=flash1.img bs=1M count=1 2>/dev/null
vm_start --kernel $G --mem 64M --control $SOCK --flash1 flash1.img
if wait_for 'SNAP-GUEST ROUND 30' 120; then
  /a64vm ctl $SOCK snapshot /tmp/snap-flash >reply.txt 2>&1
  dd if=/dev/zero of=flash1.img bs=1 count=1 conv=notrunc 2>/dev/null
  /a64vm ctl $SOCK restore /tmp/snap-flash >restore-reply.txt 2>&1
  wait_for 'SNAP-GUEST TIMER' 180; vm_wait 30; st=$?
  cp out.log flash-orig.log
  refused snapshot-refuses-written-flash /tmp/snap-flash "flash1 flash1.img: written since the snapshot"
  vm_start --restore /tmp/snap-flash --restore-force
  wait_for 'SNAP-GUEST TIMER' 180; vm_wait 30; st2=$?
  result=$(grep RESULT flash-orig.log | tr -d '\r')
  if grep -q 'flash1 flash1.img: written since the snapshot' restore-reply.txt && [ $st -eq 0 ] &&
     [ $st2 -eq 0 ] && [ -n "$result" ] && [ "$(grep RESULT out.log | tr -d '\r')" = "$result" ]; then
    pass snapshot-flash-file "in place: $(cat restore-reply.txt), the guest finished as it would have;" \
      "forced: $result, as the original's"
  else
    fail snapshot-flash-file "status $st then $st2: $(cat reply.txt restore-reply.txt)," \
      "$result against $(grep RESULT out.log | tr -d '\r')"
    show_logs
  fi
else
  fail snapshot-flash-file "the guest did not reach round 30"; show_logs; kill -9 $VM_PID; vm_wait 5
fi

# A Linux guest with a disk, rng, a tap, vsock on a64vm's own backend and
# its shell on virtio-console, on virtio-pci (MSI-X through the ITS) and on
# virtio-mmio: saved paused while a loop writes a record a sector each
# synced (a write in flight), restored in a new a64vm (which makes its tap
# and vsock socket anew): the loop goes on to its end (each write's answer
# an interrupt), every record is on the disk where it belongs, the rng
# answers, the test host pings the guest and reaches its vsock echo server,
# the guest's idle vsock connection ends (it was told of the transport's
# reset: nothing else ends it), sleep 1 takes a second, all typed into hvc0. A second restore is refused: the disk was written since.
V=/tmp/snap-vsock
tap_up() { # the tap a64vm made, addressed on the test host's side
  for _ in $(seq 100); do ip link show a64snap0 >/dev/null 2>&1 && break; sleep 0.1; done
  ip addr add 192.168.101.1/24 dev a64snap0 && ip link set a64snap0 up
}
devices_check() { # TRANSPORT
  t=$1 D=/tmp/snap-dev-$1
  dd if=/dev/zero of=disk.img bs=1M count=4 2>/dev/null
  vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 --control $SOCK \
    --virtio-transport $t --disk disk.img --rng --net tap=a64snap0,mac=52:54:00:a6:40:09 \
    --vsock cid=3,uds=$V --console virtio --append "console=ttyAMA0 quiet a64vm.test=hvc"
  if ! wait_for "^HVC-UP" 150 || ! tap_up; then
    fail snapshot-devices-$t "no shell on hvc0 within 150 s, or no tap"; show_logs
    kill -9 $VM_PID; vm_wait 5; return
  fi
  sleep 120 | vsock-pipe uds-listen ${V}_6000 >/dev/null 2>&1 &
  type_line '(vsock-pipe connect 2 6000 </dev/null >/dev/null 2>&1; echo VSOCK-CONN""-ENDED) & vsock-pipe echo 5000 </dev/null >/dev/null 2>&1 & ip link set eth0 up; ip addr add 192.168.101.2/24 dev eth0; '"$RECORD_LOOP"
  wait_for '^HALFWAY' 60
  ping -c 1 -W 5 192.168.101.2 >ping-before.txt 2>&1
  /a64vm ctl $SOCK snapshot $D --paused >reply.txt 2>&1
  /a64vm ctl $SOCK quit >/dev/null; vm_wait 30
  ended_before=$(grep -c '^VSOCK-CONN-ENDED' out.log)
  vm_start --restore $D
  tap_up
  if ! wait_for '^WRITES-DONE' 90; then
    fail snapshot-devices-$t "the restored guest's writes did not end: $(cat reply.txt)"
    show_logs; kill -9 $VM_PID; vm_wait 5; return
  fi
  ping -c 3 -W 5 192.168.101.2 >ping.txt 2>&1; pings=$(grep -o '[0-9]* packets received' ping.txt)
  echo SNAP-VSOCK-ECHO | timeout 20 vsock-pipe uds-connect $V 5000 >echo.txt 2>echo.err
  wait_for '^VSOCK-CONN-ENDED' 10; ended=$(grep -c '^VSOCK-CONN-ENDED' out.log)
  type_line 'echo RNG""-$(cat /sys/class/misc/hw_random/rng_current)-$(dd if=/dev/hwrng bs=64 count=1 2>/tmp/e | wc -c)-$(cat /tmp/e); echo SLEEP""-START; sleep 1; echo SLEPT""-1'
  wait_for '^SLEEP-START' 30
  t0=$(now)
  wait_for '^SLEPT-1' 30
  took=$(elapsed $t0)
  type_line 'poweroff -f'
  vm_wait 60; st=$?
  rm -f expect.img; records 300
  if [ $st -eq 0 ] && cmp -n $((300 * 512)) disk.img expect.img >/dev/null &&
     grep -q '^RNG-virtio_rng.0-64' out.log && [ "$pings" = "3 packets received" ] &&
     grep -q '^SNAP-VSOCK-ECHO$' echo.txt && [ "$ended" = 1 ] &&
     awk -v t="$took" 'BEGIN { exit !(t >= 0.9 && t <= 3) }'; then
    pass snapshot-devices-$t "300 records on the disk, 64 bytes of virtio_rng.0, ping: $pings, vsock echo, the idle" \
      "vsock connection reset, sleep 1 took $took s, typed on hvc0, exit 0; $(cat reply.txt)"
  else
    fail snapshot-devices-$t "status $st, $(cmp -n $((300 * 512)) disk.img expect.img 2>&1 | head -1)," \
      "$(grep '^RNG-' out.log | tr -d '\r'), ping: ${pings:-none} ($(grep -c 'bytes from' ping-before.txt) before)," \
      "vsock echo: '$(cat echo.txt)' $(cat echo.err) $(grep 'vsock' err.log), idle connection ended: $ended ($ended_before before the snapshot)," \
      "sleep 1 took $took s; $(cat reply.txt)"
    show_logs
  fi
}
devices_check pci
refused snapshot-refuses-written-disk /tmp/snap-dev-pci "its disk was written since the snapshot"
# virtio-mmio's disk is FreeBSD's below; the Linux check on it in the full suite.
[ "$A64VM_SUITE" = full ] && devices_check mmio

# FreeBSD (shared/freebsd), its root on virtio-blk (virtio-mmio), saved
# paused partway through its boot, as its disk driver attaches, and
# restored: it mounts its root, its init prints the marker, and it powers
# off with exit 0.
if ! fb_missing snapshot-freebsd; then
  cp $FB/root.img root.img
  vm_start --kernel $FB/kernel.bin --virtio-transport mmio --disk root.img --cpus 2 --mem 512M \
    --control $SOCK --append "FreeBSD:vfs.root.mountfrom=ufs:/dev/vtbd0"
  if wait_for '^vtblk0:' 120; then
    /a64vm ctl $SOCK snapshot /tmp/snap-fb --paused >reply.txt 2>&1
    /a64vm ctl $SOCK quit >/dev/null; vm_wait 30
    cp out.log fb-before.log
    vm_start --restore /tmp/snap-fb
    wait_for 'FREEBSD' 120
    vm_wait 60; st=$?
    tr -d '\r' <out.log >fb-after.log
    if [ $st -eq 0 ] && fb_has_marker fb-after.log && ! fb_has_marker fb-before.log &&
       grep -q 'Trying to mount root\|mountroot' fb-after.log; then
      pass snapshot-freebsd "saved at vtblk0's attach, restored: root mounted, init's marker, exit 0; $(cat reply.txt)"
    else
      fail snapshot-freebsd "status $st; $(cat reply.txt); $(tail -n 3 fb-after.log | tr '\n' ' ')"
      show_logs
    fi
  else
    fail snapshot-freebsd "no vtblk0 within 120 s"; show_logs; kill -9 $VM_PID; vm_wait 5
  fi
fi

# A VM with a device that cannot be saved yet (vsock on the kernel's
# vhost-vsock): refused with its name, it runs on.
vm_start --kernel $G --mem 64M --control $SOCK --vsock cid=9
wait_for 'SNAP-GUEST ROUND 30' 120
/a64vm ctl $SOCK snapshot /tmp/snap-con >reply.txt 2>&1
if grep -q 'vsock.* cannot be saved yet' reply.txt && wait_for 'SNAP-GUEST TIMER ok' 180 &&
   vm_wait 30 && [ ! -e /tmp/snap-con/state ]; then
  pass snapshot-refuses-device "$(cat reply.txt); the guest finished"
else
  fail snapshot-refuses-device "$(cat reply.txt)"; show_logs; kill -9 $VM_PID 2>/dev/null; vm_wait 5
fi
