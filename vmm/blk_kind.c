/*
 * virtio-blk's host side: a raw image (vmm/disk.c), its requests on
 * io_uring (vmm/disk_uring.c) or synchronous, a request queue per vCPU.
 * Or a vhost-user-blk daemon serves the queues (vmm/vhost_worker.c): the
 * qemu-storage-daemon a64vm starts for a qcow2 image or snapshot=on
 * (vmm/storage_daemon.c), or one at vhost-user=SOCKET; its features and
 * configuration space are the device's, and once it is gone every request
 * fails with an I/O error. A snapshot of the VM holds a qcow2 image that
 * qemu-storage-daemon serves as the image's own internal snapshot, to
 * which a restore takes the image back (docs/snapshot.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "a64vm/disk.h"
#include "a64vm/disk_uring.h"
#include "a64vm/errmsg.h"
#include "a64vm/file.h"
#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/qcow2.h"
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
	struct virtio_blk_options opts;
	unsigned wanted_queues;
	struct file_identity image; /* a daemon's image, when it was opened */
	/* The image's internal snapshot a snapshot of the VM made, or a restore wants. */
	char snapshot[48];
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

/* What the daemon's image is now: a snapshot may have only this to check. */
static void image_identity(struct blk_dev *b)
{
	int fd = open(b->opts.path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* the daemon opened it: it is there */
	file_identity_of(fd, &b->image);
	close(fd);
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
	if (!ret && !o->vhost_user)
		image_identity(b);
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
	b->daemon.qmp_fd = -1;
	virtio_slot_set_name(ctx->slot, "virtio-blk%u", ctx->index);
	if (virtio_blk_parse_options(ctx->value, &o))
		return -EINVAL; /* checked when parsed: cannot happen */
	/* Decided here, once: a queue per vCPU, so that each answers the vCPU that asked. */
	queues = o.queues ? o.queues
		 : ctx->cfg->cpus < VIRTIO_BLK_MAX_QUEUES ? ctx->cfg->cpus : VIRTIO_BLK_MAX_QUEUES;
	b->opts = o;
	b->wanted_queues = queues;
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
 * caches in RAM would not match it). A daemon's image: as it was opened.
 */
static int disk_id(const struct blk_dev *b, struct file_identity *id)
{
	int ret = 0;

	if (b->disk.fd >= 0)
		ret = file_identity_of(b->disk.fd, id);
	else
		*id = b->image;
	id->size = b->blk.sectors;
	return ret;
}

/* A qcow2 image qemu-storage-daemon serves writable: saved as its internal snapshot. */
static bool image_snapshotted(const struct blk_dev *b)
{
	return b->blk.vhost && !b->opts.vhost_user && !b->opts.snapshot && !b->opts.read_only;
}

static int blk_check_saveable(struct virtio_slot *s, void *priv, bool to_files, char *err,
			      size_t errlen)
{
	const struct blk_dev *b = priv;
	const char *name = virtio_slot_name(s);

	if (!b->blk.vhost)
		return 0;
	if (b->opts.vhost_user)
		return errmsg_ret(err, errlen, -ENOTSUP, "%s cannot be saved: its queues and its "
				  "disk are those of a vhost-user daemon of your own (vhost-user=)",
				  name);
	if (b->opts.snapshot)
		return errmsg_ret(err, errlen, -ENOTSUP, "%s cannot be saved: its overlay "
				  "(snapshot=on) ends with this a64vm", name);
	if (!to_files)
		return errmsg_ret(err, errlen, -ENOTSUP, "%s (an image qemu-storage-daemon "
				  "serves) is saved only to files (snapshot DIR, then run --restore): "
				  "a checkpoint, a rewind or a restore in place cannot take its "
				  "image back yet", name);
	if (image_snapshotted(b) && b->daemon.qmp_fd < 0)
		return errmsg_ret(err, errlen, -ENOTSUP, "%s cannot be saved: a64vm has no QMP "
				  "connection to its qemu-storage-daemon", name);
	return 0;
}

/* Held: the image's internal snapshot, named for this moment. */
static int blk_save_host(struct virtio_slot *s, void *priv, char *err, size_t errlen)
{
	static unsigned taken;
	struct blk_dev *b = priv;
	char why[200];
	int ret;

	if (!image_snapshotted(b))
		return 0;
	snprintf(b->snapshot, sizeof(b->snapshot), "a64vm-%lld-%d-%u", (long long)time(NULL),
		 (int)getpid(), ++taken);
	ret = storage_daemon_snapshot(&b->daemon, b->snapshot, why, sizeof(why));
	if (ret)
		errmsg(err, errlen, "%s: qemu-storage-daemon did not take %s's snapshot: %s",
		       virtio_slot_name(s), b->opts.path, ret == -EIO ? why : strerror(-ret));
	return ret;
}

/* Its identity, then the name of the image's internal snapshot ("": none). */
static void blk_save_file(struct virtio_slot *s, void *priv, struct snapshot_writer *w)
{
	struct blk_dev *b = priv;
	struct file_identity id = { 0 };
	const char *name = image_snapshotted(b) ? b->snapshot : "";

	(void)s;
	disk_id(b, &id); /* its descriptor is open: fstat does not fail */
	snapshot_put_identity(w, &id);
	snapshot_put_blob(w, name, (uint32_t)strlen(name));
}

/* The image holds the internal snapshot name, of the device's size. */
static int check_image_snapshot(struct blk_dev *b, const char *name, char *err, size_t errlen)
{
	uint8_t head[QCOW2_HEADER_LEN], *table = NULL;
	uint64_t offset = 0, size = 0, want = b->blk.sectors * 512;
	uint32_t count = 0;
	ssize_t got = -1;
	int fd = open(b->opts.path, O_RDONLY | O_CLOEXEC), ret = -ENOENT;
	const size_t max_table = 8u << 20; /* far more than QEMU's 65536 snapshots' names */

	if (fd >= 0 && pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
	    qcow2_snapshot_table(head, sizeof(head), &count, &offset) && (table = malloc(max_table)))
		got = pread(fd, table, max_table, (off_t)offset);
	if (got >= 0)
		ret = qcow2_find_snapshot(table, (size_t)got, count, name, &size);
	free(table);
	if (fd >= 0)
		close(fd);
	if (ret)
		return errmsg_ret(err, errlen, ret, "%s: %s holds no snapshot %s (qemu-img snapshot "
				  "-l lists what it holds)", virtio_slot_name(b->slot), b->opts.path,
				  name);
	if (size != QCOW2_SIZE_UNKNOWN && size != want)
		return errmsg_ret(err, errlen, -EINVAL, "%s: %s's snapshot %s is of a disk of %llu "
				  "bytes, and the image is of %llu now", virtio_slot_name(b->slot),
				  b->opts.path, name, (unsigned long long)size,
				  (unsigned long long)want);
	return 0;
}

static int blk_check_file(struct virtio_slot *s, void *priv, struct snapshot_cursor *c,
			  bool force, char *err, size_t errlen)
{
	struct blk_dev *b = priv;
	struct file_identity now, then;
	const char *why;
	const uint8_t *name;
	uint32_t len = 0;
	int ret = disk_id(b, &now);

	if (!ret)
		ret = snapshot_get_identity(c, &then);
	/* A snapshot from before images were snapshotted has no name: none. */
	name = ret ? NULL : snapshot_cursor_done(c) ? (const uint8_t *)"" : snapshot_get_blob(c, &len);
	if (!ret && (!name || len >= sizeof(b->snapshot)))
		ret = -EINVAL;
	if (ret)
		return ret;
	memcpy(b->snapshot, name, len);
	b->snapshot[len] = '\0';
	/* The image went on after the snapshot: its own snapshot is what counts. */
	if (len != 0 && image_snapshotted(b))
		return check_image_snapshot(b, b->snapshot, err, errlen);
	if (len != 0 || image_snapshotted(b))
		return errmsg(err, errlen, "%s: the snapshot's disk %s its image's snapshot, "
			      "and this one %s", virtio_slot_name(s), len ? "was" : "was not",
			      len ? "is not" : "is");
	if ((why = file_identity_refusal(&then, &now, force)))
		return errmsg(err, errlen, "%s: its disk was %s", virtio_slot_name(s), why);
	return 0;
}

/*
 * Its image back to the snapshot's, under a new daemon: the one that
 * opened it is stopped first (it served nothing yet), and the device's
 * worker talks to the new one.
 */
static int blk_restore(struct virtio_slot *s, void *priv, char *err, size_t errlen)
{
	struct blk_dev *b = priv;
	const char *name = virtio_slot_name(s);
	int ret;

	if (!image_snapshotted(b))
		return 0;
	storage_daemon_stop(&b->daemon);
	ret = storage_daemon_revert(b->opts.path, b->snapshot);
	if (!ret)
		ret = storage_daemon_start(&b->opts, b->wanted_queues, &b->daemon);
	if (!ret)
		ret = vhost_worker_reconnect(virtio_slot_vhost(s), b->daemon.socket,
					     b->daemon.pid);
	storage_daemon_connected(&b->daemon);
	if (ret)
		errmsg(err, errlen, "%s: %s could not be taken back to its snapshot %s", name,
		       b->opts.path, b->snapshot);
	else
		log_debug("%s: %s taken back to its snapshot %s", name, b->opts.path, b->snapshot);
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
	.saveable = true, .check_saveable = blk_check_saveable, .save_host = blk_save_host,
	.restore = blk_restore, .save_file = blk_save_file, .check_file = blk_check_file,
};
