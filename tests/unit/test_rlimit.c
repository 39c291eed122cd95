/* Unit tests of the rlimit resolution (src/rlimit.c, lm_rlimit_resolve): the defaults lowered to
 * the caller's hard limits, a command-line request above a hard limit refused, a profile's bound
 * above it lowered, NAME=SOFT setting both limits, the layer switched off.  The test lowers its
 * own RLIMIT_NOFILE first (always allowed), so that "the caller's hard limit" is known and below
 * the default: the process is the caller lamina would be. */
#include "lamina.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"

#define HARD_NOFILE 512 /* the caller's hard limit, below the default 1024 */
#define SOFT_NOFILE 256
#define GIB ((rlim_t)1 << 30)

static struct rlimit own[LM_NRLIMITS]; /* this process's limits once lowered */

static void config(struct lm_config *c, const char *const *specs)
{
	lm_config_init(c);
	for (; specs && *specs; specs++) {
		struct lm_err e = {0};
		CHECK(lm_parse_rlimit(*specs, c, &e) == 0, "parse %s: %s", *specs, e.msg);
	}
}

/* A profile's settings: its rlimits are bounds, marked from_profile as `lamina run` marks them
 * once the profile is loaded. */
static void profile(struct lm_config *c, const char *text)
{
	struct lm_err e = {0};
	lm_config_init(c);
	CHECK(lm_profile_parse_buffer(text, strlen(text), "t.profile", c, &e) == 0,
	      "profile %s: %s", text, e.msg);
	for (int r = 0; r < LM_NRLIMITS; r++)
		if (c->rlimits[r].set)
			c->rlimits[r].from_profile = true;
}

static int resolve(struct lm_config *c, struct rlimit out[LM_NRLIMITS], struct lm_err *e)
{
	memset(e, 0, sizeof *e);
	memset(out, 0xa5, LM_NRLIMITS * sizeof *out);
	return lm_rlimit_resolve(c, out, NULL, e);
}

static bool is(const struct rlimit *r, rlim_t soft, rlim_t hard)
{
	return r->rlim_cur == soft && r->rlim_max == hard;
}

static rlim_t lowered(int res, rlim_t v)
{
	return own[res].rlim_max != RLIM_INFINITY && own[res].rlim_max < v ? own[res].rlim_max : v;
}

static void test_defaults(void)
{
	struct lm_config c;
	struct rlimit out[LM_NRLIMITS], inherited[LM_NRLIMITS];
	struct lm_err e = {0};
	lm_config_init(&c);
	memset(inherited, 0, sizeof inherited);
	CHECK(lm_rlimit_resolve(&c, out, inherited, &e) == 0, "defaults: %s", e.msg);
	CHECK(is(&out[RLIMIT_CORE], 0, 0), "core=0");
	CHECK(is(&out[RLIMIT_NOFILE], HARD_NOFILE, HARD_NOFILE),
	      "nofile: the default 1024 lowered to the caller's hard %d, got %llu:%llu",
	      HARD_NOFILE, (unsigned long long)out[RLIMIT_NOFILE].rlim_cur,
	      (unsigned long long)out[RLIMIT_NOFILE].rlim_max);
	rlim_t nproc = lowered(RLIMIT_NPROC, 1024), fsize = lowered(RLIMIT_FSIZE, 16 * GIB);
	CHECK(is(&out[RLIMIT_NPROC], nproc, nproc), "nproc=1024 (or the caller's hard limit)");
	CHECK(is(&out[RLIMIT_FSIZE], fsize, fsize), "fsize=16G (or the caller's hard limit)");
	/* the kernel's per-user quotas a sandbox shares with its creator: bounded */
	rlim_t sigp = lowered(RLIMIT_SIGPENDING, 4096), mq = lowered(RLIMIT_MSGQUEUE, 409600);
	CHECK(is(&out[RLIMIT_SIGPENDING], sigp, sigp),
	      "sigpending=4096 (or the caller's hard limit)");
	CHECK(is(&out[RLIMIT_MSGQUEUE], mq, mq), "msgqueue=400K (or the caller's hard limit)");
	/* the rest are the caller's own, and inherited receives the caller's limits */
	static const int theirs[] = {RLIMIT_AS, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_STACK,
				     RLIMIT_MEMLOCK};
	for (size_t i = 0; i < sizeof theirs / sizeof theirs[0]; i++) {
		int r = theirs[i];
		CHECK(is(&out[r], own[r].rlim_cur, own[r].rlim_max), "%s: the caller's own",
		      lm_rlimit_name(r));
	}
	bool same = true;
	for (int r = 0; r < LM_NRLIMITS; r++)
		same &= is(&inherited[r], own[r].rlim_cur, own[r].rlim_max);
	CHECK(same, "inherited: the caller's limits");
	CHECK(is(&inherited[RLIMIT_NOFILE], SOFT_NOFILE, HARD_NOFILE), "inherited nofile");
	lm_config_free(&c);
}

