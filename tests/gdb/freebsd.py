# GDB against FreeBSD's kernel, with the symbols of its ELF: a hardware
# breakpoint on mi_startup (set while the MMU is still off), registers,
# a backtrace and a step there; then a software breakpoint on the getpid
# system call that init makes; detach, and the boot goes on.
import os
import sys

sys.path.insert(0, os.environ["A64VM_GDB_DIR"])
from common import check, connect, last_stop, pc, run, sym, val  # noqa: E402

KERNEL_VA = 0xFFFF000000000000
connect()
run("hbreak mi_startup")
run("continue")
check("freebsd-mi-startup", pc() == sym("mi_startup") and last_stop() == "hw-breakpoint",
      "%s at pc %#x, mi_startup %#x" % (last_stop(), pc(), sym("mi_startup")))
regs = run("info registers")
el = (val("$cpsr") >> 2) & 3
check("freebsd-registers", el == 1 and val("$sp") >= KERNEL_VA and "x30" in regs,
      "EL%d sp %#x x30 %#x" % (el, val("$sp"), val("$x30")))
out = run("bt 4")
check("freebsd-backtrace", "#0" in out and "mi_startup" in out, out)
before = pc()
run("stepi")
check("freebsd-stepi", pc() != before and pc() >= KERNEL_VA, "%#x -> %#x" % (before, pc()))
run("delete")
run("break sys_getpid")
run("continue")
# GDB puts a breakpoint on a function after the prologue it finds.
start = sym("sys_getpid")
check("freebsd-syscall-break", start <= pc() < start + 64 and last_stop() == "breakpoint",
      "%s at pc %#x, sys_getpid %#x" % (last_stop(), pc(), start))
out = run("bt 8")
check("freebsd-syscall-backtrace", "#0" in out and "in sys_getpid" in out.split("#1")[0]
      and "do_el0_sync" in out, out)
run("delete")
out = run("detach")
check("freebsd-detach", "Detaching" in out or "detached" in out.lower(), out)
