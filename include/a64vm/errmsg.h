/* A one-line reason for a refusal, for the callers that explain with -EINVAL. */
#ifndef A64VM_ERRMSG_H
#define A64VM_ERRMSG_H

#include <stddef.h>

/* Formats the reason into err (errlen bytes); returns -EINVAL. */
int errmsg(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
