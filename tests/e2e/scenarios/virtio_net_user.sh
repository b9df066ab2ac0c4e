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
# A64VM_VARIANT=vhost (virtio_net_user_vhost*.sh): the same with Debian
# 13's passt, which has a vhost-user mode: a64vm starts it so, or on
# virtio-mmio connects with --net vhost-user=PATH to one the test started,
# and passt serves the queues itself.
passt=/usr/bin/passt
if [ "${A64VM_VARIANT:-}" = vhost ]; then
  passt=/opt/passt-vu/bin/passt # a wrapper: it brings the libc it needs
  PATH=/opt/passt-vu/bin:$PATH
fi
if [ ! -x $passt ]; then
  skip usernet "the test host has no $passt"; return
fi
# Debian 13's passt runs under its own ld.so: its name is not passt.
find_passt() {
  pidof passt && return
  for p in /proc/[0-9]*; do
    tr '\0' ' ' <$p/cmdline 2>/dev/null | grep -q 'passt-v[u]/passt ' && echo ${p#/proc/}
  done
}
mkdir -p www
dd if=/dev/urandom of=www/host.bin bs=1M count=16 2>/dev/null
host_sha=$(sha256sum <www/host.bin | cut -d' ' -f1)
httpd -p 127.0.0.1:8080 -h www # the loopback: only passt's gateway mapping reaches it
httpd -p '[::1]:8080' -h www
net-probe udp-serve 7000 2>/dev/null &
net-probe tcp-recv 9000 >up1.bin &
link="user,hostfwd=tcp::2222-:8080,hostfwd=udp::7001-:7000"
# An IPv6 forward: Debian 12's passt refuses to bind one, Debian 13's does.
[ "${A64VM_VARIANT:-}" = vhost ] && link="$link,hostfwd=tcp:[::1]:2224-:8080"
if [ -n "${A64VM_TRANSPORT:-}" ]; then
  # A directory passt may write in: it runs as nobody.
  mkdir -p sock && chmod 777 sock && rm -f sock/passt.sock
  # passt's sandbox cannot pivot away from the initramfs: it gets a root
  # that is a mount (a bind of the same files), as a64vm gives the one it starts.
  mkdir -p /tmp/passt-root
  unshare -m sh -c 'mount -o rbind / /tmp/passt-root && cd /tmp/passt-root &&
    mount -o move . / && exec chroot . "$@"' passt-root \
    $passt --foreground --quiet --one-off --socket "$PWD/sock/passt.sock" \
    ${A64VM_VARIANT:+--vhost-user} \
    --runas 65534:65534 --tcp-ports 127.0.0.1/2222:8080 --udp-ports 127.0.0.1/7001:7000 \
    2>passt.err &
  passt_pid=$!
  # Listening (flags 00010000), not only bound: a connect between the two is refused.
  listening() { grep -q " 00010000 .* $PWD/sock/passt.sock\$" /proc/net/unix; }
  for _ in $(seq 100); do listening && break; sleep 0.1; done
  if ! listening; then
    fail usernet "passt did not listen: $(cat passt.err)"; killall httpd net-probe; return
  fi
  link="stream=$PWD/sock/passt.sock"
  [ -n "${A64VM_VARIANT:-}" ] && link="vhost-user=$PWD/sock/passt.sock"
fi
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --net "$link" \
  ${A64VM_TRANSPORT:+--cpus 2} --verbose \
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
# GUEST_CSUM, MRG_RXBUF (15). By vhost-user, passt's own: MRG_RXBUF,
# without GUEST_CSUM, INDIRECT_DESC (28) or EVENT_IDX (29), which it lacks.
f=$(sed -n 's/^NET-FEATURES //p' guest.log)
if [ -z "${A64VM_VARIANT:-}" ]; then
  [ "$(echo "$f" | cut -c1-2)" = 01 ] && [ "$(echo "$f" | cut -c16)" = 1 ] &&
    grep -q "by passt's stream protocol" err.log &&
    pass usernet-features "GUEST_CSUM and MRG_RXBUF, no CSUM; $(grep -o "on .*by passt's stream protocol" err.log)" ||
    fail usernet-features "driver features $f; $(grep 'virtio-net: on' err.log)"
else
  [ "$(echo "$f" | cut -c1-2)" = 00 ] && [ "$(echo "$f" | cut -c16)" = 1 ] &&
    [ "$(echo "$f" | cut -c29-30)" = 00 ] && grep -q "by vhost-user" err.log &&
    pass usernet-features "MRG_RXBUF only, as passt offers; $(grep -o "on .*by vhost-user" err.log)" ||
    fail usernet-features "driver features $f; $(grep 'virtio-net: on' err.log)"
fi
set -- $(sed -n 's/^USERNET-GOT //p' guest.log)
[ "$1" = "$host_sha" ] && pass usernet-guest-fetches-16mib "checksum matches, $3 s" ||
  fail usernet-guest-fetches-16mib "guest $1, host $host_sha"
note "usernet${A64VM_VARIANT:+-$A64VM_VARIANT}${A64VM_TRANSPORT:+-$A64VM_TRANSPORT}: guest fetches 16 MiB in $3 s"
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
  note "$1${A64VM_VARIANT:+-$A64VM_VARIANT}${A64VM_TRANSPORT:+-$A64VM_TRANSPORT}: 16 MiB in $took s"
}
fetch usernet-forward-16mib 1
if [ "${A64VM_VARIANT:-}" = vhost ] && [ -z "${A64VM_TRANSPORT:-}" ]; then
  wget -q -O guest6.bin 'http://[::1]:2224/guest.bin'
  want=$(sed -n 's/^USERNET-SERVE //p' guest.log | sed -n 1p)
  [ -n "$want" ] && [ "$(sha256sum <guest6.bin | cut -d' ' -f1)" = "$want" ] &&
    pass usernet-forward-ipv6 "16 MiB from [::1]:2224, checksum matches" ||
    fail usernet-forward-ipv6 "got $(wc -c <guest6.bin 2>/dev/null) bytes"
