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
#include <poll.h>
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
#include <sys/uio.h>
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

/* The common calls: how many arguments are worth printing, and which of them name a string
 * (bit i: argument i is a pointer to a NUL-terminated string, a path most often). */
struct call_shape {
	const char *name;
	int n;
	unsigned strs;
};

static const struct call_shape shapes[] = {
    {"close", 1, 0},
    {"dup", 1, 0},
    {"dup2", 2, 0},
    {"dup3", 3, 0},
    {"close_range", 3, 0},
    {"read", 3, 0},
    {"write", 3, 0},
    {"ioctl", 3, 0},
    {"unshare", 1, 0},
    {"clone", 5, 0},
    {"clone3", 2, 0},
    {"mount", 5, 0x17}, /* source, target, type, data (a string for most file systems) */
    {"umount2", 2, 0x1},
    {"socket", 3, 0},
    {"ptrace", 4, 0},
    {"kill", 2, 0},
    {"getpid", 0, 0},
    {"getppid", 0, 0},
    {"open", 3, 0x1},
    {"openat", 4, 0x2},
    {"openat2", 4, 0x2},
    {"creat", 2, 0x1},
    {"execve", 3, 0x1},
    {"execveat", 5, 0x2},
    {"setns", 2, 0},
    {"chroot", 1, 0x1},
    {"chdir", 1, 0x1},
    {"pivot_root", 2, 0x3},
    {"io_uring_setup", 2, 0},
    {"bpf", 3, 0},
    {"keyctl", 5, 0},
    {"add_key", 5, 0x3},
    {"request_key", 4, 0x7},
    {"personality", 1, 0},
    {"reboot", 4, 0},
    {"mkdir", 2, 0x1},
    {"mkdirat", 3, 0x2},
    {"mknod", 3, 0x1},
    {"mknodat", 4, 0x2},
    {"rmdir", 1, 0x1},
    {"unlink", 1, 0x1},
    {"unlinkat", 3, 0x2},
    {"rename", 2, 0x3},
    {"renameat", 4, 0xa},
    {"renameat2", 5, 0xa},
    {"link", 2, 0x3},
    {"linkat", 5, 0xa},
    {"symlink", 2, 0x3},
    {"symlinkat", 3, 0x5},
    {"readlink", 3, 0x1},
    {"readlinkat", 4, 0x2},
    {"access", 2, 0x1},
    {"faccessat", 3, 0x2},
    {"faccessat2", 4, 0x2},
    {"truncate", 2, 0x1},
    {"fchmod", 2, 0},
    {"chmod", 2, 0x1},
    {"fchmodat", 3, 0x2},
    {"chown", 3, 0x1},
    {"lchown", 3, 0x1},
    {"fchownat", 5, 0x2},
    {"setxattr", 5, 0x3},
    {"lsetxattr", 5, 0x3},
    {"open_tree", 3, 0x2},
    {"move_mount", 5, 0xa},
    {"fsopen", 2, 0x1},
    {"fspick", 3, 0x2},
    {"mount_setattr", 5, 0x2},
    {"exit_group", 1, 0},
    {"getpriority", 2, 0},
    {"setpriority", 3, 0},
    {"getuid", 0, 0},
    {"sync", 0, 0},
    {"uname", 1, 0},
    {"exit", 1, 0},
    {"fork", 0, 0},
    {"vfork", 0, 0},
    {"pipe2", 2, 0},
    {"acct", 1, 0x1},
    {"swapon", 2, 0x1},
    {"swapoff", 1, 0x1},
    {"init_module", 3, 0x4},
    {"finit_module", 3, 0x2},
    {"delete_module", 2, 0x1},
    {"uselib", 1, 0x1},
    {"memfd_create", 2, 0x1},
    {"perf_event_open", 5, 0},
    {"userfaultfd", 1, 0},
    {"kexec_load", 4, 0},
    {"syslog", 3, 0},
    {"iopl", 1, 0},
    {"ioperm", 3, 0},
    {"settimeofday", 2, 0},
    {"clock_settime", 2, 0},
    {"sethostname", 2, 0},
};

static const struct call_shape *shape_of(const char *name)
{
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		if (strcmp(shapes[i].name, name) == 0)
			return &shapes[i];
	return NULL;
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

/* ---- the strings a call's pointer arguments name ---------------------------------------- */

/* Read from the payload's memory at most this much of each string. */
#define STR_MAX 128
/* How long the reader may take: a page of the payload's can be backed by something that answers
 * slowly or never (a FUSE file, a userfaultfd region the payload registered). */
#define STR_READ_MS 200

struct str_args {
	unsigned mask;		    /* the arguments read */
	unsigned short len[6];	    /* bytes before the NUL, or read */
	unsigned char truncated[6]; /* no NUL within STR_MAX or before unreadable memory */
	char s[6][STR_MAX];
};

/* One string from the payload's memory, page by page (a string may end just before an unmapped
 * page).  0, or -1 when not one byte could be read. */
static int read_remote_str(pid_t tid, uint64_t addr, char *out, unsigned short *len,
			   unsigned char *truncated)
{
	size_t got = 0;
	while (got < STR_MAX) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (size_t)(at & 4095);
		if (chunk > STR_MAX - got)
			chunk = STR_MAX - got;
		struct iovec local = {.iov_base = out + got, .iov_len = chunk};
		struct iovec remote = {.iov_base = (void *)(uintptr_t)at, .iov_len = chunk};
		ssize_t r = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (r <= 0)
			break;
		const char *nul = memchr(out + got, '\0', (size_t)r);
		if (nul) {
			*len = (unsigned short)(nul - out);
			*truncated = 0;
			return 0;
		}
		got += (size_t)r;
		if ((size_t)r < chunk)
			break;
	}
	*len = (unsigned short)got;
	*truncated = 1;
	return got ? 0 : -1;
}

