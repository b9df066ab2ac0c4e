#include "a64vm/gdb_target.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/mmu.h"
#include "a64vm/nisv.h"
#include "a64vm/regs.h"
#include "a64vm/vm.h"

#define PSTATE_SP (1ull << 0)
#define PSTATE_EL(p) (((p) >> 2) & 3)
#define PSTATE_IF (3ull << 6) /* I and F */
#define SCTLR_M (1ull << 0)

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define EC_HW_BREAK 0x30
#define EC_STEP 0x32
#define EC_WATCH 0x34
#define EC_BRK64 0x3c

#define PAGE 4096u

void gdb_target_init(struct gdb_target *t, struct vm *vm)
{
	int bps = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_BPS);
	int wps = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_WPS);

	memset(t, 0, sizeof(*t));
	t->vm = vm;
	t->nisv_cpu = -1;
	t->step_cpu = -1;
	hw_debug_init(&t->hw, bps > 0 ? (unsigned)bps : 0, wps > 0 ? (unsigned)wps : 0);
	log_debug("gdb: %u hardware breakpoints, %u watchpoints", t->hw.max_bps,
		  t->hw.max_wps);
}

static int vcpu_fd(void *tp, unsigned cpu)
{
	struct gdb_target *t = tp;

	return cpu < t->vm->ncpus ? t->vm->vcpus[cpu].fd : -1;
}

static unsigned ncpus(void *tp)
{
	return ((struct gdb_target *)tp)->vm->ncpus;
}

static uint64_t sp_id(uint64_t pstate)
{
	return PSTATE_EL(pstate) && (pstate & PSTATE_SP) ? regs_sp_el1_id()
							 : regs_sp_el0_id();
}

static int get_regs(void *tp, unsigned cpu, struct gdb_regs *r)
{
	int fd = vcpu_fd(tp, cpu), ret = fd < 0 ? -ESRCH : 0;
	uint64_t pstate = 0;

	for (unsigned n = 0; n < 31 && !ret; n++)
		ret = regs_get(fd, regs_x_id(n), &r->x[n]);
	if (!ret)
		ret = regs_get(fd, regs_pc_id(), &r->pc);
	if (!ret)
		ret = regs_get(fd, regs_pstate_id(), &pstate);
	if (!ret)
		ret = regs_get(fd, sp_id(pstate), &r->sp);
	for (unsigned n = 0; n < 32 && !ret; n++)
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
		ret = regs_set(fd, sp_id(r->cpsr), r->sp);
	for (unsigned n = 0; n < 32 && !ret; n++)
		if (memcmp(r->v[n], cur.v[n], sizeof(r->v[n])))
			ret = regs_set128(fd, regs_v_id(n), r->v[n]);
	if (!ret && r->fpsr != cur.fpsr)
		ret = regs_set32(fd, regs_fpsr_id(), r->fpsr);
	if (!ret && r->fpcr != cur.fpcr)
		ret = regs_set32(fd, regs_fpcr_id(), r->fpcr);
	return ret;
}

static int read_desc(void *ctx, uint64_t ipa, uint64_t *val)
{
	return memory_read(ctx, ipa, val, sizeof(*val));
}

/* The guest RAM behind va..va+len (inside one page), as cpu sees it. */
static uint8_t *translate(struct gdb_target *t, unsigned cpu, uint64_t va,
			  size_t len)
{
	int fd = vcpu_fd(t, cpu);
	struct mmu_regs m = { 0 };
	struct mmu_result r;
	int ret = fd < 0 ? -ESRCH : regs_get(fd, regs_sys_id(REGS_SCTLR_EL1), &m.sctlr);

	if (!ret && (m.sctlr & SCTLR_M)) {
		ret = regs_get(fd, regs_sys_id(REGS_TCR_EL1), &m.tcr);
		if (!ret)
			ret = regs_get(fd, regs_sys_id(REGS_TTBR0_EL1), &m.ttbr0);
		if (!ret)
			ret = regs_get(fd, regs_sys_id(REGS_TTBR1_EL1), &m.ttbr1);
	}
	if (ret || mmu_translate(&m, va, false, read_desc, &t->vm->mem, &r))
		return NULL;
	/* Device memory is not read behind the guest's back. */
	return memory_gpa_to_hva(&t->vm->mem, r.ipa, len);
}

