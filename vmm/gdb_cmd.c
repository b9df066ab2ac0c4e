#include "a64vm/gdb_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/gdb_tdesc.h"

#define BRK_0 0xd4200000u /* BRK #0: what Z0 writes */
#define MAX_MEM_XFER ((GDB_RSP_MAX_PACKET - 8) / 2)

/*
 * Where register n lives in struct gdb_regs, and how wide it is. *raw says
 * the slot holds the bytes in target order (SVE's registers) rather than a
 * number.
 */
static void *reg_slot(struct gdb_regs *r, unsigned n, size_t *size, bool *raw)
{
	*raw = false;
	*size = 8;
	if (n < 31)
		return &r->x[n];
	if (n == GDB_REG_SP)
		return &r->sp;
	if (n == GDB_REG_PC)
		return &r->pc;
	*size = 4;
	if (n == GDB_REG_CPSR)
		return &r->cpsr;
	if (n == GDB_REG_FPSR)
		return &r->fpsr;
	if (n == GDB_REG_FPCR)
		return &r->fpcr;
	if (!r->vq) {
		*size = 16;
		return n >= GDB_REG_V0 && n < GDB_REG_V0 + 32 ? r->v[n - GDB_REG_V0] : NULL;
	}
	*raw = true;
	*size = 16 * r->vq;
	if (n >= GDB_REG_Z0 && n < GDB_REG_Z0 + 32)
		return r->z[n - GDB_REG_Z0];
	*size = 2 * r->vq;
	if (n >= GDB_REG_P0 && n < GDB_REG_P0 + 16)
		return r->p[n - GDB_REG_P0];
	if (n == GDB_REG_FFR)
		return r->ffr;
	*raw = false;
	*size = 8;
	/* vg: the vector length in doublewords, fixed; writes are not kept */
	return n == GDB_REG_VG ? &r->vg : NULL;
}

/* Registers travel as target-endian (little-endian) bytes in hex. */
static void value_to_le(const void *slot, size_t size, bool raw, uint8_t *out)
{
	uint64_t words[2] = { 0, 0 };

	if (raw) {
		memcpy(out, slot, size);
		return;
	}
	if (size == 4)
		words[0] = *(const uint32_t *)slot;
	else
		memcpy(words, slot, size);
	for (size_t i = 0; i < size; i++)
		out[i] = (uint8_t)(words[i / 8] >> (8 * (i % 8)));
}

static void le_to_value(const uint8_t *in, size_t size, bool raw, void *slot)
{
	uint64_t words[2] = { 0, 0 };

	if (raw) {
		memcpy(slot, in, size);
		return;
	}
	for (size_t i = 0; i < size; i++)
		words[i / 8] |= (uint64_t)in[i] << (8 * (i % 8));
	if (size == 4)
		*(uint32_t *)slot = (uint32_t)words[0];
	else
		memcpy(slot, words, size);
}

void gdb_session_init(struct gdb_session *s, const struct gdb_target_ops *ops,
		      void *target)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->target = target;
	s->target_xml = gdb_target_xml;
	s->c_cpu = -1;
	s->last_stop = (struct gdb_stop){ .kind = GDB_STOP_SIGNAL,
					  .signal = GDB_SIGTRAP };
}

