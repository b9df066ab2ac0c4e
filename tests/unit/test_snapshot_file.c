/*
 * The snapshot's state file: what the writer makes the reader takes back
 * field by field; every damage docs/snapshot.md lists is refused with its
 * reason before a section is used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/snapshot_file.h"
#include "unit.h"

#define VCPU SNAPSHOT_TAG('V', 'C', 'P', 'U')
#define GICD SNAPSHOT_TAG('G', 'I', 'C', 'D')

static uint8_t file[4096];
static size_t file_len;

/* Two vCPUs and a distributor, with each kind of field. */
static void make_file(void)
{
	struct snapshot_writer w;
	const uint8_t *b;
	static const char blob[] = "pl011";

	snapshot_writer_init(&w);
	for (uint32_t i = 0; i < 2; i++) {
		snapshot_writer_begin(&w, VCPU, i);
		snapshot_put_u64(&w, 0x6030000000100000ull + i); /* a register's id */
		snapshot_put_u32(&w, 0xdeadbeef);
	}
	snapshot_writer_begin(&w, GICD, 0);
	snapshot_put_blob(&w, blob, 5); /* 9 bytes: the section is padded */
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &b, &file_len), 0);
	CU_ASSERT_FATAL(file_len <= sizeof(file));
	memcpy(file, b, file_len);
	snapshot_writer_free(&w);
}

static void test_round_trip(void)
{
	static struct snapshot_index ix;
	struct snapshot_cursor c;
	const uint8_t *p;
	uint32_t n;
	char err[160] = "";

	make_file();
	CU_ASSERT_EQUAL(file_len, SNAPSHOT_HEADER_LEN + 3 * (SNAPSHOT_SECTION_HEADER_LEN + 16));
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(file, file_len, &ix, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ix.version, SNAPSHOT_VERSION);
	CU_ASSERT_EQUAL(ix.nsections, 3);
	snapshot_cursor_init(&c, snapshot_find(&ix, VCPU, 1));
	CU_ASSERT_EQUAL(snapshot_get_u64(&c), 0x6030000000100001ull);
	CU_ASSERT_FALSE(snapshot_cursor_done(&c)); /* a field is left */
	CU_ASSERT_EQUAL(snapshot_get_u32(&c), 0xdeadbeef);
	CU_ASSERT_TRUE(snapshot_cursor_done(&c));
	snapshot_cursor_init(&c, snapshot_find(&ix, GICD, 0));
	p = snapshot_get_blob(&c, &n);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_TRUE(p && !memcmp(p, "pl011", 5));
	CU_ASSERT_TRUE(snapshot_cursor_done(&c));
	CU_ASSERT_PTR_NULL(snapshot_find(&ix, GICD, 1));
}

static void test_cursor_past_end(void)
{
	static struct snapshot_index ix;
	struct snapshot_cursor c;
	char err[160];
	uint8_t out[4];

	make_file();
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(file, file_len, &ix, err, sizeof(err)), 0);
	snapshot_cursor_init(&c, snapshot_find(&ix, VCPU, 0));
	snapshot_get_u64(&c);
	CU_ASSERT_EQUAL(snapshot_get_u64(&c), 0); /* 4 bytes left, not 8 */
	CU_ASSERT_TRUE(c.bad);
	CU_ASSERT_EQUAL(snapshot_get_u32(&c), 0); /* and it stays bad */
	snapshot_get_bytes(&c, out, sizeof(out));
	CU_ASSERT_EQUAL(out[0] | out[1] | out[2] | out[3], 0);
	CU_ASSERT_FALSE(snapshot_cursor_done(&c));
	snapshot_cursor_init(&c, NULL); /* a section that is not there */
	CU_ASSERT_EQUAL(snapshot_get_u32(&c), 0);
	CU_ASSERT_FALSE(snapshot_cursor_done(&c));
}

static void test_blob_longer_than_section(void)
{
	struct snapshot_writer w;
	static struct snapshot_index ix;
	struct snapshot_cursor c;
	const uint8_t *b;
	size_t len;
	uint32_t n = 7;
	char err[160];

	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, GICD, 0);
	snapshot_put_u32(&w, 1000); /* a blob's length, 1000 bytes it does not have */
	snapshot_put_u32(&w, 0);
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &b, &len), 0);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(b, len, &ix, err, sizeof(err)), 0);
	snapshot_cursor_init(&c, &ix.sections[0]);
	CU_ASSERT_PTR_NULL(snapshot_get_blob(&c, &n));
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_TRUE(c.bad);
	snapshot_writer_free(&w);
}

