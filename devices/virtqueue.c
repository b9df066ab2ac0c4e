#include "a64vm/virtqueue.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#define AVAIL_F_NO_INTERRUPT 1

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* Rings are little-endian, as the hosts a64vm runs on. */
static uint16_t load16(const struct guest_mem *mem, uint64_t gpa)
{
	uint16_t v = 0;

	memory_read(mem, gpa, &v, sizeof(v));
	return v;
}

static void store16(const struct guest_mem *mem, uint64_t gpa, uint16_t v)
{
	memory_write(mem, gpa, &v, sizeof(v));
}

void virtq_reset(struct virtq *q)
{
	q->ready = false;
	q->last_avail = q->used_idx = q->signalled = 0;
}

int virtq_check_layout(const struct virtq *q, const struct guest_mem *mem)
{
	uint64_t n = q->num;

	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return -EINVAL;
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return -EINVAL;
	if (!memory_gpa_to_hva(mem, q->desc, 16 * n) ||
	    !memory_gpa_to_hva(mem, q->avail, 6 + 2 * n) ||
	    !memory_gpa_to_hva(mem, q->used, 6 + 8 * n))
		return -EINVAL;
	return 0;
}

static int refuse(struct virtq_req *req, const char *why)
{
	req->error = why;
	return -EINVAL;
}

static int read_desc(const struct guest_mem *mem, uint64_t table, unsigned idx,
		     struct desc *d)
{
	uint8_t raw[16];

	if (memory_read(mem, table + 16ull * idx, raw, sizeof(raw)))
		return -EFAULT;
	/* One copy: the guest may change the table while it is checked. */
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
	return 0;
}

static int add_segment(struct virtq_req *req, const struct guest_mem *mem,
		       const struct desc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	struct virtq_iov *iov;

	if (!writable && req->nin)
		return refuse(req, "a readable buffer after a writable one");
	if (!d->len)
		return 0;
	if (req->nout + req->nin >= VIRTQ_MAX_IOV)
		return refuse(req, "more segments than a request may have");
	iov = &req->iov[req->nout + req->nin];
	iov->base = memory_gpa_to_hva(mem, d->addr, d->len);
	iov->len = d->len;
	if (!iov->base)
		return refuse(req, "a buffer outside guest RAM");
	if (d->len > VIRTQ_MAX_REQ_BYTES - req->out_len - req->in_len)
		return refuse(req, "a request of more than 256 MiB");
	if (writable) {
		req->nin++;
		req->in_len += d->len;
	} else {
		req->nout++;
		req->out_len += d->len;
	}
	return 0;
}

/* Walks head's chain, following one level of indirection. */
static int walk_chain(const struct virtq *q, const struct guest_mem *mem,
		      struct virtq_req *req)
{
	uint64_t table = q->desc;
	unsigned table_len = q->num, idx = req->head, count = 0;
	bool indirect = false;
	struct desc d;
	int ret;

	for (;;) {
		if (idx >= table_len)
			return refuse(req, "a descriptor index out of range");
		if (++count > table_len)
			return refuse(req, "a chain that loops or is longer than its table");
		if (read_desc(mem, table, idx, &d))
			return refuse(req, "a descriptor table outside guest RAM");
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect)
				return refuse(req, "an indirect descriptor not negotiated");
			if (indirect)
				return refuse(req, "an indirect table inside an indirect table");
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return refuse(req, "an indirect descriptor with NEXT set");
			if (!d.len || d.len % 16 || d.len / 16 > VIRTQ_MAX_IOV)
				return refuse(req, "an indirect table of a bad length");
			if (!memory_gpa_to_hva(mem, d.addr, d.len))
				return refuse(req, "an indirect table outside guest RAM");
			table = d.addr;
			table_len = d.len / 16;
			idx = 0;
			count = 0;
			indirect = true;
			continue;
		}
		ret = add_segment(req, mem, &d);
		if (ret)
			return ret;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		idx = d.next;
	}
}

static void req_clear(struct virtq_req *req)
{
	req->nout = req->nin = 0;
	req->out_len = req->in_len = 0;
	req->error = NULL;
}

int virtq_take_head(const struct virtq *q, const struct guest_mem *mem, uint16_t head,
		    struct virtq_req *req)
{
	req_clear(req);
	req->head = head;
	if (!q->ready || head >= q->num)
		return refuse(req, "a head descriptor index out of range");
	return walk_chain(q, mem, req) ? -EINVAL : 1;
}

