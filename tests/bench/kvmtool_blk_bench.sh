# a64vm against kvmtool, alternating in one test host: virtio-blk under
# load, blkbench in a 2-vCPU guest (sequential 64 MiB, then 4 KiB random
# reads and writes at queue depth 1 and 32, direct I/O) on an 80 MiB raw
# image in tmpfs; five rounds each.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
DISK=/tmp/bench-disk.img
for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms); do
    dd if=/dev/zero of=$DISK bs=1M count=80 2>/dev/null
    peer_start $vmm 2 a64vm.test=blkbench
    wait_for "random-write-4k-qd32 .* a request)" 300 || echo "E2E-BENCH blk $vmm: blkbench did not finish"
    tr -d '\r' <out.log | sed -n "s/^BENCH virtio-blk /E2E-BENCH blk $vmm round $round: /p"
    tr -d '\r' <out.log | sed -n 's/^BENCH virtio-blk //p' | while read -r test val rest; do
      echo "$val" >>"blk-$vmm-$test.txt"
      irqs=$(echo "$rest" | sed -n 's/.*, \([0-9.]*\) interrupts a request.*/\1/p')
      [ -z "$irqs" ] || echo "$irqs" >>"irqs-$vmm-$test.txt"
    done
    peer_stop
  done
done
rm -f $DISK
for vmm in $vmms; do
  for f in blk-$vmm-*.txt; do
    test=${f#blk-$vmm-}; test=${test%.txt}
    irqs=; [ -e "irqs-$vmm-$test.txt" ] && irqs=", $(median <"irqs-$vmm-$test.txt") interrupts a request"
    echo "E2E-BENCH blk median $vmm $test: $(median <"$f") (of $(grep -c . "$f"))$irqs"
  done
done
