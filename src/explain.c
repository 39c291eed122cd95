/* explain.c: `lamina explain [PROFILE]`: every layer of a sandbox in plain words, what it
 * stops and how, for the config a profile (and nothing else) describes.
 *
 * The text follows what the layers do (mount.c, userns.c, caps.c, rlimit.c, env.c,
 * seccomp.c); where a value depends on the config (rlimits, mounts, network, rules) it is read
 * from the config, not restated.  */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lamina.h"
#include "profile.h"
#include "seccomp_internal.h"


/* What a resource limit stops, in a few words. */
static const char *rlimit_purpose(int res)
{
	switch (res) {
	case RLIMIT_CORE:
		return "no core dumps (they would leak the payload's memory to disk)";
	case RLIMIT_NOFILE:
		return "open files per process";
	case RLIMIT_NPROC:
		return "processes of the user: stops fork bombs";
	case RLIMIT_FSIZE:
		return "largest file a process may write: stops filling the disk";
	case RLIMIT_AS:
		return "address space per process: stops memory exhaustion";
	case RLIMIT_CPU:
		return "CPU seconds per process (SIGXCPU, then SIGKILL)";
	case RLIMIT_DATA:
		return "data segment (heap) per process";
	case RLIMIT_STACK:
		return "stack per thread";
	case RLIMIT_MEMLOCK:
		return "locked memory";
	case RLIMIT_SIGPENDING:
		return "queued signals";
	case RLIMIT_MSGQUEUE:
		return "POSIX message queue bytes";
	default:
		return NULL;
	}
}

/* Print the rules of one group: unconditional rules of one action on one line, conditional
 * rules one per line as the profile writes them. */
static void print_rules(FILE *out, const struct lm_seccomp_policy *p,
			const struct lm_profile_info *info, size_t group)
{
	for (int k = LM_ACT_ALLOW; k <= LM_ACT_NOTIFY; k++) {
		/* one line per distinct action (errno values differ) */
		for (size_t i = 0; i < p->nrules; i++) {
			const struct lm_rule *r = &p->rules[i];
			size_t g =
			    info && i < info->nrule_group ? info->rule_group[i] : LM_NO_GROUP;
			if (g != group || (int)r->action.kind != k || r->nconds)
				continue;
			/* first rule of this exact action in the group? */
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++) {
				size_t gj = info && j < info->nrule_group ? info->rule_group[j]
									  : LM_NO_GROUP;
				seen = gj == group && p->rules[j].nconds == 0 &&
				       p->rules[j].action.kind == r->action.kind &&
				       p->rules[j].action.errnum == r->action.errnum;
			}
			if (seen)
				continue;
			char act[64];
			fprintf(out, "    %s:", lm_action_str(&r->action, act, sizeof act));
			unsigned col = 6 + (unsigned)strlen(act);
			for (size_t j = i; j < p->nrules; j++) {
				size_t gj = info && j < info->nrule_group ? info->rule_group[j]
									  : LM_NO_GROUP;
				const struct lm_rule *o = &p->rules[j];
				if (gj != group || o->nconds || o->action.kind != r->action.kind ||
				    o->action.errnum != r->action.errnum)
					continue;
				size_t l = strlen(o->syscall) + 1;
				if (col + l > 96) {
					fprintf(out, "\n       ");
					col = 7;
				}
				fprintf(out, " %s", o->syscall);
				col += (unsigned)l;
			}
			fprintf(out, "\n");
		}
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct lm_rule *r = &p->rules[i];
		size_t g = info && i < info->nrule_group ? info->rule_group[i] : LM_NO_GROUP;
		if (g != group || !r->nconds)
			continue;
		const char *ct =
		    info && i < info->nrule_group && info->rule_conds ? info->rule_conds[i] : NULL;
		char act[64];
		if (ct) {
			fprintf(out, "    %s %s if %s\n",
				lm_action_str(&r->action, act, sizeof act), r->syscall, ct);
		} else {
			char *s = lm_rule_str(r);
			fprintf(out, "    %s\n", s ? s : r->syscall);
			free(s);
		}
	}
}

static bool group_has_rules(const struct lm_seccomp_policy *p, const struct lm_profile_info *info,
			    size_t group)
{
	for (size_t i = 0; i < p->nrules; i++) {
		size_t g = info && i < info->nrule_group ? info->rule_group[i] : LM_NO_GROUP;
		if (g == group)
			return true;
	}
	return false;
}

