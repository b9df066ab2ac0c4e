/*
 * Arm PL011 UART model: pure. Output and receive-room go to the console
 * through its device_env; input comes in through ops.input.
 */
#ifndef A64VM_PL011_H
#define A64VM_PL011_H

#include "a64vm/device.h"

#define PL011_FIFO_DEPTH 32

extern const struct device_ops pl011_device;

#endif
