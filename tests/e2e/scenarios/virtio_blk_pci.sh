# limit: 240
# virtio_blk.sh again, every virtio device on virtio-pci (checks end in -pci).
A64VM_TRANSPORT=pci
. /e2e/scenarios/virtio_blk.sh
