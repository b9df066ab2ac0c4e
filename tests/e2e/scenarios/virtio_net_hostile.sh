# limit: 240
# virtio-net on hostile stream peers (--net stream=PATH): one that sends a
# length no frame has, one that never reads while the guest pings for 8 s.
# Each ends the link with one line; the guest keeps answering and powers
# off. Then --net user with --user nobody --chroot: passt, started before
# root is dropped, carries a forward to the guest. No passt, and a stream
# socket that is not there: one line, exit 1.
for mode in badlen deaf; do
  rm -f peer.sock
  stream-peer $mode "$PWD/peer.sock" 2>peer.err &
  peer=$!
  for _ in $(seq 50); do [ -S peer.sock ] && break; sleep 0.1; done
  vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M \
    --net "stream=$PWD/peer.sock" --append "console=ttyAMA0 quiet a64vm.test=pingflood"
  case $mode in
    badlen) why="sent a frame length of 4294967295" ;;
    deaf) why="has taken nothing for 5 s" ;;
  esac
  if wait_err "stream=.*$why: the link is down" 60 && wait_for "^PINGFLOOD-SENT" 60; then
    type_line 'echo ALIVE-$((6*7))'
    wait_for "^ALIVE-42" 30 && pass net-stream-$mode "$(grep 'link is down' err.log)" ||
      fail net-stream-$mode "the guest stopped answering"
  else
    fail net-stream-$mode "not said: $(tail -3 err.log | tr '\n' ' ')"; show_logs
  fi
  type_line 'poweroff -f'
  vm_wait 30; st=$?
  [ $st -eq 0 ] && [ "$(grep -c 'link is down' err.log)" = 1 ] &&
    pass net-stream-$mode-poweroff "exit 0, one line" ||
    fail net-stream-$mode-poweroff "status $st, $(grep -c 'link is down' err.log) lines"
  kill $peer; wait $peer 2>/dev/null
done

if [ -x /usr/bin/passt ]; then
  mkdir -p /etc && grep -q '^nobody:' /etc/passwd 2>/dev/null ||
    echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
  # What the guest's init fetches and sends first (Debian 12's passt lets a
  # connection to a closed port time out, after 130 s, rather than reset it).
  mkdir -p jail www && echo small >www/host.bin
  httpd -p 127.0.0.1:8080 -h www
  net-probe tcp-recv 9000 >/dev/null &
  net-probe udp-serve 7000 2>/dev/null &
  vm_start --kernel $GUEST_KERNEL --initrd $GUEST_INITRD --mem 256M --user nobody \
    --chroot "$PWD/jail" \
    --net user,hostfwd=tcp::2225-:8080 --append "console=ttyAMA0 quiet a64vm.test=usernet"
  if wait_for "^USERNET-READY" 200; then
    want=$(tr -d '\r' <out.log | sed -n 's/^USERNET-SERVE //p')
    wget -q -O user.bin http://127.0.0.1:2225/guest.bin
    [ "$(sha256sum <user.bin | cut -d' ' -f1)" = "$want" ] &&
      pass net-user-after-dropping-root "16 MiB through the forward, a64vm as nobody" ||
      fail net-user-after-dropping-root "got $(wc -c <user.bin) bytes"
  else
    fail net-user-after-dropping-root "the guest did not get through"; show_logs
  fi
  type_line 'poweroff -f'
  vm_wait 30
  killall httpd net-probe 2>/dev/null
else
  skip net-user-after-dropping-root "the test host has no /usr/bin/passt"
fi

# No passt: one line, exit 1 (as with no virtiofsd).
if [ -x /usr/bin/passt ]; then
  mv /usr/bin/passt /usr/bin/passt.away
  /a64vm run --kernel $GUEST_KERNEL --mem 64M --net user </dev/null >/dev/null 2>nopasst.err
  st=$?
  mv /usr/bin/passt.away /usr/bin/passt
  [ $st -eq 1 ] && [ "$(grep -c . nopasst.err)" = 1 ] &&
    grep -q "no passt: install Debian's passt package" nopasst.err &&
    pass net-user-no-passt "$(cat nopasst.err)" || fail net-user-no-passt "status $st: $(cat nopasst.err)"
fi
# A --net stream=PATH with nothing there: one line, exit 1.
/a64vm run --kernel $GUEST_KERNEL --mem 64M --net stream=$PWD/none.sock </dev/null >/dev/null 2>nostream.err
st=$?
[ $st -eq 1 ] && [ "$(grep -c . nostream.err)" = 1 ] && grep -q "No such file" nostream.err &&
  pass net-stream-nothing-there "$(cat nostream.err)" || fail net-stream-nothing-there "status $st: $(cat nostream.err)"
