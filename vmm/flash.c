#include "a64vm/flash.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "a64vm/log.h"

static int refuse(struct flash_bank *b, const char *why, int err)
{
	log_error("%s %s: %s", b->name, b->path, why);
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	return err;
}

/* The file's bytes into storage; the bank keeps the file open to write it. */
static int read_file(struct flash_bank *b, enum flash_source source)
{
	struct stat st;
	uint64_t done = 0;

	b->fd = open(b->path, (b->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		int err = errno;

		return refuse(b, err == EROFS || err == EACCES ?
			      "cannot be written (add ,ro to use it read-only)" :
			      strerror(err), -err);
	}
	if (fstat(b->fd, &st) || !S_ISREG(st.st_mode))
		return refuse(b, "not a regular file", -EINVAL);
	if ((uint64_t)st.st_size > b->size)
		return refuse(b, "larger than the 64 MiB flash bank", -EFBIG);
	/* Root may write anything: a file nobody may write stays unwritten. */
	if (!b->read_only && !(st.st_mode & 0222))
		return refuse(b, "the file is read-only (add ,ro to use it read-only)",
			      -EACCES);
	if (source == FLASH_FILE &&
	    flock(b->fd, (b->read_only ? LOCK_SH : LOCK_EX) | LOCK_NB))
		return refuse(b, errno == EWOULDBLOCK ? "in use by another process "
			      "(it holds the file's lock)" : strerror(errno), -EBUSY);
	while (done < (uint64_t)st.st_size) {
		ssize_t n = pread(b->fd, b->storage + done, (size_t)st.st_size - done,
				  (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return refuse(b, n < 0 ? strerror(errno) : "shorter than it was",
				      -EIO);
		done += (uint64_t)n;
	}
	b->file_size = done;
	file_identity_of(b->fd, &b->file_id); /* fstat answered above */
	if (source == FLASH_IMAGE) {
		close(b->fd);
		b->fd = -1;
	}
	return 0;
}

int flash_bank_identity(const struct flash_bank *b, struct file_identity *id)
{
	if (b->fd >= 0)
		return file_identity_of(b->fd, id);
	if (!b->path)
		return -ENOENT;
	*id = b->file_id;
	return 0;
}

int flash_bank_open(struct flash_bank *b, const char *name, uint64_t base,
		    uint64_t size, enum flash_source source, const char *path,
		    bool read_only)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	b->base = base;
	b->size = size;
	b->fd = -1;
	b->vm_fd = -1;
	b->path = path;
	b->read_only = read_only || source == FLASH_IMAGE;
	/* Zeros, as QEMU pads a short -bios image; untouched pages cost nothing. */
	b->storage = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->storage == MAP_FAILED) {
		b->storage = NULL;
		log_error("%s: cannot allocate %llu MiB", name,
			  (unsigned long long)(size >> 20));
		return -ENOMEM;
	}
	madvise(b->storage, size, MADV_DONTDUMP); /* the guest's, as RAM is */
	b->view = (struct flash_image){ .size = size, .storage = b->storage,
					.image = b->storage };
	return source == FLASH_VOLATILE ? 0 : read_file(b, source);
}

void flash_bank_close(struct flash_bank *b)
{
	if (b->view.image && !flash_image_shared(&b->view))
		munmap(b->view.image, b->size);
	if (b->storage)
		munmap(b->storage, b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->storage = b->view.image = NULL;
	b->fd = -1;
}

static int set_memslot(struct flash_bank *b, bool on)
{
	struct kvm_userspace_memory_region r = {
		.slot = b->slot, .flags = KVM_MEM_READONLY, .guest_phys_addr = b->base,
		.memory_size = on ? b->size : 0,
		.userspace_addr = (uint64_t)(uintptr_t)b->view.image,
	};

	if (ioctl(b->vm_fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		log_ratelimited(LOG_ERROR, "%s: KVM_SET_USER_MEMORY_REGION: %s", b->name,
				strerror(errno));
		return -errno;
	}
	return 0;
}

void flash_bank_attach(struct flash_bank *b, int vm_fd, unsigned slot)
{
	bool want = b->mapped;

	b->vm_fd = vm_fd;
	b->slot = slot;
	b->mapped = false;
	if (want && !set_memslot(b, true))
		b->mapped = true;
}

void flash_bank_direct_reads(struct flash_bank *b, bool on)
{
	if (on == b->mapped)
		return;
	/* Before the VM exists only the wish is kept (flash_bank_attach). */
	if (b->vm_fd < 0 || !set_memslot(b, on))
		b->mapped = on;
}

/* len bytes at off of the file, from data (NULL: 0xff). */
static int write_file(struct flash_bank *b, uint64_t off, const uint8_t *data, uint64_t len)
{
	uint8_t erased[4096]; /* per call: two banks may erase at once */

	if (!data)
		memset(erased, 0xff, sizeof(erased));
	while (len) {
		size_t chunk = data || len < sizeof(erased) ? len : sizeof(erased);
		ssize_t n = pwrite(b->fd, data ? data : erased, chunk, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (uint64_t)n;
		len -= (uint64_t)n;
		if (data)
			data += n;
	}
	return 0;
}

/*
 * The file first: the padding of a file that grows (zeros in storage),
 * then the bytes, then the disk's word that it has them.
 */
static int persist(struct flash_bank *b, uint64_t off, const uint8_t *data, uint64_t len)
{
	int ret = 0;

	if (off > b->file_size)
		ret = write_file(b, b->file_size, b->storage + b->file_size,
				 off - b->file_size);
	if (!ret)
		ret = write_file(b, off, data, len);
	if (!ret && fdatasync(b->fd))
		ret = -errno;
	if (ret) {
		log_ratelimited(LOG_ERROR, "%s %s: %s; the guest sees a %s error", b->name,
				b->path, strerror(-ret), data ? "program" : "erase");
		return ret;
	}
	if (off + len > b->file_size)
		b->file_size = off + len;
	return 0;
}

/* The guest's view follows the contents; it may run what changed. */
static void refresh_image(struct flash_bank *b, uint64_t off, uint64_t len)
{
	uint8_t *img = b->view.image;

	flash_image_refresh(&b->view, off, len);
	__builtin___clear_cache((char *)img + off, (char *)img + off + len);
}

int flash_bank_write(struct flash_bank *b, uint64_t off, const uint8_t *data,
		     uint64_t len)
{
	int ret;

	if (off > b->size || len > b->size - off)
		return -EFAULT;
	if (b->read_only)
		return -EROFS;
	ret = b->fd >= 0 ? persist(b, off, data, len) : 0;
	if (ret)
		return ret;
	if (data)
		memcpy(b->storage + off, data, len);
	else
		memset(b->storage + off, 0xff, len);
	refresh_image(b, off, len);
	return 0;
}

int flash_bank_load(struct flash_bank *b, uint64_t off, const void *data,
		    uint64_t len, uint64_t zeros)
{
	if (off > b->size || len > b->size - off || zeros > b->size - off - len)
		return -EFAULT;
	memcpy(b->storage + off, data, len);
	memset(b->storage + off + len, 0, zeros);
	refresh_image(b, off, len + zeros);
	return 0;
}

/* The guest's view gets its own copy once the debugger changes it. */
static int split_image(struct flash_bank *b)
{
	uint8_t *copy = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (copy == MAP_FAILED)
		return -ENOMEM;
	madvise(copy, b->size, MADV_DONTDUMP);
	memcpy(copy, b->storage, b->size);
	if (b->mapped)
		set_memslot(b, false);
	b->view.image = copy;
	if (b->mapped && set_memslot(b, true))
		b->mapped = false;
	return 0;
}

int flash_bank_debug_access(struct flash_bank *b, uint64_t off, uint8_t *buf,
			    size_t len, bool write)
{
	int ret;

	if (off > b->size || len > b->size - off)
		return -EFAULT;
	if (!write) {
		memcpy(buf, b->view.image + off, len);
		return 0;
	}
	ret = flash_image_debug_write(&b->view, off, buf, len);
	if (ret == 1)
		ret = split_image(b);
	if (!ret)
		ret = flash_image_debug_write(&b->view, off, buf, len);
	if (!ret)
		__builtin___clear_cache((char *)b->view.image + off,
					(char *)b->view.image + off + len);
	return ret;
}
