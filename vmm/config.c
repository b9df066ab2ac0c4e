#include "a64vm/config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/errmsg.h"

enum opt_id {
	OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_CPUS, OPT_MEM, OPT_DTB,
	OPT_DUMP_DTB, OPT_NO_REBOOT, OPT_NISV, OPT_TESTDEV, OPT_CONTROL,
	OPT_SHUTDOWN_TIMEOUT, OPT_GDB, OPT_GDB_WAIT, OPT_DISK, OPT_RNG, OPT_CONSOLE, OPT_NET,
	OPT_FIRMWARE, OPT_FLASH0, OPT_FLASH1, OPT_CPU_FEATURES, OPT_VERBOSE, OPT_SECCOMP, OPT_SECCOMP_SELFTEST,
	OPT_USER, OPT_CHROOT, OPT_HUGEPAGES, OPT_HELP,
};

struct option_spec {
	const char *name;
	enum opt_id id;
	bool takes_value;
};

static const struct option_spec run_options[] = {
	{ "kernel", OPT_KERNEL, true },	    { "initrd", OPT_INITRD, true },
	{ "append", OPT_APPEND, true },	    { "cpus", OPT_CPUS, true },
	{ "mem", OPT_MEM, true },	    { "dtb", OPT_DTB, true },
	{ "dump-dtb", OPT_DUMP_DTB, true }, { "no-reboot", OPT_NO_REBOOT, false },
	{ "nisv", OPT_NISV, true },	    { "testdev", OPT_TESTDEV, false },
	{ "control", OPT_CONTROL, true },
	{ "shutdown-timeout", OPT_SHUTDOWN_TIMEOUT, true },
	{ "gdb", OPT_GDB, true },	    { "gdb-wait", OPT_GDB_WAIT, false },
	{ "disk", OPT_DISK, true },	    { "rng", OPT_RNG, false },
	{ "console", OPT_CONSOLE, true },  { "net", OPT_NET, true },
	{ "firmware", OPT_FIRMWARE, true }, { "bios", OPT_FIRMWARE, true },
	{ "flash0", OPT_FLASH0, true },	    { "flash1", OPT_FLASH1, true },
	{ "cpu-features", OPT_CPU_FEATURES, true },
	{ "verbose", OPT_VERBOSE, false },
	{ "seccomp", OPT_SECCOMP, true },
	{ "seccomp-selftest", OPT_SECCOMP_SELFTEST, true },
	{ "user", OPT_USER, true },	    { "chroot", OPT_CHROOT, true },
	{ "hugepages", OPT_HUGEPAGES, true },
	{ "help", OPT_HELP, false },
};

