/*
 * Intel command set (Intel 3 Volt Synchronous StrataFlash / CFI 2.0), as
 * QEMU's pflash_cfi01 answers it with width 4, device-width 2: every
 * status, ID and query answer is the one of a x16 device, repeated for
 * both devices of the bank. Programming and erasing complete at once.
 */
#include "a64vm/cfi_flash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/snapshot_file.h"

enum {
	CMD_READ_ARRAY = 0x00, /* the model's own name for the 0xff state */
	CMD_PROGRAM = 0x10,
	CMD_ERASE = 0x20,
	CMD_PROGRAM_ALT = 0x40,
	CMD_CLEAR_STATUS = 0x50,
	CMD_LOCK = 0x60,
	CMD_READ_STATUS = 0x70,
	CMD_READ_ID = 0x90,
	CMD_QUERY = 0x98,
	CMD_CONFIRM = 0xd0,
	CMD_WRITE_BUFFER = 0xe8,
	CMD_AMD_RESET = 0xf0,
	CMD_RESET = 0xff,
	LOCK_CLEAR = 0x01,
};

#define MANUFACTURER 0x89 /* Intel */
#define DEVICE_ID 0x18
#define QUERY_SIZE 0x52
#define WRITE_BUFFER_BYTES_LOG2 11 /* per device */
#define DEVICES (CFI_FLASH_BANK_WIDTH / CFI_FLASH_DEVICE_WIDTH)
#define WRITE_BLOCK_SIZE CFI_FLASH_WRITE_BLOCK_SIZE
_Static_assert(WRITE_BLOCK_SIZE == (1u << WRITE_BUFFER_BYTES_LOG2) * DEVICES,
	       "the write buffer the query table announces");

/* The words of a buffered program, held until its confirmation. */
struct write_buffer {
	uint64_t block;	  /* the aligned block of the first word's address */
	uint32_t lo, hi;  /* the bytes of it the words wrote; lo > hi: none yet */
	bool bad;	  /* a word outside the block, or too many: store nothing */
	uint8_t bytes[WRITE_BLOCK_SIZE];
};

struct cfi_flash {
	struct device_env env;
	uint8_t cmd;
	unsigned wcycle; /* write cycle of the command under way; 0: none */
	uint8_t status;
	uint32_t counter; /* words left in a buffered program, minus one */
	struct write_buffer buf;
	uint8_t query[QUERY_SIZE];
};

