/* Unit tests of the seccomp layer (src/seccomp.c, src/report.c) on hand-built configs: each case
 * forks, loads the filters in the child with lm_seccomp_apply, performs one call and reports the
 * outcome through its exit status; the parent asserts the exact errno or signal.  Every refusal
 * has a positive twin (the same call allowed, or the filter switched off).  Needs no privilege:
 * no_new_privs is set in the child. */
#include "lamina.h"
#include "seccomp_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <stddef.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

/* ---- building configs ------------------------------------------------------------------ */

static void cfg_init(struct lm_config *c, enum lm_action_kind def, int def_errno)
{
	lm_config_init(c);
	c->seccomp.present = true;
	c->seccomp.name = strdup("unit");
	c->seccomp.default_action = (struct lm_action){def, def_errno};
}

static struct lm_rule *rule(struct lm_config *c, enum lm_action_kind k, int err, const char *sys,
			    unsigned line)
{
	struct lm_seccomp_policy *p = &c->seccomp;
	p->rules = realloc(p->rules, (p->nrules + 1) * sizeof *p->rules);
	if (!p->rules)
		abort();
	struct lm_rule *r = &p->rules[p->nrules++];
	memset(r, 0, sizeof *r);
	r->action = (struct lm_action){k, err};
	/* in the policy's arena, as the parser makes them (freed with the policy) */
	r->syscall = lm_arena_strndup(&p->strings, sys, strlen(sys));
	r->file = lm_arena_strndup(&p->strings, "unit.profile", strlen("unit.profile"));
	if (!r->syscall || !r->file)
		abort();
	r->nr = seccomp_syscall_resolve_name(sys);
	r->line = line;
	return r;
}

static void cond(struct lm_rule *r, unsigned arg, enum lm_cmp op, uint64_t value)
{
	r->conds[r->nconds++] = (struct lm_cond){.arg = arg, .op = op, .value = value};
}

/* What a static C program needs to start and exit, as in the strict profile. */
static void strict_like(struct lm_config *c)
{
	cfg_init(c, LM_ACT_KILL_PROCESS, 0);
	rule(c, LM_ACT_ALLOW, 0, "exit_group", 1);
	rule(c, LM_ACT_ALLOW, 0, "exit", 2);
	rule(c, LM_ACT_ALLOW, 0, "rt_sigreturn", 3);
	cond(rule(c, LM_ACT_ALLOW, 0, "write", 4), 0, LM_CMP_EQ, 1);
	cond(rule(c, LM_ACT_ALLOW, 0, "write", 5), 0, LM_CMP_EQ, 2);
	struct lm_rule *d = rule(c, LM_ACT_ALLOW, 0, "dup2", 6);
	cond(d, 0, LM_CMP_EQ, 1);
	cond(d, 1, LM_CMP_EQ, 2);
	c->seccomp.stdfd = true;
	c->seccomp.allow_dup2_1_2 = true;
}

/* ---- running a case -------------------------------------------------------------------- */

/* Outcome of a child: exit code, or 1000 + signal. */
#define SIG(s) (1000 + (s))

typedef int (*action_fn)(void *arg);

/* Leave a filtered child without the C library's or a sanitizer's exit path: ASan's _exit
 * interceptor runs a leak check (threads, ptrace, mmap) that the filters under test refuse.  Not
 * declared noreturn on purpose: ASan precedes calls to noreturn functions with a stack
 * unpoisoning that calls sigaltstack, which a filter may refuse as well. */
static void raw_exit(int code)
{
	/* exit_group does not return; the compiler must not know it (see above) */
	syscall(SYS_exit_group, code);
}

/* Child: no_new_privs, the filters, then fn; exit code = fn's return (an errno, 0 for success). */
static int run_case(const struct lm_config *c, action_fn fn, void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(201);
		if (c) {
			struct lm_err e = {0};
			int lfd = -1;
			if (lm_seccomp_apply(c, &lfd, &e) < 0) {
				fprintf(stderr, "apply: %s\n", e.msg);
				_exit(200);
			}
		}
		raw_exit(fn(arg));
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(st))
		return SIG(WTERMSIG(st));
	return WEXITSTATUS(st);
}

static int err_of(long r)
{
	return r < 0 ? errno : 0;
}

struct call {
	long nr;
	uint64_t a[6];
};

static int do_call(void *arg)
{
	struct call *k = arg;
	return err_of(syscall(k->nr, k->a[0], k->a[1], k->a[2], k->a[3], k->a[4], k->a[5]));
}

static int call_outcome(const struct lm_config *c, long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct call k = {nr, {a0, a1, a2, 0, 0, 0}};
	return run_case(c, do_call, &k);
}

/* i386 through int $0x80 from this 64-bit process: the kernel takes the i386 table and the
 * AUDIT_ARCH_I386 branch of the filter.  Returns -errno or the result. */
static long i386_call(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b)
			 : "memory", "r8", "r9", "r10", "r11");
	return (long)(int)ret;
}

/* The i386 entry is missing on some kernels (built without IA32 emulation, or started with
 * ia32_emulation=false): int $0x80 then faults (SIGSEGV) before any filter sees the call, and the
 * i386 checks can show nothing.  main() probes it once, outside any filter, and those checks are
 * skipped where it is missing (LAMINA_TEST_ASSUME_NO_I386=1 makes the probe say so). */
static bool i386_entry;
static int i386_skipped;
#define CHECK_I386(cond, ...)                                                                      \
	do {                                                                                       \
		if (i386_entry)                                                                    \
			CHECK(cond, __VA_ARGS__);                                                  \
		else                                                                               \
			i386_skipped++;                                                            \
	} while (0)

static int do_i386_getpid(void *arg)
{
	(void)arg;
	return i386_call(20, 0, 0) == (long)getpid() ? 0 : 1;
}

/* i386 socketcall(SYS_SOCKET, {AF_UNIX, SOCK_STREAM, 0}): the arguments sit behind a pointer
 * the filter cannot read, so a conditional "allow socket if a0 == AF_UNIX" must not let it in.
 * The block must be addressable with 32 bits (MAP_32BIT). */
static int do_i386_socketcall(void *arg)
{
	unsigned *blk = arg; /* mapped by the parent: mmap may be refused here */
	long r = i386_call(102, 1, (long)(uintptr_t)blk);
	return r < 0 ? (int)-r : 0;
}

static int do_i386_socket(void *arg)
{
	(void)arg;
	long r = i386_call(359, AF_UNIX, SOCK_STREAM);
	return r < 0 ? (int)-r : 0;
}

static int do_i386_unshare(void *arg)
{
	(void)arg;
	long r = i386_call(310, CLONE_NEWUSER, 0);
	return r < 0 ? (int)-r : 0;
}

