/*
 * A UNIX-socket listener that is not a working virtio-fs daemon, for the
 * tests of a64vm's --fs socket=: it accepts one connection and then
 *   silent      reads and never answers (a hung daemon, or no daemon at all);
 *   http        answers an HTTP error (a socket of another protocol);
 *   nofeatures  answers as vhost-user does, offering no features at all;
 * or it answers as a backend would (features, REPLY_ACK, vring bases)
 * and then misbehaves:
 *   truncate    truncates guest RAM's file as soon as it has it (and says
 *               whether that worked: FAKE-TRUNCATE ok|refused);
 *   trickle     from the driver's DRIVER_OK on, answers a byte a second;
 *               once a64vm hangs up, it goes on reading every kick
 *               eventfd it was given (taking the guest's notifies) and
 *               writing every call eventfd (interrupts), as a daemon
 *               that lingers would;
 *   stophang    never answers GET_VRING_BASE (a reset waits on it).
 * usage: fake-vhost-user MODE SOCKET
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define GET_FEATURES 1
#define SET_FEATURES 2
#define SET_MEM_TABLE 5
#define SET_VRING_KICK 12
#define SET_VRING_CALL 13
#define GET_VRING_BASE 11
#define GET_PROTOCOL_FEATURES 15
#define REPLY_FLAGS 0x5 /* version 1, reply */
#define NEED_REPLY 0x8
/* VERSION_1, INDIRECT_DESC, EVENT_IDX, PROTOCOL_FEATURES */
#define OFFERED (1ull << 32 | 1ull << 28 | 1ull << 29 | 1ull << 30)
#define REPLY_ACK (1ull << 3)

static const char *mode;
static int trickling;
static int kicks[8], calls[8]; /* what a lingering daemon keeps */
static unsigned nkicks, ncalls;

static int listen_on(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1))
		return -1;
	return fd;
}

/* Answers GET_FEATURES with 0; other requests get no reply. */
static void no_features(int c)
{
	uint32_t hdr[3];

	while (read(c, hdr, sizeof(hdr)) == sizeof(hdr)) {
		uint8_t payload[256];
		uint64_t zero = 0;

		if (hdr[2] > sizeof(payload) || (hdr[2] && read(c, payload, hdr[2]) != hdr[2]))
			return;
		if (hdr[0] != GET_FEATURES)
			continue;
		hdr[1] = REPLY_FLAGS;
		hdr[2] = sizeof(zero);
		if (write(c, hdr, sizeof(hdr)) != sizeof(hdr) ||
		    write(c, &zero, sizeof(zero)) != sizeof(zero))
			return;
	}
}

/* One request, its payload and the first descriptor that came with it. */
static int get(int c, uint32_t *hdr, uint8_t *payload, size_t room, int *fd)
{
	char control[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { hdr, 12 };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			    .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;

	*fd = -1;
	if (recvmsg(c, &h, 0) != 12 || hdr[2] > room ||
	    (hdr[2] && read(c, payload, hdr[2]) != hdr[2]))
		return -1;
	cm = CMSG_FIRSTHDR(&h);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

/* A reply: all at once, or once trickling a byte a second. */
static int put(int c, uint32_t request, const void *payload, uint32_t size)
{
	uint8_t buf[12 + 8];
	uint32_t hdr[3] = { request, REPLY_FLAGS, size };

	memcpy(buf, hdr, 12);
	memcpy(buf + 12, payload, size);
	for (uint32_t i = 0; trickling && i < 12 + size; i++) {
		if (send(c, buf + i, 1, MSG_NOSIGNAL) != 1)
			return -1;
		sleep(1);
	}
	return trickling || send(c, buf, 12 + size, MSG_NOSIGNAL) == (ssize_t)(12 + size) ? 0 : -1;
}

static void backend(int c)
{
	uint32_t hdr[3];
	uint8_t payload[512];
	int fd;

	while (!get(c, hdr, payload, sizeof(payload), &fd)) {
		uint64_t v = 0;

		if (hdr[0] == SET_FEATURES && !strcmp(mode, "trickle"))
			trickling = 1;
		if (hdr[0] == SET_MEM_TABLE && fd >= 0 && !strcmp(mode, "truncate")) {
			int err = ftruncate(fd, 0) ? errno : 0;

			printf("FAKE-TRUNCATE %s\n", err ? "refused" : "ok");
			if (err)
				printf("FAKE-TRUNCATE-ERROR %s\n", strerror(err));
			fflush(stdout);
		}
		if (fd >= 0 && hdr[0] == SET_VRING_KICK && nkicks < 8)
			kicks[nkicks++] = fd;
		else if (fd >= 0 && hdr[0] == SET_VRING_CALL && ncalls < 8)
			calls[ncalls++] = fd;
		else if (fd >= 0)
			close(fd);
		switch (hdr[0]) {
		case GET_FEATURES:
			v = OFFERED;
			break;
		case GET_PROTOCOL_FEATURES:
			v = REPLY_ACK;
			break;
		case GET_VRING_BASE:
			if (!strcmp(mode, "stophang"))
				continue; /* never */
			memcpy(&v, payload, 4); /* the same index, base 0 */
			break;
		default:
			if (!(hdr[1] & NEED_REPLY))
				continue;
			break; /* 0: done */
		}
		if (put(c, hdr[0], &v, 8))
			return;
	}
}

/* After a64vm hung up: its notifies taken, interrupts raised, for a minute. */
static void linger(void)
{
	struct pollfd p[8];
	uint64_t v = 1;

	for (unsigned i = 0; i < nkicks; i++)
		p[i] = (struct pollfd){ .fd = kicks[i], .events = POLLIN };
	for (int t = 0; t < 600; t++) {
		if (poll(p, nkicks, 100) > 0)
			for (unsigned i = 0; i < nkicks; i++)
				if (p[i].revents && read(kicks[i], &v, 8) == 8)
					printf("FAKE-TOOK-A-KICK\n");
		for (unsigned i = 0; i < ncalls; i++)
			if (write(calls[i], &(uint64_t){ 1 }, 8) < 0)
				break;
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	static const char http[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	char buf[512];
	int l, c;

	if (argc != 3 || (l = listen_on(argv[2])) < 0) {
		fprintf(stderr, "usage: fake-vhost-user silent|http|nofeatures|truncate|"
			"trickle|stophang SOCKET\n");
		return 2;
	}
	mode = argv[1];
	printf("FAKE-VHOST-LISTENING\n");
	fflush(stdout);
	c = accept(l, NULL, NULL);
	if (c < 0)
		return 1;
	if (!strcmp(mode, "http")) {
		if (read(c, buf, sizeof(buf)) > 0 && write(c, http, sizeof(http) - 1) < 0)
			return 1;
	} else if (!strcmp(mode, "nofeatures")) {
		no_features(c);
	} else if (strcmp(mode, "silent")) {
		backend(c);
	}
	while (read(c, buf, sizeof(buf)) > 0)
		; /* hold the connection until the peer goes */
	if (!strcmp(mode, "trickle"))
		linger();
	return 0;
}
