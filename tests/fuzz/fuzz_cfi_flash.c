/*
 * The CFI flash model as a guest drives it: any sequence of 1-, 2- and
 * 4-byte accesses anywhere in a 1 MiB bank (4 sectors). Programs and
 * erases must stay inside the bank and be reported as changes inside it.
 */
#include <string.h>

#include "a64vm/cfi_flash.h"
#include "fuzz.h"

#define SIZE (1u << 20)

static uint8_t storage[SIZE];

static void on_changed(void *ctx, uint64_t off, uint64_t len)
{
	(void)ctx;
	FUZZ_CHECK(off <= SIZE && len <= SIZE - off);
}

static void on_direct(void *ctx, bool on)
{
	(void)ctx;
	(void)on;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct device_env env = {
		.storage = storage, .storage_size = SIZE,
		.storage_read_only = fuzz_take(&in, 1) & 1,
		.storage_changed = on_changed, .direct_reads = on_direct,
	};
	void *f;

	memset(storage, 0xff, sizeof(storage));
	f = cfi_flash_device.create(&env);
	FUZZ_CHECK(f);
	while (in.left) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned width = 1u << ((op >> 1) % 3);
		uint64_t off = fuzz_take(&in, 3) % SIZE & ~(uint64_t)(width - 1);
		uint64_t value = fuzz_take(&in, 4);

		if (op & 1)
			cfi_flash_device.write(f, off, width, value);
		else
			cfi_flash_device.read(f, off, width);
	}
	cfi_flash_device.destroy(f);
	return 0;
}
