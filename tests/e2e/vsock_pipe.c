/*
 * A small AF_VSOCK tool for the vsock tests, on the test host and in the
 * guest (busybox has none):
 *   vsock-pipe listen PORT        one connection, relayed to stdin/stdout
 *   vsock-pipe connect CID PORT   the same, connecting
 *   vsock-pipe echo PORT          every connection echoed, a child each
 *   vsock-pipe rr CID PORT N      N one-byte round trips to an echo server:
 *                                 the mean in microseconds on stdout
 * and the same through a64vm's own backend (--vsock cid=N,uds=PATH):
 *   vsock-pipe uds-connect PATH PORT    "CONNECT PORT" on PATH, then relay
 *   vsock-pipe uds-rr PATH PORT N       round trips so
 *   vsock-pipe uds-listen PATH_PORT     one guest connection, relayed
 * A relay ends when stdin has reached the peer (then SHUT_WR) and the
 * peer has shut its side. Exit 0, or 1 with a line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#define CHUNK 65536

static int die(const char *what)
{
	fprintf(stderr, "vsock-pipe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_vm addr(unsigned cid, unsigned port)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port };

	return a;
}

static int listener(unsigned port)
{
	struct sockaddr_vm a = addr(VMADDR_CID_ANY, port);
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 128))
		die("listen");
	return s;
}

/* Copies in to the socket and the socket to out until both ends are done. */
static void relay(int sock, int in, int out)
{
	static char up[CHUNK], down[CHUNK];
	size_t have = 0, sent = 0;
	int in_open = 1, sock_open = 1;

	fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
	while (in_open || have > sent || sock_open) {
		struct pollfd p[2] = { { .fd = sock, .events = (sock_open ? POLLIN : 0) |
						   (have > sent ? POLLOUT : 0) },
				       { .fd = in_open && have == sent ? in : -1, .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[1].revents) {
			n = read(in, up, sizeof(up));
			if (n < 0)
				die("read stdin");
			have = (size_t)n;
			sent = 0;
			if (!n) {
				in_open = 0;
				shutdown(sock, SHUT_WR);
			}
		}
		if ((p[0].revents & POLLOUT) && have > sent) {
			n = write(sock, up + sent, have - sent);
			if (n < 0 && errno != EAGAIN)
				die("send");
			sent += n > 0 ? (size_t)n : 0;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && sock_open) {
			n = read(sock, down, sizeof(down));
			if (n < 0 && errno != EAGAIN)
				die("receive");
			if (!n)
				sock_open = 0;
			for (ssize_t done = 0, w; n > 0 && done < n; done += w)
				if ((w = write(out, down + done, (size_t)(n - done))) < 0)
					die("write stdout");
		}
	}
}

/* What comes in goes back, blocking: the peer's relay reads as it writes. */
static void echo(int s)
{
	static char buf[CHUNK];
	ssize_t n, w;

	while ((n = read(s, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n; done += w)
			if ((w = write(s, buf + done, (size_t)(n - done))) < 0)
				die("echo");
	shutdown(s, SHUT_WR);
}

static int connected(unsigned cid, unsigned port)
{
	struct sockaddr_vm a = addr(cid, port);
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	return s;
}

static struct sockaddr_un unix_addr(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	return a;
}

/* Firecracker's handshake: "CONNECT PORT\n", answered "OK HOSTPORT\n". */
static int uds_connected(const char *path, unsigned port)
{
	struct sockaddr_un a = unix_addr(path);
	char line[32];
	size_t n = 0;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	n = (size_t)snprintf(line, sizeof(line), "CONNECT %u\n", port);
	if (write(s, line, n) != (ssize_t)n)
		die("write CONNECT");
	for (n = 0; n < sizeof(line) - 1; n++)
		if (read(s, &line[n], 1) != 1 || line[n] == '\n')
			break;
	line[n] = '\0';
	if (strncmp(line, "OK ", 3)) {
		fprintf(stderr, "vsock-pipe: no OK after CONNECT %u (got '%s')\n", port, line);
		exit(1);
	}
	return s;
}

static int uds_listener(const char *path)
{
	struct sockaddr_un a = unix_addr(path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 128))
		die("listen");
	return s;
}

static void round_trips(int s, long n)
{
	struct timespec t0, t1;
	char c = 'r';

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		if (write(s, &c, 1) != 1 || read(s, &c, 1) != 1)
			die("round trip");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
			  (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / (double)n);
}

int main(int argc, char **argv)
{
	int s;

	if (argc == 3 && (!strcmp(argv[1], "listen") || !strcmp(argv[1], "uds-listen"))) {
		int l = argv[1][0] == 'u' ? uds_listener(argv[2]) : listener((unsigned)atoi(argv[2]));

		s = accept(l, NULL, NULL);
		if (s < 0)
			die("accept");
		close(l);
		relay(s, 0, 1);
	} else if (argc == 4 && !strcmp(argv[1], "connect")) {
		relay(connected((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3])), 0, 1);
	} else if (argc == 4 && !strcmp(argv[1], "uds-connect")) {
		relay(uds_connected(argv[2], (unsigned)atoi(argv[3])), 0, 1);
	} else if (argc == 5 && !strcmp(argv[1], "rr") && atol(argv[4]) > 0) {
		round_trips(connected((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3])),
			    atol(argv[4]));
	} else if (argc == 5 && !strcmp(argv[1], "uds-rr") && atol(argv[4]) > 0) {
		round_trips(uds_connected(argv[2], (unsigned)atoi(argv[3])), atol(argv[4]));
	} else if (argc == 3 && !strcmp(argv[1], "echo")) {
		int l = listener((unsigned)atoi(argv[2]));

		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			s = accept(l, NULL, NULL);
			if (s < 0)
				die("accept");
			if (fork() == 0) {
				close(l);
				echo(s);
				_exit(0);
			}
			close(s);
		}
	} else {
		fprintf(stderr, "usage: vsock-pipe listen PORT | connect CID PORT | echo PORT | "
			"rr CID PORT N | uds-connect PATH PORT | uds-rr PATH PORT N | "
			"uds-listen PATH_PORT\n");
		return 2;
	}
	return 0;
}