static void test_command_line(void)
{
	struct lm_config c;
	struct rlimit out[LM_NRLIMITS];
	struct lm_err e;

	config(&c, (const char *const[]){"nofile=100", "core=0", NULL});
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], 100, 100),
	      "NAME=SOFT sets both limits (nofile=100 -> 100:100)");
	CHECK(is(&out[RLIMIT_CORE], 0, 0), "core=0");
	lm_config_free(&c);

	config(&c, (const char *const[]){"nofile=100:200", NULL});
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], 100, 200),
	      "NAME=SOFT:HARD sets them apart");
	lm_config_free(&c);

	config(&c, (const char *const[]){"nofile=512", NULL});
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], 512, 512),
	      "exactly the caller's hard limit is fine: %s", e.msg);
	lm_config_free(&c);

	static const struct {
		const char *spec, *msg;
	} above[] = {
	    {"nofile=513",
	     "rlimit: nofile=513 is above the caller's hard limit 512 (hard limits can "
	     "only be lowered without CAP_SYS_RESOURCE)"},
	    {"nofile=100:600", "rlimit: nofile=600 is above the caller's hard limit 512 (hard "
			       "limits can only be lowered without CAP_SYS_RESOURCE)"},
	    {"nofile=unlimited", "rlimit: nofile=unlimited is above the caller's hard limit 512 "
				 "(hard limits can only be lowered without CAP_SYS_RESOURCE)"},
	    {"nofile=1K", "rlimit: nofile=1024 is above the caller's hard limit 512 (hard limits "
			  "can only be lowered without CAP_SYS_RESOURCE)"},
	};
	for (size_t i = 0; i < sizeof above / sizeof above[0]; i++) {
		config(&c, (const char *const[]){above[i].spec, NULL});
		int r = resolve(&c, out, &e);
		CHECK(r < 0 && !strcmp(e.msg, above[i].msg) && e.exit_code == LM_EXIT_FAILURE,
		      "%s above the caller's hard limit is an error, not a clamp:\n  expected %s\n"
		      "  got (%d) %s",
		      above[i].spec, above[i].msg, r, e.msg);
		lm_config_free(&c);
	}

	/* Above a default but within the caller's hard limit: the request wins over the default. */
	if (own[RLIMIT_FSIZE].rlim_max == RLIM_INFINITY || own[RLIMIT_FSIZE].rlim_max >= 32 * GIB) {
		config(&c, (const char *const[]){"fsize=32G", NULL});
		CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_FSIZE], 32 * GIB, 32 * GIB),
		      "fsize=32G over the default 16G: %s", e.msg);
		lm_config_free(&c);
	}
	if (own[RLIMIT_AS].rlim_max == RLIM_INFINITY) {
		config(&c, (const char *const[]){"as=1G:unlimited", NULL});
		CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_AS], GIB, RLIM_INFINITY),
		      "as=1G:unlimited under a caller without an address-space limit: %s", e.msg);
		lm_config_free(&c);
	}

	/* Every resource at exactly the caller's hard limit is accepted. */
	for (int r = 0; r < LM_NRLIMITS; r++) {
		char spec[64], v[32];
		snprintf(spec, sizeof spec, "%s=%s", lm_rlimit_name(r),
			 lm_rlimit_format(v, sizeof v, own[r].rlim_max));
		config(&c, (const char *const[]){spec, NULL});
		CHECK(resolve(&c, out, &e) == 0 && is(&out[r], own[r].rlim_max, own[r].rlim_max),
		      "%s: %s", spec, e.msg);
		lm_config_free(&c);
	}
}

