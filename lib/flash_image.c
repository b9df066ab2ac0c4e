#include "a64vm/flash_image.h"

#include <errno.h>
#include <string.h>

static struct flash_patch *find_patch(struct flash_image *fi, uint64_t off)
{
	for (unsigned i = 0; i < fi->npatches; i++)
		if (fi->patches[i].off == off)
			return &fi->patches[i];
	return NULL;
}

static void patch_byte(struct flash_image *fi, uint64_t off, uint8_t v)
{
	struct flash_patch *p = find_patch(fi, off);

	if (p && v == p->orig) {
		*p = fi->patches[--fi->npatches];
		fi->image[off] = fi->storage[off];
		return;
	}
	/* A byte equal to the contents is pinned too: they may change under it. */
	if (p)
		p->value = v;
	else
		fi->patches[fi->npatches++] = (struct flash_patch){ off, v, fi->storage[off] };
	fi->image[off] = v;
}

/* How many new patches a write of len bytes at off needs. */
static unsigned new_patches(struct flash_image *fi, uint64_t off, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += !find_patch(fi, off + i);
	return n;
}

int flash_image_debug_write(struct flash_image *fi, uint64_t off, const uint8_t *buf,
			    size_t len)
{
	if (off > fi->size || len > fi->size - off)
		return -EFAULT;
	/* All or nothing: a breakpoint is never half written. */
	if (new_patches(fi, off, len) > FLASH_MAX_PATCHES - fi->npatches)
		return -ENOSPC;
	/* Patches live in the guest's view only, never in the contents. */
	if (flash_image_shared(fi))
		return 1;
	for (size_t i = 0; i < len; i++)
		patch_byte(fi, off + i, buf[i]);
	return 0;
}

void flash_image_refresh(struct flash_image *fi, uint64_t off, uint64_t len)
{
	if (flash_image_shared(fi) || off > fi->size || len > fi->size - off)
		return;
	memcpy(fi->image + off, fi->storage + off, len);
	for (unsigned i = 0; i < fi->npatches; i++)
		if (fi->patches[i].off - off < len)
			fi->image[fi->patches[i].off] = fi->patches[i].value;
}
