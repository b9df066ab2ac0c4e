/*
 * The one interface every platform device model implements. A model is
 * pure: it reaches the rest of the machine only through the callbacks of
 * its struct device_env, and it says what device tree node it adds. The
 * board (vmm/board.c) puts it at an address from one table line, which
 * both registers it on the MMIO bus and emits its node.
 */
#ifndef A64VM_DEVICE_H
#define A64VM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_mem;
struct snapshot_cursor;
struct snapshot_writer;

/* What a model may ask of the machine around it. */
struct device_env {
	void *ctx;
	/* Drives the device's interrupt line to level. */
	void (*set_irq)(void *ctx, bool level);
	/* A UART's output byte, and room in its receive FIFO again. */
	void (*console_out)(void *ctx, uint8_t byte);
	void (*console_room)(void *ctx);
	/* The host's wall-clock time, in nanoseconds since the epoch. */
	uint64_t (*clock_ns)(void *ctx);
	/*
	 * Calls ops->timer once the wall clock reaches deadline_ns (replacing
	 * any earlier request); 0 cancels.
	 */
	void (*set_timer)(void *ctx, uint64_t deadline_ns);
	/* Guest RAM, for the devices that read or write it. */
	const struct guest_mem *mem;
	/*
	 * Memory of the device's own (flash contents): storage_size bytes
	 * the board backs with a file or keeps in memory.
	 */
	uint8_t *storage;
	uint64_t storage_size;
	bool storage_read_only;
	/*
	 * Makes [off, off + len) of storage hold data (NULL: erased, 0xff),
	 * durably: 0 once it is where it lasts, or -errno with storage as it
	 * was. Models never write storage themselves.
	 */
	int (*storage_write)(void *ctx, uint64_t off, const uint8_t *data, uint64_t len);
	/*
	 * Whether the guest may read storage directly, as memory, rather than
	 * through the device's read (a flash in read-array mode).
	 */
	void (*direct_reads)(void *ctx, bool on);
};

enum device_clocks {
	DEVICE_CLOCKS_NONE,
	DEVICE_CLOCKS_APB,	/* clock-names = "apb_pclk" */
	DEVICE_CLOCKS_UART_APB, /* clock-names = "uartclk", "apb_pclk" */
};

/* The device tree node a model adds; reg and interrupts come from its slot. */
struct device_dt {
	const char *name;	/* node name before '@' */
	const char *compatible; /* NUL-separated list */
	size_t compatible_len;	/* including the final NUL */
	enum device_clocks clocks;
	bool gpio_controller; /* the one GPIO controller */
	/* One node for consecutive slots of this model, a reg entry each. */
	bool one_node;
	/* A 32-bit property of the node, when name is set (bank-width). */
	struct {
		const char *name;
		uint32_t value;
	} u32_prop;
	bool edge_irq;	      /* edge-triggered rather than level */
	bool dma_coherent;
	bool pci_host; /* the PCIe host bridge's node, as QEMU writes it */
};

#define DEVICE_DT_COMPATIBLE(s) .compatible = s, .compatible_len = sizeof(s)

struct device_ops {
	const char *name;
	void *(*create)(const struct device_env *env);
	void (*destroy)(void *dev);
	/* Back to power-on state, for a reboot. */
	void (*reset)(void *dev);
	/*
	 * Register accesses; values little-endian. The bus calls these only
	 * with widths from min_width to max_width (0: 1 and 8), splitting or
	 * widening the guest's accesses as QEMU's memory API does.
	 */
	uint64_t (*read)(void *dev, uint64_t offset, unsigned size);
	void (*write)(void *dev, uint64_t offset, unsigned size, uint64_t value);
	uint8_t min_width, max_width;
	/*
	 * Optional: registers whose writes the guest never waits on (a UART's
	 * data register). KVM may queue them instead of exiting (coalesced
	 * MMIO); they reach write() late but in order, before the model's
	 * next read or any other exit (docs/architecture.md, "Posted writes").
	 */
	uint32_t posted_offset, posted_size;
	/* Optional: the deadline given to env.set_timer has come. */
	void (*timer)(void *dev);
	/* Optional, UARTs: console input; how many bytes it took. */
	size_t (*input)(void *dev, const uint8_t *buf, size_t len);
	/* Optional, GPIO controllers: an input line driven from outside. */
	void (*set_line)(void *dev, unsigned line, bool level);
	/*
	 * The model's state for a snapshot (docs/snapshot.md), and back into a
	 * model created from the same configuration: 0, or -EINVAL for a state
	 * the model could not have been in (it is then unchanged). Its
	 * interrupt line is driven to the restored level. A model without them
	 * makes a snapshot refuse, naming it.
	 */
	void (*save)(const void *dev, struct snapshot_writer *w);
	int (*restore)(void *dev, struct snapshot_cursor *c);
	struct device_dt dt;
};

#endif
