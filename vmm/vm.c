#include "a64vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/arch.h"
#include "a64vm/board.h"
#include "a64vm/checkpoints.h"
#include "a64vm/confine.h"
#include "a64vm/config.h"
#include "a64vm/console.h"
#include "a64vm/control.h"
#include "a64vm/device_list.h"
#include "a64vm/device_opener.h"
#include "a64vm/event_loop.h"
#include "a64vm/gdb_stub.h"
#include "a64vm/kick.h"
#include "a64vm/loader.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/memory.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/mono_time.h"
#include "a64vm/pci_bus.h"
#include "a64vm/posted_writes.h"
#include "a64vm/start_gate.h"
#include "a64vm/pci_testdev_slot.h"
#include "a64vm/snapshot.h"
#include "a64vm/snapshot_ops.h"
#include "a64vm/vcpu.h"
#include "a64vm/virtio_devices.h"
#include "a64vm/vm_ctl.h"

#define RAM_SLOT 0 /* the flash banks' follow (board.c) */

struct vm {
	const struct config *cfg;
	int kvm_fd, vm_fd;
	struct guest_mem mem;
	struct device_list devices; /* the board's and virtio's, for bus and DT */
	struct mmio_bus bus;
	struct posted_writes posted; /* the UART's bytes, queued by KVM */
	struct gic gic;
	struct cpu_features cpu; /* what the guest's CPUs have */
	unsigned ncpus;
	struct vcpu *vcpus;
	struct vcpu_wiring vcpu_wiring; /* what each vCPU thread reaches */
	struct board *board;
	struct console *console;
	struct vm_ctl ctl; /* stop, reset, hold: what the glue may ask */
	int stop_signal;
	pthread_t *threads; /* the vCPU threads, owned by the main thread */
	struct nisv_state nisv;
	struct gdb_stub *gdb; /* --gdb */
	struct virtio_devices *virtio;
	struct pci_bus *pci;		 /* the host bridge's KVM side */
	struct pci_testdev_slot *pci_testdev; /* --testdev */
	struct start_gate gate; /* every thread's seccomp filter, then the guest */
	struct device_opener files; /* a snapshot's files (--control) */
	struct checkpoints *checkpoints; /* held in memory, from the first */
	/* Setup's milestones (--verbose): ns after vm_create was called. */
	uint64_t t_create, t_read, t_ram, t_devices, t_loaded;
};

static uint64_t since_create(const struct vm *vm)
{
	return mono_ns() - vm->t_create;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static int check_cpus(struct vm *vm)
{
	int max = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (max <= 0)
		max = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4; /* the KVM API's guaranteed minimum */
	if ((int)vm->cfg->cpus > max) {
		log_error("--cpus %u: this host's KVM supports at most %d vCPUs",
			  vm->cfg->cpus, max);
		return -EINVAL;
	}
	return 0;
}

static int open_kvm(struct vm *vm)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int err = errno;

		log_error("cannot open /dev/kvm: %s (a64vm needs KVM on an arm64 "
			  "host; see README.md for the nested test host)",
			  strerror(err));
		return -err;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		log_error("/dev/kvm speaks API version %d, not %d", ret,
			  KVM_API_VERSION);
		return -ENOTSUP;
	}
	do
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		int err = errno;

		log_error("KVM_CREATE_VM: %s", strerror(err));
		return -err;
	}
	return check_cpus(vm);
}

static int add_ram(struct vm *vm)
{
	struct kvm_userspace_memory_region region;
	/* Shared only for a vhost-user daemon (--fs), which maps it too. */
	int ret = memory_init_backed(&vm->mem, MEMMAP_RAM_BASE, vm->cfg->mem_size,
				     vm->cfg->hugepages, virtio_devices_share_ram(vm->cfg));

	if (ret)
		return ret;
	region = (struct kvm_userspace_memory_region){
		.slot = RAM_SLOT, .guest_phys_addr = MEMMAP_RAM_BASE,
		.memory_size = vm->mem.size,
		.userspace_addr = (uint64_t)(uintptr_t)vm->mem.hva,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region)) {
		ret = -errno;
		log_error("KVM_SET_USER_MEMORY_REGION: %s", strerror(-ret));
	}
	return ret;
}

