/*
 * What the glue around a VM may ask of it, from any thread: stop, reset,
 * hold the vCPUs and release them. control, gdb_stub, console and vcpu
 * take this handle, not the VM; vm.c owns it and runs the main loop that
 * carries the requests out.
 */
#ifndef A64VM_VM_CTL_H
#define A64VM_VM_CTL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/kick.h"

enum vm_stop {
	VM_RUNNING = 0,
	VM_STOP_POWEROFF, /* guest PSCI SYSTEM_OFF: exit 0 */
	VM_STOP_RESET,	  /* a guest reboot with --no-reboot: exit 0 */
	VM_STOP_QUIT,	  /* the user quit from the console: exit 0 */
	VM_STOP_SIGNAL,	  /* SIGINT/SIGTERM: exit 128 + signal */
	VM_STOP_NISV,	  /* --nisv=stop on an undecodable access: exit 1 */
	VM_STOP_ERROR,	  /* a fatal vCPU error: exit 1 */
};

/* Why the guest is held: it runs only while no reason holds it. */
enum vm_hold {
	VM_HOLD_OPERATOR = 1u << 0, /* the control socket's pause */
	VM_HOLD_DEBUGGER = 1u << 1, /* stopped for GDB */
	VM_HOLD_REBOOT = 1u << 2,   /* a guest reboot under way */
	VM_HOLD_SNAPSHOT = 1u << 3, /* a snapshot being written */
	VM_HOLD_REPORT = 1u << 4,   /* SIGQUIT: the vCPUs' state being logged */
};

struct vm_ctl {
	struct kick_ctl kick;
	int stop_fd; /* eventfd: wakes the main loop for a stop or a reset */
	_Atomic int stop;
	_Atomic bool reset_pending;
	bool no_reboot;		  /* a guest reset stops instead */
	const pthread_t *threads; /* the vCPU threads, once they run */
	unsigned nthreads;
	_Atomic unsigned reboots;
	int (*reboot)(void *ctx); /* the VM's reboot, for vm_ctl_reboot */
	void *reboot_ctx;
};

int vm_ctl_init(struct vm_ctl *c, bool no_reboot);
void vm_ctl_destroy(struct vm_ctl *c);
/* The vCPU threads run: a hold must now wait for them to park. */
void vm_ctl_started(struct vm_ctl *c, const pthread_t *threads, unsigned n);

/* The first request wins; every vCPU is kicked out. */
void vm_ctl_request_stop(struct vm_ctl *c, enum vm_stop why);
/* Reboot the guest (or stop, with --no-reboot). */
void vm_ctl_request_reset(struct vm_ctl *c);
/* Main loop: why the VM stops (VM_RUNNING: it does not). */
enum vm_stop vm_ctl_stopping(struct vm_ctl *c);
/* Main loop: a reset was asked for since the last call. */
bool vm_ctl_take_reset(struct vm_ctl *c);

/*
 * Main thread: why holds the guest; every vCPU is parked outside it on
 * return (-ETIMEDOUT when they did not park in time: the hold stands).
 */
int vm_ctl_hold(struct vm_ctl *c, enum vm_hold why, uint64_t *parked_ns);
/* Main thread: why no longer holds the guest; it runs if nothing else does. */
void vm_ctl_release(struct vm_ctl *c, enum vm_hold why);
/* A vCPU thread about to park itself for why (the main thread holds the rest). */
void vm_ctl_hold_from_vcpu(struct vm_ctl *c, enum vm_hold why);
/* The reasons that hold the guest now (enum vm_hold bits). */
unsigned vm_ctl_holds(struct vm_ctl *c);

/*
 * Main thread: reboots the guest now; it runs on afterwards unless the
 * operator or the debugger holds it. 0 or -errno.
 */
int vm_ctl_reboot(struct vm_ctl *c);

#endif
