#include "a64vm/virtiofsd.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "a64vm/daemon.h"
#include "a64vm/log.h"

#define START_WAIT_NS (10ull * 1000000000u) /* until its socket is there */
#define STOP_WAIT_NS (2ull * 1000000000u)   /* after SIGTERM, before SIGKILL */

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define MOUNT_ATTR_RDONLY_ 0x1
#define AT_RECURSIVE_ 0x8000

struct mount_attr_ {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static int mkdir_in(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return mkdir(path, 0700);
}

/* --fs-daemon, else the Rust virtiofsd (PATH, Debian's place), else QEMU's C one. */
static const char *find_daemon(const char *given, char *buf, size_t len)
{
	static const char *const others[] = { "/usr/libexec/virtiofsd",
					      "/usr/lib/qemu/virtiofsd", NULL };

	return given ? given : daemon_find("virtiofsd", others, buf, len);
}

/*
 * In the child, before the daemon runs: in a mount namespace of its own,
 * dir and everything below it bound read-only at at, which the daemon then
 * serves; no request can change the host's files through it. The rest of
 * the daemon's view stays as it was (it writes its pid file in /run).
 */
static int read_only_view(const char *dir, const char *at)
{
	struct mount_attr_ attr = { .attr_set = MOUNT_ATTR_RDONLY_ };

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(dir, at, NULL, MS_BIND | MS_REC, NULL))
		return -errno;
	if (!syscall(SYS_mount_setattr, AT_FDCWD, at, AT_RECURSIVE_, &attr, sizeof(attr)))
		return 0;
	/* Before Linux 5.12: the top mount only, which is all a plain DIR has. */
	return mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) ? -errno : 0;
}

static void run_daemon(const struct virtio_fs_options *fs, const char *daemon,
		       const struct virtiofsd *d)
{
	char socket_arg[128], source_arg[CONFIG_DISK_PATH_MAX + 16], ro_point[80];
	const char *source = fs->path;
	int err;

	daemon_child_setup("--fs");
	/*
	 * The daemon's sandbox pivots its root into the shared directory, which
	 * fails while the root is the initramfs (a test host, a rescue system).
	 */
	if (daemon_root_is_rootfs() && (err = daemon_leave_rootfs(d->dir)))
		fprintf(stderr, "a64vm: --fs: the root is the initramfs and cannot be left "
			"for the daemon's sandbox: %s\n", strerror(-err));
	snprintf(ro_point, sizeof(ro_point), "%s/ro", d->dir);
	if (fs->read_only)
		source = ro_point;
	if (fs->read_only && (err = read_only_view(fs->path, ro_point))) {
		fprintf(stderr, "a64vm: --fs %s,ro: cannot make it read-only for the daemon "
			"(a mount namespace needs root or CAP_SYS_ADMIN): %s\n", fs->path,
			strerror(-err));
		_exit(126);
	}
	snprintf(socket_arg, sizeof(socket_arg), "--socket-path=%s", d->socket);
	snprintf(source_arg, sizeof(source_arg), "source=%s", source);
	/* The options both the C and the Rust virtiofsd take. */
	execl(daemon, daemon, socket_arg, "-o", source_arg, "-o", "cache=auto", (char *)NULL);
	fprintf(stderr, "a64vm: cannot run %s: %s\n", daemon, strerror(errno));
	_exit(127);
}

int virtiofsd_start(const struct virtio_fs_options *fs, const char *given, struct virtiofsd *d)
{
	char found[4096];
	const char *daemon = find_daemon(given, found, sizeof(found));
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int ret;

	memset(d, 0, sizeof(*d));
	d->tmp_fd = -1;
	if (stat(fs->path, &st)) {
		log_error("--fs: %s: %s", fs->path, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("--fs: %s: not a directory", fs->path);
		return -ENOTDIR;
	}
	if (!daemon) {
		log_error("--fs: no virtiofsd: install Debian's virtiofsd package (or "
			  "qemu-system-common, which has /usr/lib/qemu/virtiofsd), or name one "
			  "with --fs-daemon");
		return -ENOENT;
	}
	if (!daemon_executable(daemon)) {
		log_error("--fs-daemon: %s: %s", daemon, strerror(errno));
		return -ENOENT;
	}
	tmp = tmp && strlen(tmp) < 32 ? tmp : "/tmp";
	snprintf(d->dir, sizeof(d->dir), "%s/a64vm-fs-XXXXXX", tmp);
	if (!mkdtemp(d->dir)) {
		ret = -errno;
		log_error("--fs: cannot make a directory in %s: %s", tmp, strerror(-ret));
		d->dir[0] = 0;
		return ret;
	}
	/* Removed at exit through this, whatever --chroot did meanwhile. */
	d->tmp_fd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	d->ro_dir = fs->read_only;
	if (d->ro_dir && mkdir_in(d->dir, "ro")) {
		ret = -errno;
		log_error("--fs: cannot make a directory in %s: %s", d->dir, strerror(-ret));
		return ret;
	}
	snprintf(d->socket, sizeof(d->socket), "%s/vhost.sock", d->dir);
	d->pid = fork();
	if (d->pid < 0) {
		ret = -errno;
		d->pid = 0;
		log_error("--fs: fork: %s", strerror(-ret));
		return ret;
	}
	if (!d->pid)
		run_daemon(fs, daemon, d);
	log_debug("--fs %s: %s started (pid %d) on %s", fs->path, daemon, (int)d->pid,
		  d->socket);
	return daemon_wait_path(&d->pid, d->socket, false, START_WAIT_NS, "--fs", daemon);
}

/* Its socket is no longer needed: the daemon serves one connection. */
void virtiofsd_connected(struct virtiofsd *d)
{
	if (d->socket[0])
		unlink(d->socket);
	d->socket[0] = 0;
}

void virtiofsd_remove(struct virtiofsd *d)
{
	const char *name = strrchr(d->dir, '/');
	char ro[80];

	if (d->tmp_fd >= 0 && name) {
		snprintf(ro, sizeof(ro), "%s/ro", name + 1);
		if (d->ro_dir)
			unlinkat(d->tmp_fd, ro, AT_REMOVEDIR);
		unlinkat(d->tmp_fd, name + 1, AT_REMOVEDIR);
	}
	if (d->tmp_fd >= 0)
		close(d->tmp_fd);
	d->tmp_fd = -1;
	d->dir[0] = 0;
}

void virtiofsd_kill(struct virtiofsd *d)
{
	if (d->pid > 0 && kill(d->pid, SIGKILL))
		log_warn("--fs: cannot kill the daemon (pid %d): %s", (int)d->pid,
			 strerror(errno));
}

void virtiofsd_abort(struct virtiofsd *d)
{
	daemon_stop(d->pid, STOP_WAIT_NS);
	d->pid = 0;
	virtiofsd_connected(d);
	virtiofsd_remove(d);
}
