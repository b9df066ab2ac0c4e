# An ordinary MMIO exit against a NISV-emulated access, same guest, same run,
# five runs with SVE on and five with it off (V is read through Z with SVE);
# a64vm's exit line gives the register system calls per access.
for sve in sve no-sve; do
  for run in 1 2 3 4 5; do
    timeout 600 /a64vm run --kernel /guest/bench_guest.img --testdev --mem 64M \
      --cpu-features $sve </dev/null 2>err.log | tr -d '\r' | grep '^BENCH' |
      sed "s/^/E2E-BENCH nisv $sve run $run: /"
    sed -n "s/.*could not decode: /E2E-BENCH nisv $sve register calls: /p" err.log
    grep -v "could not decode" err.log | head -5
  done
done
