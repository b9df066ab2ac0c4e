/*
 * a64vm ctl PATH COMMAND [addr=N] [len=N], ctl PATH snapshot|restore DIR
 * [--paused], ctl PATH checkpoint|rewind NAME [--paused]: one request, its
 * reply on stdout. ctl PATH -: such commands from stdin, a line each, on
 * one connection, a reply line each.
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
	fprintf(stderr, "usage: a64vm ctl PATH status|pause|resume|powerdown|reset|quit|"
			"read-phys addr=N len=N|digest addr=N len=N|snapshot DIR [--paused]|"
			"restore DIR [--paused]|checkpoint NAME [--paused]|rewind NAME [--paused]|"
			"- (those from stdin, a line each)\n");
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

/* An argument as a JSON string's characters. */
static int append_escaped(char *out, size_t size, size_t *len, const char *s)
{
	int ret = 0;

	for (const char *c = s; *c && !ret; c++) {
		if ((unsigned char)*c < 0x20)
			return -EINVAL;
		ret = append(out, size, len, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
	}
	return ret;
}

/*
 * {"cmd":"snapshot","dir":"/abs/DIR"[,"paused":1]} (a relative DIR is the
 * client's; restore alike), or {"cmd":"rewind","name":"NAME"[,"paused":1]}
 * (checkpoint alike).
 */
static int build_with_arg(int argc, char **argv, char *out, size_t size)
{
	bool dir = !strcmp(argv[3], "snapshot") || !strcmp(argv[3], "restore");
	char path[CONTROL_MAX_PATH] = "";
	size_t len = 0, at = 0;
	int ret;

	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "--paused")) || !argv[4][0])
		return -EINVAL;
	if (dir && argv[4][0] != '/') {
		if (!getcwd(path, sizeof(path)))
			return -errno;
		at = strlen(path);
		path[at++] = '/';
	}
	if (strlen(argv[4]) >= sizeof(path) - at)
		return -ENAMETOOLONG;
	strcpy(path + at, argv[4]);
	ret = append(out, size, &len, "{\"cmd\":\"%s\",\"%s\":\"", argv[3], dir ? "dir" : "name");
	if (!ret)
		ret = append_escaped(out, size, &len, path);
	return ret ? ret : append(out, size, &len, "\"%s}\n", argc == 6 ? ",\"paused\":1" : "");
}

/* Builds the request line from the command and key=value arguments. */
static int build_request(int argc, char **argv, char *out, size_t size)
{
	size_t len = 0;
	int ret;

	if (!strcmp(argv[3], "snapshot") || !strcmp(argv[3], "restore") ||
	    !strcmp(argv[3], "checkpoint") || !strcmp(argv[3], "rewind"))
		return build_with_arg(argc, argv, out, size);
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

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(addr.sun_path, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "a64vm: error: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One request and its reply line, printed: 0 when it says ok, 1 otherwise. */
static int exchange(int fd, const char *path, const char *req)
{
	char reply[CONTROL_MAX_READ * 2 + 512];
	size_t got = 0;

	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "a64vm: error: %s: %s\n", path, strerror(errno));
		return 1;
	}
	/* A byte at a time: the next reply stays in the socket for the next request. */
	while (got < sizeof(reply) - 1) {
		ssize_t n = read(fd, reply + got, 1);

		if (n <= 0)
			break;
		if (reply[got++] == '\n')
			break;
	}
	reply[got] = '\0';
	if (!got) {
		fprintf(stderr, "a64vm: error: %s closed without a reply\n", path);
		return 1;
	}
	fputs(reply, stdout);
	fflush(stdout);
	return strstr(reply, "\"ok\":true") ? 0 : 1;
}

#define MAX_WORDS 8

/* ctl PATH -: each line of stdin a command with its arguments. */
static int batch(int fd, const char *path)
{
	char line[CONTROL_MAX_PATH + 64], req[2 * CONTROL_MAX_PATH + 512];
	int status = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *words[MAX_WORDS + 3] = { "a64vm", "ctl", (char *)path }, *save = NULL;
		int n = 3;

		for (char *w = strtok_r(line, " \t\r\n", &save); w && n < MAX_WORDS + 3;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		if (n == 3)
			continue;
		if (build_request(n, words, req, sizeof(req))) {
			printf("{\"ok\":false,\"error\":\"not a command this client knows\"}\n");
			status = 1;
			continue;
		}
		if (exchange(fd, path, req))
			status = 1;
	}
	return status;
}

int control_client_main(int argc, char **argv)
{
	char req[2 * CONTROL_MAX_PATH + 512];
	int fd, ret;

	if (argc < 4 || strlen(argv[2]) >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
	    (strcmp(argv[3], "-") && build_request(argc, argv, req, sizeof(req))) ||
	    (!strcmp(argv[3], "-") && argc != 4))
		return usage();
	fd = connect_to(argv[2]);
	if (fd < 0)
		return 1;
	ret = strcmp(argv[3], "-") ? exchange(fd, argv[2], req) : batch(fd, argv[2]);
	close(fd);
	return ret;
}
