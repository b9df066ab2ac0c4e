# limit: 120
# A bare-metal PCI driver (tests/guest/baremetal/pci_guest.c) with
# --testdev --rng --virtio-transport pci: it sizes and programs BARs, rings
# every doorbell of QEMU's pci-testdev (memory and I/O BARs), sets the ITS
# up and takes virtio-rng's MSI-X vector as an LPI; then bad input: config
# accesses hardware answers with all-ones, a BAR over RAM and over another
# BAR, an MSI-X entry aimed at RAM (dropped, counted, logged once), a reset
# with a request in flight, a storm of 2000 MSIs. a64vm stays up and the
# guest powers off.
vm_start --kernel /guest/pci_guest.img --mem 64M --testdev --rng --virtio-transport pci \
  --verbose
if ! wait_for '^PCIG-DONE' 90; then
  fail pci-baremetal "the guest did not finish"; show_logs; vm_wait 1; return
fi
vm_wait 30; st=$?
tr -d '\r' <out.log >guest.log
grep '^PCIG-NOTE' guest.log | while read -r _ l; do note "pci-baremetal $l"; done
checks=0
while read -r verdict name detail; do
  checks=$((checks + 1))
  [ "$verdict" = PCIG-PASS ] && pass "pci-$name" "$detail" || fail "pci-$name" "$detail"
done <<EOF2
$(grep '^PCIG-\(PASS\|FAIL\)' guest.log)
EOF2
[ $checks -ge 20 ] || fail pci-baremetal-checks "only $checks checks reported"
warned=$(grep -c 'not the ITS doorbell' err.log)
dropped=$(sed -n 's/.*virtio-rng (00:0.\.0): \([0-9]*\) interrupts by MSI-X, [0-9]* by INTx, \([0-9]*\) MSI-X messages not aimed.*/\1 \2/p' err.log)
set -- $dropped
[ "$warned" = 1 ] && [ "${2:-0}" -ge 1 ] && [ $st -eq 0 ] &&
  pass pci-msix-bad-address-logged-once "1 line for ${2} dropped messages; ${1} delivered; exit 0" ||
  fail pci-msix-bad-address-logged-once "$warned lines, counts '$dropped', exit $st"
