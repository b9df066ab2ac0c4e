/*
 * Arm PL031 real-time clock model: pure; the time comes from its
 * device_env, and ops.tick checks the alarm.
 */
#ifndef A64VM_PL031_H
#define A64VM_PL031_H

#include "a64vm/device.h"

extern const struct device_ops pl031_device;

#endif