void config_usage(FILE *f)
{
	fputs("usage: a64vm run --kernel FILE [options]\n"
	      "       a64vm run --firmware FILE [--flash1 FILE] [options]\n"
	      "       a64vm ctl PATH status|pause|resume|powerdown|reset|quit\n"
	      "       a64vm ctl PATH read-phys addr=N len=N\n"
	      "       a64vm --help | --version\n"
	      "\n"
	      "run options:\n"
	      "  --kernel FILE     arm64 Linux Image (or Image.gz), an ELF file, or a\n"
	      "                    raw binary (loaded at RAM + 0x80000) to boot; with\n"
	      "                    firmware it goes to the firmware through fw_cfg\n"
	      "  --initrd FILE     initial ramdisk\n"
	      "  --append \"ARGS\"   kernel command line\n"
	      "  --cpus N          number of vCPUs (default 1)\n"
	      "  --cpu-features [no-]pmu,[no-]sve,[no-]ptrauth,[no-]mte\n"
	      "                    on by default: each of PMUv3, SVE (the host's largest\n"
	      "                    vector length), pointer authentication and MTE that\n"
	      "                    the host's KVM offers; no-NAME turns one off, NAME\n"
	      "                    makes its absence an error\n"
	      "  --mem SIZE        guest RAM, e.g. 512M or 2G; a plain number is MiB\n"
	      "                    (default 512M)\n"
	      "  --hugepages DIR   back guest RAM with huge pages from the hugetlbfs\n"
	      "                    mounted at DIR (default: anonymous memory with\n"
	      "                    transparent huge pages)\n"
	      "  --firmware FILE   (or --bios) a raw firmware image in flash 0, read-only;\n"
	      "                    the vCPUs start at its first byte\n"
	      "  --flash0 FILE[,ro]\n"
	      "  --flash1 FILE[,ro]\n"
	      "                    a 64 MiB CFI flash bank backed by FILE (flash 0 is the\n"
	      "                    firmware, flash 1 its variables); writes reach FILE\n"
	      "  --dtb FILE        boot with this device tree instead of a generated one\n"
	      "  --dump-dtb FILE   write the generated device tree to FILE and exit\n"
	      "  --no-reboot       exit when the guest reboots\n"
	      "  --nisv=MODE       loads/stores KVM cannot decode: emulate (default),\n"
	      "                    abort (external abort, as QEMU), or stop (halt on\n"
	      "                    the instruction and dump the registers)\n"
	      "  --testdev         add the test device (tests, benchmarks)\n"
	      "  --control PATH    serve the control socket (JSON lines) at PATH\n"
	      "  --shutdown-timeout SECONDS\n"
	      "                    after SIGTERM presses the power button, stop hard\n"
	      "                    when the guest has not powered off (default 30)\n"
	      "  --gdb tcp:[HOST:]PORT | unix:PATH\n"
	      "                    serve GDB's remote protocol (HOST 127.0.0.1 unless\n"
	      "                    given; 0.0.0.0 listens everywhere)\n"
	      "  --gdb-wait        hold the guest before its first instruction until\n"
	      "                    GDB continues it\n"
	      "  --disk PATH[,ro][,serial=ID]\n"
	      "                    a raw disk image on virtio-blk (repeatable, up to 8)\n"
	      "  --rng             virtio-rng, fed from getrandom()\n"
	      "  --net tap=NAME[,mac=MAC]\n"
	      "                    virtio-net on a tap device, created when absent\n"
	      "  --verbose         log at debug level too (what the host lacks, reboots)\n"
	      "  --seccomp=MODE    each thread's system call filter: kill (default: a\n"
	      "                    forbidden call ends a64vm with SIGSYS), log (the\n"
	      "                    kernel logs it, the call goes on), off\n"
	      "  --user USER[:GROUP]\n"
	      "                    once everything is open, run as USER (a name or\n"
	      "                    number) with no capabilities\n"
	      "  --chroot DIR      once everything is open, change root to DIR\n"
	      "  --console pl011|virtio\n"
	      "                    where console input goes: the PL011 (default) or\n"
	      "                    virtio-console (the guest's hvc0)\n"
	      "\n"
	      "Console: the guest's PL011 UART is on stdin/stdout; Ctrl-A x quits,\n"
	      "Ctrl-A a sends Ctrl-A.\n",
	      f);
}

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

int config_parse_net(const char *s, struct config_net *out)
{
	const char *comma = strchr(s, ',');
	size_t len = comma ? (size_t)(comma - s) : strlen(s);
	unsigned m[6];
	char tail;

	memset(out, 0, sizeof(*out));
	/* QEMU's default: 52:54:00:12:34:56 */
	memcpy(out->mac, "\x52\x54\x00\x12\x34\x56", 6);
	if (strncmp(s, "tap=", 4) || len <= 4 || len - 4 >= sizeof(out->tap) ||
	    memchr(s + 4, '/', len - 4))
		return -EINVAL;
	memcpy(out->tap, s + 4, len - 4);
	if (comma) {
		if (strncmp(comma + 1, "mac=", 4) ||
		    sscanf(comma + 5, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2],
			   &m[3], &m[4], &m[5], &tail) != 6 ||
		    strlen(comma + 5) != 17 || (m[0] & 1))
			return -EINVAL;
		for (int i = 0; i < 6; i++)
			out->mac[i] = (uint8_t)m[i];
	}
	out->enabled = true;
	return 0;
}

