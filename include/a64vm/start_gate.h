/*
 * The start of the VM's threads: each installs its seccomp filter, then
 * waits here until every thread has one, so that none is missing by the
 * guest's first instruction.
 */
#ifndef A64VM_START_GATE_H
#define A64VM_START_GATE_H

#include <pthread.h>
#include <stdbool.h>

#include "a64vm/config.h"
#include "a64vm/seccomp.h"

struct start_gate {
	const struct config *cfg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;
	bool open, failed;
};

void start_gate_init(struct start_gate *g, const struct config *cfg);
void start_gate_destroy(struct start_gate *g);

/*
 * A vCPU or I/O thread named name: its filter, then the wait. With
 * --seccomp-selftest of this kind and may_selftest, it then breaks its
 * filter. False when the filter could not be installed (logged), or when
 * the gate opened on a failure: the thread must then end without running.
 */
bool start_gate_pass(struct start_gate *g, enum seccomp_thread kind, const char *name,
		     bool may_selftest);

/*
 * The main thread, once it started n threads (n may fall short after an
 * error: the gate opens anyway, so they can end): waits for them, installs
 * its own filter and lets all go. With setup_ok false, or when any filter
 * failed, every thread's start_gate_pass returns false, so no vCPU runs
 * the guest; the result is then false.
 */
bool start_gate_open(struct start_gate *g, unsigned n, bool setup_ok);

#endif
