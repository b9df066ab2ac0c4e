/* The guest's flattened device tree, generated with libfdt. */
#ifndef A64VM_DTB_H
#define A64VM_DTB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/device.h"

#define DTB_RNG_SEED_SIZE 32

/* One memory-mapped device: its model's node at its slot of the map. */
struct dtb_device {
	const struct device_dt *dt;
	uint64_t base;
	uint64_t size;
	int spi; /* -1: no interrupt */
	bool is_stdout;
};

#define DTB_PHANDLE_GPIO 3
#define DTB_KEY_POWER 116 /* linux,code for the power button */

struct dtb_machine {
	uint64_t mem_base, mem_size;
	unsigned ncpus;
	const uint64_t *mpidr; /* ncpus entries, MPIDR_EL1 of each vCPU */
	unsigned gic_version;  /* 2 or 3 */
	uint64_t gic_dist_base, gic_dist_size;
	/* GICv3: redistributors; GICv2: CPU interface. */
	uint64_t gic_cpu_base, gic_cpu_size;
	bool gic_its; /* an ITS (v3) at MEMMAP_GIC_ITS_BASE: PCI's MSIs go there */
	const char *bootargs;	/* NULL: none */
	uint64_t initrd_start, initrd_end; /* equal: no initrd */
	const struct dtb_device *devices;
	unsigned ndevices;
	int power_button_pin; /* gpio-keys KEY_POWER on this pin; -1: none */
	bool pmu;	      /* an arm,armv8-pmuv3 node on its PPI */
	uint8_t rng_seed[DTB_RNG_SEED_SIZE];
	uint64_t kaslr_seed;
};

/* Builds the tree into buf; -ENOSPC when it does not fit. */
int dtb_build(const struct dtb_machine *m, void *buf, size_t size);

/*
 * Adapts a user-supplied tree of blob_len bytes: sets /chosen bootargs
 * (when given) and the initrd range, as QEMU does with -dtb, in buf of
 * size bytes (blob_len and room to grow). The blob is checked against its
 * own length first: a header that is not version 16 or later, or claims
 * more than blob_len, is refused (-EINVAL) before libfdt reads the tree.
 */
int dtb_patch_chosen(void *buf, size_t blob_len, size_t size, const char *bootargs,
		     uint64_t initrd_start, uint64_t initrd_end);

/* Total size of a tree whose header is valid. */
size_t dtb_size(const void *buf);

#endif
