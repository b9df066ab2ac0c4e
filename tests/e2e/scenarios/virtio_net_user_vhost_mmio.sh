# limit: 300
# virtio_net_user.sh again on virtio-mmio with 2 vCPUs, with --net vhost-user=PATH to a Debian 13 passt --vhost-user the test started (checks end in -vhost-mmio).
A64VM_VARIANT=vhost
A64VM_TRANSPORT=mmio
. /e2e/scenarios/virtio_net_user.sh
