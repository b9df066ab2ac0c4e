#include "a64vm/regs.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

/* Each thread's count: the NISV path reports what it costs. */
static _Thread_local uint64_t calls;

uint64_t regs_calls(void)
{
	return calls;
}

/* ONE_REG transfers through a pointer; the id carries the size. */
static int one_reg(int vcpu_fd, unsigned long req, uint64_t id, const void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	calls++;
	return ioctl(vcpu_fd, req, &reg) ? -errno : 0;
}

uint64_t regs_core_id(uint64_t offset)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
	       (offset / sizeof(uint32_t));
}

uint64_t regs_sys_id(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
		     unsigned op2)
{
	return ARM64_SYS_REG(op0, op1, crn, crm, op2);
}

uint64_t regs_x_id(unsigned n)
{
	return regs_core_id(offsetof(struct kvm_regs, regs.regs) +
			    (uint64_t)n * sizeof(uint64_t));
}

uint64_t regs_pc_id(void)
{
	return regs_core_id(offsetof(struct kvm_regs, regs.pc));
}

uint64_t regs_pstate_id(void)
{
	return regs_core_id(offsetof(struct kvm_regs, regs.pstate));
}

uint64_t regs_sp_el0_id(void)
{
	return regs_core_id(offsetof(struct kvm_regs, regs.sp));
}

uint64_t regs_sp_el1_id(void)
{
	return regs_core_id(offsetof(struct kvm_regs, sp_el1));
}

uint64_t regs_sp_id(uint64_t pstate)
{
	return PSTATE_EL(pstate) && (pstate & PSTATE_SP) ? regs_sp_el1_id()
							 : regs_sp_el0_id();
}

uint64_t regs_v_id(unsigned n)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE |
	       ((offsetof(struct kvm_regs, fp_regs.vregs) + n * 16ull) /
		sizeof(uint32_t));
}

uint64_t regs_spsr_el1_id(void)
{
	return regs_core_id(offsetof(struct kvm_regs, spsr[KVM_SPSR_EL1]));
}

static uint64_t core32_id(uint64_t offset)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE |
	       (offset / sizeof(uint32_t));
}

uint64_t regs_fpsr_id(void)
{
	return core32_id(offsetof(struct kvm_regs, fp_regs.fpsr));
}

uint64_t regs_fpcr_id(void)
{
	return core32_id(offsetof(struct kvm_regs, fp_regs.fpcr));
}

int regs_get32(int vcpu_fd, uint64_t id, uint32_t *val)
{
	return one_reg(vcpu_fd, KVM_GET_ONE_REG, id, val);
}

int regs_set32(int vcpu_fd, uint64_t id, uint32_t val)
{
	return one_reg(vcpu_fd, KVM_SET_ONE_REG, id, &val);
}

uint64_t regs_mpidr_id(void)
{
	return regs_sys_id(3, 0, 0, 0, 5);
}

int regs_get(int vcpu_fd, uint64_t id, uint64_t *val)
{
	return one_reg(vcpu_fd, KVM_GET_ONE_REG, id, val);
}

int regs_set(int vcpu_fd, uint64_t id, uint64_t val)
{
	return one_reg(vcpu_fd, KVM_SET_ONE_REG, id, &val);
}

/* KVM's 128-bit values are host-endian: on arm64 the low half comes first. */
int regs_get128(int vcpu_fd, uint64_t id, uint64_t val[2])
{
	return one_reg(vcpu_fd, KVM_GET_ONE_REG, id, val);
}

int regs_set128(int vcpu_fd, uint64_t id, const uint64_t val[2])
{
	return one_reg(vcpu_fd, KVM_SET_ONE_REG, id, val);
}

int regs_get_wide(int vcpu_fd, uint64_t id, void *buf)
{
	return one_reg(vcpu_fd, KVM_GET_ONE_REG, id, buf);
}

int regs_set_wide(int vcpu_fd, uint64_t id, const void *buf)
{
	return one_reg(vcpu_fd, KVM_SET_ONE_REG, id, buf);
}

int regs_get_v(int vcpu_fd, unsigned n, bool sve, uint64_t val[2])
{
	uint64_t z[REGS_ZREG_BYTES / 8];
	int ret;

	if (!sve)
		return regs_get128(vcpu_fd, regs_v_id(n), val);
	ret = regs_get_wide(vcpu_fd, KVM_REG_ARM64_SVE_ZREG(n, 0), z);
	if (!ret)
		memcpy(val, z, 16);
	return ret;
}

int regs_set_v(int vcpu_fd, unsigned n, bool sve, const uint64_t val[2])
{
	uint64_t z[REGS_ZREG_BYTES / 8] = { 0 };

	if (!sve)
		return regs_set128(vcpu_fd, regs_v_id(n), val);
	memcpy(z, val, 16);
	return regs_set_wide(vcpu_fd, KVM_REG_ARM64_SVE_ZREG(n, 0), z);
}
