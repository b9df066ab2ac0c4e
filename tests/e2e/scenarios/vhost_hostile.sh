# limit: 240
# A vhost-user daemon is less trusted than a64vm (docs/security.md): a fake
# one (tests/e2e/fake_vhost_user.c) on --fs socket= that answers as a
# backend does, then
#   truncate: shrinks guest RAM's file as soon as it has it. The file is a
#             sealed memfd: refused, and the guest runs on (it used to be
#             a SIGBUS or a failed KVM_RUN for a64vm);
#   trickle:  answers a byte a second from the driver's DRIVER_OK on. The
#             reply's one deadline takes the queues back within seconds;
#             the guest's boot goes on meanwhile, since no vCPU waits on
#             the daemon; SIGTERM still powers off (it used to stall the
#             vCPU for minutes, with the host bridge's lock held); when
#             it lingers with the kick and call eventfds it had, they no
#             longer reach the guest;
#   stophang: never gives the queues back. The driver's reset (an unbind)
#             ends when its deadline does, and the guest goes on.
fs_guest() { # MODE: a64vm with the fake, the guest up (or a failed check)
  rm -f /tmp/fake.sock fake.out
  fake-vhost-user "$1" /tmp/fake.sock >fake.out &
  FAKE_PID=$!
  for _ in $(seq 50); do [ -S /tmp/fake.sock ] && break; sleep 0.1; done
  vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --cpus 2 \
    --fs socket=/tmp/fake.sock,tag=fake --append "console=ttyAMA0 quiet a64vm.test=fakefs" \
    ${VHOST_VERBOSE:+--verbose}
}
fs_done() {
  kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
}

fs_guest truncate
if wait_for A64VM-GUEST-INIT 150 && wait_for '^guest# ' 30; then
  type_line 'echo "ALIVE $((6 * 7))"'
  wait_for "ALIVE 42" 30
fi
if grep -q "ALIVE 42" out.log && grep -q "FAKE-TRUNCATE refused" fake.out; then
  pass vhost-daemon-cannot-shrink-ram "$(grep FAKE-TRUNCATE-ERROR fake.out | cut -d' ' -f2-); the guest runs on"
else
  fail vhost-daemon-cannot-shrink-ram "$(cat fake.out | tr '\n' ' ')"; show_logs
fi
type_line "poweroff -f"
vm_wait 30; st=$?
[ $st -eq 0 ] && pass vhost-daemon-cannot-shrink-ram-exit "exit 0" ||
  fail vhost-daemon-cannot-shrink-ram-exit "exit status $st"
fs_done

fs_guest trickle
if wait_for A64VM-GUEST-INIT 60 && wait_err "did not answer in time" 30; then
  pass vhost-daemon-trickles "the guest booted; $(grep -o 'the vhost-user daemon did not answer in time.*' err.log | head -1); $(grep -c 'now fail' err.log) device taken back"
else
  fail vhost-daemon-trickles "no boot, or no deadline: $(tail -n 3 err.log | tr '\n' ' ')"; show_logs
fi
# The daemon lingers, reading the kick eventfds it had and writing its
# calls: a64vm replaced them when it took the queues back, so the guest's
# mount still reaches a64vm, which answers it with an error.
if wait_for '^guest# ' 30; then
  type_line 'mount -t virtiofs fake /mnt && ls /mnt; echo "FS-RC $?"'
  wait_for "FS-RC [0-9]" 60
fi
if grep -q "FS-RC [1-9]" out.log && ! grep -q FAKE-TOOK-A-KICK fake.out; then
  pass vhost-daemon-lingers "the guest's requests were answered with errors ($(tr -d '\r' <out.log | grep -o 'FS-RC [0-9][0-9]*' | tail -n 1)); the daemon took no kick"
else
  fail vhost-daemon-lingers "$(tr -d '\r' <out.log | grep 'FS-RC'); $(grep -c FAKE-TOOK-A-KICK fake.out) kicks taken"; show_logs
fi
wait_for A64VM-GUEST-POWERBTN-READY 30
t0=$(now)
kill -TERM $VM_PID
vm_wait 30; st=$?
[ $st -eq 0 ] && pass vhost-daemon-trickles-sigterm "exit 0 $(elapsed "$t0") s after SIGTERM" ||
  fail vhost-daemon-trickles-sigterm "exit status $st"
fs_done

fs_guest stophang
if wait_for A64VM-GUEST-INIT 150 && wait_for '^guest# ' 30; then
  type_line 'a=$(cut -d" " -f1 /proc/uptime); echo virtio0 >/sys/bus/virtio/drivers/virtiofs/unbind; echo "UNBOUND $a $(cut -d" " -f1 /proc/uptime)"'
  wait_for "UNBOUND [0-9]" 60
fi
took=$(tr -d '\r' <out.log | sed -n 's/^UNBOUND \([0-9.]*\) \([0-9.]*\).*/\1 \2/p' | awk '{ printf "%.1f", $2 - $1 }')
if [ -n "$took" ] && grep -q "GET_VRING_BASE" err.log; then
  pass vhost-daemon-keeps-queues "the driver's reset (an unbind) took $took s, ended by the deadline: $(grep -o 'the vhost-user daemon.*GET_VRING_BASE.*' err.log | head -1)"
else
  fail vhost-daemon-keeps-queues "$(tail -n 3 err.log | tr '\n' ' ')"; show_logs
fi
type_line "poweroff -f"
vm_wait 30; st=$?
[ $st -eq 0 ] && pass vhost-daemon-keeps-queues-exit "exit 0" ||
  fail vhost-daemon-keeps-queues-exit "exit status $st"
fs_done
