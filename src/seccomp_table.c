/* seccomp_table.c: the shipped profiles' filters, compiled when lamina is built.
 *
 * lamina-embed (cmd/lamina-embed.c) compiles every shipped profile at build time, with this
 * code, and writes the programs as a C table that is linked into the lamina binary; main()
 * (cmd/lamina.c) hands it over with lm_seccomp_use_builtin.  An entry is keyed by the profile's
 * seccomp lines (struct lm_seccomp_policy's text: equal texts make equal policies, see
 * profile.c) and by the switches that change the programs (lm_seccomp_switches).  A launch whose
 * text and switches are an entry's loads that entry's programs: nothing is compiled, and outside
 * report mode no rule is even parsed.  A profile that includes a shipped one and adds only
 * settings has the shipped one's text and finds its entry too; a profile with seccomp lines of
 * its own is compiled at launch.  The table is part of the binary: it cannot be stale, and it
 * is as trusted as the binary.  Like any compile, it holds what libseccomp built on the machine
 * that built lamina.  LAMINA_NO_BUILTIN_FILTER=1 leaves it unused (every filter compiled: for
 * the tests and the benchmark). */
#include "lamina.h"
#include "seccomp_internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lm_builtin_bpf *const *builtin_bpf;
static size_t nbuiltin_bpf;

void lm_seccomp_use_builtin(const struct lm_builtin_bpf *const *table, size_t n)
{
	builtin_bpf = table;
	nbuiltin_bpf = n;
}

/* The switches the programs for c are built with, besides the profile's seccomp lines: report
 * mode, the seccomp and std-fd layers removed, LAMINA_SECCOMP_OPTIMIZE and
 * LAMINA_SECCOMP_SHRINK, libseccomp's version and the number of built-in rules: anything else
 * that changes the programs must be added here.  (The std-fd, dup2(1, 2) and i386 bits follow
 * from the seccomp lines; they cost nothing here.) */
void lm_seccomp_switches(const struct lm_config *c, char *buf, size_t n)
{
	const struct scmp_version *v = seccomp_version();
	uint32_t flags = (c->seccomp.stdfd ? 1u : 0) | (c->seccomp.allow_dup2_1_2 ? 2u : 0) |
			 (lm_seccomp_wants_listener(c) ? 4u : 0) | (c->seccomp.i386 ? 8u : 0);
	unsigned disabled = c->disabled_layers & (LM_LAYER_SECCOMP | LM_LAYER_STDFD);
	snprintf(buf, n, "%x|%x|o%d%s|%u.%u.%u|%zu", flags, disabled, lm_seccomp_optimize_level(),
		 lm_seccomp_shrink_enabled() ? "s" : "", v->major, v->minor, v->micro,
		 lm_nbuiltins);
}

/* a[0..n) == b[0..n), a word at a time: musl's memcmp goes byte by byte, and a profile's seccomp
 * lines are kilobytes long. */
static bool same_text(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	return memcmp(a + i, b + i, n - i) == 0;
}

/* The table entry for c's filters, or NULL. */
const struct lm_builtin_bpf *lm_seccomp_builtin_find(const struct lm_config *c)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	const char *off = getenv("LAMINA_NO_BUILTIN_FILTER");
	if (!nbuiltin_bpf || !p->text_len || (off && *off && strcmp(off, "0") != 0))
		return NULL;
	char sw[64];
	lm_seccomp_switches(c, sw, sizeof sw);
	for (size_t i = 0; i < nbuiltin_bpf; i++) {
		const struct lm_builtin_bpf *b = builtin_bpf[i];
		if (b->text_len == p->text_len && strcmp(b->switches, sw) == 0 &&
		    same_text(b->text, p->text, p->text_len))
			return b;
	}
	return NULL;
}

bool lm_seccomp_has_builtin(const struct lm_config *c)
{
	return lm_seccomp_builtin_find(c) != NULL;
}

bool lm_seccomp_needs_rules(const struct lm_config *c)
{
	if (!c->seccomp.rules_pending || (c->disabled_layers & LM_LAYER_SECCOMP))
		return false;
	/* Report mode names the rule that stopped a call: it needs the rules themselves. */
	return lm_seccomp_wants_listener(c) || !lm_seccomp_builtin_find(c);
}

int lm_seccomp_write_builtin_text(const struct lm_config *c, const char *text_id, FILE *out,
				  struct lm_err *e)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	/* one string literal a line; the size makes the compiler check the length */
	fprintf(out, "static const char %s[%zu] =", text_id, p->text_len + 1);
	size_t i = 0;
	do {
		fputs("\n\t\"", out);
		while (i < p->text_len) {
			unsigned char ch = (unsigned char)p->text[i++];
			if (ch == '\n') {
				fputs("\\n", out);
				break;
			}
			if (ch == '\\' || ch == '"' || ch == '?')
				fprintf(out, "\\%c", ch);
			else if (ch < 0x20 || ch >= 0x7f)
				fprintf(out, "\\%03o", ch);
			else
				fputc(ch, out);
		}
		fputc('"', out);
	} while (i < p->text_len);
	fputs(";\n\n", out);
	return ferror(out) ? lm_error(e, EIO, "seccomp", "writing the built-in table") : 0;
}

int lm_seccomp_write_builtin(const struct lm_config *c, const char *id, const char *text_id,
			     FILE *out, struct lm_err *e)
{
	struct lm_bpf_set s = {0};
	if (lm_seccomp_compile(c, &s, e) < 0)
		return -1;
	char sw[64];
	lm_seccomp_switches(c, sw, sizeof sw);
	for (unsigned i = 0; i < s.nprogs; i++) {
		fprintf(out, "static const struct sock_filter %s_%u[%u] = {\n", id, i,
			s.prog[i].len);
		for (unsigned k = 0; k < s.prog[i].len; k++) {
			const struct sock_filter *f = &s.prog[i].insns[k];
			fprintf(out, "\t{0x%04x, %u, %u, 0x%08x},\n", f->code, f->jt, f->jf, f->k);
		}
		fprintf(out, "};\n");
	}
	fprintf(out,
		"static const struct lm_builtin_bpf %s = {.switches = \"%s\", .text = %s,\n"
		"\t.text_len = %zu, .nprogs = %u, .listener = %s, .len = {%u, %u},\n"
		"\t.insns = {%s_0, %s%s}};\n",
		id, sw, text_id, c->seccomp.text_len, s.nprogs, s.listener ? "true" : "false",
		s.prog[0].len, s.nprogs > 1 ? s.prog[1].len : 0, id, s.nprogs > 1 ? id : "NULL",
		s.nprogs > 1 ? "_1" : "");
	lm_bpf_set_free(&s);
	return ferror(out) ? lm_error(e, EIO, "seccomp", "writing the built-in table") : 0;
}