int virtq_pop(struct virtq *q, const struct guest_mem *mem, struct virtq_req *req)
{
	uint16_t avail_idx, pending;
	int ret;

	req_clear(req);
	if (!q->ready)
		return 0;
	/* With event index, the avail_event we wrote must be visible first. */
	if (q->event_idx)
		atomic_thread_fence(memory_order_seq_cst);
	avail_idx = load16(mem, q->avail + 2);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending > q->num)
		return refuse(req, "the available index ran ahead of the queue");
	if (!pending)
		return 0;
	/* The ring entry must be read after the index that published it. */
	atomic_thread_fence(memory_order_acquire);
	req->head = load16(mem, q->avail + 4 + 2ull * (q->last_avail % q->num));
	if (req->head >= q->num)
		return refuse(req, "a head descriptor index out of range");
	ret = walk_chain(q, mem, req);
	if (ret)
		return ret;
	q->last_avail++;
	if (q->event_idx)
		store16(mem, q->used + 4 + 8ull * q->num, q->last_avail);
	return 1;
}

bool virtq_avail_event(const struct virtq *q, const struct guest_mem *mem, uint16_t *idx)
{
	if (!q->event_idx)
		return false;
	*idx = load16(mem, q->used + 4 + 8ull * q->num);
	return true;
}

void virtq_indexes(const struct virtq *q, const struct guest_mem *mem, uint16_t *avail,
		   uint16_t *used)
{
	*avail = load16(mem, q->avail + 2);
	*used = load16(mem, q->used + 2);
}

void virtq_resume(struct virtq *q, const struct guest_mem *mem)
{
	virtq_resume_after(q, mem, (uint16_t)(load16(mem, q->avail + 2) -
					      load16(mem, q->used + 2)));
}

void virtq_resume_after(struct virtq *q, const struct guest_mem *mem, uint16_t taken)
{
	q->used_idx = q->signalled = load16(mem, q->used + 2);
	q->last_avail = (uint16_t)(q->used_idx + taken);
	/* The next request must notify us, whatever the last owner asked for. */
	if (q->event_idx)
		store16(mem, q->used + 4 + 8ull * q->num, q->last_avail);
	atomic_thread_fence(memory_order_seq_cst);
}

void virtq_push(struct virtq *q, const struct guest_mem *mem, uint16_t head,
		uint32_t len)
{
	uint64_t elem;
	uint32_t id = head;

	/* An answer that outlived its queue (disabled, resized): nowhere to go. */
	if (!q->ready || !q->num)
		return;
	elem = q->used + 4 + 8ull * (q->used_idx % q->num);
	memory_write(mem, elem, &id, sizeof(id));
	memory_write(mem, elem + 4, &len, sizeof(len));
	/* The element must be visible before the index that publishes it. */
	atomic_thread_fence(memory_order_release);
	store16(mem, q->used + 2, ++q->used_idx);
}

bool virtq_should_notify(struct virtq *q, const struct guest_mem *mem)
{
	uint16_t old = q->signalled, now = q->used_idx, event;

	/* Our used index must be visible before we read what the driver wants. */
	atomic_thread_fence(memory_order_seq_cst);
	q->signalled = now;
	if (!q->event_idx)
		return old != now && !(load16(mem, q->avail) & AVAIL_F_NO_INTERRUPT);
	event = load16(mem, q->avail + 4 + 2ull * q->num);
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

static uint64_t copy(const struct virtq_req *req, bool in, uint64_t off,
		     uint8_t *flat, uint64_t len, bool to_guest)
{
	const struct virtq_iov *iov = req->iov + (in ? req->nout : 0);
	unsigned n = in ? req->nin : req->nout;
	uint64_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		uint64_t chunk;

		if (off >= iov[i].len) {
			off -= iov[i].len;
			continue;
		}
		chunk = iov[i].len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_guest)
			memcpy(iov[i].base + off, flat + done, chunk);
		else
			memcpy(flat + done, iov[i].base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

uint64_t virtq_copy_from(const struct virtq_req *req, uint64_t off, void *dst,
			 uint64_t len)
{
	return copy(req, false, off, dst, len, false);
}

uint64_t virtq_copy_to(const struct virtq_req *req, uint64_t off, const void *src,
		       uint64_t len)
{
	return copy(req, true, off, (uint8_t *)(uintptr_t)src, len, true);
}

unsigned virtq_iovecs(const struct virtq_req *req, bool in, uint64_t off,
		      uint64_t len, struct iovec *out)
{
	const struct virtq_iov *iov = req->iov + (in ? req->nout : 0);
	unsigned n = in ? req->nin : req->nout, count = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t chunk;

		if (off >= iov[i].len) {
			off -= iov[i].len;
			continue;
		}
		chunk = iov[i].len - off < len ? iov[i].len - off : len;
		out[count++] = (struct iovec){ iov[i].base + off, chunk };
		len -= chunk;
		off = 0;
	}
	return count;
}