/* The strings the arguments in want name, read from task tid as it is blocked in the call.  The
 * reads happen in a child process that is killed if it takes longer than STR_READ_MS: a read
 * that faults on a page served by the payload's side (FUSE, userfaultfd) could otherwise hold
 * the supervisor, and with it the payload's timeout.  What could not be read is left out of
 * sa->mask (printed as <pointer>).  The reads are for the report only: no decision depends on
 * them, so another thread changing the memory meanwhile changes the text, nothing else. */
static void read_strings(pid_t tid, const uint64_t args[6], unsigned want, struct str_args *sa)
{
	memset(sa, 0, sizeof *sa);
	for (int i = 0; i < 6; i++)
		if (!args[i])
			want &= ~(1U << i);
	if (!want)
		return;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		struct str_args r = {0};
		for (int i = 0; i < 6; i++)
			if ((want & (1U << i)) &&
			    read_remote_str(tid, args[i], r.s[i], &r.len[i], &r.truncated[i]) == 0)
				r.mask |= 1U << i;
		/* one write, smaller than PIPE_BUF: all of it or nothing */
		_exit(write(p[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
	}
	close(p[1]);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	int pr;
	do
		pr = poll(&pf, 1, STR_READ_MS);
	while (pr < 0 && errno == EINTR);
	struct str_args r;
	if (pr > 0 && read(p[0], &r, sizeof r) == (ssize_t)sizeof r)
		*sa = r;
	else
		kill(pid, SIGKILL);
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* A string for the report: in double quotes, every byte that is not printable ASCII escaped,
 * "..." after the quotes when it went on beyond what was read. */
static void fmt_string(char *buf, size_t n, size_t *len, const char *s, unsigned short l,
		       bool truncated)
{
	append(buf, n, len, "\"");
	for (unsigned short i = 0; i < l; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			append(buf, n, len, "\\%c", ch);
		else if (ch == '\n')
			append(buf, n, len, "\\n");
		else if (ch == '\t')
			append(buf, n, len, "\\t");
		else if (ch < 0x20 || ch >= 0x7f)
			append(buf, n, len, "\\x%02x", ch);
		else
			append(buf, n, len, "%c", ch);
	}
	append(buf, n, len, "\"%s", truncated ? "..." : "");
}

/* name(args): flags and ioctl requests by name, strings (where sa has them) quoted, other
 * string arguments <pointer>, numbers as numbers. */
static void fmt_call(char *buf, size_t n, const char *name, uint32_t arch, const uint64_t a0[6],
		     const struct str_args *sa)
{
	uint64_t args[6];
	for (int i = 0; i < 6; i++)
		args[i] = arch == SCMP_ARCH_X86 ? (a0[i] & 0xffffffffULL) : a0[i];
	size_t len = 0;
	buf[0] = '\0';
	const struct call_shape *shape = shape_of(name);
	int na = shape ? shape->n : -1;
	unsigned strs = shape ? shape->strs : 0;
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
		} else if ((strs & (1U << i)) && args[i]) {
			if (sa && (sa->mask & (1U << i)))
				fmt_string(buf, n, &len, sa->s[i], sa->len[i], sa->truncated[i]);
			else
				append(buf, n, &len, "<pointer>");
		} else if (strs & (1U << i)) {
			append(buf, n, &len, "NULL");
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
	/* The strings the call names, for a call that is printed (a quiet refusal is not). */
	struct str_args sa = {0};
	const struct call_shape *shape = shape_of(sname);
	if (shape && shape->strs && !(act.kind == LM_ACT_ERRNO && b && b->quiet)) {
		uint64_t ptrs[6];
		for (int i = 0; i < 6; i++)
			ptrs[i] = arch == SCMP_ARCH_X86 ? (args[i] & 0xffffffffULL) : args[i];
		read_strings((pid_t)req->pid, ptrs, shape->strs, &sa);
		/* Only if the task is still the one blocked in this call (seccomp_unotify(2)):
		 * otherwise the pid could name another process by now. */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
			sa.mask = 0;
	}
	char call[4096];
	fmt_call(call, sizeof call, sname, arch, args, &sa);
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
