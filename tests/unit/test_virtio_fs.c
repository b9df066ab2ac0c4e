/* virtio-fs: the configuration, and the answers a64vm gives without a daemon. */
#include <string.h>

#include "a64vm/virtio_fs.h"
#include "unit.h"
#include "virtq_fixture.h"

static struct virtio_core t;
static struct virtio_fs fs;

static void config_bytes(uint32_t off, uint8_t *out, unsigned len)
{
	uint64_t v = 0;

	CU_ASSERT_TRUE_FATAL(virtio_core_config_access(&t, off, &v, len, false));
	memcpy(out, &v, len);
}

static void test_config(void)
{
	uint8_t tag[36], q[4];
	uint64_t v = 0;

	memset(&fs, 0, sizeof(fs));
	memcpy(fs.tag, "share", 5);
	fx_transport(&t, &virtio_fs_ops, &fs, 1);
	for (unsigned off = 0; off < sizeof(tag); off += 4)
		config_bytes(off, tag + off, 4);
	CU_ASSERT_EQUAL(memcmp(tag, "share\0\0\0", 8), 0);
	CU_ASSERT_EQUAL(tag[35], 0);
	config_bytes(36, q, 4);
	CU_ASSERT_EQUAL(q[0], 1); /* one request queue, little-endian */
	CU_ASSERT_EQUAL(q[1] | q[2] | q[3], 0);
	/* Beyond the 40 bytes: refused, as for every kind. */
	CU_ASSERT_FALSE(virtio_core_config_access(&t, 40, &v, 4, false));
	CU_ASSERT_EQUAL(virtio_fs_ops.device_id, 26);
	CU_ASSERT_EQUAL(virtio_fs_ops.nqueues, 2);
}

/* A FUSE request: 40-byte in header with unique, then a writable buffer. */
static void offer_request(uint64_t unique, uint32_t out_len, uint32_t in_hdr_len)
{
	uint8_t hdr[40] = { 40, 0, 0, 0, 15 /* FUSE_READ */ };

	memcpy(hdr + 8, &unique, 8);
	memory_write(&fx_mem, FX_BUF, hdr, sizeof(hdr));
	memset(fx_mem.hva + (FX_BUF + 0x1000 - FX_RAM), 0xee, 64);
	fx_put_desc(FX_DESC, 0, FX_BUF, in_hdr_len, VIRTQ_DESC_F_NEXT, 1);
	fx_put_desc(FX_DESC, 1, FX_BUF + 0x1000, out_len, VIRTQ_DESC_F_WRITE, 0);
	fx_offer(0);
}

static void test_eio_without_daemon(void)
{
	uint8_t out[16];
	int32_t error;
	uint64_t unique;
	uint32_t len;

	memset(&fs, 0, sizeof(fs));
	fx_transport(&t, &virtio_fs_ops, &fs, 1);
	offer_request(0x1234567890ull, 4096, 40);
	virtio_core_service(&t, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 16);
	memory_read(&fx_mem, FX_BUF + 0x1000, out, sizeof(out));
	memcpy(&len, out, 4);
	memcpy(&error, out + 4, 4);
	memcpy(&unique, out + 8, 8);
	CU_ASSERT_EQUAL(len, 16);
	CU_ASSERT_EQUAL(error, -5);
	CU_ASSERT_EQUAL(unique, 0x1234567890ull);
	CU_ASSERT_EQUAL(fs.answered, 1);
	CU_ASSERT_FALSE(t.status & VIRTIO_STATUS_NEEDS_RESET);
}

/* Too short for a header, or no room for the answer: used, nothing written. */
static void test_short_requests(void)
{
	memset(&fs, 0, sizeof(fs));
	fx_transport(&t, &virtio_fs_ops, &fs, 1);
	offer_request(7, 4096, 20);
	virtio_core_service(&t, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 0);
	CU_ASSERT_EQUAL(fx_mem.hva[FX_BUF + 0x1000 - FX_RAM], 0xee);
	offer_request(7, 8, 40);
	virtio_core_service(&t, 1);
	CU_ASSERT_EQUAL(fx_used16(2), 2);
	CU_ASSERT_EQUAL(fx_used_len(1), 0);
	CU_ASSERT_EQUAL(fs.answered, 0);
	CU_ASSERT_FALSE(t.status & VIRTIO_STATUS_NEEDS_RESET);
}

/* FORGET on the hiprio queue: no writable buffer, no answer expected. */
static void test_forget_gets_nothing(void)
{
	uint8_t hdr[40] = { 40, 0, 0, 0, 2 /* FUSE_FORGET */ };

	memset(&fs, 0, sizeof(fs));
	fx_transport(&t, &virtio_fs_ops, &fs, 0);
	memory_write(&fx_mem, FX_BUF, hdr, sizeof(hdr));
	fx_put_desc(FX_DESC, 0, FX_BUF, 48, 0, 0);
	fx_offer(0);
	virtio_core_service(&t, 0);
	CU_ASSERT_EQUAL(fx_used16(2), 1);
	CU_ASSERT_EQUAL(fx_used_len(0), 0);
	CU_ASSERT_EQUAL(fs.answered, 0);
}

/* --fs's value: what each item sets, and what is refused. */
static void test_options(void)
{
	static const struct {
		const char *s;
		int ret;
		const char *path, *tag;
		bool socket, ro;
		enum config_transport transport;
	} cases[] = {
		{ "/srv,tag=share", 0, "/srv", "share" },
		{ "/,tag=root,ro", 0, "/", "root", false, true },
		{ "d,ro,tag=t,transport=mmio", 0, "d", "t", false, true, CONFIG_TRANSPORT_MMIO },
		{ "socket=/run/fs.sock,tag=x", 0, "/run/fs.sock", "x", true },
		{ "socket=/run/fs.sock,tag=x,ro", -EINVAL }, /* the user's daemon decides */
		{ "/srv", -EINVAL }, { "/srv,tag=", -EINVAL }, { ",tag=t", -EINVAL },
		{ "socket=,tag=t", -EINVAL }, { "/srv,tag=a b", -EINVAL },
		{ "/srv,tag=123456789012345678901234567890123456", 0, "/srv",
		  "123456789012345678901234567890123456" },
		{ "/srv,tag=1234567890123456789012345678901234567", -EINVAL },
		{ "/srv,tag=t,rw", -EINVAL }, { "/srv,tag=t,transport=x", -EINVAL },
	};
	struct virtio_fs_options f;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(virtio_fs_parse_options(cases[i].s, &f), cases[i].ret);
		if (cases[i].ret)
			continue;
		CU_ASSERT_STRING_EQUAL(f.path, cases[i].path);
		CU_ASSERT_STRING_EQUAL(f.tag, cases[i].tag);
		CU_ASSERT_EQUAL(f.socket, cases[i].socket);
		CU_ASSERT_EQUAL(f.read_only, cases[i].ro);
		CU_ASSERT_EQUAL(f.transport, cases[i].transport);
	}
}

const char unit_suite_name[] = "virtio_fs";
const struct unit_test unit_tests[] = {
	{ "tag and request queues", test_config },
	{ "EIO for each request once the daemon is gone", test_eio_without_daemon },
	{ "short requests answered with nothing", test_short_requests },
	{ "FORGET gets no answer", test_forget_gets_nothing },
	{ "--fs's value", test_options },
	{ NULL, NULL },
};
