# limit: 300
# Debian's u-boot for QEMU's virt board (u-boot-qemu, qemu_arm64), unchanged:
# its prompt; saveenv writes flash 1, and the variable is there in the next
# run even though a64vm was killed with SIGKILL right after; virtio scan
# finds a64vm's virtio-blk on virtio-mmio (firmware_pci: on PCI); u-boot loads Debian's kernel and an initrd
# from the disk's EFI system partition and boots them to Linux userspace.
FW=/guest/fw/u-boot.bin
: >uboot-env.img # an empty file: flash 1 is padded in memory until written
stop_autoboot() { # the prompt, with autoboot stopped
  wait_for 'Hit any key to stop autoboot' 120 || return 1
  type_line ''
  wait_for '=> ' 30
}
vm_start --firmware $FW --flash1 uboot-env.img --mem 256M
if ! stop_autoboot; then
  fail uboot-prompt "no u-boot prompt"; show_logs; vm_wait 1; return
fi
pass uboot-prompt "prompt $(elapsed "$VM_T0") s after a64vm started"
note "uboot-prompt seconds=$(elapsed "$VM_T0")"
type_line 'setenv a64vmtest persisted-42; saveenv'
wait_for 'Writing to Flash\.\.\. done' 60 && wait_for '^OK' 10 &&
  pass uboot-saveenv "$(grep -a -A3 'Saving Environment' out.log | tr -d '\r' | tr '\n' ' ')" ||
  fail uboot-saveenv "$(tail -n 5 out.log)"
kill -KILL $VM_PID; vm_wait 10
size=$(stat -c %s uboot-env.img)

vm_start --firmware $FW --flash1 uboot-env.img --disk /dev/vda,ro,transport=mmio --mem 512M \
  --control /tmp/uboot.sock
if ! stop_autoboot; then
  fail uboot-env-persists "no prompt the second time"; show_logs; vm_wait 1; return
fi
type_line 'printenv a64vmtest'
wait_for 'a64vmtest=persisted-42' 30 &&
  pass uboot-env-persists "after SIGKILL; the flash 1 file grew to $size bytes" ||
  fail uboot-env-persists "$(tail -n 5 out.log)"
# u-boot's PCI: the ECAM host bridge from the device tree, QEMU's root complex.
type_line 'pci enum; pci'
wait_for '^00\.00\.00 *0x1b36 *0x0008' 30 &&
  pass uboot-pci-enum "$(grep -a '^00\.00\.00' out.log | head -n1 | tr -d '\r' | tr -s ' ')" ||
  fail uboot-pci-enum "$(tr -d '\r' <out.log | tail -n 6 | tr '\n' ' ')"
type_line 'virtio scan; virtio info'
wait_for 'Device 0: .*Block Device' 30 &&
  pass uboot-virtio-scan "$(grep -a 'Device 0:' out.log | head -n1 | tr -d '\r')" ||
  fail uboot-virtio-scan "$(tail -n 5 out.log)"
t0=$(now)
type_line 'setenv bootargs console=ttyAMA0 quiet; load virtio 0:1 ${kernel_addr_r} vmlinuz; load virtio 0:1 ${ramdisk_addr_r} initrd.gz; booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdtcontroladdr}'
if wait_for 'A64VM-GUEST-INIT uptime=[0-9.]* cpus=[0-9-]* date' 180; then
  pass uboot-boots-linux "init $(elapsed "$t0") s after booti was typed"
  note "uboot-booti-to-init seconds=$(elapsed "$t0")"
  note_nisv uboot /tmp/uboot.sock
else
  fail uboot-boots-linux "no Linux init"; show_logs
fi
type_line 'poweroff -f'
vm_wait 30; st=$?
[ $st -eq 0 ] && pass uboot-linux-poweroff "exit 0" || fail uboot-linux-poweroff "exit $st"
