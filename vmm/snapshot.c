#include "a64vm/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a64vm/board.h"
#include "a64vm/config.h"
#include "a64vm/device_opener.h"
#include "a64vm/errmsg.h"
#include "a64vm/file.h"
#include "a64vm/log.h"
#include "a64vm/memmap.h"
#include "a64vm/memory.h"
#include "a64vm/mono_time.h"
#include "a64vm/pci_testdev_slot.h"
#include "a64vm/snapshot_conf.h"
#include "a64vm/snapshot_file.h"
#include "a64vm/snapshot_host.h"
#include "a64vm/vcpu.h"
#include "a64vm/virtio_devices.h"

#define VCPU_TAG SNAPSHOT_TAG('V', 'C', 'P', 'U')
#define PAGE 4096u

/* What this VM is: a restore builds the same or refuses (snapshot_host.h). */
static struct snapshot_host host_id_of(const struct snapshot_wiring *w)
{
	return (struct snapshot_host){
		.ncpus = w->ncpus, .sve_vq = w->cpu->sve_vq, .gic = w->gic->version,
		.its = w->gic->its_fd >= 0, .nr_irqs = MEMMAP_NR_IRQS,
		.features = (uint32_t)w->cpu->pmu | (uint32_t)w->cpu->sve << 1 |
			    (uint32_t)w->cpu->ptrauth << 2 | (uint32_t)w->cpu->mte << 3,
		.mem_size = w->mem->size,
	};
}

/* The state file, read whole and checked. */
struct state {
	uint8_t *buf;
	size_t len;
	struct snapshot_index ix;
};

/* dir/state from fd (closed here), read whole and checked. */
static int read_state_fd(int fd, const char *dir, struct state *st, char *err, size_t errlen)
{
	char why[160];
	int ret = file_read_fd_all(fd, SNAPSHOT_MAX_LEN, &st->buf, &st->len);

	close(fd);
	if (ret)
		return errmsg_ret(err, errlen, ret, "%s/state: %s", dir, ret == -EFBIG || ret == -EINVAL ?
			          "not a snapshot's state file" : strerror(-ret));
	if (snapshot_parse(st->buf, st->len, &st->ix, why, sizeof(why))) {
		free(st->buf);
		st->buf = NULL;
		return errmsg_ret(err, errlen, -EINVAL, "%s/state: %s", dir, why);
	}
	return 0;
}

static int read_state(const char *dir, struct state *st, char *err, size_t errlen)
{
	char path[4096];
	int fd;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/state", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errmsg_ret(err, errlen, -errno, "%s: %s", path, strerror(errno));
	return read_state_fd(fd, dir, st, err, errlen);
}

int snapshot_restore_argv(const char *dir, int argc, char *const argv[], char ***out,
			  int *nout, char *err, size_t errlen)
{
	struct state st;
	char why[200];
	int ret = read_state(dir, &st, err, errlen);

	if (ret)
		return ret;
	ret = snapshot_conf_merge(snapshot_find(&st.ix, SNAPSHOT_CONF_TAG, 0), argc, argv, out,
				  nout, why, sizeof(why));
	if (ret)
		errmsg_ret(err, errlen, ret, "%s/state: %s", dir, why);
	free(st.buf);
	return ret;
}

static bool zero_page(const uint8_t *p)
{
	static const uint8_t zeros[PAGE];

	return !memcmp(p, zeros, PAGE);
}

/*
 * Guest RAM's pages in [off, end) that are not all zeros, at their
 * offsets: zero pages stay holes (a fresh guest's RAM is mostly zeros).
 */
static int save_ram_range(const struct guest_mem *mem, int fd, uint64_t off, uint64_t end)
{
	int ret = 0;

	while (off < end && !ret) {
		uint64_t to;

		if (zero_page(mem->hva + off)) {
			off += PAGE;
			continue;
		}
		for (to = off + PAGE; to < end && !zero_page(mem->hva + to); to += PAGE)
			;
		ret = file_pwrite_all(fd, mem->hva + off, (size_t)(to - off), off);
		off = to;
	}
	return ret;
}

