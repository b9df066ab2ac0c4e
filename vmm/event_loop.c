#include "a64vm/event_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/mono_time.h"

int event_loop_init(struct event_loop *loop)
{
	memset(loop, 0, sizeof(*loop));
	for (unsigned i = 0; i < EVENT_LOOP_MAX; i++)
		loop->entries[i].fd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epfd < 0 ? -errno : 0;
}

void event_loop_fini(struct event_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

static struct event_loop_entry *find(struct event_loop *loop, int fd)
{
	for (unsigned i = 0; i < EVENT_LOOP_MAX; i++)
		if (loop->entries[i].fd == fd)
			return &loop->entries[i];
	return NULL;
}

static int add(struct event_loop *loop, int fd, uint32_t events, bool enabled,
	       event_loop_fn fn, void *ctx)
{
	struct event_loop_entry *e = find(loop, -1);
	struct epoll_event ev = { .events = enabled ? events : 0 };

	if (!e)
		return -ENOSPC;
	ev.data.ptr = e;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	*e = (struct event_loop_entry){ .fd = fd, .events = events, .fn = fn, .ctx = ctx };
	return 0;
}

int event_loop_add(struct event_loop *loop, int fd, event_loop_fn fn, void *ctx)
{
	return add(loop, fd, EPOLLIN, true, fn, ctx);
}

int event_loop_add_output(struct event_loop *loop, int fd, event_loop_fn fn, void *ctx)
{
	return add(loop, fd, EPOLLOUT, false, fn, ctx);
}

void event_loop_del(struct event_loop *loop, int fd)
{
	struct event_loop_entry *e = find(loop, fd);

	if (!e)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	e->fd = -1;
}

int event_loop_enable(struct event_loop *loop, int fd, bool enabled)
{
	struct event_loop_entry *e = find(loop, fd);
	struct epoll_event ev = { 0 };

	if (!e)
		return -ENOENT;
	ev.events = enabled ? e->events : 0;
	ev.data.ptr = e;
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

static int64_t now_ms(void)
{
	return (int64_t)(mono_ns() / 1000000);
}

int event_loop_run(struct event_loop *loop)
{
	int64_t next_tick = now_ms() + 1000;

	while (!loop->quit) {
		struct epoll_event evs[8];
		int64_t wait = next_tick - now_ms();
		int n = epoll_wait(loop->epfd, evs, 8, wait < 0 ? 0 : (int)wait);

		if (n < 0 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n && !loop->quit; i++) {
			struct event_loop_entry *e = evs[i].data.ptr;

			if (e->fd >= 0)
				e->fn(e->ctx, evs[i].events);
		}
		if (now_ms() >= next_tick) {
			next_tick = now_ms() + 1000;
			if (loop->tick)
				loop->tick(loop->tick_ctx);
		}
	}
	return 0;
}
