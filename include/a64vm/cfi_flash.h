/*
 * A CFI parallel flash bank with the Intel command set, as QEMU's virt
 * board has (pflash_cfi01): two x16 devices side by side on a 32-bit bus,
 * 256 KiB sectors, Intel ID 0x89/0x18. Read array, read status, clear
 * status, read ID, CFI query, block erase, word and buffered program,
 * block (un)lock (accepted, not modelled).
 *
 * Pure: the contents are the device_env's storage, which it reads; a
 * program or erase goes through storage_write, whose failure the status
 * register shows (a buffered program is stored at its confirmation, whole
 * or not at all; an erase at its confirmation), and direct_reads says when
 * the bank is in read-array mode (the board then maps it as read-only
 * memory, so reads and instruction fetches never exit).
 */
#ifndef A64VM_CFI_FLASH_H
#define A64VM_CFI_FLASH_H

#include "a64vm/device.h"

#define CFI_FLASH_SECTOR_SIZE (256u << 10)
#define CFI_FLASH_BANK_WIDTH 4
#define CFI_FLASH_DEVICE_WIDTH 2

/* Status register bits. */
#define CFI_FLASH_STATUS_READY 0x80
#define CFI_FLASH_STATUS_ERASE_ERROR 0x20
#define CFI_FLASH_STATUS_PROGRAM_ERROR 0x10
/* Both error bits: a command sequence error. */
#define CFI_FLASH_STATUS_SEQUENCE_ERROR 0x30
/* What one buffered program may cover: an aligned block of the bank. */
#define CFI_FLASH_WRITE_BLOCK_SIZE 4096u

extern const struct device_ops cfi_flash_device;

#endif
