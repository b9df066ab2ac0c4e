# GDB against a Linux guest booted with nokaslr: break on a kernel function
# (its address from the guest's own symbol table), step, continue.
import os
import sys

sys.path.insert(0, os.environ["A64VM_GDB_DIR"])
from common import check, connect, last_stop, pc, run, val  # noqa: E402

addr = int(os.environ["A64VM_KSYM_ADDR"], 16)
name = os.environ["A64VM_KSYM_NAME"]
out = connect()
run("set architecture aarch64")
out = run("break *%#x" % addr)
run("continue")
check("linux-break", pc() == addr and last_stop() == "breakpoint",
      "%s at %#x: %s at pc %#x" % (name, addr, last_stop(), pc()))
el = (val("$cpsr") >> 2) & 3
check("linux-el1", el == 1, "cpsr %#x" % val("$cpsr"))
out = run("bt 3")
check("linux-backtrace", "#0" in out, out)
run("delete")
before = pc()
run("stepi")
check("linux-step", pc() != before and pc() >= 0xFFFF000000000000,
      "%#x -> %#x" % (before, pc()))
out = run("detach")
check("linux-detach", "Detaching" in out or "detached" in out.lower(), out)
