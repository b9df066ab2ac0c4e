#include "a64vm/memory.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "a64vm/log.h"

#define HUGETLBFS_MAGIC 0x958458f6
#define PAGE 4096u
#define BLOCK_2M (2ull << 20)
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26 /* linux/memfd.h: a huge page size as its log2, here */
#endif

static uint64_t touched_words(uint64_t size)
{
	return (size / PAGE + 63) / 64;
}

static int no_ram(uint64_t size, int err)
{
	log_error("cannot allocate %llu MiB of guest RAM: %s",
		  (unsigned long long)(size >> 20), strerror(err));
	return -err;
}

/*
 * size bytes on a 2 MiB boundary: KVM can then map the guest with 2 MiB
 * stage-2 blocks, not a 4 KiB page per fault. Anonymous (fd -1) or fd's
 * file shared; lazily populated, so untouched RAM costs the host nothing.
 */
static int map_aligned(uint64_t size, int fd, uint8_t **out)
{
	uint64_t slack = size + BLOCK_2M;
	uint8_t *p = mmap(NULL, slack, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *aligned;

	if (p == MAP_FAILED)
		return -errno;
	aligned = (uint8_t *)(((uintptr_t)p + BLOCK_2M - 1) & ~(uintptr_t)(BLOCK_2M - 1));
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	if (p + slack > aligned + size)
		munmap(aligned + size, (size_t)(p + slack - (aligned + size)));
	if (fd >= 0 && mmap(aligned, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			    fd, 0) == MAP_FAILED) {
		int err = errno;

		munmap(aligned, size);
		return -err;
	}
	/* Not fatal: THP may be compiled out or set to "never". */
	if (madvise(aligned, size, MADV_HUGEPAGE))
		log_debug("guest RAM: MADV_HUGEPAGE: %s", strerror(errno));
	*out = aligned;
	return 0;
}

/* What shmem THP gives a memfd (it follows shmem_enabled, not enabled). */
static void say_shmem_thp(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "re");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	line[strcspn(line, "\n")] = 0;
	log_debug("guest RAM: a sealed memfd, shared; shmem huge pages: %s",
		  line[0] ? line : "unknown (no shmem_enabled)");
}

/*
 * A memfd of size bytes whose size nobody can change any more: a process
 * it is shared with (a vhost-user daemon) could otherwise truncate it, and
 * a64vm's next touch of guest RAM would die of SIGBUS. flags: MFD_HUGETLB
 * and its page size, or 0.
 */
