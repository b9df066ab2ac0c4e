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

int boot_read_kernel(const char *path, uint8_t **image, size_t *len,
		     struct boot_image_info *info)
{
	char err[160];
	uint8_t *buf;
	size_t n;
	int ret;

	ret = file_read_all(path, BOOT_IMAGE_MAX_SIZE, &buf, &n);
	if (ret) {
		log_error("kernel %s: %s", path,
			  ret == -EFBIG ? "larger than 512 MiB" : strerror(-ret));
		return ret;
	}
	if (boot_image_is_gzip(buf, n)) {
		uint8_t *raw;
		size_t rawlen;

		ret = boot_image_gunzip(buf, n, BOOT_IMAGE_MAX_SIZE, &raw,
					&rawlen, err, sizeof(err));
		free(buf);
		if (ret) {
			log_error("kernel %s: %s", path, err);
			return ret;
		}
		buf = raw;
		n = rawlen;
	}
	ret = boot_image_parse(buf, n, info, err, sizeof(err));
	if (ret) {
		log_error("kernel %s: %s", path, err);
		free(buf);
		return ret;
	}
	if (info->big_endian)
		log_info("kernel %s is big-endian", path);
	*image = buf;
	*len = n;
	return 0;
}
