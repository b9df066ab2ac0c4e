# limit: 240
# vsock.sh again, every virtio device on virtio-mmio (checks end in -mmio); vsock.sh runs on the default, virtio-pci.
A64VM_TRANSPORT=mmio
. /e2e/scenarios/vsock.sh
