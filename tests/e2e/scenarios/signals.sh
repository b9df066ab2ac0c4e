# limit: 200
# SIGTERM presses the power button: a Linux guest powers off cleanly (exit
# 0). A guest that ignores the button is stopped after --shutdown-timeout
# (143). SIGINT stops at once (130). SIGQUIT logs each vCPU's state.
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
took=$(elapsed "$t0")
# The grace is at least what was asked (it once ended after 1.3 s of 2).
if [ $st -eq 143 ] && grep -q 'did not power off in time' err.log &&
   awk -v t="$took" 'BEGIN { exit !(t >= 2) }'; then
  pass sigterm-grace-expires "exit 143 after ${took}s (a 2 s grace)"
else
  fail sigterm-grace-expires "exit status $st after ${took}s (a 2 s grace)"; show_logs
fi

vm_start --kernel /guest/stress_guest.img --cpus 2 --mem 64M
wait_for 'STRESS-GUEST READY' 60
# SIGQUIT logs where each vCPU is (a PC in the guest's RAM) and the guest
# runs on.
kill -QUIT $VM_PID
wait_err 'SIGQUIT: MMIO' 10
got=$(grep -c 'SIGQUIT: vCPU [01]: PC 0x4[0-9a-f]\{7\} EL1h .*; exits: mmio [0-9]' err.log)
# Then the MMIO accesses a64vm answered: the guest printed through the PL011.
mmio=$(sed -n 's/.*SIGQUIT: MMIO accesses a64vm answered, by device: //p' err.log)
if [ "$got" -eq 2 ] && kill -0 $VM_PID 2>/dev/null && echo "$mmio" | grep -q 'pl011 [1-9]'; then
  pass sigquit-reports-vcpus "$(grep 'SIGQUIT: vCPU 0' err.log | sed 's/.*SIGQUIT: //'); MMIO by device: $mmio"
else
  fail sigquit-reports-vcpus "$got of 2 vCPUs reported: $(grep SIGQUIT err.log | tr '\n' ' ')"
fi
kill -INT $VM_PID
vm_wait 30; st=$?
[ $st -eq 130 ] && pass sigint-stops "exit 130" || fail sigint-stops "exit status $st"

# A console nobody reads: a64vm's output pipe fills while the guest prints.
# The printing vCPU used to block in write() inside the one board lock, and
# the main loop's tick, the control socket and SIGTERM then hung behind it.
# Output must be held a moment, then dropped (counted, logged); the rest of
# a64vm goes on.
rm -f stuck
mkfifo stuck
( exec 7<stuck; sleep 300 ) &
holder=$!
/a64vm run --kernel /guest/chatty_guest.img --mem 64M --shutdown-timeout 2 \
  --control "$PWD/c.sock" </dev/null >stuck 2>stuck.err &
VM_PID=$!
# Each step waits for a state, and a failure says which one was not reached.
why=
deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled 60) ))
until grep -q 'nobody reads' stuck.err; do
  [ "$(cut -d. -f1 /proc/uptime)" -ge $deadline ] && { why="the output never filled"; break; }
  sleep 0.2
done
# The control socket answers while output is dropped (asked until it does).
answer=
deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled 30) ))
until echo "$answer" | grep -q '"state"'; do
  if [ "$(cut -d. -f1 /proc/uptime)" -ge $deadline ]; then
    why="${why:+$why; }no status from the control socket: $answer"; break
  fi
  answer=$(timeout $(scaled 5) /a64vm ctl "$PWD/c.sock" status 2>&1 | head -c 80)
done
t0=$(now)
kill -TERM $VM_PID
vm_wait 60; st=$?
took=$(elapsed "$t0")
kill $holder 2>/dev/null
[ $st -eq 143 ] || why="${why:+$why; }exit $st (124: hung) ${took} s after SIGTERM"
grep -q 'did not power off in time' stuck.err || why="${why:+$why; }no grace expired"
grep -q 'bytes of guest output were dropped' stuck.err || why="${why:+$why; }no count of dropped output"
if [ -z "$why" ]; then
  pass console-unread-never-blocks "exit 143 ${took} s after SIGTERM; $(grep -o '[0-9]* bytes of guest output were dropped' stuck.err)"
else
  fail console-unread-never-blocks "$why; $(head -c 300 stuck.err)"
fi
