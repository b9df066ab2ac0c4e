# a64vm against kvmtool, alternating in one test host: wall time from the
# VMM's start to the guest's init with 1, 2 and 4 vCPUs (median of 5 each),
# the guest's own uptime then, resident memory, and how guest RAM is
# mapped (its huge pages, and KVM's exits by init). kvmtool has no RTC:
# the init line's date is not waited for.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
PEER_A64VM_ARGS=--verbose
mkdir -p /sys/kernel/debug && mount -t debugfs none /sys/kernel/debug 2>/dev/null
echo "E2E-BENCH host THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"

# The guest RAM is the largest mapping: RSS outside it, and its huge pages.
memory_line() {
  awk '/^Size:/ { sz = $2 } /^Rss:/ { r = $2; total += r; if (sz > big) { big = sz; bigrss = r } }
       /^AnonHugePages:/ { if (sz == big) thp = $2 }
       END { printf "rss-besides-ram %d KiB, ram rss %d KiB, ram in huge pages %d KiB", total - bigrss, bigrss, thp }' \
    /proc/$VM_PID/smaps
}
col() { awk -v c="$1" '{ print $c }' "$2" | median; } # the median of column C
kvm_exits() { cat /sys/kernel/debug/kvm/$VM_PID-*/exits 2>/dev/null | head -n1; }

# a64vm gives the guest a KASLR seed, as QEMU does; kvmtool gives none
# unless asked. Both boot with nokaslr, then once more with KASLR (1 vCPU).
for config in ${BOOT_CONFIGS:-1-nokaslr 2-nokaslr 4-nokaslr 1}; do
  cpus=${config%%-*} extra=
  case $config in *-nokaslr) extra=nokaslr ;; esac
  for vmm in $vmms; do
    : >boot-$vmm-$config.txt; : >up-$vmm-$config.txt
    : >timeline-$vmm-$config.txt; : >setup-$vmm-$config.txt
  done
  for round in 1 2 3 4 5; do
    for vmm in $(rotate $round $vmms); do
      peer_start $vmm $cpus $extra
      peer_watch_console
      if wait_for "A64VM-GUEST-INIT uptime=[0-9.]* cpus" 150; then
        init_t=$(now)
        elapsed "$VM_T0" >>boot-$vmm-$config.txt; echo >>boot-$vmm-$config.txt
        up=$(tr -d '\r' <out.log | sed -n 's/.*A64VM-GUEST-INIT uptime=\([0-9.]*\).*/\1/p' | head -n1)
        echo "$up" >>up-$vmm-$config.txt
        peer_timeline "$init_t" "$up" >>timeline-$vmm-$config.txt
        sed -n 's/.*setup (ms): //p' err.log >>setup-$vmm-$config.txt
        [ "$round" = 1 ] &&
          echo "E2E-BENCH memory $vmm ${config}cpu: $(memory_line), KVM exits to init $(kvm_exits)"
      else
        echo "E2E-BENCH boot $vmm ${config}cpu round $round: no init in 150 s"
      fi
      peer_stop
    done
  done
  k=$(median <boot-kvmtool-$config.txt)
  for vmm in $vmms; do
    m=$(median <boot-$vmm-$config.txt)
    echo "E2E-BENCH boot ${config}cpu $vmm: wall to init $m s (median of $(grep -c . boot-$vmm-$config.txt)), guest uptime at init $(median <up-$vmm-$config.txt) s, ratio to kvmtool $(ratio "$m" "$k")"
    echo "E2E-BENCH timeline ${config}cpu $vmm: after exec, first vCPU thread" \
      "$(col 1 timeline-$vmm-$config.txt) s, first console byte $(col 2 timeline-$vmm-$config.txt) s," \
      "guest clock starts $(col 3 timeline-$vmm-$config.txt) s, init $(col 4 timeline-$vmm-$config.txt) s (medians)"
    [ -s setup-$vmm-$config.txt ] && echo "E2E-BENCH setup ${config}cpu $vmm (ms, each run):" \
      "$(tr '\n' ';' <setup-$vmm-$config.txt)"
  done
done
