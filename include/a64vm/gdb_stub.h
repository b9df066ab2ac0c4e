/*
 * The GDB stub (--gdb): one debugger at a time on a TCP or UNIX socket,
 * served by the main loop. All-stop: when one vCPU stops, every vCPU is
 * parked (kick protocol) until GDB resumes them.
 */
#ifndef A64VM_GDB_STUB_H
#define A64VM_GDB_STUB_H

#include <stdbool.h>

#include "a64vm/gdb_cmd.h"
#include "a64vm/snapshot_request.h"

struct board;
struct config_gdb;
struct event_loop;
struct gdb_stub;
struct guest_mem;
struct nisv_state;
struct vcpu;
struct vcpu_debugger;
struct vm_ctl;

/* What the debugger reaches: vm.c hands exactly this. */
struct gdb_stub_wiring {
	const struct config_gdb *cfg;
	struct vm_ctl *ctl;	 /* hold, release, reset, quit */
	struct vcpu *vcpus;	 /* their fds, and a hold each */
	unsigned ncpus;
	struct guest_mem *mem;	 /* RAM */
	struct board *board;	 /* flash and devices, for physical accesses */
	struct nisv_state *nisv; /* the instruction --nisv=stop stopped on */
	unsigned sve_vq;	 /* the guest's SVE vector length; 0: none */
	int kvm_fd;		 /* the host's breakpoint and watchpoint counts */
	snapshot_fn *snapshot;	 /* monitor checkpoint, rewind, snapshot, restore */
	void *snapshot_ctx;
};

/* Main thread, before the vCPUs start; --gdb-wait holds them. */
int gdb_stub_open(const struct gdb_stub_wiring *w, struct event_loop *loop,
		  struct gdb_stub **out);
void gdb_stub_close(struct gdb_stub *g);

/*
 * The hooks a vCPU thread calls when it stops for the debugger: a
 * KVM_EXIT_DEBUG, or an access --nisv=stop stopped on (GDB sees SIGBUS).
 * The first stop recorded wins; that vCPU parks at its next kick check and
 * the main loop parks the others.
 */
void gdb_stub_hooks(struct gdb_stub *g, struct vcpu_debugger *out);

#endif
