/*
 * What --kernel may be: an arm64 Image (maybe gzip'd), an ELF file or a raw
 * binary. Classification, the ELF checks, decompression and the RAM plan
 * on any file; a kernel that is accepted must fit where it was placed.
 */
#include <stdlib.h>

#include "a64vm/boot.h"
#include "a64vm/boot_image.h"
#include "fuzz.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (512ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_kernel k;
	struct boot_layout layout;
	char err[160];
	uint8_t *raw = NULL;
	size_t rawlen = 0;

	if (boot_image_is_gzip(data, size) &&
	    !boot_image_gunzip(data, size, 1 << 20, &raw, &rawlen, err, sizeof(err))) {
		data = raw;
		size = rawlen;
	}
	if (!boot_classify(data, size, &k, err, sizeof(err)) && k.kind == BOOT_LINUX &&
	    !boot_plan(RAM_BASE, RAM_SIZE, &k.info, size / 2, &layout, err, sizeof(err))) {
		FUZZ_CHECK(layout.kernel_addr >= RAM_BASE && layout.kernel_end > layout.kernel_addr);
		FUZZ_CHECK(layout.kernel_end <= layout.initrd_addr || !layout.initrd_size);
		FUZZ_CHECK(layout.dtb_addr + BOOT_DTB_MAX <= RAM_BASE + RAM_SIZE);
	}
	free(raw);
	return 0;
}
