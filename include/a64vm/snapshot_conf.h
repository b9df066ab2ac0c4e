/*
 * The options a VM was started with, kept in its snapshot (section CONF)
 * so that `run --restore DIR` builds the same machine: the snapshot's
 * options without those of the process that made it (its control socket,
 * its GDB server), then the few a restore may give anew.
 */
#ifndef A64VM_SNAPSHOT_CONF_H
#define A64VM_SNAPSHOT_CONF_H

#include <stddef.h>

#include "a64vm/snapshot_file.h"

#define SNAPSHOT_CONF_TAG SNAPSHOT_TAG('C', 'O', 'N', 'F')
#define SNAPSHOT_CONF_MAX_ARGS 512

/* A section CONF with argv[0..argc). */
void snapshot_conf_save(struct snapshot_writer *w, int argc, char *const argv[]);

/*
 * "a64vm run", the snapshot's options but the process's own, then argv's
 * (the restore's options, argv[0] and "run" first): a new argv in *out
 * (free with snapshot_conf_free). 0, or -EINVAL with why in err (a
 * restore option that would change the machine, a broken section).
 */
int snapshot_conf_merge(const struct snapshot_section *s, int argc, char *const argv[],
			char ***out, int *nout, char *err, size_t errlen);
void snapshot_conf_free(char **argv, int argc);

#endif
