/* Seed programs 2 and 3: a libseccomp allowlist (default: kill the process).
 *   seed2_libseccomp: rt_sigreturn, exit, exit_group, read and write without conditions, and
 *                     dup2 only as dup2(1, 2).
 *   seed3_restricted: the same, with read only on fd 0 and write only on fds 1 and 2, and the
 *                     process made no_new_privs and non-dumpable first.
 * Both print steps 1-3 around the allowed dup2(1, 2) and die of SIGSYS (exit 159) at
 * dup2(2, 42).  SEED_NOFILTER builds seed3_nofilter: the same steps with no filter at all, for
 * `lamina run -p strict` to supply the filter. */
#include "seed_common.h"

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef SEED_NOFILTER
#include <seccomp.h>
#endif

#ifndef SEED_NOFILTER
static void die(const char *what)
{
	say(what);
	say(": failed\n");
	exit(1);
}

static void load_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		die("seccomp_init");
	int rc = 0;
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigreturn), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
	/* seccomp_load frees the BPF program once loaded, and musl's allocator hands freed pages
	 * back with munmap at once (glibc's keeps them): without this, a musl build dies there. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(munmap), 0);
#ifdef SEED_RESTRICTED
	/* fds are 32-bit in the kernel: compare through the mask */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, 1));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, 2));
#else
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0);
#endif
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(dup2), 2, SCMP_A0(SCMP_CMP_EQ, 1),
			       SCMP_A1(SCMP_CMP_EQ, 2));
	if (rc != 0)
		die("seccomp_rule_add");
	if (seccomp_load(ctx) != 0)
		die("seccomp_load");
	seccomp_release(ctx);
}
#endif

int main(void)
{
	say("step 1: no restrictions yet\n");
#ifndef SEED_NOFILTER
#ifdef SEED_RESTRICTED
	/* no_new_privs: the filter needs it without CAP_SYS_ADMIN, and no setuid program run
	 * later can gain privileges; non-dumpable: no ptrace or core of this process. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die("PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		die("PR_SET_DUMPABLE");
#endif
	load_filter();
#endif
	say("step 2: filter loaded, dup2(1, 2) is allowed\n");
	if (syscall(SYS_dup2, 1, 2) != 2) {
		say("dup2(1, 2) failed\n");
		return 1;
	}
	say("step 3: dup2(1, 2) done; now dup2(2, 42)\n");
	syscall(SYS_dup2, 2, 42); /* killed: SIGSYS */
	say("step 4: unreachable: dup2(2, 42) went through\n");
	return 0;
}
