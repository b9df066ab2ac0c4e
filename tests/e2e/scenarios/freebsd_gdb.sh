# limit: 360
# GDB on FreeBSD's kernel: a64vm holds the guest before its first
# instruction; gdb-multiarch, outside the test host, with the kernel ELF's
# symbols, breaks on mi_startup and on sys_getpid (init's getpid), shows
# registers and backtraces, steps and detaches (tests/gdb/freebsd.py).
# Then the boot must complete.
fb_missing freebsd-gdb && return
cp $FB/root.img root.img
vm_start --kernel $FB/kernel.bin --disk root.img --mem 512M --gdb tcp:0.0.0.0:1234 \
  --gdb-wait --append "FreeBSD:vfs.root.mountfrom=ufs:/dev/vtbd0"
gdb_ready gdb_freebsd
if ! wait_debugger_gone 300; then
  fail freebsd-gdb-boot-completes "the debugger did not leave"; show_logs
  kill -KILL $VM_PID; vm_wait 10; return
fi
wait_for FREEBSD 120
vm_wait 60; st=$?
tr -d '\r' <out.log >fbg.log
if fb_has_marker fbg.log && [ $st -eq 0 ]; then
  pass freebsd-gdb-boot-completes "init's marker after GDB left, exit 0"
else
  fail freebsd-gdb-boot-completes "exit $st"; show_logs
fi
