/* oci_create: `create` and `start`, and which process is what.
 *
 *   lamina-oci create (the runtime, R)
 *     ├─ prepares what must come before any namespace: the seccomp filter (compiled now,
 *     │  inherited), the namespaces given by path (opened), the cgroup (made, with its limits),
 *     │  start.sock (bound in the state directory, listening)
 *     └─ fork: P1, in the container's cgroup (R puts it there first)
 *          joins the namespaces given by path (the user namespace first), makes the new ones
 *          (the user namespace first, whose maps R writes; then mount, uts, ipc, net, cgroup;
 *          pid last, as it applies to children), and forks:
 *          └─ P2, the container's init: pid 1 of its pid namespace (as under runc and crun)
 *               builds the root (oci_mount.c), R runs the createRuntime hooks meanwhile, P2 the
 *               createContainer ones, pivots, opens the pty, reports READY;
 *               then waits in accept() on start.sock; `start` connects: the startContainer
 *               hooks, then it becomes the container's process (oci_process.c).
 *   P1 exits as soon as P2 exists; R exits once P2 is READY: P2's parent is then the
 *   caller's subreaper (conmon, containerd's shim), which reaps it and takes its status.
 *
 * `state` tells created from running by start.sock: it exists from create until `start` has
 * been answered (start removes it), and the init is alive (pid and start time) throughout.
 * `start` returns once the init has exec'd (its end of the connection closes at execve,
 * O_CLOEXEC) or has failed (it writes the error on the connection first). */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/nsfs.h>

#define L "oci"

