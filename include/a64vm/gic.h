/* The in-kernel vGIC: v3 where the host has it, v2 otherwise. */
#ifndef A64VM_GIC_H
#define A64VM_GIC_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_DIST_BASE 0x08000000ull
#define GIC_DIST_SIZE 0x10000ull
#define GIC_REDIST_BASE 0x080a0000ull
#define GIC_REDIST_SIZE_PER_CPU 0x20000ull
/* Redistributors must end below the UART at 0x09000000. */
#define GIC_V3_MAX_CPUS 123u
#define GIC_V2_CPU_BASE 0x08010000ull
#define GIC_V2_CPU_SIZE 0x2000ull
#define GIC_V2_MAX_CPUS 8u
#define GIC_NR_IRQS 128u /* 32 private + 96 SPIs */

struct gic {
	int fd;
	unsigned version;
	uint64_t dist_base, dist_size;
	uint64_t cpu_base, cpu_size; /* v3: redistributors; v2: CPU interface */
};

/* Creates the vGIC for ncpus vCPUs (after they exist); -errno on failure. */
int gic_create(int vm_fd, unsigned ncpus, struct gic *gic);

/* Finishes set-up once every vCPU has been initialised. */
int gic_init(struct gic *gic);

void gic_destroy(struct gic *gic);

/* Drives shared peripheral interrupt spi (0-based, INTID 32 + spi). */
int gic_set_spi(int vm_fd, unsigned spi, bool level);

#endif
