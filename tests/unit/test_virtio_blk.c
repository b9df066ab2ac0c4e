/* virtio-blk requests on a RAM disk, built segment by segment. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/virtio_blk.h"
#include "ram_disk.h"
#include "unit.h"
#include "virtq_fixture.h"

#define DISK_SECTORS RAM_DISK_SECTORS

static struct ram_disk disk;

static struct virtio_blk blk;
static struct virtq_req req;
static uint8_t hdr[16], data[8192], status, ranges[4][16];

static void open_disk(bool ro)
{
	memset(&disk, 0, sizeof(disk));
	memset(&blk, 0, sizeof(blk));
	blk.be = &ram_disk_backend;
	blk.be_ctx = &disk;
	blk.read_only = ro;
	blk.sectors = DISK_SECTORS;
	blk.num_queues = 1;
	memcpy(blk.serial, "disk-serial-0001", 16);
}

static void make_req(uint32_t type, uint64_t sector, uint8_t *buf, uint32_t len,
		     bool buf_writable)
{
	memset(&req, 0, sizeof(req));
	memcpy(hdr, &type, 4);
	memset(hdr + 4, 0, 4);
	memcpy(hdr + 8, &sector, 8);
	req.iov[req.nout++] = (struct virtq_iov){ hdr, 16 };
	req.out_len = 16;
	if (buf && !buf_writable) {
		req.iov[req.nout++] = (struct virtq_iov){ buf, len };
		req.out_len += len;
	}
	if (buf && buf_writable) {
		req.iov[req.nout + req.nin++] = (struct virtq_iov){ buf, len };
		req.in_len += len;
	}
	req.iov[req.nout + req.nin++] = (struct virtq_iov){ &status, 1 };
	req.in_len += 1;
	status = 0xee;
}

static void test_read_write(void)
{
	uint8_t back[1024];

	open_disk(false);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	make_req(VIRTIO_BLK_T_OUT, 10, data, 1024, false);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), 1);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(memcmp(disk.data + 10 * 512, data, 1024), 0);
	memset(back, 0, sizeof(back));
	make_req(VIRTIO_BLK_T_IN, 10, back, 1024, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), 1025);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(memcmp(back, data, 1024), 0);
	/* data split across segments, status sharing the last one */
	memset(&req, 0, sizeof(req));
	memcpy(hdr, &(uint32_t){ VIRTIO_BLK_T_IN }, 4);
	memcpy(hdr + 8, &(uint64_t){ 10 }, 8);
	req.iov[0] = (struct virtq_iov){ hdr, 16 };
	req.iov[1] = (struct virtq_iov){ back, 100 };
	req.iov[2] = (struct virtq_iov){ back + 100, 413 };
	req.nout = 1, req.nin = 2, req.out_len = 16, req.in_len = 513;
	memset(back, 0, sizeof(back));
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), 513);
	CU_ASSERT_EQUAL(back[512], VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(memcmp(back, data, 512), 0);
}

static void test_bad_requests(void)
{
	open_disk(false);
	/* past the end, straddling the end, not whole sectors */
	make_req(VIRTIO_BLK_T_IN, DISK_SECTORS, data, 512, true);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_OUT, DISK_SECTORS - 1, data, 1024, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_IN, 0xffffffffffffffffull, data, 512, true);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_OUT, 0, data, 100, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(99, 0, NULL, 0, false);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), 1);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_UNSUPP);
	/* a header too short */
	make_req(VIRTIO_BLK_T_IN, 0, NULL, 0, false);
	req.iov[0].len = 8;
	req.out_len = 8;
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	/* no status byte at all: the device needs a reset */
	make_req(VIRTIO_BLK_T_IN, 0, NULL, 0, false);
	req.nin = 0;
	req.in_len = 0;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), -EINVAL);
}

static void test_read_only(void)
{
	open_disk(true);
	CU_ASSERT_TRUE(virtio_blk_features(&blk) & (1ull << 5));
	CU_ASSERT_FALSE(virtio_blk_features(&blk) & (1ull << 13));
	make_req(VIRTIO_BLK_T_OUT, 0, data, 512, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_IN, 0, data, 512, true);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	make_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.flushes, 0); /* nothing was written */
}