static void test_soft_above_hard(void)
{
	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	int r = lm_parse_rlimit("nofile=300:200", &c, &e);
	CHECK(r < 0 && !strcmp(e.msg, "rlimit: nofile: soft limit 300 is above the hard limit 200"),
	      "soft above hard is refused: %s", e.msg);
	CHECK(!c.rlimits[RLIMIT_NOFILE].set, "and nothing is set");
	struct rlimit out[LM_NRLIMITS];
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], HARD_NOFILE, HARD_NOFILE),
	      "the default holds after the refused request");
	lm_config_free(&c);
}

static void test_profile_bound(void)
{
	struct lm_config c;
	struct rlimit out[LM_NRLIMITS];
	struct lm_err e;

	profile(&c, "rlimit nofile=4096\n");
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], HARD_NOFILE, HARD_NOFILE),
	      "a profile's bound above the caller's hard limit is lowered to it: %s", e.msg);
	/* the same request on the command line (after the profile) is an error */
	CHECK(lm_parse_rlimit("nofile=4096", &c, &e) == 0, "command line after the profile");
	CHECK(resolve(&c, out, &e) < 0 && strstr(e.msg, "nofile=4096 is above the caller's hard "
							"limit 512"),
	      "the command line's request is not lowered: %s", e.msg);
	lm_config_free(&c);

	profile(&c, "rlimit nofile=300:4096\n");
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], 300, HARD_NOFILE),
	      "profile nofile=300:4096: the hard part lowered, the soft kept");
	lm_config_free(&c);

	profile(&c, "rlimit nofile=unlimited\n");
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], HARD_NOFILE, HARD_NOFILE),
	      "profile nofile=unlimited: lowered to the caller's hard limit");
	lm_config_free(&c);

	/* twin: a profile's bound below the caller's hard limit holds exactly */
	profile(&c, "rlimit nofile=64\n");
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], 64, 64), "profile nofile=64");
	/* and the command line, after it, wins */
	CHECK(lm_parse_rlimit("nofile=32:48", &c, &e) == 0, "command line after the profile");
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_NOFILE], 32, 48),
	      "the command line wins over the profile");
	lm_config_free(&c);
}

static void test_layer_off(void)
{
	struct lm_config c;
	struct rlimit out[LM_NRLIMITS];
	struct lm_err e;
	lm_config_init(&c);
	c.disabled_layers = LM_LAYER_RLIMITS;
	CHECK(resolve(&c, out, &e) == 0, "layer off: %s", e.msg);
	bool same = true;
	for (int r = 0; r < LM_NRLIMITS; r++)
		same &= is(&out[r], own[r].rlim_cur, own[r].rlim_max);
	CHECK(same, "the rlimits layer off: no default, the caller's own limits");
	CHECK(is(&out[RLIMIT_NOFILE], SOFT_NOFILE, HARD_NOFILE), "nofile stays 256:512");
	/* twin: another layer off leaves the defaults on */
	c.disabled_layers = LM_LAYER_SECCOMP | LM_LAYER_ENV;
	CHECK(resolve(&c, out, &e) == 0 && is(&out[RLIMIT_CORE], 0, 0) &&
		  is(&out[RLIMIT_NOFILE], HARD_NOFILE, HARD_NOFILE),
	      "another layer off: the defaults apply");
	lm_config_free(&c);
}

int main(void)
{
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
	    (nofile.rlim_max != RLIM_INFINITY && nofile.rlim_max < HARD_NOFILE)) {
		printf("skipped: the hard nofile limit is below %d\n", HARD_NOFILE);
		return 77; /* meson: skipped */
	}
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){SOFT_NOFILE, HARD_NOFILE}) < 0) {
		perror("setrlimit");
		return 2;
	}
	for (int r = 0; r < LM_NRLIMITS; r++)
		if (getrlimit(r, &own[r]) < 0) {
			perror("getrlimit");
			return 2;
		}
	test_defaults();
	test_command_line();
	test_soft_above_hard();
	test_profile_bound();
	test_layer_off();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