static void explain_seccomp(FILE *out, const struct lm_config *c,
			    const struct lm_profile_info *info)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	char act[64];
	fprintf(out, "\nSystem call filter (seccomp, installed last, just before the program runs; "
		     "no_new_privs is set first)\n");
	if (p->present) {
		fprintf(
		    out,
		    "  The profile's filter: %zu rules; any call no rule names gets the default "
		    "action %s%s.\n",
		    p->nrules, lm_action_str(&p->default_action, act, sizeof act),
		    p->default_line ? "" : " (implicit: the profile has no default directive)");
		for (size_t g = 0; info && g < info->ngroups; g++) {
			if (!group_has_rules(p, info, g))
				continue;
			fprintf(out, "  [%s] %s\n", info->groups[g].name, info->groups[g].desc);
			print_rules(out, p, info, g);
		}
		if (group_has_rules(p, info, LM_NO_GROUP)) {
			fprintf(out, "  [other] rules outside any group\n");
			print_rules(out, p, info, LM_NO_GROUP);
		}
	} else {
		fprintf(out, "  The profile has no rules of its own: only the built-in rules below "
			     "apply.\n");
	}
	fprintf(out, "  Built-in hardening under every profile (a profile cannot lift it: stacked "
		     "in a filter of its own, or folded into the profile's filter where that decides "
		     "every call the same way):\n");
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *b = &lm_builtins[i];
		if (b->layer != 0)
			continue;
		fprintf(out, "    - %s (%s %s)\n", b->what, b->syscall,
			lm_action_str(&b->action, act, sizeof act));
	}
	if (p->i386)
		fprintf(out,
			"    - foreign architectures: a 64-bit program can enter the kernel through "
			"the i386 entry (int $0x80), where\n      the system call numbers differ: "
			"the profile says `i386 on`, so i386 calls get the same rules (translated by\n"
			"      libseccomp); x32 and any other architecture kill the process, so no "
			"rule can be bypassed that way\n");
	else
		fprintf(out,
			"    - foreign architectures: a 64-bit program can enter the kernel through "
			"the i386 entry (int $0x80), where\n      the system call numbers differ: "
			"any i386, x32 or other foreign call kills the process, so no rule can be\n"
			"      bypassed that way (a profile that must run 32-bit programs says `i386 "
			"on`)\n");
	if (p->stdfd) {
		fprintf(out,
			"  The std-fd layer is on: the payload may not close, or dup onto, its "
			"standard fds 0-2 (fds are compared through a 32-bit mask, as the kernel "
			"reads them):\n");
		for (size_t i = 0; i < lm_nbuiltins; i++) {
			const struct lm_builtin *b = &lm_builtins[i];
			if (b->layer == LM_LAYER_STDFD && lm_builtin_active(c, b))
				fprintf(out, "    - %s (%s %s)\n", b->what, b->syscall,
					lm_action_str(&b->action, act, sizeof act));
		}
		if (p->allow_dup2_1_2)
			fprintf(out, "    - the seed's one exception: dup2(1, 2), stderr joined to "
				     "stdout, is allowed\n");
	} else {
		fprintf(out,
			"  The std-fd layer is off: shells may redirect with dup2 onto 0-2.\n");
	}
}

