/* The debugger's patches over flash: never in the contents, kept by writes. */
#include <stdlib.h>
#include <string.h>

#include "a64vm/flash_image.h"
#include "unit.h"

#define SIZE 4096

static uint8_t storage[SIZE], copy[SIZE];
static struct flash_image fi;

static void setup(void)
{
	for (unsigned i = 0; i < SIZE; i++)
		storage[i] = (uint8_t)i;
	fi = (struct flash_image){ .size = SIZE, .storage = storage, .image = storage };
}

/* What the board does on 1: give the view its own copy. */
static int debug_write(uint64_t off, const void *buf, size_t len)
{
	int ret = flash_image_debug_write(&fi, off, buf, len);

	if (ret == 1) {
		memcpy(copy, storage, SIZE);
		fi.image = copy;
		ret = flash_image_debug_write(&fi, off, buf, len);
	}
	return ret;
}

static void test_breakpoint_in_and_out(void)
{
	static const uint8_t brk[4] = { 0x00, 0x00, 0x20, 0xd4 };
	uint8_t saved[4];

	setup();
	memcpy(saved, storage + 0x100, 4);
	CU_ASSERT_EQUAL(debug_write(0x100, brk, 4), 0);
	CU_ASSERT_FALSE(flash_image_shared(&fi));
	CU_ASSERT_EQUAL(memcmp(fi.image + 0x100, brk, 4), 0);
	CU_ASSERT_EQUAL(memcmp(storage + 0x100, saved, 4), 0); /* never the contents */
	CU_ASSERT_EQUAL(fi.npatches, 4); /* the byte that already was 0x00 too */
	/* removal: the saved bytes go back, the patches go */
	CU_ASSERT_EQUAL(debug_write(0x100, saved, 4), 0);
	CU_ASSERT_EQUAL(fi.npatches, 0);
	CU_ASSERT_EQUAL(memcmp(fi.image + 0x100, saved, 4), 0);
}

static void test_guest_writes_keep_patches(void)
{
	static const uint8_t brk[4] = { 0x00, 0x00, 0x20, 0xd4 };
	uint8_t saved[4];

	setup();
	memcpy(saved, storage + 0x200, 4);
	CU_ASSERT_EQUAL(debug_write(0x200, brk, 4), 0);
	/* the guest erases the area: the contents change, the breakpoint stays,
	 * even its byte that matched the old contents (0x00) */
	memset(storage + 0x100, 0xff, 0x200);
	flash_image_refresh(&fi, 0x100, 0x200);
	CU_ASSERT_EQUAL(memcmp(fi.image + 0x200, brk, 4), 0);
	CU_ASSERT_EQUAL(fi.image[0x1ff], 0xff);
	CU_ASSERT_EQUAL(fi.image[0x204], 0xff);
	/* the breakpoint's removal brings the new contents, not the old bytes */
	CU_ASSERT_EQUAL(debug_write(0x200, saved, 4), 0);
	CU_ASSERT_EQUAL(fi.npatches, 0);
	CU_ASSERT_EQUAL(fi.image[0x200], 0xff);
	CU_ASSERT_EQUAL(fi.image[0x203], 0xff);
}

static void test_limits(void)
{
	uint8_t *big = malloc(FLASH_MAX_PATCHES + 1);

	setup();
	memset(big, 0xee, FLASH_MAX_PATCHES + 1);
	CU_ASSERT_EQUAL(debug_write(0, big, FLASH_MAX_PATCHES + 1), -ENOSPC);
	CU_ASSERT_EQUAL(fi.npatches, 0); /* all or nothing */
	CU_ASSERT_EQUAL(debug_write(0, big, FLASH_MAX_PATCHES), 0);
	CU_ASSERT_EQUAL(debug_write(SIZE - 1, big, 1), -ENOSPC);
	CU_ASSERT_EQUAL(debug_write(SIZE - 1, big, 2), -EFAULT);
	CU_ASSERT_EQUAL(debug_write(UINT64_MAX, big, 1), -EFAULT);
	flash_image_refresh(&fi, SIZE - 1, 2); /* out of range: ignored */
	free(big);
}

const char unit_suite_name[] = "flash_image";
const struct unit_test unit_tests[] = {
	{ "a software breakpoint in and out", test_breakpoint_in_and_out },
	{ "guest programs and erases keep the patches", test_guest_writes_keep_patches },
	{ "limits", test_limits },
	{ NULL, NULL },
};
