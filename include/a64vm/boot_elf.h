/*
 * ELF images for --kernel: bare-metal programs and firmware built for QEMU
 * load each PT_LOAD segment at its physical address and start at the
 * header's entry. Pure: a buffer in, the checked segments out.
 */
#ifndef A64VM_BOOT_ELF_H
#define A64VM_BOOT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_ELF_MAX_SEGMENTS 32

struct boot_elf_segment {
	uint64_t paddr;
	uint64_t offset; /* in the file */
	uint64_t filesz; /* bytes from the file; the rest of memsz is zeros */
	uint64_t memsz;
};

struct boot_elf {
	uint64_t entry;
	unsigned nsegments;
	struct boot_elf_segment segments[BOOT_ELF_MAX_SEGMENTS];
};

/* Whether buf starts like an ELF file (the magic alone). */
bool boot_elf_is_elf(const uint8_t *buf, size_t len);

/*
 * Checks a 64-bit little-endian AArch64 executable and its PT_LOAD
 * segments against the buffer: -EINVAL with a reason in err when any
 * header or segment is bad (truncated, overlapping the end, wrapping).
 */
int boot_elf_parse(const uint8_t *buf, size_t len, struct boot_elf *out,
		   char *err, size_t errlen);

#endif
