#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "a64vm/boot_image.h"
#include "unit.h"

#define IMG_LEN 8192

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* An Image header as Documentation/arch/arm64/booting.rst lays it out. */
static void make_image(uint8_t *buf, uint64_t text_offset, uint64_t image_size,
		       uint64_t flags)
{
	memset(buf, 0, IMG_LEN);
	put64(buf + 8, text_offset);
	put64(buf + 16, image_size);
	put64(buf + 24, flags);
	memcpy(buf + 56, "ARM\x64", 4);
}

/* The EFI stub: "MZ", PE header at 0x40, one section ending at sect_end. */
static void add_pe(uint8_t *buf, uint32_t sect_end, uint16_t machine)
{
	buf[0] = 'M';
	buf[1] = 'Z';
	put32(buf + 60, 0x40);
	memcpy(buf + 0x40, "PE\0\0", 4);
	buf[0x44] = (uint8_t)machine;
	buf[0x45] = (uint8_t)(machine >> 8);
	buf[0x46] = 1; /* one section */
	buf[0x54] = 0; /* no optional header: sections at 0x40 + 24 */
	put32(buf + 0x58 + 16, sect_end - 0x1000); /* SizeOfRawData */
	put32(buf + 0x58 + 20, 0x1000);		   /* PointerToRawData */
}

struct image_case {
	const char *what;
	uint64_t text_offset, image_size, flags;
	size_t len;
	int pe; /* 0 none, else section end; negative: wrong machine */
	int ret;
	const char *err_has;
	uint64_t want_text_offset, want_size;
	unsigned want_page_kb;
	bool want_be;
};

static const struct image_case image_cases[] = {
	{ "typical", 0, 4 << 20, 0xa, IMG_LEN, 0, 0, NULL, 0, 4 << 20, 4, false },
	{ "64K pages, BE", 0x80000, 1 << 20, 0x7, IMG_LEN, 0, 0, NULL, 0x80000,
	  1 << 20, 64, true },
	{ "16K pages", 0, 1 << 20, 0x4, IMG_LEN, 0, 0, NULL, 0, 1 << 20, 16, false },
	{ "legacy (image_size 0)", 0x1234000, 0, 0xff, IMG_LEN, 0, 0, NULL,
	  0x80000, IMG_LEN, 0, false },
	{ "exactly the header", 0, 64, 0, 64, 0, 0, NULL, 0, 64, 0, false },
	{ "too short", 0, 1 << 20, 0, 63, 0, -EINVAL, "too short" },
	{ "empty", 0, 1 << 20, 0, 0, 0, -EINVAL, "too short" },
	{ "image_size below file size", 0, 4096, 0, IMG_LEN, 0, -EINVAL,
	  "image_size" },
	{ "image_size absurd", 0, 1ull << 40, 0, IMG_LEN, 0, -EINVAL, "image_size" },
	{ "text_offset unaligned", 0x80010, 1 << 20, 0, IMG_LEN, 0, -EINVAL,
	  "text_offset" },
	{ "text_offset past 2M", 4 << 20, 8 << 20, 0, IMG_LEN, 0, -EINVAL,
	  "text_offset" },
	{ "whole PE", 0, 1 << 20, 0, IMG_LEN, IMG_LEN, 0, NULL, 0, 1 << 20, 0, false },
	{ "PE cut short", 0, 1 << 20, 0, IMG_LEN, IMG_LEN + 1, -EINVAL, "truncated" },
	{ "PE for another machine", 0, 1 << 20, 0, IMG_LEN, -IMG_LEN, -EINVAL,
	  "not for arm64" },
};

static void test_parse_table(void)
{
	static uint8_t buf[IMG_LEN];

	for (size_t i = 0; i < sizeof(image_cases) / sizeof(image_cases[0]); i++) {
		const struct image_case *c = &image_cases[i];
		struct boot_image_info info;
		char err[160] = "";
		int ret;

		make_image(buf, c->text_offset, c->image_size, c->flags);
		if (c->pe)
			add_pe(buf, (uint32_t)abs(c->pe), c->pe > 0 ? 0xaa64 : 0x8664);
		ret = boot_image_parse(buf, c->len, &info, err, sizeof(err));
		if (ret != c->ret)
			fprintf(stderr, "\ncase '%s': %d (%s)\n", c->what, ret, err);
		CU_ASSERT_EQUAL(ret, c->ret);
		if (c->ret) {
			CU_ASSERT_PTR_NOT_NULL(strstr(err, c->err_has));
			continue;
		}
		CU_ASSERT_EQUAL(info.text_offset, c->want_text_offset);
		CU_ASSERT_EQUAL(info.image_size, c->want_size);
		CU_ASSERT_EQUAL(info.page_size_kb, c->want_page_kb);
		CU_ASSERT_EQUAL(info.big_endian, c->want_be);
	}
}

