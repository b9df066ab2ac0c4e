#include "a64vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/board.h"
#include "a64vm/boot.h"
#include "a64vm/console.h"
#include "a64vm/control.h"
#include "a64vm/dtb.h"
#include "a64vm/event_loop.h"
#include "a64vm/file.h"
#include "a64vm/gdb_stub.h"
#include "a64vm/kick.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/virtio_devices.h"

#define GENERATED_DTB_SIZE (64u << 10)

/* What a boot puts in guest RAM; read afresh for every boot. */
struct boot_files {
	uint8_t *kernel, *initrd, *dtb;
	size_t kernel_len, initrd_len, dtb_len;
	struct boot_image_info info;
	struct boot_layout layout;
};

static void free_boot_files(struct boot_files *f)
{
	free(f->kernel);
	free(f->initrd);
	free(f->dtb);
	memset(f, 0, sizeof(*f));
}

static int read_file_logged(const char *what, const char *path, size_t max,
			    uint8_t **buf, size_t *len)
{
	int ret = file_read_all(path, max, buf, len);

	if (ret)
		log_error("%s %s: %s", what, path,
			  ret == -EFBIG ? "too large" : strerror(-ret));
	return ret;
}

/* Reads and checks every file before anything touches KVM. */
static int read_boot_files(const struct config *cfg, struct boot_files *f)
{
	char err[200];
	int ret;

	memset(f, 0, sizeof(*f));
	ret = boot_read_kernel(cfg->kernel, &f->kernel, &f->kernel_len, &f->info);
	if (!ret && cfg->initrd)
		ret = read_file_logged("initrd", cfg->initrd, cfg->mem_size,
				       &f->initrd, &f->initrd_len);
	if (!ret && cfg->dtb)
		ret = read_file_logged("dtb", cfg->dtb, BOOT_DTB_MAX - 4096,
				       &f->dtb, &f->dtb_len);
	if (!ret) {
		ret = boot_plan(MEMMAP_RAM_BASE, cfg->mem_size, &f->info,
				f->initrd_len, &f->layout, err, sizeof(err));
		if (ret)
			log_error("%s", err);
	}
	if (ret)
		free_boot_files(f);
	return ret;
}

static int make_dtb(struct vm *vm, struct boot_files *f)
{
	const struct config *cfg = vm->cfg;
	uint64_t initrd_end = f->layout.initrd_addr + f->initrd_len;
	uint64_t mpidr[CONFIG_MAX_CPUS];
	struct dtb_device devices[16 + MEMMAP_VIRTIO_SLOTS];
	unsigned nboard;
	struct dtb_machine m = {
		.mem_base = MEMMAP_RAM_BASE, .mem_size = cfg->mem_size,
		.ncpus = vm->ncpus, .mpidr = mpidr,
		.gic_version = vm->gic.version,
		.gic_dist_base = vm->gic.dist_base, .gic_dist_size = vm->gic.dist_size,
		.gic_cpu_base = vm->gic.cpu_base, .gic_cpu_size = vm->gic.cpu_size,
		.bootargs = cfg->append,
		.initrd_start = f->layout.initrd_addr, .initrd_end = initrd_end,
	};
	uint8_t *buf;
	int ret;

	if (f->dtb) {
		/* A user tree: room to add /chosen properties, then patch. */
		size_t size = f->dtb_len + 4096;

		buf = realloc(f->dtb, size);
		if (!buf)
			return -ENOMEM;
		f->dtb = buf;
		ret = dtb_patch_chosen(buf, size, cfg->append, m.initrd_start,
				       m.initrd_end);
		if (ret)
			log_error("dtb %s: not a usable device tree", cfg->dtb);
		f->dtb_len = ret ? 0 : dtb_size(buf);
		return ret;
	}
	for (unsigned i = 0; i < vm->ncpus; i++)
		mpidr[i] = vm->vcpus[i].mpidr;
	nboard = board_dtb_devices(vm->board, devices, 16, &m.power_button_pin);
	m.ndevices = nboard + virtio_devices_dtb(vm->virtio, devices + nboard,
						 MEMMAP_VIRTIO_SLOTS);
	m.devices = devices;
	if (getrandom(m.rng_seed, sizeof(m.rng_seed), 0) != sizeof(m.rng_seed) ||
	    getrandom(&m.kaslr_seed, sizeof(m.kaslr_seed), 0) != sizeof(m.kaslr_seed))
		log_warn("no random seed for the guest: %s", strerror(errno));
	buf = malloc(GENERATED_DTB_SIZE);
	if (!buf)
		return -ENOMEM;
	ret = dtb_build(&m, buf, GENERATED_DTB_SIZE);
	if (ret) {
		log_error("cannot build the device tree: %s", strerror(-ret));
		free(buf);
		return ret;
	}
	f->dtb = buf;
	f->dtb_len = dtb_size(buf);
	return 0;
}

