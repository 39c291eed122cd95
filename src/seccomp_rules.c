/* seccomp_rules.c: lamina's built-in seccomp rules, stacked under every profile (seccomp.c says
 * how), and the user-space evaluation of a policy: which rule decides a call, with the same
 * precedence the filters give it.  The filter builder (seccomp.c) and the violation reports
 * (report.c) both use it, so that a report names the rule the kernel actually applied. */
#include "lamina.h"
#include "seccomp_internal.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#define FD_MASK 0xffffffffULL
#define CMD_MASK 0xffffffffULL

/* ---- the built-in rules ------------------------------------------------------------------ */

#define EPERM_ACT                                                                                  \
	{                                                                                          \
		LM_ACT_ERRNO, EPERM                                                                \
	}
#define KILL_ACT                                                                                   \
	{                                                                                          \
		LM_ACT_KILL_PROCESS, 0                                                             \
	}
#define C_MASKED(argn, m, v)                                                                       \
	{                                                                                          \
		.arg = (argn), .op = LM_CMP_MASKED_EQ, .mask = (m), .value = (v)                   \
	}
#define C_NE(argn, v)                                                                              \
	{                                                                                          \
		.arg = (argn), .op = LM_CMP_NE, .value = (v)                                       \
	}

/* B(name, what, syscall, layer, action, dup2_variant, quiet, conditions...) */
#define B(n, w, sys, lay, act, var, q, ...)                                                        \
	{                                                                                          \
		.name = (n), .what = (w), .syscall = (sys), .layer = (lay), .action = act,         \
		.nconds = sizeof((struct lm_cond[]){__VA_ARGS__}) / sizeof(struct lm_cond),        \
		.conds = {__VA_ARGS__}, .dup2_variant = (var), .quiet = (q)                        \
	}
#define STDFD LM_LAYER_STDFD
#define ENOSYS_ACT                                                                                 \
	{                                                                                          \
		LM_ACT_ERRNO, ENOSYS                                                               \
	}

