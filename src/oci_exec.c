/* oci_exec: `exec`, the second process model: a new process in a running container.
 *
 *   lamina-oci exec (R)
 *     └─ fork: E1, put into the container's cgroup by R, joins the init's namespaces from
 *        /proc/PID/ns (the user namespace first; each one the init does not share with R),
 *        and forks (the pid namespace applies to children):
 *        └─ E2, in every namespace of the container: its own session (with the pty when
 *           process.terminal), then the steps every container process takes
 *           (oci_process.c: rlimits, ids, capabilities, no_new_privs, the container's seccomp
 *           filter, execve).
 *   E1 exits at once; R is E2's subreaper: with --detach it writes the pid file and returns
 *   (E2 goes to R's own subreaper, conmon), otherwise it waits and returns E2's status.
 * E2 reports a failure before execve on the sync socket, whose end closes at execve. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define L "exec"

struct exec_msg {
	int type; /* 1: E2's pid (code); 2: error; 3: pty master (fd) */
	int code;
	int errnum;
	char msg[1024];
};

_Noreturn static void e_fail(int sync, const struct lm_err *e)
{
	struct exec_msg m = {.type = 2, .code = e->exit_code, .errnum = e->errnum};
	snprintf(m.msg, sizeof m.msg, "%s", e->msg);
	lm_send_fd(sync, &m, sizeof m, -1);
	_exit(e->exit_code ? e->exit_code : LM_EXIT_FAILURE);
}

/* Open the init's namespaces that differ from ours. */
static int open_nss(pid_t pid, int *fds, struct lm_err *e)
{
	static const enum lm_oci_ns order[] = {LM_OCI_NS_USER, LM_OCI_NS_IPC, LM_OCI_NS_UTS,
					       LM_OCI_NS_NET,  LM_OCI_NS_PID, LM_OCI_NS_CGROUP,
					       LM_OCI_NS_MOUNT};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		char p[64], self[64];
		snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)pid, lm_oci_ns_proc(order[i]));
		snprintf(self, sizeof self, "/proc/self/ns/%s", lm_oci_ns_proc(order[i]));
		struct stat a, b;
		fds[i] = -1;
		if (stat(p, &a) < 0)
			return lm_error(e, errno, L, "%s", p);
		if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		fds[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return lm_error(e, errno, L, "%s", p);
	}
	return 0;
}

int lm_oci_exec(const struct lm_oci_process *p, const struct lm_config *c,
		const struct lm_oci_execargs *a, struct lm_err *e)
{
	int fds[7];
	for (int i = 0; i < 7; i++)
		fds[i] = -1;
	int ret = -1, master = -1;
	pid_t e1 = -1, e2 = -1;
	cleanup_close int rs = -1, cs = -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		lm_error(e, errno, L, "PR_SET_CHILD_SUBREAPER");
		goto out;
	}
	if (lm_seccomp_prepare(c, e) < 0 || open_nss(a->pid, fds, e) < 0)
		goto out;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		lm_error(e, errno, L, "socketpair");
		goto out;
	}
	rs = sv[0];
	cs = sv[1];
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0) {
		lm_error(e, errno, L, "pipe");
		goto out;
	}
	e1 = fork();
	if (e1 < 0) {
		close(go[0]);
		close(go[1]);
		lm_error(e, errno, L, "fork");
		goto out;
	}
	if (e1 == 0) {
		close(go[1]);
		char b;
		if (read(go[0], &b, 1) != 1)
			_exit(LM_EXIT_FAILURE);
		static const int flags[] = {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS,
					    CLONE_NEWNET,  CLONE_NEWPID, CLONE_NEWCGROUP,
					    CLONE_NEWNS};
		for (int i = 0; i < 7; i++)
			if (fds[i] >= 0 && setns(fds[i], flags[i]) < 0) {
				lm_error(e, errno, L, "joining the container's namespaces");
				e_fail(cs, e);
			}
		pid_t child = fork();
		if (child < 0) {
			lm_error(e, errno, L, "fork");
			e_fail(cs, e);
		}
		if (child > 0) {
			struct exec_msg m = {.type = 1, .code = child};
			lm_send_fd(cs, &m, sizeof m, -1);
			_exit(0);
		}
		if (setsid() < 0) {
			lm_error(e, errno, L, "setsid");
			e_fail(cs, e);
		}
		if (p->terminal) {
			int mfd;
			if (lm_oci_setup_tty(p, &mfd, e) < 0)
				e_fail(cs, e);
			struct exec_msg m = {.type = 3};
			lm_send_fd(cs, &m, sizeof m, mfd);
			close(mfd);
		}
		lm_oci_exec_process(p, c, a->preserve_fds, e);
		e_fail(cs, e);
	}
	close(go[0]);
	close(cs);
	cs = -1;
	if (a->cgroup && a->cgroup[0] && lm_oci_cgroup_enter(a->cgroup, e1, e) < 0) {
		close(go[1]);
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		close(go[1]);
		lm_error(e, errno, L, "starting the process");
		goto out;
	}
	close(go[1]);
	/* E2's pid, its pty, then EOF (execve) or an error */
	for (;;) {
		struct exec_msg m;
		int pfd = -1;
		ssize_t r = lm_recv_fd(rs, &m, sizeof m, 0, &pfd);
		if (r == 0)
			break;
		if (r != (ssize_t)sizeof m) {
			lm_error(e, r < 0 ? errno : 0, L, "the process is gone");
			goto out;
		}
		if (m.type == 1)
			e2 = m.code;
		else if (m.type == 3)
			master = pfd, pfd = -1;
		else if (m.type == 2) {
			snprintf(e->msg, sizeof e->msg, "%s", m.msg);
			e->errnum = m.errnum;
			e->exit_code = m.code ? m.code : LM_EXIT_FAILURE;
			goto out;
		}
		if (pfd >= 0)
			close(pfd);
	}
	while (waitpid(e1, NULL, 0) < 0 && errno == EINTR)
		;
	e1 = -1;
	if (e2 <= 0) {
		lm_error(e, 0, L, "the process did not start");
		goto out;
	}
	if (p->terminal) {
		if (master < 0 || !a->console_socket) {
			lm_error(e, 0, L, "process.terminal needs --console-socket");
			goto out;
		}
		if (lm_oci_send_console(a->console_socket, master, e) < 0)
			goto out;
	}
	if (a->pid_file) {
		char tmp[4200], v[32];
		snprintf(tmp, sizeof tmp, "%s.tmp", a->pid_file);
		snprintf(v, sizeof v, "%d", (int)e2);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, v, strlen(v)) < 0 || close(fd) < 0 ||
		    rename(tmp, a->pid_file) < 0) {
			lm_error(e, errno, L, "--pid-file %s", a->pid_file);
			goto out;
		}
	}
	if (a->detach) {
		ret = 0;
		e2 = -1;
		goto out;
	}
	int st;
	while (waitpid(e2, &st, 0) < 0 && errno == EINTR)
		;
	e2 = -1;
	ret = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	if (master >= 0)
		close(master);
	for (int i = 0; i < 7; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (e1 > 0) {
		kill(e1, SIGKILL);
		while (waitpid(e1, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (e2 > 0 && ret < 0) {
		kill(e2, SIGKILL);
		waitpid(e2, NULL, 0);
	}
	lm_seccomp_release();
	return ret;
}
