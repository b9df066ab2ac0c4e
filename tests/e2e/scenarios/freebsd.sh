# limit: 300
# FreeBSD 13.2-RELEASE arm64, unchanged and with no tunables: GENERIC with
# the Linux boot header, booted directly on a UFS2 root on virtio-blk
# (virtio-mmio here; virtio-pci, the default, at the end)
# (shared/freebsd, see its README), on 1, 2 and 4 vCPUs. Its /sbin/init
# prints a marker and powers off. Only the root device is named, as
# FreeBSD takes boot arguments from /chosen/bootargs behind "FreeBSD:".
fb_missing freebsd-direct && return
for ncpu in 1 2 4; do
  cp $FB/root.img root.img
  # the 2-vCPU boot also gets the other virtio kinds, to see them attach
  more=
  [ $ncpu -eq 2 ] && more="--rng --net tap=fbsdtap0 --console virtio"
  vm_start --kernel $FB/kernel.bin --virtio-transport mmio --disk root.img --cpus $ncpu \
    --mem 512M $more \
    --append "FreeBSD:vfs.root.mountfrom=ufs:/dev/vtbd0"
  if wait_for 'FREEBSD' 150; then
    took=$(elapsed "$VM_T0")
  else
    took=
  fi
  vm_wait 60; st=$?
  tr -d '\r' <out.log >fb$ncpu.log
  cpus=$(fb_cpus fb$ncpu.log)
  note "freebsd-$ncpu seconds-to-init=${took:-none} nisv: $(fb_nisv)"
  unattached=$(grep -E 'attach returned|not probed|no driver' fb$ncpu.log | head -n 3 | tr '\n' ';')
  [ -n "$unattached" ] && note "freebsd-$ncpu not attached: $unattached"
  if fb_has_marker fb$ncpu.log && [ $st -eq 0 ] && grep -q '^FreeBSD 13.2-RELEASE' fb$ncpu.log &&
     grep -q '^vtblk0:' fb$ncpu.log && ! grep -q 'vtblk0 attach returned' fb$ncpu.log &&
     [ "$cpus" = "$ncpu" ]; then
    pass "freebsd-direct-${ncpu}cpu" "init ${took:-?} s after start, $cpus CPUs, exit 0"
  else
    fail "freebsd-direct-${ncpu}cpu" "exit $st, init ${took:-never}, CPUs $cpus: $(grep -E 'vtblk|panic|mountroot' fb$ncpu.log | head -n 3 | tr '\n' ' ')"
    tail -n 25 fb$ncpu.log | sed "s/^/  | /"
  fi
done

# The other virtio kinds (the 2-vCPU boot had them): FreeBSD probes every
# slot; this GENERIC, built without modules, has a driver for vtnet only
# (no virtio_random, no virtio_console).
line=$(grep -m1 '^vtnet0: <' fb2.log)
[ -n "$line" ] && pass freebsd-vtnet-attaches "$line" ||
  fail freebsd-vtnet-attaches "$(grep -E 'vtnet|virtio_mmio2' fb2.log | head -n 3 | tr '\n' ' ')"
childless=
for slot in $(sed -n 's/^\(virtio_mmio[0-9]*\): <VirtIO MMIO adapter>.*/\1/p' fb2.log); do
  grep -q " on $slot\$" fb2.log || childless="$childless $slot"
done
note "freebsd-2 virtio slots with no driver:${childless:- none}"
slots=$(grep -c '^virtio_mmio[0-9]: <VirtIO MMIO adapter>' fb2.log)
[ "$slots" -eq 4 ] && pass freebsd-virtio-slots-probed "disk, rng, net, console: 4 slots" ||
  fail freebsd-virtio-slots-probed "$slots of 4 virtio-mmio slots probed"
# The PCIe host bridge: FreeBSD's generic ECAM driver attaches it and its bus.
pcib=$(grep -m1 '^pcib0: ' fb1.log)
pcibus=$(grep -m1 '^pci0: ' fb1.log)
[ -n "$pcib" ] && [ -n "$pcibus" ] && pass freebsd-pci-host "$pcib; $pcibus" ||
  fail freebsd-pci-host "$(grep -E 'pcib|pci0' fb1.log | head -n 3 | tr '\n' ' ')"
# FreeBSD has no PL031 driver: booted directly, its clock starts at the
# time its root file system was last written (inittodr's fallback); through
# EDK2 it reads the clock through EFI (freebsd_edk2).
grep -q 'no time-of-day clock registered' fb1.log &&
  note "freebsd: no time-of-day clock (no PL031 driver): the clock starts at the root file system's time"

# virtio-pci: the disk and the network on PCI, their interrupts MSI-X
# through the ITS (FreeBSD's its0; a64vm counts the messages at exit).
cp $FB/root.img root.img
vm_start --kernel $FB/kernel.bin --virtio-transport pci --disk root.img \
  --net tap=fbsdtap1 --mem 512M --verbose --append "FreeBSD:vfs.root.mountfrom=ufs:/dev/vtbd0"
wait_for 'FREEBSD' 150 && took=$(elapsed "$VM_T0") || took=
vm_wait 60; st=$?
tr -d '\r' <out.log >fbpci.log
note "freebsd-pci: $(grep 'interrupts by' err.log | tr '\n' ';')"
blk=$(grep -m1 '^vtblk0: .* on virtio_pci' fbpci.log)
net=$(grep -m1 '^vtnet0: .* on virtio_pci' fbpci.log)
msix=$(sed -n 's/.*virtio-blk0 (00:01.0): \([0-9]*\) interrupts by MSI-X.*/\1/p' err.log)
if fb_has_marker fbpci.log && [ $st -eq 0 ] && [ -n "$blk" ] && [ -n "$net" ] &&
   grep -q '^its0: ' fbpci.log && [ "${msix:-0}" -gt 0 ]; then
  pass freebsd-virtio-pci "init ${took:-?} s after start; $blk; $net; $(grep -m1 '^its0: ' fbpci.log); vtblk0 took $msix MSI-X interrupts"
else
  fail freebsd-virtio-pci "exit $st, init ${took:-never}, MSI-X ${msix:-none}: $(grep -E 'vtblk|vtnet|its0|virtio_pci|panic' fbpci.log | head -n 5 | tr '\n' ' ')"
  tail -n 25 fbpci.log | sed "s/^/  | /"
fi
