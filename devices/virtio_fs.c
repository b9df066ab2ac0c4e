#include "a64vm/virtio_fs.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "a64vm/errmsg.h"

#define FUSE_IN_HEADER 40
#define FUSE_OUT_HEADER 16
#define FUSE_EIO (-5) /* -EIO as FUSE carries it, whatever the host's value */

#define CONFIG_SIZE (VIRTIO_FS_TAG_LEN + 4)

static uint64_t fs_features(void *dev)
{
	return ((struct virtio_fs *)dev)->features;
}

static void fs_config_read(void *dev, uint32_t off, uint8_t *data, unsigned len)
{
	struct virtio_fs *f = dev;
	uint8_t config[CONFIG_SIZE] = { 0 };

	memcpy(config, f->tag, VIRTIO_FS_TAG_LEN);
	config[VIRTIO_FS_TAG_LEN] = VIRTIO_FS_QUEUES - 1; /* num_request_queues, LE */
	memcpy(data, config + off, len);
}

/* The first n readable bytes of req into buf: false when it has fewer. */
static bool gather(const struct virtq_req *req, uint8_t *buf, size_t n)
{
	size_t done = 0;

	for (unsigned i = 0; i < req->nout && done < n; i++) {
		size_t take = req->iov[i].len < n - done ? req->iov[i].len : n - done;

		memcpy(buf + done, req->iov[i].base, take);
		done += take;
	}
	return done == n;
}

/*
 * The daemon is gone: EIO for a request that expects an answer (its
 * unique echoed, as FUSE matches them); FORGET expects none (no writable
 * buffer) and gets none. A request too short for its headers is answered
 * with nothing rather than failing the queue.
 */
static int fs_request(void *dev, struct virtio_core *t, unsigned q,
		      const struct virtq_req *req)
{
	struct virtio_fs *f = dev;
	uint8_t in[FUSE_IN_HEADER], out[FUSE_OUT_HEADER] = { FUSE_OUT_HEADER };
	int32_t error = FUSE_EIO;

	(void)t;
	(void)q;
	if (!req->nin || req->iov[req->nout].len < FUSE_OUT_HEADER ||
	    !gather(req, in, sizeof(in)))
		return 0;
	memcpy(out + 4, &error, 4);
	memcpy(out + 8, in + 8, 8); /* unique */
	memcpy(req->iov[req->nout].base, out, sizeof(out));
	f->answered++;
	return FUSE_OUT_HEADER;
}

const struct virtio_core_ops virtio_fs_ops = {
	.name = "virtio-fs", .device_id = VIRTIO_FS_ID, .nqueues = VIRTIO_FS_QUEUES,
	.config_size = CONFIG_SIZE, .features = fs_features,
	.config_read = fs_config_read, .request = fs_request,
};

/* The tag: 1..36 bytes, printable, as a mount source names it. */
static bool parse_tag(const char *opt, size_t len, char *tag)
{
	if (len <= 4 || len - 4 > VIRTIO_FS_TAG_LEN || strncmp(opt, "tag=", 4))
		return false;
	for (size_t i = 4; i < len; i++)
		if (!isgraph((unsigned char)opt[i]))
			return false;
	memcpy(tag, opt + 4, len - 4);
	tag[len - 4] = '\0';
	return true;
}

int virtio_fs_parse_options(const char *s, struct virtio_fs_options *out)
{
	const char *opt;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!config_next_item(&s, &opt, &len))
		return -EINVAL;
	if (len >= 7 && !strncmp(opt, "socket=", 7)) {
		out->socket = true;
		opt += 7;
		len -= 7;
	}
	if (!len || len >= sizeof(out->path))
		return -EINVAL;
	memcpy(out->path, opt, len);
	while (config_next_item(&s, &opt, &len)) {
		if (len == 2 && !strncmp(opt, "ro", 2) && !out->socket)
			out->read_only = true;
		else if (!parse_tag(opt, len, out->tag) &&
			 !config_parse_transport(opt, len, &out->transport))
			return -EINVAL;
	}
	return out->tag[0] ? 0 : -EINVAL;
}

static int apply_fs(struct config *cfg, const char *val, char *err, size_t errlen)
{
	struct virtio_fs_options o, other;

	if (virtio_fs_parse_options(val, &o))
		return errmsg(err, errlen, "--fs: '%s' is not DIR,tag=TAG[,ro][,transport=T] "
			      "or socket=PATH,tag=TAG[,transport=T] (a tag of 1 to %d "
			      "printable characters; ro is for a daemon a64vm starts)",
			      val, VIRTIO_FS_TAG_LEN);
	for (unsigned i = 0; i < config_uses(cfg, "fs"); i++)
		if (!virtio_fs_parse_options(config_use_value(cfg, "fs", i), &other) &&
		    !strcmp(other.tag, o.tag))
			return errmsg(err, errlen, "--fs: tag '%s' given twice", o.tag);
	return config_use(cfg, "fs", val, VIRTIO_FS_MAX, "shared directories", err, errlen);
}

static int apply_fs_daemon(struct config *cfg, const char *val, char *err, size_t errlen)
{
	return config_use(cfg, "fs-daemon", val, 1, "daemon", err, errlen);
}

const struct config_option virtio_fs_cli[] = {
	{ "fs", " DIR,tag=TAG[,ro][,transport=T]", "share DIR with the guest over virtio-fs\n"
	  "(mount -t virtiofs TAG); a64vm runs virtiofsd for\n"
	  "it; socket=PATH for DIR: the vhost-user daemon\n"
	  "listening on PATH (repeatable, up to 4)", apply_fs },
	{ "fs-daemon", " PATH", "the virtiofsd --fs starts (default: virtiofsd on\n"
	  "PATH, else /usr/lib/qemu/virtiofsd)", apply_fs_daemon },
	{ NULL, NULL, NULL, NULL },
};
