# First GDB session on gdb_guest (a64vm --gdb-wait, 2 vCPUs, --nisv=stop).
import os
import sys

sys.path.insert(0, os.environ["A64VM_GDB_DIR"])
from common import (check, connect, continue_with_ctrl_c, flush_registers,  # noqa: E402
                    last_stop, pc, run, skip, sym, val)

# The guest's SVE vector length, as a64vm reported it (0: no SVE).
SVE_BITS = int(os.environ.get("A64VM_SVE_BITS") or 0)

out = connect()
check("wait-at-entry", pc() == 0x40000000, "pc %#x; %s" % (pc(), out))
xml = run("maint print raw-registers")
want = ("z31", "p15", "ffr", "vg") if SVE_BITS else ("v31",)
check("target-description", all(r in xml for r in want + ("fpcr", "cpsr")),
      "SVE %d bits; registers GDB knows: %d lines" % (SVE_BITS, len(xml.splitlines())))

run("break tick")
run("continue")
frame = run("frame")
check("break-function", pc() == sym("tick") and last_stop() == "breakpoint"
      and "tick" in frame, "%s: %s" % (last_stop(), frame))

out = run("bt")
check("backtrace", "#0" in out and "tick" in out and "#1" in out and "main" in out, out)
out = run("info registers")
check("registers", all(r in out for r in ("x0 ", "x30", "sp ", "pc ", "cpsr")), out[:200])
out = run("p $v1.d.u[0] = 0x1122334455667788")
check("vector-register", val("$v1.d.u[0]") == 0x1122334455667788, out)


def sve_registers():
    """z0, p0 and ffr written, read back from the vCPU; v0 is z0's low half."""
    dwords = SVE_BITS // 64
    check("sve-vg", val("$vg") == dwords, "vg %d, want %d" % (val("$vg"), dwords))
    saved = [val("$z0.d.u[0]"), val("$z0.d.u[%d]" % (dwords - 1)), val("$p0[0]"),
             val("$ffr[0]")]
    run("set var $z0.d.u[0] = 0x0123456789abcdef")
    run("set var $z0.d.u[%d] = 0xfedcba9876543210" % (dwords - 1))
    run("set var $p0[0] = 0x5a")
    run("set var $ffr[0] = 0x3c")
    flush_registers()  # what follows comes from the vCPU, through KVM
    got = [val("$z0.d.u[0]"), val("$z0.d.u[%d]" % (dwords - 1)), val("$p0[0]"),
           val("$ffr[0]")]
    check("sve-z-p-ffr-write-read", got == [0x0123456789abcdef, 0xfedcba9876543210,
                                            0x5a, 0x3c], "read back %s" % [hex(g) for g in got])
    check("sve-v-is-z-low-half", val("$v0.d.u[0]") == val("$z0.d.u[0]") and
          val("$v0.d.u[1]") == val("$z0.d.u[1]"),
          "v0 %#x %#x, z0 %#x %#x" % (val("$v0.d.u[0]"), val("$v0.d.u[1]"),
                                      val("$z0.d.u[0]"), val("$z0.d.u[1]")))
    run("set var $z0.d.u[0] = %d" % saved[0])
    run("set var $z0.d.u[%d] = %d" % (dwords - 1, saved[1]))
    run("set var $p0[0] = %d" % saved[2])
    run("set var $ffr[0] = %d" % saved[3])


if SVE_BITS:
    sve_registers()
else:
    skip("sve-registers", "the guest has no SVE: the host's KVM does not offer it")

# The secondary vCPU is up once the primary runs: two named threads.
out = run("info threads")
check("threads", "vCPU 0" in out and "vCPU 1" in out, out)
out = run("thread 2")
pc2 = pc()
where = run("info symbol %#x" % pc2)
# vCPU 1 has just been started: it is on its way in, or spinning.
check("thread-2", "secondary_main" in where or "secondary_entry" in where,
      "pc %#x (%s) %s" % (pc2, where.strip(), out))
run("thread 1")

# Steps through straight-line code, with the timer interrupt pending.
run("delete")
run("break *straight_line")
for _ in range(20):
    run("continue")
    if val("irq_count") > 2:
        break
start = pc()
steps = []
for _ in range(16):
    before = pc()
    run("stepi")
    steps.append(pc() - before)
check("step-straight", start == sym("straight_line") and steps == [4] * 16,
      "start %#x, irqs so far %d, step deltas %s" % (start, val("irq_count"), steps))
irqs = val("irq_count")
run("delete")
run("break tick")
for _ in range(3):
    run("continue")
check("step-keeps-interrupts", val("irq_count") > irqs,
      "irq_count %d then %d" % (irqs, val("irq_count")))

# A hardware watchpoint firing on a write.
run("delete")
out = run("watch watched")
check("watch-insert", "Hardware watchpoint" in out, out)
before = val("watched")
run("continue")
frame = run("frame")
check("watch-fires", last_stop() == "watchpoint" and val("watched") != before
      and "touch_watched" in frame, "%s: watched %d -> %d in %s" %
      (last_stop(), before, val("watched"), frame))
run("delete")

# A hardware breakpoint.
run("hbreak tick")
run("continue")
check("hbreak", pc() == sym("tick") and last_stop() == "hw-breakpoint",
      "%s at %#x" % (last_stop(), pc()))
run("delete")

# Writing memory: the guest reacts.
run("set var poke = 0x1234")
run("break tick")
run("continue")
run("continue")
check("write-memory", val("poked") == 1, "poked %d" % val("poked"))
run("delete")

# Ctrl-C while the guest spins.
ticks = val("ticks")
continue_with_ctrl_c(3)
check("ctrl-c", last_stop() == "signal SIGINT" and val("ticks") > ticks,
      "%s; ticks %d -> %d" % (last_stop(), ticks, val("ticks")))

out = run("monitor info vcpus")
check("monitor-info-vcpus", "vCPU 0" in out and "vCPU 1" in out, out)
# One hardware breakpoint more than the host has: a clear error, no harm.
nbps = int(out.split("debug registers: ")[1].split()[0]) if "debug registers: " in out else 0
for i in range(nbps + 1):
    run("hbreak *%#x" % (sym("straight_line") + 4 * i))
before = pc()
out = run("continue")
# GDB prints "Could not insert hardware breakpoint N" and aborts the resume.
check("hbreak-beyond-limit", nbps > 0 and ("Could not insert" in out or
      "Command aborted" in out) and pc() == before,
      "%d registers; %d asked; %s" % (nbps, nbps + 1, out))
run("delete")
out = run("monitor help")
check("monitor-help", "info nisv" in out, out)

with open(os.environ["A64VM_GDB_STATE"], "w") as f:
    f.write("%d\n" % val("ticks"))
out = run("detach")
check("detach", "Detaching" in out or "detached" in out.lower(), out)