/*
 * The next run of pages fd holds at or after off, below size: 1 with
 * [*data, *end), 0 when none is left, or -errno.
 */
static int next_pages(int fd, uint64_t off, uint64_t size, uint64_t *data, uint64_t *end)
{
	off_t d = lseek(fd, (off_t)off, SEEK_DATA), h;

	if (d < 0)
		return errno == ENXIO ? 0 : -errno; /* ENXIO: no more pages */
	h = lseek(fd, d, SEEK_HOLE);
	if (h < 0)
		return -errno;
	*data = (uint64_t)d & ~(uint64_t)(PAGE - 1);
	*end = (uint64_t)h < size ? (uint64_t)h : size;
	return *data < size;
}

/*
 * RAM a memfd holds (shared with a daemon) is read only where it has
 * pages: reading a hole of it would allocate one.
 */
static int save_ram(const struct guest_mem *mem, int fd)
{
	uint64_t data = 0, end = 0;
	int ret = ftruncate(fd, (off_t)mem->size) ? -errno : 0;

	if (ret || mem->fd < 0)
		return ret ? ret : save_ram_range(mem, fd, 0, mem->size);
	while ((ret = next_pages(mem->fd, end, mem->size, &data, &end)) > 0)
		if ((ret = save_ram_range(mem, fd, data, end)))
			return ret;
	return ret;
}

/*
 * A file of dir made anew as NAME.new (dir too), to be renamed over NAME
 * once whole; by the opener child, since this thread's filter opens nothing.
 */
static int create_new(const struct snapshot_wiring *w, const char *dir, const char *name,
		      char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
	return device_opener_file(w->files, DEVICE_OPENER_CREATE, path);
}

static int commit(const struct snapshot_wiring *w, const char *dir, const char *name, int fd)
{
	char path[4096];

	if (fsync(fd))
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return device_opener_file(w->files, DEVICE_OPENER_COMMIT, path);
}

static int build_state(const struct snapshot_wiring *w, const struct snapshot_host *host,
		       struct snapshot_writer *sw, char *err, size_t errlen)
{
	uint64_t *mpidrs = calloc(w->ncpus, sizeof(*mpidrs));
	int ret = mpidrs ? 0 : -ENOMEM;

	snapshot_host_put(sw, host);
	snapshot_conf_save(sw, w->cfg->argc, w->cfg->argv);
	for (unsigned i = 0; i < w->ncpus && !ret; i++) {
		snapshot_writer_begin(sw, VCPU_TAG, i);
		ret = cpu_state_save(w->vcpus[i].fd, sw);
		mpidrs[i] = w->vcpus[i].mpidr;
	}
	if (ret) {
		free(mpidrs);
		return errmsg_ret(err, errlen, ret, "cannot read a vCPU's registers");
	}
	ret = gic_state_save(w->gic, mpidrs, w->ncpus, sw);
	free(mpidrs);
	if (ret)
		return errmsg_ret(err, errlen, ret, "cannot read the vGIC's state");
	ret = board_save(w->board, sw, err, errlen);
	if (!ret) {
		virtio_devices_save(w->virtio, sw);
		pci_testdev_slot_save(w->pci_testdev, sw);
	}
	return ret;
}

/* How long a snapshot waits for the devices' requests in flight to end. */
#define SNAPSHOT_DRAIN_MS 10000

/* What cannot be saved yet is named before anything is written. */
static int check_saveable(const struct snapshot_wiring *w, bool to_files, char *err,
			  size_t errlen)
{
	int ret = virtio_devices_check_saveable(w->virtio, to_files, err, errlen);

	if (ret)
		return ret;
	if (w->gic->version != 3)
		return errmsg_ret(err, errlen, -ENOTSUP, "a64vm saves a GICv3, and this VM has a GICv2");
	return 0;
}

