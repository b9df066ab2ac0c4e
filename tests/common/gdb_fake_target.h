/*
 * A fake GDB target for the command layer's tests and its fuzzer: 2 vCPUs,
 * 64 KiB of memory at GDB_FAKE_MEM_BASE, and counters of what was asked.
 * Hardware breakpoints go to hw when it is set, else are counted (two fit).
 */
#ifndef A64VM_TEST_GDB_FAKE_TARGET_H
#define A64VM_TEST_GDB_FAKE_TARGET_H

#include "a64vm/gdb_cmd.h"
#include "a64vm/hw_debug.h"

#define GDB_FAKE_MEM_BASE 0xffff000000001000ull
#define GDB_FAKE_MEM_SIZE 0x10000u

struct gdb_fake {
	struct gdb_regs regs[2];
	uint8_t mem[GDB_FAKE_MEM_SIZE];
	enum gdb_action actions[2];
	int resumes, signal, detached, killed, hw_inserted, hw_removed;
	bool sw_bps;
	struct hw_debug *hw;
	/* rewind: mem and regs become these, or it fails when rewind_fails */
	uint8_t history_mem[GDB_FAKE_MEM_SIZE];
	struct gdb_regs history_regs[2];
	bool rewind_fails;
	int rewinds;
};

extern struct gdb_fake gdb_fake;
extern const struct gdb_target_ops gdb_fake_ops;

#endif
