# limit: 200
# --console virtio: a shell on the guest's hvc0 gets what is typed into
# a64vm and answers through it; the PL011 gets nothing.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --console virtio \
  --append "console=ttyAMA0 quiet a64vm.test=hvc"
if ! wait_for HVC-UP 150; then
  fail virtio-console "hvc0 said nothing"; show_logs; vm_wait 1; return
fi
type_line 'echo "HVC-SUM $((6 * 7)) on $(tty)"'
if wait_for "HVC-SUM 42 on /dev/hvc0" 30; then
  pass virtio-console "typed into a64vm, answered on hvc0: $(grep -a 'HVC-SUM 42' out.log | tr -d '\r')"
else
  fail virtio-console "no answer from the shell on hvc0"; show_logs
fi
type_line "poweroff -f"
vm_wait 30; st=$?
[ $st -eq 0 ] && pass virtio-console-poweroff "exit 0" || fail virtio-console-poweroff "exit status $st"
