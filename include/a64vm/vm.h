/* A VM's lifecycle: create, boot, run until it stops, reboot, destroy. */
#ifndef A64VM_VM_H
#define A64VM_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/arch.h"
#include "a64vm/config.h"
#include "a64vm/kick.h"
#include "a64vm/memory.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/start_gate.h"
#include "a64vm/vcpu.h"

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
};

struct board;
struct console;
struct gdb_stub;
struct virtio_devices;

struct vm {
	const struct config *cfg;
	int kvm_fd, vm_fd;
	struct guest_mem mem;
	struct mmio_bus bus;
	struct gic gic;
	struct cpu_features cpu; /* what the guest's CPUs have */
	unsigned ncpus;
	struct vcpu *vcpus;
	struct board *board;
	struct console *console;
	int stop_fd; /* eventfd: wakes the main loop for a stop or a reset */
	_Atomic int stop;
	_Atomic bool reset_pending;
	int stop_signal;
	unsigned reboots;
	struct kick_ctl kick;
	pthread_t *threads; /* the vCPU threads, owned by the main thread */
	bool started;	    /* the vCPU threads run */
	struct nisv_state nisv;
	struct gdb_stub *gdb; /* --gdb */
	struct virtio_devices *virtio;
	struct start_gate gate; /* every thread's seccomp filter, then the guest */
};

/* Opens KVM and builds the whole machine; 0 or -errno (already logged). */
int vm_create(struct vm *vm, const struct config *cfg);
void vm_destroy(struct vm *vm);

/* Writes the device tree vm_create generated to path. */
int vm_dump_dtb(struct vm *vm, const char *path);

/* Runs until the guest powers off or the VM is stopped; the exit status. */
int vm_run(struct vm *vm);

/* From any thread: the first request wins; every vCPU is kicked out. */
void vm_request_stop(struct vm *vm, enum vm_stop why);

/* From any thread: reboot the guest (or stop, with --no-reboot). */
void vm_request_reset(struct vm *vm);

/*
 * Main thread: why holds the guest; every vCPU is parked outside it on
 * return (-ETIMEDOUT when they did not park in time: the hold stands).
 */
int vm_hold(struct vm *vm, enum vm_hold why, uint64_t *parked_ns);
/* Main thread: why no longer holds the guest; it runs if nothing else does. */
void vm_release(struct vm *vm, enum vm_hold why);
/* A vCPU thread about to park itself for why (the main thread holds the rest). */
void vm_hold_from_vcpu(struct vm *vm, enum vm_hold why);
/* The reasons that hold the guest now (enum vm_hold bits). */
unsigned vm_holds(struct vm *vm);

/*
 * Main thread: reboots the guest now; it runs on afterwards unless the
 * operator or the debugger holds it. 0 or -errno.
 */
int vm_reboot(struct vm *vm);

#endif
