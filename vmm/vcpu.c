#include "a64vm/vcpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "a64vm/arch.h"
#include "a64vm/kick.h"
#include "a64vm/log.h"
#include "a64vm/mmio_bus.h"
#include "a64vm/mmio_ring.h"
#include "a64vm/start_gate.h"
#include "a64vm/vm_ctl.h"

/* An exit handler returns 0 to re-enter the guest, non-zero to leave. */
typedef int (*vcpu_exit_fn)(struct vcpu *v);

static int exit_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	mmio_bus_access(v->w->bus, run->mmio.phys_addr, run->mmio.data,
			run->mmio.len, run->mmio.is_write);
	return 0;
}

static int exit_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_ctl_request_stop(v->w->ctl, VM_STOP_POWEROFF);
		return 1;
	case KVM_SYSTEM_EVENT_RESET:
		/* KVM holds every vCPU until the main loop parks and resets them. */
		vm_ctl_request_reset(v->w->ctl);
		return 0;
	default:
		log_error("vCPU %u: system event %u not handled", v->id,
			  v->run->system_event.type);
		vm_ctl_request_stop(v->w->ctl, VM_STOP_ERROR);
		return 1;
	}
}

static int exit_fail_entry(struct vcpu *v)
{
	log_error("vCPU %u: KVM could not enter the guest (reason %#llx)", v->id,
		  (unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
	vm_ctl_request_stop(v->w->ctl, VM_STOP_ERROR);
	return 1;
}

static int exit_internal_error(struct vcpu *v)
{
	log_error("vCPU %u: KVM internal error, suberror %u", v->id,
		  v->run->internal.suberror);
	vm_ctl_request_stop(v->w->ctl, VM_STOP_ERROR);
	return 1;
}

/* arm64/ says what happened; the policy (go on, GDB, stop) is the VM's. */
static int exit_nisv(struct vcpu *v)
{
	const struct vcpu_debugger *dbg = &v->w->debugger;

	switch (nisv_handle_exit(v->w->nisv, v->fd, v->id, v->run)) {
	case NISV_EMULATED:
	case NISV_ABORTED:
		return 0;
	case NISV_STOPPED:
		nisv_report_stop(v->w->nisv, v->fd, v->id, v->run, dbg->nisv_stop != NULL);
		if (dbg->nisv_stop) {
			dbg->nisv_stop(dbg->ctx, v->id);
			return 0;
		}
		vm_ctl_request_stop(v->w->ctl, VM_STOP_NISV);
		return 1;
	default:
		vm_ctl_request_stop(v->w->ctl, VM_STOP_ERROR);
		return 1;
	}
}

static int exit_debug(struct vcpu *v)
{
	const struct vcpu_debugger *dbg = &v->w->debugger;

	if (!dbg->debug_exit) {
		log_error("vCPU %u: a debug exit without a debugger", v->id);
		vm_ctl_request_stop(v->w->ctl, VM_STOP_ERROR);
		return 1;
	}
	dbg->debug_exit(dbg->ctx, v);
	return 0;
}

/* A spurious exit (a signal, a kick): just go round again. */
static int exit_again(struct vcpu *v)
{
	(void)v;
	return 0;
}

static const vcpu_exit_fn exit_handlers[VCPU_EXIT_REASONS] = {
	[KVM_EXIT_MMIO] = exit_mmio,
	[KVM_EXIT_SYSTEM_EVENT] = exit_system_event,
	[KVM_EXIT_FAIL_ENTRY] = exit_fail_entry,
	[KVM_EXIT_INTERNAL_ERROR] = exit_internal_error,
	[KVM_EXIT_INTR] = exit_again,
	[KVM_EXIT_ARM_NISV] = exit_nisv,
	[KVM_EXIT_DEBUG] = exit_debug,
};

static int dispatch_exit(struct vcpu *v)
{
	uint32_t reason = v->run->exit_reason;

	if (reason < VCPU_EXIT_REASONS) {
		atomic_fetch_add_explicit(&v->exits[reason], 1, memory_order_relaxed);
		if (exit_handlers[reason])
			return exit_handlers[reason](v);
	}
	log_error("vCPU %u: unexpected KVM exit reason %u", v->id, reason);
	vm_ctl_request_stop(v->w->ctl, VM_STOP_ERROR);
	return 1;
}

/*
 * A vCPU parks with nothing half done: KVM finishes an MMIO access (a
 * load's value into its register, the PC past it) only on the next
 * KVM_RUN, which immediate_exit makes return at once. A snapshot or a
 * debugger then reads the state after the access, never before it.
 */
static void settle(void *arg)
{
	struct vcpu *v = arg;

	if (v->run->exit_reason != KVM_EXIT_MMIO)
		return;
	*(volatile __u8 *)&v->run->immediate_exit = 1;
	if (ioctl(v->fd, KVM_RUN, 0) == 0 || (errno != EINTR && errno != EAGAIN))
		log_ratelimited(LOG_WARN, "vCPU %u: finishing an MMIO access before a pause: "
				"KVM_RUN did not stop at once", v->id);
	v->run->exit_reason = KVM_EXIT_INTR; /* done: no second call */
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];
	int ret, err;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	if (!start_gate_pass(v->w->gate, SECCOMP_VCPU, name, v->id == 0))
		return NULL;
	kick_thread_enter(&v->w->ctl->kick, v->run);
	for (;;) {
		if (kick_check(&v->w->ctl->kick, v->run, &v->hold, settle, v))
			break;
		ret = ioctl(v->fd, KVM_RUN, 0);
		err = errno;
		/* What the guest wrote before this exit (or a pause) comes first. */
		mmio_ring_drain(v->w->posted, v->w->bus);
		if (ret < 0) {
			if (err == EINTR || err == EAGAIN)
				continue;
			log_error("vCPU %u: KVM_RUN: %s", v->id, strerror(err));
			vm_ctl_request_stop(v->w->ctl, VM_STOP_ERROR);
			break;
		}
		if (dispatch_exit(v))
			break;
	}
	kick_thread_leave(&v->w->ctl->kick);
	return NULL;
}

int vcpu_create(int vm_fd, const struct vcpu_wiring *w, unsigned id, size_t run_size,
		struct vcpu *v)
{
	int fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	void *run;

	if (fd < 0) {
		int err = errno;

		log_error("cannot create vCPU %u: %s", id, strerror(err));
		return -err;
	}
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		int err = errno;

		log_error("cannot map vCPU %u's kvm_run: %s", id, strerror(err));
		close(fd);
		return -err;
	}
	memset(v, 0, sizeof(*v));
	v->w = w;
	v->id = id;
	v->fd = fd;
	v->run = run;
	v->run_size = run_size;
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

int vcpu_start(struct vcpu *v)
{
	char name[16];
	int ret = pthread_create(&v->thread, NULL, vcpu_thread, v);

	if (!ret) {
		snprintf(name, sizeof(name), "vcpu%u", v->id);
		pthread_setname_np(v->thread, name);
	}
	if (ret) {
		log_error("cannot start vCPU %u's thread: %s", v->id, strerror(ret));
		return -ret;
	}
	v->thread_started = true;
	return 0;
}

void vcpu_join(struct vcpu *v)
{
	if (v->thread_started)
		pthread_join(v->thread, NULL);
	v->thread_started = false;
}
