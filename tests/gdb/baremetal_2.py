# Second GDB session on gdb_guest, after the first left and a broken client
# came and went: the guest ran on in between; then the NISV stop.
import os
import sys

sys.path.insert(0, os.environ["A64VM_GDB_DIR"])
from common import (check, connect, flush_registers, last_stop, pc, run,  # noqa: E402
                    sym, val)

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
run("break tick")
run("continue")
run("delete")
check("after-reset", pc() == sym("tick") and val("ticks") == 0,
      "pc %#x, ticks %d" % (pc(), val("ticks")))

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

run("set var $pc = $pc + 4")
out = run("detach")
check("detach-runs-on", "Detaching" in out or "detached" in out.lower(), out)
