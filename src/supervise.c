/* supervise: the parent outside.  It clones init into the new namespaces, writes the id maps,
 * passes SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 on, enforces --timeout, handles seccomp
 * violation reports, and dies with its own parent (PR_SET_PDEATHSIG), which kills init and with
 * it every process of the sandbox.  It sleeps in one ppoll: no fixed sleeps, no polling loop.
 * It returns as soon as init reports the payload's status: init has killed and reaped every
 * other process of the sandbox by then, and its own exit (the kernel freeing the mounts and the
 * namespaces, a few hundred microseconds) goes on without anyone waiting, as bubblewrap's does. */
#include "sandbox.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
 * error, the payload's wait status, the seccomp listener (kept once; any other fd closed).
 * *open turns false once init has closed its end. */
static void ctl_drain(int ctl, bool *open, int *listener, struct lm_ctl_msg *errmsg,
		      int *payload_status)
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
		else if (fd >= 0)
			close(fd);
		if (m.type == LM_CTL_ERROR)
			*errmsg = m;
		if (m.type == LM_CTL_EXIT)
			*payload_status = m.code;
	}
}

int lm_run(struct lm_config *c, struct lm_err *e)
{
	struct lm_init_args a = {.c = c, .ctl = -1, .netsock = -1};
	struct lm_net_helper net = {.pid = -1, .sock = -1};
	cleanup_strv char **envp = NULL;
	cleanup_close int sfd = -1, pidfd = -1, ctl = -1, listener = -1;
	int ret = -1;

	if (lm_mount_check(c, e) < 0 || lm_rlimit_resolve(c, a.lim, a.inherited_lim, e) < 0)
		return -1;
	envp = lm_env_build(c, environ, e);
	if (!envp)
		return -1;
	/* The BPF now (built into lamina, or compiled): the payload only loads it. */
	if (lm_seccomp_prepare(c, e) < 0)
		return -1;
	a.envp = envp;

	/* A caller that ignores SIGCHLD (allowed, and inherited through exec) would make the
	 * kernel reap init and the payload behind our backs, and init would wait forever for a
	 * child that is already gone: take the default back (init inherits it). */
	struct sigaction dfl_chld = {.sa_handler = SIG_DFL};
	if (sigaction(SIGCHLD, &dfl_chld, NULL) < 0)
		return lm_error(e, errno, "supervise", "resetting SIGCHLD");

	/* Die with our parent: record it first, so a parent that died before prctl is noticed. */
	pid_t parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return lm_error(e, errno, "supervise", "PR_SET_PDEATHSIG");
	if (getppid() != parent)
		return lm_error(e, 0, "supervise", "the calling process is gone");

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
			a.orig_ignored[i] = true;
			sigaction(lm_forwarded_signals[i], &dfl, NULL);
		}
	}
	if (sigprocmask(SIG_BLOCK, &fwd, &a.orig_mask) < 0)
		return lm_error(e, errno, "supervise", "sigprocmask");
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
	a.ctl = sv[1];
	if (lm_net_prepare(c, &net, &a.netsock, e) < 0) {
		close(sv[1]);
		goto restore;
	}

	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP;
	if (!(c->disabled_layers & LM_LAYER_NAMESPACES)) {
		flags |= CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
		/* The network namespace: see net.c (made by init's helper, not by this clone). */
	}
	/* A raw clone behaves like fork (no new stack) and gives us a pidfd for ppoll. */
	pid_t pid =
	    (pid_t)syscall(SYS_clone, flags | CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, NULL);
	if (pid < 0) {
		int err = errno;
		close(sv[1]);
		if (a.netsock >= 0)
			close(a.netsock);
		lm_error(e, err, "userns", "clone into new namespaces%s",
			 err == EPERM || err == ENOSPC
			     ? " (are unprivileged user namespaces allowed? see "
			       "/proc/sys/user/max_user_namespaces)"
			     : "");
		goto restore;
	}
	if (pid == 0) {
		close(ctl);
		/* The helper's end: init must see end-of-file if the helper dies. */
		if (net.sock >= 0)
			close(net.sock);
		lm_init_main(&a);
	}
	close(sv[1]);
	if (a.netsock >= 0)
		close(a.netsock);
	lm_verbose(c, "supervise", "init is pid %d outside; namespaces: user mount cgroup%s%s",
		   (int)pid, flags & CLONE_NEWPID ? " pid ipc uts" : "",
		   lm_net_wanted(c) ? " net" : "");

	/* Unprivileged, init writes its own one-line maps (as unshare -r does): one supervisor <->
	 * init round trip less.  As root only the parent namespace may map to 65534. */
	if (c->caller_is_root && lm_userns_write_maps(c, pid, e) < 0) {
		pidfd_signal(pidfd, SIGKILL);
		waitpid(pid, NULL, 0);
		goto restore;
	}
	/* Non-dumpable only now: init inherits the flag, and nobody could write the maps of a
	 * non-dumpable child (its /proc files would belong to root). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		lm_error(e, errno, "supervise", "PR_SET_DUMPABLE");
		pidfd_signal(pidfd, SIGKILL);
		waitpid(pid, NULL, 0);
		goto restore;
	}
	struct lm_ctl_msg go = {.type = LM_CTL_GO};
	if (c->caller_is_root && lm_ctl_send(ctl, &go, -1) < 0) {
		lm_error(e, errno, "supervise", "starting init");
		pidfd_signal(pidfd, SIGKILL);
		waitpid(pid, NULL, 0);
		goto restore;
	}
	/* The network namespace, made while init builds the root.  After the maps and GO: a root
	 * caller's init waits for those, and the fork would delay them. */
	if (lm_net_start(c, &net, e) < 0) {
		pidfd_signal(pidfd, SIGKILL);
		waitpid(pid, NULL, 0);
		goto restore;
	}

	double deadline = c->timeout > 0 ? now() + c->timeout : 0;
	bool timed_out = false, init_done = false, ctl_open = true;
	struct lm_ctl_msg errmsg = {0};
	int payload_status = -1;
	struct lm_report_state rs;
	lm_report_init(&rs);
	while (!init_done) {
		struct pollfd pf[4] = {
		    {.fd = pidfd, .events = POLLIN},
		    {.fd = ctl, .events = POLLIN},
		    {.fd = sfd, .events = POLLIN},
		    {.fd = listener, .events = POLLIN},
		};
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
		int n = ppoll(pf, listener >= 0 ? 4 : 3, tsp, NULL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lm_error(e, errno, "supervise", "ppoll");
			pidfd_signal(pidfd, SIGKILL);
			waitpid(pid, NULL, 0);
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
		if (pf[1].revents & (POLLIN | POLLHUP)) {
			ctl_drain(ctl, &ctl_open, &listener, &errmsg, &payload_status);
			/* The payload's status: init has killed and reaped every other
			 * process of the sandbox before sending it (init.c), and exits
			 * once we hang up.  Return now; the kernel tears the namespaces
			 * down after, as it does a network namespace. */
			if (payload_status >= 0 && !timed_out)
				break;
		}
		if (pf[0].revents & POLLIN) {
			/* Drain what init sent just before it exited, then reap it. */
			init_done = true;
		}
	}
	/* Late messages: init writes before it exits, so they are already queued. */
	if (ctl_open && payload_status < 0)
		ctl_drain(ctl, &ctl_open, &listener, &errmsg, &payload_status);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	/* Reap init unless it is still tearing down after reporting the payload's status. */
	if (init_done || payload_status < 0)
		while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
			;
	if (timed_out) {
		lm_error(e, 0, "timeout", "killed the sandbox after %g s", c->timeout);
		e->exit_code = LM_EXIT_TIMEOUT;
		goto restore;
	}
	if (errmsg.type == LM_CTL_ERROR) {
		e->exit_code = errmsg.code;
		e->errnum = errmsg.errnum;
		snprintf(e->msg, sizeof e->msg, "%s", errmsg.msg);
		goto restore;
	}
	if (payload_status >= 0) {
		ret = lm_report_exit_status(&rs, payload_status);
		if (WIFSIGNALED(payload_status) && WTERMSIG(payload_status) == SIGSYS &&
		    !rs.reported)
			fprintf(
			    stderr,
			    "lamina: seccomp: the payload was killed by SIGSYS (a seccomp rule); "
			    "run with --report to see which call\n");
	} else if (si.si_code == CLD_EXITED) {
		ret = si.si_status;
	} else {
		ret = 128 + si.si_status;
	}
restore:
	lm_net_reap(&net, true); /* long done by now, unless init failed first */
	sigprocmask(SIG_SETMASK, &a.orig_mask, NULL);
	lm_seccomp_release();
	return ret;
}
