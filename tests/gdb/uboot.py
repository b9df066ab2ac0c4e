# GDB on u-boot from its reset vector (a64vm --flash0 u-boot --gdb-wait):
# steps, then a hardware and a software breakpoint in flash.
import os
import sys

sys.path.insert(0, os.environ["A64VM_GDB_DIR"])
from common import (check, connect, flush_registers, last_stop, pc, run,  # noqa: E402
                    val)

FLASH_END = 0x8000000

out = connect()
check("uboot-reset-vector", pc() == 0, "pc %#x; %s" % (pc(), out))
mmu = val("$cpsr")
insn = run("x/i $pc")
pcs = []
for _ in range(6):
    run("stepi")
    pcs.append(pc())
check("uboot-step-reset-code", all(0 < p < FLASH_END for p in pcs) and len(set(pcs)) > 3,
      "%s; first: %s" % (" ".join("%#x" % p for p in pcs), insn.strip()))

# Back to the reset vector: the same path again, now to the breakpoints.
out = run("monitor reset")
flush_registers()
check("uboot-monitor-reset", pc() == 0, "pc %#x: %s" % (pc(), out.strip()))
run("hbreak *%#x" % pcs[2])
run("continue")
check("uboot-hw-breakpoint-in-flash", pc() == pcs[2] and last_stop() == "hw-breakpoint",
      "%s at %#x, want %#x" % (last_stop(), pc(), pcs[2]))
run("delete")
run("break *%#x" % pcs[5])
run("continue")
check("uboot-sw-breakpoint-in-flash", pc() == pcs[5] and last_stop() == "breakpoint",
      "%s at %#x, want %#x" % (last_stop(), pc(), pcs[5]))
# The breakpoint's BRK is in what the guest reads; GDB shows the original.
shown = run("x/i $pc")
check("uboot-sw-breakpoint-hidden", "brk" not in shown, shown.strip())
run("delete")
out = run("detach")
check("uboot-detach", "Detaching" in out or "detached" in out, out.strip())
