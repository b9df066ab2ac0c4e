/*
 * virtio-blk figures from inside the guest, with direct I/O so that the
 * guest's page cache does not answer: sequential write and read of 64 MiB
 * in 1 MiB requests, then 4 KiB random reads and writes at queue depth 1
 * and 32 (as many threads, each with one request in flight); the writes
 * end with fdatasync, inside the time.
 * Usage: blkbench DEVICE (or a file: the test host's own I/O, the limit;
 * buffered where its file system takes no direct I/O, and says so)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOTAL (64u << 20)
#define BLOCK (1u << 20)
#define SMALL 4096u
#define RANDOM_SECONDS 4.0
#define MAX_DEPTH 32

static int buffered; /* the file system took no O_DIRECT: page-cache I/O */

/* O_DIRECT, or plain I/O where it is refused (tmpfs before Linux 6.6). */
static int open_io(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0 && errno == EINVAL) {
		fd = open(path, flags);
		buffered = fd >= 0;
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sequential(const char *dev, void *buf, int write_it)
{
	int fd = open_io(dev, write_it ? O_WRONLY : O_RDONLY);
	double t0 = now();

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	for (unsigned off = 0; off < TOTAL; off += BLOCK) {
		ssize_t n = write_it ? pwrite(fd, buf, BLOCK, off) : pread(fd, buf, BLOCK, off);

		if (n != (ssize_t)BLOCK) {
			perror("I/O");
			return 1;
		}
	}
	if (write_it)
		fdatasync(fd);
	printf("BENCH virtio-blk sequential-%s %.1f MB/s (64 MiB, 1 MiB %s I/O)\n",
	       write_it ? "write" : "read", TOTAL / 1e6 / (now() - t0),
	       buffered ? "buffered" : "direct");
	close(fd);
	return 0;
}

/* The interrupts virtio devices raised so far, on every CPU. */
static unsigned long virtio_interrupts(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	unsigned long sum = 0;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':'), *end;

		if (!p || !strstr(line, "virtio"))
			continue;
		for (unsigned long n = strtoul(++p, &end, 10); end != p;
		     n = strtoul(p, &end, 10)) {
			sum += n;
			p = end;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

struct worker {
	pthread_t thread;
	int fd;
	int write_it;
	unsigned seed;
	double t0;
	unsigned long done;
	int failed;
};

static void *random_io(void *arg)
{
	struct worker *w = arg;
	void *buf;

	if (posix_memalign(&buf, SMALL, SMALL)) {
		w->failed = 1;
		return NULL;
	}
	for (unsigned i = 0; i < SMALL; i++)
		((unsigned char *)buf)[i] = (unsigned char)(i + w->seed);
	while (now() - w->t0 < RANDOM_SECONDS) {
		off_t off = (off_t)(rand_r(&w->seed) % (TOTAL / SMALL)) * SMALL;
		ssize_t n = w->write_it ? pwrite(w->fd, buf, SMALL, off)
					: pread(w->fd, buf, SMALL, off);

		if (n != (ssize_t)SMALL) {
			perror("random I/O");
			w->failed = 1;
			break;
		}
		w->done++;
	}
	free(buf);
	return NULL;
}

static int random_4k(const char *dev, int write_it, unsigned depth)
{
	static struct worker w[MAX_DEPTH];
	int fd = open_io(dev, write_it ? O_WRONLY : O_RDONLY);
	unsigned long total = 0, irqs = virtio_interrupts();
	double t0 = now(), t;
	int failed = 0;

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	for (unsigned i = 0; i < depth; i++) {
		w[i] = (struct worker){ .fd = fd, .write_it = write_it, .seed = i + 1, .t0 = t0 };
		if (pthread_create(&w[i].thread, NULL, random_io, &w[i]))
			return 1;
	}
	for (unsigned i = 0; i < depth; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].done;
		failed |= w[i].failed;
	}
	if (write_it && fdatasync(fd))
		failed = 1;
	t = now() - t0;
	irqs = virtio_interrupts() - irqs;
	close(fd);
	if (failed)
		return 1;
	printf("BENCH virtio-blk random-%s-4k-qd%u %.0f IOPS %.2f MB/s (%lu in %.1f s, "
	       "%.2f interrupts a request)\n", write_it ? "write" : "read", depth,
	       total / t, total * SMALL / 1e6 / t, total, t, total ? (double)irqs / total : 0);
	return 0;
}

int main(int argc, char **argv)
{
	void *buf;

	if (argc != 2 || posix_memalign(&buf, 4096, BLOCK)) {
		fprintf(stderr, "usage: blkbench DEVICE\n");
		return 2;
	}
	for (unsigned i = 0; i < BLOCK; i++)
		((unsigned char *)buf)[i] = (unsigned char)(i * 31);
	return sequential(argv[1], buf, 1) || sequential(argv[1], buf, 0) ||
	       random_4k(argv[1], 0, 1) || random_4k(argv[1], 1, 1) ||
	       random_4k(argv[1], 0, MAX_DEPTH) || random_4k(argv[1], 1, MAX_DEPTH);
}