static int create_vcpus(struct vm *vm)
{
	int run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	int ret = 0;

	if (run_size <= 0) {
		log_error("KVM_GET_VCPU_MMAP_SIZE failed");
		return -EINVAL;
	}
	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	vm->threads = calloc(vm->ncpus, sizeof(*vm->threads));
	/* No fd yet: vm_destroy must not close descriptor 0 on the way out. */
	for (unsigned i = 0; vm->vcpus && i < vm->ncpus; i++)
		vm->vcpus[i].fd = -1;
	if (!vm->vcpus || !vm->threads)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->ncpus && !ret; i++) {
		ret = vcpu_create(vm->vm_fd, &vm->vcpu_wiring, i, (size_t)run_size,
				  &vm->vcpus[i]);
		if (!ret)
			ret = cpu_init(vm->vm_fd, vm->vcpus[i].fd, i == 0, &vm->cpu);
		if (!ret)
			ret = cpu_finalize(vm->vcpus[i].fd, &vm->cpu);
		if (!ret)
			ret = cpu_read_mpidr(vm->vcpus[i].fd, &vm->vcpus[i].mpidr);
	}
	if (!ret)
		nisv_probe_vcpu(&vm->nisv, vm->vcpus[0].fd);
	return ret;
}

/* The features that need the vGIC, once it is initialised. */
static int init_pmus(struct vm *vm)
{
	int ret = 0;

	for (unsigned i = 0; i < vm->ncpus && !ret; i++)
		ret = cpu_init_pmu(vm->vcpus[i].fd, &vm->cpu);
	return ret;
}

static int vm_reboot(void *ctx);

/* What the loader fills: RAM, flash, fw_cfg, the boot vCPU. */
static struct loader_target loader_target(struct vm *vm)
{
	return (struct loader_target){
		.cfg = vm->cfg, .mem = &vm->mem, .gic = &vm->gic, .cpu = &vm->cpu,
		.ncpus = vm->ncpus, .vcpus = vm->vcpus, .board = vm->board,
		.devices = &vm->devices,
	};
}

static struct snapshot_wiring snapshot_wiring(struct vm *vm)
{
	return (struct snapshot_wiring){
		.cfg = vm->cfg, .vcpus = vm->vcpus, .ncpus = vm->ncpus, .gic = &vm->gic,
		.cpu = &vm->cpu, .mem = &vm->mem, .board = vm->board, .virtio = vm->virtio,
		.pci_testdev = vm->pci_testdev, .files = vm->files.sock >= 0 ? &vm->files : NULL,
		.vm_fd = vm->vm_fd, .ram_slot = RAM_SLOT,
	};
}

/* Over what the loader put in: the snapshot's RAM, vCPUs, vGIC and devices. */
static int restore(struct vm *vm)
{
	struct snapshot_wiring w = snapshot_wiring(vm);
	char err[300];
	int ret = snapshot_restore(&w, vm->cfg->restore, err, sizeof(err));

	if (ret)
		log_error("--restore: %s", err);
	else
		log_debug("restored from %s", vm->cfg->restore);
	return ret;
}

/* The control socket's and GDB's snapshots and checkpoints: every vCPU parked meanwhile. */
static int vm_snapshot(void *ctx, const struct snapshot_request *r, uint64_t *pages, char *err,
		       size_t errlen)
{
	static const char *const done[] = {
		[SNAPSHOT_SAVE] = "saved the VM to", [SNAPSHOT_RESTORE] = "restored the VM from",
		[SNAPSHOT_CHECKPOINT] = "took checkpoint", [SNAPSHOT_REWIND] = "rewound the VM to",
	};
	struct vm *vm = ctx;
	struct snapshot_wiring w = snapshot_wiring(vm);
	int ret = vm_ctl_hold(&vm->ctl, VM_HOLD_SNAPSHOT, NULL);

	if (ret) {
		snprintf(err, errlen, "the vCPUs did not park");
		vm_ctl_release(&vm->ctl, VM_HOLD_SNAPSHOT);
		return ret;
	}
	ret = snapshot_ops_run(&w, &vm->checkpoints, r, pages, err, errlen);
	/* A debugging session rewinds often: only the files are worth a line. */
	if (!ret && (r->op == SNAPSHOT_SAVE || r->op == SNAPSHOT_RESTORE))
		log_info("%s %s", done[r->op], r->arg);
	else if (!ret)
		log_debug("%s %s", done[r->op], r->arg);
	if (r->paused)
		vm_ctl_hold(&vm->ctl, VM_HOLD_OPERATOR, NULL);
	vm_ctl_release(&vm->ctl, VM_HOLD_SNAPSHOT);
	return ret;
}

