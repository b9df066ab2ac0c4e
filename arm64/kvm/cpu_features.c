/*
 * What CPU the guest gets: PMUv3, SVE, pointer authentication and MTE, as
 * QEMU's -cpu host and kvmtool give them, wherever the host's KVM offers
 * them and the command line does not turn them off.
 */
#include "a64vm/arch.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/regs.h"

/* One feature: the host's answer, then the wish; false on a refusal. */
static bool choose(const char *name, bool host, enum config_feature want, bool *out)
{
	*out = host && want != CONFIG_FEATURE_OFF;
	if (!host && want == CONFIG_FEATURE_ON) {
		log_error("--cpu-features %s: this host's KVM does not offer it", name);
		return false;
	}
	if (!host)
		log_debug("CPU feature %s: not offered by this host's KVM", name);
	return true;
}

static bool has(int vm_fd, long cap)
{
	return ioctl(vm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

int cpu_choose_features(int vm_fd, const struct config_cpu *want,
			struct cpu_features *f)
{
	bool ok = true;

	memset(f, 0, sizeof(*f));
	ok &= choose("pmu", has(vm_fd, KVM_CAP_ARM_PMU_V3), want->pmu, &f->pmu);
	ok &= choose("sve", has(vm_fd, KVM_CAP_ARM_SVE), want->sve, &f->sve);
	/* KVM takes address and generic authentication together or not at all. */
	ok &= choose("ptrauth", has(vm_fd, KVM_CAP_ARM_PTRAUTH_ADDRESS) &&
				has(vm_fd, KVM_CAP_ARM_PTRAUTH_GENERIC),
		     want->ptrauth, &f->ptrauth);
	ok &= choose("mte", has(vm_fd, KVM_CAP_ARM_MTE), want->mte, &f->mte);
	log_debug("guest CPU features:%s%s%s%s", f->pmu ? " pmu" : "",
		  f->sve ? " sve" : "", f->ptrauth ? " ptrauth" : "", f->mte ? " mte" : "");
	return ok ? 0 : -ENOTSUP;
}

int cpu_enable_vm_features(int vm_fd, const struct cpu_features *f)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_MTE };

	/* MTE is the VM's, and must be on before any vCPU exists. */
	if (f->mte && ioctl(vm_fd, KVM_ENABLE_CAP, &cap)) {
		int err = errno;

		log_error("cannot enable MTE: %s", strerror(err));
		return -err;
	}
	return 0;
}

uint32_t cpu_init_features(const struct cpu_features *f)
{
	uint32_t bits = 0;

	if (f->pmu)
		bits |= 1u << KVM_ARM_VCPU_PMU_V3;
	if (f->sve)
		bits |= 1u << KVM_ARM_VCPU_SVE;
	if (f->ptrauth)
		bits |= 1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS | 1u << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	return bits;
}

/* The architecture's largest vector: 2048 bits. */
#define SVE_ARCH_MAX_VQ 16

/*
 * The largest vector length the VLS bitmap offers, in quadwords, after
 * taking out lengths the architecture has not (KVM is trusted no further).
 */
static unsigned max_vq(uint64_t vls[KVM_ARM64_SVE_VLS_WORDS])
{
	unsigned vq = 0;

	for (unsigned i = KVM_ARM64_SVE_VQ_MIN; i <= KVM_ARM64_SVE_VQ_MAX; i++) {
		unsigned bit = i - KVM_ARM64_SVE_VQ_MIN;

		if (i > SVE_ARCH_MAX_VQ)
			vls[bit / 64] &= ~(1ull << (bit % 64));
		else if (vls[bit / 64] & (1ull << (bit % 64)))
			vq = i;
	}
	return vq;
}

int cpu_finalize(int vcpu_fd, struct cpu_features *f)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS];
	int what = KVM_ARM_VCPU_SVE, ret;

	if (!f->sve)
		return 0;
	/*
	 * KVM offers every length the host has, up to its largest: the guest
	 * gets them all, set explicitly before the length is fixed.
	 */
	ret = regs_get_wide(vcpu_fd, KVM_REG_ARM64_SVE_VLS, vls);
	if (!ret)
		f->sve_vq = max_vq(vls);
	if (!ret)
		ret = regs_set_wide(vcpu_fd, KVM_REG_ARM64_SVE_VLS, vls);
	if (!ret && ioctl(vcpu_fd, KVM_ARM_VCPU_FINALIZE, &what))
		ret = -errno;
	if (ret) {
		log_error("cannot finalise the vCPU's SVE: %s", strerror(-ret));
		return ret;
	}
	log_debug("SVE: vectors of up to %u bits", 128 * f->sve_vq);
	return 0;
}

static int pmu_attr(int vcpu_fd, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL, .attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(vcpu_fd, KVM_SET_DEVICE_ATTR, &a) ? -errno : 0;
}

int cpu_init_pmu(int vcpu_fd, const struct cpu_features *f)
{
	int irq = 16 + MEMMAP_PPI_PMU; /* a PPI's INTID */
	int ret;

	if (!f->pmu)
		return 0;
	ret = pmu_attr(vcpu_fd, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	if (!ret)
		ret = pmu_attr(vcpu_fd, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	if (ret)
		log_error("cannot set up the vCPU's PMU: %s", strerror(-ret));
	return ret;
}
