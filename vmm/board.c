#include "a64vm/board.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "a64vm/arch.h"
#include "a64vm/board_table.h"
#include "a64vm/console.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/mmio_bus.h"

struct board;

/* A device in its slot: the env's callbacks get this as their context. */
struct board_dev {
	struct board *board;
	const struct board_slot *slot;
	void *dev; /* NULL: not in this machine */
};

/* Device models are not thread-safe: every access holds the board lock. */
struct board {
	const struct config *cfg;
	struct board_wiring wiring;
	pthread_mutex_t lock;
	unsigned n;
	struct board_dev *devs; /* one per line of board_table */
	bool button_down; /* released at the next tick */
};

static void dev_set_irq(void *ctx, bool level)
{
	struct board_dev *d = ctx;
	int ret = gic_set_spi(d->board->wiring.vm_fd, (unsigned)d->slot->spi, level);

	if (ret)
		log_ratelimited(LOG_ERROR, "%s: cannot set SPI %d: %s",
				d->slot->ops->name, d->slot->spi, strerror(-ret));
}

static void dev_console_out(void *ctx, uint8_t byte)
{
	console_output(((struct board_dev *)ctx)->board->wiring.console, byte);
}

static void dev_console_room(void *ctx)
{
	console_input_room(((struct board_dev *)ctx)->board->wiring.console);
}

static uint64_t dev_clock_s(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
}

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
	struct board_dev *d = opaque;

	return d->slot->ops->read(d->dev, off, size);
}

static void dev_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct board_dev *d = opaque;

	d->slot->ops->write(d->dev, off, size, val);
}

static int add_device(struct board *b, struct board_dev *d)
{
	const struct board_slot *s = d->slot;
	const struct device_env env = {
		.ctx = d, .set_irq = dev_set_irq, .console_out = dev_console_out,
		.console_room = dev_console_room, .clock_s = dev_clock_s,
		.mem = b->wiring.mem,
	};

	d->dev = s->ops->create(&env);
	if (!d->dev)
		return -ENOMEM;
	return mmio_bus_register(b->wiring.bus, &(struct mmio_region){
		.name = s->ops->name, .base = s->base, .size = s->size,
		.read = dev_read, .write = dev_write, .opaque = d, .lock = &b->lock });
}

int board_create(const struct config *cfg, const struct board_wiring *w,
		 struct board **out)
{
	struct board *b = calloc(1, sizeof(*b));
	int ret = 0;

	if (!b)
		return -ENOMEM;
	b->cfg = cfg;
	b->wiring = *w;
	pthread_mutex_init(&b->lock, NULL);
	b->devs = calloc(board_table_len, sizeof(*b->devs));
	if (!b->devs)
		ret = -ENOMEM;
	for (unsigned i = 0; i < board_table_len && !ret; i++, b->n++) {
		b->devs[i] = (struct board_dev){ .board = b, .slot = &board_table[i] };
		if (board_table_present(&board_table[i], cfg))
			ret = add_device(b, &b->devs[i]);
	}
	if (ret) {
		board_destroy(b);
		return ret;
	}
	*out = b;
	return 0;
}

void board_destroy(struct board *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->n; i++)
		if (b->devs[i].dev)
			b->devs[i].slot->ops->destroy(b->devs[i].dev);
	pthread_mutex_destroy(&b->lock);
	free(b->devs);
	free(b);
}

/* The present device with role, or NULL. */
static struct board_dev *with_role(struct board *b, enum board_role role)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->devs[i].dev && b->devs[i].slot->role == role)
			return &b->devs[i];
	return NULL;
}

void board_reset(struct board *b)
{
	pthread_mutex_lock(&b->lock);
	for (unsigned i = 0; i < b->n; i++)
		if (b->devs[i].dev && b->devs[i].slot->ops->reset)
			b->devs[i].slot->ops->reset(b->devs[i].dev);
	pthread_mutex_unlock(&b->lock);
}

static void set_power_button(struct board *b, bool down)
{
	struct board_dev *d = with_role(b, BOARD_ROLE_POWER_BUTTON);

	if (d)
		d->slot->ops->set_line(d->dev, MEMMAP_POWER_BUTTON_PIN, down);
	b->button_down = down;
}

void board_tick(struct board *b)
{
	pthread_mutex_lock(&b->lock);
	for (unsigned i = 0; i < b->n; i++)
		if (b->devs[i].dev && b->devs[i].slot->ops->tick)
			b->devs[i].slot->ops->tick(b->devs[i].dev);
	if (b->button_down)
		set_power_button(b, false);
	pthread_mutex_unlock(&b->lock);
}

void board_power_button(struct board *b)
{
	pthread_mutex_lock(&b->lock);
	set_power_button(b, true);
	pthread_mutex_unlock(&b->lock);
}

size_t board_console_input(struct board *b, const uint8_t *buf, size_t len)
{
	struct board_dev *d = with_role(b, BOARD_ROLE_CONSOLE);
	size_t n = 0;

	pthread_mutex_lock(&b->lock);
	if (d)
		n = d->slot->ops->input(d->dev, buf, len);
	pthread_mutex_unlock(&b->lock);
	return n;
}

unsigned board_dtb_devices(const struct board *b, struct dtb_device *out,
			   unsigned max, int *power_button_pin)
{
	return board_table_dtb(b->cfg, out, max, power_button_pin);
}
