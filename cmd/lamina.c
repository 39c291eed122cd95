/* lamina: the command line.  Each subcommand turns argv into a config and calls the library. */
#include "cmds.h"
#include "lamina.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: lamina run [OPTIONS] [--] PROGRAM [ARGS...]   run PROGRAM in a sandbox\n"
	    "       lamina check [--pfc] PROFILE                 validate a profile, print a "
	    "summary\n"
	    "       lamina explain [PROFILE]                     every layer in plain words\n"
	    "       lamina profiles                              the shipped profiles\n"
	    "       lamina demo [OPTIONS] [ATTACK|CLASS...]      which layer stops which attack\n"
	    "       lamina --version | --help\n"
	    "\n"
	    "Run 'lamina run --help' for the run options.\n");
}

/* Written at build time by lamina-embed (meson.build). */
extern const struct lm_builtin_bpf *const lm_builtin_bpf_table[];
extern const size_t lm_builtin_bpf_count;

int main(int argc, char **argv)
{
	lm_seccomp_use_builtin(lm_builtin_bpf_table, lm_builtin_bpf_count);
	if (argc < 2) {
		usage(stderr);
		return LM_EXIT_FAILURE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return lm_cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return lm_cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "explain") == 0)
		return lm_cmd_explain(argc - 1, argv + 1);
	if (strcmp(cmd, "profiles") == 0)
		return lm_cmd_profiles(argc - 1, argv + 1);
	if (strcmp(cmd, "demo") == 0)
		return lm_cmd_demo(argc - 1, argv + 1);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("lamina %s\n", LM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "lamina: unknown command '%s' (try 'lamina --help')\n", cmd);
	return LM_EXIT_FAILURE;
}
