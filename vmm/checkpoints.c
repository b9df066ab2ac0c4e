#include "a64vm/checkpoints.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "a64vm/arch.h"
#include "a64vm/errmsg.h"
#include "a64vm/log.h"
#include "a64vm/memory.h"
#include "a64vm/mono_time.h"
#include "a64vm/snapshot.h"

#define PAGE 4096u

static size_t bitmap_words(const struct guest_mem *mem)
{
	return (size_t)((mem->size / PAGE + 63) / 64);
}

static bool name_ok(const char *name)
{
	size_t len = strlen(name);

	return len && len <= CHECKPOINT_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

struct checkpoints *checkpoints_new(int vm_fd, uint32_t ram_slot)
{
	struct checkpoints *c = calloc(1, sizeof(*c));

	if (c) {
		c->vm_fd = vm_fd;
		c->ram_slot = ram_slot;
	}
	return c;
}

static void drop(struct checkpoint *cp)
{
	free(cp->ram);
	free(cp->dirty);
	free(cp->state);
	memset(cp, 0, sizeof(*cp));
}

void checkpoints_free(struct checkpoints *c)
{
	for (unsigned i = 0; c && i < c->n; i++)
		drop(&c->list[i]);
	if (c)
		free(c->harvest);
	free(c);
}

static struct checkpoint *find(struct checkpoints *c, const char *name)
{
	for (unsigned i = 0; i < c->n; i++)
		if (!strcmp(c->list[i].name, name))
			return &c->list[i];
	return NULL;
}

/* KVM's dirty log for RAM's memslot and a64vm's own count, on from the first checkpoint. */
static int start_logging(struct checkpoints *c, struct guest_mem *mem)
{
	struct kvm_userspace_memory_region r = {
		.slot = c->ram_slot, .flags = KVM_MEM_LOG_DIRTY_PAGES,
		.guest_phys_addr = mem->base, .memory_size = mem->size,
		.userspace_addr = (uint64_t)(uintptr_t)mem->hva,
	};

	if (c->logging)
		return 0;
	if (!c->harvest && !(c->harvest = calloc(bitmap_words(mem), sizeof(uint64_t))))
		return -ENOMEM;
	if (memory_track_touched(mem))
		return -ENOMEM;
	if (ioctl(c->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	c->logging = 1;
	return 0;
}

/* The pages written since the last harvest, the guest's and a64vm's, into every checkpoint's. */
static int harvest(struct checkpoints *c, const struct guest_mem *mem)
{
	struct kvm_dirty_log log = { .slot = c->ram_slot, .dirty_bitmap = c->harvest };
	size_t words = bitmap_words(mem);

	memset(c->harvest, 0, words * sizeof(uint64_t));
	if (ioctl(c->vm_fd, KVM_GET_DIRTY_LOG, &log))
		return -errno;
	memory_take_touched(mem, c->harvest);
	for (unsigned i = 0; i < c->n; i++)
		for (size_t w = 0; w < words; w++)
			c->list[i].dirty[w] |= c->harvest[w];
	return 0;
}

/* A new checkpoint's buffers, or an old one of that name to replace. */
static struct checkpoint *slot_for(struct checkpoints *c, const struct guest_mem *mem,
				   const char *name)
{
	struct checkpoint *cp = find(c, name);

	if (cp)
		return cp;
	if (c->n == CHECKPOINTS_MAX)
		return NULL;
	cp = &c->list[c->n];
	cp->ram = malloc(mem->size);
	cp->dirty = calloc(bitmap_words(mem), sizeof(uint64_t));
	if (!cp->ram || !cp->dirty) {
		drop(cp);
		return NULL;
	}
	snprintf(cp->name, sizeof(cp->name), "%s", name);
	c->n++;
	return cp;
}

int checkpoints_take(struct checkpoints *c, const struct snapshot_wiring *w, const char *name,
		     char *err, size_t errlen)
{
	struct checkpoint *cp;
	uint8_t *state = NULL;
	size_t len = 0;
	char why[200];
	int ret;

	if (!name_ok(name))
		return errmsg_ret(err, errlen, -EINVAL, "a checkpoint's name is 1 to %u of A-Z a-z 0-9 "
			          "_ . -", CHECKPOINT_NAME_MAX);
	/* The LPI pending bits and the ITS's tables go to RAM, then its copy. */
	ret = gic_state_flush(w->gic);
	if (ret)
		snprintf(why, sizeof(why), "the vGIC cannot write its tables to RAM");
	else
		ret = snapshot_state_build(w, &state, &len, why, sizeof(why));
	if (ret) {
		free(state);
		return errmsg_ret(err, errlen, ret, "%s", why);
	}
	ret = start_logging(c, w->mem);
	if (!ret)
		ret = harvest(c, w->mem);
	if (ret) {
		free(state);
		return errmsg_ret(err, errlen, ret, "KVM's dirty log: %s", strerror(-ret));
	}
	cp = slot_for(c, w->mem, name);
	if (!cp) {
		free(state);
		return errmsg_ret(err, errlen, -ENOSPC, c->n == CHECKPOINTS_MAX ? "%u checkpoints are "
			          "held already (a name of one replaces it)" : "no memory for a copy of "
			          "guest RAM", CHECKPOINTS_MAX);
	}
	memcpy(cp->ram, w->mem->hva, w->mem->size);
	memset(cp->dirty, 0, bitmap_words(w->mem) * sizeof(uint64_t));
	free(cp->state);
	cp->state = state;
	cp->state_len = len;
	/* Our own bytes: they parse (and keep parsing) as they were written. */
	return snapshot_parse(cp->state, cp->state_len, &cp->ix, err, errlen);
}

/* Copies back cp's dirty pages: the count. */
static uint64_t copy_back(const struct checkpoint *cp, const struct guest_mem *mem)
{
	uint64_t pages = 0;

	for (size_t w = 0; w < bitmap_words(mem); w++)
		for (uint64_t bits = cp->dirty[w]; bits; bits &= bits - 1) {
			uint64_t off = ((uint64_t)w * 64 + (uint64_t)__builtin_ctzll(bits)) * PAGE;

			memcpy(mem->hva + off, cp->ram + off, PAGE);
			/* The guest may run what came back (its code, a breakpoint gone). */
			__builtin___clear_cache((char *)mem->hva + off, (char *)mem->hva + off + PAGE);
			pages++;
		}
	return pages;
}

int checkpoints_rewind(struct checkpoints *c, const struct snapshot_wiring *w,
		       const char *name, uint64_t *pages, char *err, size_t errlen)
{
	struct checkpoint *cp = find(c, name);
	size_t words = bitmap_words(w->mem);
	char why[200];
	uint64_t t0 = mono_ns(), t1;
	int ret;

	if (!cp)
		return errmsg_ret(err, errlen, -ENOENT, "no checkpoint is named '%s'", name);
	ret = harvest(c, w->mem);
	if (ret)
		return errmsg_ret(err, errlen, ret, "KVM's dirty log: %s", strerror(-ret));
	t1 = mono_ns();
	*pages = copy_back(cp, w->mem);
	log_debug("rewind: dirty log %.2f ms, %llu pages back %.2f ms", (double)(t1 - t0) / 1e6,
		  (unsigned long long)*pages, (double)(mono_ns() - t1) / 1e6);
	/* What came back differs now from the other checkpoints' RAM. */
	for (unsigned i = 0; i < c->n; i++)
		for (size_t k = 0; &c->list[i] != cp && k < words; k++)
			c->list[i].dirty[k] |= cp->dirty[k];
	memset(cp->dirty, 0, words * sizeof(uint64_t));
	ret = snapshot_restore_machine(w, &cp->ix, why, sizeof(why));
	if (ret)
		errmsg_ret(err, errlen, ret, "%s", why);
	return ret;
}

void checkpoints_ram_replaced(struct checkpoints *c, const struct snapshot_wiring *w)
{
	for (unsigned i = 0; c && i < c->n; i++)
		memset(c->list[i].dirty, 0xff, bitmap_words(w->mem) * sizeof(uint64_t));
	/* What the log and the touched bits held is in the sets above. */
	if (c && c->logging)
		harvest(c, w->mem);
}
