#include "a64vm/virtio_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "a64vm/config.h"
#include "a64vm/errmsg.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/memory.h"
#include "a64vm/mono_time.h"
#include "a64vm/snapshot_file.h"
#include "a64vm/start_gate.h"
#include "a64vm/vhost_worker.h"
#include "a64vm/virtio_io.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_slot.h"

/* The kinds, each in its vmm/NAME_kind.c, in slot order: disks first, as vda, vdb... */
extern const struct virtio_kind blk_kind, rng_kind, net_kind, console_kind, fs_kind,
	vsock_kind;
static const struct virtio_kind *const kinds[] = {
	&blk_kind, &rng_kind, &net_kind, &console_kind, &fs_kind, &vsock_kind,
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* A device: its kind, its slot, what its kind keeps of it. */
struct device {
	const struct virtio_kind *kind;
	struct virtio_slot *slot;
	void *priv;
};

struct virtio_devices {
	struct virtio_wiring w;
	struct virtio_io *io;
	struct virtio_slot_env env;
	unsigned n;
	struct device *devs;
};

void virtio_devices_register_options(void)
{
	for (unsigned k = 0; k < NKINDS; k++)
		config_add_options(kinds[k]->options);
}

static unsigned count(const struct virtio_kind *k, const struct config *cfg)
{
	return k->count ? k->count(cfg) : config_uses(cfg, k->adds);
}

/* Device index of kind k: its option's value (NULL: a flag, or a count). */
static const char *value_of(const struct virtio_kind *k, const struct config *cfg,
			    unsigned index)
{
	return k->adds ? config_use_value(cfg, k->adds, index) : NULL;
}

int virtio_devices_check_saveable(const struct virtio_devices *v, bool to_files, char *err,
				  size_t errlen)
{
	for (unsigned i = 0; v && i < v->n; i++) {
		const struct device *d = &v->devs[i];
		int ret;

		if (d->kind->check_saveable &&
		    (ret = d->kind->check_saveable(d->slot, d->priv, to_files, err, errlen)))
			return ret;
		if (!d->kind->check_saveable && (virtio_slot_vhost(d->slot) || !d->kind->saveable))
			return errmsg_ret(err, errlen, -ENOTSUP, "%s cannot be saved yet",
					  virtio_slot_name(d->slot));
	}
	return 0;
}

int virtio_devices_save_host(struct virtio_devices *v, char *err, size_t errlen)
{
	int ret = 0;

	for (unsigned i = 0; v && i < v->n && !ret; i++)
		if (v->devs[i].kind->save_host)
			ret = v->devs[i].kind->save_host(v->devs[i].slot, v->devs[i].priv, err,
							 errlen);
	return ret;
}

void virtio_devices_release(struct virtio_devices *v)
{
	for (unsigned i = 0; v && i < v->n; i++)
		virtio_slot_unlock(v->devs[i].slot);
}

/*
 * All at once or none: a device's I/O ends on the I/O thread, which may
 * wait for another device's lock meanwhile.
 */
int virtio_devices_hold(struct virtio_devices *v, unsigned timeout_ms)
{
	uint64_t until = mono_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		bool quiet = true;

		for (unsigned i = 0; v && i < v->n; i++) {
			virtio_slot_lock(v->devs[i].slot);
			quiet = quiet && virtio_slot_quiet(v->devs[i].slot);
		}
		if (quiet)
			return 0;
		virtio_devices_release(v);
		if (mono_ns() >= until)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

#define VIRTIO_TAG SNAPSHOT_TAG('V', 'I', 'R', 'T')
#define VIRTIO_FILE_TAG SNAPSHOT_TAG('V', 'F', 'I', 'L')

void virtio_devices_save(struct virtio_devices *v, struct snapshot_writer *w)
{
	for (unsigned i = 0; v && i < v->n; i++) {
		struct device *d = &v->devs[i];
		const char *kind = d->kind->ops->name;

		snapshot_writer_begin(w, VIRTIO_TAG, i);
		snapshot_put_blob(w, kind, (uint32_t)strlen(kind));
		virtio_slot_save(d->slot, w);
		if (d->kind->save_file) {
			snapshot_writer_begin(w, VIRTIO_FILE_TAG, i);
			d->kind->save_file(d->slot, d->priv, w);
		}
	}
}

int virtio_devices_check_files(struct virtio_devices *v, const struct snapshot_index *ix,
			       bool force, char *err, size_t errlen)
{
	*err = '\0';
	for (unsigned i = 0; v && i < v->n; i++) {
		struct device *d = &v->devs[i];
		const struct snapshot_section *s = snapshot_find(ix, VIRTIO_FILE_TAG, i);
		const char *name = virtio_slot_name(d->slot);
		struct snapshot_cursor c;
		int ret;

		if (!d->kind->check_file)
			continue;
		if (!s)
			return errmsg(err, errlen, "%s: the snapshot does not say what its file was",
				      name);
		snapshot_cursor_init(&c, s);
		ret = d->kind->check_file(d->slot, d->priv, &c, force, err, errlen);
		if (!ret && !snapshot_cursor_done(&c))
			ret = -EINVAL;
		if (ret && !*err)
			snprintf(err, errlen, "%s: its file's record is not one a64vm writes", name);
		if (ret)
			return ret;
	}
	return 0;
}

static int restore_device(struct device *d, const struct snapshot_section *s, char *err,
			  size_t errlen)
{
	const char *kind = d->kind->ops->name, *name = virtio_slot_name(d->slot);
	struct snapshot_cursor c;
	const uint8_t *saved;
	uint32_t len;
	int ret;

	if (!s)
		return errmsg(err, errlen, "it has no state for %s", name);
	snapshot_cursor_init(&c, s);
	saved = snapshot_get_blob(&c, &len);
	if (!saved || len != strlen(kind) || memcmp(saved, kind, len))
		return errmsg(err, errlen, "its device in the place of %s is another", name);
	ret = virtio_slot_restore(d->slot, &c);
	if (!ret && !snapshot_cursor_done(&c))
		ret = -EINVAL;
	if (!ret && d->kind->restore)
		ret = d->kind->restore(d->slot, d->priv, err, errlen); /* err says why */
	if (ret && !*err)
		snprintf(err, errlen, "%s: %s", name, ret == -EINVAL ?
			 "its saved state is not one the device can be in" : strerror(-ret));
	virtio_slot_unlock(d->slot);
	return ret;
}

int virtio_devices_restore(struct virtio_devices *v, const struct snapshot_index *ix,
			   char *err, size_t errlen)
{
	unsigned n = v ? v->n : 0;
	int ret = 0;

	*err = '\0';
	if (snapshot_find(ix, VIRTIO_TAG, n))
		return errmsg(err, errlen, "it has more virtio devices than this VM");
	for (unsigned i = 0; i < n && !ret; i++)
		ret = restore_device(&v->devs[i], snapshot_find(ix, VIRTIO_TAG, i), err, errlen);
	return ret;
}

bool virtio_devices_share_ram(const struct config *cfg)
{
	for (unsigned k = 0; k < NKINDS; k++)
		if (kinds[k]->shares_ram && count(kinds[k], cfg) && kinds[k]->shares_ram(cfg))
			return true;
	return false;
}

static enum config_transport transport_of(const struct config *cfg,
					  const struct virtio_kind *k, unsigned index)
{
	return config_transport_of(cfg, config_value_transport(value_of(k, cfg, index)));
}

static unsigned mmio_devices(const struct config *cfg)
{
	unsigned n = 0;

	for (unsigned k = 0; k < NKINDS; k++)
		for (unsigned i = 0; i < count(kinds[k], cfg); i++)
			n += transport_of(cfg, kinds[k], i) == CONFIG_TRANSPORT_MMIO;
	return n;
}

static int add_device(struct virtio_devices *v, const struct virtio_kind *k, unsigned index)
{
	const struct config *cfg = v->w.cfg;
	struct device *d = &v->devs[v->n];
	struct virtio_kind_ctx ctx = { .cfg = cfg, .index = index,
				       .value = value_of(k, cfg, index),
				       .console = v->w.console };
	int ret;

	d->kind = k;
	d->slot = ctx.slot = virtio_slot_new(&v->env, k->ops, k->pci_class);
	if (!d->slot)
		return -ENOMEM;
	v->n++;
	ret = k->open(&ctx, &d->priv);
	if (!ret)
		ret = virtio_slot_wire(d->slot, transport_of(cfg, k, index));
	if (!ret && virtio_slot_vhost(d->slot))
		ret = vhost_worker_wire(virtio_slot_vhost(d->slot), d->slot);
	return ret;
}

int virtio_devices_create(const struct virtio_wiring *w, struct virtio_devices **out)
{
	struct virtio_devices *v = calloc(1, sizeof(*v));
	unsigned total = 0;
	int ret;

	if (!v)
		return -ENOMEM;
	v->w = *w;
	*out = v;
	for (unsigned k = 0; k < NKINDS; k++)
		total += count(kinds[k], w->cfg);
	if (mmio_devices(w->cfg) > MEMMAP_VIRTIO_SLOTS) {
		log_error("%u virtio-mmio devices asked for; the memory map has %u slots",
			  mmio_devices(w->cfg), MEMMAP_VIRTIO_SLOTS);
		return -ENOSPC;
	}
	ret = virtio_io_create(&v->io);
	v->env = (struct virtio_slot_env){ .vm_fd = w->vm_fd, .io = v->io, .mem = w->mem,
					   .devices = w->devices, .pci = w->pci };
	v->devs = total ? calloc(total, sizeof(*v->devs)) : NULL;
	if (!ret && total && !v->devs)
		ret = -ENOMEM;
	for (unsigned k = 0; k < NKINDS && !ret; k++)
		for (unsigned i = 0; i < count(kinds[k], w->cfg) && !ret; i++)
			ret = add_device(v, kinds[k], i);
	return ret;
}

static bool io_thread_start(void *ctx)
{
	struct virtio_devices *v = ctx;

	return start_gate_pass(v->w.gate, SECCOMP_IO, "virtio-io", true);
}

static bool helper_thread_start(void *ctx, const char *name)
{
	struct virtio_devices *v = ctx;

	return start_gate_pass(v->w.gate, SECCOMP_HELPER, name, false);
}

int virtio_devices_start(struct virtio_devices *v)
{
	int ret = virtio_io_start(v->io, io_thread_start, v), threads = ret > 0;

	for (unsigned i = 0; i < v->n && ret >= 0; i++)
		if (virtio_slot_vhost(v->devs[i].slot)) {
			ret = vhost_worker_start(virtio_slot_vhost(v->devs[i].slot),
						 helper_thread_start, v);
			threads += !ret;
		}
	return ret < 0 ? ret : threads;
}

static void stop_workers(struct virtio_devices *v)
{
	for (unsigned i = 0; i < v->n; i++)
		vhost_worker_stop(virtio_slot_vhost(v->devs[i].slot));
}

void virtio_devices_stop(struct virtio_devices *v)
{
	if (!v)
		return;
	virtio_io_stop(v->io); /* sets the stopping flag the workers see */
	stop_workers(v);
}

/*
 * A reboot's reset: each device's reset begins, and ends once nothing it
 * started is in flight (the I/O thread answers the disk's requests, a
 * daemon gives its queues back), so that no read lands in the RAM of the
 * next boot. Every vCPU is parked.
 */
int virtio_devices_reset(struct virtio_devices *v)
{
	int ret = 0;

	for (unsigned i = 0; v && i < v->n; i++) {
		virtio_slot_lock(v->devs[i].slot);
		virtio_core_begin_reset(virtio_slot_core(v->devs[i].slot));
		virtio_slot_unlock(v->devs[i].slot);
	}
	for (unsigned i = 0; v && i < v->n; i++) {
		struct virtio_slot *s = v->devs[i].slot;

		virtio_slot_lock(s);
		if (!virtio_slot_await_reset(s, VIRTIO_DEVICES_RESET_WAIT_MS)) {
			log_error("%s: requests still in flight %u s after the guest's reboot: "
				  "stopping, rather than load the next boot over RAM they "
				  "may still write", virtio_slot_name(s),
				  VIRTIO_DEVICES_RESET_WAIT_MS / 1000);
			ret = -ETIMEDOUT;
		} else {
			virtio_slot_reset(s);
		}
		virtio_slot_unlock(s);
	}
	return ret;
}

void virtio_devices_destroy(struct virtio_devices *v)
{
	if (!v)
		return;
	virtio_io_destroy(v->io);
	stop_workers(v); /* before their descriptors go */
	for (unsigned i = 0; i < v->n; i++) {
		struct device *d = &v->devs[i];

		if (d->kind->close)
			d->kind->close(d->slot, d->priv);
		vhost_worker_close(virtio_slot_vhost(d->slot));
		virtio_slot_free(d->slot);
	}
	free(v->devs);
	free(v);
}

size_t virtio_devices_console_input(struct virtio_devices *v, const uint8_t *buf,
				    size_t len)
{
	for (unsigned i = 0; v && i < v->n; i++)
		if (v->devs[i].kind->input)
			return v->devs[i].kind->input(v->devs[i].slot, v->devs[i].priv, buf, len);
	return 0;
}
