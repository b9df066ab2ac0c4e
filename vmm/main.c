#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/config.h"
#include "a64vm/control.h"
#include "a64vm/kick.h"
#include "a64vm/log.h"
#include "a64vm/snapshot.h"
#include "a64vm/snapshot_conf.h"
#include "a64vm/virtio_devices.h"
#include "a64vm/vm.h"

#ifndef A64VM_VERSION
#define A64VM_VERSION "unknown"
#endif

/* Signals the main loop reads through a signalfd, blocked everywhere. */
static int block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -1;
	return kick_init();
}

/* --restore DIR: the options are the snapshot's, with the restore's own after them. */
static int restore_config(int argc, char **argv, struct config *cfg, char ***merged, int *n)
{
	char err[400];

	if (snapshot_restore_argv(cfg->restore, argc, argv, merged, n, err, sizeof(err))) {
		log_error("--restore: %s", err);
		return 1;
	}
	if (config_parse(*n, *merged, cfg, err, sizeof(err))) {
		log_error("--restore: the snapshot's options: %s", err);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[256], **merged = NULL;
	struct vm *vm;
	int status, nmerged = 0;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return control_client_main(argc, argv);
	virtio_devices_register_options();
	if (config_parse(argc, argv, &cfg, err, sizeof(err))) {
		log_error("%s", err);
		return 2;
	}
	switch (cfg.action) {
	case CONFIG_HELP:
		config_usage(stdout);
		return 0;
	case CONFIG_VERSION:
		printf("a64vm %s\n", A64VM_VERSION);
		return 0;
	case CONFIG_RUN:
		break;
	}
	if (cfg.restore && (status = restore_config(argc, argv, &cfg, &merged, &nmerged)))
		return status;
	if (cfg.verbose)
		log_set_level(LOG_DEBUG);
	/*
	 * Kernel and initrd buffers are freed once copied into guest RAM; a
	 * fixed threshold keeps them out of the heap, so their memory goes
	 * back to the host (glibc would otherwise raise it after the first).
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	if (block_signals()) {
		log_error("cannot set up signal handling");
		return 1;
	}
	if (vm_create(&cfg, &vm)) {
		snapshot_conf_free(merged, nmerged);
		return 1;
	}
	if (cfg.dump_dtb)
		status = vm_dump_dtb(vm, cfg.dump_dtb) ? 1 : 0;
	else
		status = vm_run(vm);
	vm_destroy(vm);
	snapshot_conf_free(merged, nmerged);
	return status;
}
