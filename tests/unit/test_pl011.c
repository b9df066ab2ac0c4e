#include <string.h>

#include "a64vm/pl011.h"
#include "unit.h"

enum {
	DR = 0x00, FR = 0x18, LCR_H = 0x2c, IMSC = 0x38, RIS = 0x3c, MIS = 0x40,
	ICR = 0x44,
};
enum { RXFE = 1 << 4, RXFF = 1 << 6, TXFE = 1 << 7, TXFF = 1 << 5 };
enum { INT_RX = 1 << 4, INT_TX = 1 << 5, INT_RT = 1 << 6 };
enum { FEN = 1 << 4 };

/* A fake interrupt line, terminal and input thread. */
struct sink {
	bool irq;
	unsigned irq_changes;
	uint8_t tx[64];
	unsigned ntx;
	unsigned room_calls;
};

static void set_irq(void *ctx, bool level)
{
	struct sink *s = ctx;

	s->irq = level;
	s->irq_changes++;
}

static void tx(void *ctx, uint8_t byte)
{
	struct sink *s = ctx;

	if (s->ntx < sizeof(s->tx))
		s->tx[s->ntx++] = byte;
}

static void rx_room(void *ctx)
{
	((struct sink *)ctx)->room_calls++;
}

static void *create(struct sink *s)
{
	const struct device_env env = { .ctx = s, .set_irq = set_irq,
					.console_out = tx, .console_room = rx_room };

	return pl011_device.create(&env);
}

static void test_id_registers(void)
{
	static const uint8_t want[8] = { 0x11, 0x10, 0x14, 0x00,
					 0x0d, 0xf0, 0x05, 0xb1 };
	struct sink s = { 0 };
	void *u = create(&s);

	for (unsigned i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(pl011_device.read(u, 0xfe0 + 4 * i, 4), want[i]);
	/* a byte inside a register is that register, as QEMU decodes it */
	CU_ASSERT_EQUAL(pl011_device.read(u, 0xffc + 1, 4), 0xb1);
	CU_ASSERT_EQUAL(pl011_device.min_width, 4);
	CU_ASSERT_EQUAL(pl011_device.read(u, 0x800, 4), 0);	  /* reserved: RAZ */
	pl011_device.write(u, 0x800, 4, 0xffffffff);		  /* reserved: WI */
	pl011_device.destroy(u);
}

static void test_transmit(void)
{
	struct sink s = { 0 };
	void *u = create(&s);

	CU_ASSERT_EQUAL(pl011_device.read(u, FR, 4) & (TXFE | TXFF | RXFE), TXFE | RXFE);
	pl011_device.write(u, DR, 4, 'o');
	pl011_device.write(u, DR, 4, 0x100 | 'k'); /* only the data byte goes out */
	CU_ASSERT_EQUAL(s.ntx, 2);
	CU_ASSERT_EQUAL(memcmp(s.tx, "ok", 2), 0);
	CU_ASSERT(pl011_device.read(u, RIS, 4) & INT_TX);
	CU_ASSERT_FALSE(s.irq); /* masked */
	pl011_device.write(u, IMSC, 4, INT_TX);
	CU_ASSERT_TRUE(s.irq);
	CU_ASSERT_EQUAL(pl011_device.read(u, MIS, 4), INT_TX);
	pl011_device.write(u, ICR, 4, INT_TX);
	CU_ASSERT_FALSE(s.irq);
	CU_ASSERT_EQUAL(pl011_device.read(u, RIS, 4) & INT_TX, 0);
	pl011_device.destroy(u);
}

static void test_receive_fifo(void)
{
	struct sink s = { 0 };
	void *u = create(&s);
	uint8_t in[PL011_FIFO_DEPTH + 8];

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)('A' + i % 26);
	pl011_device.write(u, LCR_H, 4, FEN);
	pl011_device.write(u, IMSC, 4, INT_RX | INT_RT);
	CU_ASSERT_FALSE(s.irq);
	/* A full FIFO takes what fits; the rest waits for room. */
	CU_ASSERT_EQUAL(pl011_device.input(u, in, sizeof(in)), PL011_FIFO_DEPTH);
	CU_ASSERT_TRUE(s.irq);
	CU_ASSERT(pl011_device.read(u, FR, 4) & RXFF);
	CU_ASSERT_EQUAL(pl011_device.input(u, in, 1), 0);
	CU_ASSERT_EQUAL(s.room_calls, 0);
	CU_ASSERT_EQUAL(pl011_device.read(u, DR, 4), 'A');
	CU_ASSERT_EQUAL(s.room_calls, 1); /* room again: the feeder is told */
	for (unsigned i = 1; i < PL011_FIFO_DEPTH; i++)
		CU_ASSERT_EQUAL(pl011_device.read(u, DR, 4), in[i]);
	CU_ASSERT(pl011_device.read(u, FR, 4) & RXFE);
	CU_ASSERT_FALSE(s.irq); /* drained: the level drops */
	CU_ASSERT_EQUAL(pl011_device.read(u, DR, 4), 0); /* empty FIFO reads 0 */
	pl011_device.destroy(u);
}

static void test_fifo_disabled(void)
{
	struct sink s = { 0 };
	void *u = create(&s);

	/* Without FEN the "FIFO" is one character deep. */
	CU_ASSERT_EQUAL(pl011_device.input(u, (const uint8_t *)"xy", 2), 1);
	CU_ASSERT(pl011_device.read(u, FR, 4) & RXFF);
	CU_ASSERT_EQUAL(pl011_device.read(u, DR, 4), 'x');
	CU_ASSERT_EQUAL(s.room_calls, 1);
	/* Reset drops pending input and lowers the line. */
	pl011_device.write(u, IMSC, 4, INT_RX);
	CU_ASSERT_EQUAL(pl011_device.input(u, (const uint8_t *)"zz", 2), 1);
	CU_ASSERT_TRUE(s.irq);
	pl011_device.reset(u);
	CU_ASSERT_FALSE(s.irq);
	CU_ASSERT_EQUAL(s.room_calls, 2);
	CU_ASSERT(pl011_device.read(u, FR, 4) & RXFE);
	pl011_device.destroy(u);
}

const char unit_suite_name[] = "pl011";
const struct unit_test unit_tests[] = {
	{ "PrimeCell ID and reserved space", test_id_registers },
	{ "transmit and TX interrupt", test_transmit },
	{ "receive FIFO, back-pressure, RX interrupt", test_receive_fifo },
	{ "FIFO disabled and reset", test_fifo_disabled },
	{ NULL, NULL },
};
