# limit: 480
# Rewind in place (docs/snapshot.md): snap_guest on 1 vCPU, a checkpoint
# held in memory at round 30, then 1000 rewinds to it, the guest running
# on between them until its MiB differs from the checkpoint's. After each
# rewind the MiB equals the checkpoint's again; every hundredth, all of
# RAM does. Then a second checkpoint, a
# restore in place from a snapshot's files, rewinds between them, and the
# guest finishes with the result of a run nobody touched.
G=/guest/snap_guest.img
SOCK=/tmp/rewind.sock
MEM=32
REGION="addr=0x40400000 len=1048576"
ALL="addr=0x40000000 len=$((MEM << 20))"
digest() { /a64vm ctl $SOCK digest $1 | sed -n 's/.*"digest":"\([0-9a-f]*\)".*/\1/p'; }

# The result of an untouched run.
vm_start --kernel $G --cpus 1 --mem ${MEM}M
wait_for 'SNAP-GUEST TIMER' 180; vm_wait 30
want=$(grep RESULT out.log | tr -d '\r')

vm_start --kernel $G --cpus 1 --mem ${MEM}M --control $SOCK
if ! wait_for 'SNAP-GUEST ROUND 30' 120 || [ -z "$want" ]; then
  fail rewind-1000 "the guest did not reach round 30, or the untouched run gave no result ($want)"
  show_logs; kill -9 $VM_PID; vm_wait 5; exit 0
fi
/a64vm ctl $SOCK checkpoint a --paused >cp.txt 2>&1
/a64vm ctl $SOCK snapshot /tmp/rewind-a --paused >>cp.txt 2>&1
region_a=$(digest "$REGION") all_a=$(digest "$ALL")
# One connection for the loop: ask sends a command, the reply is in $reply.
rm -f cin cout; mkfifo cin cout
/a64vm ctl $SOCK - <cin >cout 2>&1 &
exec 4>cin 5<cout
ask() { echo "$*" >&4; read -r reply <&5; }
# The reply's digest into $d, without a process per request (the loop makes 7000).
take() { d=${reply#*'"digest":"'}; d=${d%%'"'*}; }
moved=0 back=0 whole=0 i=0
while [ $i -lt 1000 ]; do
  # The guest runs until its MiB is no longer the checkpoint's (5 s at most).
  ask resume; n=0
  while [ $n -lt 250 ]; do
    usleep 5000; ask "digest $REGION"
    take; [ "$d" != "$region_a" ] && break
    n=$((n + 1))
  done
  ask pause
  ask "digest $REGION"; take; [ "$d" != "$region_a" ] && moved=$((moved + 1))
  ask "rewind a --paused"; echo "$reply" >>rewinds.txt
  ask "digest $REGION"; take; [ "$d" = "$region_a" ] && back=$((back + 1))
  if [ $((i % 100)) = 99 ]; then
    ask "digest $ALL"; take; [ "$d" = "$all_a" ] && whole=$((whole + 1))
  fi
  i=$((i + 1))
done
# And 100 more at once, the guest let run between them only as long as
# a resume takes: a guest caught in its timer's handler must not leave
# the interrupt active behind it (KVM keeps that state from userspace).
i=0
while [ $i -lt 100 ]; do
  ask "rewind a --paused"; echo "$reply" >>quick.txt
  ask resume
  i=$((i + 1))
done
ask "rewind a --paused" # held at a: its rounds take milliseconds
rewound=$(grep -c '"pages"' rewinds.txt)
pages=$(sed -n 's/.*"pages":\([0-9]*\).*/\1/p' rewinds.txt | sort -n | awk '{ v[NR] = $1 } END { print v[1] "-" v[int((NR + 1) / 2)] "-" v[NR] }')
ms=$(sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' rewinds.txt | median)
if grep -q '"ok":true' cp.txt && [ "$rewound" = 1000 ] && [ $moved = 1000 ] && [ $back = 1000 ] &&
   [ $whole = 10 ] && [ "$(grep -c '"pages"' quick.txt)" = 100 ]; then
  pass rewind-1000 "1000 rewinds: the guest's MiB moved on before each ($moved), was the" \
    "checkpoint's after each ($back), all ${MEM} MiB of RAM the checkpoint's at each hundredth" \
    "($whole of 10); pages copied back min-median-max $pages, a rewind's median $ms ms;" \
    "then 100 rewinds with only a resume between"
else
  fail rewind-1000 "$rewound rewinds ok ($(grep -c '"pages"' quick.txt) of 100 quick ones);" \
    "moved before $moved, back after $back, whole RAM $whole;" \
    "pages $pages; $(grep -v '"ok":true' rewinds.txt | head -n 2) $(cat cp.txt)"
  show_logs
fi

# A second checkpoint 20 ms after a (the guest is far from its end), a
# restore in place from a's snapshot, and rewinds between them: RAM is
# each one's each time.
ask resume; usleep 20000
ask "checkpoint b --paused"; echo "$reply" >cp-b.txt
ask "digest $ALL"; take; all_b=$d
steps="" s=""
for step in "rewind a --paused" "rewind b --paused" "restore /tmp/rewind-a --paused" "rewind b --paused"; do
  ask "$step"; steps="$steps $reply"
  ask "digest $ALL"; take; s="$s $d"
done
exec 4>&- 5<&-
if [ "$s" = " $all_a $all_b $all_a $all_b" ] && [ "$all_a" != "$all_b" ] &&
   [ "$(echo "$steps" | grep -o '"ok":true' | wc -l)" = 4 ]; then
  pass rewind-two-checkpoints "a, b, restore of a's snapshot, b: RAM each one's;$steps"
else
  fail rewind-two-checkpoints "digests a=$all_a b=$all_b, after each step$s; $(cat cp-b.txt)$steps"
fi

# What a rewind refuses, one line each; the guest runs on.
/a64vm ctl $SOCK rewind nosuch >bad.txt 2>&1
/a64vm ctl $SOCK checkpoint 'a/b' >>bad.txt 2>&1
/a64vm ctl $SOCK restore /tmp/no-such-snapshot >>bad.txt 2>&1
if grep -q "no checkpoint is named 'nosuch'" bad.txt && grep -q "checkpoint's name is" bad.txt &&
   grep -q 'no-such-snapshot/state: No such file' bad.txt; then
  pass rewind-refuses "$(tr '\n' ' ' <bad.txt)"
else
  fail rewind-refuses "$(cat bad.txt)"
fi

# From b the guest finishes as if nothing had happened, its timer's
# interrupts arriving.
/a64vm ctl $SOCK resume >/dev/null
wait_for 'SNAP-GUEST TIMER' 180; vm_wait 30; st=$?
got=$(grep RESULT out.log | tail -n 1 | tr -d '\r')
if [ $st -eq 0 ] && [ "$got" = "$want" ] && grep -q 'SNAP-GUEST TIMER ok' out.log; then
  pass rewind-result "$got, as the untouched run's; $(grep CLOCK out.log | tr -d '\r'), timer ok, exit 0"
else
  fail rewind-result "status $st: $got against $want; $(grep 'SNAP-GUEST' out.log | tail -n 3 | tr -d '\r' | tr '\n' ' ')"
  show_logs
fi
