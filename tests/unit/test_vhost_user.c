/*
 * The vhost-user frontend against a fake daemon on a real UNIX socket: the
 * requests a device's life sends, with their descriptors, and a daemon
 * that misbehaves (descriptors in a reply, another request's reply, an
 * oversized one, no answer, a refusal, a closed socket).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/vhost_user.h"
#include "a64vm/vhost_user_proto.h"
#include "unit.h"

#define OFFERED (1ull << 32 | 1ull << 28 | 1ull << 29 | 1ull << 30 | 1ull << 0)

struct msg {
	uint32_t request, flags, size;
	uint8_t payload[512];
	int fds[8];
	unsigned nfds;
};

enum behaviour { GOOD, FD_IN_REPLY, WRONG_REPLY, OVERSIZED, HANG_AFTER_OWNER,
		 REFUSE_FEATURES, CLOSE_AFTER_OWNER, TRICKLE_AFTER_OWNER, BLK };

static char path[64];
static int listener = -1;
static pthread_t thread;
static enum behaviour how;
static uint32_t seen[32]; /* requests in order */
static unsigned nseen;
static uint64_t protocol_set;
static off_t mem_fd_size;
static int shrink_err, grow_err; /* what ftruncate on guest RAM's fd said */
static unsigned kick_fds, call_fds;
static uint8_t inflight_set[24]; /* SET_INFLIGHT_FD's payload */
static unsigned inflight_set_fds;

static int get(int fd, struct msg *m)
{
	char control[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { m, 12 };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			    .msg_controllen = sizeof(control) };

	m->nfds = 0;
	if (recvmsg(fd, &h, 0) != 12 || m->size > sizeof(m->payload) ||
	    (m->size && read(fd, m->payload, m->size) != (ssize_t)m->size))
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
		m->nfds = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(m->fds, CMSG_DATA(c), m->nfds * sizeof(int));
	}
	return 0;
}

/* A reply: header with request and size as given, payload, maybe a descriptor. */
static void put(int fd, uint32_t request, uint32_t size, const void *payload, size_t len,
		int pass_fd)
{
	uint8_t buf[12 + 128];
	uint32_t flags = VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY;
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { buf, 12 + len };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1 };

	memcpy(buf, &request, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
	memcpy(buf + 12, payload, len);
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		h.msg_control = control;
		h.msg_controllen = sizeof(control);
		c = CMSG_FIRSTHDR(&h);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(fd, &h, 0) < 0)
		perror("fake daemon: sendmsg");
}

static void put_u64(int fd, uint32_t request, uint64_t v)
{
	put(fd, request, 8, &v, 8, -1);
}

