/*
 * The CFI flash model as a guest drives it: any sequence of 1-, 2- and
 * 4-byte accesses anywhere in a 1 MiB bank (4 sectors), with storage
 * writes that fail when the input says so. The oracle is a shadow copy:
 * storage changes only through storage_write, inside the bank, and only
 * when the write succeeded; a failed write leaves an error bit in the
 * status register for the guest to see.
 */
#include <string.h>

#include "a64vm/cfi_flash.h"
#include "fuzz.h"

#define SIZE (1u << 20)

static uint8_t storage[SIZE], shadow[SIZE];
static bool fail_next, failed;

static int on_write(void *ctx, uint64_t off, const uint8_t *data, uint64_t len)
{
	(void)ctx;
	FUZZ_CHECK(off <= SIZE && len <= SIZE - off && len);
	if (fail_next) {
		failed = true;
		return -28;
	}
	if (data)
		memcpy(storage + off, data, len);
	else
		memset(storage + off, 0xff, len);
	memcpy(shadow + off, storage + off, len);
	return 0;
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
		.storage_write = on_write, .direct_reads = on_direct,
	};
	void *f;

	memset(storage, 0xff, sizeof(storage));
	memset(shadow, 0xff, sizeof(shadow));
	f = cfi_flash_device.create(&env);
	FUZZ_CHECK(f);
	while (in.left) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned width = 1u << ((op >> 1) % 3);
		uint64_t off = fuzz_take(&in, 3) % SIZE & ~(uint64_t)(width - 1);
		uint64_t value = fuzz_take(&in, 4);

		fail_next = op & 0x80;
		failed = false;
		if (!(op & 1)) {
			cfi_flash_device.read(f, off, width);
			continue;
		}
		cfi_flash_device.write(f, off, width, value);
		FUZZ_CHECK(!memcmp(storage, shadow, SIZE));
		if (failed) { /* the guest must be able to see it */
			cfi_flash_device.write(f, 0, 4, 0x70);
			FUZZ_CHECK(cfi_flash_device.read(f, 0, 4) & 0x30);
		}
	}
	cfi_flash_device.destroy(f);
	return 0;
}
