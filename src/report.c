/* Seccomp violation reports, the supervisor's side.
 *
 * How the supervisor learns of a violation: SECCOMP_RET_USER_NOTIF.  In report mode (--report,
 * always with -v) the payload's filter turns every refusal (errno, kill-process, kill-thread)
 * into a user notification; the payload loads the filter with lm_seccomp_apply (seccomp_load.c),
 * which leaves the listener fd in the fd table it shares with init, init hands it to the
 * supervisor once the payload has exec'd (init.c), and the supervisor calls lm_report_handle()
 * whenever the listener is readable.  Why this and not the alternatives:
 *  - SECCOMP_RET_TRAP + a SIGSYS handler needs code inside the payload: impossible for a static
 *    binary we do not build, and the payload could replace the handler.
 *  - SECCOMP_RET_LOG / audit needs the host's audit log, which an unprivileged caller cannot
 *    read, and cannot stop the call.
 *  - ptrace would stop the payload on every call and collide with the payload's own tracing.
 *  User notification works unprivileged and for static binaries, costs nothing on allowed calls
 *  (the kernel answers them from the BPF), and the supervisor sees the call BEFORE it runs: an
 *  errno rule is answered with the errno, a kill rule kills the task and answers with an error,
 *  so the forbidden call never runs even if the kill were late.  The cost is a round trip to the
 *  supervisor for each refused call, and for the calls the built-in rules might
 *  concern: only the exact values (TIOCSTI, fds 0-2) when the profile allows the syscall
 *  outright, the whole syscall when the profile's own rule on it has conditions (clone under
 *  `default`; dash forks with vfork, glibc's posix_spawn with clone3 -> clone).  Ordinary
 *  programs (python3, a shell loop of `ls`) cause no notification at all under `default`, so the
 *  cost is that of the refusals.  It stays behind --report (and -v) because the kill-thread
 *  and trap actions can only be approximated by a signal from outside (see below).  Without
 *  report mode the filter uses the real actions (KILL_PROCESS etc.) and the supervisor only
 *  prints a hint when the payload dies of SIGSYS.
 *
 * Which rule: the kernel says only "this call was notified".  The supervisor evaluates the call
 * in user space against the same built-in rules and profile rules the filter was built from,
 * with the same precedence (the built-in rule first, as the stacked filters of normal mode would
 * have it; then the profile's rule; else its default action): see seccomp_internal.h.
 *
 * Kill emulation: kill-process rules are carried out by the supervisor with SIGKILL, always.
 * SIGSYS would look more like SECCOMP_RET_KILL_PROCESS from inside, but whether it kills depends
 * on the disposition at the moment the signal is taken, which another thread of the payload can
 * change after any check the supervisor makes (/proc/PID/status SigCgt is already stale when it
 * is read): a thread toggling a SIGSYS handler would then survive a kill rule.  SIGKILL cannot be
 * caught, blocked or ignored, and the kernel marks the whole thread group for exit while the
 * signal is sent, so no thread returns to user space past the refused call.  The one visible
 * difference: a parent inside the sandbox sees its child die of SIGKILL, not SIGSYS; for the
 * payload itself lm_report_exit_status() turns the 137 into 159, as without report mode.
 * kill-thread is carried out as kill-process (a signal cannot kill one thread only): stricter,
 * never weaker.  */
#include "lamina.h"
#include "policy.h"
#include "seccomp_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "libc-compat.h"

/* Linux 6.6; Debian 12's headers predate it. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

void lm_report_init(struct lm_report_state *st)
{
	memset(st, 0, sizeof *st);
}

/* ---- decoding -------------------------------------------------------------------------- */

struct flagname {
	uint64_t bit;
	const char *name;
};

