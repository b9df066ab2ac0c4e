# limit: 360
# virtio_rootfs.sh again, every virtio device on virtio-pci (checks end in -pci).
A64VM_TRANSPORT=pci
. /e2e/scenarios/virtio_rootfs.sh
