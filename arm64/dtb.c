#include "a64vm/dtb.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/memmap.h"

/* Interrupt specifier cells (bindings/interrupt-controller/arm,gic.yaml). */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_EDGE_RISING 1
#define IRQ_LEVEL_HIGH 4

#define PHANDLE_GIC 1
#define PHANDLE_APB_CLOCK 2
#define PHANDLE_ITS 4 /* 3 is DTB_PHANDLE_GPIO */
#define APB_CLOCK_HZ 24000000

/* Stops at the first libfdt error; the caller checks once at the end. */
struct dtb_writer {
	void *fdt;
	int err;
};

static void w_check(struct dtb_writer *w, int ret)
{
	if (ret && !w->err)
		w->err = ret;
}

static void w_begin(struct dtb_writer *w, const char *name)
{
	if (!w->err)
		w_check(w, fdt_begin_node(w->fdt, name));
}

static void w_end(struct dtb_writer *w)
{
	if (!w->err)
		w_check(w, fdt_end_node(w->fdt));
}

static void w_prop(struct dtb_writer *w, const char *name, const void *val,
		   int len)
{
	if (!w->err)
		w_check(w, fdt_property(w->fdt, name, val, len));
}

static void w_u32(struct dtb_writer *w, const char *name, uint32_t val)
{
	if (!w->err)
		w_check(w, fdt_property_u32(w->fdt, name, val));
}

static void w_u64(struct dtb_writer *w, const char *name, uint64_t val)
{
	if (!w->err)
		w_check(w, fdt_property_u64(w->fdt, name, val));
}

static void w_str(struct dtb_writer *w, const char *name, const char *val)
{
	if (!w->err)
		w_check(w, fdt_property_string(w->fdt, name, val));
}

