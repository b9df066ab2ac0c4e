# a64vm against kvmtool, alternating in one test host: virtio-blk under
# load, blkbench in a 2-vCPU guest (sequential 64 MiB, then 4 KiB random
# reads and writes at queue depth 1 and 32, direct I/O); five rounds each.
# The disk is the outer machine's scratch disk (tools/testhost bench gives
# one), and "host" is the limit: the same blkbench run by the test host
# itself on that same disk. Without it, an 80 MiB raw image in tmpfs.
. /e2e/lib.sh
vmms=$(peer_vmms) || exit 0
DISK=$(disk_by_serial a64vm-scratch)
if [ -n "$DISK" ]; then
  mkdir -p /tmp/blkbench && (cd /tmp/blkbench && zcat $GUEST_INITRD | cpio -id bin/blkbench 2>/dev/null)
  [ -x /tmp/blkbench/bin/blkbench ] && vmms="$vmms host"
else
  DISK=/tmp/bench-disk.img
fi
echo "E2E-BENCH blk: disk $DISK, runners $(echo $vmms)"
# The test host's CPU seconds busy and in all since "busy total" (/proc/stat).
cpu_now() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
host_busy() { cpu_now | awk -v b="$1" -v t="$2" '{ printf "%.1f s busy of %.1f", ($1 - b) / 100, ($2 - t) / 100 }'; }
# Where a VMM's own time went: CPU seconds of each of its threads (by
# name), sampled every second while it runs (its threads are gone once the
# guest powers off), the last sample in threads.txt.
thread_cpu() {
  for t in /proc/$1/task/*; do
    echo "$(cat $t/comm) $(sed 's/.*) //' $t/stat | awk '{ print ($12 + $13) / 100 }')"
  done 2>/dev/null | awk '{ sub(/[0-9]+$/, "N", $1); s[$1] += $2 } END { for (k in s) printf "%s %.2f s, ", k, s[k] }'
}
sample_threads() { # PID
  while [ -d /proc/$1/task ]; do
    t=$(thread_cpu $1); [ -n "$t" ] && echo "$t" >threads.txt; sleep 1
  done
}
for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms); do
    [ "$DISK" = /tmp/bench-disk.img ] && dd if=/dev/zero of=$DISK bs=1M count=80 2>/dev/null
    busy0=$(cpu_now)
    if [ $vmm = host ]; then
      /tmp/blkbench/bin/blkbench $DISK >out.log 2>&1 &
      VM_PID=$!
    else
      peer_start $vmm 2 a64vm.test=blkbench
      rm -f threads.txt; sample_threads $VM_PID & SAMPLER=$!
    fi
    wait_for "random-write-4k-qd32 .* a request)" 300 || echo "E2E-BENCH blk $vmm: blkbench did not finish"
    tr -d '\r' <out.log | sed -n "s/^BENCH virtio-blk /E2E-BENCH blk $vmm round $round: /p"
    if [ $vmm != host ]; then
      kill $SAMPLER 2>/dev/null; wait $SAMPLER 2>/dev/null
      echo "E2E-BENCH blk $vmm round $round threads (CPU): $(cat threads.txt 2>/dev/null)" \
        "the test host's CPUs: $(host_busy $busy0)"
    fi
    tr -d '\r' <out.log | sed -n 's/^BENCH virtio-blk //p' | while read -r test val rest; do
      echo "$val" >>"blk-$vmm-$test.txt"
      irqs=$(echo "$rest" | sed -n 's/.*, \([0-9.]*\) interrupts a request.*/\1/p')
      [ -z "$irqs" ] || echo "$irqs" >>"irqs-$vmm-$test.txt"
    done
    peer_stop
  done
done
[ "$DISK" = /tmp/bench-disk.img ] && rm -f $DISK
for vmm in $vmms; do
  for f in blk-$vmm-*.txt; do
    test=${f#blk-$vmm-}; test=${test%.txt}
    irqs=; [ -e "irqs-$vmm-$test.txt" ] && irqs=", $(median <"irqs-$vmm-$test.txt") interrupts a request"
    echo "E2E-BENCH blk median $vmm $test: $(median <"$f") (of $(grep -c . "$f"))$irqs"
  done
done
# a64vm against each other runner, test by test (medians).
for f in blk-a64vm-*.txt; do
  test=${f#blk-a64vm-}; test=${test%.txt}; a=$(median <"$f") line=
  for vmm in $vmms; do
    [ $vmm = a64vm ] || [ ! -e "blk-$vmm-$test.txt" ] ||
      line="$line, against $vmm $(ratio "$a" "$(median <"blk-$vmm-$test.txt")")"
  done
  echo "E2E-BENCH blk ratio a64vm $test${line#,}"
done