static int create_pci_bus(struct vm *vm)
{
	pthread_mutex_t *lock;
	struct pci_host *host = board_pci_host(vm->board, &lock);

	return pci_bus_create(&(struct pci_bus_wiring){
		.vm_fd = vm->vm_fd, .host = host, .host_lock = lock,
		.msi = vm->gic.its_fd >= 0 }, &vm->pci);
}

static int build(struct vm *vm, const struct config *cfg)
{
	struct loader boot;
	struct board_features features = { .testdev = cfg->testdev };
	uint64_t t0, vcpu_ns;
	int ret;

	vm->cfg = cfg;
	vm->ncpus = cfg->cpus;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->gic.fd = vm->gic.its_fd = -1;
	vm->files.sock = -1;
	device_list_init(&vm->devices);
	posted_writes_init(&vm->posted, &vm->bus);
	vm->vcpu_wiring = (struct vcpu_wiring){ .ctl = &vm->ctl, .bus = &vm->bus,
						.posted = &vm->posted.ring,
						.nisv = &vm->nisv, .gate = &vm->gate };
	ret = vm_ctl_init(&vm->ctl, cfg->no_reboot);
	vm->ctl.reboot = vm_reboot;
	vm->ctl.reboot_ctx = vm;
	/* Bad files are reported before KVM is asked for anything. */
	if (!ret)
		ret = loader_read(cfg, &boot);
	if (ret)
		return ret;
	vm->t_read = since_create(vm);
	features.flash = config_firmware_boot(cfg) || cfg->flash[1].path ||
			 loader_needs_flash(&boot);

	ret = open_kvm(vm);
	if (!ret)
		ret = cpu_choose_features(vm->vm_fd, &cfg->cpu, &vm->cpu);
	if (!ret)
		ret = cpu_enable_vm_features(vm->vm_fd, &vm->cpu);
	if (!ret) {
		nisv_init(vm->vm_fd, cfg->nisv, &vm->mem, &vm->bus, &vm->nisv);
		vm->nisv.sve = vm->cpu.sve;
	}
	if (!ret)
		ret = add_ram(vm);
	vm->t_ram = since_create(vm);
	t0 = mono_ns();
	if (!ret)
		ret = create_vcpus(vm);
	vcpu_ns = mono_ns() - t0;
	if (!ret)
		ret = gic_create(vm->vm_fd, vm->ncpus, &vm->gic);
	if (!ret)
		gic_create_its(vm->vm_fd, &vm->gic);
	if (!ret)
		ret = gic_init(&vm->gic);
	t0 = mono_ns();
	if (!ret)
		ret = init_pmus(vm);
	vcpu_ns += mono_ns() - t0;
	if (!ret)
		log_debug("%u vCPUs set up in %.2f ms", vm->ncpus, (double)vcpu_ns / 1e6);
	if (!ret)
		ret = console_open(STDIN_FILENO, STDOUT_FILENO, &vm->console);
	if (!ret)
		ret = board_create(&features, &(struct board_wiring){
			.cfg = cfg, .vm_fd = vm->vm_fd, .console = vm->console,
			.mem = &vm->mem, .devices = &vm->devices }, &vm->board);
	if (!ret)
		posted_writes_setup(&vm->posted, vm->vm_fd, &vm->vcpus[0], vm->board);
	if (!ret)
		ret = create_pci_bus(vm);
	if (!ret)
		ret = virtio_devices_create(&(struct virtio_wiring){
			.cfg = cfg, .vm_fd = vm->vm_fd, .mem = &vm->mem,
			.devices = &vm->devices, .pci = vm->pci, .console = vm->console,
			.gate = &vm->gate }, &vm->virtio);
	if (!ret && cfg->testdev)
		ret = pci_testdev_slot_create(vm->pci, &vm->pci_testdev);
	if (!ret)
		ret = device_list_register(&vm->devices, &vm->bus);
	vm->t_devices = since_create(vm);
	if (!ret && !cfg->dump_dtb) {
		struct loader_target t = loader_target(vm);

		t.setup = true;
		t.restoring = cfg->restore != NULL;
		ret = loader_load(&t, &boot);
	}
	if (!ret && cfg->restore)
		ret = restore(vm);
	loader_free(&boot);
	vm->t_loaded = since_create(vm);
	return ret;
}

