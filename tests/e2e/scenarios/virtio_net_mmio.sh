# limit: 300
# virtio_net.sh again, every virtio device on virtio-mmio (checks end in -mmio); virtio_net.sh runs on the default, virtio-pci.
A64VM_TRANSPORT=mmio
. /e2e/scenarios/virtio_net.sh
