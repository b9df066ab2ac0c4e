/*
 * QMP: commands as qemu-storage-daemon reads them, and its lines as it
 * writes them (the greeting, events, answers; captured from Debian's
 * qemu-storage-daemon 7.2), and lines no daemon should send.
 */
#include <string.h>

#include "a64vm/qmp_proto.h"
#include "unit.h"

static void test_command(void)
{
	const char *keys[] = { "device", "name" }, *values[] = { "image", "a64vm-\"1\\" };
	char buf[128];

	CU_ASSERT_EQUAL(qmp_command(buf, sizeof(buf), "qmp_capabilities", 0, NULL, NULL), 32);
	CU_ASSERT_STRING_EQUAL(buf, "{\"execute\": \"qmp_capabilities\"}\n");
	CU_ASSERT_TRUE(qmp_command(buf, sizeof(buf), "blockdev-snapshot-internal-sync", 2, keys,
				   values) > 0);
	CU_ASSERT_STRING_EQUAL(buf, "{\"execute\": \"blockdev-snapshot-internal-sync\", "
				    "\"arguments\": {\"device\": \"image\", \"name\": "
				    "\"a64vm-\\\"1\\\\\"}}\n");
	/* Too long for the buffer by one byte, and exactly long enough. */
	CU_ASSERT_EQUAL(qmp_command(buf, 32, "qmp_capabilities", 0, NULL, NULL), -1);
	CU_ASSERT_EQUAL(qmp_command(buf, 33, "qmp_capabilities", 0, NULL, NULL), 32);
	values[1] = "a\nb"; /* a newline would end the command early */
	CU_ASSERT_EQUAL(qmp_command(buf, sizeof(buf), "x", 2, keys, values), -1);
}

static void test_lines(void)
{
	char desc[40] = "unchanged";

	CU_ASSERT_EQUAL(qmp_parse_line("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, "
				       "\"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}",
				       desc, sizeof(desc)), QMP_OTHER);
	CU_ASSERT_EQUAL(qmp_parse_line("{\"return\": {}}", desc, sizeof(desc)), QMP_RETURN);
	CU_ASSERT_EQUAL(qmp_parse_line(" { \"return\" : {}}\r", desc, sizeof(desc)), QMP_RETURN);
	CU_ASSERT_EQUAL(qmp_parse_line("{\"timestamp\": {\"seconds\": 1}, \"event\": \"X\", "
				       "\"data\": {\"return\": 1}}", desc, sizeof(desc)), QMP_OTHER);
	CU_ASSERT_STRING_EQUAL(desc, "unchanged");
	CU_ASSERT_EQUAL(qmp_parse_line("{\"error\": {\"class\": \"GenericError\", \"desc\": "
				       "\"Snapshot with name 'a64vm-1' already exists\"}}",
				       desc, sizeof(desc)), QMP_ERROR);
	CU_ASSERT_STRING_EQUAL(desc, "Snapshot with name 'a64vm-1' already ex"); /* cut to fit */
	CU_ASSERT_EQUAL(qmp_parse_line("{\"error\": {\"desc\": \"a \\\"quoted\\\" \\\\ word\"}}",
				       desc, sizeof(desc)), QMP_ERROR);
	CU_ASSERT_STRING_EQUAL(desc, "a \"quoted\" \\ word");
	/* An error without its desc, or with one cut short: still an error. */
	CU_ASSERT_EQUAL(qmp_parse_line("{\"error\": {}}", desc, sizeof(desc)), QMP_ERROR);
	CU_ASSERT_STRING_EQUAL(desc, "");
	CU_ASSERT_EQUAL(qmp_parse_line("{\"error\": {\"desc\": \"no end", desc, sizeof(desc)),
			QMP_ERROR);
	CU_ASSERT_STRING_EQUAL(desc, "no end");
	CU_ASSERT_EQUAL(qmp_parse_line("", desc, sizeof(desc)), QMP_OTHER);
	CU_ASSERT_EQUAL(qmp_parse_line("{\"returned\": 1}", desc, sizeof(desc)), QMP_OTHER);
	CU_ASSERT_EQUAL(qmp_parse_line("{\"error", desc, sizeof(desc)), QMP_OTHER);
	CU_ASSERT_EQUAL(qmp_parse_line("{\"error\": 1}", desc, 0), QMP_ERROR); /* no room at all */
}

const char unit_suite_name[] = "qmp_proto";
const struct unit_test unit_tests[] = {
	{ "commands", test_command },
	{ "the daemon's lines", test_lines },
	{ NULL, NULL },
};