static void set32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The file with one change, and the header's checksum made right again. */
static int parse_changed(size_t at, uint32_t v, bool fix_crc, char *err, size_t errlen)
{
	static uint8_t copy[4096];
	static struct snapshot_index ix;

	memcpy(copy, file, file_len);
	set32(copy + at, v);
	if (fix_crc)
		set32(copy + 44, snapshot_crc32c(0, copy, 44));
	return snapshot_parse(copy, file_len, &ix, err, errlen);
}

static void expect_refusal(int ret, const char *err, const char *says)
{
	CU_ASSERT_EQUAL(ret, -EINVAL);
	if (!strstr(err, says))
		fprintf(stderr, "\n  refusal \"%s\" does not say \"%s\"", err, says);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, says));
}

static void test_refusals(void)
{
	static struct snapshot_index ix;
	char err[160];
	size_t gicd = SNAPSHOT_HEADER_LEN + 2 * (SNAPSHOT_SECTION_HEADER_LEN + 16);

	make_file();
	for (size_t cut = 0; cut < file_len; cut++) { /* every truncation */
		err[0] = 0;
		CU_ASSERT_EQUAL(snapshot_parse(file, cut, &ix, err, sizeof(err)), -EINVAL);
		CU_ASSERT_NOT_EQUAL(err[0], 0);
	}
	expect_refusal(snapshot_parse(file, 40, &ix, err, sizeof(err)), err, "truncated");
	expect_refusal(snapshot_parse(file, file_len - 8, &ix, err, sizeof(err)), err,
		       "truncated");
	expect_refusal(snapshot_parse((const uint8_t *)"ELF", 3, &ix, err, sizeof(err)), err,
		       "not an a64vm snapshot");
	expect_refusal(parse_changed(8, 2, true, err, sizeof(err)), err,
		       "made by a newer a64vm (format 2; this one reads up to 1)");
	expect_refusal(parse_changed(8, 0, true, err, sizeof(err)), err, "format 0");
	expect_refusal(parse_changed(16, 4, false, err, sizeof(err)), err,
		       "header is corrupted (checksum)");
	expect_refusal(parse_changed(20, 1, true, err, sizeof(err)), err,
		       "fields format 1 does not define");
	expect_refusal(parse_changed(16, 300, true, err, sizeof(err)), err,
		       "300 sections, more than 256");
	expect_refusal(parse_changed(16, 4, true, err, sizeof(err)), err, "runs past the end");
	expect_refusal(parse_changed(16, 2, true, err, sizeof(err)), err,
		       "after its last section");
	/* A byte of the distributor's section changed: that section named. */
	expect_refusal(parse_changed(gicd + SNAPSHOT_SECTION_HEADER_LEN + 4, 0x41414141, true,
				     err, sizeof(err)),
		       err, "section GICD.0 is corrupted (checksum)");
	expect_refusal(parse_changed(gicd + 8, 100, true, err, sizeof(err)), err,
		       "section GICD.0 runs past the end");
	expect_refusal(parse_changed(gicd + SNAPSHOT_SECTION_HEADER_LEN + 12, 0x100, true, err,
				     sizeof(err)),
		       err, "section GICD.0 is padded with other than zeros");
	/* A section's header is in its checksum: another instance number. */
	expect_refusal(parse_changed(gicd + 4, 1, true, err, sizeof(err)), err,
		       "section GICD.1 is corrupted (checksum)");
	expect_refusal(parse_changed(gicd + 20, 1, true, err, sizeof(err)), err,
		       "section GICD.0 has a header");
}

static void test_duplicate(void)
{
	struct snapshot_writer w;
	static struct snapshot_index ix;
	const uint8_t *b;
	size_t len;
	char err[160];

	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, VCPU, 0);
	snapshot_writer_begin(&w, VCPU, 0);
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &b, &len), 0);
	expect_refusal(snapshot_parse(b, len, &ix, err, sizeof(err)), err,
		       "section VCPU.0 appears twice");
	snapshot_writer_free(&w);
}

static void test_file_longer(void)
{
	static uint8_t longer[4096 + 8];
	static struct snapshot_index ix;
	char err[160];

	make_file();
	memcpy(longer, file, file_len);
	expect_refusal(snapshot_parse(longer, file_len + 8, &ix, err, sizeof(err)), err,
		       "8 bytes after its end");
}

