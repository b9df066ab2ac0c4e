/*
 * virtio-blk's host side: a raw image (vmm/disk.c), its requests on
 * io_uring (vmm/disk_uring.c) or synchronous, a request queue per vCPU.
 * Or a vhost-user-blk daemon serves the queues (vmm/vhost_worker.c): the
 * qemu-storage-daemon a64vm starts for a qcow2 image or snapshot=on
 * (vmm/storage_daemon.c), or one at vhost-user=SOCKET; its features and
 * configuration space are the device's, and once it is gone every request
 * fails with an I/O error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/disk.h"
#include "a64vm/disk_uring.h"
#include "a64vm/errmsg.h"
#include "a64vm/file.h"
#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/snapshot_file.h"
#include "a64vm/storage_daemon.h"
#include "a64vm/vhost_worker.h"
#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_kind.h"
#include "a64vm/virtio_slot.h"

_Static_assert(VIRTIO_BLK_MAX_QUEUES <= VIRTIO_MAX_QUEUES, "a disk's queues fit");

struct blk_dev {
	struct virtio_slot *slot;
	struct virtio_blk blk;
	struct disk disk;
	struct storage_daemon daemon;
};

/* io_uring's completions: answered under the device's lock, one interrupt a queue. */
static void blk_done(void *ctx, struct virtio_blk_io *io, int64_t result)
{
	struct blk_dev *b = ctx;

	virtio_blk_complete(&b->blk, virtio_slot_core(b->slot), io, result);
}

static void on_completions(void *ctx)
{
	struct blk_dev *b = ctx;

	virtio_slot_lock(b->slot);
	disk_uring_reap(&b->disk, blk_done, b);
	virtio_blk_interrupts(&b->blk, virtio_slot_core(b->slot));
	virtio_slot_settle(b->slot);
	virtio_slot_unlock(b->slot);
}

/* A ring for every request the disk's queues can hold, or synchronous I/O. */
static int open_aio(struct blk_dev *b, const struct virtio_blk_options *o)
{
	const char *name = virtio_slot_name(b->slot);
	int ret = o->aio == VIRTIO_BLK_AIO_SYNC ? 0
		  : disk_uring_open(&b->disk, b->blk.num_queues * VIRTQ_MAX_SIZE);

	if (o->aio == VIRTIO_BLK_AIO_SYNC || (ret && o->aio == VIRTIO_BLK_AIO_AUTO)) {
		if (ret)
			log_debug("%s: no io_uring here (%s): synchronous I/O", name,
				  strerror(-ret));
		return 0;
	}
	if (!ret)
		ret = virtio_blk_async_init(&b->blk);
	if (!ret)
		ret = virtio_slot_watch(b->slot, disk_uring_event_fd(&b->disk), true,
					on_completions, b);
	if (ret) {
		log_error("--disk %s,aio=io_uring: %s", o->path, strerror(-ret));
		return ret;
	}
	b->blk.be = &disk_uring_backend;
	log_debug("%s: io_uring, %u request queues", name, b->blk.num_queues);
	return 0;
}

/* The daemon's queues, its configuration and features, as the device's. */
static int take_daemon_config(struct blk_dev *b, struct vhost_worker *vh, unsigned wanted)
{
	uint16_t daemon_queues = 1;
	int ret = vhost_worker_get_config(vh, b->blk.vhost_config, VIRTIO_BLK_CONFIG_SIZE);

	if (ret == -EOPNOTSUPP)
		log_error("%s: the vhost-user-blk daemon does not give its configuration "
			  "(no CONFIG protocol feature)", virtio_slot_name(b->slot));
	if (ret)
		return ret;
	if (b->blk.vhost_features & VIRTIO_BLK_F_MQ)
		memcpy(&daemon_queues, b->blk.vhost_config + 34, 2);
	b->blk.num_queues = wanted < daemon_queues ? wanted : daemon_queues ? daemon_queues : 1;
	memcpy(&b->blk.sectors, b->blk.vhost_config, 8);
	return 0;
}

static int open_vhost_user(const struct virtio_kind_ctx *ctx, struct blk_dev *b,
			   const struct virtio_blk_options *o, unsigned wanted)
{
	const char *name = virtio_slot_name(ctx->slot);
	struct vhost_worker *vh = NULL;
	int ret = 0;

	b->blk.vhost = true;
	b->blk.read_only = o->read_only;
	b->blk.num_queues = 1;
	if (o->serial[0]) { /* GET_ID goes to the daemon, not through a64vm */
		log_error("--disk %s: serial= is the daemon's to give (qemu-storage-daemon's "
			  "is vhost_user_blk)", o->path);
		return -EINVAL;
	}
	if (!o->vhost_user)
		ret = storage_daemon_start(o, wanted, &b->daemon);
	if (!ret)
		ret = vhost_worker_open_user(-1, o->vhost_user ? o->path : b->daemon.socket, name,
					     "daemon the guest's requests fail (I/O errors)", &vh,
					     &b->blk.vhost_features);
	storage_daemon_connected(&b->daemon);
	if (!ret)
		ret = take_daemon_config(b, vh, wanted);
	if (!ret)
		ret = vhost_worker_track(vh, b->blk.num_queues, b->daemon.pid);
	if (vh)
		virtio_slot_set_vhost(ctx->slot, vh, b->blk.num_queues); /* closed with it */
	if (!ret && virtio_slot_mem(ctx->slot)->fd < 0)
		ret = -EINVAL; /* blk_shares_ram: vm.c maps RAM shared */
	if (!ret)
		log_debug("%s: by vhost-user, on %s: %llu sectors, %u queues", name,
			  o->vhost_user ? o->path : "qemu-storage-daemon",
			  (unsigned long long)b->blk.sectors, b->blk.num_queues);
	return ret;
}

