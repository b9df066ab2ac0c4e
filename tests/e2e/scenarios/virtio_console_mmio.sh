# limit: 200
# virtio_console.sh again, every virtio device on virtio-mmio (checks end in -mmio); virtio_console.sh runs on the default, virtio-pci.
A64VM_TRANSPORT=mmio
. /e2e/scenarios/virtio_console.sh
