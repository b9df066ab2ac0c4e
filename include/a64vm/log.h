/* Logging to stderr, one line per message, with a per-site rate limit. */
#ifndef A64VM_LOG_H
#define A64VM_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_NONE, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* At most LOG_RATELIMIT_BURST messages per second from one site. */
#define LOG_RATELIMIT_BURST 10
struct log_ratelimit {
	int64_t window_start_ns;
	unsigned printed;
	unsigned suppressed;
};

/* True when the caller may print; thread-safe. */
bool log_ratelimit_ok(struct log_ratelimit *rl);

#define log_ratelimited(level, ...)                                     \
	do {                                                            \
		static struct log_ratelimit rl_;                        \
		if (log_ratelimit_ok(&rl_))                             \
			log_msg(level, __VA_ARGS__);                    \
	} while (0)

#endif
