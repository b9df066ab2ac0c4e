# limit: 200
# freebsd_net.sh again with Debian 13's passt, which a64vm starts in its vhost-user mode: FreeBSD's vtnet on passt's own rings, without indirect descriptors or event index (check ends in -vhost).
A64VM_VARIANT=vhost
. /e2e/scenarios/freebsd_net.sh
