/*
 * A VM saved to a directory and started again from it (docs/snapshot.md):
 * DIR/state (the options, each vCPU's registers, the vGIC and ITS, every
 * device model, in the checked format of snapshot_file.h) and DIR/memory
 * (guest RAM, sparse). A restore maps DIR/memory copy-on-write, so only
 * the pages the guest touches are read.
 */
#ifndef A64VM_SNAPSHOT_H
#define A64VM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/arch.h"

struct board;
struct config;
struct device_opener;
struct guest_mem;
struct pci_testdev_slot;
struct snapshot_index;
struct vcpu;
struct virtio_devices;

/* What a snapshot reads and writes of a VM; vm.c fills it. */
struct snapshot_wiring {
	const struct config *cfg;
	struct vcpu *vcpus;
	unsigned ncpus;
	const struct gic *gic;
	const struct cpu_features *cpu;
	struct guest_mem *mem;
	struct board *board;
	struct virtio_devices *virtio;
	struct pci_testdev_slot *pci_testdev;
	struct device_opener *files; /* makes the files (--control starts it) */
	int vm_fd;		     /* checkpoints: KVM's dirty log of RAM's memslot */
	unsigned ram_slot;
};

/*
 * Every vCPU parked: saves the VM into dir (made if missing; a snapshot
 * there is replaced whole, never half). 0, or -errno with why in err.
 */
int snapshot_save(const struct snapshot_wiring *w, const char *dir, char *err, size_t errlen);

/*
 * Into a VM just built from the snapshot's options (nothing has run):
 * RAM, vCPUs, vGIC, ITS and devices. 0, or -errno with why in err.
 */
int snapshot_restore(const struct snapshot_wiring *w, const char *dir, char *err,
		     size_t errlen);

/*
 * The same into this running VM, every vCPU parked and every device held
 * (ctl restore): its files opened by the helper.
 */
int snapshot_restore_live(const struct snapshot_wiring *w, const char *dir, char *err,
			  size_t errlen);

/*
 * For checkpoints held in memory, every vCPU parked and every device
 * held: the VM's state as a state file's bytes (its memory not named) in
 * a new buffer; and such a state's vCPUs, vGIC, ITS and devices set
 * again (RAM is the caller's). 0, or -errno with why in err.
 */
int snapshot_state_build(const struct snapshot_wiring *w, uint8_t **buf, size_t *len,
			 char *err, size_t errlen);
int snapshot_restore_machine(const struct snapshot_wiring *w, const struct snapshot_index *ix,
			     char *err, size_t errlen);

/*
 * For main: the argv that builds the snapshot's VM (see snapshot_conf.h),
 * from dir and the restore's own argv. 0, or -errno with why in err.
 */
int snapshot_restore_argv(const char *dir, int argc, char *const argv[], char ***out,
			  int *nout, char *err, size_t errlen);

#endif
