#include "a64vm/snapshot_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Header: magic, version, header length, sections, flags, file length,
 * two reserved fields, and the CRC-32C of the 44 bytes before it. */
enum {
	H_VERSION = 8,
	H_HEADER_LEN = 12,
	H_NSECTIONS = 16,
	H_FLAGS = 20,
	H_TOTAL = 24,
	H_RESERVED = 32,
	H_RESERVED2 = 40,
	H_CRC = 44,
};
/* Section header: tag, instance, length, CRC-32C of those 16 bytes and the
 * section's, zero. */
enum { S_TAG = 0, S_INSTANCE = 4, S_LEN = 8, S_CRC = 16, S_ZERO = 20 };

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void set32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void set64(uint8_t *p, uint64_t v)
{
	set32(p, (uint32_t)v);
	set32(p + 4, (uint32_t)(v >> 32));
}

static size_t pad8(uint64_t n)
{
	return (size_t)((8 - (n & 7)) & 7);
}

uint32_t snapshot_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

void snapshot_section_name(uint32_t tag, uint32_t instance, char out[24])
{
	char t[5];

	for (int i = 0; i < 4; i++) {
		char ch = (char)(tag >> (8 * i));

		t[i] = ch >= 0x21 && ch < 0x7f ? ch : '?';
	}
	t[4] = 0;
	snprintf(out, 24, "%s.%" PRIu32, t, instance);
}

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_header(const uint8_t *buf, size_t len, uint32_t *nsections, char *err,
			size_t errlen)
{
	uint64_t total;

	if (len < H_HEADER_LEN || memcmp(buf, SNAPSHOT_MAGIC, 8))
		return refuse(err, errlen, "not an a64vm snapshot (no %s at its start)",
			      SNAPSHOT_MAGIC);
	if (get32(buf + H_VERSION) > SNAPSHOT_VERSION)
		return refuse(err, errlen, "made by a newer a64vm (format %" PRIu32
			      "; this one reads up to %u)", get32(buf + H_VERSION),
			      SNAPSHOT_VERSION);
	if (get32(buf + H_VERSION) == 0)
		return refuse(err, errlen, "format 0 does not exist: the header is corrupted");
	if (len < SNAPSHOT_HEADER_LEN)
		return refuse(err, errlen, "truncated: %zu bytes, less than its header", len);
	if (snapshot_crc32c(0, buf, H_CRC) != get32(buf + H_CRC))
		return refuse(err, errlen, "the header is corrupted (checksum)");
	if (get32(buf + H_HEADER_LEN) != SNAPSHOT_HEADER_LEN || get32(buf + H_FLAGS) ||
	    get64(buf + H_RESERVED) || get32(buf + H_RESERVED2))
		return refuse(err, errlen, "the header has fields format %u does not define",
			      SNAPSHOT_VERSION);
	total = get64(buf + H_TOTAL);
	if (total > len)
		return refuse(err, errlen, "truncated: %zu of its %" PRIu64 " bytes", len, total);
	if (total < len)
		return refuse(err, errlen, "%" PRIu64 " bytes after its end", (uint64_t)len - total);
	*nsections = get32(buf + H_NSECTIONS);
	if (*nsections > SNAPSHOT_MAX_SECTIONS)
		return refuse(err, errlen, "%" PRIu32 " sections, more than %u", *nsections,
			      SNAPSHOT_MAX_SECTIONS);
	return 0;
}

int snapshot_parse(const uint8_t *buf, size_t len, struct snapshot_index *out, char *err,
		   size_t errlen)
{
	uint32_t n = 0;
	size_t off = SNAPSHOT_HEADER_LEN;
	char name[24];
	int ret = parse_header(buf, len, &n, err, errlen);

	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->version = get32(buf + H_VERSION);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *h = buf + off;
		struct snapshot_section *s = &out->sections[i];

		if (len - off < SNAPSHOT_SECTION_HEADER_LEN)
			return refuse(err, errlen, "section %" PRIu32 " of %" PRIu32
				      " runs past the end", i + 1, n);
		s->tag = get32(h + S_TAG);
		s->instance = get32(h + S_INSTANCE);
		s->len = get64(h + S_LEN);
		snapshot_section_name(s->tag, s->instance, name);
		off += SNAPSHOT_SECTION_HEADER_LEN;
		if (s->len > len - off || pad8(s->len) > len - off - s->len)
			return refuse(err, errlen, "section %s runs past the end", name);
		if (get32(h + S_ZERO))
			return refuse(err, errlen, "section %s has a header format %u does not define",
				      name, SNAPSHOT_VERSION);
		s->data = buf + off;
		if (snapshot_crc32c(snapshot_crc32c(0, h, S_CRC), s->data, (size_t)s->len) !=
		    get32(h + S_CRC))
			return refuse(err, errlen, "section %s is corrupted (checksum)", name);
		if (snapshot_find(out, s->tag, s->instance))
			return refuse(err, errlen, "section %s appears twice", name);
		off += (size_t)s->len;
		for (size_t k = 0; k < pad8(s->len); k++)
			if (buf[off++])
				return refuse(err, errlen, "section %s is padded with other than zeros",
					      name);
		out->nsections = i + 1;
	}
	if (off != len)
		return refuse(err, errlen, "%zu bytes after its last section", len - off);
	return 0;
}

const struct snapshot_section *snapshot_find(const struct snapshot_index *ix, uint32_t tag,
					     uint32_t instance)
{
	for (unsigned i = 0; i < ix->nsections; i++)
		if (ix->sections[i].tag == tag && ix->sections[i].instance == instance)
			return &ix->sections[i];
	return NULL;
}