/*
 * Copies the boot files into RAM, points the boot vCPU at the kernel and
 * frees the files: a reboot reads them afresh (a rebuilt kernel boots).
 */
static int load_boot_files(struct vm *vm, struct boot_files *files)
{
	struct boot_files f = *files;
	struct boot_layout *l = &f.layout;
	int ret;

	memset(files, 0, sizeof(*files));
	ret = make_dtb(vm, &f);
	if (!ret && f.dtb_len > BOOT_DTB_MAX)
		ret = -E2BIG;
	if (!ret)
		ret = memory_write(&vm->mem, l->kernel_addr, f.kernel, f.kernel_len);
	/* The kernel expects its BSS and the rest of image_size zeroed. */
	if (!ret && f.info.image_size > f.kernel_len)
		memset(memory_gpa_to_hva(&vm->mem, l->kernel_addr + f.kernel_len,
					 f.info.image_size - f.kernel_len),
		       0, f.info.image_size - f.kernel_len);
	if (!ret && f.initrd_len)
		ret = memory_write(&vm->mem, l->initrd_addr, f.initrd, f.initrd_len);
	if (!ret)
		ret = memory_write(&vm->mem, l->dtb_addr, f.dtb, f.dtb_len);
	if (!ret)
		ret = cpu_set_linux_entry(vm->vcpus[0].fd, l->kernel_addr, l->dtb_addr);
	free_boot_files(&f);
	return ret;
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
	int ret = memory_init(&vm->mem, MEMMAP_RAM_BASE, vm->cfg->mem_size);

	if (ret)
		return ret;
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = MEMMAP_RAM_BASE,
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
		ret = vcpu_create(vm, i, (size_t)run_size, &vm->vcpus[i]);
		if (!ret)
			ret = cpu_init(vm->vm_fd, vm->vcpus[i].fd, i == 0);
		if (!ret)
			ret = cpu_read_mpidr(vm->vcpus[i].fd, &vm->vcpus[i].mpidr);
	}
	return ret;
}

int vm_create(struct vm *vm, const struct config *cfg)
{
	struct boot_files files;
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->ncpus = cfg->cpus;
	vm->kvm_fd = vm->vm_fd = vm->stop_fd = -1;
	vm->gic.fd = -1;
	kick_ctl_init(&vm->kick);
	/* Bad files are reported before KVM is asked for anything. */
	ret = read_boot_files(cfg, &files);
	if (ret)
		return ret;

	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = vm->stop_fd < 0 ? -errno : open_kvm(vm);
	if (!ret)
		nisv_init(vm->vm_fd, cfg->nisv, &vm->mem, &vm->bus, &vm->nisv);
	if (!ret)
		ret = add_ram(vm);
	if (!ret)
		ret = create_vcpus(vm);
	if (!ret)
		ret = gic_create(vm->vm_fd, vm->ncpus, &vm->gic);
	if (!ret)
		ret = gic_init(&vm->gic);
	if (!ret)
		ret = console_open(STDIN_FILENO, STDOUT_FILENO, &vm->console);
	if (!ret)
		ret = board_create(cfg, &(struct board_wiring){
			.vm_fd = vm->vm_fd, .console = vm->console, .mem = &vm->mem,
			.bus = &vm->bus }, &vm->board);
	if (!ret)
		ret = virtio_devices_create(vm, &vm->virtio);
	if (!ret && !cfg->dump_dtb)
		ret = load_boot_files(vm, &files);
	free_boot_files(&files);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned i = 0; vm->vcpus && i < vm->ncpus; i++) {
		vcpu_join(&vm->vcpus[i]);
		vcpu_destroy(&vm->vcpus[i]);
	}
	free(vm->vcpus);
	free(vm->threads);
	kick_ctl_destroy(&vm->kick);
	virtio_devices_destroy(vm->virtio);
	board_destroy(vm->board);
	console_close(vm->console);
	gic_destroy(&vm->gic);
	memory_free(&vm->mem);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	memset(vm, 0, sizeof(*vm));
}

