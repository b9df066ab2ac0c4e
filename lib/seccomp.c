#include "a64vm/seccomp.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/seccomp.h>

#define JUMP_MAX 255 /* a BPF conditional jump's reach */

/* The low word of ioctl's request: the kernel's own ioctl takes 32 bits. */
#define ARG1_LOW offsetof(struct seccomp_data, args[1])

struct prog {
	struct sock_filter *insn;
	size_t len, cap;
	bool overflow;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->len == p->cap) {
		p->overflow = true;
		return;
	}
	p->insn[p->len++] = (struct sock_filter){ code, jt, jf, k };
}

/* One "equal: allow" per value; the allow is at index allow_at. */
static void emit_allow_list(struct prog *p, const uint32_t *values, unsigned n,
			    size_t allow_at)
{
	for (unsigned i = 0; i < n; i++) {
		size_t reach = allow_at - (p->len + 1);

		if (reach > JUMP_MAX)
			p->overflow = true;
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)reach, 0, values[i]);
	}
}

int seccomp_build(const struct seccomp_policy *pol, uint32_t audit_arch,
		  uint32_t default_action, struct sock_filter *insn, size_t cap)
{
	struct prog p = { .insn = insn, .cap = cap };
	/*
	 * Layout: arch check (3), load nr (1), the syscalls, the ioctl branch
	 * (1), default (1), [load request (1), the ioctls, default (1)], allow.
	 */
	bool ioctls = pol->nioctls > 0;
	size_t ioctl_at = 4 + pol->nsyscalls + (ioctls ? 2 : 1);
	size_t allow_at = ioctl_at + (ioctls ? 2 + pol->nioctls : 0);
	uint32_t nrs[256];

	if (pol->nsyscalls > sizeof(nrs) / sizeof(nrs[0]))
		return -E2BIG;
	for (unsigned i = 0; i < pol->nsyscalls; i++)
		nrs[i] = (uint32_t)pol->syscalls[i];
	emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, audit_arch);
	emit(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
	emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
	emit_allow_list(&p, nrs, pol->nsyscalls, allow_at);
	if (ioctls) {
		size_t reach = ioctl_at - (p.len + 1);

		emit(&p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)reach, 0, __NR_ioctl);
	}
	emit(&p, BPF_RET | BPF_K, 0, 0, default_action);
	if (ioctls) {
		emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG1_LOW);
		emit_allow_list(&p, pol->ioctls, pol->nioctls, allow_at);
		emit(&p, BPF_RET | BPF_K, 0, 0, default_action);
	}
	emit(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	if (p.overflow || p.len != allow_at + 1)
		return -E2BIG;
	return (int)p.len;
}

static _Thread_local char thread_name[16] = "?";

/* Async-signal-safe: no stdio, only write. */
static size_t put_str(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_uint(char *buf, size_t at, size_t cap, unsigned long v)
{
	char digits[24];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(digits));
	while (n && at + 1 < cap)
		buf[at++] = digits[--n];
	return at;
}

static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char line[200];
	size_t n = 0;

	(void)sig;
	(void)uctx;
	n = put_str(line, n, sizeof(line), "a64vm: error: seccomp: thread ");
	n = put_str(line, n, sizeof(line), thread_name);
	n = put_str(line, n, sizeof(line), " made system call ");
	n = put_uint(line, n, sizeof(line), (unsigned long)si->si_syscall);
	n = put_str(line, n, sizeof(line), ", which its filter forbids; killed by "
					    "SIGSYS (--seccomp=log lets it through)\n");
	if (write(STDERR_FILENO, line, n) < 0)
		n = 0;
	/*
	 * The same call again: it traps while SIGSYS is blocked in this
	 * handler, so the kernel delivers it with its default action.
	 */
	syscall(si->si_syscall, 0, 0, 0, 0, 0, 0);
}

int seccomp_prepare(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) ? -errno : 0;
}

int seccomp_install(const struct seccomp_policy *pol, uint32_t audit_arch,
		    enum seccomp_mode mode, const char *thread)
{
	struct sock_filter insn[SECCOMP_MAX_PROG];
	struct sock_fprog fprog = { .filter = insn };
	int len;

	if (mode == SECCOMP_MODE_OFF)
		return 0;
	len = seccomp_build(pol, audit_arch,
			    mode == SECCOMP_MODE_LOG ? SECCOMP_RET_LOG : SECCOMP_RET_TRAP,
			    insn, SECCOMP_MAX_PROG);
	if (len < 0)
		return len;
	fprog.len = (unsigned short)len;
	strncpy(thread_name, thread, sizeof(thread_name) - 1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog))
		return -errno;
	return 0;
}

void seccomp_break_filter(void)
{
	syscall(__NR_getppid);
}
