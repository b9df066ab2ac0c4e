#!/usr/bin/env bash
# The command line on any host, without KVM: help, version, bad flags and
# bad files get one clear line and the right exit status.
set -u
A64VM=$1
MANPAGE=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

check() { # NAME WANT_STATUS STDERR_PATTERN ARGS...
  local name=$1 want=$2 pattern=$3 st
  shift 3
  "$A64VM" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
  st=$?
  if [ "$st" -ne "$want" ] || ! grep -qE -- "$pattern" "$tmp/err" "$tmp/out" ||
     [ "$(wc -l <"$tmp/err")" -gt 1 ]; then
    echo "FAIL $name: status $st (want $want); stderr: $(cat "$tmp/err")"
    failed=1
  else
    echo "ok   $name"
  fi
}

head -c 100 /dev/zero >"$tmp/zeros"
mkdir "$tmp/zeros-dir" && cp "$tmp/zeros" "$tmp/zeros-dir/state"
check help 0 'usage: a64vm run' --help
check run-help 0 '--kernel FILE' run --help
check version 0 '^a64vm [0-9]+\.[0-9]+' --version
check no-args 2 'no command given' 
check unknown-flag 2 "unknown option '--frobnicate'" run --kernel x --frobnicate
check bad-cpus 2 '--cpus' run --kernel x --cpus many
check bad-gdb 2 'is not tcp:\[HOST:\]PORT' run --kernel x --gdb tcp:99999
check gdb-wait-alone 2 '--gdb-wait needs --gdb' run --kernel x --gdb-wait
check bad-disk 2 'is not PATH' run --kernel x --disk a.img,rw
check missing-kernel 1 'kernel /nonexistent: No such file' run --kernel /nonexistent
check zero-kernel 1 'not an arm64 Linux Image' run --kernel "$tmp/zeros"
check dir-kernel 1 'Is a directory' run --kernel "$tmp"
check ctl-usage 2 'usage: a64vm ctl' ctl
check ctl-bad-arg 2 'usage: a64vm ctl' ctl "$tmp/sock" read-phys addr=oops
check ctl-no-socket 1 'cannot connect to' ctl "$tmp/nothing.sock" status
check ctl-snapshot-no-dir 2 'usage: a64vm ctl' ctl "$tmp/sock" snapshot
check ctl-snapshot-bad-flag 2 'usage: a64vm ctl' ctl "$tmp/sock" snapshot "$tmp/d" --later
check ctl-rewind-no-name 2 'usage: a64vm ctl' ctl "$tmp/sock" rewind
check ctl-batch-extra 2 'usage: a64vm ctl' ctl "$tmp/sock" - status
check ctl-batch-no-socket 1 'cannot connect to' ctl "$tmp/no-sock" -
check restore-no-dir 2 '--restore needs a value' run --restore
check restore-missing 1 "--restore: $tmp/none/state: No such file" run --restore "$tmp/none"
check restore-not-a-snapshot 1 'not an a64vm snapshot' run --restore "$tmp/zeros-dir"
# Once a stack overflow: a command of 504 characters or more.
for n in 504 505 520 600; do
  check ctl-long-command-$n 2 'usage: a64vm ctl' ctl "$tmp/s" "$(printf 'a%.0s' $(seq $n))"
done
check ctl-long-args 2 'usage: a64vm ctl' ctl "$tmp/s" read-phys \
  $(for i in $(seq 40); do printf 'addr=18446744073709551615 '; done)
check ctl-bad-command 2 'usage: a64vm ctl' ctl "$tmp/s" 'st"atus'
check ctl-overflowing-number 2 'usage: a64vm ctl' ctl "$tmp/s" read-phys addr=99999999999999999999
check bad-vsock-cid 2 "--vsock: 'cid=2' is not cid=N" run --kernel x --vsock cid=2
check bad-vsock-uds 2 "a PATH of 1 to 95 bytes" run --kernel x --vsock cid=3,uds=/tmp/ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
check two-vsock 2 '--vsock: at most 1' run --kernel x --vsock cid=3 --vsock cid=4
# A forward passt cannot take, or one QEMU would but passt cannot (a guest address).
check bad-hostfwd 2 "--net: 'user,hostfwd=tcp::2222-10.0.2.15:22' is not" \
  run --kernel x --net user,hostfwd=tcp::2222-10.0.2.15:22
check bad-hostfwd-port 2 "--net: 'user,hostfwd=tcp::70000-:22' is not" \
  run --kernel x --net user,hostfwd=tcp::70000-:22
check hostfwd-on-tap 2 "is not tap=NAME, user" run --kernel x --net tap=t0,hostfwd=tcp::1-:2

# Every option the binary lists (the machine's and every device kind's in
# its table) is in the man page, where roff writes each '-' as '\-'.
undocumented=
for opt in $("$A64VM" run --help | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p'); do
  grep -qF -- "$(echo "$opt" | sed 's/-/\\-/g')" "$MANPAGE" || undocumented="$undocumented $opt"
done
if [ -n "$undocumented" ]; then
  echo "FAIL options-in-man-page: not in $MANPAGE:$undocumented"; failed=1
else
  echo "ok   options-in-man-page ($("$A64VM" run --help | grep -c '^  --') options)"
fi
exit $failed
