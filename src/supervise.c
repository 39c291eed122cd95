/* supervise: the parent outside.  It clones init into the new namespaces, writes the id maps,
 * passes SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 on, enforces --timeout, handles seccomp
 * violation reports, and dies with its own parent (PR_SET_PDEATHSIG), which kills init and with
 * it every process of the sandbox.  It sleeps in one ppoll: no fixed sleeps, no polling loop.
 * It returns as soon as init reports the payload's status: init has killed and reaped every
 * other process of the sandbox by then, and its own exit (the kernel freeing the mounts and the
 * namespaces) goes on without anyone waiting, as bubblewrap's does. */
#include "sandbox.h"
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>

extern char **environ;

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read every message init has queued on the control channel, without blocking: the last
 * error, the payload's wait status and what came with it, the seccomp listener (kept once; any
 * other fd closed), the payload's start (the status layer's).  *open turns false once init has
 * closed its end. */
static void ctl_drain(struct lm_sandbox *sb, int ctl, bool *open, int *listener,
		      struct lm_ctl_msg *errmsg, int *payload_status)
{
	for (;;) {
		struct lm_ctl_msg m;
		int fd;
		ssize_t r = lm_recv_fd(ctl, &m, sizeof m, MSG_DONTWAIT, &fd);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			*open = false;
		if (r != (ssize_t)sizeof m) {
			if (fd >= 0)
				close(fd);
			return;
		}
		if (m.type == LM_CTL_LISTENER && fd >= 0 && *listener < 0)
			*listener = fd;
		else if (m.type == LM_CTL_PTY && fd >= 0)
			lm_pty_attach(fd);
		else if (m.type == LM_CTL_STARTED)
			lm_status_started(sb, &m, fd);
		else if (fd >= 0)
			close(fd);
		if (m.type == LM_CTL_ERROR)
			*errmsg = m;
		if (m.type == LM_CTL_EXIT) {
			*payload_status = m.code;
			sb->exit = m.u.exit;
		}
	}
}

/* PROGRAM was not found in the sandbox, but a relative PROGRAM (or a bare name) names a file in
 * the caller's current directory: the sandbox's working directory is its own (/ or --chdir),
 * which is easy to forget.  Say so, and how to bring the directory in. */
static void hint_caller_cwd(const struct lm_config *c, struct lm_err *e)
{
	const char *prog = c->argv ? c->argv[0] : NULL;
	struct stat st;
	if (e->exit_code != LM_EXIT_NOTFOUND || !prog || !prog[0] || prog[0] == '/' ||
	    fstatat(AT_FDCWD, prog, &st, 0) < 0 || S_ISDIR(st.st_mode))
		return;
	bool bare = !strchr(prog, '/');
	size_t n = strlen(e->msg);
	snprintf(e->msg + n, sizeof e->msg - n,
		 " (%s%s is in your current directory, which is not in the sandbox: bind it, as "
		 "in --ro-bind \"$PWD\" /w --chdir /w%s%s)",
		 bare ? "./" : "", prog, bare ? ", and run ./" : "", bare ? prog : "");
}

/* The sandbox's init, killed and reaped when a failure ends the launch early. */
struct init_child {
	pid_t pid;
	int pidfd;
};
static void init_child_kill(struct init_child *ch)
{
	if (ch->pid <= 0)
		return;
	pidfd_signal(ch->pidfd, SIGKILL);
	while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR)
		;
	ch->pid = -1;
}
#define cleanup_init __attribute__((cleanup(init_child_kill)))

