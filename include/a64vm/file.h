/* Whole-file reads and writes with clear errors. */
#ifndef A64VM_FILE_H
#define A64VM_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads path into a new buffer; -EFBIG when it is larger than max. */
int file_read_all(const char *path, size_t max, uint8_t **buf, size_t *len);

int file_write_all(const char *path, const void *buf, size_t len);

#endif
