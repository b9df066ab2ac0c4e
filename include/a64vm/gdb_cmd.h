/*
 * The GDB remote protocol's commands (all-stop mode) over an abstract
 * target: a packet in, a reply out. Pure, so that it runs against a fake
 * target in the unit tests; vmm/gdb_stub.c drives it with real vCPUs.
 * Threads are vCPUs: GDB thread id N is vCPU N-1.
 */
#ifndef A64VM_GDB_CMD_H
#define A64VM_GDB_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/gdb_regs.h"
#include "a64vm/gdb_reply.h"
#include "a64vm/gdb_rsp.h"

/* Z/z types, numbered as in the packets. */
enum gdb_bp_type {
	GDB_BP_SW = 0,
	GDB_BP_HW = 1,
	GDB_WP_WRITE = 2,
	GDB_WP_READ = 3,
	GDB_WP_ACCESS = 4,
};

/* GDB's own signal numbers (include/gdb/signals.def), not the host's. */
enum {
	GDB_SIGINT = 2,
	GDB_SIGTRAP = 5,
	GDB_SIGBUS = 10,
};

enum gdb_stop_kind {
	GDB_STOP_SIGNAL, /* plain: an attach, a step, Ctrl-C, a fault */
	GDB_STOP_BREAK,	 /* a BRK: swbreak when it is one of ours */
	GDB_STOP_HWBREAK,
	GDB_STOP_WATCH, /* addr: the data address that fired */
};

struct gdb_stop {
	unsigned cpu;
	enum gdb_stop_kind kind;
	int signal;
	uint64_t addr;		 /* GDB_STOP_WATCH */
	enum gdb_bp_type wtype;	 /* GDB_STOP_WATCH: which kind fired */
};

enum gdb_action {
	GDB_ACT_STAY, /* stays stopped */
	GDB_ACT_CONTINUE,
	GDB_ACT_STEP,
};

#define GDB_MAX_SW_BPS 64
#define GDB_MAX_CPUS 512 /* the stub refuses a VM with more vCPUs */

struct gdb_target_ops {
	unsigned (*ncpus)(void *t);
	int (*get_regs)(void *t, unsigned cpu, struct gdb_regs *r);
	int (*set_regs)(void *t, unsigned cpu, const struct gdb_regs *r);
	/* Guest virtual memory as the vCPU sees it; 0 or -errno. */
	int (*read_mem)(void *t, unsigned cpu, uint64_t va, uint8_t *buf, size_t len);
	int (*write_mem)(void *t, unsigned cpu, uint64_t va, const uint8_t *buf,
			 size_t len);
	/* Hardware breakpoints and watchpoints; -ENOSPC when all are taken. */
	int (*insert_hw)(void *t, enum gdb_bp_type type, uint64_t addr, uint64_t len);
	int (*remove_hw)(void *t, enum gdb_bp_type type, uint64_t addr, uint64_t len);
	/*
	 * Lets the vCPUs run as actions[cpu] says (ncpus entries). signal is
	 * the one GDB delivers to the stopped thread with C/S, or 0.
	 */
	void (*resume)(void *t, const enum gdb_action *actions, int signal,
		       bool sw_bps);
	/* A monitor command's output, NUL-terminated in out; 0 or -errno. */
	int (*monitor)(void *t, const char *cmd, char *out, size_t cap);
	/*
	 * Takes the stopped VM back to its bookmark (reverse-continue and
	 * reverse-stepi); 0, or -errno with why in why. NULL: no history.
	 */
	int (*rewind)(void *t, char *why, size_t cap);
	/* Clears every hardware breakpoint and lets every vCPU run. */
	void (*detach)(void *t);
	void (*kill)(void *t);
};

struct gdb_sw_bp {
	uint64_t addr;
	uint8_t saved[4];
};

struct gdb_session {
	const struct gdb_target_ops *ops;
	void *target;
	const char *target_xml; /* what qXfer:features gives: gdb_target_xml */
	bool no_ack;
	unsigned g_cpu; /* Hg: registers and memory */
	int c_cpu;	/* Hc: the thread c/s resume; -1 = any */
	struct gdb_stop last_stop;
	struct gdb_sw_bp sw_bps[GDB_MAX_SW_BPS];
	unsigned nsw_bps;
	/* Text for GDB's console ahead of the reply (an O packet), or "". */
	char console[200];
};

void gdb_session_init(struct gdb_session *s, const struct gdb_target_ops *ops,
		      void *target);

/*
 * Handles one packet's payload. reply (GDB_RSP_MAX_PACKET + 1 bytes) gets
 * the reply payload for GDB_CMD_REPLY and GDB_CMD_DETACHED; *reply_len
 * its length. s->console, when set, goes to GDB first.
 */
enum gdb_cmd_result gdb_cmd_handle(struct gdb_session *s, const char *pkt,
				   size_t len, char *reply, size_t *reply_len);

/* The stop reply for stop (remembered for '?'), as T packet payload. */
size_t gdb_cmd_stop_reply(struct gdb_session *s, const struct gdb_stop *stop,
			  char *reply, size_t cap);

/* Whether addr holds one of the session's software breakpoints. */
bool gdb_cmd_is_sw_bp(const struct gdb_session *s, uint64_t addr);

/* Restores every software breakpoint's instruction (detach, a lost client). */
void gdb_cmd_remove_all_sw_bps(struct gdb_session *s);


#endif
