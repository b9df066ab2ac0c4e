/* fw_cfg: selectors, the data register, files, and DMA, hostile ones too. */
#include <errno.h>
#include <string.h>

#include "a64vm/fw_cfg.h"
#include "a64vm/memory.h"
#include "snap_fixture.h"
#include "unit.h"

#define RAM 0x40000000ull
#define RAM_SIZE (1u << 20)
#define DESC (RAM + 0x1000)
#define BUF (RAM + 0x2000)

static struct guest_mem mem;

static struct fw_cfg *make(void)
{
	const struct device_env env = { .mem = &mem };

	if (!mem.hva)
		memory_init(&mem, RAM, RAM_SIZE);
	memset(mem.hva, 0, RAM_SIZE);
	return fw_cfg_device.create(&env);
}

/* The guest's view: a big-endian selector write, little-endian data reads. */
static void select_item(struct fw_cfg *f, uint16_t key)
{
	fw_cfg_device.write(f, 8, 2, __builtin_bswap16(key));
}

static uint64_t data(struct fw_cfg *f, unsigned size)
{
	return fw_cfg_device.read(f, 0, size);
}

static void put_desc(uint64_t at, uint32_t control, uint32_t len, uint64_t addr)
{
	uint32_t be[2] = { __builtin_bswap32(control), __builtin_bswap32(len) };
	uint64_t a = __builtin_bswap64(addr);

	memory_write(&mem, at, be, 8);
	memory_write(&mem, at + 8, &a, 8);
}

static uint32_t desc_control(uint64_t at)
{
	uint32_t v;

	memory_read(&mem, at, &v, 4);
	return __builtin_bswap32(v);
}

static void dma(struct fw_cfg *f, uint64_t desc)
{
	fw_cfg_device.write(f, 16, 8, __builtin_bswap64(desc));
}

static void test_selector_and_data(void)
{
	struct fw_cfg *f = make();

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	/* after reset the signature is selected */
	CU_ASSERT_EQUAL(data(f, 4), 0x554d4551); /* "QEMU" in byte order */
	select_item(f, FW_CFG_ID);
	CU_ASSERT_EQUAL(data(f, 1), 3); /* traditional and DMA */
	CU_ASSERT_EQUAL(data(f, 1), 0);
	fw_cfg_set_copy(f, FW_CFG_CMDLINE_DATA, "console=ttyAMA0", 16);
	select_item(f, FW_CFG_CMDLINE_DATA);
	CU_ASSERT_EQUAL(data(f, 8), 0x3d656c6f736e6f63ull); /* "console=" */
	CU_ASSERT_EQUAL(data(f, 2), 0x7474); /* "tt" */
	CU_ASSERT_EQUAL(data(f, 8), 0x0030414d4179ull); /* "yAMA0\0", zero padded */
	CU_ASSERT_EQUAL(data(f, 4), 0);	  /* past the end */
	/* keys beyond the table and architecture-local ones select nothing */
	select_item(f, 0x3fff);
	CU_ASSERT_EQUAL(data(f, 8), 0);
	select_item(f, 0x8000);
	CU_ASSERT_EQUAL(data(f, 8), 0);
	/* the DMA register reads as its signature; others read zero */
	CU_ASSERT_EQUAL(fw_cfg_device.read(f, 16, 8), 0x47464320554d4551ull);
	CU_ASSERT_EQUAL(fw_cfg_device.read(f, 20, 4), 0x47464320);
	CU_ASSERT_EQUAL(fw_cfg_device.read(f, 8, 2), 0);
	CU_ASSERT_EQUAL(fw_cfg_set(f, FW_CFG_FILE_FIRST, NULL, 0), -EINVAL);
	fw_cfg_device.destroy(f);
}

static void test_files(void)
{
	struct fw_cfg *f = make();
	uint8_t dir[4 + 2 * 64];

	CU_ASSERT_EQUAL(fw_cfg_set_file(f, "etc/one", "abc", 3), 0);
	CU_ASSERT_EQUAL(fw_cfg_set_file(f, "opt/two", "hello", 5), 0);
	CU_ASSERT_EQUAL(fw_cfg_set_file(f, "etc/one", "abcd", 4), 0); /* replaced */
	select_item(f, FW_CFG_FILE_DIR);
	for (unsigned i = 0; i < sizeof(dir); i++)
		dir[i] = (uint8_t)data(f, 1);
	CU_ASSERT_EQUAL(dir[3], 2); /* big-endian count */
	CU_ASSERT_EQUAL(dir[4 + 3], 4); /* size of etc/one */
	CU_ASSERT_EQUAL(dir[4 + 5], FW_CFG_FILE_FIRST);
	CU_ASSERT_STRING_EQUAL((char *)dir + 4 + 8, "etc/one");
	CU_ASSERT_EQUAL(dir[4 + 64 + 5], FW_CFG_FILE_FIRST + 1);
	CU_ASSERT_STRING_EQUAL((char *)dir + 4 + 64 + 8, "opt/two");
	select_item(f, FW_CFG_FILE_FIRST + 1);
	CU_ASSERT_EQUAL(data(f, 8), 0x6f6c6c6568ull);
	/* names that do not fit */
	CU_ASSERT_EQUAL(fw_cfg_set_file(f, "", "x", 1), -EINVAL);
	CU_ASSERT_EQUAL(fw_cfg_set_file(f, "a-name-that-is-far-too-long-for-the-"
					  "fifty-six-bytes-of-a-fw-cfg-file", "x", 1),
			-EINVAL);
	fw_cfg_device.destroy(f);
}