static const struct flagname clone_flags[] = {
    {CLONE_NEWUSER, "CLONE_NEWUSER"},
    {CLONE_NEWNS, "CLONE_NEWNS"},
    {CLONE_NEWPID, "CLONE_NEWPID"},
    {CLONE_NEWNET, "CLONE_NEWNET"},
    {CLONE_NEWIPC, "CLONE_NEWIPC"},
    {CLONE_NEWUTS, "CLONE_NEWUTS"},
    {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
    {CLONE_NEWTIME, "CLONE_NEWTIME"},
    {CLONE_VM, "CLONE_VM"},
    {CLONE_FS, "CLONE_FS"},
    {CLONE_FILES, "CLONE_FILES"},
    {CLONE_SIGHAND, "CLONE_SIGHAND"},
    {CLONE_THREAD, "CLONE_THREAD"},
    {0, NULL},
};

/* Number of arguments worth printing for the common calls (-1: unknown, print up to the last
 * non-zero one). */
static int nargs_of(const char *name)
{
	static const struct {
		const char *name;
		int n;
	} t[] = {
	    {"close", 1},	   {"dup", 1},		{"dup2", 2},
	    {"dup3", 3},	   {"close_range", 3},	{"read", 3},
	    {"write", 3},	   {"ioctl", 3},	{"unshare", 1},
	    {"clone", 5},	   {"clone3", 2},	{"mount", 5},
	    {"umount2", 2},	   {"socket", 3},	{"ptrace", 4},
	    {"kill", 2},	   {"getpid", 0},	{"getppid", 0},
	    {"open", 3},	   {"openat", 4},	{"execve", 3},
	    {"setns", 2},	   {"chroot", 1},	{"pivot_root", 2},
	    {"io_uring_setup", 2}, {"bpf", 3},		{"keyctl", 5},
	    {"personality", 1},	   {"reboot", 4},	{"mkdir", 2},
	    {"unlink", 1},	   {"exit_group", 1},	{"getpriority", 2},
	    {"setpriority", 3},	   {"readlink", 3},	{"readlinkat", 4},
	    {"fchmod", 2},	   {"chmod", 2},	{"getuid", 0},
	    {"sync", 0},	   {"uname", 1},	{"exit", 1},
	    {"fork", 0},	   {"vfork", 0},	{"pipe2", 2},
	    {"acct", 1},	   {"swapon", 2},	{"swapoff", 1},
	    {"init_module", 3},	   {"finit_module", 3}, {"perf_event_open", 5},
	    {"userfaultfd", 1},	   {"kexec_load", 4},	{"syslog", 3},
	    {"iopl", 1},	   {"ioperm", 3},	{"settimeofday", 2},
	    {"clock_settime", 2},  {"sethostname", 2},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].n;
	return -1;
}

static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	if (*len >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf + *len, n - *len, fmt, ap);
	va_end(ap);
	if (r > 0)
		*len = *len + (size_t)r < n ? *len + (size_t)r : n - 1;
}

static void fmt_number(char *buf, size_t n, size_t *len, uint64_t v)
{
	if (v < 0x10000)
		append(buf, n, len, "%llu", (unsigned long long)v);
	else if (v >= 0xffffffffffff0000ULL)
		append(buf, n, len, "%lld", (long long)v);
	else
		append(buf, n, len, "%#llx", (unsigned long long)v);
}

static void fmt_flags(char *buf, size_t n, size_t *len, uint64_t v, const struct flagname *f)
{
	bool any = false;
	for (; f->name; f++) {
		if ((v & f->bit) == f->bit) {
			append(buf, n, len, "%s%s", any ? "|" : "", f->name);
			v &= ~f->bit;
			any = true;
		}
	}
	if (v || !any) {
		if (any)
			append(buf, n, len, "|");
		fmt_number(buf, n, len, v);
	}
}

static void fmt_call(char *buf, size_t n, const char *name, uint32_t arch, const uint64_t a0[6])
{
	uint64_t args[6];
	for (int i = 0; i < 6; i++)
		args[i] = arch == SCMP_ARCH_X86 ? (a0[i] & 0xffffffffULL) : a0[i];
	size_t len = 0;
	buf[0] = '\0';
	int na = nargs_of(name);
	if (na < 0) {
		na = 0;
		for (int i = 0; i < 6; i++)
			if (args[i])
				na = i + 1;
	}
	append(buf, n, &len, "%s%s(", arch == SCMP_ARCH_X86 ? "i386 " : "", name);
	for (int i = 0; i < na; i++) {
		if (i)
			append(buf, n, &len, ", ");
		bool flags = (strcmp(name, "unshare") == 0 || strcmp(name, "clone") == 0) && i == 0;
		if (flags) {
			fmt_flags(buf, n, &len, args[i], clone_flags);
		} else if (strcmp(name, "ioctl") == 0 && i == 1 &&
			   ((args[i] & 0xffffffffULL) == TIOCSTI ||
			    (args[i] & 0xffffffffULL) == TIOCLINUX)) {
			if (args[i] >> 32)
				append(buf, n, &len, "%#llx /* %s */", (unsigned long long)args[i],
				       (args[i] & 0xffffffffULL) == TIOCSTI ? "TIOCSTI"
									    : "TIOCLINUX");
			else
				append(buf, n, &len, "%s",
				       args[i] == TIOCSTI ? "TIOCSTI" : "TIOCLINUX");
		} else {
			fmt_number(buf, n, &len, args[i]);
		}
	}
	append(buf, n, &len, ")");
}

/* ---- the target task ------------------------------------------------------------------- */

