/* The seccomp policy of each of a64vm's thread kinds (vmm/seccomp_policy.c). */
#ifndef A64VM_SECCOMP_POLICY_H
#define A64VM_SECCOMP_POLICY_H

#include "a64vm/seccomp.h"

extern const struct seccomp_policy seccomp_policies[SECCOMP_THREADS];

#endif
