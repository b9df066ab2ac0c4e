# Helpers for scenarios, sourced by the test host's init (busybox sh).
# A scenario reports each check with pass/fail/skip NAME [REASON].
# Typing into an a64vm that died fails that check, not the whole scenario.
trap '' PIPE
GUEST_KERNEL=/guest/Image
GUEST_INITRD=/guest/initrd.cpio.gz

# A64VM_TRANSPORT=pci (set by a *_pci scenario before it sources the
# MMIO one): every VM gets --virtio-transport pci and every check's name
# ends in -pci. A64VM_VARIANT=V (a scenario sourced again another way):
# names end in -V, before the transport's.
report() { # VERDICT NAME [REASON...]
  v=$1 n=$2${A64VM_VARIANT:+-$A64VM_VARIANT}${A64VM_TRANSPORT:+-$A64VM_TRANSPORT}; shift 2
  echo "E2E-RESULT $n $v $*"
  echo "$n" >>"${A64VM_RESULTS:-.result}"
}
pass() { report PASS "$@"; }
fail() { report FAIL "$@"; }
skip() { report SKIP "$@"; }
note() { echo "E2E-NOTE $*"; }

now() { cut -d' ' -f1 /proc/uptime; }

# This host's speed against the reference machine, in percent (host-init
# measures it before the first scenario): every wait below, and each
# scenario's limit, is scaled by it, so that a slower host passes too.
A64VM_SCALE=${A64VM_SCALE:-100}
scaled() { echo $(( ($1 * A64VM_SCALE + 99) / 100 )); }

# Tells tools/testhost to run NAME's outside part (tests/gdb/drive.sh).
gdb_ready() { # NAME [KEY=VALUE...]
  echo "E2E-GDB-READY $* SCALE=$A64VM_SCALE${A64VM_TRANSPORT:+ SUFFIX=-$A64VM_TRANSPORT}"
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Starts a64vm in the background with its console on a FIFO (fd 3 types
# into it) and its output in out.log / err.log. Sets VM_PID, VM_T0.
vm_start() {
  rm -f in out.log err.log
  mkfifo in
  VM_T0=$(now)
  /a64vm run ${A64VM_TRANSPORT:+--virtio-transport $A64VM_TRANSPORT} "$@" \
    <in >out.log 2>err.log &
  VM_PID=$!
  exec 3>in
}

# wait_for PATTERN SECONDS [COUNT]: until out.log has COUNT lines matching.
# The serial console delivers a line byte by byte: to read a value from a
# line, make PATTERN match the whole value.
wait_for() {
  deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled $2) ))
  while [ "$(grep -c -- "$1" out.log 2>/dev/null)" -lt "${3:-1}" ]; do
    [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ] && return 1
    kill -0 "$VM_PID" 2>/dev/null || { grep -q -- "$1" out.log; return $?; }
    sleep "${WAIT_POLL:-0.1}"
  done
}

# wait_err PATTERN SECONDS: until a64vm's err.log has a line matching.
wait_err() {
  deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled $2) ))
  until grep -q -- "$1" err.log 2>/dev/null; do
    [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

type_line() { echo "$*" >&3; }

# vm_wait SECONDS: the exit status of a64vm, or 124 after killing it.
vm_wait() {
  deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled $1) ))
  while kill -0 "$VM_PID" 2>/dev/null; do
    if [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ]; then
      kill -9 "$VM_PID"; wait "$VM_PID"; exec 3>&-; return 124
    fi
    sleep 0.1
  done
  wait "$VM_PID"; st=$?
  exec 3>&-
  return $st
}

# Resident memory of a64vm outside the guest's RAM mapping, in KiB.
vm_rss_besides_ram() { # MEM_KIB
  awk -v ram="$1" '/^Size:/ { sz = $2 } /^Rss:/ { if (sz != ram) t += $2 }
                   END { print t }' /proc/$VM_PID/smaps
}

# A failed check shows what the VM printed.
show_logs() {
  echo "--- out.log (tail)"; tail -n 20 out.log
  echo "--- err.log"; tail -n 20 err.log
  vm_threads
  vm_report
}

# a64vm logs each vCPU's PC, SP, last exception and exits on SIGQUIT, then
# the MMIO accesses it answered by device (the last line): where a stalled
# guest is.
vm_report() {
  local i
  [ -n "${VM_PID:-}" ] && [ "$(cat /proc/$VM_PID/comm 2>/dev/null)" = a64vm ] || return 0
  kill -QUIT "$VM_PID"
  for i in $(seq 30); do grep -q 'SIGQUIT: MMIO' err.log && break; sleep 0.1; done
  echo "--- a64vm's vCPUs and MMIO exits (SIGQUIT)"; grep 'SIGQUIT: ' err.log
}

