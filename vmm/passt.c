#include "a64vm/passt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "a64vm/daemon.h"
#include "a64vm/log.h"
#include "a64vm/mono_time.h"

#define LINK_FD 3			   /* passt's end, in passt */
#define START_WAIT_NS (10ull * 1000000000u) /* until it says it is ready */
#define STOP_WAIT_NS (2ull * 1000000000u)  /* after SIGTERM, before SIGKILL */
#define MAX_ARGS (12 + 2 * VIRTIO_NET_MAX_FORWARDS)
#define NOBODY "65534:65534"

/*
 * passt writes its pid file once it is set up (its ports bound, its
 * sandbox made): a FIFO there tells a64vm it is ready, or, closed with
 * nothing in it, that it failed. The FIFO's directory may be entered by
 * the user passt becomes when started as root (nobody), not listed.
 */
struct ready {
	char dir[64], fifo[80];
	int fd;
};

/* passt's -t/-u spec of a forward: "ADDR/HOSTPORT:GUESTPORT". */
static void forward_spec(const struct virtio_net_forward *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u:%u", f->addr, f->host_port, f->guest_port);
}

static void run_passt(const struct virtio_net_options *o, const char *passt, bool vhost_user,
		      int fd, const struct ready *ready)
{
	char specs[VIRTIO_NET_MAX_FORWARDS][64], fd_arg[16];
	const char *argv[MAX_ARGS];
	unsigned n = 0;
	int err;

	daemon_child_setup("--net user");
	/* passt's sandbox pivots its root, which the initramfs cannot do. */
	if (daemon_root_is_rootfs() && (err = daemon_leave_rootfs(ready->dir)))
		fprintf(stderr, "a64vm: --net user: the root is the initramfs and cannot be "
			"left for passt's sandbox: %s\n", strerror(-err));
	/* dup2 onto itself would keep close-on-exec: clear it then instead. */
	if ((fd == LINK_FD ? fcntl(fd, F_SETFD, 0) : dup2(fd, LINK_FD)) < 0) {
		fprintf(stderr, "a64vm: --net user: dup2: %s\n", strerror(errno));
		_exit(126);
	}
	snprintf(fd_arg, sizeof(fd_arg), "%d", LINK_FD);
	argv[n++] = passt;
	argv[n++] = "--foreground";
	argv[n++] = "--quiet";
	argv[n++] = "--fd";
	argv[n++] = fd_arg;
	argv[n++] = "--pid";
	argv[n++] = ready->fifo;
	if (vhost_user)
		argv[n++] = "--vhost-user";
	if (!geteuid()) { /* what it would do, without saying so on stderr */
		argv[n++] = "--runas";
		argv[n++] = NOBODY;
	}
	for (unsigned i = 0; i < o->nfwd; i++) {
		forward_spec(&o->fwd[i], specs[i], sizeof(specs[i]));
		argv[n++] = o->fwd[i].udp ? "--udp-ports" : "--tcp-ports";
		argv[n++] = specs[i];
	}
	argv[n] = NULL;
	execv(passt, (char *const *)argv);
	fprintf(stderr, "a64vm: --net user: cannot run %s: %s\n", passt, strerror(errno));
	_exit(127);
}

