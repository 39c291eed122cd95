/* seccomp_cost.c: what a policy's rules will cost libseccomp to compile, known before it is
 * called.
 *
 * libseccomp keeps the rules of one system call as a decision tree over the arguments, in
 * argument order: each node compares one argument, its true branch goes on to the next
 * argument, its false branch to the next comparison of the same argument.  A tree cannot go
 * back, so a rule that could still match where another rule's comparison failed is copied into
 * that place.  Equalities of one argument with different values exclude each other and share the
 * tree without copies: `allow ioctl if a1 == X` for 400 values of X is 400 nodes.  Comparisons
 * that do not exclude each other multiply: rules of k `!=` comparisons each (a0 != x && a1 != y
 * ...) make a tree of about (rules + 1)^k nodes, and libseccomp's BPF generation then takes time
 * that grows much faster than the tree.
 *
 * lm_seccomp_call_cost follows that construction without building anything: for each distinct
 * comparison of the lowest argument any rule tests, the rules that could still match when it
 * holds (those whose comparison of that argument is not an equality excluded by it, and those
 * that do not test it) go on to the next argument; after the last comparison, the rules that do
 * not test the argument or test it with something other than an equality.  The count is of
 * comparisons in the tree, the unit of the budget below; it is an upper bound of libseccomp's
 * (it merges some equal branches that the count keeps, and drops a conditional rule an
 * unconditional one of the same action covers), exact for the shapes that matter: the table of
 * equalities, and the products.  The budget (LM_SECCOMP_BUDGET_CALL per call,
 * LM_SECCOMP_BUDGET_TOTAL in all) keeps the compile of any profile within a fraction of a
 * second; the parser refuses the rule that crosses it, naming its line, so that `lamina check`
 * and `lamina run` agree, and the compile checks the policy again before libseccomp sees it.  */
#include "seccomp_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does the comparison c exclude every value d admits?  Only equalities (masked or not) are
 * told apart: a == 1 and a == 2, a & 0xf == 1 and a & 0xf == 2. */
static bool excludes(const struct lm_cond *c, const struct lm_cond *d)
{
	bool ce = c->op == LM_CMP_EQ || c->op == LM_CMP_MASKED_EQ;
	bool de = d->op == LM_CMP_EQ || d->op == LM_CMP_MASKED_EQ;
	if (!ce || !de)
		return false;
	uint64_t cm = c->op == LM_CMP_MASKED_EQ ? c->mask : UINT64_MAX;
	uint64_t dm = d->op == LM_CMP_MASKED_EQ ? d->mask : UINT64_MAX;
	return (c->value & dm) != (d->value & cm);
}

static bool same_cond(const struct lm_cond *c, const struct lm_cond *d)
{
	return c->op == d->op && c->value == d->value &&
	       (c->op != LM_CMP_MASKED_EQ || c->mask == d->mask);
}

static const struct lm_cond *cond_on(const struct lm_rule *r, unsigned arg)
{
	for (unsigned i = 0; i < r->nconds; i++)
		if (r->conds[i].arg == arg)
			return &r->conds[i];
	return NULL;
}

/* Comparisons in the tree of rules[0..n) from argument arg on; stops counting past limit. */
static uint64_t tree_cost(const struct lm_rule *const *rules, size_t n, unsigned arg,
			  uint64_t limit, const struct lm_rule **scratch)
{
	for (; arg < LM_MAX_CONDS; arg++) {
		size_t i = 0;
		while (i < n && !cond_on(rules[i], arg))
			i++;
		if (i < n)
			break;
	}
	if (n == 0 || arg >= LM_MAX_CONDS)
		return 0;
	/* scratch holds n entries per argument level: this level's subsets go at its start */
	const struct lm_rule **sub = scratch;
	const struct lm_rule **deeper = scratch + n;
	uint64_t cost = 0;
	for (size_t i = 0; i < n && cost <= limit; i++) {
		const struct lm_cond *d = cond_on(rules[i], arg);
		if (!d)
			continue;
		bool seen = false; /* counted at its first rule */
		for (size_t j = 0; j < i && !seen; j++) {
			const struct lm_cond *o = cond_on(rules[j], arg);
			seen = o && same_cond(o, d);
		}
		if (seen)
			continue;
		size_t m = 0;
		for (size_t j = 0; j < n; j++) {
			const struct lm_cond *o = cond_on(rules[j], arg);
			if (!o || !excludes(o, d))
				sub[m++] = rules[j];
		}
		cost += 1 + tree_cost(sub, m, arg + 1, limit - cost, deeper);
	}
	if (cost > limit)
		return cost;
	size_t m = 0;
	for (size_t j = 0; j < n; j++) {
		const struct lm_cond *o = cond_on(rules[j], arg);
		if (!o || (o->op != LM_CMP_EQ && o->op != LM_CMP_MASKED_EQ))
			sub[m++] = rules[j];
	}
	return cost + tree_cost(sub, m, arg + 1, limit - cost, deeper);
}