static const struct {
	const char *name, *proc;
	int flag;
} ns_table[LM_OCI_NNS] = {
    [LM_OCI_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [LM_OCI_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [LM_OCI_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [LM_OCI_NS_NET] = {"network", "net", CLONE_NEWNET},
    [LM_OCI_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [LM_OCI_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [LM_OCI_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [LM_OCI_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};
const char *lm_oci_ns_name(enum lm_oci_ns ns)
{
	return ns_table[ns].name;
}
const char *lm_oci_ns_proc(enum lm_oci_ns ns)
{
	return ns_table[ns].proc;
}
int lm_oci_ns_flag(enum lm_oci_ns ns)
{
	return ns_table[ns].flag;
}

void lm_oci_process_free(struct lm_oci_process *p)
{
	lm_strvfreep(&p->args);
	lm_strvfreep(&p->env);
	free(p->cwd);
	free(p->gids);
	free(p->rlimits);
	memset(p, 0, sizeof *p);
}

void lm_oci_free(struct lm_oci *o)
{
	free(o->id);
	free(o->bundle);
	free(o->rootfs);
	free(o->hostname);
	free(o->domainname);
	for (size_t i = 0; i < o->nmounts; i++) {
		free(o->mounts[i].dst);
		free(o->mounts[i].src);
		free(o->mounts[i].type);
		free(o->mounts[i].data);
	}
	free(o->mounts);
	for (int i = 0; i < LM_OCI_NNS; i++)
		free(o->ns_path[i]);
	free(o->uid_map);
	free(o->gid_map);
	lm_strvfreep(&o->masked);
	lm_strvfreep(&o->ropaths);
	lm_strvfreep(&o->sysctl);
	for (size_t i = 0; i < o->ndevices; i++)
		free(o->devices[i].path);
	free(o->devices);
	lm_oci_process_free(&o->proc);
	for (int k = 0; k < LM_OCI_NHOOKS; k++) {
		for (size_t i = 0; i < o->nhooks[k]; i++) {
			free(o->hooks[k][i].path);
			lm_strvfreep(&o->hooks[k][i].args);
			lm_strvfreep(&o->hooks[k][i].env);
		}
		free(o->hooks[k]);
	}
	free(o->cgroups_path);
	struct lm_oci_resources *r = &o->res;
	free(r->cpus);
	free(r->mems);
	free(r->wdev);
	free(r->wdev_leaf);
	for (int t = 0; t < 4; t++)
		free(r->thr[t]);
	for (size_t i = 0; i < r->nhuge; i++)
		free(r->huge[i].size);
	free(r->huge);
	free(r->prio);
	free(r->dev);
	free(o->annotations_json);
	lm_config_free(&o->lc);
	memset(o, 0, sizeof *o);
}

char *lm_oci_state_json(const struct lm_oci *o, const char *status, pid_t pid)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:s}", "ociVersion", "1.2.0", "id", o->id, "status",
			      status, "bundle", o->bundle);
	if (!s)
		return NULL;
	if (pid > 0)
		json_object_set_new(s, "pid", json_integer(pid));
	if (o->annotations_json) {
		json_t *a = json_loads(o->annotations_json, 0, NULL);
		if (a)
			json_object_set_new(s, "annotations", a);
	}
	char *r = json_dumps(s, JSON_COMPACT);
	json_decref(s);
	return r;
}

/* ---- hooks ------------------------------------------------------------------------------ */
static const char *const hook_names[LM_OCI_NHOOKS] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static int run_hook(const struct lm_oci_hook *h, const char *kind, size_t idx, const char *state,
		    struct lm_err *e)
{
	int in[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return lm_error(e, errno, "hooks", "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return lm_error(e, errno, "hooks", "fork");
	}
	if (pid == 0) {
		dup2(in[0], 0);
		char *dflt[] = {h->path, NULL};
		char *noenv[] = {NULL};
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(h->path, h->args && h->args[0] ? h->args : dflt, h->env ? h->env : noenv);
		_exit(127);
	}
	close(in[0]);
	signal(SIGPIPE, SIG_IGN);
	size_t len = strlen(state);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(in[1], state + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* a hook need not read its state */
		off += (size_t)w;
	}
	close(in[1]);
	int st = 0;
	double deadline = h->timeout;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &st, h->timeout ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return lm_error(e, errno, "hooks", "waiting for %s[%zu]", kind, idx);
		if (r == 0) {
			struct timespec t1, d = {0, 10 * 1000 * 1000};
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if ((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 >
			    deadline) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				return lm_error(e, 0, "hooks", "%s[%zu] %s: timed out after %d s",
						kind, idx, h->path, h->timeout);
			}
			nanosleep(&d, NULL);
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		return lm_error(e, 0, "hooks", "%s[%zu] %s exited with %d", kind, idx, h->path,
				WEXITSTATUS(st));
	return lm_error(e, 0, "hooks", "%s[%zu] %s killed by signal %d", kind, idx, h->path,
			WTERMSIG(st));
}

int lm_oci_run_hooks(const struct lm_oci *o, enum lm_oci_hook_kind k, const char *state,
		     struct lm_err *e)
{
	/* poststart and poststop: a failure is a warning and the rest still run (runtime-spec,
	 * lifecycle); the caller prints it.  The others stop at the first failure. */
	bool go_on = k == LM_OCI_HOOK_POSTSTART || k == LM_OCI_HOOK_POSTSTOP;
	int r = 0;
	for (size_t i = 0; i < o->nhooks[k]; i++) {
		struct lm_err one = {0};
		if (run_hook(&o->hooks[k][i], hook_names[k], i, state, &one) < 0) {
			if (r == 0)
				*e = one;
			r = -1;
			if (!go_on)
				break;
		}
	}
	return r;
}

/* ---- the sync channel between R, P1 and P2 --------------------------------------------- */
enum {
	SYNC_GO = 1,   /* R -> P1: in the cgroup; R -> P1: maps written; R -> P2: hooks done */
	SYNC_MAPS,     /* P1 -> R: write my maps */
	SYNC_PID,      /* P1 -> R: P2's pid (code) */
	SYNC_HOOKS,    /* P2 -> R: run the createRuntime hooks now */
	SYNC_READY,    /* P2 -> R: waiting for start (the pty's master with it) */
	SYNC_ERROR,    /* any -> R: failed (msg) */
	SYNC_STATEPID, /* R -> P2: your pid outside (code), for the hooks' state */
};
struct sync_msg {
	int type;
	int code;
	int errnum;
	char msg[1024];
};

static int sync_send(int fd, int type, int code, int passfd)
{
	struct sync_msg m = {.type = type, .code = code};
	return lm_send_fd(fd, &m, sizeof m, passfd);
}

/* Wait for a message of type want; an error message or a hang-up fills e. */
static int sync_wait(int fd, int want, struct sync_msg *m, int *passfd, struct lm_err *e)
{
	int pfd = -1;
	ssize_t r = lm_recv_fd(fd, m, sizeof *m, 0, &pfd);
	if (passfd)
		*passfd = pfd;
	else if (pfd >= 0)
		close(pfd);
	if (r != (ssize_t)sizeof *m) {
		if (e)
			lm_error(e, r < 0 ? errno : 0, L, "the container's init is gone");
		return -1;
	}
	if (m->type == SYNC_ERROR) {
		if (e) {
			snprintf(e->msg, sizeof e->msg, "%s", m->msg);
			e->errnum = m->errnum;
			e->exit_code = m->code ? m->code : LM_EXIT_FAILURE;
		}
		return -1;
	}
	if (m->type != want) {
		if (e)
			lm_error(e, 0, L, "unexpected message %d from the container's init",
				 m->type);
		return -1;
	}
	return 0;
}

_Noreturn static void child_fail(int fd, const struct lm_err *e)
{
	struct sync_msg m = {.type = SYNC_ERROR, .code = e->exit_code, .errnum = e->errnum};
	snprintf(m.msg, sizeof m.msg, "%s", e->msg);
	lm_send_fd(fd, &m, sizeof m, -1);
	_exit(e->exit_code ? e->exit_code : LM_EXIT_FAILURE);
}

static int write_map(pid_t pid, const char *file, const struct lm_idmap *m, size_t n,
		     struct lm_err *e)
{
	char buf[4096], path[64];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof buf - 40; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].inside,
					m[i].outside, m[i].count);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return lm_error(e, errno, L, "%s", path);
	ssize_t w = write(fd, buf, len);
	int err = errno;
	close(fd);
	if (w != (ssize_t)len)
		return lm_error(e, w < 0 ? err : EIO, L, "linux.%s: writing %s",
				file[0] == 'u' ? "uidMappings" : "gidMappings", path);
	return 0;
}

/* ---- P2: the container's init ---------------------------------------------------------- */
_Noreturn static void init_main(struct lm_oci *o, int sync, int lsock, struct lm_oci_create *a)
{
	struct lm_err e = {0};
	struct sync_msg m;
	if (setsid() < 0 && errno != EPERM) {
		lm_error(&e, errno, L, "setsid");
		child_fail(sync, &e);
	}
	if (sync_wait(sync, SYNC_STATEPID, &m, NULL, NULL) < 0)
		_exit(LM_EXIT_FAILURE);
	pid_t outside = m.code;
	if (lm_oci_rootfs_prepare(o, a->cgroup, &e) < 0)
		child_fail(sync, &e);
	if (o->nhooks[LM_OCI_HOOK_PRESTART] || o->nhooks[LM_OCI_HOOK_CREATE_RUNTIME]) {
		sync_send(sync, SYNC_HOOKS, 0, -1);
		if (sync_wait(sync, SYNC_GO, &m, NULL, NULL) < 0)
			_exit(LM_EXIT_FAILURE); /* R reports the hook's failure */
	}
	if (o->nhooks[LM_OCI_HOOK_CREATE_CONTAINER]) {
		cleanup_free char *st = lm_oci_state_json(o, "created", outside);
		if (!st || lm_oci_run_hooks(o, LM_OCI_HOOK_CREATE_CONTAINER, st, &e) < 0) {
			if (!st)
				lm_error(&e, ENOMEM, L, "state");
			child_fail(sync, &e);
		}
	}
	if (lm_oci_rootfs_finish(o, &e) < 0)
		child_fail(sync, &e);
	if (o->proc.args && lm_oci_check_executable(&o->proc, &e) < 0)
		child_fail(sync, &e);
	int master = -1;
	if (o->proc.terminal && lm_oci_setup_tty(&o->proc, &master, &e) < 0)
		child_fail(sync, &e);
	if (sync_send(sync, SYNC_READY, 0, master) < 0)
		_exit(LM_EXIT_FAILURE);
	if (master >= 0)
		close(master);
	/* R exits now; wait for `start`.  An error after this point goes to start's connection. */
	int conn;
	do
		conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	close(sync);
	if (conn < 0)
		_exit(LM_EXIT_FAILURE);
	close(lsock);
	char b;
	if (recv(conn, &b, 1, 0) != 1)
		_exit(LM_EXIT_FAILURE); /* start went away before it asked */
	if (o->nhooks[LM_OCI_HOOK_START_CONTAINER]) {
		cleanup_free char *st = lm_oci_state_json(o, "running", outside);
		if (!st || lm_oci_run_hooks(o, LM_OCI_HOOK_START_CONTAINER, st, &e) < 0) {
			if (!st)
				lm_error(&e, ENOMEM, L, "state");
			child_fail(conn, &e);
		}
	}
	if (!o->proc.args)
		lm_error(&e, 0, L, "config.json has no process: there is nothing to start");
	else
		lm_oci_exec_process(&o->proc, &o->lc, a->preserve_fds, &e);
	child_fail(conn, &e);
}

/* ---- P1: the namespaces ------------------------------------------------------------------ */
_Noreturn static void ns_main(struct lm_oci *o, int sync, int lsock, const int *nsfd,
			      struct lm_oci_create *a)
{
	struct lm_err e = {0};
	struct sync_msg m;
	if (sync_wait(sync, SYNC_GO, &m, NULL, NULL) < 0)
		_exit(LM_EXIT_FAILURE);
	/* the namespaces given by path, the user namespace first (the others may belong to it) */
	static const enum lm_oci_ns order[] = {LM_OCI_NS_USER, LM_OCI_NS_IPC, LM_OCI_NS_UTS,
					       LM_OCI_NS_NET,  LM_OCI_NS_PID, LM_OCI_NS_CGROUP,
					       LM_OCI_NS_MOUNT};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		enum lm_oci_ns ns = order[i];
		if (nsfd[ns] >= 0 && setns(nsfd[ns], ns_table[ns].flag) < 0) {
			lm_error(&e, errno, L, "linux.namespaces: joining the %s namespace %s",
				 ns_table[ns].name, o->ns_path[ns]);
			child_fail(sync, &e);
		}
	}
	if (o->ns_new[LM_OCI_NS_USER]) {
		if (unshare(CLONE_NEWUSER) < 0) {
			lm_error(&e, errno, L, "linux.namespaces: a new user namespace");
			child_fail(sync, &e);
		}
		sync_send(sync, SYNC_MAPS, 0, -1);
		if (sync_wait(sync, SYNC_GO, &m, NULL, NULL) < 0)
			_exit(LM_EXIT_FAILURE);
		/* root inside (where mapped), so that what init creates has an owner there */
		if (syscall(SYS_setresgid, 0, 0, 0) == 0)
			syscall(SYS_setgroups, 0, NULL);
		syscall(SYS_setresuid, 0, 0, 0);
	}
	int flags = 0;
	for (int ns = 0; ns < LM_OCI_NNS; ns++)
		if (ns != LM_OCI_NS_USER && o->ns_new[ns])
			flags |= ns_table[ns].flag;
	if (flags && unshare(flags) < 0) {
		lm_error(&e, errno, L, "linux.namespaces: new namespaces (unshare 0x%x)", flags);
		child_fail(sync, &e);
	}
	pid_t init = fork();
	if (init < 0) {
		lm_error(&e, errno, L, "fork of the container's init");
		child_fail(sync, &e);
	}
	if (init == 0)
		init_main(o, sync, lsock, a);
	sync_send(sync, SYNC_PID, init, -1);
	_exit(0);
}

/* ---- R ----------------------------------------------------------------------------------- */
static int open_ns(const struct lm_oci *o, int *nsfd, struct lm_err *e)
{
	for (int ns = 0; ns < LM_OCI_NNS; ns++) {
		nsfd[ns] = -1;
		if (!o->ns_path[ns])
			continue;
		nsfd[ns] = open(o->ns_path[ns], O_RDONLY | O_CLOEXEC);
		if (nsfd[ns] < 0)
			return lm_error(e, errno, L, "linux.namespaces: %s namespace %s",
					ns_table[ns].name, o->ns_path[ns]);
		int t = ioctl(nsfd[ns], NS_GET_NSTYPE);
		if (t != ns_table[ns].flag)
			return lm_error(e, t < 0 ? errno : 0, L,
					"linux.namespaces: %s is not a %s namespace",
					o->ns_path[ns], ns_table[ns].name);
	}
	return 0;
}

/* The address of DIR/start.sock: through DIR's fd (*dirfd, the caller closes it), since a
 * sockaddr_un holds 108 bytes and a state directory under XDG_RUNTIME_DIR with a 64-character
 * ID does not fit. */
static int start_addr(const char *dir, struct sockaddr_un *sa, int *dirfd, struct lm_err *e)
{
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return lm_error(e, errno, L, "%s", dir);
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/start.sock", *dirfd);
	return 0;
}

static int listen_start(const char *dir, struct lm_err *e)
{
	struct sockaddr_un sa;
	cleanup_close int dfd = -1;
	if (start_addr(dir, &sa, &dfd, e) < 0)
		return -1;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return lm_error(e, errno, L, "socket");
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(s, 4) < 0) {
		int err = errno;
		close(s);
		return lm_error(e, err, L, "%s/start.sock", dir);
	}
	return s;
}

pid_t lm_oci_create(struct lm_oci *o, struct lm_oci_create *a, struct lm_err *e)
{
	int nsfd[LM_OCI_NNS];
	for (int i = 0; i < LM_OCI_NNS; i++)
		nsfd[i] = -1;
	cleanup_close int lsock = -1, rsync = -1, csync = -1;
	pid_t p1 = -1, init = -1;
	int master = -1;
	pid_t ret = -1;
	char *cg = a->cgroup;
	cg[0] = '\0';

	/* P2 becomes our child when P1 exits: reaped here if the creation fails, handed to our
	 * own subreaper (the caller's) when we exit */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		lm_error(e, errno, L, "PR_SET_CHILD_SUBREAPER");
		goto out;
	}
	if (lm_seccomp_prepare(&o->lc, e) < 0 || open_ns(o, nsfd, e) < 0)
		goto out;
	if (lm_oci_cgroup_wanted(o) && lm_oci_cgroup_setup(o, cg, sizeof a->cgroup, e) < 0)
		goto out;
	if ((lsock = listen_start(a->state_dir, e)) < 0)
		goto out;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		lm_error(e, errno, L, "socketpair");
		goto out;
	}
	rsync = sv[0];
	csync = sv[1];
	p1 = fork();
	if (p1 < 0) {
		lm_error(e, errno, L, "fork");
		goto out;
	}
	if (p1 == 0) {
		close(rsync);
		ns_main(o, csync, lsock, nsfd, a);
	}
	close(csync);
	csync = -1;
	if (cg[0] && lm_oci_cgroup_enter(cg, p1, e) < 0)
		goto out;
	sync_send(rsync, SYNC_GO, 0, -1);
	struct sync_msg m;
	if (o->ns_new[LM_OCI_NS_USER]) {
		if (sync_wait(rsync, SYNC_MAPS, &m, NULL, e) < 0)
			goto out;
		if (write_map(p1, "uid_map", o->uid_map, o->nuid_map, e) < 0 ||
		    write_map(p1, "gid_map", o->gid_map, o->ngid_map, e) < 0)
			goto out;
		sync_send(rsync, SYNC_GO, 0, -1);
	}
	if (sync_wait(rsync, SYNC_PID, &m, NULL, e) < 0)
		goto out;
	init = m.code;
	while (waitpid(p1, NULL, 0) < 0 && errno == EINTR)
		;
	p1 = -1;
	if (o->proc.oom_set) {
		char path[64], v[16];
		snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)init);
		snprintf(v, sizeof v, "%d", o->proc.oom_score_adj);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, v, strlen(v)) < 0) {
			lm_error(e, errno, L, "process.oomScoreAdj %d", o->proc.oom_score_adj);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	sync_send(rsync, SYNC_STATEPID, init, -1);
	for (;;) {
		int pfd = -1;
		ssize_t r = lm_recv_fd(rsync, &m, sizeof m, 0, &pfd);
		if (r != (ssize_t)sizeof m) {
			lm_error(e, r < 0 ? errno : 0, L, "the container's init is gone");
			goto out;
		}
		if (m.type == SYNC_ERROR) {
			snprintf(e->msg, sizeof e->msg, "%s", m.msg);
			e->exit_code = m.code ? m.code : LM_EXIT_FAILURE;
			goto out;
		}
		if (m.type == SYNC_HOOKS) {
			/* the state the hooks see: prestart's is created (runtime-spec 1.0's
			 * hook, as runtime-tools checks it), createRuntime's creating */
			cleanup_free char *st = lm_oci_state_json(o, "creating", init);
			cleanup_free char *pst = lm_oci_state_json(o, "created", init);
			if (!st || !pst) {
				lm_error(e, ENOMEM, L, "state");
				goto out;
			}
			if (lm_oci_run_hooks(o, LM_OCI_HOOK_PRESTART, pst, e) < 0 ||
			    lm_oci_run_hooks(o, LM_OCI_HOOK_CREATE_RUNTIME, st, e) < 0)
				goto out;
			sync_send(rsync, SYNC_GO, 0, -1);
			continue;
		}
		if (m.type == SYNC_READY) {
			master = pfd;
			break;
		}
		if (pfd >= 0)
			close(pfd);
	}
	if (o->proc.terminal) {
		if (master < 0) {
			lm_error(e, 0, L, "no pty came from the container's init");
			goto out;
		}
		if (!a->console_socket) {
			lm_error(e, 0, L, "process.terminal needs --console-socket");
			goto out;
		}
		if (lm_oci_send_console(a->console_socket, master, e) < 0)
			goto out;
	}
	ret = init;
	init = -1;
out:
	if (master >= 0)
		close(master);
	for (int i = 0; i < LM_OCI_NNS; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	if (p1 > 0) {
		kill(p1, SIGKILL);
		while (waitpid(p1, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (init > 0) {
		kill(init, SIGKILL);
		while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (ret < 0 && cg[0]) {
		lm_oci_cgroup_remove(cg);
		cg[0] = '\0';
	}
	lm_seccomp_release();
	return ret;
}

int lm_oci_start(const char *dir, struct lm_err *e)
{
	struct sockaddr_un sa;
	cleanup_close int dfd = -1;
	if (start_addr(dir, &sa, &dfd, e) < 0)
		return -1;
	cleanup_close int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return lm_error(e, errno, L, "socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return lm_error(e, errno, L, "the container's init does not answer");
	if (send(s, "s", 1, MSG_NOSIGNAL) != 1)
		return lm_error(e, errno, L, "starting the container");
	unlinkat(dfd, "start.sock", 0);
	struct sync_msg m;
	ssize_t r;
	do
		r = recv(s, &m, sizeof m, 0);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0; /* closed at execve */
	if (r == (ssize_t)sizeof m && m.type == SYNC_ERROR) {
		snprintf(e->msg, sizeof e->msg, "%s", m.msg);
		e->errnum = m.errnum;
		e->exit_code = m.code ? m.code : LM_EXIT_FAILURE;
		return -1;
	}
	return lm_error(e, r < 0 ? errno : 0, L, "no answer from the container's init");
}

bool lm_oci_waiting(const char *dir)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/start.sock", dir);
	return access(p, F_OK) == 0;
}
