/*
 * What the guest reads of a flash bank: its contents with the debugger's
 * patches (software breakpoints) laid over them. A patch never touches
 * the contents, so it never reaches the flash file, and a program or
 * erase by the guest keeps it. Pure: the buffers come from the caller.
 */
#ifndef A64VM_FLASH_IMAGE_H
#define A64VM_FLASH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLASH_MAX_PATCHES 512 /* bytes the debugger may change */

struct flash_patch {
	uint64_t off;
	uint8_t value; /* what the guest sees */
	uint8_t orig;  /* the contents when the patch was made */
};

struct flash_image {
	uint64_t size;
	const uint8_t *storage; /* the contents */
	uint8_t *image;		/* what the guest reads; storage until patched */
	unsigned npatches;
	struct flash_patch patches[FLASH_MAX_PATCHES];
};

/* The image is the contents themselves: no copy yet. */
static inline bool flash_image_shared(const struct flash_image *fi)
{
	return fi->image == fi->storage;
}

/*
 * The debugger writes buf at off. Writing back what the contents held when
 * a patch was made (a breakpoint's removal) drops the patch, whatever the
 * guest programmed there since. Returns 0; -EFAULT outside the bank;
 * -ENOSPC when too many bytes are patched; or 1 when the image must first
 * become a copy of the contents (give fi->image one, then call again).
 */
int flash_image_debug_write(struct flash_image *fi, uint64_t off, const uint8_t *buf,
			    size_t len);

/* The contents changed over [off, off + len): the image follows. */
void flash_image_refresh(struct flash_image *fi, uint64_t off, uint64_t len);

#endif
