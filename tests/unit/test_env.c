/* Unit tests of the environment layer (src/env.c, lm_env_build) and of the --setenv/--unsetenv
 * operations it applies (lm_config_add_envop): the kept set (PATH, TERM, LANG), the default
 * PATH, HOME set to the sandbox's, the operations in order, --keep-env, the layer switched off,
 * names refused.  Each case compares the whole environment, in order, with the one expected. */
#include "lamina.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
/* HOME is the sandbox user's (lm_mount_home): the caller's where that is a usable directory
 * name, set below before any environment is built. */
#define SB_HOME "HOME=/home/tester"

/* The vector as one string, entries separated by '|', for comparison and messages. */
static void joined(char **v, char *out, size_t n)
{
	out[0] = 0;
	for (size_t i = 0; v && v[i]; i++) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s", i ? "|" : "", v[i]);
	}
}

/* Build the environment of c from env_in and compare it with want ("A=1|B=2"). */
static void expect_env(const char *what, const struct lm_config *c, char **env_in, const char *want)
{
	struct lm_err e = {0};
	cleanup_strv char **v = lm_env_build(c, env_in, &e);
	char got[4096];
	joined(v, got, sizeof got);
	CHECK(v && strcmp(got, want) == 0, "%s:\n  expected %s\n  got      %s%s%s", what, want,
	      v ? got : "(NULL)", v ? "" : ": ", v ? "" : e.msg);
}

static void set(struct lm_config *c, const char *k, const char *v)
{
	struct lm_err e = {0};
	CHECK(lm_config_add_envop(c, false, k, v, &e) == 0, "setenv %s: %s", k, e.msg);
}

static void unset(struct lm_config *c, const char *k)
{
	struct lm_err e = {0};
	CHECK(lm_config_add_envop(c, true, k, NULL, &e) == 0, "unsetenv %s: %s", k, e.msg);
}

static void test_kept_set(void)
{
	struct lm_config c;
	lm_config_init(&c);
	char *in[] = {"SECRET=s3cret", "PATH=/p",     "HOME=/h",	  "PATHX=no",
		      "XPATH=no",      "TERM=dumb",   "HOME2=no",	  "LANG=C.UTF-8",
		      "NOEQUALS",      "=empty-name", "LD_PRELOAD=/x.so", NULL};
	expect_env("only PATH, TERM, LANG, in the caller's order; HOME the sandbox's", &c, in,
		   "PATH=/p|TERM=dumb|LANG=C.UTF-8|" SB_HOME);
	char *some[] = {"TERM=xterm", "PATH=/bin", NULL};
	expect_env("the caller's order is kept", &c, some, "TERM=xterm|PATH=/bin|" SB_HOME);
	char *dup[] = {"PATH=/a", "PATH=/b", NULL};
	expect_env("a name the caller has twice appears once, with the last value", &c, dup,
		   "PATH=/b|" SB_HOME);
	char *val[] = {"LANG=a=b", NULL};
	expect_env("a value with '=' is kept whole", &c, val, "LANG=a=b|" DEFAULT_PATH "|" SB_HOME);
	lm_config_free(&c);
}

static void test_default_path(void)
{
	struct lm_config c;
	lm_config_init(&c);
	char *none[] = {NULL};
	expect_env("an empty environment gets the default PATH", &c, none,
		   DEFAULT_PATH "|" SB_HOME);
	expect_env("no environment at all (NULL) gets the default PATH", &c, NULL,
		   DEFAULT_PATH "|" SB_HOME);
	char *home[] = {"HOME=/h", "LANG=C", "SECRET=x", NULL};
	expect_env("the default PATH comes after the kept variables, the caller's HOME is not kept",
		   &c, home, "LANG=C|" DEFAULT_PATH "|" SB_HOME);
	char *own[] = {"PATH=/mine", NULL};
	expect_env("the caller's PATH wins over the default", &c, own, "PATH=/mine|" SB_HOME);
	lm_config_free(&c);
}

