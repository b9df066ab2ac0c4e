# GDB commands for a64vm's stub: `source tools/a64vm.gdb` after
# `target remote`. GDB's remote protocol has no way for a stub to say,
# outside a stop, that the registers changed: after a rewind or a restore
# GDB must be told to forget the ones it cached, which these do.
define vm-checkpoint
  monitor checkpoint $arg0
end
document vm-checkpoint
Keep the VM's state in a64vm's memory as NAME: vm-checkpoint NAME.
end

define vm-rewind
  monitor rewind $arg0
  maintenance flush register-cache
  maintenance flush dcache
  frame
end
document vm-rewind
Take the VM back to checkpoint NAME, and re-read its registers: vm-rewind NAME.
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