static void test_writer_limits(void)
{
	struct snapshot_writer w;
	const uint8_t *b;
	size_t len;
	static uint8_t big[1 << 20];

	snapshot_writer_init(&w);
	snapshot_put_u32(&w, 1); /* outside any section */
	CU_ASSERT_EQUAL(snapshot_writer_finish(&w, &b, &len), -EINVAL);
	snapshot_writer_free(&w);

	for (unsigned i = 0; i <= SNAPSHOT_MAX_SECTIONS; i++)
		snapshot_writer_begin(&w, VCPU, i);
	CU_ASSERT_EQUAL(snapshot_writer_finish(&w, &b, &len), -E2BIG);
	snapshot_writer_free(&w);

	snapshot_writer_begin(&w, GICD, 0);
	for (unsigned i = 0; i <= SNAPSHOT_MAX_LEN / sizeof(big); i++)
		snapshot_put_bytes(&w, big, sizeof(big));
	CU_ASSERT_EQUAL(snapshot_writer_finish(&w, &b, &len), -E2BIG);
	snapshot_writer_free(&w);

	CU_ASSERT_EQUAL(snapshot_writer_finish(&w, &b, &len), 0); /* no section at all */
	CU_ASSERT_EQUAL(len, SNAPSHOT_HEADER_LEN);
	snapshot_writer_free(&w);
}

static void test_crc32c(void)
{
	/* The check value of CRC-32C (Castagnoli), as iSCSI and ext4 use it. */
	CU_ASSERT_EQUAL(snapshot_crc32c(0, "123456789", 9), 0xe3069283);
	CU_ASSERT_EQUAL(snapshot_crc32c(snapshot_crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
}

static void test_section_name(void)
{
	char name[24];

	snapshot_section_name(GICD, 3, name);
	CU_ASSERT_STRING_EQUAL(name, "GICD.3");
	snapshot_section_name(SNAPSHOT_TAG(0, '\n', 'A', 0xff), 4294967295u, name);
	CU_ASSERT_STRING_EQUAL(name, "??A?.4294967295");
}

/* A host file's identity round trip; one cut short or followed by more refused. */
static void test_identity(void)
{
	static struct snapshot_index ix;
	const struct file_identity id = { 12345, 1ull << 40, 1700000000123456789ull };
	struct file_identity got;
	struct snapshot_writer w;
	struct snapshot_cursor c;
	const uint8_t *b;
	size_t len;
	char err[160] = "";

	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, GICD, 0);
	snapshot_put_identity(&w, &id);
	snapshot_writer_begin(&w, GICD, 1);
	snapshot_put_u64(&w, 1); /* cut short */
	snapshot_writer_begin(&w, GICD, 2);
	snapshot_put_identity(&w, &id);
	snapshot_put_u32(&w, 7); /* one field too many */
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &b, &len), 0);
	CU_ASSERT_FATAL(len <= sizeof(file));
	memcpy(file, b, len);
	snapshot_writer_free(&w);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(file, len, &ix, err, sizeof(err)), 0);
	snapshot_cursor_init(&c, snapshot_find(&ix, GICD, 0));
	CU_ASSERT_EQUAL(snapshot_get_identity(&c, &got), 0);
	CU_ASSERT_EQUAL(memcmp(&got, &id, sizeof(id)), 0);
	snapshot_cursor_init(&c, snapshot_find(&ix, GICD, 1));
	CU_ASSERT_EQUAL(snapshot_get_identity(&c, &got), -EINVAL);
	/* What follows is the caller's to read (a disk's snapshot name). */
	snapshot_cursor_init(&c, snapshot_find(&ix, GICD, 2));
	CU_ASSERT_EQUAL(snapshot_get_identity(&c, &got), 0);
	CU_ASSERT_FALSE(snapshot_cursor_done(&c));
	CU_ASSERT_EQUAL(snapshot_get_u32(&c), 7);
	CU_ASSERT_TRUE(snapshot_cursor_done(&c));
}

const char unit_suite_name[] = "snapshot_file";
const struct unit_test unit_tests[] = {
	{ "what is written is read back", test_round_trip },
	{ "a cursor stops at its section's end", test_cursor_past_end },
	{ "a blob longer than its section", test_blob_longer_than_section },
	{ "damaged files are refused with why", test_refusals },
	{ "bytes after the end are refused", test_file_longer },
	{ "a section twice is refused", test_duplicate },
	{ "the writer's limits", test_writer_limits },
	{ "CRC-32C", test_crc32c },
	{ "section names for messages", test_section_name },
	{ "a host file's identity", test_identity },
	{ NULL, NULL },
};
