/*
 * The little of QMP, QEMU's JSON monitor protocol, a64vm speaks to the
 * qemu-storage-daemon it runs: a command is one line of JSON; every line
 * the daemon sends is one JSON object, the greeting ("QMP"), an event
 * ("event") or the answer to the last command ("return" or "error" with
 * its "desc"). The daemon is a64vm's child, but its lines are read as
 * untrusted: a line a64vm cannot read is skipped, never trusted.
 */
#ifndef A64VM_QMP_PROTO_H
#define A64VM_QMP_PROTO_H

#include <stddef.h>

/*
 * {"execute": execute, "arguments": {key: value, ...}} and a newline in
 * buf; n pairs of strings (0: no arguments). The line's length, or -1
 * when it does not fit (or a string holds a control character).
 */
int qmp_command(char *buf, size_t len, const char *execute, unsigned n,
		const char *const keys[], const char *const values[]);

enum qmp_line {
	QMP_OTHER,  /* the greeting, an event, or a line a64vm cannot read */
	QMP_RETURN, /* the command succeeded */
	QMP_ERROR,  /* it failed: desc says why */
};

/* One line (without its newline); for an error, its desc in desc (cut to fit). */
enum qmp_line qmp_parse_line(const char *line, char *desc, size_t desclen);

#endif
