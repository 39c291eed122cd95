/* status: what a launch came to, told to the caller.
 *
 * Two things, said by the supervisor when the launch ends (the end step, after the resources
 * layer's, which measures the cgroup):
 *  - a process of the sandbox that SIGSYS killed (a seccomp rule's kill) is said in one line on
 *    stderr, whether it was the payload or one of its processes: what was killed, where the call
 *    is known which call, and --report for the rest;
 *  - --json-status-fd FD: one JSON object a line, each with one write(2): when the payload has
 *    started ({"pid": ..., "ns": {...}}) and when the launch ends ({"exit-code": ...}).
 *
 * How lamina learns of a SIGSYS death, cheaply: init reaps the payload and every orphan of the
 * sandbox, and the wait status it gets anyway says which signal ended each.  A SIGSYS death
 * costs init one read of the zombie's name (the SIGCHLD's siginfo names it before the reap), and
 * the count travels with the payload's status (LM_CTL_EXIT): a launch without one makes no
 * system call more.  A process whose own parent reaps it (a shell's command, Python's
 * subprocess) is that parent's to see: a shell passes it on as its exit status 159, which lamina
 * takes as a hint; a parent that carries on leaves nothing lamina could see without a cost on
 * every launch, and --report shows every violation.  Which call: the kernel logs a seccomp kill
 * (an audit record with the pid, the name, the host uid and the call's number); where lamina can
 * read the kernel's log (root), it takes the call from the last record of this sandbox's host
 * ids made since the launch began.  The rule needs the call's arguments, which only --report
 * sees (report.c).
 *
 * The start object is written once the payload has exec'd: init sends its namespaces' inode
 * numbers and a pidfd of the payload, whose fdinfo names the payload's pid as the host numbers
 * it, and waits (the payload unreaped, its pid not reusable) until the supervisor has read it.
 * Only with --json-status-fd: otherwise none of this runs.  The fd itself is the supervisor's:
 * init closes it first thing (a fd of lamina's own the payload must not hold), and it is
 * close-on-exec for the helpers the supervisor starts. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define L "status"

static const char *const ns_names[LM_STATUS_NNS] = {"user", "mnt", "pid",   "net",
						    "ipc",  "uts", "cgroup"};

/* ---- init ------------------------------------------------------------------------------- */
static struct lm_ctl_exit reaped; /* init's tally of SIGSYS deaths */
static pid_t zombie_pid;	  /* a SIGSYS-killed zombie whose name was read, or 0 */
static char zombie_comm[16];

void lm_status_sigchld(const siginfo_t *si)
{
	if ((si->si_code != CLD_KILLED && si->si_code != CLD_DUMPED) || si->si_status != SIGSYS)
		return;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)si->si_pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, zombie_comm, sizeof zombie_comm - 1);
	close(fd);
	if (n <= 0)
		return;
	zombie_comm[n] = '\0';
	zombie_comm[strcspn(zombie_comm, "\n")] = '\0';
	zombie_pid = si->si_pid;
}

void lm_status_reaped(pid_t pid, int st, pid_t payload)
{
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		return;
	const char *comm = pid == zombie_pid ? zombie_comm : "";
	reaped.sigsys++;
	if (pid == payload)
		snprintf(reaped.payload_comm, sizeof reaped.payload_comm, "%s", comm);
	else if (!reaped.sigsys_pid) {
		reaped.sigsys_pid = pid;
		snprintf(reaped.sigsys_comm, sizeof reaped.sigsys_comm, "%s", comm);
	}
	if (pid == zombie_pid)
		zombie_pid = 0;
}

