/* layers: the table of lamina's layers and the loop that runs their steps.
 *
 * The order of the table is the order of application at every stage, and each position has a
 * reason:
 *   fds       first in init: it closes what init inherited before any layer opens its own fds
 *             (the mount sources init clones, the network namespace it receives);
 *   session   init leaves the caller's session before it builds anything;
 *   userns    the id maps are written before anything is created, and init settles its ids
 *             inside before it builds the root (files the root's tmpfs gets belong to mapped ids);
 *   ns        the uts name is set while init holds every capability in its namespaces;
 *   mount     the host trees are cloned while init has its host identity (stage INIT_HOST), the
 *             root is built and pivoted into after the ids are settled (stage INIT);
 *   netns     the network namespace, made beside init while it builds the root, is joined once
 *             the root is done: the helper has had that time to finish (--net user: init makes
 *             it first thing, and waits for pasta there, as late as it can);
 *   terminal  the pty is opened once the root is built, in the sandbox's own devpts; the
 *             payload's session with it as controlling terminal comes before the layers that
 *             constrain the payload;
 *   env       the payload's environment, built in the supervisor;
 *   rlimits   the payload's limits, applied before the capabilities go (setting them may need
 *             CAP_SYS_RESOURCE in the user namespace);
 *   resources the sandbox's cgroup: made in PREPARE after the cheap checks of the layers before
 *             it (a later failure, such as seccomp's compile, removes it again in the end
 *             step); it exists with its limits before the clone, init is born in it (or put
 *             in it while it waits, stage PARENT) and roots its cgroup namespace there (INIT);
 *             its end step comes after netns's, whose helper is gone by then;
 *   caps, nnp every capability dropped after the mounts, then no_new_privs, which seccomp
 *             needs without CAP_SYS_ADMIN;
 *   landlock  its ruleset is built in init once the root is pivoted into (its rules name paths
 *             inside the sandbox), and the payload restricts itself after no_new_privs (which
 *             landlock_restrict_self needs without CAP_SYS_ADMIN) and before seccomp, so
 *             that the filter need not allow the Landlock calls;
 *   seccomp   last: it constrains only what the payload does from there on (execve);
 *   stdfd     a switch of the seccomp layer, a row for its name;
 *   status    what the launch came to, told to the caller (a SIGSYS death, --json-status-fd):
 *             its end step comes after the resources layer's, which measures the cgroup.  */
#include "sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const struct lm_layer *const lm_layers[] = {
    &lm_layer_fds,
    &lm_layer_session,
    &lm_layer_userns,
    &lm_layer_ns,
    &lm_layer_mount,
    &lm_layer_netns,
    &lm_layer_terminal,
    &lm_layer_env,
    &lm_layer_rlimits,
    &lm_layer_resources,
    &lm_layer_caps,
    &lm_layer_nnp,
    &lm_layer_landlock,
    &lm_layer_seccomp,
    &lm_layer_stdfd,
    &lm_layer_status,
    NULL,
};

int lm_layers_run(enum lm_stage stage, struct lm_sandbox *sb, struct lm_err *e)
{
	for (const struct lm_layer *const *l = lm_layers; *l; l++)
		if ((*l)->step[stage] && (*l)->step[stage](sb, e) < 0)
			return -1;
	return 0;
}

void lm_layers_end(struct lm_sandbox *sb)
{
	for (const struct lm_layer *const *l = lm_layers; *l; l++)
		if ((*l)->end)
			(*l)->end(sb);
}

const struct lm_layer *lm_layer_find(const char *name, bool removable)
{
	for (const struct lm_layer *const *l = lm_layers; *l; l++)
		if (strcmp((*l)->name, name) == 0 && (!removable || (*l)->removable))
			return *l;
	return NULL;
}

const char *lm_layer_name(unsigned bit)
{
	for (const struct lm_layer *const *l = lm_layers; *l; l++)
		if ((*l)->bit == bit)
			return (*l)->name;
	return "?";
}

const struct lm_setting *lm_setting_next(struct lm_setting_iter *it)
{
	if (!it->s && !it->l)
		it->s = lm_core_settings;
	else
		it->s++;
	while (!it->s || !it->s->set) {
		it->l = it->l ? it->l + 1 : lm_layers;
		if (!*it->l)
			return NULL;
		it->s = (*it->l)->settings;
	}
	return it->s;
}

const struct lm_setting *lm_setting_by_option(const char *name)
{
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));) {
		if (s->option && strcmp(s->option, name) == 0)
			return s;
		if (s->short_opt && name[0] == '-' && name[1] == s->short_opt && !name[2])
			return s;
	}
	return NULL;
}

const struct lm_setting *lm_setting_by_directive(const char *name, size_t len)
{
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));)
		if (s->directive && strlen(s->directive) == len && !memcmp(s->directive, name, len))
			return s;
	return NULL;
}

