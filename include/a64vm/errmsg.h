/* A one-line reason for a refusal or a failure, formatted into the caller's buffer. */
#ifndef A64VM_ERRMSG_H
#define A64VM_ERRMSG_H

#include <stddef.h>

/* Formats the reason into err (errlen bytes); returns -EINVAL. */
int errmsg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, returning ret (a -errno the caller had). */
int errmsg_ret(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