static int blk_open(const struct virtio_kind_ctx *ctx, void **priv)
{
	struct virtio_blk_options o;
	struct blk_dev *b = calloc(1, sizeof(*b));
	unsigned queues;
	int ret;

	*priv = b;
	if (!b)
		return -ENOMEM;
	b->slot = ctx->slot;
	b->disk.fd = -1;
	virtio_slot_set_name(ctx->slot, "virtio-blk%u", ctx->index);
	if (virtio_blk_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	/* Decided here, once: a queue per vCPU, so that each answers the vCPU that asked. */
	queues = o.queues ? o.queues
		 : ctx->cfg->cpus < VIRTIO_BLK_MAX_QUEUES ? ctx->cfg->cpus : VIRTIO_BLK_MAX_QUEUES;
	b->blk.stopping = virtio_slot_stopping(ctx->slot);
	virtio_slot_set_model(ctx->slot, &b->blk);
	if (o.vhost_user || storage_daemon_serves(&o))
		return open_vhost_user(ctx, b, &o, queues);
	ret = disk_open(&o, &b->disk);
	if (ret)
		return ret;
	b->blk.be = &disk_backend;
	b->blk.be_ctx = &b->disk;
	b->blk.read_only = o.read_only;
	b->blk.sectors = b->disk.sectors;
	b->blk.num_queues = queues;
	memcpy(b->blk.serial, o.serial, strnlen(o.serial, sizeof(b->blk.serial)));
	return open_aio(b, &o);
}

static void blk_close(struct virtio_slot *s, void *priv)
{
	struct blk_dev *b = priv;
	struct virtio_core *t = virtio_slot_core(s);

	if (!b)
		return;
	if (b->blk.ios)
		log_debug("%s: %llu requests, %llu queue interrupts", virtio_slot_name(s),
			  (unsigned long long)t->requests, (unsigned long long)t->interrupts);
	if (b->blk.failed)
		log_info("%s: %llu requests failed after its daemon went", virtio_slot_name(s),
			 (unsigned long long)b->blk.failed);
	storage_daemon_stop(&b->daemon);
	disk_uring_close(&b->disk);
	virtio_blk_async_fini(&b->blk);
	disk_close(&b->disk);
	free(b);
}

/*
 * Its contents are not in the snapshot: what it is (its size in sectors),
 * so that a restore refuses a disk written or replaced since (the guest's
 * caches in RAM would not match it).
 */
static int disk_id(const struct blk_dev *b, struct file_identity *id)
{
	int ret = file_identity_of(b->disk.fd, id);

	id->size = b->disk.sectors;
	return ret;
}

static void blk_save_file(struct virtio_slot *s, void *priv, struct snapshot_writer *w)
{
	struct file_identity id = { 0 };

	(void)s;
	disk_id(priv, &id); /* its descriptor is open: fstat does not fail */
	snapshot_put_identity(w, &id);
}

static int blk_check_file(struct virtio_slot *s, void *priv, struct snapshot_cursor *c,
			  bool force, char *err, size_t errlen)
{
	struct file_identity now, then;
	const char *why;
	int ret = disk_id(priv, &now);

	if (!ret)
		ret = snapshot_get_identity(c, &then);
	if (!ret && (why = file_identity_refusal(&then, &now, force)))
		ret = errmsg(err, errlen, "%s: its disk was %s", virtio_slot_name(s), why);
	return ret;
}

/* A disk a daemon serves maps guest RAM. */
static bool blk_shares_ram(const struct config *cfg)
{
	struct virtio_blk_options o;

	for (unsigned i = 0; i < config_uses(cfg, "disk"); i++)
		if (!virtio_blk_parse_options(config_use_value(cfg, "disk", i), &o) &&
		    (o.vhost_user || storage_daemon_serves(&o)))
			return true;
	return false;
}

const struct virtio_kind blk_kind = {
	.ops = &virtio_blk_ops, .pci_class = 0x010000, .options = virtio_blk_cli,
	.adds = "disk", .shares_ram = blk_shares_ram, .open = blk_open, .close = blk_close,
	.saveable = true, /* a daemon's: refused */
	.save_file = blk_save_file, .check_file = blk_check_file,
};
