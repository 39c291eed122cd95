/* Parsing of numbers, sizes and rlimit specifications, shared by the command line and the
 * profile parser.  Everything is strict: no sign, no trailing garbage, no silent overflow. */
#include "lamina.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int lm_parse_u64(const char *s, uint64_t max, bool allow_suffix, uint64_t *out)
{
	if (!s || !*s)
		return -1;
	if (allow_suffix && (strcmp(s, "unlimited") == 0 || strcmp(s, "infinity") == 0)) {
		*out = UINT64_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]))
		return -1; /* no sign, no space */
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	uint64_t mul = 1;
	if (*end && allow_suffix) {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ull << 10; break;
		case 'M': mul = 1ull << 20; break;
		case 'G': mul = 1ull << 30; break;
		case 'T': mul = 1ull << 40; break;
		default: return -1;
		}
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
	}
	if (*end)
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	v *= mul;
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int lm_parse_rlimit(const char *spec, struct lm_config *c, struct lm_err *e)
{
	const char *eq = spec ? strchr(spec, '=') : NULL;
	if (!eq)
		return lm_error(e, 0, "rlimit", "'%s' is not NAME=SOFT[:HARD] (e.g. nofile=256)",
				spec ? spec : "");
	char name[32];
	size_t nl = (size_t)(eq - spec);
	if (nl == 0 || nl >= sizeof name)
		return lm_error(e, 0, "rlimit", "'%.*s' is not a resource name", (int)(nl > 40 ? 40 : nl), spec);
	memcpy(name, spec, nl);
	name[nl] = 0;
	int res = lm_rlimit_from_name(name);
	if (res < 0)
		return lm_error(e, 0, "rlimit",
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
		return lm_error(e, 0, "rlimit", "%s: bad value '%s' (a number, K/M/G suffix, or unlimited)",
				name, soft);
	if (colon && lm_parse_u64(colon + 1, UINT64_MAX, true, &h) < 0)
		return lm_error(e, 0, "rlimit", "%s: bad hard value '%s'", name, colon + 1);
	rlim_t rs = s == UINT64_MAX ? RLIM_INFINITY : (rlim_t)s;
	rlim_t rh = colon ? (h == UINT64_MAX ? RLIM_INFINITY : (rlim_t)h) : 0;
	if (colon && rs > rh)
		return lm_error(e, 0, "rlimit", "%s: soft limit %s is above the hard limit %s", name,
				soft, colon + 1);
	c->rlimits[res].set = true;
	c->rlimits[res].soft = rs;
	c->rlimits[res].hard_set = colon != NULL;
	c->rlimits[res].hard = rh;
	c->rlimits[res].from_profile = false;
	return 0;
}
