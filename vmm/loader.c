#include "a64vm/loader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "a64vm/arch.h"
#include "a64vm/board.h"
#include "a64vm/device_list.h"
#include "a64vm/dtb.h"
#include "a64vm/file.h"
#include "a64vm/fw_cfg.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/memory.h"
#include "a64vm/vcpu.h"

#define GENERATED_DTB_SIZE (64u << 10)
#define FLASH_END (MEMMAP_FLASH1_BASE + MEMMAP_FLASH_BANK_SIZE)

void loader_free(struct loader *l)
{
	free(l->kernel.data);
	free(l->initrd);
	free(l->dtb);
	l->kernel.data = l->initrd = l->dtb = NULL;
}

static bool in_ram(const struct config *cfg, uint64_t addr, uint64_t len)
{
	return addr >= MEMMAP_RAM_BASE && addr - MEMMAP_RAM_BASE <= cfg->mem_size &&
	       len <= cfg->mem_size - (addr - MEMMAP_RAM_BASE);
}

static bool in_flash(uint64_t addr, uint64_t len)
{
	return addr < FLASH_END && len <= FLASH_END - addr;
}

/* Each segment must land in RAM or in flash, never across or outside. */
static int check_elf(const struct loader *l)
{
	for (unsigned i = 0; i < l->kernel.elf.nsegments; i++) {
		const struct boot_elf_segment *s = &l->kernel.elf.segments[i];

		if (!in_ram(l->cfg, s->paddr, s->memsz) && !in_flash(s->paddr, s->memsz)) {
			log_error("kernel %s: ELF segment [%#" PRIx64 ", %#" PRIx64
				  ") is outside RAM and flash", l->cfg->kernel, s->paddr,
				  s->paddr + s->memsz);
			return -EINVAL;
		}
	}
	return 0;
}

static int read_direct(const struct config *cfg, struct loader *l)
{
	char err[200];
	int ret = boot_read_kernel(cfg->kernel, &l->kernel);

	if (ret)
		return ret;
	l->have_kernel = true;
	if (l->kernel.kind == BOOT_ELF) {
		if (cfg->initrd)
			log_warn("--initrd is for Linux kernels: not loaded with an ELF "
				 "kernel");
		return check_elf(l);
	}
	ret = boot_plan(MEMMAP_RAM_BASE, cfg->mem_size, &l->kernel.info, l->initrd_len,
			&l->layout, err, sizeof(err));
	if (ret)
		log_error("%s", err);
	return ret;
}

/* A direct boot reads the initrd straight into guest RAM: its size now. */
static int size_initrd(const struct config *cfg, struct loader *l)
{
	size_t none = 0;
	int ret = file_read_head(cfg->initrd, cfg->mem_size, NULL, &none, &l->initrd_len);

	if (ret)
		log_error("initrd %s: %s", cfg->initrd,
			  ret == -EFBIG ? "too large" : strerror(-ret));
	return ret;
}

int loader_read(const struct config *cfg, struct loader *l)
{
	int ret = 0;

	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->firmware = config_firmware_boot(cfg);
	if (cfg->initrd && !l->firmware)
		ret = size_initrd(cfg, l);
	else if (cfg->initrd)
		ret = boot_read_blob("initrd", cfg->initrd, cfg->mem_size, false,
				     &l->initrd, &l->initrd_len);
	if (!ret && cfg->dtb)
		ret = boot_read_blob("dtb", cfg->dtb, BOOT_DTB_MAX - 4096, false, &l->dtb,
				     &l->dtb_len);
	/* Firmware gets the kernel as QEMU gives it: uncompressed, unparsed. */
	if (!ret && cfg->kernel && l->firmware) {
		ret = boot_read_blob("kernel", cfg->kernel, BOOT_IMAGE_MAX_SIZE, true,
				     &l->kernel.data, &l->kernel.len);
		l->have_kernel = !ret;
	} else if (!ret && cfg->kernel) {
		ret = read_direct(cfg, l);
	}
	if (ret)
		loader_free(l);
	return ret;
}

bool loader_needs_flash(const struct loader *l)
{
	for (unsigned i = 0; !l->firmware && l->kernel.kind == BOOT_ELF &&
			     i < l->kernel.elf.nsegments; i++)
		if (in_flash(l->kernel.elf.segments[i].paddr, l->kernel.elf.segments[i].memsz))
			return true;
	return false;
}

/* Where the DTB goes, and the initrd range /chosen names (0, 0: none). */
struct placement {
	uint64_t dtb_addr;
	uint64_t initrd_start, initrd_end;
};

static int patch_user_dtb(struct loader *l, const struct placement *p)
{
	/*
	 * Room to add /chosen properties, zeroed: it ends up in guest RAM. A
	 * new buffer, not realloc, whose mremap no seccomp filter allows.
	 */
	size_t size = l->dtb_len + 4096;
	uint8_t *buf = malloc(size);
	int ret;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, l->dtb, l->dtb_len);
	memset(buf + l->dtb_len, 0, size - l->dtb_len);
	free(l->dtb);
	l->dtb = buf;
	ret = dtb_patch_chosen(buf, l->dtb_len, size, l->cfg->append, p->initrd_start,
			       p->initrd_end);
	if (ret)
		log_error("dtb %s: not a usable device tree", l->cfg->dtb);
	l->dtb_len = ret ? 0 : dtb_size(buf);
	return ret;
}

