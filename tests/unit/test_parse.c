/* Unit tests of the number and rlimit parsers shared by the command line and the profile parser
 * (src/parse.c): lm_parse_u64 (suffixes, unlimited, the maximum, overflow, signs, garbage) and
 * lm_parse_rlimit (every resource name, SOFT[:HARD], the errors with their exact message, and
 * nothing half-set after an error). */
#include "lamina.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "check.h"

#define GOOD(s, max, suffix, want)                                                                 \
	do {                                                                                       \
		uint64_t v_ = 0xdeadbeef;                                                          \
		int r_ = lm_parse_u64((s), (max), (suffix), &v_);                                  \
		CHECK(r_ == 0 && v_ == (uint64_t)(want),                                           \
		      "lm_parse_u64(\"%s\", %s): %d, %llu (want %llu)", (s),                       \
		      (suffix) ? "suffixes" : "plain", r_, (unsigned long long)v_,                 \
		      (unsigned long long)(want));                                                 \
	} while (0)

#define BAD(s, max, suffix)                                                                        \
	do {                                                                                       \
		uint64_t v_ = 12345;                                                               \
		int r_ = lm_parse_u64((s), (max), (suffix), &v_);                                  \
		CHECK(r_ < 0 && v_ == 12345,                                                       \
		      "lm_parse_u64(\"%s\", %s) must fail and leave *out, got %d, %llu",           \
		      (s) ? (s) : "NULL", (suffix) ? "suffixes" : "plain", r_,                     \
		      (unsigned long long)v_);                                                     \
	} while (0)

static void test_u64(void)
{
	GOOD("0", UINT64_MAX, false, 0);
	GOOD("123", UINT64_MAX, false, 123);
	GOOD("18446744073709551615", UINT64_MAX, false, UINT64_MAX);
	GOOD("4294967294", 4294967294ull, false, 4294967294ull);
	BAD("4294967295", 4294967294ull, false);	/* above max: (uid_t)-1 is no id */
	BAD("18446744073709551616", UINT64_MAX, false); /* overflow */
	BAD("99999999999999999999999", UINT64_MAX, true);

	/* suffixes: K, M, G, T (binary), either case, an optional i and B */
	GOOD("64K", UINT64_MAX, true, 64ull << 10);
	GOOD("64k", UINT64_MAX, true, 64ull << 10);
	GOOD("8M", UINT64_MAX, true, 8ull << 20);
	GOOD("1G", UINT64_MAX, true, 1ull << 30);
	GOOD("16G", UINT64_MAX, true, 16ull << 30);
	GOOD("2T", UINT64_MAX, true, 2ull << 40);
	GOOD("1KiB", UINT64_MAX, true, 1024);
	GOOD("1kb", UINT64_MAX, true, 1024);
	GOOD("1Mi", UINT64_MAX, true, 1ull << 20);
	GOOD("0K", UINT64_MAX, true, 0);
	GOOD("16777215T", UINT64_MAX, true, 16777215ull << 40);
	BAD("16777216T", UINT64_MAX, true); /* 2^64: the multiplication overflows */
	BAD("64K", UINT64_MAX, false);	    /* no suffix where sizes make no sense */
	BAD("1G", (1ull << 30) - 1, true);  /* above max after the suffix */
	GOOD("1G", 1ull << 30, true, 1ull << 30);
	BAD("1X", UINT64_MAX, true);
	BAD("1KK", UINT64_MAX, true);
	BAD("1KiBB", UINT64_MAX, true);
	BAD("1B", UINT64_MAX, true);
	BAD("K", UINT64_MAX, true);

	/* unlimited: only where suffixes are allowed (sizes and limits) */
	GOOD("unlimited", UINT64_MAX, true, UINT64_MAX);
	GOOD("infinity", UINT64_MAX, true, UINT64_MAX);
	BAD("unlimited", UINT64_MAX, false);
	BAD("Unlimited", UINT64_MAX, true);
	BAD("unlimitedx", UINT64_MAX, true);

	/* no sign, no space, no garbage, not empty */
	BAD("-1", UINT64_MAX, false);
	BAD("-1", UINT64_MAX, true);
	BAD("+1", UINT64_MAX, false);
	BAD(" 1", UINT64_MAX, false);
	BAD("1 ", UINT64_MAX, false);
	BAD("1 K", UINT64_MAX, true);
	BAD("", UINT64_MAX, true);
	BAD(NULL, UINT64_MAX, true);
	BAD("abc", UINT64_MAX, true);
	BAD("12abc", UINT64_MAX, false);
	BAD("1.5", UINT64_MAX, true);
	BAD("1e3", UINT64_MAX, false);
}

