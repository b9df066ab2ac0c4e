# limit: 120
# --kernel takes more than Linux Images: a headerless raw binary runs from
# RAM + 0x80000 (QEMU's -kernel address) and an ELF file from its own
# addresses; both find the device tree through X0. Then firmware and ELF
# inputs that must be refused with one line, writing nothing.
boot() { # NAME FILE WANT_PC_PREFIX
  /a64vm run --kernel "$2" --mem 64M </dev/null >out.log 2>err.log
  st=$?
  line=$(grep -a 'BOOT-GUEST' out.log | tr -d '\r')
  if [ $st -eq 0 ] && echo "$line" | grep -q "pc=$3.* dtb=yes"; then
    pass "loader-$1" "$line"
  else
    fail "loader-$1" "exit $st: $line $(head -c 200 err.log)"
  fi
}
boot raw-binary /guest/boot_guest.raw 0x000000004008
boot elf /guest/boot_guest.elf 0x000000004000
boot image /guest/boot_guest.img 0x000000004000

expect() { # NAME STATUS ARGS...: one a64vm: line on stderr and that status
  name=$1 want=$2; shift 2
  # An a64vm that runs instead of refusing is stopped, and fails the check.
  timeout $(scaled 30) /a64vm "$@" </dev/null >stdout.txt 2>stderr.txt
  st=$?
  if [ $st -eq "$want" ] && [ "$(wc -l <stderr.txt)" -eq 1 ] &&
     grep -q '^a64vm: ' stderr.txt; then
    pass "bad-input-$name" "exit $st: $(cat stderr.txt)"
  else
    fail "bad-input-$name" "exit $st (want $want): $(head -c 300 stderr.txt)"
  fi
}
CODE=/guest/fw/AAVMF_CODE.fd
# Sparse: refused by its size, and made at once rather than 65 MiB through tr.
dd if=/dev/zero of=big.fd bs=1M count=0 seek=65 2>/dev/null
expect firmware-too-large 1 run --firmware big.fd
expect firmware-missing 1 run --firmware /nonexistent.fd
cp /guest/fw/AAVMF_VARS.fd ro-vars.fd
chmod 444 ro-vars.fd
sum=$(sha256sum <ro-vars.fd)
expect read-only-vars-as-writable 1 run --flash0 $CODE,ro --flash1 ro-vars.fd
[ "$(sha256sum <ro-vars.fd)" = "$sum" ] && pass bad-input-read-only-vars-unchanged ||
  fail bad-input-read-only-vars-unchanged "the file changed"
expect elf-outside-ram-and-flash 1 run --kernel /bin/busybox
head -c 100 /guest/boot_guest.elf >short.elf
expect elf-truncated-headers 1 run --kernel short.elf
head -c 70000 /guest/boot_guest.elf >cut.elf
expect elf-truncated-segment 1 run --kernel cut.elf
expect firmware-and-flash0 2 run --firmware $CODE --flash0 $CODE
expect flash-bad-option 2 run --flash1 vars.fd,rw
# A writable bank is locked: a second VM cannot have it.
cp /guest/fw/AAVMF_VARS.fd vars.fd
vm_start --flash0 $CODE,ro --flash1 vars.fd --mem 256M
if ! wait_lock $VM_PID 30 vars.fd; then
  fail bad-input-flash-locked "the first VM held no lock on vars.fd after 30 s"; show_logs
elif ! kill -0 $VM_PID 2>/dev/null; then
  fail bad-input-flash-locked "the first VM is gone: $(tail -n 5 err.log | tr '\n' ' ')"
else
  expect flash-locked 1 run --flash0 $CODE,ro --flash1 vars.fd
  kill -0 $VM_PID 2>/dev/null ||
    fail bad-input-flash-first-vm "the first VM ended meanwhile: $(tail -n 5 err.log | tr '\n' ' ')"
fi
kill -KILL $VM_PID; vm_wait 10
