/*
 * The NISV path against KVM's own decode, on a bus with the real PL031
 * (32-bit registers) and the test device (bytes). For every access size,
 * every alignment within 16 bytes, loads and stores, general and SIMD&FP
 * registers: KVM's way is the decodable twin (single accesses at their
 * address, as vcpu.c serves a KVM_EXIT_MMIO); the NISV way is the
 * undecodable instruction, emulated as arm64/nisv.c does (nisv_direct_at,
 * then a64_emulate over mmio_bus_access_span). The two must agree. The
 * nested scenario nisv-diff runs the same table on real KVM.
 */
#include <stdio.h>
#include <string.h>

#include "a64vm/a64_emulate.h"
#include "a64vm/memmap.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/nisv_direct.h"
#include "a64vm/pl031.h"
#include "a64vm/testdev.h"
#include "unit.h"

/* A load or store: its undecodable form, and its decodable twin's accesses. */
struct form {
	const char *name;
	uint32_t insn; /* data in x0/x2 or v0/v1, base in x1 */
	unsigned size; /* bytes per element */
	bool pair, simd;
};

static const struct form forms[] = {
	{ "ldrb w0, [x1], #0", 0x38400420, 1 }, { "ldrh w0, [x1], #0", 0x78400420, 2 },
	{ "ldr w0, [x1], #0", 0xb8400420, 4 },	{ "ldr x0, [x1], #0", 0xf8400420, 8 },
	{ "ldr b0, [x1]", 0x3d400020, 1, false, true },
	{ "ldr h0, [x1]", 0x7d400020, 2, false, true },
	{ "ldr s0, [x1]", 0xbd400020, 4, false, true },
	{ "ldr d0, [x1]", 0xfd400020, 8, false, true },
	{ "ldr q0, [x1]", 0x3dc00020, 16, false, true },
	{ "ldp w0, w2, [x1]", 0x29400820, 4, true }, { "ldp x0, x2, [x1]", 0xa9400820, 8, true },
	{ "ldp s0, s1, [x1]", 0x2d400420, 4, true, true },
	{ "ldp d0, d1, [x1]", 0x6d400420, 8, true, true },
	{ "strb w0, [x1], #0", 0x38000420, 1 }, { "strh w0, [x1], #0", 0x78000420, 2 },
	{ "str w0, [x1], #0", 0xb8000420, 4 },	{ "str x0, [x1], #0", 0xf8000420, 8 },
	{ "str b0, [x1]", 0x3d000020, 1, false, true },
	{ "str h0, [x1]", 0x7d000020, 2, false, true },
	{ "str s0, [x1]", 0xbd000020, 4, false, true },
	{ "str d0, [x1]", 0xfd000020, 8, false, true },
	{ "str q0, [x1]", 0x3d800020, 16, false, true },
	{ "stp w0, w2, [x1]", 0x29000820, 4, true }, { "stp x0, x2, [x1]", 0xa9000820, 8, true },
	{ "stp s0, s1, [x1]", 0x2d000420, 4, true, true },
	{ "stp d0, d1, [x1]", 0x6d000420, 8, true, true },
};

/* The two devices, at their board addresses; loads on the PL031 skip DR. */
static const struct { const char *name; uint64_t at; } places[] = {
	{ "pl031", MEMMAP_RTC_BASE + 4 },
	{ "testdev", MEMMAP_TESTDEV_BASE },
};

#define STORE_A 0x8877665544332211ull
#define STORE_B 0xf0e0d0c0b0a09080ull

static struct mmio_bus bus;
static void *rtc, *tdev;

static uint64_t fixed_clock(void *ctx)
{
	(void)ctx;
	return 1000000000000ull;
}

static void no_irq(void *ctx, bool level)
{
	(void)ctx;
	(void)level;
}

static void no_timer(void *ctx, uint64_t deadline)
{
	(void)ctx;
	(void)deadline;
}

static void add(const struct device_ops *ops, void **dev, uint64_t base, uint64_t size)
{
	const struct device_env env = { .set_irq = no_irq, .clock_ns = fixed_clock,
					.set_timer = no_timer };

	*dev = ops->create(&env);
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &(struct mmio_region){
		.name = ops->name, .base = base, .size = size, .read = ops->read,
		.write = ops->write, .opaque = *dev, .min_width = ops->min_width,
		.max_width = ops->max_width }), 0);
}

