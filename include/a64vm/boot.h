/* Where the kernel, initrd and DTB go in guest RAM, and loading them. */
#ifndef A64VM_BOOT_H
#define A64VM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/boot_elf.h"
#include "a64vm/boot_image.h"

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

/* Raw binaries load where QEMU's -kernel puts them: RAM base + 0x80000. */
#define BOOT_RAW_OFFSET 0x80000u

enum boot_kind {
	BOOT_LINUX, /* an arm64 Linux Image: the boot protocol */
	BOOT_ELF,   /* PT_LOAD segments at their physical addresses */
	BOOT_RAW,   /* no header at all: a bare-metal binary */
};

struct boot_kernel {
	enum boot_kind kind;
	uint8_t *data; /* uncompressed; free() it; NULL: still in path */
	size_t len;
	const char *path; /* an Image the loader reads straight into RAM */
	struct boot_image_info info; /* LINUX, and RAW (text_offset, size) */
	struct boot_elf elf;	     /* ELF */
};

/*
 * What an (uncompressed) kernel file is: an ELF file, an Image (its header
 * checked), or a raw binary. -EINVAL with a reason in err.
 */
int boot_classify(const uint8_t *buf, size_t len, struct boot_kernel *k,
		  char *err, size_t errlen);

/*
 * Reads a kernel (gzip-compressed or not) from path and classifies it; k
 * then owns the uncompressed bytes, or for an uncompressed Image only its
 * header's facts (data NULL, path set). 0 or -errno (logged).
 */
int boot_read_kernel(const char *path, struct boot_kernel *k);

/* A file as it is, or gunzipped when it is gzip; 0 or -errno (logged). */
int boot_read_blob(const char *what, const char *path, size_t max, bool gunzip,
		   uint8_t **data, size_t *len);

#endif
