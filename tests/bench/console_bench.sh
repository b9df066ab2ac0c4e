# The serial console's cost: the test Linux guest on 1 vCPU with its whole
# kernel log on the console (ignore_loglevel), alternating in one test
# host: a64vm (PL011), kvmtool (8250) and, with A64VM_BASELINE, an older
# a64vm. Wall time from exec to init and the console's bytes by then,
# medians of 5, and KVM's exits to the VMM (MMIO) for the boot.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
mkdir -p /sys/kernel/debug && mount -t debugfs none /sys/kernel/debug 2>/dev/null
kvm_stat() { cat /sys/kernel/debug/kvm/$VM_PID-*/$1 2>/dev/null | head -n1; }
for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms); do
    peer_start $vmm 1 "nokaslr ignore_loglevel"
    if wait_for "A64VM-GUEST-INIT uptime=[0-9.]* cpus" 150; then
      t=$(elapsed "$VM_T0") bytes=$(wc -c <out.log) mmio=$(kvm_stat mmio_exit_user)
      echo "$t" >>boot-$vmm.txt; echo "$bytes" >>bytes-$vmm.txt; echo "$mmio" >>mmio-$vmm.txt
      echo "E2E-BENCH console $vmm round $round: init at $t s, $bytes console bytes, MMIO exits to the VMM $mmio"
    else
      echo "E2E-BENCH console $vmm round $round: no init in 150 s"
    fi
    peer_stop
  done
done
k=$(median <boot-kvmtool.txt)
for vmm in $vmms; do
  m=$(median <boot-$vmm.txt)
  echo "E2E-BENCH console $vmm: init at $m s (median of $(grep -c . boot-$vmm.txt)), ratio to kvmtool $(ratio "$m" "$k"), console bytes $(median <bytes-$vmm.txt), MMIO exits to the VMM $(median <mmio-$vmm.txt)"
done
