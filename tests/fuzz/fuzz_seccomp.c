/* libFuzzer target: from profile text to a seccomp filter, without loading it.
 *
 * The input is a profile, as for fuzz_profile.  When it parses, the policy goes through the
 * filter builder (src/seccomp.c) and libseccomp twice: lm_seccomp_prepare compiles the built-in
 * and the profile filters to BPF exactly as `lamina run` does when no filter built into lamina
 * serves it (LAMINA_NO_BUILTIN_FILTER), with libseccomp's binary tree or its linear layout
 * (LAMINA_SECCOMP_OPTIMIZE, chosen by the input's length), and lm_seccomp_export_pfc writes them as
 * PFC text for `lamina check`.  Nothing is loaded into the kernel, so the fuzzer itself stays
 * unfiltered.  Then the user-space evaluator the violation reports rely on (lm_profile_match) is
 * asked about every rule's own call with arguments drawn from the rule, on both architectures.
 * Checks: no crash, no leak, no undefined behaviour; a policy the parser accepted either compiles
 * or fails with a one-line message (exit code 125), never silently. */
#include <fcntl.h>
#include <linux/audit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lamina.h"
#include "seccomp_internal.h"

int lm_profile_parse_buffer(const char *text, size_t len, const char *filename, struct lm_config *c,
			    struct lm_err *e);

static char *profile_name;
static int null_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (asprintf(&profile_name, "%s/fuzz-input.profile", lm_profile_dir()) < 0)
		abort();
	if (setenv("LAMINA_NO_BUILTIN_FILTER", "1", 1) < 0)
		abort();
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0)
		abort();
	return 0;
}

static void check_msg(const char *what, const struct lm_err *e)
{
	size_t n = strnlen(e->msg, sizeof e->msg);
	if (n == 0 || n == sizeof e->msg || memchr(e->msg, '\n', n) ||
	    (e->exit_code != 0 && e->exit_code != LM_EXIT_FAILURE)) {
		fprintf(stderr, "fuzz_seccomp: %s failed without a one-line message: [%s]\n", what,
			e->msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_config c;
	struct lm_err e;
	lm_config_init(&c);
	memset(&e, 0, sizeof e);
	if (lm_profile_parse_buffer((const char *)data, size, profile_name, &c, &e) < 0) {
		lm_config_free(&c);
		return 0;
	}
	if (setenv("LAMINA_SECCOMP_OPTIMIZE", size % 2 ? "0" : "2", 1) < 0)
		abort();
	memset(&e, 0, sizeof e);
	if (lm_seccomp_prepare(&c, &e) < 0)
		check_msg("lm_seccomp_prepare", &e);
	lm_seccomp_release();
	memset(&e, 0, sizeof e);
	if (lm_seccomp_export_pfc(&c, null_fd, &e) < 0)
		check_msg("lm_seccomp_export_pfc", &e);
	/* Ask the evaluator about each rule's call, with the rule's own values as arguments. */
	static const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386};
	for (size_t i = 0; i < c.seccomp.nrules; i++) {
		const struct lm_rule *r = &c.seccomp.rules[i];
		uint64_t args[6] = {0};
		for (unsigned k = 0; k < r->nconds && k < LM_MAX_CONDS; k++)
			if (r->conds[k].arg < 6)
				args[r->conds[k].arg] = r->conds[k].value;
		for (size_t a = 0; a < sizeof arches / sizeof arches[0]; a++) {
			struct lm_action act;
			(void)lm_profile_match(&c.seccomp, r->syscall, arches[a], args, &act);
			(void)lm_builtin_match(&c, r->syscall, arches[a], args);
		}
	}
	lm_config_free(&c);
	return 0;
}