/* Serves one connection as how says; false: stop. */
static bool serve(int c, struct msg *m)
{
	uint64_t v;

	if (nseen < 32)
		seen[nseen++] = m->request;
	switch (m->request) {
	case VHOST_USER_GET_FEATURES:
		if (how == FD_IN_REPLY)
			put(c, m->request, 8, &(uint64_t){ OFFERED }, 8, 0);
		else if (how == WRONG_REPLY)
			put_u64(c, VHOST_USER_GET_PROTOCOL_FEATURES, OFFERED);
		else if (how == OVERSIZED)
			put(c, m->request, 0x10000, &(uint64_t){ OFFERED }, 8, -1);
		else
			put_u64(c, m->request, OFFERED);
		return true;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		put_u64(c, m->request, 1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK |
				       1ull << VHOST_USER_PROTOCOL_F_MQ |
				       (how == BLK ? 1ull << VHOST_USER_PROTOCOL_F_CONFIG |
					1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD : 0));
		return true;
	case VHOST_USER_GET_CONFIG: { /* as asked, the bytes 0x10 + offset */
		uint8_t cfg[12 + 60];

		memcpy(cfg, m->payload, 12);
		for (unsigned i = 0; i < 60; i++)
			cfg[12 + i] = (uint8_t)(0x10 + i);
		put(c, m->request, m->size, cfg, m->size, -1);
		return true;
	}
	case VHOST_USER_GET_INFLIGHT_FD: { /* a sealed memfd of 2 queues' records */
		uint8_t reply[24];
		uint64_t size = 2 * 4160;
		int fd = memfd_create("inflight", MFD_ALLOW_SEALING);

		if (ftruncate(fd, (off_t)size) ||
		    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
			perror("fake daemon: memfd");
		memcpy(reply, m->payload, 24);
		memcpy(reply, &size, 8);
		put(c, m->request, 24, reply, 24, fd);
		close(fd);
		return true;
	}
	case VHOST_USER_SET_INFLIGHT_FD:
		memcpy(inflight_set, m->payload, sizeof(inflight_set));
		inflight_set_fds = m->nfds;
		break;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		memcpy(&protocol_set, m->payload, 8);
		return true;
	case VHOST_USER_GET_VRING_BASE:
		put(c, m->request, 8, (uint32_t[]){ m->payload[0], 7 }, 8, -1);
		return true;
	case VHOST_USER_SET_MEM_TABLE: {
		struct stat st;

		if (m->nfds == 1 && !fstat(m->fds[0], &st))
			mem_fd_size = st.st_size;
		/* A hostile daemon takes the pages from under a64vm, or adds some. */
		shrink_err = m->nfds == 1 && ftruncate(m->fds[0], 0) ? errno : 0;
		grow_err = m->nfds == 1 && ftruncate(m->fds[0], 2 * st.st_size) ? errno : 0;
		break;
	}
	case VHOST_USER_SET_VRING_KICK:
		kick_fds += m->nfds;
		break;
	case VHOST_USER_SET_VRING_CALL:
		call_fds += m->nfds;
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	if (m->request == VHOST_USER_SET_OWNER && how == CLOSE_AFTER_OWNER) {
		put_u64(c, m->request, 0);
		return false;
	}
	if (m->request == VHOST_USER_SET_FEATURES && how == HANG_AFTER_OWNER) {
		sleep(1);
		return false;
	}
	if (m->request == VHOST_USER_SET_FEATURES && how == TRICKLE_AFTER_OWNER) {
		/* The acknowledgement a byte every 20 ms: 400 ms in all. */
		uint32_t hdr[3] = { m->request, VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY, 8 };
		uint8_t reply[20] = { 0 };

		memcpy(reply, hdr, sizeof(hdr));
		for (unsigned i = 0; i < sizeof(reply); i++) {
			if (send(c, reply + i, 1, MSG_NOSIGNAL) != 1)
				return false;
			usleep(20000);
		}
		return true;
	}
	v = m->request == VHOST_USER_SET_FEATURES && how == REFUSE_FEATURES;
	if (m->flags & VHOST_USER_FLAG_NEED_REPLY)
		put_u64(c, m->request, v);
	return true;
}

static void *daemon_thread(void *arg)
{
	int c = accept(listener, NULL, NULL);
	struct msg m;

	(void)arg;
	while (c >= 0 && !get(c, &m) && serve(c, &m))
		;
	if (c >= 0)
		close(c);
	return NULL;
}

static void start_daemon(enum behaviour b)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	how = b;
	nseen = 0;
	protocol_set = 0;
	mem_fd_size = 0;
	kick_fds = call_fds = 0;
	snprintf(path, sizeof(path), "/tmp/a64vm-test-vu-%d.sock", (int)getpid());
	unlink(path);
	strcpy(a.sun_path, path);
	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(listener >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(listen(listener, 1), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, daemon_thread, NULL), 0);
}

static void stop_daemon(struct vhost_user *vu)
{
	vhost_user_close(vu);
	pthread_join(thread, NULL);
	close(listener);
	unlink(path);
}

static void test_device_life(void)
{
	struct vhost_user vu;
	struct guest_mem mem;
	uint16_t base = 0;
	int kick = dup(1), call = dup(2);
	static const uint32_t order[] = {
		VHOST_USER_GET_FEATURES, VHOST_USER_GET_PROTOCOL_FEATURES,
		VHOST_USER_SET_PROTOCOL_FEATURES, VHOST_USER_SET_OWNER,
		VHOST_USER_SET_FEATURES, VHOST_USER_SET_MEM_TABLE, VHOST_USER_SET_VRING_NUM,
		/* the call before the kick: a request answered at once has its call */
		VHOST_USER_SET_VRING_BASE, VHOST_USER_SET_VRING_ADDR, VHOST_USER_SET_VRING_CALL,
		VHOST_USER_SET_VRING_KICK, VHOST_USER_SET_VRING_ENABLE,
		VHOST_USER_GET_VRING_BASE,
	};

	CU_ASSERT_EQUAL_FATAL(memory_init_backed(&mem, 0x40000000, 4 << 20, NULL, true), 0);
	start_daemon(GOOD);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	CU_ASSERT_EQUAL(vu.features, OFFERED);
	/* only REPLY_ACK is asked for, of what the daemon has */
	CU_ASSERT_EQUAL(vu.protocol, 1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK);
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 1ull << 32), 0);
	CU_ASSERT_EQUAL(vhost_user_set_mem(&vu, &mem), 0);
	CU_ASSERT_EQUAL(vhost_user_start_vring(&vu, &mem, &(struct vhost_user_vring){
		.index = 1, .num = 128, .desc = 0x40001000, .avail = 0x40002000,
		.used = 0x40003000, .kick = kick, .call = call }), 0);
	CU_ASSERT_EQUAL(vhost_user_stop_vring(&vu, 1, &base), 0);
	CU_ASSERT_EQUAL(base, 7);
	stop_daemon(&vu);
	CU_ASSERT_EQUAL(protocol_set, 1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK);
	CU_ASSERT_EQUAL(mem_fd_size, 4 << 20); /* guest RAM's memfd went along */
	/* sealed: the daemon can neither shrink it (SIGBUS for a64vm) nor grow it */
	CU_ASSERT_EQUAL(shrink_err, EPERM);
	CU_ASSERT_EQUAL(grow_err, EPERM);
	memset(mem.hva, 0x5a, mem.size); /* every page still there */
	CU_ASSERT_EQUAL(kick_fds, 1);
	CU_ASSERT_EQUAL(call_fds, 1);
	CU_ASSERT_EQUAL_FATAL(nseen, sizeof(order) / sizeof(order[0]));
	for (unsigned i = 0; i < nseen; i++)
		CU_ASSERT_EQUAL(seen[i], order[i]);
	memory_free(&mem);
	close(kick);
	close(call);
}

