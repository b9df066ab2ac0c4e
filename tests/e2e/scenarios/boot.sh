# limit: 300
# One vCPU: boot to the guest's init, RTC date, console commands, reboot,
# poweroff with exit status 0.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M \
  --append "console=ttyAMA0 quiet"
if ! wait_for "A64VM-GUEST-INIT .* date=[0-9]\{10\}" 150; then
  fail boot-1cpu "no guest init within 150 s"; show_logs; vm_wait 1; return
fi
wall=$(elapsed "$VM_T0")
line=$(grep A64VM-GUEST-INIT out.log | head -n1 | tr -d '\r')
note "boot-1cpu wall_to_init_s=$wall guest_uptime_at_init_s=$(echo "$line" | sed 's/.*uptime=\([^ ]*\).*/\1/')"
note "boot-1cpu rss_besides_ram_kib=$(vm_rss_besides_ram 262144)"
note "a64vm static binary bytes=$(wc -c </a64vm)"
pass boot-1cpu "init after ${wall}s"

guest_date=$(echo "$line" | sed 's/.*date=\([0-9]*\).*/\1/')
host_date=$(date +%s)
diff=$(( host_date - guest_date )); [ $diff -lt 0 ] && diff=$(( -diff ))
# The guest's date was taken at its init, a few seconds ago at most.
if [ "$diff" -le 30 ] && [ "$guest_date" -gt 1600000000 ]; then
  pass rtc-date "guest $guest_date, host $host_date"
else
  fail rtc-date "guest date $guest_date, host $host_date"
fi

type_line 'echo "answer-$((6 * 7))"; uname -m'
if wait_for 'answer-42' 30 && wait_for '^aarch64' 30; then
  pass console-commands
else
  fail console-commands "no answer to a typed command"; show_logs
fi

# The PCIe host bridge: Linux's generic ECAM driver finds QEMU's root
# complex (1b36:0008, a host bridge) at 00:00.0.
type_line 'd=/sys/bus/pci/devices/0000:00:00.0; echo PCIROOT $(cat $d/vendor $d/device $d/class) END'
if wait_for '^PCIROOT .* END' 30; then
  line=$(tr -d '\r' <out.log | grep '^PCIROOT ')
  [ "$line" = "PCIROOT 0x1b36 0x0008 0x060000 END" ] && pass linux-pci-root-complex "$line" ||
    fail linux-pci-root-complex "$line"
else
  fail linux-pci-root-complex "no answer"; show_logs
fi

# The host's PMU, SVE and pointer authentication reach Linux by default.
type_line 'echo "CPUFEAT $(grep -m1 ^Features /proc/cpuinfo | cut -d: -f2) PMU=$(ls /sys/bus/event_source/devices | grep armv8_pmuv3) END"'
if wait_for '^CPUFEAT .* END' 30; then
  line=$(tr -d '\r' <out.log | grep '^CPUFEAT ')
  if ls /sys/bus/event_source/devices | grep -q '^armv8_pmuv3'; then
    echo "$line" | grep -q 'PMU=armv8_pmuv3[_0-9]* END' && pass linux-pmu-probes "$line" ||
      fail linux-pmu-probes "$line"
  else
    skip linux-pmu-probes "the test host has no PMUv3"
  fi
  for f in paca pacg sve; do
    if ! grep -m1 '^Features' /proc/cpuinfo | grep -qw $f; then
      skip "linux-cpu-$f" "the test host has no $f"
    elif echo "$line" | grep -qw $f; then
      pass "linux-cpu-$f" "in the guest's /proc/cpuinfo"
    else
      fail "linux-cpu-$f" "$line"
    fi
  done
else
  fail linux-pmu-probes "no answer"; show_logs
fi

type_line 'reboot -f'
if wait_for A64VM-GUEST-INIT 150 2; then
  pass reboot "guest came back after reboot"
else
  fail reboot "no second init after reboot -f"; show_logs
fi
type_line 'poweroff -f'
vm_wait 60; st=$?
if [ $st -eq 0 ]; then
  pass poweroff "exit status 0"
else
  fail poweroff "exit status $st"; show_logs
fi
