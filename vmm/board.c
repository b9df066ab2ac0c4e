#include "a64vm/board.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/arch.h"
#include "a64vm/config.h"
#include "a64vm/console.h"
#include "a64vm/device_list.h"
#include "a64vm/errmsg.h"
#include "a64vm/event_loop.h"
#include "a64vm/flash.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/mono_time.h"
#include "a64vm/pci_host.h"
#include "a64vm/snapshot_file.h"

#define FLASH_MEMSLOT 1 /* flash N is KVM memslot 1 + N; RAM is 0 */

struct board;

/*
 * A device in its slot: the env's callbacks get this as their context.
 * Models are not thread-safe: every access holds the device's own lock, so
 * that one device's slow host call (a flash sync) stalls no other device.
 */
struct board_dev {
	struct board *board;
	const struct board_slot *slot;
	void *dev;		 /* NULL: not in this machine */
	struct flash_bank *bank; /* a flash slot's memory */
	int timer_fd;		 /* for ops->timer, or -1 */
	pthread_mutex_t lock;
};

struct board {
	struct board_features features;
	struct board_wiring wiring;
	unsigned n;
	struct board_dev *devs; /* one per line of board_table */
	struct flash_bank banks[2];
	uint64_t button_down_ns; /* when pressed; 0 while up */
};

/*
 * A press must outlast gpio-keys' debounce and the work that reads the line
 * back, on a slow host too; a release on the very next tick could come a
 * millisecond later and the press be lost. QEMU's virt holds it 100 ms.
 */
#define POWER_BUTTON_HOLD_NS 300000000ull

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
	console_put_byte(((struct board_dev *)ctx)->board->wiring.console, byte);
}

static void dev_console_room(void *ctx)
{
	console_input_ready(((struct board_dev *)ctx)->board->wiring.console);
}

static uint64_t dev_clock_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A wall-clock deadline, so that a clock set forward fires it at once. */
static void dev_set_timer(void *ctx, uint64_t deadline_ns)
{
	struct board_dev *d = ctx;
	struct itimerspec its = { .it_value = {
		.tv_sec = (time_t)(deadline_ns / 1000000000ull),
		.tv_nsec = (long)(deadline_ns % 1000000000ull) } };

	if (timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL))
		log_ratelimited(LOG_ERROR, "%s: timerfd_settime: %s", d->slot->ops->name,
				strerror(errno));
}

static int dev_storage_write(void *ctx, uint64_t off, const uint8_t *data, uint64_t len)
{
	return flash_bank_write(((struct board_dev *)ctx)->bank, off, data, len);
}

static void dev_direct_reads(void *ctx, bool on)
{
	flash_bank_direct_reads(((struct board_dev *)ctx)->bank, on);
}

/* A flash slot's memory, from --firmware, --flashN or nothing (volatile). */
static int open_bank(struct board *b, struct board_dev *d, unsigned bank)
{
	const struct config *cfg = b->wiring.cfg;
	const struct config_flash *f = &cfg->flash[bank];
	struct flash_bank *fb = &b->banks[bank];
	int ret;

	if (bank == 0 && cfg->firmware)
		ret = flash_bank_open(fb, "--firmware", d->slot->base, d->slot->size,
				      FLASH_IMAGE, cfg->firmware, true);
	else if (f->path)
		ret = flash_bank_open(fb, bank ? "--flash1" : "--flash0", d->slot->base,
				      d->slot->size, FLASH_FILE, f->path, f->read_only);
	else
		ret = flash_bank_open(fb, bank ? "flash1" : "flash0", d->slot->base,
				      d->slot->size, FLASH_VOLATILE, NULL, false);
	d->bank = fb;
	return ret;
}