static void set_range(unsigned i, uint64_t sector, uint32_t count, uint32_t flags)
{
	memcpy(ranges[i], &sector, 8);
	memcpy(ranges[i] + 8, &count, 4);
	memcpy(ranges[i] + 12, &flags, 4);
}

static void test_flush_id_discard_zeroes(void)
{
	uint8_t id[20];

	open_disk(false);
	make_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.flushes, 1);
	make_req(VIRTIO_BLK_T_GET_ID, 0, id, sizeof(id), true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), 21);
	CU_ASSERT_EQUAL(memcmp(id, "disk-serial-0001\0\0\0\0", 20), 0);
	/* write data, zero it with write-zeroes (unmap), read back zeroes */
	memset(data, 0x77, sizeof(data));
	make_req(VIRTIO_BLK_T_OUT, 64, data, 8192, false);
	virtio_blk_request(&blk, 0, &req);
	set_range(0, 64, 8, 1);
	set_range(1, 72, 8, 0);
	make_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, (uint8_t *)ranges, 32, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.punches, 2);
	CU_ASSERT_EQUAL(disk.data[64 * 512], 0);
	CU_ASSERT_EQUAL(disk.data[80 * 512 - 1], 0);
	/* where the disk cannot punch, write-zeroes writes them; discard need not */
	memset(disk.data + 64 * 512, 0x77, 8192);
	disk.no_punch = true;
	set_range(0, 64, 16, 0);
	make_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.data[64 * 512], 0);
	CU_ASSERT_EQUAL(disk.data[80 * 512 - 1], 0);
	memset(disk.data, 0x55, 512);
	set_range(0, 0, 1, 0);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.data[0], 0x55);
	disk.no_punch = false;
	/* discard: flags must be 0; ranges must be inside the disk */
	set_range(0, 0, 8, 0);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	set_range(0, 0, 8, 1);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	set_range(0, DISK_SECTORS - 4, 8, 0);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 10, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_DISCARD, 0, NULL, 0, false);
	virtio_blk_request(&blk, 0, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
}

/*
 * The largest request there may be: 255.5 MiB read through 1022 segments
 * that alias one buffer, from a sparse disk. Its used length must come out
 * right (a 2 GiB one once turned negative); a stop cuts it short.
 */
static void test_largest_request(void)
{
	static uint8_t seg[256 << 10];
	static atomic_bool stopping;
	const unsigned nseg = VIRTQ_MAX_IOV - 2;

	open_disk(false);
	blk.sectors = VIRTQ_MAX_REQ_BYTES / 512; /* sparse past DISK_SECTORS */
	make_req(VIRTIO_BLK_T_IN, 0, NULL, 0, true);
	req.nin = 0;
	req.in_len = 0;
	for (unsigned i = 0; i < nseg; i++)
		req.iov[req.nout + req.nin++] = (struct virtq_iov){ seg, sizeof(seg) };
	req.iov[req.nout + req.nin++] = (struct virtq_iov){ &status, 1 };
	req.in_len = (uint64_t)nseg * sizeof(seg) + 1;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), (int)req.in_len);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	/* the VMM stopping: the request is left unanswered */
	status = 0xee;
	atomic_store(&stopping, true);
	blk.stopping = &stopping;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), -ECANCELED);
	CU_ASSERT_EQUAL(status, 0xee);
}

static void test_config(void)
{
	uint64_t cap;
	uint32_t blk_size, size_max, seg_max;

	open_disk(false);
	virtio_blk_config_read(&blk, 0, (uint8_t *)&cap, 8);
	CU_ASSERT_EQUAL(cap, DISK_SECTORS);
	/* seg_max segments of size_max stay within a request's bound */
	CU_ASSERT_TRUE(virtio_blk_features(&blk) & (1u << 1));
	virtio_blk_config_read(&blk, 8, (uint8_t *)&size_max, 4);
	virtio_blk_config_read(&blk, 12, (uint8_t *)&seg_max, 4);
	CU_ASSERT_TRUE((uint64_t)size_max * seg_max + 16 + 1 <= VIRTQ_MAX_REQ_BYTES);
	/* FreeBSD's vtblk refuses a size_max below its default maxphys */
	CU_ASSERT_TRUE(size_max >= 1 << 20);
	CU_ASSERT_TRUE(seg_max >= 128);
	virtio_blk_config_read(&blk, 20, (uint8_t *)&blk_size, 4);
	CU_ASSERT_EQUAL(blk_size, 512);
}