int vm_dump_dtb(struct vm *vm, const char *path)
{
	struct boot_files f;
	int ret = read_boot_files(vm->cfg, &f);

	if (!ret)
		ret = make_dtb(vm, &f);
	if (!ret) {
		ret = file_write_all(path, f.dtb, f.dtb_len);
		if (ret)
			log_error("cannot write %s: %s", path, strerror(-ret));
	}
	free_boot_files(&f);
	return ret;
}

static void wake_main_loop(struct vm *vm)
{
	uint64_t one = 1;

	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		log_error("cannot wake the main loop: %s", strerror(errno));
}

void vm_request_stop(struct vm *vm, enum vm_stop why)
{
	int expected = VM_RUNNING;

	if (atomic_compare_exchange_strong(&vm->stop, &expected, (int)why))
		wake_main_loop(vm); /* it alone owns the vCPU threads */
}

void vm_request_reset(struct vm *vm)
{
	if (vm->cfg->no_reboot) {
		vm_request_stop(vm, VM_STOP_RESET);
		return;
	}
	atomic_store(&vm->reset_pending, true);
	wake_main_loop(vm);
}

#define HOLD_TIMEOUT_MS 10000

int vm_hold(struct vm *vm, enum vm_hold why, uint64_t *parked_ns)
{
	/* Before the threads start, they park at their first check. */
	int ret = kick_hold_all(&vm->kick, why, vm->threads,
				vm->started ? vm->ncpus : 0, HOLD_TIMEOUT_MS,
				parked_ns);

	if (ret)
		log_error("vCPUs did not park within %u ms", HOLD_TIMEOUT_MS);
	return ret;
}

void vm_release(struct vm *vm, enum vm_hold why)
{
	kick_release(&vm->kick, why);
}

void vm_hold_from_vcpu(struct vm *vm, enum vm_hold why)
{
	kick_hold_self(&vm->kick, why);
}

unsigned vm_holds(struct vm *vm)
{
	return kick_holds(&vm->kick);
}

struct run_ctx {
	struct vm *vm;
	struct event_loop *loop;
	int signal_fd;
	struct control *control;
	time_t shutdown_deadline; /* SIGTERM pressed the button; 0: no */
};

/* A guest reboot: park every vCPU, reset them and the devices, reload. */
int vm_reboot(struct vm *vm)
{
	struct boot_files files;
	int ret = vm_hold(vm, VM_HOLD_REBOOT, NULL);

	vm->reboots++;
	log_debug("guest reboot %u", vm->reboots);
	for (unsigned i = 0; i < vm->ncpus && !ret; i++)
		ret = cpu_init(vm->vm_fd, vm->vcpus[i].fd, i == 0);
	board_reset(vm->board);
	virtio_devices_reset(vm->virtio);
	if (!ret)
		ret = read_boot_files(vm->cfg, &files);
	if (!ret)
		ret = load_boot_files(vm, &files);
	/* An operator's pause outlives the reboot, as on QEMU; a debugger's too. */
	if (!ret)
		vm_release(vm, VM_HOLD_REBOOT);
	return ret;
}

static void on_request(void *ctx, uint32_t events)
{
	struct run_ctx *rc = ctx;
	struct vm *vm = rc->vm;
	uint64_t count;

	(void)events;
	if (read(vm->stop_fd, &count, sizeof(count)) < 0)
		return;
	if (atomic_exchange(&vm->reset_pending, false) && !atomic_load(&vm->stop) &&
	    vm_reboot(vm))
		vm_request_stop(vm, VM_STOP_ERROR);
	if (atomic_load(&vm->stop)) {
		kick_stop_all(&vm->kick, vm->threads, vm->ncpus);
		rc->loop->quit = true;
	}
}

