#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a64vm/config.h"
#include "a64vm/virtio_blk.h"
#include "a64vm/virtio_fs.h"
#include "a64vm/virtio_net.h"
#include "a64vm/virtio_rng.h"
#include "unit.h"

/* The device kinds own their options; the VMM registers them, as here. */
static void register_kinds(void)
{
	config_add_options(virtio_blk_cli);
	config_add_options(virtio_rng_cli);
	config_add_options(virtio_net_cli);
	config_add_options(virtio_fs_cli);
}

#define MAX_ARGS 12

struct parse_case {
	const char *argv[MAX_ARGS];
	int ret;
	enum config_action action;
	const char *kernel, *initrd, *append;
	unsigned cpus;
	uint64_t mem;
	bool no_reboot;
	const char *err_has; /* substring of the error message */
};

static const struct parse_case parse_cases[] = {
	{ { "a64vm", "run", "--kernel", "Image" }, 0, CONFIG_RUN, "Image", NULL,
	  NULL, 1, CONFIG_DEFAULT_MEM, false, NULL },
	{ { "a64vm", "run", "--kernel=Image", "--initrd", "rd", "--append",
	    "console=ttyAMA0 quiet", "--cpus", "4", "--mem", "2G" },
	  0, CONFIG_RUN, "Image", "rd", "console=ttyAMA0 quiet", 4, 2ull << 30,
	  false, NULL },
	{ { "a64vm", "run", "--kernel", "K", "--mem=1024", "--no-reboot" }, 0,
	  CONFIG_RUN, "K", NULL, NULL, 1, 1ull << 30, true, NULL },
	{ { "a64vm", "--help" }, 0, CONFIG_HELP, NULL, NULL, NULL, 1,
	  CONFIG_DEFAULT_MEM, false, NULL },
	{ { "a64vm", "run", "--help" }, 0, CONFIG_HELP, NULL, NULL, NULL, 1,
	  CONFIG_DEFAULT_MEM, false, NULL },
	{ { "a64vm", "--version" }, 0, CONFIG_VERSION, NULL, NULL, NULL, 1,
	  CONFIG_DEFAULT_MEM, false, NULL },
	{ { "a64vm" }, -EINVAL, .err_has = "no command" },
	{ { "a64vm", "boot" }, -EINVAL, .err_has = "unknown command 'boot'" },
	{ { "a64vm", "run" }, -EINVAL, .err_has = "--kernel FILE is required" },
	{ { "a64vm", "run", "--kernel" }, -EINVAL, .err_has = "--kernel needs a value" },
	{ { "a64vm", "run", "--kernel", "K", "--bogus" }, -EINVAL,
	  .err_has = "unknown option '--bogus'" },
	{ { "a64vm", "run", "--kernel", "K", "--kern", "x" }, -EINVAL,
	  .err_has = "unknown option '--kern'" },
	{ { "a64vm", "run", "--kernel", "K", "stray" }, -EINVAL,
	  .err_has = "unexpected argument 'stray'" },
	{ { "a64vm", "run", "--kernel", "K", "--no-reboot=yes" }, -EINVAL,
	  .err_has = "takes no value" },
	{ { "a64vm", "run", "--kernel", "K", "--cpus", "0" }, -EINVAL,
	  .err_has = "--cpus" },
	{ { "a64vm", "run", "--kernel", "K", "--cpus", "4097" }, -EINVAL,
	  .err_has = "--cpus" },
	{ { "a64vm", "run", "--kernel", "K", "--cpus", "2x" }, -EINVAL,
	  .err_has = "--cpus" },
	{ { "a64vm", "run", "--kernel", "K", "--cpus", "-1" }, -EINVAL,
	  .err_has = "--cpus" },
	{ { "a64vm", "run", "--kernel", "K", "--mem", "8M" }, -EINVAL,
	  .err_has = "outside" },
	{ { "a64vm", "run", "--kernel", "K", "--mem", "2T" }, -EINVAL,
	  .err_has = "outside" },
	{ { "a64vm", "run", "--kernel", "K", "--mem", "100000001K" }, -EINVAL,
	  .err_has = "4 KiB pages" },
	{ { "a64vm", "run", "--kernel", "K", "--mem", "99999999999999999999" },
	  -EINVAL, .err_has = "not a size" },
	{ { "a64vm", "run", "--kernel", "K", "--dtb", "a", "--dump-dtb", "b" },
	  -EINVAL, .err_has = "exclude" },
	{ { "a64vm", "run", "--kernel", "K", "--nisv=sometimes" }, -EINVAL,
	  .err_has = "not emulate, abort or stop" },
	{ { "a64vm", "run", "--kernel", "K", "--shutdown-timeout", "-1" }, -EINVAL,
	  .err_has = "0..3600" },
	{ { "a64vm", "run", "--kernel", "K", "--shutdown-timeout", "3601" }, -EINVAL,
	  .err_has = "0..3600" },
	{ { "a64vm", "run", "--kernel", "K", "--control" }, -EINVAL,
	  .err_has = "--control needs a value" },
	{ { "a64vm", "run", "--kernel", "K", "--gdb-wait" }, -EINVAL,
	  .err_has = "--gdb-wait needs --gdb" },
	{ { "a64vm", "run", "--kernel", "K", "--gdb", "1234" }, -EINVAL,
	  .err_has = "not tcp:[HOST:]PORT or unix:PATH" },
	{ { "a64vm", "run", "--firmware", "F", "--flash0", "G" }, -EINVAL,
	  .err_has = "--firmware and --flash0" },
	{ { "a64vm", "run", "--flash1", "vars.fd,rw", "--firmware", "F" }, -EINVAL,
	  .err_has = "--flash1: 'vars.fd,rw' is not FILE[,ro]" },
	{ { "a64vm", "run", "--flash0", "" }, -EINVAL, .err_has = "--flash0" },
	{ { "a64vm", "run", "--kernel", "K", "--cpu-features", "sve,avx" }, -EINVAL,
	  .err_has = "--cpu-features: 'sve,avx' is not a list" },
	{ { "a64vm", "run", "--kernel", "K", "--cpu-features", "" }, -EINVAL,
	  .err_has = "--cpu-features" },
	{ { "a64vm", "run", "--kernel", "K", "--cpu-features", "pmu," }, -EINVAL,
	  .err_has = "--cpu-features" },
	{ { "a64vm", "run", "--kernel", "K", "--cpu-features", "no-" }, -EINVAL,
	  .err_has = "--cpu-features" },
	{ { "a64vm", "run", "--kernel", "K", "--cpu-features", "pmu,,sve" }, -EINVAL,
	  .err_has = "--cpu-features" },
	{ { "a64vm", "run", "--flash1", "vars.fd" }, -EINVAL,
	  .err_has = "--kernel FILE is required" }, /* flash 1 alone boots nothing */
};