int snapshot_state_build(const struct snapshot_wiring *w, uint8_t **buf, size_t *len,
			 char *err, size_t errlen)
{
	struct snapshot_host host = host_id_of(w);
	struct snapshot_writer sw;
	const uint8_t *out = NULL;
	int ret = check_saveable(w, false, err, errlen);

	if (ret)
		return ret;
	snapshot_writer_init(&sw);
	ret = build_state(w, &host, &sw, err, errlen);
	if (!ret && (ret = snapshot_writer_finish(&sw, &out, len)))
		errmsg_ret(err, errlen, ret, "its state does not fit the format: %s", strerror(-ret));
	if (!ret && !(*buf = malloc(*len)))
		ret = errmsg_ret(err, errlen, -ENOMEM, "no memory for its state");
	if (!ret)
		memcpy(*buf, out, *len);
	snapshot_writer_free(&sw);
	return ret;
}

static double ms_since(uint64_t *t)
{
	uint64_t now = mono_ns(), then = *t;

	*t = now;
	return (double)(now - then) / 1e6;
}

/* The devices held: RAM, then the state that names it. */
static int save_held(const struct snapshot_wiring *w, const char *dir, char *err,
		     size_t errlen)
{
	struct snapshot_host host = host_id_of(w);
	struct snapshot_writer sw;
	char path[4096];
	const uint8_t *buf = NULL;
	size_t len = 0;
	struct stat sb;
	int ram_fd = -1, state_fd = -1;
	uint64_t t = mono_ns();
	double host_ms;
	/* The LPI pending bits and the ITS's tables go to RAM first. */
	int ret = gic_state_flush(w->gic);

	if (ret)
		return errmsg_ret(err, errlen, ret, "the vGIC cannot write its tables to RAM");
	/* A disk's image, first: nothing else is written if it cannot be. */
	if ((ret = virtio_devices_save_host(w->virtio, err, errlen)))
		return ret;
	host_ms = ms_since(&t);
	ram_fd = create_new(w, dir, "memory", path, sizeof(path));
	if (ram_fd < 0)
		return errmsg_ret(err, errlen, ram_fd, "%s.new: %s", path, strerror(-ram_fd));
	ret = save_ram(w->mem, ram_fd);
	if (!ret && fstat(ram_fd, &sb))
		ret = -errno;
	if (!ret)
		log_debug("snapshot: vGIC tables and devices' host side %.2f ms, RAM %.2f ms",
			  host_ms, ms_since(&t));
	if (ret) {
		close(ram_fd);
		return errmsg_ret(err, errlen, ret, "%s: %s", path, strerror(-ret));
	}
	/* The state names its memory file: a restore refuses another. */
	host.memory_ino = (uint64_t)sb.st_ino;
	host.memory_size = (uint64_t)sb.st_size;
	snapshot_writer_init(&sw);
	ret = build_state(w, &host, &sw, err, errlen);
	if (!ret && (ret = snapshot_writer_finish(&sw, &buf, &len)))
		errmsg_ret(err, errlen, ret, "its state does not fit the format: %s", strerror(-ret));
	if (!ret && (state_fd = create_new(w, dir, "state", path, sizeof(path))) < 0)
		ret = errmsg_ret(err, errlen, state_fd, "%s.new: %s", path, strerror(-state_fd));
	if (!ret && (ret = file_pwrite_all(state_fd, buf, len, 0)))
		errmsg_ret(err, errlen, ret, "%s: %s", path, strerror(-ret));
	if (!ret && ((ret = commit(w, dir, "memory", ram_fd)) ||
		     (ret = commit(w, dir, "state", state_fd))))
		errmsg_ret(err, errlen, ret, "%s: %s", dir, strerror(-ret));
	snapshot_writer_free(&sw);
	close(ram_fd);
	if (state_fd >= 0)
		close(state_fd);
	return ret;
}

int snapshot_save(const struct snapshot_wiring *w, const char *dir, char *err, size_t errlen)
{
	uint64_t t = mono_ns();
	int ret = check_saveable(w, true, err, errlen);

	if (ret)
		return ret;
	if (!w->files)
		return errmsg_ret(err, errlen, -ENOTSUP, "this VM has no helper to write files");
	/* RAM and the devices as one moment: no request in flight, none taken meanwhile. */
	if (virtio_devices_hold(w->virtio, SNAPSHOT_DRAIN_MS))
		return errmsg_ret(err, errlen, -ETIMEDOUT, "a device's requests were still in flight "
			          "after %u s", SNAPSHOT_DRAIN_MS / 1000);
	log_debug("snapshot: the devices quiet after %.2f ms", ms_since(&t));
	ret = save_held(w, dir, err, errlen);
	virtio_devices_release(w->virtio);
	return ret;
}

