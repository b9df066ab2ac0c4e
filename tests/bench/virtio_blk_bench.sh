# virtio-blk from inside a Linux guest: sequential 64 MiB write and read and
# 4 KiB random reads, all direct I/O (tests/guest/linux/blkbench.c), on a
# raw image in the test host's tmpfs.
dd if=/dev/zero of=/tmp/bench-disk.img bs=1M count=80 2>/dev/null
timeout 300 /a64vm run --kernel /guest/Image --initrd /guest/initrd.cpio.gz \
  --mem 256M --disk /tmp/bench-disk.img \
  --append "console=ttyAMA0 quiet a64vm.test=blkbench" </dev/null 2>err.log |
  tr -d '\r' | grep '^BENCH' | sed 's/^BENCH /E2E-BENCH /'
rm -f /tmp/bench-disk.img
