/*
 * Checkpoints held in memory (ctl checkpoint and rewind, GDB's monitor):
 * a copy of guest RAM and the machine's state as a snapshot's sections. A
 * rewind copies back only the pages written since: the guest's, from
 * KVM's dirty log (on from the first checkpoint), and a64vm's own, from
 * guest_mem's touched bits. Disks are not rewound (docs/snapshot.md).
 */
#ifndef A64VM_CHECKPOINTS_H
#define A64VM_CHECKPOINTS_H

#include <stddef.h>
#include <stdint.h>

#include "a64vm/snapshot_file.h"

struct snapshot_wiring;

#define CHECKPOINTS_MAX 8
#define CHECKPOINT_NAME_MAX 32

struct checkpoint {
	char name[CHECKPOINT_NAME_MAX + 1];
	uint8_t *ram;	 /* guest RAM as it was */
	uint64_t *dirty; /* the pages written since, a bit each */
	uint8_t *state;	 /* its sections, which ix indexes */
	size_t state_len;
	struct snapshot_index ix;
};

struct checkpoints {
	int vm_fd;
	uint32_t ram_slot;
	int logging; /* KVM's dirty log is on for the RAM's memslot */
	uint64_t *harvest;
	unsigned n;
	struct checkpoint list[CHECKPOINTS_MAX];
};

/* NULL when there is no memory for it. */
struct checkpoints *checkpoints_new(int vm_fd, uint32_t ram_slot);
void checkpoints_free(struct checkpoints *c);

/*
 * Every vCPU parked, every device held: name (1 to 32 of A-Z a-z 0-9 _ . -)
 * taken anew, replacing one of that name, or the VM returned to it,
 * *pages the RAM pages copied back.
 * 0, or -errno with why in err.
 */
int checkpoints_take(struct checkpoints *c, const struct snapshot_wiring *w, const char *name,
		     char *err, size_t errlen);
int checkpoints_rewind(struct checkpoints *c, const struct snapshot_wiring *w,
		       const char *name, uint64_t *pages, char *err, size_t errlen);

/* RAM replaced whole (a restore from files): each checkpoint copies all of it back. */
void checkpoints_ram_replaced(struct checkpoints *c, const struct snapshot_wiring *w);

#endif
