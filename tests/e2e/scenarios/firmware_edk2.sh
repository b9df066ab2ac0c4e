# limit: 600
# Debian's EDK2 for QEMU's virt board (qemu-efi-aarch64: AAVMF_CODE.fd
# read-only, a copy of AAVMF_VARS.fd writable), unchanged.
CODE=/guest/fw/AAVMF_CODE.fd
cp /guest/fw/AAVMF_VARS.fd vars.fd
# Without a disk EDK2 ends in its shell; a variable set there must be in
# the variable store at the next start.
vm_start --flash0 $CODE,ro --flash1 vars.fd --mem 512M
if wait_for 'Shell> ' 240; then
  pass edk2-shell "$(elapsed "$VM_T0") s to the UEFI shell"
  note "edk2-shell seconds=$(elapsed "$VM_T0")"
else
  fail edk2-shell "no UEFI shell"; show_logs
fi
# The variable lives under a64vm's own GUID: EDK2 refuses unknown names
# under the EFI global one.
GUID=a64b4d00-0000-4000-8000-000000000001
sleep 1
prompts=$(grep -c 'Shell> ' out.log)
printf 'setvar A64VMTEST -nv -bs -guid %s =61363476\r' $GUID >&3
wait_for 'Shell> ' 60 $((prompts + 1)) # the next prompt: setvar is done
sum0=$(sha256sum </guest/fw/AAVMF_VARS.fd)
printf 'reset -s\r' >&3
vm_wait 60; st=$?
[ $st -eq 0 ] && [ "$(sha256sum <vars.fd)" != "$sum0" ] &&
  pass edk2-reset-s-writes-vars "exit 0, the variable store file changed" ||
  fail edk2-reset-s-writes-vars "exit $st"
vm_start --flash0 $CODE,ro --flash1 vars.fd --mem 512M
if wait_for 'Shell> ' 240; then
  sleep 1
  printf 'dmpstore A64VMTEST -guid %s\r' $GUID >&3
  wait_for '00000000: 61 36 34 76' 20 &&
    pass edk2-variable-persists "$(tr -d '\r' <out.log | grep -a '00000000: 61 36 34 76')" ||
    fail edk2-variable-persists "$(tr -d '\r' <out.log | tail -n 8 | tr '\n' ' ')"
else
  fail edk2-variable-persists "no UEFI shell the second time"
fi
printf 'reset -s\r' >&3
vm_wait 60

# A GPT disk (on virtio-mmio; firmware_pci: on PCI) whose EFI system
# partition holds Debian's GRUB, which boots Debian's kernel: Linux userspace.
cp /guest/fw/AAVMF_VARS.fd vars2.fd
vm_start --flash0 $CODE,ro --flash1 vars2.fd --disk /dev/vda,ro,transport=mmio --mem 512M \
  --control /tmp/edk2.sock
if wait_for 'A64VM-GUEST-INIT uptime=[0-9.]* cpus=[0-9-]* date' 300; then
  pass edk2-grub-linux "Linux init $(elapsed "$VM_T0") s after a64vm started"
  note "edk2-grub-linux-init seconds=$(elapsed "$VM_T0")"
  note_nisv edk2-grub /tmp/edk2.sock
else
  fail edk2-grub-linux "no Linux init"; show_logs
fi
type_line 'poweroff -f'
vm_wait 30

# Direct boot through fw_cfg: EDK2 starts the kernel's EFI stub itself.
vm_start --firmware $CODE --kernel $GUEST_KERNEL --initrd $GUEST_INITRD \
  --append "console=ttyAMA0 quiet" --mem 512M --control /tmp/edk2.sock
if wait_for 'A64VM-GUEST-INIT uptime=[0-9.]* cpus=[0-9-]* date' 300; then
  pass edk2-fw-cfg-linux "Linux init $(elapsed "$VM_T0") s after a64vm started"
  note "edk2-fw-cfg-linux-init seconds=$(elapsed "$VM_T0")"
  note_nisv edk2-fw-cfg /tmp/edk2.sock
else
  fail edk2-fw-cfg-linux "no Linux init"; show_logs
fi
type_line 'poweroff -f'
vm_wait 30
