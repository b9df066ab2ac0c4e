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
