/* The seccomp layer: turns the profile's policy (struct lm_seccomp_policy, filled by profile.c)
 * and lamina's built-in hardening into BPF with libseccomp, and loads it as the last step before
 * execve.
 *
 * Two filters, stacked (normal mode):
 *   1. the built-in filter (default allow; CLONE_NEWUSER, clone3, TIOCSTI/TIOCLINUX, io_uring and
 *      the std-fd rules), loaded first;
 *   2. the profile's filter (its default action and rules), loaded last: the built-in filter
 *      allows seccomp(2) for that second load, the profile's (strict) may not.
 * The kernel runs every filter of the task and applies the most restrictive action (seccomp(2):
 * KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW).  So a profile
 * rule can never lift a built-in rule: a profile `allow clone` next to the built-in "clone with
 * CLONE_NEWUSER -> EPERM" still gives EPERM.  In a single libseccomp filter it would not: an
 * unconditional rule silently swallows every conditional rule of the same syscall (shown in
 * tests/unit/test_seccomp.c).  On a tie (two errno actions) the newest filter, the profile's,
 * gives the errno value: still a refusal, but for clone3 the value matters (libc falls back to
 * clone only on ENOSYS), so for the syscalls whose built-in rule is unconditional the profile
 * filter carries the combined verdict itself (combined_builtin).
 *
 * Folded (the usual case for the shipped profiles): one filter that decides every call as the
 * two stacked filters would, built when the profile's rules allow it (see "one filter instead
 * of two" below; tests/unit/test_seccomp.c checks the outcomes either way).  One filter loads
 * faster, and a call the kernel cannot answer from its action cache (close under the std-fd
 * layer) runs one program instead of two.
 *
 * Report mode (lm_seccomp_wants_listener) is one filter instead: the kernel allows one listener
 * per filter chain and routes a USER_NOTIF to the filter that returned it, so a second filter
 * answering USER_NOTIF would have no listener (ENOSYS).  The single filter sends every refusal of
 * the profile to the supervisor, and every call of a syscall the built-in rules inspect; the
 * supervisor (report.c) decides with the same precedence as the two stacked filters (built-in
 * first) and answers CONTINUE for what is allowed.  That is sound because those decisions read
 * register arguments only (seccomp_unotify(2) warns about CONTINUE for pointer arguments).
 *
 * Architectures: x86_64, and i386 (reachable from a 64-bit process with `int $0x80`) only when
 * the profile says `i386 on`: then with the same rules, numbers translated by libseccomp, a
 * syscall absent on i386 skipped there.  Otherwise i386, like every other architecture, x32
 * included (x86_64 numbers with bit 30 set), gets the bad-arch action, kill-process: a filter
 * with one architecture is half as long, and its load (verifier, JIT, the kernel's action-cache
 * emulation) costs about half as much at every launch.  On i386 the socket and SysV ipc calls also
 * come multiplexed through socketcall(2)/ipc(2) with their arguments behind a pointer, and
 * libseccomp rewrites a conditional rule on them into an unconditional one on the multiplexer: for
 * an allow rule that would lift its conditions.  So on i386 a multiplexed call that only has
 * conditional rules gets one unconditional rule with the most restrictive of those rules' actions
 * and the default.
 *
 * fd arguments: the kernel reads fds as unsigned int, so the built-in std-fd rules compare them
 * through a 0xffffffff mask (close(0x100000001) closes fd 1).
 *
 * Speed: the filters are compiled to BPF (libseccomp), exported, and loaded with the raw
 * seccomp(2) call.  The shipped profiles' programs are compiled when lamina is built and linked
 * into it (seccomp_table.c); any other profile's are compiled by lm_seccomp_prepare() in the
 * supervisor, before clone (seccomp_load.c).  Either way the payload only makes the seccomp(2)
 * calls.
 *
 * The layer's files: this one builds the programs (policy and built-in rules -> libseccomp ->
 * BPF, folded, split for reports, shrunk by bpfshrink.c; the pseudo-filter code for `lamina
 * check`); seccomp_rules.c holds the built-in rules and the user-space evaluation report.c
 * uses; seccomp_table.c the table of the programs built into lamina; seccomp_load.c the
 * seccomp(2) calls.  */
