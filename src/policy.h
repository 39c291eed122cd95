/* policy.h: the seccomp policy (struct lm_seccomp_policy, lamina.h) in words: its actions and
 * rules written as a profile writes them.  The parser (profile.c, with `lamina check` and
 * `lamina explain`) and the seccomp layer (report.c's violation reports) both print them; this
 * file depends on neither, so neither depends on the other. */
#ifndef LAMINA_POLICY_H
#define LAMINA_POLICY_H

#include <stddef.h>

#include "lamina.h"

/* "allow", "errno(EPERM)", "kill-process", ... into buf (always NUL-terminated). */
const char *lm_action_str(const struct lm_action *a, char *buf, size_t len);
/* The action's word alone: "allow", "errno", "kill-process", ... */
const char *lm_action_kind_name(enum lm_action_kind k);
/* One rule as the profile would write it ("errno(EPERM) ioctl if a1 & 0xffffffff == TIOCSTI"),
 * malloc'd; constants are printed as numbers except for the errno name. */
char *lm_rule_str(const struct lm_rule *r);
/* The name of an errno value ("EPERM"), or NULL. */
const char *lm_errno_name(int errnum);

#endif
