/*
 * Everything vmm/ may ask of the architecture: the interfaces that arm64/
 * implements on KVM, as bhyve's bhyverun.h lists what machine-dependent
 * code provides. vmm/ includes no other header of arm64/'s KVM glue; the
 * glue knows nothing of vmm/ and reaches the VM only through what it is
 * handed here (a vCPU's fd and kvm_run, guest RAM, the MMIO bus, the
 * debugger's control callbacks). The build checks both directions.
 */
#ifndef A64VM_ARCH_H
#define A64VM_ARCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/audit.h>
#include <linux/kvm.h>

#include "a64vm/config.h"
#include "a64vm/gdb_cmd.h"
#include "a64vm/hw_debug.h"
#include "a64vm/memory.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/snapshot_file.h"
#include "a64vm/snapshot_request.h"

/* The host's system call architecture, for seccomp: KVM for arm64 guests runs on arm64. */
#define ARCH_AUDIT_ARCH AUDIT_ARCH_AARCH64

/* ---- arm64/cpu_features.c: what CPU the guest gets ---- */

struct cpu_features {
	bool pmu;     /* PMUv3, its overflow interrupt on PPI 7 */
	bool sve;     /* SVE at the host's largest vector length */
	bool ptrauth; /* address and generic pointer authentication */
	bool mte;
	unsigned sve_vq; /* the vector length in quadwords, once finalised */
};

/*
 * Each feature the host's KVM offers, unless want turns it off; one that
 * want names and the host lacks is an error (-ENOTSUP, logged).
 */
int cpu_choose_features(int vm_fd, const struct config_cpu *want,
			struct cpu_features *f);
/* The VM-wide part (MTE), before any vCPU exists. */
int cpu_enable_vm_features(int vm_fd, const struct cpu_features *f);
/* The KVM_ARM_VCPU_INIT feature bits for f. */
uint32_t cpu_init_features(const struct cpu_features *f);
/* Once per vCPU, after its first cpu_init: SVE's vector length, fixed. */
int cpu_finalize(int vcpu_fd, struct cpu_features *f);
/* Once per vCPU, after the vGIC is initialised: the PMU and its PPI. */
int cpu_init_pmu(int vcpu_fd, const struct cpu_features *f);

/* ---- arm64/cpu.c: vCPU set-up ---- */

/*
 * (Re)initialises a vCPU to its reset state with in-kernel PSCI and the
 * features f. Secondary vCPUs start powered off, waiting for PSCI CPU_ON.
 * Calling it again resets the vCPU, as a reboot needs.
 */
int cpu_init(int vm_fd, int vcpu_fd, bool primary, const struct cpu_features *f);

/*
 * Entry state of the boot vCPU: PC = entry, X0 = x0 (the DTB for Linux's
 * boot protocol), X1-3 = 0, EL1h with interrupts masked and the MMU off.
 */
int cpu_set_entry(int vcpu_fd, uint64_t entry, uint64_t x0);

/* The vCPU's MPIDR_EL1: its identity in the device tree and for PSCI. */
int cpu_read_mpidr(int vcpu_fd, uint64_t *mpidr);

/* A stopped vCPU's PC, exception level, SP and last exception, on one line. */
int cpu_describe(int vcpu_fd, char *out, size_t size);

/* ---- arm64/cpu_state.c: a vCPU's state in a snapshot (docs/snapshot.md) ---- */

/* Into the open section: every register KVM lists, MP state, events. */
int cpu_state_save(int vcpu_fd, struct snapshot_writer *w);
/*
 * From a section cpu_state_save wrote, into a vCPU set up with the same
 * features: 0, or -errno with why in err (the vCPU then half-restored:
 * the caller throws the VM away).
 */
int cpu_state_restore(int vcpu_fd, struct snapshot_cursor *c, char *err, size_t errlen);
/* "S3_0_C1_C0_0" for a system register, the id in hex otherwise. */
void cpu_state_reg_name(uint64_t id, char *out, size_t size);

