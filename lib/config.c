#include "a64vm/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/errmsg.h"

int config_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned shift = 20;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	if (*end == 'i' || *end == 'B' || *end == 'b')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}

static int parse_cpus(const char *s, unsigned *cpus)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > CONFIG_MAX_CPUS)
		return -EINVAL;
	*cpus = (unsigned)v;
	return 0;
}

bool config_parse_transport(const char *opt, size_t len, enum config_transport *out)
{
	if (len == 14 && !strncmp(opt, "transport=mmio", 14))
		*out = CONFIG_TRANSPORT_MMIO;
	else if (len == 13 && !strncmp(opt, "transport=pci", 13))
		*out = CONFIG_TRANSPORT_PCI;
	else
		return false;
	return true;
}

bool config_parse_mac(const char *opt, size_t len, uint8_t mac[6])
{
	unsigned m[6];
	char buf[18];

	if (len != 21 || strncmp(opt, "mac=", 4))
		return false;
	memcpy(buf, opt + 4, 17);
	buf[17] = '\0';
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6 || (m[0] & 1))
		return false;
	for (unsigned i = 0; i < 17; i++)
		if (i % 3 == 2 ? buf[i] != ':' : !isxdigit((unsigned char)buf[i]))
			return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return true;
}

bool config_next_item(const char **cursor, const char **item, size_t *len)
{
	if (!*cursor)
		return false;
	*item = *cursor;
	*len = strcspn(*cursor, ",");
	*cursor = (*cursor)[*len] ? *cursor + *len + 1 : NULL;
	return true;
}

enum config_transport config_value_transport(const char *value)
{
	enum config_transport t = CONFIG_TRANSPORT_DEFAULT;
	const char *item;
	size_t len;

	while (config_next_item(&value, &item, &len))
		config_parse_transport(item, len, &t);
	return t;
}

int config_use(struct config *cfg, const char *name, const char *value, unsigned max,
	       const char *what, char *err, size_t errlen)
{
	if (config_uses(cfg, name) >= max || cfg->nuses == CONFIG_MAX_USES)
		return errmsg(err, errlen, "--%s: at most %u %s", name,
			      config_uses(cfg, name) >= max ? max : CONFIG_MAX_USES, what);
	cfg->uses[cfg->nuses++] = (struct config_use){ .option = name, .value = value };
	return 0;
}

unsigned config_uses(const struct config *cfg, const char *name)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cfg->nuses; i++)
		n += !strcmp(cfg->uses[i].option, name);
	return n;
}

const char *config_use_value(const struct config *cfg, const char *name, unsigned i)
{
	for (unsigned u = 0; u < cfg->nuses; u++)
		if (!strcmp(cfg->uses[u].option, name) && !i--)
			return cfg->uses[u].value;
	return NULL;
}

enum config_transport config_transport_of(const struct config *cfg,
					  enum config_transport own)
{
	if (own != CONFIG_TRANSPORT_DEFAULT)
		return own;
	/* virtio-pci unless asked: docs/pci.md says why */
	return cfg->virtio_transport != CONFIG_TRANSPORT_DEFAULT ? cfg->virtio_transport
								 : CONFIG_TRANSPORT_PCI;
}

int config_parse_cpu(const char *s, struct config_cpu *out)
{
	static const struct { const char *name; size_t field; } features[] = {
		{ "pmu", offsetof(struct config_cpu, pmu) },
		{ "sve", offsetof(struct config_cpu, sve) },
		{ "ptrauth", offsetof(struct config_cpu, ptrauth) },
		{ "mte", offsetof(struct config_cpu, mte) },
	};

	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		bool off = len > 3 && !strncmp(s, "no-", 3);
		size_t i;

		if (off) {
			s += 3;
			len -= 3;
		}
		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (strlen(features[i].name) == len && !strncmp(s, features[i].name, len))
				break;
		if (i == sizeof(features) / sizeof(features[0]))
			return -EINVAL;
		*(enum config_feature *)((char *)out + features[i].field) =
			off ? CONFIG_FEATURE_OFF : CONFIG_FEATURE_ON;
		s += len;
		if (comma && !*++s)
			return -EINVAL; /* a trailing comma */
	}
	return 0;
}

