# limit: 300
# The control socket with a Linux guest: reset reboots it, powerdown
# presses the power button and it powers off cleanly.
SOCK=/tmp/linux.sock
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 \
  --control $SOCK --append "console=ttyAMA0 quiet"
if ! wait_for A64VM-GUEST-INIT 150; then
  fail control-reset "no guest init within 150 s"; show_logs; vm_wait 1; return
fi
/a64vm ctl $SOCK reset >reply.txt
if grep -q '"ok":true' reply.txt && wait_for A64VM-GUEST-INIT 150 2 &&
   /a64vm ctl $SOCK status | grep -q '"reboots":1'; then
  pass control-reset "the guest booted again"
else
  fail control-reset "$(cat reply.txt)"; show_logs
fi
wait_for A64VM-GUEST-POWERBTN-READY 60 2
/a64vm ctl $SOCK powerdown >reply.txt
vm_wait 60; st=$?
if [ $st -eq 0 ] && grep -q A64VM-GUEST-POWER-BUTTON out.log; then
  pass control-powerdown "clean poweroff, exit 0"
else
  fail control-powerdown "exit status $st, reply $(cat reply.txt)"; show_logs
fi
