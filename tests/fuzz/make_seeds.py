#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets (tests/fuzz/corpus): a few
well-formed inputs each, so that fuzzing starts past the first checks.
Run it again after changing a target's input layout."""
import gzip
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
RAM = 0x40000000


def seed(target, name, data):
    if target in ("virtio", "mmu"):
        data = data.rstrip(b"\0")  # the targets read zeros past the end
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def regs():
    """32 X, 32 V (two halves), PC: X0 points at a device, the rest small."""
    x = [0x09000000] + [8 * i for i in range(1, 32)]
    v = [(0x1111111111111111 * (i % 15), i) for i in range(32)]
    return (struct.pack("<32Q", *x) + b"".join(struct.pack("<QQ", *p) for p in v)
            + struct.pack("<Q", 0x40080000))


def a64():
    insns = {"ldp-x": 0xa9410c02, "stp-x": 0xa9000c02, "ldr-q": 0x3dc00000,
             "str-d": 0xfd002001, "ldr-w-post": 0xb8404401, "ldrsb-pre": 0x38c01c01,
             "ldp-q": 0xad400400, "ldr-x-reg": 0xf8616801}
    for name, insn in insns.items():
        seed("a64", name, struct.pack("<IB", insn, 0) + regs() + bytes(range(64)))
    seed("a64", "big-endian-fail", struct.pack("<IB", 0xa9410c02, 0x19) + regs())


def mmu():
    # 4K granule, T0SZ 25: level 1 table at the window's base maps 1 GiB blocks.
    tcr = 25 | (25 << 16) | (2 << 30) | (2 << 32)
    head = struct.pack("<5QB", 0x30d00801 | 1, tcr, RAM, RAM + 0x10000, 0x40001234, 0)
    table = struct.pack("<QQ", 0, RAM | 0x401) + bytes(4096 - 16)
    seed("mmu", "block", head + struct.pack("<Q", RAM)[:6] + table)
    l2 = struct.pack("<Q", RAM + 0x1000 | 3) + bytes(4088)
    l3 = struct.pack("<Q", RAM | 0x403) + bytes(4088)
    seed("mmu", "pages", head.replace(struct.pack("<Q", 0x40001234), struct.pack("<Q", 0x1234))
         + struct.pack("<Q", RAM)[:6] + l2 + l3)


def ring(desc, buffers):
    """64 KiB of RAM: a descriptor table at 0x1000, avail at 0x2000 (head 0),
    used at 0x3000, and buffers at their offsets."""
    ram = bytearray(64 << 10)
    for i, (addr, length, flags, nxt) in enumerate(desc):
        struct.pack_into("<QIHH", ram, 0x1000 + 16 * i, RAM + addr, length, flags, nxt)
    struct.pack_into("<HHH", ram, 0x2000, 0, 1, 0)
    for off, data in buffers:
        ram[off:off + len(data)] = data
    return bytes(ram)


def virtio():
    features = (1 << 32) | (1 << 28) | (1 << 29) | (1 << 15) | (1 << 8)
    layout = struct.pack("<HHH", 0x1000, 0x2000, 0x3000)
    blk = ring([(0x4000, 16, 1, 1), (0x5000, 512, 3, 2), (0x6000, 1, 2, 0)],
               [(0x4000, struct.pack("<IIQ", 0, 0, 0))])
    seed("virtio", "blk-read", bytes([0]) + struct.pack("<Q", features) + bytes([0, 4])
         + layout + blk)
    wr = ring([(0x4000, 16, 1, 1), (0x5000, 512, 1, 2), (0x6000, 1, 2, 0)],
              [(0x4000, struct.pack("<IIQ", 1, 0, 8))])
    seed("virtio", "blk-write", bytes([0]) + struct.pack("<Q", features) + bytes([0, 4])
         + layout + wr)
    rx = ring([(0x4000, 1526, 2, 0)], [])
    seed("virtio", "net-rx", bytes([1]) + struct.pack("<Q", features | (2 << 8))
         + bytes([0, 4]) + layout + rx)
    tx = ring([(0x4000, 12, 1, 1), (0x5000, 60, 0, 0)], [])
    seed("virtio", "net-tx", bytes([1]) + struct.pack("<Q", features) + bytes([1, 4])
         + layout + tx)
    seed("virtio", "rng", bytes([2]) + struct.pack("<Q", features) + bytes([0, 4])
         + layout + ring([(0x4000, 64, 2, 0)], []))
    seed("virtio", "console-tx", bytes([3]) + struct.pack("<Q", features) + bytes([1, 4])
         + layout + ring([(0x4000, 5, 0, 0)], [(0x4000, b"hello")]))


