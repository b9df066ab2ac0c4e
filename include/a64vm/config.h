/* The command line: parsed into a struct config, no side effects. */
#ifndef A64VM_CONFIG_H
#define A64VM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "a64vm/memmap.h"
#include "a64vm/seccomp.h"

#define CONFIG_DEFAULT_MEM (512ull << 20)
#define CONFIG_MIN_MEM (16ull << 20)
#define CONFIG_MAX_MEM MEMMAP_RAM_MAX
#define CONFIG_MAX_CPUS 4096

enum config_action { CONFIG_RUN, CONFIG_HELP, CONFIG_VERSION };

/* What to do with a load or store KVM cannot decode (KVM_EXIT_ARM_NISV). */
enum config_nisv {
	CONFIG_NISV_EMULATE, /* emulate; an external abort when it cannot */
	CONFIG_NISV_ABORT,   /* always an external abort, as QEMU does */
	CONFIG_NISV_STOP,    /* stop the VM on the instruction, dump registers */
};

/* --gdb tcp:[HOST:]PORT or unix:PATH. */
struct config_gdb {
	bool enabled;
	bool wait; /* --gdb-wait: hold the guest until GDB continues */
	const char *unix_path;
	char host[16]; /* a numeric IPv4 address; 127.0.0.1 by default */
	uint16_t port;
};

#define CONFIG_MAX_DISKS 8
#define CONFIG_DISK_PATH_MAX 4096
#define CONFIG_DISK_MAX_QUEUES 4 /* virtio-blk request queues */

/* Which transport a virtio device sits on: --virtio-transport, ,transport= */
enum config_transport {
	CONFIG_TRANSPORT_DEFAULT, /* --virtio-transport's, else virtio-pci */
	CONFIG_TRANSPORT_MMIO,
	CONFIG_TRANSPORT_PCI,
};

/* --disk PATH[,ro][,serial=ID][,transport=mmio|pci] */
/* How a disk's reads, writes and flushes are made. */
enum config_aio {
	CONFIG_AIO_AUTO,     /* io_uring, or synchronous where the host has none */
	CONFIG_AIO_IO_URING, /* io_uring, or an error */
	CONFIG_AIO_SYNC,     /* one at a time, on the I/O thread */
};

struct config_disk {
	char path[CONFIG_DISK_PATH_MAX];
	bool read_only;
	char serial[21]; /* virtio-blk's 20 bytes, NUL-terminated here */
	enum config_transport transport;
	unsigned queues; /* request queues; 0: one per vCPU, up to 4 */
	enum config_aio aio;
};

/* --net tap=NAME[,mac=MAC][,transport=mmio|pci] */
struct config_net {
	bool enabled;
	char tap[16]; /* IFNAMSIZ */
	uint8_t mac[6];
	enum config_transport transport;
};

#define CONFIG_MAX_FS 4
#define CONFIG_FS_TAG_MAX 36 /* virtio-fs's tag field, not NUL-terminated there */

/*
 * --fs PATH,tag=TAG[,ro][,transport=T]: a64vm starts the daemon on PATH;
 * --fs socket=SOCK,tag=TAG[,transport=T]: the user's daemon on SOCK.
 */
struct config_fs {
	char path[CONFIG_DISK_PATH_MAX]; /* the shared directory, or the socket */
	bool socket;			 /* path is a daemon's socket */
	char tag[CONFIG_FS_TAG_MAX + 1];
	bool read_only;
	enum config_transport transport;
};

/* A CPU feature's wish: the default is what the host offers. */
enum config_feature {
	CONFIG_FEATURE_DEFAULT,
	CONFIG_FEATURE_ON,  /* named: an error when the host lacks it */
	CONFIG_FEATURE_OFF, /* no-NAME */
};

/* --cpu-features [no-]pmu,[no-]sve,[no-]ptrauth,[no-]mte */
struct config_cpu {
	enum config_feature pmu, sve, ptrauth, mte;
};

