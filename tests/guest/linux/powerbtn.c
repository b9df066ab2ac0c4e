/*
 * The test guest's power-button daemon: what systemd-logind or acpid do on
 * a distribution. On KEY_POWER from any input device it syncs and powers
 * the machine off.
 */
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

#define MAX_DEVICES 8

int main(void)
{
	struct pollfd fds[MAX_DEVICES];
	int n = 0;

	/* gpio-keys registers its device when its module loads: wait for it. */
	for (int tries = 0; tries < 50 && !n; tries++) {
		for (int i = 0; i < MAX_DEVICES; i++) {
			char path[32];
			int fd;

			snprintf(path, sizeof(path), "/dev/input/event%d", i);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		}
		if (!n)
			usleep(100000);
	}
	if (!n) {
		fprintf(stderr, "powerbtn: no input device\n");
		return 1;
	}
	/* A press before the device is open is lost: tell the tests when. */
	printf("A64VM-GUEST-POWERBTN-READY\n");
	fflush(stdout);
	for (;;) {
		if (poll(fds, (nfds_t)n, -1) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			struct input_event ev;

			if (!(fds[i].revents & POLLIN) ||
			    read(fds[i].fd, &ev, sizeof(ev)) != sizeof(ev))
				continue;
			if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1) {
				printf("A64VM-GUEST-POWER-BUTTON\n");
				fflush(stdout);
				sync();
				reboot(RB_POWER_OFF);
			}
		}
	}
}
