# Second GDB session on gdb_guest, after the first left and a broken client
# came and went: the guest ran on in between; monitor reset; then the NISV
# stop, answered with the abort; a checkpoint and rewinds between (monitor
# rewind, reverse-continue, vm-rewind).
import os
import sys

sys.path.insert(0, os.environ["A64VM_GDB_DIR"])
from common import (check, connect, flush_registers, last_stop, pc,  # noqa: E402
                    registers, run, sym, val)

out = connect()
with open(os.environ["A64VM_GDB_STATE"]) as f:
    ticks = int(f.read())
check("reattach", val("ticks") > ticks,
      "ticks at detach %d, at re-attach %d; %s" % (ticks, val("ticks"), out))

# monitor reset: the guest boots again and stays stopped for GDB.
out = run("monitor reset")
flush_registers()
check("monitor-reset", "guest reset" in out and pc() == 0x40000000,
      "pc %#x: %s" % (pc(), out))
# A checkpoint at the entry; the first tick; monitor rewind: GDB (its
# register cache flushed, as tools/a64vm.gdb's vm-rewind does) sees the
# entry again, and continuing reaches the same tick with the same registers.
out = run("monitor checkpoint boot")
check("monitor-checkpoint", "checkpoint boot taken" in out, out)
run("break tick")
run("continue")
first = registers()
out = run("monitor rewind boot")
flush_registers()
back = pc()
run("continue")
again = registers()
run("delete")
differ = [r for r in first if first[r] != again.get(r)]
check("monitor-rewind", "rewound to boot" in out and back == 0x40000000 and
      first["pc"] == sym("tick") and not differ,
      "%s; pc after the rewind %#x; at tick again: %d registers (x0-x30, sp, pc) "
      "the same, differing: %s" % (out, back, len(first) - len(differ), differ))
check("after-reset", pc() == sym("tick") and val("ticks") == 0,
      "pc %#x, ticks %d" % (pc(), val("ticks")))

# reverse-continue from the breakpoint at tick: the VM goes back to its
# bookmark (the checkpoint last rewound to) and the stub reports a stop, so
# GDB reads the registers again by itself (nothing flushed); continuing
# reaches tick with the same registers. Then tools/a64vm.gdb's vm-rewind.
run("break tick")
run("reverse-continue")  # GDB prints "No more reverse-execution history." to its log
stop, back = last_stop(), pc()
run("continue")
again = registers()
differ = [r for r in first if first[r] != again.get(r)]
check("reverse-continue", stop == "stop" and back == 0x40000000 and not differ,
      "GDB's stop event: %s (no signal: the end of its history); pc after it %#x (GDB not "
      "told to flush); at tick again: differing %s" % (stop, back, differ))
run("source %s/../../tools/a64vm.gdb" % os.environ["A64VM_GDB_DIR"])
out = run("vm-rewind boot")
stop, back = last_stop(), pc()
run("continue")
again = registers()
run("delete")
differ = [r for r in first if first[r] != again.get(r)]
check("vm-rewind", "goes back to checkpoint boot" in out and stop == "stop" and
      back == 0x40000000 and not differ,
      "%s; stop event %s, pc after it %#x; at tick again: differing %s" % (out, stop, back, differ))

# finish: the guest performs an LDP on the test device, which KVM cannot
# decode; with --nisv=stop GDB gets SIGBUS on that very instruction.
run("set var finish = 1")
run("continue")
insn = run("x/i $pc")
check("nisv-sigbus", last_stop() == "signal SIGBUS" and "ldp" in insn
      and sym("nisv_access") <= pc() < sym("nisv_access") + 64,
      "%s at %s" % (last_stop(), insn))
out = run("monitor info nisv")
check("monitor-info-nisv", "1 stopped" in out, out)

# signal SIGBUS: the guest gets the external abort it would have had; its
# handler skips the instruction, and the guest says goodbye and powers off;
# the scenario checks aborts=1 and exit 0 in the guest's output.
run("set var expect_abort = 1")
run("signal SIGBUS")
