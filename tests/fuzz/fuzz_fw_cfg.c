/*
 * fw_cfg as a guest drives it: any sequence of selector, data and DMA
 * register accesses, with DMA descriptors and buffers anywhere in (or
 * outside) 64 KiB of guest RAM the input fills. Items are what a64vm sets
 * for a firmware boot.
 */
#include <string.h>

#include "a64vm/fw_cfg.h"
#include "a64vm/memory.h"
#include "fuzz.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (64u << 10)

static uint8_t ram[RAM_SIZE];
static struct guest_mem mem = { .base = RAM_BASE, .size = RAM_SIZE, .hva = ram };

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
	in.p += fill;
	in.left -= fill;
	while (in.left) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		uint64_t off = (op >> 2) % 24, width = 1u << ((op >> 6) & 3);
		uint64_t value = fuzz_take(&in, 8);

		if (op & 1)
			fw_cfg_device.write(f, off, (unsigned)width, value);
		else
			fw_cfg_device.read(f, off, (unsigned)width);
	}
	fw_cfg_device.destroy(f);
	return 0;
}
