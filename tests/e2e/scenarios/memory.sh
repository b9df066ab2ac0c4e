# limit: 240
# Guest RAM backing: 2 MiB aligned anonymous memory with transparent huge
# pages by default (KVM then maps the guest with 2 MiB blocks), and
# --hugepages DIR on hugetlbfs; a DIR that is not hugetlbfs is refused.
ram_huge_kib() { # the guest RAM mapping's AnonHugePages (the largest mapping)
  awk '/^Size:/ { sz = $2 } /^AnonHugePages:/ { if (sz > big) { big = sz; h = $2 } }
       END { print h + 0 }' /proc/$VM_PID/smaps
}

thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M \
  --append "console=ttyAMA0 quiet nopowerbtn"
if ! wait_for "A64VM-GUEST-INIT" 150; then
  fail ram-thp "no guest init within 150 s"; show_logs
else
  huge=$(ram_huge_kib)
  case "$thp" in
  *"[never]"*) skip ram-thp "the test host's THP is off ($thp)" ;;
  *) if [ "$huge" -gt 0 ]; then
       pass ram-thp "$huge KiB of guest RAM in huge pages at init"
     else
       fail ram-thp "no guest RAM in huge pages (THP: $thp)"
     fi ;;
  esac
fi
type_line 'poweroff -f'; vm_wait 60 >/dev/null

mkdir -p /mnt/huge
mount -t hugetlbfs none /mnt/huge 2>/dev/null
echo 160 >/proc/sys/vm/nr_hugepages
free0=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ "${free0:-0}" -lt 128 ]; then
  skip hugepages-boot "only ${free0:-0} free 2 MiB huge pages"
else
  vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M \
    --hugepages /mnt/huge --append "console=ttyAMA0 quiet nopowerbtn"
  if wait_for "A64VM-GUEST-INIT" 150; then
    used=$(( free0 - $(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo) ))
    # Linux touches only part of its RAM by init; some of it must be huge pages.
    if [ "$used" -gt 0 ]; then
      pass hugepages-boot "init on hugetlbfs, $used huge pages in use"
    else
      fail hugepages-boot "init, but no huge page in use"
    fi
  else
    fail hugepages-boot "no guest init within 150 s"; show_logs
  fi
  type_line 'poweroff -f'; vm_wait 60 >/dev/null
  left=$(ls /mnt/huge | wc -l)
  [ "$left" = 0 ] && pass hugepages-no-file-left || fail hugepages-no-file-left "$left files"
fi
echo 0 >/proc/sys/vm/nr_hugepages

vm_start --kernel $GUEST_KERNEL --mem 64M --hugepages /tmp
vm_wait 30; st=$?
if [ $st = 1 ] && grep -q "hugepages: /tmp is not a hugetlbfs mount" err.log; then
  pass hugepages-not-hugetlbfs "exit 1: $(head -n1 err.log)"
else
  fail hugepages-not-hugetlbfs "exit $st"; show_logs
fi
