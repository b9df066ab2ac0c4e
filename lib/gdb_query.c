#include "a64vm/gdb_query.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/gdb_rsp.h"

/* qXfer's "OFFSET,LENGTH" window over a document. */
static enum gdb_cmd_result xfer(struct gdb_out *o, const char *doc, size_t doclen,
				const char *p, const char *end)
{
	uint64_t off, len;

	p = gdb_parse_addr_len(p, end, &off, &len);
	if (!p || p != end)
		return gdb_error(o, EINVAL);
	if (off >= doclen) {
		gdb_put(o, "l");
		return GDB_CMD_REPLY;
	}
	/* Escaping may double the bytes: keep the framed packet in bounds. */
	if (len > GDB_RSP_MAX_PACKET / 2 - 8)
		len = GDB_RSP_MAX_PACKET / 2 - 8;
	if (len > doclen - off)
		len = doclen - off;
	/* Binary data: escaping is gdb_rsp_frame's job. */
	o->buf[0] = off + len < doclen ? 'm' : 'l';
	memcpy(o->buf + 1, doc + off, len);
	o->len = len + 1;
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result thread_list_xml(const struct gdb_query_ctx *q, struct gdb_out *o,
					   const char *p, const char *end)
{
	char doc[8192];
	struct gdb_out d = { doc, 0, sizeof(doc), false };
	unsigned n = q->ncpus;

	gdb_put(&d, "<?xml version=\"1.0\"?><threads>");
	for (unsigned i = 0; i < n && !d.overflow; i++)
		gdb_put(&d, "<thread id=\"%x\" name=\"vCPU %u\"/>", i + 1, i);
	gdb_put(&d, "</threads>");
	if (d.overflow)
		return gdb_error(o, E2BIG);
	return xfer(o, doc, d.len, p, end);
}

static enum gdb_cmd_result monitor(const struct gdb_query_ctx *q, struct gdb_out *o,
				   const char *p, const char *end)
{
	char cmd[256], text[4096];
	long n = gdb_hex_to_bytes(p, (size_t)(end - p), (uint8_t *)cmd, sizeof(cmd) - 1);
	int ret;

	if (n < 0)
		return gdb_error(o, EINVAL);
	cmd[n] = '\0';
	text[0] = '\0';
	ret = q->monitor(q->target, cmd, text, sizeof(text));
	if (ret && !text[0])
		return gdb_error(o, ret);
	if (!text[0])
		return gdb_ok(o);
	gdb_put_hex(o, (const uint8_t *)text, strlen(text)); /* the output, in hex */
	return GDB_CMD_REPLY;
}

enum gdb_cmd_result gdb_query(const struct gdb_query_ctx *q, struct gdb_out *o,
			      const char *p, const char *end)
{
	unsigned n = q->ncpus;

	if (gdb_starts(p, end, "qSupported")) {
		gdb_put(o, "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;"
		       "qXfer:threads:read+;swbreak+;hwbreak+;vContSupported+",
		    GDB_RSP_MAX_PACKET);
		if (q->reverse)
			gdb_put(o, ";ReverseContinue+;ReverseStep+");
	} else if (gdb_starts(p, end, "qXfer:features:read:target.xml:")) {
		return xfer(o, q->target_xml, strlen(q->target_xml),
			    p + strlen("qXfer:features:read:target.xml:"), end);
	} else if (gdb_starts(p, end, "qXfer:threads:read::")) {
		return thread_list_xml(q, o, p + strlen("qXfer:threads:read::"), end);
	} else if (gdb_starts(p, end, "qXfer:")) {
		return gdb_error(o, ENOENT);
	} else if (end - p == 2 && gdb_starts(p, end, "qC")) {
		gdb_put(o, "QC%x", q->current_cpu + 1);
	} else if (gdb_starts(p, end, "qfThreadInfo")) {
		gdb_put(o, "m");
		for (unsigned i = 0; i < n && !o->overflow; i++)
			gdb_put(o, i ? ",%x" : "%x", i + 1);
	} else if (gdb_starts(p, end, "qsThreadInfo")) {
		gdb_put(o, "l");
	} else if (gdb_starts(p, end, "qThreadExtraInfo,")) {
		char name[32];
		long tid = gdb_parse_thread(n, p + strlen("qThreadExtraInfo,"), end);

		if (tid <= 0)
			return gdb_error(o, EINVAL);
		snprintf(name, sizeof(name), "vCPU %ld", tid - 1);
		gdb_put_hex(o, (const uint8_t *)name, strlen(name));
	} else if (gdb_starts(p, end, "qAttached")) {
		gdb_put(o, "1"); /* attached to a running VM: detach, not kill */
	} else if (gdb_starts(p, end, "qRcmd,")) {
		return monitor(q, o, p + strlen("qRcmd,"), end);
	}
	return GDB_CMD_REPLY; /* anything else: "" means unsupported */
}
