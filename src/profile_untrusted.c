/* profile_untrusted.c: what a profile given with --untrusted-profile may do.
 *
 * A hosting operator runs profiles its tenants wrote.  Such a profile may only narrow the
 * sandbox lamina builds: it starts from a shipped profile (its first directive includes one by
 * name, and it includes nothing else), and what it adds keeps the payload inside that base.  The
 * mode is a command-line option, not a directive a profile could leave out: the operator says
 * which file is the tenant's, and lamina holds every line of it (not the shipped profiles it
 * names) to these rules:
 *  - mounts: binds and overlays only of host paths beneath a directory the operator names with
 *    --untrusted-allow-path (resolved, symlinks followed, when the profile is read); tmpfs and
 *    symlinks, which are private to the sandbox; never dev-bind;
 *  - environment: setenv and unsetenv with the profile's own values; never keep-env, which
 *    would hand the payload the caller's variables;
 *  - network: none (the default); never share-net, network host or user, publish,
 *    connect-host, allow-outbound;
 *  - ids: never userns-range (which host ids the sandbox gets is the operator's choice);
 *  - rlimits: only at or below the limit in force (the base's, else lamina's default, else the
 *    caller's); cgroup limits likewise (a limit where there was none is fine), CPU and IO
 *    shares at most the one in force (the default share where none is set);
 *  - Landlock: a path rule only beneath a path the base (or an earlier line) grants at least
 *    the same rights on, or beneath one of the sandbox's own mounts; port rules where they
 *    restrict; never lifting a scope;
 *  - seccomp (checked in profile.c): no allow, log or notify rule that a rule of the base does
 *    not already allow as broadly, no allow or log default, no `i386 on`, no lifting of the
 *    std-fd layer a base turns on.
 * Each refusal is one line, "FILE:LINE:COL: untrusted profile: DIRECTIVE is not allowed (why)". */
#include "profile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/landlock.h>

static const struct {
	const char *directive;
	const char *why;
} refused[] = {
    {"keep-env", "it would give the payload the caller's environment"},
    {"share-net", "the sandbox keeps its own network"},
    {"publish", "the sandbox keeps its own network"},
    {"connect-host", "the sandbox keeps its own network"},
    {"allow-outbound", "the sandbox keeps its own network"},
    {"userns-range", "the host ids are the operator's choice"},
    {"dev-bind", "device nodes from the host are the operator's choice"},
    {"overlay-upper", "where changes are kept on the host is the operator's choice"},
};

const char *lm_untrusted_directive(const char *name)
{
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (strcmp(refused[i].directive, name) == 0)
			return refused[i].why;
	return NULL;
}

int lm_untrusted_snap(const struct lm_config *c, struct lm_untrusted_snap *s)
{
	*s = (struct lm_untrusted_snap){
	    .nmounts = c->nmounts,
	    .nlandlock = c->nlandlock_rules,
	    .share_net = c->share_net,
	    .net_user = c->net_user,
	    .keep_env = c->keep_env,
	    .unscoped = c->landlock_unscoped,
	};
	memcpy(s->rl, c->rlimits, sizeof s->rl);
	s->res = c->res;
	return 0;
}

/* Is path (absolute, resolved) dir or beneath it? */
static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* A host path the profile names, beneath one of the operator's directories? */
static bool host_path_allowed(const struct lm_config *c, const char *src, bool may_be_missing)
{
	char buf[PATH_MAX];
	const char *p = realpath(src, buf);
	if (!p) {
		/* a -try source that is not there yet: its words must say where it is */
		if (!(may_be_missing && errno == ENOENT && src[0] == '/' && !strstr(src, "/..") &&
		      !strstr(src, "/./")))
			return false;
		p = src;
	}
	for (size_t i = 0; i < c->nuntrusted_paths; i++)
		if (beneath(p, c->untrusted_paths[i]))
			return true;
	return false;
}

/* A cgroup limit where 0 means none: raised, or removed? */
static bool raised(uint64_t old, uint64_t now)
{
	return old && (!now || now > old);
}

/* What the resources layer's settings changed: limits only lowered, shares only at or below
 * the one in force (the default share is 100), no swap beyond the one in force. */
static const char *resources_widened(const struct lm_resources *o, const struct lm_resources *r)
{
	if (raised(o->memory, r->memory))
		return "memory";
	if (raised(o->pids, r->pids))
		return "pids";
	if (raised(o->cpu_quota, r->cpu_quota))
		return "cpus";
	if (r->memory_swap_set && r->memory_swap > (o->memory_swap_set ? o->memory_swap : 0))
		return "memory-swap";
	if (r->cpu_weight > (o->cpu_weight ? o->cpu_weight : 100))
		return "cpu-weight";
	if (r->io_weight > (o->io_weight ? o->io_weight : 100))
		return "io-weight";
	for (unsigned i = 0; i < o->nio && i < r->nio; i++)
		if (raised(o->io[i].rbps, r->io[i].rbps) || raised(o->io[i].wbps, r->io[i].wbps))
			return "io bandwidth";
	return NULL;
}

