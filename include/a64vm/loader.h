/*
 * What a boot puts where, read afresh for every boot (so a rebuilt kernel
 * boots on the next reboot):
 *   - a Linux Image: the arm64 boot protocol, DTB and initrd at the top of
 *     RAM, X0 = DTB;
 *   - a raw binary: at RAM base + 0x80000, the same way;
 *   - an ELF file: each PT_LOAD at its physical address, in RAM or flash,
 *     PC = its entry, the DTB at the RAM base (or the top of RAM when the
 *     file uses the base), X0 = DTB;
 *   - firmware (--firmware or --flash0): PC = flash 0, the DTB at the RAM
 *     base, and the kernel, initrd and command line in fw_cfg, as QEMU
 *     hands them to EDK2 and u-boot.
 * Every file is read and checked before KVM is asked for anything.
 */
#ifndef A64VM_LOADER_H
#define A64VM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/boot.h"

struct config;

struct loader {
	const struct config *cfg;
	bool firmware;		   /* firmware boot: the kernel goes to fw_cfg */
	bool have_kernel;
	struct boot_kernel kernel; /* direct boot; for firmware, kernel.data only */
	uint8_t *initrd, *dtb;
	size_t initrd_len, dtb_len; /* dtb: --dtb, or the generated one */
	struct boot_layout layout;  /* Linux and raw */
};

struct board;
struct cpu_features;
struct device_list;
struct gic;
struct guest_mem;
struct vcpu;

/* What a boot is loaded into: vm.c hands exactly this. */
struct loader_target {
	const struct config *cfg;
	struct guest_mem *mem;
	const struct gic *gic;
	const struct cpu_features *cpu;
	unsigned ncpus;
	const struct vcpu *vcpus; /* their MPIDRs; vCPU 0 boots */
	struct board *board;	  /* flash and fw_cfg */
	const struct device_list *devices; /* the device tree's nodes */
	bool setup; /* before any seccomp filter: a helper thread may read */
	/*
	 * A restore: the snapshot's RAM and registers replace what a load
	 * writes there, so only flash and fw_cfg are filled.
	 */
	bool restoring;
};

/* Reads and checks the files cfg names; 0 or -errno (logged). */
int loader_read(const struct config *cfg, struct loader *l);

/* Whether the kernel loads into flash (the VM then needs flash banks). */
bool loader_needs_flash(const struct loader *l);

/*
 * Builds the device tree, puts everything in RAM, flash or fw_cfg, points
 * the boot vCPU at its entry, and frees the files. 0 or -errno (logged).
 */
int loader_load(const struct loader_target *t, struct loader *l);

/* The device tree the boot would get, for --dump-dtb; frees the files. */
int loader_dump_dtb(const struct loader_target *t, struct loader *l,
		    const char *path);

void loader_free(struct loader *l);

#endif
