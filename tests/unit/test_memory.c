#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "a64vm/memory.h"
#include "unit.h"

#define BASE 0x40000000ull
#define SIZE (1ull << 20)

static const struct {
	uint64_t gpa, len;
	bool ok;
} ranges[] = {
	{ BASE, 1, true },
	{ BASE, SIZE, true },
	{ BASE + SIZE - 8, 8, true },
	{ BASE + SIZE, 0, true }, /* empty range at the very end */
	{ BASE + SIZE - 8, 9, false },
	{ BASE + SIZE, 1, false },
	{ BASE - 1, 1, false },
	{ BASE - 1, 2, false },
	{ 0, 1, false },
	{ UINT64_MAX, 1, false },
	{ BASE + 8, UINT64_MAX, false }, /* gpa + len overflows */
	{ BASE, SIZE + 1, false },
};

static void test_bounds(void)
{
	struct guest_mem mem;

	CU_ASSERT_EQUAL_FATAL(memory_init(&mem, BASE, SIZE), 0);
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		uint8_t *p = memory_gpa_to_hva(&mem, ranges[i].gpa, ranges[i].len);

		CU_ASSERT_EQUAL(p != NULL, ranges[i].ok);
		if (p)
			CU_ASSERT_PTR_EQUAL(p, mem.hva + (ranges[i].gpa - BASE));
	}
	memory_free(&mem);
}