static void test_ops_in_order(void)
{
	struct lm_config c;
	lm_config_init(&c);
	set(&c, "A", "1");
	set(&c, "B", "two words");
	unset(&c, "HOME");
	set(&c, "A", "3");
	char *in[] = {"PATH=/usr/bin:/bin", "HOME=/h", NULL};
	expect_env("--setenv A 1 --setenv B 'two words' --unsetenv HOME --setenv A 3", &c, in,
		   "PATH=/usr/bin:/bin|A=3|B=two words");
	lm_config_free(&c);

	lm_config_init(&c);
	set(&c, "X", "1");
	unset(&c, "X");
	char *path[] = {"PATH=/p", NULL};
	expect_env("set then unset: gone", &c, path, "PATH=/p|" SB_HOME);
	unset(&c, "X");
	set(&c, "X", "2");
	expect_env("unset then set: set", &c, path, "PATH=/p|" SB_HOME "|X=2");
	lm_config_free(&c);

	lm_config_init(&c);
	unset(&c, "PATH");
	char *none[] = {NULL};
	unset(&c, "HOME");
	expect_env("--unsetenv PATH and HOME remove the defaults too", &c, none, "");
	unset(&c, "NOT_THERE");
	expect_env("unsetting a name that is not there changes nothing", &c, none, "");
	set(&c, "EMPTY", "");
	expect_env("an empty value is a value", &c, none, "EMPTY=");
	lm_config_free(&c);

	lm_config_init(&c);
	set(&c, "PATH", "/only");
	set(&c, "SECRET", "given");
	char *in2[] = {"PATH=/caller", "SECRET=caller's", NULL};
	set(&c, "HOME", "/elsewhere");
	expect_env("--setenv replaces a kept variable, sets one the layer dropped, moves HOME", &c,
		   in2, "PATH=/only|HOME=/elsewhere|SECRET=given");
	lm_config_free(&c);
}

static void test_keep_env(void)
{
	char *in[] = {"SECRET=s3cret", "PATH=/p", "NOEQUALS", "LD_PRELOAD=/x.so", "A=b=c", NULL};
	struct lm_config c;
	lm_config_init(&c);
	c.keep_env = true;
	expect_env("--keep-env keeps every variable, in order; HOME still the sandbox's", &c, in,
		   "SECRET=s3cret|PATH=/p|LD_PRELOAD=/x.so|A=b=c|" SB_HOME);
	char *with_home[] = {"HOME=/caller", "PATH=/p", NULL};
	expect_env("--keep-env: the caller's HOME replaced in place", &c, with_home,
		   SB_HOME "|PATH=/p");
	unset(&c, "SECRET");
	set(&c, "NEW", "1");
	expect_env("--keep-env with operations: they still apply", &c, in,
		   "PATH=/p|LD_PRELOAD=/x.so|A=b=c|" SB_HOME "|NEW=1");
	char *nopath[] = {"SECRET=s3cret", NULL};
	lm_config_free(&c);
	lm_config_init(&c);
	c.keep_env = true;
	expect_env("--keep-env without a PATH still gets the default", &c, nopath,
		   "SECRET=s3cret|" DEFAULT_PATH "|" SB_HOME);
	lm_config_free(&c);

	/* The env layer removed (--unsafe-disable-layer env): the caller's whole environment. */
	lm_config_init(&c);
	c.disabled_layers = LM_LAYER_ENV;
	expect_env("the env layer disabled keeps every variable, the caller's HOME too", &c,
		   with_home, "HOME=/caller|PATH=/p");
	/* twin: another layer disabled leaves the env layer on */
	c.disabled_layers = LM_LAYER_SECCOMP | LM_LAYER_RLIMITS;
	expect_env("another layer disabled: the env layer still clears", &c, in,
		   "PATH=/p|" SB_HOME);
	lm_config_free(&c);
}

static void test_bad_names(void)
{
	static const struct {
		bool unset;
		const char *key, *value, *msg;
	} bad[] = {
	    {false, "", "x", "env: invalid variable name ''"},
	    {false, "A=B", "x", "env: invalid variable name 'A=B'"},
	    {false, "=", "x", "env: invalid variable name '='"},
	    {true, "A=B", NULL, "env: invalid variable name 'A=B'"},
	    {true, "", NULL, "env: invalid variable name ''"},
	    {false, NULL, "x", "env: invalid variable name ''"},
	    {false, "K", NULL, "env: no value for K"},
	    {false, "BAD\nNAME=", "x", "env: invalid variable name 'BAD?NAME='"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lm_config c;
		lm_config_init(&c);
		struct lm_err e = {0};
		int r = lm_config_add_envop(&c, bad[i].unset, bad[i].key, bad[i].value, &e);
		CHECK(r < 0 && !strcmp(e.msg, bad[i].msg) && e.exit_code == LM_EXIT_FAILURE,
		      "envop %zu (%s): expected '%s', got %d '%s'", i,
		      bad[i].key ? bad[i].key : "NULL", bad[i].msg, r, e.msg);
		CHECK(c.nenvops == 0, "envop %zu: a refused name adds no operation", i);
		lm_config_free(&c);
	}
	/* twins: names the kernel and libc take */
	struct lm_config c;
	lm_config_init(&c);
	set(&c, "_x1", "v");
	set(&c, "lower.case-name", "v");
	unset(&c, "Z");
	CHECK(c.nenvops == 3, "three valid operations, got %zu", c.nenvops);
	lm_config_free(&c);
}

int main(void)
{
	/* before anything asks for the sandbox's HOME (it is decided once per process) */
	setenv("HOME", "/home/tester", 1);
	test_kept_set();
	test_default_path();
	test_ops_in_order();
	test_keep_env();
	test_bad_names();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
