/* The virtio-mmio register file, driven as Linux's virtio_mmio driver does. */
#include <errno.h>
#include <string.h>

#include "a64vm/virtio_mmio.h"
#include "unit.h"

#define RAM 0x40000000ull

static struct guest_mem mem;
static struct virtio_core t;
static int irqs, notified = -1, handed = -1, resets;
static uint8_t config[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void cfg_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	(void)dev;
	memcpy(data, config + off, len);
}

static uint64_t features(void *dev)
{
	(void)dev;
	return 1ull << 5;
}

/* Queue 0 is a receive queue: a notify there reaches the device as is. */
static void buffers_posted(void *dev, struct virtio_core *tr, unsigned q)
{
	(void)dev;
	(void)tr;
	notified = (int)q;
}

static void reset_dev(void *dev)
{
	(void)dev;
	resets++;
}

/* The glue's notify hook: the queue's eventfd in a64vm. */
static void hand_on(void *ctx, unsigned q)
{
	(void)ctx;
	handed = (int)q;
}

static void irq(void *ctx, unsigned source)
{
	(void)ctx;
	(void)source;
	irqs++;
}

static const struct virtio_core_ops ops = {
	.name = "test", .device_id = 2, .features = features, .nqueues = 1,
	.config_size = 8, .config_read = cfg_read, .receive_queues = 1,
	.buffers_posted = buffers_posted, .reset = reset_dev,
};

static uint32_t rd(uint64_t off)
{
	uint64_t refused = t.refused;
	uint64_t v = virtio_mmio_read(&t, off, 4);

	CU_ASSERT_EQUAL(t.refused, refused);
	return (uint32_t)v;
}

static void wr(uint64_t off, uint32_t v)
{
	uint64_t refused = t.refused;

	virtio_mmio_write(&t, off, 4, v);
	CU_ASSERT_EQUAL(t.refused, refused);
}

/* An access the transport refuses: it reads as zero and is counted. */
static bool refused_read(uint64_t off, unsigned size)
{
	uint64_t refused = t.refused;

	return virtio_mmio_read(&t, off, size) == 0 && t.refused == refused + 1;
}

static void setup(void)
{
	if (!mem.hva)
		memory_init(&mem, RAM, 1u << 20);
	virtio_core_init(&t, &ops, NULL, &mem, irq, NULL);
	t.notify = hand_on;
	irqs = resets = 0;
	notified = handed = -1;
}

