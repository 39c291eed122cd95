/* try-syscall CALL [ARGS...]: perform one system call and say what became of it.
 *
 * Prints "CALL: ok (RESULT)" and exits 0, or "CALL: ENAME" and exits with the errno value; a
 * call stopped by a kill rule never returns, and the caller sees the signal (159 for SIGSYS).
 * Arguments are numbers in C syntax (0x100000001 keeps its high bits: the point of several
 * tests), or s:TEXT for a pointer to the string TEXT.  Static, so it runs in any root lamina
 * builds.  Output goes through write(2) only.
 *
 * Calls: the raw syscalls by name below, plus
 *   fork          libc fork() (clone3, then clone on ENOSYS); the child exits 7
 *   thread        pthread_create + join
 *   clone-newuser raw clone(CLONE_NEWUSER | SIGCHLD)
 *   x32-getpid    getpid through the x32 entry (number | 0x40000000)
 * A first argument --ignore-sigsys sets SIGSYS to SIG_IGN first (a payload trying to survive a
 * kill rule). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/libc-compat.h"

#include "seed_common.h"

static int report(const char *name, long r, int err)
{
	char buf[256];
	if (r >= 0) {
		snprintf(buf, sizeof buf, "%s: ok (%ld)\n", name, r);
		say(buf);
		return 0;
	}
	const char *en = strerrorname_np(err);
	snprintf(buf, sizeof buf, "%s: %s\n", name, en ? en : "unknown errno");
	say(buf);
	return err > 0 && err < 126 ? err : 125;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static const struct {
	const char *name;
	long nr;
} calls[] = {
    {"unshare", SYS_unshare},
    {"clone", SYS_clone},
    {"clone3", SYS_clone3},
    {"ioctl", SYS_ioctl},
    {"io_uring_setup", SYS_io_uring_setup},
    {"io_uring_enter", SYS_io_uring_enter},
    {"io_uring_register", SYS_io_uring_register},
    {"close", SYS_close},
    {"dup2", SYS_dup2},
    {"dup3", SYS_dup3},
    {"close_range", SYS_close_range},
    {"getpid", SYS_getpid},
    {"mount", SYS_mount},
    {"umount2", SYS_umount2},
    {"setns", SYS_setns},
    {"chroot", SYS_chroot},
    {"bpf", SYS_bpf},
    {"perf_event_open", SYS_perf_event_open},
    {"keyctl", SYS_keyctl},
    {"ptrace", SYS_ptrace},
    {"personality", SYS_personality},
    {"userfaultfd", SYS_userfaultfd},
    {"write", SYS_write},
    {"read", SYS_read},
    {"socket", SYS_socket},
    {"getppid", SYS_getppid},
};

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--ignore-sigsys") == 0) {
		signal(SIGSYS, SIG_IGN);
		argv++;
		argc--;
	}
	if (argc < 2) {
		say("usage: try-syscall [--ignore-sigsys] CALL [ARGS...]\n");
		return 125;
	}
	const char *name = argv[1];
	unsigned long long a[6] = {0};
	for (int i = 2; i < argc && i < 8; i++) {
		if (strncmp(argv[i], "s:", 2) == 0) {
			a[i - 2] = (unsigned long long)(uintptr_t)(argv[i] + 2);
			continue;
		}
		char *end;
		errno = 0;
		a[i - 2] = strtoull(argv[i], &end, 0);
		if (errno || *end) {
			say("try-syscall: bad number\n");
			return 125;
		}
	}
	if (strcmp(name, "fork") == 0) {
		pid_t p = fork();
		if (p < 0)
			return report(name, -1, errno);
		if (p == 0)
			_exit(7);
		int st;
		if (waitpid(p, &st, 0) < 0)
			return report(name, -1, errno);
		return report(name, WIFEXITED(st) ? WEXITSTATUS(st) : -1, EIO);
	}
	if (strcmp(name, "thread") == 0) {
		pthread_t t;
		int r = pthread_create(&t, NULL, thread_fn, (void *)42);
		if (r)
			return report(name, -1, r);
		void *res;
		r = pthread_join(t, &res);
		return report(name, r ? -1 : (long)res, r);
	}
	if (strcmp(name, "clone-newuser") == 0) {
		long r = syscall(SYS_clone, (unsigned long)CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		int err = errno;
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		return report(name, r > 0 ? 0 : r, err);
	}
	if (strcmp(name, "x32-getpid") == 0) {
		long r = syscall(0x40000000 | SYS_getpid);
		return report(name, r, errno);
	}
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		if (strcmp(calls[i].name, name) == 0) {
			long r = syscall(calls[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
			return report(name, r, errno);
		}
	}
	say("try-syscall: unknown call\n");
	return 125;
}