struct task_info {
	pid_t tgid;
	long nspid; /* pid inside the sandbox (last NSpid field) */
};

static void read_task(pid_t tid, struct task_info *t)
{
	memset(t, 0, sizeof *t);
	t->tgid = tid;
	t->nspid = tid;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Tgid:", 5) == 0) {
			t->tgid = (pid_t)strtol(line + 5, NULL, 10);
		} else if (strncmp(line, "NSpid:", 6) == 0) {
			char *p = line + 6, *end;
			for (;;) {
				long v = strtol(p, &end, 10);
				if (end == p)
					break;
				t->nspid = v;
				p = end;
			}
		}
	}
	fclose(f);
}

static int notif_sizes(struct seccomp_notif_sizes *sz)
{
	static struct seccomp_notif_sizes cached;
	static bool have;
	if (!have) {
		if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &cached) < 0)
			return -1;
		have = true;
	}
	*sz = cached;
	return 0;
}

static int respond(int listener, uint64_t id, int error, bool cont)
{
	struct seccomp_notif_sizes sz;
	if (notif_sizes(&sz) < 0)
		return -1;
	size_t size = sz.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
			  ? sz.seccomp_notif_resp
			  : sizeof(struct seccomp_notif_resp);
	struct seccomp_notif_resp *resp = calloc(1, size);
	if (!resp)
		return -1;
	resp->id = id;
	if (cont)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		resp->error = -error;
	int r;
	do
		r = ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
	while (r < 0 && errno == EINTR);
	int saved = errno;
	free(resp);
	errno = saved;
	/* ENOENT: the task is gone or was interrupted (killed): nothing left to answer. */
	return r < 0 && errno != ENOENT ? -1 : 0;
}

static const char *profile_label(const struct lm_config *c)
{
	if (c->seccomp.name)
		return c->seccomp.name;
	if (c->profile_name)
		return c->profile_name;
	return "the profile";
}

