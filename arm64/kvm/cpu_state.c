/*
 * A vCPU's state for a snapshot: every register KVM_GET_REG_LIST names
 * (core, system, SVE at the VM's vector length, pointer-authentication
 * keys, the firmware pseudo-registers, the timers, the PMU's), the MP
 * state and the pending SError. Restored into a vCPU set up as the
 * snapshot's was: a register this host's KVM will not take (an ID
 * register of another CPU, a firmware workaround this host lacks) is
 * named and the restore refused.
 */
#include "a64vm/arch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/kvm_records.h"
#include "a64vm/log.h"
#include "a64vm/regs.h"

/* The host's list; the caller frees it. */
static struct kvm_reg_list *reg_list(int vcpu_fd)
{
	struct kvm_reg_list probe = { .n = 0 }, *list;

	if (!ioctl(vcpu_fd, KVM_GET_REG_LIST, &probe) || errno != E2BIG)
		return NULL;
	list = malloc(sizeof(*list) + probe.n * sizeof(list->reg[0]));
	if (!list)
		return NULL;
	list->n = probe.n;
	if (ioctl(vcpu_fd, KVM_GET_REG_LIST, list)) {
		free(list);
		return NULL;
	}
	return list;
}

void cpu_state_reg_name(uint64_t id, char *out, size_t size)
{
	if ((id & KVM_REG_ARM_COPROC_MASK) == KVM_REG_ARM64_SYSREG)
		snprintf(out, size, "S%u_%u_C%u_C%u_%u",
			 (unsigned)((id & KVM_REG_ARM64_SYSREG_OP0_MASK) >> KVM_REG_ARM64_SYSREG_OP0_SHIFT),
			 (unsigned)((id & KVM_REG_ARM64_SYSREG_OP1_MASK) >> KVM_REG_ARM64_SYSREG_OP1_SHIFT),
			 (unsigned)((id & KVM_REG_ARM64_SYSREG_CRN_MASK) >> KVM_REG_ARM64_SYSREG_CRN_SHIFT),
			 (unsigned)((id & KVM_REG_ARM64_SYSREG_CRM_MASK) >> KVM_REG_ARM64_SYSREG_CRM_SHIFT),
			 (unsigned)((id & KVM_REG_ARM64_SYSREG_OP2_MASK) >> KVM_REG_ARM64_SYSREG_OP2_SHIFT));
	else
		snprintf(out, size, "%#" PRIx64, id);
}

int cpu_state_save(int vcpu_fd, struct snapshot_writer *w)
{
	struct kvm_reg_list *list = reg_list(vcpu_fd);
	struct kvm_mp_state mp;
	struct kvm_vcpu_events events;
	uint8_t value[KVM_RECORDS_MAX_REG_BYTES];
	char name[40];
	int ret = 0;

	if (!list) {
		ret = errno ? -errno : -EIO;
		log_error("snapshot: cannot list a vCPU's registers: %s", strerror(-ret));
		return ret;
	}
	if (ioctl(vcpu_fd, KVM_GET_MP_STATE, &mp) || ioctl(vcpu_fd, KVM_GET_VCPU_EVENTS, &events)) {
		ret = -errno;
		log_error("snapshot: cannot read a vCPU's run state: %s", strerror(-ret));
		free(list);
		return ret;
	}
	kvm_records_put_vcpu_head(w, mp.mp_state, (uint32_t)list->n);
	snapshot_put_blob(w, &events, sizeof(events));
	for (uint64_t i = 0; i < list->n && !ret; i++) {
		uint64_t id = list->reg[i];

		if (!kvm_records_reg_size(id)) {
			ret = -ENOTSUP;
			log_error("snapshot: KVM lists register %#" PRIx64 ", of a size a64vm cannot keep", id);
		} else if ((ret = regs_get_wide(vcpu_fd, id, value))) {
			cpu_state_reg_name(id, name, sizeof(name));
			log_error("snapshot: cannot read register %s: %s", name, strerror(-ret));
		} else {
			kvm_records_put_reg(w, id, value);
		}
	}
	free(list);
	return ret;
}

/* The vector lengths are fixed when the vCPU is finalised: compared, not set. */
static int check_fixed(int vcpu_fd, uint64_t id, const uint8_t *value, unsigned size,
		       char *err, size_t errlen)
{
	uint8_t here[KVM_RECORDS_MAX_REG_BYTES];

	if (regs_get_wide(vcpu_fd, id, here) || memcmp(here, value, size)) {
		snprintf(err, errlen, "its SVE vector lengths are not this VM's "
			 "(another host, or other --cpu-features)");
		return -EINVAL;
	}
	return 0;
}

int cpu_state_restore(int vcpu_fd, struct snapshot_cursor *c, char *err, size_t errlen)
{
	struct kvm_mp_state mp;
	struct kvm_vcpu_events events;
	const uint8_t *blob;
	uint32_t nregs, len;
	char name[40];

	if (kvm_records_get_vcpu_head(c, &mp.mp_state, &nregs)) {
		snprintf(err, errlen, "a vCPU's run state is not one KVM has");
		return -EINVAL;
	}
	blob = snapshot_get_blob(c, &len);
	if (!blob || len != sizeof(events)) {
		snprintf(err, errlen, "a vCPU's pending events are cut short");
		return -EINVAL;
	}
	memcpy(&events, blob, sizeof(events));
	for (uint32_t i = 0; i < nregs; i++) {
		uint64_t id;
		const uint8_t *value;
		unsigned size;
		uint8_t aligned[KVM_RECORDS_MAX_REG_BYTES];
		int ret;

		if (kvm_records_get_reg(c, &id, &value, &size)) {
			snprintf(err, errlen, "register %" PRIu32 " of %" PRIu32 " is cut short or "
				 "not arm64's", i + 1, nregs);
			return -EINVAL;
		}
		if (id == KVM_REG_ARM64_SVE_VLS) {
			ret = check_fixed(vcpu_fd, id, value, size, err, errlen);
			if (ret)
				return ret;
			continue;
		}
		memcpy(aligned, value, size);
		ret = regs_set_wide(vcpu_fd, id, aligned);
		if (ret) {
			cpu_state_reg_name(id, name, sizeof(name));
			snprintf(err, errlen, "this host's KVM refuses register %s as saved (%s): "
				 "a snapshot of another CPU or kernel?", name, strerror(-ret));
			return ret;
		}
	}
	if (!snapshot_cursor_done(c)) {
		snprintf(err, errlen, "a vCPU's section has bytes after its registers");
		return -EINVAL;
	}
	if (ioctl(vcpu_fd, KVM_SET_VCPU_EVENTS, &events) || ioctl(vcpu_fd, KVM_SET_MP_STATE, &mp)) {
		snprintf(err, errlen, "KVM refuses a vCPU's run state: %s", strerror(errno));
		return -EINVAL;
	}
	return 0;
}
