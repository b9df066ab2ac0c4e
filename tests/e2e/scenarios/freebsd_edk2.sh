# limit: 300
# FreeBSD as it installs itself on arm64: Debian's EDK2 in flash, a GPT
# disk whose EFI system partition holds FreeBSD's loader.efi, its Lua
# scripts, the kernel ELF and a loader.conf (tools/testhost builds it),
# and the UFS2 root on a second disk. The loader autoboots; init's
# marker, power-off, exit 0; FreeBSD takes its clock from EFI.
fb_missing freebsd-edk2 && return
cp $FB/root.img root.img
cp /guest/fw/AAVMF_VARS.fd vars.fd
vm_start --flash0 /guest/fw/AAVMF_CODE.fd,ro --flash1 vars.fd --disk $FB/esp.img,ro \
  --disk root.img --cpus 2 --mem 512M
if wait_for 'FREEBSD' 240; then
  took=$(elapsed "$VM_T0")
else
  took=
fi
vm_wait 60; st=$?
tr -d '\r' <out.log >fbe.log
cpus=$(fb_cpus fbe.log)
note "freebsd-edk2 seconds-to-init=${took:-none} nisv: $(fb_nisv)"
banner=$(grep -a -m1 -o 'FreeBSD/arm64 EFI loader, Revision [0-9.]*' fbe.log)
if [ -n "$banner" ] && grep -aq 'Loading kernel' fbe.log && fb_has_marker fbe.log &&
   [ "$cpus" = 2 ] && [ $st -eq 0 ]; then
  pass freebsd-edk2 "$banner autobooted; init ${took} s after start, $cpus CPUs, exit 0"
else
  fail freebsd-edk2 "loader '${banner:-none}', init ${took:-never}, CPUs $cpus, exit $st"
  tail -n 25 fbe.log | sed "s/^/  | /"
fi
line=$(grep -a -m1 'efirtc0: registered as a time-of-day clock' fbe.log)
[ -n "$line" ] && pass freebsd-edk2-clock "$line" ||
  fail freebsd-edk2-clock "$(grep -a -E 'efirtc|time-of-day' fbe.log | head -n 2 | tr '\n' ' ')"
