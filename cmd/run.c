/* lamina run: argv -> struct lm_config -> lm_run().  The profile (-p, default "default") is
 * loaded first; the other options are applied after it in command-line order, so the command
 * line wins over the profile. */
#include "cmds.h"
#include "lamina.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --help, from the settings' table: each option with its arguments and one line. */
static void print_help(FILE *out)
{
	fputs("usage: lamina run [OPTIONS] [--] PROGRAM [ARGS...]\n\n", out);
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));) {
		if (!s->option)
			continue;
		char left[64];
		int n = s->short_opt ? snprintf(left, sizeof left, "-%c, %s %s", s->short_opt,
						s->option, s->metavar ? s->metavar : "")
				     : snprintf(left, sizeof left, "    %s %s", s->option,
						s->metavar ? s->metavar : "");
		if (n > 27)
			fprintf(out, "  %s\n  %-27s %s\n", left, "", s->help);
		else
			fprintf(out, "  %-27s %s\n", left, s->help);
	}
	fprintf(out, "  -h, --help                  this text\n\nlayers --unsafe-disable-layer "
		     "can remove:");
	for (const struct lm_layer *const *l = lm_layers; *l; l++)
		if ((*l)->removable)
			fprintf(out, " %s", (*l)->name);
	fputs("\n\nexit status: the payload's own; 128+N when it died by signal N; 124 timeout;\n"
	      "125 lamina failed or was misused; 126 not executable; 127 not found\n",
	      out);
}

/* One option as given: the setting and its arguments, applied after the profile. */
struct use {
	const struct lm_setting *s;
	char *name; /* as written, without "=VALUE" */
	char *args[2];
	unsigned nargs;
};

static void uses_free(struct use *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i].name);
	free(u);
}

/* --untrusted-profile and --untrusted-allow-path: applied before the profile is read. */
static bool is_untrusted(const struct lm_setting *s)
{
	return s->option && strncmp(s->option, "--untrusted-", 12) == 0;
}

/* Options come first, each as the settings' table spells it ("--name", "--name=VALUE" for one
 * argument, "-p VALUE"), no abbreviation; the first word that is not an option, or the one after
 * "--", is PROGRAM.  The profile is loaded first, wherever -p appears; the other options are
 * applied after it in command-line order, so that the command line wins. */
int lm_run_parse_args(int argc, char **argv, struct lm_config *c, struct lm_err *e)
{
	struct use *uses = calloc((size_t)argc, sizeof *uses);
	size_t nuses = 0;
	const char *profile = "default";
	const char *named = NULL; /* --profile or --untrusted-profile, whichever was given */
	int i, r = -1;
	if (!uses)
		return lm_error(e, ENOMEM, "run", "out of memory");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == 0)
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			e->exit_code = 0;
			r = 1;
			goto out;
		}
		const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		struct use *u = &uses[nuses];
		u->name = eq ? strndup(a, (size_t)(eq - a)) : strdup(a);
		if (!u->name) {
			lm_error(e, ENOMEM, "run", "out of memory");
			goto out;
		}
		nuses++;
		u->s = lm_setting_by_option(u->name);
		if (!u->s) {
			lm_error(e, 0, "run", "unknown option '%.80s' (try 'lamina run --help')",
				 a);
			goto out;
		}
		unsigned need = u->s->nargs, have = 0;
		if (eq) {
			if (need == 0) {
				lm_error(e, 0, "run", "option %s takes no argument", u->name);
				goto out;
			}
			u->args[have++] = (char *)eq + 1;
		}
		while (have < need && i + 1 < argc)
			u->args[have++] = argv[++i];
		if (have < need) {
			lm_error(e, 0, "run", "option %s needs %u argument%s", u->name, need,
				 need > 1 ? "s" : "");
			goto out;
		}
		u->nargs = have;
		if (u->s->short_opt == 'p' || is_untrusted(u->s)) {
			if (strcmp(u->s->option, "--untrusted-allow-path") != 0 && named &&
			    strcmp(named, u->s->option) != 0) {
				lm_error(e, 0, "run",
					 "give --profile or --untrusted-profile, not both");
				goto out;
			}
			if (strcmp(u->s->option, "--untrusted-allow-path") != 0) {
				named = u->s->option;
				profile = u->args[0];
			}
		}
	}
	if (!*profile) {
		lm_error(e, 0, "run", "--profile needs a profile name or file");
		goto out;
	}
	if (i >= argc || !argv[i][0]) {
		lm_error(e, 0, "run",
			 "no PROGRAM given (lamina run [OPTIONS] [--] PROGRAM [ARGS...])");
		goto out;
	}
	c->profile_name = strdup(profile);
	if (!c->profile_name) {
		lm_error(e, ENOMEM, "run", "out of memory");
		goto out;
	}
	/* An untrusted profile is read knowing what the operator allows it. */
	for (size_t k = 0; k < nuses; k++) {
		if (!is_untrusted(uses[k].s))
			continue;
		struct lm_args args = {.src = LM_SRC_CLI,
				       .name = uses[k].name,
				       .argc = uses[k].nargs,
				       .argv = uses[k].args};
		if (lm_setting_apply(uses[k].s, c, &args, e) < 0)
			goto out;
	}
	/* Settings now; the rules only if the compiled filter is not built in. */
	if (lm_profile_load_settings(profile, c, e) < 0)
		goto out;
	for (size_t k = 0; k < nuses; k++) {
		if (uses[k].s->short_opt == 'p' || is_untrusted(uses[k].s))
			continue;
		struct lm_args args = {.src = LM_SRC_CLI,
				       .name = uses[k].name,
				       .argc = uses[k].nargs,
				       .argv = uses[k].args};
		if (lm_setting_apply(uses[k].s, c, &args, e) < 0)
			goto out;
	}
	c->argv = argv + i;
	r = 0;
out:
	uses_free(uses, nuses);
	return r;
}

int lm_cmd_run(int argc, char **argv)
{
	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	c.caller_uid = getuid();
	c.caller_gid = getgid();
	c.caller_is_root = geteuid() == 0;
	int r = lm_run_parse_args(argc, argv, &c, &e);
	if (r > 0) {
		print_help(stdout);
		lm_config_free(&c);
		return 0;
	}
	if (r == 0) {
		if (!c.uid_set)
			c.uid = c.caller_uid;
		if (!c.gid_set)
			c.gid = c.caller_gid;
		for (const struct lm_layer *const *l = lm_layers; *l; l++)
			if (!lm_layer_on(&c, (*l)->bit))
				fprintf(stderr,
					"lamina: WARNING: layer '%s' disabled "
					"(--unsafe-disable-layer): "
					"this is not a safe sandbox\n",
					(*l)->name);
		/* Once the options are applied (report mode, layers removed): the profile's rules
		 * are parsed only when no filter built into lamina serves this launch. */
		if (lm_seccomp_needs_rules(&c))
			r = lm_profile_load_rules(&c, &e);
		if (r == 0)
			r = lm_run(&c, &e);
	}
	if (r < 0) {
		lm_msg_clean(e.msg, sizeof e.msg);
		fprintf(stderr, "lamina: %s\n", e.msg);
		r = e.exit_code ? e.exit_code : LM_EXIT_FAILURE;
	}
	lm_config_free(&c);
	return r;
}
