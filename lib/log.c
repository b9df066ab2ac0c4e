#include "a64vm/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "a64vm/mono_time.h"

static enum log_level max_level = LOG_INFO;
static pthread_mutex_t ratelimit_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_prefix[] = {
	[LOG_NONE] = "",
	[LOG_ERROR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "debug: ",
};

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line keeps lines from different threads whole. */
	fprintf(stderr, "a64vm: %s%s\n", level_prefix[level], line);
}

bool log_ratelimit_ok(struct log_ratelimit *rl)
{
	int64_t now = (int64_t)mono_ns();
	bool ok;

	pthread_mutex_lock(&ratelimit_lock);
	if (now - rl->window_start_ns >= 1000000000) {
		if (rl->suppressed)
			fprintf(stderr, "a64vm: (%u similar messages suppressed)\n",
				rl->suppressed);
		rl->window_start_ns = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	ok = rl->printed < LOG_RATELIMIT_BURST;
	if (ok)
		rl->printed++;
	else
		rl->suppressed++;
	pthread_mutex_unlock(&ratelimit_lock);
	return ok;
}
