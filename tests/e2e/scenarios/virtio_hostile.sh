# limit: 150
# A bare-metal guest offers hostile descriptor chains to a live virtio-blk
# (tests/guest/baremetal/virtio_hostile_guest.c): each must break the
# device (NEEDS_RESET) without a64vm touching anything outside guest RAM,
# and after a reset a well-formed request must still work, also when the
# notify is a store KVM cannot decode (NISV: a writeback, a pair), which
# a64vm emulates on a vCPU thread that may not do the I/O. The guest runs
# with its MMU off (uncached); the emulated test host keeps that coherent.
# Then, on a 256 MiB disk, the guest floods the device with the largest
# requests it takes, and SIGTERM must still end a64vm within its grace.
dd if=/dev/zero of=d.img bs=1M count=1 2>/dev/null
vm_start --kernel /guest/virtio_hostile_guest.img --virtio-transport mmio --mem 64M --disk d.img
vm_wait 60; st=$?
tr -d '\r' <out.log | sed -n 's/^HOSTILE-CASE //p' >cases.txt
while read -r verdict rest; do
  name=virtio-hostile-$(echo "$rest" | cut -d'(' -f1 | tr -cs 'a-zA-Z0-9\n' - | sed 's/-*$//')
  [ "$verdict" = ok ] && pass "$name" "$rest" || fail "$name" "$rest"
done <cases.txt
if [ $st -eq 0 ] && grep -q "HOSTILE-DONE ok" out.log && [ "$(wc -l <cases.txt)" -eq 14 ]; then
  pass virtio-hostile-vmm-survives "exit 0; a64vm said: $(grep -c 'needs a reset' err.log) needs-reset lines"
else
  fail virtio-hostile-vmm-survives "exit status $st, $(wc -l <cases.txt) cases"; show_logs
fi

# The flood: the I/O thread always mid-request when SIGTERM comes; the
# guest ignores the power button, so a64vm stops it after the grace.
dd if=/dev/zero of=big.img bs=1M count=0 seek=256 2>/dev/null
vm_start --kernel /guest/virtio_hostile_guest.img --virtio-transport mmio --mem 64M --disk big.img \
  --shutdown-timeout 2
if wait_for "HOSTILE-FLOOD served" 60; then
  sleep 2
  t0=$(now)
  kill -TERM "$VM_PID"
  vm_wait 30; st=$?
  took=$(elapsed "$t0")
  served=$(tr -d '\r' <out.log | grep 'HOSTILE-FLOOD served' | tail -n1)
  note "virtio-hostile flood: $served; SIGTERM to exit ${took} s with a 2 s grace"
  if [ $st -eq 143 ] && awk -v t="$took" 'BEGIN { exit !(t < 5) }'; then
    pass virtio-hostile-flood-stops "exit $st ${took} s after SIGTERM; $served"
  else
    fail virtio-hostile-flood-stops "exit $st ${took} s after SIGTERM; $served"; show_logs
  fi
else
  fail virtio-hostile-flood-stops "the flood never got served"; show_logs; vm_wait 1
fi
