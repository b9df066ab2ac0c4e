#include <errno.h>
#include <string.h>

#include "a64vm/control_proto.h"
#include "unit.h"

struct parse_case {
	const char *line;
	int ret;
	enum control_cmd cmd;
	uint64_t addr, len;
	const char *err_has;
};

static const struct parse_case cases[] = {
	{ "{\"cmd\":\"status\"}", 0, CONTROL_STATUS },
	{ "  { \"cmd\" : \"pause\" }  ", 0, CONTROL_PAUSE },
	{ "{\"cmd\":\"resume\"}\r", 0, CONTROL_RESUME },
	{ "{\"cmd\":\"powerdown\"}", 0, CONTROL_POWERDOWN },
	{ "{\"cmd\":\"reset\"}", 0, CONTROL_RESET },
	{ "{\"cmd\":\"quit\"}", 0, CONTROL_QUIT },
	{ "{\"addr\":1073741824,\"cmd\":\"read-phys\",\"len\":16}", 0,
	  CONTROL_READ_PHYS, 1073741824, 16 },
	{ "{\"cmd\":\"st\\u0061tus\"}", -EINVAL, .err_has = "escape" },
	{ "{\"cmd\":\"s\\tatus\"}", -EINVAL, .err_has = "unknown command" },
	{ "", -EINVAL, .err_has = "JSON object" },
	{ "status", -EINVAL, .err_has = "JSON object" },
	{ "{}", -EINVAL, .err_has = "no \"cmd\"" },
	{ "{\"cmd\":\"halt\"}", -EINVAL, .err_has = "unknown command 'halt'" },
	{ "{\"cmd\":\"pause\"", -EINVAL, .err_has = "expected ',' or '}'" },
	{ "{\"cmd\":\"pause\",}", -EINVAL, .err_has = "expected a string" },
	{ "{\"cmd\":\"pause\"}}", -EINVAL, .err_has = "trailing" },
	{ "{\"cmd\":\"pause\",\"cmd\":\"quit\"}", -EINVAL, .err_has = "duplicate" },
	{ "{\"cmd\":\"pause\",\"force\":1}", -EINVAL, .err_has = "unknown key 'force'" },
	{ "{\"cmd\":42}", -EINVAL, .err_has = "expected a string" },
	{ "{\"cmd\" \"pause\"}", -EINVAL, .err_has = "expected ':'" },
	{ "{\"cmd\":\"pau", -EINVAL, .err_has = "unterminated" },
	{ "{\"cmd\":\"pause\\", -EINVAL, .err_has = "unfinished escape" },
	{ "{\"cmd\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	  -EINVAL, .err_has = "too long" },
	{ "{\"cmd\":\"read-phys\",\"addr\":1}", -EINVAL, .err_has = "needs" },
	{ "{\"cmd\":\"digest\",\"addr\":1,\"len\":1048576}", 0, CONTROL_DIGEST, 1, 1048576 },
	{ "{\"cmd\":\"digest\",\"addr\":1,\"len\":0}", -EINVAL, .err_has = "not be 0" },
	{ "{\"cmd\":\"read-phys\",\"addr\":-1,\"len\":4}", -EINVAL, .err_has = "unsigned" },
	{ "{\"cmd\":\"read-phys\",\"addr\":1.5,\"len\":4}", -EINVAL, .err_has = "unsigned" },
	{ "{\"cmd\":\"read-phys\",\"addr\":99999999999999999999,\"len\":4}", -EINVAL,
	  .err_has = "too large" },
	{ "{\"cmd\":\"read-phys\",\"addr\":0,\"len\":0}", -EINVAL, .err_has = "1..1024" },
	{ "{\"cmd\":\"read-phys\",\"addr\":0,\"len\":1025}", -EINVAL, .err_has = "1..1024" },
	{ "{\"cmd\":\"status\",\"len\":4}", -EINVAL, .err_has = "unexpected arguments" },
	{ "{\"cmd\":\"snapshot\",\"dir\":\"/s\",\"paused\":1}", 0, CONTROL_SNAPSHOT },
	{ "{\"cmd\":\"restore\",\"dir\":\"/s\"}", 0, CONTROL_RESTORE },
	{ "{\"cmd\":\"checkpoint\",\"name\":\"a\"}", 0, CONTROL_CHECKPOINT },
	{ "{\"cmd\":\"rewind\",\"name\":\"a\",\"paused\":1}", 0, CONTROL_REWIND },
	{ "{\"cmd\":\"snapshot\"}", -EINVAL, .err_has = "needs \"dir\"" },
	{ "{\"cmd\":\"restore\",\"dir\":\"s\"}", -EINVAL, .err_has = "absolute" },
	{ "{\"cmd\":\"rewind\",\"dir\":\"/s\"}", -EINVAL, .err_has = "needs \"name\"" },
	{ "{\"cmd\":\"checkpoint\",\"name\":\"\"}", -EINVAL, .err_has = "empty" },
	{ "{\"cmd\":\"snapshot\",\"dir\":\"/s\",\"name\":\"a\"}", -EINVAL,
	  .err_has = "unexpected arguments" },
	{ "{\"cmd\":\"rewind\",\"name\":\"a\",\"paused\":2}", -EINVAL, .err_has = "0 or 1" },
	{ "{\"cmd\":\"pause\",\"paused\":1}", -EINVAL, .err_has = "unexpected arguments" },
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		struct control_request req;
		char err[160] = "";
		int ret = control_parse(c->line, strlen(c->line), &req, err, sizeof(err));

		if (ret != c->ret)
			fprintf(stderr, "\n'%s': %d (%s)\n", c->line, ret, err);
		CU_ASSERT_EQUAL(ret, c->ret);
		if (ret) {
			if (!strstr(err, c->err_has))
				fprintf(stderr, "\n'%s': error '%s'\n", c->line, err);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, c->err_has));
			continue;
		}
		CU_ASSERT_EQUAL(req.cmd, c->cmd);
		CU_ASSERT_EQUAL(req.addr, c->addr);
		CU_ASSERT_EQUAL(req.len, c->len);
	}
}