static int add_device(struct board *b, struct board_dev *d)
{
	const struct board_slot *s = d->slot;
	struct dtb_device node;
	struct device_env env = {
		.ctx = d, .set_irq = dev_set_irq, .console_out = dev_console_out,
		.console_room = dev_console_room, .clock_ns = dev_clock_ns,
		.set_timer = dev_set_timer, .mem = b->wiring.mem,
	};
	int ret;

	if (s->ops->timer) {
		d->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
		if (d->timer_fd < 0)
			return -errno;
	}
	if (s->role == BOARD_ROLE_FLASH0 || s->role == BOARD_ROLE_FLASH1) {
		ret = open_bank(b, d, s->role == BOARD_ROLE_FLASH1);
		if (ret)
			return ret;
		env.storage = d->bank->storage;
		env.storage_size = d->bank->size;
		env.storage_read_only = d->bank->read_only;
		env.storage_write = dev_storage_write;
		env.direct_reads = dev_direct_reads;
	}
	d->dev = s->ops->create(&env);
	if (!d->dev)
		return -ENOMEM;
	if (d->bank)
		flash_bank_attach(d->bank, b->wiring.vm_fd,
				  FLASH_MEMSLOT + (unsigned)(d->bank - b->banks));
	if (s->role == BOARD_ROLE_POWER_BUTTON)
		b->wiring.devices->power_button_pin = MEMMAP_POWER_BUTTON_PIN;
	/* The 64-bit window: the host bridge decodes it, under the same lock. */
	if (s->role == BOARD_ROLE_PCI_HOST) {
		ret = device_list_add(b->wiring.devices, &(struct mmio_region){
			.name = "pcie-mmio64", .base = MEMMAP_PCIE_MMIO64_BASE,
			.size = MEMMAP_PCIE_MMIO64_SIZE, .read = pci_host_mmio64_read,
			.write = pci_host_mmio64_write, .opaque = d->dev, .lock = &d->lock,
			.min_width = s->ops->min_width, .max_width = s->ops->max_width },
			NULL);
		if (ret)
			return ret;
	}
	/* The bus calls the model itself, under the device's lock. */
	return device_list_add(b->wiring.devices, &(struct mmio_region){
		.name = s->ops->name, .base = s->base, .size = s->size,
		.read = s->ops->read, .write = s->ops->write, .opaque = d->dev,
		.lock = &d->lock, .min_width = s->ops->min_width,
		.max_width = s->ops->max_width },
		board_table_node(s, &node) ? &node : NULL);
}

int board_create(const struct board_features *f, const struct board_wiring *w,
		 struct board **out)
{
	struct board *b = calloc(1, sizeof(*b));
	int ret = 0;

	if (!b)
		return -ENOMEM;
	b->features = *f;
	b->wiring = *w;
	b->banks[0].fd = b->banks[1].fd = -1;
	b->devs = calloc(board_table_len, sizeof(*b->devs));
	if (!b->devs)
		ret = -ENOMEM;
	for (unsigned i = 0; i < board_table_len && !ret; i++, b->n++) {
		b->devs[i] = (struct board_dev){ .board = b, .slot = &board_table[i],
						 .timer_fd = -1 };
		pthread_mutex_init(&b->devs[i].lock, NULL);
		if (board_table_present(&board_table[i], f))
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
	for (unsigned i = 0; i < b->n; i++) {
		if (b->devs[i].dev)
			b->devs[i].slot->ops->destroy(b->devs[i].dev);
		if (b->devs[i].timer_fd >= 0)
			close(b->devs[i].timer_fd);
		pthread_mutex_destroy(&b->devs[i].lock);
	}
	for (unsigned i = 0; i < 2; i++)
		flash_bank_close(&b->banks[i]);
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
	for (unsigned i = 0; i < b->n; i++) {
		struct board_dev *d = &b->devs[i];

		if (!d->dev || !d->slot->ops->reset)
			continue;
		pthread_mutex_lock(&d->lock);
		d->slot->ops->reset(d->dev);
		pthread_mutex_unlock(&d->lock);
	}
}

#define DEV_TAG SNAPSHOT_TAG('B', 'D', 'E', 'V')
#define FLASH_FILE_TAG SNAPSHOT_TAG('B', 'F', 'I', 'L')

/* A flash bank's file: its contents are not in the snapshot, so what it was. */
static void save_flash_file(const struct board_dev *d, unsigned i, struct snapshot_writer *w)
{
	struct file_identity id;

	if (!d->bank || flash_bank_identity(d->bank, &id))
		return;
	snapshot_writer_begin(w, FLASH_FILE_TAG, i);
	snapshot_put_identity(w, &id);
}

int board_save(struct board *b, struct snapshot_writer *w, char *err, size_t errlen)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->devs[i].dev && !b->devs[i].slot->ops->save) {
			snprintf(err, errlen, "%s cannot be saved yet", b->devs[i].slot->ops->name);
			return -ENOTSUP;
		}
	for (unsigned i = 0; i < b->n; i++) {
		struct board_dev *d = &b->devs[i];

		if (!d->dev)
			continue;
		snapshot_writer_begin(w, DEV_TAG, i);
		pthread_mutex_lock(&d->lock);
		d->slot->ops->save(d->dev, w);
		pthread_mutex_unlock(&d->lock);
		save_flash_file(d, i, w);
	}
	return 0;
}

