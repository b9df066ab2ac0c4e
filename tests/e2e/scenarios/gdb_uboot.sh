# limit: 300
# GDB on firmware from its first instruction: u-boot in a writable flash 0
# (a copy of Debian's u-boot.bin), held at the reset vector by --gdb-wait.
# GDB (outside the test host, tests/gdb/uboot.py) steps the reset code,
# stops on a hardware and on a software breakpoint in flash, and detaches;
# u-boot then reaches its prompt, and the flash file is byte-identical.
cp /guest/fw/u-boot.bin flash0.img
sum0=$(sha256sum <flash0.img)
vm_start --flash0 flash0.img --mem 256M --gdb tcp:0.0.0.0:1234 --gdb-wait
for _ in $(seq 50); do grep -q "gdb: listening" err.log && break; sleep 0.1; done
gdb_ready gdb_uboot
wait_debugger_gone 240
if wait_for 'Hit any key to stop autoboot' 60; then
  pass gdb-uboot-runs-on "u-boot reached its prompt after the detach"
else
  fail gdb-uboot-runs-on "no u-boot prompt after GDB left"; show_logs
fi
kill -KILL $VM_PID; vm_wait 10
size=$(stat -c %s flash0.img)
[ "$(sha256sum <flash0.img)" = "$sum0" ] &&
  pass gdb-uboot-flash-file-unchanged "$size bytes, same SHA-256 as u-boot.bin" ||
  fail gdb-uboot-flash-file-unchanged "$size bytes, the file changed"
