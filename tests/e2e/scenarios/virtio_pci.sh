# limit: 200
# virtio-pci with a Linux guest: the disk, rng, network and console sit at
# 00:01.0-00:04.0 with virtio's modern IDs (1af4:1042, 1044, 1041, 1043)
# behind virtio_pci; their queues take MSI-X through the ITS (ITS-MSI
# lines in /proc/interrupts, counting); the rest of the virtio checks run
# again on virtio-mmio (virtio_*_mmio scenarios; PCI is the default).
# With pci=nomsi the same devices work on INTx.
dd if=/dev/urandom of=disk.img bs=1M count=4 2>/dev/null
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --virtio-transport pci \
  --disk disk.img --rng --net tap=a64pci0 --console virtio \
  --append "console=ttyAMA0 quiet a64vm.test=pci"
if ! wait_for "^PCI-DONE" 150; then
  fail virtio-pci-linux "the guest did not finish its checks"; show_logs; vm_wait 1; return
fi
tr -d '\r' <out.log >guest.log
grep '^PCIDEV\|^PCIIRQ' guest.log | while read -r l; do note "$l"; done
want="0000:00:01.0 0x1af4 0x1042 0x010000 virtio-pci
0000:00:02.0 0x1af4 0x1044 0xff0000 virtio-pci
0000:00:03.0 0x1af4 0x1041 0x020000 virtio-pci
0000:00:04.0 0x1af4 0x1043 0x078000 virtio-pci"
got=$(sed -n 's/^PCIDEV \(0000:00:0[1-4]\.0 .*\)/\1/p' guest.log)
[ "$got" = "$want" ] && pass virtio-pci-devices "blk, rng, net, console at 00:01-04.0, bound to virtio-pci" ||
  fail virtio-pci-devices "$(echo $got)"
# One vector per queue and one for configuration: vda's request queue took some.
line=$(grep '^PCIIRQ' guest.log | grep 'ITS-MSI' | grep 'virtio0-req' | head -1)
n=$(echo "$line" | awk '{ s = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; print s }')
vectors=$(grep '^PCIIRQ' guest.log | grep -c 'ITS-MSI.*virtio')
if [ -n "$line" ] && [ "${n:-0}" -gt 0 ] && [ "$vectors" -ge 8 ]; then
  pass virtio-pci-msix "$vectors ITS-MSI vectors for virtio; vda's requests: $n interrupts"
else
  fail virtio-pci-msix "vectors $vectors, vda: '$line'"
fi
[ "$(sed -n 's/^PCI-RNG //p' guest.log)" = 64 ] && pass virtio-pci-rng "64 bytes from /dev/hwrng" ||
  fail virtio-pci-rng "$(grep PCI-RNG guest.log)"
kill -TERM $VM_PID; vm_wait 40

# Without MSI (Linux's pci=nomsi, as on a host whose KVM has no ITS): INTx.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --virtio-transport pci \
  --disk disk.img --rng --verbose --append "console=ttyAMA0 quiet pci=nomsi a64vm.test=pci"
if wait_for "^PCI-DONE" 150; then
  kill -TERM $VM_PID; vm_wait 40
  set -- $(sed -n 's/.*virtio-blk0 (00:01.0): \([0-9]*\) interrupts by MSI-X, \([0-9]*\) by INTx.*/\1 \2/p' err.log)
  [ "${1:-x}" = 0 ] && [ "${2:-0}" -gt 0 ] && grep -q '^PCI-RNG 64' out.log &&
    pass virtio-pci-intx "pci=nomsi: vda and hwrng work on INTx ($2 raised, 0 by MSI-X)" ||
    fail virtio-pci-intx "MSI-X '${1:-}', INTx '${2:-}'"
else
  fail virtio-pci-intx "the guest did not finish its checks"; show_logs; vm_wait 1
fi