int config_parse_flash(const char *s, struct config_flash *out, char *buf)
{
	const char *comma = strchr(s, ',');
	size_t len = comma ? (size_t)(comma - s) : strlen(s);

	memset(out, 0, sizeof(*out));
	if (!len || len >= CONFIG_DISK_PATH_MAX || (comma && strcmp(comma, ",ro")))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	out->path = buf;
	out->read_only = comma != NULL;
	return 0;
}

int config_parse_gdb(const char *s, struct config_gdb *out)
{
	const char *port = s + 4, *colon;
	unsigned long v;
	char *end;

	memset(out, 0, sizeof(*out));
	if (!strncmp(s, "unix:", 5)) {
		if (!s[5] || strlen(s + 5) >= 108)
			return -EINVAL;
		out->unix_path = s + 5;
		out->enabled = true;
		return 0;
	}
	if (strncmp(s, "tcp:", 4))
		return -EINVAL;
	strcpy(out->host, "127.0.0.1");
	colon = strrchr(port, ':');
	if (colon) {
		size_t len = (size_t)(colon - port);
		unsigned a, b, c, d;
		char tail;

		if (!len || len >= sizeof(out->host))
			return -EINVAL;
		memcpy(out->host, port, len);
		out->host[len] = '\0';
		if (sscanf(out->host, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4 ||
		    a > 255 || b > 255 || c > 255 || d > 255)
			return -EINVAL;
		port = colon + 1;
	}
	if (*port < '0' || *port > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(port, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	out->port = (uint16_t)v;
	out->enabled = true;
	return 0;
}

/* What each option does to the configuration; 0 or an error (errmsg). */
typedef int (*apply_fn)(struct config *cfg, const char *val, char *err, size_t errlen);

#define SET_STRING(fn, field)                                                   \
	static int fn(struct config *cfg, const char *val, char *err, size_t errlen) \
	{                                                                       \
		(void)err, (void)errlen;                                        \
		cfg->field = val;                                               \
		return 0;                                                       \
	}
#define SET_FLAG(fn, field)                                                     \
	static int fn(struct config *cfg, const char *val, char *err, size_t errlen) \
	{                                                                       \
		(void)val, (void)err, (void)errlen;                             \
		cfg->field = true;                                              \
		return 0;                                                       \
	}
SET_STRING(set_kernel, kernel)
SET_STRING(set_initrd, initrd)
SET_STRING(set_append, append)
SET_STRING(set_dtb, dtb)
SET_STRING(set_dump_dtb, dump_dtb)
SET_STRING(set_control, control)
SET_STRING(set_restore, restore)
SET_STRING(set_user, user)
SET_STRING(set_chroot, chroot_dir)
SET_STRING(set_hugepages, hugepages)
SET_STRING(set_firmware, firmware)
SET_FLAG(set_no_reboot, no_reboot)
SET_FLAG(set_testdev, testdev)
SET_FLAG(set_gdb_wait, gdb.wait)
SET_FLAG(set_verbose, verbose)
SET_FLAG(set_restore_force, restore_force)

static int set_help(struct config *cfg, const char *val, char *err, size_t errlen)
{
	(void)val, (void)err, (void)errlen;
	cfg->action = CONFIG_HELP;
	return 0;
}

/*
 * val as one of names (NULL-terminated): its index in *index, or -EINVAL
 * with "OPT: 'val' is not a, b or c" in err.
 */
static int choose(const char *opt, const char *val, const char *const names[], int *index,
		  char *err, size_t errlen)
{
	char list[64] = "";
	size_t n = 0;

	for (int i = 0; names[i]; i++) {
		if (!strcmp(val, names[i])) {
			*index = i;
			return 0;
		}
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      !i ? "" : names[i + 1] ? ", " : " or ", names[i]);
		if (n >= sizeof(list))
			break;
	}
	return errmsg(err, errlen, "%s: '%s' is not %s", opt, val, list);
}

static int set_shutdown_timeout(struct config *cfg, const char *val, char *err,
				size_t errlen)
{
	char *end;
	unsigned long v = strtoul(val, &end, 10);

	if (*val < '0' || *val > '9' || *end || v > 3600)
		return errmsg(err, errlen, "--shutdown-timeout: '%s' is not 0..3600 seconds",
			      val);
	cfg->shutdown_timeout = (unsigned)v;
	return 0;
}

static int set_gdb(struct config *cfg, const char *val, char *err, size_t errlen)
{
	bool wait = cfg->gdb.wait;

	if (config_parse_gdb(val, &cfg->gdb))
		return errmsg(err, errlen, "--gdb: '%s' is not tcp:[HOST:]PORT or unix:PATH",
			      val);
	cfg->gdb.wait = wait;
	return 0;
}

static int set_seccomp(struct config *cfg, const char *val, char *err, size_t errlen)
{
	static const char *const modes[] = { "kill", "log", "off", NULL };
	static const enum seccomp_mode values[] = { SECCOMP_MODE_KILL, SECCOMP_MODE_LOG,
						     SECCOMP_MODE_OFF };
	int i, ret = choose("--seccomp", val, modes, &i, err, errlen);

	if (!ret)
		cfg->seccomp = values[i];
	return ret;
}

static int set_seccomp_selftest(struct config *cfg, const char *val, char *err,
				size_t errlen)
{
	static const char *const threads[] = { "main", "vcpu", "io", NULL };
	static const int values[] = { SECCOMP_MAIN, SECCOMP_VCPU, SECCOMP_IO };
	int i, ret = choose("--seccomp-selftest", val, threads, &i, err, errlen);

	if (!ret)
		cfg->seccomp_selftest = values[i];
	return ret;
}

static int set_cpu_features(struct config *cfg, const char *val, char *err, size_t errlen)
{
	if (!*val || config_parse_cpu(val, &cfg->cpu))
		return errmsg(err, errlen, "--cpu-features: '%s' is not a list of "
			      "[no-]pmu, [no-]sve, [no-]ptrauth, [no-]mte", val);
	return 0;
}

static int set_flash(struct config *cfg, unsigned bank, const char *val, char *err,
		     size_t errlen)
{
	if (config_parse_flash(val, &cfg->flash[bank], cfg->flash_paths[bank]))
		return errmsg(err, errlen, "--flash%u: '%s' is not FILE[,ro]", bank, val);
	return 0;
}

static int set_flash0(struct config *cfg, const char *val, char *err, size_t errlen)
{
	return set_flash(cfg, 0, val, err, errlen);
}

static int set_flash1(struct config *cfg, const char *val, char *err, size_t errlen)
{
	return set_flash(cfg, 1, val, err, errlen);
}

static int set_console(struct config *cfg, const char *val, char *err, size_t errlen)
{
	static const char *const sinks[] = { "pl011", "virtio", NULL };
	int i, ret = choose("--console", val, sinks, &i, err, errlen);

	if (!ret)
		cfg->console_virtio = i == 1;
	return ret;
}

static int set_virtio_transport(struct config *cfg, const char *val, char *err,
				size_t errlen)
{
	static const char *const names[] = { "mmio", "pci", NULL };
	int i, ret = choose("--virtio-transport", val, names, &i, err, errlen);

	if (!ret)
		cfg->virtio_transport = i ? CONFIG_TRANSPORT_PCI : CONFIG_TRANSPORT_MMIO;
	return ret;
}

static int set_nisv(struct config *cfg, const char *val, char *err, size_t errlen)
{
	static const char *const modes[] = { "emulate", "abort", "stop", NULL };
	static const enum config_nisv values[] = { CONFIG_NISV_EMULATE, CONFIG_NISV_ABORT,
						    CONFIG_NISV_STOP };
	int i, ret = choose("--nisv", val, modes, &i, err, errlen);

	if (!ret)
		cfg->nisv = values[i];
	return ret;
}

static int set_cpus(struct config *cfg, const char *val, char *err, size_t errlen)
{
	if (parse_cpus(val, &cfg->cpus))
		return errmsg(err, errlen, "--cpus: '%s' is not a number from 1 to %d", val,
			      CONFIG_MAX_CPUS);
	return 0;
}

static int set_mem(struct config *cfg, const char *val, char *err, size_t errlen)
{
	if (config_parse_size(val, &cfg->mem_size))
		return errmsg(err, errlen, "--mem: '%s' is not a size (e.g. 512M, 2G)", val);
	if (cfg->mem_size < CONFIG_MIN_MEM || cfg->mem_size > CONFIG_MAX_MEM)
		return errmsg(err, errlen, "--mem: %s is outside 16M..1023G", val);
	if (cfg->mem_size & 0xfff)
		return errmsg(err, errlen, "--mem: %s is not a whole number of 4 KiB pages",
			      val);
	return 0;
}

/*
 * Every run option, in --help's order: its name; its value as --help shows
 * it (" FILE", "=MODE"; NULL: it takes none); its help, lines joined by
 * '\n' ("": the next option's help covers it too; NULL: not listed); and
 * what it does. The parser, --help and the man page's test read this.
 */
static const struct config_option run_options[] = {
	{ "kernel", " FILE", "arm64 Linux Image (or Image.gz), an ELF file, or a\n"
	  "raw binary (loaded at RAM + 0x80000) to boot; with\n"
	  "firmware it goes to the firmware through fw_cfg", set_kernel },
	{ "initrd", " FILE", "initial ramdisk", set_initrd },
	{ "append", " \"ARGS\"", "kernel command line", set_append },
	{ "cpus", " N", "number of vCPUs (default 1)", set_cpus },
	{ "cpu-features", " [no-]pmu,[no-]sve,[no-]ptrauth,[no-]mte",
	  "on by default: each of PMUv3, SVE (the host's largest\n"
	  "vector length), pointer authentication and MTE that\n"
	  "the host's KVM offers; no-NAME turns one off, NAME\n"
	  "makes its absence an error", set_cpu_features },
	{ "mem", " SIZE", "guest RAM, e.g. 512M or 2G; a plain number is MiB\n"
	  "(default 512M)", set_mem },
	{ "hugepages", " DIR", "back guest RAM with huge pages from the hugetlbfs\n"
	  "mounted at DIR (default: anonymous memory with\n"
	  "transparent huge pages)", set_hugepages },
	{ "firmware", " FILE", "(or --bios) a raw firmware image in flash 0, read-only;\n"
	  "the vCPUs start at its first byte", set_firmware },
	{ "bios", " FILE", NULL, set_firmware },
	{ "flash0", " FILE[,ro]", "", set_flash0 },
	{ "flash1", " FILE[,ro]", "a 64 MiB CFI flash bank backed by FILE (flash 0 is the\n"
	  "firmware, flash 1 its variables); writes reach FILE", set_flash1 },
	{ "dtb", " FILE", "boot with this device tree instead of a generated one", set_dtb },
	{ "dump-dtb", " FILE", "write the generated device tree to FILE and exit",
	  set_dump_dtb },
	{ "no-reboot", NULL, "exit when the guest reboots", set_no_reboot },
	{ "nisv", "=MODE", "loads/stores KVM cannot decode: emulate (default),\n"
	  "abort (external abort, as QEMU), or stop (halt on\n"
	  "the instruction and dump the registers)", set_nisv },
	{ "testdev", NULL, "add the test devices (tests, benchmarks): a64vm's\n"
	  "and QEMU's pci-testdev", set_testdev },
	{ "control", " PATH", "serve the control socket (JSON lines) at PATH", set_control },
	{ "restore", " DIR", "start the VM a snapshot holds (a64vm ctl PATH snapshot\n"
	  "DIR): its options, devices and files are the snapshot's;\n"
	  "--control, --gdb, --gdb-wait, --verbose, --seccomp and\n"
	  "--restore-force may be given anew (docs/snapshot.md)", set_restore },
	{ "restore-force", NULL, "with --restore: take a disk written or replaced since\n"
	  "the snapshot as it is", set_restore_force },
	{ "shutdown-timeout", " SECONDS", "after SIGTERM presses the power button, stop hard\n"
	  "when the guest has not powered off (default 30)", set_shutdown_timeout },
	{ "gdb", " tcp:[HOST:]PORT | unix:PATH", "serve GDB's remote protocol (HOST "
	  "127.0.0.1 unless\ngiven; 0.0.0.0 listens everywhere)", set_gdb },
	{ "gdb-wait", NULL, "hold the guest before its first instruction until\n"
	  "GDB continues it", set_gdb_wait },
	{ "virtio-transport", " mmio|pci", "the transport of every virtio device without\n"
	  "a transport= of its own: virtio-pci on the PCIe\n"
	  "host bridge (default) or virtio-mmio", set_virtio_transport },
	{ "verbose", NULL, "log at debug level too (what the host lacks, reboots)",
	  set_verbose },
	{ "seccomp", "=MODE", "each thread's system call filter: kill (default: a\n"
	  "forbidden call ends a64vm with SIGSYS), log (the\n"
	  "kernel logs it, the call goes on), off", set_seccomp },
	{ "seccomp-selftest", " THREAD", NULL, set_seccomp_selftest },
	{ "user", " USER[:GROUP]", "once everything is open, run as USER (a name or\n"
	  "number) with no capabilities", set_user },
	{ "chroot", " DIR", "once everything is open, change root to DIR", set_chroot },
	{ "console", " pl011|virtio", "where console input goes: the PL011 (default) or\n"
	  "virtio-console (the guest's hvc0)", set_console },
	{ "help", NULL, NULL, set_help },
};

const struct config_option *config_options(size_t *n)
{
	*n = sizeof(run_options) / sizeof(run_options[0]);
	return run_options;
}

/* The device kinds' tables, registered once at start (config_add_options). */
static const struct config_option *added[CONFIG_MAX_OPTION_TABLES];
static size_t nadded;

void config_add_options(const struct config_option *table)
{
	for (size_t i = 0; i < nadded; i++)
		if (added[i] == table)
			return;
	if (table && nadded < CONFIG_MAX_OPTION_TABLES)
		added[nadded++] = table;
}

const struct config_option *config_added_option(size_t i)
{
	for (size_t t = 0; t < nadded; t++)
		for (const struct config_option *o = added[t]; o->name; o++)
			if (!i--)
				return o;
	return NULL;
}

#define HELP_COLUMN 20 /* where an option's help starts */

/* "  --name VALUE" and its help, beside it when it fits, else below it. */
static void usage_option(FILE *f, const struct config_option *o)
{
	const char *line = o->help;
	int n = fprintf(f, "  --%s%s", o->name, o->value ? o->value : "");

	if (!*line || n >= HELP_COLUMN - 1) {
		fputc('\n', f);
		n = 0;
	}
	while (*line) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);

		fprintf(f, "%*s%.*s\n", HELP_COLUMN - n, "", len, line);
		n = 0;
		line += len + (nl != NULL);
	}
}

