/* The main thread's epoll loop: file descriptors -> callbacks. */
#ifndef A64VM_EVENT_LOOP_H
#define A64VM_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define EVENT_LOOP_MAX 32

typedef void (*event_loop_fn)(void *ctx, uint32_t events);

struct event_loop_entry {
	int fd;
	uint32_t events; /* what it is watched for when enabled */
	event_loop_fn fn;
	void *ctx;
};

struct event_loop {
	int epfd;
	bool quit;
	/* Called about once a second, whatever else happens. */
	void (*tick)(void *ctx);
	void *tick_ctx;
	struct event_loop_entry entries[EVENT_LOOP_MAX];
};

int event_loop_init(struct event_loop *loop);
void event_loop_fini(struct event_loop *loop);

/* Watches fd for input (EPOLLIN); 0 or -errno. */
int event_loop_add(struct event_loop *loop, int fd, event_loop_fn fn, void *ctx);
/* Knows fd for output (EPOLLOUT), watched only once enabled; 0 or -errno. */
int event_loop_add_output(struct event_loop *loop, int fd, event_loop_fn fn, void *ctx);
void event_loop_del(struct event_loop *loop, int fd);
/* Stops or resumes watching fd without forgetting it. */
int event_loop_enable(struct event_loop *loop, int fd, bool enabled);

/* Runs until a callback sets loop->quit. */
int event_loop_run(struct event_loop *loop);

#endif
