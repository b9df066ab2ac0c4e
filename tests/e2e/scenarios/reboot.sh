# limit: 240
# A guest that reboots itself 20 times (PSCI SYSTEM_RESET, 4 vCPUs), then
# powers off: exit 0, and a64vm has the same threads and files after the
# reboots as before them.
vm_start --kernel /guest/reboot_guest.img --cpus 4 --mem 64M
counts() { echo "fds=$(ls /proc/$VM_PID/fd | wc -l) tasks=$(ls /proc/$VM_PID/task | wc -l)"; }
if wait_for 'REBOOT-GUEST boot=1$' 60; then
  before=$(counts)
else
  before="none"
fi
wait_for 'REBOOT-GUEST boot=21' 180 && after=$(counts) || after="none"
vm_wait 60; st=$?
boots=$(grep -c 'REBOOT-GUEST boot=' out.log)
note "reboot before: $before after: $after boots=$boots"
if [ $st -eq 0 ] && [ "$boots" -eq 21 ] && [ "$before" = "$after" ] && [ "$before" != none ]; then
  pass reboot-20-times "exit 0, $boots boots, $after before and after"
else
  fail reboot-20-times "exit $st, $boots boots, before '$before' after '$after'"; show_logs
fi

# A reboot reads the kernel and device tree again on the confined main
# thread: a gzip kernel that inflates far more than 4x, and a device tree of
# 1 MiB, must not need a call its filter forbids (realloc's mremap did).
reboot_twice() { # NAME ARGS...
  name=$1; shift
  vm_start --cpus 1 --mem 64M --control "$PWD/ctl.sock" "$@"
  # three boots (a 16 MiB kernel covers the count the guest keeps in RAM)
  if wait_for 'REBOOT-GUEST boot=' 90 3; then
    /a64vm ctl "$PWD/ctl.sock" quit >/dev/null
    vm_wait 30; st=$?
  else
    vm_wait 1; st=$?
  fi
  if [ $st -eq 0 ] && ! grep -q seccomp err.log; then
    pass "$name" "two reboots, exit 0"
  else
    fail "$name" "exit $st, $(grep -c 'REBOOT-GUEST boot=' out.log) boots: $(head -c 300 err.log)"
  fi
}
cp /guest/reboot_guest.img padded.img
dd if=/dev/zero of=padded.img bs=1M count=0 seek=16 2>/dev/null
printf '\000\000\000\001' | dd of=padded.img bs=1 seek=16 conv=notrunc 2>/dev/null # image_size 16 MiB
gzip -9 -c padded.img >kernel.gz
note "reboot gzip kernel: $(wc -c <kernel.gz) bytes for $(wc -c <padded.img)"
reboot_twice reboot-gzip-kernel --kernel kernel.gz
/a64vm run --kernel /guest/reboot_guest.img --mem 64M --dump-dtb big.dtb </dev/null
printf '\000\021\000\000' | dd of=big.dtb bs=1 seek=4 conv=notrunc 2>/dev/null # totalsize
dd if=/dev/zero of=big.dtb bs=1 count=0 seek=1114112 2>/dev/null
reboot_twice reboot-1mib-dtb --kernel /guest/reboot_guest.img --dtb big.dtb
