/* rlimits: resolved in the supervisor (so a bad request fails before anything runs) and applied
 * in the payload just before the capability drop.
 *
 * Nobody here holds CAP_SYS_RESOURCE in the initial user namespace (not even root on these
 * machines, and never the payload inside its own user namespace), so a hard limit can only be
 * lowered.  A request above the caller's hard limit is an error, not a silent clamp.  NAME=SOFT
 * without :HARD sets both, so that the payload cannot raise its soft limit back. */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const char *const names[LM_NRLIMITS] = {
    [RLIMIT_AS] = "as",
    [RLIMIT_CORE] = "core",
    [RLIMIT_CPU] = "cpu",
    [RLIMIT_DATA] = "data",
    [RLIMIT_FSIZE] = "fsize",
    [RLIMIT_LOCKS] = "locks",
    [RLIMIT_MEMLOCK] = "memlock",
    [RLIMIT_MSGQUEUE] = "msgqueue",
    [RLIMIT_NICE] = "nice",
    [RLIMIT_NOFILE] = "nofile",
    [RLIMIT_NPROC] = "nproc",
    [RLIMIT_RSS] = "rss",
    [RLIMIT_RTPRIO] = "rtprio",
    [RLIMIT_RTTIME] = "rttime",
    [RLIMIT_SIGPENDING] = "sigpending",
    [RLIMIT_STACK] = "stack",
};

/* Safe defaults a build step lives with: no core dumps, bounded processes, files and file
 * size.  Each is lowered to the caller's own hard limit when that is smaller. */
static const struct {
	int res;
	rlim_t value;
} defaults[] = {
    {RLIMIT_CORE, 0},
    {RLIMIT_NOFILE, 1024},
    {RLIMIT_NPROC, 1024},
    {RLIMIT_FSIZE, (rlim_t)16 << 30},
    /* Queued signals and message-queue bytes are charged per user up the chain of user
     * namespaces: these bound what the sandbox can take (the userns layer creates the
     * namespace with the same limits, so they hold for all of the sandbox's ids together). */
    {RLIMIT_SIGPENDING, 4096},
    {RLIMIT_MSGQUEUE, 409600},
};

int lm_rlimit_from_name(const char *name)
{
	for (int i = 0; i < LM_NRLIMITS; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *lm_rlimit_name(int resource)
{
	return resource >= 0 && resource < LM_NRLIMITS && names[resource] ? names[resource] : "?";
}

/* "nofile=256", "as=1G:2G", "core=0": SOFT alone sets both limits. */
int lm_parse_rlimit(const char *spec, struct lm_config *c, struct lm_err *e)
{
	const char *eq = spec ? strchr(spec, '=') : NULL;
	if (!eq)
		return lm_error(e, 0, "rlimit", "'%s' is not NAME=SOFT[:HARD] (e.g. nofile=256)",
				spec ? spec : "");
	char name[32];
	size_t nl = (size_t)(eq - spec);
	if (nl == 0 || nl >= sizeof name)
		return lm_error(e, 0, "rlimit", "'%.*s' is not a resource name",
				(int)(nl > 40 ? 40 : nl), spec);
	memcpy(name, spec, nl);
	name[nl] = 0;
	int res = lm_rlimit_from_name(name);
	if (res < 0)
		return lm_error(
		    e, 0, "rlimit",
		    "unknown resource '%s' (as, core, cpu, data, fsize, locks, memlock, "
		    "msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)",
		    name);
	const char *v = eq + 1;
	const char *colon = strchr(v, ':');
	char soft[64];
	size_t sl = colon ? (size_t)(colon - v) : strlen(v);
	if (sl == 0 || sl >= sizeof soft)
		return lm_error(e, 0, "rlimit", "%s: bad value '%s'", name, v);
	memcpy(soft, v, sl);
	soft[sl] = 0;
	uint64_t s, h = 0;
	if (lm_parse_u64(soft, UINT64_MAX, true, &s) < 0)
		return lm_error(e, 0, "rlimit",
				"%s: bad value '%s' (a number, K/M/G suffix, or unlimited)", name,
				soft);
	if (colon && lm_parse_u64(colon + 1, UINT64_MAX, true, &h) < 0)
		return lm_error(e, 0, "rlimit", "%s: bad hard value '%s'", name, colon + 1);
	rlim_t rs = s == UINT64_MAX ? RLIM_INFINITY : (rlim_t)s;
	rlim_t rh = colon ? (h == UINT64_MAX ? RLIM_INFINITY : (rlim_t)h) : 0;
	if (colon && rs > rh)
		return lm_error(e, 0, "rlimit", "%s: soft limit %s is above the hard limit %s",
				name, soft, colon + 1);
	c->rlimits[res].set = true;
	c->rlimits[res].soft = rs;
	c->rlimits[res].hard_set = colon != NULL;
	c->rlimits[res].hard = rh;
	c->rlimits[res].from_profile = false;
	return 0;
}

const char *lm_rlimit_format(char *buf, size_t n, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, n, "unlimited");
	else if (v >= (1ull << 30) && v % (1ull << 30) == 0)
		snprintf(buf, n, "%lluG", (unsigned long long)(v >> 30));
	else if (v >= (1ull << 20) && v % (1ull << 20) == 0)
		snprintf(buf, n, "%lluM", (unsigned long long)(v >> 20));
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
	return buf;
}

void lm_rlimit_baseline(int resource, struct rlimit *out)
{
	if (getrlimit(resource, out) < 0)
		*out = (struct rlimit){0, 0}; /* unknown: nothing may be raised */
	for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++) {
		if (defaults[d].res != resource)
			continue;
		rlim_t v = defaults[d].value;
		if (out->rlim_max != RLIM_INFINITY && out->rlim_max < v)
			v = out->rlim_max;
		out->rlim_cur = out->rlim_max = v;
	}
}

