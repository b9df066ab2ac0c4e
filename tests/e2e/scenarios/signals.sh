# limit: 200
# SIGTERM presses the power button: a Linux guest powers off cleanly (exit
# 0). A guest that ignores the button is stopped after --shutdown-timeout
# (143). SIGINT stops at once (130).
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 \
  --append "console=ttyAMA0 quiet"
if ! wait_for A64VM-GUEST-POWERBTN-READY 150; then
  fail sigterm-powers-off "no power-button daemon within 150 s"; show_logs; vm_wait 1; return
fi
kill -TERM $VM_PID
vm_wait 60; st=$?
if [ $st -eq 0 ] && grep -q 'pressed the power button' err.log &&
   grep -q A64VM-GUEST-POWER-BUTTON out.log; then
  pass sigterm-powers-off "the guest powered off: exit 0"
else
  fail sigterm-powers-off "exit status $st"; show_logs
fi

vm_start --kernel /guest/stress_guest.img --cpus 2 --mem 64M --shutdown-timeout 2
wait_for 'STRESS-GUEST READY' 60
t0=$(now)
kill -TERM $VM_PID
vm_wait 30; st=$?
if [ $st -eq 143 ] && grep -q 'did not power off in time' err.log; then
  pass sigterm-grace-expires "exit 143 after $(elapsed "$t0")s"
else
  fail sigterm-grace-expires "exit status $st"; show_logs
fi

vm_start --kernel /guest/stress_guest.img --cpus 2 --mem 64M
wait_for 'STRESS-GUEST READY' 60
kill -INT $VM_PID
vm_wait 30; st=$?
[ $st -eq 130 ] && pass sigint-stops "exit 130" || fail sigint-stops "exit status $st"