static unsigned log2_of(uint64_t v)
{
	unsigned n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/* The CFI query table of one x16 device (CFI 2.0, Intel primary table). */
static void fill_query(struct cfi_flash *f)
{
	uint64_t sector = CFI_FLASH_SECTOR_SIZE / DEVICES;
	uint64_t blocks = f->env.storage_size / CFI_FLASH_SECTOR_SIZE;
	uint8_t *q = f->query;

	memset(q, 0, QUERY_SIZE);
	memcpy(q + 0x10, "QRY", 3);
	q[0x13] = 0x01; /* Intel/Sharp extended command set */
	q[0x15] = 0x31; /* primary extended table at 0x31 */
	q[0x1b] = 0x45; /* Vcc 4.5 V .. 5.5 V */
	q[0x1c] = 0x55;
	q[0x1f] = 0x07; /* typical timeouts: 128 us word, 128 us buffer */
	q[0x20] = 0x07;
	q[0x21] = 0x0a; /* 1 s block erase */
	q[0x23] = 0x04; /* maximum timeouts: 16x typical */
	q[0x24] = 0x04;
	q[0x25] = 0x04;
	q[0x27] = (uint8_t)log2_of(sector * blocks); /* device size */
	q[0x28] = 0x02; /* x8/x16 interface */
	q[0x2a] = WRITE_BUFFER_BYTES_LOG2;
	q[0x2c] = 0x01; /* one uniform erase block region */
	q[0x2d] = (uint8_t)(blocks - 1);
	q[0x2e] = (uint8_t)((blocks - 1) >> 8);
	q[0x2f] = (uint8_t)(sector >> 8);
	q[0x30] = (uint8_t)(sector >> 16);
	memcpy(q + 0x31, "PRI10", 5);
	q[0x3f] = 0x01; /* one protection field */
}

static void set_read_array(struct cfi_flash *f)
{
	f->cmd = CMD_READ_ARRAY;
	f->wcycle = 0;
	f->env.direct_reads(f->env.ctx, true);
}

static void cfi_flash_reset(void *dev)
{
	struct cfi_flash *f = dev;

	f->status = CFI_FLASH_STATUS_READY;
	set_read_array(f);
}

static void *cfi_flash_create(const struct device_env *env)
{
	struct cfi_flash *f;

	if (!env->storage || !env->storage_size ||
	    env->storage_size % CFI_FLASH_SECTOR_SIZE)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->env = *env;
	fill_query(f);
	cfi_flash_reset(f);
	return f;
}

/* A x16 device's 16-bit answer, repeated for each device of the bank. */
static uint32_t both_devices(uint16_t v)
{
	return (uint32_t)v | (uint32_t)v << 16;
}

/* Query and ID addresses count in bank-width words. */
static uint32_t query_word(const struct cfi_flash *f, uint64_t off)
{
	uint64_t i = off / CFI_FLASH_BANK_WIDTH;

	return i < QUERY_SIZE ? both_devices(f->query[i]) : 0;
}

static uint32_t id_word(uint64_t off)
{
	switch ((off / CFI_FLASH_BANK_WIDTH) & 0xff) {
	case 0: return both_devices(MANUFACTURER);
	case 1: return both_devices(DEVICE_ID);
	default: return 0; /* block lock status and the rest */
	}
}

static uint32_t read32(struct cfi_flash *f, uint64_t off, unsigned size)
{
	uint32_t v = 0;

	switch (f->cmd) {
	case CMD_READ_ARRAY:
		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)f->env.storage[off + i] << (8 * i);
		return v;
	case CMD_READ_ID:
		v = id_word(off);
		break;
	case CMD_QUERY:
		v = query_word(f, off);
		break;
	default: /* every other command reads the status */
		v = both_devices(f->status);
		break;
	}
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static uint64_t cfi_flash_read(void *dev, uint64_t off, unsigned size)
{
	return read32(dev, off, size);
}

/* Stores len bytes at off (data NULL: erased); the error bit on failure. */
static void store(struct cfi_flash *f, uint64_t off, const uint8_t *data, uint64_t len,
		  uint8_t error_bit)
{
	if (f->env.storage_read_only || f->env.storage_write(f->env.ctx, off, data, len))
		f->status |= error_bit;
}

static void program(struct cfi_flash *f, uint64_t off, uint32_t value, unsigned size)
{
	uint8_t bytes[4];

	for (unsigned i = 0; i < size; i++)
		bytes[i] = (uint8_t)(value >> (8 * i));
	store(f, off, bytes, size, CFI_FLASH_STATUS_PROGRAM_ERROR);
}

/* A command the sequence did not allow: both error bits, the status shown. */
static void sequence_error(struct cfi_flash *f)
{
	f->status |= CFI_FLASH_STATUS_SEQUENCE_ERROR | CFI_FLASH_STATUS_READY;
	f->cmd = CMD_READ_STATUS;
	f->wcycle = 0;
}

/* The first write of a command. */
static void first_cycle(struct cfi_flash *f, uint8_t cmd)
{
	switch (cmd) {
	case CMD_PROGRAM:
	case CMD_PROGRAM_ALT:
	case CMD_LOCK:
	case CMD_QUERY:
		break;
	case CMD_ERASE: /* the setup: the erase waits for its confirmation */
	case CMD_WRITE_BUFFER: /* the buffer is free */
		f->status |= CFI_FLASH_STATUS_READY;
		break;
	case CMD_READ_STATUS:
	case CMD_READ_ID:
		f->cmd = cmd; /* a mode, not a sequence: the next write starts anew */
		return;
	case CMD_CLEAR_STATUS:
		f->status = 0;
		set_read_array(f);
		return;
	default: /* read array, AMD's reset, and what this device lacks */
		set_read_array(f);
		return;
	}
	f->cmd = cmd;
	f->wcycle = 1;
}

/*
 * A buffered program's count. u-boot sends it to the erase block's start
 * and the words elsewhere in that block: the words' own block is the one
 * of the first word.
 */
static void start_buffer(struct cfi_flash *f, uint32_t value)
{
	struct write_buffer *b = &f->buf;

	f->counter = value & 0xffff; /* one device's half of the bus */
	b->lo = WRITE_BLOCK_SIZE;
	b->hi = 0;
	b->bad = (uint64_t)(f->counter + 1) * CFI_FLASH_BANK_WIDTH > WRITE_BLOCK_SIZE;
	f->wcycle = 2;
}

/* The second write: data, a confirmation, or a word count. */
static void second_cycle(struct cfi_flash *f, uint64_t off, uint32_t value,
			 unsigned size)
{
	uint8_t cmd = (uint8_t)value;

	switch (f->cmd) {
	case CMD_PROGRAM:
	case CMD_PROGRAM_ALT:
		program(f, off, value, size);
		f->status |= CFI_FLASH_STATUS_READY;
		f->wcycle = 0; /* reads give the status until read array */
		return;
	case CMD_ERASE:
		if (cmd != CMD_CONFIRM) {
			sequence_error(f);
			return;
		}
		store(f, off & ~(uint64_t)(CFI_FLASH_SECTOR_SIZE - 1), NULL,
		      CFI_FLASH_SECTOR_SIZE, CFI_FLASH_STATUS_ERASE_ERROR);
		f->status |= CFI_FLASH_STATUS_READY;
		f->wcycle = 0;
		return;
	case CMD_LOCK:
		if (cmd == CMD_CONFIRM || cmd == LOCK_CLEAR) {
			f->status |= CFI_FLASH_STATUS_READY;
			f->wcycle = 0;
			return;
		}
		set_read_array(f);
		return;
	case CMD_WRITE_BUFFER:
		start_buffer(f, value);
		return;
	case CMD_QUERY:
		if (cmd == CMD_RESET)
			set_read_array(f);
		return; /* anything else stays in query mode, as QEMU's does */
	default:
		set_read_array(f);
		return;
	}
}

/* A data word of a buffered program: into the buffer, if inside its block. */
static void buffer_word(struct cfi_flash *f, uint64_t off, uint32_t value, unsigned size)
{
	struct write_buffer *b = &f->buf;
	uint64_t at;

	if (b->lo > b->hi && !b->bad) { /* the first word: its block */
		b->block = off & ~(uint64_t)(WRITE_BLOCK_SIZE - 1);
		memcpy(b->bytes, f->env.storage + b->block, WRITE_BLOCK_SIZE);
	}
	at = off - b->block;
	if (off < b->block || at + size > WRITE_BLOCK_SIZE) {
		b->bad = true;
	} else if (!b->bad) {
		for (unsigned i = 0; i < size; i++)
			b->bytes[at + i] = (uint8_t)(value >> (8 * i));
		b->lo = (uint32_t)at < b->lo ? (uint32_t)at : b->lo;
		b->hi = (uint32_t)at + size > b->hi ? (uint32_t)at + size : b->hi;
	}
	if (!f->counter--)
		f->wcycle = 3;
}

/* The confirmation stores the buffer whole; anything else stores nothing. */
static void confirm_buffer(struct cfi_flash *f, uint8_t cmd)
{
	struct write_buffer *b = &f->buf;

	if (cmd != CMD_CONFIRM) {
		sequence_error(f);
		return;
	}
	if (b->bad)
		f->status |= CFI_FLASH_STATUS_PROGRAM_ERROR;
	else if (b->hi > b->lo)
		store(f, b->block + b->lo, b->bytes + b->lo, b->hi - b->lo,
		      CFI_FLASH_STATUS_PROGRAM_ERROR);
	f->status |= CFI_FLASH_STATUS_READY;
	f->wcycle = 0;
}

static void write32(struct cfi_flash *f, uint64_t off, uint32_t value, unsigned size)
{
	if (!f->wcycle)
		f->env.direct_reads(f->env.ctx, false);
	switch (f->wcycle) {
	case 0:
		first_cycle(f, (uint8_t)value);
		return;
	case 1:
		second_cycle(f, off, value, size);
		return;
	case 2:
		buffer_word(f, off, value, size);
		return;
	default:
		confirm_buffer(f, (uint8_t)value);
		return;
	}
}

static void cfi_flash_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	write32(dev, off, (uint32_t)value, size);
}

