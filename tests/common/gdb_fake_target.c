#include "gdb_fake_target.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct gdb_fake gdb_fake;

static unsigned f_ncpus(void *t)
{
	(void)t;
	return 2;
}

static int f_get_regs(void *t, unsigned cpu, struct gdb_regs *r)
{
	(void)t;
	*r = gdb_fake.regs[cpu];
	return 0;
}

static int f_set_regs(void *t, unsigned cpu, const struct gdb_regs *r)
{
	(void)t;
	gdb_fake.regs[cpu] = *r;
	return 0;
}

static uint8_t *f_mem(uint64_t va, size_t len)
{
	uint64_t off = va - GDB_FAKE_MEM_BASE;

	if (va < GDB_FAKE_MEM_BASE || off > GDB_FAKE_MEM_SIZE || len > GDB_FAKE_MEM_SIZE - off)
		return NULL;
	return gdb_fake.mem + off;
}

static int f_read(void *t, unsigned cpu, uint64_t va, uint8_t *buf, size_t len)
{
	uint8_t *p = f_mem(va, len);

	(void)t, (void)cpu;
	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int f_write(void *t, unsigned cpu, uint64_t va, const uint8_t *buf, size_t len)
{
	uint8_t *p = f_mem(va, len);

	(void)t, (void)cpu;
	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

static int f_insert_hw(void *t, enum gdb_bp_type type, uint64_t addr, uint64_t len)
{
	(void)t;
	if (gdb_fake.hw)
		return hw_debug_insert(gdb_fake.hw, type, addr, len);
	return gdb_fake.hw_inserted++ < 2 ? 0 : -ENOSPC;
}

static int f_remove_hw(void *t, enum gdb_bp_type type, uint64_t addr, uint64_t len)
{
	(void)t;
	if (gdb_fake.hw)
		return hw_debug_remove(gdb_fake.hw, type, addr, len);
	gdb_fake.hw_removed++;
	return 0;
}

static void f_resume(void *t, const enum gdb_action *actions, int signal, bool sw_bps)
{
	(void)t;
	memcpy(gdb_fake.actions, actions, sizeof(gdb_fake.actions));
	gdb_fake.signal = signal;
	gdb_fake.sw_bps = sw_bps;
	gdb_fake.resumes++;
}

static int f_monitor(void *t, const char *cmd, char *out, size_t cap)
{
	(void)t;
	if (!strcmp(cmd, "quiet"))
		return 0;
	snprintf(out, cap, "ran '%s'\n", cmd);
	return strcmp(cmd, "bad") ? 0 : -EINVAL;
}

static int f_rewind(void *t, char *why, size_t cap)
{
	(void)t;
	if (gdb_fake.rewind_fails) {
		snprintf(why, cap, "no history");
		return -ENOENT;
	}
	memcpy(gdb_fake.mem, gdb_fake.history_mem, sizeof(gdb_fake.mem));
	memcpy(gdb_fake.regs, gdb_fake.history_regs, sizeof(gdb_fake.regs));
	gdb_fake.rewinds++;
	return 0;
}

static void f_detach(void *t)
{
	(void)t;
	gdb_fake.detached++;
}

static void f_kill(void *t)
{
	(void)t;
	gdb_fake.killed++;
}

const struct gdb_target_ops gdb_fake_ops = {
	.ncpus = f_ncpus, .get_regs = f_get_regs, .set_regs = f_set_regs,
	.read_mem = f_read, .write_mem = f_write, .insert_hw = f_insert_hw,
	.remove_hw = f_remove_hw, .resume = f_resume, .monitor = f_monitor, .rewind = f_rewind,
	.detach = f_detach, .kill = f_kill,
};
