/*
 * qcow2: a header told by its magic, and the empty overlay a64vm writes,
 * field by field as docs/interop/qcow2.txt lays them out (qemu-img check
 * finds no error in it, and qemu-storage-daemon serves it in the nested
 * tests).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/qcow2.h"
#include "unit.h"

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void test_probe(void)
{
	uint8_t head[32] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
	uint64_t size = 0;

	head[24 + 4] = 0x80; /* 2 GiB, big-endian */
	CU_ASSERT_TRUE(qcow2_probe(head, sizeof(head), &size));
	CU_ASSERT_EQUAL(size, 1ull << 31);
	CU_ASSERT_FALSE(qcow2_probe(head, 31, &size)); /* a file too short */
	head[3] = 0xfc;
	CU_ASSERT_FALSE(qcow2_probe(head, sizeof(head), &size));
}

static void check_empty(uint64_t size, uint64_t l1_entries, size_t clusters)
{
	uint8_t *b = NULL;
	size_t len = 0;
	uint64_t probed = 0;

	CU_ASSERT_EQUAL_FATAL(qcow2_empty(size, &b, &len), 0);
	CU_ASSERT_EQUAL(len, clusters << 16);
	CU_ASSERT_TRUE(qcow2_probe(b, len, &probed));
	CU_ASSERT_EQUAL(probed, size);
	CU_ASSERT_EQUAL(be(b + 4, 4), 3);		  /* version */
	CU_ASSERT_EQUAL(be(b + 8, 8), 0);		  /* no backing file named */
	CU_ASSERT_EQUAL(be(b + 20, 4), 16);		  /* cluster_bits */
	CU_ASSERT_EQUAL(be(b + 36, 4), l1_entries);	  /* l1_size */
	CU_ASSERT_EQUAL(be(b + 40, 8), 3u << 16);	  /* l1_table_offset */
	CU_ASSERT_EQUAL(be(b + 48, 8), 1u << 16);	  /* refcount_table_offset */
	CU_ASSERT_EQUAL(be(b + 56, 4), 1);		  /* refcount_table_clusters */
	CU_ASSERT_EQUAL(be(b + 72, 8), 0);		  /* no incompatible features */
	CU_ASSERT_EQUAL(be(b + 96, 4), 4);		  /* 16-bit refcounts */
	CU_ASSERT_EQUAL(be(b + 100, 4), 104);		  /* header_length */
	CU_ASSERT_EQUAL(be(b + 104, 8), 0);		  /* end of extensions */
	CU_ASSERT_EQUAL(be(b + (1u << 16), 8), 2u << 16); /* the refcount block */
	/* Every cluster of the file counted once, and no other. */
	for (size_t c = 0; c < clusters + 2; c++)
		CU_ASSERT_EQUAL(be(b + (2u << 16) + 2 * c, 2), c < clusters ? 1 : 0);
	/* An empty L1: nothing allocated, everything read from the backing image. */
	for (uint64_t i = 0; i < l1_entries; i++)
		CU_ASSERT_EQUAL(be(b + (3u << 16) + 8 * i, 8), 0);
	free(b);
}

static void test_empty(void)
{
	check_empty(512, 1, 4);
	check_empty(2ull << 30, 4, 4);		 /* an L2 table maps 512 MiB */
	check_empty((2ull << 30) + 512, 5, 4);
	check_empty(QCOW2_MAX_SIZE, 131072, 19); /* 1 MiB of L1 */
}

static void test_bad_sizes(void)
{
	uint8_t *b = NULL;
	size_t len;

	CU_ASSERT_EQUAL(qcow2_empty(0, &b, &len), -EINVAL);
	CU_ASSERT_EQUAL(qcow2_empty(1000, &b, &len), -EINVAL);
	CU_ASSERT_EQUAL(qcow2_empty(QCOW2_MAX_SIZE + 512, &b, &len), -EINVAL);
	CU_ASSERT_PTR_NULL(b);
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* One table entry at p, as QEMU writes it: its length, padded to 8. */
static size_t entry(uint8_t *p, const char *id, const char *name, unsigned extra,
		    uint64_t disk_size)
{
	size_t id_len = strlen(id), name_len = strlen(name), len = 40 + extra + id_len + name_len;

	put_be(p + 12, id_len, 2);
	put_be(p + 14, name_len, 2);
	put_be(p + 36, extra, 4);
	if (extra >= 16)
		put_be(p + 48, disk_size, 8);
	memcpy(p + 40 + extra, id, id_len);
	memcpy(p + 40 + extra + id_len, name, name_len);
	return len + (8 - len % 8) % 8;
}

static void test_snapshots(void)
{
	uint8_t head[104] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 }, t[512] = { 0 };
	uint64_t size = 0, offset = 0;
	uint32_t count = 0;
	size_t len;

	put_be(head + 60, 2, 4);
	put_be(head + 64, 0x50000, 8);
	CU_ASSERT_TRUE(qcow2_snapshot_table(head, sizeof(head), &count, &offset));
	CU_ASSERT_EQUAL(count, 2);
	CU_ASSERT_EQUAL(offset, 0x50000);
	CU_ASSERT_FALSE(qcow2_snapshot_table(head, 71, &count, &offset));

	len = entry(t, "1", "before", 0, 0);
	CU_ASSERT_EQUAL(len, 48); /* 47, padded */
	len += entry(t + len, "2", "a64vm-7", 24, 8 << 20);
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len, 2, "a64vm-7", &size), 0);
	CU_ASSERT_EQUAL(size, 8 << 20);
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len, 2, "before", &size), 0);
	CU_ASSERT_EQUAL(size, QCOW2_SIZE_UNKNOWN); /* an entry without extra data */
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len, 2, "a64vm", &size), -ENOENT); /* a prefix */
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len, 1, "a64vm-7", &size), -ENOENT);
	/* A table shorter than its entries say, or than its count. */
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len - 1, 2, "a64vm-7", &size), -EINVAL);
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len, 3, "x", &size), -EINVAL);
	put_be(t + 48 + 14, 0xffff, 2); /* a name running far past the table */
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len, 2, "a64vm-7", &size), -EINVAL);
	put_be(t + 48 + 14, 7, 2);
	put_be(t + 48 + 36, 0xffffffffu, 4); /* extra data as large */
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, len, 2, "a64vm-7", &size), -EINVAL);
	CU_ASSERT_EQUAL(qcow2_find_snapshot(t, 0, 0, "x", &size), -ENOENT);
}

const char unit_suite_name[] = "qcow2";
const struct unit_test unit_tests[] = {
	{ "a header by its magic", test_probe },
	{ "an empty image", test_empty },
	{ "sizes refused", test_bad_sizes },
	{ "an internal snapshot by name, from an untrusted table", test_snapshots },
	{ NULL, NULL },
};
