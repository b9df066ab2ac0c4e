# limit: 120
# Bad input: one clear line on stderr, a non-zero exit, never a crash.
head -c 1000000 $GUEST_KERNEL > truncated.Image
gzip -c $GUEST_KERNEL > Image.gz
head -c 2000000 Image.gz > truncated.Image.gz
head -c 4096 /dev/zero > zeros.bin

# expect NAME ARGS...: runs a64vm with ARGS and checks how it failed.
expect() {
  name=$1; shift
  /a64vm "$@" </dev/null >stdout.txt 2>stderr.txt
  st=$?
  lines=$(wc -l <stderr.txt)
  msg=$(head -n1 stderr.txt)
  if [ $st -ne 0 ] && [ $st -lt 128 ] && [ "$lines" -eq 1 ] &&
     echo "$msg" | grep -q '^a64vm: '; then
    pass "bad-input-$name" "exit $st: $msg"
  else
    fail "bad-input-$name" "exit $st, $lines stderr lines: $(head -c 300 stderr.txt)"
  fi
}

K=$GUEST_KERNEL
expect missing-kernel run --kernel /nonexistent
expect truncated-kernel run --kernel truncated.Image
expect truncated-gzip-kernel run --kernel truncated.Image.gz
expect not-an-image run --kernel /bin/busybox
expect zero-file run --kernel zeros.bin
expect kernel-is-dir run --kernel /guest
expect mem-too-small run --kernel $K --initrd $GUEST_INITRD --mem 16M
expect cpus-beyond-host run --kernel $K --cpus 4000
expect cpus-beyond-gic run --kernel $K --cpus 200
expect cpus-zero run --kernel $K --cpus 0
expect unknown-flag run --kernel $K --bogus
expect unknown-command launch
expect no-kernel run --mem 64M
expect bad-mem run --kernel $K --mem lots
# A 72-byte device tree with a version 2 header (it crashed libfdt 1.6.1),
# and one whose header claims more than the file holds.
printf '\320\015\376\355\000\000\000\110\000\000\000\050\000\000\000\110\000\000\000\070\000\000\000\002\000\000\000\002' >v2.dtb
head -c 44 /dev/zero >>v2.dtb
expect dtb-version-2 run --kernel $K --dtb v2.dtb
/a64vm run --kernel $K --dump-dtb good.dtb </dev/null >/dev/null 2>&1
head -c $(( $(wc -c <good.dtb) - 100 )) good.dtb >short.dtb
expect dtb-header-beyond-file run --kernel $K --dtb short.dtb

# The gzip-compressed kernel that is whole must be accepted: dump its DTB.
if /a64vm run --kernel Image.gz --dump-dtb out.dtb </dev/null 2>err.txt &&
   [ "$(head -c 4 out.dtb | od -An -tx1 | tr -d ' ')" = d00dfeed ]; then
  pass gzip-kernel-accepted
else
  fail gzip-kernel-accepted "$(cat err.txt)"
fi