#include "lamina.h"
#include "seccomp_internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int lm_seccomp_optimize_level(void)
{
	/* libseccomp's binary-tree layout (SCMP_FLTATR_CTL_OPTIMIZE=2): the kernel emulates the
	 * filter for every syscall number when it is loaded, to fill its per-syscall action
	 * cache, and a tree needs far fewer comparisons per number than a linear chain of the
	 * default profile's rules, so both the load and every call that reaches the filter are
	 * cheaper (tests/bench/README.md has the figures).  LAMINA_SECCOMP_OPTIMIZE=0 gives the
	 * linear layout back, for measuring. */
	const char *o = getenv("LAMINA_SECCOMP_OPTIMIZE");
	return o && strcmp(o, "0") == 0 ? 0 : 2;
}

/* ---- filter construction ------------------------------------------------------------------ */

static uint32_t scmp_action(struct lm_action a)
{
	switch (a.kind) {
	case LM_ACT_ALLOW:
		return SCMP_ACT_ALLOW;
	case LM_ACT_ERRNO:
		return SCMP_ACT_ERRNO((uint32_t)a.errnum & 0xffff);
	case LM_ACT_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case LM_ACT_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case LM_ACT_TRAP:
		return SCMP_ACT_TRAP;
	case LM_ACT_LOG:
		return SCMP_ACT_LOG;
	case LM_ACT_NOTIFY:
		return SCMP_ACT_NOTIFY;
	}
	return SCMP_ACT_KILL_PROCESS;
}

/* In report mode the refusals go to the supervisor instead. */
static uint32_t report_action(struct lm_action a)
{
	switch (a.kind) {
	case LM_ACT_ERRNO:
	case LM_ACT_KILL_PROCESS:
	case LM_ACT_KILL_THREAD:
		return SCMP_ACT_NOTIFY;
	default:
		return scmp_action(a);
	}
}

static enum scmp_compare scmp_op(enum lm_cmp op)
{
	switch (op) {
	case LM_CMP_EQ:
		return SCMP_CMP_EQ;
	case LM_CMP_NE:
		return SCMP_CMP_NE;
	case LM_CMP_LT:
		return SCMP_CMP_LT;
	case LM_CMP_LE:
		return SCMP_CMP_LE;
	case LM_CMP_GT:
		return SCMP_CMP_GT;
	case LM_CMP_GE:
		return SCMP_CMP_GE;
	case LM_CMP_MASKED_EQ:
		return SCMP_CMP_MASKED_EQ;
	}
	return _SCMP_CMP_MIN;
}

/* One filter under construction: the x86_64 context and the i386 one, merged at the end (two
 * contexts because the i386 multiplexed calls need different rules, see the top comment). */
struct builder {
	scmp_filter_ctx native, x86;
	uint32_t def;
	const char *what; /* for messages: "profile filter", "built-in filter" */
};

static void builder_free(struct builder *b)
{
	if (b->native)
		seccomp_release(b->native);
	if (b->x86)
		seccomp_release(b->x86);
	b->native = b->x86 = NULL;
}

static int ctx_new(uint32_t def, uint32_t arch, int optimize, scmp_filter_ctx *out,
		   struct lm_err *e)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return lm_error(e, ENOMEM, "seccomp", "seccomp_init");
	int rc = 0;
	if (arch != SCMP_ARCH_NATIVE) {
		rc = seccomp_arch_add(ctx, arch);
		if (rc == 0)
			rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	}
	/* x32 and any other foreign architecture: kill the process (the default is to kill only
	 * the thread, which a multi-threaded payload could survive). */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* no_new_privs is the launcher's job (caps.c), set before we get here; the filter is
	 * loaded with the raw seccomp(2) call anyway. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (rc == 0 && optimize == 2)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc < 0) {
		seccomp_release(ctx);
		return lm_error(e, -rc, "seccomp", "setting up a filter context");
	}
	*out = ctx;
	return 0;
}

/* i386 false: no i386 context; i386 calls then meet the bad-arch action (kill-process). */
static int builder_init(struct builder *b, uint32_t def, int optimize, bool i386, const char *what,
			struct lm_err *e)
{
	*b = (struct builder){.def = def, .what = what};
	if (ctx_new(def, SCMP_ARCH_NATIVE, optimize, &b->native, e) < 0 ||
	    (i386 && ctx_new(def, SCMP_ARCH_X86, optimize, &b->x86, e) < 0)) {
		builder_free(b);
		return -1;
	}
	return 0;
}

/* Add one rule to one context; the syscall number is the native one (libseccomp translates it
 * for the context's architecture and skips it where the call does not exist). */
