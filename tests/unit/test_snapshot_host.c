/* What a snapshot's VM was, and each way another host's is refused in one line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/snapshot_host.h"
#include "unit.h"

static const struct snapshot_host here = {
	.ncpus = 4, .features = 1 | 2, .sve_vq = 16, .gic = 3, .its = 1, .nr_irqs = 256,
	.mem_size = 512ull << 20, .memory_ino = 77, .memory_size = 512ull << 20,
};

/* Through a real state file: what was put is what is got. */
static void test_round_trip(void)
{
	struct snapshot_writer w;
	struct snapshot_index ix;
	struct snapshot_host got;
	const uint8_t *buf;
	size_t len;
	char err[100];

	snapshot_writer_init(&w);
	snapshot_host_put(&w, &here);
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(buf, len, &ix, err, sizeof(err)), 0);
	memset(&got, 0xa5, sizeof(got));
	CU_ASSERT_EQUAL(snapshot_host_get(&ix, &got), 0);
	CU_ASSERT_EQUAL(memcmp(&got, &here, sizeof(got)), 0);
	CU_ASSERT_EQUAL(snapshot_host_compare(&got, &here, err, sizeof(err)), 0);
	ix.sections[0].len -= 4; /* cut short */
	CU_ASSERT_EQUAL(snapshot_host_get(&ix, &got), -EINVAL);
	ix.nsections = 0; /* missing */
	CU_ASSERT_EQUAL(snapshot_host_get(&ix, &got), -EINVAL);
	snapshot_writer_free(&w);
}

static void refused(struct snapshot_host saved, const char *why)
{
	char err[200] = "";

	CU_ASSERT_EQUAL(snapshot_host_compare(&saved, &here, err, sizeof(err)), -EINVAL);
	if (!strstr(err, why))
		fprintf(stderr, "\nwanted '%s', got '%s'\n", why, err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, why));
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
}

static void test_other_hosts(void)
{
	struct snapshot_host s = here;

	s.ncpus = 2;
	refused(s, "its VM has 2 vCPUs and 512 MiB, this one 4 and 512");
	s = here, s.mem_size = 256ull << 20;
	refused(s, "its VM has 4 vCPUs and 256 MiB, this one 4 and 512");
	s = here, s.features = 1;
	refused(s, "its vCPUs lack SVE and this host's have it");
	s = here, s.features = 1 | 2 | 4;
	refused(s, "its vCPUs have pointer authentication and this host's do not");
	s = here, s.features = 2 | 8;
	refused(s, "its vCPUs lack PMU");
	s = here, s.sve_vq = 4;
	refused(s, "its SVE vectors are 512 bits, this host's 2048");
	s = here, s.gic = 2;
	refused(s, "its GIC is a v2 with 256 interrupts, this one a v3 with 256");
	s = here, s.nr_irqs = 128;
	refused(s, "with 128 interrupts");
	s = here, s.memory_ino = 1, s.its = 0; /* not compared here */
	CU_ASSERT_EQUAL(snapshot_host_compare(&s, &here, (char[8]){ 0 }, 8), 0);
}

const char unit_suite_name[] = "snapshot_host";
const struct unit_test unit_tests[] = {
	{ "saved and read back", test_round_trip },
	{ "another host refused, one line each", test_other_hosts },
	{ NULL, NULL },
};
