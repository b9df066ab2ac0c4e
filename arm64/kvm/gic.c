#include "a64vm/arch.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/log.h"
#include "a64vm/memmap.h"

/* Redistributors must end below the UART: that caps GICv3 VMs. */
#define GIC_V3_MAX_CPUS (unsigned)(MEMMAP_GIC_REDIST_SIZE / MEMMAP_GIC_REDIST_PER_CPU)
#define GIC_V2_MAX_CPUS 8u

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) ? -errno : 0;
}

static int try_create(int vm_fd, unsigned version, unsigned ncpus,
		      struct gic *gic)
{
	struct kvm_create_device cd = {
		.type = version == 3 ? KVM_DEV_TYPE_ARM_VGIC_V3
				     : KVM_DEV_TYPE_ARM_VGIC_V2,
	};
	uint64_t dist_attr = version == 3 ? KVM_VGIC_V3_ADDR_TYPE_DIST
					  : KVM_VGIC_V2_ADDR_TYPE_DIST;
	uint64_t cpu_attr = version == 3 ? KVM_VGIC_V3_ADDR_TYPE_REDIST
					 : KVM_VGIC_V2_ADDR_TYPE_CPU;
	uint32_t nr_irqs = MEMMAP_NR_IRQS;
	int ret;

	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &cd))
		return -errno;
	gic->fd = (int)cd.fd;
	gic->its_fd = -1;
	gic->version = version;
	gic->dist_base = MEMMAP_GIC_DIST_BASE;
	gic->dist_size = MEMMAP_GIC_DIST_SIZE;
	if (version == 3) {
		gic->cpu_base = MEMMAP_GIC_REDIST_BASE;
		gic->cpu_size = MEMMAP_GIC_REDIST_PER_CPU * ncpus;
	} else {
		gic->cpu_base = MEMMAP_GIC_CPU_BASE;
		gic->cpu_size = MEMMAP_GIC_CPU_SIZE;
	}
	ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, dist_attr,
		       &gic->dist_base);
	if (!ret)
		ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_ADDR, cpu_attr,
			       &gic->cpu_base);
	if (!ret)
		ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (ret) {
		log_error("cannot configure the vGICv%u: %s", version, strerror(-ret));
		gic_destroy(gic);
	}
	return ret;
}

int gic_create(int vm_fd, unsigned ncpus, struct gic *gic)
{
	int ret;

	gic->fd = gic->its_fd = -1;
	if (ncpus <= GIC_V3_MAX_CPUS) {
		ret = try_create(vm_fd, 3, ncpus, gic);
		if (ret != -ENODEV)
			return ret;
	}
	if (ncpus <= GIC_V2_MAX_CPUS) {
		ret = try_create(vm_fd, 2, ncpus, gic);
		if (ret != -ENODEV)
			return ret;
		log_error("the host offers neither a vGICv3 nor a vGICv2");
		return ret;
	}
	log_error("--cpus %u: the memory map has room for %u vCPUs' GICv3 "
		  "redistributors (%u with GICv2)", ncpus, GIC_V3_MAX_CPUS,
		  GIC_V2_MAX_CPUS);
	return -ENODEV;
}

void gic_create_its(int vm_fd, struct gic *gic)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	uint64_t base = MEMMAP_GIC_ITS_BASE;

	gic->its_fd = -1;
	if (gic->version != 3 || ioctl(vm_fd, KVM_CREATE_DEVICE, &cd)) {
		log_debug("no GICv3 ITS on this host: PCI devices use INTx, not MSI-X");
		return;
	}
	gic->its_fd = (int)cd.fd;
	if (set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &base)) {
		log_debug("cannot place the GICv3 ITS: PCI devices use INTx, not MSI-X");
		close(gic->its_fd);
		gic->its_fd = -1;
	}
}

int gic_init(struct gic *gic)
{
	int ret = set_attr(gic->fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	if (ret)
		log_error("cannot initialise the vGICv%u: %s", gic->version,
			  strerror(-ret));
	if (!ret && gic->its_fd >= 0 &&
	    set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
		     NULL)) {
		log_debug("cannot initialise the GICv3 ITS: PCI devices use INTx");
		close(gic->its_fd);
		gic->its_fd = -1;
	}
	return ret;
}

void gic_reset_its(struct gic *gic)
{
	if (gic->its_fd >= 0 &&
	    set_attr(gic->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_CTRL_RESET, NULL))
		log_ratelimited(LOG_WARN, "cannot reset the GICv3 ITS: %s", strerror(errno));
}

void gic_destroy(struct gic *gic)
{
	if (gic->fd >= 0)
		close(gic->fd);
	if (gic->its_fd >= 0)
		close(gic->its_fd);
	gic->fd = gic->its_fd = -1;
}

int gic_set_spi(int vm_fd, unsigned spi, bool level)
{
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (32 + spi),
		.level = level,
	};

	return ioctl(vm_fd, KVM_IRQ_LINE, &irq) ? -errno : 0;
}

unsigned gic_spi_gsi(unsigned spi)
{
	/* Without a routing table, KVM maps irqfd GSI N to SPI N. */
	return spi;
}
