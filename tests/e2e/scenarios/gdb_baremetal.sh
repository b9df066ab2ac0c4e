# limit: 420
# The GDB stub on a bare-metal guest with symbols, driven from outside the
# test host by gdb-multiarch (tests/gdb/drive.sh): two GDB sessions with a
# broken client between them, then the guest finishes on its own.
vm_start --kernel /guest/gdb_guest.img --cpus 2 --mem 64M --testdev \
  --nisv=stop --gdb tcp:0.0.0.0:1234 --gdb-wait --verbose
for _ in $(seq 50); do grep -q "gdb: listening" err.log && break; sleep 0.1; done
sleep 1
if grep -q GDB-GUEST-UP out.log; then
  fail gdb-wait-holds "the guest ran before GDB continued it"
else
  pass gdb-wait-holds "no guest output before GDB attached"
fi
# The SVE vector length the guest got (none: the GDB script skips SVE).
sve_bits=$(sed -n 's/.*SVE: vectors of up to \([0-9]*\) bits.*/\1/p' err.log | head -n1)
gdb_ready gdb_baremetal SVE_BITS=${sve_bits:-0}
vm_wait 400; st=$?
# Up five times: booted, after monitor reset, and again after each of the
# three rewinds to the checkpoint taken at its entry (monitor rewind,
# reverse-continue, vm-rewind).
if [ $st -eq 0 ] && grep -q GDB-GUEST-POKED out.log && grep -q "GDB-GUEST-BYE.* aborts=1" out.log &&
   [ "$(grep -c GDB-GUEST-UP out.log)" -eq 5 ]; then
  pass gdb-guest-finishes "up five times (monitor reset, three rewinds), $(grep GDB-GUEST-BYE out.log), exit 0"
else
  fail gdb-guest-finishes "exit status $st, up $(grep -c GDB-GUEST-UP out.log) times"; show_logs
fi
note "gdb_baremetal a64vm said: $(grep -c 'gdb:' err.log) gdb lines; $(grep -o 'refused a second debugger' err.log | head -1)"
