# Guest RAM as a vhost-user daemon sees it: what each layout costs a boot.
# a64vm with --fs shares guest RAM with virtiofsd as a sealed memfd, whose
# huge pages follow the host's shmem_enabled (Debian's default: never; with
# advise a64vm's MADV_HUGEPAGE gets them). An older a64vm
# (A64VM_BASELINE) may put it on a private huge tmpfs instead, which a
# daemon could truncate. Anonymous RAM (no --fs) is the reference.
# Two boots, alternating, median of 5, one outer boot: Debian's kernel and
# the busybox initramfs to init (256 MiB, 1 vCPU), and the small kernel
# with its root on virtio-fs to its init (tools/build-fs-kernel).
. /e2e/lib.sh
SHMEM=/sys/kernel/mm/transparent_hugepage/shmem_enabled
shmem_default=$(sed 's/.*\[\(.*\)\].*/\1/' $SHMEM)
mkdir -p /tmp/share-bench
layouts="anon memfd-$shmem_default memfd-advise"
[ -x /a64vm-baseline ] && layouts="$layouts baseline"
ram_boot() { # LAYOUT KIND -> seconds to init, or nothing
  bin=/a64vm fs="--fs /tmp/share-bench,tag=share"
  case $1 in
    anon) fs= ;;
    memfd-*) echo "${1#memfd-}" >$SHMEM ;;
    baseline) bin=/a64vm-baseline ;;
  esac
  rm -f out.log err.log
  VM_T0=$(now)
  if [ "$2" = initrd ]; then
    $bin run --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M $fs \
      --append "console=ttyAMA0 quiet nopowerbtn" </dev/null >out.log 2>err.log &
    VM_PID=$!; marker="A64VM-GUEST-INIT uptime"
  else
    [ -n "$fs" ] || { echo "$shmem_default" >$SHMEM; return; }
    $bin run --kernel /guest/fs-Image --mem 256M --fs /,tag=root,ro \
      --append "console=ttyAMA0 root=root rootfstype=virtiofs ro init=/guest/fsroot-init" \
      </dev/null >out.log 2>err.log &
    VM_PID=$!; marker="^FSROOT-UP"
  fi
  wait_for "$marker" 150 && elapsed "$VM_T0"
  kill -9 $VM_PID 2>/dev/null; wait $VM_PID 2>/dev/null
  echo "$shmem_default" >$SHMEM
}
for kind in initrd fsroot; do
  for l in $layouts; do : >$kind-$l; done
  for round in 1 2 3 4 5; do
    for l in $(rotate $round $layouts); do
      t=$(ram_boot $l $kind)
      [ -n "$t" ] && echo "$t" >>$kind-$l
    done
  done
  line="E2E-BENCH shared RAM, boot to init ($kind):"
  ref=$(median <$kind-memfd-$shmem_default)
  for l in $layouts; do
    [ -s $kind-$l ] || continue
    m=$(median <$kind-$l)
    line="$line $l $m s ($(grep -c . $kind-$l) runs, $(ratio "$m" "$ref")x memfd-$shmem_default);"
  done
  echo "$line"
done