static int do_i386_dup2(void *arg)
{
	long *fds = arg;
	long r = i386_call(63, fds[0], fds[1]);
	return r < 0 ? (int)-r : 0;
}

static int do_fork(void *arg)
{
	(void)arg;
	pid_t p = fork();
	if (p < 0)
		return errno;
	if (p == 0)
		_exit(7);
	int st;
	if (waitpid(p, &st, 0) < 0)
		return errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : 99;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static int do_thread(void *arg)
{
	(void)arg;
	pthread_t t;
	int r = pthread_create(&t, NULL, thread_fn, (void *)42);
	if (r)
		return r;
	void *out;
	if (pthread_join(t, &out))
		return 98;
	return out == (void *)42 ? 0 : 99;
}

static int do_newuser_clone(void *arg)
{
	(void)arg;
	/* raw clone with CLONE_NEWUSER: a child that exits at once */
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	if (r < 0)
		return errno;
	waitpid((pid_t)r, NULL, 0);
	return 0;
}

static int do_x32_getpid(void *arg)
{
	(void)arg;
	/* x32: x86_64 numbers with bit 30 set (__X32_SYSCALL_BIT) */
	return err_of(syscall(0x40000000 | SYS_getpid));
}

static int do_strict_steps(void *arg)
{
	(void)arg;
	syscall(SYS_write, 1, "", 0);
	if (syscall(SYS_dup2, 1, 2) < 0)
		return 50;
	syscall(SYS_dup2, 2, 42); /* killed here */
	return 51;
}

/* ---- the cases --------------------------------------------------------------------------- */

static void test_builtin_userns(void)
{
	struct lm_config c;
	cfg_init(&c, LM_ACT_ALLOW, 0);
	/* The profile allows clone and unshare outright: the built-in rule must still win (in a
	 * single libseccomp filter the unconditional allow would swallow it). */
	rule(&c, LM_ACT_ALLOW, 0, "clone", 1);
	rule(&c, LM_ACT_ALLOW, 0, "unshare", 2);
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWUSER, 0, 0) == EPERM,
	      "unshare(NEWUSER) EPERM");
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS, 0, 0) == EPERM,
	      "unshare(NEWUSER|NEWNS) EPERM");
	CHECK(call_outcome(NULL, SYS_unshare, CLONE_NEWUSER, 0, 0) == 0,
	      "twin: unshare(NEWUSER) works without the filter");
	CHECK(call_outcome(&c, SYS_unshare, 0, 0, 0) == 0, "twin: unshare(0) allowed");
	CHECK(run_case(&c, do_newuser_clone, NULL) == EPERM, "clone(NEWUSER) EPERM");
	CHECK(run_case(NULL, do_newuser_clone, NULL) == 0, "twin: clone(NEWUSER) without filter");
	CHECK(call_outcome(&c, SYS_clone3, 0, 0, 0) == ENOSYS, "clone3 ENOSYS");
	CHECK(run_case(&c, do_fork, NULL) == 0, "fork works (clone3 -> clone fallback)");
	CHECK(run_case(&c, do_thread, NULL) == 0, "threads work");
	/* a profile errno on clone3 must not replace the built-in ENOSYS (libc falls back only
	 * on ENOSYS): the built-in filter is loaded last and wins the tie */
	rule(&c, LM_ACT_ERRNO, EPERM, "clone3", 3);
	CHECK(call_outcome(&c, SYS_clone3, 0, 0, 0) == ENOSYS, "clone3 ENOSYS over profile EPERM");
	CHECK(run_case(&c, do_fork, NULL) == 0, "fork works with profile errno on clone3");
	/* i386: killed like any foreign architecture unless the profile says `i386 on` */
	CHECK_I386(run_case(&c, do_i386_unshare, NULL) == SIG(SIGSYS),
		   "i386 off: i386 unshare killed");
	c.seccomp.i386 = true;
	CHECK_I386(run_case(&c, do_i386_unshare, NULL) == EPERM,
		   "i386 on: i386 unshare(NEWUSER) EPERM");
	CHECK_I386(run_case(NULL, do_i386_unshare, NULL) == 0, "twin: i386 unshare without filter");
	/* x32 is a foreign arch: killed */
	CHECK(run_case(&c, do_x32_getpid, NULL) == SIG(SIGSYS), "x32 killed");
	{
		/* ENOSYS where the kernel has no x32 entry, the pid where it has one */
		int o = run_case(NULL, do_x32_getpid, NULL);
		CHECK(o == ENOSYS || o == 0, "twin: x32 reaches the kernel without filter (%d)", o);
	}
	/* the layer disabled (demo only): nothing loaded */
	c.disabled_layers = LM_LAYER_SECCOMP;
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWUSER, 0, 0) == 0, "seccomp layer disabled");
	lm_config_free(&c);
}

static void test_builtin_ioctl_iouring(void)
{
	struct lm_config c;
	cfg_init(&c, LM_ACT_ALLOW, 0);
	rule(&c, LM_ACT_ALLOW, 0, "ioctl", 1);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(call_outcome(&c, SYS_ioctl, fd, TIOCSTI, 0) == EPERM, "TIOCSTI EPERM");
	CHECK(call_outcome(&c, SYS_ioctl, fd, 0x100000000ULL | TIOCSTI, 0) == EPERM,
	      "TIOCSTI with high bits EPERM");
	CHECK(call_outcome(&c, SYS_ioctl, fd, TIOCLINUX, 0) == EPERM, "TIOCLINUX EPERM");
	CHECK(call_outcome(&c, SYS_ioctl, fd, 0xffffffff00000000ULL | TIOCLINUX, 0) == EPERM,
	      "TIOCLINUX with high bits EPERM");
	/* twins: the same ioctl without the filter reaches the driver (ENOTTY: /dev/null is no tty)
	 */
	CHECK(call_outcome(NULL, SYS_ioctl, fd, 0x100000000ULL | TIOCSTI, 0) == ENOTTY,
	      "twin: TIOCSTI high bits reaches the driver without the filter");
	CHECK(call_outcome(&c, SYS_ioctl, fd, TIOCGWINSZ, 0) == ENOTTY,
	      "twin: other ioctl allowed");
	CHECK(call_outcome(&c, SYS_io_uring_setup, 1, 0, 0) == EPERM, "io_uring_setup EPERM");
	CHECK(call_outcome(&c, SYS_io_uring_enter, 0, 0, 0) == EPERM, "io_uring_enter EPERM");
	CHECK(call_outcome(&c, SYS_io_uring_register, 0, 0, 0) == EPERM, "io_uring_register EPERM");
	/* twin: io_uring_setup(1, NULL) reaches the kernel: EFAULT (or ENOSYS/EPERM if io_uring is
	 * disabled by sysctl; then it is no proof, say so) */
	int tw = call_outcome(NULL, SYS_io_uring_setup, 1, 0, 0);
	CHECK(tw != EPERM || access("/proc/sys/kernel/io_uring_disabled", F_OK) == 0,
	      "twin: io_uring_setup reaches the kernel (%d)", tw);
	close(fd);
	lm_config_free(&c);
}

