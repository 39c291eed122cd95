/* lamina check | explain | profiles: turn argv into a profile load and print what the library
 * says about it.  No parsing or policy logic lives here (src/profile.c, src/explain.c). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "lamina.h"
#include "profile.h"
#include "seccomp_internal.h"

static int fail(const struct lm_err *e)
{
	char msg[sizeof e->msg];
	memcpy(msg, e->msg, sizeof msg);
	lm_msg_clean(msg, sizeof msg);
	fflush(stdout);
	fprintf(stderr, "lamina: %s\n", msg);
	return e->exit_code ? e->exit_code : LM_EXIT_FAILURE;
}

static int usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "lamina %s: %s (try 'lamina %s --help')\n", cmd, msg, cmd);
	return LM_EXIT_FAILURE;
}

static void print_summary(const struct lm_config *c, const struct lm_profile_info *info)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	char act[64];
	printf("%s: valid profile\n", p->path);
	if (info->purpose)
		printf("  purpose:        %s\n", info->purpose);
	if (info->nfiles > 1) {
		printf("  includes:      ");
		for (size_t i = 1; i < info->nfiles; i++)
			printf(" %s", info->files[i]);
		printf("\n");
	}
	printf("  filter:         %s\n",
	       lm_seccomp_has_builtin(c)
		   ? "built into lamina (the seccomp lines of a shipped profile)"
		   : "compiled at each launch (no shipped profile has its seccomp lines)");
	if (!p->present) {
		printf("  seccomp:        no rules of its own (only the built-in hardening)\n");
	} else {
		printf("  default action: %s%s\n",
		       lm_action_str(&p->default_action, act, sizeof act),
		       p->default_line ? "" : " (implicit)");
		printf("  rules:          %zu", p->nrules);
		/* rules per action: distinct actions (errno values apart) in order of appearance */
		const char *sep = " (";
		for (size_t i = 0; i < p->nrules; i++) {
			const struct lm_action *a = &p->rules[i].action;
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = p->rules[j].action.kind == a->kind &&
				       p->rules[j].action.errnum == a->errnum;
			if (seen)
				continue;
			size_t n = 0, ncond = 0;
			for (size_t j = i; j < p->nrules; j++)
				if (p->rules[j].action.kind == a->kind &&
				    p->rules[j].action.errnum == a->errnum) {
					n++;
					ncond += p->rules[j].nconds > 0;
				}
			printf("%s%s %zu", sep, lm_action_str(a, act, sizeof act), n);
			if (ncond)
				printf(" [%zu with conditions]", ncond);
			sep = ", ";
		}
		printf("%s\n", p->nrules ? ")" : "");
	}
	if (p->present && p->default_action.kind != LM_ACT_ALLOW &&
	    p->default_action.kind != LM_ACT_LOG) {
		/* lamina loads the filter and then executes the program: a profile that refuses
		 * execve can run nothing.  Say so now rather than at the first run. */
		bool exec_ok = false;
		for (size_t i = 0; i < p->nrules && !exec_ok; i++)
			exec_ok = strcmp(p->rules[i].syscall, "execve") == 0 &&
				  (p->rules[i].action.kind == LM_ACT_ALLOW ||
				   p->rules[i].action.kind == LM_ACT_LOG);
		if (!exec_ok)
			printf(
			    "  warning:        execve is not allowed: lamina installs the filter "
			    "before it executes the program, so no program can start\n");
	}
	if (p->present) {
		uint64_t cost = 0;
		struct lm_err ce = {0};
		if (lm_seccomp_check_cost(p, &cost, &ce) == 0)
			printf("  compile cost:   %llu of %u (comparisons in libseccomp's decision "
			       "trees)\n",
			       (unsigned long long)cost, LM_SECCOMP_BUDGET_TOTAL);
	}
	printf("  std-fd layer:   %s%s\n", p->stdfd ? "on" : "off",
	       p->stdfd && p->allow_dup2_1_2 ? " (dup2(1, 2) allowed)" : "");

	/* Each layer's settings in one line, in the order the layers are applied. */
	char *line = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&line, &len);
	if (m) {
		for (const struct lm_layer *const *l = lm_layers; *l; l++)
			if ((*l)->summary)
				(*l)->summary(m, c);
		if (c->timeout > 0)
			fprintf(m, " timeout %gs;", c->timeout);
		if (fclose(m) == 0 && len)
			printf("  settings:      %s\n", line);
		free(line);
	}
	printf("  built-in hardening (added by lamina under every profile, cannot be removed):\n");
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *b = &lm_builtins[i];
		if (b->layer == 0)
			printf("    %-22s %s\n", b->name, b->what);
	}
	if (p->stdfd) {
		printf("  std-fd rules (the profile turns the layer on):\n");
		for (size_t i = 0; i < lm_nbuiltins; i++) {
			const struct lm_builtin *b = &lm_builtins[i];
			if (b->layer == LM_LAYER_STDFD && lm_builtin_active(c, b))
				printf("    %-22s %s\n", b->name, b->what);
		}
	}
	if (p->i386)
		printf(
		    "  architectures:  x86_64 (native) and i386 (int $0x80; `i386 on`): the same "
		    "rules, numbers translated by libseccomp;\n                  x32 and any "
		    "other architecture: kill-process\n");
	else
		printf("  architectures:  x86_64 (native); i386 (int $0x80), x32 and any other "
		       "architecture: kill-process\n");
}

