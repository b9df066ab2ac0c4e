/* A VM's lifecycle: create, boot, run until it stops, reboot, destroy. */
#ifndef A64VM_VM_H
#define A64VM_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/config.h"
#include "a64vm/gic.h"
#include "a64vm/kick.h"
#include "a64vm/memory.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/nisv.h"
#include "a64vm/vcpu.h"

#define VM_RAM_BASE 0x40000000ull

enum vm_stop {
	VM_RUNNING = 0,
	VM_STOP_POWEROFF, /* guest PSCI SYSTEM_OFF: exit 0 */
	VM_STOP_RESET,	  /* a guest reboot with --no-reboot: exit 0 */
	VM_STOP_QUIT,	  /* the user quit from the console: exit 0 */
	VM_STOP_SIGNAL,	  /* SIGINT/SIGTERM: exit 128 + signal */
	VM_STOP_NISV,	  /* --nisv=stop on an undecodable access: exit 1 */
	VM_STOP_ERROR,	  /* a fatal vCPU error: exit 1 */
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
	bool paused;	    /* by the operator (control socket) */
	struct nisv_state nisv;
	struct gdb_stub *gdb; /* --gdb */
	struct virtio_devices *virtio;
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

/* Main thread: park every vCPU outside the guest, or let them run. */
int vm_pause(struct vm *vm, uint64_t *parked_ns);
void vm_resume(struct vm *vm);

/*
 * Main thread: reboots the guest now; it runs on afterwards unless the
 * operator or the debugger holds it. 0 or -errno.
 */
int vm_reboot(struct vm *vm);

#endif