/* Several request queues: VIRTIO_BLK_F_MQ and num_queues, a queue each. */
static void test_queues(void)
{
	struct virtio_core t;
	uint16_t n;

	open_disk(false);
	virtio_blk_config_read(&blk, 34, (uint8_t *)&n, 2);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_FALSE(virtio_blk_features(&blk) & (1u << 12));
	blk.num_queues = 4;
	virtio_blk_config_read(&blk, 34, (uint8_t *)&n, 2);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_TRUE(virtio_blk_features(&blk) & (1u << 12));
	fx_transport(&t, &virtio_blk_ops, &blk, 0);
	CU_ASSERT_EQUAL(t.nqueues, 4);
}

/* An asynchronous backend over the RAM disk: requests wait until run. */
static struct virtio_blk_io *taken[8];
static unsigned ntaken, starts;
static bool refuse;

static int async_submit(void *ctx, struct virtio_blk_io *io)
{
	(void)ctx;
	if (refuse || ntaken == 8)
		return -EBUSY;
	taken[ntaken++] = io;
	return 0;
}

static void async_start(void *ctx)
{
	(void)ctx;
	starts++;
}

static const struct virtio_blk_backend async_disk = {
	.transfer = NULL, .submit = async_submit, .start = async_start,
	.submits_writes = true,
};

/* What the backend would have done: the bytes moved, or a flush's 0. */
static int64_t run(struct virtio_blk_io *io)
{
	struct virtio_blk_backend sync = ram_disk_backend;

	if (io->type == VIRTIO_BLK_T_FLUSH)
		return sync.flush(&disk);
	return sync.transfer(&disk, io->iov, io->niov, io->pos,
			     io->type == VIRTIO_BLK_T_OUT) ? -EIO : (int64_t)io->len;
}

static void open_async(struct virtio_core *t)
{
	struct virtio_blk_backend *be = malloc(sizeof(*be));

	open_disk(false);
	*be = async_disk;
	be->transfer = ram_disk_backend.transfer;
	be->punch = ram_disk_backend.punch;
	be->flush = ram_disk_backend.flush;
	blk.be = be;
	ntaken = starts = 0;
	refuse = false;
	CU_ASSERT_EQUAL_FATAL(virtio_blk_async_init(&blk), 0);
	fx_transport(t, &virtio_blk_ops, &blk, 0);
}

static void close_async(void)
{
	free((void *)blk.be);
	virtio_blk_async_fini(&blk);
}

/*
 * Reads, writes and flushes go to the backend and are answered when it
 * finishes them, in any order: status, used length, one interrupt a batch.
 */
