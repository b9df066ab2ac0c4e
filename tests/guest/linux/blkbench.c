/*
 * virtio-blk figures from inside the guest, with direct I/O so that the
 * guest's page cache does not answer: sequential write and read of 64 MiB
 * in 1 MiB requests, and 4 KiB random reads for a few seconds.
 * Usage: blkbench DEVICE
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define TOTAL (64u << 20)
#define BLOCK (1u << 20)
#define SMALL 4096u
#define RANDOM_SECONDS 5.0

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sequential(const char *dev, void *buf, int write_it)
{
	int fd = open(dev, (write_it ? O_WRONLY : O_RDONLY) | O_DIRECT);
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
	printf("BENCH virtio-blk sequential-%s %.1f MB/s (64 MiB, 1 MiB direct I/O)\n",
	       write_it ? "write" : "read", TOTAL / 1e6 / (now() - t0));
	close(fd);
	return 0;
}

static int random_reads(const char *dev, void *buf)
{
	int fd = open(dev, O_RDONLY | O_DIRECT);
	double t0 = now(), t;
	unsigned long n = 0;

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	srand(1);
	do {
		off_t off = (off_t)(rand() % (TOTAL / SMALL)) * SMALL;

		if (pread(fd, buf, SMALL, off) != (ssize_t)SMALL) {
			perror("pread");
			return 1;
		}
		n++;
		t = now() - t0;
	} while (t < RANDOM_SECONDS);
	printf("BENCH virtio-blk random-read-4k %.0f IOPS (%lu reads in %.1f s, queue depth 1)\n",
	       n / t, n, t);
	close(fd);
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
	       random_reads(argv[1], buf);
}
