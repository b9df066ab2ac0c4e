# limit: 300
# virtio-net on passt, without root's tap: --net user (a64vm starts passt),
# or, on virtio-mmio with 2 vCPUs (virtio_net_user_mmio.sh), --net stream=PATH to a passt
# the test started. The guest gets its address, route and DNS by DHCP,
# fetches 16 MiB from the test host's loopback through the gateway's
# address and sends 16 MiB there, and the test host fetches 16 MiB from
# the guest through a forwarded port bound to 127.0.0.1 only, all with
# matching checksums; a reboot
# keeps the link; passt killed ends the link with one line and the VM runs
# on; a forward to a port in use is refused before the guest runs. UDP
# both ways: 200 datagrams from the guest echoed by the test host, 200
# from the test host through a UDP forward echoed by the guest. IPv6: an
# address and a route by NDP (SLAAC), 16 MiB from the test host's ::1
# through its IPv6 gateway's address.
if [ ! -x /usr/bin/passt ]; then
  skip usernet "the test host has no /usr/bin/passt"; return
fi
mkdir -p www
dd if=/dev/urandom of=www/host.bin bs=1M count=16 2>/dev/null
host_sha=$(sha256sum <www/host.bin | cut -d' ' -f1)
httpd -p 127.0.0.1:8080 -h www # the loopback: only passt's gateway mapping reaches it
httpd -p '[::1]:8080' -h www
net-probe udp-serve 7000 2>/dev/null &
net-probe tcp-recv 9000 >up1.bin &
link="user,hostfwd=tcp::2222-:8080,hostfwd=udp::7001-:7000"
if [ -n "${A64VM_TRANSPORT:-}" ]; then
  # A directory passt may write in: it runs as nobody.
  mkdir -p sock && chmod 777 sock && rm -f sock/passt.sock
  # passt's sandbox cannot pivot away from the initramfs: it gets a root
  # that is a mount (a bind of the same files), as a64vm gives the one it starts.
  mkdir -p /tmp/passt-root
  unshare -m sh -c 'mount -o rbind / /tmp/passt-root && cd /tmp/passt-root &&
    mount -o move . / && exec chroot . "$@"' passt-root \
    /usr/bin/passt --foreground --quiet --one-off --socket "$PWD/sock/passt.sock" \
    --runas 65534:65534 --tcp-ports 127.0.0.1/2222:8080 --udp-ports 127.0.0.1/7001:7000 \
    2>passt.err &
  passt_pid=$!
  for _ in $(seq 100); do [ -S sock/passt.sock ] && break; sleep 0.1; done
  if [ ! -S sock/passt.sock ]; then
    fail usernet "passt did not listen: $(cat passt.err)"; killall httpd net-probe; return
  fi
  link="stream=$PWD/sock/passt.sock"
fi
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --net "$link" \
  ${A64VM_TRANSPORT:+--cpus 2} \
  --append "console=ttyAMA0 quiet a64vm.test=usernet a64vm.gw6=2001:db8::2"
if ! wait_for "^USERNET-READY" 200; then
  fail usernet "the guest did not get through its part"; show_logs
  kill -KILL $VM_PID; vm_wait 10; killall httpd net-probe; return
fi
tr -d '\r' <out.log >guest.log
lease=$(sed -n 's/^DHCP-LEASE //p' guest.log)
case "$lease" in
  "10.0.2.15/24 router=10.0.2.2 dns=10.0.2.3 mtu="*) pass usernet-dhcp "$lease" ;;
  *) fail usernet-dhcp "lease '$lease' $(grep DHCP-FAILED guest.log)" ;;
esac
# The driver's features, bit 0 first: no CSUM (passt takes whole frames),
# GUEST_CSUM, MRG_RXBUF (15).
f=$(sed -n 's/^NET-FEATURES //p' guest.log)
[ "$(echo "$f" | cut -c1-2)" = 01 ] && [ "$(echo "$f" | cut -c16)" = 1 ] &&
  pass usernet-features "GUEST_CSUM and MRG_RXBUF, no CSUM" ||
  fail usernet-features "driver features $f"
set -- $(sed -n 's/^USERNET-GOT //p' guest.log)
[ "$1" = "$host_sha" ] && pass usernet-guest-fetches-16mib "checksum matches, $3 s" ||
  fail usernet-guest-fetches-16mib "guest $1, host $host_sha"
note "usernet${A64VM_TRANSPORT:+-$A64VM_TRANSPORT}: guest fetches 16 MiB in $3 s"
grep -q "^USERNET-UDP ECHOED 200 of 200" guest.log &&
  pass usernet-udp-guest-to-host "200 datagrams echoed by the test host" ||
  fail usernet-udp-guest-to-host "$(grep USERNET-UDP guest.log)"
