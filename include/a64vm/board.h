/*
 * The machine's platform devices, live: from each line of board_table
 * (arm64/board_table.c) the board creates the model, wires its interrupt
 * to the vGIC and its console to the console, and registers it on the MMIO
 * bus under one lock (models are not thread-safe).
 */
#ifndef A64VM_BOARD_H
#define A64VM_BOARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/board_table.h"
#include "a64vm/dtb.h"

struct board;
struct config;
struct console;
struct fw_cfg;
struct device_list;
struct guest_mem;

/* What the board's devices are wired to. */
struct board_wiring {
	const struct config *cfg;	/* the flash banks' files */
	int vm_fd;			/* interrupts go to the in-kernel vGIC */
	struct console *console;	/* the UART's other end */
	const struct guest_mem *mem;
	struct device_list *devices; /* where each device goes, for bus and DT */
};

int board_create(const struct board_features *f, const struct board_wiring *w,
		 struct board **out);
void board_destroy(struct board *board);

/* Device state back to power-on, for a reboot. */
void board_reset(struct board *board);

struct snapshot_index;
struct snapshot_writer;
/*
 * Each device's state, a section BDEV.<slot> each, and each flash bank's
 * file's identity, BFIL.<slot>; -ENOTSUP naming a device that cannot.
 */
int board_save(struct board *board, struct snapshot_writer *w, char *err, size_t errlen);
/*
 * Before a restore changes anything: each flash bank's file is the one
 * the snapshot recorded, unchanged since (force: --restore-force takes it
 * as it is). 0, or -EINVAL with why in err.
 */
int board_check_files(const struct board *board, const struct snapshot_index *ix, bool force,
		      char *err, size_t errlen);
/* Into a board built as the snapshot's was: 0, or -EINVAL with why in err. */
int board_restore(struct board *board, const struct snapshot_index *ix, char *err,
		  size_t errlen);

/* About once a second: releases the power button. */
void board_tick(struct board *board);

/* The devices' timers go to the main loop. 0 or -errno. */
struct event_loop;
int board_attach(struct board *board, struct event_loop *loop);

/*
 * Asks KVM to queue the writes the models post (device.h) rather than exit
 * for each; the caller replays KVM's ring (mmio_ring.h). How many it took.
 */
unsigned board_post_writes(struct board *board);

/* Presses the power button (the GPIO line of the memory map). */
void board_power_button(struct board *board);

/* Console bytes to the UART; returns how many it took. */
size_t board_console_input(struct board *board, const uint8_t *buf, size_t len);

/* The PCIe host bridge and the lock its accesses hold. */
struct pci_host;
struct pci_host *board_pci_host(struct board *board, pthread_mutex_t **lock);

/* The firmware configuration device, to fill with the boot files. */
struct fw_cfg *board_fw_cfg(struct board *board);

/* Whether [gpa, gpa + len) lies in a flash bank. */
bool board_in_flash(struct board *board, uint64_t gpa, uint64_t len);

/* Loads len bytes and zeros after them into a flash bank without a file. */
int board_flash_load(struct board *board, uint64_t gpa, const void *data,
		     uint64_t len, uint64_t zeros);

/*
 * The debugger's access to flash: what the guest reads there; writes
 * (software breakpoints) never reach a file. 0, or -EFAULT off flash.
 */
int board_debug_access(struct board *board, uint64_t gpa, uint8_t *buf,
		       size_t len, bool write);

#endif
