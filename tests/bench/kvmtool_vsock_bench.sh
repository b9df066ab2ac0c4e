# virtio-vsock, a64vm against kvmtool, both on the host kernel's
# vhost-vsock (a64vm --vsock cid=3, lkvm --vsock 3), virtio-mmio, 512 MiB,
# 2 vCPUs, a fresh guest each run, alternating in one test host, medians
# of 5: 64 MiB from the test host into a sink in the guest, 64 MiB from
# the guest to a listener on the test host (timed by the guest), and the
# mean of 2000 one-byte round trips to an echo server in the guest.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
if [ ! -c /dev/vhost-vsock ]; then
  echo "E2E-BENCH vsock: not run: no /dev/vhost-vsock in the test host"; exit 0
fi
dd if=/dev/urandom of=/tmp/vsock64.bin bs=1M count=64 2>/dev/null
PEER_A64VM_ARGS="--vsock cid=3 --virtio-transport mmio" PEER_KVMTOOL_ARGS="--vsock 3"
export PEER_A64VM_ARGS PEER_KVMTOOL_ARGS
for vmm in $vmms; do : >h2g-$vmm; : >g2h-$vmm; : >rr-$vmm; done
for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms); do
    peer_start $vmm 2 a64vm.test=vsockbench
    if ! wait_for "^VSOCKBENCH-READY" 300; then
      echo "E2E-BENCH vsock $vmm round $round: not ready; $(tail -3 err.log | tr '\n' ' ')"
      peer_stop; continue
    fi
    # The servers listen a moment after the line: until one round trip works.
    for _ in $(seq 100); do vsock-pipe rr 3 5000 1 >/dev/null 2>&1 && break; sleep 0.1; done
    t0=$(now)
    # Each step bounded: a VMM that loses a connection costs a round, not the run.
    timeout 120 vsock-pipe connect 3 5001 </tmp/vsock64.bin >/dev/null &&
      elapsed $t0 >>h2g-$vmm && echo >>h2g-$vmm
    timeout 120 vsock-pipe rr 3 5000 2000 >>rr-$vmm
    timeout 120 vsock-pipe listen 6000 </dev/null >/dev/null &
    listener=$!
    timeout 20 vsock-pipe connect 3 5002 </dev/null >/dev/null
    wait $listener
    if wait_for "^VSOCKBENCH-G2H [0-9.]*[^0-9.]" 120; then # the whole number
      tr -d '\r' <out.log | sed -n 's/^VSOCKBENCH-G2H //p' >>g2h-$vmm
    fi
    vm_wait 60 >/dev/null 2>&1 || peer_stop
  done
done
for vmm in $vmms; do
  echo "E2E-BENCH vsock $vmm: host to guest 64 MiB $(median <h2g-$vmm) s," \
    "guest to host 64 MiB $(median <g2h-$vmm) s, round trip $(median <rr-$vmm) us" \
    "(medians of $(grep -c . h2g-$vmm), $(grep -c . g2h-$vmm), $(grep -c . rr-$vmm))"
done
for k in h2g g2h rr; do
  a=$(median <$k-a64vm) b=$(median <$k-kvmtool)
  echo "E2E-BENCH vsock $k: a64vm $a, kvmtool $b, a64vm/kvmtool $(ratio "$a" "$b") (time: lower is better)"
done
