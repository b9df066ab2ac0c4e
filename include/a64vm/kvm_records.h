/*
 * The records a snapshot keeps of KVM's state (docs/snapshot.md), read
 * back one at a time with every field checked before KVM is handed it:
 * a vCPU's registers as (KVM register id, value of the id's size), and
 * the vGIC's and ITS's state as device attributes in the order they are
 * set again. Pure: the KVM glue (arm64/kvm/cpu_state.c, gic_state.c)
 * makes and replays them.
 */
#ifndef A64VM_KVM_RECORDS_H
#define A64VM_KVM_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/snapshot_file.h"

/* The largest register KVM has: an SVE Z register at 2048 bits. */
#define KVM_RECORDS_MAX_REG_BYTES 256u

/* A register's size in bytes from its id, or 0 for an id that is not arm64's. */
unsigned kvm_records_reg_size(uint64_t id);

/* A vCPU section: MP state, then a count and the registers. */
void kvm_records_put_vcpu_head(struct snapshot_writer *w, uint32_t mp_state, uint32_t nregs);
void kvm_records_put_reg(struct snapshot_writer *w, uint64_t id, const void *value);
/* 0 and the head, or -EINVAL (the section is short or names an unknown MP state). */
int kvm_records_get_vcpu_head(struct snapshot_cursor *c, uint32_t *mp_state, uint32_t *nregs);
/* The next register: 0, or -EINVAL for a cut value or an id not arm64's. */
int kvm_records_get_reg(struct snapshot_cursor *c, uint64_t *id, const uint8_t **value,
			unsigned *size);

/* A device attribute to set: group, attr, and a value (none for a control). */
struct kvm_records_attr {
	uint32_t group;
	uint64_t attr;
	uint64_t value;
};

void kvm_records_put_attr(struct snapshot_writer *w, const struct kvm_records_attr *a);
/*
 * The next attribute, whose group must be one of allowed (a bit per group
 * number): 0, or -EINVAL with the reason in err.
 */
int kvm_records_get_attr(struct snapshot_cursor *c, uint32_t allowed,
			 struct kvm_records_attr *a, char *err, unsigned errlen);

#endif
