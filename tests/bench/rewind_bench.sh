# Rewinds per second against a restore into a new process (issue 34):
# snap_guest on 1 vCPU (64 MiB) checkpointed at round 30; it runs on 50 ms
# (rounds of a few ms each: its whole MiB rewritten, as each reply's page
# count shows; its last round is much further) before each of 20 rewinds.
# A rewind's time is a64vm's reply's (the guest held); a restore's is its
# setup's until the guest starts (--verbose's milestone), of the snapshot
# taken at the checkpoint. Medians.
. /e2e/lib.sh
G=/guest/snap_guest.img
SOCK=/tmp/rewind-bench.sock
D=/tmp/rewind-bench

/a64vm run --kernel $G --mem 64M --control $SOCK --verbose </dev/null >out.log 2>err.log &
VM_PID=$!
if ! wait_for 'SNAP-GUEST ROUND 30' 120; then
  echo "E2E-BENCH rewind: not run: the guest did not reach round 30"; kill -9 $VM_PID; exit 0
fi
/a64vm ctl $SOCK checkpoint a --paused | sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' >take-ms.txt
/a64vm ctl $SOCK snapshot $D --paused >/dev/null
i=0
while [ $i -lt 20 ]; do
  /a64vm ctl $SOCK resume >/dev/null
  usleep 50000
  /a64vm ctl $SOCK rewind a --paused >>rewinds.txt
  i=$((i + 1))
done
/a64vm ctl $SOCK quit >/dev/null
wait $VM_PID
# Where a rewind's time went (--verbose's lines), medians.
phase() { sed -n "s/.*$1 \([0-9.]*\) ms.*/\1/p" err.log | median; }
phases="dirty log $(phase 'dirty log'), pages back $(phase 'pages back'), vCPUs $(phase 'vCPUs')"
phases="$phases, vGIC $(phase 'vGIC'), devices $(phase 'devices') ms"
for i in 1 2 3 4 5; do
  /a64vm run --restore $D --verbose </dev/null >out.log 2>err.log &
  VM_PID=$!
  wait_err 'guest started' 60
  sed -n 's/.*guest started \([0-9.]*\).*/\1/p' err.log >>restore-ms.txt
  kill -9 $VM_PID; wait $VM_PID 2>/dev/null
done
rw=$(sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' rewinds.txt | median)
pages=$(sed -n 's/.*"pages":\([0-9]*\).*/\1/p' rewinds.txt | median)
rs=$(median <restore-ms.txt)
echo "E2E-BENCH rewind: $rw ms a rewind (median of $(grep -c '"ok":true' rewinds.txt)," \
  "$pages pages copied back: $(awk -v r="$rw" 'BEGIN { if (r > 0) printf "%.0f", 1000 / r }')" \
  "rewinds/s); a restore into a new process $rs ms to the guest's start (median of 5):" \
  "restore/rewind $(ratio "$rs" "$rw"); a checkpoint took $(cat take-ms.txt) ms"
echo "E2E-BENCH rewind: its parts (medians): $phases"
