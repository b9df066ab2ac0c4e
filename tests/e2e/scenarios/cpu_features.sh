# limit: 300
# The CPU and devices a guest gets: with the defaults, each of PMUv3, SVE
# and pointer authentication the test host has (its own /proc/cpuinfo and
# PMU say which) shows in the guest's ID registers and works (cpu_guest);
# --cpu-features no-... takes them away; MTE, which this host lacks, is an
# error to ask for. The devices answer as on QEMU's virt board: access
# widths, PL031. Linux without the features, and the cost of setting them up.
cpu_guest() { # LOG ARGS...: cpu_guest's output in LOG, a64vm's in LOG.err
  log=$1; shift
  timeout $(scaled 60) /a64vm run --kernel /guest/cpu_guest.img --testdev --mem 64M --verbose \
    "$@" </dev/null 2>"$log.err" | tr -d '\r' >"$log"
}
# The guest's CPU-TEST lines as checks named PREFIX-NAME, failures with detail.
report_tests() { # LOG PREFIX
  awk '/^  / { detail = detail $0 } /^CPU-TEST / { print $2, $3, detail; detail = "" }' "$1" |
    while read -r name verdict detail; do
      [ "$verdict" = PASS ] && pass "$2-$name" || fail "$2-$name" "$detail"
    done
  if grep -q '^CPU-DONE passed=[1-9][0-9]* failed=0' "$1"; then
    pass "$2-guest-completes" "$(grep '^CPU-DONE' "$1")"
  else
    fail "$2-guest-completes" "$(tail -n 3 "$1" | tr '\n' ' ') $(head -c 300 "$1.err")"
  fi
}
id_field() { sed -n "s/^CPU-ID .*$2=\([0-9]*\).*/\1/p" "$1"; }

host_pmu=0 host_sve=0 host_paca=0 host_pacg=0 host_mte=0
ls /sys/bus/event_source/devices 2>/dev/null | grep -q '^armv8_pmuv3' && host_pmu=1
for f in sve paca pacg mte; do
  grep -m1 '^Features' /proc/cpuinfo | grep -qw "$f" && eval "host_$f=1"
done
note "cpu-features test host: pmu=$host_pmu sve=$host_sve paca=$host_paca pacg=$host_pacg mte=$host_mte"

# Defaults: the guest gets what the host has.
cpu_guest on.log
note "cpu-features guest, defaults: $(grep '^CPU-ID' on.log) ($(grep -o 'guest CPU features:.*' on.log.err))"
for f in pmu sve paca pacg; do
  want=$(eval echo "\$host_$f") got=$(id_field on.log $f)
  if [ "$got" = "$want" ]; then
    pass "cpu-default-$f" "guest $f=$got, as the host"
  else
    fail "cpu-default-$f" "guest $f='$got', host $want"
  fi
done
bits=$(sed -n 's/.*SVE: vectors of up to \([0-9]*\) bits.*/\1/p' on.log.err | head -n1)
vl=$(id_field on.log vl)
if [ "$host_sve" = 1 ] && [ -n "$bits" ] && [ "$((vl * 8))" -eq "$bits" ]; then
  pass cpu-sve-length "the guest's RDVL: $vl bytes, a64vm set $bits bits"
elif [ "$host_sve" = 0 ]; then
  skip cpu-sve-length "the test host has no SVE"
else
  fail cpu-sve-length "guest vl=$vl bytes, a64vm said '$bits' bits"
fi
note "cpu-features pl031 alarm after $(sed -n 's/^CPU-PL031-ALARM waited_ms=//p' on.log) ms (MR = DR + 1)"
report_tests on.log cpu

# Every feature off: gone from the ID registers; SIMD&FP NISV without SVE.
cpu_guest off.log --cpu-features no-pmu,no-sve,no-ptrauth
got="pmu=$(id_field off.log pmu) sve=$(id_field off.log sve) paca=$(id_field off.log paca) pacg=$(id_field off.log pacg)"
if [ "$got" = "pmu=0 sve=0 paca=0 pacg=0" ] && grep -q 'guest CPU features:$' off.log.err; then
  pass cpu-features-off "$got"
else
  fail cpu-features-off "$got; $(grep -o 'guest CPU features:.*' off.log.err)"
fi
report_tests off.log cpu-off

# MTE: an error to ask for where the host's KVM lacks it, said at debug
# level otherwise; a guest check only where the host has it.
if [ "$host_mte" = 1 ]; then
  cpu_guest mte.log --cpu-features mte
  [ "$(id_field mte.log mte)" -ge 2 ] && pass cpu-mte-guest "ID_AA64PFR1_EL1.MTE=$(id_field mte.log mte)" ||
    fail cpu-mte-guest "$(grep '^CPU-ID' mte.log)"
else
  grep -q "CPU feature mte: not offered" on.log.err && pass cpu-mte-debug-line ||
    fail cpu-mte-debug-line "$(head -c 300 on.log.err)"
  /a64vm run --kernel /guest/cpu_guest.img --cpu-features mte </dev/null >mte.out 2>mte.err
  st=$?
  if [ $st -eq 1 ] && [ "$(wc -l <mte.err)" -eq 1 ] && grep -q 'mte' mte.err &&
     [ ! -s mte.out ]; then
    pass cpu-mte-refused "exit $st: $(cat mte.err)"
  else
    fail cpu-mte-refused "exit $st: $(head -c 300 mte.err)"
  fi
  skip cpu-mte-guest "the test host has no MTE (its KVM has no KVM_CAP_ARM_MTE)"
fi

# The cost: 4 vCPUs set up with and without the features, alternating.
for _ in 1 2 3 4 5; do
  for mode in on off; do
    args=""; [ $mode = off ] && args="--cpu-features no-pmu,no-sve,no-ptrauth"
    # shellcheck disable=SC2086
    /a64vm run --kernel /guest/cpu_guest.img --cpus 4 --verbose --dump-dtb t.dtb $args \
      </dev/null 2>&1 | sed -n 's/.*4 vCPUs set up in \([0-9.]*\) ms.*/\1/p' >>setup-$mode.txt
  done
done
med() { sort -n "$1" | sed -n 3p; }
note "cpu-features 4 vCPU setup ms, median of 5: features on $(med setup-on.txt), off $(med setup-off.txt)"

# Linux without the features: no PMU driver, no sve/paca/pacg.
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M \
  --cpu-features no-pmu,no-sve,no-ptrauth --append "console=ttyAMA0 quiet nopowerbtn"
if wait_for "A64VM-GUEST-INIT" 150; then
  type_line 'echo "CPUFEAT $(grep -m1 ^Features /proc/cpuinfo | cut -d: -f2) PMU=$(ls /sys/bus/event_source/devices | grep -c armv8_pmuv3) END"'
  if wait_for '^CPUFEAT .* END' 30; then
    line=$(tr -d '\r' <out.log | grep '^CPUFEAT ')
    if echo "$line" | grep -q 'PMU=0 END' && ! echo "$line" | grep -qw 'sve\|paca\|pacg'; then
      pass linux-cpu-features-off "$line"
    else
      fail linux-cpu-features-off "$line"
    fi
  else
    fail linux-cpu-features-off "no answer"; show_logs
  fi
  type_line 'poweroff -f'
else
  fail linux-cpu-features-off "no guest init within 150 s"; show_logs
fi
vm_wait 60 >/dev/null