static int ctx_add(scmp_filter_ctx ctx, uint32_t action, int nr, const struct lm_cond *conds,
		   unsigned n)
{
	struct scmp_arg_cmp cmp[LM_MAX_CONDS];
	if (n > LM_MAX_CONDS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		cmp[i] = (struct scmp_arg_cmp){.arg = conds[i].arg, .op = scmp_op(conds[i].op)};
		if (conds[i].op == LM_CMP_MASKED_EQ) {
			cmp[i].datum_a = conds[i].mask;
			cmp[i].datum_b = conds[i].value;
		} else {
			cmp[i].datum_a = conds[i].value;
		}
	}
	return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

static int resolve(const char *name, const char *where, int *nr, struct lm_err *e)
{
	*nr = seccomp_syscall_resolve_name(name);
	if (*nr == __NR_SCMP_ERROR)
		return lm_error(e, 0, "seccomp", "%s: unknown syscall \"%s\"", where, name);
	return 0;
}

/* Add a rule on both architectures.  x86_action is the action for i386 when x86_conds is false
 * (the multiplexed case: unconditional there). */
static int builder_add(struct builder *b, const char *where, const char *name, uint32_t action,
		       const struct lm_cond *conds, unsigned n, bool x86_unconditional,
		       uint32_t x86_action, struct lm_err *e)
{
	int nr;
	if (resolve(name, where, &nr, e) < 0)
		return -1;
	int rc = 0;
	if (action != b->def)
		rc = ctx_add(b->native, action, nr, conds, n);
	if (rc < 0)
		return lm_error(e, -rc, "seccomp", "%s: %s rule on %s", where, b->what, name);
	/* i386: skip calls that do not exist there (seccomp_syscall_resolve_name_arch fails). */
	if (!b->x86 || seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name) == __NR_SCMP_ERROR)
		return 0;
	if (x86_unconditional) {
		if (x86_action != b->def)
			rc = ctx_add(b->x86, x86_action, nr, NULL, 0);
	} else if (action != b->def) {
		rc = ctx_add(b->x86, action, nr, conds, n);
	}
	/* EEXIST on i386 only: the multiplexer already carries a rule from another call of the
	 * same family with an unconditional rule; the native rule stands. */
	if (rc < 0)
		return lm_error(e, -rc, "seccomp", "%s: %s rule on %s (i386)", where, b->what,
				name);
	return 0;
}

static int builder_merge(struct builder *b, struct lm_err *e)
{
	if (!b->x86)
		return 0;
	int rc = seccomp_merge(b->native, b->x86);
	if (rc < 0)
		return lm_error(e, -rc, "seccomp", "merging the x86_64 and i386 %s", b->what);
	b->x86 = NULL; /* consumed by the merge */
	return 0;
}

static void rule_where(const struct lm_seccomp_policy *p, const struct lm_rule *r, char *buf,
		       size_t n)
{
	snprintf(buf, n, "%s:%u", r->file ? r->file : (p->path ? p->path : "profile"), r->line);
}

/* The first active built-in rule on syscall name, or NULL. */
static const struct lm_builtin *first_builtin_of(const struct lm_config *c, const char *name)
{
	for (size_t i = 0; i < lm_nbuiltins; i++)
		if (strcmp(lm_builtins[i].syscall, name) == 0 &&
		    lm_builtin_active(c, &lm_builtins[i]))
			return &lm_builtins[i];
	return NULL;
}

/* For a syscall whose built-in rule has no condition (clone3, io_uring_*) and whose profile
 * verdict has none either (an unconditional rule, or no rule: the default), the outcome is
 * known when the filter is built: the more restrictive of the two, the built-in one on a tie.
 * It is written into the profile filter too.  Why: the profile filter is loaded last (the
 * built-in filter, loaded first, leaves seccomp(2) allowed for that second load; the profile's
 * may not), and the kernel gives ties to the newest filter, so a profile `errno(EPERM) clone3`
 * would otherwise replace the ENOSYS that makes libc fall back to clone.  Returns false when
 * the outcome depends on the arguments. */
static bool combined_builtin(const struct lm_config *c, const struct lm_builtin *bi,
			     struct lm_action *out, bool *builtin_wins)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	if (bi->nconds != 0)
		return false;
	for (size_t i = 0; i < lm_nbuiltins; i++)
		if (strcmp(lm_builtins[i].syscall, bi->syscall) == 0 &&
		    lm_builtin_active(c, &lm_builtins[i]) && lm_builtins[i].nconds != 0)
			return false;
	struct lm_action pa = p->present ? p->default_action : (struct lm_action){LM_ACT_ALLOW, 0};
	const struct lm_rule *u = p->present ? lm_profile_unconditional_rule(p, bi->syscall) : NULL;
	if (u)
		pa = u->action;
	else if (p->present && lm_profile_has_rules_for(p, bi->syscall))
		return false;
	*builtin_wins = lm_action_rank(bi->action.kind) <= lm_action_rank(pa.kind);
	*out = *builtin_wins ? bi->action : pa;
	return true;
}

