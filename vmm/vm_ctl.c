#include "a64vm/vm_ctl.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "a64vm/log.h"

#define HOLD_TIMEOUT_MS 10000

int vm_ctl_init(struct vm_ctl *c, bool no_reboot)
{
	memset(c, 0, sizeof(*c));
	c->no_reboot = no_reboot;
	kick_ctl_init(&c->kick);
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0) {
		int err = errno;

		log_error("cannot create an eventfd: %s", strerror(err));
		return -err;
	}
	return 0;
}

void vm_ctl_destroy(struct vm_ctl *c)
{
	kick_ctl_destroy(&c->kick);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	c->stop_fd = -1;
}

void vm_ctl_started(struct vm_ctl *c, const pthread_t *threads, unsigned n)
{
	c->threads = threads;
	c->nthreads = n;
}

static void wake_main_loop(struct vm_ctl *c)
{
	uint64_t one = 1;

	if (write(c->stop_fd, &one, sizeof(one)) < 0)
		log_error("cannot wake the main loop: %s", strerror(errno));
}

void vm_ctl_request_stop(struct vm_ctl *c, enum vm_stop why)
{
	int expected = VM_RUNNING;

	if (atomic_compare_exchange_strong(&c->stop, &expected, (int)why))
		wake_main_loop(c); /* it alone owns the vCPU threads */
}

void vm_ctl_request_reset(struct vm_ctl *c)
{
	if (c->no_reboot) {
		vm_ctl_request_stop(c, VM_STOP_RESET);
		return;
	}
	atomic_store(&c->reset_pending, true);
	wake_main_loop(c);
}

enum vm_stop vm_ctl_stopping(struct vm_ctl *c)
{
	return (enum vm_stop)atomic_load(&c->stop);
}

bool vm_ctl_take_reset(struct vm_ctl *c)
{
	return atomic_exchange(&c->reset_pending, false);
}

int vm_ctl_hold(struct vm_ctl *c, enum vm_hold why, uint64_t *parked_ns)
{
	/* Before the threads start, they park at their first check. */
	int ret = kick_hold_all(&c->kick, why, c->threads, c->nthreads,
				HOLD_TIMEOUT_MS, parked_ns);

	if (ret)
		log_error("vCPUs did not park within %u ms", HOLD_TIMEOUT_MS);
	return ret;
}

void vm_ctl_release(struct vm_ctl *c, enum vm_hold why)
{
	kick_release(&c->kick, why);
}

void vm_ctl_hold_from_vcpu(struct vm_ctl *c, enum vm_hold why)
{
	kick_hold_self(&c->kick, why);
}

unsigned vm_ctl_holds(struct vm_ctl *c)
{
	return kick_holds(&c->kick);
}

int vm_ctl_reboot(struct vm_ctl *c)
{
	return c->reboot ? c->reboot(c->reboot_ctx) : -ENOSYS;
}
