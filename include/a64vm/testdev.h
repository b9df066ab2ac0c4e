/*
 * A test device for the emulation tests and benchmarks (--testdev): 4 KiB of
 * scratch space that starts with a known pattern, and counters of the
 * accesses it saw. Pure, like every device model.
 *
 *   0x0000-0x0fff  scratch: reads return what was written, initially
 *                  testdev_pattern(offset)
 *   0x1000         reads: number of reads of the scratch space
 *   0x1008         reads: number of writes to the scratch space
 *   0x1010         write: anything restores the pattern and zeroes counts
 */
#ifndef A64VM_TESTDEV_H
#define A64VM_TESTDEV_H

#include <stdint.h>

#include "a64vm/device.h"

#define TESTDEV_SCRATCH_SIZE 0x1000
#define TESTDEV_READS 0x1000
#define TESTDEV_WRITES 0x1008
#define TESTDEV_RESET 0x1010

static inline uint8_t testdev_pattern(uint64_t offset)
{
	return (uint8_t)(offset * 0x9d + 0x5b);
}

extern const struct device_ops testdev_device;

#endif
