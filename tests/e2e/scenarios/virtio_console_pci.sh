# limit: 200
# virtio_console.sh again, every virtio device on virtio-pci (checks end in -pci).
A64VM_TRANSPORT=pci
. /e2e/scenarios/virtio_console.sh
