#include "a64vm/board_table.h"

#include "a64vm/cfi_flash.h"
#include "a64vm/fw_cfg.h"
#include "a64vm/memmap.h"
#include "a64vm/pci_host.h"
#include "a64vm/pl011.h"
#include "a64vm/pl031.h"
#include "a64vm/pl061.h"
#include "a64vm/testdev.h"

static bool want_testdev(const struct board_features *f)
{
	return f->testdev;
}

static bool want_flash(const struct board_features *f)
{
	return f->flash;
}

const struct board_slot board_table[] = {
	{ .ops = &cfi_flash_device, .base = MEMMAP_FLASH0_BASE,
	  .size = MEMMAP_FLASH_BANK_SIZE, .spi = -1, .role = BOARD_ROLE_FLASH0,
	  .wanted = want_flash },
	{ .ops = &cfi_flash_device, .base = MEMMAP_FLASH1_BASE,
	  .size = MEMMAP_FLASH_BANK_SIZE, .spi = -1, .role = BOARD_ROLE_FLASH1,
	  .wanted = want_flash },
	{ .ops = &pl011_device, .base = MEMMAP_UART_BASE, .size = MEMMAP_UART_SIZE,
	  .spi = MEMMAP_UART_SPI, .role = BOARD_ROLE_CONSOLE },
	{ .ops = &pl031_device, .base = MEMMAP_RTC_BASE, .size = MEMMAP_RTC_SIZE,
	  .spi = MEMMAP_RTC_SPI },
	{ .ops = &fw_cfg_device, .base = MEMMAP_FW_CFG_BASE,
	  .size = MEMMAP_FW_CFG_SIZE, .spi = -1, .role = BOARD_ROLE_FW_CFG },
	{ .ops = &pl061_device, .base = MEMMAP_GPIO_BASE, .size = MEMMAP_GPIO_SIZE,
	  .spi = MEMMAP_GPIO_SPI, .role = BOARD_ROLE_POWER_BUTTON },
	{ .ops = &testdev_device, .base = MEMMAP_TESTDEV_BASE,
	  .size = MEMMAP_TESTDEV_SIZE, .spi = -1, .wanted = want_testdev },
	/* the 32-bit window, the I/O window and ECAM, one after the other */
	{ .ops = &pci_host_device, .base = MEMMAP_PCIE_MMIO_BASE,
	  .size = MEMMAP_PCIE_ECAM_BASE + MEMMAP_PCIE_ECAM_SIZE - MEMMAP_PCIE_MMIO_BASE,
	  .spi = -1, .role = BOARD_ROLE_PCI_HOST },
};

const unsigned board_table_len = sizeof(board_table) / sizeof(board_table[0]);

bool board_table_present(const struct board_slot *slot,
			 const struct board_features *f)
{
	return !slot->wanted || slot->wanted(f);
}

bool board_table_node(const struct board_slot *s, struct dtb_device *out)
{
	if (!s->ops->dt.name)
		return false;
	*out = (struct dtb_device){ .dt = &s->ops->dt, .base = s->base, .size = s->size,
				    .spi = s->spi, .is_stdout = s->role == BOARD_ROLE_CONSOLE };
	return true;
}

unsigned board_table_dtb(const struct board_features *f, struct dtb_device *out,
			 unsigned max, int *power_button_pin)
{
	unsigned n = 0;

	*power_button_pin = -1;
	for (unsigned i = 0; i < board_table_len && n < max; i++) {
		const struct board_slot *s = &board_table[i];

		if (!board_table_present(s, f) || !board_table_node(s, &out[n]))
			continue;
		n++;
		if (s->role == BOARD_ROLE_POWER_BUTTON)
			*power_button_pin = MEMMAP_POWER_BUTTON_PIN;
	}
	return n;
}
