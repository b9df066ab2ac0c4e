/*
 * The snapshot's state file (docs/snapshot.md): a header, then sections,
 * each a tag, an instance number, a length and a CRC-32C of its bytes.
 * The reader checks the whole file before anyone uses a byte of it, so a
 * truncated, corrupted or newer snapshot is refused before a VM changes.
 * Inside a section, fields are read and written through a cursor whose
 * reads past the end fail instead of reading on. Little-endian throughout.
 */
#ifndef A64VM_SNAPSHOT_FILE_H
#define A64VM_SNAPSHOT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "a64vm/file.h"

#define SNAPSHOT_MAGIC "A64VMSNP"
#define SNAPSHOT_VERSION 1
#define SNAPSHOT_HEADER_LEN 48
#define SNAPSHOT_SECTION_HEADER_LEN 24
#define SNAPSHOT_MAX_SECTIONS 256
/* The state file is small (registers and device models): RAM is its own file. */
#define SNAPSHOT_MAX_LEN (64u << 20)

/* A four-letter tag, read as it is spelt in a hex dump. */
#define SNAPSHOT_TAG(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

struct snapshot_section {
	uint32_t tag;
	uint32_t instance;
	const uint8_t *data;
	uint64_t len;
};

struct snapshot_index {
	uint32_t version;
	unsigned nsections;
	struct snapshot_section sections[SNAPSHOT_MAX_SECTIONS];
};

uint32_t snapshot_crc32c(uint32_t crc, const void *data, size_t len);

/* "GICD.0": a section's name for messages. */
void snapshot_section_name(uint32_t tag, uint32_t instance, char out[24]);

/*
 * Checks buf (header, every section's bounds and checksum, no duplicate)
 * and indexes it; the index points into buf. 0, or -EINVAL with why in err.
 */
int snapshot_parse(const uint8_t *buf, size_t len, struct snapshot_index *out, char *err,
		   size_t errlen);
/* The section, or NULL. */
const struct snapshot_section *snapshot_find(const struct snapshot_index *ix, uint32_t tag,
					     uint32_t instance);

/* Builds a state file in memory; the first error is kept and finish returns it. */
struct snapshot_writer {
	uint8_t *buf;
	size_t len, cap;
	size_t section_at; /* the open section's header, or 0 */
	unsigned nsections;
	int error; /* -ENOMEM, -E2BIG (past the limits) or -EINVAL (a field outside a section) */
};

void snapshot_writer_init(struct snapshot_writer *w);
void snapshot_writer_free(struct snapshot_writer *w);
/* Opens a section; the puts below fill it until the next begin or finish. */
void snapshot_writer_begin(struct snapshot_writer *w, uint32_t tag, uint32_t instance);
void snapshot_put_bytes(struct snapshot_writer *w, const void *data, size_t len);
void snapshot_put_u32(struct snapshot_writer *w, uint32_t v);
void snapshot_put_u64(struct snapshot_writer *w, uint64_t v);
/* A length (u32) and the bytes. */
void snapshot_put_blob(struct snapshot_writer *w, const void *data, uint32_t len);
/* Closes the last section and the header: 0 and the file, or the error. */
int snapshot_writer_finish(struct snapshot_writer *w, const uint8_t **buf, size_t *len);

/* Reads fields of one section; any read past its end sets bad and yields zeros. */
struct snapshot_cursor {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

void snapshot_cursor_init(struct snapshot_cursor *c, const struct snapshot_section *s);
void snapshot_get_bytes(struct snapshot_cursor *c, void *out, size_t len);
/* The next len bytes where they lie, or NULL. */
const uint8_t *snapshot_get_span(struct snapshot_cursor *c, size_t len);
uint32_t snapshot_get_u32(struct snapshot_cursor *c);
uint64_t snapshot_get_u64(struct snapshot_cursor *c);
/* A blob put by snapshot_put_blob: its bytes in place and its length. */
const uint8_t *snapshot_get_blob(struct snapshot_cursor *c, uint32_t *len);
/* Every byte read and none too many. */
bool snapshot_cursor_done(const struct snapshot_cursor *c);

/* A host file's identity (a disk's, a flash bank's): inode, size, mtime. */
void snapshot_put_identity(struct snapshot_writer *w, const struct file_identity *id);
/* At the cursor: 0, or -EINVAL when cut short. */
int snapshot_get_identity(struct snapshot_cursor *c, struct file_identity *id);

#endif
