/* virtio-blk requests on a RAM disk, built segment by segment. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/virtio_blk.h"
#include "ram_disk.h"
#include "unit.h"

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
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), 1);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(memcmp(disk.data + 10 * 512, data, 1024), 0);
	memset(back, 0, sizeof(back));
	make_req(VIRTIO_BLK_T_IN, 10, back, 1024, true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), 1025);
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
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), 513);
	CU_ASSERT_EQUAL(back[512], VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(memcmp(back, data, 512), 0);
}

static void test_bad_requests(void)
{
	open_disk(false);
	/* past the end, straddling the end, not whole sectors */
	make_req(VIRTIO_BLK_T_IN, DISK_SECTORS, data, 512, true);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_OUT, DISK_SECTORS - 1, data, 1024, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_IN, 0xffffffffffffffffull, data, 512, true);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_OUT, 0, data, 100, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(99, 0, NULL, 0, false);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), 1);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_UNSUPP);
	/* a header too short */
	make_req(VIRTIO_BLK_T_IN, 0, NULL, 0, false);
	req.iov[0].len = 8;
	req.out_len = 8;
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	/* no status byte at all: the device needs a reset */
	make_req(VIRTIO_BLK_T_IN, 0, NULL, 0, false);
	req.nin = 0;
	req.in_len = 0;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), -EINVAL);
}

static void test_read_only(void)
{
	open_disk(true);
	CU_ASSERT_TRUE(virtio_blk_features(&blk) & (1ull << 5));
	CU_ASSERT_FALSE(virtio_blk_features(&blk) & (1ull << 13));
	make_req(VIRTIO_BLK_T_OUT, 0, data, 512, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_IN, 0, data, 512, true);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	make_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false);
	virtio_blk_request(&blk, &req);
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
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.flushes, 1);
	make_req(VIRTIO_BLK_T_GET_ID, 0, id, sizeof(id), true);
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), 21);
	CU_ASSERT_EQUAL(memcmp(id, "disk-serial-0001\0\0\0\0", 20), 0);
	/* write data, zero it with write-zeroes (unmap), read back zeroes */
	memset(data, 0x77, sizeof(data));
	make_req(VIRTIO_BLK_T_OUT, 64, data, 8192, false);
	virtio_blk_request(&blk, &req);
	set_range(0, 64, 8, 1);
	set_range(1, 72, 8, 0);
	make_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, (uint8_t *)ranges, 32, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.punches, 2);
	CU_ASSERT_EQUAL(disk.data[64 * 512], 0);
	CU_ASSERT_EQUAL(disk.data[80 * 512 - 1], 0);
	/* where the disk cannot punch, write-zeroes writes them; discard need not */
	memset(disk.data + 64 * 512, 0x77, 8192);
	disk.no_punch = true;
	set_range(0, 64, 16, 0);
	make_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.data[64 * 512], 0);
	CU_ASSERT_EQUAL(disk.data[80 * 512 - 1], 0);
	memset(disk.data, 0x55, 512);
	set_range(0, 0, 1, 0);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	CU_ASSERT_EQUAL(disk.data[0], 0x55);
	disk.no_punch = false;
	/* discard: flags must be 0; ranges must be inside the disk */
	set_range(0, 0, 8, 0);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	set_range(0, 0, 8, 1);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	set_range(0, DISK_SECTORS - 4, 8, 0);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 16, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_DISCARD, 0, (uint8_t *)ranges, 10, false);
	virtio_blk_request(&blk, &req);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_IOERR);
	make_req(VIRTIO_BLK_T_DISCARD, 0, NULL, 0, false);
	virtio_blk_request(&blk, &req);
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
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), (int)req.in_len);
	CU_ASSERT_EQUAL(status, VIRTIO_BLK_S_OK);
	/* the VMM stopping: the request is left unanswered */
	status = 0xee;
	atomic_store(&stopping, true);
	blk.stopping = &stopping;
	CU_ASSERT_EQUAL(virtio_blk_request(&blk, &req), -ECANCELED);
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

const char unit_suite_name[] = "virtio_blk";
const struct unit_test unit_tests[] = {
	{ "read and write", test_read_write },
	{ "bad requests", test_bad_requests },
	{ "read-only images", test_read_only },
	{ "flush, ID, discard, write-zeroes", test_flush_id_discard_zeroes },
	{ "configuration space", test_config },
	{ "the largest request, and a stop", test_largest_request },
	{ NULL, NULL },
};