# a64vm's threads, if it runs: name, state, kernel wait channel and CPU
# ticks, twice a second apart, so that a guest that stopped is told from
# a thread of a64vm that waits (a vCPU in KVM_RUN runs or sleeps in
# kvm_vcpu_block; one on a lock sleeps in a futex).
vm_threads() {
  local round t f # a scenario's own t and f (loops, devices_check) stay as they were
  [ -n "${VM_PID:-}" ] && [ -d /proc/$VM_PID/task ] || return 0
  for round in 1 2; do
    echo "--- a64vm's threads ($round): name state wchan utime stime"
    for t in /proc/$VM_PID/task/*; do
      # The name may hold ") ": the fields after the last one.
      f=$(sed 's/.*) //' $t/stat 2>/dev/null)
      echo "$(cat $t/comm 2>/dev/null): $(echo "$f" | cut -d' ' -f1)" \
        "$(cat $t/wchan 2>/dev/null) $(echo "$f" | cut -d' ' -f12,13)"
    done
    if [ $round = 1 ]; then sleep 1; fi
  done
}

# Until PID holds a flock (a disk or flash image it opened), or SECONDS pass.
wait_lock() { # PID SECONDS [FILE]: PID holds a lock (on FILE's inode)
  deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled $2) ))
  ino=; [ -z "${3:-}" ] || ino=":$(stat -c %i "$3") " || return 1
  until grep "FLOCK .* $1 " /proc/locks | grep -q -- "$ino"; do
    [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# The NISV exits a VM with --control SOCK has taken so far, as a note.
note_nisv() { # NAME SOCK
  /a64vm ctl "$2" status | sed -n 's/.*"arm_nisv":\([0-9]*\).*"nisv":\(.*\)}$/\1 exits \2/p' |
    sed "s/^/$1-nisv /" | { read -r line; note "$line"; }
}

# Until a64vm says the debugger left (or SECONDS pass, or it exits).
wait_debugger_gone() { # SECONDS
  deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled $1) ))
  until grep -q "the debugger left\|debugger disconnected" err.log; do
    [ "$(cut -d. -f1 /proc/uptime)" -ge "$deadline" ] && return 1
    kill -0 "$VM_PID" 2>/dev/null || return 1
    sleep 0.5
  done
}

# ---- FreeBSD (tests/e2e/scenarios/freebsd*.sh) ----
# shared/freebsd's material, copied in by tools/testhost when it has it.
FB=/guest/freebsd
FB_MARKER='FREEBSD USERSPACE UP pid=1'
# True, after saying why the scenario skipped, when the material is absent.
fb_missing() { # CHECK-NAME
  [ -r $FB/kernel.bin ] && [ -r $FB/root.img ] && [ -r $FB/esp.img ] && return 1
  skip "$1" "no FreeBSD test material (A64VM_FREEBSD_DIR, default ../shared/freebsd)"
}
# init's marker in LOG. FreeBSD's console may interleave its bytes with the
# kernel's own shutdown messages: its characters in order, close together.
fb_has_marker() { # LOG
  tr -d '\n' <"$1" | awk -v m="$FB_MARKER" '{
    i = index($0, "FREEBSD"); if (!i) exit 1
    for (j = 1; i <= length($0) && j <= length(m) && i < index($0, "FREEBSD") + 4000; i++)
      if (substr($0, i, 1) == substr(m, j, 1)) j++
    exit j <= length(m) }'
}
# The CPUs FreeBSD saw in LOG, or "none".
fb_cpus() { # LOG
  n=$(sed -n 's/.*Multiprocessor System Detected: \([0-9]*\) CPUs.*/\1/p' "$1" | head -n 1)
  echo "${n:-none}"
}
# What a64vm reported at exit about loads/stores KVM could not decode
# (it says nothing when there were none).
fb_nisv() { sed -n 's/.*could not decode: //p' err.log | grep . || echo "0 exits"; }