int vm_create(const struct config *cfg, struct vm **out)
{
	uint64_t t_create = mono_ns();
	struct vm *vm = calloc(1, sizeof(*vm));
	int ret = -ENOMEM;

	if (vm) {
		vm->t_create = t_create;
		ret = build(vm, cfg);
	}

	if (ret) {
		vm_destroy(vm);
		vm = NULL;
	}
	*out = vm;
	return ret;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	for (unsigned i = 0; vm->vcpus && i < vm->ncpus; i++) {
		vcpu_join(&vm->vcpus[i]);
		vcpu_destroy(&vm->vcpus[i]);
	}
	free(vm->vcpus);
	free(vm->threads);
	vm_ctl_destroy(&vm->ctl);
	virtio_devices_destroy(vm->virtio);
	pci_testdev_slot_destroy(vm->pci_testdev);
	pci_bus_destroy(vm->pci);
	board_destroy(vm->board);
	console_close(vm->console);
	gic_destroy(&vm->gic);
	posted_writes_destroy(&vm->posted);
	memory_free(&vm->mem);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
}

int vm_dump_dtb(struct vm *vm, const char *path)
{
	struct loader_target t = loader_target(vm);
	struct loader boot;
	int ret = loader_read(vm->cfg, &boot);

	return ret ? ret : loader_dump_dtb(&t, &boot, path);
}

struct run_ctx {
	struct vm *vm;
	struct event_loop *loop;
	int signal_fd;
	struct control *control;
	uint64_t shutdown_deadline; /* SIGTERM pressed the button (mono_ns); 0: no */
};

/* A guest reboot: park every vCPU, reset them and the devices, reload. */
static int vm_reboot(void *ctx)
{
	struct vm *vm = ctx;
	struct loader_target t = loader_target(vm);
	struct loader boot;
	int ret = vm_ctl_hold(&vm->ctl, VM_HOLD_REBOOT, NULL);

	/* A vCPU that never parked may still be using the devices: leave them. */
	if (ret)
		return ret;
	atomic_fetch_add(&vm->ctl.reboots, 1);
	log_debug("guest reboot %u", atomic_load(&vm->ctl.reboots));
	for (unsigned i = 0; i < vm->ncpus && !ret; i++)
		ret = cpu_init(vm->vm_fd, vm->vcpus[i].fd, i == 0, &vm->cpu);
	if (!ret) {
		board_reset(vm->board);
		ret = virtio_devices_reset(vm->virtio);
	}
	if (!ret) {
		pci_testdev_slot_reset(vm->pci_testdev);
		gic_reset_its(&vm->gic);
	}
	if (!ret)
		ret = loader_read(vm->cfg, &boot);
	if (!ret)
		ret = loader_load(&t, &boot);
	/* An operator's pause outlives the reboot, as on QEMU; a debugger's too. */
	if (!ret)
		vm_ctl_release(&vm->ctl, VM_HOLD_REBOOT);
	return ret;
}

static void on_request(void *ctx, uint32_t events)
{
	struct run_ctx *rc = ctx;
	struct vm *vm = rc->vm;
	uint64_t count;

	(void)events;
	if (read(vm->ctl.stop_fd, &count, sizeof(count)) < 0)
		return;
	if (vm_ctl_take_reset(&vm->ctl) && !vm_ctl_stopping(&vm->ctl) && vm_reboot(vm))
		vm_ctl_request_stop(&vm->ctl, VM_STOP_ERROR);
	if (vm_ctl_stopping(&vm->ctl)) {
		kick_stop_all(&vm->ctl.kick, vm->threads, vm->ncpus);
		rc->loop->quit = true;
	}
}

static void stop_on_signal(struct vm *vm, int signo)
{
	log_info("terminating on signal %d", signo);
	/* Kept even when a guest reboot won the race: it must not reboot. */
	if (!vm->stop_signal)
		vm->stop_signal = signo;
	vm_ctl_request_stop(&vm->ctl, VM_STOP_SIGNAL);
}

/*
 * SIGQUIT (as kvmtool's `lkvm debug --dump`): each vCPU's registers and
 * exits in the log, the guest parked meanwhile; a guest that stopped
 * answering can be told from one that loops. Then the MMIO accesses
 * a64vm answered, device by device.
 */
