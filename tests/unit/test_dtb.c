#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "a64vm/board_table.h"
#include "a64vm/dtb.h"
#include "a64vm/memmap.h"
#include "unit.h"

#define BUF_SIZE (64 << 10)

static uint8_t buf[BUF_SIZE];
static const uint64_t mpidrs[] = { 0x80000000, 0x80000001, 0x80000002,
				   0x80000100 };

static struct dtb_device devices[16];

static struct dtb_machine machine(unsigned gic_version, unsigned ncpus)
{
	static const struct board_features features; /* no flash, no testdev */
	struct dtb_machine m = {
		.mem_base = 0x40000000, .mem_size = 256ull << 20,
		.ncpus = ncpus, .mpidr = mpidrs, .gic_version = gic_version,
		.gic_dist_base = MEMMAP_GIC_DIST_BASE,
		.gic_dist_size = MEMMAP_GIC_DIST_SIZE,
		.bootargs = "console=ttyAMA0 quiet",
		.initrd_start = 0x4fc00000, .initrd_end = 0x4fd00000,
		.kaslr_seed = 0x1122334455667788ull,
	};

	if (gic_version == 3) {
		m.gic_cpu_base = MEMMAP_GIC_REDIST_BASE;
		m.gic_cpu_size = MEMMAP_GIC_REDIST_PER_CPU * ncpus;
	} else {
		m.gic_cpu_base = MEMMAP_GIC_CPU_BASE;
		m.gic_cpu_size = MEMMAP_GIC_CPU_SIZE;
	}
	m.ndevices = board_table_dtb(&features, devices, 16, &m.power_button_pin);
	CU_ASSERT_EQUAL(m.power_button_pin, 3);
	m.devices = devices;
	return m;
}

static int node(const char *path)
{
	int off = fdt_path_offset(buf, path);

	if (off < 0)
		fprintf(stderr, "\nno node %s\n", path);
	CU_ASSERT(off >= 0);
	return off;
}