static void test_stdfd(void)
{
	struct lm_config c;
	cfg_init(&c, LM_ACT_ALLOW, 0);
	c.seccomp.stdfd = true;
	c.seccomp.allow_dup2_1_2 = true;
	CHECK(call_outcome(&c, SYS_close, 1, 0, 0) == SIG(SIGSYS), "close(1) killed");
	CHECK(call_outcome(&c, SYS_close, 0, 0, 0) == SIG(SIGSYS), "close(0) killed");
	CHECK(call_outcome(&c, SYS_close, 0x100000001ULL, 0, 0) == SIG(SIGSYS),
	      "close(0x100000001) killed");
	CHECK(call_outcome(&c, SYS_close, 0x100000002ULL, 0, 0) == SIG(SIGSYS),
	      "close(0x100000002) killed");
	CHECK(call_outcome(&c, SYS_close, 99, 0, 0) == EBADF, "twin: close(99) allowed (EBADF)");
	CHECK(call_outcome(NULL, SYS_close, 0x100000001ULL, 0, 0) == 0,
	      "twin: close(0x100000001) closes fd 1 without the filter");
	CHECK(call_outcome(&c, SYS_dup2, 1, 2, 0) == 0,
	      "dup2(1, 2) allowed (the seed's exception)");
	CHECK(call_outcome(&c, SYS_dup2, 0x100000001ULL, 2, 0) == SIG(SIGSYS),
	      "dup2(0x100000001, 2) killed");
	CHECK(call_outcome(&c, SYS_dup2, 0, 2, 0) == SIG(SIGSYS), "dup2(0, 2) killed");
	CHECK(call_outcome(&c, SYS_dup2, 2, 1, 0) == SIG(SIGSYS), "dup2(2, 1) killed");
	CHECK(call_outcome(&c, SYS_dup2, 2, 0x100000000ULL, 0) == SIG(SIGSYS),
	      "dup2(2, 0x100000000) killed");
	CHECK(call_outcome(&c, SYS_dup2, 2, 42, 0) == 0, "twin: dup2(2, 42) allowed");
	CHECK(call_outcome(&c, SYS_dup3, 1, 2, 0) == SIG(SIGSYS), "dup3(1, 2) killed");
	CHECK(call_outcome(&c, SYS_dup3, 2, 42, 0) == 0, "twin: dup3(2, 42) allowed");
	CHECK(call_outcome(&c, SYS_close_range, 2, ~0U, 0) == SIG(SIGSYS),
	      "close_range(2, ~0) killed");
	CHECK(call_outcome(&c, SYS_close_range, 0x100000000ULL, 5, 0) == SIG(SIGSYS),
	      "close_range(0x100000000, 5) killed");
	CHECK(call_outcome(&c, SYS_close_range, 3, ~0U, 0) == 0,
	      "twin: close_range(3, ~0) allowed");
	long fds[2] = {2, 1};
	c.seccomp.i386 = true;
	CHECK_I386(run_case(&c, do_i386_dup2, fds) == SIG(SIGSYS), "i386 dup2(2, 1) killed");
	fds[1] = 42;
	CHECK_I386(run_case(&c, do_i386_dup2, fds) == 0, "twin: i386 dup2(2, 42) allowed");
	c.seccomp.i386 = false;
	CHECK_I386(run_case(&c, do_i386_dup2, fds) == SIG(SIGSYS),
		   "i386 off: i386 dup2(2, 42) killed");
	/* without the exception */
	c.seccomp.allow_dup2_1_2 = false;
	CHECK(call_outcome(&c, SYS_dup2, 1, 2, 0) == SIG(SIGSYS),
	      "dup2(1, 2) killed without exception");
	/* the std-fd layer switched off (demo) */
	c.disabled_layers = LM_LAYER_STDFD;
	CHECK(call_outcome(&c, SYS_close, 1, 0, 0) == 0, "std-fd layer disabled: close(1) works");
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWUSER, 0, 0) == EPERM,
	      "std-fd layer disabled keeps the hardening");
	lm_config_free(&c);
}

static void test_profile(void)
{
	struct lm_config c;
	strict_like(&c);
	CHECK(run_case(&c, do_strict_steps, NULL) == SIG(SIGSYS), "strict: dup2(2, 42) killed");
	CHECK(call_outcome(&c, SYS_getpid, 0, 0, 0) == SIG(SIGSYS), "strict: getpid killed");
	long fds[2] = {2, 42};
	c.seccomp.i386 = true;
	CHECK_I386(run_case(&c, do_i386_dup2, fds) == SIG(SIGSYS),
		   "strict: i386 dup2(2, 42) killed");
	fds[0] = 1;
	fds[1] = 2;
	{
		int o = i386_entry ? run_case(&c, do_i386_dup2, fds) : 0;
		CHECK_I386(o == 0, "strict: i386 dup2(1, 2) allowed (%d)", o);
	}
	lm_config_free(&c);

	/* errno rules, conditions, masked equality */
	cfg_init(&c, LM_ACT_ALLOW, 0);
	struct lm_rule *r = rule(&c, LM_ACT_ERRNO, EACCES, "getpriority", 1);
	cond(r, 0, LM_CMP_EQ, 0);
	r = rule(&c, LM_ACT_ERRNO, EXDEV, "fchmod", 2);
	r->conds[r->nconds++] =
	    (struct lm_cond){.arg = 1, .op = LM_CMP_MASKED_EQ, .mask = 0700, .value = 0700};
	CHECK(call_outcome(&c, SYS_getpriority, 0, 0, 0) == EACCES, "errno rule with condition");
	CHECK(call_outcome(&c, SYS_getpriority, 1, 0, 0) == 0, "twin: condition not met");
	CHECK(call_outcome(&c, SYS_fchmod, 999, 0755, 0) == EXDEV, "masked rule matches");
	CHECK(call_outcome(&c, SYS_fchmod, 999, 0644, 0) == EBADF,
	      "twin: masked rule does not match");
	lm_config_free(&c);

	/* i386 multiplexed socket family: a conditional allow must not become an unconditional
	 * socketcall allow */
	cfg_init(&c, LM_ACT_ERRNO, EPERM);
	c.seccomp.i386 = true;
	rule(&c, LM_ACT_ALLOW, 0, "exit_group", 1);
	cond(rule(&c, LM_ACT_ALLOW, 0, "socket", 2), 0, LM_CMP_EQ, AF_UNIX);
	CHECK(call_outcome(&c, SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) == 0,
	      "socket(AF_UNIX) allowed");
	CHECK(call_outcome(&c, SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) == EPERM,
	      "socket(AF_INET) refused");
	/* the argument block of socketcall: mapped here (the filter may refuse mmap), below 4 GiB
	 */
	unsigned *blk = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	CHECK(blk != MAP_FAILED, "mmap MAP_32BIT");
	if (blk != MAP_FAILED) {
		blk[0] = AF_UNIX;
		blk[1] = SOCK_STREAM;
		blk[2] = 0;
		CHECK_I386(
		    run_case(&c, do_i386_socketcall, blk) == EPERM,
		    "i386 socketcall(SOCKET, AF_UNIX) refused: its conditions cannot be checked");
		int tw = i386_entry ? run_case(NULL, do_i386_socketcall, blk) : 0;
		CHECK_I386(tw == 0, "twin: i386 socketcall works unfiltered (%d)", tw);
		munmap(blk, 4096);
	}
	CHECK_I386(run_case(&c, do_i386_socket, NULL) == EPERM, "i386 socket(AF_UNIX) refused too");
	CHECK_I386(run_case(NULL, do_i386_socket, NULL) == 0, "twin: i386 socket works unfiltered");
	struct lm_err e = {0};
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK(lm_seccomp_export_pfc(&c, devnull, &e) == 0, "export_pfc: %s", e.msg);
	close(devnull);
	lm_config_free(&c);
}

