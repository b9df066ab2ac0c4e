# limit: 260
# KVM_EXIT_ARM_NISV on real KVM: a bare-metal guest does every class of
# load/store KVM cannot decode against the test device, MMU off and on
# (device at a high TTBR1 address); an LSE atomic gets an external abort
# and the guest goes on. Then --nisv=stop halts on the first one.
GUEST=/guest/nisv_guest.img
timeout $(scaled 120) /a64vm run --kernel $GUEST --testdev --mem 64M </dev/null >out.log 2>err.log
st=$?
tr -d '\r' <out.log >clean.log
# A failing case prints its "  what: got ... want ..." lines before its verdict.
awk '/^  / { detail = detail $0 } /^NISV-TEST / { print $2, $3, $4, detail; detail = "" }' \
  clean.log | while read -r mmu name verdict detail; do
  if [ "$verdict" = PASS ]; then
    pass "nisv-$mmu-$name"
  else
    fail "nisv-$mmu-$name" "$detail"
  fi
done
done_line=$(grep '^NISV-DONE' clean.log)
if [ $st -eq 0 ] && echo "$done_line" | grep -q 'failed=0' &&
   [ "$(grep -c '^NISV-TEST ' clean.log)" -ge 50 ]; then
  pass nisv-guest-completes "$done_line, exit 0"
else
  fail nisv-guest-completes "exit $st; ${done_line:-no NISV-DONE}; $(tail -n 3 clean.log | tr '\n' ' ') $(head -c 300 err.log)"
fi
# The abort is logged once, rate-limited, naming PC, instruction and reason.
if grep -q 'insn .*: an exclusive, atomic or other load/store.*injecting an external abort' err.log; then
  pass nisv-abort-logged
else
  fail nisv-abort-logged "$(head -c 300 err.log)"
fi

first=$(sed -n 's/^NISV-GUEST first_nisv 0x0*//p' clean.log)
timeout $(scaled 60) /a64vm run --kernel $GUEST --testdev --mem 64M --nisv=stop </dev/null >out2.log 2>err2.log
st=$?
if [ $st -eq 1 ] && grep -q 'stopped on a load/store KVM cannot decode' err2.log &&
   grep -q "PC 0*$first " err2.log && grep -q 'X0 ' err2.log &&
   ! grep -q '^NISV-TEST' out2.log; then
  pass nisv-stop-dumps "exit 1 at PC $first"
else
  fail nisv-stop-dumps "exit $st, want the dump at PC $first: $(head -c 400 err2.log)"
fi

# The NISV path against KVM's own decode: every size, alignment, direction
# and register kind, through a decodable and an undecodable instruction, on
# the PL031 and the test device (tests/guest/baremetal/nisv_diff_guest.c).
timeout $(scaled 120) /a64vm run --kernel /guest/nisv_diff_guest.img --testdev --mem 64M \
  </dev/null >diff.log 2>diff.err
st=$?
tr -d '\r' <diff.log >diff.clean
awk '/^  / { detail = detail $0 } /^NISV-DIFF / { print $2, $3, $4, detail; detail = "" }' \
  diff.clean | while read -r dev form verdict detail; do
  [ "$verdict" = PASS ] && pass "nisv-diff-$dev-$form" || fail "nisv-diff-$dev-$form" "$detail"
done
done_line=$(grep '^NISV-DIFF-DONE' diff.clean)
emulated=$(sed -n 's/.*could not decode: \([0-9]*\) emulated.*/\1/p' diff.err)
# 26 forms x 16 alignments x 2 devices, each undecodable access one NISV exit
if [ $st -eq 0 ] && [ "$done_line" = "NISV-DIFF-DONE cases=832 differ=0" ] &&
   [ "${emulated:-0}" -ge 832 ]; then
  pass nisv-diff-completes "$done_line; $emulated accesses emulated"
else
  fail nisv-diff-completes "exit $st; ${done_line:-no NISV-DIFF-DONE}; emulated ${emulated:-none}; $(tail -c 300 diff.err)"
fi
