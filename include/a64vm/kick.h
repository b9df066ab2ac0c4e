/*
 * Getting vCPU threads out of KVM_RUN and holding them there, without ever
 * losing a request. A requester records its request, then kicks; the kick
 * signal's handler only sets kvm_run->immediate_exit. The vCPU loop clears
 * immediate_exit, checks the requests (kick_check), then enters KVM_RUN: a
 * kick landing anywhere in that window makes KVM_RUN return -EINTR at once.
 *
 * The guest is held (every vCPU parked) while any reason holds it: a bit
 * each, named by the caller (vm.h). Holding all, releasing and stopping
 * are called from the main thread only; it alone owns the vCPU threads.
 */
#ifndef A64VM_KICK_H
#define A64VM_KICK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

struct kick_ctl {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	_Atomic bool pending; /* a hold or stop is asked: the loop's fast check */
	unsigned holds;	      /* the reasons that hold the guest, a bit each */
	bool stop;
	unsigned running; /* vCPU threads inside their loop */
	unsigned parked;  /* of those, parked outside the guest */
};

/*
 * Installs the handler and blocks the kick signal in the calling thread;
 * call from main() before any other thread exists so that every thread
 * inherits the block.
 */
int kick_init(void);

void kick_ctl_init(struct kick_ctl *ctl);
void kick_ctl_destroy(struct kick_ctl *ctl);

/* vCPU thread: kicks now set this run's immediate_exit; joins ctl. */
void kick_thread_enter(struct kick_ctl *ctl, struct kvm_run *run);
void kick_thread_leave(struct kick_ctl *ctl);

/*
 * vCPU thread, before each KVM_RUN: clears immediate_exit, parks while a
 * reason holds the guest or while its own hold is set (the debugger keeps it
 * stopped while others run; set only while all are parked). Before it
 * parks it calls settle(ctx) (when not NULL): the vCPU finishes what its
 * last exit left half done. Returns true when the thread must leave its loop.
 */
bool kick_check(struct kick_ctl *ctl, struct kvm_run *run, const _Atomic bool *hold,
		void (*settle)(void *ctx), void *ctx);

/*
 * Adds hold reasons without kicking anyone: from a vCPU thread about to
 * park itself (the main thread then holds the rest), or before any vCPU
 * runs.
 */
void kick_hold_self(struct kick_ctl *ctl, unsigned reasons);

int kick_thread(pthread_t thread);

/*
 * Adds hold reasons and parks every vCPU thread outside the guest; returns
 * 0 once all are parked, -ETIMEDOUT after timeout_ms (the hold stays).
 * parked_ns, when not NULL, receives how long parking took.
 */
int kick_hold_all(struct kick_ctl *ctl, unsigned reasons, const pthread_t *threads,
		  unsigned n, unsigned timeout_ms, uint64_t *parked_ns);

/* Drops hold reasons; the vCPUs run again once no reason is left. */
void kick_release(struct kick_ctl *ctl, unsigned reasons);

/* The reasons that hold the guest now. */
unsigned kick_holds(struct kick_ctl *ctl);

/* Every vCPU thread leaves its loop (parked ones too). */
void kick_stop_all(struct kick_ctl *ctl, const pthread_t *threads, unsigned n);

#endif
