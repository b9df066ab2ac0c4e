#include "a64vm/console_out.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "a64vm/log.h"

struct console_out {
	int fd, wake_fd;
	int saved_flags; /* -1: fd's flags were not changed */
	pthread_mutex_t lock;
	pthread_cond_t room; /* the main loop drained some */
	size_t head, len;    /* the ring's bytes: [head, head + len) modulo */
	bool dropping;	     /* the reader is stuck: drop until half drained */
	bool dead;	     /* fd refused a write for good */
	uint64_t dropped;
	uint8_t ring[CONSOLE_OUT_RING];
};

int console_out_open(int fd, struct console_out **out)
{
	struct console_out *o = calloc(1, sizeof(*o));
	struct stat st;

	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->saved_flags = -1;
	o->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->wake_fd < 0) {
		int err = errno;

		free(o);
		return -err;
	}
	/* A regular file never blocks, and cannot be polled for room. */
	if (!fstat(fd, &st) && !S_ISREG(st.st_mode)) {
		int flags = fcntl(fd, F_GETFL);

		if (flags >= 0 && !(flags & O_NONBLOCK) &&
		    !fcntl(fd, F_SETFL, flags | O_NONBLOCK))
			o->saved_flags = flags;
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->room, NULL);
	*out = o;
	return 0;
}

/* Writes what fd takes now from buf; the count, or 0 when it took none. */
static size_t write_now(struct console_out *o, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (o->dead)
		return 0;
	do
		n = write(o->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (size_t)n;
	if (errno != EAGAIN) {
		o->dead = true; /* closed, full disk: nothing more will get there */
		log_warn("console: the output refuses writes (%s); guest output is "
			 "dropped from now on", strerror(errno));
	}
	return 0;
}

/* From the ring's start, as much as fd takes. */
static void drain(struct console_out *o)
{
	while (o->len) {
		size_t first = CONSOLE_OUT_RING - o->head;
		size_t n = write_now(o, o->ring + o->head, o->len < first ? o->len : first);

		if (!n)
			break;
		o->head = (o->head + n) % CONSOLE_OUT_RING;
		o->len -= n;
	}
	if (o->len <= CONSOLE_OUT_RING / 2)
		o->dropping = false;
	pthread_cond_broadcast(&o->room);
}

static void append(struct console_out *o, const uint8_t *buf, size_t n)
{
	size_t tail = (o->head + o->len) % CONSOLE_OUT_RING;
	size_t first = CONSOLE_OUT_RING - tail < n ? CONSOLE_OUT_RING - tail : n;
	uint64_t one = 1;

	memcpy(o->ring + tail, buf, first);
	memcpy(o->ring, buf + first, n - first);
	if (!o->len && write(o->wake_fd, &one, sizeof(one)) < 0)
		log_ratelimited(LOG_WARN, "console: eventfd: %s", strerror(errno));
	o->len += n;
}

/* Waits for the main loop to make room; false after the hold time. */
static bool hold(struct console_out *o)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += CONSOLE_OUT_HOLD_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	while (o->len == CONSOLE_OUT_RING && !o->dead)
		if (pthread_cond_timedwait(&o->room, &o->lock, &until))
			return o->len < CONSOLE_OUT_RING;
	return true;
}

void console_out_write(struct console_out *o, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&o->lock);
	while (len) {
		size_t n = o->len ? 0 : write_now(o, buf, len);

		buf += n;
		len -= n;
		n = CONSOLE_OUT_RING - o->len < len ? CONSOLE_OUT_RING - o->len : len;
		if (!o->dead && n) {
			append(o, buf, n);
			buf += n;
			len -= n;
			continue;
		}
		if (!len)
			break;
		if (o->dead || o->dropping || !hold(o)) {
			if (!o->dropping && !o->dead)
				log_warn("console: nobody reads the guest's output; "
					 "dropping it until the reader catches up");
			o->dropping = !o->dead;
			o->dropped += len;
			break;
		}
	}
	pthread_mutex_unlock(&o->lock);
}

int console_out_wake_fd(const struct console_out *o)
{
	return o->wake_fd;
}

bool console_out_flush(struct console_out *o)
{
	uint64_t count;
	bool left;

	if (read(o->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_ratelimited(LOG_WARN, "console: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&o->lock);
	drain(o);
	if (o->dead) {
		o->dropped += o->len;
		o->len = 0;
	}
	left = o->len > 0;
	pthread_mutex_unlock(&o->lock);
	return left;
}

uint64_t console_out_dropped(struct console_out *o)
{
	uint64_t n;

	pthread_mutex_lock(&o->lock);
	n = o->dropped;
	pthread_mutex_unlock(&o->lock);
	return n;
}

void console_out_close(struct console_out *o)
{
	if (!o)
		return;
	console_out_flush(o);
	o->dropped += o->len;
	if (o->saved_flags >= 0)
		fcntl(o->fd, F_SETFL, o->saved_flags);
	if (o->dropped)
		log_warn("console: %llu bytes of guest output were dropped: the "
			 "output was not read", (unsigned long long)o->dropped);
	close(o->wake_fd);
	pthread_cond_destroy(&o->room);
	pthread_mutex_destroy(&o->lock);
	free(o);
}