# ---- a64vm against kvmtool (tests/bench/kvmtool_*.sh) ----
# kvmtool is /bin/lkvm, put there by tools/testhost from $A64VM_KVMTOOL; an
# older a64vm may come as /a64vm-baseline ($A64VM_BASELINE).
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
peer_vmms() { # the VMMs to compare, or a line saying why none
  if [ ! -x /bin/lkvm ]; then
    echo "E2E-BENCH kvmtool: not run: no lkvm in the test host; build a static" \
      "arm64 lkvm (tools/build-kvmtool) and give its path in A64VM_KVMTOOL" >&2
    return 1
  fi
  echo "a64vm kvmtool"; [ -x /a64vm-baseline ] && echo baseline; return 0
}
# peer_start VMM CPUS [EXTRA-APPEND]: 512 MiB, the same kernel arguments,
# virtio-mmio for both, $DISK as virtio-blk when set; output in out.log.
peer_start() {
  rm -f out.log err.log
  VM_T0=$(now)
  case $1 in
  a64vm|baseline|a64vm-*)
    bin=/a64vm args=${PEER_A64VM_ARGS:-}
    # The older a64vm: PEER_BASELINE_ARGS when a bench compares another backend.
    [ "$1" = baseline ] && bin=/a64vm-baseline args=${PEER_BASELINE_ARGS:-$args}
    # a64vm-NAME: a64vm with PEER_A64VM_NAME_ARGS instead (a second backend)
    [ "${1#a64vm-}" != "$1" ] && eval args=\${PEER_A64VM_$(echo "${1#a64vm-}" | tr a-z A-Z)_ARGS:-}
    $bin run $args --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 512M --cpus "$2" \
      ${DISK:+--disk $DISK} --append "console=ttyAMA0 quiet nopowerbtn $3" \
      </dev/null >out.log 2>err.log & ;;
  kvmtool)
    /bin/lkvm run ${PEER_KVMTOOL_ARGS:-} -k $GUEST_KERNEL -i $GUEST_INITRD -m 512 -c "$2" \
      --nodefaults --console serial --virtio-transport mmio ${DISK:+-d $DISK} \
      -p "console=ttyS0 quiet nopowerbtn $3" </dev/null >out.log 2>err.log & ;;
  esac
  VM_PID=$!
}
peer_stop() { kill -9 "$VM_PID" 2>/dev/null; wait "$VM_PID" 2>/dev/null; }
# The VMMs in the order round N runs them: each round starts with the next,
# so that none always follows the same one.
rotate() { # N WORD...
  n=$1; shift
  echo "$@" | awk -v n="$n" '{ for (i = 0; i < NF; i++) printf "%s ", $((i + n) % NF + 1); print "" }'
}
# A boot's timeline, in seconds after the VMM's exec: its first vCPU
# thread, the guest's first console byte, the guest clock's start and init.
# /proc's start times count 10 ms ticks; console bytes are polled every 10
# ms (peer_watch_console, started just after peer_start).
peer_watch_console() {
  ( i=0; while [ ! -s out.log ] && [ $i -lt 30000 ]; do usleep 10000; i=$((i + 1)); done
    now >first-byte.txt ) &
  WATCH_PID=$!
}
started_at() { awk '{ sub(/.*\) /, ""); printf "%.2f", $20 / 100 }' "$1"; }
peer_timeline() { # INIT-WALL-TIME GUEST-UPTIME-AT-INIT -> "exec vcpu byte clock init"
  kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null
  exec_t=$(started_at /proc/$VM_PID/stat) vcpu_t=
  for t in /proc/$VM_PID/task/*; do
    case $(cat $t/comm) in vcpu0|kvm-vcpu-0) vcpu_t=$(started_at $t/stat) ;; esac
  done
  awk -v e="$exec_t" -v v="$vcpu_t" -v b="$(cat first-byte.txt 2>/dev/null)" -v i="$1" -v u="$2" \
    'BEGIN { printf "%.2f %.2f %.2f %.2f\n", v - e, (b == "" ? i : b) - e, i - u - e, i - e }'
}

# ---- virtio-vsock, either backend (vsock.sh, vsock_uds.sh) ----
# CONNECT and LISTEN are vsock-pipe's words for the guest's echo port
# 5000 and the host's port 6000 ("connect 3 5000", "uds-connect PATH 5000").
# 64 connections at once, 256 KiB each, beside one whose reader stalls.
vsock_many_check() { # NAME CONNECT...
  name=$1; shift
  vsock-pipe "$@" <host.bin 2>/dev/null | sleep 600 &
  stalled=$!
  head -c 262144 host.bin >part.bin
  i=0 pids=
  while [ $i -lt 64 ]; do
    vsock-pipe "$@" <part.bin >back.$i 2>err.$i &
    pids="$pids $!" i=$((i + 1))
  done
  wait $pids # not a64vm, which runs on
  part_sha=$(sha256sum <part.bin | cut -d' ' -f1)
  ok=0
  for f in back.*; do [ "$(sha256sum <$f | cut -d' ' -f1)" = "$part_sha" ] && ok=$((ok + 1)); done
  [ $ok -eq 64 ] && pass $name "64 of 64 echoed whole beside a stalled one" ||
    fail $name "$ok of 64 echoed whole: $(cat err.* | sort | uniq -c | head -3)"
  kill $stalled; killall vsock-pipe 2>/dev/null
}
# A reboot in the middle of a transfer: the rebooted guest sends its 16 MiB
# again (NAME-after-reboot), and the host's connection ends within 30 s
# (NAME-reboot-ends-connection).
vsock_reboot_check() { # NAME "LISTEN..." "CONNECT..."
  vsock-pipe $2 </dev/null >got2.bin 2>listen2.err &
  listener=$!
  vsock-pipe $3 </dev/zero >/dev/null 2>stream.err &
  streamer=$!
  sleep 1
  type_line 'reboot -f'
  if wait_for "^VSOCK-SENT in [0-9.]* s" 120 2; then
    wait $listener
    tr -d '\r' <out.log >guest.log
    guest_sha=$(sed -n 's/^VSOCK-SENDING //p' guest.log | tail -1)
    [ "$(sha256sum <got2.bin | cut -d' ' -f1)" = "$guest_sha" ] &&
      pass $1-after-reboot "16 MiB from the rebooted guest, checksum matches" ||
      fail $1-after-reboot "got $(wc -c <got2.bin) bytes: $(cat listen2.err)"
  else
    fail $1-after-reboot "the rebooted guest did not send: $(grep VSOCK out.log | tr -d '\r' | tail -2)"
    kill $listener
  fi
  deadline=$(( $(cut -d. -f1 /proc/uptime) + $(scaled 30) ))
  while kill -0 $streamer 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ]; do
    sleep 0.2
  done
  if kill -0 $streamer 2>/dev/null; then
    fail $1-reboot-ends-connection "the host's connection still open 30 s after the reboot"
    kill $streamer
  else
    pass $1-reboot-ends-connection "the host's connection ended at the reboot $(cat stream.err)"
  fi
}

# The Debian image's scenarios (tools/build-debian-image): the test host's
# disk with serial SERIAL (the outer machine gives the image's forms).
disk_by_serial() { # SERIAL
  for b in /sys/block/vd*; do
    [ "$(cat $b/serial 2>/dev/null)" = "$1" ] && echo /dev/${b#/sys/block/}
  done
}
# debian_login N SECONDS: the N-th login prompt within SECONDS, then root's shell.
debian_login() {
  wait_for "a64vm-debian login:" $2 $1 || return 1
  type_line root
  wait_for "^Password:" 30 $1 || return 1
  shells=$(grep -c "root@a64vm-debian:" out.log)
  type_line a64vm
  wait_for "root@a64vm-debian:" 30 $((shells + 1)) # after bash's bracketed-paste escape
}
# debian_running CHECK SECONDS: systemctl is-system-running says running,
# else CHECK fails with the failed units.
debian_running() {
  # Output lines start after bash's escape; the quotes keep the typed line from matching.
  type_line 'echo STATE""-$(systemctl is-system-running --wait)'
  wait_for "STATE-[a-z]" $2
  state=$(tr -d '\r' <out.log | sed -n 's/.*STATE-\([a-z][a-z]*\).*/\1/p' | tail -n 1)
  if [ "$state" = running ]; then
    pass $1 "systemctl is-system-running: running"
  else
    type_line 'echo FAILED""-$(systemctl --failed --no-legend --plain | tr "\n" " ")'
    wait_for "FAILED-[^$]" 30
    fail $1 "$state: $(tr -d '\r' <out.log | grep -o 'FAILED-[^$].*' | tail -n 1)"
  fi
}

