#include "a64vm/arch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/guest_va.h"
#include "a64vm/log.h"
#include "a64vm/regs.h"

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define EC_HW_BREAK 0x30
#define EC_STEP 0x32
#define EC_WATCH 0x34
#define EC_BRK64 0x3c

#define PAGE 4096u

void gdb_target_host_limits(int kvm_fd, unsigned *bps, unsigned *wps)
{
	int b = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_BPS);
	int w = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_WPS);

	*bps = b > 0 ? (unsigned)b : 0;
	*wps = w > 0 ? (unsigned)w : 0;
}

void gdb_target_init(struct gdb_target *t, const struct gdb_vm_control *vm)
{
	memset(t, 0, sizeof(*t));
	t->vm = *vm;
	t->nisv_cpu = -1;
	t->step_cpu = -1;
	hw_debug_init(&t->hw, vm->hw_bps, vm->hw_wps);
	log_debug("gdb: %u hardware breakpoints, %u watchpoints", t->hw.max_bps,
		  t->hw.max_wps);
}

static int vcpu_fd(const struct gdb_target *t, unsigned cpu)
{
	return cpu < t->vm.ncpus ? t->vm.vcpu_fd(t->vm.ctx, cpu) : -1;
}

static unsigned ncpus(void *tp)
{
	return ((struct gdb_target *)tp)->vm.ncpus;
}

/* SVE's registers: z, p and ffr through KVM's first 2048-bit slice. */
static int get_sve(int fd, struct gdb_regs *r)
{
	uint8_t slice[REGS_ZREG_BYTES];
	int ret = 0;

	for (unsigned n = 0; n < 32 && !ret; n++) {
		ret = regs_get_wide(fd, KVM_REG_ARM64_SVE_ZREG(n, 0), slice);
		memcpy(r->z[n], slice, 16 * r->vq);
	}
	for (unsigned n = 0; n < 16 && !ret; n++) {
		ret = regs_get_wide(fd, KVM_REG_ARM64_SVE_PREG(n, 0), slice);
		memcpy(r->p[n], slice, 2 * r->vq);
	}
	if (!ret)
		ret = regs_get_wide(fd, KVM_REG_ARM64_SVE_FFR(0), slice);
	memcpy(r->ffr, slice, 2 * r->vq);
	r->vg = 2 * r->vq;
	return ret;
}

/* Writes the SVE registers that differ from cur; vg cannot change. */
static int set_sve(int fd, const struct gdb_regs *r, const struct gdb_regs *cur)
{
	uint8_t slice[REGS_ZREG_BYTES] = { 0 };
	size_t zb = 16 * r->vq, pb = 2 * r->vq;
	int ret = 0;

	for (unsigned n = 0; n < 32 && !ret; n++)
		if (memcmp(r->z[n], cur->z[n], zb)) {
			memcpy(slice, r->z[n], zb);
			ret = regs_set_wide(fd, KVM_REG_ARM64_SVE_ZREG(n, 0), slice);
		}
	memset(slice, 0, sizeof(slice));
	for (unsigned n = 0; n < 16 && !ret; n++)
		if (memcmp(r->p[n], cur->p[n], pb)) {
			memcpy(slice, r->p[n], pb);
			ret = regs_set_wide(fd, KVM_REG_ARM64_SVE_PREG(n, 0), slice);
		}
	if (!ret && memcmp(r->ffr, cur->ffr, pb)) {
		memcpy(slice, r->ffr, pb);
		ret = regs_set_wide(fd, KVM_REG_ARM64_SVE_FFR(0), slice);
	}
	return ret;
}

static int get_regs(void *tp, unsigned cpu, struct gdb_regs *r)
{
	struct gdb_target *t = tp;
	int fd = vcpu_fd(t, cpu), ret = fd < 0 ? -ESRCH : 0;
	uint64_t pstate = 0;

	/* Never past the architecture's length, whatever the VM was told. */
	r->vq = t->vm.sve_vq < GDB_SVE_MAX_VQ ? t->vm.sve_vq : GDB_SVE_MAX_VQ;
	for (unsigned n = 0; n < 31 && !ret; n++)
		ret = regs_get(fd, regs_x_id(n), &r->x[n]);
	if (!ret)
		ret = regs_get(fd, regs_pc_id(), &r->pc);
	if (!ret)
		ret = regs_get(fd, regs_pstate_id(), &pstate);
	if (!ret)
		ret = regs_get(fd, regs_sp_id(pstate), &r->sp);
	if (!ret && r->vq)
		ret = get_sve(fd, r);
	for (unsigned n = 0; n < 32 && !ret && !r->vq; n++)
		ret = regs_get128(fd, regs_v_id(n), r->v[n]);
	if (!ret)
		ret = regs_get32(fd, regs_fpsr_id(), &r->fpsr);
	if (!ret)
		ret = regs_get32(fd, regs_fpcr_id(), &r->fpcr);
	r->cpsr = (uint32_t)pstate;
	return ret;
}

