#include <errno.h>
#include <string.h>

#include "a64vm/boot.h"
#include "unit.h"

#define RAM 0x40000000ull
#define MiB (1ull << 20)

struct plan_case {
	uint64_t ram_size, text_offset, image_size, initrd;
	int ret;
};

static const struct plan_case plan_cases[] = {
	{ 256 * MiB, 0, 33 * MiB, 1 * MiB, 0 },
	{ 256 * MiB, 0x80000, 20 * MiB, 0, 0 },
	{ 36 * MiB, 0, 33 * MiB, 1 * MiB - 4096, 0 }, /* just fits */
	{ 36 * MiB, 0, 33 * MiB, 1 * MiB + 1, -ENOSPC },
	{ 16 * MiB, 0, 33 * MiB, 1 * MiB, -ENOSPC },
	{ 64 * MiB, 0, 8 * MiB, 64 * MiB, -ENOSPC },
	{ 64 * MiB, 0, 8 * MiB, UINT64_MAX - 100, -ENOSPC }, /* no wrap-around */
};

static void test_plan_table(void)
{
	for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		const struct plan_case *c = &plan_cases[i];
		struct boot_image_info k = { .text_offset = c->text_offset,
					     .image_size = c->image_size };
		struct boot_layout l;
		char err[200] = "";

		CU_ASSERT_EQUAL(boot_plan(RAM, c->ram_size, &k, c->initrd, &l, err,
					  sizeof(err)), c->ret);
		if (c->ret) {
			CU_ASSERT_PTR_NOT_NULL(strstr(err, "too small"));
			continue;
		}
		CU_ASSERT_EQUAL(l.kernel_addr, RAM + c->text_offset);
		CU_ASSERT_EQUAL(l.kernel_end, l.kernel_addr + c->image_size);
		CU_ASSERT_EQUAL(l.dtb_addr, RAM + c->ram_size - BOOT_DTB_MAX);
		CU_ASSERT_EQUAL(l.initrd_addr % 4096, 0);
		CU_ASSERT(l.initrd_addr >= l.kernel_end);
		CU_ASSERT(l.initrd_addr + c->initrd <= l.dtb_addr);
	}
}

const char unit_suite_name[] = "boot";
const struct unit_test unit_tests[] = {
	{ "layout table", test_plan_table },
	{ NULL, NULL },
};
