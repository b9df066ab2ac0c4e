/*
 * The machine's memory map and interrupt numbers: QEMU virt's layout, so
 * that firmware and kernels built for that board find every device where
 * they expect it. This is the only file that names a guest address; the
 * board table (arm64/board_table.c), the virtio slots and the device tree
 * take everything from here.
 */
#ifndef A64VM_MEMMAP_H
#define A64VM_MEMMAP_H

/* Two CFI flash banks: firmware code, then its variables. */
#define MEMMAP_FLASH0_BASE 0x00000000ull
#define MEMMAP_FLASH1_BASE 0x04000000ull
#define MEMMAP_FLASH_BANK_SIZE 0x04000000ull

#define MEMMAP_GIC_DIST_BASE 0x08000000ull
#define MEMMAP_GIC_DIST_SIZE 0x00010000ull
/* The GICv2 CPU interface (only where the host has no vGICv3). */
#define MEMMAP_GIC_CPU_BASE 0x08010000ull
#define MEMMAP_GIC_CPU_SIZE 0x00002000ull
/* The GICv3 ITS (MSIs), where the host's KVM has one; its doorbell. */
#define MEMMAP_GIC_ITS_BASE 0x08080000ull
#define MEMMAP_GIC_ITS_SIZE 0x00020000ull
#define MEMMAP_GIC_ITS_TRANSLATER (MEMMAP_GIC_ITS_BASE + 0x10040ull)
/* GICv3 redistributors, one frame pair per vCPU, up to the UART. */
#define MEMMAP_GIC_REDIST_BASE 0x080a0000ull
#define MEMMAP_GIC_REDIST_SIZE 0x00f60000ull
#define MEMMAP_GIC_REDIST_PER_CPU 0x00020000ull

#define MEMMAP_UART_BASE 0x09000000ull
#define MEMMAP_UART_SIZE 0x00001000ull
#define MEMMAP_RTC_BASE 0x09010000ull
#define MEMMAP_RTC_SIZE 0x00001000ull
#define MEMMAP_FW_CFG_BASE 0x09020000ull
#define MEMMAP_FW_CFG_SIZE 0x00000018ull
#define MEMMAP_GPIO_BASE 0x09030000ull
#define MEMMAP_GPIO_SIZE 0x00001000ull

/* virtio-mmio transports, slot N at BASE + N * SLOT_SIZE. */
#define MEMMAP_VIRTIO_BASE 0x0a000000ull
#define MEMMAP_VIRTIO_SLOT_SIZE 0x00000200ull
#define MEMMAP_VIRTIO_SLOTS 32u

/* a64vm's own test device (--testdev), in a hole of virt's map. */
#define MEMMAP_TESTDEV_BASE 0x0b000000ull
#define MEMMAP_TESTDEV_SIZE 0x00002000ull

/*
 * PCIe, as QEMU virt's low layout (hw/arm/virt.c): the 32-bit MMIO window,
 * the I/O window, ECAM for buses 0-15, and a 64-bit window at 512 GiB.
 * INTA-INTD are SPIs 3-6, rotated by slot.
 */
#define MEMMAP_PCIE_MMIO_BASE 0x10000000ull
#define MEMMAP_PCIE_MMIO_SIZE 0x2eff0000ull
#define MEMMAP_PCIE_PIO_BASE 0x3eff0000ull
#define MEMMAP_PCIE_PIO_SIZE 0x00010000ull
#define MEMMAP_PCIE_ECAM_BASE 0x3f000000ull
#define MEMMAP_PCIE_ECAM_SIZE 0x01000000ull
#define MEMMAP_PCIE_BUSES 16
#define MEMMAP_PCIE_MMIO64_BASE 0x8000000000ull
#define MEMMAP_PCIE_MMIO64_SIZE 0x8000000000ull
#define MEMMAP_PCIE_INTX_SPI 3
_Static_assert(MEMMAP_PCIE_MMIO_BASE + MEMMAP_PCIE_MMIO_SIZE == MEMMAP_PCIE_PIO_BASE &&
		       MEMMAP_PCIE_PIO_BASE + MEMMAP_PCIE_PIO_SIZE == MEMMAP_PCIE_ECAM_BASE,
	       "one host bridge region: 32-bit window, I/O window, ECAM");

#define MEMMAP_RAM_BASE 0x40000000ull
/* RAM ends inside a 40-bit IPA space, which every arm64 KVM host offers. */
#define MEMMAP_RAM_MAX ((1ull << 40) - MEMMAP_RAM_BASE)

/* Shared peripheral interrupts: INTID 32 + SPI. */
#define MEMMAP_UART_SPI 1u
#define MEMMAP_RTC_SPI 2u
#define MEMMAP_GPIO_SPI 7u
#define MEMMAP_VIRTIO_SPI 16u /* slot N gets SPI 16 + N */
#define MEMMAP_NR_IRQS 128u   /* 32 private + 96 SPIs */

/* Private peripheral interrupts: INTID 16 + PPI. */
#define MEMMAP_PPI_PMU 7u
#define MEMMAP_PPI_HYP_TIMER 10u
#define MEMMAP_PPI_VIRT_TIMER 11u
#define MEMMAP_PPI_SEC_PHYS_TIMER 13u
#define MEMMAP_PPI_PHYS_TIMER 14u

/* The power button: pin 3 of the PL061, as on QEMU's virt board. */
#define MEMMAP_POWER_BUTTON_PIN 3u

#endif
