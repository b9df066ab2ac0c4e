/*
 * The snapshot reader: any bytes as a state file. What it accepts lies
 * inside the input, and written again section by section it is the same
 * file byte for byte (the format has one spelling); what it refuses it
 * says why. Then each section goes to its reader as a restore would hand
 * it: the vCPU and vGIC records, the options, the board's device models
 * and pci-testdev, a virtio device's core and virtio-pci state (a state they refuse
 * leaves them as they were; one they take has its live rings in RAM).
 */
#include <string.h>

#include "a64vm/cfi_flash.h"
#include "a64vm/fw_cfg.h"
#include "a64vm/kvm_records.h"
#include "a64vm/memmap.h"
#include "a64vm/pci_host.h"
#include "a64vm/pci_testdev.h"
#include "a64vm/pl011.h"
#include "a64vm/pl031.h"
#include "a64vm/pl061.h"
#include "a64vm/snapshot_conf.h"
#include "a64vm/snapshot_file.h"
#include "a64vm/testdev.h"
#include "a64vm/virtio_snapshot.h"
#include "fuzz.h"

static struct snapshot_index ix;
static uint8_t flash[CFI_FLASH_SECTOR_SIZE];

static void no_irq(void *ctx, bool level) { (void)ctx, (void)level; }
static void no_byte(void *ctx, uint8_t b) { (void)ctx, (void)b; }
static void no_room(void *ctx) { (void)ctx; }
static uint64_t clock_ns(void *ctx) { (void)ctx; return 1700000000ull * 1000000000ull; }
static void no_timer(void *ctx, uint64_t t) { (void)ctx, (void)t; }
static void no_direct(void *ctx, bool on) { (void)ctx, (void)on; }

static void restore_device(const struct snapshot_section *s)
{
	static const struct device_ops *const models[] = {
		&pl011_device, &pl031_device, &pl061_device, &testdev_device, &fw_cfg_device,
		&cfi_flash_device, &pci_host_device,
	};
	const struct device_ops *ops = models[s->instance % 7];
	const struct device_env env = {
		.set_irq = no_irq, .console_out = no_byte, .console_room = no_room,
		.clock_ns = clock_ns, .set_timer = no_timer, .direct_reads = no_direct,
		.storage = flash, .storage_size = sizeof(flash),
	};
	struct snapshot_cursor c;
	void *dev = ops->create(&env);

	FUZZ_CHECK(dev);
	snapshot_cursor_init(&c, s);
	ops->restore(dev, &c);
	ops->destroy(dev);
}

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (1u << 20)

static uint8_t ram[RAM_SIZE];
static struct guest_mem mem = { .base = RAM_BASE, .size = RAM_SIZE, .hva = ram };
static const struct virtio_core_ops two_queues = { .name = "fuzz", .device_id = 4, .nqueues = 2 };

static void no_source(void *ctx, unsigned source) { (void)ctx, (void)source; }

/* A virtio device's section: the core's part, then virtio-pci's. */
static void restore_virtio(const struct snapshot_section *s)
{
	static struct virtio_core t, before;
	static struct virtio_pci p, pci_before;
	struct snapshot_cursor c;

	virtio_core_init(&t, &two_queues, NULL, &mem, no_source, NULL);
	FUZZ_CHECK(virtio_pci_init(&p, &t, 0xff0000, &(struct virtio_pci_wiring){
		.msix_doorbell = MEMMAP_GIC_ITS_TRANSLATER }) == 0);
	memcpy(&before, &t, sizeof(t));
	memcpy(&pci_before, &p, sizeof(p));
	snapshot_cursor_init(&c, s);
	if (virtio_core_restore(&t, &c)) {
		FUZZ_CHECK(!memcmp(&t, &before, sizeof(t)));
		return;
	}
	for (unsigned q = 0; q < t.nqueues; q++)
		FUZZ_CHECK(!t.queues[q].ready || !virtq_check_layout(&t.queues[q], &mem));
	if (virtio_pci_restore(&p, &c))
		FUZZ_CHECK(!memcmp(&p, &pci_before, sizeof(p)));
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		FUZZ_CHECK(p.queue_vector[q] == PCI_MSIX_NO_VECTOR ||
			   p.queue_vector[q] < p.msix.nvec);
}

/* pci-testdev's section: a test it has, or none; refused, the device is as it was. */
static void restore_pci_testdev(const struct snapshot_section *s)
{
	struct pci_testdev d;
	struct snapshot_cursor c;

	pci_testdev_init(&d);
	snapshot_cursor_init(&c, s);
	if (pci_testdev_restore(&d, &c))
		FUZZ_CHECK(d.current == -1 && d.count == 0);
	else
		FUZZ_CHECK(d.current >= -1 && d.current < PCI_TESTDEV_TESTS);
}

static void read_section(const struct snapshot_section *s)
{
	struct snapshot_cursor c;
	struct kvm_records_attr a;
	char err[200];

	snapshot_cursor_init(&c, s);
	if (s->tag == SNAPSHOT_TAG('V', 'C', 'P', 'U')) {
		uint32_t mp, n, len;
		uint64_t id;
		const uint8_t *v;
		unsigned size;

		if (kvm_records_get_vcpu_head(&c, &mp, &n) || !snapshot_get_blob(&c, &len))
			return;
		for (uint32_t i = 0; i < n && !kvm_records_get_reg(&c, &id, &v, &size); i++)
			FUZZ_CHECK(size && size <= KVM_RECORDS_MAX_REG_BYTES && v >= s->data &&
				   v + size <= s->data + s->len);
	} else if (s->tag == SNAPSHOT_TAG('G', 'I', 'C', '3')) {
		while (!snapshot_cursor_done(&c) && !kvm_records_get_attr(&c, ~0u, &a, err, 200))
			FUZZ_CHECK(a.group < 32);
	} else if (s->tag == SNAPSHOT_CONF_TAG) {
		char *const argv[] = { "a64vm", "run", "--restore", "/s" };
		char **out = NULL;
		int n = 0;

		if (!snapshot_conf_merge(s, 4, argv, &out, &n, err, sizeof(err)))
			FUZZ_CHECK(n >= 4 && !strcmp(out[1], "run"));
		snapshot_conf_free(out, n);
	} else if (s->tag == SNAPSHOT_TAG('B', 'D', 'E', 'V')) {
		restore_device(s);
	} else if (s->tag == SNAPSHOT_TAG('V', 'I', 'R', 'T')) {
		restore_virtio(s);
	} else if (s->tag == SNAPSHOT_TAG('P', 'T', 'D', 'V')) {
		restore_pci_testdev(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot_writer w;
	const uint8_t *again;
	size_t len;
	char err[160] = "";

	if (snapshot_parse(data, size, &ix, err, sizeof(err))) {
		FUZZ_CHECK(err[0]);
		return 0;
	}
	snapshot_writer_init(&w);
	for (unsigned i = 0; i < ix.nsections; i++) {
		const struct snapshot_section *s = &ix.sections[i];

		FUZZ_CHECK(s->data >= data && s->len <= size &&
			   (size_t)(s->data - data) <= size - s->len);
		FUZZ_CHECK(snapshot_find(&ix, s->tag, s->instance) == s);
		snapshot_writer_begin(&w, s->tag, s->instance);
		snapshot_put_bytes(&w, s->data, (size_t)s->len);
		read_section(s);
	}
	FUZZ_CHECK(snapshot_writer_finish(&w, &again, &len) == 0);
	FUZZ_CHECK(len == size && !memcmp(again, data, size));
	snapshot_writer_free(&w);
	return 0;
}
