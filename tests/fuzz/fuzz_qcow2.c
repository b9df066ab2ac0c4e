/*
 * A qcow2 image's snapshot table, as a restore reads it from the image
 * (untrusted bytes): a name, a count, then the table. Whatever the bytes,
 * the lookup reads only inside them (ASan sees a read past the copy) and
 * says found, not found, or malformed; a name found is in the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/qcow2.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char name[33];
	size_t n = (size_t)fuzz_take(&in, 1) % sizeof(name);
	uint64_t disk_size = 0;
	uint32_t count;
	uint8_t *table;
	int ret;

	if (in.left < n)
		return 0;
	memcpy(name, in.p, n);
	name[n] = '\0';
	in.p += n;
	in.left -= n;
	count = (uint32_t)fuzz_take(&in, 2);
	table = malloc(in.left ? in.left : 1);
	FUZZ_CHECK(table);
	memcpy(table, in.p, in.left);
	ret = qcow2_find_snapshot(table, in.left, count, name, &disk_size);
	FUZZ_CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
	FUZZ_CHECK(ret || !name[0] || memmem(table, in.left, name, strlen(name)));
	free(table);
	return 0;
}
