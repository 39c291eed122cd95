/* seccomp_layer: the seccomp layer's row: its steps at each stage of a launch (the filter is
 * compiled or found in the supervisor, loaded last in the payload), the --report setting, and
 * its explain text: the profile's rules grouped by purpose and the built-in hardening. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "sandbox.h"
#include "seccomp_internal.h"

static int seccomp_prepare_step(struct lm_sandbox *sb, struct lm_err *e)
{
	return lm_seccomp_prepare(sb->c, e);
}

static int seccomp_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	return lm_seccomp_apply(sb->c, &sb->listener, e);
}

static void seccomp_end(struct lm_sandbox *sb)
{
	(void)sb;
	lm_seccomp_release();
}

static int set_report(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->report = true;
	return 0;
}

static const struct lm_setting seccomp_settings[] = {
    {.option = "--report",
     .help = "name the call and the rule when seccomp stops the payload",
     .set = set_report},
    {0},
};

/* Print the rules of one group: unconditional rules of one action on one line, conditional
 * rules one per line as the profile writes them. */
static void print_rules(FILE *out, const struct lm_seccomp_policy *p,
			const struct lm_profile_info *info, size_t group)
{
	for (int k = LM_ACT_ALLOW; k <= LM_ACT_NOTIFY; k++) {
		/* one line per distinct action (errno values differ) */
		for (size_t i = 0; i < p->nrules; i++) {
			const struct lm_rule *r = &p->rules[i];
			size_t g =
			    info && i < info->nrule_group ? info->rule_group[i] : LM_NO_GROUP;
			if (g != group || (int)r->action.kind != k || r->nconds)
				continue;
			/* first rule of this exact action in the group? */
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++) {
				size_t gj = info && j < info->nrule_group ? info->rule_group[j]
									  : LM_NO_GROUP;
				seen = gj == group && p->rules[j].nconds == 0 &&
				       p->rules[j].action.kind == r->action.kind &&
				       p->rules[j].action.errnum == r->action.errnum;
			}
			if (seen)
				continue;
			char act[64];
			fprintf(out, "    %s:", lm_action_str(&r->action, act, sizeof act));
			unsigned col = 6 + (unsigned)strlen(act);
			for (size_t j = i; j < p->nrules; j++) {
				size_t gj = info && j < info->nrule_group ? info->rule_group[j]
									  : LM_NO_GROUP;
				const struct lm_rule *o = &p->rules[j];
				if (gj != group || o->nconds || o->action.kind != r->action.kind ||
				    o->action.errnum != r->action.errnum)
					continue;
				size_t l = strlen(o->syscall) + 1;
				if (col + l > 96) {
					fprintf(out, "\n       ");
					col = 7;
				}
				fprintf(out, " %s", o->syscall);
				col += (unsigned)l;
			}
			fprintf(out, "\n");
		}
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct lm_rule *r = &p->rules[i];
		size_t g = info && i < info->nrule_group ? info->rule_group[i] : LM_NO_GROUP;
		if (g != group || !r->nconds)
			continue;
		const char *ct =
		    info && i < info->nrule_group && info->rule_conds ? info->rule_conds[i] : NULL;
		char act[64];
		if (ct) {
			fprintf(out, "    %s %s if %s\n",
				lm_action_str(&r->action, act, sizeof act), r->syscall, ct);
		} else {
			char *s = lm_rule_str(r);
			fprintf(out, "    %s\n", s ? s : r->syscall);
			free(s);
		}
	}
}

static bool group_has_rules(const struct lm_seccomp_policy *p, const struct lm_profile_info *info,
			    size_t group)
{
	for (size_t i = 0; i < p->nrules; i++) {
		size_t g = info && i < info->nrule_group ? info->rule_group[i] : LM_NO_GROUP;
		if (g == group)
			return true;
	}
	return false;
}