static uint32_t rd32(uint64_t gpa)
{
	uint8_t b[4];

	mmio_bus_access(&bus, gpa, b, 4, false);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void wr32(uint64_t gpa, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	mmio_bus_access(&bus, gpa, b, 4, true);
}

/* Both devices as the guest test leaves them before each case. */
static void reset_devices(void)
{
	uint8_t one[8] = { 1 };

	wr32(MEMMAP_RTC_BASE + 0x04, 0xcafef00d);	/* MR */
	wr32(MEMMAP_RTC_BASE + 0x08, 0x15667788);	/* LR */
	wr32(MEMMAP_RTC_BASE + 0x10, 0);		/* IMSC */
	mmio_bus_access(&bus, MEMMAP_TESTDEV_BASE + TESTDEV_RESET, one, 8, true);
}

/* What a store left: the PL031's writable registers, or 48 scratch bytes. */
static void device_state(uint64_t place, uint32_t out[12])
{
	if (place < MEMMAP_TESTDEV_BASE) {
		out[0] = rd32(MEMMAP_RTC_BASE + 0x04);
		out[1] = rd32(MEMMAP_RTC_BASE + 0x08);
		out[2] = rd32(MEMMAP_RTC_BASE + 0x10);
		return;
	}
	for (unsigned i = 0; i < 12; i++)
		out[i] = rd32(MEMMAP_TESTDEV_BASE + 4 * i);
}

/* The value register reg would get from bytes, or give to them: little-endian. */
static uint64_t le(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/*
 * KVM's way: the decodable twin's single accesses (a 16-byte one as two
 * ldr x, a pair as two), each as vcpu.c serves KVM_EXIT_MMIO. The result
 * is the two elements' values (lo, hi), as the undecodable form leaves them.
 */
static void kvm_way(const struct form *f, uint64_t addr, bool load, uint64_t out[2])
{
	unsigned n = f->size == 16 ? 8 : f->size;
	uint64_t data[2] = { STORE_A, STORE_B };

	out[0] = out[1] = 0;
	for (unsigned e = 0; e < 2; e++) {
		uint8_t b[8] = { 0 };

		if (e == 1 && !f->pair && f->size != 16)
			break;
		if (!load)
			put_le(b, data[e], n);
		mmio_bus_access(&bus, addr + e * n, b, n, !load);
		out[e] = load ? le(b, n) : 0;
	}
}

static int bus_read(void *ctx, uint64_t va, uint8_t *buf, unsigned size)
{
	(void)ctx;
	return mmio_bus_access_span(&bus, va, buf, size, false);
}

static int bus_write(void *ctx, uint64_t va, const uint8_t *buf, unsigned size)
{
	uint8_t copy[16];

	(void)ctx;
	memcpy(copy, buf, size);
	return mmio_bus_access_span(&bus, va, copy, size, true);
}

static const struct a64_mem_ops bus_ops = { .read = bus_read, .write = bus_write };

/* The NISV way, with the MMU off (VA = IPA) and the fault at the first access. */
static void nisv_way(const struct form *f, uint64_t addr, bool load, uint64_t out[2])
{
	static struct guest_mem no_ram;
	struct a64_regs r = { 0 };
	struct a64_reg_use w;
	struct a64_ldst d;
	unsigned data2 = f->simd ? 1 : 2;

	CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(f->insn, &d), 0);
	r.x[1] = addr;
	r.x[0] = STORE_A;
	r.x[2] = STORE_B;
	r.v[0] = (struct a64_vreg){ STORE_A, STORE_B };
	r.v[1] = (struct a64_vreg){ STORE_B, 0 };
	nisv_direct_at(&d, addr, false, &no_ram);
	CU_ASSERT_EQUAL(a64_emulate(&d, &r, false, &bus_ops, NULL, &w), 0);
	if (!load) {
		out[0] = out[1] = 0;
	} else if (f->size == 16) {
		out[0] = r.v[0].lo;
		out[1] = r.v[0].hi;
	} else {
		out[0] = f->simd ? r.v[0].lo : r.x[0];
		out[1] = f->pair ? (f->simd ? r.v[data2].lo : r.x[data2]) : 0;
	}
}

static void test_agrees_with_kvm(void)
{
	unsigned cases = 0, differ = 0;

	add(&pl031_device, &rtc, MEMMAP_RTC_BASE, MEMMAP_RTC_SIZE);
	add(&testdev_device, &tdev, MEMMAP_TESTDEV_BASE, MEMMAP_TESTDEV_SIZE);
	for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++)
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
			for (unsigned align = 0; align < 16; align++) {
				const struct form *f = &forms[i];
				bool load = (f->insn >> 22) & 1;
				uint64_t addr = places[p].at + align, kvm[2], nisv[2];
				uint32_t kvm_state[12] = { 0 }, nisv_state[12] = { 0 };

				reset_devices();
				kvm_way(f, addr, load, kvm);
				device_state(places[p].at, kvm_state);
				reset_devices();
				nisv_way(f, addr, load, nisv);
				device_state(places[p].at, nisv_state);
				cases++;
				if (kvm[0] != nisv[0] || kvm[1] != nisv[1] ||
				    memcmp(kvm_state, nisv_state, sizeof(kvm_state))) {
					differ++;
					printf("\n  %s %s at +%u: KVM %016llx %016llx, NISV "
					       "%016llx %016llx", places[p].name, f->name, align,
					       (unsigned long long)kvm[0], (unsigned long long)kvm[1],
					       (unsigned long long)nisv[0],
					       (unsigned long long)nisv[1]);
				}
			}
	CU_ASSERT_EQUAL(cases, 2 * 26 * 16);
	CU_ASSERT_EQUAL(differ, 0);
	pl031_device.destroy(rtc);
	testdev_device.destroy(tdev);
}

