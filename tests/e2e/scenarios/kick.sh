# limit: 600
# No kick is ever lost: 4 vCPUs counting in RAM and doing MMIO, 3000
# pause/resume cycles through the control socket (10000 in the full suite;
# kick-stress checks each).
# Then the control socket's bad clients, and quit.
SOCK=/tmp/kick.sock
vm_start --kernel /guest/stress_guest.img --cpus 4 --mem 64M --testdev --control $SOCK
if ! wait_for 'STRESS-GUEST READY vcpus=4' 60; then
  fail kick-stress "the stress guest did not start 4 vCPUs"; show_logs; vm_wait 1; return
fi
[ "$(stat -c %a $SOCK)" = 600 ] && pass control-socket-mode-0600 ||
  fail control-socket-mode-0600 "mode $(stat -c %a $SOCK)"
cycles=3000
[ "$A64VM_SUITE" = full ] && cycles=10000
kick-stress $SOCK $cycles 4 >stress.log 2>&1
st=$?
cat stress.log | sed 's/^/E2E-NOTE /'
if [ $st -eq 0 ] && grep -q 'missed=0 slow=0 unequal=0 stalled=0' stress.log; then
  pass kick-stress-cycles "$(grep 'vcpus=' stress.log)"
else
  fail kick-stress-cycles "$(head -c 400 stress.log)"
fi
grep -q 'hostile-clients PASS' stress.log && pass control-hostile-clients ||
  fail control-hostile-clients "$(grep hostile stress.log)"
/a64vm ctl $SOCK status >status.json
grep -q '"state":"running","vcpus":4' status.json && pass control-status "$(cat status.json)" ||
  fail control-status "$(cat status.json)"
/a64vm ctl $SOCK quit >/dev/null
vm_wait 30; st=$?
[ $st -eq 0 ] && [ ! -e $SOCK ] && pass control-quit "exit 0, socket removed" ||
  fail control-quit "exit status $st"
