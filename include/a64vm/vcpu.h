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

struct vm;

struct vcpu {
	struct vm *vm;
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

int vcpu_create(struct vm *vm, unsigned id, size_t run_size, struct vcpu *v);
void vcpu_destroy(struct vcpu *v);

int vcpu_start(struct vcpu *v);
/* Waits for the thread; it leaves its loop once the VM is asked to stop. */
void vcpu_join(struct vcpu *v);

#endif
