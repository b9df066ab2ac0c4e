/*
 * A virtio device's transport state through a real state file: the core's
 * status, features and queues, virtio-pci's vectors and MSI-X table; and
 * what a restore refuses (rings outside RAM, features never offered,
 * vectors the function lacks, a section cut short) without changing the
 * device.
 */
#include <string.h>

#include "a64vm/memmap.h"
#include "a64vm/snapshot_file.h"
#include "a64vm/virtio_snapshot.h"
#include "unit.h"
#include "virtq_fixture.h"

#define TAG SNAPSHOT_TAG('T', 'E', 'S', 'T')

static const struct virtio_core_ops ops = {
	.name = "test", .device_id = 4, .nqueues = 2,
};

static struct snapshot_writer w;
static struct snapshot_index ix;
static struct snapshot_cursor cur;

static void begin(void)
{
	snapshot_writer_free(&w);
	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, TAG, 0);
}

/* What was put since begin, as a restore reads it; cut: its last byte gone. */
static struct snapshot_cursor *section(bool cut)
{
	const uint8_t *buf;
	size_t len;
	char err[100];
	struct snapshot_section s;

	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(buf, len, &ix, err, sizeof(err)), 0);
	s = *snapshot_find(&ix, TAG, 0);
	s.len -= cut;
	snapshot_cursor_init(&cur, &s);
	return &cur;
}

/* A driven device: features, a live queue part-way through its ring. */
static void driven(struct virtio_core *t)
{
	fx_transport(t, &ops, NULL, 0);
	t->driver_features = VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX;
	t->queues[0].event_idx = true;
	t->queues[0].last_avail = 7;
	t->queues[0].used_idx = 5;
	t->queues[0].signalled = 4;
	t->queue_sel = 1;
	t->isr = 1;
	t->config_generation = 3;
}

static void fresh(struct virtio_core *t)
{
	virtio_core_init(t, &ops, NULL, &fx_mem, NULL, NULL);
}

static void test_core_round_trip(void)
{
	struct virtio_core a, b;

	driven(&a);
	begin();
	virtio_core_save(&a, &w);
	fresh(&b);
	CU_ASSERT_EQUAL(virtio_core_restore(&b, section(false)), 0);
	CU_ASSERT_TRUE(snapshot_cursor_done(&cur));
	CU_ASSERT_EQUAL(b.status, a.status);
	CU_ASSERT_EQUAL(b.driver_features, a.driver_features);
	CU_ASSERT_EQUAL(b.queue_sel, 1);
	CU_ASSERT_EQUAL(b.isr, 1);
	CU_ASSERT_EQUAL(b.config_generation, 3);
	CU_ASSERT_EQUAL(memcmp(&b.queues[0], &a.queues[0], sizeof(a.queues[0])), 0);
	CU_ASSERT_FALSE(b.queues[1].ready);
	CU_ASSERT_PTR_NOT_NULL(virtio_core_live_queue(&b, 0));
}

/* A refused restore leaves the device as it was. */
static void refused(struct virtio_core *a, bool cut)
{
	struct virtio_core b, before;

	begin();
	virtio_core_save(a, &w);
	fresh(&b);
	before = b;
	CU_ASSERT_EQUAL(virtio_core_restore(&b, section(cut)), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(&b, &before, sizeof(b)), 0);
}

static void test_core_refusals(void)
{
	struct virtio_core a;

	driven(&a);
	refused(&a, true); /* cut short */
	a.queues[0].used = FX_RAM + FX_RAM_SIZE - 8; /* its used ring past RAM's end */
	refused(&a, false);
	driven(&a);
	a.queues[0].num = 3; /* not a power of two */
	refused(&a, false);
	driven(&a);
	a.driver_features |= 1ull << 40; /* never offered */
	refused(&a, false);
	driven(&a);
	a.status |= 0x10; /* no such status bit */
	refused(&a, false);
	driven(&a);
	a.nqueues = 1; /* another device's */
	refused(&a, false);
}

static struct virtio_core vd;

static void pci_fn(struct virtio_pci *p)
{
	fx_transport(&vd, &ops, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(virtio_pci_init(p, &vd, 0xff0000, &(struct virtio_pci_wiring){
		.msix_doorbell = MEMMAP_GIC_ITS_TRANSLATER }), 0);
}

static void test_pci_round_trip(void)
{
	static struct virtio_pci a, b;

	pci_fn(&a);
	a.config_vector = 2;
	a.queue_vector[0] = 0;
	a.queue_vector[1] = 1;
	a.msix.table[1] = (struct pci_msix_entry){ 0x08090040, 0, 0x21, 0 };
	a.msix.pending = 1u << 2;
	a.intx = a.intx_pending = true;
	begin();
	virtio_pci_save(&a, &w);
	pci_fn(&b);
	CU_ASSERT_EQUAL(virtio_pci_restore(&b, section(false)), 0);
	CU_ASSERT_TRUE(snapshot_cursor_done(&cur));
	CU_ASSERT_EQUAL(b.config_vector, 2);
	CU_ASSERT_EQUAL(b.queue_vector[1], 1);
	CU_ASSERT_EQUAL(b.queue_vector[2], PCI_MSIX_NO_VECTOR);
	CU_ASSERT_EQUAL(memcmp(b.msix.table, a.msix.table, sizeof(a.msix.table)), 0);
	CU_ASSERT_EQUAL(b.msix.pending, 1u << 2);
	CU_ASSERT_TRUE(b.intx && b.intx_pending);
}

static void test_pci_refusals(void)
{
	static struct virtio_pci a, b;

	pci_fn(&a);
	a.queue_vector[0] = (uint16_t)a.msix.nvec; /* past its table */
	begin();
	virtio_pci_save(&a, &w);
	pci_fn(&b);
	CU_ASSERT_EQUAL(virtio_pci_restore(&b, section(false)), -EINVAL);
	CU_ASSERT_EQUAL(b.queue_vector[0], PCI_MSIX_NO_VECTOR);
	a.queue_vector[0] = 0;
	begin();
	virtio_pci_save(&a, &w);
	CU_ASSERT_EQUAL(virtio_pci_restore(&b, section(true)), -EINVAL);
	snapshot_writer_free(&w);
	snapshot_writer_init(&w);
}

const char unit_suite_name[] = "virtio_snapshot";
const struct unit_test unit_tests[] = {
	{ "the core's state, saved and restored", test_core_round_trip },
	{ "what the core's restore refuses", test_core_refusals },
	{ "virtio-pci's vectors and MSI-X table", test_pci_round_trip },
	{ "what virtio-pci's restore refuses", test_pci_refusals },
	{ NULL, NULL },
};