int config_parse_disk(const char *s, struct config_disk *out)
{
	const char *comma = strchr(s, ',');
	size_t len = comma ? (size_t)(comma - s) : strlen(s);

	memset(out, 0, sizeof(*out));
	if (!len || len >= sizeof(out->path))
		return -EINVAL;
	memcpy(out->path, s, len);
	while (comma) {
		const char *opt = comma + 1;

		comma = strchr(opt, ',');
		len = comma ? (size_t)(comma - opt) : strlen(opt);
		if (len == 2 && !strncmp(opt, "ro", 2)) {
			out->read_only = true;
		} else if (len > 7 && !strncmp(opt, "serial=", 7) &&
			   len - 7 < sizeof(out->serial)) {
			memcpy(out->serial, opt + 7, len - 7);
			out->serial[len - 7] = '\0';
		} else {
			return -EINVAL;
		}
	}
	return 0;
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

static const struct option_spec *find_option(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(run_options) / sizeof(run_options[0]); i++)
		if (strlen(run_options[i].name) == len &&
		    !strncmp(run_options[i].name, name, len))
			return &run_options[i];
	return NULL;
}

static int apply_option(struct config *cfg, enum opt_id id, const char *val,
			char *err, size_t errlen)
{
	switch (id) {
	case OPT_KERNEL: cfg->kernel = val; break;
	case OPT_INITRD: cfg->initrd = val; break;
	case OPT_APPEND: cfg->append = val; break;
	case OPT_DTB: cfg->dtb = val; break;
	case OPT_DUMP_DTB: cfg->dump_dtb = val; break;
	case OPT_NO_REBOOT: cfg->no_reboot = true; break;
	case OPT_HELP: cfg->action = CONFIG_HELP; break;
	case OPT_TESTDEV: cfg->testdev = true; break;
	case OPT_CONTROL: cfg->control = val; break;
	case OPT_SHUTDOWN_TIMEOUT: {
		char *end;
		unsigned long v = strtoul(val, &end, 10);

		if (*val < '0' || *val > '9' || *end || v > 3600)
			return errmsg(err, errlen,
				    "--shutdown-timeout: '%s' is not 0..3600 seconds", val);
		cfg->shutdown_timeout = (unsigned)v;
		break;
	}
	case OPT_GDB: {
		bool wait = cfg->gdb.wait;

		if (config_parse_gdb(val, &cfg->gdb))
			return errmsg(err, errlen, "--gdb: '%s' is not tcp:[HOST:]PORT "
				    "or unix:PATH", val);
		cfg->gdb.wait = wait;
		break;
	}
	case OPT_GDB_WAIT: cfg->gdb.wait = true; break;
	case OPT_RNG: cfg->rng = true; break;
	case OPT_VERBOSE: cfg->verbose = true; break;
	case OPT_USER: cfg->user = val; break;
	case OPT_CHROOT: cfg->chroot_dir = val; break;
	case OPT_HUGEPAGES: cfg->hugepages = val; break;
	case OPT_SECCOMP:
		if (!strcmp(val, "kill"))
			cfg->seccomp = SECCOMP_MODE_KILL;
		else if (!strcmp(val, "log"))
			cfg->seccomp = SECCOMP_MODE_LOG;
		else if (!strcmp(val, "off"))
			cfg->seccomp = SECCOMP_MODE_OFF;
		else
			return errmsg(err, errlen, "--seccomp: '%s' is not kill, log or off", val);
		break;
	case OPT_SECCOMP_SELFTEST:
		if (!strcmp(val, "main"))
			cfg->seccomp_selftest = SECCOMP_MAIN;
		else if (!strcmp(val, "vcpu"))
			cfg->seccomp_selftest = SECCOMP_VCPU;
		else if (!strcmp(val, "io"))
			cfg->seccomp_selftest = SECCOMP_IO;
		else
			return errmsg(err, errlen, "--seccomp-selftest: '%s' is not main, vcpu "
				      "or io", val);
		break;
	case OPT_FIRMWARE: cfg->firmware = val; break;
	case OPT_CPU_FEATURES:
		if (!*val || config_parse_cpu(val, &cfg->cpu))
			return errmsg(err, errlen, "--cpu-features: '%s' is not a list of "
				      "[no-]pmu, [no-]sve, [no-]ptrauth, [no-]mte", val);
		break;
	case OPT_FLASH0:
	case OPT_FLASH1: {
		unsigned bank = id == OPT_FLASH1;

		if (config_parse_flash(val, &cfg->flash[bank], cfg->flash_paths[bank]))
			return errmsg(err, errlen, "--flash%u: '%s' is not FILE[,ro]", bank, val);
		break;
	}
	case OPT_NET:
		if (config_parse_net(val, &cfg->net))
			return errmsg(err, errlen, "--net: '%s' is not tap=NAME[,mac=MAC] "
				    "(a name of 1 to 15 characters; a unicast MAC)", val);
		break;
	case OPT_CONSOLE:
		if (strcmp(val, "pl011") && strcmp(val, "virtio"))
			return errmsg(err, errlen, "--console: '%s' is not pl011 or virtio", val);
		cfg->console_virtio = !strcmp(val, "virtio");
		break;
	case OPT_DISK:
		if (cfg->ndisks == CONFIG_MAX_DISKS)
			return errmsg(err, errlen, "--disk: at most %d disks", CONFIG_MAX_DISKS);
		if (config_parse_disk(val, &cfg->disks[cfg->ndisks]))
			return errmsg(err, errlen, "--disk: '%s' is not PATH[,ro][,serial=ID] "
				    "(an ID has at most 20 characters)", val);
		cfg->ndisks++;
		break;
	case OPT_NISV:
		if (!strcmp(val, "emulate"))
			cfg->nisv = CONFIG_NISV_EMULATE;
		else if (!strcmp(val, "abort"))
			cfg->nisv = CONFIG_NISV_ABORT;
		else if (!strcmp(val, "stop"))
			cfg->nisv = CONFIG_NISV_STOP;
		else
			return errmsg(err, errlen,
				    "--nisv: '%s' is not emulate, abort or stop", val);
		break;
	case OPT_CPUS:
		if (parse_cpus(val, &cfg->cpus))
			return errmsg(err, errlen,
				    "--cpus: '%s' is not a number from 1 to %d",
				    val, CONFIG_MAX_CPUS);
		break;
	case OPT_MEM:
		if (config_parse_size(val, &cfg->mem_size))
			return errmsg(err, errlen,
				    "--mem: '%s' is not a size (e.g. 512M, 2G)", val);
		if (cfg->mem_size < CONFIG_MIN_MEM || cfg->mem_size > CONFIG_MAX_MEM)
			return errmsg(err, errlen,
				    "--mem: %s is outside 16M..1023G", val);
		if (cfg->mem_size & 0xfff)
			return errmsg(err, errlen,
				    "--mem: %s is not a whole number of 4 KiB pages", val);
		break;
	}
	return 0;
}

