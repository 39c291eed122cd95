/* lamina-embed: the build step that compiles the shipped profiles' seccomp filters into lamina.
 *
 *   lamina-embed OUT.c PROFILE...
 *
 * Each PROFILE (all in one directory: `include NAME` resolves there) is loaded and compiled with
 * the library's own code, and OUT.c gets its programs and a table, lm_builtin_bpf_table, that
 * lamina hands to lm_seccomp_use_builtin (src/seccomp_table.c says when an entry is used).  Not
 * installed.  A profile that does not load or compile fails the build: a shipped profile with a
 * broken rule never reaches a user. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lamina.h"

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "lamina-embed: %s: %s\n", what, msg);
	return 1;
}

static bool same_lines(const struct lm_seccomp_policy *a, const struct lm_seccomp_policy *b)
{
	return a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: lamina-embed OUT.c PROFILE...\n");
		return 2;
	}
	/* The filters as a launch builds them by default: the knobs for measuring are in the key,
	 * and an entry built with them would never be found. */
	unsetenv("LAMINA_SECCOMP_OPTIMIZE");
	unsetenv("LAMINA_SECCOMP_SHRINK");
	unsetenv("LAMINA_NO_BUILTIN_FILTER");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", argv[2]);
	char *sl = strrchr(dir, '/');
	if (!sl)
		return die(argv[2], "give profiles as paths (with a '/')");
	*sl = '\0';
	if (setenv("LAMINA_PROFILE_DIR", dir, 1) < 0)
		return die("setenv", strerror(errno));

	/* The profiles written so far (index into argv): a profile whose seccomp lines are
	 * another's (build's are default's: it adds only settings) finds that one's entries. */
	int *written = calloc((size_t)argc, sizeof *written);
	struct lm_config *seen = calloc((size_t)argc, sizeof *seen);
	int nwritten = 0;
	if (!written || !seen)
		return die("calloc", strerror(errno));

	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
	FILE *out = fopen(tmp, "w");
	if (!out)
		return die(tmp, strerror(errno));
	fprintf(out,
		"/* Written by lamina-embed at build time from the shipped profiles: do not edit. "
		"*/\n#include \"lamina.h\"\n\n#include <linux/filter.h>\n\n");
	int rc = 0, n = 0;
	for (int i = 2; i < argc && rc == 0; i++) {
		const char *p = argv[i];
		if (strncmp(p, dir, strlen(dir)) != 0 || p[strlen(dir)] != '/' ||
		    strchr(p + strlen(dir) + 1, '/')) {
			rc = die(p, "every profile must be in the first one's directory");
			break;
		}
		struct lm_config c;
		struct lm_err e = {0};
		lm_config_init(&c);
		int same = -1;
		if (lm_profile_load(p, &c, &e) < 0) {
			rc = die(p, e.msg);
		} else {
			for (int k = 0; k < nwritten && same < 0; k++)
				if (same_lines(&seen[k].seccomp, &c.seccomp))
					same = written[k];
		}
		if (rc == 0 && same >= 0) {
			fprintf(out,
				"/* %s: the seccomp lines of %s, whose entries serve it */\n\n",
				p + strlen(dir) + 1, argv[same] + strlen(dir) + 1);
		} else if (rc == 0) {
			/* As launched, and in report mode (--report, -v) unless that is the same;
			 * both entries share the profile's seccomp lines. */
			bool listener = lm_seccomp_wants_listener(&c);
			char text_id[32];
			snprintf(text_id, sizeof text_id, "lm_builtin_text_%d", i - 2);
			if (lm_seccomp_write_builtin_text(&c, text_id, out, &e) < 0)
				rc = die(p, e.msg);
			for (int report = 0; report <= (listener ? 0 : 1) && rc == 0; report++) {
				char id[32];
				snprintf(id, sizeof id, "lm_builtin_%d", n);
				c.report = report;
				if (lm_seccomp_write_builtin(&c, id, text_id, out, &e) < 0)
					rc = die(p, e.msg);
				fprintf(out, "/* %s%s */\n\n", p + strlen(dir) + 1,
					report ? ", report mode" : "");
				n++;
			}
			written[nwritten] = i;
			seen[nwritten++] = c; /* kept for the comparison; freed below */
			continue;
		}
		lm_config_free(&c);
	}
	for (int k = 0; k < nwritten; k++)
		lm_config_free(&seen[k]);
	free(seen);
	free(written);
	if (rc == 0) {
		fprintf(out, "const struct lm_builtin_bpf *const lm_builtin_bpf_table[] = {\n");
		for (int i = 0; i < n; i++)
			fprintf(out, "\t&lm_builtin_%d,\n", i);
		fprintf(out, "};\nconst size_t lm_builtin_bpf_count = %d;\n", n);
	}
	if (fclose(out) != 0 && rc == 0)
		rc = die(tmp, strerror(errno));
	if (rc == 0 && rename(tmp, argv[1]) < 0)
		rc = die(argv[1], strerror(errno));
	if (rc != 0)
		unlink(tmp);
	return rc;
}
