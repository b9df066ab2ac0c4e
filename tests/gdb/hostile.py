#!/usr/bin/env python3
"""A broken GDB client against a64vm's stub: bad checksums, malformed hex,
an overlong packet, watchpoints no hardware can watch, a second debugger,
and a connection dropped mid-packet.
Each check prints one E2E-RESULT line."""
import socket
import sys
import time

port = int(sys.argv[1])


def report(name, ok, detail=""):
    print("E2E-RESULT gdb-hostile-%s %s %s" % (name, "PASS" if ok else "FAIL",
                                               detail), flush=True)


def frame(payload):
    return b"$%s#%02x" % (payload, sum(payload) & 0xFF)


def recv_some(s, timeout=10.0):
    s.settimeout(timeout)
    data = b""
    end = time.time() + timeout
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
        if data.endswith(b"-") or (b"#" in data and len(data) - data.rindex(b"#") >= 3):
            break
    return data


s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(b"$g#00")
got = recv_some(s)
report("bad-checksum", got == b"-", repr(got[:40]))

s.sendall(frame(b"mzz,4"))
got = recv_some(s)
report("malformed-hex", got.startswith(b"+$E"), repr(got[:40]))

s.sendall(frame(b"Mffff,2:zz"))
got = recv_some(s)
report("malformed-write", got.startswith(b"+$E"), repr(got[:40]))

s.sendall(b"$" + b"m" * 40000 + b"#00")
got = recv_some(s)
report("overlong", got == b"-", repr(got[:40]))

# Watchpoint lengths no hardware can watch: an error, at once (these hung
# the main loop or wrapped into the debug registers).
for name, pkt in (("watch-huge-length", b"Z2,0,8000000000000001"),
                  ("watch-wrapping-length", b"Z2,1007,ffffffffffffffff")):
    t0 = time.time()
    s.sendall(frame(pkt))
    got = recv_some(s)
    report(name, got.startswith(b"+$E"), "%r in %.1f s" % (got[:40], time.time() - t0))

s.sendall(frame(b"qAttached"))
got = recv_some(s)
report("still-answers", got == b"+$1#31", repr(got[:40]))

second = socket.create_connection(("127.0.0.1", port), timeout=30)
second.settimeout(10)
try:
    refused = second.recv(100) == b""
except (socket.timeout, ConnectionResetError):
    refused = False
report("one-debugger-at-a-time", refused, "a second connection was closed")
second.close()

# While the guest runs, only Ctrl-C is valid (all-stop).
s.sendall(frame(b"c"))
got = recv_some(s, 2)
s.sendall(frame(b"g"))
got += recv_some(s)
report("running-refuses-packets", got == b"+" + b"+" + frame(b"E10"), repr(got[:40]))
s.sendall(b"\x03")
got = recv_some(s)
report("ctrl-c-stop-reply", got.startswith(b"$T02thread:"), repr(got[:40]))

# Half a packet, then gone: the next session checks the guest ran on.
s.sendall(b"$m400000")
s.close()
