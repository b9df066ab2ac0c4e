/*
 * virtio-fs (VIRTIO 1.2, 5.11): the configuration a64vm serves (the tag,
 * the number of request queues). The queues are a vhost-user daemon's; a64vm
 * serves them only once the daemon is gone, answering every FUSE request
 * with an I/O error so that the guest sees errors, not a hang.
 */
#ifndef A64VM_VIRTIO_FS_H
#define A64VM_VIRTIO_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "a64vm/config.h"
#include "a64vm/virtio_core.h"

#define VIRTIO_FS_ID 26
#define VIRTIO_FS_TAG_LEN 36
#define VIRTIO_FS_QUEUES 2 /* hiprio and one request queue */

/*
 * --fs PATH,tag=TAG[,ro][,transport=T]: a64vm starts the daemon on PATH;
 * --fs socket=SOCK,tag=TAG[,transport=T]: the user's daemon on SOCK.
 */
#define VIRTIO_FS_MAX 4
struct virtio_fs_options {
	char path[CONFIG_DISK_PATH_MAX]; /* the shared directory, or the socket */
	bool socket;			 /* path is a daemon's socket */
	char tag[VIRTIO_FS_TAG_LEN + 1];
	bool read_only;
	enum config_transport transport;
};

/* --fs's value -> out; 0 or -EINVAL. */
int virtio_fs_parse_options(const char *s, struct virtio_fs_options *out);
/* The options the kind owns on the command line (--fs, --fs-daemon). */
extern const struct config_option virtio_fs_cli[];

struct virtio_fs {
	uint8_t tag[VIRTIO_FS_TAG_LEN]; /* NUL-padded, not terminated when full */
	uint64_t features;		/* the daemon's device features */
	uint64_t answered;		/* requests answered with EIO */
};

/* The kind's transport ops; dev is a struct virtio_fs. */
extern const struct virtio_core_ops virtio_fs_ops;

#endif
