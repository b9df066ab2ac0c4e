# limit: 360
# virtio_rootfs.sh again, every virtio device on virtio-mmio (checks end in -mmio); virtio_rootfs.sh runs on the default, virtio-pci.
A64VM_TRANSPORT=mmio
. /e2e/scenarios/virtio_rootfs.sh
