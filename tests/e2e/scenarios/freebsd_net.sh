# limit: 200
# FreeBSD's vtnet gets a lease from passt (--net user): FreeBSD 13.2's
# GENERIC kernel, unchanged, on a root whose /sbin/init
# (tests/guest/freebsd/dhcp_init.c) brings vtnet0 up and makes a DHCP
# exchange through BPF as dhclient does, prints the lease and powers off.
# On virtio-pci (the default) with 2 vCPUs; freebsd_net_vhost.sh again by
# passt's vhost-user mode (Debian 13's passt).
fb_missing freebsd-vtnet-lease && return
[ -r $FB/net-root.img ] || { skip freebsd-vtnet-lease "no FreeBSD network root (makefs)"; return; }
# A64VM_VARIANT=vhost (freebsd_net_vhost.sh): Debian 13's passt, by vhost-user.
by="passt's stream protocol"
if [ "${A64VM_VARIANT:-}" = vhost ]; then
  [ -x /opt/passt-vu/bin/passt ] || { skip freebsd-vtnet-lease "no /opt/passt-vu/bin/passt"; return; }
  PATH=/opt/passt-vu/bin:$PATH by=vhost-user
fi
cp $FB/net-root.img fbnet.img
vm_start --kernel $FB/kernel.bin --disk fbnet.img --cpus 2 --mem 512M --net user --verbose \
  --append "FreeBSD:vfs.root.mountfrom=ufs:/dev/vtbd0"
wait_for 'FREEBSD-DHCP-\(LEASE .* dns [0-9.]*[0-9]$\|FAILED\)' 150
vm_wait 60; st=$?
tr -d '\r' <out.log >fbnet.log
lease=$(sed -n 's/^FREEBSD-DHCP-LEASE //p' fbnet.log)
# The address is the host's own, the router its gateway: what passt gives.
if [ $st -eq 0 ] && echo "$lease" | grep -qE '^[1-9][0-9.]* mask [0-9.]+ router [0-9.]+ dns [0-9.]+$' &&
   grep -q '^vtnet0: <' fbnet.log && grep -q "by $by" err.log; then
  pass freebsd-vtnet-lease "$lease (offer $(sed -n 's/^FREEBSD-DHCP-OFFER //p' fbnet.log)), by $by, exit 0"
else
  fail freebsd-vtnet-lease "exit $st: $(grep FREEBSD-DHCP fbnet.log | tail -n 3 | tr '\n' ' ') $(grep 'virtio-net: on' err.log)"
  tail -n 20 fbnet.log | sed 's/^/  | /'; tail -n 5 err.log
fi
