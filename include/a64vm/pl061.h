/* Arm PL061 GPIO controller model: pure; inputs come through ops.set_line. */
#ifndef A64VM_PL061_H
#define A64VM_PL061_H

#include "a64vm/device.h"

#define PL061_PINS 8

extern const struct device_ops pl061_device;

#endif
