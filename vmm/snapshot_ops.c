#include "a64vm/snapshot_ops.h"

#include <errno.h>
#include <stdio.h>

#include "a64vm/checkpoints.h"
#include "a64vm/snapshot.h"
#include "a64vm/virtio_devices.h"

/* How long the devices' requests in flight may take to end. */
#define DRAIN_MS 10000

static int in_memory(const struct snapshot_wiring *w, struct checkpoints **cps,
		     const struct snapshot_request *r, uint64_t *pages, char *err,
		     size_t errlen)
{
	if (!*cps && r->op == SNAPSHOT_REWIND) {
		snprintf(err, errlen, "no checkpoint is named '%s'", r->arg);
		return -ENOENT;
	}
	if (!*cps && !(*cps = checkpoints_new(w->vm_fd, w->ram_slot))) {
		snprintf(err, errlen, "no memory for checkpoints");
		return -ENOMEM;
	}
	return r->op == SNAPSHOT_CHECKPOINT ? checkpoints_take(*cps, w, r->arg, err, errlen)
					    : checkpoints_rewind(*cps, w, r->arg, pages, err, errlen);
}

int snapshot_ops_run(const struct snapshot_wiring *w, struct checkpoints **cps,
		     const struct snapshot_request *r, uint64_t *pages, char *err,
		     size_t errlen)
{
	int ret;

	*pages = 0;
	if (r->op == SNAPSHOT_SAVE)
		return snapshot_save(w, r->arg, err, errlen);
	/* A device another process serves cannot be set back under it. */
	if ((ret = virtio_devices_check_saveable(w->virtio, false, err, errlen)))
		return ret;
	if (virtio_devices_hold(w->virtio, DRAIN_MS)) {
		snprintf(err, errlen, "a device's requests were still in flight after %u s",
			 DRAIN_MS / 1000);
		return -ETIMEDOUT;
	}
	if (r->op == SNAPSHOT_RESTORE) {
		ret = snapshot_restore_live(w, r->arg, err, errlen);
		checkpoints_ram_replaced(*cps, w);
	} else {
		ret = in_memory(w, cps, r, pages, err, errlen);
	}
	virtio_devices_release(w->virtio);
	return ret;
}
