#include "a64vm/posted_writes.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/board.h"
#include "a64vm/event_loop.h"
#include "a64vm/log.h"
#include "a64vm/vcpu.h"

/* How late a byte a guest wrote and then said nothing more may appear. */
#define POSTED_TICK_NS 20000000l

void posted_writes_init(struct posted_writes *p, struct mmio_bus *bus)
{
	mmio_ring_init(&p->ring);
	p->bus = bus;
	p->timer_fd = -1;
}

void posted_writes_destroy(struct posted_writes *p)
{
	if (p->timer_fd >= 0)
		close(p->timer_fd);
	p->timer_fd = -1;
	mmio_ring_destroy(&p->ring);
}

void posted_writes_setup(struct posted_writes *p, int vm_fd, const struct vcpu *first,
			 struct board *board)
{
	long page = sysconf(_SC_PAGESIZE);
	/* The ring's page, in pages into every vCPU's kvm_run mapping. */
	int at = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);

	if (at <= 0 || page <= 0 || (size_t)(at + 1) * (size_t)page > first->run_size) {
		log_debug("no coalesced MMIO here: every posted write exits");
		return;
	}
	mmio_ring_attach(&p->ring, (uint8_t *)first->run + (size_t)at * (size_t)page,
			 (size_t)page);
	log_debug("posted writes: %u registers, a ring of %u", board_post_writes(board),
		  p->ring.entries);
}

static void on_tick(void *ctx, uint32_t events)
{
	struct posted_writes *p = ctx;
	uint64_t expirations;

	(void)events;
	if (read(p->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_ratelimited(LOG_WARN, "posted writes: timerfd: %s", strerror(errno));
	posted_writes_flush(p);
}

int posted_writes_attach(struct posted_writes *p, struct event_loop *loop)
{
	struct itimerspec its = { .it_value.tv_nsec = POSTED_TICK_NS,
				  .it_interval.tv_nsec = POSTED_TICK_NS };

	if (!p->ring.ring)
		return 0;
	p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (p->timer_fd < 0 || timerfd_settime(p->timer_fd, 0, &its, NULL))
		return -errno;
	return event_loop_add(loop, p->timer_fd, on_tick, p);
}

void posted_writes_flush(struct posted_writes *p)
{
	mmio_ring_drain(&p->ring, p->bus);
}