int lm_rlimit_resolve(struct lm_config *c, struct rlimit out[LM_NRLIMITS],
		      struct rlimit inherited[LM_NRLIMITS], struct lm_err *e)
{
	struct rlimit own[LM_NRLIMITS], *caller = inherited ? inherited : own;
	for (int i = 0; i < LM_NRLIMITS; i++) {
		if (getrlimit(i, &caller[i]) < 0)
			return lm_error(e, errno, "rlimit", "getrlimit %s", names[i]);
		out[i] = caller[i];
	}
	bool off = !lm_layer_on(c, LM_LAYER_RLIMITS);
	if (!off) {
		for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++) {
			struct rlimit *r = &out[defaults[d].res];
			rlim_t v = defaults[d].value;
			if (r->rlim_max != RLIM_INFINITY && r->rlim_max < v)
				v = r->rlim_max;
			r->rlim_cur = r->rlim_max = v;
		}
	}
	for (int i = 0; i < LM_NRLIMITS; i++) {
		const struct lm_rlimit *q = &c->rlimits[i];
		if (!q->set)
			continue;
		rlim_t hard = q->hard_set ? q->hard : q->soft, soft = q->soft;
		char a[32], b[32];
		bool above = caller[i].rlim_max != RLIM_INFINITY &&
			     (hard == RLIM_INFINITY || hard > caller[i].rlim_max);
		if (above && q->from_profile) {
			hard = caller[i].rlim_max;
			if (soft == RLIM_INFINITY || soft > hard)
				soft = hard;
			above = false;
		}
		if (above) {
			lm_rlimit_format(a, sizeof a, hard);
			lm_rlimit_format(b, sizeof b, caller[i].rlim_max);
			return lm_error(
			    e, 0, "rlimit",
			    "%s=%s is above the caller's hard limit %s (hard limits can only be "
			    "lowered without CAP_SYS_RESOURCE)",
			    names[i], a, b);
		}
		out[i].rlim_cur = soft;
		out[i].rlim_max = hard;
	}
	return 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define LM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LM_ASAN 1
#endif
#endif

int lm_rlimit_apply(const struct rlimit lim[LM_NRLIMITS],
		    const struct rlimit inherited[LM_NRLIMITS], struct lm_err *e)
{
	for (int i = 0; i < LM_NRLIMITS; i++) {
		/* What the payload already has (the supervisor's own limits, passed down through
		 * init unchanged) needs no call: under the default profile it sets 6 of the 16. */
		if (inherited && lim[i].rlim_cur == inherited[i].rlim_cur &&
		    lim[i].rlim_max == inherited[i].rlim_max)
			continue;
#ifdef LM_ASAN
		/* An AddressSanitizer build maps terabytes of shadow memory: any address-space
		 * limit breaks lamina's own code before the exec.  Test builds only; the tests that
		 * check RLIMIT_AS say why they skip there. */
		if (i == RLIMIT_AS)
			continue;
#endif
		if (setrlimit(i, &lim[i]) < 0) {
			char a[32], b[32];
			lm_rlimit_format(a, sizeof a, lim[i].rlim_cur);
			lm_rlimit_format(b, sizeof b, lim[i].rlim_max);
			return lm_error(e, errno, "rlimit", "setrlimit %s=%s:%s", names[i], a, b);
		}
	}
	return 0;
}

/* Resolved in the supervisor, inherited by init and the payload. */
static struct rlimit resolved[LM_NRLIMITS], inherited[LM_NRLIMITS];

static bool resolved_set;

static int rlimits_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	if (lm_rlimit_resolve(sb->c, resolved, inherited, e) < 0)
		return -1;
	resolved_set = true;
	return 0;
}