int lm_report_handle(int listener, const struct lm_config *c, struct lm_report_state *st)
{
	/* Declared before the first goto: a cleanup variable whose initialisation a goto jumps
	 * over would be closed with an indeterminate value. */
	cleanup_close int pidfd = -1;
	struct seccomp_notif_sizes sz;
	if (notif_sizes(&sz) < 0) {
		fprintf(stderr, "lamina: seccomp: SECCOMP_GET_NOTIF_SIZES: %s\n", strerror(errno));
		return -1;
	}
	/* Ask for synchronous wake-ups (Linux 6.6): the notifying task hands its CPU to the
	 * supervisor instead of waking it on another one.  Best effort: older kernels refuse the
	 * flag, and only the latency differs. */
	static int sync_fd = -1;
	if (sync_fd != listener) {
		sync_fd = listener;
		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
			    (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	}
	size_t size = sz.seccomp_notif > sizeof(struct seccomp_notif)
			  ? sz.seccomp_notif
			  : sizeof(struct seccomp_notif);
	cleanup_free struct seccomp_notif *req = calloc(1, size);
	if (!req)
		return -1;
	int r;
	do
		r = ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		/* ENOENT: the task died (or was interrupted) between the poll and the receive */
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "lamina: seccomp: receiving a notification: %s\n", strerror(errno));
		return -1;
	}
	uint32_t arch = req->data.arch;
	uint64_t args[6];
	for (int i = 0; i < 6; i++)
		args[i] = req->data.args[i];
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(arch, req->data.nr);
	char unknown[32];
	snprintf(unknown, sizeof unknown, "syscall_%d", req->data.nr);
	const char *sname = name ? name : unknown;

	/* The verdict: the built-in rule first (ties go to it, as with the stacked filters),
	 * then the profile's rule, else its default action. */
	const struct lm_builtin *b = lm_builtin_match(c, sname, arch, args);
	struct lm_action pa = {LM_ACT_ALLOW, 0};
	const struct lm_rule *pr = NULL;
	if (c->seccomp.present)
		pr = lm_profile_match(&c->seccomp, sname, arch, args, &pa);
	struct lm_action act = pa;
	if (b && lm_action_rank(b->action.kind) <= lm_action_rank(pa.kind)) {
		act = b->action;
		pr = NULL;
	} else {
		b = NULL;
	}
	bool mismatch = false;
	if ((act.kind == LM_ACT_ALLOW || act.kind == LM_ACT_LOG) && !lm_builtin_touches(c, sname)) {
		/* The filter refused the call but the evaluation allows it: the two disagree (a
		 * profile the evaluation cannot mirror).  Fail closed: the default action if it
		 * refuses, else EPERM. */
		mismatch = true;
		pr = NULL;
		act = c->seccomp.present && lm_action_rank(c->seccomp.default_action.kind) <= 3
			  ? c->seccomp.default_action
			  : (struct lm_action){LM_ACT_ERRNO, EPERM};
	}

	if (act.kind == LM_ACT_ALLOW || act.kind == LM_ACT_LOG) {
		/* A call of a syscall the built-in rules inspect, and allowed: let it run.  Safe
		 * with CONTINUE because the decision read register arguments only. */
		if (respond(listener, req->id, 0, true) < 0)
			goto send_failed;
		return 0;
	}

	struct task_info t;
	read_task((pid_t)req->pid, &t);
	char call[512];
	fmt_call(call, sizeof call, sname, arch, args);
	char why[1200], as[64];
	if (b) {
		snprintf(why, sizeof why, "built-in rule %s (%s)", b->name, b->what);
	} else if (pr) {
		snprintf(why, sizeof why, "rule %s:%u", pr->file ? pr->file : profile_label(c),
			 pr->line);
	} else {
		lm_action_str(&act, as, sizeof as);
		snprintf(why, sizeof why, "not allowed by %s (%sdefault action %s)",
			 profile_label(c), mismatch ? "rule not identified; " : "", as);
	}

	if (act.kind == LM_ACT_NOTIFY) {
		/* A profile's own notify rule: report the call and let it run. */
		fprintf(stderr, "lamina: seccomp: notified pid %ld at %s: %s\n", t.nspid, call,
			why);
		st->count++;
		if (respond(listener, req->id, 0, true) < 0)
			goto send_failed;
		return 0;
	}
	if (act.kind == LM_ACT_ERRNO) {
		if (!(b && b->quiet)) {
			const char *en = strerrorname_np(act.errnum);
			fprintf(stderr, "lamina: seccomp: refused pid %ld at %s with %s: %s\n",
				t.nspid, call, en ? en : "an error", why);
			st->reported = true;
			st->count++;
		}
		if (respond(listener, req->id, act.errnum, false) < 0)
			goto send_failed;
		return 0;
	}

	/* kill-process, kill-thread, trap: the call must never run.  Check the notification is
	 * still valid (the pid could have been reused otherwise), kill, then answer with an error
	 * so that even a late kill leaves the call refused. */
	/* Order (seccomp_unotify(2)): /proc was read above, then a pidfd is taken on the process,
	 * then ID_VALID confirms the notifying task is still the one blocked in this call.  Past
	 * that the pidfd cannot name a recycled pid, so the signal reaches the right process. */
	pidfd = (int)syscall(SYS_pidfd_open, t.tgid, 0);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return 0; /* the task is already gone */
	/* trap: the payload's handler, if any, runs as with a real trap.  kill: SIGKILL, which no
	 * disposition can turn aside (see the top of this file). */
	int sig = act.kind == LM_ACT_TRAP ? SIGSYS : SIGKILL;
	const char *verb = act.kind == LM_ACT_TRAP ? "trapped" : "killed";
	fprintf(stderr, "lamina: seccomp: %s pid %ld at %s: %s\n", verb, t.nspid, call, why);
	st->reported = true;
	st->count++;
	int kr;
	if (act.kind == LM_ACT_TRAP)
		kr = (int)syscall(SYS_tgkill, t.tgid, (pid_t)req->pid, sig);
	else if (pidfd >= 0)
		kr = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kr = kill(t.tgid, sig);
	if (kr < 0 && errno != ESRCH)
		fprintf(stderr, "lamina: seccomp: killing pid %ld: %s\n", t.nspid, strerror(errno));
	if (act.kind != LM_ACT_TRAP) {
		st->killed = true;
		st->kill_signal = SIGSYS;
	}
	if (respond(listener, req->id, act.kind == LM_ACT_TRAP ? ENOSYS : EPERM, false) < 0)
		goto send_failed;
	return 0;

send_failed:
	fprintf(stderr, "lamina: seccomp: answering a notification: %s\n", strerror(errno));
	return -1;
}

int lm_report_exit_status(const struct lm_report_state *st, int wait_status)
{
	int code;
	if (WIFEXITED(wait_status))
		code = WEXITSTATUS(wait_status);
	else if (WIFSIGNALED(wait_status))
		code = 128 + WTERMSIG(wait_status);
	else
		code = LM_EXIT_FAILURE;
	/* We killed the payload with SIGKILL because it had SIGSYS blocked, ignored or caught: it
	 * was a seccomp kill all the same, and the user should see the same 159. */
	if (st && st->killed && code == 128 + SIGKILL)
		code = 128 + (st->kill_signal ? st->kill_signal : SIGSYS);
	return code;
}
