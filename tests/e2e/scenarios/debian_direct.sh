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
disk=$(disk_by_serial a64vm-debian)
[ -n "$disk" ] || { fail debian-direct "no disk with serial a64vm-debian"; return; }
t0=$(now)
vm_start --kernel $DEB/vmlinuz --initrd $DEB/initrd.img --disk $disk --cpus 2 --mem 1G \
  --append "root=/dev/vda2 ro console=ttyAMA0"
if ! debian_login 1 240; then
  fail debian-direct-login "no login prompt"; show_logs; kill -KILL $VM_PID; vm_wait 10; return
fi
pass debian-direct-login "root logged in on ttyAMA0, $(elapsed $t0) s after exec"
debian_running debian-direct-running 120
type_line 'systemctl reboot'
if debian_login 2 240; then
  pass debian-direct-reboot "a second login prompt after systemctl reboot"
else
  fail debian-direct-reboot "no login after the reboot"; show_logs
fi
type_line 'systemctl poweroff'
vm_wait 120; st=$?
[ $st -eq 0 ] && pass debian-direct-poweroff "exit 0" || fail debian-direct-poweroff "status $st"