/* The rlimit spec must be refused with exactly msg, and leave every rlimit unset. */
static void rlimit_bad(const char *spec, const char *msg)
{
	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	int r = lm_parse_rlimit(spec, &c, &e);
	bool none = true;
	for (int i = 0; i < LM_NRLIMITS; i++)
		none &= !c.rlimits[i].set;
	CHECK(r < 0 && !strcmp(e.msg, msg) && e.exit_code == LM_EXIT_FAILURE && none,
	      "lm_parse_rlimit(\"%s\"):\n  expected %s\n  got (%d) %s%s", spec ? spec : "NULL", msg,
	      r, e.msg, none ? "" : " (and a limit was set)");
	lm_config_free(&c);
}

static void test_rlimit_good(void)
{
	static const struct {
		const char *name;
		int res;
	} names[] = {
	    {"as", RLIMIT_AS},
	    {"core", RLIMIT_CORE},
	    {"cpu", RLIMIT_CPU},
	    {"data", RLIMIT_DATA},
	    {"fsize", RLIMIT_FSIZE},
	    {"locks", RLIMIT_LOCKS},
	    {"memlock", RLIMIT_MEMLOCK},
	    {"msgqueue", RLIMIT_MSGQUEUE},
	    {"nice", RLIMIT_NICE},
	    {"nofile", RLIMIT_NOFILE},
	    {"nproc", RLIMIT_NPROC},
	    {"rss", RLIMIT_RSS},
	    {"rtprio", RLIMIT_RTPRIO},
	    {"rttime", RLIMIT_RTTIME},
	    {"sigpending", RLIMIT_SIGPENDING},
	    {"stack", RLIMIT_STACK},
	};
	CHECK(sizeof names / sizeof names[0] == LM_NRLIMITS, "every resource is listed here");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct lm_config c;
		struct lm_err e = {0};
		char spec[64];
		lm_config_init(&c);
		snprintf(spec, sizeof spec, "%s=7", names[i].name);
		int r = lm_parse_rlimit(spec, &c, &e);
		const struct lm_rlimit *l = &c.rlimits[names[i].res];
		int nset = 0;
		for (int k = 0; k < LM_NRLIMITS; k++)
			nset += c.rlimits[k].set;
		CHECK(r == 0 && l->set && l->soft == 7 && !l->hard_set && !l->from_profile &&
			  nset == 1,
		      "%s: %s", spec, e.msg);
		CHECK(lm_rlimit_from_name(names[i].name) == names[i].res &&
			  !strcmp(lm_rlimit_name(names[i].res), names[i].name),
		      "name <-> resource for %s", names[i].name);
		lm_config_free(&c);
	}
	CHECK(lm_rlimit_from_name("NOFILE") == -1 && lm_rlimit_from_name("") == -1 &&
		  lm_rlimit_from_name("files") == -1,
	      "names are exact and lower-case");

	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	CHECK(lm_parse_rlimit("as=1G:2G", &c, &e) == 0 && c.rlimits[RLIMIT_AS].soft == 1ull << 30 &&
		  c.rlimits[RLIMIT_AS].hard_set && c.rlimits[RLIMIT_AS].hard == 2ull << 30,
	      "as=1G:2G");
	CHECK(lm_parse_rlimit("stack=8M:unlimited", &c, &e) == 0 &&
		  c.rlimits[RLIMIT_STACK].soft == 8ull << 20 &&
		  c.rlimits[RLIMIT_STACK].hard == RLIM_INFINITY,
	      "stack=8M:unlimited");
	CHECK(lm_parse_rlimit("core=unlimited", &c, &e) == 0 &&
		  c.rlimits[RLIMIT_CORE].soft == RLIM_INFINITY && !c.rlimits[RLIMIT_CORE].hard_set,
	      "core=unlimited");
	CHECK(lm_parse_rlimit("nofile=5:5", &c, &e) == 0 && c.rlimits[RLIMIT_NOFILE].soft == 5 &&
		  c.rlimits[RLIMIT_NOFILE].hard == 5,
	      "soft equal to hard");
	CHECK(lm_parse_rlimit("cpu=0", &c, &e) == 0 && c.rlimits[RLIMIT_CPU].set &&
		  c.rlimits[RLIMIT_CPU].soft == 0,
	      "zero is a limit");
	/* a later request replaces an earlier one, profile mark and hard part included */
	c.rlimits[RLIMIT_NOFILE].from_profile = true;
	CHECK(lm_parse_rlimit("nofile=9", &c, &e) == 0 && c.rlimits[RLIMIT_NOFILE].soft == 9 &&
		  !c.rlimits[RLIMIT_NOFILE].hard_set && !c.rlimits[RLIMIT_NOFILE].from_profile,
	      "nofile=9 after nofile=5:5 from a profile");
	lm_config_free(&c);
}

