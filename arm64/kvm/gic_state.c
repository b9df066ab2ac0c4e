/*
 * The vGICv3's and ITS's state for a snapshot, as the device attributes
 * arm64/gic_attrs.c lists, replayed in that order at restore. The LPI
 * pending bits and the ITS's tables live in guest RAM: gic_state_flush
 * writes them there before RAM is saved.
 */
#include "a64vm/arch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/gic_attrs.h"
#include "a64vm/kvm_records.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"

#define GIC3_TAG SNAPSHOT_TAG('G', 'I', 'C', '3')
#define ITS_TAG SNAPSHOT_TAG('I', 'T', 'S', '0')

static int attr_io(int fd, unsigned long req, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(fd, req, &a) ? -errno : 0;
}

int gic_state_flush(const struct gic *gic)
{
	int ret;

	if (gic->version != 3)
		return -ENOTSUP;
	ret = attr_io(gic->fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL,
		      KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES, NULL);
	if (!ret && gic->its_fd >= 0)
		ret = attr_io(gic->its_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL,
			      KVM_DEV_ARM_ITS_SAVE_TABLES, NULL);
	if (ret)
		log_error("snapshot: the vGIC cannot write its tables to guest RAM: %s",
			  strerror(-ret));
	return ret;
}

/* Each attribute of list read and kept; one the host lacks only if optional. */
static int save_list(int fd, const struct gic_attr *list, unsigned n, struct snapshot_writer *w)
{
	for (unsigned i = 0; i < n; i++) {
		struct kvm_records_attr r = { .group = list[i].group, .attr = list[i].attr };
		int ret = 0;

		if (list[i].kind == GIC_ATTR_CLEAR)
			r.value = gic_attrs_width(r.group) == 4 ? 0xffffffffu : ~0ull;
		else if (list[i].kind != GIC_ATTR_CTRL)
			ret = attr_io(fd, KVM_GET_DEVICE_ATTR, r.group, r.attr, &r.value);
		if (ret && list[i].kind == GIC_ATTR_IF_ANY)
			continue;
		if (ret) {
			log_error("snapshot: cannot read vGIC attribute %" PRIu32 ":%#" PRIx64 ": %s",
				  r.group, r.attr, strerror(-ret));
			return ret;
		}
		kvm_records_put_attr(w, &r);
	}
	return 0;
}

int gic_state_save(const struct gic *gic, const uint64_t *mpidrs, unsigned ncpus,
		   struct snapshot_writer *w)
{
	unsigned n = gic_attrs_v3(MEMMAP_NR_IRQS, mpidrs, ncpus, NULL, 0);
	struct gic_attr *list = calloc(n, sizeof(*list)), its[GIC_ATTRS_ITS_MAX];
	int ret;

	if (gic->version != 3) {
		log_error("snapshot: a64vm saves a GICv3, and this VM has a GICv2");
		free(list);
		return -ENOTSUP;
	}
	if (!list)
		return -ENOMEM;
	gic_attrs_v3(MEMMAP_NR_IRQS, mpidrs, ncpus, list, n);
	snapshot_writer_begin(w, GIC3_TAG, 0);
	ret = save_list(gic->fd, list, n, w);
	if (!ret && gic->its_fd >= 0) {
		snapshot_writer_begin(w, ITS_TAG, 0);
		ret = save_list(gic->its_fd, its, gic_attrs_its(its), w);
	}
	free(list);
	return ret;
}

/* Every record checked first (a bad one changes nothing), then set in order. */
static int replay(int fd, const struct snapshot_section *s, uint32_t allowed, const char *what,
		  char *err, size_t errlen)
{
	struct snapshot_cursor c;
	struct kvm_records_attr r;
	char why[120];

	for (int pass = 0; pass < 2; pass++) {
		snapshot_cursor_init(&c, s);
		while (!snapshot_cursor_done(&c)) {
			uint32_t v32;
			void *val;
			int ret;

			if (kvm_records_get_attr(&c, allowed, &r, why, sizeof(why))) {
				snprintf(err, errlen, "its %s state: %s", what, why);
				return -EINVAL;
			}
			if (r.group == KVM_DEV_ARM_VGIC_GRP_CTRL && r.attr != KVM_DEV_ARM_ITS_CTRL_RESET &&
			    r.attr != KVM_DEV_ARM_ITS_RESTORE_TABLES) {
				snprintf(err, errlen, "its %s state asks for control %" PRIu64,
					 what, r.attr);
				return -EINVAL;
			}
			if (!pass)
				continue;
			v32 = (uint32_t)r.value;
			val = gic_attrs_width(r.group) == 4 ? (void *)&v32 :
			      gic_attrs_width(r.group) ? (void *)&r.value : NULL;
			ret = attr_io(fd, KVM_SET_DEVICE_ATTR, r.group, r.attr, val);
			if (ret) {
				snprintf(err, errlen, "this host's KVM refuses its %s attribute "
					 "%" PRIu32 ":%#" PRIx64 " = %#" PRIx64 ": %s", what, r.group,
					 r.attr, r.value, strerror(-ret));
				return ret;
			}
		}
	}
	return 0;
}

int gic_state_restore(const struct gic *gic, const struct snapshot_index *ix, char *err,
		      size_t errlen)
{
	const struct snapshot_section *g = snapshot_find(ix, GIC3_TAG, 0);
	const struct snapshot_section *its = snapshot_find(ix, ITS_TAG, 0);
	int ret;

	if (gic->version != 3 || !g) {
		snprintf(err, errlen, "%s", gic->version != 3 ? "this host gives a GICv2, the "
			 "snapshot has a GICv3" : "it has no GICv3 state");
		return -EINVAL;
	}
	if (!its != (gic->its_fd < 0)) {
		snprintf(err, errlen, "the snapshot's VM %s an ITS and this host's KVM %s",
			 its ? "had" : "had no", its ? "has none" : "has one");
		return -EINVAL;
	}
	ret = replay(gic->fd, g, 1u << KVM_DEV_ARM_VGIC_GRP_DIST_REGS |
		     1u << KVM_DEV_ARM_VGIC_GRP_REDIST_REGS | 1u << KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS |
		     1u << KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, "GICv3", err, errlen);
	if (!ret && its)
		ret = replay(gic->its_fd, its, 1u << KVM_DEV_ARM_VGIC_GRP_ITS_REGS |
			     1u << KVM_DEV_ARM_VGIC_GRP_CTRL, "ITS", err, errlen);
	return ret;
}
