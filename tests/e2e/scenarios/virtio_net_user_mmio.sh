# limit: 300
# suite: full
# virtio_net_user.sh again on virtio-mmio with 2 vCPUs, with --net stream=PATH to a passt the test started (checks end in -mmio).
A64VM_TRANSPORT=mmio
. /e2e/scenarios/virtio_net_user.sh
