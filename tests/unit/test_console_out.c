/*
 * Console output to a descriptor that may stop draining: a slow reader
 * loses nothing, a stuck one never blocks a writer for more than the hold
 * time, and what is dropped is counted.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "a64vm/console_out.h"
#include "unit.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

struct reader {
	int fd;
	struct console_out *o;
	size_t got;
	bool in_order;
	atomic_bool stop;
};

/* A slow reader. */
static void *read_slowly(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[1024];

	for (;;) {
		ssize_t n = read(r->fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			r->in_order &= buf[i] == pattern(r->got + (size_t)i);
		r->got += (size_t)n;
		usleep(200);
	}
	return NULL;
}

/* The main loop's part: drains the ring while the descriptor takes bytes. */
static void *main_loop(void *arg)
{
	struct reader *r = arg;

	while (!atomic_load(&r->stop)) {
		console_out_flush(r->o);
		usleep(100);
	}
	return NULL;
}

static void test_slow_reader_loses_nothing(void)
{
	enum { TOTAL = 512 << 10 };
	static uint8_t data[TOTAL];
	struct reader r = { .in_order = true };
	pthread_t reader, loop;
	int p[2];

	for (size_t i = 0; i < TOTAL; i++)
		data[i] = pattern(i);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	CU_ASSERT_EQUAL_FATAL(console_out_open(p[1], &r.o), 0);
	r.fd = p[0];
	pthread_create(&reader, NULL, read_slowly, &r);
	pthread_create(&loop, NULL, main_loop, &r);
	for (size_t off = 0; off < TOTAL; off += 100)
		console_out_write(r.o, data + off, TOTAL - off < 100 ? TOTAL - off : 100);
	while (console_out_flush(r.o))
		usleep(1000);
	atomic_store(&r.stop, true);
	pthread_join(loop, NULL);
	CU_ASSERT_EQUAL(console_out_dropped(r.o), 0);
	console_out_close(r.o);
	close(p[1]);
	pthread_join(reader, NULL);
	CU_ASSERT_EQUAL(r.got, TOTAL);
	CU_ASSERT_TRUE(r.in_order);
	close(p[0]);
}

static void test_stuck_reader_never_blocks(void)
{
	static uint8_t data[256 << 10];
	struct console_out *o;
	double t0, first, second;
	uint64_t dropped;
	uint8_t sink[4096];
	int p[2], pipe_size;

	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	pipe_size = fcntl(p[1], F_SETPIPE_SZ, 4096);
	CU_ASSERT_EQUAL_FATAL(console_out_open(p[1], &o), 0);
	t0 = now_ms();
	console_out_write(o, data, sizeof(data));
	first = now_ms() - t0;
	dropped = console_out_dropped(o);
	/* the pipe and the ring took what they hold; one hold, then drops */
	CU_ASSERT_EQUAL(dropped, sizeof(data) - CONSOLE_OUT_RING - (uint64_t)pipe_size);
	CU_ASSERT_TRUE(first >= CONSOLE_OUT_HOLD_MS * 0.9 && first < CONSOLE_OUT_HOLD_MS * 4);
	/* still stuck: dropped at once, no second hold */
	t0 = now_ms();
	console_out_write(o, data, 1000);
	second = now_ms() - t0;
	CU_ASSERT_TRUE(second < CONSOLE_OUT_HOLD_MS / 2);
	CU_ASSERT_EQUAL(console_out_dropped(o), dropped + 1000);
	/* the reader wakes up: the ring drains and output flows again */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	do
		while (read(p[0], sink, sizeof(sink)) > 0)
			;
	while (console_out_flush(o));
	console_out_write(o, data, 10);
	CU_ASSERT_EQUAL(console_out_dropped(o), dropped + 1000);
	console_out_close(o);
	close(p[0]);
	close(p[1]);
}

static void test_gone_output(void)
{
	struct console_out *o;
	uint8_t b[100] = { 0 };
	int p[2];

	signal(SIGPIPE, SIG_IGN); /* as a64vm's main does */
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	close(p[0]);
	CU_ASSERT_EQUAL_FATAL(console_out_open(p[1], &o), 0);
	console_out_write(o, b, sizeof(b));
	console_out_write(o, b, sizeof(b));
	CU_ASSERT_EQUAL(console_out_dropped(o), 2 * sizeof(b));
	console_out_close(o);
	close(p[1]);
}

const char unit_suite_name[] = "console_out";
const struct unit_test unit_tests[] = {
	{ "a slow reader loses nothing", test_slow_reader_loses_nothing },
	{ "a stuck reader: one hold, then counted drops", test_stuck_reader_never_blocks },
	{ "an output that is gone", test_gone_output },
	{ NULL, NULL },
};
