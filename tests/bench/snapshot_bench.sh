# A restore against a cold boot, alternating in one test host: the test
# Linux guest (busybox initramfs, no virtio device, 512 MiB, 1 vCPU),
# booted cold by a64vm and by kvmtool to its init line, and restored by
# a64vm from a snapshot taken at its shell prompt to its answer to a typed
# command (its first console answer). Medians of 5. Also the snapshot's
# time (the guest held) and size (the state file, and what of the memory
# file is not a hole).
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
# Every wait looks 100 times a second: a restore takes a few tenths.
WAIT_POLL=0.01
SOCK=/tmp/snap-bench.sock
D=/tmp/snap-bench

# The snapshot: a booted guest at its prompt.
/a64vm run --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 512M --control $SOCK \
  --append "console=ttyAMA0 quiet nopowerbtn" </dev/null >out.log 2>err.log &
VM_PID=$!
if ! wait_for "A64VM-GUEST-INIT uptime=[0-9.]* cpus" 150; then
  echo "E2E-BENCH snapshot: not run: the guest did not boot"; peer_stop; exit 0
fi
sleep 1
for i in 1 2 3 4 5; do
  /a64vm ctl $SOCK snapshot $D | sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' >>save-ms.txt
done
/a64vm ctl $SOCK quit >/dev/null
wait $VM_PID
echo "E2E-BENCH snapshot: guest held $(median <save-ms.txt) ms (median of 5) while 512 MiB" \
  "were saved; state $(stat -c %s $D/state) bytes, memory file $(du -k $D/memory | cut -f1) KiB" \
  "allocated of $(( $(stat -c %s $D/memory) / 1024 )) KiB"

for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms restore); do
    if [ $vmm = restore ]; then
      rm -f in out.log err.log; mkfifo in
      VM_T0=$(now)
      /a64vm run --restore $D --verbose <in >out.log 2>err.log &
      VM_PID=$!
      exec 3>in
      type_line "echo RESTORED-\$((6 * 7))"
      if wait_for "RESTORED-42" 60; then
        elapsed "$VM_T0" >>t-restore.txt; echo >>t-restore.txt
        sed -n 's/.*guest started \([0-9.]*\).*/\1/p' err.log >>started-ms.txt
      else
        echo "E2E-BENCH restore round $round: no answer in 60 s"
      fi
      kill -9 $VM_PID; wait $VM_PID 2>/dev/null; exec 3>&-
    else
      peer_start $vmm 1
      if wait_for "A64VM-GUEST-INIT uptime=[0-9.]* cpus" 150; then
        elapsed "$VM_T0" >>t-$vmm.txt; echo >>t-$vmm.txt
      else
        echo "E2E-BENCH cold boot $vmm round $round: no init in 150 s"
      fi
      peer_stop
    fi
  done
done
r=$(median <t-restore.txt) a=$(median <t-a64vm.txt) k=$(median <t-kvmtool.txt)
echo "E2E-BENCH restore: to the first console answer $r s; a64vm's cold boot to init $a s" \
  "(restore/boot $(ratio "$r" "$a")), kvmtool's $k s (restore/kvmtool $(ratio "$r" "$k"))," \
  "medians of 5; of a restore, a64vm's setup until the guest started $(median <started-ms.txt) ms"
