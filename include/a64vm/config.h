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

#define CONFIG_DISK_PATH_MAX 4096 /* a file's path: a disk, a flash bank */

/* Which transport a virtio device sits on: --virtio-transport, ,transport= */
enum config_transport {
	CONFIG_TRANSPORT_DEFAULT, /* --virtio-transport's, else virtio-pci */
	CONFIG_TRANSPORT_MMIO,
	CONFIG_TRANSPORT_PCI,
};

/*
 * A use of an option a device kind owns (--disk, --net, --fs, --rng):
 * kept as given, once its kind's own parser took it; the kind opens its
 * devices from these.
 */
struct config_use {
	const char *option; /* its name, without "--" */
	const char *value;  /* NULL for a flag */
};
#define CONFIG_MAX_USES 32

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
	struct config_use uses[CONFIG_MAX_USES]; /* the device kinds' options */
	unsigned nuses;
	bool console_virtio; /* --console virtio: input goes to hvc0 */
	enum config_transport virtio_transport; /* --virtio-transport */
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
	const char *restore; /* --restore DIR: the VM is the snapshot's */
	bool restore_force; /* ... even with a disk changed since */
	/* The options as given (argv[2..]): a snapshot keeps them. */
	int argc;
	char *const *argv;
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

/* A device's transport: its own choice, else the machine's (never DEFAULT). */
enum config_transport config_transport_of(const struct config *cfg,
					  enum config_transport own);

/*
 * The items of a device option's value ("PATH,ro,transport=pci"), for the
 * kinds' parsers: "transport=mmio|pci" and "mac=52:54:00:12:34:56" (a
 * unicast MAC), len bytes at item; true when it is one.
 */
bool config_parse_transport(const char *item, size_t len, enum config_transport *out);
bool config_parse_mac(const char *item, size_t len, uint8_t mac[6]);
/*
 * The next comma-separated item of a value, from *cursor (the value at
 * first): true with it in *item and *len, false past the last.
 */
bool config_next_item(const char **cursor, const char **item, size_t *len);
/* The transport= item of a device option's value (NULL: none), or DEFAULT. */
enum config_transport config_value_transport(const char *value);

/*
 * Records a use of the option name (value NULL for a flag) when fewer than
 * max are there; else -EINVAL with "--NAME: at most MAX WHAT" in err.
 */
int config_use(struct config *cfg, const char *name, const char *value, unsigned max,
	       const char *what, char *err, size_t errlen);
/* How many uses of name there are; the value of the i-th, or of the last. */
unsigned config_uses(const struct config *cfg, const char *name);
const char *config_use_value(const struct config *cfg, const char *name, unsigned i);

void config_usage(FILE *f);

/* A run option: the table config_parse and config_usage both read. */
struct config_option {
	const char *name;  /* without "--" */
	const char *value; /* as --help shows it (" FILE", "=MODE"); NULL: a flag */
	const char *help;  /* lines joined by '\n'; "": the next one's; NULL: unlisted */
	int (*apply)(struct config *cfg, const char *val, char *err, size_t errlen);
};
const struct config_option *config_options(size_t *n);

/*
 * The device kinds' options (each table ends with a NULL name), parsed and
 * listed after the machine's own: main registers them before config_parse.
 */
#define CONFIG_MAX_OPTION_TABLES 16
void config_add_options(const struct config_option *table);
/* The i-th registered option, or NULL past the last. */
const struct config_option *config_added_option(size_t i);

#endif