/* Calls whose refusal keeps its real action in report mode.  The launcher hands the listener to
 * the supervisor only once the payload has exec'd (init shares the payload's fd table until then,
 * and waits for the exec): a notification from execve, or from the payload's exit after a failed
 * exec, would wait for a supervisor that has no listener yet.  So these are never reported;
 * the payload still gets the profile's action. */
static bool handoff_call(const char *name)
{
	return strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0 ||
	       strcmp(name, "exit") == 0 || strcmp(name, "exit_group") == 0;
}

#define MAX_SPLIT 8
/* Every value of bits `mask` of argument `arg` but the n in v, as disjoint masked rules with
 * action act: one rule per branch of a binary trie over the mask's bits that no value takes. */
static int complement_rules(struct builder *b, const char *what, const char *name, unsigned arg,
			    uint64_t mask, const uint64_t *v, size_t n, uint64_t prefix,
			    uint64_t decided, uint32_t act, struct lm_err *e)
{
	if (n == 0) {
		struct lm_cond k = {
		    .arg = arg, .op = LM_CMP_MASKED_EQ, .mask = decided, .value = prefix};
		return builder_add(b, what, name, act, &k, decided ? 1 : 0, false, 0, e);
	}
	uint64_t rest = mask & ~decided;
	if (rest == 0)
		return 0; /* one of the values: its own rule decides it */
	uint64_t bit = 1ULL << (63 - __builtin_clzll(rest)); /* highest undecided bit */
	uint64_t lo[MAX_SPLIT], hi[MAX_SPLIT];
	size_t n0 = 0, n1 = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] & bit)
			hi[n1++] = v[i];
		else
			lo[n0++] = v[i];
	}
	if (complement_rules(b, what, name, arg, mask, lo, n0, prefix, decided | bit, act, e) < 0)
		return -1;
	return complement_rules(b, what, name, arg, mask, hi, n1, prefix | bit, decided | bit, act,
				e);
}

/* Report mode, a syscall whose built-in rules all test one argument for 32-bit values
 * (ioctl requests, std-fd fds) and which the profile allows outright: rather than sending every
 * call to the supervisor, notify for exactly those values and allow the rest.  libseccomp cannot
 * say "allow unless one of these rules matched" (an unconditional rule swallows the
 * conditional ones), so "the rest" is written out as the complement of the values: one masked
 * rule per branch of a binary trie over their 32 bits that no value takes (at most 32 rules per
 * value), all disjoint from the notify rules and from each other.  Returns 1 when done, 0 when
 * the syscall does not fit (the caller notifies it whole), -1 on error. */
static int report_split(struct builder *b, const struct lm_config *c, const char *name,
			struct lm_err *e)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	if (p->present) {
		const struct lm_rule *u = lm_profile_unconditional_rule(p, name);
		bool allowed = u ? u->action.kind == LM_ACT_ALLOW
				 : !lm_profile_has_rules_for(p, name) &&
				       p->default_action.kind == LM_ACT_ALLOW;
		if (!allowed)
			return 0;
	}
	uint32_t v[MAX_SPLIT];
	size_t n = 0;
	unsigned arg = 6;
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *bi = &lm_builtins[i];
		if (strcmp(bi->syscall, name) != 0 || !lm_builtin_active(c, bi))
			continue;
		/* the first condition decides; a further one (dup2's a0 != 1) only narrows the
		 * rule, so notifying on the first alone over-approximates, which is safe */
		const struct lm_cond *k = &bi->conds[0];
		if (bi->nconds == 0 || k->op != LM_CMP_MASKED_EQ || k->mask != 0xffffffffULL ||
		    (arg != 6 && k->arg != arg) || n == MAX_SPLIT)
			return 0;
		arg = k->arg;
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup |= v[j] == (uint32_t)k->value;
		if (!dup)
			v[n++] = (uint32_t)k->value;
	}
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct lm_cond k = {
		    .arg = arg, .op = LM_CMP_MASKED_EQ, .mask = 0xffffffffULL, .value = v[i]};
		if (builder_add(b, "report split", name, SCMP_ACT_NOTIFY, &k, 1, false, 0, e) < 0)
			return -1;
	}
	uint64_t v64[MAX_SPLIT];
	for (size_t i = 0; i < n; i++)
		v64[i] = v[i];
	if (complement_rules(b, "report split", name, arg, 0xffffffffULL, v64, n, 0, 0,
			     SCMP_ACT_ALLOW, e) < 0)
		return -1;
	return 1;
}