def packet(payload):
    return b"$" + payload + b"#%02x" % (sum(payload) & 0xFF)


def gdb():
    session = [b"qSupported:multiprocess+;swbreak+;xmlRegisters=aarch64", b"QStartNoAckMode",
               b"qXfer:features:read:target.xml:0,400", b"Hg0", b"g", b"p20",
               b"mffff000000001000,40", b"Mffff000000001010,4:01020304", b"Z0,ffff000000001100,4",
               b"Z2,ffff000000001200,8", b"z2,ffff000000001200,8", b"vCont?", b"qfThreadInfo",
               b"qRcmd,696e666f2076637075730a", b"?", b"vCont;s:1;c"]
    seed("gdb", "session", b"+".join(packet(p) for p in session))
    seed("gdb", "sve-g", b"\x01" + packet(b"g") + packet(b"P44=0102030405060708"))
    seed("gdb", "hostile", packet(b"Z2,0,8000000000000001") + b"\x03" + packet(b"m0,ffffffff")
         + b"$" + b"x" * 100)


def control():
    for name, line in {"status": b'{"cmd":"status"}',
                       "read-phys": b'{"cmd":"read-phys","addr":1073741824,"len":16}',
                       "pause": b'{ "cmd" : "pause" }'}.items():
        seed("control", name, line)


def net_stream():
    def framed(n, b):
        return struct.pack(">I", n) + bytes([b]) * n
    seed("net_stream", "two-frames-in-pieces", struct.pack("<H", 6) + framed(60, 1) + framed(1514, 2))
    seed("net_stream", "bad-length", struct.pack("<H", 0) + framed(60, 1) + struct.pack(">I", 13))


def vsock():
    def guest(op, gport, hport, payload=b"", flags=0):
        # fuzz_vsock's guest packet: which, cid, op, ports, flags, buf_alloc, fwd_cnt, type, len
        return (b"\0" + b"\0" + bytes([op, gport, hport, flags]) + struct.pack("<HH", 0x1000, 0)
                + b"\1" + struct.pack("<H", len(payload)) + payload + b"\0")
    recv = b"\3" + struct.pack("<H", 4140)
    seed("vsock", "guest-connects-sends-shuts", guest(1, 1, 2) + recv + guest(5, 1, 2, b"hi" * 100)
         + b"\7\0" + struct.pack("<H", 300) + b"\0" + b"\4" + recv + guest(4, 1, 2, flags=3) + recv)
    seed("vsock", "host-connects", b"\5\15CONNECT 1025\n" + b"\4" + recv + guest(2, 0, 0) + b"\4"
         + recv + b"\7\0" + struct.pack("<H", 5000) + b"\0" + b"\4" + recv)


def boot():
    image = struct.pack("<IIQQQQQQ4sI", 0x14000010, 0, 0, 0x10000, 0xa, 0, 0, 0,
                        b"ARM\x64", 0) + bytes(256)
    seed("boot", "image", image)
    seed("boot", "image.gz", gzip.compress(image))
    ehdr = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, bytes(7),
                       2, 183, 1, 0x40080000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0x1000, 0x40080000, 0x40080000, 16, 16, 0x1000)
    seed("boot", "elf", ehdr + phdr + bytes(0x1000 - 120) + bytes(16))
    seed("boot", "raw", bytes([0x1f, 0x20, 0x03, 0xd5]) * 16)


