# a64vm's own virtio-blk on a raw image against qemu-storage-daemon's
# vhost-user-blk: on the same raw image (a daemon the bench starts, --disk
# vhost-user=SOCKET) and on a qcow2 image (a64vm starts the daemon);
# blkbench in a 2-vCPU guest (sequential 64 MiB, 4 KiB random reads and
# writes at queue depth 1 and 32, direct I/O), 80 MiB in tmpfs, two
# queues each; five rounds, alternating.
. /e2e/lib.sh
RAW=/tmp/bench-disk.img QCOW=/tmp/bench-disk.qcow2 SOCK=/tmp/bench-blk.sock
export PEER_A64VM_QSDRAW_ARGS="--disk vhost-user=$SOCK" PEER_A64VM_QCOW2_ARGS="--disk $QCOW"
vmms="a64vm a64vm-qsdraw a64vm-qcow2"
for round in 1 2 3 4 5; do
  for vmm in $(rotate $round $vmms); do
    dd if=/dev/zero of=$RAW bs=1M count=80 2>/dev/null
    cp /guest/qcow2/empty80m.qcow2 $QCOW
    DISK= qsd=
    case $vmm in
    a64vm) DISK=$RAW ;;
    a64vm-qsdraw)
      rm -f $SOCK
      /usr/bin/qemu-storage-daemon --blockdev driver=file,node-name=f,filename=$RAW \
        --blockdev driver=raw,node-name=d,file=f --export type=vhost-user-blk,id=e,node-name=d,addr.type=unix,addr.path=$SOCK,writable=on,num-queues=2 &
      qsd=$!
      for _ in $(seq 100); do [ -S $SOCK ] && break; sleep 0.1; done ;;
    esac
    peer_start $vmm 2 a64vm.test=blkbench
    wait_for "random-write-4k-qd32 .* a request)" 300 || echo "E2E-BENCH vhost-blk $vmm: blkbench did not finish"
    tr -d '\r' <out.log | sed -n "s/^BENCH virtio-blk /E2E-BENCH vhost-blk $vmm round $round: /p"
    tr -d '\r' <out.log | sed -n 's/^BENCH virtio-blk //p' | while read -r test val rest; do
      echo "$val" >>"blk.$vmm.$test.txt"
    done
    peer_stop
    [ -z "$qsd" ] || { kill $qsd; wait $qsd 2>/dev/null; }
  done
done
rm -f $RAW $QCOW $SOCK
for vmm in $vmms; do
  for f in blk.$vmm.*.txt; do
    test=${f#blk.$vmm.}; test=${test%.txt}
    echo "E2E-BENCH vhost-blk median $vmm $test: $(median <"$f") (of $(grep -c . "$f"))"
  done
done
