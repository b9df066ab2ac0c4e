/* arm64 vCPU set-up: KVM_ARM_VCPU_INIT and the boot protocol's entry state. */
#ifndef A64VM_CPU_H
#define A64VM_CPU_H

#include <stdbool.h>
#include <stdint.h>

/*
 * (Re)initialises a vCPU to its reset state with in-kernel PSCI. Secondary
 * vCPUs start powered off, waiting for PSCI CPU_ON. Calling it again
 * resets the vCPU, as a reboot needs.
 */
int cpu_init(int vm_fd, int vcpu_fd, bool primary);

/* Entry state of the boot vCPU for Linux: PC = entry, X0 = DTB, X1-3 = 0. */
int cpu_set_linux_entry(int vcpu_fd, uint64_t entry, uint64_t dtb);

int cpu_read_mpidr(int vcpu_fd, uint64_t *mpidr);

#endif