int lm_cmd_check(int argc, char **argv)
{
	bool pfc = false;
	const char *name = NULL;
	struct lm_config c;
	struct lm_profile_info info = {0};
	struct lm_err e = {0};
	int rc = 0;
	lm_config_init(&c);
	for (int i = 1; i < argc; i++) {
		/* what `lamina run` reads before the profile: the same setters */
		const struct lm_setting *u = strncmp(argv[i], "--untrusted-", 12) == 0
						 ? lm_setting_by_option(argv[i])
						 : NULL;
		if (u) {
			if (i + 1 >= argc) {
				lm_error(&e, 0, "check", "option %s needs an argument", argv[i]);
				rc = fail(&e);
				goto out;
			}
			struct lm_args a = {
			    .src = LM_SRC_CLI, .name = argv[i], .argc = 1, .argv = &argv[i + 1]};
			if (lm_setting_apply(u, &c, &a, &e) < 0) {
				rc = fail(&e);
				goto out;
			}
			if (strcmp(argv[i], "--untrusted-profile") == 0) {
				if (name) {
					rc = usage_error("check", "one profile at a time");
					goto out;
				}
				name = argv[i + 1];
			}
			i++;
		} else if (strcmp(argv[i], "--pfc") == 0) {
			pfc = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf(
			    "usage: lamina check [--pfc] PROFILE\n"
			    "       lamina check [--pfc] [--untrusted-allow-path DIR]... "
			    "--untrusted-profile FILE\n"
			    "Parse and validate PROFILE (a shipped name, or a path with a '/'),\n"
			    "print a summary: rules per action, the default action, the built-in\n"
			    "hardening lamina adds, the architectures covered.\n"
			    "  --pfc  also print the pseudo-filter code libseccomp generates\n"
			    "  --untrusted-profile FILE  as `lamina run --untrusted-profile`: the\n"
			    "         profile may only narrow the shipped one it includes\n"
			    "Exit 0 when valid, 125 with FILE:LINE:COL: message when not.\n");
			goto out;
		} else if (strcmp(argv[i], "--") == 0 && i + 1 < argc && !name) {
			name = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			struct lm_err e = {0};
			lm_error(&e, 0, "check",
				 "unknown option '%.80s' (try 'lamina check --help')", argv[i]);
			rc = fail(&e);
			goto out;
		} else if (name) {
			rc = usage_error("check", "one profile at a time");
			goto out;
		} else {
			name = argv[i];
		}
	}
	if (!name) {
		rc = usage_error("check", "which profile? (a shipped name or a path)");
		goto out;
	}
	c.landlock_check_paths = true; /* a rule's path must exist in the sandbox */
	if (lm_profile_load_info(name, &c, &info, &e) < 0) {
		rc = fail(&e);
		goto out;
	}
	print_summary(&c, &info);
	if (pfc) {
		printf("\n");
		fflush(stdout);
		if (lm_seccomp_export_pfc(&c, STDOUT_FILENO, &e) < 0)
			rc = fail(&e);
	}
out:
	lm_profile_info_free(&info);
	lm_config_free(&c);
	if (fflush(stdout) != 0 && rc == 0)
		rc = LM_EXIT_FAILURE;
	return rc;
}

int lm_cmd_explain(int argc, char **argv)
{
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: lamina explain [PROFILE]\n"
			       "Describe every layer of the sandbox PROFILE (default: default) "
			       "builds,\n"
			       "in plain words: namespaces, root, ids, capabilities, rlimits,\n"
			       "environment and the seccomp rules grouped by purpose.\n");
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			struct lm_err e = {0};
			lm_error(&e, 0, "explain",
				 "unknown option '%.80s' (try 'lamina explain --help')", argv[i]);
			return fail(&e);
		} else if (name) {
			return usage_error("explain", "one profile at a time");
		} else {
			name = argv[i];
		}
	}
	struct lm_config c;
	struct lm_profile_info info = {0};
	struct lm_err e = {0};
	lm_config_init(&c);
	int rc = 0;
	if (lm_profile_load_info(name ? name : "default", &c, &info, &e) < 0 ||
	    lm_explain(stdout, &c, &info, &e) < 0)
		rc = fail(&e);
	lm_profile_info_free(&info);
	lm_config_free(&c);
	if (fflush(stdout) != 0 && rc == 0)
		rc = LM_EXIT_FAILURE;
	return rc;
}

static int profile_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 8 && d->d_name[0] != '.' && strcmp(d->d_name + n - 8, ".profile") == 0;
}

int lm_cmd_profiles(int argc, char **argv)
{
	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
			printf("usage: lamina profiles\nList the shipped profiles (from %s), one "
			       "line each: name and purpose.\n",
			       lm_profile_dir());
			return 0;
		}
		return usage_error("profiles", "takes no arguments");
	}
	const char *dir = lm_profile_dir();
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, profile_filter, alphasort);
	if (n < 0) {
		struct lm_err e = {0};
		lm_error(&e, errno, "profiles", "%s", dir);
		return fail(&e);
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char *name = strndup(ents[i]->d_name, strlen(ents[i]->d_name) - 8);
		free(ents[i]);
		if (!name) {
			rc = LM_EXIT_FAILURE;
			continue;
		}
		struct lm_config c;
		struct lm_profile_info info = {0};
		struct lm_err e = {0};
		lm_config_init(&c);
		if (lm_profile_load_info(name, &c, &info, &e) < 0) {
			printf("%-10s (invalid: %s)\n", name, e.msg);
			rc = LM_EXIT_FAILURE;
		} else {
			printf("%-10s %s\n", name,
			       info.purpose ? info.purpose : "(no purpose line)");
		}
		lm_profile_info_free(&info);
		lm_config_free(&c);
		free(name);
	}
	free(ents);
	if (fflush(stdout) != 0)
		rc = LM_EXIT_FAILURE;
	return rc;
}
