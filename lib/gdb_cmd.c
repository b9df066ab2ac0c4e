#include "a64vm/gdb_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/gdb_query.h"
#include "a64vm/gdb_tdesc.h"

#define MAX_MEM_XFER ((GDB_RSP_MAX_PACKET - 8) / 2)

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
	struct gdb_out o = { reply, 0, cap, false };

	s->last_stop = *stop;
	s->g_cpu = stop->cpu;
	gdb_put(&o, "T%02xthread:%x;", (unsigned)stop->signal & 0xff, stop->cpu + 1);
	/* A BRK that is not ours (a guest's BUG()) is a plain SIGTRAP. */
	if (stop->kind == GDB_STOP_BREAK && gdb_cmd_is_sw_bp(s, stop->addr))
		gdb_put(&o, "swbreak:;");
	else if (stop->kind == GDB_STOP_HWBREAK)
		gdb_put(&o, "hwbreak:;");
	else if (stop->kind == GDB_STOP_WATCH && stop->wtype >= GDB_WP_WRITE &&
		 stop->wtype <= GDB_WP_ACCESS)
		gdb_put(&o, "%s:%" PRIx64 ";", watch_kind[stop->wtype], stop->addr);
	return o.len;
}

static enum gdb_cmd_result read_all_regs(struct gdb_session *s, struct gdb_out *o)
{
	struct gdb_regs r;
	uint8_t bytes[GDB_REG_MAX_BYTES];
	int ret = s->ops->get_regs(s->target, s->g_cpu, &r);