sent() { # CHECK N: the guest's N-th file reached the test host's nc
  want=$(sed -n 's/^USERNET-SERVE //p' guest.log | sed -n "${2}p")
  [ -n "$want" ] && [ "$(sha256sum <up$2.bin | cut -d' ' -f1)" = "$want" ] &&
    pass $1 "checksum matches" || fail $1 "got $(wc -c <up$2.bin) bytes"
}
sent usernet-guest-sends-16mib 1
out=$(net-probe udp-ping 127.0.0.1 7001 200 2>&1)
[ "$out" = "ECHOED 200 of 200" ] && pass usernet-udp-forward "200 datagrams echoed by the guest" ||
  fail usernet-udp-forward "$out"
fetch() { # CHECK SHA-LINE-NUMBER
  t0=$(now)
  wget -q -O guest.bin http://127.0.0.1:2222/guest.bin
  took=$(elapsed $t0)
  want=$(sed -n 's/^USERNET-SERVE //p' guest.log | sed -n "${2}p")
  [ -n "$want" ] && [ "$(sha256sum <guest.bin | cut -d' ' -f1)" = "$want" ] &&
    pass $1 "checksum matches, $took s" || fail $1 "got $(wc -c <guest.bin) bytes"
  note "$1${A64VM_TRANSPORT:+-$A64VM_TRANSPORT}: 16 MiB in $took s"
}
fetch usernet-forward-16mib 1
addr6=$(sed -n 's/^USERNET6-ADDR //p' guest.log)
case "$addr6" in
  # Debian 12's passt advertises the prefix but the guest takes no
  # default route from it: the gateway's address is on the prefix.
  2001:db8::*/64" via "*) pass usernet-ipv6-ndp "SLAAC address ${addr6% via*}, default route via '${addr6#* via }'" ;;
  *) fail usernet-ipv6-ndp "address and route '$addr6'" ;;
esac
[ "$(sed -n 's/^USERNET6-GOT //p' guest.log)" = "$host_sha" ] &&
  pass usernet-ipv6-guest-fetches-16mib "from [2001:db8::2]:8080 (the test host's ::1), checksum matches" ||
  fail usernet-ipv6-guest-fetches-16mib "$(grep USERNET6 guest.log | tail -1)"
wget -q -T 5 -O /dev/null http://10.0.2.15:2222/guest.bin 2>/dev/null &&
  fail usernet-forward-loopback-only "the forward answered on 10.0.2.15" ||
  pass usernet-forward-loopback-only "nothing on 10.0.2.15:2222"

net-probe tcp-recv 9000 >up2.bin &
type_line 'reboot -f'
if wait_for "^USERNET-READY" 200 2; then
  tr -d '\r' <out.log >guest.log
  [ "$(grep -c '^DHCP-LEASE 10.0.2.15/' guest.log)" = 2 ] &&
    pass usernet-reboot-lease "a second lease" ||
    fail usernet-reboot-lease "$(grep DHCP guest.log | tail -1)"
  fetch usernet-reboot-forward 2
  sent usernet-reboot-guest-sends 2
else
  fail usernet-reboot-lease "the rebooted guest did not get through"; show_logs
fi

# The daemon goes: one line, and the VM runs on.
kill -KILL ${passt_pid:-$(pidof passt)}
if wait_err "passt.* closed the connection: the link is down" 10; then
  type_line 'echo ALIVE-$((6*7))'
  wait_for "^ALIVE-42" 30 && pass usernet-daemon-killed "$(grep 'link is down' err.log)" ||
    fail usernet-daemon-killed "the guest stopped answering"
else
  fail usernet-daemon-killed "nothing said"; show_logs
fi
type_line 'poweroff -f'
vm_wait 60; st=$?
[ $st -eq 0 ] && pass usernet-poweroff "exit 0" || fail usernet-poweroff "status $st"
killall httpd net-probe 2>/dev/null

# A forward to a port in use: refused before the guest runs, passt saying why.
if [ -z "${A64VM_TRANSPORT:-}" ]; then
  httpd -p 127.0.0.1:2223 -h www
  /a64vm run --kernel $GUEST_KERNEL --mem 64M --net user,hostfwd=tcp::2223-:22 \
    </dev/null >/dev/null 2>busy.err
  st=$?
  killall httpd
  [ $st -eq 1 ] && grep -q "passt.*exited before it was ready" busy.err &&
    pass usernet-forward-port-in-use "$(tr '\n' ' ' <busy.err)" ||
    fail usernet-forward-port-in-use "status $st: $(cat busy.err)"
fi