void config_usage(FILE *f)
{
	fputs("usage: a64vm run --kernel FILE [options]\n"
	      "       a64vm run --firmware FILE [--flash1 FILE] [options]\n"
	      "       a64vm run --restore DIR [--control PATH] [--gdb ADDRESS]\n"
	      "       a64vm ctl PATH status|pause|resume|powerdown|reset|quit\n"
	      "       a64vm ctl PATH read-phys addr=N len=N\n"
	      "       a64vm ctl PATH snapshot DIR [--paused]\n"
	      "       a64vm --help | --version\n"
	      "\n"
	      "run options:\n", f);
	for (size_t i = 0; i < sizeof(run_options) / sizeof(run_options[0]); i++)
		if (run_options[i].help)
			usage_option(f, &run_options[i]);
	for (size_t i = 0; config_added_option(i); i++)
		if (config_added_option(i)->help)
			usage_option(f, config_added_option(i));
	fputs("\n"
	      "Console: the guest's PL011 UART is on stdin/stdout; Ctrl-A x quits,\n"
	      "Ctrl-A a sends Ctrl-A.\n", f);
}

static const struct config_option *find_option(const char *name, size_t len)
{
	const struct config_option *o;

	for (size_t i = 0; i < sizeof(run_options) / sizeof(run_options[0]); i++)
		if (strlen(run_options[i].name) == len &&
		    !strncmp(run_options[i].name, name, len))
			return &run_options[i];
	for (size_t i = 0; (o = config_added_option(i)); i++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static int parse_run(int argc, char *const argv[], struct config *cfg,
		     char *err, size_t errlen)
{
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		const struct config_option *opt;
		size_t len;
		int ret;

		if (!strcmp(arg, "-h")) {
			cfg->action = CONFIG_HELP;
			continue;
		}
		if (strncmp(arg, "--", 2) || !arg[2])
			return errmsg(err, errlen, "unexpected argument '%s'", arg);
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		opt = find_option(name, len);
		if (!opt)
			return errmsg(err, errlen, "unknown option '--%.*s' (see a64vm --help)",
				    (int)len, name);
		if (opt->value) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return errmsg(err, errlen, "--%s needs a value", opt->name);
		} else if (eq) {
			return errmsg(err, errlen, "--%s takes no value", opt->name);
		}
		ret = opt->apply(cfg, val, err, errlen);
		if (ret)
			return ret;
	}
	if (cfg->action == CONFIG_RUN && !cfg->kernel && !config_firmware_boot(cfg) &&
	    !cfg->restore)
		return errmsg(err, errlen, "run: --kernel FILE is required (or --firmware FILE)");
	if (cfg->firmware && cfg->flash[0].path)
		return errmsg(err, errlen, "--firmware and --flash0 both give flash 0; "
			    "use one of them");
	if (cfg->gdb.wait && !cfg->gdb.enabled)
		return errmsg(err, errlen, "--gdb-wait needs --gdb");
	if (cfg->restore_force && !cfg->restore)
		return errmsg(err, errlen, "--restore-force needs --restore");
	if (cfg->dtb && cfg->dump_dtb)
		return errmsg(err, errlen, "--dtb and --dump-dtb exclude each other");
	return 0;
}

int config_parse(int argc, char *const argv[], struct config *cfg, char *err,
		 size_t errlen)
{
	*cfg = (struct config){ .cpus = 1, .mem_size = CONFIG_DEFAULT_MEM,
				.action = CONFIG_RUN, .seccomp_selftest = -1,
				.shutdown_timeout = CONFIG_DEFAULT_SHUTDOWN_TIMEOUT,
				.argc = argc > 2 ? argc - 2 : 0, .argv = argc > 2 ? argv + 2 : NULL };
	err[0] = '\0';
	if (argc < 2)
		return errmsg(err, errlen, "no command given (see a64vm --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cfg->action = CONFIG_HELP;
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		cfg->action = CONFIG_VERSION;
		return 0;
	}
	if (strcmp(argv[1], "run"))
		return errmsg(err, errlen, "unknown command '%s' (see a64vm --help)",
			    argv[1]);
	return parse_run(argc, argv, cfg, err, errlen);
}
