/*
 * The seccomp filter builder, and filters installed for real in child
 * processes: allowed calls pass, a forbidden one kills with SIGSYS after
 * one line (or is logged and goes on), an ioctl is judged by its request.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <zlib.h>

#include "a64vm/boot_image.h"
#include "a64vm/seccomp.h"
#include "a64vm/seccomp_policy.h"
#include "unit.h"

static const int calls[] = {
	__NR_read, __NR_write, __NR_exit, __NR_exit_group, __NR_rt_sigreturn,
	__NR_rt_sigprocmask, __NR_futex, __NR_mmap, __NR_munmap, __NR_brk,
	__NR_getpid,
	__NR_sigaltstack, /* what the sanitizers' runtime does meanwhile */
};
static const uint32_t ioctls[] = { TCGETS };
static const struct seccomp_policy policy = {
	"test", calls, sizeof(calls) / sizeof(calls[0]), ioctls, 1,
};

/* The architecture this test runs on, found at run time. */
static uint32_t host_arch(void)
{
	struct utsname u;

	uname(&u);
	if (!strcmp(u.machine, "x86_64"))
		return AUDIT_ARCH_X86_64;
	if (!strcmp(u.machine, "aarch64"))
		return AUDIT_ARCH_AARCH64;
	return 0;
}

static void test_build(void)
{
	struct sock_filter prog[SECCOMP_MAX_PROG];
	int len = seccomp_build(&policy, AUDIT_ARCH_AARCH64, SECCOMP_RET_TRAP, prog,
				SECCOMP_MAX_PROG);
	struct seccomp_policy no_ioctl = policy;

	/* arch (3), nr (1), 12 calls, ioctl? (1), default, request, 1, default, allow */
	CU_ASSERT_EQUAL(len, 3 + 1 + 12 + 1 + 1 + 1 + 1 + 1 + 1);
	CU_ASSERT_EQUAL(prog[1].k, AUDIT_ARCH_AARCH64);
	CU_ASSERT_EQUAL(prog[2].k, SECCOMP_RET_KILL_PROCESS);
	CU_ASSERT_EQUAL(prog[len - 1].k, SECCOMP_RET_ALLOW);
	CU_ASSERT_EQUAL(prog[17].k, SECCOMP_RET_TRAP);
	/* every allowed call jumps to the allow at the end */
	for (int i = 4; i < 16; i++)
		CU_ASSERT_EQUAL(i + 1 + prog[i].jt, len - 1);
	no_ioctl.nioctls = 0;
	CU_ASSERT_EQUAL(seccomp_build(&no_ioctl, AUDIT_ARCH_AARCH64, SECCOMP_RET_LOG, prog,
				      SECCOMP_MAX_PROG), 3 + 1 + 12 + 1 + 1);
	CU_ASSERT_EQUAL(seccomp_build(&policy, AUDIT_ARCH_AARCH64, SECCOMP_RET_TRAP, prog, 10),
			-E2BIG);
}

/* Runs what in a child under pol; its wait status and stderr. */
static int in_child_under(const struct seccomp_policy *pol, enum seccomp_mode mode,
			  void (*what)(void), char *err, size_t size)
{
	int pipefd[2], status = 0;
	ssize_t n;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid) {
		dup2(pipefd[1], STDERR_FILENO);
		if (seccomp_prepare() || seccomp_install(pol, host_arch(), mode, "tester"))
			_exit(99);
		what();
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], err, size - 1);
	err[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return status;
}

static int in_child(enum seccomp_mode mode, void (*what)(void), char *err, size_t size)
{
	return in_child_under(&policy, mode, what, err, size);
}

static void allowed(void)
{
	struct termios t;

	if (write(STDERR_FILENO, "fine\n", 5) != 5)
		_exit(98);
	ioctl(STDIN_FILENO, TCGETS, &t); /* allowed whatever it answers */
}

static void forbidden_call(void)
{
	syscall(__NR_getppid);
	_exit(97); /* not reached */
}

static void forbidden_ioctl(void)
{
	int n;

	ioctl(STDIN_FILENO, FIONREAD, &n);
	_exit(97);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	while ((s = strchr(s, '\n')))
		n++, s++;
	return n;
}

