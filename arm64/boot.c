#include "a64vm/boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/file.h"
#include "a64vm/log.h"

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define PAGE 4096u
/* The boot protocol wants the kernel at a 2 MiB-aligned base + text_offset. */
#define KERNEL_ALIGN (2u << 20)

int boot_plan(uint64_t ram_base, uint64_t ram_size,
	      const struct boot_image_info *kernel, uint64_t initrd_size,
	      struct boot_layout *out, char *err, size_t errlen)
{
	uint64_t ram_end = ram_base + ram_size, need;

	out->kernel_addr = ram_base + kernel->text_offset;
	out->kernel_end = out->kernel_addr + kernel->image_size;
	out->initrd_size = initrd_size;
	need = kernel->text_offset + kernel->image_size + BOOT_DTB_MAX +
	       ((initrd_size + PAGE - 1) & ~(uint64_t)(PAGE - 1));
	if (ram_base % KERNEL_ALIGN || initrd_size > ram_size || need > ram_size) {
		snprintf(err, errlen,
			 "--mem %lluM is too small: kernel needs %lluM, initrd "
			 "%lluM, DTB 2M (at least %lluM in all)",
			 (unsigned long long)(ram_size >> 20),
			 (unsigned long long)((kernel->text_offset +
					       kernel->image_size + (1 << 20) - 1) >> 20),
			 (unsigned long long)((initrd_size + (1 << 20) - 1) >> 20),
			 (unsigned long long)((need + (1 << 20) - 1) >> 20));
		return -ENOSPC;
	}
	out->dtb_addr = ram_end - BOOT_DTB_MAX;
	out->initrd_addr = ALIGN_DOWN(out->dtb_addr - initrd_size, PAGE);
	return 0;
}

int boot_classify(const uint8_t *buf, size_t len, struct boot_kernel *k,
		  char *err, size_t errlen)
{
	static const uint8_t magic[4] = { 'A', 'R', 'M', 0x64 };
	static const uint8_t zero[4];

	k->data = (uint8_t *)buf;
	k->len = len;
	if (boot_elf_is_elf(buf, len)) {
		k->kind = BOOT_ELF;
		return boot_elf_parse(buf, len, &k->elf, err, errlen);
	}
	if (len >= BOOT_IMAGE_HEADER_SIZE && !memcmp(buf + 56, magic, 4)) {
		k->kind = BOOT_LINUX;
		return boot_image_parse(buf, len, &k->info, err, errlen);
	}
	/* All zeros would be UDF #0 at once: surely not a program. */
	if (len < 4 || !memcmp(buf, zero, 4)) {
		snprintf(err, errlen, "not an arm64 Linux Image, ELF file or raw "
			 "program (it begins with zeros)");
		return -EINVAL;
	}
	k->kind = BOOT_RAW;
	k->info = (struct boot_image_info){ .text_offset = BOOT_RAW_OFFSET,
					    .image_size = len };
	return 0;
}

int boot_read_blob(const char *what, const char *path, size_t max, bool gunzip,
		   uint8_t **data, size_t *len)
{
	char err[160];
	uint8_t *buf, *raw;
	size_t n, rawlen;
	int ret = file_read_all(path, max, &buf, &n);

	if (ret) {
		log_error("%s %s: %s", what, path,
			  ret == -EFBIG ? "too large" : strerror(-ret));
		return ret;
	}
	if (gunzip && boot_image_is_gzip(buf, n)) {
		ret = boot_image_gunzip(buf, n, max, &raw, &rawlen, err, sizeof(err));
		free(buf);
		if (ret) {
			log_error("%s %s: %s", what, path, err);
			return ret;
		}
		buf = raw;
		n = rawlen;
	}
	*data = buf;
	*len = n;
	return 0;
}

#define HEAD_SIZE 4096u /* holds an Image's headers, EFI stub's included */

/*
 * An uncompressed Image is checked from its head and left in its file, so
 * that the loader reads it straight into guest RAM (no buffer to fault in
 * and copy); 1 when that is so, 0 when the whole file must be read.
 */
static int check_image_head(const char *path, struct boot_kernel *k)
{
	uint8_t head[HEAD_SIZE];
	char err[160];
	size_t avail = HEAD_SIZE, size;
	int ret = file_read_head(path, BOOT_IMAGE_MAX_SIZE, head, &avail, &size);

	if (ret || avail == size || avail < BOOT_IMAGE_HEADER_SIZE ||
	    memcmp(head + 56, "ARM\x64", 4))
		return 0; /* reading the whole file says what is wrong */
	ret = boot_image_parse_head(head, avail, size, &k->info, err, sizeof(err));
	if (ret == -EAGAIN)
		return 0;
	if (ret) {
		log_error("kernel %s: %s", path, err);
		return ret;
	}
	k->len = size;
	return 1;
}

static int read_whole_kernel(const char *path, struct boot_kernel *k)
{
	char err[160];
	uint8_t *buf;
	size_t n;
	int ret = boot_read_blob("kernel", path, BOOT_IMAGE_MAX_SIZE, true, &buf, &n);

	if (ret)
		return ret;
	ret = boot_classify(buf, n, k, err, sizeof(err));
	if (ret) {
		log_error("kernel %s: %s", path, err);
		free(buf);
		k->data = NULL;
	}
	return ret;
}

int boot_read_kernel(const char *path, struct boot_kernel *k)
{
	int ret = check_image_head(path, k);

	if (ret > 0)
		*k = (struct boot_kernel){ .kind = BOOT_LINUX, .info = k->info,
					   .len = k->len, .path = path };
	else if (!ret)
		ret = read_whole_kernel(path, k);
	if (ret < 0)
		return ret;
	if (k->kind == BOOT_LINUX && k->info.big_endian)
		log_info("kernel %s is big-endian", path);
	return 0;
}
