# limit: 300
# virtio_net_user.sh again with Debian 13's passt, which a64vm starts in its vhost-user mode: passt serves virtio-net's queues itself (checks end in -vhost).
A64VM_VARIANT=vhost
. /e2e/scenarios/virtio_net_user.sh