static void test_dma(void)
{
	struct fw_cfg *f = make();
	static const char kernel[] = "an arm64 Image, or so";

	fw_cfg_set_copy(f, FW_CFG_KERNEL_DATA, kernel, sizeof(kernel));
	/* select and read 6 bytes, then skip 3, then read the rest and beyond */
	put_desc(DESC, FW_CFG_KERNEL_DATA << 16 | FW_CFG_DMA_CTL_SELECT |
			       FW_CFG_DMA_CTL_READ, 6, BUF);
	memset(mem.hva + (BUF - RAM), 0xee, 64);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), 0);
	CU_ASSERT_EQUAL(memcmp(mem.hva + (BUF - RAM), "an arm", 6), 0);
	put_desc(DESC, FW_CFG_DMA_CTL_SKIP, 3, 0);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), 0);
	put_desc(DESC, FW_CFG_DMA_CTL_READ, 20, BUF + 6);
	/* the two 32-bit halves, high first: the low half starts it */
	fw_cfg_device.write(f, 16, 4, 0);
	fw_cfg_device.write(f, 20, 4, __builtin_bswap32((uint32_t)DESC));
	CU_ASSERT_EQUAL(desc_control(DESC), 0);
	CU_ASSERT_EQUAL(memcmp(mem.hva + (BUF - RAM), "an armImage, or so", 19), 0);
	CU_ASSERT_EQUAL(mem.hva[BUF - RAM + 25], 0); /* zeros past the item */
	CU_ASSERT_EQUAL(mem.hva[BUF - RAM + 26], 0xee);
	/* writes: every item is read-only */
	put_desc(DESC, FW_CFG_DMA_CTL_WRITE, 4, BUF);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), FW_CFG_DMA_CTL_ERROR);
	fw_cfg_device.destroy(f);
}

static void test_hostile_dma(void)
{
	struct fw_cfg *f = make();

	fw_cfg_set_copy(f, FW_CFG_KERNEL_DATA, "0123456789", 10);
	/* a buffer outside RAM, one that runs off its end, one that wraps */
	put_desc(DESC, FW_CFG_KERNEL_DATA << 16 | FW_CFG_DMA_CTL_SELECT |
			       FW_CFG_DMA_CTL_READ, 10, 0x1000);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), FW_CFG_DMA_CTL_ERROR);
	put_desc(DESC, FW_CFG_KERNEL_DATA << 16 | FW_CFG_DMA_CTL_SELECT |
			       FW_CFG_DMA_CTL_READ, 16, RAM + RAM_SIZE - 8);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), FW_CFG_DMA_CTL_ERROR);
	put_desc(DESC, FW_CFG_DMA_CTL_READ, 0xffffffffu, UINT64_MAX - 4);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), FW_CFG_DMA_CTL_ERROR);
	/* a zero fill past the item must stay inside RAM too */
	put_desc(DESC, FW_CFG_KERNEL_DATA << 16 | FW_CFG_DMA_CTL_SELECT |
			       FW_CFG_DMA_CTL_READ, 0xffffffffu, BUF);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), FW_CFG_DMA_CTL_ERROR);
	/* a descriptor outside RAM, or straddling its end: nothing happens */
	dma(f, 0x1000);
	dma(f, RAM + RAM_SIZE - 8);
	dma(f, UINT64_MAX - 3);
	/* neither read, write nor skip: nothing moves, no error */
	put_desc(DESC, 0, 100, BUF);
	dma(f, DESC);
	CU_ASSERT_EQUAL(desc_control(DESC), 0);
	/* odd widths and offsets are ignored */
	fw_cfg_device.write(f, 8, 1, 5);
	fw_cfg_device.write(f, 8, 4, 5);
	fw_cfg_device.write(f, 16, 2, 5);
	fw_cfg_device.write(f, 0, 8, 5);
	CU_ASSERT_EQUAL(fw_cfg_device.read(f, 22, 4), 0);
	fw_cfg_device.destroy(f);
}

const char unit_suite_name[] = "fw_cfg";
/* A guest halfway through the signature reads on where it was after a restore. */
static void test_snapshot(void)
{
	struct fw_cfg *f = make(), *g = make();
	const struct snapshot_section *saved;

	select_item(f, 0); /* FW_CFG_SIGNATURE: "QEMU" */
	CU_ASSERT_EQUAL(data(f, 1), 'Q');
	saved = snap_fixture_save(&fw_cfg_device, f);
	CU_ASSERT_EQUAL(snap_fixture_restore(&fw_cfg_device, g, snap_fixture_cut(saved)), -EINVAL);
	CU_ASSERT_EQUAL(snap_fixture_restore(&fw_cfg_device, g, saved), 0);
	CU_ASSERT_EQUAL(data(g, 1), 'E');
	CU_ASSERT_EQUAL(data(g, 2), 'M' | 'U' << 8);
	fw_cfg_device.destroy(f);
	fw_cfg_device.destroy(g);
}

const struct unit_test unit_tests[] = {
	{ "selector and data register", test_selector_and_data },
	{ "the file directory", test_files },
	{ "DMA: select, read, skip, write refused", test_dma },
	{ "DMA outside RAM", test_hostile_dma },
	{ "saved and restored", test_snapshot },
	{ NULL, NULL },
};
