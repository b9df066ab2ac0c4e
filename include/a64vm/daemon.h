/*
 * What running a helper daemon takes (virtiofsd, passt): finding it, the
 * child's side before exec, and stopping it.
 */
#ifndef A64VM_DAEMON_H
#define A64VM_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* name in a directory of PATH (into buf), else the first of the others that runs, else NULL. */
const char *daemon_find(const char *name, const char *const *others, char *buf, size_t len);
bool daemon_executable(const char *path);

/*
 * In the child: no signal blocked, it dies with a64vm (PR_SET_PDEATHSIG), and reads nothing
 * from a64vm's terminal nor writes to the guest's console (stdin and stdout
 * are /dev/null; stderr stays, for its messages). what names it in the
 * message; exits 126 when that cannot be done.
 */
void daemon_child_setup(const char *what);

/* Whether the root is the initramfs itself, which pivot_root cannot leave. */
bool daemon_root_is_rootfs(void);
/*
 * In the child: a root that is a mount of its own, a bind of the initramfs
 * moved onto / as switch_root does, by way of the empty directory via; for
 * daemons whose sandbox pivots its root. 0 or -errno.
 */
int daemon_leave_rootfs(const char *via);

/*
 * Until path exists (with nonempty, and has bytes: a pid file), the daemon
 * exits (*pid becomes 0), or wait_ns pass: 0, -ECHILD or -ETIMEDOUT, with
 * a line said ("WHAT: DAEMON exited before it listened").
 */
int daemon_wait_path(pid_t *pid, const char *path, bool nonempty, uint64_t wait_ns,
		     const char *what, const char *daemon);

/* Stops it (SIGTERM, SIGKILL after wait_ns) and reaps it; pid 0 is none. */
void daemon_stop(pid_t pid, uint64_t wait_ns);

#endif
