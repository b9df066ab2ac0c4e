# limit: 300
# virtio-vsock on a64vm's own backend (--vsock cid=3,uds=PATH), which needs
# no /dev/vhost-vsock and no root (a64vm drops to nobody): 16 MiB from the
# guest to a listener at PATH_6000, 16 MiB from the test host through the
# guest's echo server and back ("CONNECT 5000" on PATH) and into a sink
# that shut its side first, 64 connections at once beside a peer that
# never reads, a reboot mid-transfer; a PATH where
# something is already is refused with one line.
grep -q '^nobody:' /etc/passwd 2>/dev/null ||
  echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
mkdir -p -m 777 /tmp/vs
V=/tmp/vs/v${A64VM_TRANSPORT:+-$A64VM_TRANSPORT}.sock
dd if=/dev/urandom of=host.bin bs=1M count=16 2>/dev/null
host_sha=$(sha256sum <host.bin | cut -d' ' -f1)
vsock-pipe uds-listen ${V}_6000 </dev/null >got.bin 2>listen.err &
listener=$!
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --vsock cid=3,uds=$V \
  --user nobody --append "console=ttyAMA0 quiet a64vm.test=vsock"
if ! wait_for "^VSOCK-SENT in [0-9.]* s" 120; then
  fail vsock-uds-guest-to-host-16mib "the guest did not send its 16 MiB: $(grep VSOCK out.log | tr -d '\r')"
  show_logs; kill $listener; kill -KILL $VM_PID; vm_wait 10; return
fi
tr -d '\r' <out.log >guest.log
wait $listener
guest_sha=$(sed -n 's/^VSOCK-SENDING //p' guest.log)
[ -n "$guest_sha" ] && [ "$(sha256sum <got.bin | cut -d' ' -f1)" = "$guest_sha" ] &&
  pass vsock-uds-guest-to-host-16mib "checksum matches, $(sed -n 's/^VSOCK-SENT in //p' guest.log)" ||
  fail vsock-uds-guest-to-host-16mib "got $(wc -c <got.bin) bytes: $(cat listen.err)"

t0=$(now)
vsock-pipe uds-connect $V 5000 <host.bin >back.bin 2>connect.err
took=$(elapsed $t0)
[ "$(sha256sum <back.bin | cut -d' ' -f1)" = "$host_sha" ] &&
  pass vsock-uds-host-to-guest-echo-16mib "16 MiB there and back, checksum matches, $took s" ||
  fail vsock-uds-host-to-guest-echo-16mib "got back $(wc -c <back.bin) bytes: $(cat connect.err)"
note "vsock uds: 16 MiB to the guest's echo server and back in $took s"

# Into a sink that shut its sending side at once: the guest's credit
# updates alone must keep the host's bytes going (they once stalled).
t0=$(now)
timeout 60 vsock-pipe uds-connect $V 5001 <host.bin >/dev/null 2>sink.err
st=$?
[ $st -eq 0 ] && pass vsock-uds-host-to-guest-16mib "16 MiB into a sink that shut its side first, $(elapsed $t0) s" ||
  fail vsock-uds-host-to-guest-16mib "status $st after $(elapsed $t0) s: $(cat sink.err)"

# A port nothing listens on in the guest: the host program's connection
# is closed without "OK".
vsock-pipe uds-connect $V 5999 </dev/null >/dev/null 2>noport.err
st=$?
[ $st -eq 1 ] && grep -q "no OK after CONNECT 5999 (got '')" noport.err &&
  pass vsock-uds-no-listener "$(cat noport.err)" ||
  fail vsock-uds-no-listener "status $st: $(cat noport.err)"

# 64 connections at once beside a peer that never reads (its echo stalls).
vsock_many_check vsock-uds-64-connections uds-connect $V 5000

vsock_reboot_check vsock-uds "uds-listen ${V}_6000" "uds-connect $V 5000"

# Something already at PATH (this VM's live socket, a file): refused.
touch /tmp/vs/file
chmod 666 /dev/kvm
for p in $V /tmp/vs/file; do
  su nobody -s /bin/sh -c "/a64vm run --kernel $GUEST_KERNEL --mem 64M --vsock cid=4,uds=$p" \
    </dev/null >/dev/null 2>exists.err
  st=$?
  [ $st -eq 1 ] && grep -q "uds=$p: something is there already" exists.err &&
    [ "$(wc -l <exists.err)" -eq 1 ] &&
    pass vsock-uds-path-exists-${p##*/} "$(cat exists.err)" ||
    fail vsock-uds-path-exists-${p##*/} "status $st: $(cat exists.err)"
done
chmod 600 /dev/kvm

type_line 'poweroff -f'
vm_wait 30
st=$?
[ $st -eq 0 ] && [ ! -e $V ] && pass vsock-uds-poweroff "exit 0, $V removed" ||
  { fail vsock-uds-poweroff "status $st, $(ls $V 2>&1)"; show_logs; }