/* The flash file a restore would read, as a disk is (docs/snapshot.md). */
static int check_flash_file(const struct board_dev *d, unsigned i, const struct snapshot_index *ix,
			    bool force, char *err, size_t errlen)
{
	const struct snapshot_section *s = snapshot_find(ix, FLASH_FILE_TAG, i);
	struct file_identity now, then;
	struct snapshot_cursor c;
	const char *why;
	bool has;

	if (!d->bank)
		return s ? errmsg_ret(err, errlen, -EINVAL, "its %s has a flash file",
				      d->slot->ops->name) : 0;
	has = !flash_bank_identity(d->bank, &now);
	if (!s != !has)
		return errmsg_ret(err, errlen, -EINVAL, "%s: the snapshot's %s a file, this one's "
				  "%s", d->bank->name, s ? "had" : "had no", has ? "has" : "has none");
	if (!s)
		return 0;
	snapshot_cursor_init(&c, s);
	if (snapshot_get_identity(&c, &then) || !snapshot_cursor_done(&c))
		return errmsg(err, errlen, "%s: its file's record is not one a64vm writes",
			      d->bank->name);
	why = file_identity_refusal(&then, &now, force);
	return why ? errmsg(err, errlen, "%s %s: %s", d->bank->name, d->bank->path, why) : 0;
}

int board_check_files(const struct board *b, const struct snapshot_index *ix, bool force,
		      char *err, size_t errlen)
{
	for (unsigned i = 0; i < b->n; i++) {
		int ret = b->devs[i].dev ? check_flash_file(&b->devs[i], i, ix, force, err, errlen) : 0;

		if (ret)
			return ret;
	}
	return 0;
}

int board_restore(struct board *b, const struct snapshot_index *ix, char *err, size_t errlen)
{
	for (unsigned i = 0; i < b->n; i++)
		if (!b->devs[i].dev != !snapshot_find(ix, DEV_TAG, i)) {
			snprintf(err, errlen, "its board %s a %s", b->devs[i].dev ? "lacks" : "has",
				 b->devs[i].slot->ops->name);
			return -EINVAL;
		}
	for (unsigned i = 0; i < b->n; i++) {
		struct board_dev *d = &b->devs[i];
		struct snapshot_cursor c;
		int ret;

		if (!d->dev)
			continue;
		snapshot_cursor_init(&c, snapshot_find(ix, DEV_TAG, i));
		pthread_mutex_lock(&d->lock);
		ret = d->slot->ops->restore(d->dev, &c);
		pthread_mutex_unlock(&d->lock);
		if (ret) {
			snprintf(err, errlen, "its %s state is not one the model can be in",
				 d->slot->ops->name);
			return ret;
		}
	}
	return 0;
}

/* The main thread's alone, as button_down_ns is. */
static void set_power_button(struct board *b, bool down)
{
	struct board_dev *d = with_role(b, BOARD_ROLE_POWER_BUTTON);

	if (d) {
		pthread_mutex_lock(&d->lock);
		d->slot->ops->set_line(d->dev, MEMMAP_POWER_BUTTON_PIN, down);
		pthread_mutex_unlock(&d->lock);
	}
	b->button_down_ns = down ? mono_ns() : 0;
}

