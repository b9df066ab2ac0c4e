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