static int make_dtb(const struct loader_target *t, struct loader *l,
		    const struct placement *p)
{
	uint64_t mpidr[CONFIG_MAX_CPUS];
	struct dtb_device devices[DEVICE_LIST_MAX];
	struct dtb_machine m = {
		.mem_base = MEMMAP_RAM_BASE, .mem_size = t->cfg->mem_size,
		.ncpus = t->ncpus, .mpidr = mpidr,
		.gic_version = t->gic->version,
		.gic_dist_base = t->gic->dist_base, .gic_dist_size = t->gic->dist_size,
		.gic_cpu_base = t->gic->cpu_base, .gic_cpu_size = t->gic->cpu_size,
		.gic_its = t->gic->its_fd >= 0,
		.bootargs = t->cfg->append,
		.initrd_start = p->initrd_start, .initrd_end = p->initrd_end,
		.pmu = t->cpu->pmu, .power_button_pin = t->devices->power_button_pin,
	};
	uint8_t *buf;
	int ret;

	if (l->dtb)
		return patch_user_dtb(l, p);
	for (unsigned i = 0; i < t->ncpus; i++)
		mpidr[i] = t->vcpus[i].mpidr;
	m.ndevices = device_list_nodes(t->devices, devices, DEVICE_LIST_MAX);
	m.devices = devices;
	if (getrandom(m.rng_seed, sizeof(m.rng_seed), 0) != sizeof(m.rng_seed) ||
	    getrandom(&m.kaslr_seed, sizeof(m.kaslr_seed), 0) != sizeof(m.kaslr_seed))
		log_warn("no random seed for the guest: %s", strerror(errno));
	buf = malloc(GENERATED_DTB_SIZE);
	if (!buf)
		return -ENOMEM;
	ret = dtb_build(&m, buf, GENERATED_DTB_SIZE);
	if (ret) {
		log_error("cannot build the device tree: %s", strerror(-ret));
		free(buf);
		return ret;
	}
	l->dtb = buf;
	l->dtb_len = dtb_size(buf);
	return 0;
}

static bool elf_overlaps(const struct loader *l, uint64_t addr, uint64_t len)
{
	for (unsigned i = 0; i < l->kernel.elf.nsegments; i++) {
		const struct boot_elf_segment *s = &l->kernel.elf.segments[i];

		if (addr < s->paddr + s->memsz && s->paddr < addr + len)
			return true;
	}
	return false;
}

/* The DTB at the RAM base, as QEMU does for ELF files, or at the top. */
static int place_elf_dtb(const struct loader *l, struct placement *p)
{
	uint64_t top = MEMMAP_RAM_BASE + l->cfg->mem_size - BOOT_DTB_MAX;

	if (!elf_overlaps(l, MEMMAP_RAM_BASE, BOOT_DTB_MAX))
		p->dtb_addr = MEMMAP_RAM_BASE;
	else if (!elf_overlaps(l, top, BOOT_DTB_MAX))
		p->dtb_addr = top;
	else {
		log_error("kernel %s: the ELF file leaves no 2 MiB at either end of "
			  "RAM for the device tree", l->cfg->kernel);
		return -ENOSPC;
	}
	return 0;
}

static struct placement plan(const struct loader *l)
{
	struct placement p = { .dtb_addr = MEMMAP_RAM_BASE };

	if (!l->firmware && l->have_kernel && l->kernel.kind != BOOT_ELF) {
		p.dtb_addr = l->layout.dtb_addr;
		if (l->initrd_len) {
			p.initrd_start = l->layout.initrd_addr;
			p.initrd_end = l->layout.initrd_addr + l->initrd_len;
		}
	}
	return p;
}

static int load_elf(const struct loader_target *t, const struct loader *l)
{
	int ret = 0;

	for (unsigned i = 0; i < l->kernel.elf.nsegments && !ret; i++) {
		const struct boot_elf_segment *s = &l->kernel.elf.segments[i];
		const uint8_t *data = l->kernel.data + s->offset;
		uint8_t *ram = memory_gpa_to_hva(t->mem, s->paddr, s->memsz);

		if (ram && t->restoring) {
			continue;
		} else if (ram) {
			memcpy(ram, data, s->filesz);
			memset(ram + s->filesz, 0, s->memsz - s->filesz);
		} else {
			ret = board_flash_load(t->board, s->paddr, data, s->filesz,
					       s->memsz - s->filesz);
		}
	}
	return ret;
}

