/* One thread per vCPU running KVM_RUN; exits dispatched through a table. */
#ifndef A64VM_VCPU_H
#define A64VM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#define VCPU_EXIT_REASONS 64

struct mmio_bus;
struct mmio_ring;
struct nisv_state;
struct start_gate;
struct vcpu;
struct vm_ctl;

/* The debugger's hooks (gdb_stub_hooks), when there is one. */
struct vcpu_debugger {
	void (*debug_exit)(void *ctx, struct vcpu *v); /* KVM_EXIT_DEBUG */
	void (*nisv_stop)(void *ctx, unsigned cpu);    /* --nisv=stop stopped it */
	void *ctx;
};

/* What every vCPU thread reaches; vm.c owns it. */
struct vcpu_wiring {
	struct vm_ctl *ctl;	 /* stop, reset, the kick protocol */
	struct mmio_bus *bus;	 /* KVM_EXIT_MMIO */
	struct mmio_ring *posted; /* writes KVM queued: replayed before any exit */
	struct nisv_state *nisv; /* KVM_EXIT_ARM_NISV */
	struct start_gate *gate; /* the thread's filter, before the guest */
	struct vcpu_debugger debugger; /* no debug_exit: no debugger */
};

struct vcpu {
	const struct vcpu_wiring *w;
	unsigned id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	uint64_t mpidr;
	pthread_t thread;
	bool thread_started;
	_Atomic bool hold; /* kept stopped by the debugger while others run */
	_Atomic uint64_t exits[VCPU_EXIT_REASONS]; /* by KVM_EXIT_* */
};

int vcpu_create(int vm_fd, const struct vcpu_wiring *w, unsigned id, size_t run_size,
		struct vcpu *v);
void vcpu_destroy(struct vcpu *v);

int vcpu_start(struct vcpu *v);
/* Waits for the thread; it leaves its loop once the VM is asked to stop. */
void vcpu_join(struct vcpu *v);

#endif
