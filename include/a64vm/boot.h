/* Where the kernel, initrd and DTB go in guest RAM, and loading them. */
#ifndef A64VM_BOOT_H
#define A64VM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "a64vm/boot_image.h"
#include "a64vm/memory.h"

/* The boot protocol caps the DTB at 2 MiB; it gets the top 2 MiB of RAM. */
#define BOOT_DTB_MAX (2u << 20)

struct boot_layout {
	uint64_t kernel_addr; /* entry point too */
	uint64_t kernel_end;
	uint64_t initrd_addr;
	uint64_t initrd_size;
	uint64_t dtb_addr;
};

/* Plans the layout; -ENOSPC with a reason in err when RAM is too small. */
int boot_plan(uint64_t ram_base, uint64_t ram_size,
	      const struct boot_image_info *kernel, uint64_t initrd_size,
	      struct boot_layout *out, char *err, size_t errlen);

/*
 * Reads a kernel Image (gzip-compressed or not) from path and checks it.
 * On success *image holds the uncompressed Image (free() it).
 */
int boot_read_kernel(const char *path, uint8_t **image, size_t *len,
		     struct boot_image_info *info);

#endif