/* Writes big-endian cells; n at most 160 (the PCIe interrupt-map). */
static void w_cells(struct dtb_writer *w, const char *name,
		    const uint32_t *cells, unsigned n)
{
	fdt32_t be[160];

	if (n > 160)
		n = 160;
	for (unsigned i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	w_prop(w, name, be, (int)(n * sizeof(be[0])));
}

/* reg = <base size> with two address and two size cells. */
static void w_reg2(struct dtb_writer *w, const uint64_t *pairs, unsigned npairs)
{
	uint32_t cells[16];

	for (unsigned i = 0; i < npairs && i < 4; i++) {
		cells[4 * i + 0] = (uint32_t)(pairs[2 * i] >> 32);
		cells[4 * i + 1] = (uint32_t)pairs[2 * i];
		cells[4 * i + 2] = (uint32_t)(pairs[2 * i + 1] >> 32);
		cells[4 * i + 3] = (uint32_t)pairs[2 * i + 1];
	}
	w_cells(w, "reg", cells, 4 * npairs);
}

static void w_node_at(struct dtb_writer *w, const char *name, uint64_t addr)
{
	char node[64];

	snprintf(node, sizeof(node), "%s@%llx", name, (unsigned long long)addr);
	w_begin(w, node);
}

static void write_chosen(struct dtb_writer *w, const struct dtb_machine *m)
{
	char path[64] = "";

	for (unsigned i = 0; i < m->ndevices; i++)
		if (m->devices[i].is_stdout)
			snprintf(path, sizeof(path), "/%s@%llx", m->devices[i].dt->name,
				 (unsigned long long)m->devices[i].base);
	w_begin(w, "chosen");
	if (m->bootargs)
		w_str(w, "bootargs", m->bootargs);
	if (path[0])
		w_str(w, "stdout-path", path);
	if (m->initrd_end > m->initrd_start) {
		w_u64(w, "linux,initrd-start", m->initrd_start);
		w_u64(w, "linux,initrd-end", m->initrd_end);
	}
	w_prop(w, "rng-seed", m->rng_seed, sizeof(m->rng_seed));
	w_u64(w, "kaslr-seed", m->kaslr_seed);
	w_end(w);
}

static void write_cpus(struct dtb_writer *w, const struct dtb_machine *m)
{
	bool wide = false;

	for (unsigned i = 0; i < m->ncpus; i++)
		wide |= (m->mpidr[i] & 0xff00000000ull) != 0;
	w_begin(w, "cpus");
	w_u32(w, "#address-cells", wide ? 2 : 1);
	w_u32(w, "#size-cells", 0);
	for (unsigned i = 0; i < m->ncpus; i++) {
		uint64_t reg = m->mpidr[i] & 0xff00ffffffull;

		w_node_at(w, "cpu", reg);
		w_str(w, "device_type", "cpu");
		w_str(w, "compatible", "arm,arm-v8");
		w_str(w, "enable-method", "psci");
		if (wide)
			w_u64(w, "reg", reg);
		else
			w_u32(w, "reg", (uint32_t)reg);
		w_end(w);
	}
	w_end(w);
}

static void write_gic(struct dtb_writer *w, const struct dtb_machine *m)
{
	const uint64_t regs[] = { m->gic_dist_base, m->gic_dist_size,
				  m->gic_cpu_base, m->gic_cpu_size };
	static const char v3[] = "arm,gic-v3";
	static const char v2[] = "arm,cortex-a15-gic";

	w_node_at(w, "intc", m->gic_dist_base);
	if (m->gic_version == 3)
		w_prop(w, "compatible", v3, sizeof(v3));
	else
		w_prop(w, "compatible", v2, sizeof(v2));
	w_u32(w, "#interrupt-cells", 3);
	w_prop(w, "interrupt-controller", NULL, 0);
	w_u32(w, "#address-cells", 2);
	w_u32(w, "#size-cells", 2);
	w_prop(w, "ranges", NULL, 0);
	w_reg2(w, regs, 2);
	/* No maintenance interrupt: as on QEMU, the guest gets no EL2. */
	if (m->gic_version == 3)
		w_u32(w, "#redistributor-regions", 1);
	w_u32(w, "phandle", PHANDLE_GIC);
	if (m->gic_its) {
		static const char its[] = "arm,gic-v3-its";

		w_node_at(w, "its", MEMMAP_GIC_ITS_BASE);
		w_prop(w, "compatible", its, sizeof(its));
		w_prop(w, "msi-controller", NULL, 0);
		w_u32(w, "#msi-cells", 1);
		w_reg2(w, (const uint64_t[]){ MEMMAP_GIC_ITS_BASE, MEMMAP_GIC_ITS_SIZE }, 1);
		w_u32(w, "phandle", PHANDLE_ITS);
		w_end(w);
	}
	w_end(w);
}

/* A PPI's interrupt flags: GICv2 specifiers name the CPUs it goes to. */
static uint32_t ppi_flags(const struct dtb_machine *m)
{
	uint32_t flags = IRQ_LEVEL_HIGH;

	if (m->gic_version == 2)
		flags |= ((1u << (m->ncpus < 8 ? m->ncpus : 8)) - 1) << 8;
	return flags;
}

static void write_pmu(struct dtb_writer *w, const struct dtb_machine *m)
{
	w_begin(w, "pmu");
	w_str(w, "compatible", "arm,armv8-pmuv3");
	w_cells(w, "interrupts",
		(const uint32_t[]){ GIC_PPI, MEMMAP_PPI_PMU, ppi_flags(m) }, 3);
	w_end(w);
}

static void write_timer_psci(struct dtb_writer *w, const struct dtb_machine *m)
{
	static const char psci[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
	static const char timer[] = "arm,armv8-timer\0arm,armv7-timer";
	static const unsigned ppis[] = {
		MEMMAP_PPI_SEC_PHYS_TIMER, MEMMAP_PPI_PHYS_TIMER,
		MEMMAP_PPI_VIRT_TIMER, MEMMAP_PPI_HYP_TIMER,
	};
	uint32_t flags = ppi_flags(m), cells[12];

	for (unsigned i = 0; i < 4; i++) {
		cells[3 * i] = GIC_PPI;
		cells[3 * i + 1] = ppis[i];
		cells[3 * i + 2] = flags;
	}
	w_begin(w, "timer");
	w_prop(w, "compatible", timer, sizeof(timer));
	w_cells(w, "interrupts", cells, 12);
	w_prop(w, "always-on", NULL, 0);
	w_end(w);

	w_begin(w, "psci");
	w_prop(w, "compatible", psci, sizeof(psci));
	w_str(w, "method", "hvc");
	/* SMC64 function IDs, for an "arm,psci" (0.1) reader, as QEMU gives */
	w_u32(w, "cpu_suspend", 0xc4000001);
	w_u32(w, "cpu_off", 0x84000002);
	w_u32(w, "cpu_on", 0xc4000003);
	w_u32(w, "migrate", 0xc4000005);
	w_end(w);
}

/*
 * The PCIe host bridge, as QEMU's virt board writes it: ECAM over buses
 * 0-15, the I/O, 32-bit and (when RAM leaves room) 64-bit windows, and
 * INTx of slots rotated over four SPIs (QEMU's swizzle and mask).
 */
static void write_pci_host(struct dtb_writer *w, const struct dtb_device *d,
			   const struct dtb_machine *m)
{
	uint32_t ranges[21] = {
		0x01000000, 0, 0, (uint32_t)(MEMMAP_PCIE_PIO_BASE >> 32),
		(uint32_t)MEMMAP_PCIE_PIO_BASE, 0, (uint32_t)MEMMAP_PCIE_PIO_SIZE,
		0x02000000, (uint32_t)(MEMMAP_PCIE_MMIO_BASE >> 32),
		(uint32_t)MEMMAP_PCIE_MMIO_BASE, (uint32_t)(MEMMAP_PCIE_MMIO_BASE >> 32),
		(uint32_t)MEMMAP_PCIE_MMIO_BASE, 0, (uint32_t)MEMMAP_PCIE_MMIO_SIZE,
		0x03000000, (uint32_t)(MEMMAP_PCIE_MMIO64_BASE >> 32),
		(uint32_t)MEMMAP_PCIE_MMIO64_BASE, (uint32_t)(MEMMAP_PCIE_MMIO64_BASE >> 32),
		(uint32_t)MEMMAP_PCIE_MMIO64_BASE, (uint32_t)(MEMMAP_PCIE_MMIO64_SIZE >> 32),
		(uint32_t)MEMMAP_PCIE_MMIO64_SIZE,
	};
	bool high = m->mem_base + m->mem_size <= MEMMAP_PCIE_MMIO64_BASE;
	uint32_t map[4 * 4 * 10];

	for (uint32_t slot = 0, i = 0; slot < 4; slot++)
		for (uint32_t pin = 0; pin < 4; pin++, i += 10) {
			const uint32_t entry[10] = {
				slot << 11, 0, 0, pin + 1, PHANDLE_GIC, 0, 0, GIC_SPI,
				MEMMAP_PCIE_INTX_SPI + (pin + slot) % 4, IRQ_LEVEL_HIGH,
			};

			memcpy(&map[i], entry, sizeof(entry));
		}
	w_node_at(w, d->dt->name, d->base);
	w_prop(w, "compatible", d->dt->compatible, (int)d->dt->compatible_len);
	w_str(w, "device_type", "pci");
	w_u32(w, "#address-cells", 3);
	w_u32(w, "#size-cells", 2);
	w_reg2(w, (const uint64_t[]){ MEMMAP_PCIE_ECAM_BASE, MEMMAP_PCIE_ECAM_SIZE }, 1);
	w_cells(w, "bus-range", (const uint32_t[]){ 0, MEMMAP_PCIE_BUSES - 1 }, 2);
	w_u32(w, "linux,pci-domain", 0);
	w_prop(w, "dma-coherent", NULL, 0);
	w_cells(w, "ranges", ranges, high ? 21 : 14);
	w_u32(w, "#interrupt-cells", 1);
	w_cells(w, "interrupt-map-mask", (const uint32_t[]){ 0x1800, 0, 0, 7 }, 4);
	w_cells(w, "interrupt-map", map, sizeof(map) / sizeof(map[0]));
	/* Requester ID = ITS device ID, for every bus. */
	if (m->gic_its)
		w_cells(w, "msi-map", (const uint32_t[]){ 0, PHANDLE_ITS, 0, 0x10000 }, 4);
	w_end(w);
}

/*
 * A device's node; n > 1 consecutive slots of a one_node model share it,
 * a reg entry each (both flash banks, as QEMU describes them).
 */
static void write_device(struct dtb_writer *w, const struct dtb_device *d, unsigned n)
{
	static const char uart_clocks[] = "uartclk\0apb_pclk";
	const struct device_dt *dt = d->dt;
	uint64_t reg[8];

	for (unsigned i = 0; i < n && i < 4; i++) {
		reg[2 * i] = d[i].base;
		reg[2 * i + 1] = d[i].size;
	}
	w_node_at(w, dt->name, d->base);
	w_prop(w, "compatible", dt->compatible, (int)dt->compatible_len);
	w_reg2(w, reg, n < 4 ? n : 4);
	if (d->spi >= 0)
		w_cells(w, "interrupts", (const uint32_t[]){ GIC_SPI, (uint32_t)d->spi,
			dt->edge_irq ? IRQ_EDGE_RISING : IRQ_LEVEL_HIGH }, 3);
	if (dt->u32_prop.name)
		w_u32(w, dt->u32_prop.name, dt->u32_prop.value);
	if (dt->dma_coherent)
		w_prop(w, "dma-coherent", NULL, 0);
	switch (dt->clocks) {
	case DEVICE_CLOCKS_NONE:
		break;
	case DEVICE_CLOCKS_APB:
		w_u32(w, "clocks", PHANDLE_APB_CLOCK);
		w_str(w, "clock-names", "apb_pclk");
		break;
	case DEVICE_CLOCKS_UART_APB:
		w_cells(w, "clocks",
			(const uint32_t[]){ PHANDLE_APB_CLOCK, PHANDLE_APB_CLOCK }, 2);
		w_prop(w, "clock-names", uart_clocks, sizeof(uart_clocks));
		break;
	}
	if (dt->gpio_controller) {
		w_prop(w, "gpio-controller", NULL, 0);
		w_u32(w, "#gpio-cells", 2);
		w_u32(w, "phandle", DTB_PHANDLE_GPIO);
	}
	w_end(w);
}

static void write_devices(struct dtb_writer *w, const struct dtb_machine *m)
{
	for (unsigned i = 0, n; i < m->ndevices; i += n) {
		const struct device_dt *dt = m->devices[i].dt;

		n = 1;
		while (dt && dt->one_node && i + n < m->ndevices &&
		       m->devices[i + n].dt == dt)
			n++;
		if (dt && dt->pci_host)
			write_pci_host(w, &m->devices[i], m);
		else if (dt)
			write_device(w, &m->devices[i], n);
	}
}

/* A power button on a GPIO line, as QEMU's virt board has. */
static void write_gpio_keys(struct dtb_writer *w, int pin)
{
	w_begin(w, "gpio-keys");
	w_str(w, "compatible", "gpio-keys");
	w_begin(w, "poweroff");
	w_str(w, "label", "GPIO Key Poweroff");
	w_u32(w, "linux,code", DTB_KEY_POWER);
	w_cells(w, "gpios",
		(const uint32_t[]){ DTB_PHANDLE_GPIO, (uint32_t)pin, 0 /* active high */ }, 3);
	w_end(w);
	w_end(w);
}

int dtb_build(const struct dtb_machine *m, void *buf, size_t size)
{
	struct dtb_writer w = { .fdt = buf };
	const uint64_t mem[] = { m->mem_base, m->mem_size };

	if (size > INT32_MAX || !m->ncpus || (m->gic_version != 2 && m->gic_version != 3))
		return -EINVAL;
	w_check(&w, fdt_create(buf, (int)size));
	if (!w.err)
		w_check(&w, fdt_finish_reservemap(buf));
	w_begin(&w, "");
	w_str(&w, "compatible", "linux,dummy-virt");
	w_str(&w, "model", "a64vm");
	w_u32(&w, "#address-cells", 2);
	w_u32(&w, "#size-cells", 2);
	w_u32(&w, "interrupt-parent", PHANDLE_GIC);

	write_chosen(&w, m);
	w_node_at(&w, "memory", m->mem_base);
	w_str(&w, "device_type", "memory");
	w_reg2(&w, mem, 1);
	w_end(&w);
	write_cpus(&w, m);
	write_timer_psci(&w, m);
	if (m->pmu)
		write_pmu(&w, m);
	write_gic(&w, m);

	w_begin(&w, "apb-pclk");
	w_str(&w, "compatible", "fixed-clock");
	w_u32(&w, "#clock-cells", 0);
	w_u32(&w, "clock-frequency", APB_CLOCK_HZ);
	w_str(&w, "clock-output-names", "clk24mhz");
	w_u32(&w, "phandle", PHANDLE_APB_CLOCK);
	w_end(&w);

	write_devices(&w, m);
	if (m->power_button_pin >= 0)
		write_gpio_keys(&w, m->power_button_pin);
	w_end(&w);
	if (!w.err)
		w_check(&w, fdt_finish(buf));
	if (w.err)
		return w.err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	return 0;
}

/* What libfdt can be trusted to read: a version 16+ header within len. */
static bool header_sane(const void *buf, size_t len)
{
	const struct fdt_header *h = buf;

	return len >= sizeof(*h) && len <= INT32_MAX &&
	       fdt32_to_cpu(h->magic) == FDT_MAGIC &&
	       fdt32_to_cpu(h->version) >= 16 &&
	       fdt32_to_cpu(h->last_comp_version) <= 17 &&
	       fdt32_to_cpu(h->totalsize) <= len;
}

int dtb_patch_chosen(void *buf, size_t blob_len, size_t size, const char *bootargs,
		     uint64_t initrd_start, uint64_t initrd_end)
{
	int chosen, ret;

	if (blob_len > size || size > INT32_MAX || !header_sane(buf, blob_len) ||
	    fdt_check_full(buf, fdt_totalsize(buf)))
		return -EINVAL;
	ret = fdt_open_into(buf, buf, (int)size);
	if (ret)
		return ret == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	chosen = fdt_path_offset(buf, "/chosen");
	if (chosen < 0)
		chosen = fdt_add_subnode(buf, 0, "chosen");
	if (chosen < 0)
		return -EINVAL;
	ret = 0;
	if (bootargs)
		ret = fdt_setprop_string(buf, chosen, "bootargs", bootargs);
	if (!ret && initrd_end > initrd_start) {
		ret = fdt_setprop_u64(buf, chosen, "linux,initrd-start", initrd_start);
		if (!ret)
			ret = fdt_setprop_u64(buf, chosen, "linux,initrd-end",
					      initrd_end);
	}
	if (!ret)
		ret = fdt_pack(buf);
	if (ret)
		return ret == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	return 0;
}

size_t dtb_size(const void *buf)
{
	return fdt_totalsize(buf);
}
