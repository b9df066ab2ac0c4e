# limit: 90
# A bare-metal guest offers hostile descriptor chains to a live virtio-blk
# (tests/guest/baremetal/virtio_hostile_guest.c): each must break the
# device (NEEDS_RESET) without a64vm touching anything outside guest RAM,
# and after a reset a well-formed request must still work. The guest runs
# with its MMU off (uncached); the emulated test host keeps that coherent.
dd if=/dev/zero of=d.img bs=1M count=1 2>/dev/null
vm_start --kernel /guest/virtio_hostile_guest.img --mem 64M --disk d.img
vm_wait 60; st=$?
tr -d '\r' <out.log | sed -n 's/^HOSTILE-CASE //p' >cases.txt
while read -r verdict rest; do
  name=virtio-hostile-$(echo "$rest" | cut -d'(' -f1 | tr -cs 'a-zA-Z0-9\n' - | sed 's/-*$//')
  [ "$verdict" = ok ] && pass "$name" "$rest" || fail "$name" "$rest"
done <cases.txt
if [ $st -eq 0 ] && grep -q "HOSTILE-DONE ok" out.log && [ "$(wc -l <cases.txt)" -eq 11 ]; then
  pass virtio-hostile-vmm-survives "exit 0; a64vm said: $(grep -c 'needs a reset' err.log) needs-reset lines"
else
  fail virtio-hostile-vmm-survives "exit status $st, $(wc -l <cases.txt) cases"; show_logs
fi
