# limit: 600
# Firmware built for QEMU's virt board finds a64vm's virtio-pci disk:
# Debian's u-boot enumerates the bus (pci enum; pci lists 1af4:1042 at
# 00.01.00), virtio scan finds the disk and u-boot boots Linux from it;
# Debian's EDK2 (AAVMF) enumerates the bus, drives the disk with its
# virtio-pci driver and boots GRUB and Linux from it. Each Linux sees vda
# under the PCI host bridge, and EDK2's shell lists the bus (pci).
vda_on_pci() { # CHECK-NAME: Linux's vda sits under the host bridge
  # This init loads the virtio modules only for its tests: load them here.
  type_line 'for p in 1 2; do for m in /lib/modules/extra/*.ko; do insmod $m 2>/dev/null; done; done; sleep 1'
  type_line 'echo "VDA-AT $(readlink -f /sys/block/vda) END"'
  if wait_for '^VDA-AT .* END' 30 && tr -d '\r' <out.log | grep -q '^VDA-AT /sys/devices/.*/pci0000:00/0000:00:01\.0/virtio'; then
    pass "$1" "$(tr -d '\r' <out.log | grep '^VDA-AT ' | head -1)"
  else
    fail "$1" "$(tr -d '\r' <out.log | grep '^VDA-AT ' | head -1)"
  fi
}

vm_start --firmware /guest/fw/u-boot.bin --disk /dev/vda,ro,transport=pci --mem 512M
if ! wait_for 'Hit any key to stop autoboot' 120; then
  fail uboot-pci-prompt "no u-boot prompt"; show_logs; vm_wait 1; return
fi
type_line ''
wait_for '=> ' 30
type_line 'pci enum; pci'
if wait_for '^00\.01\.00 *0x1af4 *0x1042' 30; then
  pass uboot-pci-virtio-listed "$(tr -d '\r' <out.log | grep -a '^00\.0[01]\.00' | tr -s ' ' | tr '\n' ';')"
else
  fail uboot-pci-virtio-listed "$(tr -d '\r' <out.log | tail -n 6 | tr '\n' ' ')"
fi
type_line 'virtio scan; virtio info'
wait_for 'Device 0: .*Block Device' 30 &&
  pass uboot-pci-virtio-scan "$(grep -a 'Device 0:' out.log | head -n1 | tr -d '\r')" ||
  fail uboot-pci-virtio-scan "$(tail -n 5 out.log)"
t0=$(now)
type_line 'setenv bootargs console=ttyAMA0 quiet; load virtio 0:1 ${kernel_addr_r} vmlinuz; load virtio 0:1 ${ramdisk_addr_r} initrd.gz; booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}'
if wait_for 'A64VM-GUEST-INIT uptime=[0-9.]* cpus=[0-9-]* date' 180; then
  pass uboot-pci-boots-linux "init $(elapsed "$t0") s after booti, from the virtio-pci disk"
  vda_on_pci uboot-pci-linux-vda
else
  fail uboot-pci-boots-linux "no Linux init"; show_logs
fi
type_line 'poweroff -f'
vm_wait 30

cp /guest/fw/AAVMF_VARS.fd vars.fd
vm_start --flash0 /guest/fw/AAVMF_CODE.fd,ro --flash1 vars.fd --mem 512M \
  --virtio-transport pci --disk /dev/vda,ro
if wait_for 'A64VM-GUEST-INIT uptime=[0-9.]* cpus=[0-9-]* date' 300; then
  pass edk2-pci-grub-linux "Linux init $(elapsed "$VM_T0") s after a64vm started, from the virtio-pci disk"
  note "edk2-pci-grub-linux-init seconds=$(elapsed "$VM_T0")"
  vda_on_pci edk2-pci-linux-vda
else
  fail edk2-pci-grub-linux "no Linux init"; show_logs
fi
type_line 'poweroff -f'
vm_wait 30

# EDK2's own view: its shell's pci command lists what it enumerated.
cp /guest/fw/AAVMF_VARS.fd vars2.fd
vm_start --flash0 /guest/fw/AAVMF_CODE.fd,ro --flash1 vars2.fd --mem 512M --rng
if wait_for 'Shell> ' 240; then
  sleep 1
  printf 'pci\r' >&3
  if wait_for 'Vendor 1AF4 Device 1044' 30; then
    pass edk2-pci-shell-lists "$(tr -d '\r' <out.log | tr -d '\033' | sed 's/\[[0-9;]*m//g' |
      grep -a -A1 '==>' | tr -s ' ' | tr '\n' ' ')"
  else
    fail edk2-pci-shell-lists "$(tr -d '\r' <out.log | tail -n 8 | tr '\n' ' ')"
  fi
else
  fail edk2-pci-shell-lists "no UEFI shell"; show_logs
fi
printf 'reset -s\r' >&3
vm_wait 60
