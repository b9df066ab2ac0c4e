#include "a64vm/arch.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/log.h"
#include "a64vm/regs.h"

int cpu_init(int vm_fd, int vcpu_fd, bool primary, const struct cpu_features *f)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init)) {
		int err = errno;

		log_error("KVM_ARM_PREFERRED_TARGET: %s", strerror(err));
		return -err;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2 | cpu_init_features(f);
	if (!primary)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init)) {
		int err = errno;

		log_error("KVM_ARM_VCPU_INIT: %s", strerror(err));
		return -err;
	}
	return 0;
}

int cpu_set_entry(int vcpu_fd, uint64_t entry, uint64_t x0)
{
	int ret = regs_set(vcpu_fd, regs_pc_id(), entry);

	/* KVM's reset state is already EL1h with DAIF masked, MMU off. */
	if (!ret)
		ret = regs_set(vcpu_fd, regs_x_id(0), x0);
	for (unsigned i = 1; i <= 3 && !ret; i++)
		ret = regs_set(vcpu_fd, regs_x_id(i), 0);
	if (ret)
		log_error("cannot set the boot registers: %s", strerror(-ret));
	return ret;
}

int cpu_read_mpidr(int vcpu_fd, uint64_t *mpidr)
{
	return regs_get(vcpu_fd, regs_mpidr_id(), mpidr);
}

int cpu_describe(int vcpu_fd, char *out, size_t size)
{
	uint64_t pc, pstate, sp, elr, esr, far;
	int ret = regs_get(vcpu_fd, regs_pc_id(), &pc);

	if (!ret)
		ret = regs_get(vcpu_fd, regs_pstate_id(), &pstate);
	if (!ret)
		ret = regs_get(vcpu_fd, regs_sp_id(pstate), &sp);
	if (!ret)
		ret = regs_get(vcpu_fd, regs_core_id(offsetof(struct kvm_regs, elr_el1)), &elr);
	if (!ret)
		ret = regs_get(vcpu_fd, regs_sys_id(REGS_ESR_EL1), &esr);
	if (!ret)
		ret = regs_get(vcpu_fd, regs_sys_id(REGS_FAR_EL1), &far);
	if (ret)
		return ret;
	snprintf(out, size, "PC %#" PRIx64 " EL%u%s PSTATE %#" PRIx64 " SP %#" PRIx64
		 " ELR_EL1 %#" PRIx64 " ESR_EL1 %#" PRIx64 " FAR_EL1 %#" PRIx64, pc,
		 (unsigned)PSTATE_EL(pstate), (pstate & 1) ? "h" : "t", pstate, sp, elr, esr,
		 far);
	return 0;
}
