/* Reading files: whole, a head, or straight into a buffer with a helper. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a64vm/boot.h"
#include "a64vm/file.h"
#include "unit.h"

#define BIG (5u << 20) /* over 4 MiB: a helper thread reads the second half */

static char path[64];

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 12));
}

static void make_file(size_t len)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/a64vm-test-file-%d", (int)getpid());
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (size_t i = 0; i < len; i++)
		fputc(pattern(i), f);
	fclose(f);
}

static void test_head(void)
{
	uint8_t head[100];
	size_t avail = sizeof(head), size;

	make_file(60);
	CU_ASSERT_EQUAL(file_read_head(path, 1 << 20, head, &avail, &size), 0);
	CU_ASSERT_EQUAL(avail, 60);
	CU_ASSERT_EQUAL(size, 60);
	CU_ASSERT_EQUAL(head[59], pattern(59));
	make_file(1000);
	avail = sizeof(head);
	CU_ASSERT_EQUAL(file_read_head(path, 1 << 20, head, &avail, &size), 0);
	CU_ASSERT_EQUAL(avail, 100);
	CU_ASSERT_EQUAL(size, 1000);
	avail = 0; /* the size alone */
	CU_ASSERT_EQUAL(file_read_head(path, 1 << 20, NULL, &avail, &size), 0);
	CU_ASSERT_EQUAL(size, 1000);
	CU_ASSERT_EQUAL(file_read_head(path, 999, head, &avail, &size), -EFBIG);
	CU_ASSERT_EQUAL(file_read_head("/tmp", 1 << 20, head, &avail, &size), -EISDIR);
	CU_ASSERT_EQUAL(file_read_head("/nonexistent", 1 << 20, head, &avail, &size), -ENOENT);
	unlink(path);
}

/* With and without the helper thread: every byte, in its place. */
static void test_into(void)
{
	uint8_t *buf = malloc(BIG + 1);
	bool same = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	make_file(BIG);
	for (int helper = 0; helper < 2; helper++) {
		memset(buf, 0, BIG + 1);
		CU_ASSERT_EQUAL(file_read_into(path, buf, BIG, helper), 0);
		for (size_t i = 0; i < BIG; i++)
			same &= buf[i] == pattern(i);
		CU_ASSERT_TRUE(same);
		CU_ASSERT_EQUAL(buf[BIG], 0);
	}
	/* The file shrank since its size was taken. */
	CU_ASSERT_EQUAL(file_read_into(path, buf, BIG + 1, true), -EIO);
	CU_ASSERT_EQUAL(file_read_into(path, buf, BIG + 1, false), -EIO);
	unlink(path);
	CU_ASSERT_EQUAL(file_read_into(path, buf, 10, true), -ENOENT);
	free(buf);
}

/*
 * An uncompressed Image stays in its file (checked from its head); a
 * file too small to be one is read whole and refused as before.
 */
static void test_kernel_left_in_file(void)
{
	struct boot_kernel k;
	FILE *f;
	uint8_t hdr[64] = { 0 };

	snprintf(path, sizeof(path), "/tmp/a64vm-test-image-%d", (int)getpid());
	hdr[16] = 0x00, hdr[17] = 0x00, hdr[18] = 0x40; /* image_size 4 MiB */
	memcpy(hdr + 56, "ARM\x64", 4);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(hdr, 1, sizeof(hdr), f);
	for (unsigned i = 0; i < 3u << 20; i++)
		fputc(1, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(boot_read_kernel(path, &k), 0);
	CU_ASSERT_EQUAL(k.kind, BOOT_LINUX);
	CU_ASSERT_PTR_NULL(k.data);
	CU_ASSERT_PTR_EQUAL(k.path, path);
	CU_ASSERT_EQUAL(k.len, sizeof(hdr) + (3u << 20));
	CU_ASSERT_EQUAL(k.info.image_size, 4u << 20);
	/* image_size below the file's length: refused from the head too */
	hdr[18] = 0x10;
	f = fopen(path, "r+b");
	fwrite(hdr, 1, sizeof(hdr), f);
	fclose(f);
	CU_ASSERT_EQUAL(boot_read_kernel(path, &k), -EINVAL);
	unlink(path);
}

/* A file's identity: the same until written (mtime set back) or replaced. */
static void test_identity(void)
{
	struct file_identity a, b;
	struct timespec old[2] = { { 1000, 5 }, { 1000, 5 } };
	int fd;

	make_file(100);
	fd = open(path, O_RDWR);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(futimens(fd, old), 0);
	CU_ASSERT_EQUAL(file_identity_of(fd, &a), 0);
	CU_ASSERT_EQUAL(a.size, 100);
	CU_ASSERT_EQUAL(a.mtime_ns, 1000000000005ull);
	CU_ASSERT_EQUAL(file_identity_of(fd, &b), 0);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	CU_ASSERT_EQUAL(pwrite(fd, "x", 1, 0), 1); /* written: a new mtime, the same size */
	CU_ASSERT_EQUAL(file_identity_of(fd, &b), 0);
	CU_ASSERT_EQUAL(b.ino, a.ino);
	CU_ASSERT_EQUAL(b.size, 100);
	CU_ASSERT_NOT_EQUAL(b.mtime_ns, a.mtime_ns);
	close(fd);
	CU_ASSERT_EQUAL(file_identity_of(fd, &b), -EBADF);
	unlink(path);
}

/* What a restore says of a file that changed, and what force takes. */
static void test_identity_refusal(void)
{
	const struct file_identity then = { 7, 100, 5000 };
	struct file_identity now = then;

	CU_ASSERT_PTR_NULL(file_identity_refusal(&then, &now, false));
	now.mtime_ns++;
	CU_ASSERT_STRING_EQUAL(file_identity_refusal(&then, &now, false),
			       "written since the snapshot (--restore-force takes it as it is)");
	CU_ASSERT_PTR_NULL(file_identity_refusal(&then, &now, true));
	now.ino++;
	CU_ASSERT_STRING_EQUAL(file_identity_refusal(&then, &now, false),
			       "replaced since the snapshot (--restore-force takes it as it is)");
	CU_ASSERT_PTR_NULL(file_identity_refusal(&then, &now, true));
	now = then;
	now.size++;
	CU_ASSERT_PTR_NOT_NULL(file_identity_refusal(&then, &now, true)); /* never taken */
	CU_ASSERT_PTR_NOT_NULL(strstr(file_identity_refusal(&then, &now, false), "resized"));
}

const char unit_suite_name[] = "file";
const struct unit_test unit_tests[] = {
	{ "a file's head and size", test_head },
	{ "straight into a buffer, with a helper thread", test_into },
	{ "an Image left in its file", test_kernel_left_in_file },
	{ "a file's identity", test_identity },
	{ "a changed file's refusal", test_identity_refusal },
	{ NULL, NULL },
};