def fw_cfg():
    def op(write, off, width_log2, value):
        return bytes([int(write) | (off << 1) | (width_log2 << 6)]) + struct.pack("<Q", value)
    select = lambda key: op(True, 8, 1, ((key & 0xff) << 8) | (key >> 8))
    ops = [select(0)] + [op(False, 0, 0, 0)] * 4 + [select(0x19)] + [op(False, 0, 3, 0)] * 8
    seed("fw_cfg", "signature-and-dir", struct.pack("<H", 0) + b"".join(ops))
    desc = struct.pack(">IIQ", (0x11 << 16) | 0x02 | 0x08, 64, RAM + 0x100)
    dma = op(True, 16, 3, int.from_bytes(struct.pack(">Q", RAM), "little"))
    dma_halves = (op(True, 16, 2, int.from_bytes(struct.pack(">I", RAM >> 32), "little"))
                  + op(True, 20, 2, int.from_bytes(struct.pack(">I", RAM & 0xffffffff),
                                                   "little")))
    seed("fw_cfg", "dma-read", struct.pack("<H", 16) + desc + dma)
    seed("fw_cfg", "dma-read-halves", struct.pack("<H", 16) + desc + dma_halves)


def cfi_flash():
    def op(write, width_log2, off, value):
        return bytes([int(write) | (width_log2 << 1)]) + off.to_bytes(3, "little") \
            + struct.pack("<I", value)
    query = [op(True, 2, 0x55 * 4, 0x00980098), op(False, 2, 0x10 * 4, 0),
             op(False, 2, 0x11 * 4, 0), op(True, 2, 0, 0x00ff00ff)]
    program = [op(True, 2, 0x100, 0x00400040), op(True, 2, 0x100, 0x12345678),
               op(False, 2, 0x100, 0), op(True, 2, 0, 0x00ff00ff)]
    erase = [op(True, 2, 0x40000, 0x00200020), op(True, 2, 0x40000, 0x00d000d0),
             op(False, 2, 0x40000, 0), op(True, 2, 0, 0x00500050)]
    buffered = [op(True, 2, 0x200, 0x00e800e8), op(True, 2, 0x200, 0x00010001),
                op(True, 2, 0x200, 0xaabbccdd), op(True, 2, 0x204, 0x11223344),
                op(True, 2, 0x200, 0x00d000d0)]
    seed("cfi_flash", "query", b"\x00" + b"".join(query))
    seed("cfi_flash", "program", b"\x00" + b"".join(program))
    seed("cfi_flash", "erase", b"\x00" + b"".join(erase))
    seed("cfi_flash", "buffered", b"\x00" + b"".join(buffered))
    seed("cfi_flash", "read-only", b"\x01" + b"".join(program + erase))


def dtb():
    def prop(name_off, value):
        v = value + bytes(-len(value) % 4)
        return struct.pack(">III", 3, len(value), name_off) + v
    strings = b"compatible\0model\0"
    struct_block = (struct.pack(">I", 1) + b"\0\0\0\0"
                    + prop(0, b"linux,dummy-virt\0") + prop(11, b"seed\0")
                    + struct.pack(">I", 1) + b"chosen\0\0"
                    + struct.pack(">I", 2) + struct.pack(">I", 2) + struct.pack(">I", 9))
    off_rsv = 40
    off_struct = off_rsv + 16
    off_strings = off_struct + len(struct_block)
    total = off_strings + len(strings)
    header = struct.pack(">10I", 0xd00dfeed, total, off_struct, off_strings, off_rsv,
                         17, 16, 0, len(strings), len(struct_block))
    seed("dtb", "minimal", header + bytes(16) + struct_block + strings)


