#include "a64vm/boot_image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ARM64_MAGIC 0x644d5241u /* "ARM\x64" */
#define PE_MACHINE_ARM64 0xaa64

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * Kernels with the EFI stub carry a PE header whose sections say how long
 * the file must be: that catches an Image cut short. Only the first avail
 * of the file's len bytes are at hand: -EAGAIN when the header lies
 * beyond them.
 */
static int check_pe_length(const uint8_t *buf, size_t avail, size_t len, char *err,
			   size_t errlen)
{
	uint32_t pe = le32(buf + 60);
	uint64_t sect, end, need = 0;
	unsigned nsect;

	if (buf[0] != 'M' || buf[1] != 'Z')
		return 0;
	if (pe > len || len - pe < 24 || (pe <= avail && avail - pe >= 4 &&
					  memcmp(buf + pe, "PE\0\0", 4))) {
		snprintf(err, errlen, "EFI stub header is cut short or corrupt");
		return -EINVAL;
	}
	if (pe > avail || avail - pe < 24)
		return -EAGAIN;
	if (le16(buf + pe + 4) != PE_MACHINE_ARM64) {
		snprintf(err, errlen, "PE header is not for arm64");
		return -EINVAL;
	}
	nsect = le16(buf + pe + 6);
	sect = (uint64_t)pe + 24 + le16(buf + pe + 20);
	if (sect + 40ull * nsect > len) {
		snprintf(err, errlen, "file is truncated (PE section table)");
		return -EINVAL;
	}
	if (sect + 40ull * nsect > avail)
		return -EAGAIN;
	for (unsigned i = 0; i < nsect; i++) {
		const uint8_t *s = buf + sect + 40ull * i;

		end = (uint64_t)le32(s + 20) + le32(s + 16);
		if (end > need)
			need = end;
	}
	if (need > len) {
		snprintf(err, errlen,
			 "file is truncated: %zu bytes, its sections need %llu",
			 len, (unsigned long long)need);
		return -EINVAL;
	}
	return 0;
}

int boot_image_parse_head(const uint8_t *buf, size_t avail, size_t len,
			  struct boot_image_info *info, char *err, size_t errlen)
{
	uint64_t flags;

	if (len < BOOT_IMAGE_HEADER_SIZE) {
		snprintf(err, errlen, "file is too short for an arm64 Image (%zu bytes)",
			 len);
		return -EINVAL;
	}
	if (avail < BOOT_IMAGE_HEADER_SIZE)
		return -EAGAIN;
	if (le32(buf + 56) != ARM64_MAGIC) {
		snprintf(err, errlen, "not an arm64 Linux Image (no ARM\\x64 magic)");
		return -EINVAL;
	}
	info->text_offset = le64(buf + 8);
	info->image_size = le64(buf + 16);
	flags = le64(buf + 24);
	if (info->image_size == 0) {
		info->text_offset = BOOT_IMAGE_LEGACY_TEXT_OFFSET;
		info->image_size = len;
		flags = 0;
	}
	if (info->text_offset & 0xfff || info->text_offset >= (2u << 20)) {
		snprintf(err, errlen, "bad text_offset %#llx",
			 (unsigned long long)info->text_offset);
		return -EINVAL;
	}
	if (info->image_size < len || info->image_size > BOOT_IMAGE_MAX_SIZE) {
		snprintf(err, errlen, "bad image_size %llu for a %zu-byte file",
			 (unsigned long long)info->image_size, len);
		return -EINVAL;
	}
	info->big_endian = flags & 1;
	info->page_size_kb = (unsigned[]){ 0, 4, 16, 64 }[(flags >> 1) & 3];
	return check_pe_length(buf, avail, len, err, errlen);
}

int boot_image_parse(const uint8_t *buf, size_t len,
		     struct boot_image_info *info, char *err, size_t errlen)
{
	return boot_image_parse_head(buf, len, len, info, err, errlen);
}

bool boot_image_is_gzip(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/*
 * A buffer of cap bytes holding the used bytes of buf, which it frees:
 * never realloc, whose mremap of a large block no seccomp filter allows
 * (a reboot inflates the kernel again on the confined main thread).
 */
static uint8_t *grow(uint8_t *buf, size_t used, size_t cap)
{
	uint8_t *bigger = malloc(cap);

	if (bigger && used)
		memcpy(bigger, buf, used);
	free(buf);
	return bigger;
}

/* The size gzip's trailer gives (modulo 4 GiB), when it is plausible. */
static size_t trailer_size(const uint8_t *gz, size_t len, size_t max)
{
	uint32_t isize;

	if (len < 18)
		return 0;
	isize = (uint32_t)gz[len - 4] | (uint32_t)gz[len - 3] << 8 |
		(uint32_t)gz[len - 2] << 16 | (uint32_t)gz[len - 1] << 24;
	return isize && isize <= max ? isize : 0;
}

int boot_image_gunzip(const uint8_t *gz, size_t len, size_t max, uint8_t **out,
		      size_t *outlen, char *err, size_t errlen)
{
	z_stream zs = { 0 };
	size_t cap = trailer_size(gz, len, max);
	uint8_t *buf = NULL;
	int ret;

	/* One byte over what the trailer says, so that its end is seen in one go. */
	cap = cap ? (cap < max ? cap + 1 : max) : (len * 4 < max ? len * 4 : max);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		snprintf(err, errlen, "cannot start gzip decompression");
		return -ENOMEM;
	}
	zs.next_in = (uint8_t *)gz;
	zs.avail_in = (uInt)len;
	do {
		if (buf && zs.total_out == cap) {
			if (cap == max) {
				snprintf(err, errlen,
					 "decompressed kernel is larger than %zu MiB",
					 max >> 20);
				ret = -EFBIG;
				goto out;
			}
			cap = cap * 2 < max ? cap * 2 : max;
			buf = grow(buf, zs.total_out, cap);
		} else if (!buf) {
			buf = malloc(cap);
		}
		if (!buf) {
			snprintf(err, errlen, "out of memory decompressing the kernel");
			ret = -ENOMEM;
			goto out;
		}
		zs.next_out = buf + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		ret = inflate(&zs, Z_NO_FLUSH);
	} while (ret == Z_OK);
	if (ret != Z_STREAM_END) {
		snprintf(err, errlen, "gzip data is %s",
			 ret == Z_BUF_ERROR ? "truncated" : "corrupt");
		ret = -EINVAL;
		goto out;
	}
	*out = buf;
	*outlen = zs.total_out;
	buf = NULL;
	ret = 0;
out:
	inflateEnd(&zs);
	free(buf);
	return ret;
}