/* Writes only what changed: fewer system calls, no needless PSTATE write. */
static int set_regs(void *tp, unsigned cpu, const struct gdb_regs *r)
{
	struct gdb_regs cur;
	int fd = vcpu_fd(tp, cpu), ret = get_regs(tp, cpu, &cur);
	uint64_t pstate;

	for (unsigned n = 0; n < 31 && !ret; n++)
		if (r->x[n] != cur.x[n])
			ret = regs_set(fd, regs_x_id(n), r->x[n]);
	if (!ret && r->pc != cur.pc)
		ret = regs_set(fd, regs_pc_id(), r->pc);
	if (!ret && r->cpsr != cur.cpsr) {
		ret = regs_get(fd, regs_pstate_id(), &pstate);
		if (!ret)
			ret = regs_set(fd, regs_pstate_id(),
				       (pstate & ~0xffffffffull) | r->cpsr);
	}
	/* The SP GDB sees is the one the (new) PSTATE selects. */
	if (!ret && (r->sp != cur.sp || r->cpsr != cur.cpsr))
		ret = regs_set(fd, regs_sp_id(r->cpsr), r->sp);
	if (!ret && cur.vq)
		ret = set_sve(fd, r, &cur);
	for (unsigned n = 0; n < 32 && !ret && !cur.vq; n++)
		if (memcmp(r->v[n], cur.v[n], sizeof(r->v[n])))
			ret = regs_set128(fd, regs_v_id(n), r->v[n]);
	if (!ret && r->fpsr != cur.fpsr)
		ret = regs_set32(fd, regs_fpsr_id(), r->fpsr);
	if (!ret && r->fpcr != cur.fpcr)
		ret = regs_set32(fd, regs_fpcr_id(), r->fpcr);
	return ret;
}

/* The IPA of va, as cpu sees it; 0 or -errno. */
static int translate(struct gdb_target *t, unsigned cpu, uint64_t va, uint64_t *ipa)
{
	int fd = vcpu_fd(t, cpu);
	struct guest_va g;
	struct mmu_result r;

	if (fd < 0 || guest_va_init(&g, fd, t->vm.mem) ||
	    guest_va_translate(&g, va, false, &r))
		return -EFAULT;
	*ipa = r.ipa;
	return 0;
}

/*
 * Guest memory page by page: RAM directly, flash through the VM (a write
 * there is the debugger's patch, never the flash file's). Device memory
 * is not touched behind the guest's back.
 */
