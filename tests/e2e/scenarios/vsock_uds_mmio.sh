# limit: 300
# suite: full
# vsock_uds.sh again, every virtio device on virtio-mmio (checks end in -mmio).
A64VM_TRANSPORT=mmio
. /e2e/scenarios/vsock_uds.sh
