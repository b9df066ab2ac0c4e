/* vCPU registers through KVM_{GET,SET}_ONE_REG. */
#ifndef A64VM_REGS_H
#define A64VM_REGS_H

#include <stdint.h>

/* ONE_REG id of a 64-bit field of struct kvm_regs at a byte offset. */
uint64_t regs_core_id(uint64_t offset);
/* ONE_REG id of a system register by its encoding. */
uint64_t regs_sys_id(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
		     unsigned op2);

int regs_get(int vcpu_fd, uint64_t id, uint64_t *val);
int regs_set(int vcpu_fd, uint64_t id, uint64_t val);

/* X0..X30. */
uint64_t regs_x_id(unsigned n);
uint64_t regs_pc_id(void);
uint64_t regs_mpidr_id(void);

#endif
