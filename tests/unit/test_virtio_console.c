/* virtio-console: the guest's output to the console, console input to it. */
#include <string.h>

#include "a64vm/virtio_console.h"
#include "unit.h"
#include "virtq_fixture.h"

static struct virtio_core t;
static uint8_t out[64];
static unsigned nout, rooms, writes;
static atomic_bool stop_after_write; /* the VMM stops during the first write */

static void console_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	writes++;
	for (size_t i = 0; i < len && nout < sizeof(out); i++)
		out[nout++] = buf[i];
	if (t.stopping)
		atomic_store(&stop_after_write, true);
}

static void console_room(void *ctx)
{
	(void)ctx;
	rooms++;
}

static const struct virtio_console_backend backend = {
	.write = console_write, .input_ready = console_room,
};
static struct virtio_console con = { .be = &backend };

static void setup(unsigned queue)
{
	nout = rooms = 0;
	fx_transport(&t, &virtio_console_ops, &con, queue);
}

static void test_transmit(void)
{
	static const char hello[] = "hello, ";
	static const char world[] = "world";

	setup(VIRTIO_CONSOLE_TX);
	memory_write(&fx_mem, FX_BUF, hello, 7);
	memory_write(&fx_mem, FX_BUF + 0x1000, world, 5);
	fx_put_desc(FX_DESC, 0, FX_BUF, 7, VIRTQ_DESC_F_NEXT, 1);
	fx_put_desc(FX_DESC, 1, FX_BUF + 0x1000, 5, 0, 0);
	fx_offer(0);
	virtio_core_service(&t, VIRTIO_CONSOLE_TX);
	CU_ASSERT_EQUAL(nout, 12);
	CU_ASSERT_EQUAL(memcmp(out, "hello, world", 12), 0);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 0);
}

/* 512 KiB of output, and the VMM stops after the first slice of it. */
static void test_stop(void)
{
	setup(VIRTIO_CONSOLE_TX);
	writes = 0;
	atomic_store(&stop_after_write, false);
	fx_put_desc(FX_DESC, 0, FX_BUF, 512 << 10, 0, 0);
	fx_offer(0);
	t.stopping = &stop_after_write;
	virtio_core_service(&t, VIRTIO_CONSOLE_TX);
	CU_ASSERT_EQUAL(writes, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 0); /* left unanswered */
	CU_ASSERT_FALSE(t.status & VIRTIO_STATUS_NEEDS_RESET);
	/* and no more requests are taken */
	fx_offer(0);
	virtio_core_service(&t, VIRTIO_CONSOLE_TX);
	CU_ASSERT_EQUAL(writes, 1);
	t.stopping = NULL;
}

static void test_receive(void)
{
	static const uint8_t typed[] = "ls -l\r";

	setup(VIRTIO_CONSOLE_RX);
	/* no buffers yet: nothing taken, the console waits */
	CU_ASSERT_EQUAL(virtio_console_input(&con, &t, typed, 6), 0);
	fx_put_desc(FX_DESC, 0, FX_BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	fx_put_desc(FX_DESC, 1, FX_BUF + 0x1000, 16, VIRTQ_DESC_F_WRITE, 0);
	fx_offer(0);
	/* the driver's notify on the receive queue: the console may send */
	virtio_core_service(&t, VIRTIO_CONSOLE_RX);
	CU_ASSERT_EQUAL(rooms, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 0);
	CU_ASSERT_EQUAL(virtio_console_input(&con, &t, typed, 6), 4);
	CU_ASSERT_EQUAL(fx_used_len(0), 4);
	fx_offer(1);
	CU_ASSERT_EQUAL(virtio_console_input(&con, &t, typed + 4, 2), 2);
	CU_ASSERT_EQUAL(fx_used_len(1), 2);
	CU_ASSERT_EQUAL(memcmp(fx_mem.hva + (FX_BUF - FX_RAM), "ls -", 4), 0);
	CU_ASSERT_EQUAL(memcmp(fx_mem.hva + (FX_BUF + 0x1000 - FX_RAM), "l\r", 2), 0);
}

static void test_hostile_receive_buffer(void)
{
	setup(VIRTIO_CONSOLE_RX);
	fx_put_desc(FX_DESC, 0, 0x1000, 16, VIRTQ_DESC_F_WRITE, 0); /* not RAM */
	fx_offer(0);
	CU_ASSERT_EQUAL(virtio_console_input(&con, &t, (const uint8_t *)"x", 1), 0);
	CU_ASSERT_TRUE(t.status & VIRTIO_STATUS_NEEDS_RESET);
}

const char unit_suite_name[] = "virtio_console";
const struct unit_test unit_tests[] = {
	{ "the guest's output", test_transmit },
	{ "console input into receive buffers", test_receive },
	{ "a stop during a long transmit", test_stop },
	{ "a receive buffer outside RAM", test_hostile_receive_buffer },
	{ NULL, NULL },
};
