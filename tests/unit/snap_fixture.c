#include "snap_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

static uint8_t file[64 << 10];
static struct snapshot_index ix;
static struct snapshot_section cut;

const struct snapshot_section *snap_fixture_save(const struct device_ops *ops, const void *dev)
{
	struct snapshot_writer w;
	const uint8_t *b;
	size_t len;
	char err[160];

	snapshot_writer_init(&w);
	snapshot_writer_begin(&w, SNAPSHOT_TAG('B', 'D', 'E', 'V'), 0);
	ops->save(dev, &w);
	CU_ASSERT_EQUAL_FATAL(snapshot_writer_finish(&w, &b, &len), 0);
	CU_ASSERT_FATAL(len <= sizeof(file));
	memcpy(file, b, len);
	snapshot_writer_free(&w);
	CU_ASSERT_EQUAL_FATAL(snapshot_parse(file, len, &ix, err, sizeof(err)), 0);
	return &ix.sections[0];
}

const struct snapshot_section *snap_fixture_cut(const struct snapshot_section *s)
{
	cut = *s;
	cut.len = s->len ? s->len - 1 : 0;
	return &cut;
}

int snap_fixture_restore(const struct device_ops *ops, void *dev,
			 const struct snapshot_section *s)
{
	struct snapshot_cursor c;

	snapshot_cursor_init(&c, s);
	return ops->restore(dev, &c);
}
