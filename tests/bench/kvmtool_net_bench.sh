# User-mode networking, a64vm against kvmtool, each on its own: a64vm
# --net user (passt), lkvm --network mode=user (its built-in stack, uip);
# virtio-mmio, 512 MiB, 2 vCPUs, a fresh guest each run, alternating in one
# test host, medians of 5. The guest takes a DHCP lease, then, timed by the
# guest: 64 MiB fetched from the test host's busybox httpd (host to guest)
# and 64 MiB sent to it (guest to host), and the mean of 2000 one-byte
# round trips to its TCP echo server (tests/e2e/net_probe.c). The guest
# reaches the host at
# the gateway's address under passt (which maps it to the host) and at the
# host's own address under kvmtool (which connects from the host as given).
# a64vm runs Debian 12's passt (its stream protocol); a64vm-vhost Debian
# 13's in its vhost-user mode (passt serves the queues), where the test
# host has it.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
if [ ! -x /usr/bin/passt ]; then
  echo "E2E-BENCH net: not run: no /usr/bin/passt in the test host"; exit 0
fi
mkdir -p www && dd if=/dev/urandom of=www/net64.bin bs=1M count=64 2>/dev/null
httpd -p 8080 -h www
net-probe tcp-serve 9001 2>/dev/null &
echo_server=$!
PEER_A64VM_ARGS="--net user,vhost-user=off --virtio-transport mmio"
PEER_A64VM_VHOST_ARGS="--net user,vhost-user=on --virtio-transport mmio"
PEER_KVMTOOL_ARGS="--network mode=user"
export PEER_A64VM_ARGS PEER_A64VM_VHOST_ARGS PEER_KVMTOOL_ARGS
[ -x /opt/passt-vu/bin/passt ] && vmms="$vmms a64vm-vhost"
base_path=$PATH
for vmm in $vmms; do : >h2g-$vmm; : >g2h-$vmm; : >rr-$vmm; done
for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms); do
    host=10.0.2.2; [ $vmm = kvmtool ] && host=10.0.2.15
    net-probe tcp-recv 9000 67108864 >/dev/null & # closes after 64 MiB
    sink=$!
    PATH=$base_path
    [ $vmm = a64vm-vhost ] && PATH=/opt/passt-vu/bin:$base_path
    peer_start $vmm 2 "a64vm.test=netbench a64vm.nethost=$host"
    PATH=$base_path
    if wait_for "^NETBENCH-RR [0-9]*[^0-9]" 300; then # the whole number
      tr -d '\r' <out.log >guest.log
      sed -n 's/^NETBENCH-H2G //p' guest.log >>h2g-$vmm
      sed -n 's/^NETBENCH-G2H //p' guest.log >>g2h-$vmm
      sed -n 's/^NETBENCH-RR //p' guest.log >>rr-$vmm
    else
      echo "E2E-BENCH net $vmm round $round: $(tr -d '\r' <out.log | grep -E 'NETBENCH|DHCP' | tr '\n' ' ') $(tail -2 err.log | tr '\n' ' ')"
    fi
    vm_wait 60 >/dev/null 2>&1 || peer_stop
    kill $sink 2>/dev/null; wait $sink 2>/dev/null
  done
done
killall httpd; kill $echo_server
for vmm in $vmms; do
  echo "E2E-BENCH net $vmm: host to guest 64 MiB $(median <h2g-$vmm) s," \
    "guest to host 64 MiB $(median <g2h-$vmm) s, round trip $(median <rr-$vmm) us" \
    "(medians of $(grep -c . h2g-$vmm), $(grep -c . g2h-$vmm), $(grep -c . rr-$vmm))"
done
for k in h2g g2h rr; do
  a=$(median <$k-a64vm) b=$(median <$k-kvmtool) v=
  [ -e $k-a64vm-vhost ] && v=$(median <$k-a64vm-vhost)
  echo "E2E-BENCH net $k: a64vm $a, kvmtool $b, a64vm/kvmtool $(ratio "$a" "$b")" \
    "${v:+, a64vm-vhost $v, a64vm-vhost/kvmtool $(ratio "$v" "$b")} (time: lower is better)"
done
