#include "a64vm/storage_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "a64vm/daemon.h"
#include "a64vm/errmsg.h"
#include "a64vm/log.h"
#include "a64vm/qcow2.h"
#include "a64vm/qmp_client.h"
#include "a64vm/qmp_proto.h"

#define START_WAIT_NS (20ull * 1000000000u) /* until it says it is ready */
#define STOP_WAIT_NS (2ull * 1000000000u)   /* after SIGTERM, before SIGKILL */
#define QMP_WAIT_MS 5000		   /* its greeting, once it is ready */
#define SNAPSHOT_WAIT_MS 60000		   /* an internal snapshot: its metadata written */
#define OVERLAY_FD 3			   /* the overlay, in the daemon */
#define ARG_LEN (2 * CONFIG_DISK_PATH_MAX + 160)

/* An image's kind: its format (by its header unless o says), size, and whether a device. */
struct image {
	bool qcow2, device;
	uint64_t size; /* virtual: what the guest sees */
};

/* say: a failure is told (else the raw disk's open tells it). */
static int probe(const struct virtio_blk_options *o, struct image *im, bool say)
{
	uint8_t head[QCOW2_HEADER_LEN];
	int fd = open(o->path, O_RDONLY | O_CLOEXEC), err = 0;
	struct stat st;
	ssize_t got = 0;
	off_t end = 0;

	if (fd < 0 || fstat(fd, &st))
		err = errno;
	else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		err = EINVAL;
	else if ((end = lseek(fd, 0, SEEK_END)) < 0 || (got = pread(fd, head, sizeof(head), 0)) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err && say)
		log_error("--disk %s: %s", o->path,
			  err == EINVAL ? "neither a file nor a block device" : strerror(err));
	if (err)
		return -err;
	im->device = S_ISBLK(st.st_mode);
	im->qcow2 = qcow2_probe(head, (size_t)got, &im->size);
	if (o->format == VIRTIO_BLK_FORMAT_QCOW2 && !im->qcow2) {
		if (say)
			log_error("--disk %s,format=qcow2: not a qcow2 image (no QFI header)",
				  o->path);
		return -EINVAL;
	}
	if (o->format == VIRTIO_BLK_FORMAT_RAW || !im->qcow2) {
		im->qcow2 = false;
		im->size = (uint64_t)end;
	}
	return 0;
}

bool storage_daemon_serves(const struct virtio_blk_options *o)
{
	struct image im;

	if (o->vhost_user)
		return false;
	if (o->snapshot || o->format == VIRTIO_BLK_FORMAT_QCOW2)
		return true;
	return o->format == VIRTIO_BLK_FORMAT_AUTO && !probe(o, &im, false) && im.qcow2;
}

/* QEMU's option syntax: a comma in a value is written twice. */
static void escaped(char *out, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 2 < len; s++) {
		out[n++] = *s;
		if (*s == ',')
			out[n++] = ',';
	}
	out[n] = '\0';
}