/* A reply the frontend must refuse: the connection ends, later calls fail fast. */
static void refused(enum behaviour b)
{
	struct vhost_user vu;

	start_daemon(b);
	CU_ASSERT_EQUAL(vhost_user_open(&vu, path, "test", 1000), -EPROTO);
	CU_ASSERT_FALSE(vhost_user_alive(&vu));
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 0), -EPIPE);
	stop_daemon(&vu);
}

static void test_hostile_replies(void)
{
	refused(FD_IN_REPLY);
	refused(WRONG_REPLY);
	refused(OVERSIZED);
}

static void test_daemon_hangs(void)
{
	struct vhost_user vu;

	start_daemon(HANG_AFTER_OWNER);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	vhost_user_set_timeout(&vu, 100);
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 1ull << 32), -ETIMEDOUT);
	CU_ASSERT_FALSE(vhost_user_alive(&vu));
	stop_daemon(&vu);
}

static uint64_t ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000u +
	       (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * A reply that trickles in a byte at a time takes its one deadline, not
 * one per byte: 150 ms, where the whole reply comes in 400.
 */
static void test_daemon_trickles(void)
{
	struct vhost_user vu;
	struct timespec t0;

	start_daemon(TRICKLE_AFTER_OWNER);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	vhost_user_set_timeout(&vu, 150);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 1ull << 32), -ETIMEDOUT);
	CU_ASSERT(ms_since(&t0) < 350);
	CU_ASSERT_FALSE(vhost_user_alive(&vu));
	stop_daemon(&vu);
}

/* Signals every 5 ms to the waiting thread: a vCPU kick, a pause, GDB. */
static pthread_t waiter;
static atomic_bool kicking;

static void on_kick(int sig)
{
	(void)sig;
}

static void *kicker(void *arg)
{
	(void)arg;
	while (atomic_load(&kicking)) {
		pthread_kill(waiter, SIGUSR1);
		usleep(5000);
	}
	return NULL;
}

static void test_daemon_hangs_under_signals(void)
{
	struct sigaction sa = { .sa_handler = on_kick }, old; /* no SA_RESTART */
	struct vhost_user vu;
	struct timespec t0;
	pthread_t k;

	sigaction(SIGUSR1, &sa, &old);
	start_daemon(HANG_AFTER_OWNER);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	vhost_user_set_timeout(&vu, 100);
	waiter = pthread_self();
	atomic_store(&kicking, true);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&k, NULL, kicker, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 1ull << 32), -ETIMEDOUT);
	CU_ASSERT(ms_since(&t0) < 300);
	atomic_store(&kicking, false);
	pthread_join(k, NULL);
	sigaction(SIGUSR1, &old, NULL);
	stop_daemon(&vu);
}

/* a64vm stops while a daemon is silent: the wait ends at once, quietly. */
static atomic_bool stop_now;

static void *stopper(void *arg)
{
	(void)arg;
	usleep(100000);
	atomic_store(&stop_now, true);
	return NULL;
}

