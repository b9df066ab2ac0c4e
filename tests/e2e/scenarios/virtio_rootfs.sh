# limit: 360
# An ext4 root on virtio-blk: the guest switch_roots to it from its
# initramfs (Debian's virtio and ext4 modules), writes a file, syncs and
# powers off. A second guest syncs another file and a64vm is killed with
# SIGKILL at once. Then the image is served on the forwarded port and
# tests/gdb/drive.sh checks both files from outside with e2fsprogs.
cp /guest/rootfs.img root.img
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --disk root.img \
  --append "console=ttyAMA0 quiet a64vm.root=vda"
vm_wait 150; st=$?
sha1=$(tr -d '\r' <out.log | sed -n 's/^ROOTFS-WROTE //p')
if [ $st -eq 0 ] && grep -q "ROOTFS-UP ext4" out.log && [ -n "$sha1" ]; then
  pass virtio-rootfs-boot "switch_root to ext4 on /dev/vda, wrote 4 MiB, powered off"
else
  fail virtio-rootfs-boot "exit status $st"; show_logs
fi
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --disk root.img \
  --append "console=ttyAMA0 quiet a64vm.root=vda a64vm.rootfs=sync-kill"
if wait_for "^ROOTFS-SYNCED [0-9a-f]\{64\}" 150; then
  kill -KILL $VM_PID
fi
vm_wait 10
sha2=$(tr -d '\r' <out.log | sed -n 's/^ROOTFS-SYNCED //p')
[ -n "$sha2" ] || { fail virtio-rootfs-sigkill "the second guest did not sync"; show_logs; }
mkdir -p srv && mv root.img srv/
httpd -f -vv -p 1234 -h srv 2>httpd.log &
httpd_pid=$!
gdb_ready rootfs_check SHA1=$sha1 SHA2=$sha2
for _ in $(seq 240); do grep -q "/done" httpd.log && break; sleep 0.5; done
kill $httpd_pid
grep -q "/done" httpd.log && pass virtio-rootfs-outside "the image was fetched and checked outside" ||
  { fail virtio-rootfs-outside "nobody fetched the image"; tail -5 httpd.log; }
