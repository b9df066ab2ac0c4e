/*
 * The GDB stub's target on KVM: registers through ONE_REG, guest virtual
 * memory through the stage-1 walker, breakpoints, watchpoints and
 * single-step through KVM_SET_GUEST_DEBUG. Called from the main thread
 * while every vCPU is parked, except gdb_target_decode_exit.
 */
#ifndef A64VM_GDB_TARGET_H
#define A64VM_GDB_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/gdb_cmd.h"
#include "a64vm/hw_debug.h"

struct vm;
struct vcpu;

struct gdb_target {
	struct vm *vm;
	struct hw_debug hw;
	int nisv_cpu; /* the vCPU stopped on an access KVM cannot decode, or -1 */
	/* The stepped vCPU's interrupt mask, forced on for the step. */
	int step_cpu; /* -1: no step under way */
	uint64_t step_pc, step_pstate, step_vbar;
	uint32_t step_insn;
	bool step_masked;
};

extern const struct gdb_target_ops gdb_target_ops;

void gdb_target_init(struct gdb_target *t, struct vm *vm);

/* All vCPUs parked after a stop: put back what a step's masking changed. */
void gdb_target_stopped(struct gdb_target *t);

/* vCPU thread: what a KVM_EXIT_DEBUG means for GDB. */
void gdb_target_decode_exit(struct gdb_target *t, struct vcpu *v,
			    struct gdb_stop *out);

/* Pure: the PSTATE after a step, given the one before it (see the .c). */
uint64_t gdb_step_fix_pstate(uint32_t insn, uint64_t orig, uint64_t after);

#endif