/* ---- one filter instead of two ------------------------------------------------------------
 * Two stacked filters cost twice at every call the kernel cannot answer from its action cache
 * (a call whose verdict depends on its arguments: close under the std-fd layer runs both
 * filters), and twice at load.  So when every built-in rule can be decided inside the profile's
 * filter with the same outcome as the stack, one filter is built (fold).  Per syscall with
 * conditional built-in rules:
 *  - FOLD_SPLIT: the profile decides the call with no condition (an unconditional rule, or none
 *    and its default).  The built-in rules are written with the more restrictive of their action
 *    and the profile's (the profile's on a tie, as the stack gives ties to the newest filter),
 *    and every other value of the tested argument gets the profile's verdict, spelled out as
 *    disjoint masked rules (libseccomp cannot say "unless one of these matched": an
 *    unconditional rule would swallow the conditional ones).
 *  - FOLD_IMPLIED: the profile has, for each built-in rule, a rule with exactly its conditions
 *    and an action at least as restrictive.  The parser refuses overlapping rules with
 *    different actions, so those rules alone decide every call the built-in rules match.
 *  - otherwise the two filters stay. */
enum fold_kind { FOLD_NONE, FOLD_SPLIT, FOLD_IMPLIED, FOLD_NO };

static bool cond_same(const struct lm_cond *a, const struct lm_cond *b)
{
	return a->arg == b->arg && a->op == b->op && a->value == b->value &&
	       (a->op != LM_CMP_MASKED_EQ || a->mask == b->mask);
}

/* The built-in rules of one syscall can be split when each tests the same argument through the
 * same mask for a value of its own, with at most one further == or != test (dup2(1, 2)). */
static bool splittable(const struct lm_config *c, const char *name)
{
	const struct lm_cond *first = NULL;
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *bi = &lm_builtins[i];
		if (strcmp(bi->syscall, name) != 0 || !lm_builtin_active(c, bi))
			continue;
		const struct lm_cond *k = &bi->conds[0];
		if (bi->nconds == 0 || bi->nconds > 2 || k->op != LM_CMP_MASKED_EQ ||
		    (k->value & ~k->mask) != 0 || k->mask > 0xffffffffULL)
			return false;
		if (bi->nconds == 2 && bi->conds[1].op != LM_CMP_EQ && bi->conds[1].op != LM_CMP_NE)
			return false;
		if (first && (k->arg != first->arg || k->mask != first->mask))
			return false;
		first = first ? first : k;
		for (size_t j = 0; j < i; j++) /* one rule per value */
			if (strcmp(lm_builtins[j].syscall, name) == 0 &&
			    lm_builtin_active(c, &lm_builtins[j]) &&
			    lm_builtins[j].conds[0].value == k->value)
				return false;
	}
	return first != NULL;
}

static enum fold_kind fold_kind(const struct lm_config *c, const char *name)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	bool conditional = false;
	for (size_t i = 0; i < lm_nbuiltins; i++)
		if (strcmp(lm_builtins[i].syscall, name) == 0 &&
		    lm_builtin_active(c, &lm_builtins[i]))
			conditional |= lm_builtins[i].nconds != 0;
	if (!conditional)
		return FOLD_NONE; /* unconditional built-in rules: see combined_builtin */
	if (!p->present)
		return FOLD_NO;
	if (lm_profile_unconditional_rule(p, name) || !lm_profile_has_rules_for(p, name))
		return splittable(c, name) ? FOLD_SPLIT : FOLD_NO;
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *bi = &lm_builtins[i];
		if (strcmp(bi->syscall, name) != 0 || !lm_builtin_active(c, bi))
			continue;
		bool found = false;
		for (size_t j = 0; j < p->nrules && !found; j++) {
			const struct lm_rule *r = &p->rules[j];
			if (strcmp(r->syscall, name) != 0 || r->nconds != bi->nconds ||
			    lm_action_rank(r->action.kind) > lm_action_rank(bi->action.kind))
				continue;
			bool same = true;
			for (unsigned k = 0; k < r->nconds && same; k++)
				same = cond_same(&r->conds[k], &bi->conds[k]);
			found = same;
		}
		if (!found)
			return FOLD_NO;
	}
	return FOLD_IMPLIED;
}

