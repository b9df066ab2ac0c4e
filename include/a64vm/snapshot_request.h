/*
 * A snapshot's request as the control socket and GDB's monitor hand it to
 * the VM (snapshot_ops.h does it): types only.
 */
#ifndef A64VM_SNAPSHOT_REQUEST_H
#define A64VM_SNAPSHOT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum snapshot_op { SNAPSHOT_SAVE, SNAPSHOT_RESTORE, SNAPSHOT_CHECKPOINT, SNAPSHOT_REWIND };

struct snapshot_request {
	enum snapshot_op op;
	const char *arg; /* the directory (absolute), or the checkpoint's name */
	bool paused;	 /* the guest stays paused after it */
};

/* What the VM offers: 0, or -errno with why in err; *pages the RAM pages a rewind copied. */
typedef int snapshot_fn(void *ctx, const struct snapshot_request *r, uint64_t *pages,
			char *err, size_t errlen);

#endif
