#include "a64vm/start_gate.h"

#include <string.h>

#include "a64vm/arch.h"
#include "a64vm/log.h"
#include "a64vm/seccomp_policy.h"

void start_gate_init(struct start_gate *g, const struct config *cfg)
{
	memset(g, 0, sizeof(*g));
	g->cfg = cfg;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
}

void start_gate_destroy(struct start_gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

static bool confine(struct start_gate *g, enum seccomp_thread kind, const char *name)
{
	int ret = seccomp_install(&seccomp_policies[kind], ARCH_AUDIT_ARCH,
				  g->cfg->seccomp, name);

	if (ret)
		log_error("seccomp: cannot install thread %s's filter: %s", name,
			  strerror(-ret));
	else if (g->cfg->seccomp != SECCOMP_MODE_OFF)
		log_debug("seccomp: thread %s: %u system calls allowed (ioctl: %u requests)",
			  name, seccomp_policies[kind].nsyscalls +
			  (seccomp_policies[kind].nioctls ? 1 : 0), seccomp_policies[kind].nioctls);
	return !ret;
}

static void selftest(const struct start_gate *g, enum seccomp_thread kind, const char *name)
{
	if (g->cfg->seccomp_selftest != (int)kind)
		return;
	log_info("seccomp self-test: thread %s makes a call its filter forbids", name);
	seccomp_break_filter();
}

bool start_gate_pass(struct start_gate *g, enum seccomp_thread kind, const char *name,
		     bool may_selftest)
{
	bool ok = confine(g, kind, name);

	pthread_mutex_lock(&g->lock);
	g->failed |= !ok;
	g->ready++;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	ok = ok && !g->failed;
	pthread_mutex_unlock(&g->lock);
	if (ok && may_selftest)
		selftest(g, kind, name);
	return ok;
}

bool start_gate_open(struct start_gate *g, unsigned n, bool setup_ok)
{
	bool ok;

	pthread_mutex_lock(&g->lock);
	while (g->ready < n)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	ok = confine(g, SECCOMP_MAIN, "main");
	pthread_mutex_lock(&g->lock);
	g->failed |= !ok || !setup_ok;
	ok = !g->failed;
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	if (ok)
		selftest(g, SECCOMP_MAIN, "main");
	return ok;
}
