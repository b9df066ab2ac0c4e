/*
 * The control socket's protocol: one JSON object per line, such as
 * {"cmd":"pause"}, {"cmd":"read-phys","addr":1073741824,"len":16},
 * {"cmd":"snapshot","dir":"/abs","paused":1} or {"cmd":"rewind","name":"a"}.
 * Pure parsing; the replies are JSON lines too.
 */
#ifndef A64VM_CONTROL_PROTO_H
#define A64VM_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTROL_MAX_LINE 4096
#define CONTROL_MAX_READ 1024 /* bytes read-phys returns at most */
#define CONTROL_MAX_PATH 1024 /* a snapshot's directory, with its NUL */
#define CONTROL_MAX_NAME 64   /* a checkpoint's name, with its NUL */

enum control_cmd {
	CONTROL_STATUS,
	CONTROL_PAUSE,
	CONTROL_RESUME,
	CONTROL_POWERDOWN,
	CONTROL_RESET,
	CONTROL_QUIT,
	CONTROL_READ_PHYS,
	CONTROL_SNAPSHOT,
	CONTROL_RESTORE,
	CONTROL_CHECKPOINT,
	CONTROL_REWIND,
	CONTROL_DIGEST,
};

struct control_request {
	enum control_cmd cmd;
	uint64_t addr, len; /* read-phys, digest */
	char dir[CONTROL_MAX_PATH];  /* snapshot, restore: where (an absolute path) */
	char name[CONTROL_MAX_NAME]; /* checkpoint, rewind: which */
	bool paused;		     /* those four: the guest stays paused after it */
};

/* Parses one request line (no newline). 0, or -EINVAL with a reason. */
int control_parse(const char *line, size_t len, struct control_request *req,
		  char *err, size_t errlen);

/* The command's name as the protocol spells it, or NULL. */
const char *control_cmd_name(enum control_cmd cmd);

#endif
