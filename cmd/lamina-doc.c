/* lamina-doc: the build step that writes the man page and the shell completions.
 *
 *   lamina-doc man|bash|zsh TEMPLATE OUT
 *
 * TEMPLATE is the hand-written text (doc/); each @NAME@ in it is replaced with what lamina's
 * settings table says (src/layers.c): the `run` options with their arguments and help lines,
 * the profile directive each mirrors, the layers --unsafe-disable-layer can remove, the rlimit
 * names.  The same table makes `lamina run --help` (cmd/run.c), so the three cannot drift
 * apart; tests/doc.bats checks them against --help all the same.  Not installed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lamina.h"
#include "lm_paths.h"

/* ---- roff ----------------------------------------------------------------------------------- */
/* Text for a roff line: backslashes doubled, a dash that starts a word (an option) as \-, and
 * a leading '.' or '\'' kept from being read as a request. */
static void roff_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (const char *p = s; *p; p++) {
		bool word_start =
		    p == s || p[-1] == ' ' || p[-1] == '(' || p[-1] == '-' || p[-1] == '/';
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-' && (word_start || p[1] == '-'))
			fputs("\\-", out);
		else
			fputc(*p, out);
	}
}

static void man_options(FILE *out)
{
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));) {
		if (!s->option)
			continue;
		fputs(".TP\n", out);
		if (s->short_opt)
			fprintf(out, "\\fB\\-%c\\fR, ", s->short_opt);
		fputs("\\fB", out);
		roff_text(out, s->option);
		fputs("\\fR", out);
		if (s->metavar) {
			fputs(" \\fI", out);
			roff_text(out, s->metavar);
			fputs("\\fR", out);
		}
		/* the help line, as a sentence */
		fprintf(out, "\n%c", toupper((unsigned char)s->help[0]));
		roff_text(out, s->help + 1);
		fputs(".\n", out);
		if (s->directive) {
			fputs("In a profile: \\fB", out);
			roff_text(out, s->directive);
			fputs("\\fR.\n", out);
		}
	}
	fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nThe options, from the same table as this "
	      "page.\n",
	      out);
}

/* ---- what an option's arguments are, for the completions ------------------------------------ */
/* "profile", "layer", "rlimit", "file", "words A B C", or "" (nothing to offer: a number, a
 * name of the user's). */
static void arg_kind(const struct lm_setting *s, const char *word, char *kind, size_t n)
{
	char lead[64];
	size_t l = 0;
	while (word[l] && (isupper((unsigned char)word[l]) || word[l] == '_') &&
	       l < sizeof lead - 1)
		l++;
	memcpy(lead, word, l);
	lead[l] = '\0';
	bool words = *word != '\0';
	for (const char *p = word; *p; p++)
		words &= islower((unsigned char)*p) || *p == '|';
	kind[0] = '\0';
	if (s->short_opt == 'p')
		snprintf(kind, n, "profile");
	else if (!strcmp(s->option, "--unsafe-disable-layer"))
		snprintf(kind, n, "layer");
	else if (!strcmp(s->option, "--rlimit"))
		snprintf(kind, n, "rlimit");
	else if (words) {
		snprintf(kind, n, "words %s", word);
		for (char *p = kind; *p; p++)
			if (*p == '|')
				*p = ' ';
	} else if (!strcmp(lead, "SRC") || !strcmp(lead, "DST") || !strcmp(lead, "DIR") ||
		   !strcmp(lead, "PATH") || !strcmp(lead, "TARGET") || !strcmp(lead, "DEVICE"))
		snprintf(kind, n, "file");
}

/* The i-th word of an option's metavar ("SRC DST"), into w. */
static void metavar_word(const struct lm_setting *s, unsigned i, char *w, size_t n)
{
	const char *p = s->metavar ? s->metavar : "";
	for (; i && *p; i--) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	size_t l = strcspn(p, " ");
	snprintf(w, n, "%.*s", (int)(l < n ? l : n - 1), p);
}

static void layers(FILE *out)
{
	bool first = true;
	for (const struct lm_layer *const *l = lm_layers; *l; l++)
		if ((*l)->removable) {
			fprintf(out, "%s%s", first ? "" : " ", (*l)->name);
			first = false;
		}
}

static void rlimits(FILE *out)
{
	for (int i = 0; i < LM_NRLIMITS; i++)
		if (lm_rlimit_name(i))
			fprintf(out, "%s%s", i ? " " : "", lm_rlimit_name(i));
}

/* ---- bash ----------------------------------------------------------------------------------- */
static void bash_options(FILE *out)
{
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));) {
		if (!s->option)
			continue;
		if (s->short_opt)
			fprintf(out, "-%c ", s->short_opt);
		fprintf(out, "%s ", s->option);
	}
	fputs("-h --help", out);
}

/* case patterns: OPTION) echo NARGS ;; */
static void bash_nargs(FILE *out)
{
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));) {
		if (!s->option || !s->nargs)
			continue;
		fputs("\t", out);
		if (s->short_opt)
			fprintf(out, "-%c|", s->short_opt);
		fprintf(out, "%s) echo %u ;;\n", s->option, s->nargs);
	}
}

