/*
 * A virtio device (VIRTIO 1.x) apart from its transport: the status and
 * feature negotiation, the queues the driver sets up and the loop that
 * serves them. Pure: a device kind plugs in through virtio_core_ops,
 * interrupts go out through a callback, and a transport (virtio-mmio,
 * virtio-pci) maps its registers onto these calls. The caller serialises
 * register accesses with the device's queue work.
 */
#ifndef A64VM_VIRTIO_CORE_H
#define A64VM_VIRTIO_CORE_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "a64vm/memory.h"
#include "a64vm/virtqueue.h"

#define VIRTIO_MAX_QUEUES 4

#define VIRTIO_F_RING_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_RING_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

struct virtio_core;

/* A request's answer that comes later, through virtq_push and virtio_core_used. */
#define VIRTIO_CORE_PENDING (-EINPROGRESS)

/* The interrupt source a device raises that is no queue: its configuration. */
#define VIRTIO_IRQ_CONFIG 0xffffu

/* A used length is an int on its way: a request's bound must fit. */
_Static_assert(VIRTQ_MAX_REQ_BYTES < INT32_MAX, "a used length fits an int");

/* Whether the VMM is stopping (flag NULL: never): long work gives up. */
static inline bool virtio_stopping(const atomic_bool *flag)
{
	return flag && atomic_load_explicit(flag, memory_order_relaxed);
}

/* What a device kind (blk, net, rng, console) plugs into the transport. */
struct virtio_core_ops {
	const char *name;
	uint32_t device_id;
	unsigned nqueues;
	/* How many queues this one has, when not nqueues (up to VIRTIO_MAX_QUEUES). */
	unsigned (*queues)(void *dev);
	uint32_t config_size;
	/* The device's own features (NULL: none); the transport adds its ring ones. */
	uint64_t (*features)(void *dev);
	/* Device configuration space; bounds are checked by the transport. */
	void (*config_read)(void *dev, uint32_t off, uint8_t *data, unsigned len);
	void (*config_write)(void *dev, uint32_t off, const uint8_t *data, unsigned len);
	/*
	 * Serves one request the driver made on queue q: the bytes written
	 * into it, -EINVAL when it has no room for its answer (the device
	 * then needs a reset), -ECANCELED when the VMM stopped it halfway
	 * (it stays unanswered), or VIRTIO_CORE_PENDING when the device
	 * answers it later (it keeps what it needs of req).
	 */
	int (*request)(void *dev, struct virtio_core *t, unsigned q,
		       const struct virtq_req *req);
	/* After a notify's requests were taken: pending ones may start. */
	void (*requests_taken)(void *dev, unsigned q);
	/*
	 * Queues (a bit each) that carry buffers for the device to fill with
	 * input of its own: a notify there only says buffers were posted.
	 */
	uint32_t receive_queues;
	void (*buffers_posted)(void *dev, struct virtio_core *t, unsigned q);
	/* The driver reset the device (status 0). */
	void (*reset)(void *dev);
	/*
	 * Requests taken and not yet answered (a backend's I/O in flight,
	 * which writes into guest RAM when it ends): a reset waits for them.
	 * NULL: a device that answers at once.
	 */
	bool (*busy)(void *dev);
};

struct virtio_core {
	const struct virtio_core_ops *ops;
	void *dev;
	const struct guest_mem *mem;
	/* Raises the interrupt of source: a queue, or VIRTIO_IRQ_CONFIG. */
	void (*irq)(void *ctx, unsigned source);
	void *irq_ctx;
	unsigned nqueues; /* ops->nqueues, or what ops->queues said */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;
	/* Ring features a64vm has but a backend serving the queues lacks: not offered. */
	uint64_t withheld;
	uint32_t isr; /* 1 used buffer, 2 configuration change */
	uint32_t config_generation;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	struct virtq_req req; /* the request being served */
	const atomic_bool *stopping; /* set by the glue; see virtio_stopping */
	/*
	 * A notify that reached a register (one KVM could not hand to the
	 * queue's ioeventfd, as an NISV store): passed on, never served here,
	 * since the register path runs on a vCPU thread, which does no device
	 * I/O.
	 */
	void (*notify)(void *ctx, unsigned queue);
	void *notify_ctx;
	/*
	 * A transport whose drivers do not wait for a reset to end (Linux's
	 * virtio-mmio writes status 0 and goes on) waits here instead, until
	 * t->resetting is false or the VMM stops; the glue releases the
	 * device's lock meanwhile. NULL: no wait.
	 */
	void (*await_reset)(void *ctx);
	void *await_ctx;
	/*
	 * The driver set DRIVER_OK (on), or reset a device it had running
	 * (off, before the queues are forgotten): what a device whose queues
	 * another process serves hands over and takes back. NULL: nothing.
	 */
	void (*running)(void *ctx, bool on);
	void *running_ctx;
	/* Whether that other process still holds the queues (NULL: never). */
	bool (*held)(void *ctx);
	/* ... and whether it holds no request (a snapshot; vhost_worker_drained). */
	bool (*drained)(void *ctx);
	bool started;	/* running(on) was said, and running(off) not yet */
	/*
	 * The driver wrote status 0 while requests were in flight: the reset
	 * ends once none is (virtio_core_settle), and until then the status
	 * reads non-zero, as VIRTIO 1.x lets a device do (a driver waits for
	 * it to read 0 before it sets the device up again).
	 */
	bool resetting;
	uint64_t refused; /* accesses of a width or offset not allowed */
	uint64_t requests, interrupts; /* served, and queue interrupts raised */
};