static void test_async(void)
{
	static uint8_t buf[2][4096];
	uint8_t st[2];
	struct virtio_core t;

	open_async(&t);
	memset(buf[0], 0x5a, sizeof(buf[0]));
	make_req(VIRTIO_BLK_T_OUT, 8, buf[0], 4096, false);
	req.head = 3;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	CU_ASSERT_EQUAL(status, 0xee); /* not answered yet */
	CU_ASSERT_EQUAL(ntaken, 1);
	CU_ASSERT_EQUAL(taken[0]->pos, 8 * 512);
	CU_ASSERT_EQUAL(taken[0]->len, 4096);
	CU_ASSERT_PTR_EQUAL(taken[0]->status, &status);
	CU_ASSERT_EQUAL(atomic_load(&blk.in_flight), 1);
	/* a flush after it; a read of another queue's */
	make_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false);
	req.iov[req.nout] = (struct virtq_iov){ &st[0], 1 };
	req.head = 4;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	make_req(VIRTIO_BLK_T_IN, 8, buf[1], 4096, true);
	req.iov[req.nout + 1] = (struct virtq_iov){ &st[1], 1 };
	req.head = 5;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	CU_ASSERT_EQUAL(ntaken, 3);
	CU_ASSERT_EQUAL(taken[1]->type, VIRTIO_BLK_T_FLUSH);
	/* answered in order, then one interrupt for the three */
	for (unsigned i = 0; i < 3; i++)
		virtio_blk_complete(&blk, &t, taken[i], run(taken[i]));
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(st[0], VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(st[1], VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(memcmp(buf[1], buf[0], 4096), 0);
	CU_ASSERT_EQUAL(disk.flushes, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 3); /* the used index */
	CU_ASSERT_EQUAL(fx_used_len(0), 1);
	CU_ASSERT_EQUAL(fx_used_len(2), 4097);
	CU_ASSERT_EQUAL(t.interrupts, 0);
	virtio_blk_interrupts(&blk, &t);
	CU_ASSERT_EQUAL(t.interrupts, 1);
	virtio_blk_interrupts(&blk, &t);
	CU_ASSERT_EQUAL(t.interrupts, 1);
	CU_ASSERT_EQUAL(atomic_load(&blk.in_flight), 0);
	close_async();
}

/* A failed transfer is an I/O error; a short one too. */
static void test_async_errors(void)
{
	static uint8_t buf[4096], big[(2u << 20) + 512];
	struct virtio_core t;

	open_async(&t);
	make_req(VIRTIO_BLK_T_IN, 0, buf, 4096, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	virtio_blk_complete(&blk, &t, taken[0], -EIO);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(fx_used_len(0), 1);
	make_req(VIRTIO_BLK_T_IN, 0, buf, 4096, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	virtio_blk_complete(&blk, &t, taken[1], 512);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	/* refused by the backend: done at once */
	refuse = true;
	make_req(VIRTIO_BLK_T_IN, 0, buf, 4096, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), 4097);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	/* more than a 4 MiB slice: done here, where a stop can cut it */
	blk.sectors = VIRTQ_MAX_REQ_BYTES / 512; /* sparse past DISK_SECTORS */
	make_req(VIRTIO_BLK_T_IN, 0, NULL, 0, true);
	req.nin = 0;
	for (unsigned i = 0; i < 2; i++)
		req.iov[req.nout + req.nin++] = (struct virtq_iov){ big, sizeof(big) };
	req.iov[req.nout + req.nin++] = (struct virtq_iov){ &status, 1 };
	req.in_len = 2 * sizeof(big) + 1;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), (int)req.in_len);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	blk.sectors = DISK_SECTORS;
	/* bad requests never reach it */
	refuse = false;
	make_req(VIRTIO_BLK_T_IN, DISK_SECTORS, buf, 4096, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), 1);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	CU_ASSERT_EQUAL(ntaken, 2);
	close_async();
}

/* virtio-mmio's registers, as the driver writes them. */
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_STATUS 0x070

/*
 * A reset while a read is in flight: the read still writes guest RAM when
 * it ends, so the reset ends only then. Until it does the status reads
 * non-zero and the driver's writes change nothing; the answer goes to the
 * rings the driver still owns, and the device is then reset.
 */