// clang-format off
const struct lm_builtin lm_builtins[] = {
	/* A new user namespace hands the payload a full capability set over a fresh namespace
	 * tree and opens the kernel's large "unprivileged user namespace" attack surface. */
	B("no-userns-clone", "clone with CLONE_NEWUSER (a nested user namespace)", "clone", 0,
	  EPERM_ACT, 0, false, C_MASKED(0, CLONE_NEWUSER, CLONE_NEWUSER)),
	B("no-userns-unshare", "unshare with CLONE_NEWUSER", "unshare", 0, EPERM_ACT, 0, false,
	  C_MASKED(0, CLONE_NEWUSER, CLONE_NEWUSER)),
	/* clone3 passes its flags in a struct behind a pointer that no filter can read: ENOSYS
	 * makes glibc fall back to clone, whose flags the rule above sees. */
	B("clone3-enosys", "clone3 (flags behind a pointer; libc falls back to clone)", "clone3", 0,
	  ENOSYS_ACT, 0, true),
	/* TIOCSTI pushes bytes into the terminal's input queue: a sandboxed program sharing the
	 * caller's tty could type commands into the caller's shell.  TIOCLINUX can read the
	 * screen and (subcodes 2, 3) select and paste.  The kernel truncates the request to
	 * unsigned int, so the comparison goes through a 32-bit mask: 0x100005412 is TIOCSTI. */
	B("no-tiocsti", "ioctl TIOCSTI (typing into the caller's terminal)", "ioctl", 0, EPERM_ACT,
	  0, false, C_MASKED(1, CMD_MASK, TIOCSTI)),
	B("no-tioclinux", "ioctl TIOCLINUX (reading and pasting the console)", "ioctl", 0,
	  EPERM_ACT, 0, false, C_MASKED(1, CMD_MASK, TIOCLINUX)),
	/* io_uring performs its operations without passing through the syscall entry: a filter
	 * never sees the openat or connect an io_uring request carries. */
	B("no-io-uring", "io_uring_setup (io_uring bypasses seccomp)", "io_uring_setup", 0,
	  EPERM_ACT, 0, false),
	B("no-io-uring", "io_uring_enter (io_uring bypasses seccomp)", "io_uring_enter", 0,
	  EPERM_ACT, 0, false),
	B("no-io-uring", "io_uring_register (io_uring bypasses seccomp)", "io_uring_register", 0,
	  EPERM_ACT, 0, false),

	/* The std-fd layer (the seed's cpushare case): the payload keeps exactly the stdin,
	 * stdout and stderr it was given.  Closing or replacing one of them is how a program
	 * would swap its output channel for something else; it is killed, as in the seed. */
	B("stdfd-close", "close of fd 0", "close", STDFD, KILL_ACT, 0, false, C_MASKED(0, FD_MASK, 0)),
	B("stdfd-close", "close of fd 1", "close", STDFD, KILL_ACT, 0, false, C_MASKED(0, FD_MASK, 1)),
	B("stdfd-close", "close of fd 2", "close", STDFD, KILL_ACT, 0, false, C_MASKED(0, FD_MASK, 2)),
	B("stdfd-dup2", "dup2 onto fd 0", "dup2", STDFD, KILL_ACT, 0, false, C_MASKED(1, FD_MASK, 0)),
	B("stdfd-dup2", "dup2 onto fd 1", "dup2", STDFD, KILL_ACT, 0, false, C_MASKED(1, FD_MASK, 1)),
	B("stdfd-dup2", "dup2 onto fd 2", "dup2", STDFD, KILL_ACT, 1, false, C_MASKED(1, FD_MASK, 2)),
	/* The seed's one exception, dup2(1, 2): oldfd must be exactly 1 (a full 64-bit compare:
	 * dup2(0x100000001, 2) is killed, the conservative side). */
	B("stdfd-dup2", "dup2 onto fd 2 (except dup2(1, 2))", "dup2", STDFD, KILL_ACT, 2, false,
	  C_MASKED(1, FD_MASK, 2), C_NE(0, 1)),
	B("stdfd-dup3", "dup3 onto fd 0", "dup3", STDFD, KILL_ACT, 0, false, C_MASKED(1, FD_MASK, 0)),
	B("stdfd-dup3", "dup3 onto fd 1", "dup3", STDFD, KILL_ACT, 0, false, C_MASKED(1, FD_MASK, 1)),
	B("stdfd-dup3", "dup3 onto fd 2", "dup3", STDFD, KILL_ACT, 0, false, C_MASKED(1, FD_MASK, 2)),
	/* close_range(first, last, flags) closes [first, last]; last < first is EINVAL, so the
	 * range reaches fds 0-2 exactly when the 32-bit first is 0, 1 or 2. */
	B("stdfd-close-range", "close_range starting at fd 0", "close_range", STDFD, KILL_ACT, 0,
	  false, C_MASKED(0, FD_MASK, 0)),
	B("stdfd-close-range", "close_range starting at fd 1", "close_range", STDFD, KILL_ACT, 0,
	  false, C_MASKED(0, FD_MASK, 1)),
	B("stdfd-close-range", "close_range starting at fd 2", "close_range", STDFD, KILL_ACT, 0,
	  false, C_MASKED(0, FD_MASK, 2)),
};
// clang-format on
const size_t lm_nbuiltins = sizeof lm_builtins / sizeof lm_builtins[0];

static bool stdfd_on(const struct lm_config *c)
{
	return c->seccomp.stdfd && !(c->disabled_layers & LM_LAYER_STDFD);
}

bool lm_builtin_active(const struct lm_config *c, const struct lm_builtin *b)
{
	if (b->layer == LM_LAYER_STDFD && !stdfd_on(c))
		return false;
	if (b->dup2_variant == 1 && c->seccomp.allow_dup2_1_2)
		return false;
	if (b->dup2_variant == 2 && !c->seccomp.allow_dup2_1_2)
		return false;
	return true;
}

/* ---- user-space evaluation (report.c uses it to name the rule) --------------------------- */

