# limit: 240
# FreeBSD with no root device waits at its mountroot> prompt, reading the
# PL011. There: its console input ('?' lists the disks); SIGTERM's power
# button, which FreeBSD 13.2 GENERIC does not handle (no gpio-keys
# driver), so a64vm stops it after --shutdown-timeout; and an aborted
# prompt's panic, whose automatic reboot is PSCI SYSTEM_RESET: a second
# boot in the same a64vm, where the root is given by hand.
fb_missing freebsd-events && return
cp $FB/root.img root.img
# The panic reboots after 1 s, not the default 15.
vm_start --kernel $FB/kernel.bin --disk root.img --mem 512M --verbose \
  --append "FreeBSD:vfs.root.mountfrom=ufs:/dev/vtbd7 kern.panic_reboot_wait_time=1"
if ! wait_for '^mountroot> ' 120; then
  fail freebsd-mountroot-prompt "no prompt"; show_logs; vm_wait 1; return
fi
sleep 1
printf '?\r' >&3
if wait_for 'List of GEOM managed disk devices' 20 && wait_for '^mountroot> ' 20 2; then
  pass freebsd-console-input "'?' at mountroot>: $(grep -a -A1 'List of GEOM' out.log | tail -n 1 | tr -d '\r')"
else
  fail freebsd-console-input "no answer to '?'"; show_logs
fi
printf '\r' >&3 # abort: "mountroot: unable to (re-)mount root." and a reboot
if wait_for '^mountroot> ' 120 3; then
  sleep 1
  printf 'ufs:/dev/vtbd0\r' >&3
fi
wait_for FREEBSD 120
vm_wait 60; st=$?
tr -d '\r' <out.log >fbr.log
boots=$(grep -c '^FreeBSD 13.2-RELEASE' fbr.log)
if grep -q 'panic: mountroot: unable to (re-)mount root' fbr.log &&
   grep -q 'guest reboot 1' err.log && [ "$boots" -eq 2 ] && fb_has_marker fbr.log &&
   [ $st -eq 0 ]; then
  pass freebsd-reboot "panic, automatic reboot through PSCI SYSTEM_RESET, $boots boots, init, exit 0"
else
  fail freebsd-reboot "$boots boots, exit $st: $(grep -E '^panic|Automatic reboot|Rebooting' fbr.log | head -n 3 | tr '\n' ' ')"
  tail -n 12 fbr.log | sed "s/^/  | /"
fi

vm_start --kernel $FB/kernel.bin --mem 512M --shutdown-timeout 3
if wait_for '^mountroot> ' 120; then
  sleep 1
  t0=$(now)
  kill -TERM $VM_PID
  vm_wait 30; st=$?
  took=$(elapsed "$t0")
  if [ $st -eq 143 ] && grep -q 'the guest did not power off in time' err.log; then
    pass freebsd-power-button-unhandled "FreeBSD ignores the button; exit 143 ${took} s after SIGTERM (--shutdown-timeout 3)"
  else
    fail freebsd-power-button-unhandled "exit $st ${took} s after SIGTERM"; show_logs
  fi
else
  fail freebsd-power-button-unhandled "no mountroot> prompt"; show_logs; vm_wait 1
fi