/* From the buffer, or straight from the file when there is none. */
static int load_blob(const struct loader_target *t, const char *what, const char *path,
		     const uint8_t *data, size_t len, uint64_t addr)
{
	uint8_t *ram = memory_gpa_to_hva(t->mem, addr, len);
	int ret;

	if (data || !ram)
		return memory_write(t->mem, addr, data, len);
	ret = file_read_into(path, ram, len, t->setup);
	if (ret)
		log_error("%s %s: %s", what, path,
			  ret == -EIO ? "shorter than it was" : strerror(-ret));
	return ret;
}

static int load_linux(const struct loader_target *t, const struct loader *l)
{
	const struct boot_layout *lay = &l->layout;
	uint64_t size = l->kernel.info.image_size;
	int ret = load_blob(t, "kernel", l->kernel.path, l->kernel.data, l->kernel.len,
			    lay->kernel_addr);

	/* The kernel expects its BSS and the rest of image_size zeroed. */
	if (!ret && size > l->kernel.len)
		memset(memory_gpa_to_hva(t->mem, lay->kernel_addr + l->kernel.len,
					 size - l->kernel.len),
		       0, size - l->kernel.len);
	if (!ret && l->initrd_len)
		ret = load_blob(t, "initrd", t->cfg->initrd, l->initrd, l->initrd_len,
				lay->initrd_addr);
	return ret;
}

/*
 * Firmware finds kernel, initrd and command line in fw_cfg, as on QEMU.
 * No board lock: every vCPU is parked (at creation, or held for a reboot),
 * so no guest access to fw_cfg can run beside this.
 */
static int fill_fw_cfg(const struct loader_target *t, struct loader *l)
{
	struct fw_cfg *f = board_fw_cfg(t->board);
	const char *cmdline = t->cfg->append;
	int ret = fw_cfg_set_le(f, FW_CFG_NB_CPUS, t->ncpus, 2);

	if (!ret && l->kernel.data && l->kernel.len <= UINT32_MAX) {
		ret = fw_cfg_set_le(f, FW_CFG_KERNEL_SIZE, l->kernel.len, 4);
		if (!ret)
			ret = fw_cfg_set(f, FW_CFG_KERNEL_DATA, l->kernel.data,
					 (uint32_t)l->kernel.len);
		if (!ret)
			l->kernel.data = NULL; /* fw_cfg owns it now */
	}
	if (!ret && l->initrd_len > UINT32_MAX) {
		log_error("--initrd: fw_cfg items hold at most 4 GiB");
		ret = -EFBIG;
	}
	if (!ret && l->initrd) {
		ret = fw_cfg_set_le(f, FW_CFG_INITRD_SIZE, l->initrd_len, 4);
		if (!ret)
			ret = fw_cfg_set(f, FW_CFG_INITRD_DATA, l->initrd,
					 (uint32_t)l->initrd_len);
		if (!ret)
			l->initrd = NULL; /* likewise */
	}
	if (!ret && cmdline) {
		ret = fw_cfg_set_le(f, FW_CFG_CMDLINE_SIZE, strlen(cmdline) + 1, 4);
		if (!ret)
			ret = fw_cfg_set_copy(f, FW_CFG_CMDLINE_DATA, cmdline,
					      (uint32_t)strlen(cmdline) + 1);
	}
	return ret;
}

static int prepare_dtb(const struct loader_target *t, struct loader *l, struct placement *p)
{
	int ret = 0;

	*p = plan(l);
	if (!l->firmware && l->kernel.kind == BOOT_ELF)
		ret = place_elf_dtb(l, p);
	if (!ret)
		ret = make_dtb(t, l, p);
	if (!ret && l->dtb_len > BOOT_DTB_MAX) {
		log_error("the device tree is larger than 2 MiB");
		ret = -E2BIG;
	}
	return ret;
}

int loader_load(const struct loader_target *t, struct loader *l)
{
	struct placement p;
	uint64_t entry = MEMMAP_FLASH0_BASE, x0 = 0;
	int ret = prepare_dtb(t, l, &p);

	if (!ret && l->firmware) {
		ret = fill_fw_cfg(t, l);
	} else if (!ret && l->kernel.kind == BOOT_ELF) {
		ret = load_elf(t, l);
		entry = l->kernel.elf.entry;
		x0 = p.dtb_addr;
	} else if (!ret && !t->restoring) {
		ret = load_linux(t, l);
		entry = l->layout.kernel_addr;
		x0 = p.dtb_addr;
	}
	if (!ret && !t->restoring)
		ret = memory_write(t->mem, p.dtb_addr, l->dtb, l->dtb_len);
	if (!ret && !t->restoring)
		ret = cpu_set_entry(t->vcpus[0].fd, entry, x0);
	loader_free(l);
	return ret;
}

int loader_dump_dtb(const struct loader_target *t, struct loader *l,
		    const char *path)
{
	struct placement p;
	int ret = prepare_dtb(t, l, &p);

	if (!ret) {
		ret = file_write_all(path, l->dtb, l->dtb_len);
		if (ret)
			log_error("cannot write %s: %s", path, strerror(-ret));
	}
	loader_free(l);
	return ret;
}
