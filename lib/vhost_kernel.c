#include "a64vm/vhost_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vhost.h>

#include "a64vm/log.h"

static int call(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

int vhost_kernel_own(int fd, uint64_t *features)
{
	int ret = call(fd, VHOST_SET_OWNER, NULL);

	return ret ? ret : call(fd, VHOST_GET_FEATURES, features);
}

int vhost_kernel_open(const char *path, const char *name, uint64_t *features)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0) {
		ret = -errno;
		log_error("%s: cannot open %s: %s%s", name, path, strerror(errno),
			  errno == ENOENT ? " (modprobe vhost_vsock)"
			  : errno == EACCES ? " (root, or a group that may open it)" : "");
		return ret;
	}
	ret = vhost_kernel_own(fd, features);
	if (ret) {
		log_error("%s: %s: %s", name, path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

int vhost_kernel_set_features(int fd, uint64_t features)
{
	return call(fd, VHOST_SET_FEATURES, &features);
}

int vhost_kernel_set_mem(int fd, const struct guest_mem *mem)
{
	union {
		struct vhost_memory head;
		char bytes[sizeof(struct vhost_memory) + sizeof(struct vhost_memory_region)];
	} table = { .head = { .nregions = 1 } };

	table.head.regions[0] = (struct vhost_memory_region){
		.guest_phys_addr = mem->base, .memory_size = mem->size,
		.userspace_addr = (uint64_t)(uintptr_t)mem->hva };
	return call(fd, VHOST_SET_MEM_TABLE, &table);
}

static uint64_t user_addr(const struct guest_mem *mem, uint64_t gpa)
{
	return (uint64_t)(uintptr_t)mem->hva + (gpa - mem->base);
}

int vhost_kernel_start_vring(int fd, const struct guest_mem *mem,
			     const struct vhost_user_vring *r)
{
	struct vhost_vring_state num = { .index = r->index, .num = r->num };
	struct vhost_vring_state base = { .index = r->index, .num = r->base };
	struct vhost_vring_addr addr = { .index = r->index,
					 .desc_user_addr = user_addr(mem, r->desc),
					 .avail_user_addr = user_addr(mem, r->avail),
					 .used_user_addr = user_addr(mem, r->used) };
	struct vhost_vring_file kick = { .index = r->index, .fd = r->kick };
	int ret = call(fd, VHOST_SET_VRING_NUM, &num);

	if (!ret)
		ret = call(fd, VHOST_SET_VRING_BASE, &base);
	if (!ret)
		ret = call(fd, VHOST_SET_VRING_ADDR, &addr);
	/* The call first, as for a vhost-user daemon: no answer without it. */
	if (!ret)
		ret = vhost_kernel_set_call(fd, r->index, r->call);
	if (!ret)
		ret = call(fd, VHOST_SET_VRING_KICK, &kick);
	return ret;
}

int vhost_kernel_set_call(int fd, unsigned index, int callfd)
{
	struct vhost_vring_file f = { .index = index, .fd = callfd };

	return call(fd, VHOST_SET_VRING_CALL, &f);
}

int vhost_kernel_stop_vring(int fd, unsigned index, uint16_t *base)
{
	struct vhost_vring_state s = { .index = index };
	int ret = call(fd, VHOST_GET_VRING_BASE, &s);

	if (!ret)
		*base = (uint16_t)s.num;
	return ret;
}

int vhost_kernel_vsock_set_cid(int fd, uint64_t cid)
{
	return call(fd, VHOST_VSOCK_SET_GUEST_CID, &cid);
}

int vhost_kernel_vsock_run(int fd, bool on)
{
	int running = on;

	return call(fd, VHOST_VSOCK_SET_RUNNING, &running);
}
