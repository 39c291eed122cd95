/* oci_process: the last steps of every container process (the container's own, and each one
 * `exec` adds), in runc's order:
 *   rlimits (while still root: raising one needs CAP_SYS_RESOURCE);
 *   seccomp first when no_new_privs is not asked for (loading a filter then needs
 *     CAP_SYS_ADMIN, which the process is about to lose), last otherwise;
 *   the bounding set, then the ids (supplementary groups, gid, uid) with the capabilities kept
 *     across the change (PR_SET_KEEPCAPS), then the effective, permitted and inheritable sets
 *     as process.capabilities names them (none when it is absent), then the ambient ones;
 *   no_new_privs, umask, the working directory, the fds (3 and up closed at exec but the
 *     preserved ones), execve in the process's own PATH.
 * The seccomp filter is lamina's seccomp layer (src/seccomp*.c): linux.seccomp's rules stacked
 * on lamina's built-in hardening, which a config without linux.seccomp gets alone. */
#include "oci.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define L "oci"

static int apply_caps(const struct lm_oci_process *p, struct lm_err *e)
{
	int last = lm_cap_last();
	for (int cap = 0;; cap++) {
		if (cap <= last && ((p->caps[LM_CAPS_BOUNDING] >> cap) & 1))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL && cap > 0)
			break; /* past the kernel's last capability */
		return lm_error(e, errno, L, "dropping capability %d from the bounding set", cap);
	}
	return 0;
}

