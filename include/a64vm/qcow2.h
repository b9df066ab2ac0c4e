/*
 * The little of qcow2 (QEMU's docs/interop/qcow2.txt) a64vm needs itself:
 * telling a qcow2 image by its header, its virtual size, and writing an
 * empty version 3 image of a given size, the overlay of --disk
 * snapshot=on, whose backing image qemu-storage-daemon is told on its
 * command line; finding an internal snapshot by name (a snapshot of the
 * VM holds its disk's as one, docs/snapshot.md). Everything else about the
 * format is QEMU's.
 */
#ifndef A64VM_QCOW2_H
#define A64VM_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QCOW2_HEADER_LEN 104 /* version 3's, as written */
#define QCOW2_MAX_SIZE (1ull << 46) /* what a64vm's overlay covers: 64 TiB */

/* Whether the first len bytes of a file are a qcow2 header; its virtual size. */
bool qcow2_probe(const uint8_t *head, size_t len, uint64_t *size);

/*
 * An empty image of size bytes (a multiple of 512, at most QCOW2_MAX_SIZE)
 * in a new buffer: header, refcount table and block, L1 table; 64 KiB
 * clusters. 0 or -EINVAL, -ENOMEM.
 */
int qcow2_empty(uint64_t size, uint8_t **buf, size_t *len);

/* Where a header (its first len bytes) says its snapshot table is, and how many. */
bool qcow2_snapshot_table(const uint8_t *head, size_t len, uint32_t *count, uint64_t *offset);

#define QCOW2_SIZE_UNKNOWN UINT64_MAX
/*
 * The snapshot named name among the count entries of a table (its first
 * len bytes; the file's bytes, untrusted): 0 with the virtual disk size it
 * recorded (QCOW2_SIZE_UNKNOWN where it has none), -ENOENT, or -EINVAL
 * for a table that runs past len.
 */
int qcow2_find_snapshot(const uint8_t *table, size_t len, uint32_t count, const char *name,
			uint64_t *disk_size);

#endif
