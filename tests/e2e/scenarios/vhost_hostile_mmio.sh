# limit: 240
# vhost_hostile.sh again on virtio-mmio (checks end in -mmio), where a
# driver's reset does not poll the status: its vCPU waits instead.
A64VM_TRANSPORT=mmio
. /e2e/scenarios/vhost_hostile.sh