/* case patterns: OPTION:N) echo KIND ;; */
static void bash_kinds(FILE *out)
{
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));) {
		if (!s->option)
			continue;
		for (unsigned i = 0; i < s->nargs; i++) {
			char w[64], kind[128];
			metavar_word(s, i, w, sizeof w);
			arg_kind(s, w, kind, sizeof kind);
			if (!kind[0])
				continue;
			fputs("\t", out);
			if (s->short_opt)
				fprintf(out, "-%c:%u|", s->short_opt, i + 1);
			fprintf(out, "%s:%u) echo \"%s\" ;;\n", s->option, i + 1, kind);
		}
	}
}

/* ---- zsh ------------------------------------------------------------------------------------ */
/* Inside a single-quoted _arguments spec: a quote closes and reopens; in a description the
 * brackets, in a message the colons are escaped. */
static void zsh_quoted(FILE *out, const char *s, const char *escape)
{
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", out);
		else {
			if (strchr(escape, *p))
				fputc('\\', out);
			fputc(*p, out);
		}
	}
}

static void zsh_specs(FILE *out)
{
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *s; (s = lm_setting_next(&it));) {
		if (!s->option)
			continue;
		fputs("\t\t", out);
		/* repeatable: binds, environment changes and most others can be given again */
		if (s->short_opt)
			fprintf(out, "'*'{-%c,%s}'[", s->short_opt, s->option);
		else
			fprintf(out, "'*%s[", s->option);
		zsh_quoted(out, s->help, "[]");
		fputs("]", out);
		for (unsigned i = 0; i < s->nargs; i++) {
			char w[64], kind[128];
			metavar_word(s, i, w, sizeof w);
			arg_kind(s, w, kind, sizeof kind);
			fputc(':', out);
			zsh_quoted(out, w, ":");
			fputc(':', out);
			if (!strcmp(kind, "profile"))
				fputs("_lamina_profile", out);
			else if (!strcmp(kind, "layer"))
				fputs("_lamina_layer", out);
			else if (!strcmp(kind, "rlimit"))
				fputs("_lamina_rlimit", out);
			else if (!strcmp(kind, "file"))
				fputs("_files", out);
			else if (!strncmp(kind, "words ", 6))
				fprintf(out, "(%s)", kind + 6);
			else
				fputs(" ", out);
		}
		fputs("' \\\n", out);
	}
	fputs("\t\t'(- *)'{-h,--help}'[the options]' \\\n", out);
}

/* ---- the template --------------------------------------------------------------------------- */
int main(int argc, char **argv)
{
	if (argc != 4 ||
	    (strcmp(argv[1], "man") && strcmp(argv[1], "bash") && strcmp(argv[1], "zsh"))) {
		fprintf(stderr, "usage: lamina-doc man|bash|zsh TEMPLATE OUT\n");
		return 2;
	}
	FILE *in = fopen(argv[2], "re");
	if (!in) {
		perror(argv[2]);
		return 1;
	}
	FILE *out = fopen(argv[3], "we");
	if (!out) {
		perror(argv[3]);
		fclose(in);
		return 1;
	}
	const char *kind = argv[1];
	char line[4096];
	int status = 0;
	while (fgets(line, sizeof line, in)) {
		char *at = strchr(line, '@'), *end = at ? strchr(at + 1, '@') : NULL;
		if (!at || !end) {
			fputs(line, out);
			continue;
		}
		/* one placeholder a line, with the text around it kept; a block's own last newline
		 * is the line's */
		*at = '\0';
		*end = '\0';
		fputs(line, out);
		const char *name = at + 1;
		char *block = NULL;
		size_t blen = 0;
		FILE *o = open_memstream(&block, &blen);
		if (!o) {
			perror("open_memstream");
			return 1;
		}
		FILE *final = out;
		out = o;
		if (!strcmp(name, "VERSION"))
			fputs(LM_VERSION, out);
		else if (!strcmp(name, "PROFILE_DIR"))
			fputs(LM_PROFILE_DIR, out);
		else if (!strcmp(name, "LAYERS"))
			layers(out);
		else if (!strcmp(name, "RLIMITS"))
			rlimits(out);
		else if (!strcmp(name, "RUN_OPTIONS") && !strcmp(kind, "man"))
			man_options(out);
		else if (!strcmp(name, "RUN_OPTIONS") && !strcmp(kind, "bash"))
			bash_options(out);
		else if (!strcmp(name, "RUN_NARGS") && !strcmp(kind, "bash"))
			bash_nargs(out);
		else if (!strcmp(name, "RUN_KINDS") && !strcmp(kind, "bash"))
			bash_kinds(out);
		else if (!strcmp(name, "RUN_SPECS") && !strcmp(kind, "zsh"))
			zsh_specs(out);
		else {
			fprintf(stderr, "lamina-doc: %s: unknown placeholder @%s@ for %s\n",
				argv[2], name, kind);
			status = 1;
		}
		fclose(o);
		out = final;
		if (blen && block[blen - 1] == '\n')
			blen--;
		fwrite(block, 1, blen, out);
		free(block);
		fputs(end + 1, out);
	}
	if (ferror(in) || fclose(out) != 0) {
		perror(argv[3]);
		status = 1;
	}
	fclose(in);
	return status;
}
