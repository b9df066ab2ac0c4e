/*
 * What CPU and devices the guest gets. It prints the features its ID
 * registers show ("CPU-ID pmu=1 sve=1 paca=1 pacg=1 mte=0 vl=BYTES"), then
 * checks each feature it has and the devices as QEMU's virt board has
 * them: "CPU-TEST <name> PASS|FAIL", then "CPU-DONE passed=N failed=N".
 * Needs --testdev (the SIMD&FP loads and stores KVM cannot decode).
 */
#include "a64vm/memmap.h"
#include "a64vm/testdev.h"
#include "guest.h"

#define PMU_PPI (16 + MEMMAP_PPI_PMU)
#define RTC_INTID (32 + MEMMAP_RTC_SPI)
#define RTC(off) (MEMMAP_RTC_BASE + (off))
#define DEV MEMMAP_TESTDEV_BASE

#define READ_SYSREG(name)                                         \
	({                                                        \
		uint64_t v_;                                      \
		__asm__ volatile("mrs %0, " #name : "=r"(v_)); \
		v_;                                               \
	})
#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0; isb" : : "r"((uint64_t)(v)))

static unsigned passed, failed;
static volatile unsigned pmu_irqs;

static unsigned field(uint64_t reg, unsigned lsb)
{
	return (unsigned)(reg >> lsb) & 0xf;
}

static void verdict(const char *name, bool ok)
{
	puts_uart("CPU-TEST ");
	puts_uart(name);
	puts_uart(ok ? " PASS\n" : " FAIL\n");
	if (ok)
		passed++;
	else
		failed++;
}

static uint64_t ms_to_ticks(uint64_t ms)
{
	return counter_hz() * ms / 1000;
}

void irq_handler(void)
{
	uint64_t iar = READ_SYSREG(S3_0_C12_C12_0); /* ICC_IAR1_EL1 */

	if ((iar & 0xffffff) == PMU_PPI) {
		pmu_irqs++;
		WRITE_SYSREG(pmovsclr_el0, READ_SYSREG(pmovsset_el0)); /* the line falls */
	}
	__asm__ volatile("msr S3_0_C12_C12_1, %0" : : "r"(iar)); /* ICC_EOIR1_EL1 */
}

/* ---- PMUv3: cycles, a software increment, an overflow interrupt ---- */

static void test_pmu(void)
{
	uint64_t c0, c1, t0;

	/* The enables and overflow flags reset to UNKNOWN values (KVM: garbage). */
	WRITE_SYSREG(pmcntenclr_el0, ~0ull);
	WRITE_SYSREG(pmintenclr_el1, ~0ull);
	WRITE_SYSREG(pmovsclr_el0, ~0ull);
	WRITE_SYSREG(pmcr_el0, 1 | 2 | 4);	  /* E, reset events and cycles */
	WRITE_SYSREG(pmccfiltr_el0, 0);		  /* EL0 and EL1 */
	WRITE_SYSREG(pmevtyper0_el0, 0);	  /* event 0: SW_INCR */
	WRITE_SYSREG(pmcntenset_el0, 1ull << 31 | 1);
	c0 = READ_SYSREG(pmccntr_el0);
	for (volatile unsigned i = 0; i < 200000; i++)
		;
	c1 = READ_SYSREG(pmccntr_el0);
	if (c1 <= c0)
		expect("cycle counter advance", c1 - c0, 1);
	verdict("pmu-cycle-counter", c1 > c0);

	WRITE_SYSREG(pmevcntr0_el0, 0);
	for (unsigned i = 0; i < 3; i++)
		WRITE_SYSREG(pmswinc_el0, 1);
	verdict("pmu-sw-increment", expect("event counter 0", READ_SYSREG(pmevcntr0_el0), 3));

	/* 0xffffffff + 1 overflows the 32-bit counter: PPI 7 (INTID 23) rises. */
	gic_enable_ppi(PMU_PPI);
	WRITE_SYSREG(pmovsclr_el0, 1);
	WRITE_SYSREG(pmintenset_el1, 1);
	WRITE_SYSREG(pmevcntr0_el0, 0xffffffffu);
	__asm__ volatile("msr daifclr, #2");
	WRITE_SYSREG(pmswinc_el0, 1);
	t0 = counter();
	while (!pmu_irqs && counter() - t0 < ms_to_ticks(1000))
		;
	__asm__ volatile("msr daifset, #2");
	WRITE_SYSREG(pmintenclr_el1, 1);
	verdict("pmu-overflow-irq", expect("interrupts on INTID 23", pmu_irqs, 1) &
					    expect("counter after wrap", READ_SYSREG(pmevcntr0_el0), 0));
}

/* ---- SVE: V lives in Z; an emulated LDR Q must zero the rest of Z ---- */

static uint8_t zbuf[256] __attribute__((aligned(16)));

static uint64_t pat(uint64_t off, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)testdev_pattern(off + i) << (8 * i);
	return v;
}

