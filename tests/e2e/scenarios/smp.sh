# limit: 240
# Four vCPUs, brought up through in-kernel PSCI CPU_ON.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 512M --cpus 4 \
  --append "console=ttyAMA0 quiet"
if ! wait_for A64VM-GUEST-INIT 180; then
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
type_line 'poweroff -f'
vm_wait 60; st=$?
[ $st -eq 0 ] && pass smp-poweroff || fail smp-poweroff "exit status $st"
