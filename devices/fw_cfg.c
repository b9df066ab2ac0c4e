#include "a64vm/fw_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/memory.h"
#include "a64vm/snapshot_file.h"

#define DATA 0x00
#define SELECTOR 0x08
#define DMA_HIGH 0x10
#define DMA_LOW 0x14
#define KEYS (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define DMA_DESC_SIZE 16

static const char dma_signature[8] = "QEMU CFG";

struct item {
	uint8_t *data;
	uint32_t len;
};

struct fw_cfg {
	struct device_env env;
	struct item items[KEYS];
	char names[FW_CFG_MAX_FILES][FW_CFG_MAX_FILE_PATH];
	unsigned nfiles;
	uint16_t key; /* the selected item, or FW_CFG_INVALID */
	uint32_t offset;
	uint64_t dma_addr;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

int fw_cfg_set(struct fw_cfg *f, uint16_t key, uint8_t *data, uint32_t len)
{
	if (key >= FW_CFG_FILE_FIRST)
		return -EINVAL;
	free(f->items[key].data);
	f->items[key] = (struct item){ data, data ? len : 0 };
	return 0;
}

int fw_cfg_set_copy(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	if (fw_cfg_set(f, key, copy, len)) {
		free(copy);
		return -EINVAL;
	}
	return 0;
}

int fw_cfg_set_le(struct fw_cfg *f, uint16_t key, uint64_t value, unsigned bytes)
{
	uint8_t le[8];

	for (unsigned i = 0; i < bytes && i < 8; i++)
		le[i] = (uint8_t)(value >> (8 * i));
	return fw_cfg_set_copy(f, key, le, bytes < 8 ? bytes : 8);
}

/* The directory: a big-endian count, then size, key and name of each. */
static int rebuild_directory(struct fw_cfg *f)
{
	uint32_t len = 4 + f->nfiles * (uint32_t)sizeof(struct fw_cfg_file);
	uint8_t *dir = calloc(1, len);

	if (!dir)
		return -ENOMEM;
	put_be32(dir, f->nfiles);
	for (unsigned i = 0; i < f->nfiles; i++) {
		uint8_t *e = dir + 4 + i * sizeof(struct fw_cfg_file);
		uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + i);

		put_be32(e, f->items[key].len);
		e[4] = (uint8_t)(key >> 8);
		e[5] = (uint8_t)key;
		memcpy(e + 8, f->names[i], FW_CFG_MAX_FILE_PATH);
	}
	return fw_cfg_set(f, FW_CFG_FILE_DIR, dir, len);
}

int fw_cfg_set_file(struct fw_cfg *f, const char *name, const void *data,
		    uint32_t len)
{
	size_t namelen = strlen(name);
	uint8_t *copy;
	unsigned i;

	if (!namelen || namelen >= FW_CFG_MAX_FILE_PATH)
		return -EINVAL;
	for (i = 0; i < f->nfiles && strcmp(f->names[i], name); i++)
		;
	if (i == FW_CFG_MAX_FILES)
		return -ENOSPC;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	free(f->items[FW_CFG_FILE_FIRST + i].data);
	f->items[FW_CFG_FILE_FIRST + i] = (struct item){ copy, len };
	if (i == f->nfiles) {
		memset(f->names[i], 0, FW_CFG_MAX_FILE_PATH);
		memcpy(f->names[i], name, namelen);
		f->nfiles++;
	}
	return rebuild_directory(f);
}

static void select_key(struct fw_cfg *f, uint16_t key)
{
	uint16_t k = key & FW_CFG_ENTRY_MASK;

	/* No architecture-local items exist; their keys select nothing. */
	f->key = (key & FW_CFG_ARCH_LOCAL) || k >= KEYS ? FW_CFG_INVALID : k;
	f->offset = 0;
}

static const struct item *selected(const struct fw_cfg *f)
{
	return f->key == FW_CFG_INVALID ? NULL : &f->items[f->key];
}

static void fw_cfg_reset(void *dev)
{
	struct fw_cfg *f = dev;

	select_key(f, FW_CFG_SIGNATURE);
	f->dma_addr = 0;
}

static void fw_cfg_destroy(void *dev)
{
	struct fw_cfg *f = dev;

	for (unsigned i = 0; i < KEYS; i++)
		free(f->items[i].data);
	free(f);
}

static void *fw_cfg_create(const struct device_env *env)
{
	struct fw_cfg *f = calloc(1, sizeof(*f));
	uint8_t uuid[16] = { 0 };
	int ret;

	if (!f)
		return NULL;
	f->env = *env;
	ret = fw_cfg_set_copy(f, FW_CFG_SIGNATURE, "QEMU", FW_CFG_SIG_SIZE);
	if (!ret)
		ret = fw_cfg_set_le(f, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA, 4);
	if (!ret)
		ret = fw_cfg_set_copy(f, FW_CFG_UUID, uuid, sizeof(uuid));
	if (!ret)
		ret = fw_cfg_set_le(f, FW_CFG_NOGRAPHIC, 1, 2);
	if (!ret)
		ret = fw_cfg_set_le(f, FW_CFG_BOOT_MENU, 0, 2);
	if (!ret)
		ret = rebuild_directory(f);
	if (ret) {
		fw_cfg_destroy(f);
		return NULL;
	}
	fw_cfg_reset(f);
	return f;
}

