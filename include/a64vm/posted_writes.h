/*
 * Posted writes (device.h): KVM queues them in its coalesced MMIO ring
 * rather than exit. Each vCPU replays the ring whenever it leaves the
 * guest; a timer replays what a guest that writes and then only computes
 * or idles left there, so output never waits longer than a tick.
 */
#ifndef A64VM_POSTED_WRITES_H
#define A64VM_POSTED_WRITES_H

#include "a64vm/mmio_ring.h"

struct board;
struct event_loop;
struct vcpu;

struct posted_writes {
	struct mmio_ring ring;
	struct mmio_bus *bus;
	int timer_fd;
};

void posted_writes_init(struct posted_writes *p, struct mmio_bus *bus);
void posted_writes_destroy(struct posted_writes *p);

/* Once the vCPUs and the board exist; without KVM's ring every write exits. */
void posted_writes_setup(struct posted_writes *p, int vm_fd, const struct vcpu *first,
			 struct board *board);

/* The timer, on the main loop. */
int posted_writes_attach(struct posted_writes *p, struct event_loop *loop);

/* Replays what is queued (the vCPUs stopped: the guest's last bytes). */
void posted_writes_flush(struct posted_writes *p);

#endif
