/*
 * A VM's lifecycle: create, boot, run until it stops, reboot, destroy.
 * Only vm.c knows struct vm: the rest of the glue gets wiring structs
 * (board_wiring, virtio_wiring, loader_target, vcpu_wiring, console_sink,
 * control_wiring, gdb_stub_wiring) and the vm_ctl handle.
 */
#ifndef A64VM_VM_H
#define A64VM_VM_H

struct config;
struct vm;

/* Opens KVM and builds the whole machine; 0 or -errno (already logged, and
 * nothing left behind). */
int vm_create(const struct config *cfg, struct vm **out);
void vm_destroy(struct vm *vm);

/* Writes the device tree vm_create generated to path. */
int vm_dump_dtb(struct vm *vm, const char *path);

/* Runs until the guest powers off or the VM is stopped; the exit status. */
int vm_run(struct vm *vm);

#endif