static int access_mem(struct gdb_target *t, unsigned cpu, uint64_t va, uint8_t *buf,
		      size_t len, bool write)
{
	while (len) {
		size_t chunk = PAGE - (va & (PAGE - 1));
		uint8_t *ram;

		chunk = chunk < len ? chunk : len;
		ram = translate(t, cpu, va, chunk);
		if (!ram)
			return -EFAULT;
		if (write) {
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
	if (ioctl(t->vm->vcpus[cpu].fd, KVM_SET_GUEST_DEBUG, &dbg)) {
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
	int fd = t->vm->vcpus[cpu].fd;
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

#define MSR_DAIFSET 0xd50340dfu /* CRm (bits 11:8) holds D, A, I, F */
#define MSR_DAIFCLR 0xd50340ffu
#define MSR_IMM_MASK 0xfffff0ffu

uint64_t gdb_step_fix_pstate(uint32_t insn, uint64_t orig, uint64_t after)
{
	uint64_t bits = (uint64_t)((insn >> 8) & 0xf) << 6;

	/* DAIFSet/DAIFClr change the guest's own mask, not the forced one. */
	if ((insn & MSR_IMM_MASK) == MSR_DAIFSET)
		return (after & ~PSTATE_IF) | ((orig | bits) & PSTATE_IF);
	if ((insn & MSR_IMM_MASK) == MSR_DAIFCLR)
		return (after & ~PSTATE_IF) | (orig & ~bits & PSTATE_IF);
	/* MSR DAIF, Xt and the ERETs set the mask outright: keep theirs. */
	if ((insn & ~0x1fu) == 0xd51b4220u || insn == 0xd69f03e0u ||
	    insn == 0xd69f0bffu || insn == 0xd69f0fffu)
		return after;
	return (after & ~PSTATE_IF) | (orig & PSTATE_IF);
}

void gdb_target_stopped(struct gdb_target *t)
{
	int fd;
	uint64_t pc, pstate, spsr;

	if (t->step_cpu < 0)
		return;
	fd = t->vm->vcpus[t->step_cpu].fd;
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
		pstate = gdb_step_fix_pstate(t->step_insn, t->step_pstate, pstate);
	regs_set(fd, regs_pstate_id(), pstate);
}

static void resume(void *tp, const enum gdb_action *actions, int signal, bool sw_bps)
{
	struct gdb_target *t = tp;
	struct vm *vm = t->vm;

	for (unsigned i = 0; i < vm->ncpus; i++) {
		bool step = actions[i] == GDB_ACT_STEP;

		if (step)
			mask_for_step(t, i);
		set_guest_debug(t, i, sw_bps, step);
		atomic_store(&vm->vcpus[i].hold, actions[i] == GDB_ACT_STAY);
	}
	/* Continuing with SIGBUS gives the guest the abort it would have had. */
	if (signal == GDB_SIGBUS && t->nisv_cpu >= 0)
		nisv_inject_abort(&vm->vcpus[t->nisv_cpu]);
	t->nisv_cpu = -1;
	vm_resume(vm);
}

static void detach(void *tp)
{
	struct gdb_target *t = tp;
	struct vm *vm = t->vm;

	hw_debug_init(&t->hw, t->hw.max_bps, t->hw.max_wps);
	t->nisv_cpu = -1;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		set_guest_debug(t, i, false, false);
		atomic_store(&vm->vcpus[i].hold, false);
	}
	if (!vm->paused)
		vm_resume(vm);
}

static void kill_vm(void *tp)
{
	struct gdb_target *t = tp;

	log_info("gdb: killed the VM");
	vm_request_stop(t->vm, VM_STOP_QUIT);
}

static const char monitor_help[] =
	"a64vm monitor commands:\n"
	"  help          this text\n"
	"  info vcpus    each vCPU's PC, exception level and state; the\n"
	"                number of hardware breakpoints and watchpoints\n"
	"  info nisv     loads/stores KVM could not decode, by outcome\n"
	"  reset         reboot the guest; it stays stopped\n";

static int monitor(void *tp, const char *cmd, char *out, size_t cap)
{
	struct gdb_target *t = tp;
	struct vm *vm = t->vm;
	size_t len = 0;

	if (!strcmp(cmd, "help") || !cmd[0]) {
		snprintf(out, cap, "%s", monitor_help);
	} else if (!strcmp(cmd, "info vcpus")) {
		len = (size_t)snprintf(out, cap, "debug registers: %u hardware "
				       "breakpoints, %u watchpoints\n",
				       t->hw.max_bps, t->hw.max_wps);
		for (unsigned i = 0; i < vm->ncpus && len < cap; i++) {
			uint64_t pc = 0, pstate = 0;
			int fd = vm->vcpus[i].fd;
			bool ok = !regs_get(fd, regs_pc_id(), &pc) &&
				  !regs_get(fd, regs_pstate_id(), &pstate);

			len += (size_t)snprintf(out + len, cap - len,
						"vCPU %u (thread %u): %s PC %#" PRIx64
						" EL%u%s\n", i, i + 1,
						ok ? "stopped" : "unreadable", pc,
						(unsigned)PSTATE_EL(pstate),
						atomic_load(&vm->vcpus[i].hold) ? " (held)" : "");
		}
	} else if (!strcmp(cmd, "info nisv")) {
		snprintf(out, cap, "loads/stores KVM could not decode: %" PRIu64
			 " emulated, %" PRIu64 " aborted, %" PRIu64 " stopped\n",
			 atomic_load(&vm->nisv.count[NISV_EMULATED]),
			 atomic_load(&vm->nisv.count[NISV_ABORTED]),
			 atomic_load(&vm->nisv.count[NISV_STOPPED]));
	} else if (!strcmp(cmd, "reset")) {
		int ret = vm_reboot(vm);

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
	.resume = resume, .monitor = monitor, .detach = detach, .kill = kill_vm,
};

void gdb_target_decode_exit(struct gdb_target *t, struct vcpu *v, struct gdb_stop *out)
{
	uint32_t esr = v->run->debug.arch.hsr;
	const struct hw_watch *w;

	*out = (struct gdb_stop){ .cpu = v->id, .kind = GDB_STOP_SIGNAL,
				  .signal = GDB_SIGTRAP };
	switch (ESR_EC(esr)) {
	case EC_BRK64:
		out->kind = GDB_STOP_BREAK;
		regs_get(v->fd, regs_pc_id(), &out->addr);
		break;
	case EC_HW_BREAK:
		out->kind = GDB_STOP_HWBREAK;
		break;
	case EC_WATCH:
		w = hw_debug_watch_hit(&t->hw, v->run->debug.arch.far, &out->addr);
		if (w) {
			out->kind = GDB_STOP_WATCH;
			out->wtype = w->type;
		}
		break;
	default: /* EC_STEP: a plain SIGTRAP */
		break;
	}
}
