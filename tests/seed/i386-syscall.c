/* i386-syscall CALL [ARGS...]: one system call through the i386 entry (`int $0x80`) from this
 * 64-bit program: the kernel then uses the i386 syscall table and the filter's AUDIT_ARCH_I386
 * branch.  A filter written for x86_64 only would not see these calls at all.
 *
 * Calls (i386 numbers): unshare (310), dup2 (63), close (6), getpid (20), ioctl (54).  Prints
 * "i386 CALL: ok (RESULT)" and exits 0, or "i386 CALL: ENAME" and exits with the errno; a kill
 * rule ends it by signal.  No -m32 needed; static. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/libc-compat.h"

static long i386_syscall(long nr, long a, long b, long c)
{
	long ret;
	/* int $0x80 takes eax, ebx, ecx, edx; the kernel clears r8-r11 on the way back */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return (long)(int)ret; /* eax, sign-extended: -errno on failure */
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		long nr;
	} calls[] = {{"unshare", 310}, {"dup2", 63}, {"close", 6}, {"getpid", 20}, {"ioctl", 54}};
	if (argc < 2)
		return 125;
	long a[3] = {0, 0, 0};
	for (int i = 2; i < argc && i < 5; i++)
		a[i - 2] = strtol(argv[i], NULL, 0);
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		if (strcmp(calls[i].name, argv[1]) != 0)
			continue;
		long r = i386_syscall(calls[i].nr, a[0], a[1], a[2]);
		char buf[128];
		if (r >= 0) {
			snprintf(buf, sizeof buf, "i386 %s: ok (%ld)\n", argv[1], r);
		} else {
			const char *en = strerrorname_np((int)-r);
			snprintf(buf, sizeof buf, "i386 %s: %s\n", argv[1], en ? en : "?");
		}
		if (write(1, buf, strlen(buf)) < 0)
			return 124;
		return r >= 0 ? 0 : (int)(-r < 126 ? -r : 125);
	}
	return 125;
}
