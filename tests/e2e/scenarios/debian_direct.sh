# limit: 420
# suite: full
# Debian 12 arm64 with systemd (tools/build-debian-image), booted directly:
# Debian's own kernel and initramfs from the image, the image's root on
# virtio-blk (a copy-on-write of it: the outer QEMU's snapshot), 2 vCPUs.
# It reaches multi-user.target with no failed unit, gives a login on the
# serial console, reboots (and comes back), and powers off with exit 0.
DEB=/guest/debian
if [ ! -r $DEB/vmlinuz ]; then
  skip debian-direct "no Debian image in the test host (tools/build-debian-image)"; return
fi
disk=
for b in /sys/block/vd*; do
  [ "$(cat $b/serial 2>/dev/null)" = a64vm-debian ] && disk=/dev/${b#/sys/block/}
done
[ -n "$disk" ] || { fail debian-direct "no disk with serial a64vm-debian"; return; }
login() { # N: the N-th login prompt, then root's shell
  wait_for "a64vm-debian login:" 240 $1 || return 1
  type_line root
  wait_for "^Password:" 30 $1 || return 1
  shells=$(grep -c "root@a64vm-debian:" out.log)
  type_line a64vm
  wait_for "root@a64vm-debian:" 30 $((shells + 1)) # after bash's bracketed-paste escape
}
t0=$(now)
vm_start --kernel $DEB/vmlinuz --initrd $DEB/initrd.img --disk $disk --cpus 2 --mem 1G \
  --append "root=/dev/vda2 ro console=ttyAMA0"
if ! login 1; then
  fail debian-direct-login "no login prompt"; show_logs; kill -KILL $VM_PID; vm_wait 10; return
fi
pass debian-direct-login "root logged in on ttyAMA0, $(elapsed $t0) s after exec"
# Output lines start after bash's escape; the quotes keep the typed line from matching.
type_line 'echo STATE""-$(systemctl is-system-running --wait)'
wait_for "STATE-[a-z]" 120
state=$(tr -d '\r' <out.log | sed -n 's/.*STATE-\([a-z][a-z]*\).*/\1/p' | tail -n 1)
if [ "$state" = running ]; then
  pass debian-direct-running "systemctl is-system-running: running"
else
  type_line 'echo FAILED""-$(systemctl --failed --no-legend --plain | tr "\n" " ")'
  wait_for "FAILED-[^$]" 30
  fail debian-direct-running "$state: $(tr -d '\r' <out.log | grep -o 'FAILED-[^$].*' | tail -n 1)"
fi
type_line 'systemctl reboot'
if login 2; then
  pass debian-direct-reboot "a second login prompt after systemctl reboot"
else
  fail debian-direct-reboot "no login after the reboot"; show_logs
fi
type_line 'systemctl poweroff'
vm_wait 120; st=$?
[ $st -eq 0 ] && pass debian-direct-poweroff "exit 0" || fail debian-direct-poweroff "status $st"
