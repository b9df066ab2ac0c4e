/*
 * seccomp filters, one per thread kind: each thread installs its own,
 * allowing only the system calls (and for ioctl, the requests) that kind
 * makes once the VM runs. A forbidden call either kills the process with
 * SIGSYS after one clear line, or is let through and logged by the kernel.
 */
#ifndef A64VM_SECCOMP_H
#define A64VM_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

enum seccomp_thread {
	SECCOMP_MAIN, /* the event loop: console, signals, sockets, GDB, reboot */
	SECCOMP_VCPU, /* KVM_RUN and the exits it serves */
	SECCOMP_IO,   /* the virtio I/O thread */
	SECCOMP_HELPER, /* a vhost device's worker: talks to its daemon or kernel device */
	SECCOMP_OPENER, /* the child that opens a kernel vhost device anew */
	SECCOMP_THREADS,
};

enum seccomp_mode {
	SECCOMP_MODE_KILL, /* the default: SIGSYS, after a line on stderr */
	SECCOMP_MODE_LOG,  /* allowed, and logged by the kernel (audit) */
	SECCOMP_MODE_OFF,
};

/* What one thread kind may do. */
struct seccomp_policy {
	const char *name;
	const int *syscalls;
	unsigned nsyscalls;
	const uint32_t *ioctls; /* ioctl's request numbers */
	unsigned nioctls;
};

#define SECCOMP_MAX_PROG 512

/*
 * The BPF program for p on the architecture audit_arch (a wrong one is
 * killed outright); what is not allowed gets default_action. Its length,
 * or -E2BIG when it does not fit cap or its jumps.
 */
int seccomp_build(const struct seccomp_policy *p, uint32_t audit_arch,
		  uint32_t default_action, struct sock_filter *prog, size_t cap);

/*
 * Once per process, before any filter: the SIGSYS handler that prints
 * which thread made which call, then lets the process die of SIGSYS.
 */
int seccomp_prepare(void);

/*
 * The calling thread's filter, with PR_SET_NO_NEW_PRIVS; thread names it
 * in the SIGSYS line. 0 (also for SECCOMP_MODE_OFF) or -errno.
 */
int seccomp_install(const struct seccomp_policy *p, uint32_t audit_arch,
		    enum seccomp_mode mode, const char *thread);

/* For --seccomp-selftest: a call no filter allows (getppid). */
void seccomp_break_filter(void);

#endif
