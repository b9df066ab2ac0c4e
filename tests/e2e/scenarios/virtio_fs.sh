# limit: 400
# virtio-fs over vhost-user, served by Debian's arm64 virtiofsd that a64vm
# starts (--fs): the guest reads what the test host wrote, writes what it
# then sees, lists 10000 files, renames and removes; a read-only share
# refuses every change and the host's files stay as they were. Then the
# daemons are killed under a reading guest: a64vm keeps running, its
# control socket answers, the guest's next request fails, and a64vm exits
# cleanly when the guest powers off. A reboot in between hands the queues
# over a second time.
SOCK=/tmp/fs.sock
mkdir -p share/many rofs
dd if=/dev/urandom of=share/host.bin bs=1M count=8 2>/dev/null
dd if=/dev/urandom of=share/big.bin bs=1M count=32 2>/dev/null
echo never read >share/unread.txt
host_sha=$(sha256sum <share/host.bin | cut -d' ' -f1)
(cd share/many && seq 10000 | sed 's/^/f/' | xargs touch)
echo "the host's, not the guest's" >rofs/keep
ro_state() { find rofs -exec stat -c '%n %s %Y %a %u' {} + | sort | sha256sum | cut -d' ' -f1; }
ro_before=$(ro_state)-$(sha256sum <rofs/keep | cut -d' ' -f1)
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --control $SOCK \
  --fs "$PWD/share,tag=share" --fs "$PWD/rofs,tag=rofs,ro" \
  --append "console=ttyAMA0 quiet a64vm.test=fs" --verbose
if ! wait_for "^FS-DONE" 200; then
  fail virtio-fs-mount "the guest did not get through its part"; show_logs; vm_wait 1; return
fi
tr -d '\r' <out.log >guest.log
grep -q FS-MOUNTED guest.log && pass virtio-fs-mount "both shares mounted by tag" ||
  fail virtio-fs-mount "$(grep -i 'virtio\|fuse' guest.log | tail -3)"
note "virtio-fs: $(grep -o 'guest RAM: .*' err.log | head -1)"
# The daemons a64vm started read nothing of its terminal (here the FIFO
# the scenario types into) and write nothing into the guest's console.
fds=
for p in $(pidof virtiofsd); do
  fds="$fds $(readlink /proc/$p/fd/0),$(readlink /proc/$p/fd/1)"
done
if [ -n "$fds" ] && ! echo "$fds" | tr ' ' '\n' | grep -v '^$' | grep -qv '^/dev/null,/dev/null$'; then
  pass virtio-fs-daemon-stdio "stdin and stdout of each daemon:$fds"
else
  fail virtio-fs-daemon-stdio "stdin and stdout of the daemons:$fds"
fi
got=$(sed -n 's/^FS-READ //p' guest.log)
[ "$got" = "$host_sha" ] && pass virtio-fs-read "8 MiB the host wrote, same SHA-256" ||
  fail virtio-fs-read "guest $got, host $host_sha"
want=$(sed -n 's/^FS-WROTE //p' guest.log)
[ -n "$want" ] && [ "$(sha256sum <share/guest.bin | cut -d' ' -f1)" = "$want" ] &&
  pass virtio-fs-write "4 MiB the guest wrote, on the host with its SHA-256" ||
  fail virtio-fs-write "guest $want, host $(sha256sum <share/guest.bin 2>&1)"
n=$(sed -n 's/^FS-LISTED //p' guest.log)
[ "$n" = 10000 ] && pass virtio-fs-list-10000 "10000 files listed" ||
  fail virtio-fs-list-10000 "listed $n"
grep -q FS-RENAMED-REMOVED guest.log && [ -e share/renamed ] && [ ! -e share/many/f1 ] &&
  [ ! -e share/many/f2 ] && pass virtio-fs-rename-remove "renamed and removed on the host" ||
  fail virtio-fs-rename-remove "$(ls share | head -5)"
ro=$(sed -n 's/^FS-RO //p' guest.log)
ro_after=$(ro_state)-$(sha256sum <rofs/keep | cut -d' ' -f1)
[ "$ro" = "refused all" ] && [ "$ro_after" = "$ro_before" ] &&
  pass virtio-fs-read-only "create, append, unlink, rename, mkdir, chmod, utimes refused; the host's files unchanged" ||
  fail virtio-fs-read-only "the guest changed:$ro; host $( [ "$ro_after" = "$ro_before" ] && echo unchanged || echo changed)"

