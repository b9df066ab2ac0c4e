/*
 * A GDB reply being built, and the parsing every GDB command shares
 * (vmm/gdb_cmd.c, vmm/gdb_query.c).
 */
#ifndef A64VM_GDB_REPLY_H
#define A64VM_GDB_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gdb_cmd_result {
	GDB_CMD_REPLY,	  /* send reply */
	GDB_CMD_RESUMED,  /* the target runs: no reply until it stops */
	GDB_CMD_DETACHED, /* send reply, then close the connection */
	GDB_CMD_KILLED,	  /* no reply; the VM is going away */
};

/* A reply of at most cap - 1 characters; overflow: it did not fit. */
struct gdb_out {
	char *buf;
	size_t len, cap;
	bool overflow;
};

void gdb_put(struct gdb_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* bytes as hex digits */
void gdb_put_hex(struct gdb_out *o, const uint8_t *bytes, size_t len);
/* The whole reply becomes "Exx" (errno, low byte) or "OK". */
enum gdb_cmd_result gdb_error(struct gdb_out *o, int err);
enum gdb_cmd_result gdb_ok(struct gdb_out *o);

/* A hex number up to a stop character (or end): past it, or NULL on junk. */
const char *gdb_parse_hex(const char *p, const char *end, uint64_t *val);
/* "ADDR,LEN": past it (at ':' or the end), or NULL. */
const char *gdb_parse_addr_len(const char *p, const char *end, uint64_t *addr,
			       uint64_t *len);
/* A thread id: "-1" (all), "0" (any) or 1..ncpus; -1 for all, -2 on junk. */
long gdb_parse_thread(unsigned ncpus, const char *p, const char *end);
/* Whether [p, end) starts with prefix. */
bool gdb_starts(const char *p, const char *end, const char *prefix);

#endif
