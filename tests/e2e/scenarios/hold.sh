# limit: 120
# One owner of holding the guest: the operator's pause and the debugger's
# stop are separate reasons, and the guest runs only when neither holds it.
# Paused by the control socket, a GDB continue must leave it paused (and
# status must say so); the operator's resume then lets it run.
SOCK=/tmp/hold.sock
COUNTER=1075838976 # vCPU 0's counter in stress_guest (0x40200000)
vm_start --kernel /guest/stress_guest.img --cpus 2 --mem 64M --testdev \
  --control $SOCK --gdb tcp:127.0.0.1:1240
if ! wait_for 'STRESS-GUEST READY' 60; then
  fail hold-setup "the stress guest did not start"; show_logs; vm_wait 1; return
fi
counter() { /a64vm ctl $SOCK read-phys addr=$COUNTER len=8 | sed -n 's/.*"data":"\([0-9a-f]*\)".*/\1/p'; }
moves() { a=$(counter); sleep 1; b=$(counter); [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; }
still() { a=$(counter); sleep 1; b=$(counter); [ -n "$a" ] && [ "$a" = "$b" ]; }

/a64vm ctl $SOCK pause >pause.json
rsp-client 1240 'ask:?' 'send:c' 'say:CONTINUED' wait:go interrupt 'say:STOPPED' \
  wait:go2 'ask:D' >rsp.log 2>&1 &
RSP=$!
for _ in $(seq 100); do grep -q CONTINUED rsp.log && break; sleep 0.1; done
# CONTINUED means "c" was sent, not yet served: let the stub take it first.
for _ in $(seq 50); do
  /a64vm ctl $SOCK status >status.json
  grep -q '"held_by":\["operator"\]' status.json && break
  sleep 0.1
done
if grep -q CONTINUED rsp.log && grep -q '"state":"paused","held_by":\["operator"\]' status.json &&
   still; then
  pass hold-gdb-continue-keeps-pause "$(head -c 120 status.json)"
else
  fail hold-gdb-continue-keeps-pause "$(cat pause.json rsp.log status.json | tr '\n' ' ')"
fi
/a64vm ctl $SOCK resume >resume.json
/a64vm ctl $SOCK status >status.json
if grep -q '"ok":true' resume.json && grep -q '"state":"running"' status.json && moves; then
  pass hold-operator-resume-runs "$(head -c 60 status.json)"
else
  fail hold-operator-resume-runs "$(cat resume.json status.json | tr '\n' ' ')"
fi
# The other way round: stopped by GDB, the operator's resume does not end
# the debugger's stop; GDB's detach does.
touch go
for _ in $(seq 100); do grep -q STOPPED rsp.log && break; sleep 0.1; done
/a64vm ctl $SOCK resume >resume.json
/a64vm ctl $SOCK status >status.json
if grep -q 'RSP interrupt -> T' rsp.log && grep -q '"ok":false' resume.json &&
   grep -q '"held_by":\["debugger"\]' status.json && still; then
  pass hold-resume-keeps-gdb-stop "$(head -c 120 resume.json)"
else
  fail hold-resume-keeps-gdb-stop "$(cat rsp.log resume.json status.json | tr '\n' ' ')"
fi
touch go2
wait $RSP
if grep -q 'RSP D -> OK' rsp.log && moves; then
  pass hold-gdb-detach-runs "$(grep -c RSP rsp.log) packets"
else
  fail hold-gdb-detach-runs "$(cat rsp.log | tr '\n' ' ')"
fi
/a64vm ctl $SOCK quit >/dev/null
vm_wait 30; st=$?
[ $st -eq 0 ] && pass hold-quit "exit 0" || { fail hold-quit "exit $st"; show_logs; }