void board_tick(struct board *b)
{
	if (b->button_down_ns && mono_ns() - b->button_down_ns >= POWER_BUTTON_HOLD_NS)
		set_power_button(b, false);
}

static void on_timer(void *ctx, uint32_t events)
{
	struct board_dev *d = ctx;
	uint64_t expirations;

	(void)events;
	if (read(d->timer_fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return; /* re-armed or cancelled meanwhile */
	pthread_mutex_lock(&d->lock);
	d->slot->ops->timer(d->dev);
	pthread_mutex_unlock(&d->lock);
}

int board_attach(struct board *b, struct event_loop *loop)
{
	int ret = 0;

	for (unsigned i = 0; i < b->n && !ret; i++)
		if (b->devs[i].dev && b->devs[i].timer_fd >= 0)
			ret = event_loop_add(loop, b->devs[i].timer_fd, on_timer, &b->devs[i]);
	return ret;
}

unsigned board_post_writes(struct board *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->n; i++) {
		const struct board_slot *s = b->devs[i].slot;
		struct kvm_coalesced_mmio_zone zone = {
			.addr = s->base + s->ops->posted_offset, .size = s->ops->posted_size };

		if (!b->devs[i].dev || !zone.size)
			continue;
		if (ioctl(b->wiring.vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone))
			log_debug("%s: its writes exit (KVM_REGISTER_COALESCED_MMIO: %s)",
				  s->ops->name, strerror(errno));
		else
			n++;
	}
	return n;
}

void board_power_button(struct board *b)
{
	set_power_button(b, true);
}

size_t board_console_input(struct board *b, const uint8_t *buf, size_t len)
{
	struct board_dev *d = with_role(b, BOARD_ROLE_CONSOLE);
	size_t n;

	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	n = d->slot->ops->input(d->dev, buf, len);
	pthread_mutex_unlock(&d->lock);
	return n;
}

struct fw_cfg *board_fw_cfg(struct board *b)
{
	struct board_dev *d = with_role(b, BOARD_ROLE_FW_CFG);

	return d ? d->dev : NULL;
}

struct pci_host *board_pci_host(struct board *b, pthread_mutex_t **lock)
{
	struct board_dev *d = with_role(b, BOARD_ROLE_PCI_HOST);

	*lock = d ? &d->lock : NULL;
	return d ? d->dev : NULL;
}

/* The flash device whose bank holds [gpa, gpa + len), or NULL. */
static struct board_dev *flash_at(struct board *b, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < b->n; i++) {
		const struct flash_bank *fb = b->devs[i].bank;

		if (fb && fb->storage && gpa >= fb->base && gpa - fb->base <= fb->size &&
		    len <= fb->size - (gpa - fb->base))
			return &b->devs[i];
	}
	return NULL;
}

bool board_in_flash(struct board *b, uint64_t gpa, uint64_t len)
{
	return flash_at(b, gpa, len) != NULL;
}

int board_flash_load(struct board *b, uint64_t gpa, const void *data, uint64_t len,
		     uint64_t zeros)
{
	struct board_dev *d = flash_at(b, gpa, len + zeros);
	int ret;

	if (!d)
		return -EFAULT;
	if (d->bank->fd >= 0 || d->bank->read_only) {
		log_error("cannot load an image into %s: it holds %s", d->bank->name,
			  d->bank->path ? d->bank->path : "read-only contents");
		return -EBUSY;
	}
	pthread_mutex_lock(&d->lock);
	ret = flash_bank_load(d->bank, gpa - d->bank->base, data, len, zeros);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int board_debug_access(struct board *b, uint64_t gpa, uint8_t *buf, size_t len,
		       bool write)
{
	struct board_dev *d = flash_at(b, gpa, len);
	int ret;

	if (!d)
		return -EFAULT;
	pthread_mutex_lock(&d->lock);
	ret = flash_bank_debug_access(d->bank, gpa - d->bank->base, buf, len, write);
	pthread_mutex_unlock(&d->lock);
	return ret;
}