/* The mode and a buffered program under way; the contents are the file's. */
static void cfi_flash_save(const void *dev, struct snapshot_writer *w)
{
	const struct cfi_flash *f = dev;

	snapshot_put_u32(w, f->cmd | (uint32_t)f->status << 8 | f->wcycle << 16);
	snapshot_put_u32(w, f->counter);
	snapshot_put_u64(w, f->buf.block);
	snapshot_put_u32(w, f->buf.lo);
	snapshot_put_u32(w, f->buf.hi);
	snapshot_put_u32(w, f->buf.bad);
	snapshot_put_bytes(w, f->buf.bytes, sizeof(f->buf.bytes));
}

static int cfi_flash_restore(void *dev, struct snapshot_cursor *c)
{
	struct cfi_flash *f = dev;
	struct write_buffer b;
	uint32_t mode = snapshot_get_u32(c), counter = snapshot_get_u32(c);
	unsigned wcycle = mode >> 16;

	b.block = snapshot_get_u64(c);
	b.lo = snapshot_get_u32(c);
	b.hi = snapshot_get_u32(c);
	b.bad = snapshot_get_u32(c) != 0;
	snapshot_get_bytes(c, b.bytes, sizeof(b.bytes));
	if (!snapshot_cursor_done(c) || wcycle > 3 || b.block >= f->env.storage_size ||
	    b.block % WRITE_BLOCK_SIZE || (b.lo <= b.hi && b.hi >= WRITE_BLOCK_SIZE))
		return -EINVAL;
	f->cmd = (uint8_t)mode;
	f->status = (uint8_t)(mode >> 8);
	f->wcycle = wcycle;
	f->counter = counter;
	f->buf = b;
	f->env.direct_reads(f->env.ctx, f->cmd == CMD_READ_ARRAY && !f->wcycle);
	return 0;
}

const struct device_ops cfi_flash_device = {
	.name = "cfi-flash", .create = cfi_flash_create, .destroy = free,
	.reset = cfi_flash_reset, .read = cfi_flash_read, .write = cfi_flash_write,
	.save = cfi_flash_save, .restore = cfi_flash_restore,
	.max_width = 4, /* a 32-bit bus: a doubleword is two accesses */
	.dt = { .name = "flash", DEVICE_DT_COMPATIBLE("cfi-flash"), .one_node = true,
		.u32_prop = { "bank-width", CFI_FLASH_BANK_WIDTH } },
};