static unsigned sve_setup(void)
{
	uint64_t vl;

	WRITE_SYSREG(cpacr_el1, READ_SYSREG(cpacr_el1) | 3u << 16); /* ZEN */
	WRITE_SYSREG(S3_0_C1_C2_0, 0xf); /* ZCR_EL1.LEN: the largest there is */
	__asm__ volatile(".arch_extension sve\n rdvl %0, #1" : "=r"(vl));
	return (unsigned)vl;
}

static void test_sve_nisv(unsigned vl)
{
	uint64_t lo, hi;
	bool ok = true;

	*(volatile uint64_t *)(DEV + TESTDEV_RESET) = 1;
	/* z0 all ones, then LDR q0 from the device (a NISV exit), then STR z0 */
	__asm__ volatile(".arch_extension sve\n"
			 "dup z0.b, #-1\n"
			 "ldr q0, [%0, #16]\n"
			 "str z0, [%1]\n"
			 : : "r"(DEV), "r"(zbuf) : "v0", "memory");
	__builtin_memcpy(&lo, zbuf, 8);
	__builtin_memcpy(&hi, zbuf + 8, 8);
	ok &= expect("q0 low", lo, pat(16, 8)) & expect("q0 high", hi, pat(24, 8));
	for (unsigned i = 16; i < vl; i++)
		if (zbuf[i]) {
			ok &= expect("z0 byte above 128 bits", zbuf[i], 0);
			break;
		}
	verdict("sve-ldr-q-emulated", ok);
}

/* ---- SIMD&FP loads and stores to MMIO (NISV), SVE on or off ---- */

static void test_simd_nisv(void)
{
	uint64_t q[2], d = 0x0123456789abcdefull;

	*(volatile uint64_t *)(DEV + TESTDEV_RESET) = 1;
	__asm__ volatile("ldr q0, [%0, #32]\n"
			 "str q0, [%1]\n"
			 : : "r"(DEV), "r"(q) : "v0", "memory");
	verdict("simd-ldr-q", expect("q0 low", q[0], pat(32, 8)) &
				      expect("q0 high", q[1], pat(40, 8)));
	__asm__ volatile("fmov d1, %0\n"
			 "str d1, [%1, #64]\n"
			 : : "r"(d), "r"(DEV) : "v1", "memory");
	verdict("simd-str-d", expect("device word", *(volatile uint64_t *)(DEV + 64), d));
}

/* ---- access widths across 32-bit registers ---- */

