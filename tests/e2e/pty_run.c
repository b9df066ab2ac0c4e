/*
 * pty-run PROGRAM [ARG...]: runs PROGRAM on a new pseudo-terminal and
 * relays this process's stdin to it and its output to stdout, until it
 * exits (its exit status is pty-run's; killing pty-run kills it). For the
 * benchmarks that type
 * into kvmtool's serial console: kvmtool reads its console only when its
 * stdin and stdout are terminals, and busybox has no `script`.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* All of buf to fd: 1, or 0 when fd is gone. */
static int write_all(int fd, const char *buf, ssize_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, (size_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		buf += n;
		len -= n;
	}
	return 1;
}

/* The child's side: the pty's slave as its terminal and standard streams. */
static void run_child(const char *slave, char **argv)
{
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* killed with pty-run, as a test kills it */
	setsid();
	fd = open(slave, O_RDWR);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0) {
		perror(slave);
		_exit(127);
	}
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	execvp(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

int main(int argc, char **argv)
{
	struct pollfd fds[2];
	struct termios raw;
	char buf[4096], *slave;
	int master, status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: pty-run PROGRAM [ARG...]\n");
		return 2;
	}
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || !(slave = ptsname(master))) {
		perror("pty-run: a pseudo-terminal (is devpts mounted?)");
		return 1;
	}
	/* The slave raw, as a terminal program would set it: no echo, no CR/LF games. */
	if (tcgetattr(master, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(master, TCSANOW, &raw);
	}
	pid = fork();
	if (pid < 0) {
		perror("pty-run: fork");
		return 1;
	}
	if (pid == 0)
		run_child(slave, argv + 1);
	fds[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = master, .events = POLLIN };
	for (;;) {
		ssize_t n;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0 || !write_all(1, buf, n))
				break; /* the program closed its terminal: it ended */
		}
		if (fds[0].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0 || !write_all(master, buf, n))
				fds[0].fd = -1; /* input ended: output goes on */
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
