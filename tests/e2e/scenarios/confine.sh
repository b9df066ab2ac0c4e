# limit: 300
# Confinement: every thread runs under its seccomp filter; a forbidden call
# kills a64vm with SIGSYS and one line (--seccomp-selftest), or is let
# through and logged (--seccomp=log). --chroot and --user leave a process
# with no capabilities whose guest still boots, reboots and reads its disk;
# a user in the kvm group runs a64vm without root (all but creating a tap).
# Guest RAM is left out of core dumps.
GETPPID=173 # arm64's number for the call the self-test makes
mkdir -p /etc
echo 'root:x:0:0:root:/tmp:/bin/sh' >/etc/passwd
echo 'tester:x:1000:1000:tester:/tmp:/bin/sh' >>/etc/passwd
printf 'root:x:0:\ntester:x:1000:\nkvm:x:993:tester\n' >/etc/group

selftest() { # KIND THREAD ARGS...
  kind=$1 thread=$2; shift 2
  /a64vm run --kernel /guest/boot_guest.img --mem 64M --seccomp-selftest=$kind "$@" \
    </dev/null >st.out 2>st.err
  st=$?
  if [ $st -eq 159 ] &&
     [ "$(grep -c "seccomp: thread $thread made system call $GETPPID," st.err)" -eq 1 ] &&
     ! grep -q BOOT-GUEST st.out; then
    pass "seccomp-kills-$kind" "exit $st: $(grep 'made system call' st.err)"
  else
    fail "seccomp-kills-$kind" "exit $st: $(head -c 300 st.err)"
  fi
}
selftest vcpu vcpu0
selftest io virtio-io --rng
selftest main main

# log: the call goes on, the guest runs, the kernel's audit log has it.
dmesg -c >/dev/null
/a64vm run --kernel /guest/boot_guest.img --mem 64M --seccomp=log \
  --seccomp-selftest=vcpu </dev/null >log.out 2>log.err
st=$?
if [ $st -eq 0 ] && grep -q BOOT-GUEST log.out &&
   dmesg | grep -q "type=1326.*syscall=$GETPPID "; then
  pass seccomp-log "exit 0; $(dmesg | grep -o 'type=1326.*syscall=[0-9]*' | head -n1)"
else
  fail seccomp-log "exit $st; dmesg: $(dmesg | grep type=1326 | head -c 200)"
fi

# Each thread of a running VM has its filter and no new privileges.
vm_start --kernel /guest/stress_guest.img --cpus 2 --mem 64M --testdev --rng \
  --control "$PWD/ctl.sock"