/* The memory file's pages, its holes (zero pages) skipped: RAM that is still all zeros. */
static int read_ram_pages(struct guest_mem *mem, int fd)
{
	uint64_t data = 0, end = 0;
	int ret;

	while ((ret = next_pages(fd, end, mem->size, &data, &end)) > 0)
		if ((ret = file_pread_all(fd, mem->hva + data, (size_t)(end - data), data)))
			return ret;
	return ret;
}

/*
 * Copy-on-write from the file where RAM is a64vm's alone; read in
 * otherwise, only its pages where RAM is fresh (a new a64vm's: a memfd's
 * hole read would be a page allocated for nothing).
 */
static int restore_ram(const struct snapshot_wiring *w, int fd, bool fresh)
{
	struct guest_mem *mem = w->mem;

	if (mem->fd < 0 && !w->cfg->hugepages) {
		if (mmap(mem->hva, mem->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
			 0) == MAP_FAILED)
			return -errno;
		madvise(mem->hva, mem->size, MADV_DONTDUMP);
		return 0;
	}
	if (fresh)
		return read_ram_pages(mem, fd);
	return file_pread_all(fd, mem->hva, (size_t)mem->size, 0);
}

/* The memory file is the one its state names. */
static int check_memory(const char *dir, const struct snapshot_host *saved, int fd, char *err,
			size_t errlen)
{
	struct stat sb;

	if (fstat(fd, &sb) || (uint64_t)sb.st_ino != saved->memory_ino ||
	    (uint64_t)sb.st_size != saved->memory_size || saved->memory_size != saved->mem_size)
		return errmsg_ret(err, errlen, -EINVAL, "%s/memory is not the memory saved with its "
			          "state (replaced, or a snapshot cut short)", dir);
	return 0;
}

static int restore_vcpus(const struct snapshot_wiring *w, const struct snapshot_index *ix,
			 char *err, size_t errlen)
{
	char why[200];

	for (unsigned i = 0; i < w->ncpus; i++) {
		struct snapshot_cursor c;
		const struct snapshot_section *s = snapshot_find(ix, VCPU_TAG, i);
		int ret;

		if (!s)
			return errmsg_ret(err, errlen, -EINVAL, "it has no state for vCPU %u", i);
		/*
		 * Reset first, as a reboot does: KVM ignores userspace's writes of
		 * a timer interrupt's active state (a mapped interrupt), and only a
		 * reset clears one the running guest left active.
		 */
		ret = cpu_init(w->vm_fd, w->vcpus[i].fd, i == 0, w->cpu);
		if (ret)
			return errmsg_ret(err, errlen, ret, "vCPU %u cannot be reset: %s", i, strerror(-ret));
		snapshot_cursor_init(&c, s);
		ret = cpu_state_restore(w->vcpus[i].fd, &c, why, sizeof(why));
		if (ret)
			return errmsg_ret(err, errlen, ret, "vCPU %u: %s", i, why);
	}
	return 0;
}

