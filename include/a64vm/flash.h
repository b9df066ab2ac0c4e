/*
 * A flash bank's memory: its contents (the CFI model's storage), the file
 * behind them, and the read-only KVM memslot the guest reads them through
 * in read-array mode.
 *
 * What the guest sees through the memslot is the contents plus the
 * debugger's patches (struct flash_image): they never reach the file.
 */
#ifndef A64VM_FLASH_H
#define A64VM_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/file.h"
#include "a64vm/flash_image.h"

struct flash_bank {
	const char *name; /* for messages: "flash0" */
	uint64_t base, size;
	int fd;		  /* the backing file, or -1 */
	const char *path;
	bool read_only;
	uint64_t file_size; /* bytes of the bank the file holds */
	struct file_identity file_id; /* the file's when read: --firmware's is closed */
	uint8_t *storage;   /* the contents, size bytes */
	struct flash_image view; /* what the guest reads */
	int vm_fd;
	unsigned slot; /* its KVM memslot */
	bool mapped;
};

enum flash_source {
	FLASH_VOLATILE, /* no file: zeros, lost at exit */
	FLASH_FILE,	/* --flash0/--flash1: writes reach the file */
	FLASH_IMAGE,	/* --firmware: the file's bytes, read-only, file closed */
};

/*
 * Opens a bank of size bytes at base. A file smaller than the bank is
 * padded with zeros in memory, never on disk until written; a larger one,
 * a missing one, or a writable bank on a read-only file is refused with one
 * line. A writable file is locked against a second VM. 0 or -errno.
 */
int flash_bank_open(struct flash_bank *b, const char *name, uint64_t base,
		    uint64_t size, enum flash_source source, const char *path,
		    bool read_only);
void flash_bank_close(struct flash_bank *b);

/*
 * The bank's file as it is now (a --flashN file the guest writes) or as
 * it was read (--firmware's): 0, or -ENOENT for a volatile bank.
 */
int flash_bank_identity(const struct flash_bank *b, struct file_identity *id);

/* From now on direct reads map the bank into the VM as memslot slot. */
void flash_bank_attach(struct flash_bank *b, int vm_fd, unsigned slot);

/* The CFI model's callbacks: read-array mode, and a write of its contents. */
void flash_bank_direct_reads(struct flash_bank *b, bool on);
/*
 * [off, off + len) becomes data (NULL: 0xff), in the file first (written
 * and synced), then in storage and the guest's view. -errno (logged) with
 * storage unchanged when the file did not take it, or the bank is
 * read-only.
 */
int flash_bank_write(struct flash_bank *b, uint64_t off, const uint8_t *data,
		     uint64_t len);

/* Loader: bytes of an image (an ELF segment) into a volatile bank. */
int flash_bank_load(struct flash_bank *b, uint64_t off, const void *data,
		    uint64_t len, uint64_t zeros);

/*
 * The debugger's view: reads what the guest reads; writes become patches.
 * 0, -EFAULT outside the bank, -ENOSPC when too many bytes are patched.
 */
int flash_bank_debug_access(struct flash_bank *b, uint64_t off, uint8_t *buf,
			    size_t len, bool write);

#endif