bool lm_conds_match(const struct lm_cond *conds, unsigned n, uint32_t arch, const uint64_t args[6])
{
	/* libseccomp's 32-bit code compares the low words only. */
	uint64_t wmask = arch == SCMP_ARCH_X86 ? 0xffffffffULL : ~0ULL;
	for (unsigned i = 0; i < n; i++) {
		const struct lm_cond *k = &conds[i];
		if (k->arg > 5)
			return false;
		uint64_t a = args[k->arg] & wmask, v = k->value & wmask;
		bool ok;
		switch (k->op) {
		case LM_CMP_EQ:
			ok = a == v;
			break;
		case LM_CMP_NE:
			ok = a != v;
			break;
		case LM_CMP_LT:
			ok = a < v;
			break;
		case LM_CMP_LE:
			ok = a <= v;
			break;
		case LM_CMP_GT:
			ok = a > v;
			break;
		case LM_CMP_GE:
			ok = a >= v;
			break;
		case LM_CMP_MASKED_EQ:
			ok = (a & k->mask) == v;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return false;
	}
	return true;
}

const struct lm_builtin *lm_builtin_match(const struct lm_config *c, const char *name,
					  uint32_t arch, const uint64_t args[6])
{
	if (c->disabled_layers & LM_LAYER_SECCOMP)
		return NULL;
	for (size_t i = 0; i < lm_nbuiltins; i++) {
		const struct lm_builtin *b = &lm_builtins[i];
		if (strcmp(b->syscall, name) != 0 || !lm_builtin_active(c, b))
			continue;
		if (lm_conds_match(b->conds, b->nconds, arch, args))
			return b;
	}
	return NULL;
}

int lm_action_rank(enum lm_action_kind k)
{
	switch (k) {
	case LM_ACT_KILL_PROCESS:
		return 0;
	case LM_ACT_KILL_THREAD:
		return 1;
	case LM_ACT_TRAP:
		return 2;
	case LM_ACT_ERRNO:
		return 3;
	case LM_ACT_NOTIFY:
		return 4;
	case LM_ACT_LOG:
		return 6;
	case LM_ACT_ALLOW:
		return 7;
	}
	return 0;
}

/* The calls libseccomp multiplexes on i386 (socketcall(2), ipc(2)). */
bool lm_x86_multiplexed(const char *name)
{
	static const char *const names[] = {
	    "socket",	   "bind",	 "connect",    "listen",  "accept",  "getsockname",
	    "getpeername", "socketpair", "send",       "recv",	  "sendto",  "recvfrom",
	    "shutdown",	   "setsockopt", "getsockopt", "sendmsg", "recvmsg", "accept4",
	    "recvmmsg",	   "sendmmsg",	 "semop",      "semget",  "semctl",  "semtimedop",
	    "msgsnd",	   "msgrcv",	 "msgget",     "msgctl",  "shmat",   "shmdt",
	    "shmget",	   "shmctl",	 NULL,
	};
	for (const char *const *n = names; *n; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

/* The first rule without conditions for syscall name, or NULL. */
const struct lm_rule *lm_profile_unconditional_rule(const struct lm_seccomp_policy *p,
						    const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].nconds == 0 && strcmp(p->rules[i].syscall, name) == 0)
			return &p->rules[i];
	return NULL;
}

/* i386, multiplexed call with only conditional rules: the most restrictive of the rules' actions
 * and the default (the rule that gave it, or NULL for the default). */
const struct lm_rule *lm_x86_mux_verdict(const struct lm_seccomp_policy *p, const char *name,
					 struct lm_action *act)
{
	const struct lm_rule *best = NULL;
	*act = p->default_action;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct lm_rule *r = &p->rules[i];
		if (strcmp(r->syscall, name) != 0)
			continue;
		if (lm_action_rank(r->action.kind) < lm_action_rank(act->kind)) {
			*act = r->action;
			best = r;
		}
	}
	return best;
}

bool lm_profile_has_rules_for(const struct lm_seccomp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].syscall, name) == 0)
			return true;
	return false;
}

const struct lm_rule *lm_profile_match(const struct lm_seccomp_policy *p, const char *name,
				       uint32_t arch, const uint64_t args[6], struct lm_action *act)
{
	const struct lm_rule *u = lm_profile_unconditional_rule(p, name);
	if (u) {
		*act = u->action;
		return u;
	}
	if (arch == SCMP_ARCH_X86 && lm_x86_multiplexed(name) && lm_profile_has_rules_for(p, name))
		return lm_x86_mux_verdict(p, name, act);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct lm_rule *r = &p->rules[i];
		if (strcmp(r->syscall, name) == 0 &&
		    lm_conds_match(r->conds, r->nconds, arch, args)) {
			*act = r->action;
			return r;
		}
	}
	*act = p->default_action;
	return NULL;
}

bool lm_seccomp_wants_listener(const struct lm_config *c)
{
	if (c->disabled_layers & LM_LAYER_SECCOMP)
		return false;
	if (c->report || c->seccomp.notify_pending)
		return true;
	for (size_t i = 0; i < c->seccomp.nrules; i++)
		if (c->seccomp.rules[i].action.kind == LM_ACT_NOTIFY)
			return true;
	return c->seccomp.default_action.kind == LM_ACT_NOTIFY;
}

bool lm_builtin_touches(const struct lm_config *c, const char *name)
{
	for (size_t i = 0; i < lm_nbuiltins; i++)
		if (strcmp(lm_builtins[i].syscall, name) == 0 &&
		    lm_builtin_active(c, &lm_builtins[i]))
			return true;
	return false;
}
