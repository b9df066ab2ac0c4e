/*
 * A virtio device kind's host side: everything the VMM needs of a kind
 * (blk, net, rng, console, fs), one file each in vmm/ (vmm/blk_kind.c,
 * ...), listed in vmm/virtio_devices.c's table, which is all the rest of
 * the VMM knows of kinds. The kind's pure model (devices/virtio_NAME.c)
 * serves its queues and owns the command-line option that adds one (its
 * parser is pure code, unit-tested with the model).
 *
 * A device's life: open (from its option's value), wired on its
 * transport by the table's code, reset and quiesced without the kind's
 * help (its model's busy op says what is in flight; a daemon's worker
 * what it holds), closed.
 */
#ifndef A64VM_VIRTIO_KIND_H
#define A64VM_VIRTIO_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/config.h"
#include "a64vm/virtio_core.h"

struct snapshot_cursor;
struct snapshot_writer;
struct virtio_slot;

/* What opening one device gets. */
struct virtio_kind_ctx {
	const struct config *cfg;
	unsigned index;		  /* the index-th device of its kind */
	const char *value;	  /* its option's value; NULL for a flag, or a count */
	struct virtio_slot *slot; /* its slot, not yet on a transport */
	void *console;		  /* the VM's console (a struct console) */
};

struct virtio_kind {
	const struct virtio_core_ops *ops; /* its model's: ops->name names it */
	uint32_t pci_class; /* base, sub, interface: as QEMU's virtio-*-pci */
	/* Its command-line options (a table ending with a NULL name), or NULL. */
	const struct config_option *options;
	/* The option each use of which adds a device ("disk"). */
	const char *adds;
	/* How many the command line asks for, when not one per use of adds. */
	unsigned (*count)(const struct config *cfg);
	/*
	 * Whether another process maps guest RAM (a vhost-user daemon), so
	 * that it is shared: asked before RAM is made, once any is asked for.
	 * NULL: never.
	 */
	bool (*shares_ram)(const struct config *cfg);
	/*
	 * Opens one device's host side: the slot's name and model
	 * (virtio_slot_set_name, _set_model), the I/O thread's watches of
	 * its own, a daemon (virtio_slot_set_vhost). *priv goes back to
	 * close. 0 or -errno, with a line said.
	 */
	int (*open)(const struct virtio_kind_ctx *ctx, void **priv);
	/* Frees what open made (the slot is freed after). NULL: nothing. */
	void (*close)(struct virtio_slot *s, void *priv);
	/*
	 * A snapshot (docs/snapshot.md): whether its devices can be saved
	 * (one whose queues a daemon serves is not, unless check_saveable
	 * says so: 0, or -ENOTSUP with a line naming the device in err;
	 * to_files: a snapshot to files, else a checkpoint, a rewind or a
	 * restore in place); what it saves of its host side itself, the
	 * devices held, before the state is written (NULL: nothing); what
	 * the kind does once its transport's state is back (NULL: nothing;
	 * 0, or -errno with why in err); and the host file it reads whose
	 * contents are not in the snapshot (a disk), recorded in a section
	 * of its own and checked before a restore changes anything, so that
	 * a changed one is refused whole (force: --restore-force takes it as
	 * it is; every byte save_file put read). NULL: none.
	 */
	bool saveable;
	int (*check_saveable)(struct virtio_slot *s, void *priv, bool to_files, char *err,
			      size_t errlen);
	int (*save_host)(struct virtio_slot *s, void *priv, char *err, size_t errlen);
	int (*restore)(struct virtio_slot *s, void *priv, char *err, size_t errlen);
	void (*save_file)(struct virtio_slot *s, void *priv, struct snapshot_writer *w);
	int (*check_file)(struct virtio_slot *s, void *priv, struct snapshot_cursor *c,
			  bool force, char *err, size_t errlen);
	/* Console input, for a kind that takes it: the bytes taken. */
	size_t (*input)(struct virtio_slot *s, void *priv, const uint8_t *buf, size_t len);
};

#endif
