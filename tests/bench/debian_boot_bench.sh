# a64vm against kvmtool, alternating in one test host: Debian 12 with
# systemd (tools/build-debian-image) booted directly, the same kernel,
# initramfs, arguments and raw disk on virtio-blk for both, each VMM on its
# defaults (virtio-pci); BOOT_CPUS (1 and 2) vCPUs, BOOT_ROUNDS rounds (5;
# A64VM_BENCH_ENV="BOOT_ROUNDS=3 BOOT_CPUS=2" tools/testhost bench ...).
# Wall time from exec to the serial login prompt, and systemd-analyze's
# kernel and userspace split, medians; and where the time went: the
# slowest units, the disk's requests and their time as the guest saw
# them, virtio interrupts a request, KVM's exits. kvmtool takes no compressed kernel: it gets
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
# KVM's exit counts per VM (one VM runs at a time): where the time went.
mkdir -p /sys/kernel/debug && mount -t debugfs none /sys/kernel/debug 2>/dev/null
kvm_stat() { cat /sys/kernel/debug/kvm/*-*/$1 2>/dev/null | head -n1; }
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
# LINE typed, then its answer (PATTERN) waited for; typed again once if
# it did not come (kvmtool's console loses what is typed while a command
# runs). The guest's bash wraps each answer in bracketed-paste escapes: no ^.
ask_guest() { # PATTERN LINE
  type_slow "$2"
  wait_for "$1" 30 || { type_slow "$2"; wait_for "$1" 30; }
}
answer() { tr -d '\r' <out.log | sed -n "s/.*$1 \([0-9][^|]*\)/\1/p"; }
# After the boot: the units that took longest, the disk's requests and
# their time (the guest's /sys/block/vda/stat), the virtio interrupts, and
# KVM's exits for the whole VM so far.
where_it_went() { # VMM CPUS ROUND
  e0=$(kvm_stat exits) # before the questions below add their own
  # a64vm says which of its devices the MMIO exits went to (SIGQUIT).
  hits=
  if [ "$(cat /proc/$VM_PID/comm 2>/dev/null)" = a64vm ]; then
    kill -QUIT $VM_PID
    wait_err 'MMIO accesses a64vm answered' 10 &&
      hits="; a64vm's MMIO by device: $(sed -n 's/.*by device: //p' err.log | tail -n 1)"
  fi
  exits="$e0 exits: mmio to the VMM $(kvm_stat mmio_exit_user), in KVM $(kvm_stat mmio_exit_kernel), wfi $(kvm_stat wfi_exit_stat), hvc $(kvm_stat hvc_exit_stat)"
  if ! { ask_guest 'BLAME [0-9]' 'systemd-analyze blame --no-pager | head -n 5 | sed "s/^ */BLAME /"' &&
         sleep 1; } || # the rest of its lines
     ! ask_guest 'DISKSTAT [0-9]' 'echo DISKSTAT $(cat /sys/block/vda/stat)' ||
     ! ask_guest 'VIRQ [0-9]' 'awk "/virtio/ { for (i = 2; i <= 3; i++) s += \$i } END { print \"VIRQ\", s }" /proc/interrupts'; then
    echo "E2E-BENCH debian-boot $1 ${2}cpu round $3 where: no answer: $(tr -d '\r' <out.log | tail -n 6 | cat -v | tr '\n' '|')"
    return 0
  fi
  set -- $1 $2 $3 $(answer DISKSTAT | tail -n 1)
  irqs=$(answer VIRQ | tail -n 1)
  echo "E2E-BENCH debian-boot $1 ${2}cpu round $3 where: reads $4 (${7} ms, $(ratio "$7" "$4") ms each)," \
    "writes $8 (${11} ms), virtio interrupts $irqs ($(ratio "$irqs" "$(( $4 + $8 ))") a request), KVM $exits;" \
    "slowest units: $(answer BLAME | head -n 5 | tr '\n' ',')$hits"
  echo "$4" >>reads-$1-$2.txt; echo "$(ratio "$7" "$4")" >>readms-$1-$2.txt
  echo "$(ratio "$irqs" "$(( $4 + $8 ))")" >>irqs-$1-$2.txt; echo "$e0" >>exits-$1-$2.txt
}
for cpus in ${BOOT_CPUS:-1 2}; do
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
          where_it_went $vmm $cpus $round
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
    echo "E2E-BENCH debian-boot median ${cpus}cpu $vmm: login $m s (of $(grep -c . login-$vmm-$cpus.txt)), ratio to kvmtool $(ratio "$m" "$k"); systemd-analyze kernel $(median <kernel-$vmm-$cpus.txt) s, userspace $(median <user-$vmm-$cpus.txt) s;" \
      "disk reads $(median <reads-$vmm-$cpus.txt 2>/dev/null) at $(median <readms-$vmm-$cpus.txt 2>/dev/null) ms each, virtio interrupts a request $(median <irqs-$vmm-$cpus.txt 2>/dev/null), KVM exits $(median <exits-$vmm-$cpus.txt 2>/dev/null)"
  done
done
