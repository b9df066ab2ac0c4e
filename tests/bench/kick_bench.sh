# Kick latency: pause request to all vCPUs parked (measured inside a64vm),
# and the cost of pause+resume seen by a control client, over 10000 pauses
# with 1 and with 4 vCPUs busy in the guest.
for n in 1 4; do
  /a64vm run --kernel /guest/stress_guest.img --cpus $n --mem 64M --testdev \
    --control /tmp/bench.sock </dev/null >out.log 2>&1 &
  pid=$!
  for i in $(seq 100); do grep -q 'STRESS-GUEST READY' out.log && break; sleep 0.1; done
  kick-stress /tmp/bench.sock 10000 $n | grep -E 'parked_us|cycles' | sed "s/^/E2E-BENCH kick /"
  /a64vm ctl /tmp/bench.sock quit >/dev/null
  wait $pid
done
