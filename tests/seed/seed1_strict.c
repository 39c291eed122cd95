/* Seed program 1: seccomp mode 1 (SECCOMP_MODE_STRICT).  After the prctl only read, write,
 * _exit and sigreturn remain; the dup2 that follows is answered with SIGKILL (exit 137). */
#include "seed_common.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	say("step 1: no restrictions yet\n");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0) {
		say("prctl(PR_SET_SECCOMP) failed\n");
		return 1;
	}
	say("step 2: strict mode: read, write, exit and sigreturn only\n");
	/* Not allowed in mode 1: the kernel sends SIGKILL. */
	syscall(SYS_dup2, 1, 2);
	say("step 3: unreachable: dup2 went through\n");
	syscall(SYS_exit, 0); /* exit_group is not allowed in mode 1, exit is */
	return 0;
}
