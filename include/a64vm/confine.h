/* Dropping root after setup: --chroot and --user. */
#ifndef A64VM_CONFINE_H
#define A64VM_CONFINE_H

#include "a64vm/config.h"

/*
 * "USER[:GROUP]", each a name or a number, through the passwd and group
 * files: the ids. A user without a group gets their primary group (a bare
 * number, the same number). 0, -ENOENT or -EINVAL.
 */
int confine_resolve_user(const char *spec, const char *passwd, const char *groups,
			 unsigned *uid, unsigned *gid);

/*
 * Keeps the boot files open for a reboot (always: no thread may open a
 * file once the guest runs). With --chroot and/or --user: changes root,
 * then becomes the user with no supplementary groups and no capabilities.
 * Everything the VM needs must be open already. 0 or -errno, logged.
 */
int confine_drop(const struct config *cfg);

#endif
