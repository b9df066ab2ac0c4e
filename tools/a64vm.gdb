# GDB commands for a64vm's stub: `source tools/a64vm.gdb` after
# `target remote`. GDB's remote protocol has no way for a stub to say,
# outside a stop, that the registers changed: vm-rewind goes back through
# reverse-continue, which ends in a stop GDB reads again; after a restore
# GDB is told to forget what it cached.
define vm-checkpoint
  monitor checkpoint $arg0
end
document vm-checkpoint
Keep the VM's state in a64vm's memory as NAME: vm-checkpoint NAME.
end

define vm-rewind
  monitor bookmark $arg0
  reverse-continue
end
document vm-rewind
Take the VM back to checkpoint NAME with a stop GDB reads again: vm-rewind NAME.
Later reverse-continues go back to NAME too.
end

define vm-snapshot
  monitor snapshot $arg0
end
document vm-snapshot
Save the VM to a directory (an absolute path): vm-snapshot DIR.
end

define vm-restore
  monitor restore $arg0
  maintenance flush register-cache
  maintenance flush dcache
  frame
end
document vm-restore
Take the VM back to the snapshot in DIR, and re-read its registers: vm-restore DIR.
end