static void test_read_write(void)
{
	struct guest_mem mem;
	uint8_t in[16], out[16];

	CU_ASSERT_EQUAL_FATAL(memory_init(&mem, BASE, SIZE), 0);
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	CU_ASSERT_EQUAL(memory_write(&mem, BASE + 100, in, sizeof(in)), 0);
	CU_ASSERT_EQUAL(memory_read(&mem, BASE + 100, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(memcmp(in, out, sizeof(in)), 0);
	CU_ASSERT_EQUAL(memory_write(&mem, BASE + SIZE - 4, in, 8), -EFAULT);
	CU_ASSERT_EQUAL(memory_read(&mem, BASE - 4, out, 8), -EFAULT);
	memory_free(&mem);
	CU_ASSERT_EQUAL(memory_init(&mem, UINT64_MAX - 10, 100), -EINVAL);
	CU_ASSERT_EQUAL(memory_init(&mem, BASE, 0), -EINVAL);
}

/* 2 MiB aligned, so that KVM can map the guest with 2 MiB blocks. */
static void test_aligned_for_blocks(void)
{
	struct guest_mem mem;

	for (unsigned i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(memory_init(&mem, BASE, (3ull << 20) + 4096u * i), 0);
		CU_ASSERT_EQUAL((uintptr_t)mem.hva & ((2u << 20) - 1), 0);
		mem.hva[mem.size - 1] = 1; /* all of it is mapped */
		memory_free(&mem);
	}
}

static void test_hugetlbfs_refused(void)
{
	struct guest_mem mem = { 0 };

	/* Not a hugetlbfs mount, or not there: an error, not a fallback. */
	CU_ASSERT_EQUAL(memory_init_backed(&mem, BASE, SIZE, "/", false), -EINVAL);
	CU_ASSERT_EQUAL(memory_init_backed(&mem, BASE, SIZE, "/nonexistent/dir", false), -ENOENT);
	CU_ASSERT_PTR_NULL(mem.hva);
}

/*
 * Shared RAM (a private huge tmpfs as root, else a memfd): another mapping
 * of its fd sees what the guest writes.
 */
static void test_shared_memfd(void)
{
	struct guest_mem mem;
	uint8_t *other;

	CU_ASSERT_EQUAL_FATAL(memory_init_backed(&mem, BASE, 3ull << 20, NULL, true), 0);
	CU_ASSERT(mem.fd >= 0);
	CU_ASSERT_EQUAL((uintptr_t)mem.hva & ((2u << 20) - 1), 0);
	other = mmap(NULL, mem.size, PROT_READ, MAP_SHARED, mem.fd, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(other, MAP_FAILED);
	mem.hva[(2u << 20) + 5] = 0x5a;
	CU_ASSERT_EQUAL(other[(2u << 20) + 5], 0x5a);
	munmap(other, mem.size);
	memory_free(&mem);
	CU_ASSERT_EQUAL(mem.fd, -1);
	CU_ASSERT_EQUAL_FATAL(memory_init(&mem, BASE, SIZE), 0);
	CU_ASSERT_EQUAL(mem.fd, -1); /* private RAM has no file */
	memory_free(&mem);
}

/* Once tracked, each page a translation reaches is marked once, and taken once. */
static void test_touched(void)
{
	struct guest_mem mem;
	uint64_t bits[2] = { 0 };

	CU_ASSERT_EQUAL_FATAL(memory_init(&mem, BASE, 128u * 4096), 0);
	CU_ASSERT_PTR_NOT_NULL(memory_gpa_to_hva(&mem, BASE + 8 * 4096, 1)); /* not tracked yet */
	CU_ASSERT_EQUAL_FATAL(memory_track_touched(&mem), 0);
	CU_ASSERT_EQUAL(memory_track_touched(&mem), 0); /* once is enough */
	CU_ASSERT_PTR_NOT_NULL(memory_gpa_to_hva(&mem, BASE + 4095, 2));	  /* pages 0, 1 */
	CU_ASSERT_PTR_NOT_NULL(memory_gpa_to_hva(&mem, BASE + 70 * 4096, 4096)); /* page 70 */
	CU_ASSERT_PTR_NOT_NULL(memory_gpa_to_hva(&mem, BASE + 127 * 4096, 0));	  /* none */
	CU_ASSERT_PTR_NULL(memory_gpa_to_hva(&mem, BASE + 127 * 4096, 4097));	  /* not RAM */
	CU_ASSERT_EQUAL(memory_write(&mem, BASE + 127 * 4096 + 10, "x", 1), 0);   /* page 127 */
	memory_take_touched(&mem, bits);
	CU_ASSERT_EQUAL(bits[0], 3u);
	CU_ASSERT_EQUAL(bits[1], 1ull << 6 | 1ull << 63);
	bits[0] = bits[1] = 0;
	memory_take_touched(&mem, bits);
	CU_ASSERT(!bits[0] && !bits[1]);
	memory_free(&mem);
}

/* A digest of any length: it sees every byte, and marks nothing touched. */
static void test_digest(void)
{
	struct guest_mem mem;
	uint64_t a, b, bits[1] = { 0 };

	CU_ASSERT_EQUAL_FATAL(memory_init(&mem, BASE, 16u * 4096), 0);
	CU_ASSERT_EQUAL_FATAL(memory_track_touched(&mem), 0);
	CU_ASSERT_EQUAL(memory_digest(&mem, BASE, 13, &a), 0);
	mem.hva[12] = 1;
	CU_ASSERT_EQUAL(memory_digest(&mem, BASE, 13, &b), 0);
	CU_ASSERT_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(memory_digest(&mem, BASE, mem.size, &a), 0);
	CU_ASSERT_EQUAL(memory_digest(&mem, BASE, mem.size + 1, &a), -EFAULT);
	CU_ASSERT_EQUAL(memory_digest(&mem, BASE - 1, 2, &a), -EFAULT);
	memory_take_touched(&mem, bits);
	CU_ASSERT_EQUAL(bits[0], 0u);
	memory_free(&mem);
}

const char unit_suite_name[] = "memory";
const struct unit_test unit_tests[] = {
	{ "checked GPA translation", test_bounds },
	{ "read and write", test_read_write },
	{ "2 MiB aligned", test_aligned_for_blocks },
	{ "--hugepages needs hugetlbfs", test_hugetlbfs_refused },
	{ "shared RAM: a file another mapping sees", test_shared_memfd },
	{ "pages a64vm touched, for rewinds", test_touched },
	{ "a digest of RAM", test_digest },
	{ NULL, NULL },
};
