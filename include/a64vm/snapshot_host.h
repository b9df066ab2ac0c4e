/*
 * What a snapshot's VM was (section HOST): vCPUs, RAM, CPU features, SVE
 * vector length, GIC, and the memory file saved with it. A restore
 * builds the same machine or refuses with one line saying how they
 * differ. Pure.
 */
#ifndef A64VM_SNAPSHOT_HOST_H
#define A64VM_SNAPSHOT_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "a64vm/snapshot_file.h"

/* features: PMU bit 0, SVE 1, pointer authentication 2, MTE 3. */
struct snapshot_host {
	uint32_t ncpus, features, sve_vq, gic, its, nr_irqs;
	uint64_t mem_size, memory_ino, memory_size;
};

void snapshot_host_put(struct snapshot_writer *sw, const struct snapshot_host *h);
/* 0, or -EINVAL when the section is missing or not one this a64vm wrote. */
int snapshot_host_get(const struct snapshot_index *ix, struct snapshot_host *h);
/* 0 when saved (s) and here (h) are the same machine; else -EINVAL and why. */
int snapshot_host_compare(const struct snapshot_host *s, const struct snapshot_host *h,
			  char *err, size_t errlen);

#endif
