/*
 * What each thread kind does once the guest runs, and so what its seccomp
 * filter allows. Setup (opening files, devices, sockets, creating threads)
 * is over by then. Names are the generic ones arm64 has. ioctl is allowed
 * only for the requests listed.
 */
#include "a64vm/seccomp_policy.h"

#include <sys/syscall.h>
#include <sys/ioctl.h>

#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vhost.h>

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

/* Every thread: its own memory, locks, signals, the clock, logging. */
#define COMMON                                                                 \
	__NR_read, __NR_write, __NR_futex, __NR_rt_sigreturn,                  \
	__NR_rt_sigprocmask, __NR_restart_syscall, __NR_exit, __NR_exit_group, \
	__NR_clock_gettime, __NR_clock_nanosleep, __NR_mmap, __NR_munmap,      \
	__NR_mprotect, __NR_madvise, __NR_brk, __NR_getpid, __NR_gettid,       \
	__NR_tgkill, __NR_sched_yield, __NR_fstat, __NR_newfstatat

static const int vcpu_calls[] = {
	COMMON,
	__NR_pwrite64, __NR_fdatasync,	/* a flash write reaching its file */
	__NR_timerfd_settime,		/* the RTC's alarm */
};

static const uint32_t vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_ONE_REG, KVM_SET_ONE_REG, KVM_SET_VCPU_EVENTS,
	KVM_GET_VCPU_EVENTS, KVM_IRQ_LINE, KVM_SET_USER_MEMORY_REGION,
	KVM_SET_GUEST_DEBUG,
	KVM_IOEVENTFD, KVM_SET_GSI_ROUTING, /* PCI: BARs moved, MSI-X entries used */
};

static const int io_calls[] = {
	COMMON,
	__NR_epoll_pwait, __NR_epoll_ctl,
	__NR_preadv, __NR_pwritev, __NR_pread64, __NR_pwrite64, __NR_fdatasync,
	__NR_fallocate,			/* discard and write-zeroes */
	__NR_readv, __NR_writev,	/* the tap */
	__NR_sendmsg,			/* passt's stream (it never blocks) */
	__NR_getrandom,			/* virtio-rng */
	__NR_io_uring_enter,		/* virtio-blk's batches (its ring is set up before) */
	/* vsock's own backend: host programs accepted, sockets from the opener, ended */
	__NR_accept4, __NR_ppoll, __NR_recvmsg, __NR_sendto, __NR_shutdown, __NR_close,
};

static const uint32_t io_ioctls[] = {
	TUNSETOFFLOAD, /* the tap's checksum offload, as the driver negotiated */
	KVM_IRQ_LINE, KVM_SET_GSI_ROUTING, /* virtio-pci's INTx, an MSI-X route */
};

static const int main_calls[] = {
	COMMON,
	__NR_epoll_pwait, __NR_epoll_ctl, __NR_close, __NR_timerfd_settime,
	__NR_accept4, __NR_recvfrom, __NR_sendto, __NR_setsockopt, __NR_shutdown,
	__NR_fcntl, __NR_pread64,	/* a reboot reads its pinned files again */
	__NR_getrandom,			/* ... and seeds its device tree */
	__NR_unlinkat,			/* sockets removed at exit, by directory */
	__NR_kill, __NR_wait4,		/* a daemon that listens (qemu-storage-daemon) stopped at exit */
	__NR_fsync, __NR_ftruncate, __NR_pwrite64, /* a snapshot's files, the opener's */
	__NR_ppoll, __NR_recvmsg, /* ... and its answer, awaited */
	__NR_lseek, /* ... and its RAM, where a memfd has pages */
};

static const uint32_t main_ioctls[] = {
	/* GDB, a reboot, devices and the power button, the flash banks */
	KVM_GET_ONE_REG, KVM_SET_ONE_REG, KVM_SET_GUEST_DEBUG, KVM_ARM_VCPU_INIT,
	KVM_ARM_PREFERRED_TARGET, KVM_IRQ_LINE, KVM_SET_USER_MEMORY_REGION,
	KVM_SET_VCPU_EVENTS, KVM_GET_VCPU_EVENTS,
	KVM_IOEVENTFD, KVM_SET_DEVICE_ATTR, /* a reboot: doorbells, the ITS */
	KVM_SET_GSI_ROUTING, /* virtio-console input: an MSI-X route */
	KVM_GET_REG_LIST, KVM_GET_MP_STATE, KVM_GET_DEVICE_ATTR, /* a snapshot */
	KVM_SET_MP_STATE, KVM_GET_DIRTY_LOG, /* a restore in place, a rewind */
	TCGETS, TCSETS, TCSETSW, TCSETSF, /* the terminal, restored at exit */
};

/*
 * A vhost device's worker: the vhost-user daemon's socket or the kernel's
 * vhost ioctls, and when the backend goes, its end: a daemon killed, and
 * the descriptors it had replaced.
 */
static const int helper_calls[] = {
	COMMON,
	__NR_ppoll, __NR_sendmsg, __NR_recvmsg, __NR_close,
	__NR_kill, __NR_eventfd2, __NR_epoll_ctl,
};

static const uint32_t helper_ioctls[] = {
	KVM_IOEVENTFD, KVM_IRQFD,	/* kicks and irqfds replaced */
	KVM_SET_GSI_ROUTING,		/* an MSI-X vector's route, before its irqfd goes out */
	/* the kernel's vhost-vsock, given the queues and taking them back */
	VHOST_SET_FEATURES, VHOST_SET_MEM_TABLE, VHOST_SET_VRING_NUM, VHOST_SET_VRING_BASE,
	VHOST_SET_VRING_ADDR, VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL, VHOST_GET_VRING_BASE,
	VHOST_VSOCK_SET_RUNNING,
	/* ... and its renewal, a new descriptor from the opener (device_opener.c) */
	VHOST_SET_OWNER, VHOST_GET_FEATURES, VHOST_VSOCK_SET_GUEST_CID,
};

/*
 * The child that opens a kernel vhost device anew, connects a guest's
 * vsock connection to the host's socket, or makes a snapshot's files
 * (vmm/device_opener.c).
 */
static const int opener_calls[] = {
	COMMON,
	__NR_openat, __NR_close, __NR_sendmsg, __NR_socket, __NR_connect,
	__NR_mkdirat, __NR_renameat2, /* a snapshot's directory and files */
#ifdef __NR_renameat
	__NR_renameat,
#endif
};

const struct seccomp_policy seccomp_policies[SECCOMP_THREADS] = {
	[SECCOMP_MAIN] = { "main", main_calls, N(main_calls), main_ioctls, N(main_ioctls) },
	[SECCOMP_VCPU] = { "vcpu", vcpu_calls, N(vcpu_calls), vcpu_ioctls, N(vcpu_ioctls) },
	[SECCOMP_IO] = { "io", io_calls, N(io_calls), io_ioctls, N(io_ioctls) },
	[SECCOMP_HELPER] = { "helper", helper_calls, N(helper_calls), helper_ioctls,
			     N(helper_ioctls) },
	[SECCOMP_OPENER] = { "opener", opener_calls, N(opener_calls), NULL, 0 },
};
