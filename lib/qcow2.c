#include "a64vm/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC 0x514649fbu /* "QFI\xfb" */
#define CLUSTER_BITS 16
#define CLUSTER (1u << CLUSTER_BITS)
#define L2_COVERS ((uint64_t)CLUSTER * (CLUSTER / 8)) /* bytes an L1 entry maps */
#define REFCOUNT_ORDER 4 /* 16-bit refcounts */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

bool qcow2_probe(const uint8_t *head, size_t len, uint64_t *size)
{
	if (len < 32 || get_be(head, 4) != MAGIC)
		return false;
	*size = get_be(head + 24, 8);
	return true;
}

int qcow2_empty(uint64_t size, uint8_t **buf, size_t *len)
{
	uint64_t l1_size = (size + L2_COVERS - 1) / L2_COVERS;
	uint64_t l1_clusters = (l1_size * 8 + CLUSTER - 1) / CLUSTER;
	uint64_t clusters = 3 + (l1_clusters ? l1_clusters : 1);
	uint8_t *b;

	if (!size || size % 512 || size > QCOW2_MAX_SIZE)
		return -EINVAL;
	b = calloc(clusters, CLUSTER);
	if (!b)
		return -ENOMEM;
	/* Cluster 0: the header; 1: the refcount table; 2: its one block; 3-: L1. */
	put32(b, MAGIC);
	put32(b + 4, 3);
	put32(b + 20, CLUSTER_BITS);
	put64(b + 24, size);
	put32(b + 36, (uint32_t)l1_size);
	put64(b + 40, 3ull * CLUSTER);
	put64(b + 48, 1ull * CLUSTER);
	put32(b + 56, 1); /* refcount_table_clusters */
	put32(b + 96, REFCOUNT_ORDER);
	put32(b + 100, QCOW2_HEADER_LEN); /* then the end of the (no) extensions */
	put64(b + CLUSTER, 2ull * CLUSTER);
	for (uint64_t c = 0; c < clusters; c++) {
		b[2 * CLUSTER + 2 * c] = 0;
		b[2 * CLUSTER + 2 * c + 1] = 1;
	}
	*buf = b;
	*len = (size_t)(clusters * CLUSTER);
	return 0;
}

bool qcow2_snapshot_table(const uint8_t *head, size_t len, uint32_t *count, uint64_t *offset)
{
	if (len < 72 || get_be(head, 4) != MAGIC)
		return false;
	*count = (uint32_t)get_be(head + 60, 4);
	*offset = get_be(head + 64, 8);
	return true;
}

/* An entry: fixed fields, extra data, id, name, padding to 8 bytes. */
#define ENTRY_FIXED 40

int qcow2_find_snapshot(const uint8_t *table, size_t len, uint32_t count, const char *name,
			uint64_t *disk_size)
{
	size_t at = 0, want = strlen(name);

	for (uint32_t i = 0; i < count; i++) {
		size_t id_len, name_len, extra, end;

		if (len - at < ENTRY_FIXED)
			return -EINVAL;
		id_len = (size_t)get_be(table + at + 12, 2);
		name_len = (size_t)get_be(table + at + 14, 2);
		extra = (size_t)get_be(table + at + 36, 4);
		if (extra > len - at - ENTRY_FIXED ||
		    id_len + name_len > len - at - ENTRY_FIXED - extra)
			return -EINVAL;
		end = at + ENTRY_FIXED + extra + id_len + name_len;
		if (name_len == want && !memcmp(table + end - name_len, name, want)) {
			/* Extra data: the large VM state size, then the disk's size. */
			*disk_size = extra >= 16 ? get_be(table + at + ENTRY_FIXED + 8, 8)
						 : QCOW2_SIZE_UNKNOWN;
			return 0;
		}
		at = end + (8 - end % 8) % 8;
		if (at > len)
			return i + 1 < count ? -EINVAL : -ENOENT;
	}
	return -ENOENT;
}
