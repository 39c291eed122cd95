/* libFuzzer target: the profile parser (src/profile.c).
 *
 * The input is the text of one profile file, parsed with lm_profile_parse_buffer under a name
 * in the shipped profile directory so that relative includes resolve against the real shipped
 * profiles ($LAMINA_PROFILE_DIR, set by run-fuzzers).  What is checked besides the sanitizers:
 * - success and failure are both clean: on failure a one-line "FILE:LINE:COL: message" (no
 *   newline inside, NUL-terminated in its buffer) and exit code 125;
 * - on success, every rule prints (lm_rule_str, lm_action_str), is in range (arg 0..5, at most
 *   LM_MAX_CONDS conditions, a known action), and a second parse of the same text into a config
 *   that already holds a policy gives the same rules and seccomp lines (a profile replaces the
 *   policy loaded before it, with no leak);
 * - lm_config_free releases everything (LeakSanitizer).
 * Built by run-fuzzers: clang -fsanitize=fuzzer,address,undefined with the library sources. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lamina.h"
#include "profile.h"

/* Declared here as well as (eventually) in lamina.h: the harness does not depend on where the
 * prototype lands. */
int lm_profile_parse_buffer(const char *text, size_t len, const char *filename, struct lm_config *c,
			    struct lm_err *e);

static char *profile_name;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (asprintf(&profile_name, "%s/fuzz-input.profile", lm_profile_dir()) < 0)
		abort();
	return 0;
}

static void check_error(const struct lm_err *e)
{
	size_t n = strnlen(e->msg, sizeof e->msg);
	if (n == sizeof e->msg) {
		fprintf(stderr, "fuzz_profile: error message not NUL-terminated\n");
		abort();
	}
	if (n == 0 || memchr(e->msg, '\n', n)) {
		fprintf(stderr, "fuzz_profile: error message empty or not one line: [%s]\n",
			e->msg);
		abort();
	}
	if (e->exit_code != LM_EXIT_FAILURE) {
		fprintf(stderr, "fuzz_profile: exit code %d for a profile error: %s\n",
			e->exit_code, e->msg);
		abort();
	}
}

static void check_policy(const struct lm_seccomp_policy *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct lm_rule *r = &p->rules[i];
		if (!r->syscall || r->nconds > LM_MAX_CONDS || r->action.kind > LM_ACT_NOTIFY) {
			fprintf(stderr, "fuzz_profile: rule %zu out of range\n", i);
			abort();
		}
		for (unsigned k = 0; k < r->nconds; k++)
			if (r->conds[k].arg > 5 || r->conds[k].op > LM_CMP_MASKED_EQ) {
				fprintf(stderr,
					"fuzz_profile: rule %zu condition %u out of range\n", i, k);
				abort();
			}
		char *s = lm_rule_str(r);
		if (!s) {
			fprintf(stderr, "fuzz_profile: lm_rule_str failed\n");
			abort();
		}
		free(s);
		char buf[64];
		(void)lm_action_str(&r->action, buf, sizeof buf);
	}
	char buf[64];
	(void)lm_action_str(&p->default_action, buf, sizeof buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_config c, c2;
	struct lm_err e;
	lm_config_init(&c);
	memset(&e, 0, sizeof e);
	int r = lm_profile_parse_buffer((const char *)data, size, profile_name, &c, &e);
	if (r < 0) {
		check_error(&e);
		lm_config_free(&c);
		return 0;
	}
	check_policy(&c.seccomp);

	/* Parse again over a config that already holds a policy: the same outcome, no leak. */
	lm_config_init(&c2);
	memset(&e, 0, sizeof e);
	if (lm_profile_parse_buffer((const char *)data, size, profile_name, &c2, &e) < 0 ||
	    lm_profile_parse_buffer((const char *)data, size, profile_name, &c2, &e) < 0) {
		fprintf(stderr, "fuzz_profile: a second parse of the same text failed: %s\n",
			e.msg);
		abort();
	}
	if (c2.seccomp.nrules != c.seccomp.nrules || c2.seccomp.text_len != c.seccomp.text_len ||
	    (c.seccomp.text_len &&
	     memcmp(c2.seccomp.text, c.seccomp.text, c.seccomp.text_len) != 0)) {
		fprintf(stderr,
			"fuzz_profile: parsing the same text twice gave different policies\n");
		abort();
	}
	lm_config_free(&c2);
	lm_config_free(&c);
	return 0;
}