/* Asserts that path/prop holds exactly the given 32-bit cells. */
static void expect_cells(const char *path, const char *prop,
			 const uint32_t *cells, int n)
{
	int len = -1;
	const fdt32_t *v = fdt_getprop(buf, node(path), prop, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL_FATAL(len, n * 4);
	for (int i = 0; i < n; i++) {
		if (fdt32_to_cpu(v[i]) != cells[i])
			fprintf(stderr, "\n%s/%s[%d] = %#x, want %#x\n", path, prop,
				i, fdt32_to_cpu(v[i]), cells[i]);
		CU_ASSERT_EQUAL(fdt32_to_cpu(v[i]), cells[i]);
	}
}

#define EXPECT_CELLS(path, prop, ...)                                       \
	expect_cells(path, prop, (const uint32_t[]){ __VA_ARGS__ },        \
		     sizeof((const uint32_t[]){ __VA_ARGS__ }) / 4)

static void expect_string(const char *path, const char *prop, const char *want)
{
	const char *v = fdt_getprop(buf, node(path), prop, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_STRING_EQUAL(v, want);
}

/* A string list property, every string, as QEMU's virt board writes it. */
static void expect_list(const char *path, const char *prop, const char *want,
			size_t size)
{
	int len = -1;
	const char *v = fdt_getprop(buf, node(path), prop, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(len, (int)size);
	CU_ASSERT_EQUAL(memcmp(v, want, size < (size_t)len ? size : (size_t)len), 0);
}

#define EXPECT_LIST(path, prop, want) expect_list(path, prop, want, sizeof(want))

static void test_gicv3_tree(void)
{
	struct dtb_machine m = machine(3, 4);

	CU_ASSERT_EQUAL_FATAL(dtb_build(&m, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL_FATAL(fdt_check_header(buf), 0);
	CU_ASSERT(dtb_size(buf) <= sizeof(buf));
	expect_string("/", "compatible", "linux,dummy-virt");
	EXPECT_CELLS("/", "#address-cells", 2);
	EXPECT_CELLS("/", "interrupt-parent", 1);
	/* RAM at 1 GiB, 256 MiB */
	expect_string("/memory@40000000", "device_type", "memory");
	EXPECT_CELLS("/memory@40000000", "reg", 0, 0x40000000, 0, 0x10000000);
	/* one node per vCPU, reg = MPIDR affinity */
	EXPECT_CELLS("/cpus", "#address-cells", 1);
	EXPECT_CELLS("/cpus/cpu@0", "reg", 0);
	EXPECT_CELLS("/cpus/cpu@2", "reg", 2);
	EXPECT_CELLS("/cpus/cpu@100", "reg", 0x100);
	expect_string("/cpus/cpu@100", "enable-method", "psci");
	expect_string("/psci", "method", "hvc");
	EXPECT_LIST("/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2\0arm,psci");
	EXPECT_CELLS("/psci", "cpu_on", 0xc4000003);
	EXPECT_CELLS("/psci", "cpu_off", 0x84000002);
	/* arch timer: secure phys, phys, virt, hyp PPIs, level high */
	EXPECT_LIST("/timer", "compatible", "arm,armv8-timer\0arm,armv7-timer");
	EXPECT_CELLS("/timer", "interrupts", 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4);
	/* GICv3: distributor, then 128 KiB of redistributor per vCPU */
	expect_string("/intc@8000000", "compatible", "arm,gic-v3");
	EXPECT_CELLS("/intc@8000000", "reg", 0, 0x08000000, 0, 0x10000, 0,
		     0x080a0000, 0, 4 * 0x20000);
	EXPECT_CELLS("/intc@8000000", "#interrupt-cells", 3);
	EXPECT_CELLS("/intc@8000000", "#redistributor-regions", 1);
	EXPECT_CELLS("/intc@8000000", "phandle", 1);
	/* no maintenance interrupt: the guest has no EL2 (QEMU: virtualization=off) */
	CU_ASSERT_PTR_NULL(fdt_getprop(buf, node("/intc@8000000"), "interrupts", NULL));
	CU_ASSERT_TRUE(fdt_path_offset(buf, "/pmu") < 0); /* m.pmu is off */
	CU_ASSERT_PTR_NOT_NULL(fdt_getprop(buf, node("/intc@8000000"),
					   "interrupt-controller", NULL));
	/* UART SPI 1 and RTC SPI 2, as on QEMU's virt board */
	EXPECT_CELLS("/pl011@9000000", "reg", 0, 0x09000000, 0, 0x1000);
	EXPECT_CELLS("/pl011@9000000", "interrupts", 0, 1, 4);
	EXPECT_CELLS("/pl011@9000000", "clocks", 2, 2);
	CU_ASSERT_EQUAL(fdt_node_check_compatible(buf, node("/pl011@9000000"),
						  "arm,primecell"), 0);
	EXPECT_CELLS("/pl031@9010000", "reg", 0, 0x09010000, 0, 0x1000);
	EXPECT_CELLS("/pl031@9010000", "interrupts", 0, 2, 4);
	expect_string("/pl031@9010000", "clock-names", "apb_pclk");
	EXPECT_CELLS("/apb-pclk", "phandle", 2);
	/* the power button: PL061 on SPI 7, gpio-keys on its pin 3 */
	EXPECT_CELLS("/pl061@9030000", "interrupts", 0, 7, 4);
	EXPECT_CELLS("/pl061@9030000", "#gpio-cells", 2);
	EXPECT_CELLS("/pl061@9030000", "phandle", 3);
	expect_string("/gpio-keys", "compatible", "gpio-keys");
	EXPECT_CELLS("/gpio-keys/poweroff", "linux,code", 116);
	EXPECT_CELLS("/gpio-keys/poweroff", "gpios", 3, 3, 0);
	EXPECT_CELLS("/apb-pclk", "clock-frequency", 24000000);
	/* chosen */
	expect_string("/chosen", "bootargs", "console=ttyAMA0 quiet");
	expect_string("/chosen", "stdout-path", "/pl011@9000000");
	EXPECT_CELLS("/chosen", "linux,initrd-start", 0, 0x4fc00000);
	EXPECT_CELLS("/chosen", "linux,initrd-end", 0, 0x4fd00000);
	EXPECT_CELLS("/chosen", "kaslr-seed", 0x11223344, 0x55667788);
}

static void test_gicv2_tree(void)
{
	struct dtb_machine m = machine(2, 2);

	m.bootargs = NULL;
	m.initrd_start = m.initrd_end = 0;
	m.power_button_pin = -1;
	CU_ASSERT_EQUAL_FATAL(dtb_build(&m, buf, sizeof(buf)), 0);
	expect_string("/intc@8000000", "compatible", "arm,cortex-a15-gic");
	EXPECT_CELLS("/intc@8000000", "reg", 0, 0x08000000, 0, 0x10000, 0,
		     0x08010000, 0, 0x2000);
	/* GICv2 PPI specifiers carry a mask of the two CPUs */
	EXPECT_CELLS("/timer", "interrupts", 1, 13, 0x304, 1, 14, 0x304, 1, 11,
		     0x304, 1, 10, 0x304);
	CU_ASSERT_PTR_NULL(fdt_getprop(buf, node("/chosen"), "bootargs", NULL));
	CU_ASSERT_PTR_NULL(fdt_getprop(buf, node("/chosen"), "linux,initrd-start",
				       NULL));
	CU_ASSERT_PTR_NULL(fdt_getprop(buf, node("/intc@8000000"),
				       "#redistributor-regions", NULL));
	/* the PMU's PPI 7, with the CPU mask a GICv2 wants */
	m.pmu = true;
	CU_ASSERT_EQUAL_FATAL(dtb_build(&m, buf, sizeof(buf)), 0);
	expect_string("/pmu", "compatible", "arm,armv8-pmuv3");
	EXPECT_CELLS("/pmu", "interrupts", 1, 7, 0x304);
}

static void test_wide_mpidr(void)
{
	static const uint64_t wide[] = { 0x80000000, 0x0100000000ull };
	struct dtb_machine m = machine(3, 2);

	m.mpidr = wide;
	CU_ASSERT_EQUAL_FATAL(dtb_build(&m, buf, sizeof(buf)), 0);
	EXPECT_CELLS("/cpus", "#address-cells", 2);
	EXPECT_CELLS("/cpus/cpu@100000000", "reg", 1, 0);
}

static void test_errors(void)
{
	struct dtb_machine m = machine(3, 1);

	CU_ASSERT_EQUAL(dtb_build(&m, buf, 256), -ENOSPC);
	m.gic_version = 4;
	CU_ASSERT_EQUAL(dtb_build(&m, buf, sizeof(buf)), -EINVAL);
	m = machine(3, 1);
	m.ncpus = 0;
	CU_ASSERT_EQUAL(dtb_build(&m, buf, sizeof(buf)), -EINVAL);
}

static void test_patch_chosen(void)
{
	static uint8_t user[4096];

	/* A user tree without /chosen gets one. */
	CU_ASSERT_EQUAL_FATAL(fdt_create_empty_tree(user, 512), 0);
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 512, sizeof(user), "root=/dev/vda",
					 0x48000000, 0x48001000), 0);
	memcpy(buf, user, sizeof(user));
	expect_string("/chosen", "bootargs", "root=/dev/vda");
	EXPECT_CELLS("/chosen", "linux,initrd-end", 0, 0x48001000);
	/* Garbage is refused, not parsed. */
	memset(user, 0xa5, sizeof(user));
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 512, sizeof(user), NULL, 0, 0), -EINVAL);
	/* A valid header over a corrupt structure block is refused too. */
	CU_ASSERT_EQUAL_FATAL(fdt_create_empty_tree(user, 512), 0);
	CU_ASSERT_EQUAL_FATAL(fdt_add_subnode(user, 0, "node") >= 0, 1);
	user[fdt_off_dt_struct(user) + 8] = 0xff; /* the first node's tag */
	CU_ASSERT_EQUAL(fdt_check_header(user), 0);
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 512, sizeof(user), NULL, 0, 0), -EINVAL);
	/* No room to grow. */
	CU_ASSERT_EQUAL_FATAL(fdt_create_empty_tree(user, 128), 0);
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 128, 128, "a long command line that "
					 "cannot fit in the space", 0, 0), -ENOSPC);
}

