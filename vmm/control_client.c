/*
 * a64vm ctl PATH COMMAND [addr=N] [len=N], or ctl PATH snapshot DIR
 * [--paused]: one request, its reply on stdout.
 */
#include "a64vm/control.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "a64vm/control_proto.h"

static int usage(void)
{
	fprintf(stderr, "usage: a64vm ctl PATH status|pause|resume|powerdown|reset|"
			"quit|read-phys [addr=N len=N]|snapshot DIR [--paused]\n");
	return 2;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define SHORT_REQUEST 512

/* Appends to out (size bytes, *len used); -E2BIG once it does not fit. */
static int append(char *out, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int append(char *out, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return -E2BIG;
	*len += (size_t)n;
	return 0;
}

/* {"cmd":"snapshot","dir":"/abs/DIR"[,"paused":1]}: a relative DIR is the client's. */
static int build_snapshot(int argc, char **argv, char *out, size_t size)
{
	char path[CONTROL_MAX_PATH] = "";
	size_t len = 0, at = 0;
	int ret;

	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "--paused")) || !argv[4][0])
		return -EINVAL;
	if (argv[4][0] != '/') {
		if (!getcwd(path, sizeof(path)))
			return -errno;
		at = strlen(path);
		path[at++] = '/';
	}
	if (strlen(argv[4]) >= sizeof(path) - at)
		return -ENAMETOOLONG;
	strcpy(path + at, argv[4]);
	ret = append(out, size, &len, "{\"cmd\":\"snapshot\",\"dir\":\"");
	for (const char *c = path; *c && !ret; c++) {
		if ((unsigned char)*c < 0x20)
			return -EINVAL;
		ret = append(out, size, &len, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
	}
	return ret ? ret : append(out, size, &len, "\"%s}\n", argc == 6 ? ",\"paused\":1" : "");
}

/* Builds the request line from the command and key=value arguments. */
static int build_request(int argc, char **argv, char *out, size_t size)
{
	size_t len = 0;
	int ret;

	if (!strcmp(argv[3], "snapshot"))
		return build_snapshot(argc, argv, out, size);
	/* Other requests are short: a long one is a mistake, told by the usage. */
	size = size < SHORT_REQUEST ? size : SHORT_REQUEST;
	if (!argv[3][0] || strspn(argv[3], LOWER "-") != strlen(argv[3]))
		return -EINVAL;
	ret = append(out, size, &len, "{\"cmd\":\"%s\"", argv[3]);
	for (int i = 4; i < argc && !ret; i++) {
		const char *eq = strchr(argv[i], '=');
		unsigned long long v;
		char *end;

		if (!eq || eq == argv[i] || strspn(argv[i], LOWER) != (size_t)(eq - argv[i]))
			return -EINVAL;
		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (!eq[1] || *end || errno)
			return -EINVAL;
		ret = append(out, size, &len, ",\"%.*s\":%llu", (int)(eq - argv[i]),
			     argv[i], v);
	}
	return ret ? ret : append(out, size, &len, "}\n");
}

int control_client_main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char req[2 * CONTROL_MAX_PATH + 512], reply[CONTROL_MAX_READ * 2 + 512];
	size_t got = 0;
	int fd;

	if (argc < 4 || strlen(argv[2]) >= sizeof(addr.sun_path) ||
	    build_request(argc, argv, req, sizeof(req)))
		return usage();
	strcpy(addr.sun_path, argv[2]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "a64vm: error: cannot connect to %s: %s\n", argv[2],
			strerror(errno));
		return 1;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "a64vm: error: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	while (got < sizeof(reply) - 1) {
		ssize_t n = read(fd, reply + got, sizeof(reply) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	if (!got) {
		fprintf(stderr, "a64vm: error: %s closed without a reply\n", argv[2]);
		return 1;
	}
	fputs(reply, stdout);
	return strstr(reply, "\"ok\":true") ? 0 : 1;
}
