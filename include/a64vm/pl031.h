/*
 * Arm PL031 real-time clock model: pure; the time and the alarm's timer
 * come from its device_env.
 */
#ifndef A64VM_PL031_H
#define A64VM_PL031_H

#include "a64vm/device.h"

extern const struct device_ops pl031_device;

#endif
