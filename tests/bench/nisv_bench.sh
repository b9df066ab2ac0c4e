# An ordinary MMIO exit against a NISV-emulated access, same guest, same run.
timeout 600 /a64vm run --kernel /guest/bench_guest.img --testdev --mem 64M \
  </dev/null 2>err.log | tr -d '\r' | grep '^BENCH' | sed 's/^/E2E-BENCH nisv /'
grep -v "could not decode" err.log | head -5
