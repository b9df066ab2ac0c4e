#include "a64vm/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "a64vm/log.h"
#include "a64vm/mono_time.h"

bool daemon_executable(const char *path)
{
	return !access(path, X_OK);
}

const char *daemon_find(const char *name, const char *const *others, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		if (n && (size_t)snprintf(buf, len, "%.*s/%s", (int)n, path, name) < len &&
		    daemon_executable(buf))
			return buf;
		path = colon ? colon + 1 : NULL;
	}
	for (; others && *others; others++)
		if (daemon_executable(*others))
			return *others;
	return NULL;
}

void daemon_child_setup(const char *what)
{
	int null = open("/dev/null", O_RDWR);
	sigset_t none;

	/*
	 * a64vm's threads block the signals its signal thread takes; a mask
	 * survives exec, and a daemon that blocks SIGTERM (qemu-storage-daemon
	 * did) would outlive a64vm and hold its image's lock.
	 */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM); /* a64vm killed: the daemon goes too */
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
		fprintf(stderr, "a64vm: %s: /dev/null for the daemon: %s\n", what,
			strerror(errno));
		_exit(126);
	}
	if (null > STDERR_FILENO)
		close(null);
}

bool daemon_root_is_rootfs(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[512];
	bool rootfs = false;

	while (f && fgets(line, sizeof(line), f)) {
		char point[64], type[32];

		if (sscanf(line, "%*d %*d %*s %*s %63s %*[^-]- %31s", point, type) == 2 &&
		    !strcmp(point, "/")) {
			rootfs = !strcmp(type, "rootfs");
			break;
		}
	}
	if (f)
		fclose(f);
	return rootfs;
}

int daemon_leave_rootfs(const char *via)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("/", via, NULL, MS_BIND | MS_REC, NULL) || chdir(via) ||
	    mount(".", "/", NULL, MS_MOVE, NULL) || chroot(".") || chdir("/"))
		return -errno;
	return 0;
}

int daemon_wait_path(pid_t *pid, const char *path, bool nonempty, uint64_t wait_ns,
		     const char *what, const char *daemon)
{
	uint64_t until = mono_ns() + wait_ns;
	struct stat st;
	int status;

	while (stat(path, &st) || (nonempty && !st.st_size)) {
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = 0;
			log_error("%s: %s exited before it listened (status %d)", what, daemon,
				  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			return -ECHILD;
		}
		if (mono_ns() >= until) {
			log_error("%s: %s did not listen within %llu s", what, daemon,
				  (unsigned long long)(wait_ns / 1000000000u));
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	return 0;
}

void daemon_stop(pid_t pid, uint64_t wait_ns)
{
	uint64_t until = mono_ns() + wait_ns;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (mono_ns() >= until) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
}