void lm_status_exit(const struct lm_config *c, struct lm_ctl_exit *x)
{
	*x = reaped;
	struct rusage ru;
	if (c->status_fd_set && getrusage(RUSAGE_CHILDREN, &ru) == 0) {
		x->usage = true;
		x->cpu_usec =
		    (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec +
		    (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec;
		x->maxrss_kib = ru.ru_maxrss;
	}
}

void lm_status_payload_started(struct lm_sandbox *sb, pid_t payload)
{
	reaped.payload_pid = payload;
	if (!sb->c->status_fd_set)
		return;
	struct lm_ctl_msg m = {.type = LM_CTL_STARTED, .code = payload};
	for (int i = 0; i < LM_STATUS_NNS; i++) {
		char path[64];
		struct stat st;
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns_names[i]);
		if (stat(path, &st) == 0)
			m.u.ns[i] = (uint64_t)st.st_ino;
	}
	int pidfd = (int)syscall(SYS_pidfd_open, payload, 0);
	int r = lm_ctl_send(sb->ctl, &m, pidfd);
	if (pidfd >= 0)
		close(pidfd);
	/* The payload stays unreaped (SIGCHLD is blocked until init waits for it) until the
	 * supervisor has read its host pid: the pidfd names it only while it exists. */
	char b[sizeof m];
	while (r == 0 && recv(sb->ctl, b, sizeof b, 0) < 0 && errno == EINTR)
		;
}

/* ---- supervisor: JSON --------------------------------------------------------------------- */
struct jbuf {
	char s[4096];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void jput(struct jbuf *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(j->s + j->n, sizeof j->s - j->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		j->n = j->n + (size_t)r < sizeof j->s ? j->n + (size_t)r : sizeof j->s - 1;
}

/* The length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n = c < 0x80		? 1
		   : (c & 0xe0) == 0xc0 ? 2
		   : (c & 0xf0) == 0xe0 ? 3
		   : (c & 0xf8) == 0xf0 ? 4
					: 0;
	if (!n || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && c == 0xe0 && s[1] < 0xa0) || (n == 3 && c == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && c == 0xf0 && s[1] < 0x90) || (n == 4 && c == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, a surrogate, beyond U+10FFFF */
	return n;
}

/* A JSON string: quotes, backslashes and control bytes escaped, a byte that is not UTF-8 as
 * U+FFFD (a path in a message can hold any byte; the object must stay valid JSON). */
static void jstr(struct jbuf *j, const char *str)
{
	jput(j, "\"");
	for (const unsigned char *s = (const unsigned char *)str; *s;) {
		size_t n = utf8_len(s);
		if (*s == '"' || *s == '\\')
			jput(j, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			jput(j, "\\u%04x", *s);
		else if (n)
			jput(j, "%.*s", (int)n, (const char *)s);
		else
			jput(j, "\\ufffd");
		s += n ? n : 1;
	}
	jput(j, "\"");
}

/* One object, one line, one write(2).  A reader that went away (EPIPE) is said once on stderr;
 * SIGPIPE is held for the write and taken back, so that it does not end lamina. */
static void jwrite(const struct lm_config *c, struct jbuf *j)
{
	static bool warned;
	jput(j, "\n");
	sigset_t pipe, old;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe, &old);
	ssize_t r;
	do
		r = write(c->status_fd, j->s, j->n);
	while (r < 0 && errno == EINTR);
	int err = r < 0 ? errno : r < (ssize_t)j->n ? EAGAIN : 0;
	if (err == EPIPE && !sigismember(&old, SIGPIPE)) {
		struct timespec zero = {0, 0};
		sigtimedwait(&pipe, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (err && !warned) {
		warned = true;
		fprintf(stderr, "lamina: status: writing to --json-status-fd %d: %s\n",
			c->status_fd,
			err == EAGAIN ? "only part of the object was taken" : strerror(err));
	}
}

/* The pid a pidfd names, as the reader's /proc numbers it (-1: gone). */
static long pidfd_pid(int pidfd)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
	FILE *f = fopen(path, "re");
	long pid = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Pid:", 4))
			pid = strtol(line + 4, NULL, 10);
	fclose(f);
	return pid > 0 ? pid : -1;
}

void lm_status_started(struct lm_sandbox *sb, const struct lm_ctl_msg *m, int pidfd)
{
	long host = pidfd >= 0 ? pidfd_pid(pidfd) : -1;
	if (pidfd >= 0)
		close(pidfd);
	if (sb->c->status_fd_set) {
		struct jbuf j = {.n = 0};
		if (host > 0)
			jput(&j, "{\"pid\": %ld, ", host);
		else
			jput(&j, "{\"pid\": null, ");
		jput(&j, "\"pid-inside\": %d, \"ns\": {", m->code);
		for (int i = 0; i < LM_STATUS_NNS; i++) {
			jput(&j, "%s\"%s\": ", i ? ", " : "", ns_names[i]);
			if (m->u.ns[i])
				jput(&j, "%llu", (unsigned long long)m->u.ns[i]);
			else
				jput(&j, "null");
		}
		jput(&j, "}}");
		jwrite(sb->c, &j);
	}
	struct lm_ctl_msg go = {.type = LM_CTL_GO};
	lm_ctl_send(sb->ctl, &go, -1);
}

static void end_object(const struct lm_sandbox *sb)
{
	const struct lm_ctl_exit *x = &sb->exit;
	int st = sb->payload_status;
	struct lm_resources_status rs;
	lm_resources_last_status(&rs);
	struct jbuf j = {.n = 0};
	jput(&j, "{\"exit-code\": %d, \"signal\": ", sb->exit_code);
	if (st >= 0 && WIFSIGNALED(st))
		jput(&j, "%d", WTERMSIG(st));
	else
		jput(&j, "null");
	jput(&j, ", \"timed-out\": %s", sb->timed_out ? "true" : "false");
	if (st >= 0 && x->usage)
		jput(&j, ", \"cpu-ms\": %llu, \"max-rss-kib\": %ld",
		     (unsigned long long)(x->cpu_usec / 1000), x->maxrss_kib);
	else
		jput(&j, ", \"cpu-ms\": null, \"max-rss-kib\": null");
	jput(&j, ", \"seccomp-kills\": %u", st >= 0 ? x->sigsys : 0);
	jput(&j, ", \"cgroup\": %s, \"oom\": %s", rs.measured ? "true" : "false",
	     rs.measured && rs.oom_kills ? "true" : "false");
	if (rs.measured && rs.have_memory_peak)
		jput(&j, ", \"memory-peak-kib\": %llu", (unsigned long long)(rs.memory_peak >> 10));
	if (rs.measured && rs.have_cpu)
		jput(&j, ", \"cgroup-cpu-ms\": %llu", (unsigned long long)(rs.cpu_usec / 1000));
	if (sb->error) {
		jput(&j, ", \"error\": ");
		jstr(&j, sb->error);
	}
	jput(&j, "}");
	jwrite(sb->c, &j);
}

/* ---- supervisor: the SIGSYS line ---------------------------------------------------------------
 */
/* Does host uid belong to the sandbox? */
static bool sandbox_uid(const struct lm_config *c, unsigned long uid)
{
	for (unsigned i = 0; i < c->nuid_map; i++)
		if (uid >= c->uid_map[i].outside &&
		    uid - c->uid_map[i].outside < c->uid_map[i].count)
			return true;
	return false;
}

struct kill_search {
	const struct lm_sandbox *sb;
	const char *comm;
	long long since; /* ms of the wall clock */
	char *call, *name;
	size_t cn, nn;
};

static void kill_record(char *msg, void *arg)
{
	struct kill_search *k = arg;
	long long sec;
	int ms;
	if (sscanf(msg + 23, "%lld.%d", &sec, &ms) != 2 || sec * 1000 + ms < k->since)
		return;
	char *uid = strstr(msg, " uid="), *cm = strstr(msg, " comm=\""),
	     *sig = strstr(msg, " sig="), *arch = strstr(msg, " arch="),
	     *nr = strstr(msg, " syscall=");
	if (!uid || !cm || !sig || !arch || !nr || atoi(sig + 5) != SIGSYS ||
	    !sandbox_uid(k->sb->c, strtoul(uid + 5, NULL, 10)))
		return;
	cm += 7;
	size_t cl = strcspn(cm, "\"");
	if (*k->comm && (strlen(k->comm) != cl || strncmp(cm, k->comm, cl)))
		return;
	uint32_t a = (uint32_t)strtoul(arch + 6, NULL, 16);
	char *s = seccomp_syscall_resolve_num_arch(a, atoi(nr + 9));
	if (s)
		snprintf(k->call, k->cn, "%s%s", s, a == SCMP_ARCH_X86_64 ? "" : " (i386)");
	else
		snprintf(k->call, k->cn, "system call %d", atoi(nr + 9));
	free(s);
	snprintf(k->name, k->nn, "%.*s", (int)cl, cm);
}

/* The call of the last seccomp kill the kernel logged for this sandbox (its host ids, since the
 * launch began; the name comm where known) into call, its process's name into name.  Only
 * where the kernel's log is readable (root), and nothing when the kernel's rate limit left the
 * record out. */
static void logged_call(const struct lm_sandbox *sb, const char *comm, char *call, size_t cn,
			char *name, size_t nn)
{
	/* audit's clock is the coarse wall clock: a record made at the start may read a tick
	 * earlier */
	struct kill_search k = {
	    .sb = sb,
	    .comm = comm,
	    .since = (long long)sb->start.tv_sec * 1000 + sb->start.tv_nsec / 1000000 - 20,
	    .call = call,
	    .name = name,
	    .cn = cn,
	    .nn = nn,
	};
	lm_kmsg_each("audit: type=1326 audit(", kill_record, &k);
}

static void sigsys_line(const struct lm_sandbox *sb)
{
	const struct lm_ctl_exit *x = &sb->exit;
	int st = sb->payload_status;
	if (sb->reported || st < 0)
		return;
	bool payload = WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
	bool shell = WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGSYS;
	unsigned others = x->sigsys - (payload && x->sigsys);
	if (!payload && !others && !shell)
		return;
	const char *comm = payload ? x->payload_comm : others ? x->sigsys_comm : "";
	char call[96] = "", name[16] = "", who[160], more[64] = "";
	logged_call(sb, comm, call, sizeof call, name, sizeof name);
	if (*comm)
		snprintf(name, sizeof name, "%s", comm);
	for (char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	unsigned more_n = payload ? others : others ? others - 1 : 0;
	if (more_n)
		snprintf(more, sizeof more, " and %u more process%s of the sandbox", more_n,
			 more_n > 1 ? "es" : "");
	if (payload)
		snprintf(who, sizeof who, "the payload (pid %d%s%s)%s %s killed by SIGSYS",
			 x->payload_pid, *name ? ", " : "", name, more, more_n ? "were" : "was");
	else if (others)
		snprintf(who, sizeof who, "pid %d%s%s%s%s %s killed by SIGSYS", x->sigsys_pid,
			 *name ? " (" : "", name, *name ? ")" : "",
			 more_n ? more : " of the sandbox", more_n ? "were" : "was");
	else
		snprintf(who, sizeof who,
			 "the payload exited with 159, as a shell does when SIGSYS killed its "
			 "command%s%s%s",
			 *name ? " (" : "", name, *name ? ")" : "");
	fprintf(stderr, "lamina: seccomp: %s%s%s (a seccomp rule); run with --report to see %s\n",
		who, *call ? " at " : "", call, *call ? "the rule" : "which call and rule");
}

/* ---- the layer ------------------------------------------------------------------------------ */
static int status_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	(void)e;
	const struct lm_config *c = sb->c;
	/* the wall clock (no system call: the vDSO), for the kernel log's records */
	clock_gettime(CLOCK_REALTIME, &sb->start);
	if (c->status_fd_set && c->status_fd > 2) {
		/* The supervisor's: no helper it starts inherits it, init closes it first thing. */
		int fl = fcntl(c->status_fd, F_GETFD);
		if (fl < 0 || fcntl(c->status_fd, F_SETFD, fl | FD_CLOEXEC) < 0)
			return lm_error(e, errno, L, "--json-status-fd %d", c->status_fd);
		lm_sandbox_drop_fd(sb, c->status_fd);
	}
	return 0;
}

static void status_end(struct lm_sandbox *sb)
{
	sigsys_line(sb);
	if (sb->c->status_fd_set)
		end_object(sb);
}

/* --json-status-fd FD: an open fd this process may write to. */
static int set_status_fd(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	uint64_t v;
	if (lm_parse_u64(a->argv[0], 1u << 30, false, &v) < 0)
		return lm_error(e, 0, L, "%s '%.40s' is not a file descriptor number", a->name,
				a->argv[0]);
	int fl = fcntl((int)v, F_GETFL);
	if (fl < 0)
		return lm_error(e, errno == EBADF ? 0 : errno, L, "%s %d: %s", a->name, (int)v,
				errno == EBADF ? "not an open file descriptor" : "fcntl");
	if ((fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY)
		return lm_error(e, 0, L, "%s %d: not open for writing", a->name, (int)v);
	c->status_fd_set = true;
	c->status_fd = (int)v;
	return 0;
}

static const struct lm_setting status_settings[] = {
    {.option = "--json-status-fd",
     .nargs = 1,
     .metavar = "FD",
     .help = "a JSON line on FD when the payload starts (pids, namespaces) and when it ends",
     .set = set_status_fd},
    {0},
};

const struct lm_layer lm_layer_status = {
    .name = "status",
    .bit = LM_LAYER_STATUS,
    .settings = status_settings,
    .step = {[LM_STAGE_PREPARE] = status_prepare},
    .end = status_end,
};
