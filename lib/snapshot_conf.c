#include "a64vm/snapshot_conf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/config.h"

/* The options of the process, not of the machine: a restore gives its own. */
static const char *const own[] = { "control", "gdb", "gdb-wait", "verbose", "seccomp",
				   "restore", "restore-force", "dump-dtb", NULL };

static bool is_own(const char *name, size_t len)
{
	for (unsigned i = 0; own[i]; i++)
		if (strlen(own[i]) == len && !strncmp(own[i], name, len))
			return true;
	return false;
}

/* The option arg names ("--name" or "--name=v"), or NULL; its length in *len. */
static const struct config_option *option_of(const char *arg, size_t *len)
{
	const struct config_option *o;
	const char *eq;
	size_t n;

	if (strncmp(arg, "--", 2))
		return NULL;
	eq = strchr(arg + 2, '=');
	*len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	o = config_options(&n);
	for (size_t i = 0; i < n; i++)
		if (strlen(o[i].name) == *len && !strncmp(o[i].name, arg + 2, *len))
			return &o[i];
	for (size_t i = 0; (o = config_added_option(i)); i++)
		if (strlen(o->name) == *len && !strncmp(o->name, arg + 2, *len))
			return o;
	return NULL;
}

/* How many argv items the option at arg takes (1, or 2 with a separate value). */
static int span(const char *arg)
{
	size_t len;
	const struct config_option *o = option_of(arg, &len);

	return o && o->value && !strchr(arg, '=') ? 2 : 1;
}

void snapshot_conf_save(struct snapshot_writer *w, int argc, char *const argv[])
{
	snapshot_writer_begin(w, SNAPSHOT_CONF_TAG, 0);
	snapshot_put_u32(w, (uint32_t)argc);
	for (int i = 0; i < argc; i++)
		snapshot_put_blob(w, argv[i], (uint32_t)strlen(argv[i]));
}

void snapshot_conf_free(char **argv, int argc)
{
	for (int i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
}

static int fail(char **v, int n, char *err, size_t errlen, const char *why, const char *arg)
{
	snprintf(err, errlen, why, arg);
	snapshot_conf_free(v, n);
	return -EINVAL;
}

int snapshot_conf_merge(const struct snapshot_section *s, int argc, char *const argv[],
			char ***out, int *nout, char *err, size_t errlen)
{
	struct snapshot_cursor c;
	uint32_t saved;
	char **v;
	int n = 0;

	snapshot_cursor_init(&c, s);
	saved = snapshot_get_u32(&c);
	if (c.bad || saved > SNAPSHOT_CONF_MAX_ARGS || argc < 2)
		return fail(NULL, 0, err, errlen, "its options are %s", "missing or too many");
	v = calloc((size_t)saved + (size_t)argc + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[n++] = strdup(argv[0]);
	v[n++] = strdup("run");
	for (uint32_t i = 0; i < saved; i++) {
		uint32_t len;
		const uint8_t *p = snapshot_get_blob(&c, &len);

		if (!p || memchr(p, 0, len))
			return fail(v, n, err, errlen, "its options are %s", "cut short");
		v[n++] = strndup((const char *)p, len);
	}
	if (!snapshot_cursor_done(&c))
		return fail(v, n, err, errlen, "its options are %s", "followed by other bytes");
	/* The process's own options of the snapshot's run go. */
	for (int i = 2; i < n;) {
		size_t len;
		int k = span(v[i]);

		if (!option_of(v[i], &len) || !is_own(v[i] + 2, len) || i + k > n) {
			i += k;
			continue;
		}
		for (int j = 0; j < k; j++)
			free(v[i + j]);
		memmove(&v[i], &v[i + k], (size_t)(n - i - k) * sizeof(*v));
		n -= k;
	}
	for (int i = 2; i < argc; i += span(argv[i])) {
		size_t len;

		if (!option_of(argv[i], &len) || !is_own(argv[i] + 2, len))
			return fail(v, n, err, errlen, "%s: with --restore, the machine is the "
				    "snapshot's (only --control, --gdb, --gdb-wait, --verbose, "
				    "--seccomp and --restore-force may be given)", argv[i]);
		for (int j = 0; j < span(argv[i]) && i + j < argc; j++)
			v[n++] = strdup(argv[i + j]);
	}
	for (int i = 0; i < n; i++)
		if (!v[i])
			return fail(v, n, err, errlen, "%s", "out of memory");
	*out = v;
	*nout = n;
	return 0;
}
