# limit: 240
# virtio-vsock on the host kernel's vhost-vsock (--vsock cid=3): 16 MiB from
# the guest to a listener on the test host (CID 2), 16 MiB from the test
# host through an echo server in the guest and back, 64 connections at
# once beside a peer that never reads, a reboot mid-transfer, all with
# matching checksums; a CID in use and a /dev/vhost-vsock a64vm may not
# open are refused with one line.
if [ ! -c /dev/vhost-vsock ]; then
  skip vsock "the test host has no /dev/vhost-vsock (module vhost_vsock)"; return
fi
dd if=/dev/urandom of=host.bin bs=1M count=16 2>/dev/null
host_sha=$(sha256sum <host.bin | cut -d' ' -f1)
vsock-pipe listen 6000 </dev/null >got.bin 2>listen.err &
listener=$!
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --vsock cid=3 \
  --append "console=ttyAMA0 quiet a64vm.test=vsock"
if ! wait_for "^VSOCK-SENT in [0-9.]* s" 120; then
  fail vsock-guest-to-host-16mib "the guest did not send its 16 MiB: $(grep VSOCK out.log | tr -d '\r')"
  show_logs; kill $listener; kill -KILL $VM_PID; vm_wait 10; return
fi
tr -d '\r' <out.log >guest.log
wait $listener
guest_sha=$(sed -n 's/^VSOCK-SENDING //p' guest.log)
[ -n "$guest_sha" ] && [ "$(sha256sum <got.bin | cut -d' ' -f1)" = "$guest_sha" ] &&
  pass vsock-guest-to-host-16mib "checksum matches, $(sed -n 's/^VSOCK-SENT in //p' guest.log)" ||
  fail vsock-guest-to-host-16mib "got $(wc -c <got.bin) bytes: $(cat listen.err)"

t0=$(now)
vsock-pipe connect 3 5000 <host.bin >back.bin 2>connect.err
took=$(elapsed $t0)
[ "$(sha256sum <back.bin | cut -d' ' -f1)" = "$host_sha" ] &&
  pass vsock-host-to-guest-echo-16mib "16 MiB there and back, checksum matches, $took s" ||
  fail vsock-host-to-guest-echo-16mib "got back $(wc -c <back.bin) bytes: $(cat connect.err)"
note "vsock: 16 MiB to the guest's echo server and back in $took s"

# 64 connections at once beside a peer that never reads (its echo stalls).
vsock_many_check vsock-64-connections connect 3 5000

# A guest reboot in the middle of a transfer (the new driver resets what
# it does not know).
vsock_reboot_check vsock "listen 6000" "connect 3 5000"

# Another VM asking for the CID this one has: refused before it boots.
/a64vm run --kernel $GUEST_KERNEL --mem 64M --vsock cid=3 </dev/null >/dev/null 2>cid.err
st=$?
[ $st -eq 1 ] && grep -q "CID 3: another VM on this host has it" cid.err &&
  [ "$(wc -l <cid.err)" -eq 1 ] &&
  pass vsock-cid-in-use "$(cat cid.err)" || fail vsock-cid-in-use "status $st: $(cat cid.err)"

type_line 'poweroff -f'
vm_wait 30
st=$?
[ $st -eq 0 ] && pass vsock-poweroff "exit 0" || { fail vsock-poweroff "status $st"; show_logs; }

# Without the right to open /dev/vhost-vsock: one line, exit 1.
mkdir -p /etc && grep -q '^nobody:' /etc/passwd 2>/dev/null ||
  echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
mode=$(stat -c %a /dev/vhost-vsock)
chmod 666 /dev/kvm; chmod 600 /dev/vhost-vsock
su nobody -s /bin/sh -c "/a64vm run --kernel $GUEST_KERNEL --vsock cid=4" \
  </dev/null >/dev/null 2>perm.err
st=$?
chmod 600 /dev/kvm; chmod "$mode" /dev/vhost-vsock
[ $st -eq 1 ] && grep -q "cannot open /dev/vhost-vsock: Permission denied" perm.err &&
  [ "$(wc -l <perm.err)" -eq 1 ] &&
  pass vsock-no-right "$(cat perm.err)" || fail vsock-no-right "status $st: $(cat perm.err)"

# After --user dropped root, a reboot still renews the kernel device (the
# opener was forked as root): the rebooted guest's vsock works.
vsock-pipe listen 6000 </dev/null >user1.bin 2>/dev/null &
listener=$!
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --vsock cid=5 \
  --user nobody --append "console=ttyAMA0 quiet a64vm.test=vsock"
if wait_for "^VSOCK-SENT in [0-9.]* s" 120; then
  wait $listener
  vsock-pipe listen 6000 </dev/null >user2.bin 2>/dev/null &
  listener=$!
  type_line 'reboot -f'
  if wait_for "^VSOCK-SENT in [0-9.]* s" 120 2; then
    wait $listener
    [ "$(sha256sum <user2.bin | cut -d' ' -f1)" = \
      "$(tr -d '\r' <out.log | sed -n 's/^VSOCK-SENDING //p' | tail -1)" ] &&
      pass vsock-user-reboot "as nobody, 16 MiB after a reboot, checksum matches" ||
      fail vsock-user-reboot "got $(wc -c <user2.bin) bytes after the reboot"
  else
    fail vsock-user-reboot "nothing after the reboot: $(tail -2 err.log)"; kill $listener
  fi
else
  fail vsock-user-reboot "the guest did not send as nobody"; show_logs; kill $listener
fi
type_line 'poweroff -f'
vm_wait 30 >/dev/null