static void stop_on_signal(struct vm *vm, int signo)
{
	log_info("terminating on signal %d", signo);
	/* Kept even when a guest reboot won the race: it must not reboot. */
	if (!vm->stop_signal)
		vm->stop_signal = signo;
	vm_request_stop(vm, VM_STOP_SIGNAL);
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
		rc->shutdown_deadline = time(NULL) + rc->vm->cfg->shutdown_timeout;
		return;
	}
	stop_on_signal(rc->vm, (int)si.ssi_signo);
}

static void on_tick(void *ctx)
{
	struct run_ctx *rc = ctx;

	board_tick(rc->vm->board);
	if (rc->shutdown_deadline && time(NULL) >= rc->shutdown_deadline) {
		log_info("the guest did not power off in time");
		stop_on_signal(rc->vm, SIGTERM);
	}
}

static int exit_status(struct vm *vm)
{
	/* A guest that powered off after SIGTERM's button press shut down cleanly. */
	if (vm->stop_signal && atomic_load(&vm->stop) != VM_STOP_POWEROFF)
		return 128 + vm->stop_signal;
	switch (atomic_load(&vm->stop)) {
	case VM_STOP_POWEROFF:
	case VM_STOP_RESET: /* only with --no-reboot */
	case VM_STOP_QUIT:
		return 0;
	default:
		return 1;
	}
}

static int setup_loop(struct run_ctx *rc)
{
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	rc->signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (rc->signal_fd < 0)
		return -errno;
	ret = event_loop_add(rc->loop, rc->vm->stop_fd, on_request, rc);
	if (!ret)
		ret = event_loop_add(rc->loop, rc->signal_fd, on_signal, rc);
	if (!ret)
		ret = console_attach(rc->vm->console, rc->vm, rc->loop);
	if (!ret && rc->vm->cfg->control)
		ret = control_open(rc->vm->cfg->control, rc->vm, rc->loop, &rc->control);
	if (!ret && rc->vm->cfg->gdb.enabled)
		ret = gdb_stub_open(rc->vm, rc->loop, &rc->vm->gdb);
	rc->loop->tick = on_tick;
	rc->loop->tick_ctx = rc;
	return ret;
}

/* One line at exit when the guest made accesses KVM could not decode. */
static void report_nisv(struct vm *vm)
{
	uint64_t emulated = atomic_load(&vm->nisv.count[NISV_EMULATED]);
	uint64_t aborted = atomic_load(&vm->nisv.count[NISV_ABORTED]);

	if (emulated || aborted)
		log_info("loads/stores KVM could not decode: %llu emulated, "
			 "%llu answered with an external abort",
			 (unsigned long long)emulated, (unsigned long long)aborted);
}

int vm_run(struct vm *vm)
{
	struct event_loop loop;
	struct run_ctx rc = { .vm = vm, .loop = &loop, .signal_fd = -1 };
	int ret = event_loop_init(&loop);

	if (!ret)
		ret = setup_loop(&rc);
	if (!ret)
		ret = virtio_devices_start(vm->virtio);
	for (unsigned i = 0; i < vm->ncpus && !ret; i++) {
		ret = vcpu_start(&vm->vcpus[i]);
		vm->threads[i] = vm->vcpus[i].thread;
	}
	vm->started = !ret;
	if (ret)
		vm_request_stop(vm, VM_STOP_ERROR);
	if (!ret)
		ret = event_loop_run(&loop);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vcpu_join(&vm->vcpus[i]);
	virtio_devices_stop(vm->virtio);
	control_close(rc.control);
	gdb_stub_close(vm->gdb);
	vm->gdb = NULL;
	event_loop_fini(&loop);
	if (rc.signal_fd >= 0)
		close(rc.signal_fd);
	report_nisv(vm);
	return ret ? 1 : exit_status(vm);
}