void virtio_core_init(struct virtio_core *t, const struct virtio_core_ops *ops,
		     void *dev, const struct guest_mem *mem,
		     void (*irq)(void *ctx, unsigned source), void *irq_ctx);

/*
 * The device back to its reset state at once: what the driver's status 0
 * does once nothing is in flight, and a machine reset after
 * virtio_core_quiet.
 */
void virtio_core_reset(struct virtio_core *t);

/*
 * The driver's reset (status 0): no new request is served, another
 * process's queues are asked back, and the device resets when nothing is
 * in flight, now or at a later virtio_core_settle. True when it is done.
 */
bool virtio_core_begin_reset(struct virtio_core *t);
/* Nothing is in flight: no backend I/O, no queue another process holds. */
bool virtio_core_quiet(const struct virtio_core *t);
/* Work ended (an answer, queues given back): a pending reset may end. */
void virtio_core_settle(struct virtio_core *t);

/* The status register as the driver reads it: never 0 while resetting. */
uint32_t virtio_core_status(const struct virtio_core *t);

/* The features offered: the device's own and the transport's ring ones. */
uint64_t virtio_core_offered(const struct virtio_core *t);

/* The selected feature word (DeviceFeaturesSel); a driver's word written. */
uint32_t virtio_core_features_word(const struct virtio_core *t);
void virtio_core_set_driver_word(struct virtio_core *t, uint32_t v);

/*
 * The driver's status write: 0 resets; otherwise its bits are added (none
 * is cleared), FEATURES_OK only for a valid set.
 */
void virtio_core_set_status(struct virtio_core *t, uint32_t v);

/* The queue QueueSel names, or NULL. */
struct virtq *virtio_core_selected(struct virtio_core *t);
/* The driver enables (v != 0) or disables the queue. */
void virtio_core_set_ready(struct virtio_core *t, struct virtq *q, uint32_t v);

/*
 * Device configuration space: len bytes (1, 2, 4 or 8) at off, values in
 * *val little-endian; false when the access does not fit inside it.
 */
bool virtio_core_config_access(struct virtio_core *t, uint64_t off, uint64_t *val,
			      unsigned len, bool write);

/* A notify for queue that reached a register: handed to t->notify. */
void virtio_core_notify(struct virtio_core *t, uint32_t queue);

/* The queue, when the driver has it live (DRIVER_OK and ready). */
struct virtq *virtio_core_live_queue(struct virtio_core *t, unsigned queue);

/*
 * Serves queue q: every available request goes to ops->request, or for a
 * receive queue ops->buffers_posted hears of new buffers. The caller holds
 * the device's lock, as for register accesses.
 */
void virtio_core_service(struct virtio_core *t, unsigned q);

/* After used buffers were pushed: interrupt if the driver wants it. */
void virtio_core_used(struct virtio_core *t, unsigned queue);
/*
 * Answers, through the model, n requests of queue qi that another owner
 * took and left unanswered (a vhost-user daemon gone), by their heads;
 * then the queue's interrupt.
 */
void virtio_core_answer_heads(struct virtio_core *t, unsigned qi, const uint16_t *heads,
			      unsigned n);

/*
 * The driver broke the rules (why says how): DEVICE_NEEDS_RESET and a
 * configuration interrupt, with a rate-limited line.
 */
void virtio_core_needs_reset(struct virtio_core *t, const char *why);

#endif