/* --flash0 FILE[,ro], --flash1 FILE[,ro]: a flash bank backed by a file. */
struct config_flash {
	const char *path; /* NULL: none given */
	bool read_only;
};

struct config {
	enum config_action action;
	const char *kernel;
	const char *initrd;
	const char *append;
	const char *dtb;
	const char *dump_dtb;
	unsigned cpus;
	uint64_t mem_size;
	bool no_reboot;
	enum config_nisv nisv;
	bool testdev;
	const char *control;	   /* control socket path */
	unsigned shutdown_timeout; /* seconds SIGTERM waits for a guest poweroff */
	struct config_gdb gdb;
	struct config_disk disks[CONFIG_MAX_DISKS];
	unsigned ndisks;
	bool rng; /* --rng: virtio-rng */
	bool console_virtio; /* --console virtio: input goes to hvc0 */
	struct config_net net;
	enum config_transport virtio_transport; /* --virtio-transport */
	struct config_fs fs[CONFIG_MAX_FS];
	unsigned nfs;
	const char *fs_daemon; /* --fs-daemon PATH: the virtiofsd to start */
	struct config_cpu cpu;
	bool verbose; /* --verbose: debug-level log lines too */
	enum seccomp_mode seccomp;	/* --seccomp=kill|log|off */
	int seccomp_selftest;		/* a thread kind that breaks its filter, or -1 */
	const char *user;		/* --user USER[:GROUP]: run as them */
	const char *chroot_dir;		/* --chroot DIR */
	const char *hugepages;		/* --hugepages DIR: a hugetlbfs mount */
	const char *firmware; /* --firmware (--bios): a raw image in flash 0 */
	struct config_flash flash[2];
	char flash_paths[2][CONFIG_DISK_PATH_MAX];
};

/* Whether the VM starts firmware from flash 0 (--firmware or --flash0). */
static inline bool config_firmware_boot(const struct config *cfg)
{
	return cfg->firmware || cfg->flash[0].path;
}

/* "[no-]pmu,[no-]sve,..." -> out (updated item by item); 0 or -EINVAL. */
int config_parse_cpu(const char *s, struct config_cpu *out);

/* "PATH[,ro]" -> out (path into buf of size CONFIG_DISK_PATH_MAX); 0 or -EINVAL. */
int config_parse_flash(const char *s, struct config_flash *out, char *buf);

#define CONFIG_DEFAULT_SHUTDOWN_TIMEOUT 30

/*
 * Parses argv (argv[0] is the program). Returns 0, or -EINVAL with a
 * one-line explanation in err.
 */
int config_parse(int argc, char *const argv[], struct config *cfg, char *err,
		 size_t errlen);

/* "512M", "2G", "1048576K", "64" (MiB, as QEMU's -m) -> bytes. */
int config_parse_size(const char *s, uint64_t *bytes);

/* "tcp:[HOST:]PORT" or "unix:PATH" -> out; 0 or -EINVAL. */
int config_parse_gdb(const char *s, struct config_gdb *out);

/* "PATH[,ro][,serial=ID]" -> out; 0 or -EINVAL. */
int config_parse_disk(const char *s, struct config_disk *out);

/* "PATH,tag=TAG[,ro][,transport=T]" or "socket=PATH,tag=TAG[,transport=T]". */
int config_parse_fs(const char *s, struct config_fs *out);

/* A device's transport: its own choice, else the machine's (never DEFAULT). */
enum config_transport config_transport_of(const struct config *cfg,
					  enum config_transport own);

/* "tap=NAME[,mac=MAC]" -> out; 0 or -EINVAL. */
int config_parse_net(const char *s, struct config_net *out);

void config_usage(FILE *f);

/* A run option: the table config_parse and config_usage both read. */
struct config_option {
	const char *name;  /* without "--" */
	const char *value; /* as --help shows it (" FILE", "=MODE"); NULL: a flag */
	const char *help;  /* lines joined by '\n'; "": the next one's; NULL: unlisted */
	int (*apply)(struct config *cfg, const char *val, char *err, size_t errlen);
};
const struct config_option *config_options(size_t *n);

#endif
