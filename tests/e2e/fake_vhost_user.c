/*
 * A UNIX-socket listener that is not a working virtio-fs daemon, for the
 * tests of a64vm's --fs socket=: it accepts one connection and then
 *   silent      reads and never answers (a hung daemon, or no daemon at all);
 *   http        answers an HTTP error (a socket of another protocol);
 *   nofeatures  answers as vhost-user does, offering no features at all.
 * usage: fake-vhost-user MODE SOCKET
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define GET_FEATURES 1
#define REPLY_FLAGS 0x5 /* version 1, reply */

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

int main(int argc, char **argv)
{
	static const char http[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	char buf[512];
	int l, c;

	if (argc != 3 || (l = listen_on(argv[2])) < 0) {
		fprintf(stderr, "usage: fake-vhost-user silent|http|nofeatures SOCKET\n");
		return 2;
	}
	printf("FAKE-VHOST-LISTENING\n");
	fflush(stdout);
	c = accept(l, NULL, NULL);
	if (c < 0)
		return 1;
	if (!strcmp(argv[1], "http")) {
		if (read(c, buf, sizeof(buf)) > 0 && write(c, http, sizeof(http) - 1) < 0)
			return 1;
	} else if (!strcmp(argv[1], "nofeatures")) {
		no_features(c);
	}
	while (read(c, buf, sizeof(buf)) > 0)
		; /* silent: hold the connection until the peer goes */
	return 0;
}
