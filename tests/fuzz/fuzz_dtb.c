/*
 * The --dtb patcher: any file as a user's device tree, with 4 KiB of room
 * to grow, as the loader gives it. A tree it accepts fits that room; none
 * may make libfdt read outside the buffer (ASan).
 */
#include <string.h>

#include "a64vm/dtb.h"
#include "fuzz.h"

#define ROOM 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[64 << 10];

	if (size > sizeof(buf) - ROOM)
		return 0;
	memcpy(buf, data, size);
	memset(buf + size, 0, ROOM);
	if (!dtb_patch_chosen(buf, size, size + ROOM, "console=ttyAMA0", 0x48000000,
			      0x48001000))
		FUZZ_CHECK(dtb_size(buf) <= size + ROOM);
	return 0;
}