/* The data register: the item's next bytes in order, zeros past its end. */
static uint64_t read_data(struct fw_cfg *f, unsigned size)
{
	const struct item *it = selected(f);
	uint64_t v = 0;

	for (unsigned i = 0; i < size && it && f->offset < it->len; i++)
		v |= (uint64_t)it->data[f->offset++] << (8 * i);
	return v;
}

static uint64_t fw_cfg_read(void *dev, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	if (off == DATA)
		return read_data(dev, size);
	/* The DMA register reads as its signature, in byte order. */
	if (off >= DMA_HIGH && off - DMA_HIGH + size <= sizeof(dma_signature))
		for (unsigned i = 0; i < size; i++)
			v |= (uint64_t)(uint8_t)dma_signature[off - DMA_HIGH + i] << (8 * i);
	return v;
}

/* Fills [gpa, gpa + len) of guest RAM with item bytes or zeros. */
static int dma_to_guest(struct fw_cfg *f, uint64_t gpa, const uint8_t *src,
			uint64_t len)
{
	uint8_t *dst = memory_gpa_to_hva(f->env.mem, gpa, len);

	if (!dst)
		return -EFAULT;
	if (src)
		memcpy(dst, src, len);
	else
		memset(dst, 0, len);
	return 0;
}

/* One DMA access: the descriptor at addr says what, and gets the result. */
static void dma_transfer(struct fw_cfg *f, uint64_t desc)
{
	uint8_t raw[DMA_DESC_SIZE], status[4];
	uint32_t control, length, result = 0;
	uint64_t address = 0;
	bool read;

	if (memory_read(f->env.mem, desc, raw, sizeof(raw)))
		return; /* nowhere to report to */
	control = be32(raw);
	length = be32(raw + 4);
	for (unsigned i = 0; i < 8; i++)
		address = address << 8 | raw[8 + i];
	if (control & FW_CFG_DMA_CTL_SELECT)
		select_key(f, (uint16_t)(control >> 16));
	read = control & FW_CFG_DMA_CTL_READ;
	if (!read && (control & FW_CFG_DMA_CTL_WRITE))
		result = length ? FW_CFG_DMA_CTL_ERROR : 0; /* items are read-only */
	else if (!read && !(control & FW_CFG_DMA_CTL_SKIP))
		length = 0;
	while (length && !result) {
		const struct item *it = selected(f);
		bool have = it && f->offset < it->len;
		uint32_t n = have && it->len - f->offset < length ? it->len - f->offset
								 : length;

		if (read && dma_to_guest(f, address, have ? it->data + f->offset : NULL, n))
			result = FW_CFG_DMA_CTL_ERROR;
		if (have)
			f->offset += n;
		address += n;
		length -= n;
	}
	put_be32(status, result);
	memory_write(f->env.mem, desc, status, sizeof(status));
}

static uint32_t swap32(uint64_t v)
{
	return __builtin_bswap32((uint32_t)v);
}

static void fw_cfg_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	struct fw_cfg *f = dev;

	if (off == SELECTOR && size == 2) {
		select_key(f, __builtin_bswap16((uint16_t)value));
	} else if (off == DMA_HIGH && size == 8) {
		f->dma_addr = 0;
		dma_transfer(f, __builtin_bswap64(value));
	} else if (off == DMA_HIGH && size == 4) {
		f->dma_addr = (uint64_t)swap32(value) << 32;
	} else if (off == DMA_LOW && size == 4) {
		uint64_t desc = f->dma_addr | swap32(value);

		f->dma_addr = 0;
		dma_transfer(f, desc);
	}
	/* The data register takes no writes (QEMU dropped them in 2.4). */
}

/* The items are the configuration's, made again at restore: only the guest's place in them is saved. */
static void fw_cfg_save(const void *dev, struct snapshot_writer *w)
{
	const struct fw_cfg *f = dev;

	snapshot_put_u32(w, f->key);
	snapshot_put_u32(w, f->offset);
	snapshot_put_u64(w, f->dma_addr);
}

static int fw_cfg_restore(void *dev, struct snapshot_cursor *c)
{
	struct fw_cfg *f = dev;
	uint32_t key = snapshot_get_u32(c), offset = snapshot_get_u32(c);
	uint64_t dma_addr = snapshot_get_u64(c);

	if (!snapshot_cursor_done(c) || (key != FW_CFG_INVALID && key >= KEYS))
		return -EINVAL;
	f->key = (uint16_t)key;
	f->offset = offset; /* past an item's end reads zeros, as it did */
	f->dma_addr = dma_addr;
	return 0;
}

const struct device_ops fw_cfg_device = {
	.name = "fw-cfg", .create = fw_cfg_create, .destroy = fw_cfg_destroy,
	.reset = fw_cfg_reset, .read = fw_cfg_read, .write = fw_cfg_write,
	.save = fw_cfg_save, .restore = fw_cfg_restore,
	.max_width = 8, /* the wide data register, and the DMA address */
	.dt = { .name = "fw-cfg", DEVICE_DT_COMPATIBLE("qemu,fw-cfg-mmio"),
		.dma_coherent = true },
};