static void test_hostile_bytes(void)
{
	static char big[CONTROL_MAX_LINE + 2];
	struct control_request req;
	char err[160];
	const char nul[] = "{\"cmd\":\"st\0atus\"}";

	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"cmd\":\"status\"}", 16);
	CU_ASSERT_EQUAL(control_parse(big, sizeof(big), &req, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too long"));
	CU_ASSERT_EQUAL(control_parse(big, CONTROL_MAX_LINE, &req, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(control_parse(nul, sizeof(nul) - 1, &req, err, sizeof(err)), -EINVAL);
	/* every prefix of a valid request is refused without reading past it */
	for (size_t n = 0; n < 16; n++)
		CU_ASSERT_EQUAL(control_parse("{\"cmd\":\"status\"}", n, &req, err,
					      sizeof(err)), -EINVAL);
	/* random bytes never crash it */
	for (unsigned seed = 1; seed < 2000; seed++) {
		char line[64];

		for (size_t i = 0; i < sizeof(line); i++)
			line[i] = (char)((seed * 2654435761u + i * 40503u) >> 7);
		line[0] = '{';
		(void)control_parse(line, sizeof(line), &req, err, sizeof(err));
	}
	CU_ASSERT_STRING_EQUAL(control_cmd_name(CONTROL_READ_PHYS), "read-phys");
	CU_ASSERT_PTR_NULL(control_cmd_name((enum control_cmd)99));
}

const char unit_suite_name[] = "control_proto";
const struct unit_test unit_tests[] = {
	{ "request table", test_table },
	{ "oversized, truncated and random input", test_hostile_bytes },
	{ NULL, NULL },
};