/* ---- arm64/gic.c: the in-kernel vGIC, v3 where the host has it, else v2 ---- */

struct gic {
	int fd;
	unsigned version;
	uint64_t dist_base, dist_size;
	uint64_t cpu_base, cpu_size; /* v3: redistributors; v2: CPU interface */
	int its_fd; /* the ITS (v3, where KVM has one), or -1 */
};

/* Creates the vGIC for ncpus vCPUs (after they exist); -errno on failure. */
int gic_create(int vm_fd, unsigned ncpus, struct gic *gic);
/* Finishes set-up once every vCPU has been initialised. */
int gic_init(struct gic *gic);
/*
 * The GICv3 ITS at MEMMAP_GIC_ITS_BASE, between gic_create and gic_init;
 * none (its_fd -1, said at debug level) where the host has none.
 */
void gic_create_its(int vm_fd, struct gic *gic);
/* A guest reboot: the ITS forgets its tables. */
void gic_reset_its(struct gic *gic);
void gic_destroy(struct gic *gic);

/* Drives shared peripheral interrupt spi (0-based, INTID 32 + spi). */
int gic_set_spi(int vm_fd, unsigned spi, bool level);

/* The irqfd GSI that raises shared peripheral interrupt spi. */
unsigned gic_spi_gsi(unsigned spi);

/* ---- arm64/gic_state.c: the vGICv3 and ITS in a snapshot (docs/snapshot.md) ---- */

/* The LPI pending bits and the ITS's tables into guest RAM: before RAM is saved. */
int gic_state_flush(const struct gic *gic);
/* Sections GIC3 and (with an ITS) ITS0; -ENOTSUP for a GICv2. */
int gic_state_save(const struct gic *gic, const uint64_t *mpidrs, unsigned ncpus,
		   struct snapshot_writer *w);
/*
 * Into a VM built as the snapshot's was, its RAM and vCPUs restored: 0, or
 * -errno with why in err.
 */
int gic_state_restore(const struct gic *gic, const struct snapshot_index *ix, char *err,
		      size_t errlen);

/* ---- arm64/nisv.c: loads and stores KVM cannot decode (KVM_EXIT_ARM_NISV) ---- */

enum nisv_outcome {
	NISV_EMULATED, /* performed; the vCPU goes on after it */
	NISV_ABORTED,  /* the guest takes a synchronous external abort */
	NISV_STOPPED,  /* --nisv=stop: not performed; the caller stops */
	NISV_OUTCOMES,
	NISV_FAILED = NISV_OUTCOMES, /* no abort can be injected: stop the VM */
};

/* What kind of access it was, for the exit report. */
enum nisv_class {
	NISV_CLASS_PAIR,      /* LDP, STP, LDNP, ... */
	NISV_CLASS_SIMD,      /* SIMD&FP registers */
	NISV_CLASS_WRITEBACK, /* pre- or post-index */
	NISV_CLASS_OTHER,     /* register offset, unprivileged, ... */
	NISV_CLASS_UNDECODED, /* not a load/store a64vm emulates */
	NISV_CLASSES,
};

struct nisv_state {
	enum config_nisv mode;
	bool sve; /* the V registers live in the Z registers */
	const struct guest_mem *mem;
	struct mmio_bus *bus;
	bool enabled;	 /* KVM_CAP_ARM_NISV_TO_USER is on */
	bool can_inject; /* KVM_CAP_ARM_INJECT_EXT_DABT */
	bool aarch32;	 /* the vCPUs' EL0 can run AArch32 */
	_Atomic uint64_t count[NISV_OUTCOMES];
	_Atomic uint64_t by_class[NISV_CLASSES];
	_Atomic uint64_t reg_calls[NISV_CLASSES]; /* ONE_REG system calls */
};

/*
 * "2 pairs (5.0 register calls each), 1 SIMD&FP (...)" for the NISV exits
 * seen so far, into out.
 */
void nisv_describe_classes(const struct nisv_state *s, char *out, size_t size);

