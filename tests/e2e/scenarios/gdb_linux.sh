# limit: 360
# GDB on a Linux guest booted with nokaslr: the guest prints where
# __arm64_sys_newuname is (its kallsyms), a userspace loop calls uname(2);
# GDB (outside the test host) breaks there, steps and detaches.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 \
  --gdb tcp:0.0.0.0:1234 --append "console=ttyAMA0 quiet nokaslr a64vm.test=gdb"
if ! wait_for "^KSYM [0-9a-f]\{16\} __arm64_sys_newuname" 150; then
  fail gdb-linux-symbol "the guest did not print its symbol"; show_logs; vm_wait 1; return
fi
set -- $(grep "^KSYM " out.log | head -1 | tr -d '\r')
gdb_ready gdb_linux KSYM_ADDR=$2 KSYM_NAME=$3
wait_debugger_gone 240
n=$(grep -c USER-TICK out.log)
if grep -q "the debugger left" err.log && wait_for USER-TICK 30 $((n + 2)); then
  pass gdb-linux-userspace-runs "USER-TICK $n -> $(grep -c USER-TICK out.log) after the detach"
else
  fail gdb-linux-userspace-runs "no userspace progress after GDB left"; show_logs
fi
kill -KILL $VM_PID; vm_wait 10
