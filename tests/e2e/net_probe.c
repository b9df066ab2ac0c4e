/*
 * UDP and TCP for the user-mode network tests and benchmarks, on the test
 * host and in the guest (busybox has neither a UDP tool nor a timer):
 *   net-probe udp-serve PORT         every datagram back to its sender
 *   net-probe udp-ping HOST PORT N   N datagrams of 1000 bytes, one at a
 *                                    time, each to come back unchanged
 *                                    within 2 s (sent up to 4 times;
 *                                    three lost in a row end it); prints
 *                                    "ECHOED n of N", exit 0 if all
 *   net-probe tcp-serve PORT         every connection echoed, a child each
 *   net-probe tcp-rr HOST PORT N     N one-byte round trips on one
 *                                    connection: the mean in microseconds
 *   net-probe tcp-send HOST PORT     stdin to HOST:PORT, then waits until
 *                                    the peer has closed (all was taken)
 *   net-probe tcp-recv PORT [BYTES]  one connection to stdout until it ends
 *                                    (or BYTES came: a half-close the
 *                                    network may not carry), then closes
 * Servers run until killed. Exit 1 with a line on stderr on failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIZE 1000

static int fail(const char *what)
{
	fprintf(stderr, "net-probe: %s: %s\n", what, strerror(errno));
	return 1;
}

static int bound(int type, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, type, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(fd, 16)))
		return -1;
	return fd;
}

static int connected(int type, const char *host, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, type, 0);

	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int udp_serve(unsigned port)
{
	int fd = bound(SOCK_DGRAM, port);
	char buf[65536];

	if (fd < 0)
		return fail("bind");
	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
}

/* Whether datagram i came back unchanged. */
static int echoed(int fd, unsigned i)
{
	char out[SIZE], in[SIZE + 1];

	for (unsigned k = 0; k < SIZE; k++)
		out[k] = (char)(i * 31 + k);
	memcpy(out, &i, sizeof(i));
	for (int tries = 0; tries < 4; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (send(fd, out, SIZE, 0) != SIZE)
			return 0;
		while (poll(&p, 1, 2000) > 0) {
			ssize_t n = recv(fd, in, sizeof(in), 0);

			if (n == SIZE && !memcmp(in, out, SIZE))
				return 1;
		}
	}
	return 0;
}

static int udp_ping(const char *host, unsigned port, unsigned n)
{
	int fd = connected(SOCK_DGRAM, host, port);
	unsigned ok = 0;

	if (fd < 0)
		return fail("connect");
	/* Three lost in a row: nobody answers, no use going on. */
	for (unsigned i = 0, lost = 0; i < n && lost < 3; i++) {
		int got = echoed(fd, i);

		ok += (unsigned)got;
		lost = got ? 0 : lost + 1;
	}
	printf("ECHOED %u of %u\n", ok, n);
	return ok == n ? 0 : 1;
}

static int tcp_serve(unsigned port)
{
	int ls = bound(SOCK_STREAM, port);

	if (ls < 0)
		return fail("listen");
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		char buf[65536];
		ssize_t n;

		if (fd < 0)
			continue;
		if (!fork()) {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				if (write(fd, buf, (size_t)n) != n)
					break;
			_exit(0);
		}
		close(fd);
	}
}

static int tcp_rr(const char *host, unsigned port, unsigned n)
{
	int fd = connected(SOCK_STREAM, host, port);
	struct timespec t0, t1;
	char c = 'x';

	if (fd < 0)
		return fail("connect");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++)
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			return fail("round trip");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.0f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n);
	return 0;
}

/* in to out until in ends or limit bytes went: 0, or -1. */
static int copy(int in, int out, unsigned long long limit)
{
	char buf[65536];
	ssize_t n = 1;

	while (limit && (n = read(in, buf, limit < sizeof(buf) ? limit : sizeof(buf))) > 0) {
		limit -= (unsigned long long)n;
		for (ssize_t done = 0, k; done < n; done += k)
			if ((k = write(out, buf + done, (size_t)(n - done))) <= 0)
				return -1;
	}
	return n < 0 ? -1 : 0;
}

static int tcp_send(const char *host, unsigned port)
{
	int fd = connected(SOCK_STREAM, host, port);
	char c;

	if (fd < 0 || copy(STDIN_FILENO, fd, ~0ull) || shutdown(fd, SHUT_WR))
		return fail("send");
	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

static int tcp_recv(unsigned port, unsigned long long limit)
{
	int ls = bound(SOCK_STREAM, port), fd = ls < 0 ? -1 : accept(ls, NULL, NULL);

	if (fd < 0 || copy(fd, STDOUT_FILENO, limit))
		return fail("receive");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "udp-serve"))
		return udp_serve((unsigned)atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "tcp-serve"))
		return tcp_serve((unsigned)atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "udp-ping"))
		return udp_ping(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "tcp-recv"))
		return tcp_recv((unsigned)atoi(argv[2]), argc == 4 ? strtoull(argv[3], NULL, 0) : ~0ull);
	if (argc == 4 && !strcmp(argv[1], "tcp-send"))
		return tcp_send(argv[2], (unsigned)atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "tcp-rr"))
		return tcp_rr(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
	fprintf(stderr, "usage: net-probe udp-serve|tcp-serve PORT | net-probe tcp-recv PORT [BYTES] | "
		"net-probe tcp-send HOST PORT | net-probe udp-ping|tcp-rr HOST PORT N\n");
	return 2;
}
