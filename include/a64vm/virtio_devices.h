/*
 * The virtio devices of a VM (--disk, --rng, --net, --console virtio,
 * --fs): the table of kinds (include/a64vm/virtio_kind.h, one
 * vmm/NAME_kind.c each) and the lifecycle all devices share: created
 * from the command line, each in its slot on a transport
 * (vmm/virtio_slot.c: virtio-mmio or virtio-pci, --virtio-transport,
 * transport=), their threads started and stopped, reset, destroyed.
 */
#ifndef A64VM_VIRTIO_DEVICES_H
#define A64VM_VIRTIO_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


struct config;
struct device_list;
struct guest_mem;
struct pci_bus;
struct snapshot_index;
struct snapshot_writer;
struct start_gate;
struct virtio_devices;

/* What the devices are wired to: vm.c hands exactly this. */
struct virtio_wiring {
	const struct config *cfg;
	int vm_fd;		 /* for the irqfds and ioeventfds */
	struct guest_mem *mem;	 /* where the queues live */
	struct device_list *devices; /* where virtio-mmio transports go */
	struct pci_bus *pci;	     /* where virtio-pci functions go */
	void *console;		 /* a struct console, for virtio-console output */
	struct start_gate *gate; /* the I/O thread's filter and start */
};

/* Hands every kind's command-line options to config_parse (before it). */
void virtio_devices_register_options(void);
/* Whether any device asked for shares guest RAM with another process. */
bool virtio_devices_share_ram(const struct config *cfg);
/*
 * A snapshot's part (docs/snapshot.md): 0 when every device can be saved
 * (to_files: to a snapshot's files, else in memory or in place), else
 * -ENOTSUP with a line naming the first that cannot ("virtio-net0
 * (00:02.0) cannot be saved yet").
 */
int virtio_devices_check_saveable(const struct virtio_devices *v, bool to_files, char *err,
				  size_t errlen);
/* Held, before the state is written: what each device saves of its host side (a disk's image). */
int virtio_devices_save_host(struct virtio_devices *v, char *err, size_t errlen);
/*
 * Every vCPU parked: each device's lock taken once nothing is in flight on
 * any (a disk's I/O answered), so that RAM and the devices are saved as one
 * moment; -ETIMEDOUT (nothing held) after timeout_ms. Released by release.
 */
int virtio_devices_hold(struct virtio_devices *v, unsigned timeout_ms);
void virtio_devices_release(struct virtio_devices *v);
/* Held: a section per device, and one per host file a device reads (a disk). */
void virtio_devices_save(struct virtio_devices *v, struct snapshot_writer *w);
/*
 * Before a restore changes anything: each device's host file is the one
 * the snapshot recorded, unchanged since (force: --restore-force takes it
 * as it is). 0, or -errno with why in err.
 */
int virtio_devices_check_files(struct virtio_devices *v, const struct snapshot_index *ix,
			       bool force, char *err, size_t errlen);
/*
 * Held: into devices made from the snapshot's options (before the I/O
 * thread starts, or a running VM's own): 0, or -errno with why in err.
 */
int virtio_devices_restore(struct virtio_devices *v, const struct snapshot_index *ix,
			   char *err, size_t errlen);

/* Opens the disks (locked) and sets the devices up; 0 or -errno (logged). */
int virtio_devices_create(const struct virtio_wiring *w, struct virtio_devices **out);
void virtio_devices_destroy(struct virtio_devices *v);

/*
 * Starts the I/O thread and each vhost-user device's worker, through the
 * VM's start gate (their seccomp filters): the number of threads started
 * (0 when none is needed), or -errno.
 */
int virtio_devices_start(struct virtio_devices *v);
/* Stops the I/O thread and the workers. */
void virtio_devices_stop(struct virtio_devices *v);

/* How long a reboot waits for the devices' requests in flight to end. */
#define VIRTIO_DEVICES_RESET_WAIT_MS 30000

/*
 * A guest reboot: every device back to its reset state, once nothing it
 * started is in flight; -ETIMEDOUT (logged) when something still is after
 * VIRTIO_DEVICES_RESET_WAIT_MS.
 */
int virtio_devices_reset(struct virtio_devices *v);

/*
 * Console input for virtio-console (--console virtio), from the main loop:
 * the bytes the guest's receive buffers took. When it takes fewer, the
 * console hears of new room through console_input_ready.
 */
size_t virtio_devices_console_input(struct virtio_devices *v, const uint8_t *buf,
				    size_t len);

#endif