/* At VM creation: opts in to NISV exits; says once when the host cannot. */
void nisv_init(int vm_fd, enum config_nisv mode, const struct guest_mem *mem,
	       struct mmio_bus *bus, struct nisv_state *s);

/* Once a vCPU is initialised: whether its EL0 can run AArch32. */
void nisv_probe_vcpu(struct nisv_state *s, int vcpu_fd);

/* The KVM_EXIT_ARM_NISV exit of vCPU id: fetch, decode, emulate or abort. */
enum nisv_outcome nisv_handle_exit(struct nisv_state *s, int vcpu_fd, unsigned id,
				   const struct kvm_run *run);

/*
 * Reports a NISV_STOPPED access: one line when a debugger takes over,
 * otherwise the instruction and every register.
 */
void nisv_report_stop(struct nisv_state *s, int vcpu_fd, unsigned id,
		      const struct kvm_run *run, bool for_debugger);

/* A synchronous external abort for the vCPU's next entry; 0 or -errno. */
int nisv_inject_abort(const struct nisv_state *s, int vcpu_fd, unsigned id);

/* ---- arm64/gdb_target.c: the GDB stub's target on KVM ---- */

/* What the debugger's target may ask of the VM: nothing more. */
struct gdb_vm_control {
	void *ctx;
	unsigned ncpus;
	int (*vcpu_fd)(void *ctx, unsigned cpu);
	/* Keeps vCPU cpu stopped while others run (set only while all are). */
	void (*hold_vcpu)(void *ctx, unsigned cpu, bool hold);
	bool (*vcpu_held)(void *ctx, unsigned cpu);
	/* The debugger no longer holds the guest. */
	void (*release)(void *ctx);
	/* Reboots the guest; it stays stopped. 0 or -errno. */
	int (*reset)(void *ctx);
	/* Ends the VM (GDB's kill). */
	void (*quit)(void *ctx);
	const struct guest_mem *mem;
	/* Guest-physical memory beyond RAM (flash): 0, or -EFAULT. */
	int (*phys_access)(void *ctx, uint64_t gpa, uint8_t *buf, size_t len,
			   bool write);
	struct nisv_state *nisv;
	unsigned hw_bps, hw_wps; /* what the host's KVM reports */
	unsigned sve_vq;	 /* SVE's vector length in quadwords; 0: none */
	/* monitor checkpoint, rewind, snapshot, restore (NULL: none) */
	snapshot_fn *snapshot;
	void *snapshot_ctx;
};

struct gdb_target {
	struct gdb_vm_control vm;
	struct hw_debug hw;
	int nisv_cpu; /* the vCPU stopped on an access KVM cannot decode, or -1 */
	/* The stepped vCPU's interrupt mask, forced on for the step. */
	int step_cpu; /* -1: no step under way */
	uint64_t step_pc, step_pstate, step_vbar;
	uint32_t step_insn;
	bool step_masked;
	/* The checkpoint reverse-continue goes back to: the last one named. */
	char bookmark[64];
};

/* The operations gdb_cmd drives; the target is a struct gdb_target. */
extern const struct gdb_target_ops gdb_target_ops;

/* How many hardware breakpoints and watchpoints the host offers. */
void gdb_target_host_limits(int kvm_fd, unsigned *bps, unsigned *wps);

void gdb_target_init(struct gdb_target *t, const struct gdb_vm_control *vm);

/* All vCPUs parked after a stop: puts back what a step's masking changed. */
void gdb_target_stopped(struct gdb_target *t);

/* A stop on an access KVM cannot decode: GDB may hand it an abort. */
void gdb_target_nisv_stop(struct gdb_target *t, unsigned cpu);

/* vCPU thread: what vCPU cpu's KVM_EXIT_DEBUG means for GDB. */
void gdb_target_decode_exit(const struct gdb_target *t, unsigned cpu, int vcpu_fd,
			    const struct kvm_run *run, struct gdb_stop *out);

#endif
