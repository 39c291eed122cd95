/* rules: how two seccomp rules of one system call compare, for the profile parsers (the text
 * one, src/profile.c, and the JSON one, src/profile_json.c), which refuse or drop a rule by
 * these tests: may one call match both rules, is every condition of one also the other's. */
#include "profile.h"

#include <stdint.h>

static bool cond_eq(const struct lm_cond *a, const struct lm_cond *b)
{
	return a->arg == b->arg && a->op == b->op && a->value == b->value &&
	       (a->op != LM_CMP_MASKED_EQ || a->mask == b->mask);
}

bool lm_rule_conds_subset(const struct lm_rule *a, const struct lm_rule *b)
{
	for (unsigned i = 0; i < a->nconds; i++) {
		bool found = false;
		for (unsigned j = 0; j < b->nconds && !found; j++)
			found = cond_eq(&a->conds[i], &b->conds[j]);
		if (!found)
			return false;
	}
	return true;
}

/* The values a non-masked comparison admits, as an interval [lo, hi] (empty: lo > hi). */
static void cond_interval(const struct lm_cond *c, uint64_t *lo, uint64_t *hi)
{
	*lo = 0, *hi = UINT64_MAX;
	switch (c->op) {
	case LM_CMP_EQ:
		*lo = *hi = c->value;
		break;
	case LM_CMP_LT:
		if (c->value == 0)
			*lo = 1, *hi = 0;
		else
			*hi = c->value - 1;
		break;
	case LM_CMP_LE:
		*hi = c->value;
		break;
	case LM_CMP_GT:
		if (c->value == UINT64_MAX)
			*lo = 1, *hi = 0;
		else
			*lo = c->value + 1;
		break;
	case LM_CMP_GE:
		*lo = c->value;
		break;
	case LM_CMP_NE:
	case LM_CMP_MASKED_EQ:
		break;
	}
}

/* Can no argument value satisfy both a and b (same argument)?  Exact for equality, masked
 * equality and ranges; a mask against a range or != against anything but one value is
 * taken to overlap. */
static bool conds_disjoint(const struct lm_cond *a, const struct lm_cond *b)
{
	bool ma = a->op == LM_CMP_MASKED_EQ || a->op == LM_CMP_EQ;
	bool mb = b->op == LM_CMP_MASKED_EQ || b->op == LM_CMP_EQ;
	uint64_t am = a->op == LM_CMP_MASKED_EQ ? a->mask : UINT64_MAX;
	uint64_t bm = b->op == LM_CMP_MASKED_EQ ? b->mask : UINT64_MAX;
	if (ma && mb) /* arg & am == av and arg & bm == bv: the common bits must agree */
		return (a->value & bm) != (b->value & am);
	if (a->op == LM_CMP_NE || b->op == LM_CMP_NE) {
		const struct lm_cond *ne = a->op == LM_CMP_NE ? a : b, *o = ne == a ? b : a;
		uint64_t lo, hi;
		if (o->op == LM_CMP_NE || o->op == LM_CMP_MASKED_EQ)
			return o->op == LM_CMP_MASKED_EQ && o->mask == UINT64_MAX &&
			       o->value == ne->value;
		cond_interval(o, &lo, &hi);
		return lo == hi && lo == ne->value;
	}
	if ((a->op == LM_CMP_MASKED_EQ && am != UINT64_MAX) ||
	    (b->op == LM_CMP_MASKED_EQ && bm != UINT64_MAX))
		return false;
	uint64_t alo, ahi, blo, bhi;
	if (a->op == LM_CMP_MASKED_EQ)
		alo = ahi = a->value;
	else
		cond_interval(a, &alo, &ahi);
	if (b->op == LM_CMP_MASKED_EQ)
		blo = bhi = b->value;
	else
		cond_interval(b, &blo, &bhi);
	return alo > ahi || blo > bhi || ahi < blo || bhi < alo;
}

bool lm_rules_may_overlap(const struct lm_rule *a, const struct lm_rule *b)
{
	for (unsigned i = 0; i < a->nconds; i++)
		for (unsigned j = 0; j < b->nconds; j++)
			if (a->conds[i].arg == b->conds[j].arg &&
			    conds_disjoint(&a->conds[i], &b->conds[j]))
				return false;
	return true;
}
