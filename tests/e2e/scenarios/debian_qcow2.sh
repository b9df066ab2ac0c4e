# limit: 900
# Debian 12 arm64 with systemd as a cloud image boots: Debian's EDK2
# (AAVMF) from flash, GRUB from the image's ESP, the qcow2 form of the
# image served by qemu-storage-daemon over vhost-user-blk as a temporary
# overlay (snapshot=on), 2 vCPUs, passt's user-mode network. It reaches
# multi-user.target with no failed unit and a login on the serial
# console; sshd is reached through a port forward and runs a command; a
# write survives systemctl reboot (back through EDK2 and GRUB) in the
# overlay (full suite only: a second boot); systemctl poweroff ends a64vm with exit 0; the base image has
# not changed.
DEB=/guest/debian
if [ ! -r $DEB/id_ed25519 ]; then
  skip debian-qcow2 "no Debian image in the test host (tools/build-debian-image)"; return
fi
disk=$(disk_by_serial a64vm-debian-qcow2)
[ -n "$disk" ] || { fail debian-qcow2 "no disk with serial a64vm-debian-qcow2"; return; }
# ssh looks its user up; the test host has no passwd file of its own.
grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >>/etc/passwd
mkdir -p /root
cp $DEB/id_ed25519 key && chmod 600 key
base_sum=$(md5sum <$disk)
cp /guest/fw/AAVMF_VARS.fd vars.fd
t0=$(now)
vm_start --flash0 /guest/fw/AAVMF_CODE.fd,ro --flash1 vars.fd --disk $disk,snapshot=on \
  --cpus 2 --mem 1G --net user,hostfwd=tcp::2222-:22 --verbose
if ! debian_login 1 420; then
  fail debian-qcow2-login "no login prompt"; show_logs; kill -KILL $VM_PID; vm_wait 10; return
fi
if grep -q "qemu-storage-daemon.*qcow2 under a temporary overlay, 2 queues" err.log &&
   grep -q "by vhost-user, on qemu-storage-daemon" err.log && grep -q "GRUB" out.log; then
  pass debian-qcow2-login "EDK2, GRUB, the qcow2 overlay on qemu-storage-daemon (2 queues): root logged in $(elapsed $t0) s after exec"
else
  fail debian-qcow2-login "not through EDK2, GRUB and qemu-storage-daemon: $(grep -i 'disk\|blk' err.log | head -n 5 | tr '\n' ' ')"
fi
debian_running debian-qcow2-running 180
# sshd, through passt's forward of the test host's port 2222.
ssh_out=
for _ in 1 2 3; do
  ssh_out=$(/usr/bin/ssh -i key -p 2222 -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o ConnectTimeout=$(scaled 30) -o LogLevel=ERROR root@127.0.0.1 \
    'echo SSH-$((6 * 7)) $(findmnt -n -o SOURCE /) $(nproc)' 2>&1) && break
  sleep 5
done
if [ "$(echo "$ssh_out" | grep '^SSH-')" = "SSH-42 /dev/vda2 2" ]; then
  pass debian-qcow2-ssh "ssh root@127.0.0.1:2222 ran a command: root on /dev/vda2, 2 CPUs"
else
  fail debian-qcow2-ssh "$(echo "$ssh_out" | tail -n 3 | tr '\n' ' ')"
fi
# A write, flushed, is in the overlay after a reboot through the firmware:
# a second boot of Debian (about 150 s here), so in the full suite only
# (issue 33: the default suite boots the image once).
if [ "$A64VM_SUITE" != full ]; then
  skip debian-qcow2-reboot "a second Debian boot: in the full suite (tools/test --full)"
else
  type_line 'echo a64vm-$((6 * 7)) >/root/marker && sync && systemctl reboot'
  if debian_login 2 420; then
    type_line 'echo MARK""-$(cat /root/marker)'
    if wait_for "MARK-a64vm-42" 30; then
      pass debian-qcow2-reboot "back through EDK2 and GRUB; the write before it is there"
    else
      fail debian-qcow2-reboot "the write before the reboot is gone"
    fi
  else
    fail debian-qcow2-reboot "no login after the reboot"; show_logs
  fi
fi
type_line 'systemctl poweroff'
vm_wait 180; st=$?
[ $st -eq 0 ] && pass debian-qcow2-poweroff "exit 0" || fail debian-qcow2-poweroff "status $st"
if [ "$(md5sum <$disk)" = "$base_sum" ]; then
  pass debian-qcow2-base-unchanged "the guest's writes went to the overlay, thrown away at exit"
else
  fail debian-qcow2-base-unchanged "the base image changed"
fi