static void test_widths(void)
{
	uint64_t x, a, b, q[2], dr0, dr1;
	const uint32_t match = 0x7fffff00;

	mmio_write32(RTC(0x04), match); /* MR: nothing fires before 2038 */
	/* LDR X: KVM decodes it; the bus splits it into DR then MR */
	dr0 = mmio_read32(RTC(0x00));
	__asm__ volatile("ldr %0, [%1]" : "=r"(x) : "r"(RTC(0)) : "memory");
	dr1 = mmio_read32(RTC(0x00));
	verdict("width-ldr-x-kvm", expect("MR half", x >> 32, match) &
					   expect("DR half in [DR before, DR after]",
						  (uint32_t)x >= dr0 && (uint32_t)x <= dr1, 1));
	/* LDP X and LDR Q: NISV exits, 16 bytes across DR, MR, LR, CR */
	__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(a), "=&r"(b) : "r"(RTC(0)) : "memory");
	verdict("width-ldp-x-nisv", expect("MR half", a >> 32, match) &
					    expect("CR half", b >> 32, 1) &
					    expect("LR half", (uint32_t)b, mmio_read32(RTC(0x08))));
	__asm__ volatile("ldr q0, [%0, #0xfe0]\n str q0, [%1]"
			 : : "r"(RTC(0)), "r"(q) : "v0", "memory");
	verdict("width-ldr-q-nisv", expect("PeriphID0-1", q[0], 0x0000001000000031ull) &
					    expect("PeriphID2-3", q[1], 0x0000000000000014ull));
	/* narrower: the PL031 takes bytes, and any byte of an ID reads it whole */
	verdict("width-ldrb-pl031",
		expect("PeriphID1 byte", *(volatile uint8_t *)(uintptr_t)RTC(0xfe4), 0x10) &
		expect("CellID1 byte 1", *(volatile uint8_t *)(uintptr_t)RTC(0xff5), 0xf0));
	/* STR X to the PL011's ILPR and IBRD: two 32-bit writes */
	__asm__ volatile("str %0, [%1]"
			 : : "r"(0x00000005000000abull), "r"(MEMMAP_UART_BASE + 0x20) : "memory");
	verdict("width-str-x-kvm", expect("ILPR", mmio_read32(MEMMAP_UART_BASE + 0x20), 0xab) &
					   expect("IBRD", mmio_read32(MEMMAP_UART_BASE + 0x24), 5));
	/* the PL011 implements words only: a byte or halfword is widened */
	verdict("width-narrow-pl011-widened",
		expect("LDRB IBRD", *(volatile uint8_t *)(uintptr_t)(MEMMAP_UART_BASE + 0x24), 5) &
		expect("LDRH ILPR", *(volatile uint16_t *)(uintptr_t)(MEMMAP_UART_BASE + 0x20), 0xab) &
		expect("LDRB FR", *(volatile uint8_t *)(uintptr_t)(MEMMAP_UART_BASE + 0x18),
		       mmio_read32(MEMMAP_UART_BASE + 0x18) & 0xff));
	/* STR Q (NISV) to the PL061's DIR, IS, IBE, IEV */
	q[0] = 0x0000000200000001ull;
	q[1] = 0x0000000800000004ull;
	__asm__ volatile("ldr q0, [%0]\n str q0, [%1]"
			 : : "r"(q), "r"(MEMMAP_GPIO_BASE + 0x400) : "v0", "memory");
	verdict("width-str-q-nisv", expect("DIR", mmio_read32(MEMMAP_GPIO_BASE + 0x400), 1) &
					    expect("IS", mmio_read32(MEMMAP_GPIO_BASE + 0x404), 2) &
					    expect("IBE", mmio_read32(MEMMAP_GPIO_BASE + 0x408), 4) &
					    expect("IEV", mmio_read32(MEMMAP_GPIO_BASE + 0x40c), 8));
	for (unsigned off = 0x400; off < 0x410; off += 4)
		mmio_write32(MEMMAP_GPIO_BASE + off, 0);
}

/* ---- PL031: QEMU's IDs, an alarm on time, LR reads back ---- */

