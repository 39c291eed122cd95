/* policy.c: the seccomp policy in words (see policy.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libc-compat.h"

#include "lamina.h"
#include "policy.h"

/* errno names come from glibc (strerrorname_np), which knows every one the kernel has. */
const char *lm_errno_name(int errnum)
{
	if (errnum <= 0 || errnum > 4095)
		return NULL;
	return strerrorname_np(errnum);
}

const char *lm_action_kind_name(enum lm_action_kind k)
{
	switch (k) {
	case LM_ACT_ALLOW:
		return "allow";
	case LM_ACT_ERRNO:
		return "errno";
	case LM_ACT_KILL_PROCESS:
		return "kill-process";
	case LM_ACT_KILL_THREAD:
		return "kill-thread";
	case LM_ACT_TRAP:
		return "trap";
	case LM_ACT_LOG:
		return "log";
	case LM_ACT_NOTIFY:
		return "notify";
	}
	return "?";
}

const char *lm_action_str(const struct lm_action *a, char *buf, size_t len)
{
	if (a->kind == LM_ACT_ERRNO) {
		const char *en = lm_errno_name(a->errnum);
		if (en)
			snprintf(buf, len, "errno(%s)", en);
		else
			snprintf(buf, len, "errno(%d)", a->errnum);
		return buf;
	}
	snprintf(buf, len, "%s", lm_action_kind_name(a->kind));
	return buf;
}

static const char *cmp_str(enum lm_cmp op)
{
	switch (op) {
	case LM_CMP_EQ:
	case LM_CMP_MASKED_EQ:
		return "==";
	case LM_CMP_NE:
		return "!=";
	case LM_CMP_LT:
		return "<";
	case LM_CMP_LE:
		return "<=";
	case LM_CMP_GT:
		return ">";
	case LM_CMP_GE:
		return ">=";
	}
	return "?";
}

char *lm_rule_str(const struct lm_rule *r)
{
	char act[64], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	fprintf(f, "%s %s", lm_action_str(&r->action, act, sizeof act), r->syscall);
	for (unsigned i = 0; i < r->nconds; i++) {
		const struct lm_cond *cd = &r->conds[i];
		fprintf(f, "%s a%u ", i ? " &&" : " if", cd->arg);
		if (cd->op == LM_CMP_MASKED_EQ)
			fprintf(f, "& 0x%" PRIx64 " ", cd->mask);
		if (cd->value < 4096)
			fprintf(f, "%s %" PRIu64, cmp_str(cd->op), cd->value);
		else
			fprintf(f, "%s 0x%" PRIx64, cmp_str(cd->op), cd->value);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
