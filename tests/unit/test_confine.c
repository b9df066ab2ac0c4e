/* --user USER[:GROUP]: names and numbers, through passwd and group files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a64vm/confine.h"
#include "unit.h"

static char passwd[] = "/tmp/a64vm-passwd-XXXXXX", group[] = "/tmp/a64vm-group-XXXXXX";

static void write_tmp(char *path, const char *text)
{
	FILE *f;
	int fd;

	memcpy(path + strlen(path) - 6, "XXXXXX", 6); /* a template again */
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_resolve(void)
{
	unsigned uid = 0, gid = 0;

	write_tmp(passwd, "root:x:0:0:root:/root:/bin/sh\n"
			  "broken line\n"
			  "tester:x:1000:1001::/home/tester:/bin/sh\n"
			  "odd:x:notanumber:5::/:/bin/sh\n"
			  "nopw::1002:1003::/:/bin/sh\n");
	write_tmp(group, "root:x:0:\nkvm:x:993:tester\n");
	CU_ASSERT_EQUAL(confine_resolve_user("tester", passwd, group, &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 1000);
	CU_ASSERT_EQUAL(gid, 1001); /* the primary group */
	CU_ASSERT_EQUAL(confine_resolve_user("tester:kvm", passwd, group, &uid, &gid), 0);
	CU_ASSERT_EQUAL(gid, 993);
	CU_ASSERT_EQUAL(confine_resolve_user("4242", passwd, group, &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 4242);
	CU_ASSERT_EQUAL(gid, 4242); /* a bare number: its own group */
	CU_ASSERT_EQUAL(confine_resolve_user("4242:77", passwd, group, &uid, &gid), 0);
	CU_ASSERT_EQUAL(gid, 77);
	/* an empty password field is still a field */
	CU_ASSERT_EQUAL(confine_resolve_user("nopw", passwd, group, &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 1002);
	CU_ASSERT_EQUAL(gid, 1003);
	CU_ASSERT_EQUAL(confine_resolve_user("nobody", passwd, group, &uid, &gid), -ENOENT);
	CU_ASSERT_EQUAL(confine_resolve_user("odd", passwd, group, &uid, &gid), -ENOENT);
	CU_ASSERT_EQUAL(confine_resolve_user("tester:nogroup", passwd, group, &uid, &gid),
			-ENOENT);
	CU_ASSERT_EQUAL(confine_resolve_user("12x", passwd, group, &uid, &gid), -ENOENT);
	CU_ASSERT_EQUAL(confine_resolve_user("99999999999", passwd, group, &uid, &gid),
			-ENOENT);
	CU_ASSERT_EQUAL(confine_resolve_user("tester", "/nonexistent", group, &uid, &gid),
			-ENOENT);
	unlink(passwd);
	unlink(group);
}

/*
 * Defect: lines were read 511 bytes at a time, so the rest of a long line
 * (a long comment field) was taken for a line of its own.
 */
static void test_long_lines(void)
{
	char text[2048];
	unsigned uid = 7, gid = 7;
	int n = snprintf(text, sizeof(text), "a:x:1:1:%0503d", 0);

	snprintf(text + n, sizeof(text) - (size_t)n,
		 "evil:x:0:0::/:/bin/sh\nafter:x:1005:1006::/:/bin/sh\n");
	write_tmp(passwd, text);
	write_tmp(group, "root:x:0:\n");
	CU_ASSERT_EQUAL(confine_resolve_user("evil", passwd, group, &uid, &gid), -ENOENT);
	CU_ASSERT_EQUAL(confine_resolve_user("after", passwd, group, &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 1005);
	CU_ASSERT_EQUAL(confine_resolve_user("a", passwd, group, &uid, &gid), 0);
	CU_ASSERT_EQUAL(uid, 1);
	unlink(passwd);
	unlink(group);
}

const char unit_suite_name[] = "confine";
const struct unit_test unit_tests[] = {
	{ "users and groups", test_resolve },
	{ "lines longer than any buffer", test_long_lines },
	{ NULL, NULL },
};
