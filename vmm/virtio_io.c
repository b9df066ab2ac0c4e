#include "a64vm/virtio_io.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/log.h"

struct watch {
	int fd;
	virtio_io_fn fn;
	void *ctx;
};

struct virtio_io {
	int epfd, quit_fd;
	atomic_bool stopping;
	bool (*on_start)(void *ctx);
	void *start_ctx;
	pthread_t thread;
	bool running;
	unsigned n;
	struct watch watches[VIRTIO_IO_MAX_WATCHES];
};

int virtio_io_create(struct virtio_io **out)
{
	struct virtio_io *io = calloc(1, sizeof(*io));

	if (!io)
		return -ENOMEM;
	io->quit_fd = -1;
	io->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (io->epfd < 0) {
		int err = errno;

		free(io);
		return -err;
	}
	*out = io;
	return 0;
}

void virtio_io_destroy(struct virtio_io *io)
{
	if (!io)
		return;
	virtio_io_stop(io);
	if (io->quit_fd >= 0)
		close(io->quit_fd);
	close(io->epfd);
	free(io);
}

int virtio_io_watch(struct virtio_io *io, int fd, bool enabled, virtio_io_fn fn,
		    void *ctx)
{
	struct watch *w;
	struct epoll_event ev = { .events = enabled ? EPOLLIN : 0 };

	if (io->n == VIRTIO_IO_MAX_WATCHES)
		return -ENOSPC;
	w = &io->watches[io->n];
	*w = (struct watch){ .fd = fd, .fn = fn, .ctx = ctx };
	ev.data.ptr = w;
	if (epoll_ctl(io->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	io->n++;
	return 0;
}

int virtio_io_enable(struct virtio_io *io, int fd, bool on)
{
	for (unsigned i = 0; i < io->n; i++) {
		struct epoll_event ev = { .events = on ? EPOLLIN : 0,
					  .data.ptr = &io->watches[i] };

		if (io->watches[i].fd == fd)
			return epoll_ctl(io->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
	}
	return -ENOENT;
}

int virtio_io_rewatch(struct virtio_io *io, int old_fd, int new_fd, bool on)
{
	for (unsigned i = 0; i < io->n; i++) {
		struct watch *w = &io->watches[i];
		struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = w };

		if (w->fd != old_fd)
			continue;
		epoll_ctl(io->epfd, EPOLL_CTL_DEL, old_fd, NULL);
		w->fd = new_fd;
		return epoll_ctl(io->epfd, EPOLL_CTL_ADD, new_fd, &ev) ? -errno : 0;
	}
	return -ENOENT;
}

static void *io_thread(void *arg)
{
	struct virtio_io *io = arg;

	if (!io->on_start(io->start_ctx))
		return NULL;
	for (;;) {
		struct epoll_event events[16];
		int n = epoll_wait(io->epfd, events, 16, -1);

		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;

			if (!w)
				return NULL; /* the quit eventfd */
			w->fn(w->ctx);
		}
		if (n < 0 && errno != EINTR) {
			log_error("virtio I/O thread: %s", strerror(errno));
			return NULL;
		}
	}
}

int virtio_io_start(struct virtio_io *io, bool (*on_start)(void *ctx), void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int ret;

	if (!io->n)
		return 0;
	io->on_start = on_start;
	io->start_ctx = ctx;
	io->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io->quit_fd < 0 || epoll_ctl(io->epfd, EPOLL_CTL_ADD, io->quit_fd, &ev))
		return -errno;
	ret = pthread_create(&io->thread, NULL, io_thread, io);
	if (ret) {
		log_error("cannot start the virtio I/O thread: %s", strerror(ret));
		return -ret;
	}
	pthread_setname_np(io->thread, "virtio-io");
	io->running = true;
	return 1;
}

void virtio_io_stop(struct virtio_io *io)
{
	uint64_t one = 1;

	if (!io || !io->running)
		return;
	atomic_store(&io->stopping, true);
	if (write(io->quit_fd, &one, sizeof(one)) < 0)
		log_error("cannot stop the virtio I/O thread: %s", strerror(errno));
	pthread_join(io->thread, NULL);
	io->running = false;
}

const atomic_bool *virtio_io_stopping(const struct virtio_io *io)
{
	return &io->stopping;
}

int virtio_io_notify_fd(int vm_fd, uint64_t addr, uint32_t value)
{
	struct kvm_ioeventfd io = {
		.datamatch = value, .addr = addr, .len = 4,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	io.fd = fd;
	if (!ioctl(vm_fd, KVM_IOEVENTFD, &io))
		return fd;
	err = errno;
	close(fd);
	return -err;
}

void virtio_io_notify_fd_drop(int vm_fd, uint64_t addr, uint32_t value, int fd)
{
	struct kvm_ioeventfd io = {
		.datamatch = value, .addr = addr, .len = 4, .fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	if (ioctl(vm_fd, KVM_IOEVENTFD, &io))
		log_warn("KVM_IOEVENTFD (deassign) at %#llx: %s", (unsigned long long)addr,
			 strerror(errno));
}

int virtio_io_irq_fd(int vm_fd, unsigned gsi)
{
	struct kvm_irqfd irqfd = { .gsi = gsi };
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	irqfd.fd = (uint32_t)fd;
	if (!ioctl(vm_fd, KVM_IRQFD, &irqfd))
		return fd;
	err = errno;
	close(fd);
	return -err;
}
