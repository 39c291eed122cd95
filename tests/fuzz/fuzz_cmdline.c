/* libFuzzer target: the command-line parser of `lamina run` (cmd/run.c, lm_run_parse_args).
 *
 * The input is a list of words separated by NUL bytes (at most 64 words); they become
 * argv[1..] after argv[0] = "run", exactly as lamina.c passes them.  Profiles named with -p are
 * loaded for real from $LAMINA_PROFILE_DIR (run-fuzzers points it at a copy of the shipped
 * ones), so profile loading is fuzzed through this door too.  Checks beyond the sanitizers:
 * - -1: a NUL-terminated, non-empty message and exit code 125; when no word of the input holds
 *   a control byte, the message is one line (a message that only echoes a control byte the user
 *   typed is counted and reported once, not treated as a crash: see the README of the finding);
 * - 0: a PROGRAM was found: c.argv points into our argv, at a non-empty word;
 * - 1 (--help): exit code 0;
 * - lm_config_free releases everything (LeakSanitizer). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "lamina.h"

#define MAX_WORDS 64

static unsigned long echoed_control;

static bool has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Copy into a NUL-terminated buffer and cut it into words at the NULs. */
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[MAX_WORDS + 2];
	int argc = 0;
	argv[argc++] = (char *)"run";
	bool control = false;
	for (size_t off = 0; off <= size && argc <= MAX_WORDS;) {
		size_t n = strlen(buf + off);
		argv[argc++] = buf + off;
		control = control || has_control(buf + off, n);
		off += n + 1;
	}
	argv[argc] = NULL;

	struct lm_config c;
	struct lm_err e;
	lm_config_init(&c);
	memset(&e, 0, sizeof e);
	c.caller_uid = getuid();
	c.caller_gid = getgid();
	c.caller_is_root = geteuid() == 0;
	int r = lm_run_parse_args(argc, argv, &c, &e);
	if (r < 0) {
		size_t n = strnlen(e.msg, sizeof e.msg);
		if (n == 0 || n == sizeof e.msg) {
			fprintf(stderr, "fuzz_cmdline: empty or unterminated error message\n");
			abort();
		}
		if (memchr(e.msg, '\n', n)) {
			if (!control) {
				fprintf(stderr, "fuzz_cmdline: multi-line error message: [%s]\n",
					e.msg);
				abort();
			}
			if (echoed_control++ == 0)
				fprintf(
				    stderr,
				    "fuzz_cmdline: note: an error message echoes a control byte "
				    "of the input (a multi-line message): [%s]\n",
				    e.msg);
		}
		if (e.exit_code != 0 && e.exit_code != LM_EXIT_FAILURE) {
			fprintf(stderr, "fuzz_cmdline: exit code %d for a usage error: %s\n",
				e.exit_code, e.msg);
			abort();
		}
	} else if (r == 0) {
		if (!c.argv || c.argv < argv + 1 || c.argv >= argv + argc || !c.argv[0][0]) {
			fprintf(stderr, "fuzz_cmdline: success without a sane PROGRAM\n");
			abort();
		}
	} else if (r == 1) {
		if (e.exit_code != 0) {
			fprintf(stderr, "fuzz_cmdline: --help with exit code %d\n", e.exit_code);
			abort();
		}
	} else {
		fprintf(stderr, "fuzz_cmdline: unexpected return %d\n", r);
		abort();
	}
	lm_config_free(&c);
	free(buf);
	return 0;
}