# A guest reboot stops the daemon's queues (GET_VRING_BASE) and the next
# boot hands them over again: the share works as before.
/a64vm ctl $SOCK reset >reply.txt
if wait_for "^FS-DONE" 200 2 && [ "$(tr -d '\r' <out.log | grep -c "^FS-READ $host_sha")" = 2 ]; then
  pass virtio-fs-after-reboot "mounted and read again after a guest reboot"
else
  fail virtio-fs-after-reboot "$(cat reply.txt; tr -d '\r' <out.log | grep '^FS-' | tail -3)"
fi

# The daemons are killed (SIGKILL: the C virtiofsd serves as the init of a
# PID namespace, which SIGTERM does not end) under a guest that keeps
# reading (O_DIRECT: every read goes to the daemon, none to the page cache).
type_line 'echo FS-LOOP; while dd if=/mnt/rw/big.bin of=/dev/null bs=64k iflag=direct 2>/dev/null; do :; done &'
wait_for "^FS-LOOP" 30
sleep 2
killall -9 virtiofsd
t0=$(now)
if /a64vm ctl $SOCK status >status.txt 2>&1 && grep -q '"ok":true' status.txt; then
  pass virtio-fs-daemon-killed-ctl-answers "status answered $(elapsed $t0) s after the kill"
else
  fail virtio-fs-daemon-killed-ctl-answers "$(cat status.txt)"
fi
type_line 'cat /mnt/rw/unread.txt >/dev/null; echo FS-AFTER-KILL rc=$?'
if wait_for "^FS-AFTER-KILL" 60 && ! grep -q "FS-AFTER-KILL rc=0" out.log &&
   grep -q "closed its socket" err.log; then
  pass virtio-fs-daemon-killed-guest-errors "$(grep '^FS-AFTER-KILL' out.log | tr -d '\r'); $(grep -c 'closed its socket' err.log) daemons seen gone"
else
  fail virtio-fs-daemon-killed-guest-errors "$(grep '^FS-AFTER-KILL' out.log)"; show_logs
fi
type_line 'poweroff -f'
vm_wait 60; st=$?
[ $st -eq 0 ] && pass virtio-fs-daemon-killed-clean-exit "exit 0" ||
  fail virtio-fs-daemon-killed-clean-exit "exit status $st"; [ $st -eq 0 ] || show_logs

# Bad input: one line each, and a64vm ends with 1 (it could not start the
# VM) or 2 (a usage error).
fs_refused() { # NAME STATUS PATTERN ARGS...
  name=$1 want=$2 pat=$3
  shift 3
  /a64vm run --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 128M "$@" \
    </dev/null >bad.out 2>bad.err
  st=$?
  lines=$(grep -c . bad.err)
  if [ $st -eq "$want" ] && [ "$lines" = 1 ] && grep -q -- "$pat" bad.err; then
    pass "$name" "exit $st: $(cat bad.err)"
  else
    fail "$name" "exit $st, $lines lines: $(head -3 bad.err)"
  fi
}
fake_daemon() { # MODE: a fake listening on /tmp/fake.sock
  rm -f /tmp/fake.sock
  fake-vhost-user "$1" /tmp/fake.sock >/dev/null &
  FAKE_PID=$!
  for _ in $(seq 50); do [ -S /tmp/fake.sock ] && break; sleep 0.1; done
}
fs_refused virtio-fs-missing-dir 1 "/nonexistent" --fs /nonexistent,tag=x
fs_refused virtio-fs-no-tag 2 "tag=TAG" --fs "$PWD/share"
fs_refused virtio-fs-no-daemon 1 "cannot run\|--fs-daemon" --fs "$PWD/share,tag=x" \
  --fs-daemon /nonexistent/virtiofsd
fake_daemon silent
fs_refused virtio-fs-daemon-silent 1 "did not answer in time" --fs socket=/tmp/fake.sock,tag=x
kill $FAKE_PID 2>/dev/null
fake_daemon http
fs_refused virtio-fs-not-vhost-user 1 "bad reply" --fs socket=/tmp/fake.sock,tag=x
kill $FAKE_PID 2>/dev/null
fake_daemon nofeatures
fs_refused virtio-fs-no-features 1 "offers no VIRTIO_F_VERSION_1" --fs socket=/tmp/fake.sock,tag=x
kill $FAKE_PID 2>/dev/null