int lm_setting_apply(const struct lm_setting *s, struct lm_config *c, struct lm_args *a,
		     struct lm_err *e)
{
	a->bad = 0;
	if (a->argc > s->nargs) {
		a->bad = s->nargs;
		return lm_error_plain(e,
				      "unexpected text after %s%s%s (a directive takes one line)",
				      a->name, s->metavar ? " " : "", s->metavar ? s->metavar : "");
	}
	if (a->argc + s->optional < s->nargs || (a->src == LM_SRC_CLI && a->argc < s->nargs)) {
		a->bad = a->argc;
		if (a->src == LM_SRC_CLI)
			return lm_error_plain(e, "run: option %s needs %u argument%s", a->name,
					      s->nargs, s->nargs > 1 ? "s" : "");
		return lm_error_plain(e, "expected %s after %s", s->metavar, a->name);
	}
	return s->set(c, a, e);
}

/* ---- settings that belong to no layer ------------------------------------------------------ */
static int set_profile(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	if (!a->argv[0][0])
		return lm_error(e, 0, "run", "%s needs a profile name or file", a->name);
	char *d = strdup(a->argv[0]);
	if (!d)
		return lm_error(e, ENOMEM, "run", "%s", a->name);
	free(c->profile_name);
	c->profile_name = d;
	return 0;
}

/* Seconds: digits with at most one '.', more than 0 and at most a year (no sign, exponent,
 * "inf" or "nan"). */
static int set_timeout(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *v = a->argv[0];
	bool ok = *v != '\0';
	unsigned dots = 0;
	for (const char *p = v; ok && *p; p++) {
		dots += *p == '.';
		ok = (isdigit((unsigned char)*p) || *p == '.') && dots <= 1;
	}
	char *end = NULL;
	errno = 0;
	double t = ok ? strtod(v, &end) : 0;
	if (!ok || *end || errno || !(t > 0) || t > 31536000.0)
		return lm_error(
		    e, 0, "timeout",
		    "%s '%.40s' is not a number of seconds (more than 0, at most a year)", a->name,
		    v);
	c->timeout = t;
	return 0;
}

static int set_verbose(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->verbose = true;
	c->report = true;
	return 0;
}

/* --untrusted-profile FILE: the profile is someone else's (src/profile_untrusted.c). */
static int set_untrusted_profile(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	if (set_profile(c, a, e) < 0)
		return -1;
	c->profile_untrusted = true;
	return 0;
}

/* --untrusted-allow-path DIR: kept resolved, as the profile's sources are compared. */
static int set_untrusted_allow_path(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	char buf[PATH_MAX];
	struct stat st;
	if (!realpath(a->argv[0], buf) || stat(buf, &st) < 0)
		return lm_error(e, errno, "run", "%s %s", a->name, a->argv[0]);
	if (!S_ISDIR(st.st_mode))
		return lm_error(e, ENOTDIR, "run", "%s %s", a->name, a->argv[0]);
	char **n = realloc(c->untrusted_paths, (c->nuntrusted_paths + 1) * sizeof *n);
	if (!n)
		return lm_error(e, ENOMEM, "run", "%s", a->name);
	c->untrusted_paths = n;
	if (!(n[c->nuntrusted_paths] = strdup(buf)))
		return lm_error(e, ENOMEM, "run", "%s", a->name);
	c->nuntrusted_paths++;
	return 0;
}

static int set_disable(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const struct lm_layer *l = lm_layer_find(a->argv[0], true);
	if (!l)
		return lm_error(e, 0, "run", "%s: unknown or irremovable layer '%.40s'", a->name,
				a->argv[0]);
	c->disabled_layers |= l->bit;
	return 0;
}

const struct lm_setting lm_core_settings[] = {
    {.option = "--profile",
     .short_opt = 'p',
     .nargs = 1,
     .metavar = "NAME|FILE",
     .help = "a shipped profile by name, or a profile file (default: default)",
     .set = set_profile},
    {.option = "--untrusted-profile",
     .nargs = 1,
     .metavar = "FILE",
     .help = "a profile someone else wrote: it may only narrow a shipped one it includes",
     .set = set_untrusted_profile},
    {.option = "--untrusted-allow-path",
     .nargs = 1,
     .metavar = "DIR",
     .help = "--untrusted-profile may bind host paths beneath DIR",
     .set = set_untrusted_allow_path},
    {.option = "--timeout",
     .directive = "timeout",
     .nargs = 1,
     .metavar = "SECONDS",
     .help = "wall-clock limit for the whole sandbox (exit 124)",
     .set = set_timeout},
    {.option = "--verbose",
     .short_opt = 'v',
     .help = "one line per layer as it is applied (implies --report)",
     .set = set_verbose},
    {.option = "--unsafe-disable-layer",
     .nargs = 1,
     .metavar = "NAME",
     .help = "DEMO ONLY: remove one layer (see the list below)",
     .set = set_disable},
    {0},
};
