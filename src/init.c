/* init: pid 1 of the sandbox.  It waits for the id maps, builds the sandbox (network, hostname,
 * root), starts the payload, passes signals on, reaps every zombie and exits with the payload's
 * status.  When the payload exits, init kills and reaps whatever it left, then reports: the
 * supervisor returns on that report, and nothing the payload started outlives lamina.  The kernel
 * tears the namespaces themselves down after, when init has exited.
 *
 * The payload is started with vfork() (see start_payload_sharing_fds for the one exception):
 * init sleeps until the payload has exec'd or died, and the payload leaves its error in a page
 * shared with init.  In report mode the fd table is shared too, until execve (exec unshares it
 * and closes O_CLOEXEC fds in the payload's copy only), so the seccomp listener the payload
 * created is still open in init afterwards, and init hands it to the supervisor: the payload
 * itself never holds its own listener, and needs no system call after the filter is loaded but
 * execve. */
#include "sandbox.h"
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/sched.h>

const int lm_forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, 0};

_Noreturn static void fail(int ctl, const struct lm_err *e)
{
	struct lm_ctl_msg m = {.type = LM_CTL_ERROR,
			       .code = e->exit_code ? e->exit_code : LM_EXIT_FAILURE,
			       .errnum = e->errnum};
	snprintf(m.msg, sizeof m.msg, "%s", e->msg);
	lm_ctl_send(ctl, &m, -1);
	_exit(m.code);
}

/* What the payload leaves for init (shared memory: CLONE_VM). */
struct payload_args {
	struct lm_sandbox *sb;
	struct lm_err err;
	bool failed;
	int listener;
};

/* exec the payload (lm_exec_search); on failure e says why, with 127 or 126. */
static void exec_program(char **argv, char **envp, struct lm_err *e)
{
	const char *prog = argv[0];
	lm_exec_search(argv, envp, "/usr/local/bin:/usr/bin:/bin");
	int err = errno;
	e->exit_code = err == ENOENT || err == ENOTDIR ? LM_EXIT_NOTFOUND : LM_EXIT_NOEXEC;
	if (err == ENOENT && !strchr(prog, '/'))
		lm_error(e, 0, "exec", "%s: command not found in the sandbox's PATH", prog);
	else
		lm_error(e, err, "exec", "%s", prog);
}

_Noreturn static void payload_main(struct payload_args *pa)
{
	struct lm_sandbox *sb = pa->sb;
	struct lm_err *e = &pa->err;

	/* The caller's signal mask and ignored signals; init's handlers are reset by execve. */
	for (int i = 0; lm_forwarded_signals[i]; i++)
		signal(lm_forwarded_signals[i], sb->orig_ignored[i] ? SIG_IGN : SIG_DFL);
	sigprocmask(SIG_SETMASK, &sb->orig_mask, NULL);
	/* rlimits, capabilities, no_new_privs, seccomp last (the table's order, layers.c). */
	sb->listener = -1;
	int r = lm_layers_run(LM_STAGE_PAYLOAD, sb, e);
	pa->listener = sb->listener;
	if (r == 0)
		exec_program(sb->c->argv, sb->envp, e);
	pa->failed = true;
	_exit(e->exit_code ? e->exit_code : LM_EXIT_FAILURE);
}

static void noop_handler(int sig)
{
	(void)sig;
}

/* The payload.  Init sleeps until it has exec'd or died either way (CLONE_VFORK).
 *
 * Most launches: vfork() (called in lm_init_main itself: a vfork child must not return from
 * the function that called it), a child that borrows init's memory until its execve.  Nothing of
 * init's address space is copied (no page-table copy, no copy-on-write faults in either
 * process, no teardown of a copy at exec); the fd table is the child's own copy.  Sanitizers know
 * vfork (they intercept it), not a raw clone that shares memory.
 *
 * When a seccomp listener is wanted (report mode, notify rules), the child must create it in a
 * fd table it shares with init (CLONE_FILES): exec closes the child's O_CLOEXEC fds, and init
 * hands the listener over afterwards.  That child is fork-like (its own copy of the memory, no
 * stack switch) and leaves its results in the page shared with init.
 *
 * In a new pid namespace the payload is pid 2, as programs and users expect of the first child
 * of pid 1: init has started nothing before it (the network helper is the supervisor's child,
 * outside the namespace).  clone3's set_tid asks for 2 on the second path. */