static void report_vcpus(struct vm *vm)
{
	static const struct { const char *name; unsigned reason; } named[] = {
		{ "mmio", KVM_EXIT_MMIO }, { "intr", KVM_EXIT_INTR },
		{ "arm_nisv", KVM_EXIT_ARM_NISV }, { "debug", KVM_EXIT_DEBUG },
	};
	int held = vm_ctl_hold(&vm->ctl, VM_HOLD_REPORT, NULL);
	char hits[1024];

	for (unsigned i = 0; i < vm->ncpus; i++) {
		char regs[300] = "registers unreadable (the vCPU did not park)", exits[200];
		int n = 0;

		if (!held)
			cpu_describe(vm->vcpus[i].fd, regs, sizeof(regs));
		for (unsigned r = 0; r < sizeof(named) / sizeof(named[0]); r++)
			n += snprintf(exits + n, sizeof(exits) - (size_t)n, "%s%s %" PRIu64,
				      r ? ", " : "", named[r].name,
				      atomic_load(&vm->vcpus[i].exits[named[r].reason]));
		log_info("SIGQUIT: vCPU %u: %s; exits: %s", i, regs, exits);
	}
	vm_ctl_release(&vm->ctl, VM_HOLD_REPORT);
	mmio_bus_describe_hits(&vm->bus, hits, sizeof(hits));
	log_info("SIGQUIT: MMIO accesses a64vm answered, by device: %s; at no device: %" PRIu64,
		 hits[0] ? hits : "none", atomic_load(&vm->bus.unhandled));
}

