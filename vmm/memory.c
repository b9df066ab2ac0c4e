#include "a64vm/memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "a64vm/log.h"

int memory_init(struct guest_mem *mem, uint64_t base, uint64_t size)
{
	void *p;

	if (!size || base + size < base)
		return -EINVAL;
	/* Lazily populated: untouched guest RAM costs the host nothing. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		int err = errno;

		log_error("cannot allocate %llu MiB of guest RAM: %s",
			  (unsigned long long)(size >> 20), strerror(err));
		return -err;
	}
	/* A core dump of a64vm never holds the guest's memory. */
	if (madvise(p, size, MADV_DONTDUMP))
		log_warn("guest RAM: MADV_DONTDUMP: %s", strerror(errno));
	mem->base = base;
	mem->size = size;
	mem->hva = p;
	return 0;
}

void memory_free(struct guest_mem *mem)
{
	if (mem->hva)
		munmap(mem->hva, mem->size);
	mem->hva = NULL;
}

void *memory_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	if (gpa < mem->base)
		return NULL;
	off = gpa - mem->base;
	if (off > mem->size || len > mem->size - off)
		return NULL;
	return mem->hva + off;
}

int memory_write(const struct guest_mem *mem, uint64_t gpa, const void *src,
		 uint64_t len)
{
	void *dst = memory_gpa_to_hva(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int memory_read(const struct guest_mem *mem, uint64_t gpa, void *dst,
		uint64_t len)
{
	const void *src = memory_gpa_to_hva(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}
