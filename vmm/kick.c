#include "a64vm/kick.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "a64vm/log.h"
#include "a64vm/mono_time.h"

#define KICK_SIGNAL SIGUSR1

static _Thread_local struct kvm_run *volatile kicked_run;

/* Async-signal-safe: one store, no lock, no allocation. */
static void kick_handler(int sig)
{
	struct kvm_run *run = kicked_run;

	(void)sig;
	if (run)
		run->immediate_exit = 1;
}

int kick_init(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL))
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void kick_ctl_init(struct kick_ctl *ctl)
{
	pthread_condattr_t attr;

	memset(ctl, 0, sizeof(*ctl));
	pthread_mutex_init(&ctl->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ctl->cond, &attr);
	pthread_condattr_destroy(&attr);
}

void kick_ctl_destroy(struct kick_ctl *ctl)
{
	pthread_cond_destroy(&ctl->cond);
	pthread_mutex_destroy(&ctl->lock);
}

static void set_blocked(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(how, &set, NULL);
}

void kick_thread_enter(struct kick_ctl *ctl, struct kvm_run *run)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->running++;
	pthread_mutex_unlock(&ctl->lock);
	kicked_run = run;
	set_blocked(SIG_UNBLOCK);
}

void kick_thread_leave(struct kick_ctl *ctl)
{
	set_blocked(SIG_BLOCK);
	kicked_run = NULL;
	pthread_mutex_lock(&ctl->lock);
	ctl->running--;
	pthread_cond_broadcast(&ctl->cond); /* a pauser may wait for fewer */
	pthread_mutex_unlock(&ctl->lock);
}

bool kick_check(struct kick_ctl *ctl, struct kvm_run *run, const _Atomic bool *hold,
		void (*settle)(void *ctx), void *ctx)
{
	for (;;) {
		bool stop;

		*(volatile __u8 *)&run->immediate_exit = 0;
		/* The request check must not move above the clear. */
		atomic_thread_fence(memory_order_seq_cst);
		if (!atomic_load(&ctl->pending) && !atomic_load(hold))
			return false;
		if (settle)
			settle(ctx);
		pthread_mutex_lock(&ctl->lock);
		while ((ctl->holds || atomic_load(hold)) && !ctl->stop) {
			ctl->parked++;
			pthread_cond_broadcast(&ctl->cond);
			pthread_cond_wait(&ctl->cond, &ctl->lock);
			ctl->parked--;
		}
		stop = ctl->stop;
		pthread_mutex_unlock(&ctl->lock);
		if (stop)
			return true;
		/* Clear and check again: a new pause may have kicked meanwhile. */
	}
}

void kick_hold_self(struct kick_ctl *ctl, unsigned reasons)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->holds |= reasons;
	atomic_store(&ctl->pending, true);
	pthread_mutex_unlock(&ctl->lock);
}

int kick_thread(pthread_t thread)
{
	int ret = pthread_kill(thread, KICK_SIGNAL);

	if (ret)
		log_error("cannot kick a vCPU thread: %s", strerror(ret));
	return -ret;
}

int kick_hold_all(struct kick_ctl *ctl, unsigned reasons, const pthread_t *threads,
		  unsigned n, unsigned timeout_ms, uint64_t *parked_ns)
{
	uint64_t start = mono_ns(), deadline = start + timeout_ms * 1000000ull;
	struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull),
			       .tv_nsec = (long)(deadline % 1000000000ull) };
	int ret = 0;

	kick_hold_self(ctl, reasons);
	/* Recorded first, then kicked: a kick can land anywhere. */
	for (unsigned i = 0; i < n; i++)
		kick_thread(threads[i]);
	pthread_mutex_lock(&ctl->lock);
	while (ctl->parked < ctl->running && !ctl->stop && !ret)
		ret = pthread_cond_timedwait(&ctl->cond, &ctl->lock, &ts);
	if (ret == ETIMEDOUT && ctl->parked == ctl->running)
		ret = 0;
	pthread_mutex_unlock(&ctl->lock);
	if (parked_ns)
		*parked_ns = mono_ns() - start;
	return -ret;
}

void kick_release(struct kick_ctl *ctl, unsigned reasons)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->holds &= ~reasons;
	if (!ctl->holds) {
		atomic_store(&ctl->pending, ctl->stop);
		pthread_cond_broadcast(&ctl->cond);
	}
	pthread_mutex_unlock(&ctl->lock);
}

unsigned kick_holds(struct kick_ctl *ctl)
{
	unsigned holds;

	pthread_mutex_lock(&ctl->lock);
	holds = ctl->holds;
	pthread_mutex_unlock(&ctl->lock);
	return holds;
}

void kick_stop_all(struct kick_ctl *ctl, const pthread_t *threads, unsigned n)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->stop = true;
	atomic_store(&ctl->pending, true);
	pthread_cond_broadcast(&ctl->cond);
	pthread_mutex_unlock(&ctl->lock);
	for (unsigned i = 0; i < n; i++)
		kick_thread(threads[i]);
}
