/*
 * What a restore runs: the snapshot's options without the old process's
 * own (its control socket, its GDB server), then the restore's, which may
 * not change the machine.
 */
#include <errno.h>
#include <string.h>

#include "a64vm/snapshot_conf.h"
#include "unit.h"

static struct snapshot_index ix;
static uint8_t file[8192];

static const struct snapshot_section *saved(int argc, char *const argv[])
{
	struct snapshot_writer w;
	const uint8_t *b;
	size_t len;
	char err[160];

	snapshot_writer_init(&w);
	snapshot_conf_save(&w, argc, argv);
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &b, &len), 0);
	memcpy(file, b, len);
	snapshot_writer_free(&w);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(file, len, &ix, err, sizeof(err)), 0);
	return snapshot_find(&ix, SNAPSHOT_CONF_TAG, 0);
}

static void expect_argv(char **got, int n, const char *const *want)
{
	int i;

	for (i = 0; i < n && want[i]; i++)
		CU_ASSERT_STRING_EQUAL(got[i], want[i]);
	CU_ASSERT_EQUAL(i, n);
	CU_ASSERT_PTR_NULL(want[i]);
}

static void test_merge(void)
{
	char *const run[] = { "--kernel", "/g/Image", "--control", "/tmp/old.sock", "--cpus=4",
			      "--gdb", "tcp:1234", "--verbose", "--append", "console=ttyAMA0" };
	char *const restore[] = { "a64vm", "run", "--restore", "/snap", "--control",
				  "/tmp/new.sock" };
	static const char *const want[] = { "a64vm", "run", "--kernel", "/g/Image", "--cpus=4",
					    "--append", "console=ttyAMA0", "--restore", "/snap",
					    "--control", "/tmp/new.sock", NULL };
	char **out = NULL, err[200] = "";
	int n = 0;

	CU_ASSERT_EQUAL_FATAL(snapshot_conf_merge(saved(10, run), 6, restore, &out, &n, err,
						  sizeof(err)), 0);
	expect_argv(out, n, want);
	snapshot_conf_free(out, n);
}

static void test_restore_may_not_change_the_machine(void)
{
	char *const run[] = { "--kernel", "/g/Image" };
	char *const restore[] = { "a64vm", "run", "--restore", "/snap", "--cpus", "2" };
	char **out = NULL, err[200] = "";
	int n = 0;

	CU_ASSERT_EQUAL(snapshot_conf_merge(saved(2, run), 6, restore, &out, &n, err,
					    sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--cpus: with --restore"));
	CU_ASSERT_PTR_NULL(out);
}

/* A CONF section announcing count options, with the one blob given. */
static const struct snapshot_section *raw_conf(uint32_t count, const char *arg, uint32_t len)
{
	struct snapshot_writer w;
	const uint8_t *b;
	size_t n;
	char err[160];

	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, SNAPSHOT_CONF_TAG, 0);
	snapshot_put_u32(&w, count);
	snapshot_put_blob(&w, arg, len);
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &b, &n), 0);
	memcpy(file, b, n);
	snapshot_writer_free(&w);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(file, n, &ix, err, sizeof(err)), 0);
	return &ix.sections[0];
}

static void test_broken_section(void)
{
	char *const restore[] = { "a64vm", "run", "--restore", "/snap" };
	char **out = NULL, err[200] = "";
	int n = 0;

	/* Two options announced, one there; then one with a NUL inside. */
	CU_ASSERT_EQUAL(snapshot_conf_merge(raw_conf(2, "--kernel", 8), 4, restore, &out, &n, err,
					    sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cut short"));
	CU_ASSERT_EQUAL(snapshot_conf_merge(raw_conf(1, "--ker\0nel", 9), 4, restore, &out, &n,
					    err, sizeof(err)), -EINVAL);
	/* No section at all. */
	CU_ASSERT_EQUAL(snapshot_conf_merge(NULL, 4, restore, &out, &n, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing"));
}

const char unit_suite_name[] = "snapshot_conf";
const struct unit_test unit_tests[] = {
	{ "the snapshot's options, then the restore's own", test_merge },
	{ "a restore option that changes the machine is refused", test_restore_may_not_change_the_machine },
	{ "a broken options section is refused", test_broken_section },
	{ NULL, NULL },
};
