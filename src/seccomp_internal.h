/* Shared by the seccomp layer's files (seccomp.c says which does what) and report.c (the
 * supervisor side of violation reports): the built-in rules and the user-space evaluation that
 * mirrors what the filter was built from, so a report names the rule the kernel actually
 * applied; the programs between building, the table and loading.  */
#ifndef LAMINA_SECCOMP_INTERNAL_H
#define LAMINA_SECCOMP_INTERNAL_H

#include "lamina.h"

#include <stdint.h>

struct sock_filter;

/* ---- seccomp_rules.c ---- */
/* One built-in rule.  The built-in rules are lamina's, not the profile's: they are stacked in a
 * filter of their own (see seccomp.c) so that no profile rule can lift them.  */
struct lm_builtin {
	const char *name;    /* short name used in reports: "no-userns-clone" */
	const char *what;    /* plain words, for explain/check */
	const char *syscall; /* syscall name, resolved per architecture by libseccomp */
	unsigned layer;	     /* 0: hardening (always); LM_LAYER_STDFD: the std-fd layer */
	struct lm_action action;
	unsigned nconds;
	struct lm_cond conds[2];
	/* 0: always part of its layer; 1: only without the dup2(1, 2) exception; 2: only with it */
	unsigned dup2_variant;
	bool quiet; /* not a violation (clone3 -> ENOSYS is how libc is told to use clone) */
};

extern const struct lm_builtin lm_builtins[];
extern const size_t lm_nbuiltins;

/* Is built-in rule b in force for config c (layer switched on, not disabled, right variant)? */
bool lm_builtin_active(const struct lm_config *c, const struct lm_builtin *b);

/* Is name one of the syscalls the active built-in rules inspect? */
bool lm_builtin_touches(const struct lm_config *c, const char *name);

/* Does a call match conditions conds[0..n)?  args as the filter sees them for arch (i386
 * arguments are compared on their low 32 bits, as libseccomp's 32-bit code does).  */
bool lm_conds_match(const struct lm_cond *conds, unsigned n, uint32_t arch, const uint64_t args[6]);

/* The first active built-in rule matching the call, or NULL. */
const struct lm_builtin *lm_builtin_match(const struct lm_config *c, const char *name,
					  uint32_t arch, const uint64_t args[6]);

/* The profile's verdict for the call: the rule that decides it (NULL: the default action), with
 * the same precedence the filter gets: a rule without conditions wins over every conditional rule
 * of the same syscall (libseccomp drops the conditional ones); otherwise the first matching rule
 * in profile order.  On i386 the socketcall/ipc families lose their argument conditions (their
 * arguments sit behind a pointer), see seccomp.c.  *act receives the action.  */
const struct lm_rule *lm_profile_match(const struct lm_seccomp_policy *p, const char *name,
				       uint32_t arch, const uint64_t args[6],
				       struct lm_action *act);

/* Kernel precedence of actions (seccomp(2): the most restrictive across filters wins).  Lower is
 * more restrictive. */
int lm_action_rank(enum lm_action_kind k);

/* The first rule without conditions for syscall name, or NULL. */
const struct lm_rule *lm_profile_unconditional_rule(const struct lm_seccomp_policy *p,
						    const char *name);
/* Does the policy have a rule for syscall name? */
bool lm_profile_has_rules_for(const struct lm_seccomp_policy *p, const char *name);
/* The calls libseccomp multiplexes on i386 (socketcall(2), ipc(2)). */
bool lm_x86_multiplexed(const char *name);
/* i386, a multiplexed call with only conditional rules: the most restrictive of the rules' actions
 * and the default into *act; the rule that gave it, or NULL for the default. */
const struct lm_rule *lm_x86_mux_verdict(const struct lm_seccomp_policy *p, const char *name,
					 struct lm_action *act);

/* ---- seccomp_cost.c: the compile's cost, known before libseccomp is called ---- */
/* Comparisons libseccomp's decision tree holds for these conditional rules of one call
 * (estimated; see seccomp_cost.c); counting stops a little past limit.  UINT64_MAX: out of
 * memory. */
uint64_t lm_seccomp_call_cost(const struct lm_rule *const *rules, size_t n, uint64_t limit);
/* The budget, in those comparisons: per call and for the whole policy (both architectures
 * counted under `i386 on`).  libseccomp's time grows much faster than the tree: the budget keeps
 * the compile of any policy within it to a fraction of a second (tests/bench/README.md). */
#define LM_SECCOMP_BUDGET_CALL 1500u
#define LM_SECCOMP_BUDGET_TOTAL 6000u
/* 0 when p's rules are within the budget (*total, may be NULL: their cost), or -1 and an
 * error naming the rule that crosses it: "FILE:LINE:1: ...". */
int lm_seccomp_check_cost(const struct lm_seccomp_policy *p, uint64_t *total, struct lm_err *e);

/* ---- seccomp.c: building ---- */
/* The programs to load, in load order; the listener goes with the last one. */
struct lm_bpf_set {
	unsigned nprogs;
	bool listener;
	struct {
		struct sock_filter *insns;
		unsigned short len;
	} prog[2];
};

void lm_bpf_set_free(struct lm_bpf_set *s);
/* Compile c's filters to BPF (fails closed while the profile's rules are pending). */
int lm_seccomp_compile(const struct lm_config *c, struct lm_bpf_set *s, struct lm_err *e);
/* LAMINA_SECCOMP_OPTIMIZE: 0 libseccomp's default layout, 2 (the default) its binary tree. */
int lm_seccomp_optimize_level(void);
/* LAMINA_SECCOMP_SHRINK=0 loads libseccomp's program as it is. */
bool lm_seccomp_shrink_enabled(void);

/* ---- seccomp_table.c: the programs built into lamina ---- */
/* The table entry for c's filters, or NULL. */
const struct lm_builtin_bpf *lm_seccomp_builtin_find(const struct lm_config *c);
/* The switches c's programs are built with, besides the profile's seccomp lines, as the table
 * records them (NUL-terminated in buf). */
void lm_seccomp_switches(const struct lm_config *c, char *buf, size_t n);

/* ---- seccomp_load.c ---- */
/* The i-th program lm_seccomp_prepare made (NULL when none), and whether they came from the
 * table built into lamina: for the unit tests. */
void lm_seccomp_prepared_prog(unsigned i, const struct sock_filter **insns, unsigned short *len);
bool lm_seccomp_prepared_builtin(void);

/* bpfshrink.c: the same decisions as the seccomp program p (x86_64 alone) in fewer
 * instructions: a search tree over the runs of call numbers that one decision covers, and p
 * pruned for the calls whose arguments count.  0 and *out (malloc'd) when that was possible
 * and checked against p; -1 otherwise (keep p). */
int lm_bpf_shrink(const struct sock_filter *p, unsigned short len, struct sock_filter **out,
		  unsigned short *outlen);

#endif