int lm_explain(FILE *out, struct lm_config *c, const struct lm_profile_info *info, struct lm_err *e)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	fprintf(out, "Profile %s (%s)\n", p->name ? p->name : "?", p->path ? p->path : "?");
	if (info && info->purpose)
		fprintf(out, "  %s\n", info->purpose);
	fprintf(out, "The payload runs through these layers, outermost first; if any layer cannot "
		     "be applied, the program is not run.\n");

	fprintf(out, "\nNamespaces (a new one of each kind; the program sees only its own)\n");
	fprintf(out, "  user     ids and capabilities are those of a fresh user namespace: they "
		     "count for nothing outside it\n");
	fprintf(out,
		"  mount    its own mount table: the host's mounts cannot be seen or changed\n");
	fprintf(out, "  pid      its own process ids: host processes cannot be seen or signalled; "
		     "when the sandbox ends, every process left in it is killed\n");
	if (c->share_net)
		fprintf(out, "  network  NOT isolated: the profile shares the host's network\n");
	else
		fprintf(out, "  network  a new network namespace with only lo (up): no way out to "
			     "the host or the internet\n");
	fprintf(out, "  ipc      its own System V IPC and POSIX message queues\n");
	fprintf(out, "  uts      its own host name (%s)\n", c->hostname ? c->hostname : "lamina");
	fprintf(out, "  cgroup   its own view of the cgroup tree\n");

	fprintf(out, "\nRoot file system\n");
	if (c->rootfs) {
		fprintf(out, "  %s as the root\n", c->rootfs);
	} else {
		fprintf(out,
			"  a new tmpfs, read-only once built, holding:\n"
			"    /usr                read-only bind of the host's /usr; /bin, /sbin, "
			"/lib* as on the host (links into /usr)\n"
			"    /etc                generated: passwd, group, hosts, hostname, "
			"nsswitch.conf, plus read-only copies of the\n"
			"                        loader cache, alternatives, time zone, "
			"certificates and similar host files\n"
			"    /tmp                private tmpfs\n"
			"    /proc               of the new pid namespace; kcore, keys, kallsyms, "
			"kmsg, sysrq-trigger... masked; sys, irq, bus, fs read-only\n"
			"    /dev                null zero full random urandom tty, a new devpts, "
			"shm; read-only\n"
			"    no /sys, no /home, no /root, no /var, no host sockets\n");
	}
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		if (m->kind == LM_MOUNT_TMPFS)
			fprintf(out, "    %-19s private tmpfs (from the profile)\n", m->dst);
		else
			fprintf(out, "    %-19s %s bind of host %s (from the profile)\n", m->dst,
				m->kind == LM_MOUNT_RO_BIND ? "read-only" : "WRITABLE", m->src);
	}
	fprintf(out, "  (command-line --bind, --ro-bind and --tmpfs add to this list)\n");

	fprintf(out, "\nIdentity\n");
	fprintf(out,
		"  inside: your own uid and gid (or --uid/--gid); only that one id is mapped. "
		"Run as root, lamina maps it to\n  an unprivileged host id (nobody), so an escape "
		"is not a root escape. Supplementary groups are dropped (run as root) or\n"
		"  unmapped (they show as nogroup and grant nothing new).\n");

	fprintf(out, "\nCapabilities\n");
	fprintf(out, "  every set emptied (effective, permitted, inheritable, bounding, ambient) "
		     "after the mounts; securebits locked so that\n  uid 0 inside never regains "
		     "them; no_new_privs: setuid files and file capabilities give nothing\n");

	fprintf(out, "\nResource limits (soft:hard, as they would be applied now)\n");
	struct rlimit lim[LM_NRLIMITS];
	if (lm_rlimit_resolve(c, lim, NULL, e) < 0)
		return -1;
	static const int shown[] = {RLIMIT_CORE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_FSIZE,
				    RLIMIT_AS,	 RLIMIT_CPU,	RLIMIT_DATA,  RLIMIT_STACK};
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		int r = shown[i];
		char s[32], h[32];
		lm_rlimit_format(s, sizeof s, lim[r].rlim_cur);
		lm_rlimit_format(h, sizeof h, lim[r].rlim_max);
		fprintf(out, "  %-8s %s:%s%s  %s\n", lm_rlimit_name(r), s, h,
			c->rlimits[r].set ? " (profile)" : "", rlimit_purpose(r));
	}
	if (c->timeout > 0)
		fprintf(out,
			"  wall clock: the whole sandbox is killed after %g seconds (exit 124)\n",
			c->timeout);

	fprintf(out, "\nEnvironment\n");
	if (c->keep_env)
		fprintf(out, "  the caller's environment is kept (keep-env)\n");
	else
		fprintf(out, "  cleared to PATH, HOME, TERM, LANG (where set): no secrets leak in "
			     "through variables\n");
	for (size_t i = 0; i < c->nenvops; i++) {
		if (c->envops[i].unset)
			fprintf(out, "  unset %s\n", c->envops[i].key);
		else
			fprintf(out, "  set %s=%s\n", c->envops[i].key, c->envops[i].value);
	}

	fprintf(out, "\nProcess\n");
	fprintf(out, "  a new session (no controlling terminal: TIOCSTI cannot type into yours); "
		     "every fd but 0, 1 and 2 is closed;\n  non-dumpable; dies with lamina; "
		     "lamina's init (pid 1 inside) reaps orphans and forwards signals\n");

	explain_seccomp(out, c, info);
	return 0;
}
