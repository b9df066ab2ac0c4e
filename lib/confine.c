/*
 * Giving up the rights a64vm had for its setup: --chroot, then --user, so
 * that the process that runs the guest has no capabilities. Names are
 * looked up in /etc/passwd and /etc/group directly: a static binary has no
 * NSS modules to ask.
 */
#include "a64vm/confine.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include "a64vm/file.h"
#include "a64vm/log.h"

/* A decimal id, or -1. */
static long parse_id(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return *end || errno || v > 0x7fffffff ? -1 : v;
}

/*
 * Field 3 (and 4) of the line of file whose first field is name: its id
 * (and, for passwd, the primary group). 0, or -ENOENT.
 */
static int lookup(const char *file, const char *name, long *id, long *gid)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;

	if (!f)
		return -ENOENT;
	/* Whole lines, however long: a split one could pass for another user. */
	while (ret && getline(&line, &cap, f) >= 0) {
		char *rest = line, *field[4];

		/* strsep, not strtok: an empty field (no password) still counts. */
		line[strcspn(line, "\n")] = '\0';
		for (unsigned i = 0; i < 4; i++)
			field[i] = strsep(&rest, ":");
		if (!field[0] || strcmp(field[0], name) || !field[2] ||
		    (*id = parse_id(field[2])) < 0)
			continue;
		*gid = field[3] ? parse_id(field[3]) : -1;
		ret = 0;
	}
	free(line);
	fclose(f);
	return ret;
}

int confine_resolve_user(const char *spec, const char *passwd, const char *groups,
			 unsigned *uid, unsigned *gid)
{
	char user[128], *group;
	long u, g = -1, unused;

	if (strlen(spec) >= sizeof(user))
		return -EINVAL;
	strcpy(user, spec);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	u = parse_id(user);
	if (u < 0 && lookup(passwd, user, &u, &g))
		return -ENOENT;
	if (group && (g = parse_id(group)) < 0 && lookup(groups, group, &g, &unused))
		return -ENOENT;
	*uid = (unsigned)u;
	*gid = (unsigned)(g >= 0 ? g : u); /* a bare number: its own group */
	return 0;
}

/* Whether the process still holds any capability. */
static bool has_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return true;
	return data[0].effective || data[1].effective || data[0].permitted ||
	       data[1].permitted;
}

int confine_drop(const struct config *cfg)
{
	unsigned uid = 0, gid = 0;
	int ret = 0;

	/*
	 * What a reboot reads again stays open, always: the main thread's
	 * filter allows no openat, and a chroot may hide the files.
	 */
	if (cfg->kernel)
		ret = file_pin(cfg->kernel);
	if (!ret && cfg->initrd)
		ret = file_pin(cfg->initrd);
	if (!ret && cfg->dtb)
		ret = file_pin(cfg->dtb);
	if (ret) {
		log_error("cannot keep the boot files open: %s", strerror(-ret));
		return ret;
	}
	if (!cfg->user && !cfg->chroot_dir)
		return 0;
	if (cfg->user &&
	    confine_resolve_user(cfg->user, "/etc/passwd", "/etc/group", &uid, &gid)) {
		log_error("--user %s: no such user or group", cfg->user);
		return -ENOENT;
	}
	if (!cfg->user && !getuid())
		log_warn("--chroot without --user: a64vm keeps root's rights inside "
			 "the chroot, which root can leave");
	if (cfg->chroot_dir && (chroot(cfg->chroot_dir) || chdir("/"))) {
		ret = -errno;
		log_error("--chroot %s: %s", cfg->chroot_dir, strerror(-ret));
		return ret;
	}
	if (cfg->user && (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
			  setresuid(uid, uid, uid))) {
		ret = -errno;
		log_error("--user %s: %s", cfg->user, strerror(-ret));
		return ret;
	}
	if (uid && has_capabilities()) {
		log_error("--user %s: capabilities remain after the change of user",
			  cfg->user);
		return -EPERM;
	}
	log_debug("confined:%s%s%s%s", cfg->chroot_dir ? " root " : "",
		  cfg->chroot_dir ? cfg->chroot_dir : "", cfg->user ? " user " : "",
		  cfg->user ? cfg->user : "");
	return 0;
}
