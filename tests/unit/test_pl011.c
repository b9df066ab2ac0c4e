#include <errno.h>
#include <string.h>

#include "a64vm/pl011.h"
#include "snap_fixture.h"
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

/* Mid-conversation: 3 bytes waiting (the FIFO wrapped), masks and line set. */
static void test_snapshot(void)
{
	static const unsigned regs[] = { FR, LCR_H, IMSC, RIS, MIS, 0x24, 0x28, 0x30, 0x34, 0x48 };
	struct sink s = { 0 }, t = { 0 };
	void *u = create(&s), *v = create(&t);
	const struct snapshot_section *saved;

	pl011_device.write(u, LCR_H, 4, FEN);
	pl011_device.write(u, 0x24, 4, 13); /* IBRD */
	pl011_device.write(u, IMSC, 4, INT_RX);
	for (unsigned i = 0; i < PL011_FIFO_DEPTH - 1; i++) /* the head moves on */
		pl011_device.input(u, (const uint8_t *)"x", 1), pl011_device.read(u, DR, 4);
	pl011_device.input(u, (const uint8_t *)"abc", 3);
	saved = snap_fixture_save(&pl011_device, u);
	/* A cut section changes nothing. */
	CU_ASSERT_EQUAL(snap_fixture_restore(&pl011_device, v, snap_fixture_cut(saved)), -EINVAL);
	CU_ASSERT(pl011_device.read(v, FR, 4) & RXFE);
	CU_ASSERT_EQUAL(snap_fixture_restore(&pl011_device, v, saved), 0);
	CU_ASSERT_TRUE(t.irq); /* the restored line drives the interrupt */
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		CU_ASSERT_EQUAL(pl011_device.read(v, regs[i], 4), pl011_device.read(u, regs[i], 4));
	CU_ASSERT_EQUAL(pl011_device.read(v, DR, 4), 'a');
	CU_ASSERT_EQUAL(pl011_device.read(v, DR, 4), 'b');
	CU_ASSERT_EQUAL(pl011_device.read(v, DR, 4), 'c');
	CU_ASSERT_FALSE(t.irq);
	pl011_device.destroy(u);
	pl011_device.destroy(v);
}

/* A state the model cannot be in is refused: a FIFO count past its depth. */
static void test_snapshot_refused(void)
{
	struct sink s = { 0 };
	void *u = create(&s);
	struct snapshot_section bad = *snap_fixture_save(&pl011_device, u);
	uint8_t copy[256];

	CU_ASSERT_FATAL(bad.len <= sizeof(copy));
	memcpy(copy, bad.data, bad.len);
	copy[PL011_FIFO_DEPTH + 4] = PL011_FIFO_DEPTH + 1; /* count, after the FIFO and head */
	bad.data = copy;
	CU_ASSERT_EQUAL(snap_fixture_restore(&pl011_device, u, &bad), -EINVAL);
	pl011_device.destroy(u);
}

const char unit_suite_name[] = "pl011";
const struct unit_test unit_tests[] = {
	{ "PrimeCell ID and reserved space", test_id_registers },
	{ "transmit and TX interrupt", test_transmit },
	{ "receive FIFO, back-pressure, RX interrupt", test_receive_fifo },
	{ "FIFO disabled and reset", test_fifo_disabled },
	{ "saved and restored", test_snapshot },
	{ "an impossible state refused", test_snapshot_refused },
	{ NULL, NULL },
};
