#include "a64vm/nisv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/a64_emulate.h"
#include "a64vm/gdb_stub.h"
#include "a64vm/log.h"
#include "a64vm/mmu.h"
#include "a64vm/regs.h"
#include "a64vm/vm.h"

#define PSTATE_nRW (1u << 4)
#define PSTATE_EL(p) (((p) >> 2) & 3)
#define PSTATE_SP (1u << 0)
#define SCTLR_M (1ull << 0)
#define SCTLR_E0E (1ull << 24)
#define SCTLR_EE (1ull << 25)

/* One memory access, resolved before any is performed. */
struct target {
	uint64_t va, ipa;
	uint8_t *ram; /* guest RAM, or NULL for a device */
};

struct nisv_ctx {
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t fault_ipa;
	uint64_t pstate;
	struct mmu_regs mmu;
	bool have_ttbr[2]; /* TTBRs are read when a walk needs them */
	uint32_t insn;
	struct a64_ldst d;
	struct a64_regs regs;
	struct target targets[A64_MAX_ACCESSES];
	unsigned ntargets, next;
	char why[160];
};

void nisv_init(int vm_fd, struct nisv_state *state)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };

	state->enabled = !ioctl(vm_fd, KVM_ENABLE_CAP, &cap);
	state->can_inject =
		ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_INJECT_EXT_DABT) > 0;
	if (!state->enabled)
		log_warn("this host's KVM lacks KVM_CAP_ARM_NISV_TO_USER: a guest "
			 "load/store it cannot decode will stop the VM");
	else if (!state->can_inject)
		log_warn("this host's KVM lacks KVM_CAP_ARM_INJECT_EXT_DABT: an "
			 "access a64vm cannot emulate will stop the VM");
}