/* ---- report mode ---------------------------------------------------------------------------- */

struct report_run {
	int outcome;
	char log[4096];
	struct lm_report_state st;
};

static int do_report_steps(void *arg)
{
	(void)arg;
	/* an errno rule (reported and refused), then the strict kill */
	long r = syscall(SYS_getpriority, 0, 0);
	if (!(r < 0 && errno == EACCES))
		return 60;
	if (syscall(SYS_unshare, CLONE_NEWUSER) == 0 || errno != EPERM)
		return 61;
	if (syscall(SYS_dup2, 1, 2) < 0)
		return 62;
	syscall(SYS_dup2, 2, 42);
	return 63;
}

static int do_report_ignore_sigsys(void *arg)
{
	(void)arg;
	signal(SIGSYS, SIG_IGN);
	syscall(SYS_dup2, 2, 42);
	return 64;
}

/* Start a payload that loads the report filter with lm_seccomp_apply and serve its listener, the
 * way the launcher does: the payload is cloned with CLONE_FILES, so the listener it gets lands in
 * a fd table this process shares, and it leaves the fd's number in a shared page (a store, no
 * system call: the filter may refuse everything).  The launcher's init then waits for the
 * payload's execve, which unshares the table; the payload here does not exec (a sanitized binary
 * could not start under these filters), so this process unshares instead, before the payload
 * may touch the table again (do_report_steps dup2s onto fd 2): the payload spins on a second
 * shared flag until then. */
struct report_share {
	_Atomic int listener; /* -1 until the filter is loaded */
	_Atomic int go;	      /* set once this process has its own fd table */
};

static void report_case(const struct lm_config *c, action_fn fn, struct report_run *out)
{
	struct report_share *sh =
	    mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		exit(2);
	atomic_init(&sh->listener, -1);
	atomic_init(&sh->go, 0);
	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		exit(2);
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		exit(2);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(201);
		struct lm_err e = {0};
		int lfd = -1;
		if (lm_seccomp_apply(c, &lfd, &e) < 0 || lfd < 0)
			_exit(200);
		/* filtered from here on */
		atomic_store(&sh->listener, lfd);
		while (!atomic_load(&sh->go))
			__builtin_ia32_pause();
		raw_exit(fn(NULL));
	}
	int st = 0;
	bool exited = false;
	int lfd;
	while ((lfd = atomic_load(&sh->listener)) < 0) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			exited = true; /* apply failed: no listener */
			break;
		}
		usleep(1000);
	}
	if (!exited && unshare(CLONE_FILES) < 0) {
		CHECK(0, "report: unshare(CLONE_FILES): %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		exited = true;
		close(lfd);
		lfd = -1;
	}
	CHECK(lfd >= 0, "report: lm_seccomp_apply gave the payload a listener (status %#x)", st);
	atomic_store(&sh->go, 1);
	lm_report_init(&out->st);
	/* capture stderr of lm_report_handle into a pipe */
	int saved = dup(2);
	dup2(errpipe[1], 2);
	close(errpipe[1]);
	while (!exited) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (lfd < 0) {
			waitpid(pid, &st, 0);
			break;
		}
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		int n = poll(&p, 1, 100);
		if (n > 0 && (p.revents & POLLIN))
			lm_report_handle(lfd, c, &out->st);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (lfd >= 0)
		close(lfd);
	ssize_t got = read(errpipe[0], out->log, sizeof out->log - 1);
	out->log[got > 0 ? got : 0] = '\0';
	close(errpipe[0]);
	munmap(sh, sizeof *sh);
	out->outcome = lm_report_exit_status(&out->st, st);
}

/* Report mode with the listener closed at once: a call the filter sends to the supervisor gets
 * ENOSYS (no listener), a call the filter decides itself reaches the kernel.  This shows which
 * calls cost a round trip: only the values the built-in rules care about. */
static int notified_outcome(const struct lm_config *c, long nr, uint64_t a0, uint64_t a1)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			raw_exit(201);
		struct lm_err e = {0};
		int lfd = -1;
		if (lm_seccomp_apply(c, &lfd, &e) < 0 || lfd < 0)
			raw_exit(200);
		close(lfd);
		raw_exit(err_of(syscall(nr, a0, a1, 0, 0, 0, 0)));
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFSIGNALED(st) ? SIG(WTERMSIG(st)) : WEXITSTATUS(st);
}