/* Whether one filter can carry the built-in rules and the profile's (see above). */
static bool can_fold(const struct lm_config *c)
{
	if (!c->seccomp.present || lm_seccomp_wants_listener(c))
		return false;
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *bi = &lm_builtins[i];
		if (lm_builtin_active(c, bi) && fold_kind(c, bi->syscall) == FOLD_NO)
			return false;
	}
	return true;
}

/* The more restrictive of two actions; the profile's on a tie (the newest filter's). */
static struct lm_action stricter(struct lm_action builtin, struct lm_action profile)
{
	return lm_action_rank(builtin.kind) < lm_action_rank(profile.kind) ? builtin : profile;
}

static int fold_split(struct builder *b, const struct lm_config *c, const char *name,
		      struct lm_err *e)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	const struct lm_rule *u = lm_profile_unconditional_rule(p, name);
	struct lm_action pv = u ? u->action : p->default_action;
	uint64_t v[MAX_SPLIT];
	size_t n = 0;
	unsigned arg = 0;
	uint64_t mask = 0;
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *bi = &lm_builtins[i];
		if (strcmp(bi->syscall, name) != 0 || !lm_builtin_active(c, bi))
			continue;
		if (n == MAX_SPLIT)
			return lm_error(e, 0, "seccomp", "folding %s: too many values", name);
		arg = bi->conds[0].arg, mask = bi->conds[0].mask;
		v[n++] = bi->conds[0].value;
		uint32_t act = scmp_action(stricter(bi->action, pv));
		if (builder_add(b, bi->name, name, act, bi->conds, bi->nconds, false, 0, e) < 0)
			return -1;
		if (bi->nconds == 2) {
			/* the rest of this value: the further test negated */
			struct lm_cond k[2] = {bi->conds[0], bi->conds[1]};
			k[1].op = k[1].op == LM_CMP_EQ ? LM_CMP_NE : LM_CMP_EQ;
			if (builder_add(b, bi->name, name, scmp_action(pv), k, 2, false, 0, e) < 0)
				return -1;
		}
	}
	return complement_rules(b, "built-in, folded", name, arg, mask, v, n, 0, 0, scmp_action(pv),
				e);
}

/* The profile's rules.  A rule after an unconditional rule of the same syscall is dead (see
 * lm_profile_match) and is not added, so libseccomp's own merging never decides anything the
 * report code would have to guess.  In report mode (report == true) refusals become
 * USER_NOTIF and the syscalls the built-in rules inspect are sent to the supervisor whole. */