/* Where the NISV path takes the fault IPA as the access's start, and where not. */
static void test_direct_rule(void)
{
	static const struct {
		uint32_t insn;
		uint64_t fault;
		bool mmu_on, ram_before, direct;
	} cases[] = {
		/* the defect: ldr d0 at 0x09010004 was moved to 0x09010000 */
		{ 0xfd400020, 0x09010004, false, false, true },
		{ 0x3dc00020, 0x0b000008, false, false, true },  /* ldr q0, 8-aligned */
		{ 0xa9400820, 0x0b000000, false, false, false }, /* a pair */
		{ 0xf8400420, 0x0b000000, false, false, false }, /* a writeback */
		{ 0xfd400020, 0x0b000ffc, false, false, false }, /* runs into the next page */
		/* at a page's start: begun on the previous page only if that is RAM */
		{ 0xfd400020, 0x0b001000, false, false, true },
		{ 0xfd400020, 0x40001000, false, true, false },
		{ 0xfd400020, 0x0b001000, true, false, false },	 /* MMU on: not known */
		{ 0xfd400020, 0x0b001008, true, false, true },
		{ 0x3d400020, 0x0b001000, true, false, true },	 /* one byte: always */
	};
	static uint8_t ram[8192];
	const struct guest_mem mem = { .base = 0x40000000, .size = sizeof(ram), .hva = ram };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct a64_ldst d;
		bool direct;

		CU_ASSERT_EQUAL_FATAL(a64_decode_ldst(cases[i].insn, &d), 0);
		direct = nisv_direct_at(&d, cases[i].fault, cases[i].mmu_on, &mem);
		CU_ASSERT_EQUAL(direct, cases[i].direct);
		if (direct) {
			CU_ASSERT_EQUAL(d.mode, A64_ADDR_FIXED);
			CU_ASSERT_EQUAL((uint64_t)d.imm, cases[i].fault);
		}
	}
}

const char unit_suite_name[] = "nisv_direct";
const struct unit_test unit_tests[] = {
	{ "the NISV path agrees with KVM's decode", test_agrees_with_kvm },
	{ "the fault IPA as the start of an access", test_direct_rule },
	{ NULL, NULL },
};