int lm_run(struct lm_config *c, struct lm_err *e)
{
	struct lm_sandbox sb = {.c = c, .ctl = -1, .listener = -1, .payload_status = -1};
	cleanup_close int sfd = -1, pidfd = -1, ctl = -1, listener = -1, init_ctl = -1;
	cleanup_init struct init_child init = {.pid = -1, .pidfd = -1};
	int ret = -1;

	/* Validate, resolve and compile everything before anything is created. */
	if (lm_layers_run(LM_STAGE_PREPARE, &sb, e) < 0)
		goto end;

	/* A caller that ignores SIGCHLD (allowed, and inherited through exec) would make the
	 * kernel reap init and the payload behind our backs, and init would wait forever for a
	 * child that is already gone: take the default back (init inherits it). */
	struct sigaction dfl_chld = {.sa_handler = SIG_DFL};
	if (sigaction(SIGCHLD, &dfl_chld, NULL) < 0) {
		lm_error(e, errno, "supervise", "resetting SIGCHLD");
		goto end;
	}

	/* Die with our parent: record it first, so a parent that died before prctl is noticed. */
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		lm_error(e, errno, "supervise", "PR_SET_PDEATHSIG");
		goto end;
	}
	if (getppid() != parent) {
		lm_error(e, 0, "supervise", "the calling process is gone");
		goto end;
	}

	/* A signal the caller ignores is discarded at generation and would never reach the
	 * signalfd (a shell starts background jobs with SIGINT and SIGQUIT ignored): take the
	 * default while blocked, and let the payload inherit the caller's ignores. */
	sigset_t fwd;
	sigemptyset(&fwd);
	for (int i = 0; lm_forwarded_signals[i]; i++) {
		struct sigaction old, dfl = {.sa_handler = SIG_DFL};
		sigaddset(&fwd, lm_forwarded_signals[i]);
		if (sigaction(lm_forwarded_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN) {
			sb.orig_ignored[i] = true;
			sigaction(lm_forwarded_signals[i], &dfl, NULL);
		}
	}
	lm_pty_block(&fwd);
	if (sigprocmask(SIG_BLOCK, &fwd, &sb.orig_mask) < 0) {
		lm_error(e, errno, "supervise", "sigprocmask");
		goto end;
	}
	sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		lm_error(e, errno, "supervise", "signalfd");
		goto restore;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		lm_error(e, errno, "supervise", "socketpair");
		goto restore;
	}
	ctl = sv[0];
	init_ctl = sv[1];
	sb.ctl = init_ctl;
	lm_sandbox_keep_fd(&sb, init_ctl);
	lm_sandbox_drop_fd(&sb, ctl);

	unsigned long flags = lm_ns_clone_flags(c);
	/* Like fork (no new stack), with a pidfd for ppoll; the userns layer creates the user
	 * namespace as the sandbox's own host uid, and init is born in the sandbox's cgroup v2
	 * where it has one (the resources layer). */
	pid_t pid = lm_userns_clone(c, flags, lm_resources_clone_cgroup(), &pidfd, e);
	if (pid < 0)
		goto restore;
	if (pid == 0)
		lm_init_main(&sb);
	init = (struct init_child){.pid = pid, .pidfd = pidfd};
	lm_closep(&init_ctl);
	init_ctl = -1;
	sb.ctl = ctl;
	sb.init_pid = pid;
	lm_verbose(c, "supervise", "init is pid %d outside; namespaces: user mount cgroup%s%s",
		   (int)pid, flags & CLONE_NEWPID ? " pid ipc uts" : "",
		   lm_net_wanted(c) ? " net" : "");

	/* What the supervisor does while init waits: the id maps (as root, or newuidmap's). */
	if (lm_layers_run(LM_STAGE_PARENT, &sb, e) < 0)
		goto restore;
	/* Non-dumpable only now: init inherits the flag, and nobody could write the maps of a
	 * non-dumpable child (its /proc files would belong to root). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		lm_error(e, errno, "supervise", "PR_SET_DUMPABLE");
		goto restore;
	}
	struct lm_ctl_msg go = {.type = LM_CTL_GO};
	if (c->maps_by_supervisor && lm_ctl_send(ctl, &go, -1) < 0) {
		lm_error(e, errno, "supervise", "starting init");
		goto restore;
	}
	/* What runs beside init while it builds the sandbox (the network namespace's helper). */
	if (lm_layers_run(LM_STAGE_STARTED, &sb, e) < 0)
		goto restore;

	double deadline = c->timeout > 0 ? now() + c->timeout : 0;
	bool timed_out = false, init_done = false, ctl_open = true;
	struct lm_ctl_msg errmsg = {0};
	int payload_status = -1;
	struct lm_report_state rs;
	lm_report_init(&rs);
	while (!init_done) {
		struct pollfd pf[4 + LM_PTY_NPOLL] = {
		    {.fd = pidfd, .events = POLLIN},
		    {.fd = ctl, .events = POLLIN},
		    {.fd = sfd, .events = POLLIN},
		    {.fd = listener, .events = POLLIN},
		};
		lm_pty_poll(pf + 4);
		struct timespec ts, *tsp = NULL;
		if (deadline > 0) {
			double left = deadline - now();
			if (left < 0)
				left = 0;
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		/* Once init has closed its end, the control socket stays readable (HUP): stop
		 * watching it, or ppoll would spin while init's namespaces are torn down. */
		pf[1].fd = ctl_open ? ctl : -1;
		int n = ppoll(pf, 4 + LM_PTY_NPOLL, tsp, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lm_error(e, errno, "supervise", "ppoll");
			goto restore;
		}
		if (n == 0 && deadline > 0 && now() >= deadline && !timed_out) {
			/* SIGKILL to init tears the whole pid namespace down. */
			timed_out = true;
			pidfd_signal(pidfd, SIGKILL);
			continue;
		}
		if (pf[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (lm_pty_signal((int)si.ssi_signo))
					continue;
				lm_verbose(c, "supervise", "passing signal %u on", si.ssi_signo);
				pidfd_signal(pidfd, (int)si.ssi_signo);
			}
		}
		if (listener >= 0 && (pf[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pf[3].revents & POLLIN)
				lm_report_handle(listener, c, &rs);
			else {
				close(listener);
				listener = -1;
			}
		}
		lm_pty_relay(pf + 4);
		if (pf[1].revents & (POLLIN | POLLHUP))
			ctl_drain(&sb, ctl, &ctl_open, &listener, &errmsg, &payload_status);
		/* The payload's status: init has killed and reaped every other process of the
		 * sandbox before sending it (init.c), and exits once we hang up.  Return now (once
		 * what it wrote to its pty is out); the kernel tears the namespaces down after, as
		 * it does a network namespace. */
		if (payload_status >= 0 && !timed_out && lm_pty_drained())
			break;
		if (pf[0].revents & POLLIN) {
			/* Drain what init sent just before it exited, then reap it. */
			init_done = true;
		}
	}
	/* Late messages: init writes before it exits, so they are already queued. */
	if (ctl_open && payload_status < 0)
		ctl_drain(&sb, ctl, &ctl_open, &listener, &errmsg, &payload_status);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	/* Reap init unless it is still tearing down after reporting the payload's status: it
	 * exits once we hang up (init.c). */
	if (init_done || payload_status < 0)
		while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
			;
	init.pid = -1;
	if (timed_out) {
		sb.timed_out = true;
		lm_error(e, 0, "timeout", "killed the sandbox after %g s", c->timeout);
		e->exit_code = LM_EXIT_TIMEOUT;
		goto restore;
	}
	if (errmsg.type == LM_CTL_ERROR) {
		e->exit_code = errmsg.code;
		e->errnum = errmsg.errnum;
		snprintf(e->msg, sizeof e->msg, "%s", errmsg.msg);
		hint_caller_cwd(c, e);
		goto restore;
	}
	if (payload_status >= 0) {
		ret = lm_report_exit_status(&rs, payload_status);
		/* a SIGSYS death is said by the status layer's end step */
		sb.payload_status = payload_status;
		sb.reported = rs.reported;
	} else if (si.si_code == CLD_EXITED) {
		ret = si.si_status;
	} else {
		ret = 128 + si.si_status;
	}
restore:
	sigprocmask(SIG_SETMASK, &sb.orig_mask, NULL);
end:
	init_child_kill(&init);
	sb.exit_code = ret >= 0 ? ret : e->exit_code ? e->exit_code : LM_EXIT_FAILURE;
	sb.error = ret < 0 && !sb.timed_out ? e->msg : NULL;
	lm_layers_end(&sb);
	return ret;
}