static int set_cap_sets(const struct lm_oci_process *p, struct lm_err *e)
{
	/* a capability the runtime does not hold itself cannot be given: name it */
	if (capng_get_caps_process() == 0)
		for (int cap = 0; cap <= lm_cap_last(); cap++)
			if ((((p->caps[LM_CAPS_EFFECTIVE] | p->caps[LM_CAPS_PERMITTED]) >> cap) &
			     1) &&
			    !capng_have_capability(CAPNG_PERMITTED, (unsigned)cap))
				return lm_error(e, EPERM, L,
						"process.capabilities: %s is not in the runtime's "
						"own permitted set",
						lm_cap_name(cap));
	capng_clear(CAPNG_SELECT_CAPS);
	for (int cap = 0; cap <= lm_cap_last(); cap++) {
		unsigned sets = 0;
		if ((p->caps[LM_CAPS_EFFECTIVE] >> cap) & 1)
			sets |= CAPNG_EFFECTIVE;
		if ((p->caps[LM_CAPS_PERMITTED] >> cap) & 1)
			sets |= CAPNG_PERMITTED;
		if ((p->caps[LM_CAPS_INHERITABLE] >> cap) & 1)
			sets |= CAPNG_INHERITABLE;
		if (sets && capng_update(CAPNG_ADD, sets, (unsigned)cap) < 0)
			return lm_error(e, EINVAL, L, "capability %s", lm_cap_name(cap));
	}
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return lm_error(e, errno ? errno : EPERM, L,
				"setting the capability sets process.capabilities names");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return lm_error(e, errno, L, "clearing the ambient capabilities");
	/* The kernel keeps the ambient set within permitted and inheritable: an ambient
	 * capability outside them cannot be raised, and runc and crun skip it; so does this. */
	uint64_t amb =
	    p->caps[LM_CAPS_AMBIENT] & p->caps[LM_CAPS_PERMITTED] & p->caps[LM_CAPS_INHERITABLE];
	for (int cap = 0; cap <= lm_cap_last(); cap++)
		if (((amb >> cap) & 1) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return lm_error(e, errno, L, "raising %s in the ambient set",
					lm_cap_name(cap));
	return 0;
}

static int set_ids(const struct lm_oci_process *p, struct lm_err *e)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return lm_error(e, errno, L, "PR_SET_KEEPCAPS");
	/* Raw calls: the process is the only thread, and libc's set*id broadcast is not needed */
	if (syscall(SYS_setgroups, p->ngids, p->gids) < 0 && !(errno == EPERM && !p->ngids))
		return lm_error(e, errno, L, "setgroups (process.user.additionalGids)");
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		return lm_error(e, errno, L, "setresgid %u (process.user.gid)", (unsigned)p->gid);
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return lm_error(e, errno, L, "setresuid %u (process.user.uid)", (unsigned)p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return lm_error(e, errno, L, "PR_SET_KEEPCAPS");
	return 0;
}

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);
	for (char **v = env; v && *v; v++)
		if (strncmp(*v, key, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

/* execve PROGRAM, searched in the process's own PATH when it has no '/'. */
static int exec_in_path(char **argv, char **env, struct lm_err *e)
{
	const char *prog = argv[0];
	lm_exec_search(argv, env, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	int err = errno;
	e->exit_code = err == ENOENT || err == ENOTDIR ? LM_EXIT_NOTFOUND : LM_EXIT_NOEXEC;
	if (err == ENOENT && !strchr(prog, '/'))
		return lm_error(e, 0, "exec", "%s: not found in the process's PATH", prog);
	return lm_error(e, err, "exec", "%s", prog);
}

int lm_oci_check_executable(const struct lm_oci_process *p, struct lm_err *e)
{
	const char *prog = p->args[0];
	if (prog[0] != '/' && strchr(prog, '/'))
		return 0; /* relative to process.cwd, which exists only at start */
	struct stat st;
	int why = ENOENT;
	if (prog[0] == '/') {
		if (stat(prog, &st) == 0)
			why = S_ISREG(st.st_mode) && (st.st_mode & 0111) ? 0 : EACCES;
	} else {
		const char *path = env_get(p->env, "PATH");
		if (!path)
			path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
		char buf[4096];
		for (const char *d = path; why; d++) {
			const char *end = strchrnul(d, ':');
			int dl = (int)(end - d);
			snprintf(buf, sizeof buf, "%.*s%s%s", dl, d, dl ? "/" : "", prog);
			if (stat(buf, &st) == 0)
				why = S_ISREG(st.st_mode) && (st.st_mode & 0111) ? 0 : EACCES;
			if (!*end)
				break;
			d = end;
		}
	}
	if (!why)
		return 0;
	e->exit_code = why == ENOENT ? LM_EXIT_NOTFOUND : LM_EXIT_NOEXEC;
	if (why == ENOENT && prog[0] != '/')
		return lm_error(e, 0, "exec", "%s: not found in the process's PATH", prog);
	return lm_error(e, why, "exec", "%s", prog);
}

int lm_oci_exec_process(const struct lm_oci_process *p, const struct lm_config *c, int preserve_fds,
			struct lm_err *e)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return lm_error(
			    e, errno, L, "setrlimit %s %llu:%llu (process.rlimits[%zu])",
			    lm_rlimit_name(p->rlimits[i].resource), (unsigned long long)rl.rlim_cur,
			    (unsigned long long)rl.rlim_max, i);
	}
	/* fds 3 and up close at execve, but the preserved ones: marked before any filter is
	 * loaded (an older profile may not know close_range) */
	if (syscall(SYS_close_range, 3 + (unsigned)preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return lm_error(e, errno, L, "close_range");
	if (p->umask_set)
		umask(p->umask);
	if (!p->nnp && lm_seccomp_apply(c, NULL, e) < 0)
		return -1;
	if (apply_caps(p, e) < 0 || set_ids(p, e) < 0 || set_cap_sets(p, e) < 0)
		return -1;
	if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return lm_error(e, errno, L, "no_new_privs");
	if (chdir(p->cwd) < 0)
		return lm_error(e, errno, L, "process.cwd %s", p->cwd);
	if (p->nnp && lm_seccomp_apply(c, NULL, e) < 0)
		return -1;
	return exec_in_path(p->args, p->env, e);
}

int lm_oci_setup_tty(const struct lm_oci_process *p, int *master, struct lm_err *e)
{
	*master = -1;
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return lm_error(e, errno, L, "opening /dev/ptmx for process.terminal");
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
		close(m);
		return lm_error(e, errno, L, "unlocking the pty");
	}
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (s < 0) {
		close(m);
		return lm_error(e, errno, L, "opening the pty's terminal");
	}
	if (p->rows || p->cols) {
		struct winsize ws = {.ws_row = p->rows, .ws_col = p->cols};
		ioctl(s, TIOCSWINSZ, &ws);
	}
	/* the process owns its terminal (it may run as another uid) */
	if (fchown(s, p->uid, (gid_t)-1) < 0 && errno != EPERM && errno != EINVAL) {
		int err = errno;
		close(s);
		close(m);
		return lm_error(e, err, L, "chown of the pty");
	}
	if (setsid() < 0 && errno != EPERM) {
		int err = errno;
		close(s);
		close(m);
		return lm_error(e, err, L, "setsid");
	}
	if (ioctl(s, TIOCSCTTY, 0) < 0) {
		int err = errno;
		close(s);
		close(m);
		return lm_error(e, err, L, "making the pty the controlling terminal");
	}
	for (int fd = 0; fd < 3; fd++)
		if (dup2(s, fd) < 0) {
			int err = errno;
			close(s);
			close(m);
			return lm_error(e, err, L, "dup2 of the pty");
		}
	if (s > 2)
		close(s);
	*master = m;
	return 0;
}

int lm_oci_send_console(const char *path, int fd, struct lm_err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return lm_error(e, 0, L, "--console-socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	cleanup_close int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return lm_error(e, errno, L, "socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return lm_error(e, errno, L, "--console-socket %s", path);
	/* the name travels with the fd, as runc sends it */
	static const char name[] = "/dev/ptmx";
	if (lm_send_fd(s, name, sizeof name - 1, fd) < 0)
		return lm_error(e, errno, L, "sending the pty to --console-socket %s", path);
	return 0;
}
