# limit: 200
# A kernel boots with its root on the test host's own tree, shared read-only
# over virtio-fs, and no initramfs: what a kernel engineer types to run a
# fresh build on the host's userspace. Its init reaches userspace, sees the
# root read-only, and powers off; a64vm exits 0.
if [ ! -e /guest/fs-Image ]; then
  fail virtio-fs-root-boots "no /guest/fs-Image (tools/build-fs-kernel)"; return
fi
vm_start --kernel /guest/fs-Image --mem 256M --fs /,tag=root,ro \
  --append "console=ttyAMA0 root=root rootfstype=virtiofs ro init=/guest/fsroot-init"
if wait_for "^FSROOT-UP" 150; then
  pass virtio-fs-root-boots "$(tr -d '\r' <out.log | grep '^FSROOT-UP')"
else
  fail virtio-fs-root-boots "no init on the virtio-fs root"; show_logs; vm_wait 1; return
fi
vm_wait 60; st=$?
tr -d '\r' <out.log >guest.log
if [ $st -eq 0 ] && grep -q '^FSROOT-READ-ONLY' guest.log && [ ! -e /fsroot-write-test ]; then
  pass virtio-fs-root-poweroff "read-only root, powered off, exit 0"
else
  fail virtio-fs-root-poweroff "exit $st; $(grep '^FSROOT-' guest.log | tail -1)"; show_logs
fi