static int build_profile(const struct lm_config *c, bool report, bool fold, int optimize,
			 scmp_filter_ctx *out, struct lm_err *e)
{
	const struct lm_seccomp_policy *p = &c->seccomp;
	struct lm_action defa =
	    p->present ? p->default_action : (struct lm_action){LM_ACT_ALLOW, 0};
	uint32_t (*conv)(struct lm_action) = report ? report_action : scmp_action;
	struct builder b;
	if (builder_init(&b, conv(defa), optimize, p->i386,
			 report ? "report filter" : "profile filter", e) < 0)
		return -1;
	char where[512];
	for (size_t i = 0; p->present && i < p->nrules; i++) {
		const struct lm_rule *r = &p->rules[i];
		rule_where(p, r, where, sizeof where);
		if (report && lm_builtin_touches(c, r->syscall))
			continue; /* added below */
		if (fold && fold_kind(c, r->syscall) == FOLD_SPLIT)
			continue; /* its unconditional verdict is spelled out below */
		const struct lm_builtin *fb = first_builtin_of(c, r->syscall);
		struct lm_action ign;
		bool ignb;
		if (fb && combined_builtin(c, fb, &ign, &ignb))
			continue; /* added below, combined with the built-in rule */
		const struct lm_rule *u = lm_profile_unconditional_rule(p, r->syscall);
		if (u && u != r)
			continue;
		uint32_t (*rconv)(struct lm_action) =
		    report && handoff_call(r->syscall) ? scmp_action : conv;
		bool mux = lm_x86_multiplexed(r->syscall) && !u;
		struct lm_action xa = {0};
		if (mux) {
			/* once per syscall: at its first rule */
			bool first = true;
			for (size_t j = 0; j < i; j++)
				if (strcmp(p->rules[j].syscall, r->syscall) == 0)
					first = false;
			lm_x86_mux_verdict(p, r->syscall, &xa);
			if (!first) {
				/* native only */
				int nr;
				if (resolve(r->syscall, where, &nr, e) < 0)
					goto fail;
				uint32_t act = rconv(r->action);
				int rc = act == b.def
					     ? 0
					     : ctx_add(b.native, act, nr, r->conds, r->nconds);
				if (rc < 0) {
					lm_error(e, -rc, "seccomp", "%s: rule on %s", where,
						 r->syscall);
					goto fail;
				}
				continue;
			}
		}
		if (builder_add(&b, where, r->syscall, rconv(r->action), r->conds, r->nconds, mux,
				mux ? rconv(xa) : 0, e) < 0)
			goto fail;
	}
	static const char *const handoff[] = {"execve", "execveat", "exit", "exit_group"};
	for (size_t i = 0; report && i < sizeof handoff / sizeof handoff[0]; i++) {
		if (p->present && lm_profile_has_rules_for(p, handoff[i]))
			continue;
		if (builder_add(&b, "default action", handoff[i], scmp_action(defa), NULL, 0, false,
				0, e) < 0)
			goto fail;
	}
	/* The syscalls the built-in rules inspect, each once: in report mode all of them (the
	 * supervisor decides), otherwise those with an unconditional built-in rule whose verdict
	 * is known here (see combined_builtin). */
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *bi = &lm_builtins[i];
		if (!lm_builtin_active(c, bi) || first_builtin_of(c, bi->syscall) != bi)
			continue;
		struct lm_action ca;
		bool bwins;
		bool known = combined_builtin(c, bi, &ca, &bwins);
		uint32_t act;
		if (report) {
			if (known && (bwins ? bi->quiet : ca.kind == LM_ACT_ALLOW))
				act = scmp_action(ca); /* no report: clone3 -> ENOSYS, or allowed */
			else if (known && !bwins)
				act = conv(ca);
			else {
				int r = report_split(&b, c, bi->syscall, e);
				if (r < 0)
					goto fail;
				if (r > 0)
					continue;
				act = SCMP_ACT_NOTIFY;
			}
		} else {
			if (!known && fold && fold_kind(c, bi->syscall) == FOLD_SPLIT) {
				if (fold_split(&b, c, bi->syscall, e) < 0)
					goto fail;
				continue;
			}
			if (!known)
				continue; /* the profile's own rules stand (folded: they imply the
					     built-in ones); otherwise the built-in filter adds its
					     own */
			act = scmp_action(ca);
		}
		if (builder_add(&b, bi->name, bi->syscall, act, NULL, 0, false, 0, e) < 0)
			goto fail;
	}
	if (builder_merge(&b, e) < 0)
		goto fail;
	*out = b.native;
	return 0;
fail:
	builder_free(&b);
	return -1;
}

static int build_builtin(const struct lm_config *c, int optimize, scmp_filter_ctx *out,
			 struct lm_err *e)
{
	struct builder b;
	if (builder_init(&b, SCMP_ACT_ALLOW, optimize, c->seccomp.i386, "built-in filter", e) < 0)
		return -1;
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *bi = &lm_builtins[i];
		if (!lm_builtin_active(c, bi))
			continue;
		if (builder_add(&b, bi->name, bi->syscall, scmp_action(bi->action), bi->conds,
				bi->nconds, false, 0, e) < 0) {
			builder_free(&b);
			return -1;
		}
	}
	if (builder_merge(&b, e) < 0) {
		builder_free(&b);
		return -1;
	}
	*out = b.native;
	return 0;
}

/* ---- BPF programs ------------------------------------------------------------------------- */