static void test_pl031(void)
{
	static const uint8_t ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	uint64_t t0, waited_ms;
	uint32_t dr, mr, now, ris;
	bool ok = true;

	for (unsigned i = 0; i < 8; i++)
		ok &= expect("ID register", mmio_read32(RTC(0xfe0 + 4 * i)), ids[i]);
	verdict("pl031-ids", ok);

	/* DR ticks at whole seconds: MR = DR + 1 matches within a second. */
	mmio_write32(RTC(0x10), 0); /* IMSC off: RIS still latches */
	mmio_write32(RTC(0x1c), 1); /* ICR */
	dr = mmio_read32(RTC(0x00));
	mr = dr + 1;
	mmio_write32(RTC(0x04), mr);
	mmio_write32(RTC(0x10), 1); /* IMSC: the alarm reaches the GIC */
	t0 = counter();
	do {
		ris = mmio_read32(RTC(0x14)) & 1;
		now = mmio_read32(RTC(0x00)); /* read after RIS: never below MR */
	} while (!ris && counter() - t0 < ms_to_ticks(3000));
	waited_ms = (counter() - t0) * 1000 / counter_hz();
	puts_uart("CPU-PL031-ALARM waited_ms=");
	putdec(waited_ms);
	puts_uart("\n");
	verdict("pl031-alarm-on-time",
		expect("RIS", mmio_read32(RTC(0x14)) & 1, 1) &
		expect("MIS", mmio_read32(RTC(0x18)) & 1, 1) &
		/* GICD_ISPENDR1: the RTC's SPI is pending */
		expect("SPI pending", mmio_read32(MEMMAP_GIC_DIST_BASE + 0x204) >> (RTC_INTID - 32) & 1, 1) &
		expect("within 1.2 s", waited_ms <= 1200, 1) &
		expect("not before the match", now >= mr, 1));
	mmio_write32(RTC(0x1c), 1);
	verdict("pl031-icr-clears", expect("RIS", mmio_read32(RTC(0x14)) & 1, 0));
	mmio_write32(RTC(0x10), 0);

	/* LR: reads back what was loaded; DR starts counting from it */
	mmio_write32(RTC(0x08), 1000);
	verdict("pl031-lr-reads-back", expect("LR", mmio_read32(RTC(0x08)), 1000) &
					       expect("DR", mmio_read32(RTC(0x00)) - 1000 <= 1, 1));
}

void secondary_main(uint64_t cpu)
{
	(void)cpu; /* one vCPU */
}

int main(void);
int main(void)
{
	uint64_t pfr0 = READ_SYSREG(id_aa64pfr0_el1);
	uint64_t pfr1 = READ_SYSREG(id_aa64pfr1_el1);
	uint64_t dfr0 = READ_SYSREG(id_aa64dfr0_el1);
	uint64_t isar1 = READ_SYSREG(id_aa64isar1_el1);
	uint64_t isar2 = READ_SYSREG(S3_0_C0_C6_2); /* ID_AA64ISAR2_EL1 */
	unsigned pmuver = field(dfr0, 8);
	bool pmu = pmuver && pmuver != 0xf, sve = field(pfr0, 32);
	bool paca = field(isar1, 4) || field(isar1, 8) || field(isar2, 12);
	bool pacg = field(isar1, 24) || field(isar1, 28) || field(isar2, 8);
	unsigned vl = sve ? sve_setup() : 0;

	puts_uart("CPU-ID pmu=");
	putdec(pmu);
	puts_uart(" sve=");
	putdec(sve);
	puts_uart(" paca=");
	putdec(paca);
	puts_uart(" pacg=");
	putdec(pacg);
	puts_uart(" mte=");
	putdec(field(pfr1, 8));
	puts_uart(" vl=");
	putdec(vl);
	puts_uart("\n");
	if (pmu)
		test_pmu();
	if (sve)
		test_sve_nisv(vl);
	test_simd_nisv();
	test_widths();
	test_pl031();
	puts_uart("CPU-DONE passed=");
	putdec(passed);
	puts_uart(" failed=");
	putdec(failed);
	puts_uart("\n");
	return 0;
}