/* Linux's order: ACK, DRIVER, features, FEATURES_OK, queues, DRIVER_OK. */
static void negotiate(uint64_t features)
{
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(0x024, 0);
	wr(0x020, (uint32_t)features);
	wr(0x024, 1);
	wr(0x020, (uint32_t)(features >> 32));
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		  VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(uint64_t desc, uint64_t avail, uint64_t used, uint32_t num)
{
	wr(0x030, 0);
	wr(0x038, num);
	wr(0x080, (uint32_t)desc);
	wr(0x084, (uint32_t)(desc >> 32));
	wr(0x090, (uint32_t)avail);
	wr(0x094, 0);
	wr(0x0a0, (uint32_t)used);
	wr(0x0a4, 0);
	wr(0x044, 1);
}

static void test_identity(void)
{
	uint16_t half;

	setup();
	CU_ASSERT_EQUAL(rd(0x000), 0x74726976);
	CU_ASSERT_EQUAL(rd(0x004), 2);
	CU_ASSERT_EQUAL(rd(0x008), 2);
	wr(0x014, 0);
	CU_ASSERT_EQUAL(rd(0x010), (1u << 5) | (1u << 28) | (1u << 29));
	wr(0x014, 1);
	CU_ASSERT_EQUAL(rd(0x010), 1); /* VERSION_1 */
	wr(0x014, 7);
	CU_ASSERT_EQUAL(rd(0x010), 0);
	CU_ASSERT_EQUAL(rd(0x034), VIRTQ_MAX_SIZE);
	wr(0x030, 3); /* no such queue */
	CU_ASSERT_EQUAL(rd(0x034), 0);
	/* registers are 32-bit; config space takes any natural width */
	CU_ASSERT_TRUE(refused_read(0x000, 2));
	CU_ASSERT_TRUE(refused_read(0x002, 4));
	half = (uint16_t)virtio_mmio_read(&t, 0x106, 2);
	CU_ASSERT_EQUAL(half, 0x0807);
	CU_ASSERT_TRUE(refused_read(0x107, 2));
	CU_ASSERT_TRUE(refused_read(0x1f0, 2));
	CU_ASSERT_TRUE(refused_read(0x100, 3));
}

static void test_negotiation(void)
{
	setup();
	negotiate(VIRTIO_F_VERSION_1 | (1ull << 5));
	CU_ASSERT_TRUE(rd(0x070) & VIRTIO_STATUS_FEATURES_OK);
	/* a feature never offered */
	setup();
	negotiate(VIRTIO_F_VERSION_1 | (1ull << 6));
	CU_ASSERT_FALSE(rd(0x070) & VIRTIO_STATUS_FEATURES_OK);
	/* a legacy driver (no VERSION_1) */
	setup();
	negotiate(1ull << 5);
	CU_ASSERT_FALSE(rd(0x070) & VIRTIO_STATUS_FEATURES_OK);
	/* features are fixed once accepted */
	setup();
	negotiate(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX);
	wr(0x024, 0);
	wr(0x020, 0);
	CU_ASSERT_EQUAL(t.driver_features, VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX);
	/* Ring features a vhost-user backend lacks: neither offered nor taken. */
	setup();
	t.withheld = VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX;
	wr(0x014, 0);
	CU_ASSERT_EQUAL(rd(0x010), 1u << 5);
	negotiate(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX);
	CU_ASSERT_FALSE(rd(0x070) & VIRTIO_STATUS_FEATURES_OK);
	setup();
	t.withheld = VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX;
	negotiate(VIRTIO_F_VERSION_1 | (1ull << 5));
	CU_ASSERT_TRUE(rd(0x070) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_queue_setup(void)
{
	setup();
	negotiate(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX);
	setup_queue(RAM + 0x1000, RAM + 0x2000, RAM + 0x3000, 128);
	CU_ASSERT_EQUAL(rd(0x044), 1);
	CU_ASSERT_PTR_NULL(virtio_core_live_queue(&t, 0)); /* not DRIVER_OK yet */
	wr(0x070, rd(0x070) | VIRTIO_STATUS_DRIVER_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(virtio_core_live_queue(&t, 0));
	CU_ASSERT_TRUE(t.queues[0].event_idx);
	CU_ASSERT_FALSE(t.queues[0].indirect);
	CU_ASSERT_PTR_NULL(virtio_core_live_queue(&t, 1));
	/* a live queue's addresses cannot change under the device */
	wr(0x080, 0x1234);
	CU_ASSERT_EQUAL(t.queues[0].desc, RAM + 0x1000);
	/* a notify is handed on, never served on the writer's thread */
	wr(0x050, 0);
	CU_ASSERT_EQUAL(handed, 0);
	CU_ASSERT_EQUAL(notified, -1);
	handed = -1;
	wr(0x050, 9);
	CU_ASSERT_EQUAL(handed, -1);
	t.notify = NULL;
	wr(0x050, 0);
	CU_ASSERT_EQUAL(notified, -1);
	/* reset: everything goes, the device hears of it */
	wr(0x070, 0);
	CU_ASSERT_EQUAL(resets, 1);
	CU_ASSERT_EQUAL(rd(0x044), 0);
	CU_ASSERT_EQUAL(rd(0x070), 0);
}

static void test_bad_queues(void)
{
	static const struct { uint64_t desc, avail, used; uint32_t num; } bad[] = {
		{ 0x1000, RAM + 0x2000, RAM + 0x3000, 128 },	      /* not RAM */
		{ RAM + 0x1008, RAM + 0x2000, RAM + 0x3000, 128 },    /* misaligned */
		{ RAM + 0x1000, RAM + 0x2000, RAM + 0x3000, 100 },    /* not 2^n */
		{ RAM + 0x1000, RAM + 0x2000, RAM + 0xfffff0, 128 },  /* past RAM */
		{ RAM + 0x1000, RAM + 0x2000, RAM + 0x3000, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		negotiate(VIRTIO_F_VERSION_1);
		wr(0x070, rd(0x070) | VIRTIO_STATUS_DRIVER_OK);
		setup_queue(bad[i].desc, bad[i].avail, bad[i].used, bad[i].num);
		CU_ASSERT_EQUAL(rd(0x044), 0);
		CU_ASSERT_TRUE(rd(0x070) & VIRTIO_STATUS_NEEDS_RESET);
		CU_ASSERT_TRUE(rd(0x060) & 2); /* a configuration interrupt */
		CU_ASSERT_EQUAL(irqs, 1);
		/* the driver cannot clear NEEDS_RESET but by a reset */
		wr(0x070, VIRTIO_STATUS_DRIVER_OK);
		CU_ASSERT_TRUE(rd(0x070) & VIRTIO_STATUS_NEEDS_RESET);
		wr(0x064, 2);
		CU_ASSERT_EQUAL(rd(0x060), 0);
		wr(0x070, 0);
		CU_ASSERT_EQUAL(rd(0x070), 0);
	}
	/* QueueNum above the maximum reads back as 0 and cannot go live */
	setup();
	negotiate(VIRTIO_F_VERSION_1);
	setup_queue(RAM + 0x1000, RAM + 0x2000, RAM + 0x3000, 4096);
	CU_ASSERT_EQUAL(rd(0x038), 0);
	CU_ASSERT_EQUAL(rd(0x044), 0);
}

const char unit_suite_name[] = "virtio_mmio";
const struct unit_test unit_tests[] = {
	{ "identity, features, widths", test_identity },
	{ "feature negotiation", test_negotiation },
	{ "queue setup, notify, reset", test_queue_setup },
	{ "bad queues: NEEDS_RESET", test_bad_queues },
	{ NULL, NULL },
};
