/* Whole-file reads and writes with clear errors. */
#ifndef A64VM_FILE_H
#define A64VM_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a file is, to tell that it changed: its inode, size and modification time. */
struct file_identity {
	uint64_t ino, size, mtime_ns;
};

/* fd's file; 0 or -errno. */
int file_identity_of(int fd, struct file_identity *id);
/*
 * Why a restore refuses a file recorded as then and found as now, as the
 * end of a sentence ("written since the snapshot (...)"): NULL when it is
 * the same, or force takes it as it is; another size is never taken.
 */
const char *file_identity_refusal(const struct file_identity *then,
				  const struct file_identity *now, bool force);

/* Reads path into a new buffer; -EFBIG when it is larger than max. */
int file_read_all(const char *path, size_t max, uint8_t **buf, size_t *len);
/* The same, of an open descriptor (a regular file's). */
int file_read_fd_all(int fd, size_t max, uint8_t **buf, size_t *len);

/*
 * The first *avail bytes of path (fewer when it is shorter: *avail says)
 * into head, and its size; the errors of file_read_all.
 */
int file_read_head(const char *path, size_t max, uint8_t *head, size_t *avail,
		   size_t *size);

/*
 * The first len bytes of path into buf: -EIO when it has fewer now. With
 * helper, a second thread reads the second half meanwhile, so that two
 * CPUs fault in and fill fresh (huge) pages; it has ended on return.
 */
int file_read_into(const char *path, uint8_t *buf, size_t len, bool helper);

/*
 * Opens path now and keeps it: later reads of that path go through this
 * descriptor, so they work after a chroot or a change of user (whatever
 * is in the file then is read). 0 or -errno.
 */
int file_pin(const char *path);

int file_write_all(const char *path, const void *buf, size_t len);

/* All len bytes at off of a descriptor, or -errno (-EIO: a read found the end). */
int file_pread_all(int fd, void *buf, size_t len, uint64_t off);
int file_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

#endif