def pci():
    # op: bit 0 write, bits 1-2 log2 width; a 3-byte ECAM offset; a write's value
    def rd(off, width=4):
        return struct.pack("<B", {1: 0, 2: 2, 4: 4}[width]) + off.to_bytes(3, "little")

    def wr(off, val, width=4):
        return (struct.pack("<B", 1 | {1: 0, 2: 2, 4: 4}[width]) + off.to_bytes(3, "little")
                + struct.pack("<I", val))

    fn = 1 << 15  # 00:01.0
    seed("pci", "size-bars", wr(fn + 0x10, 0xffffffff) + rd(fn + 0x10)
         + wr(fn + 0x18, 0xffffffff) + wr(fn + 0x1c, 0xffffffff) + rd(fn + 0x1c))
    seed("pci", "program-and-enable", wr(fn + 0x10, 0x10000000) + wr(fn + 0x14, 0x100)
         + wr(fn + 0x4, 0x7, 2) + rd(fn + 0x4, 2) + wr(fn + 0x42, 0xc000, 2))
    seed("pci", "ids-and-absent", rd(0) + rd(fn) + rd(2 << 15) + rd(1 << 20) + rd(0x1001, 2))

    def win_rd(off):  # the 32-bit window, from its base
        return struct.pack("<B", 8 | 4) + bytes(3) + struct.pack("<I", off)

    seed("pci", "bar-in-window", wr(fn + 0x10, 0x10001000) + wr(fn + 0x4, 0x3, 2)
         + win_rd(0x1010) + win_rd(0x2000))


def virtio_pci():
    # Input: a byte choosing the device (bit 0: virtio-rng, or virtio-blk
    # whose I/O ends when the input says), guest RAM (as long as the
    # operations that follow), then operations: a byte (bit 0 write, bits
    # 1-2 log2 width, bits 4-5 where: 0 config space, 1 the virtio BAR, 2
    # the MSI-X BAR, 3 the device's side: serve and interrupt, or with bit
    # 7 the oldest I/O ends, bit 6 with an error), a 2-byte offset, a
    # write's 8-byte value.
    def op(where, off, width, val=None):
        b = struct.pack("<BH", (where << 4) | ({1: 0, 2: 1, 4: 2, 8: 3}[width] << 1)
                        | (val is not None), off)
        return b + (struct.pack("<Q", val) if val is not None else b"")

    ram = 0x40000000
    doorbell = 0x08090040
    msix_ctl = 0xd6  # the MSI-X capability follows five vendor ones and PCIe's
    setup = [
        op(1, 0x14, 1, 1), op(1, 0x14, 1, 3), op(1, 0x08, 4, 1), op(1, 0x0c, 4, 1),
        op(1, 0x14, 1, 0xb), op(1, 0x16, 2, 0), op(1, 0x18, 2, 8),
        op(1, 0x20, 4, ram), op(1, 0x28, 8, ram + 0x100), op(1, 0x30, 4, ram + 0x200),
        op(1, 0x1a, 2, 0), op(1, 0x10, 2, 1), op(1, 0x1c, 2, 1), op(1, 0x14, 1, 0xf),
        op(2, 0x0, 4, doorbell), op(2, 0x8, 4, 0x20), op(2, 0xc, 4, 0),
        op(0, msix_ctl, 2, 0x8000), op(1, 0x3000, 2, 0), op(3, 0, 1),
    ]

    def padded(ops):
        while len(ops) < 0x300:  # RAM as long as the operations: room for the rings
            ops += op(0, 0, 4)
        return ops

    ops = padded(b"".join(setup + [op(2, 0x800, 8), op(1, 0x1000, 1), op(0, 0x6, 2)]))
    mem = bytearray(len(ops))
    struct.pack_into("<QIHH", mem, 0, ram + 0x800, 64, 2, 0)  # one writable buffer
    struct.pack_into("<HHH", mem, 0x100, 0, 1, 0)  # avail: idx 1, ring[0] = 0
    seed("virtio_pci", "driver-ok-msix", b"\0" + bytes(mem) + ops)

    # The disk: a read taken, the driver's reset while it is in flight (the
    # status must read non-zero), then the read ends and the reset with it.
    finish = struct.pack("<BH", 0x80 | 3 << 4, 0)
    ops = padded(b"".join(setup + [op(1, 0x14, 1, 0), op(1, 0x14, 1), finish,
                                   op(1, 0x14, 1), op(1, 0x14, 1, 1)]))
    mem = bytearray(len(ops))
    struct.pack_into("<QIHH", mem, 0, ram + 0x800, 16, 1, 1)  # header, readable
    struct.pack_into("<QIHH", mem, 16, ram + 0x900, 512, 3, 2)  # data, writable
    struct.pack_into("<QIHH", mem, 32, ram + 0xb00, 1, 2, 0)  # status, writable
    struct.pack_into("<HHH", mem, 0x100, 0, 1, 0)  # avail: idx 1, ring[0] = 0
    seed("virtio_pci", "blk-reset-in-flight", b"\1" + bytes(mem) + ops)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def snapshot_file(sections):
    """docs/snapshot.md's state file: header, then (tag, instance, bytes) sections."""
    body = b""
    for tag, instance, data in sections:
        head = tag + struct.pack("<IQ", instance, len(data))
        body += head + struct.pack("<II", crc32c(data, crc32c(head)), 0)
        body += data + bytes(-len(data) % 8)
    head = b"A64VMSNP" + struct.pack("<IIIIQQI", 1, 48, len(sections), 0, 48 + len(body), 0, 0)
    return head + struct.pack("<I", crc32c(head)) + body


