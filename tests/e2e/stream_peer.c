/*
 * A hostile peer for --net stream=PATH (tests/e2e/scenarios/
 * virtio_net_hostile.sh): it listens on the UNIX socket PATH, takes one
 * connection, and then
 *   stream-peer badlen PATH   sends a length no frame has (0xffffffff)
 *   stream-peer deaf PATH     never reads (nor writes)
 * and holds the connection until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "stream-peer: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ls, fd;

	if (argc != 3 || (strcmp(argv[1], "badlen") && strcmp(argv[1], "deaf")) ||
	    strlen(argv[2]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: stream-peer badlen|deaf PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[2]);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1))
		return fail(argv[2]);
	fd = accept(ls, NULL, NULL);
	if (fd < 0)
		return fail("accept");
	if (!strcmp(argv[1], "badlen") && write(fd, "\xff\xff\xff\xff", 4) != 4)
		return fail("write");
	for (;;)
		pause();
}
