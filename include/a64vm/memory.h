/* Guest RAM and the one checked guest-physical -> host translation. */
#ifndef A64VM_MEMORY_H
#define A64VM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	uint64_t base; /* guest physical */
	uint64_t size;
	uint8_t *hva;
	int fd; /* shared RAM's sealed memfd, offset 0; else -1 */
	/*
	 * A bit per 4 KiB page a64vm's own threads reached through
	 * memory_gpa_to_hva since memory_take_touched (KVM's dirty log sees
	 * only the guest's writes); NULL until memory_track_touched.
	 */
	_Atomic(_Atomic uint64_t *) touched;
};

/* Anonymous RAM, 2 MiB aligned, transparent huge pages asked for. */
int memory_init(struct guest_mem *mem, uint64_t base, uint64_t size);
/*
 * The same, or from a hugetlbfs mount's huge pages when hugetlbfs_dir is
 * not NULL. With shared, the RAM is a file another process can map (a
 * vhost-user daemon), kept open in mem->fd: a memfd sealed against
 * shrinking and growing (F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_SEAL), so
 * that the process cannot take pages from under a64vm.
 */
int memory_init_backed(struct guest_mem *mem, uint64_t base, uint64_t size,
		       const char *hugetlbfs_dir, bool shared);
void memory_free(struct guest_mem *mem);

/*
 * Host pointer for [gpa, gpa + len) when that whole range is guest RAM,
 * NULL otherwise (including on overflow). Every guest address goes
 * through here, and is counted as touched once tracked (a rewind copies
 * it back).
 */
void *memory_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/*
 * From now on, count the pages memory_gpa_to_hva hands out (a checkpoint's
 * first; the threads that translate are parked or hold a lock the caller
 * releases after). 0 or -ENOMEM.
 */
int memory_track_touched(struct guest_mem *mem);
/* ORs the pages touched since the last call into bitmap (a bit per page), and forgets them. */
void memory_take_touched(const struct guest_mem *mem, uint64_t *bitmap);

/*
 * A 64-bit FNV-1a digest of [gpa, gpa + len), a word at a time, without
 * counting it touched (a rewind's test compares RAM with it). 0 or -EFAULT.
 */
int memory_digest(const struct guest_mem *mem, uint64_t gpa, uint64_t len, uint64_t *out);

int memory_write(const struct guest_mem *mem, uint64_t gpa, const void *src,
		 uint64_t len);
int memory_read(const struct guest_mem *mem, uint64_t gpa, void *dst,
		uint64_t len);

#endif
