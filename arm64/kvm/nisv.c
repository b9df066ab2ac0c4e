#include "a64vm/arch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/a64_emulate.h"
#include "a64vm/guest_va.h"
#include "a64vm/log.h"
#include "a64vm/nisv_direct.h"
#include "a64vm/regs.h"

#define SMALLEST_PAGE 4096u

/*
 * One memory access, resolved before any is performed: one part, or two
 * when it crosses into another page, which the guest may map anywhere.
 */
struct part {
	uint64_t ipa;
	uint8_t *ram; /* guest RAM, or NULL for a device */
	unsigned size;
};

struct target {
	uint64_t va;
	unsigned nparts;
	struct part part[2];
};

struct nisv_ctx {
	struct nisv_state *s;
	int fd;
	uint64_t fault_ipa;
	uint64_t pstate;
	bool have_pstate;
	bool direct; /* the access is at the fault IPA: no base, no walk */
	struct guest_va va;
	uint32_t insn;
	struct a64_ldst d;
	struct a64_regs regs;
	struct target targets[A64_MAX_ACCESSES];
	unsigned ntargets, next;
	char why[160];
};

void nisv_probe_vcpu(struct nisv_state *s, int vcpu_fd)
{
	uint64_t pfr0 = 0;

	/* ID_AA64PFR0_EL1.EL0 is 1 when EL0 is AArch64 only; unknown: assume not. */
	s->aarch32 = regs_get(vcpu_fd, regs_sys_id(REGS_ID_AA64PFR0_EL1), &pfr0) ||
		     (pfr0 & 0xf) != 1;
}

void nisv_init(int vm_fd, enum config_nisv mode, const struct guest_mem *mem,
	       struct mmio_bus *bus, struct nisv_state *state)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };

	state->mode = mode;
	state->mem = mem;
	state->bus = bus;
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

/* Only asked once PSTATE has been read, or when it cannot matter. */
static bool at_el0(const struct nisv_ctx *c)
{
	return c->have_pstate && PSTATE_EL(c->pstate) == 0;
}

static int read_pstate(struct nisv_ctx *c)
{
	int ret = c->have_pstate ? 0 : regs_get(c->fd, regs_pstate_id(), &c->pstate);

	if (ret)
		return fail(c, "cannot read PSTATE: %s", strerror(-ret));
	c->have_pstate = true;
	if (c->pstate & PSTATE_nRW)
		return fail(c, "AArch32 state is not emulated");
	return 0;
}

/*
 * PSTATE costs a system call, and matters only when EL0 may be in
 * AArch32, when the MMU is on (EL0's permissions) or when EL0 and EL1
 * differ in data endianness; an SP base asks for it later.
 */
static bool needs_pstate(const struct nisv_ctx *c)
{
	uint64_t sctlr = c->va.mmu.sctlr;

	return c->s->aarch32 || (sctlr & SCTLR_M) ||
	       !(sctlr & SCTLR_EE) != !(sctlr & SCTLR_E0E);
}