static void test_report_split(void)
{
	struct lm_config c;
	cfg_init(&c, LM_ACT_ERRNO, EACCES);
	rule(&c, LM_ACT_ALLOW, 0, "ioctl", 1);
	rule(&c, LM_ACT_ALLOW, 0, "close", 2);
	rule(&c, LM_ACT_ALLOW, 0, "dup2", 3);
	rule(&c, LM_ACT_ALLOW, 0, "exit_group", 4);
	c.seccomp.stdfd = true;
	c.seccomp.allow_dup2_1_2 = true;
	c.report = true;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(notified_outcome(&c, SYS_ioctl, fd, TIOCSTI) == ENOSYS, "TIOCSTI notified");
	CHECK(notified_outcome(&c, SYS_ioctl, fd, 0x100000000ULL | TIOCSTI) == ENOSYS,
	      "TIOCSTI with high bits notified");
	CHECK(notified_outcome(&c, SYS_ioctl, fd, TIOCLINUX) == ENOSYS, "TIOCLINUX notified");
	CHECK(notified_outcome(&c, SYS_ioctl, fd, TCGETS) == ENOTTY,
	      "TCGETS decided by the filter");
	CHECK(notified_outcome(&c, SYS_ioctl, fd, TIOCSTI + 1) == ENOTTY, "TIOCSTI+1 not notified");
	CHECK(notified_outcome(&c, SYS_ioctl, fd, TIOCSTI ^ 0x80000000u) == ENOTTY,
	      "TIOCSTI with bit 31 flipped not notified");
	CHECK(notified_outcome(&c, SYS_close, 0x100000001ULL, 0) == ENOSYS, "close(1) notified");
	CHECK(notified_outcome(&c, SYS_close, 99, 0) == EBADF, "close(99) decided by the filter");
	CHECK(notified_outcome(&c, SYS_close, 0x100000063ULL, 0) == EBADF,
	      "close(0x100000063) decided by the filter (fd 99)");
	CHECK(notified_outcome(&c, SYS_dup2, 2, 1) == ENOSYS, "dup2(2, 1) notified");
	CHECK(notified_outcome(&c, SYS_dup2, 2, 42) == 0, "dup2(2, 42) decided by the filter");
	/* a refusal of the profile (its default) is notified too */
	CHECK(notified_outcome(&c, SYS_getppid, 0, 0) == ENOSYS, "profile refusal notified");
	/* the profile's verdict is not an outright allow: the syscall goes to the supervisor whole
	 */
	c.seccomp.rules[0].nconds = 1;
	c.seccomp.rules[0].conds[0] =
	    (struct lm_cond){.arg = 0, .op = LM_CMP_EQ, .value = (uint64_t)fd};
	CHECK(notified_outcome(&c, SYS_ioctl, fd, TCGETS) == ENOSYS,
	      "conditional profile rule: ioctl notified whole");
	close(fd);
	lm_config_free(&c);
}

static void test_report(void)
{
	struct lm_config c;
	strict_like(&c);
	struct lm_rule *r = rule(&c, LM_ACT_ERRNO, EACCES, "getpriority", 7);
	cond(r, 0, LM_CMP_EQ, 0);
	rule(&c, LM_ACT_ALLOW, 0, "unshare", 8);
	c.report = true;
	struct report_run run;
	report_case(&c, do_report_steps, &run);
	CHECK(run.outcome == 159, "report: exit 159 (got %d)", run.outcome);
	CHECK(strstr(run.log, "refused pid ") &&
		  strstr(run.log, "at getpriority(0, 0) with EACCES: rule unit.profile:7"),
	      "report: errno rule line:\n%s", run.log);
	CHECK(strstr(run.log,
		     "at unshare(CLONE_NEWUSER) with EPERM: built-in rule no-userns-unshare"),
	      "report: built-in line:\n%s", run.log);
	CHECK(strstr(run.log, "killed pid ") &&
		  strstr(run.log,
			 " at dup2(2, 42): not allowed by unit (default action kill-process)"),
	      "report: kill line:\n%s", run.log);
	CHECK(!strstr(run.log, "dup2(1, 2)"), "report: the allowed dup2(1, 2) is not reported");

	report_case(&c, do_report_ignore_sigsys, &run);
	CHECK(run.outcome == 159, "report: SIGSYS ignored -> SIGKILL, still 159 (got %d)",
	      run.outcome);
	CHECK(run.st.killed, "report: state records the kill");
	lm_config_free(&c);
}

/* ---- the filters built into lamina --------------------------------------------------------- */

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[300];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "writing %s", path);
}

/* lamina run loads a profile's settings and seccomp lines (lm_profile_load_settings), looks its
 * filter up by those lines and the switches in the table built into lamina, and parses the rules
 * only when it must compile or name them (lm_seccomp_needs_rules, lm_profile_load_rules).  The
 * table here is the test's own: its entry for p.profile's lines carries programs compiled from
 * another policy (getppid EACCES instead of EPERM), so the outcome says which programs ran. */