	if (ret)
		return gdb_error(o, ret);
	for (unsigned n = 0; n < gdb_regs_count(&r); n++)
		gdb_put_hex(o, bytes, gdb_reg_get(&r, n, bytes));
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result write_all_regs(struct gdb_session *s, struct gdb_out *o,
					  const char *hex, size_t digits)
{
	struct gdb_regs r;
	uint8_t bytes[GDB_REG_MAX_BYTES];
	int ret = s->ops->get_regs(s->target, s->g_cpu, &r);

	if (ret)
		return gdb_error(o, ret);
	/* GDB may send fewer registers than it knows; the rest stay. */
	for (unsigned n = 0; n < gdb_regs_count(&r) && digits; n++) {
		size_t size = gdb_reg_get(&r, n, bytes);

		if (digits < size * 2 ||
		    gdb_hex_to_bytes(hex, size * 2, bytes, sizeof(bytes)) != (long)size)
			return gdb_error(o, EINVAL);
		gdb_reg_set(&r, n, bytes);
		hex += size * 2;
		digits -= size * 2;
	}
	if (digits)
		return gdb_error(o, EINVAL);
	ret = s->ops->set_regs(s->target, s->g_cpu, &r);
	return ret ? gdb_error(o, ret) : gdb_ok(o);
}

static enum gdb_cmd_result one_reg(struct gdb_session *s, struct gdb_out *o,
				   const char *p, const char *end, bool write)
{
	struct gdb_regs r;
	uint8_t bytes[GDB_REG_MAX_BYTES];
	uint64_t n;
	size_t size;
	int ret;

	p = gdb_parse_hex(p, end, &n);
	if (!p || (write ? *p != '=' : p != end))
		return gdb_error(o, EINVAL);
	ret = s->ops->get_regs(s->target, s->g_cpu, &r);
	if (ret)
		return gdb_error(o, ret);
	size = n < UINT32_MAX ? gdb_reg_get(&r, (unsigned)n, bytes) : 0;
	if (!size)
		return gdb_error(o, ENOENT);
	if (!write) {
		gdb_put_hex(o, bytes, size);
		return GDB_CMD_REPLY;
	}
	p++;
	if ((size_t)(end - p) != size * 2 ||
	    gdb_hex_to_bytes(p, size * 2, bytes, sizeof(bytes)) != (long)size)
		return gdb_error(o, EINVAL);
	gdb_reg_set(&r, (unsigned)n, bytes);
	ret = s->ops->set_regs(s->target, s->g_cpu, &r);
	return ret ? gdb_error(o, ret) : gdb_ok(o);
}

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

static enum gdb_cmd_result read_mem(struct gdb_session *s, struct gdb_out *o,
				    const char *p, const char *end)
{
	uint8_t buf[MAX_MEM_XFER];
	uint64_t addr, len;
	int ret;

	p = gdb_parse_addr_len(p, end, &addr, &len);
	if (!p || p != end)
		return gdb_error(o, EINVAL);
	if (len > sizeof(buf))
		len = sizeof(buf); /* GDB asks again for the rest */
	if (addr + len < addr)
		return gdb_error(o, EFAULT);
	ret = s->ops->read_mem(s->target, s->g_cpu, addr, buf, len);
	if (ret)
		return gdb_error(o, ret);
	unpatch(s, addr, buf, len);
	gdb_put_hex(o, buf, len);
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result write_mem(struct gdb_session *s, struct gdb_out *o,
				     const char *p, const char *end, bool binary)
{
	uint8_t buf[GDB_RSP_MAX_PACKET];
	uint64_t addr, len;
	int ret;

	p = gdb_parse_addr_len(p, end, &addr, &len);
	if (!p || *p != ':' || len > sizeof(buf) || addr + len < addr)
		return gdb_error(o, EINVAL);
	p++;
	if (binary) {
		if ((uint64_t)(end - p) != len)
			return gdb_error(o, EINVAL);
		memcpy(buf, p, len);
	} else if ((uint64_t)(end - p) != len * 2 ||
		   gdb_hex_to_bytes(p, len * 2, buf, sizeof(buf)) != (long)len) {
		return gdb_error(o, EINVAL);
	}
	ret = len ? s->ops->write_mem(s->target, s->g_cpu, addr, buf, len) : 0;
	return ret ? gdb_error(o, ret) : gdb_ok(o);
}

static int insert_sw_bp(struct gdb_session *s, uint64_t addr)
{
	struct gdb_sw_bp *bp;
	const uint8_t *brk = gdb_sw_bp_insn;
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

static enum gdb_cmd_result breakpoint(struct gdb_session *s, struct gdb_out *o,
				      const char *p, const char *end, bool insert)
{
	uint64_t type, addr, kind;
	int ret;

	p = gdb_parse_hex(p, end, &type);
	if (!p || *p != ',' || type > GDB_WP_ACCESS)
		return o->len = 0, GDB_CMD_REPLY; /* unknown type: unsupported */
	p = gdb_parse_addr_len(p + 1, end, &addr, &kind);
	/* A condition list (";X...") may follow; a64vm evaluates none. */
	if (!p || (p != end && *p != ';'))
		return gdb_error(o, EINVAL);
	if (type == GDB_BP_SW)
		ret = insert ? insert_sw_bp(s, addr) : remove_sw_bp(s, addr);
	else if (insert)
		ret = s->ops->insert_hw(s->target, (enum gdb_bp_type)type, addr, kind);
	else
		ret = s->ops->remove_hw(s->target, (enum gdb_bp_type)type, addr, kind);
	return ret ? gdb_error(o, ret) : gdb_ok(o);
}

static void resume(struct gdb_session *s, const enum gdb_action *actions, int sig)
{
	s->ops->resume(s->target, actions, sig, s->nsw_bps > 0);
}

/* c, s, C and S: the Hc thread (or the stopped one) runs; all others too. */
static enum gdb_cmd_result old_resume(struct gdb_session *s, struct gdb_out *o,
				      char cmd, const char *p, const char *end)
{
	enum gdb_action actions[GDB_MAX_CPUS];
	unsigned n = s->ops->ncpus(s->target), cpu;
	uint64_t sig = 0, addr;
	bool step = cmd == 's' || cmd == 'S';

	if (cmd == 'C' || cmd == 'S') {
		p = gdb_parse_hex(p, end, &sig);
		if (!p || sig > 0xff)
			return gdb_error(o, EINVAL);
		if (p != end && *p++ != ';')
			return gdb_error(o, EINVAL);
	}
	cpu = s->c_cpu >= 0 ? (unsigned)s->c_cpu : s->last_stop.cpu;
	if (cpu >= n || n > GDB_MAX_CPUS)
		return gdb_error(o, ESRCH);
	if (p != end) {
		struct gdb_regs r;

		if (gdb_parse_hex(p, end, &addr) != end)
			return gdb_error(o, EINVAL);
		if (s->ops->get_regs(s->target, cpu, &r))
			return gdb_error(o, EIO);
		r.pc = addr;
		if (s->ops->set_regs(s->target, cpu, &r))
			return gdb_error(o, EIO);
	}
	for (unsigned i = 0; i < n; i++)
		actions[i] = step ? GDB_ACT_STAY : GDB_ACT_CONTINUE;
	actions[cpu] = step ? GDB_ACT_STEP : GDB_ACT_CONTINUE;
	resume(s, actions, (int)sig);
	return GDB_CMD_RESUMED;
}

/* vCont;ACTION[:TID];...: the first action naming a thread wins. */
static enum gdb_cmd_result vcont(struct gdb_session *s, struct gdb_out *o,
				 const char *p, const char *end)
{
	enum gdb_action actions[GDB_MAX_CPUS];
	bool set[GDB_MAX_CPUS] = { false };
	unsigned n = s->ops->ncpus(s->target);
	int sig = 0;

	if (n > GDB_MAX_CPUS)
		return gdb_error(o, ESRCH);
	for (unsigned i = 0; i < n; i++)
		actions[i] = GDB_ACT_STAY;
	while (p < end) {
		const char *next, *colon;
		enum gdb_action act;
		uint64_t v = 0;
		long tid = -1;
		char a;

		if (*p++ != ';' || p == end)
			return gdb_error(o, EINVAL);
		next = memchr(p, ';', (size_t)(end - p));
		next = next ? next : end;
		colon = memchr(p, ':', (size_t)(next - p));
		a = *p++;
		if (a == 'C' || a == 'S') {
			p = gdb_parse_hex(p, colon ? colon : next, &v);
			if (!p || v > 0xff)
				return gdb_error(o, EINVAL);
		}
		if (a != 'c' && a != 's' && a != 'C' && a != 'S')
			return gdb_error(o, EINVAL);
		if (p != (colon ? colon : next))
			return gdb_error(o, EINVAL);
		if (colon) {
			tid = gdb_parse_thread(s->ops->ncpus(s->target), colon + 1, next);
			if (tid == -2)
				return gdb_error(o, EINVAL);
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

/*
 * After a rewind the breakpoints GDB inserted may be gone from memory (the
 * pages were copied back): each is written again, its instruction taken
 * from the rewound memory unless that holds our BRK (inserted when the
 * checkpoint was taken).
 */
static void reinsert_sw_bps(struct gdb_session *s)
{
	for (unsigned i = 0; i < s->nsw_bps; i++) {
		struct gdb_sw_bp *bp = &s->sw_bps[i];
		uint8_t now[4];

		if (s->ops->read_mem(s->target, s->g_cpu, bp->addr, now, 4))
			continue;
		if (memcmp(now, gdb_sw_bp_insn, 4))
			memcpy(bp->saved, now, 4);
		s->ops->write_mem(s->target, s->g_cpu, bp->addr, gdb_sw_bp_insn, 4);
	}
}

/*
 * bc and bs: the VM goes back to its bookmark, which is the start of the
 * history GDB can see ("replaylog:begin": no more reverse-execution
 * history). The stop report makes GDB read registers and memory again.
 */
static enum gdb_cmd_result reverse(struct gdb_session *s, struct gdb_out *o,
				   const char *p, const char *end)
{
	char why[sizeof(s->console) - 32];
	struct gdb_stop stop = s->last_stop;

	if (!s->ops->rewind || p + 1 != end || (*p != 'c' && *p != 's'))
		return GDB_CMD_REPLY; /* unsupported */
	why[0] = '\0';
	if (s->ops->rewind(s->target, why, sizeof(why)))
		snprintf(s->console, sizeof(s->console), "a64vm: not rewound: %s\n", why);
	else
		reinsert_sw_bps(s);
	stop.kind = GDB_STOP_SIGNAL;
	stop.signal = GDB_SIGTRAP;
	o->len = gdb_cmd_stop_reply(s, &stop, o->buf, o->cap);
	gdb_put(o, "replaylog:begin;");
	return GDB_CMD_REPLY;
}

static enum gdb_cmd_result set_thread(struct gdb_session *s, struct gdb_out *o,
				      const char *p, const char *end)
{
	char which = p < end ? *p++ : 0;
	long tid = gdb_parse_thread(s->ops->ncpus(s->target), p, end);

	if ((which != 'g' && which != 'c') || tid == -2)
		return gdb_error(o, EINVAL);
	if (which == 'g')
		s->g_cpu = cpu_of_thread(tid, s->g_cpu);
	else
		s->c_cpu = tid > 0 ? (int)tid - 1 : -1;
	return gdb_ok(o);
}

enum gdb_cmd_result gdb_cmd_handle(struct gdb_session *s, const char *pkt,
				   size_t len, char *reply, size_t *reply_len)
{
	struct gdb_out o = { reply, 0, GDB_RSP_MAX_PACKET + 1, false };
	const char *p = pkt + 1, *end = pkt + len;
	enum gdb_cmd_result res = GDB_CMD_REPLY;

	reply[0] = '\0';
	s->console[0] = '\0';
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
	case 'b':
		res = reverse(s, &o, p, end);
		break;
	case 'v':
		if (gdb_starts(pkt, end, "vCont?"))
			gdb_put(&o, "vCont;c;C;s;S");
		else if (gdb_starts(pkt, end, "vCont;"))
			res = vcont(s, &o, pkt + 5, end);
		else if (gdb_starts(pkt, end, "vKill")) {
			s->ops->kill(s->target);
			gdb_ok(&o);
			res = GDB_CMD_DETACHED;
		}
		break;
	case 'H':
		res = set_thread(s, &o, p, end);
		break;
	case 'T':
		res = gdb_parse_thread(s->ops->ncpus(s->target), p, end) > 0
			      ? gdb_ok(&o) : gdb_error(&o, ENOENT);
		break;
	case 'q':
		res = gdb_query(&(struct gdb_query_ctx){
			.ncpus = s->ops->ncpus(s->target), .current_cpu = s->last_stop.cpu,
			.target_xml = s->target_xml, .monitor = s->ops->monitor,
			.target = s->target, .reverse = s->ops->rewind != NULL }, &o, pkt, end);
		break;
	case 'Q':
		if (gdb_starts(pkt, end, "QStartNoAckMode")) {
			s->no_ack = true;
			res = gdb_ok(&o);
		}
		break;
	case 'Z':
	case 'z':
		res = breakpoint(s, &o, p, end, pkt[0] == 'Z');
		break;
	case 'D':
		gdb_cmd_remove_all_sw_bps(s);
		s->ops->detach(s->target);
		gdb_ok(&o);
		res = GDB_CMD_DETACHED;
		break;
	case 'k':
		s->ops->kill(s->target);
		return GDB_CMD_KILLED;
	default:
		break; /* unsupported: the empty reply */
	}
	if (o.overflow)
		gdb_error(&o, E2BIG);
	*reply_len = o.len;
	return res;
}