static void seccomp_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	const struct lm_profile_info *info = x ? x->info : NULL;
	const struct lm_seccomp_policy *p = &c->seccomp;
	char act[64];
	fprintf(out, "\nSystem call filter (seccomp, installed last, just before the program runs; "
		     "no_new_privs is set first)\n");
	if (p->present) {
		fprintf(
		    out,
		    "  The profile's filter: %zu rules; any call no rule names gets the default "
		    "action %s%s.\n",
		    p->nrules, lm_action_str(&p->default_action, act, sizeof act),
		    p->default_line ? "" : " (implicit: the profile has no default directive)");
		for (size_t g = 0; info && g < info->ngroups; g++) {
			if (!group_has_rules(p, info, g))
				continue;
			fprintf(out, "  [%s] %s\n", info->groups[g].name, info->groups[g].desc);
			print_rules(out, p, info, g);
		}
		if (group_has_rules(p, info, LM_NO_GROUP)) {
			fprintf(out, "  [other] rules outside any group\n");
			print_rules(out, p, info, LM_NO_GROUP);
		}
	} else {
		fprintf(out, "  The profile has no rules of its own: only the built-in rules below "
			     "apply.\n");
	}
	fprintf(out,
		"  Built-in hardening under every profile (a profile cannot lift it: stacked "
		"in a filter of its own, or folded into the profile's filter where that decides "
		"every call the same way):\n");
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *b = &lm_builtins[i];
		if (b->layer != 0)
			continue;
		fprintf(out, "    - %s (%s %s)\n", b->what, b->syscall,
			lm_action_str(&b->action, act, sizeof act));
	}
	if (p->i386)
		fprintf(
		    out,
		    "    - foreign architectures: a 64-bit program can enter the kernel through "
		    "the i386 entry (int $0x80), where\n      the system call numbers differ: "
		    "the profile says `i386 on`, so i386 calls get the same rules (translated by\n"
		    "      libseccomp); x32 and any other architecture kill the process, so no "
		    "rule can be bypassed that way\n");
	else
		fprintf(
		    out,
		    "    - foreign architectures: a 64-bit program can enter the kernel through "
		    "the i386 entry (int $0x80), where\n      the system call numbers differ: "
		    "any i386, x32 or other foreign call kills the process, so no rule can be\n"
		    "      bypassed that way (a profile that must run 32-bit programs says `i386 "
		    "on`)\n");
	if (p->stdfd) {
		fprintf(out,
			"  The std-fd layer is on: the payload may not close, or dup onto, its "
			"standard fds 0-2 (fds are compared through a 32-bit mask, as the kernel "
			"reads them):\n");
		for (size_t i = 0; i < lm_nbuiltins; i++) {
			const struct lm_builtin *b = &lm_builtins[i];
			if (b->layer == LM_LAYER_STDFD && lm_builtin_active(c, b))
				fprintf(out, "    - %s (%s %s)\n", b->what, b->syscall,
					lm_action_str(&b->action, act, sizeof act));
		}
		if (p->allow_dup2_1_2)
			fprintf(out, "    - the seed's one exception: dup2(1, 2), stderr joined to "
				     "stdout, is allowed\n");
	} else {
		fprintf(out,
			"  The std-fd layer is off: shells may redirect with dup2 onto 0-2.\n");
	}
}

const struct lm_layer lm_layer_seccomp = {
    .name = "seccomp",
    .bit = LM_LAYER_SECCOMP,
    .removable = true,
    .settings = seccomp_settings,
    .step = {[LM_STAGE_PREPARE] = seccomp_prepare_step, [LM_STAGE_PAYLOAD] = seccomp_payload},
    .end = seccomp_end,
    .explain = seccomp_explain,
};

/* The std-fd rules are part of the seccomp filter (a profile switch); the row gives the layer
 * its name and switch. */
const struct lm_layer lm_layer_stdfd = {
    .name = "stdfd",
    .bit = LM_LAYER_STDFD,
    .removable = true,
};
