#include "a64vm/board.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "a64vm/gic.h"
#include "a64vm/log.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/pl011.h"
#include "a64vm/pl031.h"
#include "a64vm/pl061.h"
#include "a64vm/testdev.h"
#include "a64vm/vm.h"

#define UART_BASE 0x09000000ull
#define UART_SPI 1
#define RTC_BASE 0x09010000ull
#define RTC_SPI 2
#define GPIO_BASE 0x09030000ull
#define GPIO_SPI 7

#define COMPAT(s) .compatible = s, .compatible_len = sizeof(s)

static const struct dtb_device board_devices[] = {
	{ .name = "pl011", COMPAT("arm,pl011\0arm,primecell"), .base = UART_BASE,
	  .size = PL011_MMIO_SIZE, .spi = UART_SPI,
	  .clocks = DTB_CLOCKS_UART_APB, .is_stdout = true },
	{ .name = "pl031", COMPAT("arm,pl031\0arm,primecell"), .base = RTC_BASE,
	  .size = PL031_MMIO_SIZE, .spi = RTC_SPI, .clocks = DTB_CLOCKS_APB },
	{ .name = "pl061", COMPAT("arm,pl061\0arm,primecell"), .base = GPIO_BASE,
	  .size = PL061_MMIO_SIZE, .spi = GPIO_SPI, .clocks = DTB_CLOCKS_APB,
	  .gpio_controller = true },
};

/* Device models are not thread-safe: every access holds the board lock. */
struct board {
	struct vm *vm;
	pthread_mutex_t lock;
	struct pl011 *uart;
	struct pl031 *rtc;
	struct pl061 *gpio;
	bool button_down;	 /* released at the next tick */
	struct testdev *testdev; /* --testdev only */
	const struct board_console_ops *console;
	void *console_ctx;
};

static void set_spi(struct board *b, unsigned spi, bool level)
{
	int ret = gic_set_spi(b->vm->vm_fd, spi, level);

	if (ret)
		log_ratelimited(LOG_ERROR, "cannot set SPI %u: %d", spi, ret);
}

static void uart_set_irq(void *ctx, bool level)
{
	set_spi(ctx, UART_SPI, level);
}

static void uart_tx(void *ctx, uint8_t byte)
{
	struct board *b = ctx;

	b->console->output(b->console_ctx, byte);
}

static void uart_rx_room(void *ctx)
{
	struct board *b = ctx;

	b->console->input_room(b->console_ctx);
}

static const struct pl011_ops uart_ops = {
	.set_irq = uart_set_irq, .tx = uart_tx, .rx_room = uart_rx_room,
};

static void rtc_set_irq(void *ctx, bool level)
{
	set_spi(ctx, RTC_SPI, level);
}

static uint64_t rtc_now(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
}

static const struct pl031_ops rtc_ops = { .set_irq = rtc_set_irq, .now = rtc_now };

static void gpio_set_irq(void *ctx, bool level)
{
	set_spi(ctx, GPIO_SPI, level);
}

static const struct pl061_ops gpio_ops = { .set_irq = gpio_set_irq };

/* Bus adapters; the bus holds the board lock around each call. */
static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
	return pl011_read(((struct board *)opaque)->uart, off, size);
}

static void uart_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	pl011_write(((struct board *)opaque)->uart, off, size, val);
}

static uint64_t rtc_read(void *opaque, uint64_t off, unsigned size)
{
	return pl031_read(((struct board *)opaque)->rtc, off, size);
}

static void rtc_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	pl031_write(((struct board *)opaque)->rtc, off, size, val);
}

static uint64_t gpio_read(void *opaque, uint64_t off, unsigned size)
{
	return pl061_read(((struct board *)opaque)->gpio, off, size);
}

static void gpio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	pl061_write(((struct board *)opaque)->gpio, off, size, val);
}

static uint64_t testdev_bus_read(void *opaque, uint64_t off, unsigned size)
{
	return testdev_read(((struct board *)opaque)->testdev, off, size);
}

static void testdev_bus_write(void *opaque, uint64_t off, unsigned size,
			      uint64_t val)
{
	testdev_write(((struct board *)opaque)->testdev, off, size, val);
}

static int add_testdev(struct board *b, struct mmio_bus *bus)
{
	b->testdev = testdev_create();
	if (!b->testdev)
		return -ENOMEM;
	return mmio_bus_register(bus, &(struct mmio_region){
		.name = "testdev", .base = TESTDEV_BASE, .size = TESTDEV_MMIO_SIZE,
		.read = testdev_bus_read, .write = testdev_bus_write, .opaque = b,
		.lock = &b->lock });
}

int board_create(struct vm *vm, const struct board_console_ops *console,
		 void *console_ctx, struct board **out)
{
	struct board *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	b->vm = vm;
	b->console = console;
	b->console_ctx = console_ctx;
	pthread_mutex_init(&b->lock, NULL);
	b->uart = pl011_create(&uart_ops, b);
	b->rtc = pl031_create(&rtc_ops, b);
	b->gpio = pl061_create(&gpio_ops, b);
	if (!b->uart || !b->rtc || !b->gpio) {
		board_destroy(b);
		return -ENOMEM;
	}
	ret = mmio_bus_register(&vm->bus, &(struct mmio_region){
		.name = "pl011", .base = UART_BASE, .size = PL011_MMIO_SIZE,
		.read = uart_read, .write = uart_write, .opaque = b,
		.lock = &b->lock });
	if (!ret)
		ret = mmio_bus_register(&vm->bus, &(struct mmio_region){
			.name = "pl031", .base = RTC_BASE, .size = PL031_MMIO_SIZE,
			.read = rtc_read, .write = rtc_write, .opaque = b,
			.lock = &b->lock });
	if (!ret)
		ret = mmio_bus_register(&vm->bus, &(struct mmio_region){
			.name = "pl061", .base = GPIO_BASE, .size = PL061_MMIO_SIZE,
			.read = gpio_read, .write = gpio_write, .opaque = b,
			.lock = &b->lock });
	if (!ret && vm->cfg->testdev)
		ret = add_testdev(b, &vm->bus);
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
	pl011_destroy(b->uart);
	pl031_destroy(b->rtc);
	pl061_destroy(b->gpio);
	testdev_destroy(b->testdev);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

void board_reset(struct board *b)
{
	pthread_mutex_lock(&b->lock);
	pl011_reset(b->uart);
	pl061_reset(b->gpio);
	if (b->testdev)
		testdev_reset(b->testdev);
	pthread_mutex_unlock(&b->lock);
}

void board_tick(struct board *b)
{
	pthread_mutex_lock(&b->lock);
	pl031_tick(b->rtc);
	if (b->button_down) {
		pl061_set_input(b->gpio, BOARD_POWER_BUTTON_PIN, false);
		b->button_down = false;
	}
	pthread_mutex_unlock(&b->lock);
}

void board_power_button(struct board *b)
{
	pthread_mutex_lock(&b->lock);
	pl061_set_input(b->gpio, BOARD_POWER_BUTTON_PIN, true);
	b->button_down = true;
	pthread_mutex_unlock(&b->lock);
}

size_t board_console_input(struct board *b, const uint8_t *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&b->lock);
	n = pl011_receive(b->uart, buf, len);
	pthread_mutex_unlock(&b->lock);
	return n;
}

const struct dtb_device *board_dtb_devices(unsigned *count)
{
	*count = sizeof(board_devices) / sizeof(board_devices[0]);
	return board_devices;
}