# What a restore refuses: one line, exit 1, nothing started.
refused() { # NAME DIR WANT [OPTION...]
  name=$1 dir=$2 want=$3
  shift 3
  timeout 120 /a64vm run --restore "$dir" "$@" </dev/null >out.log 2>err.log; st=$?
  if [ $st -ne 0 ] && [ "$(grep -c . err.log)" -eq 1 ] && grep -q -- "$want" err.log; then
    pass "$name" "$(cat err.log)"
  else
    fail "$name" "status $st: $(head -c 300 err.log)"
  fi
}

# Typed into a guest's shell: a record a sector each on /dev/vda, each
# write synced (a write in flight at any moment), HALFWAY after the 100th.
RECORD_LOOP='i=0; while [ $i -lt 300 ]; do echo record-$i | dd of=/dev/vda bs=512 seek=$i conv=sync,fsync 2>/dev/null; [ $i = 100 ] && echo HALF""WAY; i=$((i + 1)); done; echo WRITES""-DONE'
records() { # N: the records RECORD_LOOP writes, as the disk holds them (expect.img)
  i=0
  while [ $i -lt $1 ]; do
    echo record-$i | dd of=expect.img bs=512 seek=$i conv=notrunc,sync 2>/dev/null
    i=$((i + 1))
  done
}