static void test_async_reset(void)
{
	static uint8_t buf[4096];
	struct virtio_core t;

	open_async(&t);
	make_req(VIRTIO_BLK_T_IN, 0, buf, 4096, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	virtio_mmio_write(&t, MMIO_STATUS, 4, 0);
	CU_ASSERT_EQUAL(virtio_mmio_read(&t, MMIO_STATUS, 4), 0xf);
	virtio_mmio_write(&t, MMIO_STATUS, 4, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_mmio_write(&t, MMIO_QUEUE_READY, 4, 0);
	CU_ASSERT_EQUAL(virtio_mmio_read(&t, MMIO_QUEUE_READY, 4), 1);
	CU_ASSERT_EQUAL(virtio_mmio_read(&t, MMIO_STATUS, 4), 0xf);
	virtio_blk_complete(&blk, &t, taken[0], run(taken[0]));
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(virtio_mmio_read(&t, MMIO_STATUS, 4), 0);
	CU_ASSERT_EQUAL(virtio_mmio_read(&t, MMIO_QUEUE_READY, 4), 0);
	CU_ASSERT_EQUAL(atomic_load(&blk.in_flight), 0);
	/* with nothing in flight a reset ends at once */
	fx_transport(&t, &virtio_blk_ops, &blk, 0);
	virtio_mmio_write(&t, MMIO_STATUS, 4, 0);
	CU_ASSERT_EQUAL(virtio_mmio_read(&t, MMIO_STATUS, 4), 0);
	close_async();
}

/*
 * The driver disables the queue and sets its size to 0 while a read is in
 * flight: the size is ignored, and the answer has no queue to go to; its
 * status byte, in RAM the driver may have reused, stays as it was.
 */
static void test_async_queue_disabled(void)
{
	static uint8_t buf[4096];
	struct virtio_core t;

	open_async(&t);
	make_req(VIRTIO_BLK_T_IN, 0, buf, 4096, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	virtio_mmio_write(&t, MMIO_QUEUE_SEL, 4, 0);
	virtio_mmio_write(&t, MMIO_QUEUE_READY, 4, 0);
	virtio_mmio_write(&t, MMIO_QUEUE_NUM, 4, 0);
	CU_ASSERT_EQUAL(t.queues[0].num, FX_QSIZE);
	CU_ASSERT_EQUAL(virtio_mmio_read(&t, MMIO_QUEUE_NUM, 4), FX_QSIZE);
	virtio_blk_complete(&blk, &t, taken[0], run(taken[0]));
	CU_ASSERT_EQUAL(status, 0xee);
	CU_ASSERT_EQUAL(fx_used16(2), 0);
	CU_ASSERT_EQUAL(atomic_load(&blk.in_flight), 0);
	/* a queue of size 0, however it came to be: still no division by it */
	make_req(VIRTIO_BLK_T_IN, 0, buf, 4096, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	t.queues[0].num = 0;
	virtio_blk_complete(&blk, &t, taken[1], run(taken[1]));
	CU_ASSERT_EQUAL(status, 0xee);
	close_async();
}

/* A request with more segments than a record holds inline. */
static void test_async_many_segments(void)
{
	static uint8_t buf[64][512];
	struct virtio_core t;

	open_async(&t);
	make_req(VIRTIO_BLK_T_IN, 0, NULL, 0, true);
	req.nin = 0;
	req.in_len = 0;
	for (unsigned i = 0; i < 64; i++)
		req.iov[req.nout + req.nin++] = (struct virtq_iov){ buf[i], 512 };
	req.iov[req.nout + req.nin++] = (struct virtq_iov){ &status, 1 };
	req.in_len = 64 * 512 + 1;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, 0, &req), VIRTIO_CORE_PENDING);
	CU_ASSERT_EQUAL(taken[0]->niov, 64);
	CU_ASSERT_PTR_EQUAL(taken[0]->iov[63].iov_base, buf[63]);
	virtio_blk_complete(&blk, &t, taken[0], run(taken[0]));
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	close_async();
}

/* Through the transport's service loop: one start for a notify's batch. */
static void test_async_batch(void)
{
	static uint8_t buf[3][512];
	struct virtio_core t;

	open_async(&t);
	for (unsigned i = 0; i < 3; i++) {
		uint64_t at = FX_BUF + 0x1000 * i;

		memory_write(&fx_mem, at, &(uint32_t){ VIRTIO_BLK_T_IN }, 4);
		fx_put_desc(FX_DESC, 3 * i, at, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(3 * i + 1));
		fx_put_desc(FX_DESC, 3 * i + 1, at + 0x100, 512,
			    VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, (uint16_t)(3 * i + 2));
		fx_put_desc(FX_DESC, 3 * i + 2, at + 0x800, 1, VIRTQ_DESC_F_WRITE, 0);
		fx_offer((uint16_t)(3 * i));
	}
	(void)buf;
	virtio_core_service(&t, 0);
	CU_ASSERT_EQUAL(ntaken, 3);
	CU_ASSERT_EQUAL(starts, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 0);
	for (unsigned i = 3; i-- > 0;)
		virtio_blk_complete(&blk, &t, taken[i], run(taken[i]));
	virtio_blk_interrupts(&blk, &t);
	CU_ASSERT_EQUAL(fx_used16(2), 3);
	CU_ASSERT_EQUAL(t.interrupts, 1);
	close_async();
}

/* --disk's value: what each item sets, and what is refused. */
static void test_options(void)
{
	static const struct {
		const char *s;
		int ret;
		const char *path, *serial;
		bool ro;
		unsigned queues; /* 0: one per vCPU */
		enum virtio_blk_aio aio;
		enum virtio_blk_format format;
		bool snapshot, vhost_user;
	} cases[] = {
		{ "disk.img", 0, "disk.img", "", false },
		{ "/d/a.img,ro", 0, "/d/a.img", "", true },
		{ "a.img,serial=ROOT-1,ro", 0, "a.img", "ROOT-1", true },
		{ "a.img,serial=12345678901234567890", 0, "a.img", "12345678901234567890", false },
		{ "a.img,serial=123456789012345678901", -EINVAL },
		{ "a.img,serial=", -EINVAL }, { "a.img,rw", -EINVAL }, { "a.img,", -EINVAL },
		{ ",ro", -EINVAL }, { "", -EINVAL },
		{ "a.img,transport=pci,ro", 0, "a.img", "", true },
		{ "a.img,transport=", -EINVAL }, { "a.img,transport=pcie", -EINVAL },
		{ "a.img,queues=4,aio=sync", 0, "a.img", "", false, 4, VIRTIO_BLK_AIO_SYNC },
		{ "a.img,aio=io_uring,queues=1", 0, "a.img", "", false, 1, VIRTIO_BLK_AIO_IO_URING },
		{ "a.img,queues=0", -EINVAL }, { "a.img,queues=5", -EINVAL },
		{ "a.img,queues=", -EINVAL }, { "a.img,queues=12", -EINVAL },
		{ "a.img,aio=native", -EINVAL }, { "a.img,aio=", -EINVAL },
		{ "a.qcow2,format=qcow2,snapshot=on", 0, "a.qcow2", "", false, 0, 0,
		  VIRTIO_BLK_FORMAT_QCOW2, true },
		{ "a.img,snapshot=off,format=raw,ro", 0, "a.img", "", true, 0, 0,
		  VIRTIO_BLK_FORMAT_RAW, false },
		{ "a.img,format=vmdk", -EINVAL }, { "a.img,format=", -EINVAL },
		{ "a.img,snapshot=yes", -EINVAL }, { "a.img,snapshot", -EINVAL },
		{ "vhost-user=/run/blk.sock,ro,queues=2", 0, "/run/blk.sock", "", true, 2, 0,
		  0, false, true },
		{ "vhost-user=", -EINVAL }, { "vhost-user=s,format=qcow2", -EINVAL },
		{ "vhost-user=s,snapshot=on", -EINVAL }, { "vhost-user=s,aio=sync", -EINVAL },
		{ "vhost-user=s,serial=X", -EINVAL },
	};
	struct virtio_blk_options d;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(virtio_blk_parse_options(cases[i].s, &d), cases[i].ret);
		if (cases[i].ret)
			continue;
		CU_ASSERT_STRING_EQUAL(d.path, cases[i].path);
		CU_ASSERT_STRING_EQUAL(d.serial, cases[i].serial);
		CU_ASSERT_EQUAL(d.read_only, cases[i].ro);
		CU_ASSERT_EQUAL(d.queues, cases[i].queues);
		CU_ASSERT_EQUAL(d.aio, cases[i].aio);
		CU_ASSERT_EQUAL(d.format, cases[i].format);
		CU_ASSERT_EQUAL(d.snapshot, cases[i].snapshot);
		CU_ASSERT_EQUAL(d.vhost_user, cases[i].vhost_user);
	}
}

const char unit_suite_name[] = "virtio_blk";
const struct unit_test unit_tests[] = {
	{ "read and write", test_read_write },
	{ "bad requests", test_bad_requests },
	{ "read-only images", test_read_only },
	{ "flush, ID, discard, write-zeroes", test_flush_id_discard_zeroes },
	{ "configuration space", test_config },
	{ "the largest request, and a stop", test_largest_request },
	{ "request queues", test_queues },
	{ "asynchronous reads, writes and flushes", test_async },
	{ "asynchronous errors", test_async_errors },
	{ "a reset with requests in flight", test_async_reset },
	{ "a queue disabled with requests in flight", test_async_queue_disabled },
	{ "asynchronous, many segments", test_async_many_segments },
	{ "a notify's batch started once", test_async_batch },
	{ "--disk's value", test_options },
	{ NULL, NULL },
};
