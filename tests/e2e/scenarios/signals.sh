# limit: 120
# SIGTERM stops a running guest at once: exit status 128 + 15, one log line.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 \
  --append "console=ttyAMA0 quiet"
if ! wait_for A64VM-GUEST-INIT 150; then
  fail sigterm-stops "no guest init within 150 s"; show_logs; vm_wait 1; return
fi
t0=$(now)
kill -TERM $VM_PID
vm_wait 20; st=$?
if [ $st -eq 143 ] && grep -q 'terminating on signal 15' err.log; then
  pass sigterm-stops "exit status 143 after $(elapsed "$t0")s"
else
  fail sigterm-stops "exit status $st"; show_logs
fi
