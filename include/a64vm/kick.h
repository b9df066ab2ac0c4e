/*
 * Getting a vCPU thread out of KVM_RUN without ever losing the request.
 * The requester records its request, then kicks; the kick's signal handler
 * only sets kvm_run->immediate_exit. The vCPU loop clears immediate_exit,
 * checks its requests, then enters KVM_RUN: a kick landing anywhere in that
 * window makes KVM_RUN return -EINTR at once.
 */
#ifndef A64VM_KICK_H
#define A64VM_KICK_H

#include <pthread.h>

#include <linux/kvm.h>

/*
 * Installs the handler and blocks the kick signal in the calling thread;
 * call from main() before any other thread exists so that every thread
 * inherits the block.
 */
int kick_init(void);

/* In a vCPU thread: kicks now set this run's immediate_exit. */
void kick_thread_enter(struct kvm_run *run);
void kick_thread_leave(void);

/* Clears immediate_exit; call before checking requests and KVM_RUN. */
void kick_rearm(struct kvm_run *run);

int kick_thread(pthread_t thread);

#endif