/* An unnamed file in dir: O_TMPFILE, else a name removed at once. */
static int unnamed_file(const char *dir)
{
	char path[96];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd >= 0 ? fd : -errno;
	snprintf(path, sizeof(path), "%.80s/a64vm-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

/*
 * An empty qcow2 of size bytes in an unnamed file of $TMPDIR, else
 * /var/tmp (QEMU's choice), else /tmp: its descriptor, or -errno.
 */
static int make_overlay(const char *image, uint64_t size)
{
	const char *tmp = getenv("TMPDIR");
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd = qcow2_empty(size - size % 512, &buf, &len);

	if (fd) {
		log_error("--disk %s,snapshot=on: an image of %llu bytes (below 512 or above "
			  "64 TiB) takes no overlay", image, (unsigned long long)size);
		return fd;
	}
	if (tmp)
		fd = unnamed_file(tmp);
	else if ((fd = unnamed_file(tmp = "/var/tmp")) == -ENOENT)
		fd = unnamed_file(tmp = "/tmp");
	if (fd >= 0 && pwrite(fd, buf, len, 0) != (ssize_t)len) {
		int err = errno ? -errno : -EIO;

		close(fd);
		fd = err;
	}
	free(buf);
	if (fd < 0)
		log_error("--disk %s,snapshot=on: an overlay in %s: %s", image, tmp,
			  strerror(-fd));
	return fd;
}

static void run_daemon(const struct virtio_blk_options *o, const char *qsd,
		       const struct image *im, int overlay, unsigned queues,
		       const struct storage_daemon *d)
{
	char path[2 * CONFIG_DISK_PATH_MAX], file[ARG_LEN], image[160], top[160], export[ARG_LEN];
	char qmp_path[2 * sizeof(d->qmp)], qmp[sizeof(qmp_path) + 48];
	const char *ro = o->snapshot || o->read_only ? "on" : "off";
	const char *argv[20];
	unsigned n = 0;

	daemon_child_setup("--disk");
	/* dup2 onto itself would keep close-on-exec: clear it then instead. */
	if (overlay >= 0 && (overlay == OVERLAY_FD ? fcntl(overlay, F_SETFD, 0)
						   : dup2(overlay, OVERLAY_FD)) < 0) {
		fprintf(stderr, "a64vm: --disk: dup2: %s\n", strerror(errno));
		_exit(126);
	}
	escaped(path, sizeof(path), o->path);
	snprintf(file, sizeof(file), "driver=%s,node-name=file,filename=%s,read-only=%s",
		 im->device ? "host_device" : "file", path, ro);
	snprintf(image, sizeof(image), "driver=%s,node-name=image,file=file,read-only=%s",
		 im->qcow2 ? "qcow2" : "raw", ro);
	snprintf(export, sizeof(export), "type=vhost-user-blk,id=disk,node-name=%s,"
		 "addr.type=unix,addr.path=%s,writable=%s,num-queues=%u",
		 overlay >= 0 ? "overlay" : "image", d->socket, o->read_only ? "off" : "on",
		 queues);
	argv[n++] = qsd;
	argv[n++] = "--blockdev";
	argv[n++] = file;
	argv[n++] = "--blockdev";
	argv[n++] = image;
	if (overlay >= 0) {
		argv[n++] = "--blockdev";
		argv[n++] = "driver=file,node-name=overlay-file,filename=/proc/self/fd/3";
		snprintf(top, sizeof(top), "driver=qcow2,node-name=overlay,file=overlay-file,"
			 "backing=image");
		argv[n++] = "--blockdev";
		argv[n++] = top;
	}
	argv[n++] = "--export";
	argv[n++] = export;
	/* QMP, for a snapshot of the VM: its disk's internal snapshot. */
	escaped(qmp_path, sizeof(qmp_path), d->qmp);
	snprintf(qmp, sizeof(qmp), "socket,id=qmp,path=%s,server=on,wait=off", qmp_path);
	argv[n++] = "--chardev";
	argv[n++] = qmp;
	argv[n++] = "--monitor";
	argv[n++] = "chardev=qmp";
	argv[n++] = "--pidfile";
	argv[n++] = d->pid_file;
	argv[n] = NULL;
	execv(qsd, (char *const *)argv);
	fprintf(stderr, "a64vm: --disk: cannot run %s: %s\n", qsd, strerror(errno));
	_exit(127);
}

static int make_dir(struct storage_daemon *d)
{
	const char *tmp = getenv("TMPDIR");

	tmp = tmp && strlen(tmp) < 32 ? tmp : "/tmp";
	snprintf(d->dir, sizeof(d->dir), "%s/a64vm-blk-XXXXXX", tmp);
	if (!mkdtemp(d->dir)) {
		int err = errno;

		log_error("--disk: cannot make a directory in %s: %s", tmp, strerror(err));
		d->dir[0] = 0;
		return -err;
	}
	snprintf(d->socket, sizeof(d->socket), "%s/vhost.sock", d->dir);
	snprintf(d->pid_file, sizeof(d->pid_file), "%s/pid", d->dir);
	snprintf(d->qmp, sizeof(d->qmp), "%s/qmp.sock", d->dir);
	return 0;
}

int storage_daemon_start(const struct virtio_blk_options *o, unsigned queues,
			 struct storage_daemon *d)
{
	static const char *const others[] = { "/usr/bin/qemu-storage-daemon", NULL };
	char found[4096];
	const char *qsd = daemon_find("qemu-storage-daemon", others, found, sizeof(found));
	struct image im = { 0 };
	int overlay = -1, ret;

	memset(d, 0, sizeof(*d));
	d->qmp_fd = -1;
	if (!qsd) {
		log_error("--disk %s: no qemu-storage-daemon for a qcow2 image or snapshot=on: "
			  "install Debian's qemu-system-common", o->path);
		return -ENOENT;
	}
	ret = probe(o, &im, true);
	if (!ret && o->snapshot && (overlay = make_overlay(o->path, im.size)) < 0)
		ret = overlay;
	if (!ret)
		ret = make_dir(d);
	if (!ret && (d->pid = fork()) < 0) {
		ret = -errno;
		d->pid = 0;
		log_error("--disk: fork: %s", strerror(-ret));
	}
	if (!ret && !d->pid)
		run_daemon(o, qsd, &im, overlay, queues, d);
	if (overlay >= 0)
		close(overlay); /* the daemon's now */
	if (!ret) {
		log_debug("--disk %s: %s (pid %d), %s%s, %u queues, export %s", o->path, qsd,
			  (int)d->pid, im.qcow2 ? "qcow2" : "raw",
			  o->snapshot ? " under a temporary overlay" : "", queues,
			  o->read_only ? "writable=off" : "writable=on");
		/* Its pid file is written once the export listens. */
		ret = daemon_wait_path(&d->pid, d->pid_file, true, START_WAIT_NS, "--disk", qsd);
	}
	/* Without it the disk still works; a snapshot of the VM is refused. */
	if (!ret && (d->qmp_fd = qmp_connect(d->qmp, QMP_WAIT_MS)) < 0)
		log_warn("--disk %s: no QMP connection to qemu-storage-daemon (%s): a snapshot "
			 "of the VM will be refused", o->path, strerror(-d->qmp_fd));
	if (ret) {
		storage_daemon_stop(d);
		storage_daemon_connected(d);
	}
	return ret;
}

void storage_daemon_connected(struct storage_daemon *d)
{
	if (d->socket[0])
		unlink(d->socket);
	if (d->pid_file[0])
		unlink(d->pid_file);
	if (d->qmp[0])
		unlink(d->qmp);
	if (d->dir[0])
		rmdir(d->dir);
	d->socket[0] = d->pid_file[0] = d->qmp[0] = d->dir[0] = 0;
}

void storage_daemon_stop(struct storage_daemon *d)
{
	daemon_stop(d->pid, STOP_WAIT_NS);
	d->pid = 0;
	if (d->qmp_fd >= 0)
		close(d->qmp_fd);
	d->qmp_fd = -1;
}

int storage_daemon_snapshot(struct storage_daemon *d, const char *name, char *err,
			    size_t errlen)
{
	static const char *const keys[] = { "device", "name" };
	const char *values[] = { "image", name };
	char line[256];

	if (d->qmp_fd < 0)
		return errmsg_ret(err, errlen, -ENOTCONN, "no QMP connection to its "
				  "qemu-storage-daemon");
	if (qmp_command(line, sizeof(line), "blockdev-snapshot-internal-sync", 2, keys,
			values) < 0)
		return errmsg_ret(err, errlen, -EINVAL, "a snapshot name too long");
	return qmp_execute(d->qmp_fd, line, SNAPSHOT_WAIT_MS, err, errlen);
}

int storage_daemon_revert(const char *image, const char *name)
{
	static const char *const others[] = { "/usr/bin/qemu-img", NULL };
	char found[4096];
	const char *qemu_img = daemon_find("qemu-img", others, found, sizeof(found));
	int status = 0;
	pid_t pid;

	if (!qemu_img) {
		log_error("--disk %s: no qemu-img to take it back to its snapshot %s: install "
			  "Debian's qemu-utils", image, name);
		return -ENOENT;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		daemon_child_setup("--disk");
		execl(qemu_img, qemu_img, "snapshot", "-a", name, image, (char *)NULL);
		fprintf(stderr, "a64vm: --disk: cannot run %s: %s\n", qemu_img, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	log_error("--disk %s: qemu-img snapshot -a %s failed (status 0x%x)", image, name, status);
	return -EIO;
}