fi
addr6=$(sed -n 's/^USERNET6-ADDR //p' guest.log)
case "$addr6" in
  # The default route is passt's link-local address (the test host's).
  2001:db8::*/64" via fe80:"*) pass usernet-ipv6-ndp "SLAAC address ${addr6% via*}, default route via '${addr6#* via }'" ;;
  *) fail usernet-ipv6-ndp "address and route '$addr6'; routes: $(sed -n 's/^USERNET6-ROUTES //p' guest.log)" ;;
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
kill -KILL ${passt_pid:-$(find_passt)}
gone="passt.* closed the connection: the link is down"
[ -n "${A64VM_VARIANT:-}" ] && gone="virtio-net.* without its daemon the guest's frames are dropped"
if wait_err "$gone" 10; then
  type_line 'echo ALIVE-$((6*7))'
  wait_for "^ALIVE-42" 30 && pass usernet-daemon-killed "$(grep "$gone" err.log)" ||
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

# vhost-user asked of a passt without it (Debian 12's), and at a socket
# nobody listens on: refused before the guest runs, with one line.
refused() { # CHECK PATTERN ARGS...
  name=$1 pattern=$2; shift 2
  env PATH=/usr/bin:/bin /a64vm run --kernel $GUEST_KERNEL --mem 64M "$@" \
    </dev/null >/dev/null 2>refused.err
  st=$?
  [ $st -eq 1 ] && grep -q "$pattern" refused.err &&
    pass $name "$(tr '\n' ' ' <refused.err)" || fail $name "status $st: $(cat refused.err)"
}
if [ "${A64VM_VARIANT:-}" = vhost ] && [ -z "${A64VM_TRANSPORT:-}" ]; then
  refused usernet-on-without-mode "this passt has no vhost-user mode" \
    --net user,vhost-user=on
  refused usernet-nobody-listening "virtio-net: cannot connect to $PWD/none.sock" \
    --net vhost-user=$PWD/none.sock
fi
