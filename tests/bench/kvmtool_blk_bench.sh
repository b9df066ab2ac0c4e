# a64vm against kvmtool, alternating in one test host: virtio-blk under
# load, blkbench in a 2-vCPU guest (sequential 64 MiB, then 4 KiB random
# reads and writes at queue depth 1 and 32, direct I/O) on an 80 MiB raw
# image in tmpfs; three rounds each.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
DISK=/tmp/bench-disk.img
for round in 1 2 3; do
  for vmm in $(rotate $round $vmms); do
    dd if=/dev/zero of=$DISK bs=1M count=80 2>/dev/null
    peer_start $vmm 2 a64vm.test=blkbench
    wait_for "random-write-4k-qd32 .* a request)" 300 || echo "E2E-BENCH blk $vmm: blkbench did not finish"
    tr -d '\r' <out.log | sed -n "s/^BENCH virtio-blk /E2E-BENCH blk $vmm round $round: /p"
    peer_stop
  done
done
rm -f $DISK
