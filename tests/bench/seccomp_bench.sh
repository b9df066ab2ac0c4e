# What the seccomp filters cost: a64vm's start to exit for a bare-metal
# guest that powers off at once (10 runs each), and a Linux boot to its
# init (5 each), with the filters (the default) and with --seccomp=off,
# alternating. Medians, in seconds.
. /e2e/lib.sh
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >start-kill.txt; : >start-off.txt; : >boot-kill.txt; : >boot-off.txt
for i in 1 2 3 4 5 6 7 8 9 10; do
  for mode in kill off; do
    t0=$(now)
    /a64vm run --kernel /guest/boot_guest.img --mem 64M --seccomp=$mode </dev/null \
      >/dev/null 2>&1
    elapsed "$t0" >>start-$mode.txt; echo >>start-$mode.txt
  done
done
for i in 1 2 3 4 5; do
  for mode in kill off; do
    vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --seccomp=$mode \
      --append "console=ttyAMA0 quiet nopowerbtn"
    wait_for "A64VM-GUEST-INIT" 150 && elapsed "$VM_T0" >>boot-$mode.txt &&
      echo >>boot-$mode.txt
    type_line 'poweroff -f'
    vm_wait 60 >/dev/null
  done
done
echo "E2E-BENCH seccomp start-to-exit s: filters $(median <start-kill.txt), off $(median <start-off.txt) (median of 10)"
echo "E2E-BENCH seccomp boot-to-init s: filters $(median <boot-kill.txt), off $(median <boot-off.txt) (median of 5)"
