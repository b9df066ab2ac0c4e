# Helpers for the GDB scripts that gdb-multiarch runs against a64vm's stub
# (python inside GDB). Each check prints one E2E-RESULT line.
import os

import gdb

PORT = os.environ["A64VM_GDB_PORT"]
# The test host's speed against the reference machine, in percent.
SCALE = int(os.environ.get("A64VM_SCALE", "100"))
failures = 0
stops = []


def _on_stop(event):
    """Records why GDB stopped: 'signal SIGINT', 'breakpoint', 'watchpoint'."""
    if isinstance(event, gdb.SignalEvent):
        stops.append("signal " + event.stop_signal)
    elif isinstance(event, gdb.BreakpointEvent):
        kinds = {gdb.BP_BREAKPOINT: "breakpoint", gdb.BP_HARDWARE_BREAKPOINT:
                 "hw-breakpoint", gdb.BP_HARDWARE_WATCHPOINT: "watchpoint"}
        stops.append(kinds.get(event.breakpoint.type, "other-breakpoint"))
    else:
        stops.append("stop")


gdb.events.stop.connect(_on_stop)


def last_stop():
    return stops[-1] if stops else "none"


def run(cmd):
    """A GDB command's output; a GDB error comes back as text, not raised."""
    try:
        return gdb.execute(cmd, to_string=True)
    except gdb.error as e:
        return "GDB-ERROR: %s" % e


def check(name, ok, detail=""):
    global failures
    detail = " ".join(str(detail).split())[:300]
    print("E2E-RESULT gdb-%s %s %s" % (name, "PASS" if ok else "FAIL", detail),
          flush=True)
    if not ok:
        failures += 1


def skip(name, reason):
    print("E2E-RESULT gdb-%s SKIP %s" % (name, reason), flush=True)


def val(expr):
    try:
        return int(gdb.parse_and_eval(expr)) & 0xFFFFFFFFFFFFFFFF
    except gdb.error:
        return -1


def pc():
    return val("$pc")


def sym(name):
    return val("&%s" % name)


def connect():
    run("set pagination off")
    run("set confirm off")
    # Emulated hosts are slow: no retransmission while a reply is on its way.
    run("set remotetimeout %d" % (20 * SCALE // 100))
    run("set debug remote 1")  # the handshake goes to the transcript
    out = run("target remote 127.0.0.1:%s" % PORT)
    run("set debug remote 0")
    return out


def continue_with_ctrl_c(seconds):
    """continue, and press Ctrl-C (SIGINT to GDB) after seconds."""
    run("shell (sleep %d; kill -INT $PPID) &" % seconds)
    return run("continue")


def registers():
    """The stopped thread's x0-x30, sp and pc, by name."""
    names = ["x%d" % n for n in range(31)] + ["sp", "pc"]
    return {n: val("$" + n) for n in names}


def flush_registers():
    """After monitor reset or rewind: GDB must forget the registers it cached."""
    run("maintenance flush register-cache")