static int fail(struct nisv_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct nisv_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int read_desc(void *ctx, uint64_t ipa, uint64_t *val)
{
	struct nisv_ctx *c = ctx;

	return memory_read(&c->vm->mem, ipa, val, sizeof(*val));
}

static bool at_el0(const struct nisv_ctx *c)
{
	return PSTATE_EL(c->pstate) == 0;
}

static uint64_t sp_id(const struct nisv_ctx *c)
{
	return at_el0(c) || !(c->pstate & PSTATE_SP) ? regs_sp_el0_id()
						      : regs_sp_el1_id();
}

static int read_state(struct nisv_ctx *c)
{
	int fd = c->vcpu->fd, ret;

	ret = regs_get(fd, regs_pc_id(), &c->regs.pc);
	if (!ret)
		ret = regs_get(fd, regs_pstate_id(), &c->pstate);
	if (!ret)
		ret = regs_get(fd, regs_sys_id(REGS_SCTLR_EL1), &c->mmu.sctlr);
	/* The translation registers matter only with the MMU on. */
	if (!ret && (c->mmu.sctlr & SCTLR_M))
		ret = regs_get(fd, regs_sys_id(REGS_TCR_EL1), &c->mmu.tcr);
	if (ret)
		return fail(c, "cannot read the vCPU's registers: %s", strerror(-ret));
	if (c->pstate & PSTATE_nRW)
		return fail(c, "AArch32 state is not emulated");
	return 0;
}

static int translate(struct nisv_ctx *c, uint64_t va, bool fetch, bool write,
		     uint64_t *ipa)
{
	static const char *const kinds[] = {
		[MMU_FAULT_TRANSLATION] = "translation fault",
		[MMU_FAULT_ADDRESS_SIZE] = "address size fault",
		[MMU_FAULT_WALK] = "page table outside RAM",
	};
	struct mmu_result r;
	bool el0 = at_el0(c) || (c->d.unprivileged && !fetch);
	unsigned half = mmu_ttbr_of(va);

	/* Each register read is a system call: read a TTBR only when needed. */
	if ((c->mmu.sctlr & SCTLR_M) && !c->have_ttbr[half]) {
		int ret = regs_get(c->vcpu->fd,
				   half ? regs_sys_id(REGS_TTBR1_EL1)
					: regs_sys_id(REGS_TTBR0_EL1),
				   half ? &c->mmu.ttbr1 : &c->mmu.ttbr0);

		if (ret)
			return fail(c, "cannot read TTBR%u_EL1: %s", half, strerror(-ret));
		c->have_ttbr[half] = true;
	}
	if (mmu_translate(&c->mmu, va, fetch, read_desc, c, &r))
		return fail(c, "%s at level %d for VA %#" PRIx64, kinds[r.fault],
			    r.level, va);
	/* The hardware checked the faulting page; check the others too. */
	if ((c->mmu.sctlr & SCTLR_M) && ((el0 && !r.el0) || (write && r.read_only)))
		return fail(c, "permission fault for VA %#" PRIx64, va);
	*ipa = r.ipa;
	return 0;
}

static int fetch_and_decode(struct nisv_ctx *c)
{
	uint64_t ipa;
	uint8_t *p;
	int ret;

	if (translate(c, c->regs.pc, true, false, &ipa))
		return -EINVAL;
	p = memory_gpa_to_hva(&c->vm->mem, ipa, 4);
	if (!p)
		return fail(c, "the instruction at IPA %#" PRIx64 " is not in RAM", ipa);
	/* A64 instructions are little-endian whatever the data endianness. */
	c->insn = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		  (uint32_t)p[3] << 24;
	ret = a64_decode_ldst(c->insn, &c->d);
	if (ret == -ENOTSUP)
		return fail(c, "an exclusive, atomic or other load/store that "
			       "cannot be emulated on MMIO");
	if (ret)
		return fail(c, "not a load or store");
	return 0;
}

static int read_regs(struct nisv_ctx *c)
{
	struct a64_reg_use use = a64_emulate_regs_used(&c->d);
	int fd = c->vcpu->fd, ret = 0;

	for (unsigned n = 0; n < 32 && !ret; n++) {
		if (use.x & (1u << n))
			ret = regs_get(fd, n == 31 ? sp_id(c) : regs_x_id(n),
				       &c->regs.x[n]);
		if (!ret && (use.v & (1u << n))) {
			uint64_t val[2];

			ret = regs_get128(fd, regs_v_id(n), val);
			c->regs.v[n] = (struct a64_vreg){ val[0], val[1] };
		}
	}
	return ret ? fail(c, "cannot read registers: %s", strerror(-ret)) : 0;
}

/* Every access must land in RAM or on a device, and one must be the fault. */
static int resolve_targets(struct nisv_ctx *c)
{
	struct a64_access acc[A64_MAX_ACCESSES];
	bool hit = false;

	c->ntargets = a64_emulate_accesses(&c->d, &c->regs, acc);
	for (unsigned i = 0; i < c->ntargets; i++) {
		struct target *t = &c->targets[i];

		t->va = acc[i].va;
		if (translate(c, acc[i].va, false, !c->d.load, &t->ipa))
			return -EINVAL;
		t->ram = memory_gpa_to_hva(&c->vm->mem, t->ipa, acc[i].size);
		if (!t->ram && !mmio_bus_find(&c->vm->bus, t->ipa, acc[i].size))
			return fail(c, "no device at IPA %#" PRIx64, t->ipa);
		hit |= c->fault_ipa >= t->ipa && c->fault_ipa - t->ipa < acc[i].size;
	}
	if (!hit)
		return fail(c, "the instruction does not access the fault IPA %#" PRIx64
			       " (guest memory changed under it?)", c->fault_ipa);
	return 0;
}

static struct target *next_target(struct nisv_ctx *c, uint64_t va)
{
	struct target *t = c->next < c->ntargets ? &c->targets[c->next++] : NULL;

	return t && t->va == va ? t : NULL;
}

static int target_read(void *ctx, uint64_t va, uint8_t *buf, unsigned size)
{
	struct nisv_ctx *c = ctx;
	struct target *t = next_target(c, va);

	if (!t)
		return -EFAULT;
	if (t->ram) {
		memcpy(buf, t->ram, size);
		return 0;
	}
	return mmio_bus_access(&c->vm->bus, t->ipa, buf, size, false);
}

static int target_write(void *ctx, uint64_t va, const uint8_t *buf, unsigned size)
{
	struct nisv_ctx *c = ctx;
	struct target *t = next_target(c, va);
	uint8_t data[8];

	if (!t)
		return -EFAULT;
	if (t->ram) {
		memcpy(t->ram, buf, size);
		return 0;
	}
	memcpy(data, buf, size);
	return mmio_bus_access(&c->vm->bus, t->ipa, data, size, true);
}

static const struct a64_mem_ops target_ops = {
	.read = target_read, .write = target_write,
};

static int emulate(struct nisv_ctx *c)
{
	bool be = (c->mmu.sctlr & (at_el0(c) ? SCTLR_E0E : SCTLR_EE)) != 0;
	struct a64_reg_use w;
	int fd = c->vcpu->fd, ret;

	c->next = 0;
	ret = a64_emulate(&c->d, &c->regs, be, &target_ops, c, &w);
	if (ret)
		return fail(c, "a device access failed: %s", strerror(-ret));
	for (unsigned n = 0; n < 32 && !ret; n++) {
		if (w.x & (1u << n))
			ret = regs_set(fd, n == 31 ? sp_id(c) : regs_x_id(n),
				       c->regs.x[n]);
		if (!ret && (w.v & (1u << n)))
			ret = regs_set128(fd, regs_v_id(n),
					  (const uint64_t[2]){ c->regs.v[n].lo,
							       c->regs.v[n].hi });
	}
	if (!ret)
		ret = regs_set(fd, regs_pc_id(), c->regs.pc + 4);
	return ret ? fail(c, "cannot write registers: %s", strerror(-ret)) : 0;
}

static void dump(struct nisv_ctx *c)
{
	int fd = c->vcpu->fd;
	char line[160];

	log_error("vCPU %u stopped on a load/store KVM cannot decode (--nisv=stop)",
		  c->vcpu->id);
	log_error("  PC %016" PRIx64 "  insn %08x  PSTATE %08" PRIx64
		  "  fault IPA %#" PRIx64 "  ESR ISS %#llx", c->regs.pc, c->insn,
		  c->pstate, c->fault_ipa,
		  (unsigned long long)c->vcpu->run->arm_nisv.esr_iss);
	for (unsigned n = 0; n < 32; n += 4) {
		int len = 0;

		for (unsigned i = n; i < n + 4; i++) {
			uint64_t val = 0;

			regs_get(fd, i == 31 ? sp_id(c) : regs_x_id(i), &val);
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					"  %s%-2u %016" PRIx64, i == 31 ? "SP" : "X",
					i == 31 ? 0 : i, val);
		}
		log_error("%s", line);
	}
}

