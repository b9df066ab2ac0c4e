# limit: 300
# virtio_net.sh again, every virtio device on virtio-pci (checks end in -pci).
A64VM_TRANSPORT=pci
. /e2e/scenarios/virtio_net.sh
