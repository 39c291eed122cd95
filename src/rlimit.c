/* rlimits: resolved in the supervisor (so a bad request fails before anything runs) and applied
 * in the payload just before the capability drop.
 *
 * Nobody here holds CAP_SYS_RESOURCE in the initial user namespace (not even root on these
 * machines, and never the payload inside its own user namespace), so a hard limit can only be
 * lowered.  A request above the caller's hard limit is an error, not a silent clamp.  NAME=SOFT
 * without :HARD sets both, so that the payload cannot raise its soft limit back. */
#include "lamina.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const char *const names[LM_NRLIMITS] = {
	[RLIMIT_AS] = "as",           [RLIMIT_CORE] = "core",         [RLIMIT_CPU] = "cpu",
	[RLIMIT_DATA] = "data",       [RLIMIT_FSIZE] = "fsize",       [RLIMIT_LOCKS] = "locks",
	[RLIMIT_MEMLOCK] = "memlock", [RLIMIT_MSGQUEUE] = "msgqueue", [RLIMIT_NICE] = "nice",
	[RLIMIT_NOFILE] = "nofile",   [RLIMIT_NPROC] = "nproc",       [RLIMIT_RSS] = "rss",
	[RLIMIT_RTPRIO] = "rtprio",   [RLIMIT_RTTIME] = "rttime",     [RLIMIT_SIGPENDING] = "sigpending",
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

int lm_rlimit_resolve(struct lm_config *c, struct rlimit out[LM_NRLIMITS],
		      struct rlimit inherited[LM_NRLIMITS], struct lm_err *e)
{
	struct rlimit own[LM_NRLIMITS], *caller = inherited ? inherited : own;
	for (int i = 0; i < LM_NRLIMITS; i++) {
		if (getrlimit(i, &caller[i]) < 0)
			return lm_error(e, errno, "rlimit", "getrlimit %s", names[i]);
		out[i] = caller[i];
	}
	bool off = c->disabled_layers & LM_LAYER_RLIMITS;
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
		bool above = caller[i].rlim_max != RLIM_INFINITY && (hard == RLIM_INFINITY || hard > caller[i].rlim_max);
		if (above && q->from_profile) {
			hard = caller[i].rlim_max;
			if (soft == RLIM_INFINITY || soft > hard)
				soft = hard;
			above = false;
		}
		if (above) {
			lm_rlimit_format(a, sizeof a, hard);
			lm_rlimit_format(b, sizeof b, caller[i].rlim_max);
			return lm_error(e, 0, "rlimit",
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
