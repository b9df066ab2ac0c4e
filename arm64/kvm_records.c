#include "a64vm/kvm_records.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <linux/kvm.h>

unsigned kvm_records_reg_size(uint64_t id)
{
	unsigned shift = (unsigned)((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);

	if ((id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64 || (1u << shift) > KVM_RECORDS_MAX_REG_BYTES)
		return 0;
	return 1u << shift;
}

void kvm_records_put_vcpu_head(struct snapshot_writer *w, uint32_t mp_state, uint32_t nregs)
{
	snapshot_put_u32(w, mp_state);
	snapshot_put_u32(w, nregs);
}

void kvm_records_put_reg(struct snapshot_writer *w, uint64_t id, const void *value)
{
	snapshot_put_u64(w, id);
	snapshot_put_bytes(w, value, kvm_records_reg_size(id));
}

int kvm_records_get_vcpu_head(struct snapshot_cursor *c, uint32_t *mp_state, uint32_t *nregs)
{
	*mp_state = snapshot_get_u32(c);
	*nregs = snapshot_get_u32(c);
	/* arm64 has RUNNABLE, STOPPED and SUSPENDED. */
	if (c->bad || (*mp_state != KVM_MP_STATE_RUNNABLE && *mp_state != KVM_MP_STATE_STOPPED &&
		       *mp_state != KVM_MP_STATE_SUSPENDED))
		return -EINVAL;
	return 0;
}

int kvm_records_get_reg(struct snapshot_cursor *c, uint64_t *id, const uint8_t **value,
			unsigned *size)
{
	*id = snapshot_get_u64(c);
	*size = kvm_records_reg_size(*id);
	*value = NULL;
	if (!*size) {
		c->bad = true;
		return -EINVAL;
	}
	*value = snapshot_get_span(c, *size);
	return *value ? 0 : -EINVAL;
}

void kvm_records_put_attr(struct snapshot_writer *w, const struct kvm_records_attr *a)
{
	snapshot_put_u32(w, a->group);
	snapshot_put_u64(w, a->attr);
	snapshot_put_u64(w, a->value);
}

int kvm_records_get_attr(struct snapshot_cursor *c, uint32_t allowed,
			 struct kvm_records_attr *a, char *err, unsigned errlen)
{
	a->group = snapshot_get_u32(c);
	a->attr = snapshot_get_u64(c);
	a->value = snapshot_get_u64(c);
	if (c->bad) {
		snprintf(err, errlen, "an attribute is cut short");
		return -EINVAL;
	}
	if (a->group >= 32 || !(allowed & 1u << a->group)) {
		snprintf(err, errlen, "attribute group %" PRIu32 " is not one a64vm saves",
			 a->group);
		c->bad = true;
		return -EINVAL;
	}
	return 0;
}
