/*
 * KVM_EXIT_ARM_NISV: a data abort without instruction syndrome. a64vm
 * fetches the instruction through the guest's stage-1 tables, decodes it and
 * performs it on the MMIO bus, or injects a synchronous external abort.
 */
#ifndef A64VM_NISV_H
#define A64VM_NISV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum nisv_outcome {
	NISV_EMULATED,
	NISV_ABORTED,
	NISV_STOPPED,
	NISV_OUTCOMES,
};

struct nisv_state {
	bool enabled;	 /* KVM_CAP_ARM_NISV_TO_USER is on */
	bool can_inject; /* KVM_CAP_ARM_INJECT_EXT_DABT */
	_Atomic uint64_t count[NISV_OUTCOMES];
};

struct vcpu;

/* At VM creation: opt in to NISV exits; says once when the host cannot. */
void nisv_init(int vm_fd, struct nisv_state *state);

/* The KVM_EXIT_ARM_NISV handler: 0 to go on, non-zero to leave the loop. */
int nisv_handle_exit(struct vcpu *v);

/* A synchronous external abort for the vCPU's next entry; 0 or -errno. */
int nisv_inject_abort(struct vcpu *v);

#endif
