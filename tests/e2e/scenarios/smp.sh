# limit: 240
# Four vCPUs, brought up through in-kernel PSCI CPU_ON; the test device
# from Linux userspace through /dev/mem with LDP/STP, post-index and Q
# registers (NISV exits); with --no-reboot a guest reboot exits 0.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 512M --cpus 4 \
  --no-reboot --testdev --append "console=ttyAMA0 quiet"
if ! wait_for "A64VM-GUEST-INIT .* date=[0-9]\{10\}" 180; then
  fail smp-4cpus "no guest init within 180 s"; show_logs; vm_wait 1; return
fi
note "smp-4cpus wall_to_init_s=$(elapsed "$VM_T0")"
cpus=$(grep A64VM-GUEST-INIT out.log | sed 's/.*cpus=\([^ ]*\).*/\1/' | tr -d '\r')
type_line 'grep -c ^processor /proc/cpuinfo | sed s/^/nproc=/'
if [ "$cpus" = "0-3" ] && wait_for '^nproc=4' 30; then
  pass smp-4cpus "online $cpus"
else
  fail smp-4cpus "online '$cpus'"; show_logs
fi
type_line 'devmem-nisv'
if wait_for '^DEVMEM-NISV-DONE' 60; then
  tr -d '\r' <out.log | grep '^DEVMEM-NISV ' | while read -r _ name verdict detail; do
    [ "$verdict" = PASS ] && pass "linux-devmem-$name" || fail "linux-devmem-$name" "$detail"
  done
else
  fail linux-devmem "no DEVMEM-NISV-DONE"; show_logs
fi
type_line 'reboot -f'
vm_wait 60; st=$?
if [ $st -eq 0 ] && [ "$(grep -c A64VM-GUEST-INIT out.log)" -eq 1 ]; then
  pass no-reboot-exits "exit status 0, no second boot"
else
  fail no-reboot-exits "exit status $st"; show_logs
fi
# The /dev/mem accesses really went through the NISV path.
emulated=$(sed -n 's/.*could not decode: \([0-9]*\) emulated.*/\1/p' err.log)
if [ "${emulated:-0}" -ge 6 ]; then
  pass linux-devmem-went-through-nisv "$emulated NISV exits emulated"
else
  fail linux-devmem-went-through-nisv "a64vm counted '${emulated:-none}'"
fi