static int read_state(struct nisv_ctx *c)
{
	int ret;

	ret = regs_get(c->fd, regs_pc_id(), &c->regs.pc);
	if (!ret)
		ret = guest_va_init(&c->va, c->fd, c->s->mem);
	if (ret)
		return fail(c, "cannot read the vCPU's registers: %s", strerror(-ret));
	return needs_pstate(c) ? read_pstate(c) : 0;
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
	int ret = guest_va_translate(&c->va, va, fetch, &r);

	if (ret == -EFAULT)
		return fail(c, "%s at level %d for VA %#" PRIx64, kinds[r.fault],
			    r.level, va);
	if (ret)
		return fail(c, "cannot read the translation registers: %s",
			    strerror(-ret));
	/* The hardware checked the faulting page; check the others too. */
	if ((c->va.mmu.sctlr & SCTLR_M) && ((el0 && !r.el0) || (write && r.read_only)))
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
	p = memory_gpa_to_hva(c->s->mem, ipa, 4);
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

static void try_direct(struct nisv_ctx *c)
{
	c->direct = nisv_direct_at(&c->d, c->fault_ipa, c->va.mmu.sctlr & SCTLR_M,
				   c->s->mem);
}

static int read_regs(struct nisv_ctx *c)
{
	struct a64_reg_use use = a64_emulate_regs_used(&c->d);
	int fd = c->fd, ret = 0;

	if ((use.x & (1u << 31)) && read_pstate(c)) /* the SP in use */
		return -EINVAL;

	for (unsigned n = 0; n < 32 && !ret; n++) {
		if (use.x & (1u << n))
			ret = regs_get(fd, n == 31 ? regs_sp_id(c->pstate) : regs_x_id(n),
				       &c->regs.x[n]);
		if (!ret && (use.v & (1u << n))) {
			uint64_t val[2];

			ret = regs_get_v(fd, n, c->s->sve, val);
			c->regs.v[n] = (struct a64_vreg){ val[0], val[1] };
		}
	}
	return ret ? fail(c, "cannot read registers: %s", strerror(-ret)) : 0;
}

/* Translates and checks the part at va; whether it holds the fault IPA. */
static int resolve_part(struct nisv_ctx *c, uint64_t va, unsigned size, struct part *p,
			bool *hit)
{
	if (c->direct)
		p->ipa = va;
	else if (translate(c, va, false, !c->d.load, &p->ipa))
		return -EINVAL;
	p->size = size;
	p->ram = memory_gpa_to_hva(c->s->mem, p->ipa, size);
	if (!p->ram && !mmio_bus_find(c->s->bus, p->ipa, size))
		return fail(c, "no device at IPA %#" PRIx64, p->ipa);
	*hit |= c->fault_ipa >= p->ipa && c->fault_ipa - p->ipa < size;
	return 0;
}

/*
 * Every access must land in RAM or on a device, and one must be the fault.
 * An access that crosses a page is two parts, each translated and checked.
 */
static int resolve_targets(struct nisv_ctx *c)
{
	struct a64_access acc[A64_MAX_ACCESSES];
	bool hit = false;

	c->ntargets = a64_emulate_accesses(&c->d, &c->regs, acc);
	for (unsigned i = 0; i < c->ntargets; i++) {
		struct target *t = &c->targets[i];
		unsigned in_page = SMALLEST_PAGE - (unsigned)(acc[i].va % SMALLEST_PAGE);
		unsigned first = acc[i].size < in_page ? acc[i].size : in_page;

		t->va = acc[i].va;
		t->nparts = first < acc[i].size ? 2 : 1;
		if (resolve_part(c, acc[i].va, first, &t->part[0], &hit) ||
		    (t->nparts == 2 && resolve_part(c, acc[i].va + first, acc[i].size - first,
						    &t->part[1], &hit)))
			return -EINVAL;
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

static int target_access(struct nisv_ctx *c, uint64_t va, uint8_t *buf, bool write)
{
	struct target *t = next_target(c, va);
	int ret = t ? 0 : -EFAULT;

	for (unsigned i = 0; t && i < t->nparts && !ret; i++) {
		const struct part *p = &t->part[i];

		if (!p->ram)
			ret = mmio_bus_access_span(c->s->bus, p->ipa, buf, p->size, write);
		else if (write)
			memcpy(p->ram, buf, p->size);
		else
			memcpy(buf, p->ram, p->size);
		buf += p->size;
	}
	return ret;
}

static int target_read(void *ctx, uint64_t va, uint8_t *buf, unsigned size)
{
	(void)size;
	return target_access(ctx, va, buf, false);
}

static int target_write(void *ctx, uint64_t va, const uint8_t *buf, unsigned size)
{
	uint8_t data[16];

	memcpy(data, buf, size < sizeof(data) ? size : sizeof(data));
	return target_access(ctx, va, data, true);
}

static const struct a64_mem_ops target_ops = {
	.read = target_read, .write = target_write,
};

static int emulate(struct nisv_ctx *c)
{
	bool be = (c->va.mmu.sctlr & (at_el0(c) ? SCTLR_E0E : SCTLR_EE)) != 0;
	struct a64_reg_use w;
	int fd = c->fd, ret;

	c->next = 0;
	ret = a64_emulate(&c->d, &c->regs, be, &target_ops, c, &w);
	if (ret)
		return fail(c, "a device access failed: %s", strerror(-ret));
	for (unsigned n = 0; n < 32 && !ret; n++) {
		if (w.x & (1u << n))
			ret = regs_set(fd, n == 31 ? regs_sp_id(c->pstate) : regs_x_id(n),
				       c->regs.x[n]);
		if (!ret && (w.v & (1u << n)))
			ret = regs_set_v(fd, n, c->s->sve,
					 (const uint64_t[2]){ c->regs.v[n].lo,
							      c->regs.v[n].hi });
	}
	if (!ret)
		ret = regs_set(fd, regs_pc_id(), c->regs.pc + 4);
	return ret ? fail(c, "cannot write registers: %s", strerror(-ret)) : 0;
}

/* The stop report: one line for the debugger, or every register. */
void nisv_report_stop(struct nisv_state *s, int fd, unsigned id,
		      const struct kvm_run *run, bool for_debugger)
{
	struct nisv_ctx c = { .s = s, .fd = fd };
	char line[160];

	/* The instruction is for the report only: a failure leaves it 0. */
	if (!read_state(&c) && !read_pstate(&c))
		fetch_and_decode(&c);
	if (for_debugger) {
		log_info("vCPU %u: PC %#" PRIx64 ": a load/store KVM cannot decode; "
			 "stopped for GDB (SIGBUS)", id, c.regs.pc);
		return;
	}
	log_error("vCPU %u stopped on a load/store KVM cannot decode (--nisv=stop)", id);
	log_error("  PC %016" PRIx64 "  insn %08x  PSTATE %08" PRIx64
		  "  fault IPA %#llx  ESR ISS %#llx", c.regs.pc, c.insn, c.pstate,
		  (unsigned long long)run->arm_nisv.fault_ipa,
		  (unsigned long long)run->arm_nisv.esr_iss);
	for (unsigned n = 0; n < 32; n += 4) {
		int len = 0;

		for (unsigned i = n; i < n + 4; i++) {
			uint64_t val = 0;

			regs_get(fd, i == 31 ? regs_sp_id(c.pstate) : regs_x_id(i), &val);
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					"  %s%-2u %016" PRIx64, i == 31 ? "SP" : "X",
					i == 31 ? 0 : i, val);
		}
		log_error("%s", line);
	}
}

int nisv_inject_abort(const struct nisv_state *s, int fd, unsigned id)
{
	struct kvm_vcpu_events ev;

	if (!s->can_inject) {
		log_error("vCPU %u: cannot inject an external abort; stopping", id);
		return -ENOTSUP;
	}
	memset(&ev, 0, sizeof(ev));
	ev.exception.ext_dabt_pending = 1;
	if (ioctl(fd, KVM_SET_VCPU_EVENTS, &ev)) {
		int err = errno;

		log_error("vCPU %u: KVM_SET_VCPU_EVENTS: %s", id, strerror(err));
		return -err;
	}
	return 0;
}

static enum nisv_class class_of(const struct nisv_ctx *c, bool decoded)
{
	if (!decoded)
		return NISV_CLASS_UNDECODED;
	if (c->d.pair)
		return NISV_CLASS_PAIR;
	if (c->d.simd)
		return NISV_CLASS_SIMD;
	return a64_ldst_writeback(&c->d) ? NISV_CLASS_WRITEBACK : NISV_CLASS_OTHER;
}

void nisv_describe_classes(const struct nisv_state *s, char *out, size_t size)
{
	static const char *const names[NISV_CLASSES] = {
		[NISV_CLASS_PAIR] = "pairs", [NISV_CLASS_SIMD] = "SIMD&FP",
		[NISV_CLASS_WRITEBACK] = "writeback", [NISV_CLASS_OTHER] = "other",
		[NISV_CLASS_UNDECODED] = "not emulated",
	};
	size_t len = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < NISV_CLASSES && len < size; i++) {
		uint64_t n = atomic_load(&s->by_class[i]);
		uint64_t tenths = n ? atomic_load(&s->reg_calls[i]) * 10 / n : 0;

		if (n)
			len += (size_t)snprintf(out + len, size - len,
						"%s%" PRIu64 " %s (%" PRIu64 ".%" PRIu64
						" register calls each)", len ? ", " : "", n,
						names[i], tenths / 10, tenths % 10);
	}
}

enum nisv_outcome nisv_handle_exit(struct nisv_state *s, int fd, unsigned id,
				   const struct kvm_run *run)
{
	bool decoded = false;
	struct nisv_ctx c = { .s = s, .fd = fd, .fault_ipa = run->arm_nisv.fault_ipa };
	uint64_t calls = regs_calls();
	enum nisv_class class;
	int ret;

	if (s->mode == CONFIG_NISV_STOP) {
		atomic_fetch_add(&s->count[NISV_STOPPED], 1);
		return NISV_STOPPED;
	}
	ret = read_state(&c);
	if (!ret)
		ret = fetch_and_decode(&c);
	decoded = !ret;
	class = class_of(&c, decoded);
	atomic_fetch_add_explicit(&s->by_class[class], 1, memory_order_relaxed);
	if (!ret && s->mode == CONFIG_NISV_ABORT)
		ret = fail(&c, "--nisv=abort");
	if (!ret)
		try_direct(&c);
	if (!ret)
		ret = read_regs(&c);
	if (!ret)
		ret = resolve_targets(&c);
	if (!ret)
		ret = emulate(&c);
	atomic_fetch_add_explicit(&s->reg_calls[class], regs_calls() - calls,
				  memory_order_relaxed);
	if (!ret) {
		atomic_fetch_add_explicit(&s->count[NISV_EMULATED], 1,
					  memory_order_relaxed);
		return NISV_EMULATED;
	}
	log_ratelimited(LOG_WARN, "vCPU %u: PC %#" PRIx64 " insn %08x: %s; "
			"injecting an external abort", id, c.regs.pc, c.insn, c.why);
	atomic_fetch_add(&s->count[NISV_ABORTED], 1);
	return nisv_inject_abort(s, fd, id) ? NISV_FAILED : NISV_ABORTED;
}
