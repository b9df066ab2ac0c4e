# virtio-mmio against virtio-pci, alternating in one test host: wall time
# from a64vm's start to the guest's init with a disk and rng
# (median of 5 each), and the exits to userspace per virtio-blk request
# (4 KiB direct reads in the guest, counted by the control socket).
. /e2e/lib.sh
dd if=/dev/urandom of=disk.img bs=1M count=16 2>/dev/null
mmio_exits() { /a64vm ctl /tmp/bench.sock status | sed -n 's/.*"mmio":\([0-9]*\).*/\1/p'; }
for t in mmio pci; do : >boot-$t.txt; done
for round in 1 2 3 4 5; do
  for t in mmio pci; do
    vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --virtio-transport $t \
      --disk disk.img --rng --control /tmp/bench.sock \
      --append "console=ttyAMA0 quiet a64vm.test=pci"
    if wait_for 'A64VM-GUEST-INIT uptime=[0-9.]* cpus' 150; then
      elapsed "$VM_T0" >>boot-$t.txt; echo >>boot-$t.txt
      if [ $round = 1 ] && wait_for '^PCI-DONE' 60; then
        before=$(mmio_exits)
        type_line 'dd if=/dev/vda of=/dev/null bs=4k count=2000 iflag=direct 2>/dev/null; echo READS-DONE'
        wait_for '^READS-DONE' 120
        after=$(mmio_exits)
        echo "E2E-BENCH exits $t: $((after - before)) MMIO exits to userspace for 2000 virtio-blk reads ($(awk -v a=$before -v b=$after 'BEGIN { printf "%.3f", (b - a) / 2000 }') per request)"
      fi
    else
      echo "E2E-BENCH boot $t round $round: no init in 150 s"
    fi
    kill -9 $VM_PID; vm_wait 10
  done
done
m=$(median <boot-mmio.txt) p=$(median <boot-pci.txt)
echo "E2E-BENCH boot virtio-mmio: wall to init $m s (median of $(grep -c . boot-mmio.txt): $(tr '\n' ' ' <boot-mmio.txt))"
echo "E2E-BENCH boot virtio-pci: wall to init $p s (median of $(grep -c . boot-pci.txt): $(tr '\n' ' ' <boot-pci.txt)), ratio to virtio-mmio $(ratio "$p" "$m")"
