#include "a64vm/gdb_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/gdb_rsp.h"

void gdb_put(struct gdb_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->overflow = true;
		o->buf[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

void gdb_put_hex(struct gdb_out *o, const uint8_t *bytes, size_t len)
{
	size_t n = gdb_bytes_to_hex(bytes, len, o->buf + o->len, o->cap - o->len);

	if (n < len * 2)
		o->overflow = true;
	o->len += n;
	o->buf[o->len] = '\0';
}

enum gdb_cmd_result gdb_error(struct gdb_out *o, int err)
{
	o->len = 0;
	gdb_put(o, "E%02x", (unsigned)(err < 0 ? -err : err) & 0xff);
	return GDB_CMD_REPLY;
}

enum gdb_cmd_result gdb_ok(struct gdb_out *o)
{
	o->len = 0;
	gdb_put(o, "OK");
	return GDB_CMD_REPLY;
}

const char *gdb_parse_hex(const char *p, const char *end, uint64_t *val)
{
	const char *start = p;

	while (p < end && *p && strchr("0123456789abcdefABCDEF", *p))
		p++;
	if (p == start || !gdb_hex_to_u64(start, (size_t)(p - start), val))
		return NULL;
	return p;
}

const char *gdb_parse_addr_len(const char *p, const char *end, uint64_t *addr,
				  uint64_t *len)
{
	p = gdb_parse_hex(p, end, addr);
	if (!p || p == end || *p != ',')
		return NULL;
	return gdb_parse_hex(p + 1, end, len);
}

long gdb_parse_thread(unsigned ncpus, const char *p, const char *end)
{
	uint64_t id;

	if (end - p == 2 && p[0] == '-' && p[1] == '1')
		return -1;
	p = gdb_parse_hex(p, end, &id);
	if (!p || p != end)
		return -2;
	if (id == 0)
		return 0;
	return id <= ncpus ? (long)id : -2;
}

bool gdb_starts(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - p) >= n && !memcmp(p, prefix, n);
}