static void test_firmware(void)
{
	char *const bios[] = { "a64vm", "run", "--bios", "u-boot.bin", "--flash1",
			       "env.img" };
	char *const flash[] = { "a64vm", "run", "--flash0", "CODE.fd,ro", "--flash1",
				"VARS.fd", "--kernel", "Image" };
	struct config cfg;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(config_parse(6, bios, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.firmware, "u-boot.bin"); /* --bios is --firmware */
	CU_ASSERT_PTR_NULL(cfg.kernel);
	CU_ASSERT_TRUE(config_firmware_boot(&cfg));
	CU_ASSERT_STRING_EQUAL(cfg.flash[1].path, "env.img");
	CU_ASSERT_FALSE(cfg.flash[1].read_only);
	CU_ASSERT_EQUAL_FATAL(config_parse(8, flash, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(cfg.firmware);
	CU_ASSERT_STRING_EQUAL(cfg.flash[0].path, "CODE.fd");
	CU_ASSERT_TRUE(cfg.flash[0].read_only);
	CU_ASSERT_TRUE(config_firmware_boot(&cfg)); /* flash 0 is firmware, as on QEMU */
	CU_ASSERT_STRING_EQUAL(cfg.kernel, "Image");
}

static void test_cpu_features(void)
{
	char *const argv[] = { "a64vm", "run", "--kernel", "K", "--cpu-features",
			       "no-sve,ptrauth", "--cpu-features", "no-pmu,sve,no-mte",
			       "--verbose" };
	struct config cfg;
	struct config_cpu cpu = { 0 };
	char err[256];

	CU_ASSERT_EQUAL_FATAL(config_parse(4, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.cpu.pmu, CONFIG_FEATURE_DEFAULT);
	CU_ASSERT_EQUAL(cfg.cpu.mte, CONFIG_FEATURE_DEFAULT);
	CU_ASSERT_FALSE(cfg.verbose);
	/* a later switch changes only what it names */
	CU_ASSERT_EQUAL_FATAL(config_parse(6, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.cpu.sve, CONFIG_FEATURE_OFF);
	CU_ASSERT_EQUAL(cfg.cpu.ptrauth, CONFIG_FEATURE_ON);
	CU_ASSERT_EQUAL(cfg.cpu.pmu, CONFIG_FEATURE_DEFAULT);
	CU_ASSERT_EQUAL_FATAL(config_parse(8, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.cpu.sve, CONFIG_FEATURE_ON);
	CU_ASSERT_EQUAL(cfg.cpu.ptrauth, CONFIG_FEATURE_ON);
	CU_ASSERT_EQUAL(cfg.cpu.pmu, CONFIG_FEATURE_OFF);
	CU_ASSERT_EQUAL(cfg.cpu.mte, CONFIG_FEATURE_OFF);
	CU_ASSERT_EQUAL_FATAL(config_parse(9, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(cfg.verbose);
	CU_ASSERT_EQUAL(config_parse_cpu("mte", &cpu), 0);
	CU_ASSERT_EQUAL(cpu.mte, CONFIG_FEATURE_ON);
	CU_ASSERT_EQUAL(config_parse_cpu("no-pmux", &cpu), -EINVAL);
	CU_ASSERT_EQUAL(config_parse_cpu("nosve", &cpu), -EINVAL);
	CU_ASSERT_EQUAL(config_parse_cpu("no-no-sve", &cpu), -EINVAL);
	CU_ASSERT_EQUAL(config_parse_cpu("SVE", &cpu), -EINVAL);
}

static void test_parse_table(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct config cfg;
		char err[256];
		int argc = 0;

		while (argc < MAX_ARGS && c->argv[argc])
			argc++;
		CU_ASSERT_EQUAL_FATAL(config_parse(argc, (char *const *)c->argv,
						   &cfg, err, sizeof(err)), c->ret);
		if (c->ret) {
			CU_ASSERT_PTR_NOT_NULL(strstr(err, c->err_has));
			continue;
		}
		CU_ASSERT_EQUAL(cfg.action, c->action);
		if (c->action != CONFIG_RUN)
			continue;
		CU_ASSERT_STRING_EQUAL(cfg.kernel, c->kernel);
		CU_ASSERT(c->initrd ? cfg.initrd && !strcmp(cfg.initrd, c->initrd)
				    : !cfg.initrd);
		CU_ASSERT(c->append ? cfg.append && !strcmp(cfg.append, c->append)
				    : !cfg.append);
		CU_ASSERT_EQUAL(cfg.cpus, c->cpus);
		CU_ASSERT_EQUAL(cfg.mem_size, c->mem);
		CU_ASSERT_EQUAL(cfg.no_reboot, c->no_reboot);
	}
}

static void test_run_extras(void)
{
	char *const argv[] = { "a64vm", "run", "--kernel", "K", "--nisv=stop",
			       "--testdev", "--control", "/tmp/s", "--shutdown-timeout",
			       "0" };
	struct config cfg;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(config_parse(10, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.nisv, CONFIG_NISV_STOP);
	CU_ASSERT_TRUE(cfg.testdev);
	CU_ASSERT_STRING_EQUAL(cfg.control, "/tmp/s");
	CU_ASSERT_EQUAL(cfg.shutdown_timeout, 0);
	CU_ASSERT_EQUAL_FATAL(config_parse(4, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.nisv, CONFIG_NISV_EMULATE);
	CU_ASSERT_EQUAL(cfg.shutdown_timeout, CONFIG_DEFAULT_SHUTDOWN_TIMEOUT);
	CU_ASSERT_PTR_NULL(cfg.control);
}

static void test_gdb_addresses(void)
{
	static const struct {
		const char *s;
		int ret;
		const char *host, *path;
		unsigned port;
	} cases[] = {
		{ "tcp:1234", 0, "127.0.0.1", NULL, 1234 },
		{ "tcp:0.0.0.0:1234", 0, "0.0.0.0", NULL, 1234 },
		{ "tcp:10.1.2.3:65535", 0, "10.1.2.3", NULL, 65535 },
		{ "unix:/tmp/gdb.sock", 0, NULL, "/tmp/gdb.sock", 0 },
		{ "tcp:", -EINVAL }, { "tcp:0", -EINVAL }, { "tcp:65536", -EINVAL },
		{ "tcp:12a", -EINVAL }, { "tcp:-1", -EINVAL }, { "tcp::1234", -EINVAL },
		{ "tcp:localhost:1234", -EINVAL }, { "tcp:1.2.3.256:1", -EINVAL },
		{ "tcp:1.2.3.4x:1", -EINVAL }, { "tcp:1.2.3.4.5:1", -EINVAL },
		{ "unix:", -EINVAL }, { "udp:1234", -EINVAL }, { "", -EINVAL },
	};
	char *const argv[] = { "a64vm", "run", "--kernel", "K", "--gdb-wait",
			       "--gdb", "tcp:2345" };
	struct config_gdb g;
	struct config cfg;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(config_parse_gdb(cases[i].s, &g), cases[i].ret);
		if (cases[i].ret)
			continue;
		CU_ASSERT_TRUE(g.enabled);
		CU_ASSERT_EQUAL(g.port, cases[i].port);
		if (cases[i].host)
			CU_ASSERT_STRING_EQUAL(g.host, cases[i].host);
		CU_ASSERT(cases[i].path ? g.unix_path && !strcmp(g.unix_path, cases[i].path)
					: !g.unix_path);
	}
	/* --gdb-wait may come before --gdb */
	CU_ASSERT_EQUAL_FATAL(config_parse(7, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(cfg.gdb.enabled && cfg.gdb.wait);
	CU_ASSERT_EQUAL(cfg.gdb.port, 2345);
}

/* --disk's own values: tests/unit/test_virtio_blk.c. */
static void test_disks(void)
{
	char *argv[5 + 2 * (VIRTIO_BLK_MAX_DISKS + 1)] = { "a64vm", "run", "--kernel", "K",
							    "--rng" };
	struct config cfg;
	char err[256];

	register_kinds();
	for (int i = 0; i <= VIRTIO_BLK_MAX_DISKS; i++) {
		argv[5 + 2 * i] = "--disk";
		argv[6 + 2 * i] = "x.img";
	}
	/* repeatable, up to VIRTIO_BLK_MAX_DISKS */
	CU_ASSERT_EQUAL_FATAL(config_parse(5 + 2 * VIRTIO_BLK_MAX_DISKS, argv, &cfg, err,
					   sizeof(err)), 0);
	CU_ASSERT_EQUAL(config_uses(&cfg, "rng"), 1);
	CU_ASSERT_EQUAL(config_uses(&cfg, "disk"), VIRTIO_BLK_MAX_DISKS);
	CU_ASSERT_EQUAL(config_parse(7 + 2 * VIRTIO_BLK_MAX_DISKS, argv, &cfg, err,
				     sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 8 disks"));
	argv[5] = "--console";
	argv[6] = "virtio";
	CU_ASSERT_EQUAL_FATAL(config_parse(7, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(cfg.console_virtio);
	argv[6] = "hvc";
	CU_ASSERT_EQUAL(config_parse(7, argv, &cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not pl011 or virtio"));
	argv[5] = "--disk";
	argv[6] = "x.img,bogus";
	CU_ASSERT_EQUAL(config_parse(7, argv, &cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "PATH[,ro][,serial=ID]"));
	/* the machine's transport, and a device's own over it */
	CU_ASSERT_EQUAL(config_transport_of(&cfg, CONFIG_TRANSPORT_DEFAULT), CONFIG_TRANSPORT_PCI);
	argv[5] = "--virtio-transport";
	argv[6] = "mmio";
	argv[7] = "--disk";
	argv[8] = "x.img,transport=pci";
	CU_ASSERT_EQUAL_FATAL(config_parse(9, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(config_transport_of(&cfg, CONFIG_TRANSPORT_DEFAULT), CONFIG_TRANSPORT_MMIO);
	CU_ASSERT_EQUAL(config_transport_of(&cfg, config_value_transport(
		config_use_value(&cfg, "disk", 0))), CONFIG_TRANSPORT_PCI);
	argv[6] = "pcie";
	CU_ASSERT_EQUAL(config_parse(7, argv, &cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not mmio or pci"));
}

static const struct {
	const char *s;
	int ret;
	uint64_t bytes;
} size_cases[] = {
	{ "64", 0, 64ull << 20 },     { "512M", 0, 512ull << 20 },
	{ "2G", 0, 2ull << 30 },      { "2g", 0, 2ull << 30 },
	{ "4096K", 0, 4ull << 20 },   { "1GiB", 0, 1ull << 30 },
	{ "1GB", 0, 1ull << 30 },     { "1T", 0, 1ull << 40 },
	{ "", -EINVAL, 0 },	      { "M", -EINVAL, 0 },
	{ "-5M", -EINVAL, 0 },	      { " 5M", -EINVAL, 0 },
	{ "5X", -EINVAL, 0 },	      { "5MM", -EINVAL, 0 },
	{ "99999999999T", -EINVAL, 0 }, { "18446744073709551616", -EINVAL, 0 },
};

static void test_parse_size(void)
{
	for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		uint64_t b = 0;

		CU_ASSERT_EQUAL(config_parse_size(size_cases[i].s, &b),
				size_cases[i].ret);
		if (!size_cases[i].ret)
			CU_ASSERT_EQUAL(b, size_cases[i].bytes);
	}
	CU_ASSERT_EQUAL(config_parse_size(NULL, &(uint64_t){ 0 }), -EINVAL);
}

/* The option table is what --help lists and what the man page documents. */
static void test_options_documented(void)
{
	size_t n, help_len = 0, man_len = 0;
	const struct config_option *own = config_options(&n), *opts;
	char *help = NULL, *man = NULL;
	FILE *f = open_memstream(&help, &help_len);
	FILE *m = fopen(A64VM_MANPAGE, "r");
	struct config_option *all;
	size_t added = 0;

	register_kinds(); /* the device kinds' options too */
	while (config_added_option(added))
		added++;
	all = malloc((n + added) * sizeof(*all));
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	memcpy(all, own, n * sizeof(*all));
	for (size_t i = 0; i < added; i++)
		all[n + i] = *config_added_option(i);
	n += added;
	opts = all;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	config_usage(f);
	fclose(f);
	man = malloc(1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(man);
	man_len = fread(man, 1, (1 << 20) - 1, m);
	man[man_len] = '\0';
	fclose(m);
	for (size_t i = 0; i < n; i++) {
		char want[64], roff[128];
		size_t k = 0;

		if (!opts[i].help)
			continue;
		snprintf(want, sizeof(want), "  --%s%s", opts[i].name,
			 opts[i].value ? opts[i].value : "");
		/* In roff every '-' of the name is "\-". */
		k += (size_t)snprintf(roff, sizeof(roff), "\\-\\-");
		for (const char *c = opts[i].name; *c && k + 3 < sizeof(roff); c++)
			k += (size_t)snprintf(roff + k, sizeof(roff) - k, *c == '-' ? "\\-" : "%c", *c);
		if (!strstr(help, want) || !strstr(man, roff))
			fprintf(stderr, "--%s: in --help %d, in a64vm.1 %d\n", opts[i].name,
				strstr(help, want) != NULL, strstr(man, roff) != NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(help, want));
		CU_ASSERT_PTR_NOT_NULL(strstr(man, roff));
		CU_ASSERT_PTR_NOT_NULL(opts[i].apply);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(help, "  --disk PATH"));
	free(all);
	free(help);
	free(man);
}

const char unit_suite_name[] = "config";
/* --fs's own values: tests/unit/test_virtio_fs.c. */
static void test_fs(void)
{
	char *argv[] = { "a64vm", "run", "--kernel", "K", "--fs", "/a,tag=t", "--fs", "/b,tag=t",
			 "--fs-daemon", "/opt/virtiofsd" };
	struct virtio_fs_options f;
	struct config cfg;
	char err[256];

	register_kinds();
	/* two shares with one tag: the guest could not tell them apart */
	CU_ASSERT_EQUAL(config_parse(8, argv, &cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "tag 't' given twice"));
	argv[7] = "/b,tag=u";
	CU_ASSERT_EQUAL_FATAL(config_parse(10, argv, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(config_uses(&cfg, "fs"), 2);
	CU_ASSERT_EQUAL_FATAL(virtio_fs_parse_options(config_use_value(&cfg, "fs", 1), &f), 0);
	CU_ASSERT_STRING_EQUAL(f.tag, "u");
	CU_ASSERT_STRING_EQUAL(config_use_value(&cfg, "fs-daemon", 0), "/opt/virtiofsd");
}

const struct unit_test unit_tests[] = {
	{ "firmware and flash banks", test_firmware },
	{ "--cpu-features", test_cpu_features },
	{ "argument table", test_parse_table },
	{ "sizes", test_parse_size },
	{ "NISV mode, test device, control socket", test_run_extras },
	{ "--gdb addresses", test_gdb_addresses },
	{ "--disk, --rng, --console", test_disks },
	{ "--fs, --fs-daemon", test_fs },
	{ "every listed option in --help and the man page", test_options_documented },
	{ NULL, NULL },
};
