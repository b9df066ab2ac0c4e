# virtio-vsock, a64vm against kvmtool, both on the host kernel's
# vhost-vsock (a64vm --vsock cid=3, lkvm --vsock 3), and a64vm on its own
# backend (a64vm-uds: --vsock cid=3,uds=PATH, the host's side on UNIX
# sockets), virtio-mmio, 512 MiB, 2 vCPUs, a fresh guest each run,
# alternating in one test host, medians of 5: 64 MiB from the test host
# into a sink in the guest, 64 MiB from the guest to a listener on the test
# host (timed by the guest), and the mean of 2000 one-byte round trips to
# an echo server in the guest. An older a64vm (A64VM_BASELINE) runs on
# its own backend too, against a64vm-uds.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
if [ ! -c /dev/vhost-vsock ]; then
  echo "E2E-BENCH vsock: not run: no /dev/vhost-vsock in the test host"; exit 0
fi
dd if=/dev/urandom of=/tmp/vsock64.bin bs=1M count=64 2>/dev/null
UDS=/tmp/bench-vsock.sock
PEER_A64VM_ARGS="--vsock cid=3 --virtio-transport mmio" PEER_KVMTOOL_ARGS="--vsock 3"
PEER_A64VM_UDS_ARGS="--vsock cid=3,uds=$UDS --virtio-transport mmio"
PEER_BASELINE_ARGS=$PEER_A64VM_UDS_ARGS
export PEER_A64VM_ARGS PEER_KVMTOOL_ARGS PEER_A64VM_UDS_ARGS PEER_BASELINE_ARGS
vmms="$vmms a64vm-uds"
# The host's side, vsock-pipe's words: AF_VSOCK, or the UNIX sockets of
# a64vm's own backend.
h_connect() { # VMM PORT
  case $1 in a64vm-uds|baseline) echo uds-connect $UDS $2 ;; *) echo connect 3 $2 ;; esac
}
h_rr() { # VMM PORT N
  case $1 in a64vm-uds|baseline) echo uds-rr $UDS $2 $3 ;; *) echo rr 3 $2 $3 ;; esac
}
h_listen() { # VMM PORT
  case $1 in a64vm-uds|baseline) echo uds-listen ${UDS}_$2 ;; *) echo listen $2 ;; esac
}
for vmm in $vmms; do : >h2g-$vmm; : >g2h-$vmm; : >rr-$vmm; done
for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms); do
    peer_start $vmm 2 a64vm.test=vsockbench
    if ! wait_for "^VSOCKBENCH-READY" 300; then
      echo "E2E-BENCH vsock $vmm round $round: not ready; $(tail -3 err.log | tr '\n' ' ')"
      peer_stop; continue
    fi
    # The servers listen a moment after the line: until one round trip works.
    for _ in $(seq 100); do vsock-pipe $(h_rr $vmm 5000 1) >/dev/null 2>&1 && break; sleep 0.1; done
    t0=$(now)
    # Each step bounded: a VMM that loses a connection costs a round, not the run.
    timeout 120 vsock-pipe $(h_connect $vmm 5001) </tmp/vsock64.bin >/dev/null &&
      elapsed $t0 >>h2g-$vmm && echo >>h2g-$vmm
    timeout 120 vsock-pipe $(h_rr $vmm 5000 2000) >>rr-$vmm
    timeout 120 vsock-pipe $(h_listen $vmm 6000) </dev/null >/dev/null &
    listener=$!
    timeout 20 vsock-pipe $(h_connect $vmm 5002) </dev/null >/dev/null
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
  a=$(median <$k-a64vm) u=$(median <$k-a64vm-uds) b=$(median <$k-kvmtool)
  o=; [ -e $k-baseline ] && o=$(median <$k-baseline)
  echo "E2E-BENCH vsock $k: a64vm $a, a64vm-uds $u, kvmtool $b, a64vm/kvmtool $(ratio "$a" "$b")," \
    "a64vm-uds/kvmtool $(ratio "$u" "$b")${o:+, baseline-uds $o, a64vm-uds/baseline-uds $(ratio "$u" "$o")}" \
    "(time: lower is better)"
done
