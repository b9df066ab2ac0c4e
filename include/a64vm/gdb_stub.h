/*
 * The GDB stub (--gdb): one debugger at a time on a TCP or UNIX socket,
 * served by the main loop. All-stop: when one vCPU stops, every vCPU is
 * parked (kick protocol) until GDB resumes them.
 */
#ifndef A64VM_GDB_STUB_H
#define A64VM_GDB_STUB_H

#include <stdbool.h>

#include "a64vm/gdb_cmd.h"

struct vm;
struct vcpu;
struct event_loop;
struct gdb_stub;

/* Main thread, before the vCPUs start; --gdb-wait holds them. */
int gdb_stub_open(struct vm *vm, struct event_loop *loop, struct gdb_stub **out);
void gdb_stub_close(struct gdb_stub *g);

/*
 * vCPU thread: this vCPU stops for GDB (the first stop recorded wins);
 * it parks at its next kick check and the main loop parks the others.
 */
void gdb_stub_vcpu_stop(struct gdb_stub *g, const struct gdb_stop *stop);

/* vCPU thread: a KVM_EXIT_DEBUG of v, which stops for GDB. */
void gdb_stub_debug_exit(struct gdb_stub *g, struct vcpu *v);

#endif