static void test_builtin_table(void)
{
	static struct sock_filter insns[2][BPF_MAXINSNS];
	static char switches[64];
	char dir[] = "/tmp/lamina-unit-table-XXXXXX", p[300], cmd[400];
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	write_text(dir, "p.profile", "default allow\nerrno(EPERM) getppid\nkill-process ptrace\n");
	write_text(dir, "marked.profile",
		   "default allow\nerrno(EACCES) getppid\nkill-process ptrace\n");
	write_text(dir, "user.profile",
		   "# a user's profile: p's rules, settings of its own\ninclude ./p.profile\n"
		   "rlimit nofile=64\nhostname user\n");
	write_text(dir, "edited.profile",
		   "default allow\nerrno(EPERM) getppid\nerrno(ENOTTY) ptrace\n");
	struct lm_err e = {0};
	struct lm_config m, c;

	/* the entry: p.profile's lines and switches, marked.profile's programs */
	lm_config_init(&m);
	snprintf(p, sizeof p, "%s/marked.profile", dir);
	CHECK(lm_profile_load(p, &m, &e) == 0 && lm_seccomp_prepare(&m, &e) == 0,
	      "compiling marked.profile: %s", e.msg);
	struct lm_builtin_bpf entry = {.switches = switches, .nprogs = 0};
	for (unsigned i = 0; i < 2; i++) {
		const struct sock_filter *f;
		unsigned short n;
		lm_seccomp_prepared_prog(i, &f, &n);
		if (!f)
			break;
		memcpy(insns[i], f, n * sizeof *f);
		entry.insns[i] = insns[i];
		entry.len[i] = n;
		entry.nprogs++;
	}
	lm_seccomp_release();
	lm_config_free(&m);
	lm_config_init(&c);
	snprintf(p, sizeof p, "%s/p.profile", dir);
	CHECK(lm_profile_load_settings(p, &c, &e) == 0 && c.seccomp.rules_pending,
	      "settings load: %s", e.msg);
	lm_seccomp_switches(&c, switches, sizeof switches);
	char *text = malloc(c.seccomp.text_len + 1);
	if (!text)
		abort();
	memcpy(text, c.seccomp.text, c.seccomp.text_len);
	entry.text = text;
	entry.text_len = c.seccomp.text_len;
	const struct lm_builtin_bpf *table[] = {&entry};
	lm_seccomp_use_builtin(table, 1);

	CHECK(entry.nprogs == 1 && !lm_seccomp_needs_rules(&c),
	      "p.profile's lines are in the table: its rules are not needed");
	CHECK(lm_seccomp_prepare(&c, &e) == 0 && lm_seccomp_prepared_builtin() &&
		  c.seccomp.rules_pending && c.seccomp.nrules == 0,
	      "prepare takes the table's programs, the rules never parsed: %s", e.msg);
	CHECK(call_outcome(&c, SYS_getppid, 0, 0, 0) == EACCES, "the table's programs are loaded");
	CHECK(call_outcome(&c, SYS_ptrace, 0, 0, 0) == SIG(SIGSYS), "the table's kill applies");
	CHECK(call_outcome(&c, SYS_getpid, 0, 0, 0) == 0, "twin: the default allows getpid");
	lm_seccomp_release();

	/* report mode names the rule: the rules are needed, and without them prepare refuses */
	c.report = true;
	CHECK(lm_seccomp_needs_rules(&c), "report mode needs the rules");
	CHECK(lm_seccomp_prepare(&c, &e) < 0 && strstr(e.msg, "rules are not loaded"),
	      "report mode without the rules fails closed: %s", e.msg);
	c.report = false;

	/* LAMINA_NO_BUILTIN_FILTER=1: the table is not used; the rules are needed, then compiled */
	setenv("LAMINA_NO_BUILTIN_FILTER", "1", 1);
	CHECK(lm_seccomp_needs_rules(&c), "LAMINA_NO_BUILTIN_FILTER=1: the rules are needed");
	CHECK(lm_seccomp_prepare(&c, &e) < 0 && strstr(e.msg, "rules are not loaded"),
	      "a compile without the rules fails closed: %s", e.msg);
	/* nothing prepared and the rules pending: apply compiles, and must refuse */
	CHECK(call_outcome(&c, SYS_getpid, 0, 0, 0) == 200,
	      "a filter without the rules is never compiled");
	CHECK(lm_profile_load_rules(&c, &e) == 0 && !c.seccomp.rules_pending &&
		  c.seccomp.nrules == 2,
	      "the rules parsed (%zu): %s", c.seccomp.nrules, e.msg);
	CHECK(lm_seccomp_prepare(&c, &e) == 0 && !lm_seccomp_prepared_builtin(), "compiled: %s",
	      e.msg);
	CHECK(call_outcome(&c, SYS_getppid, 0, 0, 0) == EPERM, "the profile's own rule applies");
	lm_seccomp_release();
	unsetenv("LAMINA_NO_BUILTIN_FILTER");
	lm_config_free(&c);

	/* a profile that includes p.profile and adds only settings and comments: the same entry */
	lm_config_init(&c);
	snprintf(p, sizeof p, "%s/user.profile", dir);
	CHECK(lm_profile_load_settings(p, &c, &e) == 0 && !lm_seccomp_needs_rules(&c) &&
		  lm_seccomp_prepare(&c, &e) == 0 && lm_seccomp_prepared_builtin(),
	      "user.profile: the table's entry: %s", e.msg);
	CHECK(call_outcome(&c, SYS_getppid, 0, 0, 0) == EACCES,
	      "user.profile: the table's programs are loaded");
	lm_seccomp_release();
	/* another switch (LAMINA_SECCOMP_SHRINK=0): another filter, not in the table */
	setenv("LAMINA_SECCOMP_SHRINK", "0", 1);
	CHECK(lm_seccomp_needs_rules(&c), "another switch: not in the table");
	unsetenv("LAMINA_SECCOMP_SHRINK");
	lm_config_free(&c);

	/* twin: one rule changed is not in the table: parsed and compiled, and it applies */
	lm_config_init(&c);
	snprintf(p, sizeof p, "%s/edited.profile", dir);
	CHECK(lm_profile_load_settings(p, &c, &e) == 0 && lm_seccomp_needs_rules(&c),
	      "edited.profile: not in the table: %s", e.msg);
	CHECK(lm_profile_load_rules(&c, &e) == 0 && lm_seccomp_prepare(&c, &e) == 0 &&
		  !lm_seccomp_prepared_builtin(),
	      "edited.profile compiled: %s", e.msg);
	CHECK(call_outcome(&c, SYS_ptrace, 0, 0, 0) == ENOTTY, "edited.profile: its rule applies");
	CHECK(call_outcome(&c, SYS_getppid, 0, 0, 0) == EPERM,
	      "edited.profile: its other rule too");
	lm_seccomp_release();
	lm_config_free(&c);

	lm_seccomp_use_builtin(NULL, 0);
	free(text);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup");
}

/* ---- bpfshrink ------------------------------------------------------------------------------ */

/* libseccomp's program for a small policy: default allow; getppid EPERM; ptrace killed; ioctl
 * TIOCSTI EPERM (a condition on a1); i386 too when both_arches. */
static int export_small(bool both_arches, struct sock_filter **insns, unsigned short *len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -1;
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (both_arches && rc == 0)
		rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(getppid), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, TIOCSTI));
	char path[] = "/tmp/lamina-unit-bpf-XXXXXX";
	int fd = rc == 0 ? mkstemp(path) : -1;
	if (fd >= 0) {
		unlink(path);
		rc = seccomp_export_bpf(ctx, fd);
	}
	seccomp_release(ctx);
	if (fd < 0 || rc < 0)
		return -1;
	off_t size = lseek(fd, 0, SEEK_END);
	*insns = malloc((size_t)size);
	*len = (unsigned short)(size / 8);
	rc = *insns && pread(fd, *insns, (size_t)size, 0) == size ? 0 : -1;
	close(fd);
	return rc;
}

/* The decision prog makes on a call, seen in the kernel but without the call running: a child
 * first loads a base filter that refuses everything with ENOTSUP but seccomp and exit, then
 * prog.  The kernel applies the most severe of the two decisions, and of two errnos the newer
 * filter's: prog's errno or kill shows as itself, prog's allow as ENOTSUP (the base refuses the
 * call, so an allowed call with arguments 0 never runs on the host). */
static int decision_of(const struct sock_filter *prog, unsigned short len, long nr, uint64_t a0,
		       uint64_t a1)
{
	static const struct sock_filter base[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 3, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 2, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTSUP),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_fprog b = {.len = sizeof base / sizeof base[0],
				       .filter = (struct sock_filter *)base};
		struct sock_fprog fp = {.len = len, .filter = (struct sock_filter *)prog};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &b) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
			_exit(200);
		raw_exit(err_of(syscall(nr, a0, a1, 0, 0, 0, 0)));
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFSIGNALED(st) ? SIG(WTERMSIG(st)) : WEXITSTATUS(st);
}