static void test_in_force(void)
{
	char err[512], want[64];
	int st;

	if (!host_arch()) {
		fprintf(stderr, "(no audit architecture known for this host: skipped)\n");
		return;
	}
	st = in_child(SECCOMP_MODE_KILL, allowed, err, sizeof(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "\nallowed calls: status %#x, stderr %s\n", st, err);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_STRING_EQUAL(err, "fine\n");

	st = in_child(SECCOMP_MODE_KILL, forbidden_call, err, sizeof(err));
	CU_ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	snprintf(want, sizeof(want), "thread tester made system call %d,", __NR_getppid);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "a64vm: error: seccomp:"));
	CU_ASSERT_EQUAL(count_lines(err), 1);

	st = in_child(SECCOMP_MODE_KILL, forbidden_ioctl, err, sizeof(err));
	CU_ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	snprintf(want, sizeof(want), "made system call %d,", __NR_ioctl);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));

	/* log: the kernel logs it and the call goes on */
	st = in_child(SECCOMP_MODE_LOG, forbidden_call, err, sizeof(err));
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 97);
	/* off: nothing installed */
	st = in_child(SECCOMP_MODE_OFF, forbidden_call, err, sizeof(err));
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 97);
}

static int pinned_fd = -1;

/* The main thread's real policy, and what the sanitizers' runtime calls. */
static int main_calls[128];
static struct seccomp_policy main_policy_here;

static const struct seccomp_policy *main_policy(void)
{
	const struct seccomp_policy *real = &seccomp_policies[SECCOMP_MAIN];

	CU_ASSERT_FATAL(real->nsyscalls < 127);
	memcpy(main_calls, real->syscalls, real->nsyscalls * sizeof(int));
	main_calls[real->nsyscalls] = __NR_sigaltstack;
	main_policy_here = *real;
	main_policy_here.syscalls = main_calls;
	main_policy_here.nsyscalls = real->nsyscalls + 1;
	return &main_policy_here;
}

/* What a guest reboot does on the main thread: its pinned files again. */
static void reboot_reads(void)
{
	uint8_t buf[16];
	int fd = fcntl(pinned_fd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0 || pread(fd, buf, sizeof(buf), 0) < 0 || close(fd))
		_exit(96);
}

/* Defect: the main thread could open any path; a reboot no longer needs to. */
static void opens_a_file(void)
{
	syscall(__NR_openat, AT_FDCWD, "/dev/null", O_RDWR);
	_exit(97);
}

/*
 * Defect: a reboot inflating a gzip kernel more than 4x grew its buffer
 * with realloc, whose mremap no filter allows: SIGSYS.
 */
static void inflates_a_kernel(void)
{
	static uint8_t gz[64 << 10];
	uint8_t *raw = calloc(1, 16 << 20), *out = NULL;
	size_t outlen;
	char err[100];
	z_stream zs = { 0 };

	if (!raw || deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
				 Z_DEFAULT_STRATEGY) != Z_OK)
		_exit(95);
	zs.next_in = raw;
	zs.avail_in = 16 << 20;
	zs.next_out = gz;
	zs.avail_out = sizeof(gz);
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		_exit(95);
	/* under the filter from here: as a reboot, not at startup */
	if (seccomp_install(main_policy(), host_arch(), SECCOMP_MODE_KILL, "main"))
		_exit(99);
	if (boot_image_gunzip(gz, zs.total_out, 64 << 20, &out, &outlen, err, sizeof(err)) ||
	    outlen != 16 << 20)
		_exit(94);
	free(out);
}

static const struct seccomp_policy unfiltered = { "none", NULL, 0, NULL, 0 };

static void test_main_filter(void)
{
	const struct seccomp_policy *policy_main = main_policy();
	char err[512];
	int st;

	if (!host_arch()) {
		fprintf(stderr, "(no audit architecture known for this host: skipped)\n");
		return;
	}
	pinned_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_TRUE_FATAL(pinned_fd >= 0);
	st = in_child_under(policy_main, SECCOMP_MODE_KILL, reboot_reads, err, sizeof(err));
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child_under(policy_main, SECCOMP_MODE_KILL, opens_a_file, err, sizeof(err));
	CU_ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "thread tester made system call"));
	close(pinned_fd);
	/* the filter goes on inside, once the compressed kernel is made */
	st = in_child_under(&unfiltered, SECCOMP_MODE_OFF, inflates_a_kernel, err, sizeof(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "\ninflating under the main filter: status %#x, %s\n", st, err);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

const char unit_suite_name[] = "seccomp";
const struct unit_test unit_tests[] = {
	{ "the BPF program", test_build },
	{ "filters in force in a child", test_in_force },
	{ "the main thread's filter: reboot reads, no openat", test_main_filter },
	{ NULL, NULL },
};