wait_for 'STRESS-GUEST READY' 60
filtered=0 threads=0
for t in /proc/$VM_PID/task/*; do
  threads=$((threads + 1))
  grep -q '^Seccomp:[[:space:]]*2' $t/status && grep -q '^NoNewPrivs:[[:space:]]*1' $t/status &&
    filtered=$((filtered + 1))
done
if [ $threads -ge 4 ] && [ $filtered -eq $threads ]; then
  pass seccomp-every-thread "$filtered of $threads threads filtered (main, virtio-io, 2 vCPUs)"
else
  fail seccomp-every-thread "$filtered of $threads threads filtered"
fi
/a64vm ctl "$PWD/ctl.sock" quit >/dev/null
vm_wait 30 >/dev/null

# Root hands over: --chroot into an empty directory, --user tester.
# Inside the jail, a file where the control socket's path leads once rooted
# there: a64vm must remove its own socket at exit (from a directory tester
# may write), and leave that file.
mkdir -p jail "jail$PWD/run" run
chown tester run
echo decoy >"jail$PWD/run/ctl.sock"
dd if=/dev/zero of=disk.img bs=1M count=4 2>/dev/null
echo confine-disk-ok | dd of=disk.img conv=notrunc 2>/dev/null
vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --disk disk.img \
  --chroot "$PWD/jail" --user tester --control "$PWD/run/ctl.sock" \
  --append "console=ttyAMA0 quiet a64vm.test=confine"
if wait_for "A64VM-GUEST-INIT" 150; then
  st_line=$(grep -E '^(Uid|CapEff|CapPrm):' /proc/$VM_PID/status | tr -s '\t ' ' ' | tr '\n' ';')
  root=$(readlink /proc/$VM_PID/root)
  if echo "$st_line" | grep -q 'Uid: 1000 1000 1000 1000;CapPrm: 0000000000000000;CapEff: 0000000000000000;' &&
     [ "$root" = "$PWD/jail" ]; then
    pass confine-user-chroot "$st_line root $root"
  else
    fail confine-user-chroot "$st_line root $root"
  fi
  ram=$(awk '/^Size:/ { sz = $2 } /^VmFlags:/ { if (sz == 262144) print }' /proc/$VM_PID/smaps)
  echo "$ram" | grep -qw dd && pass guest-ram-not-dumped "VmFlags:${ram#*VmFlags:}" ||
    fail guest-ram-not-dumped "RAM mapping flags: $ram"
  type_line 'head -c 15 /dev/vda | sed s/^/DISK=/; echo'
  wait_for '^DISK=confine-disk-ok' 30 && pass confine-guest-disk ||
    fail confine-guest-disk "the guest could not read its disk"
  type_line 'reboot -f'
  if wait_for A64VM-GUEST-INIT 150 2; then
    pass confine-reboot "the kernel and initrd read again after chroot and setuid"
  else
    fail confine-reboot "no second boot"; show_logs
  fi
  type_line 'poweroff -f'
  vm_wait 60; st=$?
  [ $st -eq 0 ] && pass confine-poweroff || fail confine-poweroff "exit $st"
  if [ ! -e run/ctl.sock ] && grep -q decoy "jail$PWD/run/ctl.sock"; then
    pass confine-socket-removed "its own socket removed, the jail's file of that name kept"
  else
    fail confine-socket-removed "socket left: $(ls -l run/ctl.sock 2>&1); jail's file: $(cat "jail$PWD/run/ctl.sock" 2>&1)"
  fi
else
  fail confine-user-chroot "no guest init"; show_logs; vm_wait 1
fi

# Not root at all: a member of the kvm group.
kvm_mode=$(stat -c %a /dev/kvm)
chgrp kvm /dev/kvm && chmod 660 /dev/kvm
mkdir -p user && chown tester user
dd if=/dev/zero of=user/disk.img bs=1M count=1 2>/dev/null
head -c 1048576 /dev/zero >user/vars.img
chown tester user/disk.img user/vars.img
su -s /bin/sh tester -c "/a64vm run --kernel /guest/boot_guest.img --mem 64M \
  --disk $PWD/user/disk.img --rng --control $PWD/user/ctl.sock --flash1 $PWD/user/vars.img \
  --gdb unix:$PWD/user/gdb.sock" </dev/null >user.out 2>user.err
st=$?
if [ $st -eq 0 ] && grep -q BOOT-GUEST user.out; then
  pass unprivileged-run "as tester (kvm group): exit 0 with a disk, rng, flash and sockets"
else
  fail unprivileged-run "exit $st: $(head -c 300 user.err)"
fi
su -s /bin/sh tester -c "/a64vm run --kernel /guest/boot_guest.img --mem 64M \
  --net tap=a64confine0" </dev/null >tap.out 2>tap.err
st=$?
if [ $st -eq 1 ] && [ "$(wc -l <tap.err)" -eq 1 ] && grep -q 'tap' tap.err; then
  pass unprivileged-tap-refused "exit 1: $(cat tap.err)"
else
  fail unprivileged-tap-refused "exit $st: $(head -c 300 tap.err)"
fi
chgrp 0 /dev/kvm && chmod "$kvm_mode" /dev/kvm

# A thread that cannot start once vCPU 0 has (RLIMIT_NPROC as tester): the
# threads that did start must not run the guest; a64vm exits 1 at once with
# one line, instead of running vCPU 0 for ever.
( ulimit -u 2; exec /a64vm run --kernel /guest/stress_guest.img --cpus 4 --mem 64M \
  --user tester ) </dev/null >nproc.out 2>nproc.err &
VM_PID=$!
vm_wait 30; st=$?
if [ $st -eq 1 ] && [ "$(wc -l <nproc.err)" -eq 1 ] &&
   grep -q "cannot start vCPU [1-3]'s thread" nproc.err && ! grep -q 'STRESS-GUEST' nproc.out; then
  pass start-failure-exits "exit 1: $(cat nproc.err)"
else
  fail start-failure-exits "exit $st (124: hung, killed): $(head -c 300 nproc.err)"
fi