int snapshot_restore_machine(const struct snapshot_wiring *w, const struct snapshot_index *ix,
			     char *err, size_t errlen)
{
	char why[200];
	uint64_t t = mono_ns();
	double vcpus_ms, gic_ms;
	int ret = restore_vcpus(w, ix, err, errlen);

	vcpus_ms = ms_since(&t);
	if (!ret && (ret = gic_state_restore(w->gic, ix, why, sizeof(why))))
		errmsg_ret(err, errlen, ret, "%s", why);
	gic_ms = ms_since(&t);
	if (!ret && (ret = board_restore(w->board, ix, why, sizeof(why))))
		errmsg_ret(err, errlen, ret, "%s", why);
	if (!ret && (ret = virtio_devices_restore(w->virtio, ix, why, sizeof(why))))
		errmsg_ret(err, errlen, ret, "%s", why);
	if (!ret && (ret = pci_testdev_slot_restore(w->pci_testdev, ix)))
		errmsg_ret(err, errlen, ret, ret == -ENODEV ? "the snapshot's VM and this one differ in "
		           "having a pci-testdev" : "its pci-testdev state is not one the model can be in");
	if (!ret)
		log_debug("machine restored: vCPUs %.2f ms, vGIC %.2f ms, devices %.2f ms", vcpus_ms,
			  gic_ms, ms_since(&t));
	return ret;
}

/*
 * dir's snapshot, its state already read, into w's VM: RAM, then the
 * machine. fresh: a new a64vm's, its RAM still all zeros.
 */
static int restore_read(const struct snapshot_wiring *w, const char *dir, struct state *st,
			int memory_fd, bool fresh, char *err, size_t errlen)
{
	struct snapshot_host saved, here = host_id_of(w);
	char why[300];
	int ret = 0;

	if (snapshot_host_get(&st->ix, &saved))
		ret = errmsg_ret(err, errlen, -EINVAL, "%s/state: it does not say what VM it holds", dir);
	if (!ret && (ret = snapshot_host_compare(&saved, &here, why, sizeof(why))))
		errmsg_ret(err, errlen, ret, "%s: %s", dir, why);
	if (!ret)
		ret = check_memory(dir, &saved, memory_fd, err, errlen);
	/* The host files last: nothing is changed until each is as it was. */
	if (!ret && ((ret = board_check_files(w->board, &st->ix, w->cfg->restore_force, why,
					      sizeof(why))) ||
		     (ret = virtio_devices_check_files(w->virtio, &st->ix, w->cfg->restore_force,
						       why, sizeof(why)))))
		errmsg_ret(err, errlen, ret, "%s: %s", dir, why);
	if (!ret && (ret = restore_ram(w, memory_fd, fresh)))
		errmsg_ret(err, errlen, ret, "%s/memory: %s", dir, strerror(-ret));
	if (!ret && (ret = snapshot_restore_machine(w, &st->ix, why, sizeof(why))))
		errmsg_ret(err, errlen, ret, "%s: %s", dir, why);
	return ret;
}

int snapshot_restore(const struct snapshot_wiring *w, const char *dir, char *err,
		     size_t errlen)
{
	struct state st;
	char path[4096];
	int fd, ret = read_state(dir, &st, err, errlen);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/memory", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ret = errmsg_ret(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (!ret && (ret = virtio_devices_hold(w->virtio, 0)))
		errmsg_ret(err, errlen, ret, "a device is busy");
	if (!ret) {
		ret = restore_read(w, dir, &st, fd, true, err, errlen);
		virtio_devices_release(w->virtio);
	}
	if (fd >= 0)
		close(fd);
	free(st.buf);
	return ret;
}

int snapshot_restore_live(const struct snapshot_wiring *w, const char *dir, char *err,
			  size_t errlen)
{
	struct state st;
	char path[4096];
	int fd, ret;

	if (!w->files)
		return errmsg_ret(err, errlen, -ENOTSUP, "this VM has no helper to open files");
	memset(&st, 0, sizeof(st));
	snprintf(path, sizeof(path), "%s/state", dir);
	fd = device_opener_file(w->files, DEVICE_OPENER_READ, path);
	if (fd < 0)
		return errmsg_ret(err, errlen, fd, "%s: %s", path, strerror(-fd));
	ret = read_state_fd(fd, dir, &st, err, errlen);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/memory", dir);
	fd = device_opener_file(w->files, DEVICE_OPENER_READ, path);
	if (fd < 0)
		ret = errmsg_ret(err, errlen, fd, "%s: %s", path, strerror(-fd));
	else
		ret = restore_read(w, dir, &st, fd, false, err, errlen);
	if (fd >= 0)
		close(fd);
	free(st.buf);
	return ret;
}