static pid_t start_payload_sharing_fds(const struct lm_config *c)
{
	unsigned long flags = CLONE_VFORK | CLONE_FILES;
	if (lm_layer_on(c, LM_LAYER_NAMESPACES)) {
		pid_t want = 2;
		struct clone_args ca = {.flags = flags,
					.exit_signal = SIGCHLD,
					.set_tid = (uint64_t)(uintptr_t)&want,
					.set_tid_size = 1};
		long r = syscall(SYS_clone3, &ca, sizeof ca);
		if (r >= 0 ||
		    (errno != EEXIST && errno != EPERM && errno != ENOSYS && errno != EINVAL))
			return (pid_t)r;
	}
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* Reap one zombie (0 when none is left, or -1: no child), told to the status layer: it is
 * looked at first without being reaped, so that a SIGSYS death's name can still be read,
 * whichever of several zombies one SIGCHLD stood for. */
static pid_t reap_one(pid_t payload, int *st)
{
	siginfo_t z;
	z.si_pid = 0;
	if (waitid(P_ALL, 0, &z, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -1;
	if (z.si_pid == 0)
		return 0;
	lm_status_sigchld(&z);
	pid_t p = waitpid(z.si_pid, st, WNOHANG);
	if (p > 0)
		lm_status_reaped(p, *st, payload);
	return p;
}

/* The payload is gone; kill and reap whatever it left (daemons, double-forked children, all
 * reparented to init).  Only as pid 1 of the sandbox's own pid namespace: there kill(-1)
 * reaches exactly the other processes of the namespace; without that layer it would reach the
 * caller's.  No child left (the usual case) costs one waitid: every process the sandbox started
 * descends from init, so none is left when init has no child.  (A process the host's root put
 * into the namespace from outside, with nsenter, is not init's to kill: the kernel kills it when
 * init exits.) */
static void end_the_rest(pid_t payload)
{
	int st;
	pid_t p;
	while ((p = reap_one(payload, &st)) > 0)
		;
	if (p < 0 && errno == ECHILD)
		return;
	kill(-1, SIGKILL);
	while ((p = waitpid(-1, &st, 0)) > 0 || (p < 0 && errno == EINTR))
		if (p > 0)
			lm_status_reaped(p, st, payload);
}

_Noreturn void lm_init_main(struct lm_sandbox *sb)
{
	struct lm_config *c = sb->c;
	struct lm_err e = {0};
	int ctl = sb->ctl;

	/* If the supervisor dies, so does init, and with it the whole pid namespace. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (unsigned i = 0; i < sb->ndrop; i++)
		close(sb->drop_fds[i]);
	if (c->maps_by_supervisor) {
		/* Wait for the supervisor to write the maps. */
		struct lm_ctl_msg m;
		ssize_t r;
		do
			r = recv(ctl, &m, sizeof m, 0);
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof m || m.type != LM_CTL_GO)
			_exit(LM_EXIT_FAILURE); /* the supervisor is gone or failed: it reports */
	}
	/* The sandbox, layer by layer: first what needs the caller's host identity, then the
	 * rest (layers.c says why each comes where it does). */
	if (lm_layers_run(LM_STAGE_INIT_HOST, sb, &e) < 0 ||
	    lm_layers_run(LM_STAGE_INIT, sb, &e) < 0)
		fail(ctl, &e);
	/* The id change re-armed the parent-death signal; a supervisor that died before that
	 * would go unnoticed, so look: it holds the other end of ctl. */
	char peek;
	if (recv(ctl, &peek, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
		_exit(LM_EXIT_FAILURE);

	/* Signals: pid 1 only receives signals it has a handler for (pid_namespaces(7)), so install
	 * no-op handlers, keep the signals blocked and collect them with sigwaitinfo. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	struct sigaction sa = {.sa_handler = noop_handler};
	for (const int *s = lm_forwarded_signals; *s; s++) {
		sigaddset(&set, *s);
		sigaction(*s, &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* The payload's report to init: a vfork child shares all of init's memory, so a static
	 * will do; the report-mode child (fork semantics) shares only a page mapped for it (and
	 * the fd table).  A shared anonymous mapping is a shmem file of its own, which the vfork
	 * path does without. */
	static struct payload_args vfork_pa;
	bool sharing_fds = lm_seccomp_wants_listener(c);
	struct payload_args *pa = sharing_fds ? mmap(NULL, sizeof *pa, PROT_READ | PROT_WRITE,
						     MAP_SHARED | MAP_ANONYMOUS, -1, 0)
					      : &vfork_pa;
	if (pa == MAP_FAILED) {
		lm_error(&e, errno, "init", "shared page");
		fail(ctl, &e);
	}
	memset(pa, 0, sizeof *pa);
	pa->sb = sb;
	pa->listener = -1;
	pid_t payload = sharing_fds ? start_payload_sharing_fds(c) : vfork();
	if (payload < 0) {
		lm_error(&e, errno, "init", "starting the payload");
		fail(ctl, &e);
	}
	if (payload == 0)
		payload_main(pa);
	if (pa->failed) {
		int st;
		while (waitpid(payload, &st, 0) < 0 && errno == EINTR)
			;
		fail(ctl, &pa->err);
	}
	if (pa->listener >= 0) {
		struct lm_ctl_msg lm = {.type = LM_CTL_LISTENER};
		if (lm_ctl_send(ctl, &lm, pa->listener) < 0) {
			kill(payload, SIGKILL);
			lm_error(&e, errno, "seccomp",
				 "handing the notification fd to the supervisor");
			fail(ctl, &e);
		}
		close(pa->listener);
	}
	/* The payload has exec'd: the status layer's start message, if one was asked for. */
	lm_status_payload_started(sb, payload);

	bool in_own_pidns = lm_layer_on(c, LM_LAYER_NAMESPACES) && getpid() == 1;
	/* The payload leads a process group (session.c) or a session (pty.c) of its own: the
	 * signals a terminal delivers to a whole foreground job go to all of it, as they would to a
	 * build's children at a terminal; SIGUSR1/SIGUSR2 to the payload alone (and to it alone
	 * when it has left its group). */
	bool group = lm_layer_on(c, LM_LAYER_SESSION) || lm_pty_in_use();
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			if (!group || sig == SIGUSR1 || sig == SIGUSR2 || kill(-payload, sig) < 0)
				kill(payload, sig);
			continue;
		}
		/* Reap every zombie; the payload's own status decides ours.  The status layer
		 * counts the SIGSYS deaths (a seccomp rule's kills) among them. */
		for (;;) {
			int st;
			pid_t p = reap_one(payload, &st);
			if (p <= 0)
				break;
			if (p == payload) {
				/* Nothing of the sandbox may outlive this message: the
				 * supervisor returns on it, without waiting for init's own
				 * exit (the kernel's teardown of the namespaces, mounts
				 * first, is the kernel's own work, and no process of the
				 * sandbox is left to see it). */
				if (in_own_pidns)
					end_the_rest(payload);
				struct lm_ctl_msg em = {.type = LM_CTL_EXIT, .code = st};
				lm_status_exit(c, &em.u.exit);
				lm_ctl_send(ctl, &em, -1);
				/* Exit only once the supervisor has hung up.  Our exit tears
				 * the namespaces down, kernel work that is not preempted; the
				 * supervisor, just woken by the message, often on this very
				 * CPU, would wait for all of it before it could return.  If the
				 * supervisor dies instead, PR_SET_PDEATHSIG ends the wait. */
				char b;
				while (recv(ctl, &b, 1, 0) < 0 && errno == EINTR)
					;
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			}
		}
	}
}