struct out {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
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

static void put_hex(struct out *o, const uint8_t *bytes, size_t len)
{
	size_t n = gdb_bytes_to_hex(bytes, len, o->buf + o->len, o->cap - o->len);

	if (n < len * 2)
		o->overflow = true;
	o->len += n;
	o->buf[o->len] = '\0';
}

static enum gdb_cmd_result error(struct out *o, int err)
{
	o->len = 0;
	put(o, "E%02x", (unsigned)(err < 0 ? -err : err) & 0xff);
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result ok(struct out *o)
{
	o->len = 0;
	put(o, "OK");
	return GDB_CMD_REPLY;
}

/* Parses a hex number up to a stop character (or the end); -1 on junk. */
static const char *parse_hex(const char *p, const char *end, uint64_t *val)
{
	const char *start = p;

	while (p < end && *p && strchr("0123456789abcdefABCDEF", *p))
		p++;
	if (p == start || !gdb_hex_to_u64(start, (size_t)(p - start), val))
		return NULL;
	return p;
}

/* A thread id: "-1" (all), "0" (any) or N; -1 for all, -2 on junk. */
static long parse_thread(const struct gdb_session *s, const char *p, const char *end)
{
	uint64_t id;

	if (end - p == 2 && p[0] == '-' && p[1] == '1')
		return -1;
	p = parse_hex(p, end, &id);
	if (!p || p != end)
		return -2;
	if (id == 0)
		return 0;
	return id <= s->ops->ncpus(s->target) ? (long)id : -2;
}

static unsigned cpu_of_thread(long tid, unsigned fallback)
{
	return tid > 0 ? (unsigned)tid - 1 : fallback;
}

bool gdb_cmd_is_sw_bp(const struct gdb_session *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->nsw_bps; i++)
		if (s->sw_bps[i].addr == addr)
			return true;
	return false;
}

size_t gdb_cmd_stop_reply(struct gdb_session *s, const struct gdb_stop *stop,
			  char *reply, size_t cap)
{
	static const char *const watch_kind[] = {
		[GDB_WP_WRITE] = "watch", [GDB_WP_READ] = "rwatch",
		[GDB_WP_ACCESS] = "awatch",
	};
	struct out o = { reply, 0, cap, false };

	s->last_stop = *stop;
	s->g_cpu = stop->cpu;
	put(&o, "T%02xthread:%x;", (unsigned)stop->signal & 0xff, stop->cpu + 1);
	/* A BRK that is not ours (a guest's BUG()) is a plain SIGTRAP. */
	if (stop->kind == GDB_STOP_BREAK && gdb_cmd_is_sw_bp(s, stop->addr))
		put(&o, "swbreak:;");
	else if (stop->kind == GDB_STOP_HWBREAK)
		put(&o, "hwbreak:;");
	else if (stop->kind == GDB_STOP_WATCH && stop->wtype >= GDB_WP_WRITE &&
		 stop->wtype <= GDB_WP_ACCESS)
		put(&o, "%s:%" PRIx64 ";", watch_kind[stop->wtype], stop->addr);
	return o.len;
}

#define REG_BYTES (16 * GDB_SVE_MAX_VQ) /* the widest register */

static enum gdb_cmd_result read_all_regs(struct gdb_session *s, struct out *o)
{
	struct gdb_regs r;
	uint8_t bytes[REG_BYTES];
	int ret = s->ops->get_regs(s->target, s->g_cpu, &r);