bool lm_rlimit_resolved(int resource, struct rlimit *out)
{
	if (!resolved_set || resource < 0 || resource >= LM_NRLIMITS)
		return false;
	*out = resolved[resource];
	return true;
}

static int rlimits_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (!lm_layer_on(c, LM_LAYER_RLIMITS))
		return 0;
	if (lm_rlimit_apply(resolved, inherited, e) < 0)
		return -1;
	if (c->verbose) {
		char b[4][32];
		lm_verbose(c, "rlimit",
			   "core=%s nofile=%s nproc=%s fsize=%s (the rest as resolved)",
			   lm_rlimit_format(b[0], sizeof b[0], resolved[RLIMIT_CORE].rlim_cur),
			   lm_rlimit_format(b[1], sizeof b[1], resolved[RLIMIT_NOFILE].rlim_cur),
			   lm_rlimit_format(b[2], sizeof b[2], resolved[RLIMIT_NPROC].rlim_cur),
			   lm_rlimit_format(b[3], sizeof b[3], resolved[RLIMIT_FSIZE].rlim_cur));
	}
	return 0;
}

static int set_rlimit(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	if (lm_parse_rlimit(a->argv[0], c, e) < 0)
		return -1;
	/* A profile's rlimits are bounds for everyone who uses it: a caller whose own hard limit
	 * is lower keeps that (the command line's are requests: above the hard limit, an error).
	 * The resource is the one just parsed: the last set, found by name. */
	char name[32];
	size_t n = strcspn(a->argv[0], "=");
	snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1),
		 a->argv[0]);
	int r = lm_rlimit_from_name(name);
	if (r >= 0)
		c->rlimits[r].from_profile = a->src == LM_SRC_PROFILE;
	return 0;
}

static const struct lm_setting rlimit_settings[] = {
    {.option = "--rlimit",
     .directive = "rlimit",
     .nargs = 1,
     .metavar = "NAME=SOFT[:HARD]",
     .help = "e.g. nofile=256, as=1G, nproc=64, core=0 (SOFT alone sets both)",
     .set = set_rlimit},
    {0},
};

/* What a resource limit stops, in a few words. */
static const char *rlimit_purpose(int res)
{
	switch (res) {
	case RLIMIT_CORE:
		return "no core dumps (they would leak the payload's memory to disk)";
	case RLIMIT_NOFILE:
		return "open files per process";
	case RLIMIT_NPROC:
		return "processes of each user inside (as root, of the whole sandbox): stops fork "
		       "bombs";
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
	case RLIMIT_SIGPENDING:
		return "queued signals of the whole sandbox: the host's quota stays the host's";
	case RLIMIT_MSGQUEUE:
		return "POSIX message-queue bytes of the whole sandbox";
	default:
		return "";
	}
}

static void rlimits_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nResource limits (rlimits; soft:hard, as they would be applied now)\n");
	struct rlimit lim[LM_NRLIMITS];
	struct lm_err e = {0};
	if (lm_rlimit_resolve((struct lm_config *)c, lim, NULL, &e) < 0) {
		fprintf(out, "  cannot be applied for this caller: %s\n", e.msg);
		return;
	}
	static const int shown[] = {RLIMIT_CORE,       RLIMIT_NOFILE,  RLIMIT_NPROC, RLIMIT_FSIZE,
				    RLIMIT_AS,	       RLIMIT_CPU,     RLIMIT_DATA,  RLIMIT_STACK,
				    RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE};
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		int r = shown[i];
		char s[32], h[32];
		lm_rlimit_format(s, sizeof s, lim[r].rlim_cur);
		lm_rlimit_format(h, sizeof h, lim[r].rlim_max);
		fprintf(out, "  %-8s %s:%s%s  %s\n", lm_rlimit_name(r), s, h,
			c->rlimits[r].set ? " (profile)" : "", rlimit_purpose(r));
	}
}

static void rlimits_summary(FILE *out, const struct lm_config *c)
{
	for (int i = 0; i < LM_NRLIMITS; i++)
		if (c->rlimits[i].set) {
			const struct lm_rlimit *r = &c->rlimits[i];
			char v[32];
			fprintf(out, " %s=%s", lm_rlimit_name(i),
				lm_rlimit_format(v, sizeof v, r->soft));
			if (r->hard_set)
				fprintf(out, ":%s", lm_rlimit_format(v, sizeof v, r->hard));
			fprintf(out, ";");
		}
}

const struct lm_layer lm_layer_rlimits = {
    .name = "rlimits",
    .bit = LM_LAYER_RLIMITS,
    .removable = true,
    .settings = rlimit_settings,
    .step = {[LM_STAGE_PREPARE] = rlimits_prepare, [LM_STAGE_PAYLOAD] = rlimits_payload},
    .explain = rlimits_explain,
    .summary = rlimits_summary,
};
