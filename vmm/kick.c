#include "a64vm/kick.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "a64vm/log.h"

#define KICK_SIGNAL SIGUSR1

static _Thread_local struct kvm_run *volatile kicked_run;

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

static void set_blocked(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(how, &set, NULL);
}

void kick_thread_enter(struct kvm_run *run)
{
	kicked_run = run;
	set_blocked(SIG_UNBLOCK);
}

void kick_thread_leave(void)
{
	set_blocked(SIG_BLOCK);
	kicked_run = NULL;
}

void kick_rearm(struct kvm_run *run)
{
	*(volatile __u8 *)&run->immediate_exit = 0;
	/* The caller's request check must not move above the clear. */
	atomic_thread_fence(memory_order_seq_cst);
}

int kick_thread(pthread_t thread)
{
	int ret = pthread_kill(thread, KICK_SIGNAL);

	if (ret)
		log_error("cannot kick a vCPU thread: %s", strerror(ret));
	return -ret;
}