/* The kernel's test for its per-call cache (kernel/seccomp.c, seccomp_is_const_allow): does
 * prog allow call nr of x86_64 whatever the arguments, following only loads of the number and
 * the architecture, constant jumps, AND with a constant and constant returns?  A call it
 * answers yes for never runs the filter again in that task. */
static bool kernel_const_allow(const struct sock_filter *prog, unsigned short len, uint32_t nr)
{
	uint32_t a = 0;
	for (unsigned pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog[pc];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k == offsetof(struct seccomp_data, nr))
				a = nr;
			else if (f->k == offsetof(struct seccomp_data, arch))
				a = AUDIT_ARCH_X86_64;
			else
				return false;
			break;
		case BPF_RET | BPF_K:
			return f->k == SECCOMP_RET_ALLOW;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		default:
			return false;
		}
	}
	return false;
}

static void test_bpf_shrink(void)
{
	struct sock_filter *p = NULL, *q = NULL;
	unsigned short pl = 0, ql = 0;
	CHECK(export_small(false, &p, &pl) == 0, "libseccomp export");
	if (!p)
		return;
	/* on a program this small the bitmaps (about 100 instructions) cost more than they save */
	CHECK(lm_bpf_shrink(p, pl, &q, &ql) < 0 && !q, "a %u-instruction program is kept", pl);
	free(p);

	/* The default profile's program: the shrunk one is smaller and decides alike, in the
	 * kernel (the emulator's own check is inside lm_bpf_shrink).  The calls decided by their
	 * arguments (clone, socket, the mode tests of no-setuid...) keep their trees, so the
	 * bitmaps save about a third of it. */
	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	setenv("LAMINA_SECCOMP_SHRINK", "0", 1);
	CHECK(lm_profile_load("default", &c, &e) == 0 && lm_seccomp_prepare(&c, &e) == 0,
	      "default profile, unshrunk: %s", e.msg);
	unsetenv("LAMINA_SECCOMP_SHRINK");
	const struct sock_filter *full = NULL;
	unsigned short fl = 0;
	lm_seccomp_prepared_prog(0, &full, &fl);
	CHECK(full && fl > 400, "libseccomp's default program: %u instructions", fl);
	if (full && lm_bpf_shrink(full, fl, &q, &ql) == 0) {
		CHECK(ql < fl * 2 / 3, "shrunk: %u -> %u instructions", fl, ql);
		CHECK(decision_of(q, ql, SYS_getpid, 0, 0) == ENOTSUP, "shrunk: getpid allowed");
		CHECK(decision_of(q, ql, SYS_mount, 0, 0) == EPERM, "shrunk: mount EPERM");
		CHECK(decision_of(q, ql, SYS_ptrace, 0, 0) == EPERM, "shrunk: ptrace EPERM");
		CHECK(decision_of(q, ql, SYS_iopl, 3, 0) == SIG(SIGSYS), "shrunk: iopl killed");
		/* and every call number below 460 decided as the full program decides it */
		int differ = 0;
		for (long nr = 0; nr < 460 && differ < 3; nr++) {
			if (nr == SYS_exit || nr == SYS_exit_group || nr == SYS_seccomp)
				continue; /* the base filter lets these run */
			int a = decision_of(full, fl, nr, 0, 0), b = decision_of(q, ql, nr, 0, 0);
			if (a != b) {
				differ++;
				CHECK(0, "call %ld: full program %d, shrunk %d", nr, a, b);
			}
		}
		CHECK(differ == 0, "every call number 0..459 (arguments 0) decided alike");
		unsigned cached_full = 0, cached_small = 0;
		for (uint32_t nr = 0; nr < 512; nr++) {
			cached_full += kernel_const_allow(full, fl, nr);
			cached_small +=
			    kernel_const_allow(q, ql, nr) && kernel_const_allow(full, fl, nr);
		}
		CHECK(cached_full > 250 && cached_small == cached_full,
		      "the kernel's per-call cache keeps every always-allowed call: %u of %u",
		      cached_small, cached_full);
		CHECK(decision_of(q, ql, SYS_ioctl, 0, TIOCSTI) == EPERM,
		      "shrunk: ioctl TIOCSTI refused (a condition, decided by the pruned part)");
		CHECK(decision_of(q, ql, SYS_ioctl, 99, TCGETS) == ENOTSUP,
		      "twin: ioctl TCGETS allowed");
		CHECK(decision_of(q, ql, SYS_unshare, CLONE_NEWUSER, 0) == EPERM,
		      "shrunk: unshare(CLONE_NEWUSER) refused");
		CHECK(decision_of(q, ql, 0x40000000 + SYS_getpid, 0, 0) == SIG(SIGSYS),
		      "shrunk: an x32 number is killed, past the bitmaps");
		CHECK(decision_of(q, ql, 1000, 0, 0) == ENOSYS,
		      "shrunk: a number past the table gets the default, ENOSYS");
		free(q);
		q = NULL;
	} else {
		CHECK(0, "the default profile's program shrinks");
	}
	lm_seccomp_release();
	lm_config_free(&c);

	/* two architectures (i386 on): kept as it is */
	CHECK(export_small(true, &p, &pl) == 0, "libseccomp export, two arches");
	if (p) {
		CHECK(lm_bpf_shrink(p, pl, &q, &ql) < 0 && !q,
		      "a two-architecture program is kept");
		free(p);
	}
	/* an instruction the emulator does not model (a 16-bit load): kept */
	struct sock_filter odd[] = {
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	CHECK(lm_bpf_shrink(odd, 2, &q, &ql) < 0 && !q, "an unknown instruction: kept");
}

/* The hazard the stacked filters avoid, shown on libseccomp itself: in ONE filter an
 * unconditional allow swallows a conditional errno on the same syscall. */
static void test_libseccomp_precedence_hazard(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r1 = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
				  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	int r2 = seccomp_rule_add(ctx, SCMP_ACT_LOG, SCMP_SYS(unshare), 0);
	CHECK(r1 == 0 && r2 == 0, "rules added");
	fflush(NULL);
	pid_t p = fork();
	if (p == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (seccomp_load(ctx) < 0)
			_exit(200);
		raw_exit(syscall(SYS_unshare, CLONE_NEWUSER) < 0 ? errno : 0);
	}
	int st;
	waitpid(p, &st, 0);
	CHECK(
	    WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "single libseccomp filter: the conditional errno is lost (why lamina stacks filters)");
	seccomp_release(ctx);
}

/* Whether the policy compiles to one filter (the built-in rules folded into the profile's):
 * the pseudo-filter code says so in its title. */
static bool folded(const struct lm_config *c)
{
	struct lm_err e = {0};
	int fd = memfd_create("pfc", MFD_CLOEXEC);
	if (fd < 0 || lm_seccomp_export_pfc(c, fd, &e) < 0)
		abort();
	char buf[256] = {0};
	if (pread(fd, buf, sizeof buf - 1, 0) < 0)
		abort();
	close(fd);
	return strstr(buf, "one filter:") != NULL;
}

/* One filter instead of two, when the built-in rules can be decided in the profile's filter
 * (seccomp.c, "one filter instead of two"): the same outcome as the two stacked filters. */
static void test_fold(void)
{
	struct lm_config c;
	/* the profile allows the inspected calls outright: the built-in values are split out */
	cfg_init(&c, LM_ACT_ALLOW, 0);
	c.seccomp.stdfd = true;
	c.seccomp.allow_dup2_1_2 = true;
	CHECK(folded(&c), "allow-all profile + std-fd: one filter");
	CHECK(call_outcome(&c, SYS_close, 1, 0, 0) == SIG(SIGSYS), "folded: close(1) killed");
	CHECK(call_outcome(&c, SYS_close, 0x100000002ULL, 0, 0) == SIG(SIGSYS),
	      "folded: close(0x100000002) killed (32-bit fd)");
	CHECK(call_outcome(&c, SYS_close, 100, 0, 0) == EBADF,
	      "twin: folded close(100) reaches the kernel");
	CHECK(call_outcome(&c, SYS_close, 0x100000064ULL, 0, 0) == EBADF,
	      "twin: folded close(0x100000064) reaches the kernel");
	CHECK(call_outcome(&c, SYS_dup2, 2, 2, 0) == SIG(SIGSYS), "folded: dup2(2, 2) killed");
	CHECK(call_outcome(&c, SYS_dup2, 0x100000001ULL, 2, 0) == SIG(SIGSYS),
	      "folded: dup2(0x100000001, 2) killed (the exception is exact)");
	CHECK(call_outcome(&c, SYS_dup2, 1, 2, 0) == 0, "twin: folded dup2(1, 2) allowed");
	CHECK(call_outcome(&c, SYS_dup2, 2, 42, 0) == 0, "twin: folded dup2(2, 42) allowed");
	CHECK(call_outcome(&c, SYS_ioctl, 0, 0x100005412ULL, 0) == EPERM,
	      "folded: ioctl TIOCSTI through the high bits EPERM");
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWUSER, 0, 0) == EPERM,
	      "folded: unshare(NEWUSER) EPERM");
	CHECK(call_outcome(&c, SYS_unshare, 0, 0, 0) == 0, "twin: folded unshare(0) allowed");
	CHECK(call_outcome(&c, SYS_clone3, 0, 0, 0) == ENOSYS, "folded: clone3 ENOSYS");
	/* an unconditional profile verdict that is not allow: the stricter one per value */
	rule(&c, LM_ACT_ERRNO, EACCES, "close", 1);
	CHECK(folded(&c), "unconditional errno on close: still one filter");
	CHECK(call_outcome(&c, SYS_close, 1, 0, 0) == SIG(SIGSYS), "folded: close(1) still killed");
	CHECK(call_outcome(&c, SYS_close, 100, 0, 0) == EACCES,
	      "folded: close(100) gets the profile's errno");
	lm_config_free(&c);

	/* conditional profile rules that contain the built-in one, stricter: implied */
	cfg_init(&c, LM_ACT_ALLOW, 0);
	struct lm_rule *r = rule(&c, LM_ACT_KILL_PROCESS, 0, "unshare", 1);
	r->conds[r->nconds++] = (struct lm_cond){
	    .arg = 0, .op = LM_CMP_MASKED_EQ, .mask = CLONE_NEWUSER, .value = CLONE_NEWUSER};
	r = rule(&c, LM_ACT_ALLOW, 0, "unshare", 2);
	r->conds[r->nconds++] =
	    (struct lm_cond){.arg = 0, .op = LM_CMP_MASKED_EQ, .mask = CLONE_NEWUSER, .value = 0};
	CHECK(folded(&c), "profile rule implying the built-in one: one filter");
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWUSER, 0, 0) == SIG(SIGSYS),
	      "implied: the profile's stricter kill applies");
	CHECK(call_outcome(&c, SYS_unshare, 0, 0, 0) == 0, "twin: implied unshare(0) allowed");
	lm_config_free(&c);

	/* conditional profile rules that do not contain it: two filters, same outcome */
	cfg_init(&c, LM_ACT_ALLOW, 0);
	r = rule(&c, LM_ACT_ALLOW, 0, "unshare", 1);
	r->conds[r->nconds++] =
	    (struct lm_cond){.arg = 0, .op = LM_CMP_MASKED_EQ, .mask = CLONE_NEWNS, .value = 0};
	r = rule(&c, LM_ACT_ERRNO, EACCES, "unshare", 2);
	r->conds[r->nconds++] = (struct lm_cond){
	    .arg = 0, .op = LM_CMP_MASKED_EQ, .mask = CLONE_NEWNS, .value = CLONE_NEWNS};
	CHECK(!folded(&c), "profile rules not implying the built-in one: two filters");
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWUSER, 0, 0) == EPERM,
	      "two filters: unshare(NEWUSER) EPERM from the built-in filter");
	CHECK(call_outcome(&c, SYS_unshare, CLONE_NEWNS, 0, 0) == EACCES,
	      "twin: the profile's own rule still decides the rest");
	lm_config_free(&c);
}

int main(void)
{
	const char *assume = getenv("LAMINA_TEST_ASSUME_NO_I386");
	int probe = run_case(NULL, do_i386_getpid, NULL);
	i386_entry = probe == 0 && !(assume && !strcmp(assume, "1"));
	test_builtin_userns();
	test_builtin_ioctl_iouring();
	test_stdfd();
	test_fold();
	test_profile();
	test_report();
	test_report_split();
	test_builtin_table();
	test_bpf_shrink();
	test_libseccomp_precedence_hazard();
	/* tests/run-all lists the lines that start with "SKIP: " among the skip reasons */
	if (i386_skipped && probe == 0)
		printf("SKIP: %d i386 checks: no i386 entry on this kernel (assumed: "
		       "LAMINA_TEST_ASSUME_NO_I386=1)\n",
		       i386_skipped);
	else if (i386_skipped)
		printf(
		    "SKIP: %d i386 checks: no i386 entry on this kernel: int $0x80 from a 64-bit "
		    "program %s even without a filter\n",
		    i386_skipped, probe == SIG(SIGSEGV) ? "dies with SIGSEGV" : "fails");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
