/*
 * A virtio-blk backend in RAM, for the unit tests and the fuzzer: 1 MiB
 * held; past it the disk reads as zeroes (sparse) and takes no writes. It
 * counts flushes and punches, and can refuse to punch, as some file
 * systems do.
 */
#ifndef A64VM_TEST_RAM_DISK_H
#define A64VM_TEST_RAM_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/virtio_blk.h"

#define RAM_DISK_SECTORS 2048

struct ram_disk {
	uint8_t data[RAM_DISK_SECTORS * 512];
	bool no_punch;
	unsigned flushes, punches;
};

extern const struct virtio_blk_backend ram_disk_backend;

#endif
