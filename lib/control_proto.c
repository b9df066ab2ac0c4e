/* A strict reader for flat JSON objects of strings and unsigned integers. */
#include "a64vm/control_proto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_TOKEN 64

static const char *const cmd_names[] = {
	[CONTROL_STATUS] = "status",	 [CONTROL_PAUSE] = "pause",
	[CONTROL_RESUME] = "resume",	 [CONTROL_POWERDOWN] = "powerdown",
	[CONTROL_RESET] = "reset",	 [CONTROL_QUIT] = "quit",
	[CONTROL_READ_PHYS] = "read-phys", [CONTROL_SNAPSHOT] = "snapshot",
	[CONTROL_RESTORE] = "restore",	 [CONTROL_CHECKPOINT] = "checkpoint",
	[CONTROL_REWIND] = "rewind",	 [CONTROL_DIGEST] = "digest",
};

/* The commands that take a range of guest RAM, a directory, a checkpoint's name. */
static bool takes_range(enum control_cmd cmd)
{
	return cmd == CONTROL_READ_PHYS || cmd == CONTROL_DIGEST;
}

static bool takes_dir(enum control_cmd cmd)
{
	return cmd == CONTROL_SNAPSHOT || cmd == CONTROL_RESTORE;
}

static bool takes_name(enum control_cmd cmd)
{
	return cmd == CONTROL_CHECKPOINT || cmd == CONTROL_REWIND;
}

const char *control_cmd_name(enum control_cmd cmd)
{
	return (unsigned)cmd < sizeof(cmd_names) / sizeof(cmd_names[0])
		       ? cmd_names[cmd] : NULL;
}

struct reader {
	const char *p, *end;
	char *err;
	size_t errlen;
};

static int bad(struct reader *r, const char *why)
{
	snprintf(r->err, r->errlen, "bad request: %s", why);
	return -EINVAL;
}

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

static bool eat(struct reader *r, char c)
{
	skip_ws(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return true;
	}
	return false;
}

/* A JSON string of at most size - 1 bytes, escapes decoded. */
static int read_string_of(struct reader *r, char *out, size_t size)
{
	size_t n = 0;

	if (!eat(r, '"'))
		return bad(r, "expected a string");
	while (r->p < r->end && *r->p != '"') {
		char c = *r->p++;

		if ((unsigned char)c < 0x20)
			return bad(r, "control character in a string");
		if (c == '\\') {
			if (r->p == r->end)
				return bad(r, "unfinished escape");
			c = *r->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			default: return bad(r, "unsupported escape");
			}
		}
		if (n == size - 1)
			return bad(r, "string too long");
		out[n++] = c;
	}
	if (!eat(r, '"'))
		return bad(r, "unterminated string");
	out[n] = '\0';
	return 0;
}

static int read_string(struct reader *r, char out[MAX_TOKEN])
{
	return read_string_of(r, out, MAX_TOKEN);
}

static int read_number(struct reader *r, uint64_t *out)
{
	uint64_t v = 0;
	bool any = false;

	skip_ws(r);
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		unsigned d = (unsigned)(*r->p++ - '0');

		if (v > (UINT64_MAX - d) / 10)
			return bad(r, "number too large");
		v = v * 10 + d;
		any = true;
	}
	if (!any)
		return bad(r, "expected an unsigned integer");
	if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
		return bad(r, "expected an unsigned integer");
	*out = v;
	return 0;
}

static int parse_cmd(struct reader *r, struct control_request *req)
{
	char name[MAX_TOKEN];
	int ret = read_string(r, name);

	if (ret)
		return ret;
	for (unsigned i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (!strcmp(name, cmd_names[i])) {
			req->cmd = (enum control_cmd)i;
			return 0;
		}
	snprintf(r->err, r->errlen, "unknown command '%s'", name);
	return -EINVAL;
}

int control_parse(const char *line, size_t len, struct control_request *req,
		  char *err, size_t errlen)
{
	struct reader r = { .p = line, .end = line + len, .err = err, .errlen = errlen };
	bool have_cmd = false, have_addr = false, have_len = false, have_dir = false;
	bool have_paused = false, have_name = false;
	uint64_t paused = 0;
	char key[MAX_TOKEN];
	int ret;

	memset(req, 0, sizeof(*req));
	req->cmd = CONTROL_STATUS;
	if (len > CONTROL_MAX_LINE)
		return bad(&r, "line too long");
	if (memchr(line, '\0', len))
		return bad(&r, "NUL byte");
	if (!eat(&r, '{'))
		return bad(&r, "expected a JSON object");
	if (!eat(&r, '}')) {
		do {
			bool *seen;

			ret = read_string(&r, key);
			if (ret)
				return ret;
			if (!eat(&r, ':'))
				return bad(&r, "expected ':'");
			if (!strcmp(key, "cmd")) {
				seen = &have_cmd;
				ret = parse_cmd(&r, req);
			} else if (!strcmp(key, "addr")) {
				seen = &have_addr;
				ret = read_number(&r, &req->addr);
			} else if (!strcmp(key, "len")) {
				seen = &have_len;
				ret = read_number(&r, &req->len);
			} else if (!strcmp(key, "dir")) {
				seen = &have_dir;
				ret = read_string_of(&r, req->dir, sizeof(req->dir));
			} else if (!strcmp(key, "name")) {
				seen = &have_name;
				ret = read_string_of(&r, req->name, sizeof(req->name));
			} else if (!strcmp(key, "paused")) {
				seen = &have_paused;
				ret = read_number(&r, &paused);
			} else {
				snprintf(err, errlen, "bad request: unknown key '%s'", key);
				return -EINVAL;
			}
			if (ret)
				return ret;
			if (*seen)
				return bad(&r, "duplicate key");
			*seen = true;
		} while (eat(&r, ','));
		if (!eat(&r, '}'))
			return bad(&r, "expected ',' or '}'");
	}
	skip_ws(&r);
	if (r.p != r.end)
		return bad(&r, "trailing characters");
	if (!have_cmd)
		return bad(&r, "no \"cmd\"");
	if ((have_addr || have_len) != takes_range(req->cmd) ||
	    (takes_range(req->cmd) && !(have_addr && have_len)))
		return bad(&r, takes_range(req->cmd) ? "it needs \"addr\" and \"len\""
						     : "unexpected arguments");
	if (req->cmd == CONTROL_READ_PHYS && (!req->len || req->len > CONTROL_MAX_READ))
		return bad(&r, "len must be 1..1024");
	if (req->cmd == CONTROL_DIGEST && !req->len)
		return bad(&r, "len must not be 0");
	if (have_dir != takes_dir(req->cmd) || have_name != takes_name(req->cmd) ||
	    (have_paused && !takes_dir(req->cmd) && !takes_name(req->cmd)))
		return bad(&r, takes_dir(req->cmd) && !have_dir ? "it needs \"dir\"" :
			       takes_name(req->cmd) && !have_name ? "it needs \"name\"" :
			       "unexpected arguments");
	if (have_dir && req->dir[0] != '/')
		return bad(&r, "dir must be an absolute path");
	if (have_name && !req->name[0])
		return bad(&r, "name must not be empty");
	if (paused > 1)
		return bad(&r, "paused must be 0 or 1");
	req->paused = paused;
	return 0;
}
