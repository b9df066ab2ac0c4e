# A shared host directory, a64vm's virtio-fs (Debian's virtiofsd, over
# vhost-user) against kvmtool's 9p (--9p, served inside lkvm), alternating
# in one test host, median of 5: read of a 64 MiB file the host wrote (the
# guest's cache cold), write of 64 MiB with fsync, find and stat over 10000
# files. Both on virtio-pci, 512 MiB, 1 vCPU, each run a fresh guest.
# a64vm's RAM is then a shared memfd, whose huge pages follow the host's
# shmem_enabled (Debian's default: never), not THP's enabled: a64vm runs
# with the test host's default and with shmem_enabled=advise (a64vm asks
# with MADV_HUGEPAGE). Then a64vm's boot to init with guest RAM a shared
# memfd (any --fs) against anonymous RAM.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
SHARE=/tmp/fsbench-share
rm -rf $SHARE && mkdir -p $SHARE/many
dd if=/dev/urandom of=$SHARE/big.bin bs=1M count=64 2>/dev/null
(cd $SHARE/many && seq 10000 | sed 's/^/f/' | xargs touch)

SHMEM=/sys/kernel/mm/transparent_hugepage/shmem_enabled
shmem_default=$(sed 's/.*\[\(.*\)\].*/\1/' $SHMEM)
fs_start() { # VMM
  rm -f out.log err.log
  case $1 in
  a64vm-*)
    echo "${1#a64vm-}" >$SHMEM
    /a64vm run --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 512M \
      --fs $SHARE,tag=share --append "console=ttyAMA0 quiet nopowerbtn a64vm.test=fsbench" \
      </dev/null >out.log 2>err.log & ;;
  kvmtool)
    /bin/lkvm run -k $GUEST_KERNEL -i $GUEST_INITRD -m 512 -c 1 --nodefaults \
      --console serial --9p $SHARE,share \
      -p "console=ttyS0 quiet nopowerbtn a64vm.test=fsbench a64vm.fs=9p" \
      </dev/null >out.log 2>err.log & ;;
  esac
  VM_PID=$!
}

runs="a64vm-$shmem_default a64vm-advise kvmtool"
echo "E2E-BENCH fs: host THP $(cat /sys/kernel/mm/transparent_hugepage/enabled), shmem THP $(cat $SHMEM)"
for vmm in $runs; do : >read-$vmm; : >write-$vmm; : >meta-$vmm; done
for round in 1 2 3 4 5; do
  for vmm in $runs; do
    fs_start $vmm
    if wait_for "^FSBENCH " 600; then
      line=$(tr -d '\r' <out.log | grep '^FSBENCH ' | head -n1)
      for k in read write meta; do
        echo "$line" | sed -n "s/.* $k=\([0-9.]*\).*/\1/p" >>$k-$vmm
      done
      [ "$round" = 1 ] && echo "E2E-BENCH fs $vmm round 1: $line"
    else
      echo "E2E-BENCH fs $vmm round $round: no result; $(tail -3 err.log | tr '\n' ' ')"
    fi
    vm_wait 60 >/dev/null 2>&1 || peer_stop
    echo "$shmem_default" >$SHMEM
  done
done
b_read=$(median <read-kvmtool)
for vmm in a64vm-$shmem_default a64vm-advise; do
  for k in read write meta; do
    a=$(median <$k-$vmm) b=$(median <$k-kvmtool)
    echo "E2E-BENCH fs $k: virtio-fs (shmem THP ${vmm#a64vm-}) $a s, kvmtool 9p $b s (medians of $(grep -c . $k-$vmm) and $(grep -c . $k-kvmtool)), kvmtool/a64vm $(ratio "$b" "$a")"
  done
  echo "E2E-BENCH fs read MB/s: virtio-fs (shmem THP ${vmm#a64vm-}) $(awk -v t=$(median <read-$vmm) 'BEGIN { if (t > 0) printf "%.0f", 64 / t }'), kvmtool 9p $(awk -v t=$b_read 'BEGIN { if (t > 0) printf "%.0f", 64 / t }')"
done

# Boot to init: RAM anonymous (no --fs) against a shared memfd (--fs).
: >boot-anon; : >boot-memfd
for round in 1 2 3 4 5; do
  for ram in anon memfd; do
    vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 512M \
      $( [ $ram = memfd ] && echo "--fs $SHARE,tag=share" ) \
      --append "console=ttyAMA0 quiet nopowerbtn"
    if wait_for "A64VM-GUEST-INIT uptime" 150; then
      elapsed "$VM_T0" >>boot-$ram; echo >>boot-$ram
    fi
    kill -9 $VM_PID 2>/dev/null; vm_wait 10 >/dev/null
  done
done
a=$(median <boot-anon) m=$(median <boot-memfd)
echo "E2E-BENCH boot to init: anonymous RAM $a s, memfd RAM (--fs) $m s, ratio $(ratio "$m" "$a"); shmem THP: $(cat /sys/kernel/mm/transparent_hugepage/shmem_enabled)"