def snapshot():
    def blob(b):
        return struct.pack("<I", len(b)) + b
    # MP state, events, then (id, value) registers
    vcpu = struct.pack("<II", 0, 2) + blob(bytes(64))
    vcpu += struct.pack("<QQ", 0x6030000000100000, 0x40080000)
    vcpu += struct.pack("<QQ", 0x6030000000100042, 0x3c5)
    gic = struct.pack("<IQQ", 1, 0x8, 0x43b) + struct.pack("<IQQ", 1, 0, 0x13)
    conf = struct.pack("<I", 4) + blob(b"--kernel") + blob(b"/g/Image") + blob(b"--control")
    conf += blob(b"/tmp/s")
    pl011 = bytes(32) + struct.pack("<11I", 3, 2, 0x10, 0x10, 13, 0, 0x10, 0x301, 0x12, 0, 0)
    seed("snapshot", "two-vcpus", snapshot_file([(b"VCPU", 0, vcpu), (b"VCPU", 1, vcpu),
                                                  (b"GIC3", 0, gic), (b"CONF", 0, conf),
                                                  (b"BDEV", 0, pl011)]))
    seed("snapshot", "empty", snapshot_file([]))


def qcow2():
    # A name, a count, then a snapshot table as qemu-img writes one (big-endian).
    def entry(sid, name, extra):
        e = struct.pack(">QIHHIIQII", 0x50000, 1, len(sid), len(name), 0, 0, 0, 0, len(extra))
        e += extra + sid + name
        return e + bytes(-len(e) % 8)
    table = entry(b"1", b"before", b"") + entry(b"2", b"a64vm-7", bytes(8) + struct.pack(">Q", 8 << 20) + bytes(8))
    seed("qcow2", "found", bytes([7]) + b"a64vm-7" + struct.pack("<H", 2) + table)
    seed("qcow2", "missing", bytes([4]) + b"none" + struct.pack("<H", 2) + table)


if __name__ == "__main__":
    for make in (a64, mmu, virtio, virtio_pci, gdb, control, net_stream, vsock, boot, fw_cfg,
                 pci, cfi_flash, dtb, snapshot, qcow2):
        make()
    sys.exit(0)