/*
 * Trees crafted against the patcher: a header claiming the room beyond the
 * file (whose bytes would reach guest RAM), and a version 2 header of 72
 * bytes (libfdt 1.6.1's fdt_check_full dereferenced NULL on it).
 */
static void test_patch_hostile(void)
{
	static uint8_t user[4096];
	struct fdt_header *h = (struct fdt_header *)user;
	size_t file;

	CU_ASSERT_EQUAL_FATAL(fdt_create_empty_tree(user, 512), 0);
	CU_ASSERT_EQUAL_FATAL(fdt_pack(user), 0);
	file = fdt_totalsize(user);
	h->totalsize = cpu_to_fdt32((uint32_t)file + 1024);
	h->size_dt_strings = cpu_to_fdt32(fdt_size_dt_strings(user) + 1024);
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, file, sizeof(user), "x", 0, 0), -EINVAL);
	/* the same tree, honest about its size, is fine */
	CU_ASSERT_EQUAL_FATAL(fdt_create_empty_tree(user, 512), 0);
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 512, sizeof(user), "x", 0, 0), 0);

	memset(user, 0, sizeof(user));
	h->magic = cpu_to_fdt32(FDT_MAGIC);
	h->totalsize = cpu_to_fdt32(72);
	h->off_dt_struct = cpu_to_fdt32(40);
	h->off_dt_strings = cpu_to_fdt32(72);
	h->off_mem_rsvmap = cpu_to_fdt32(56);
	h->version = cpu_to_fdt32(2);
	h->last_comp_version = cpu_to_fdt32(2);
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 72, sizeof(user), NULL, 0, 0), -EINVAL);
	h->version = cpu_to_fdt32(16);
	h->last_comp_version = cpu_to_fdt32(18);
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 72, sizeof(user), NULL, 0, 0), -EINVAL);
	/* shorter than a header */
	CU_ASSERT_EQUAL(dtb_patch_chosen(user, 20, sizeof(user), NULL, 0, 0), -EINVAL);
}

const char unit_suite_name[] = "dtb";
const struct unit_test unit_tests[] = {
	{ "GICv3 machine", test_gicv3_tree },
	{ "GICv2 machine", test_gicv2_tree },
	{ "64-bit MPIDR", test_wide_mpidr },
	{ "errors", test_errors },
	{ "patching a user tree", test_patch_chosen },
	{ "hostile user trees", test_patch_hostile },
	{ NULL, NULL },
};
