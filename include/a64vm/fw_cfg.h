/*
 * QEMU's firmware configuration device (fw_cfg), MMIO flavour, as on the
 * virt board: a data register at 0 (1 to 8 bytes wide), a big-endian
 * selector at 8 and a big-endian DMA address at 16. Items are selected by
 * key; named files sit in a directory (key 0x19). EDK2 and u-boot read the
 * kernel, initrd and command line from it when a64vm starts firmware.
 *
 * Pure: DMA reaches guest RAM only through the checked helpers of its
 * device_env's guest_mem; a descriptor or buffer outside RAM gets the
 * error bit. Every item is read-only to the guest.
 */
#ifndef A64VM_FW_CFG_H
#define A64VM_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/qemu_fw_cfg.h>

#include "a64vm/device.h"

#define FW_CFG_MAX_FILES 32

struct fw_cfg;

/*
 * Sets item key (below FW_CFG_FILE_FIRST) to data, taking the malloc'd
 * buffer (NULL and 0: removes it). 0, or -EINVAL for a bad key.
 */
int fw_cfg_set(struct fw_cfg *f, uint16_t key, uint8_t *data, uint32_t len);
/* Sets item key to a copy of len bytes; 0 or -errno. */
int fw_cfg_set_copy(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len);
/* A little-endian integer of bytes (2, 4 or 8) bytes, as QEMU stores them. */
int fw_cfg_set_le(struct fw_cfg *f, uint16_t key, uint64_t value, unsigned bytes);
/* Adds or replaces a named file (a copy); 0, -ENOSPC or -EINVAL. */
int fw_cfg_set_file(struct fw_cfg *f, const char *name, const void *data,
		    uint32_t len);

extern const struct device_ops fw_cfg_device;

#endif
