/*
 * fw_cfg as a guest drives it: any sequence of selector, data and DMA
 * register accesses, with DMA descriptors and buffers anywhere in (or
 * outside) 64 KiB of guest RAM the input fills. Items are what a64vm sets
 * for a firmware boot. The oracle: an access changes guest RAM only when
 * it starts a DMA transfer, and then only the descriptor's status word and,
 * for a read, the bytes the descriptor names.
 */
#include <string.h>

#include "a64vm/fw_cfg.h"
#include "a64vm/memory.h"
#include "fuzz.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (64u << 10)

#define DMA_HIGH 0x10
#define DMA_LOW 0x14

static uint8_t ram[RAM_SIZE], before[RAM_SIZE];
static struct guest_mem mem = { .base = RAM_BASE, .size = RAM_SIZE, .hva = ram };
static uint64_t dma_high; /* the device's half-written DMA address, mirrored */

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static bool inside(uint64_t gpa, uint64_t start, uint64_t len)
{
	return gpa >= start && gpa - start < len;
}

/* Which bytes a write of value at off may change: none unless it starts DMA. */
static void check_writes(uint64_t off, unsigned width, uint64_t value)
{
	uint64_t desc, control = 0, length = 0, addr = 0;
	bool dma = false;

	if (off == DMA_HIGH && width == 8) {
		desc = __builtin_bswap64(value);
		dma = true;
	} else if (off == DMA_LOW && width == 4) {
		desc = dma_high | __builtin_bswap32((uint32_t)value);
		dma = true;
	}
	if (off == DMA_HIGH && width == 4)
		dma_high = (uint64_t)__builtin_bswap32((uint32_t)value) << 32;
	else if (dma)
		dma_high = 0;
	if (dma && inside(desc, RAM_BASE, RAM_SIZE - 15)) {
		const uint8_t *d = before + (desc - RAM_BASE);

		control = be(d, 4);
		length = be(d + 4, 4);
		addr = be(d + 8, 8);
	}
	if (!memcmp(ram, before, RAM_SIZE))
		return;
	for (unsigned i = 0; i < RAM_SIZE; i++) {
		uint64_t gpa = RAM_BASE + i;

		if (ram[i] == before[i])
			continue;
		FUZZ_CHECK(dma && (inside(gpa, desc, 4) ||
				   ((control & FW_CFG_DMA_CTL_READ) && inside(gpa, addr, length))));
	}
	memcpy(before, ram, RAM_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct device_env env = { .mem = &mem };
	static const uint8_t kernel[300] = { 1, 2, 3 };
	struct fuzz_in in = { data, size };
	struct fw_cfg *f = fw_cfg_device.create(&env);
	size_t fill = (size_t)fuzz_take(&in, 2);

	FUZZ_CHECK(f);
	fw_cfg_set_copy(f, FW_CFG_KERNEL_DATA, kernel, sizeof(kernel));
	fw_cfg_set_le(f, FW_CFG_KERNEL_SIZE, sizeof(kernel), 4);
	fw_cfg_set_file(f, "etc/a64vm", "hello", 5);
	fill = fill < in.left ? fill : in.left;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, in.p, fill < RAM_SIZE ? fill : RAM_SIZE);
	memcpy(before, ram, RAM_SIZE);
	dma_high = 0;
	in.p += fill;
	in.left -= fill;
	while (in.left) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		/* bit 0: write; bits 1-5: the offset; bits 6-7: the width */
		uint64_t off = ((op >> 1) & 31) % 24, width = 1u << ((op >> 6) & 3);
		uint64_t value = fuzz_take(&in, 8);

		if (op & 1)
			fw_cfg_device.write(f, off, (unsigned)width, value);
		else
			fw_cfg_device.read(f, off, (unsigned)width);
		check_writes(op & 1 ? off : ~0ull, (unsigned)width, value);
	}
	fw_cfg_device.destroy(f);
	return 0;
}