void lm_bpf_set_free(struct lm_bpf_set *s)
{
	for (unsigned i = 0; i < s->nprogs; i++)
		free(s->prog[i].insns);
	memset(s, 0, sizeof *s);
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **insns, unsigned short *len,
		      struct lm_err *e)
{
	cleanup_close int fd = memfd_create("lamina-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return lm_error(e, errno, "seccomp", "memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return lm_error(e, -rc, "seccomp", "seccomp_export_bpf");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return lm_error(e, errno, "seccomp", "lseek");
	if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return lm_error(e, 0, "seccomp", "exported filter has a bad size (%lld bytes)",
				(long long)size);
	cleanup_free struct sock_filter *buf = malloc(size);
	if (!buf)
		return lm_error(e, ENOMEM, "seccomp", "malloc");
	ssize_t got = pread(fd, buf, size, 0);
	if (got != size)
		return lm_error(e, got < 0 ? errno : EIO, "seccomp", "reading the exported filter");
	*len = (unsigned short)(size / sizeof(struct sock_filter));
	*insns = steal_pointer(&buf);
	return 0;
}

/* LAMINA_SECCOMP_SHRINK=0 loads libseccomp's program as it is (for measuring). */
bool lm_seccomp_shrink_enabled(void)
{
	const char *v = getenv("LAMINA_SECCOMP_SHRINK");
	return !(v && strcmp(v, "0") == 0);
}

static int ctx_to_prog(scmp_filter_ctx ctx, struct lm_bpf_set *s, struct lm_err *e)
{
	unsigned i = s->nprogs;
	int rc = export_bpf(ctx, &s->prog[i].insns, &s->prog[i].len, e);
	seccomp_release(ctx);
	if (rc < 0)
		return -1;
	/* The same decisions in fewer instructions, or the program as it is (bpfshrink.c). */
	struct sock_filter *small;
	unsigned short n;
	if (lm_seccomp_shrink_enabled() &&
	    lm_bpf_shrink(s->prog[i].insns, s->prog[i].len, &small, &n) == 0) {
		free(s->prog[i].insns);
		s->prog[i].insns = small;
		s->prog[i].len = n;
	}
	s->nprogs++;
	return 0;
}

int lm_seccomp_compile(const struct lm_config *c, struct lm_bpf_set *s, struct lm_err *e)
{
	int optimize = lm_seccomp_optimize_level();
	memset(s, 0, sizeof *s);
	/* Fail closed: a filter compiled without the profile's rules would be its default
	 * action alone (they were left pending by a settings load). */
	if (c->seccomp.rules_pending)
		return lm_error(e, 0, "seccomp",
				"internal error: the profile's rules are not loaded");
	/* The parser refused a policy over the budget; one built another way is checked too,
	 * before libseccomp sees it. */
	if (lm_seccomp_check_cost(&c->seccomp, NULL, e) < 0)
		return -1;
	scmp_filter_ctx ctx;
	if (lm_seccomp_wants_listener(c)) {
		if (build_profile(c, true, false, optimize, &ctx, e) < 0 ||
		    ctx_to_prog(ctx, s, e) < 0)
			goto fail;
		s->listener = true;
		return 0;
	}
	if (can_fold(c)) {
		if (build_profile(c, false, true, optimize, &ctx, e) < 0 ||
		    ctx_to_prog(ctx, s, e) < 0)
			goto fail;
		return 0;
	}
	/* The built-in filter first: it allows seccomp(2), so the second load can happen under
	 * it; the profile's filter may not allow seccomp(2) (strict does not). */
	if (build_builtin(c, optimize, &ctx, e) < 0 || ctx_to_prog(ctx, s, e) < 0)
		goto fail;
	if (c->seccomp.present) {
		if (build_profile(c, false, false, optimize, &ctx, e) < 0 ||
		    ctx_to_prog(ctx, s, e) < 0)
			goto fail;
	}
	return 0;
fail:
	lm_bpf_set_free(s);
	return -1;
}

/* ---- for lamina check: the pseudo-filter code and what was added ------------------------- */

static int export_one(scmp_filter_ctx ctx, int fd, const char *title, struct lm_err *e)
{
	dprintf(fd, "# %s\n", title);
	int rc = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return rc < 0 ? lm_error(e, -rc, "seccomp", "seccomp_export_pfc") : 0;
}

int lm_seccomp_export_pfc(const struct lm_config *c, int fd, struct lm_err *e)
{
	scmp_filter_ctx ctx;
	if (lm_seccomp_wants_listener(c)) {
		if (build_profile(c, true, false, lm_seccomp_optimize_level(), &ctx, e) < 0)
			return -1;
		return export_one(
		    ctx, fd, "report filter (profile + built-in; refusals go to the supervisor)",
		    e);
	}
	if (can_fold(c)) {
		if (build_profile(c, false, true, lm_seccomp_optimize_level(), &ctx, e) < 0)
			return -1;
		return export_one(
		    ctx, fd,
		    "one filter: the profile's rules with the built-in rules folded in "
		    "(each decided as the two stacked filters would)",
		    e);
	}
	/* in load order */
	if (build_builtin(c, lm_seccomp_optimize_level(), &ctx, e) < 0 ||
	    export_one(ctx, fd,
		       "1. built-in filter (loaded first; the kernel applies the most restrictive "
		       "action of the two filters)",
		       e) < 0)
		return -1;
	if (!c->seccomp.present)
		return 0;
	if (build_profile(c, false, false, lm_seccomp_optimize_level(), &ctx, e) < 0)
		return -1;
	return export_one(ctx, fd, "2. profile filter (loaded last)", e);
}
