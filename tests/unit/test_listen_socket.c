/* Listening UNIX sockets: what may be replaced at the path, and the mode. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a64vm/listen_socket.h"
#include "unit.h"

static char dir[] = "/tmp/a64vm-sock-XXXXXX";
static char sock[64], target[64];

static void setup(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/s", dir);
	snprintf(target, sizeof(target), "%s/precious", dir);
}

static void teardown(void)
{
	unlink(sock);
	unlink(target);
	rmdir(dir);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

static void write_file(const char *path)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("keep me", f);
	fclose(f);
}

static bool file_intact(const char *path)
{
	char buf[16] = "";
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "keep me");

	if (f)
		fclose(f);
	return ok;
}

static void test_mode_and_stale(void)
{
	struct stat st;
	int fd, again;

	setup();
	fd = listen_unix(sock, NULL);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(lstat(sock, &st), 0);
	CU_ASSERT_TRUE(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	/* someone listens there: not taken over */
	CU_ASSERT_EQUAL(listen_unix(sock, NULL), -EADDRINUSE);
	/* the listener is gone, its file left behind: replaced */
	close(fd);
	again = listen_unix(sock, NULL);
	CU_ASSERT_TRUE(again >= 0);
	close(again);
	teardown();
}

static void test_never_a_file_or_link(void)
{
	struct stat st;
	int fd;

	setup();
	/* a regular file at the path is refused, and stays */
	write_file(sock);
	CU_ASSERT_EQUAL(listen_unix(sock, NULL), -EADDRINUSE);
	CU_ASSERT_TRUE(file_intact(sock));
	unlink(sock);
	/* a link to a file: refused; neither the link nor its target touched */
	write_file(target);
	chmod(target, 0644);
	CU_ASSERT_EQUAL_FATAL(symlink(target, sock), 0);
	CU_ASSERT_EQUAL(listen_unix(sock, NULL), -EADDRINUSE);
	CU_ASSERT_EQUAL(lstat(sock, &st), 0);
	CU_ASSERT_TRUE(S_ISLNK(st.st_mode));
	CU_ASSERT_TRUE(file_intact(target));
	CU_ASSERT_EQUAL(stat(target, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
	unlink(sock);
	/* a link to a stale socket is not a stale socket: refused */
	fd = listen_unix(sock, NULL);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(rename(sock, target), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, sock), 0);
	CU_ASSERT_EQUAL(listen_unix(sock, NULL), -EADDRINUSE);
	CU_ASSERT_EQUAL(lstat(target, &st), 0);
	CU_ASSERT_TRUE(S_ISSOCK(st.st_mode));
	teardown();
}

/*
 * Defect: with --chroot, a64vm unlinked its sockets by a path that then
 * named something else. Removal goes through the directory opened at the
 * start, and only while the name is still the socket made there.
 */
static void test_removed_through_its_directory(void)
{
	char moved[64], old_socket[96];
	struct unix_socket_owner o;
	struct stat st;
	int fd;

	setup();
	snprintf(moved, sizeof(moved), "%s.moved", dir);
	fd = listen_unix(sock, &o);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	close(fd);
	/* the path now leads elsewhere, where a file of the same name sits */
	CU_ASSERT_EQUAL_FATAL(rename(dir, moved), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	write_file(sock);
	listen_unix_remove(&o);
	CU_ASSERT_TRUE(file_intact(sock));
	snprintf(old_socket, sizeof(old_socket), "%s/s", moved);
	CU_ASSERT_NOT_EQUAL(lstat(old_socket, &st), 0); /* the socket itself went */
	CU_ASSERT_EQUAL(o.dir_fd, -1);
	listen_unix_remove(&o); /* once only */
	rmdir(moved);
	teardown();

	/* a file put in the socket's place is left alone */
	setup();
	fd = listen_unix(sock, &o);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	close(fd);
	unlink(sock);
	write_file(sock);
	listen_unix_remove(&o);
	CU_ASSERT_TRUE(file_intact(sock));
	teardown();
}

const char unit_suite_name[] = "listen_socket";
const struct unit_test unit_tests[] = {
	{ "mode 0600, a stale socket replaced", test_mode_and_stale },
	{ "never a file or a link", test_never_a_file_or_link },
	{ "removed through its directory, only itself", test_removed_through_its_directory },
	{ NULL, NULL },
};