static int access_mem(struct gdb_target *t, unsigned cpu, uint64_t va, uint8_t *buf,
		      size_t len, bool write)
{
	while (len) {
		size_t chunk = PAGE - (va & (PAGE - 1));
		uint64_t ipa;
		uint8_t *ram;

		chunk = chunk < len ? chunk : len;
		if (translate(t, cpu, va, &ipa))
			return -EFAULT;
		ram = memory_gpa_to_hva(t->vm.mem, ipa, chunk);
		if (!ram) {
			if (t->vm.phys_access(t->vm.ctx, ipa, buf, chunk, write))
				return -EFAULT;
		} else if (write) {
			memcpy(ram, buf, chunk);
			/* The guest may run what was written (a breakpoint). */
			__builtin___clear_cache((char *)ram, (char *)ram + chunk);
		} else {
			memcpy(buf, ram, chunk);
		}
		va += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

static int read_mem(void *tp, unsigned cpu, uint64_t va, uint8_t *buf, size_t len)
{
	return access_mem(tp, cpu, va, buf, len, false);
}

static int write_mem(void *tp, unsigned cpu, uint64_t va, const uint8_t *buf,
		     size_t len)
{
	return access_mem(tp, cpu, va, (uint8_t *)buf, len, true);
}

static int insert_hw(void *tp, enum gdb_bp_type type, uint64_t addr, uint64_t len)
{
	struct gdb_target *t = tp;
	int ret = hw_debug_insert(&t->hw, type, addr, len);

	if (ret == -ENOSPC)
		log_info("gdb: all %u hardware %s are in use", type == GDB_BP_HW ?
			 t->hw.max_bps : t->hw.max_wps, type == GDB_BP_HW ?
			 "breakpoints" : "watchpoints");
	return ret;
}

static int remove_hw(void *tp, enum gdb_bp_type type, uint64_t addr, uint64_t len)
{
	return hw_debug_remove(&((struct gdb_target *)tp)->hw, type, addr, len);
}

static int set_guest_debug(struct gdb_target *t, unsigned cpu, bool sw_bps, bool step)
{
	struct kvm_guest_debug dbg = { 0 };

	if (sw_bps || step || hw_debug_any(&t->hw))
		dbg.control = KVM_GUESTDBG_ENABLE;
	if (sw_bps)
		dbg.control |= KVM_GUESTDBG_USE_SW_BP;
	if (hw_debug_any(&t->hw))
		dbg.control |= KVM_GUESTDBG_USE_HW;
	if (step)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	hw_debug_to_kvm(&t->hw, &dbg.arch);
	if (ioctl(vcpu_fd(t, cpu), KVM_SET_GUEST_DEBUG, &dbg)) {
		int err = errno;

		log_error("vCPU %u: KVM_SET_GUEST_DEBUG: %s", cpu, strerror(err));
		return -err;
	}
	return 0;
}

/*
 * An interrupt pending when a step starts would be taken first, and the
 * step would end in the interrupt handler. So the step runs with IRQ and
 * FIQ masked, and gdb_target_stopped puts the mask back.
 */
static void mask_for_step(struct gdb_target *t, unsigned cpu)
{
	int fd = vcpu_fd(t, cpu);
	uint8_t insn[4] = { 0 };

	t->step_cpu = (int)cpu;
	t->step_masked = false;
	if (regs_get(fd, regs_pc_id(), &t->step_pc) ||
	    regs_get(fd, regs_pstate_id(), &t->step_pstate) ||
	    regs_get(fd, regs_sys_id(REGS_VBAR_EL1), &t->step_vbar))
		return;
	if ((t->step_pstate & PSTATE_IF) == PSTATE_IF)
		return;
	read_mem(t, cpu, t->step_pc, insn, sizeof(insn));
	t->step_insn = (uint32_t)insn[0] | (uint32_t)insn[1] << 8 |
		       (uint32_t)insn[2] << 16 | (uint32_t)insn[3] << 24;
	t->step_masked = !regs_set(fd, regs_pstate_id(), t->step_pstate | PSTATE_IF);
}

void gdb_target_stopped(struct gdb_target *t)
{
	int fd;
	uint64_t pc, pstate, spsr;

	if (t->step_cpu < 0)
		return;
	fd = vcpu_fd(t, (unsigned)t->step_cpu);
	t->step_cpu = -1;
	if (!t->step_masked || regs_get(fd, regs_pc_id(), &pc) ||
	    regs_get(fd, regs_pstate_id(), &pstate))
		return;
	if (pc != t->step_pc && pc - t->step_vbar < 0x800) {
		/* The step took an exception: the saved mask must be the guest's. */
		if (!regs_get(fd, regs_spsr_el1_id(), &spsr))
			regs_set(fd, regs_spsr_el1_id(),
				 (spsr & ~PSTATE_IF) | (t->step_pstate & PSTATE_IF));
		return;
	}
	if (pc == t->step_pc)
		pstate = (pstate & ~PSTATE_IF) | (t->step_pstate & PSTATE_IF);
	else
		pstate = hw_debug_step_pstate(t->step_insn, t->step_pstate, pstate);
	regs_set(fd, regs_pstate_id(), pstate);
}

static void resume(void *tp, const enum gdb_action *actions, int signal, bool sw_bps)
{
	struct gdb_target *t = tp;

	for (unsigned i = 0; i < t->vm.ncpus; i++) {
		bool step = actions[i] == GDB_ACT_STEP;

		if (step)
			mask_for_step(t, i);
		set_guest_debug(t, i, sw_bps, step);
		t->vm.hold_vcpu(t->vm.ctx, i, actions[i] == GDB_ACT_STAY);
	}
	/* Continuing with SIGBUS gives the guest the abort it would have had. */
	if (signal == GDB_SIGBUS && t->nisv_cpu >= 0)
		nisv_inject_abort(t->vm.nisv, vcpu_fd(t, (unsigned)t->nisv_cpu),
				  (unsigned)t->nisv_cpu);
	t->nisv_cpu = -1;
	t->vm.release(t->vm.ctx);
}

static void detach(void *tp)
{
	struct gdb_target *t = tp;

	hw_debug_init(&t->hw, t->hw.max_bps, t->hw.max_wps);
	t->nisv_cpu = -1;
	for (unsigned i = 0; i < t->vm.ncpus; i++) {
		set_guest_debug(t, i, false, false);
		t->vm.hold_vcpu(t->vm.ctx, i, false);
	}
	t->vm.release(t->vm.ctx);
}

static void kill_vm(void *tp)
{
	struct gdb_target *t = tp;

	log_info("gdb: killed the VM");
	t->vm.quit(t->vm.ctx);
}

static const char monitor_help[] =
	"a64vm monitor commands:\n"
	"  help          this text\n"
	"  info vcpus    each vCPU's PC, exception level and state; the\n"
	"                number of hardware breakpoints and watchpoints\n"
	"  info nisv     loads/stores KVM could not decode, by outcome\n"
	"  reset         reboot the guest; it stays stopped\n"
	"  checkpoint NAME  keep the VM's state in memory as NAME; it becomes\n"
	"                the bookmark\n"
	"  bookmark NAME make checkpoint NAME the one reverse-continue (and\n"
	"                reverse-stepi) take the VM back to, with a stop GDB\n"
	"                reads again\n"
	"  rewind NAME   take the VM back to checkpoint NAME now; GDB's cached\n"
	"                registers stay stale until 'maintenance flush\n"
	"                register-cache' (tools/a64vm.gdb's vm-rewind instead\n"
	"                uses bookmark and reverse-continue)\n"
	"  snapshot DIR  save the VM to DIR (an absolute path)\n"
	"  restore DIR   take the VM back to the snapshot in DIR\n";

/* Runs r; a rewind or restore leaves no stopped access or step behind. */
static int run_snapshot(struct gdb_target *t, const struct snapshot_request *r,
			uint64_t *pages, char *why, size_t cap)
{
	int ret = t->vm.snapshot(t->vm.snapshot_ctx, r, pages, why, cap);

	if (ret)
		return ret;
	if (r->op == SNAPSHOT_REWIND || r->op == SNAPSHOT_RESTORE) {
		t->nisv_cpu = -1;
		t->step_cpu = -1;
	}
	if ((r->op == SNAPSHOT_CHECKPOINT || r->op == SNAPSHOT_REWIND) &&
	    strlen(r->arg) < sizeof(t->bookmark))
		strcpy(t->bookmark, r->arg);
	return 0;
}

/* reverse-continue and reverse-stepi: back to the bookmark. */
static int rewind_to_bookmark(void *tp, char *why, size_t cap)
{
	struct gdb_target *t = tp;
	struct snapshot_request r = { .op = SNAPSHOT_REWIND, .arg = t->bookmark };
	uint64_t pages = 0;
	int ret;

	if (!t->vm.snapshot) {
		snprintf(why, cap, "this VM has no snapshots");
		return -EINVAL;
	}
	if (!t->bookmark[0]) {
		snprintf(why, cap, "no checkpoint to go back to ('monitor checkpoint NAME' first)");
		return -ENOENT;
	}
	ret = run_snapshot(t, &r, &pages, why, cap);
	if (!ret)
		log_info("gdb: reverse-continue: rewound to %s (%llu pages copied back)",
			 t->bookmark, (unsigned long long)pages);
	return ret;
}

/* monitor checkpoint NAME, rewind NAME, snapshot DIR, restore DIR: false if cmd is none. */
static bool snapshot_command(struct gdb_target *t, const char *cmd, char *out, size_t cap,
			     int *ret)
{
	static const struct { const char *word; enum snapshot_op op; const char *done; } cmds[] = {
		{ "checkpoint ", SNAPSHOT_CHECKPOINT, "checkpoint %s taken\n" },
		{ "rewind ", SNAPSHOT_REWIND, "rewound to %s (%llu pages copied back); GDB's "
		  "register cache is stale until 'maintenance flush register-cache'\n" },
		{ "snapshot ", SNAPSHOT_SAVE, "saved to %s\n" },
		{ "restore ", SNAPSHOT_RESTORE, "restored from %s; GDB's register cache is stale "
		  "until 'maintenance flush register-cache'\n" },
	};
	char err[300];
	uint64_t pages = 0;

	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t n = strlen(cmds[i].word);
		struct snapshot_request r = { .op = cmds[i].op, .arg = cmd + n };

		if (strncmp(cmd, cmds[i].word, n))
			continue;
		if (!t->vm.snapshot || !cmd[n] ||
		    ((r.op == SNAPSHOT_SAVE || r.op == SNAPSHOT_RESTORE) && cmd[n] != '/')) {
			snprintf(out, cap, "%s\n", !t->vm.snapshot ? "this VM has no snapshots" :
				 "it needs a name, or an absolute directory");
			*ret = -EINVAL;
			return true;
		}
		*ret = run_snapshot(t, &r, &pages, err, sizeof(err));
		if (*ret) {
			snprintf(out, cap, "%sfailed: %s\n", cmds[i].word, err);
			return true;
		}
		snprintf(out, cap, cmds[i].done, r.arg, (unsigned long long)pages);
		return true;
	}
	return false;
}

static int monitor(void *tp, const char *cmd, char *out, size_t cap)
{
	struct gdb_target *t = tp;
	size_t len = 0;
	int ret;

	if (!strcmp(cmd, "help") || !cmd[0]) {
		snprintf(out, cap, "%s", monitor_help);
	} else if (!strcmp(cmd, "info vcpus")) {
		len = (size_t)snprintf(out, cap, "debug registers: %u hardware "
				       "breakpoints, %u watchpoints\n",
				       t->hw.max_bps, t->hw.max_wps);
		for (unsigned i = 0; i < t->vm.ncpus && len < cap; i++) {
			uint64_t pc = 0, pstate = 0;
			int fd = vcpu_fd(t, i);
			bool ok = !regs_get(fd, regs_pc_id(), &pc) &&
				  !regs_get(fd, regs_pstate_id(), &pstate);

			len += (size_t)snprintf(out + len, cap - len,
						"vCPU %u (thread %u): %s PC %#" PRIx64
						" EL%u%s\n", i, i + 1,
						ok ? "stopped" : "unreadable", pc,
						(unsigned)PSTATE_EL(pstate),
						t->vm.vcpu_held(t->vm.ctx, i) ? " (held)" : "");
		}
	} else if (!strcmp(cmd, "info nisv")) {
		snprintf(out, cap, "loads/stores KVM could not decode: %" PRIu64
			 " emulated, %" PRIu64 " aborted, %" PRIu64 " stopped\n",
			 atomic_load(&t->vm.nisv->count[NISV_EMULATED]),
			 atomic_load(&t->vm.nisv->count[NISV_ABORTED]),
			 atomic_load(&t->vm.nisv->count[NISV_STOPPED]));
	} else if (!strncmp(cmd, "bookmark ", 9)) {
		if (!cmd[9] || strlen(cmd + 9) >= sizeof(t->bookmark)) {
			snprintf(out, cap, "bookmark needs a checkpoint's name (under %zu bytes)\n",
				 sizeof(t->bookmark));
			return -EINVAL;
		}
		strcpy(t->bookmark, cmd + 9);
		snprintf(out, cap, "reverse-continue goes back to checkpoint %s\n", t->bookmark);
	} else if (snapshot_command(t, cmd, out, cap, &ret)) {
		return ret;
	} else if (!strcmp(cmd, "reset")) {
		ret = t->vm.reset(t->vm.ctx);

		t->nisv_cpu = -1;
		if (ret)
			snprintf(out, cap, "reset failed: %s\n", strerror(-ret));
		else
			snprintf(out, cap, "guest reset; vCPU 0 at its entry point\n");
		return ret;
	} else {
		snprintf(out, cap, "unknown monitor command '%s'; try 'monitor help'\n",
			 cmd);
		return -EINVAL;
	}
	return 0;
}

const struct gdb_target_ops gdb_target_ops = {
	.ncpus = ncpus, .get_regs = get_regs, .set_regs = set_regs,
	.read_mem = read_mem, .write_mem = write_mem,
	.insert_hw = insert_hw, .remove_hw = remove_hw,
	.resume = resume, .monitor = monitor, .rewind = rewind_to_bookmark,
	.detach = detach, .kill = kill_vm,
};

void gdb_target_nisv_stop(struct gdb_target *t, unsigned cpu)
{
	t->nisv_cpu = (int)cpu;
}

void gdb_target_decode_exit(const struct gdb_target *t, unsigned cpu, int fd,
			    const struct kvm_run *run, struct gdb_stop *out)
{
	uint32_t esr = run->debug.arch.hsr;
	const struct hw_watch *w;

	*out = (struct gdb_stop){ .cpu = cpu, .kind = GDB_STOP_SIGNAL,
				  .signal = GDB_SIGTRAP };
	switch (ESR_EC(esr)) {
	case EC_BRK64:
		out->kind = GDB_STOP_BREAK;
		regs_get(fd, regs_pc_id(), &out->addr);
		break;
	case EC_HW_BREAK:
		out->kind = GDB_STOP_HWBREAK;
		break;
	case EC_WATCH:
		w = hw_debug_watch_hit(&t->hw, run->debug.arch.far, &out->addr);
		if (w) {
			out->kind = GDB_STOP_WATCH;
			out->wtype = w->type;
		}
		break;
	default: /* EC_STEP: a plain SIGTRAP */
		break;
	}
}