static void test_stop_ends_wait(void)
{
	struct vhost_user vu;
	struct timespec t0;
	pthread_t s;

	start_daemon(HANG_AFTER_OWNER);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	atomic_store(&stop_now, false);
	vu.stopping = &stop_now;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&s, NULL, stopper, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 1ull << 32), -ECANCELED);
	CU_ASSERT(ms_since(&t0) < 500);
	CU_ASSERT_FALSE(vhost_user_alive(&vu));
	pthread_join(s, NULL);
	stop_daemon(&vu);
}

static void test_daemon_refuses_or_goes(void)
{
	struct vhost_user vu;

	start_daemon(REFUSE_FEATURES);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 1ull << 32), -EIO);
	CU_ASSERT_TRUE(vhost_user_alive(&vu));
	stop_daemon(&vu);
	start_daemon(CLOSE_AFTER_OWNER);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	CU_ASSERT_EQUAL(vhost_user_set_features(&vu, 1ull << 32), -EPIPE);
	CU_ASSERT_FALSE(vhost_user_alive(&vu));
	stop_daemon(&vu);
}

/* A vhost-user-blk daemon's: its configuration, and its record of requests in flight. */
static void test_config_and_inflight(void)
{
	struct vhost_user vu;
	uint8_t cfg[60];
	uint64_t size = 0, offset = 1;
	uint16_t nq, qsize;
	int fd = -1;

	start_daemon(GOOD); /* without CONFIG and INFLIGHT_SHMFD */
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	CU_ASSERT_EQUAL(vhost_user_get_config(&vu, cfg, sizeof(cfg)), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(vhost_user_inflight(&vu, 2, 256, &fd, &size, &offset), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(fd, -1);
	stop_daemon(&vu);
	start_daemon(BLK);
	CU_ASSERT_EQUAL_FATAL(vhost_user_open(&vu, path, "test", 1000), 0);
	CU_ASSERT_EQUAL(vu.protocol, 1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK |
				     1ull << VHOST_USER_PROTOCOL_F_CONFIG |
				     1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);
	CU_ASSERT_EQUAL(vhost_user_get_config(&vu, cfg, sizeof(cfg)), 0);
	CU_ASSERT_EQUAL(cfg[0], 0x10);
	CU_ASSERT_EQUAL(cfg[59], 0x10 + 59);
	CU_ASSERT_EQUAL(vhost_user_inflight(&vu, 2, 256, &fd, &size, &offset), 0);
	CU_ASSERT(fd >= 0);
	CU_ASSERT_EQUAL(size, 2 * 4160);
	CU_ASSERT_EQUAL(offset, 0);
	stop_daemon(&vu);
	/* Handed back for the daemon to keep, with its descriptor. */
	memcpy(&size, inflight_set, 8);
	memcpy(&nq, inflight_set + 16, 2);
	memcpy(&qsize, inflight_set + 18, 2);
	CU_ASSERT_EQUAL(size, 2 * 4160);
	CU_ASSERT_EQUAL(nq, 2);
	CU_ASSERT_EQUAL(qsize, 256);
	CU_ASSERT_EQUAL(inflight_set_fds, 1);
	CU_ASSERT_EQUAL(seen[nseen - 1], VHOST_USER_SET_INFLIGHT_FD);
	if (fd >= 0)
		close(fd);
}

static void test_nobody_listens(void)
{
	struct vhost_user vu;

	CU_ASSERT_EQUAL(vhost_user_open(&vu, "/nonexistent/fs.sock", "test", 50), -ENOENT);
	CU_ASSERT_FALSE(vhost_user_alive(&vu));
}

const char unit_suite_name[] = "vhost_user";
const struct unit_test unit_tests[] = {
	{ "a device's life, in the spec's order, with its descriptors", test_device_life },
	{ "replies refused: descriptors, another request's, oversized", test_hostile_replies },
	{ "a daemon that does not answer", test_daemon_hangs },
	{ "a reply a byte at a time: one deadline", test_daemon_trickles },
	{ "a silent daemon and a stream of signals: one deadline",
	  test_daemon_hangs_under_signals },
	{ "a64vm stops while the daemon is silent", test_stop_ends_wait },
	{ "a daemon that refuses, or goes", test_daemon_refuses_or_goes },
	{ "a blk daemon's configuration and in-flight record", test_config_and_inflight },
	{ "nobody listening", test_nobody_listens },
	{ NULL, NULL },
};