int nisv_inject_abort(struct vcpu *v)
{
	struct kvm_vcpu_events ev;

	if (!v->vm->nisv.can_inject) {
		log_error("vCPU %u: cannot inject an external abort; stopping", v->id);
		return -ENOTSUP;
	}
	memset(&ev, 0, sizeof(ev));
	ev.exception.ext_dabt_pending = 1;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev)) {
		int err = errno;

		log_error("vCPU %u: KVM_SET_VCPU_EVENTS: %s", v->id, strerror(err));
		return -err;
	}
	return 0;
}

int nisv_handle_exit(struct vcpu *v)
{
	struct nisv_ctx c = { .vcpu = v, .vm = v->vm,
			      .fault_ipa = v->run->arm_nisv.fault_ipa };
	enum config_nisv mode = v->vm->cfg->nisv;
	int ret;

	ret = read_state(&c);
	if (!ret)
		ret = fetch_and_decode(&c);
	if (mode == CONFIG_NISV_STOP && v->vm->gdb) {
		/* GDB sees SIGBUS on the instruction; it is not performed. */
		log_info("vCPU %u: PC %#" PRIx64 ": a load/store KVM cannot decode; "
			 "stopped for GDB (SIGBUS)", v->id, c.regs.pc);
		atomic_fetch_add(&v->vm->nisv.count[NISV_STOPPED], 1);
		gdb_stub_vcpu_stop(v->vm->gdb, &(struct gdb_stop){
			.cpu = v->id, .kind = GDB_STOP_SIGNAL, .signal = GDB_SIGBUS });
		return 0;
	}
	if (mode == CONFIG_NISV_STOP) {
		dump(&c);
		atomic_fetch_add(&v->vm->nisv.count[NISV_STOPPED], 1);
		vm_request_stop(v->vm, VM_STOP_NISV);
		return 1;
	}
	if (!ret && mode == CONFIG_NISV_ABORT)
		ret = fail(&c, "--nisv=abort");
	if (!ret)
		ret = read_regs(&c);
	if (!ret)
		ret = resolve_targets(&c);
	if (!ret)
		ret = emulate(&c);
	if (!ret) {
		atomic_fetch_add_explicit(&v->vm->nisv.count[NISV_EMULATED], 1,
					  memory_order_relaxed);
		return 0;
	}
	log_ratelimited(LOG_WARN, "vCPU %u: PC %#" PRIx64 " insn %08x: %s; "
			"injecting an external abort", v->id, c.regs.pc, c.insn,
			c.why);
	atomic_fetch_add(&v->vm->nisv.count[NISV_ABORTED], 1);
	if (nisv_inject_abort(v)) {
		vm_request_stop(v->vm, VM_STOP_ERROR);
		return 1;
	}
	return 0;
}
