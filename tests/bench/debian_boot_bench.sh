# a64vm against kvmtool, alternating in one test host: Debian 12 with
# systemd (tools/build-debian-image) booted directly, the same kernel,
# initramfs, arguments and raw disk on virtio-blk for both, each VMM on its
# defaults (virtio-pci); 1 and 2 vCPUs, BOOT_ROUNDS rounds (5). Wall time
# from exec to the serial login prompt, and systemd-analyze's kernel and
# userspace split, medians. kvmtool takes no compressed kernel: it gets
# the Image inside the image's vmlinuz (a64vm takes it as Debian ships it).
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
DEB=/guest/debian
disk=$(disk_by_serial a64vm-debian)
if [ -z "$disk" ] || [ ! -r $DEB/vmlinuz ]; then
  echo "E2E-BENCH debian-boot: not run: no Debian image in the test host (tools/build-debian-image)"
  exit 0
fi
# kvmtool takes an Image only: Debian's vmlinuz is one (with its EFI stub),
# a gzip'd one, or an EFI zboot image (a PE whose payload, at the offset
# and of the size its header gives, is the gzip'd Image).
if [ "$(head -c 8 $DEB/vmlinuz | tail -c 4)" = zimg ]; then
  set -- $(od -An -tu4 -j8 -N8 $DEB/vmlinuz)
  tail -c +$(( $1 + 1 )) $DEB/vmlinuz | head -c $2 | zcat >/tmp/debian-Image
elif [ "$(head -c 2 $DEB/vmlinuz | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
  zcat $DEB/vmlinuz >/tmp/debian-Image
else
  cp $DEB/vmlinuz /tmp/debian-Image
fi
ARGS="root=/dev/vda2 ro"
mkdir -p /dev/pts
grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
start() { # VMM CPUS: its console on a FIFO (fd 3), out.log
  rm -f in out.log err.log
  mkfifo in
  VM_T0=$(now)
  case $1 in
  kvmtool) # its console reads input only from a terminal: pty-run gives it one
    /bin/pty-run /bin/lkvm run -k /tmp/debian-Image -i $DEB/initrd.img -m 1024 -c "$2" -d $disk \
      --nodefaults --console serial -p "$ARGS console=ttyS0" <in >out.log 2>err.log & ;;
  *)
    /a64vm run --kernel $DEB/vmlinuz --initrd $DEB/initrd.img --mem 1G --cpus "$2" \
      --disk $disk --append "$ARGS console=ttyAMA0" <in >out.log 2>err.log & ;;
  esac
  VM_PID=$!
  exec 3>in
}
# LINE typed 8 characters at a time, as a person types.
type_slow() {
  l=$1
  while [ -n "$l" ]; do
    printf '%s' "${l:0:8}" >&3
    l=${l:8}
    sleep 0.05
  done
  printf '\n' >&3
}
# "Startup finished in 19.6s (kernel) + 1min 2.3s (userspace) = ..." ->
# "19.6 62.3": the kernel's and userspace's seconds.
split_of() {
  awk '{ v = 0
         for (i = 4; i <= NF; i++) {
           t = $i
           if (t == "(kernel)") { k = v; v = 0 }
           else if (t == "(userspace)") { u = v; v = 0 }
           else if (t ~ /^\(/ || t == "+" || t == "=") v = 0
           else if (t ~ /min$/) v += 60 * substr(t, 1, length(t) - 3)
           else if (t ~ /ms$/) v += substr(t, 1, length(t) - 2) / 1000
           else if (t ~ /s$/) v += substr(t, 1, length(t) - 1)
         }
         printf "%.3f %.3f\n", k, u }'
}
for cpus in 1 2; do
  for round in $(seq ${BOOT_ROUNDS:-5}); do
    for vmm in $(rotate $round $vmms); do
      start $vmm $cpus
      if wait_for "a64vm-debian login:" 400; then
        elapsed "$VM_T0" >>login-$vmm-$cpus.txt; echo >>login-$vmm-$cpus.txt
        debian_login 1 30
        # systemd-analyze has its figures once the boot is finished. Typed
        # slowly: a long line typed at once into kvmtool's console stopped
        # echoing at the 80th column and never ran.
        type_slow 'systemctl is-system-running --wait'
        type_slow 'systemd-analyze'
        # kvmtool's console also lost the first characters of that line
        # once, typed while the first ran: once more, then.
        if wait_for "Startup finished.*userspace" 180 ||
           { type_slow 'systemd-analyze'; wait_for "Startup finished.*userspace" 60; }; then
          tr -d '\r' <out.log | grep -o 'Startup finished in .*' | tail -n 1 | split_of |
            while read -r k u; do
              echo "$k" >>kernel-$vmm-$cpus.txt; echo "$u" >>user-$vmm-$cpus.txt
              echo "E2E-BENCH debian-boot $vmm ${cpus}cpu round $round: login $(tail -n 1 login-$vmm-$cpus.txt) s, kernel $k s, userspace $u s"
            done
        else
          echo "E2E-BENCH debian-boot $vmm ${cpus}cpu round $round: login $(tail -n 1 login-$vmm-$cpus.txt) s, no systemd-analyze:" \
            "$(tr -d '\r' <out.log | tail -n 4 | cat -v | tr '\n' ' ')"
        fi
        type_line 'systemctl poweroff'
        vm_wait 120 >/dev/null
      else
        echo "E2E-BENCH debian-boot $vmm ${cpus}cpu round $round: no login prompt in 400 s:" \
          "$(tail -n 3 err.log | tr '\n' ' ') / $(tr -d '\r' <out.log | tail -n 3 | tr '\n' ' ')"
        kill -9 $VM_PID; wait $VM_PID 2>/dev/null
      fi
      exec 3>&-
    done
  done
  k=$(median <login-kvmtool-$cpus.txt)
  for vmm in $vmms; do
    m=$(median <login-$vmm-$cpus.txt)
    echo "E2E-BENCH debian-boot median ${cpus}cpu $vmm: login $m s (of $(grep -c . login-$vmm-$cpus.txt)), ratio to kvmtool $(ratio "$m" "$k"); systemd-analyze kernel $(median <kernel-$vmm-$cpus.txt) s, userspace $(median <user-$vmm-$cpus.txt) s"
  done
done
