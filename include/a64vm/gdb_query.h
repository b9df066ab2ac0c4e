/*
 * GDB's q packets: qSupported, the target description and thread list
 * documents (qXfer), thread queries and monitor commands (qRcmd).
 */
#ifndef A64VM_GDB_QUERY_H
#define A64VM_GDB_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "a64vm/gdb_reply.h"

/* What the queries read of the session and its target. */
struct gdb_query_ctx {
	unsigned ncpus;
	unsigned current_cpu; /* the last stop's: qC */
	const char *target_xml;
	/* A monitor command's output, NUL-terminated in out; 0 or -errno. */
	int (*monitor)(void *target, const char *cmd, char *out, size_t cap);
	void *target;
	bool reverse; /* the target can go back: bc and bs */
};

/* The packet [p, end), which starts with 'q'; "" for an unknown query. */
enum gdb_cmd_result gdb_query(const struct gdb_query_ctx *q, struct gdb_out *o,
			      const char *p, const char *end);

#endif
