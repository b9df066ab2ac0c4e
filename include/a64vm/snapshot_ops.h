/*
 * What the control socket and GDB's monitor ask of snapshots: a VM saved
 * to a directory or restored from one in place, a checkpoint taken in
 * memory or the VM rewound to one (docs/snapshot.md). vm.c parks the
 * vCPUs around each.
 */
#ifndef A64VM_SNAPSHOT_OPS_H
#define A64VM_SNAPSHOT_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "a64vm/snapshot_request.h"

struct checkpoints;
struct snapshot_wiring;

/*
 * Every vCPU parked: r done with the devices held. *cps holds the VM's
 * checkpoints (made at the first). 0, or -errno with why in err.
 */
int snapshot_ops_run(const struct snapshot_wiring *w, struct checkpoints **cps,
		     const struct snapshot_request *r, uint64_t *pages, char *err,
		     size_t errlen);

#endif