static int sealed_memfd(uint64_t size, unsigned flags)
{
	int fd = memfd_create("a64vm-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING | flags), err;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* RAM a vhost-user daemon can map, 2 MiB aligned. */
static int map_shared(uint64_t size, uint8_t **out, int *fd_out)
{
	int fd = sealed_memfd(size, 0), ret;

	if (fd < 0)
		return fd;
	say_shmem_thp();
	ret = map_aligned(size, fd, out);
	if (ret) {
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}

static int hugetlbfs_error(const char *dir, int err)
{
	log_error("--hugepages: %s: %s", dir, strerror(err));
	return -err;
}

/* log2 of a huge page's size, as MFD_HUGE_* encodes it. */
static unsigned page_shift(unsigned long bytes)
{
	unsigned shift = 0;

	while (bytes > 1) {
		bytes >>= 1;
		shift++;
	}
	return shift;
}

/*
 * RAM from huge pages of the size the hugetlbfs mount DIR has
 * (--hugepages DIR): a file there, unlinked at once, or when it is shared
 * a sealed memfd of the same pages.
 */
static int map_hugetlbfs(const char *dir, uint64_t size, uint8_t **out, int *fd_out)
{
	char path[4096];
	struct statfs fs;
	void *p;
	int fd, err;

	if (statfs(dir, &fs))
		return hugetlbfs_error(dir, errno);
	if ((unsigned long)fs.f_type != HUGETLBFS_MAGIC) {
		log_error("--hugepages: %s is not a hugetlbfs mount", dir);
		return -EINVAL;
	}
	if (size % (uint64_t)fs.f_bsize) {
		log_error("--hugepages: guest RAM is not a whole number of %lu KiB "
			  "huge pages", (unsigned long)fs.f_bsize >> 10);
		return -EINVAL;
	}
	if (fd_out) {
		fd = sealed_memfd(size, MFD_HUGETLB |
				  page_shift((unsigned long)fs.f_bsize) << MFD_HUGE_SHIFT);
		err = fd < 0 ? -fd : 0;
	} else {
		if ((size_t)snprintf(path, sizeof(path), "%s/a64vm-XXXXXX", dir) >= sizeof(path))
			return hugetlbfs_error(dir, ENAMETOOLONG);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			return hugetlbfs_error(dir, errno);
		unlink(path);
		err = ftruncate(fd, (off_t)size) ? errno : 0;
	}
	p = err ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!err && p == MAP_FAILED)
		err = errno;
	if ((err || !fd_out) && fd >= 0)
		close(fd);
	/* ENOMEM here: too few free huge pages (vm.nr_hugepages). */
	if (err)
		return hugetlbfs_error(dir, err);
	if (fd_out)
		*fd_out = fd;
	*out = p;
	return 0;
}

int memory_init_backed(struct guest_mem *mem, uint64_t base, uint64_t size,
		       const char *hugetlbfs_dir, bool shared)
{
	uint8_t *p = NULL;
	int ret, fd = -1;

	mem->fd = -1;
	atomic_init(&mem->touched, NULL);
	if (!size || base + size < base || size > SIZE_MAX - BLOCK_2M)
		return -EINVAL;
	if (hugetlbfs_dir)
		ret = map_hugetlbfs(hugetlbfs_dir, size, &p, shared ? &fd : NULL);
	else if ((ret = shared ? map_shared(size, &p, &fd) : map_aligned(size, -1, &p)))
		ret = no_ram(size, -ret);
	if (ret)
		return ret;
	/* A core dump of a64vm never holds the guest's memory. */
	if (madvise(p, size, MADV_DONTDUMP))
		log_warn("guest RAM: MADV_DONTDUMP: %s", strerror(errno));
	mem->base = base;
	mem->size = size;
	mem->hva = p;
	mem->fd = fd;
	return 0;
}

int memory_init(struct guest_mem *mem, uint64_t base, uint64_t size)
{
	return memory_init_backed(mem, base, size, NULL, false);
}

void memory_free(struct guest_mem *mem)
{
	/* fd is memory_init's only when hva is: a zeroed struct has fd 0. */
	if (mem->hva) {
		munmap(mem->hva, mem->size);
		if (mem->fd >= 0)
			close(mem->fd);
	}
	free((void *)atomic_load(&mem->touched));
	atomic_store(&mem->touched, NULL);
	mem->hva = NULL;
	mem->fd = -1;
}

int memory_track_touched(struct guest_mem *mem)
{
	_Atomic uint64_t *bits;

	if (atomic_load(&mem->touched))
		return 0;
	bits = calloc(touched_words(mem->size), sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	atomic_store_explicit(&mem->touched, bits, memory_order_release);
	return 0;
}

/* A load before the atomic OR: a page touched again costs no cache line bounce. */
static void touch(_Atomic uint64_t *bits, uint64_t off, uint64_t len)
{
	for (uint64_t page = off / PAGE; page <= (off + len - 1) / PAGE; page++) {
		_Atomic uint64_t *word = &bits[page / 64];
		uint64_t bit = 1ull << (page % 64);

		if (!(atomic_load_explicit(word, memory_order_relaxed) & bit))
			atomic_fetch_or_explicit(word, bit, memory_order_relaxed);
	}
}

void memory_take_touched(const struct guest_mem *mem, uint64_t *bitmap)
{
	_Atomic uint64_t *bits = atomic_load_explicit(&mem->touched, memory_order_acquire);

	for (uint64_t i = 0; bits && i < touched_words(mem->size); i++)
		bitmap[i] |= atomic_exchange_explicit(&bits[i], 0, memory_order_relaxed);
}

/* [gpa, gpa + len) as an offset into RAM, or -1 when it is not all RAM. */
static int64_t ram_offset(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	if (gpa < mem->base)
		return -1;
	off = gpa - mem->base;
	if (off > mem->size || len > mem->size - off)
		return -1;
	return (int64_t)off;
}

void *memory_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	int64_t off = ram_offset(mem, gpa, len);
	_Atomic uint64_t *bits;

	if (off < 0)
		return NULL;
	/* Until the first checkpoint, one load of a NULL pointer. */
	bits = atomic_load_explicit(&mem->touched, memory_order_acquire);
	if (bits && len)
		touch(bits, (uint64_t)off, len);
	return mem->hva + off;
}

int memory_digest(const struct guest_mem *mem, uint64_t gpa, uint64_t len, uint64_t *out)
{
	int64_t off = ram_offset(mem, gpa, len);
	uint64_t h = 0xcbf29ce484222325ull;

	if (off < 0)
		return -EFAULT;
	for (uint64_t i = 0; i < len; i += 8) {
		uint64_t word = 0;

		memcpy(&word, mem->hva + off + i, len - i < 8 ? len - i : 8);
		h = (h ^ word) * 0x100000001b3ull;
	}
	*out = h;
	return 0;
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
