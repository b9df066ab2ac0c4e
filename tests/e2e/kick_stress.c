/*
 * The stress that proves no kick is lost, through the control socket:
 *   kick-stress SOCKET CYCLES VCPUS
 * against stress_guest (every vCPU counting in RAM at 0x40200000). Each
 * cycle: pause (must reply within DEADLINE_MS), two reads of the counters a
 * few milliseconds apart (must be equal), resume, and every counter must
 * advance within DEADLINE_MS. Then hostile clients, and the server must
 * still answer. Prints KICK-STRESS lines; exit status 0 when all held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define COUNTERS 0x40200000ull
#define DEADLINE_MS 5000
#define MAX_VCPUS 8

static const char *sock_path;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int connect_sock(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("kick-stress: connect");
		exit(2);
	}
	return fd;
}

/* One request, one reply line; returns the reply length or -1. */
static int request(int fd, const char *req, char *reply, size_t size)
{
	size_t got = 0;

	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return -1;
	while (got < size - 1) {
		ssize_t n = read(fd, reply + got, size - 1 - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
		if (reply[got - 1] == '\n')
			break;
	}
	reply[got] = '\0';
	return (int)got;
}

static bool read_counters(int fd, unsigned n, uint64_t *out)
{
	char req[128], reply[2048], *p;

	snprintf(req, sizeof(req), "{\"cmd\":\"read-phys\",\"addr\":%llu,\"len\":%u}\n",
		 (unsigned long long)COUNTERS, n * 64);
	if (request(fd, req, reply, sizeof(reply)) < 0 || !strstr(reply, "\"ok\":true"))
		return false;
	p = strstr(reply, "\"data\":\"");
	if (!p)
		return false;
	p += 8;
	for (unsigned cpu = 0; cpu < n; cpu++) {
		uint64_t v = 0;

		for (int b = 7; b >= 0; b--) {
			unsigned byte;

			if (sscanf(p + cpu * 128 + b * 2, "%2x", &byte) != 1)
				return false;
			v = v << 8 | byte;
		}
		out[cpu] = v;
	}
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t percentile(uint64_t *v, unsigned n, unsigned pct)
{
	return v[(uint64_t)(n - 1) * pct / 100];
}

/* Garbage, an overlong line and a client vanishing mid-request. */
static int hostile(void)
{
	char reply[512], big[6000];
	int fd = connect_sock(), bad = 0;

	if (request(fd, "this is not json\n", reply, sizeof(reply)) < 0 ||
	    !strstr(reply, "\"ok\":false"))
		bad++;
	if (request(fd, "{\"cmd\":\"launch-missiles\"}\n", reply, sizeof(reply)) < 0 ||
	    !strstr(reply, "unknown command"))
		bad++;
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	if (write(fd, big, sizeof(big)) < 0 || read(fd, reply, sizeof(reply) - 1) <= 0)
		bad++;
	close(fd);
	fd = connect_sock();
	if (write(fd, "{\"cmd\":\"sta", 11) != 11)
		bad++;
	close(fd);
	fd = connect_sock();
	if (request(fd, "{\"cmd\":\"status\"}\n", reply, sizeof(reply)) < 0 ||
	    !strstr(reply, "\"ok\":true"))
		bad++;
	close(fd);
	printf("KICK-STRESS hostile-clients %s\n", bad ? "FAIL" : "PASS");
	return bad;
}

int main(int argc, char **argv)
{
	unsigned cycles, n, missed = 0, unequal = 0, stalled = 0, slow = 0;
	uint64_t *rtt, *parked, *cost, a[MAX_VCPUS], b[MAX_VCPUS], c[MAX_VCPUS];
	char reply[2048];
	int fd;

	if (argc != 4)
		return fprintf(stderr, "usage: kick-stress SOCKET CYCLES VCPUS\n"), 2;
	sock_path = argv[1];
	cycles = (unsigned)atoi(argv[2]);
	n = (unsigned)atoi(argv[3]);
	if (!cycles || !n || n > MAX_VCPUS)
		return 2;
	rtt = calloc(cycles, sizeof(*rtt));
	parked = calloc(cycles, sizeof(*parked));
	cost = calloc(cycles, sizeof(*cost));
	fd = connect_sock();

	for (unsigned i = 0; i < cycles; i++) {
		uint64_t t0 = now_ns(), t1, deadline;
		char *p;

		if (request(fd, "{\"cmd\":\"pause\"}\n", reply, sizeof(reply)) < 0 ||
		    !strstr(reply, "\"ok\":true")) {
			missed++;
			printf("KICK-STRESS cycle %u: pause failed: %s", i, reply);
			break;
		}
		t1 = now_ns();
		rtt[i] = t1 - t0;
		p = strstr(reply, "\"parked_ns\":");
		parked[i] = p ? strtoull(p + 12, NULL, 10) : 0;
		if (rtt[i] > DEADLINE_MS * 1000000ull)
			slow++;
		read_counters(fd, n, a);
		usleep(3000);
		read_counters(fd, n, b);
		if (memcmp(a, b, n * sizeof(a[0])))
			unequal++;
		request(fd, "{\"cmd\":\"resume\"}\n", reply, sizeof(reply));
		cost[i] = now_ns() - t0;
		/* every vCPU runs again: its counter moves */
		deadline = now_ns() + DEADLINE_MS * 1000000ull;
		for (;;) {
			bool all = read_counters(fd, n, c);

			for (unsigned cpu = 0; cpu < n && all; cpu++)
				all = c[cpu] > b[cpu];
			if (all)
				break;
			if (now_ns() > deadline) {
				stalled++;
				break;
			}
			usleep(500);
		}
	}
	qsort(rtt, cycles, sizeof(*rtt), cmp_u64);
	qsort(parked, cycles, sizeof(*parked), cmp_u64);
	qsort(cost, cycles, sizeof(*cost), cmp_u64);
	printf("KICK-STRESS vcpus=%u cycles=%u missed=%u slow=%u unequal=%u stalled=%u\n",
	       n, cycles, missed, slow, unequal, stalled);
	printf("KICK-STRESS parked_us p50=%" PRIu64 " p99=%" PRIu64
	       " pause_rtt_us p50=%" PRIu64 " p99=%" PRIu64
	       " pause_resume_us p50=%" PRIu64 " p99=%" PRIu64 "\n",
	       percentile(parked, cycles, 50) / 1000, percentile(parked, cycles, 99) / 1000,
	       percentile(rtt, cycles, 50) / 1000, percentile(rtt, cycles, 99) / 1000,
	       percentile(cost, cycles, 50) / 1000, percentile(cost, cycles, 99) / 1000);
	close(fd);
	return (missed || slow || unequal || stalled || hostile()) ? 1 : 0;
}
