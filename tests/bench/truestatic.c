/* truestatic: the smallest static "true": no libc, no dynamic loader, one system call.
 *
 * The strict profile admits only read, write, exit-ish calls and sigreturn, which no libc's
 * start-up code lives with (it sets up TLS, the robust list, rseq, brk...), so the strict rows
 * of the start-up benchmark run this.  It calls exit (not exit_group): in a process with one
 * thread that ends the process, and it is the call the seed's strict mode admits. */
#include <sys/syscall.h>

void _start(void) __attribute__((noreturn));

void _start(void)
{
	__asm__ volatile("syscall" : : "a"(SYS_exit), "D"(0) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
