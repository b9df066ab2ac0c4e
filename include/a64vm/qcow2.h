/*
 * The little of qcow2 (QEMU's docs/interop/qcow2.txt) a64vm needs itself:
 * telling a qcow2 image by its header, its virtual size, and writing an
 * empty version 3 image of a given size, the overlay of --disk
 * snapshot=on, whose backing image qemu-storage-daemon is told on its
 * command line. Everything else about the format is QEMU's.
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

#endif
