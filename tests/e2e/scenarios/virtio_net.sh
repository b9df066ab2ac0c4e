# limit: 300
# virtio-net on a tap a64vm creates: the guest and the test host ping each
# other and move 16 MiB each way over HTTP (busybox httpd and wget), with
# matching checksums.
mkdir -p www
dd if=/dev/urandom of=www/host.bin bs=1M count=16 2>/dev/null
host_sha=$(sha256sum <www/host.bin | cut -d' ' -f1)
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M \
  --net tap=a64tap0,mac=52:54:00:a6:40:01 --append "console=ttyAMA0 quiet a64vm.test=net"
for _ in $(seq 100); do ip link show a64tap0 >/dev/null 2>&1 && break; sleep 0.1; done
if ! ip link show a64tap0 >/dev/null 2>&1; then
  fail virtio-net-tap "a64vm did not create a64tap0"; show_logs; vm_wait 1; return
fi
ip addr add 192.168.100.1/24 dev a64tap0 && ip link set a64tap0 up
httpd -p 8080 -h www
if ! wait_for "^NET-SERVE [0-9a-f]\{64\}" 200; then
  fail virtio-net "the guest did not get through its part"; show_logs; vm_wait 1; return
fi
tr -d '\r' <out.log >guest.log
# The driver's features, bit 0 first: CSUM, GUEST_CSUM, MRG_RXBUF (15).
f=$(sed -n 's/^NET-FEATURES //p' guest.log)
[ "$(echo "$f" | cut -c1-2)" = 11 ] && [ "$(echo "$f" | cut -c16)" = 1 ] &&
  pass virtio-net-features "checksum offload both ways and mergeable receive buffers negotiated" ||
  fail virtio-net-features "driver features $f"
grep -q NET-PING-OK guest.log && pass virtio-net-ping-guest-to-host "3 replies" ||
  fail virtio-net-ping-guest-to-host "$(grep NET-PING guest.log)"
ping -c 3 -W 5 192.168.100.2 >ping.txt 2>&1 &&
  pass virtio-net-ping-host-to-guest "$(grep -o '[0-9]* packets received' ping.txt)" ||
  fail virtio-net-ping-host-to-guest "$(tail -2 ping.txt)"
set -- $(sed -n 's/^NET-GOT //p' guest.log)
[ "$1" = "$host_sha" ] && pass virtio-net-host-to-guest-16mib "checksum matches, $3 s" ||
  fail virtio-net-host-to-guest-16mib "guest $1, host $host_sha"
note "virtio-net host to guest: 16 MiB in $3 s"
t0=$(now)
wget -q -O guest.bin http://192.168.100.2:8080/guest.bin
took=$(elapsed $t0)
guest_sha=$(sed -n 's/^NET-SERVE //p' guest.log)
[ -n "$guest_sha" ] && [ "$(sha256sum <guest.bin | cut -d' ' -f1)" = "$guest_sha" ] &&
  pass virtio-net-guest-to-host-16mib "checksum matches, $took s" ||
  fail virtio-net-guest-to-host-16mib "got $(wc -c <guest.bin) bytes"
note "virtio-net guest to host: 16 MiB in $took s"
kill -KILL $VM_PID; vm_wait 10
killall httpd; sleep 1 # the next scenario serves its own file on this port

# Without the right to create a tap: one clear line and exit 1. /dev/kvm is
# opened to all for a moment so that the tap is what fails.
mkdir -p /etc && grep -q '^nobody:' /etc/passwd 2>/dev/null ||
  echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
chmod 666 /dev/kvm
su nobody -s /bin/sh -c "/a64vm run --kernel $GUEST_KERNEL --net tap=a64tap9" \
  </dev/null >/dev/null 2>tap.err
tst=$?
chmod 600 /dev/kvm
grep -q "CAP_NET_ADMIN" tap.err && [ $tst -eq 1 ] &&
  pass virtio-net-tap-no-right "$(cat tap.err)" || fail virtio-net-tap-no-right "status $tst: $(cat tap.err)"
