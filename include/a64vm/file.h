/* Whole-file reads and writes with clear errors. */
#ifndef A64VM_FILE_H
#define A64VM_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads path into a new buffer; -EFBIG when it is larger than max. */
int file_read_all(const char *path, size_t max, uint8_t **buf, size_t *len);

/*
 * Opens path now and keeps it: later reads of that path go through this
 * descriptor, so they work after a chroot or a change of user (whatever
 * is in the file then is read). 0 or -errno.
 */
int file_pin(const char *path);

int file_write_all(const char *path, const void *buf, size_t len);

#endif
