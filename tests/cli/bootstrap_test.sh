#!/usr/bin/env bash
# tools/bootstrap as on a fresh machine: an empty cache, and an apt-get that
# serves Debian's packages from the real cache (an offline mirror, answering
# as apt-get does: "P:arm64" only for an arm64 package, "P" for an arch-all
# one, exit 100 for a package it lacks). A fresh machine's first run once
# ended silently in the middle (an arch-all package); a package that cannot
# be had must be named, with the step.
#   tests/cli/bootstrap_test.sh   (after tools/bootstrap; root)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mirror=${A64VM_CACHE:-/var/cache/a64vm}/debs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() { # NAME CONDITION-STATUS DETAIL
  if [ "$2" -eq 0 ]; then echo "PASS $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}

mkdir -p "$tmp/bin"
cat >"$tmp/bin/apt-get" <<'EOF'
#!/bin/sh
# A fake apt-get: update does nothing; download copies from $FAKE_MIRROR.
case $1 in
  update) exit 0 ;;
  download) ;;
  *) echo "fake apt-get: $*" >&2; exit 100 ;;
esac
for a; do last=$a; done
name=${last%:arm64}
case " $FAKE_MISSING " in *" $name "*) echo "E: Unable to locate package $last" >&2; exit 100 ;; esac
if [ "$name" != "$last" ]; then want="${name}_*_arm64.deb"; else want="${name}_*_all.deb"; fi
for f in "$FAKE_MIRROR"/$want; do
  [ -e "$f" ] && { cp -l "$f" . 2>/dev/null || cp "$f" .; exit 0; }
done
echo "E: Can't select candidate version from package $last as it has no candidate" >&2
exit 100
EOF
chmod +x "$tmp/bin/apt-get"

cache=$tmp/cache
run() { # [MISSING PACKAGES]
  PATH="$tmp/bin:$PATH" FAKE_MIRROR=$mirror FAKE_MISSING="${1:-}" A64VM_CACHE=$cache \
    "$top/tools/bootstrap" >"$tmp/out" 2>"$tmp/err"
}

run; st=$?
ok=1
[ $st -eq 0 ] && [ -e "$cache/kernel/vmlinuz" ] && [ -e "$cache/firmware/.done" ] &&
  [ -e "$cache/virtiofsd/.done" ] && [ -x "$cache/sysroot/bin/busybox" ] &&
  ls "$cache"/debs/linux-source-*_all.deb >/dev/null 2>&1 && ok=0
check bootstrap-empty-cache $ok "exit $st; $(tail -n 3 "$tmp/out" "$tmp/err" | tr '\n' ' ')"

run; st=$?
[ $st -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]
check bootstrap-again-quiet $? "exit $st; $(cat "$tmp/out" "$tmp/err" | head -n 3 | tr '\n' ' ')"

# An arch-all package that cannot be had: named, with its step.
rm -f "$cache"/debs/linux-source-*
run linux-source-6.1; st=$?
[ $st -ne 0 ] && grep -q 'fetching linux-source-6.1 failed: cannot download linux-source-6.1' "$tmp/err"
check bootstrap-names-missing-source $? "exit $st; stderr: $(tr '\n' ' ' <"$tmp/err")"

# One of a loop's packages (its status was once hidden inside dpkg -x "$(...)").
rm -rf "$cache/virtiofsd" "$cache"/debs/libnuma1_*
run libnuma1; st=$?
[ $st -ne 0 ] && grep -q 'fetching libnuma1 failed: cannot download libnuma1' "$tmp/err" &&
  [ ! -e "$cache/virtiofsd/.done" ]
check bootstrap-names-missing-library $? "exit $st; stderr: $(tr '\n' ' ' <"$tmp/err")"

[ $failures -eq 0 ]
