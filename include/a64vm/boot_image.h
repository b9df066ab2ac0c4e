/* The arm64 Linux Image header (Documentation/arch/arm64/booting.rst). */
#ifndef A64VM_BOOT_IMAGE_H
#define A64VM_BOOT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_IMAGE_HEADER_SIZE 64
/* Before Linux 3.17 image_size was 0 and text_offset had to be assumed. */
#define BOOT_IMAGE_LEGACY_TEXT_OFFSET 0x80000
/* Largest kernel we accept, compressed or not. */
#define BOOT_IMAGE_MAX_SIZE (512u << 20)

struct boot_image_info {
	uint64_t text_offset;
	uint64_t image_size;  /* memory the kernel needs from its load address */
	bool big_endian;
	unsigned page_size_kb; /* 0: unspecified */
};

/* Checks an uncompressed Image; -EINVAL with a reason in err when bad. */
int boot_image_parse(const uint8_t *buf, size_t len,
		     struct boot_image_info *info, char *err, size_t errlen);

/*
 * The same from the first avail bytes of a len-byte file: -EAGAIN when
 * they do not hold the whole header (then check the whole file).
 */
int boot_image_parse_head(const uint8_t *buf, size_t avail, size_t len,
			  struct boot_image_info *info, char *err, size_t errlen);

bool boot_image_is_gzip(const uint8_t *buf, size_t len);

/* Inflates a gzip stream of at most max bytes into a new buffer. */
int boot_image_gunzip(const uint8_t *gz, size_t len, size_t max, uint8_t **out,
		      size_t *outlen, char *err, size_t errlen);

#endif