	if (ret)
		return error(o, ret);
	for (unsigned n = 0; n < gdb_regs_count(&r); n++) {
		size_t size;
		bool raw;
		void *slot = reg_slot(&r, n, &size, &raw);

		value_to_le(slot, size, raw, bytes);
		put_hex(o, bytes, size);
	}
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result write_all_regs(struct gdb_session *s, struct out *o,
					  const char *hex, size_t digits)
{
	struct gdb_regs r;
	uint8_t bytes[REG_BYTES];
	int ret = s->ops->get_regs(s->target, s->g_cpu, &r);

	if (ret)
		return error(o, ret);
	/* GDB may send fewer registers than it knows; the rest stay. */
	for (unsigned n = 0; n < gdb_regs_count(&r) && digits; n++) {
		size_t size;
		bool raw;
		void *slot = reg_slot(&r, n, &size, &raw);

		if (digits < size * 2 ||
		    gdb_hex_to_bytes(hex, size * 2, bytes, sizeof(bytes)) != (long)size)
			return error(o, EINVAL);
		le_to_value(bytes, size, raw, slot);
		hex += size * 2;
		digits -= size * 2;
	}
	if (digits)
		return error(o, EINVAL);
	ret = s->ops->set_regs(s->target, s->g_cpu, &r);
	return ret ? error(o, ret) : ok(o);
}

static enum gdb_cmd_result one_reg(struct gdb_session *s, struct out *o,
				   const char *p, const char *end, bool write)
{
	struct gdb_regs r;
	uint8_t bytes[REG_BYTES];
	uint64_t n;
	size_t size;
	bool raw;
	void *slot;
	int ret;

	p = parse_hex(p, end, &n);
	if (!p || (write ? *p != '=' : p != end))
		return error(o, EINVAL);
	ret = s->ops->get_regs(s->target, s->g_cpu, &r);
	if (ret)
		return error(o, ret);
	slot = n < gdb_regs_count(&r) ? reg_slot(&r, (unsigned)n, &size, &raw) : NULL;
	if (!slot)
		return error(o, ENOENT);
	if (!write) {
		value_to_le(slot, size, raw, bytes);
		put_hex(o, bytes, size);
		return GDB_CMD_REPLY;
	}
	p++;
	if ((size_t)(end - p) != size * 2 ||
	    gdb_hex_to_bytes(p, size * 2, bytes, sizeof(bytes)) != (long)size)
		return error(o, EINVAL);
	le_to_value(bytes, size, raw, slot);
	ret = s->ops->set_regs(s->target, s->g_cpu, &r);
	return ret ? error(o, ret) : ok(o);
}

/* "ADDR,LEN" then the expected terminator (':' or the end). */
static const char *parse_addr_len(const char *p, const char *end, uint64_t *addr,
				  uint64_t *len)
{
	p = parse_hex(p, end, addr);
	if (!p || p == end || *p != ',')
		return NULL;
	return parse_hex(p + 1, end, len);
}

/* Memory reads show the instructions our breakpoints replaced. */
static void unpatch(const struct gdb_session *s, uint64_t addr, uint8_t *buf,
		    size_t len)
{
	for (unsigned i = 0; i < s->nsw_bps; i++)
		for (unsigned b = 0; b < 4; b++) {
			uint64_t at = s->sw_bps[i].addr + b;

			if (at >= addr && at - addr < len)
				buf[at - addr] = s->sw_bps[i].saved[b];
		}
}

static enum gdb_cmd_result read_mem(struct gdb_session *s, struct out *o,
				    const char *p, const char *end)
{
	uint8_t buf[MAX_MEM_XFER];
	uint64_t addr, len;
	int ret;

	p = parse_addr_len(p, end, &addr, &len);
	if (!p || p != end)
		return error(o, EINVAL);
	if (len > sizeof(buf))
		len = sizeof(buf); /* GDB asks again for the rest */
	if (addr + len < addr)
		return error(o, EFAULT);
	ret = s->ops->read_mem(s->target, s->g_cpu, addr, buf, len);
	if (ret)
		return error(o, ret);
	unpatch(s, addr, buf, len);
	put_hex(o, buf, len);
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result write_mem(struct gdb_session *s, struct out *o,
				     const char *p, const char *end, bool binary)
{
	uint8_t buf[GDB_RSP_MAX_PACKET];
	uint64_t addr, len;
	int ret;

	p = parse_addr_len(p, end, &addr, &len);
	if (!p || *p != ':' || len > sizeof(buf) || addr + len < addr)
		return error(o, EINVAL);
	p++;
	if (binary) {
		if ((uint64_t)(end - p) != len)
			return error(o, EINVAL);
		memcpy(buf, p, len);
	} else if ((uint64_t)(end - p) != len * 2 ||
		   gdb_hex_to_bytes(p, len * 2, buf, sizeof(buf)) != (long)len) {
		return error(o, EINVAL);
	}
	ret = len ? s->ops->write_mem(s->target, s->g_cpu, addr, buf, len) : 0;
	return ret ? error(o, ret) : ok(o);
}

static int insert_sw_bp(struct gdb_session *s, uint64_t addr)
{
	struct gdb_sw_bp *bp;
	uint8_t brk[4] = { BRK_0 & 0xff, (BRK_0 >> 8) & 0xff, (BRK_0 >> 16) & 0xff,
			   BRK_0 >> 24 };
	int ret;

	if (addr & 3)
		return -EINVAL;
	if (gdb_cmd_is_sw_bp(s, addr))
		return 0;
	if (s->nsw_bps == GDB_MAX_SW_BPS)
		return -ENOSPC;
	bp = &s->sw_bps[s->nsw_bps];
	bp->addr = addr;
	ret = s->ops->read_mem(s->target, s->g_cpu, addr, bp->saved, 4);
	if (!ret)
		ret = s->ops->write_mem(s->target, s->g_cpu, addr, brk, 4);
	if (!ret)
		s->nsw_bps++;
	return ret;
}

static int remove_sw_bp(struct gdb_session *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->nsw_bps; i++) {
		struct gdb_sw_bp *bp = &s->sw_bps[i];
		int ret;

		if (bp->addr != addr)
			continue;
		ret = s->ops->write_mem(s->target, s->g_cpu, addr, bp->saved, 4);
		*bp = s->sw_bps[--s->nsw_bps];
		return ret;
	}
	return 0; /* already gone: removal is idempotent */
}

void gdb_cmd_remove_all_sw_bps(struct gdb_session *s)
{
	while (s->nsw_bps)
		remove_sw_bp(s, s->sw_bps[s->nsw_bps - 1].addr);
}

static enum gdb_cmd_result breakpoint(struct gdb_session *s, struct out *o,
				      const char *p, const char *end, bool insert)
{
	uint64_t type, addr, kind;
	int ret;

	p = parse_hex(p, end, &type);
	if (!p || *p != ',' || type > GDB_WP_ACCESS)
		return o->len = 0, GDB_CMD_REPLY; /* unknown type: unsupported */
	p = parse_addr_len(p + 1, end, &addr, &kind);
	/* A condition list (";X...") may follow; a64vm evaluates none. */
	if (!p || (p != end && *p != ';'))
		return error(o, EINVAL);
	if (type == GDB_BP_SW)
		ret = insert ? insert_sw_bp(s, addr) : remove_sw_bp(s, addr);
	else if (insert)
		ret = s->ops->insert_hw(s->target, (enum gdb_bp_type)type, addr, kind);
	else
		ret = s->ops->remove_hw(s->target, (enum gdb_bp_type)type, addr, kind);
	return ret ? error(o, ret) : ok(o);
}

static void resume(struct gdb_session *s, const enum gdb_action *actions, int sig)
{
	s->ops->resume(s->target, actions, sig, s->nsw_bps > 0);
}

/* c, s, C and S: the Hc thread (or the stopped one) runs; all others too. */
static enum gdb_cmd_result old_resume(struct gdb_session *s, struct out *o,
				      char cmd, const char *p, const char *end)
{
	enum gdb_action actions[GDB_MAX_CPUS];
	unsigned n = s->ops->ncpus(s->target), cpu;
	uint64_t sig = 0, addr;
	bool step = cmd == 's' || cmd == 'S';

	if (cmd == 'C' || cmd == 'S') {
		p = parse_hex(p, end, &sig);
		if (!p || sig > 0xff)
			return error(o, EINVAL);
		if (p != end && *p++ != ';')
			return error(o, EINVAL);
	}
	cpu = s->c_cpu >= 0 ? (unsigned)s->c_cpu : s->last_stop.cpu;
	if (cpu >= n || n > GDB_MAX_CPUS)
		return error(o, ESRCH);
	if (p != end) {
		struct gdb_regs r;

		if (parse_hex(p, end, &addr) != end)
			return error(o, EINVAL);
		if (s->ops->get_regs(s->target, cpu, &r))
			return error(o, EIO);
		r.pc = addr;
		if (s->ops->set_regs(s->target, cpu, &r))
			return error(o, EIO);
	}
	for (unsigned i = 0; i < n; i++)
		actions[i] = step ? GDB_ACT_STAY : GDB_ACT_CONTINUE;
	actions[cpu] = step ? GDB_ACT_STEP : GDB_ACT_CONTINUE;
	resume(s, actions, (int)sig);
	return GDB_CMD_RESUMED;
}

/* vCont;ACTION[:TID];...: the first action naming a thread wins. */
static enum gdb_cmd_result vcont(struct gdb_session *s, struct out *o,
				 const char *p, const char *end)
{
	enum gdb_action actions[GDB_MAX_CPUS];
	bool set[GDB_MAX_CPUS] = { false };
	unsigned n = s->ops->ncpus(s->target);
	int sig = 0;

	if (n > GDB_MAX_CPUS)
		return error(o, ESRCH);
	for (unsigned i = 0; i < n; i++)
		actions[i] = GDB_ACT_STAY;
	while (p < end) {
		const char *next, *colon;
		enum gdb_action act;
		uint64_t v = 0;
		long tid = -1;
		char a;

		if (*p++ != ';' || p == end)
			return error(o, EINVAL);
		next = memchr(p, ';', (size_t)(end - p));
		next = next ? next : end;
		colon = memchr(p, ':', (size_t)(next - p));
		a = *p++;
		if (a == 'C' || a == 'S') {
			p = parse_hex(p, colon ? colon : next, &v);
			if (!p || v > 0xff)
				return error(o, EINVAL);
		}
		if (a != 'c' && a != 's' && a != 'C' && a != 'S')
			return error(o, EINVAL);
		if (p != (colon ? colon : next))
			return error(o, EINVAL);
		if (colon) {
			tid = parse_thread(s, colon + 1, next);
			if (tid == -2)
				return error(o, EINVAL);
		}
		act = (a == 's' || a == 'S') ? GDB_ACT_STEP : GDB_ACT_CONTINUE;
		for (unsigned i = 0; i < n; i++) {
			if (set[i] || (tid > 0 && (unsigned)tid != i + 1))
				continue;
			actions[i] = act;
			set[i] = true;
			if (v && i == s->last_stop.cpu)
				sig = (int)v;
		}
		p = next;
	}
	resume(s, actions, sig);
	return GDB_CMD_RESUMED;
}

/* qXfer's "OFFSET,LENGTH" window over a document. */
static enum gdb_cmd_result xfer(struct out *o, const char *doc, size_t doclen,
				const char *p, const char *end)
{
	uint64_t off, len;

	p = parse_addr_len(p, end, &off, &len);
	if (!p || p != end)
		return error(o, EINVAL);
	if (off >= doclen) {
		put(o, "l");
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

static enum gdb_cmd_result thread_list_xml(struct gdb_session *s, struct out *o,
					   const char *p, const char *end)
{
	char doc[8192];
	struct out d = { doc, 0, sizeof(doc), false };
	unsigned n = s->ops->ncpus(s->target);

	put(&d, "<?xml version=\"1.0\"?><threads>");
	for (unsigned i = 0; i < n && !d.overflow; i++)
		put(&d, "<thread id=\"%x\" name=\"vCPU %u\"/>", i + 1, i);
	put(&d, "</threads>");
	if (d.overflow)
		return error(o, E2BIG);
	return xfer(o, doc, d.len, p, end);
}

static bool starts(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - p) >= n && !memcmp(p, prefix, n);
}

static enum gdb_cmd_result monitor(struct gdb_session *s, struct out *o,
				   const char *p, const char *end)
{
	char cmd[256], text[4096];
	long n = gdb_hex_to_bytes(p, (size_t)(end - p), (uint8_t *)cmd, sizeof(cmd) - 1);
	int ret;

	if (n < 0)
		return error(o, EINVAL);
	cmd[n] = '\0';
	text[0] = '\0';
	ret = s->ops->monitor(s->target, cmd, text, sizeof(text));
	if (ret && !text[0])
		return error(o, ret);
	if (!text[0])
		return ok(o);
	put_hex(o, (const uint8_t *)text, strlen(text)); /* the output, in hex */
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result query(struct gdb_session *s, struct out *o,
				 const char *p, const char *end)
{
	unsigned n = s->ops->ncpus(s->target);

	if (starts(p, end, "qSupported")) {
		put(o, "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;"
		       "qXfer:threads:read+;swbreak+;hwbreak+;vContSupported+",
		    GDB_RSP_MAX_PACKET);
	} else if (starts(p, end, "qXfer:features:read:target.xml:")) {
		return xfer(o, s->target_xml, strlen(s->target_xml),
			    p + strlen("qXfer:features:read:target.xml:"), end);
	} else if (starts(p, end, "qXfer:threads:read::")) {
		return thread_list_xml(s, o, p + strlen("qXfer:threads:read::"), end);
	} else if (starts(p, end, "qXfer:")) {
		return error(o, ENOENT);
	} else if (end - p == 2 && starts(p, end, "qC")) {
		put(o, "QC%x", s->last_stop.cpu + 1);
	} else if (starts(p, end, "qfThreadInfo")) {
		put(o, "m");
		for (unsigned i = 0; i < n && !o->overflow; i++)
			put(o, i ? ",%x" : "%x", i + 1);
	} else if (starts(p, end, "qsThreadInfo")) {
		put(o, "l");
	} else if (starts(p, end, "qThreadExtraInfo,")) {
		char name[32];
		long tid = parse_thread(s, p + strlen("qThreadExtraInfo,"), end);

		if (tid <= 0)
			return error(o, EINVAL);
		snprintf(name, sizeof(name), "vCPU %ld", tid - 1);
		put_hex(o, (const uint8_t *)name, strlen(name));
	} else if (starts(p, end, "qAttached")) {
		put(o, "1"); /* attached to a running VM: detach, not kill */
	} else if (starts(p, end, "qRcmd,")) {
		return monitor(s, o, p + strlen("qRcmd,"), end);
	}
	return GDB_CMD_REPLY; /* anything else: "" means unsupported */
}

static enum gdb_cmd_result set_thread(struct gdb_session *s, struct out *o,
				      const char *p, const char *end)
{
	char which = p < end ? *p++ : 0;
	long tid = parse_thread(s, p, end);

	if ((which != 'g' && which != 'c') || tid == -2)
		return error(o, EINVAL);
	if (which == 'g')
		s->g_cpu = cpu_of_thread(tid, s->g_cpu);
	else
		s->c_cpu = tid > 0 ? (int)tid - 1 : -1;
	return ok(o);
}

enum gdb_cmd_result gdb_cmd_handle(struct gdb_session *s, const char *pkt,
				   size_t len, char *reply, size_t *reply_len)
{
	struct out o = { reply, 0, GDB_RSP_MAX_PACKET + 1, false };
	const char *p = pkt + 1, *end = pkt + len;
	enum gdb_cmd_result res = GDB_CMD_REPLY;

	reply[0] = '\0';
	switch (len ? pkt[0] : 0) {
	case '?':
		o.len = gdb_cmd_stop_reply(s, &s->last_stop, reply, o.cap);
		break;
	case 'g':
		res = read_all_regs(s, &o);
		break;
	case 'G':
		res = write_all_regs(s, &o, p, (size_t)(end - p));
		break;
	case 'p':
	case 'P':
		res = one_reg(s, &o, p, end, pkt[0] == 'P');
		break;
	case 'm':
		res = read_mem(s, &o, p, end);
		break;
	case 'M':
	case 'X':
		res = write_mem(s, &o, p, end, pkt[0] == 'X');
		break;
	case 'c':
	case 's':
	case 'C':
	case 'S':
		res = old_resume(s, &o, pkt[0], p, end);
		break;
	case 'v':
		if (starts(pkt, end, "vCont?"))
			put(&o, "vCont;c;C;s;S");
		else if (starts(pkt, end, "vCont;"))
			res = vcont(s, &o, pkt + 5, end);
		else if (starts(pkt, end, "vKill")) {
			s->ops->kill(s->target);
			ok(&o);
			res = GDB_CMD_DETACHED;
		}
		break;
	case 'H':
		res = set_thread(s, &o, p, end);
		break;
	case 'T':
		res = parse_thread(s, p, end) > 0 ? ok(&o) : error(&o, ENOENT);
		break;
	case 'q':
		res = query(s, &o, pkt, end);
		break;
	case 'Q':
		if (starts(pkt, end, "QStartNoAckMode")) {
			s->no_ack = true;
			res = ok(&o);
		}
		break;
	case 'Z':
	case 'z':
		res = breakpoint(s, &o, p, end, pkt[0] == 'Z');
		break;
	case 'D':
		gdb_cmd_remove_all_sw_bps(s);
		s->ops->detach(s->target);
		ok(&o);
		res = GDB_CMD_DETACHED;
		break;
	case 'k':
		s->ops->kill(s->target);
		return GDB_CMD_KILLED;
	default:
		break; /* unsupported: the empty reply */
	}
	if (o.overflow)
		error(&o, E2BIG);
	*reply_len = o.len;
	return res;
}
