/*
 * A device model's snapshot in a unit test: its save made into a real
 * state file and read back, so that the section a restore gets is what
 * a64vm would hand it.
 */
#ifndef A64VM_SNAP_FIXTURE_H
#define A64VM_SNAP_FIXTURE_H

#include "a64vm/device.h"
#include "a64vm/snapshot_file.h"

/* dev's state as a section (valid until the next call). */
const struct snapshot_section *snap_fixture_save(const struct device_ops *ops, const void *dev);
/* The same section without its last byte. */
const struct snapshot_section *snap_fixture_cut(const struct snapshot_section *s);
/* ops->restore of s into dev. */
int snap_fixture_restore(const struct device_ops *ops, void *dev,
			 const struct snapshot_section *s);

#endif