static rlim_t hard_of(const struct lm_rlimit *r)
{
	return r->hard_set ? r->hard : r->soft;
}

/* A path rule: granted as broadly before, or beneath one of the sandbox's own mounts? */
static bool landlock_covered(const struct lm_config *c, size_t before,
			     const struct lm_landlock_rule *r)
{
	for (size_t j = 0; j < before; j++) {
		const struct lm_landlock_rule *o = &c->landlock_rules[j];
		if (o->path && (o->access & r->access) == r->access && beneath(r->path, o->path))
			return true;
	}
	for (size_t m = 0; m < c->nmounts; m++)
		if (c->mounts[m].kind != LM_MOUNT_SYMLINK && c->mounts[m].dst &&
		    beneath(r->path, c->mounts[m].dst))
			return true;
	return false;
}

/* A port rule: the first of its kind restricts; a later one must fall within an earlier range. */
static bool port_covered(const struct lm_config *c, size_t before, const struct lm_landlock_rule *r)
{
	bool any = false;
	for (size_t j = 0; j < before; j++) {
		const struct lm_landlock_rule *o = &c->landlock_rules[j];
		if (o->path || !(o->access & r->access))
			continue;
		any = true;
		if ((o->access & r->access) == r->access && o->lo <= r->lo && r->hi <= o->hi)
			return true;
	}
	return !any;
}

int lm_untrusted_check(const struct lm_config *c, const struct lm_untrusted_snap *b, char *why,
		       size_t n)
{
	if (c->keep_env && !b->keep_env)
		return snprintf(why, n, "it would give the payload the caller's environment"), -1;
	if ((c->share_net && !b->share_net) || (c->net_user && !b->net_user))
		return snprintf(why, n, "the sandbox keeps its own network"), -1;
	for (size_t i = b->nmounts; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		switch (m->kind) {
		case LM_MOUNT_TMPFS:
		case LM_MOUNT_SYMLINK:
			break;
		case LM_MOUNT_RO_BIND:
		case LM_MOUNT_BIND:
		case LM_MOUNT_OVERLAY:
			if (!host_path_allowed(c, m->src, m->try_src))
				return snprintf(why, n,
						"%s is not beneath a directory the operator allows "
						"with --untrusted-allow-path",
						m->src),
				       -1;
			if (m->upper && !host_path_allowed(c, m->upper, false))
				return snprintf(why, n,
						"%s is not beneath a directory the operator allows "
						"with --untrusted-allow-path",
						m->upper),
				       -1;
			break;
		default:
			return snprintf(why, n, "host files are the operator's choice"), -1;
		}
	}
	for (int i = 0; i < LM_NRLIMITS; i++) {
		const struct lm_rlimit *o = &b->rl[i], *r = &c->rlimits[i];
		if (!r->set || memcmp(o, r, sizeof *r) == 0)
			continue;
		struct rlimit cur;
		if (o->set)
			cur = (struct rlimit){o->soft, hard_of(o)};
		else
			lm_rlimit_baseline(i, &cur);
		if (r->soft > cur.rlim_cur || hard_of(r) > cur.rlim_max) {
			char v[32], w[32];
			return snprintf(
				   why, n, "%s may only be lowered: the limit in force is %s:%s",
				   lm_rlimit_name(i), lm_rlimit_format(v, sizeof v, cur.rlim_cur),
				   lm_rlimit_format(w, sizeof w, cur.rlim_max)),
			       -1;
		}
	}
	const char *res = resources_widened(&b->res, &c->res);
	if (res)
		return snprintf(why, n, "%s may only be lowered, or set where it is not", res), -1;
	if (c->landlock_unscoped & ~b->unscoped)
		return snprintf(why, n, "a Landlock scope may not be lifted"), -1;
	for (size_t i = b->nlandlock; i < c->nlandlock_rules; i++) {
		const struct lm_landlock_rule *r = &c->landlock_rules[i];
		if (r->path ? !landlock_covered(c, b->nlandlock, r)
			    : !port_covered(c, b->nlandlock, r))
			return snprintf(why, n,
					r->path ? "%s is not beneath a path the base grants as "
						  "much, nor beneath one of the sandbox's mounts"
						: "%sits ports widen the ranges given before",
					r->path ? r->path : ""),
			       -1;
	}
	return 0;
}