uint64_t lm_seccomp_call_cost(const struct lm_rule *const *rules, size_t n, uint64_t limit)
{
	/* one subset of at most n rules per argument level, and the level below */
	const struct lm_rule **scratch = calloc((LM_MAX_CONDS + 1) * (n ? n : 1), sizeof *scratch);
	if (!scratch)
		return UINT64_MAX;
	uint64_t c = tree_cost(rules, n, 0, limit, scratch);
	free(scratch);
	return c;
}

/* The policy's conditional rules of syscall nr (in profile order), into out. */
static size_t rules_of(const struct lm_seccomp_policy *p, int nr, const struct lm_rule **out)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].nr == nr && p->rules[i].nconds)
			out[n++] = &p->rules[i];
	return n;
}

/* The first of rules[0..n) at which their cost (times arches) passes room: the rule that
 * crosses the budget (the cost of a prefix grows with it, so a binary search finds it); NULL
 * when out of memory. */
static const struct lm_rule *crossing(const struct lm_rule *const *rules, size_t n, unsigned arches,
				      uint64_t room)
{
	size_t lo = 1, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t c = lm_seccomp_call_cost(rules, mid, room / arches + 1);
		if (c == UINT64_MAX)
			return NULL;
		if (c * arches > room)
			hi = mid;
		else
			lo = mid + 1;
	}
	return rules[lo - 1];
}

int lm_seccomp_check_cost(const struct lm_seccomp_policy *p, uint64_t *total_out, struct lm_err *e)
{
	uint64_t total = 0;
	if (total_out)
		*total_out = 0;
	if (!p->nrules)
		return 0;
	cleanup_free const struct lm_rule **v = calloc(p->nrules, sizeof *v);
	if (!v)
		return lm_error(e, ENOMEM, "seccomp", "estimating the compile cost");
	/* i386 doubles the work: a second tree per call, merged into the same program */
	unsigned arches = p->i386 ? 2 : 1;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct lm_rule *r = &p->rules[i];
		bool first = r->nconds != 0;
		for (size_t j = 0; j < i && first; j++)
			first = !(p->rules[j].nr == r->nr && p->rules[j].nconds);
		if (!first)
			continue;
		size_t n = rules_of(p, r->nr, v);
		uint64_t left = LM_SECCOMP_BUDGET_TOTAL - total;
		uint64_t room = left < LM_SECCOMP_BUDGET_CALL ? left : LM_SECCOMP_BUDGET_CALL;
		uint64_t c = lm_seccomp_call_cost(v, n, room / arches + 1);
		if (c == UINT64_MAX)
			return lm_error(e, ENOMEM, "seccomp", "estimating the compile cost");
		c *= arches;
		if (c <= room) {
			total += c;
			continue;
		}
		const struct lm_rule *x = crossing(v, n, arches, room);
		if (!x)
			return lm_error(e, ENOMEM, "seccomp", "estimating the compile cost");
		const char *file = x->file ? x->file : "profile";
		if (room == LM_SECCOMP_BUDGET_CALL)
			return lm_error_plain(
			    e,
			    "%s:%u:1: the conditions of the %s rules cost too much to "
			    "compile: with this rule libseccomp's decision tree for %s "
			    "would hold more than %u comparisons (%s)",
			    file, x->line, r->syscall, r->syscall, LM_SECCOMP_BUDGET_CALL,
			    arches == 2 ? "both architectures, under i386 on"
					: "the budget of one call");
		return lm_error_plain(
		    e,
		    "%s:%u:1: the profile's conditions cost too much to compile: with "
		    "this rule libseccomp's decision trees would hold more than %u "
		    "comparisons in all",
		    file, x->line, LM_SECCOMP_BUDGET_TOTAL);
	}
	if (total_out)
		*total_out = total;
	return 0;
}
