/*
 * The control socket (--control PATH): a UNIX socket, mode 0600, served by
 * the main loop, speaking the JSON lines of control_proto.h.
 */
#ifndef A64VM_CONTROL_H
#define A64VM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "a64vm/snapshot_request.h"

struct board;
struct control;
struct event_loop;
struct guest_mem;
struct nisv_state;
struct vcpu;
struct vm_ctl;

/* What the control socket reaches: vm.c hands exactly this. */
struct control_wiring {
	struct vm_ctl *ctl;	       /* pause, resume, reset, quit */
	struct board *board;	       /* powerdown: the power button */
	struct guest_mem *mem;	       /* read-phys */
	const struct vcpu *vcpus;      /* status: their exit counts */
	unsigned ncpus;
	const struct nisv_state *nisv; /* status: the NISV counts */
	/* snapshot, restore, checkpoint, rewind (vm.c) */
	snapshot_fn *snapshot;
	void *snapshot_ctx;
};

int control_open(const char *path, const struct control_wiring *w,
		 struct event_loop *loop, struct control **out);
void control_close(struct control *ctl);

/* a64vm ctl PATH COMMAND [ARGS]: prints the reply; exit status. */
int control_client_main(int argc, char **argv);

#endif