static int ready_make(struct ready *r)
{
	const char *tmp = getenv("TMPDIR");
	int err;

	r->fd = -1;
	tmp = tmp && strlen(tmp) < 32 ? tmp : "/tmp";
	snprintf(r->dir, sizeof(r->dir), "%s/a64vm-net-XXXXXX", tmp);
	if (!mkdtemp(r->dir))
		r->dir[0] = 0;
	else
		snprintf(r->fifo, sizeof(r->fifo), "%s/ready", r->dir);
	if (!r->dir[0] || chmod(r->dir, 0711) || mkfifo(r->fifo, 0600) ||
	    chmod(r->fifo, 0622) ||
	    (r->fd = open(r->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		err = errno;
		log_error("--net user: a FIFO in %s: %s", tmp, strerror(err));
		return -err;
	}
	return 0;
}

static void ready_remove(struct ready *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->fifo[0])
		unlink(r->fifo);
	if (r->dir[0])
		rmdir(r->dir);
}

/* Until passt writes its pid (0), exits, or time runs out. */
static int ready_wait(struct ready *r, const char *passt, pid_t pid)
{
	uint64_t until = mono_ns() + START_WAIT_NS;
	char buf[32];
	int status;

	while (mono_ns() < until) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };

		if (poll(&p, 1, 50) > 0 && read(r->fd, buf, sizeof(buf)) > 0)
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			log_error("--net user: %s exited before it was ready (status %d)", passt,
				  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			return -ECHILD;
		}
	}
	log_error("--net user: %s was not ready within %llu s", passt,
		  START_WAIT_NS / 1000000000u);
	daemon_stop(pid, STOP_WAIT_NS);
	return -ETIMEDOUT;
}

static const char *find_passt(char *buf, size_t len)
{
	static const char *const others[] = { "/usr/bin/passt", NULL };

	return daemon_find("passt", others, buf, len);
}

/* Whether what comes through fd before its end (or the deadline) has word. */
static bool output_has(int fd, const char *word, uint64_t until)
{
	char buf[4096];
	size_t keep = 0, wlen = strlen(word);

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = mono_ns();
		size_t len;
		ssize_t n;

		if (now >= until || poll(&p, 1, (int)((until - now) / 1000000u) + 1) <= 0)
			return false;
		n = read(fd, buf + keep, sizeof(buf) - 1 - keep);
		if (n <= 0)
			return false;
		len = keep + (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, word))
			return true;
		/* The start of a word the next read completes. */
		keep = len < wlen ? len : wlen - 1;
		memmove(buf, buf + len - keep, keep);
	}
}

bool passt_offers_vhost_user(void)
{
	static int known = -1;
	char found[4096];
	const char *passt;
	int pipefd[2];
	pid_t pid;

	if (known >= 0)
		return known;
	known = 0;
	passt = find_passt(found, sizeof(found));
	if (!passt || pipe2(pipefd, O_CLOEXEC))
		return false;
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(126);
		execv(passt, (char *const[]){ (char *)passt, "--help", NULL });
		_exit(127);
	}
	close(pipefd[1]);
	if (pid > 0) {
		known = output_has(pipefd[0], "--vhost-user", mono_ns() + START_WAIT_NS);
		daemon_stop(pid, STOP_WAIT_NS);
	}
	close(pipefd[0]);
	log_debug("--net user: %s %s --vhost-user", passt, known ? "has" : "has no");
	return known;
}

int passt_start(const struct virtio_net_options *o, bool vhost_user, int *fd)
{
	char found[4096];
	const char *passt = find_passt(found, sizeof(found));
	struct ready r = { .fd = -1 };
	int sv[2] = { -1, -1 }, err;
	pid_t pid = 0;

	if (!passt) {
		log_error("--net user: no passt: install Debian's passt package");
		return -ENOENT;
	}
	err = ready_make(&r);
	/* a64vm's end closes on exec; passt's is made its LINK_FD by dup2. */
	if (!err && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		err = -errno;
		log_error("--net user: socketpair: %s", strerror(-err));
	}
	if (!err && (pid = fork()) < 0) {
		err = -errno;
		log_error("--net user: fork: %s", strerror(-err));
	}
	if (!err && !pid)
		run_passt(o, passt, vhost_user, sv[1], &r);
	if (sv[1] >= 0)
		close(sv[1]);
	if (!err)
		err = ready_wait(&r, passt, pid);
	ready_remove(&r);
	if (err) {
		if (sv[0] >= 0)
			close(sv[0]);
		return err;
	}
	*fd = sv[0];
	log_debug("--net user: %s ready (pid %d), %u port forward%s%s", passt, (int)pid,
		  o->nfwd, o->nfwd == 1 ? "" : "s", vhost_user ? ", vhost-user" : "");
	return 0;
}

