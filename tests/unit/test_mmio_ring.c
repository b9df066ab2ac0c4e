#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "a64vm/log.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/mmio_ring.h"
#include "unit.h"

#define PAGE 4096
#define ENTRIES ((PAGE - 8) / 24) /* KVM_COALESCED_MMIO_MAX on 4 KiB pages */

static _Alignas(PAGE) uint8_t page[PAGE];
static struct kvm_coalesced_mmio_ring *const ring = (void *)page;

/* The device: every value written, in the order it saw them. */
static uint64_t seen[200000];
static unsigned nseen;
static unsigned last_size;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque, (void)off, (void)size;
	return 0;
}

static void dev_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque;
	CU_ASSERT_EQUAL(off, 0);
	last_size = size;
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		seen[nseen++] = val;
}

static struct mmio_bus bus;
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;

static void setup(struct mmio_ring *r)
{
	memset(&bus, 0, sizeof(bus));
	CU_ASSERT_EQUAL_FATAL(mmio_bus_register(&bus, &(struct mmio_region){
		.name = "uart", .base = 0x9000000, .size = 0x1000, .read = dev_read,
		.write = dev_write, .lock = &dev_lock }), 0);
	memset(page, 0, sizeof(page));
	nseen = 0;
	mmio_ring_init(r);
	mmio_ring_attach(r, page, PAGE);
}

/* What KVM does for a write it queues; false when the ring is full. */
static bool kvm_queue(uint64_t gpa, unsigned len, uint64_t val)
{
	uint32_t last = ring->last;
	uint32_t first = __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE);

	if ((first + ENTRIES - last - 1) % ENTRIES == 0)
		return false;
	ring->coalesced_mmio[last].phys_addr = gpa;
	ring->coalesced_mmio[last].len = len;
	memcpy(ring->coalesced_mmio[last].data, &val, 8);
	__atomic_store_n(&ring->last, (last + 1) % ENTRIES, __ATOMIC_RELEASE);
	return true;
}

static void test_empty_and_detached(void)
{
	struct mmio_ring r, none;

	setup(&r);
	CU_ASSERT_EQUAL(r.entries, ENTRIES);
	CU_ASSERT_FALSE(mmio_ring_pending(&r));
	CU_ASSERT_EQUAL(mmio_ring_drain(&r, &bus), 0);
	mmio_ring_init(&none);
	CU_ASSERT_FALSE(mmio_ring_pending(&none));
	CU_ASSERT_EQUAL(mmio_ring_drain(&none, &bus), 0);
	mmio_ring_destroy(&none);
	mmio_ring_destroy(&r);
}

/* In the guest's order across the end of the ring, each write's width kept. */
static void test_order_and_wrap(void)
{
	struct mmio_ring r;

	setup(&r);
	ring->first = ring->last = ENTRIES - 2;
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_TRUE(kvm_queue(0x9000000, 2, 'a' + i));
	CU_ASSERT_EQUAL(ring->last, 3);
	CU_ASSERT_TRUE(mmio_ring_pending(&r));
	CU_ASSERT_EQUAL(mmio_ring_drain(&r, &bus), 5);
	CU_ASSERT_EQUAL(ring->first, 3);
	CU_ASSERT_FALSE(mmio_ring_pending(&r));
	CU_ASSERT_EQUAL_FATAL(nseen, 5);
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(seen[i], 'a' + i);
	CU_ASSERT_EQUAL(last_size, 2);
	mmio_ring_destroy(&r);
}

/* A full ring (KVM then exits instead) drains whole; odd entries are passed over. */
static void test_full_and_odd_entries(void)
{
	struct mmio_ring r;
	unsigned n = 0;

	setup(&r);
	while (kvm_queue(0x9000000, n % 7 == 3 ? 3 : 4, n))
		n++;
	CU_ASSERT_EQUAL(n, ENTRIES - 1);
	CU_ASSERT_EQUAL(mmio_ring_drain(&r, &bus), n);
	CU_ASSERT_EQUAL(nseen, n - (n + 3) / 7); /* a 3-byte write is none KVM makes */
	CU_ASSERT_TRUE(kvm_queue(0x9000000, 4, 1));
	mmio_ring_destroy(&r);
}

/* Indexes past the ring (never KVM's): nothing replayed, nothing overrun. */
static void test_bad_indexes(void)
{
	struct mmio_ring r;

	setup(&r);
	ring->last = ENTRIES + 5;
	log_set_level(LOG_NONE);
	CU_ASSERT_EQUAL(mmio_ring_drain(&r, &bus), 0);
	log_set_level(LOG_INFO);
	CU_ASSERT_EQUAL(nseen, 0);
	mmio_ring_destroy(&r);
}

/* KVM queues from one side while two vCPUs replay: each write once, in order. */
#define STREAM 100000u
static atomic_bool producing;
static struct mmio_ring shared;

static void *drainer(void *arg)
{
	(void)arg;
	while (atomic_load(&producing) || mmio_ring_pending(&shared))
		if (!mmio_ring_drain(&shared, &bus))
			sched_yield();
	return NULL;
}

static void test_concurrent_replay(void)
{
	pthread_t t[2];

	setup(&shared);
	atomic_store(&producing, true);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, drainer, NULL), 0);
	for (unsigned v = 0; v < STREAM; v++)
		while (!kvm_queue(0x9000000, 4, v))
			sched_yield();
	atomic_store(&producing, false);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL_FATAL(nseen, STREAM);
	for (unsigned v = 0; v < STREAM; v++)
		if (seen[v] != v) {
			CU_FAIL("a write replayed twice or out of order");
			break;
		}
	mmio_ring_destroy(&shared);
}

const char unit_suite_name[] = "mmio_ring";
const struct unit_test unit_tests[] = {
	{ "empty, and no ring", test_empty_and_detached },
	{ "replayed in order across the ring's end", test_order_and_wrap },
	{ "a full ring, and entries KVM never makes", test_full_and_odd_entries },
	{ "indexes out of the ring", test_bad_indexes },
	{ "KVM queues while two threads replay", test_concurrent_replay },
	{ NULL, NULL },
};
