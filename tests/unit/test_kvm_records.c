/* A vCPU's registers and the vGIC's attributes as a snapshot holds them. */
#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include "a64vm/kvm_records.h"
#include "unit.h"

#define X0 0x6030000000100000ull	     /* core, 64-bit */
#define FPSR 0x60200000001000d4ull	     /* core, 32-bit */
#define Z0 0x6080000000150000ull	     /* SVE Z0, 2048-bit */
#define NOT_ARM64 0x4030000000100000ull	     /* arm's (32-bit) id space */
#define TOO_WIDE (0x6000000000000000ull | 9ull << 52) /* 4096 bits */

static struct snapshot_index ix;
static uint8_t file[4096];

static const struct snapshot_section *finish(struct snapshot_writer *w)
{
	const uint8_t *b;
	size_t len;
	char err[160];

	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(w, &b, &len), 0);
	CU_ASSERT_FATAL(len <= sizeof(file));
	memcpy(file, b, len);
	snapshot_writer_free(w);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(file, len, &ix, err, sizeof(err)), 0);
	return &ix.sections[0];
}

static void test_sizes(void)
{
	CU_ASSERT_EQUAL(kvm_records_reg_size(X0), 8);
	CU_ASSERT_EQUAL(kvm_records_reg_size(FPSR), 4);
	CU_ASSERT_EQUAL(kvm_records_reg_size(Z0), 256);
	CU_ASSERT_EQUAL(kvm_records_reg_size(NOT_ARM64), 0);
	CU_ASSERT_EQUAL(kvm_records_reg_size(TOO_WIDE), 0);
}

static void test_vcpu_round_trip(void)
{
	struct snapshot_writer w;
	struct snapshot_cursor c;
	uint8_t z[256], x0[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t mp, n, fpsr = 0x8000000;
	uint64_t id;
	const uint8_t *v;
	unsigned size;

	for (unsigned i = 0; i < sizeof(z); i++)
		z[i] = (uint8_t)i;
	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, 1, 0);
	kvm_records_put_vcpu_head(&w, KVM_MP_STATE_STOPPED, 3);
	kvm_records_put_reg(&w, X0, x0);
	kvm_records_put_reg(&w, FPSR, &fpsr);
	kvm_records_put_reg(&w, Z0, z);
	snapshot_cursor_init(&c, finish(&w));
	CU_ASSERT_EQUAL(kvm_records_get_vcpu_head(&c, &mp, &n), 0);
	CU_ASSERT_EQUAL(mp, KVM_MP_STATE_STOPPED);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(kvm_records_get_reg(&c, &id, &v, &size), 0);
	CU_ASSERT_TRUE(id == X0 && size == 8 && !memcmp(v, x0, 8));
	CU_ASSERT_EQUAL(kvm_records_get_reg(&c, &id, &v, &size), 0);
	CU_ASSERT_TRUE(id == FPSR && size == 4 && !memcmp(v, &fpsr, 4));
	CU_ASSERT_EQUAL(kvm_records_get_reg(&c, &id, &v, &size), 0);
	CU_ASSERT_TRUE(id == Z0 && size == 256 && !memcmp(v, z, 256));
	CU_ASSERT_TRUE(snapshot_cursor_done(&c));
	CU_ASSERT_EQUAL(kvm_records_get_reg(&c, &id, &v, &size), -EINVAL); /* none left */
}

static void test_vcpu_refusals(void)
{
	struct snapshot_writer w;
	struct snapshot_cursor c;
	uint32_t mp, n;
	uint64_t id;
	const uint8_t *v;
	unsigned size;
	uint8_t half[4] = { 0 };

	/* An MP state arm64 does not have (x86's INIT_RECEIVED). */
	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, 1, 0);
	kvm_records_put_vcpu_head(&w, KVM_MP_STATE_INIT_RECEIVED, 0);
	snapshot_cursor_init(&c, finish(&w));
	CU_ASSERT_EQUAL(kvm_records_get_vcpu_head(&c, &mp, &n), -EINVAL);
	/* An id outside arm64's space, and a value cut short. */
	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, 1, 0);
	snapshot_put_u64(&w, NOT_ARM64);
	snapshot_put_u64(&w, 0);
	snapshot_cursor_init(&c, finish(&w));
	CU_ASSERT_EQUAL(kvm_records_get_reg(&c, &id, &v, &size), -EINVAL);
	CU_ASSERT_PTR_NULL(v);
	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, 1, 0);
	snapshot_put_u64(&w, X0);
	snapshot_put_bytes(&w, half, sizeof(half));
	snapshot_cursor_init(&c, finish(&w));
	CU_ASSERT_EQUAL(kvm_records_get_reg(&c, &id, &v, &size), -EINVAL);
}

static void test_attrs(void)
{
	struct snapshot_writer w;
	struct snapshot_cursor c;
	struct kvm_records_attr a = { KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x8, 0x43b }, b;
	char err[120] = "";

	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, 1, 0);
	kvm_records_put_attr(&w, &a);
	a.group = KVM_DEV_ARM_VGIC_GRP_ADDR; /* never saved: refused */
	kvm_records_put_attr(&w, &a);
	snapshot_cursor_init(&c, finish(&w));
	CU_ASSERT_EQUAL(kvm_records_get_attr(&c, 1u << KVM_DEV_ARM_VGIC_GRP_DIST_REGS, &b, err,
					     sizeof(err)), 0);
	CU_ASSERT_TRUE(b.group == KVM_DEV_ARM_VGIC_GRP_DIST_REGS && b.attr == 0x8 &&
		       b.value == 0x43b);
	CU_ASSERT_EQUAL(kvm_records_get_attr(&c, 1u << KVM_DEV_ARM_VGIC_GRP_DIST_REGS, &b, err,
					     sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "group 0"));
	CU_ASSERT_EQUAL(kvm_records_get_attr(&c, ~0u, &b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cut short"));
}

const char unit_suite_name[] = "kvm_records";
const struct unit_test unit_tests[] = {
	{ "register sizes from their ids", test_sizes },
	{ "a vCPU's registers written and read back", test_vcpu_round_trip },
	{ "a vCPU's impossible records refused", test_vcpu_refusals },
	{ "vGIC attributes and their groups", test_attrs },
	{ NULL, NULL },
};