static int parse_run(int argc, char *const argv[], struct config *cfg,
		     char *err, size_t errlen)
{
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		const struct option_spec *opt;
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
		if (opt->takes_value) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return errmsg(err, errlen, "--%s needs a value", opt->name);
		} else if (eq) {
			return errmsg(err, errlen, "--%s takes no value", opt->name);
		}
		ret = apply_option(cfg, opt->id, val, err, errlen);
		if (ret)
			return ret;
	}
	if (cfg->action == CONFIG_RUN && !cfg->kernel && !config_firmware_boot(cfg))
		return errmsg(err, errlen, "run: --kernel FILE is required (or --firmware FILE)");
	if (cfg->firmware && cfg->flash[0].path)
		return errmsg(err, errlen, "--firmware and --flash0 both give flash 0; "
			    "use one of them");
	if (cfg->gdb.wait && !cfg->gdb.enabled)
		return errmsg(err, errlen, "--gdb-wait needs --gdb");
	if (cfg->dtb && cfg->dump_dtb)
		return errmsg(err, errlen, "--dtb and --dump-dtb exclude each other");
	return 0;
}

int config_parse(int argc, char *const argv[], struct config *cfg, char *err,
		 size_t errlen)
{
	*cfg = (struct config){ .cpus = 1, .mem_size = CONFIG_DEFAULT_MEM,
				.action = CONFIG_RUN, .seccomp_selftest = -1,
				.shutdown_timeout = CONFIG_DEFAULT_SHUTDOWN_TIMEOUT };
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