static void test_rlimit_bad(void)
{
	rlimit_bad("bogus=1",
		   "rlimit: unknown resource 'bogus' (as, core, cpu, data, fsize, locks, "
		   "memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, "
		   "stack)");
	rlimit_bad("NOFILE=1",
		   "rlimit: unknown resource 'NOFILE' (as, core, cpu, data, fsize, "
		   "locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
		   "sigpending, stack)");
	rlimit_bad("nofile", "rlimit: 'nofile' is not NAME=SOFT[:HARD] (e.g. nofile=256)");
	rlimit_bad("", "rlimit: '' is not NAME=SOFT[:HARD] (e.g. nofile=256)");
	rlimit_bad(NULL, "rlimit: '' is not NAME=SOFT[:HARD] (e.g. nofile=256)");
	rlimit_bad("=5", "rlimit: '' is not a resource name");
	rlimit_bad("averyveryverylongresourcenamethatgoesonandon=5",
		   "rlimit: 'averyveryverylongresourcenamethatgoesona' is not a resource name");
	rlimit_bad("nofile=", "rlimit: nofile: bad value ''");
	rlimit_bad("nofile=:5", "rlimit: nofile: bad value ':5'");
	rlimit_bad("nofile=-1", "rlimit: nofile: bad value '-1' (a number, K/M/G suffix, or "
				"unlimited)");
	rlimit_bad("nofile=abc", "rlimit: nofile: bad value 'abc' (a number, K/M/G suffix, or "
				 "unlimited)");
	rlimit_bad("nofile=1X", "rlimit: nofile: bad value '1X' (a number, K/M/G suffix, or "
				"unlimited)");
	rlimit_bad("nofile=99999999999999999999999", "rlimit: nofile: bad value "
						     "'99999999999999999999999' (a number, K/M/G "
						     "suffix, or unlimited)");
	rlimit_bad("nofile=1:", "rlimit: nofile: bad hard value ''");
	rlimit_bad("nofile=1:x", "rlimit: nofile: bad hard value 'x'");
	rlimit_bad("nofile=1:2:3", "rlimit: nofile: bad hard value '2:3'");
	rlimit_bad("nofile=5:4", "rlimit: nofile: soft limit 5 is above the hard limit 4");
	rlimit_bad("nofile=unlimited:4",
		   "rlimit: nofile: soft limit unlimited is above the hard limit 4");
	rlimit_bad("nofile=1G:1M", "rlimit: nofile: soft limit 1G is above the hard limit 1M");
	rlimit_bad("no\nfile=1",
		   "rlimit: unknown resource 'no?file' (as, core, cpu, data, fsize, "
		   "locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
		   "sigpending, stack)");

	/* an error leaves an earlier request as it was */
	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	CHECK(lm_parse_rlimit("nofile=10:20", &c, &e) == 0, "nofile=10:20");
	CHECK(lm_parse_rlimit("nofile=30:25", &c, &e) < 0, "nofile=30:25 refused");
	CHECK(c.rlimits[RLIMIT_NOFILE].soft == 10 && c.rlimits[RLIMIT_NOFILE].hard == 20,
	      "the refused request changed nothing: %llu:%llu",
	      (unsigned long long)c.rlimits[RLIMIT_NOFILE].soft,
	      (unsigned long long)c.rlimits[RLIMIT_NOFILE].hard);
	lm_config_free(&c);
}

int main(void)
{
	test_u64();
	test_rlimit_good();
	test_rlimit_bad();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
