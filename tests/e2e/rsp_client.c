/*
 * A minimal GDB remote-protocol client for scenarios that must drive the
 * stub from inside the test host, in step with the scenario's shell:
 *
 *   rsp-client PORT STEP...
 *     ask:PACKET     send it, print the reply packet's payload
 *     send:PACKET    send it, no reply expected (c, s: the guest runs)
 *     interrupt      send Ctrl-C, print the stop reply
 *     wait:PATH      wait until the file PATH exists
 *     say:TEXT       print TEXT (a marker the scenario waits for)
 *
 * Every line it prints goes to stdout at once. Exit status 1 on any
 * protocol or connection failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int fd;

static int send_packet(const char *payload)
{
	char buf[1024];
	unsigned sum = 0;
	int n;

	for (const char *p = payload; *p; p++)
		sum += (unsigned char)*p;
	n = snprintf(buf, sizeof(buf), "$%s#%02x", payload, sum & 0xff);
	return write(fd, buf, (size_t)n) == n ? 0 : -1;
}

/* The next packet's payload into out; acks ('+') are skipped. */
static int read_packet(char *out, size_t cap)
{
	size_t len = 0;
	int state = 0; /* 0: before '$', 1: payload, 2-3: checksum */
	char c;

	while (read(fd, &c, 1) == 1) {
		if (state == 0) {
			state = c == '$';
		} else if (state == 1) {
			if (c == '#')
				state = 2;
			else if (len + 1 < cap)
				out[len++] = c;
		} else if (++state == 4) {
			out[len] = '\0';
			return write(fd, "+", 1) == 1 ? 0 : -1;
		}
	}
	return -1;
}

static int step(const char *s)
{
	char reply[4096];
	struct stat st;

	if (!strncmp(s, "ask:", 4)) {
		if (send_packet(s + 4) || read_packet(reply, sizeof(reply)))
			return -1;
		printf("RSP %s -> %s\n", s + 4, reply);
	} else if (!strncmp(s, "send:", 5)) {
		if (send_packet(s + 5))
			return -1;
		printf("RSP %s sent\n", s + 5);
	} else if (!strcmp(s, "interrupt")) {
		if (write(fd, "\x03", 1) != 1 || read_packet(reply, sizeof(reply)))
			return -1;
		printf("RSP interrupt -> %s\n", reply);
	} else if (!strncmp(s, "wait:", 5)) {
		while (stat(s + 5, &st))
			usleep(50000);
	} else if (!strncmp(s, "say:", 4)) {
		printf("%s\n", s + 4);
	} else {
		fprintf(stderr, "rsp-client: unknown step %s\n", s);
		return -1;
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };

	if (argc < 2) {
		fprintf(stderr, "usage: rsp-client PORT STEP...\n");
		return 2;
	}
	addr.sin_port = htons((uint16_t)atoi(argv[1]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("rsp-client: connect");
		return 1;
	}
	for (int i = 2; i < argc; i++)
		if (step(argv[i])) {
			fprintf(stderr, "rsp-client: step %s failed\n", argv[i]);
			return 1;
		}
	close(fd);
	return 0;
}