void snapshot_writer_init(struct snapshot_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void snapshot_writer_free(struct snapshot_writer *w)
{
	free(w->buf);
	snapshot_writer_init(w);
}

static uint8_t *grow(struct snapshot_writer *w, size_t n)
{
	if (w->error)
		return NULL;
	if (n > SNAPSHOT_MAX_LEN - w->len) {
		w->error = -E2BIG;
		return NULL;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *b;

		while (cap < w->len + n)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			w->error = -ENOMEM;
			return NULL;
		}
		w->buf = b;
		w->cap = cap;
	}
	w->len += n;
	return w->buf + w->len - n;
}

static void close_section(struct snapshot_writer *w)
{
	uint8_t *h;
	uint64_t n;
	uint8_t *pad;

	if (!w->section_at || w->error)
		return;
	h = w->buf + w->section_at;
	n = w->len - w->section_at - SNAPSHOT_SECTION_HEADER_LEN;
	set64(h + S_LEN, n);
	set32(h + S_CRC, snapshot_crc32c(snapshot_crc32c(0, h, S_CRC),
					 h + SNAPSHOT_SECTION_HEADER_LEN, (size_t)n));
	pad = grow(w, pad8(n));
	if (pad)
		memset(pad, 0, pad8(n));
	w->section_at = 0;
}

void snapshot_writer_begin(struct snapshot_writer *w, uint32_t tag, uint32_t instance)
{
	uint8_t *h;

	close_section(w);
	if (!w->len && grow(w, SNAPSHOT_HEADER_LEN))
		memset(w->buf, 0, SNAPSHOT_HEADER_LEN);
	if (w->nsections == SNAPSHOT_MAX_SECTIONS && !w->error)
		w->error = -E2BIG;
	h = grow(w, SNAPSHOT_SECTION_HEADER_LEN);
	if (!h)
		return;
	memset(h, 0, SNAPSHOT_SECTION_HEADER_LEN);
	set32(h + S_TAG, tag);
	set32(h + S_INSTANCE, instance);
	w->section_at = (size_t)(h - w->buf);
	w->nsections++;
}

void snapshot_put_bytes(struct snapshot_writer *w, const void *data, size_t len)
{
	uint8_t *p;

	if (!w->section_at) { /* a field outside any section is a caller's bug */
		if (!w->error)
			w->error = -EINVAL;
		return;
	}
	p = grow(w, len);
	if (p && len)
		memcpy(p, data, len);
}

void snapshot_put_u32(struct snapshot_writer *w, uint32_t v)
{
	uint8_t b[4];

	set32(b, v);
	snapshot_put_bytes(w, b, sizeof(b));
}

void snapshot_put_u64(struct snapshot_writer *w, uint64_t v)
{
	uint8_t b[8];

	set64(b, v);
	snapshot_put_bytes(w, b, sizeof(b));
}

void snapshot_put_blob(struct snapshot_writer *w, const void *data, uint32_t len)
{
	snapshot_put_u32(w, len);
	snapshot_put_bytes(w, data, len);
}

int snapshot_writer_finish(struct snapshot_writer *w, const uint8_t **buf, size_t *len)
{
	close_section(w);
	if (!w->len && grow(w, SNAPSHOT_HEADER_LEN))
		memset(w->buf, 0, SNAPSHOT_HEADER_LEN);
	if (w->error)
		return w->error;
	memcpy(w->buf, SNAPSHOT_MAGIC, 8);
	set32(w->buf + H_VERSION, SNAPSHOT_VERSION);
	set32(w->buf + H_HEADER_LEN, SNAPSHOT_HEADER_LEN);
	set32(w->buf + H_NSECTIONS, w->nsections);
	set64(w->buf + H_TOTAL, w->len);
	set32(w->buf + H_CRC, snapshot_crc32c(0, w->buf, H_CRC));
	*buf = w->buf;
	*len = w->len;
	return 0;
}

void snapshot_cursor_init(struct snapshot_cursor *c, const struct snapshot_section *s)
{
	c->p = s ? s->data : NULL;
	c->len = s ? (size_t)s->len : 0;
	c->off = 0;
	c->bad = !s;
}

const uint8_t *snapshot_get_span(struct snapshot_cursor *c, size_t n)
{
	if (c->bad || n > c->len - c->off) {
		c->bad = true;
		return NULL;
	}
	c->off += n;
	return c->p + c->off - n;
}

void snapshot_get_bytes(struct snapshot_cursor *c, void *out, size_t len)
{
	const uint8_t *p = snapshot_get_span(c, len);

	if (p)
		memcpy(out, p, len);
	else
		memset(out, 0, len);
}

uint32_t snapshot_get_u32(struct snapshot_cursor *c)
{
	const uint8_t *p = snapshot_get_span(c, 4);

	return p ? get32(p) : 0;
}

uint64_t snapshot_get_u64(struct snapshot_cursor *c)
{
	const uint8_t *p = snapshot_get_span(c, 8);

	return p ? get64(p) : 0;
}

const uint8_t *snapshot_get_blob(struct snapshot_cursor *c, uint32_t *len)
{
	uint32_t n = snapshot_get_u32(c);
	const uint8_t *p = snapshot_get_span(c, n);

	*len = p ? n : 0;
	return p;
}

bool snapshot_cursor_done(const struct snapshot_cursor *c)
{
	return !c->bad && c->off == c->len;
}

void snapshot_put_identity(struct snapshot_writer *w, const struct file_identity *id)
{
	snapshot_put_u64(w, id->ino);
	snapshot_put_u64(w, id->size);
	snapshot_put_u64(w, id->mtime_ns);
}

int snapshot_get_identity(struct snapshot_cursor *c, struct file_identity *id)
{
	id->ino = snapshot_get_u64(c);
	id->size = snapshot_get_u64(c);
	id->mtime_ns = snapshot_get_u64(c);
	return c->bad ? -EINVAL : 0;
}