static void on_signal(void *ctx, uint32_t events)
{
	struct run_ctx *rc = ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(rc->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	/* The first SIGTERM asks the guest to power off, as a button would. */
	if (si.ssi_signo == SIGTERM && !rc->shutdown_deadline &&
	    rc->vm->cfg->shutdown_timeout) {
		log_info("SIGTERM: pressed the power button; stopping in %u s "
			 "unless the guest powers off", rc->vm->cfg->shutdown_timeout);
		board_power_button(rc->vm->board);
		/* The monotonic clock: whole seconds of time() gave as little as N-1. */
		rc->shutdown_deadline = mono_ns() +
					(uint64_t)rc->vm->cfg->shutdown_timeout * 1000000000u;
		return;
	}
	if (si.ssi_signo == SIGQUIT) {
		report_vcpus(rc->vm);
		return;
	}
	stop_on_signal(rc->vm, (int)si.ssi_signo);
}

static void on_tick(void *ctx)
{
	struct run_ctx *rc = ctx;

	board_tick(rc->vm->board);
	if (rc->shutdown_deadline && mono_ns() >= rc->shutdown_deadline) {
		log_info("the guest did not power off in time");
		stop_on_signal(rc->vm, SIGTERM);
	}
}

static int exit_status(struct vm *vm)
{
	/* A guest that powered off after SIGTERM's button press shut down cleanly. */
	enum vm_stop why = vm_ctl_stopping(&vm->ctl);

	if (vm->stop_signal && why != VM_STOP_POWEROFF)
		return 128 + vm->stop_signal;
	switch (why) {
	case VM_STOP_POWEROFF:
	case VM_STOP_RESET: /* only with --no-reboot */
	case VM_STOP_QUIT:
		return 0;
	default:
		return 1;
	}
}

/* Console input goes to one device, chosen once. */
static size_t input_to_virtio(void *ctx, const uint8_t *buf, size_t len)
{
	return virtio_devices_console_input(ctx, buf, len);
}

static size_t input_to_board(void *ctx, const uint8_t *buf, size_t len)
{
	return board_console_input(ctx, buf, len);
}

static int setup_loop(struct run_ctx *rc)
{
	struct vm *vm = rc->vm;
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	rc->signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (rc->signal_fd < 0)
		return -errno;
	ret = event_loop_add(rc->loop, vm->ctl.stop_fd, on_request, rc);
	if (!ret)
		ret = event_loop_add(rc->loop, rc->signal_fd, on_signal, rc);
	if (!ret)
		ret = console_attach(vm->console, &(struct console_sink){
			.input = vm->cfg->console_virtio ? input_to_virtio
							 : input_to_board,
			.ctx = vm->cfg->console_virtio ? (void *)vm->virtio
						       : (void *)vm->board,
			.ctl = &vm->ctl }, rc->loop);
	if (!ret)
		ret = board_attach(vm->board, rc->loop);
	if (!ret)
		ret = posted_writes_attach(&vm->posted, rc->loop);
	/* Before the filters: the snapshot's files are made by a child. */
	if (!ret && vm->cfg->control)
		ret = device_opener_start_files(&vm->files, vm->cfg->seccomp);
	if (!ret && vm->cfg->control)
		ret = control_open(vm->cfg->control, &(struct control_wiring){
			.ctl = &vm->ctl, .board = vm->board, .mem = &vm->mem,
			.vcpus = vm->vcpus, .ncpus = vm->ncpus, .nisv = &vm->nisv,
			.snapshot = vm_snapshot, .snapshot_ctx = vm },
			rc->loop, &rc->control);
	if (!ret && vm->cfg->gdb.enabled)
		ret = gdb_stub_open(&(struct gdb_stub_wiring){
			.cfg = &vm->cfg->gdb, .ctl = &vm->ctl, .vcpus = vm->vcpus,
			.ncpus = vm->ncpus, .mem = &vm->mem, .board = vm->board,
			.nisv = &vm->nisv, .sve_vq = vm->cpu.sve_vq,
			.kvm_fd = vm->kvm_fd, .snapshot = vm_snapshot, .snapshot_ctx = vm },
			rc->loop, &vm->gdb);
	if (!ret && vm->gdb)
		gdb_stub_hooks(vm->gdb, &vm->vcpu_wiring.debugger);
	rc->loop->tick = on_tick;
	rc->loop->tick_ctx = rc;
	return ret;
}

/* One line at exit when the guest made accesses KVM could not decode. */
static void report_nisv(struct vm *vm)
{
	uint64_t emulated = atomic_load(&vm->nisv.count[NISV_EMULATED]);
	uint64_t aborted = atomic_load(&vm->nisv.count[NISV_ABORTED]);
	char classes[160];

	nisv_describe_classes(&vm->nisv, classes, sizeof(classes));
	if (emulated || aborted)
		log_info("loads/stores KVM could not decode: %llu emulated, "
			 "%llu answered with an external abort (%s)",
			 (unsigned long long)emulated, (unsigned long long)aborted,
			 classes);
}

int vm_run(struct vm *vm)
{
	struct event_loop loop;
	struct run_ctx rc = { .vm = vm, .loop = &loop, .signal_fd = -1 };
	unsigned threads = 0;
	int ret = event_loop_init(&loop);

	if (!ret)
		ret = setup_loop(&rc);
	/* Everything is open: give up what the setup needed. */
	if (!ret)
		ret = confine_drop(vm->cfg);
	if (!ret && vm->cfg->seccomp != SECCOMP_MODE_OFF)
		ret = seccomp_prepare();
	start_gate_init(&vm->gate, vm->cfg);
	if (!ret) {
		ret = virtio_devices_start(vm->virtio);
		threads = ret > 0 ? (unsigned)ret : 0;
		ret = ret < 0 ? ret : 0;
	}
	for (unsigned i = 0; i < vm->ncpus && !ret; i++) {
		ret = vcpu_start(&vm->vcpus[i]);
		vm->threads[i] = vm->vcpus[i].thread;
		threads += !ret;
	}
	if (!start_gate_open(&vm->gate, threads, !ret) && !ret)
		ret = -EPERM;
	if (ret)
		vm_ctl_request_stop(&vm->ctl, VM_STOP_ERROR);
	else
		vm_ctl_started(&vm->ctl, vm->threads, vm->ncpus);
	if (!ret)
		log_debug("setup (ms): kernel and initrd read %.1f, RAM %.1f, KVM and "
			  "devices %.1f, loaded %.1f, guest started %.1f",
			  ms(vm->t_read), ms(vm->t_ram), ms(vm->t_devices),
			  ms(vm->t_loaded), ms(since_create(vm)));
	if (!ret)
		ret = event_loop_run(&loop);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vcpu_join(&vm->vcpus[i]);
	posted_writes_flush(&vm->posted);
	virtio_devices_stop(vm->virtio);
	control_close(rc.control);
	device_opener_stop(&vm->files);
	checkpoints_free(vm->checkpoints);
	vm->checkpoints = NULL;
	vm->vcpu_wiring.debugger = (struct vcpu_debugger){ 0 };
	gdb_stub_close(vm->gdb);
	vm->gdb = NULL;
	event_loop_fini(&loop);
	start_gate_destroy(&vm->gate);
	if (rc.signal_fd >= 0)
		close(rc.signal_fd);
	report_nisv(vm);
	return ret ? 1 : exit_status(vm);
}
