# limit: 240
# virtio_blk.sh again, every virtio device on virtio-mmio (checks end in -mmio); virtio_blk.sh runs on the default, virtio-pci.
A64VM_TRANSPORT=mmio
. /e2e/scenarios/virtio_blk.sh