/*
 * From any head of a file, the header check agrees with the whole file's
 * or asks for more (-EAGAIN): an Image read straight into guest RAM is
 * checked as one read into a buffer.
 */
static void test_parse_head(void)
{
	static uint8_t buf[IMG_LEN];

	for (size_t i = 0; i < sizeof(image_cases) / sizeof(image_cases[0]); i++) {
		const struct image_case *c = &image_cases[i];
		struct boot_image_info whole, head;
		char err[160];
		int want;

		make_image(buf, c->text_offset, c->image_size, c->flags);
		if (c->pe)
			add_pe(buf, (uint32_t)abs(c->pe), c->pe > 0 ? 0xaa64 : 0x8664);
		want = boot_image_parse(buf, c->len, &whole, err, sizeof(err));
		for (size_t avail = 0; avail <= c->len; avail += avail < 128 ? 1 : 512) {
			/* Exactly avail bytes, so that ASan sees a read past them. */
			uint8_t *part = malloc(avail ? avail : 1);
			int ret;

			memcpy(part, buf, avail);
			ret = boot_image_parse_head(part, avail, c->len, &head, err,
						    sizeof(err));
			free(part);

			CU_ASSERT(ret == want || (ret == -EAGAIN && avail < c->len));
			if (!ret && !want)
				CU_ASSERT_EQUAL(head.image_size, whole.image_size);
		}
		CU_ASSERT_EQUAL(boot_image_parse_head(buf, c->len, c->len, &head, err,
						      sizeof(err)), want);
	}
}

static void test_bad_magic(void)
{
	static uint8_t buf[IMG_LEN];
	struct boot_image_info info;
	char err[160];

	make_image(buf, 0, 1 << 20, 0);
	buf[59] = 0x65;
	CU_ASSERT_EQUAL(boot_image_parse(buf, IMG_LEN, &info, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "magic"));
	/* A PE header pointing outside the file. */
	make_image(buf, 0, 1 << 20, 0);
	buf[0] = 'M';
	buf[1] = 'Z';
	put32(buf + 60, 0xfffffff0u);
	CU_ASSERT_EQUAL(boot_image_parse(buf, IMG_LEN, &info, err, sizeof(err)),
			-EINVAL);
}

static size_t gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	z_stream zs = { 0 };
	size_t n;

	CU_ASSERT_EQUAL_FATAL(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
					   Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (uint8_t *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	CU_ASSERT_EQUAL(deflate(&zs, Z_FINISH), Z_STREAM_END);
	n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

static void test_gunzip(void)
{
	enum { RAW = 1 << 20 };
	uint8_t *raw = malloc(RAW), *gz = malloc(RAW), *out = NULL;
	size_t gzlen, outlen = 0;
	char err[160];

	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gz);
	for (size_t i = 0; i < RAW; i++)
		raw[i] = (uint8_t)((i * 2654435761u) >> 13); /* compressible, not trivial */
	gzlen = gzip(raw, RAW, gz, RAW);
	CU_ASSERT_TRUE(boot_image_is_gzip(gz, gzlen));
	CU_ASSERT_FALSE(boot_image_is_gzip(raw, RAW));
	CU_ASSERT_FALSE(boot_image_is_gzip(gz, 1));

	CU_ASSERT_EQUAL(boot_image_gunzip(gz, gzlen, 64 << 20, &out, &outlen, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(outlen, RAW);
	CU_ASSERT(out && !memcmp(out, raw, RAW));
	free(out);

	out = NULL;
	CU_ASSERT_EQUAL(boot_image_gunzip(gz, gzlen / 2, 64 << 20, &out, &outlen,
					  err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
	CU_ASSERT_PTR_NULL(out);

	CU_ASSERT_EQUAL(boot_image_gunzip(gz, gzlen, RAW / 2, &out, &outlen, err,
					  sizeof(err)), -EFBIG);
	CU_ASSERT_PTR_NULL(out);

	/* The buffer is sized from the trailer; one that lies is only corrupt. */
	gz[gzlen - 3] ^= 0x01; /* the size it states, 256 bytes over */
	CU_ASSERT_EQUAL(boot_image_gunzip(gz, gzlen, 64 << 20, &out, &outlen, err,
					  sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(out);
	gz[gzlen - 3] ^= 0x01;

	gz[gzlen / 2] ^= 0xff;
	gz[gzlen / 2 + 1] ^= 0x55;
	CU_ASSERT_EQUAL(boot_image_gunzip(gz, gzlen, 64 << 20, &out, &outlen, err,
					  sizeof(err)) < 0, 1);
	CU_ASSERT_PTR_NULL(out);
	free(raw);
	free(gz);
}

const char unit_suite_name[] = "boot_image";
const struct unit_test unit_tests[] = {
	{ "header table", test_parse_table },
	{ "header from the file's head", test_parse_head },
	{ "bad magic and PE offset", test_bad_magic },
	{ "gzip", test_gunzip },
	{ NULL, NULL },
};
