/* lamina-oci: lamina behind the OCI runtime command line (runc's and crun's), for Podman,
 * containerd and the runtime-spec's conformance suite.
 *
 *   lamina-oci [--root DIR] [--log FILE] [--log-format text|json] [--systemd-cgroup] COMMAND
 *     create [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] ID
 *     start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID
 *     run [--bundle DIR] [--pid-file F] [--console-socket S] [--detach] ID
 *     exec [--process FILE | ARGS...] [--tty] [--console-socket S] [--detach] [--pid-file F]
 *          [--cwd DIR] [--env K=V] [--user UID[:GID]] ID
 *     features | --version
 *
 * Each command is one short-lived process: the state between them is a directory per container
 * under --root (default /run/lamina-oci as root, $XDG_RUNTIME_DIR/lamina-oci otherwise) with
 * state.json (the init's pid and start time, the bundle, the cgroup) and a copy of config.json
 * (for exec and the poststop hooks).  Errors: one line on stderr ("lamina-oci: ...") and in
 * --log (as JSON with --log-format json, which conmon reads), exit 125. */
#include "oci_cmds.h"
#include "../src/profile_json.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OCI_VERSION "1.2.0"

static const char *g_root;
static const char *g_log;
static bool g_log_json;

static void log_line(const char *level, const char *msg)
{
	if (!g_log)
		return;
	int fd = open(g_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char t[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *line = NULL;
	if (g_log_json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", t);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (s && asprintf(&line, "%s\n", s) < 0)
			line = NULL;
		free(s);
	} else if (asprintf(&line, "%s %s: %s\n", t, level, msg) < 0) {
		line = NULL;
	}
	if (line && write(fd, line, strlen(line)) < 0) {
		/* the log is best effort: stderr has the message too */
	}
	free(line);
	close(fd);
}

static int fail(const struct lm_err *e)
{
	fprintf(stderr, "lamina-oci: %s\n", e->msg);
	log_line("error", e->msg);
	return e->exit_code ? e->exit_code : LM_EXIT_FAILURE;
}

static int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failf(const char *fmt, ...)
{
	struct lm_err e = {0};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof e.msg, fmt, ap);
	va_end(ap);
	return fail(&e);
}

static void warn(const char *msg)
{
	fprintf(stderr, "lamina-oci: warning: %s\n", msg);
	log_line("warning", msg);
}

/* ---- state ------------------------------------------------------------------------------- */
static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.+", *p))
			return false;
	return true;
}

static void state_dir(char *buf, size_t n, const char *id)
{
	snprintf(buf, n, "%s/%s", g_root, id);
}

/* The start time of pid (field 22 of /proc/PID/stat), 0 when it is gone or a zombie. */
static unsigned long long proc_start(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	char *q = strrchr(buf, ')');
	if (!q)
		return 0;
	char st;
	unsigned long long start = 0;
	/* after ") ": state is field 3; start time field 22 */
	if (sscanf(q + 2,
		   "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   &st, &start) != 2)
		return 0;
	return st == 'Z' || st == 'X' ? 0 : start;
}

struct state {
	pid_t pid;
	unsigned long long start;
	char bundle[4096];
	char cgroup[1024];
	char created[64];
	char dir[4200];
	char *annotations; /* JSON, or NULL */
};

static int read_state(const char *id, struct state *s, struct lm_err *e)
{
	memset(s, 0, sizeof *s);
	if (!valid_id(id))
		return lm_error(e, 0, "oci", "'%.80s' is not a valid container ID", id);
	state_dir(s->dir, sizeof s->dir, id);
	char file[4300];
	snprintf(file, sizeof file, "%s/state.json", s->dir);
	json_error_t je;
	json_t *j = json_load_file(file, 0, &je);
	if (!j) {
		if (access(s->dir, F_OK) < 0)
			return lm_error(e, 0, "oci", "container %s does not exist", id);
		return lm_error(e, 0, "oci", "container %s: its state is unreadable (%s)", id,
				je.text);
	}
	json_t *a = json_object_get(j, "annotations");
	s->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	s->start = (unsigned long long)json_integer_value(json_object_get(j, "start"));
	snprintf(s->bundle, sizeof s->bundle, "%s",
		 json_string_value(json_object_get(j, "bundle")) ?: "");
	snprintf(s->cgroup, sizeof s->cgroup, "%s",
		 json_string_value(json_object_get(j, "cgroup")) ?: "");
	snprintf(s->created, sizeof s->created, "%s",
		 json_string_value(json_object_get(j, "created")) ?: "");
	s->annotations = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(j);
	return 0;
}

static bool alive(const struct state *s)
{
	return s->pid > 0 && proc_start(s->pid) == s->start;
}

static const char *status_of(const struct state *s)
{
	if (!alive(s))
		return "stopped";
	return lm_oci_waiting(s->dir) ? "created" : "running";
}

static int write_file_atomic(const char *path, const char *text, struct lm_err *e)
{
	char tmp[4400];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return lm_error(e, errno, "oci", "%s", tmp);
	size_t len = strlen(text);
	ssize_t w = write(fd, text, len);
	int err = errno;
	if (close(fd) < 0 && w == (ssize_t)len)
		w = -1, err = errno;
	if (w != (ssize_t)len || rename(tmp, path) < 0) {
		unlink(tmp);
		return lm_error(e, w != (ssize_t)len ? err : errno, "oci", "writing %s", path);
	}
	return 0;
}

static int copy_file(const char *from, const char *to, struct lm_err *e)
{
	FILE *f = fopen(from, "re");
	if (!f)
		return lm_error(e, errno, "oci", "%s", from);
	char *buf = NULL;
	size_t n = 0;
	ssize_t r = getdelim(&buf, &n, '\0', f);
	fclose(f);
	if (r < 0) {
		free(buf);
		return lm_error(e, EIO, "oci", "reading %s", from);
	}
	int ret = write_file_atomic(to, buf, e);
	free(buf);
	return ret;
}

static int rm_rf(const char *dir)
{
	char p[4400];
	static const char *const files[] = {"state.json",     "config.json",	 "start.sock",
					    "state.json.tmp", "config.json.tmp", NULL};
	for (const char *const *f = files; *f; f++) {
		snprintf(p, sizeof p, "%s/%s", dir, *f);
		unlink(p);
	}
	return rmdir(dir);
}

/* ---- option parsing ---------------------------------------------------------------------- */
struct opts {
	const char *bundle, *pid_file, *console_socket, *process, *cwd, *user, *signal;
	const char *envs[64];
	int nenv;
	int preserve_fds;
	bool detach, force, all, tty;
	char **rest; /* the words after the options */
	int nrest;
};

/* Options of a command, in --name VALUE, --name=VALUE or -x VALUE form. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	int i;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		char name[64];
		const char *val = NULL;
		const char *eq = strchr(a, '=');
		snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		if (eq)
			val = eq + 1;
		static const char *const with_arg[] = {"--bundle",   "-b",
						       "--pid-file", "--console-socket",
						       "--process",  "-p",
						       "--cwd",	     "--env",
						       "-e",	     "--user",
						       "-u",	     "--preserve-fds",
						       "--cap",	     "--process-label",
						       "--apparmor", "--signal",
						       "-s",	     "--criu",
						       NULL};
		bool takes = false;
		for (const char *const *w = with_arg; *w && !takes; w++)
			takes = strcmp(*w, name) == 0;
		if (takes && !val) {
			if (i + 1 >= argc)
				return failf("option %s needs an argument", name);
			val = argv[++i];
		}
		if (!strcmp(name, "--bundle") || !strcmp(name, "-b"))
			o->bundle = val;
		else if (!strcmp(name, "--pid-file"))
			o->pid_file = val;
		else if (!strcmp(name, "--console-socket"))
			o->console_socket = val;
		else if (!strcmp(name, "--process") || !strcmp(name, "-p"))
			o->process = val;
		else if (!strcmp(name, "--cwd"))
			o->cwd = val;
		else if (!strcmp(name, "--user") || !strcmp(name, "-u"))
			o->user = val;
		else if (!strcmp(name, "--env") || !strcmp(name, "-e")) {
			if (o->nenv < 64)
				o->envs[o->nenv++] = val;
		} else if (!strcmp(name, "--preserve-fds")) {
			char *end;
			long v = strtol(val, &end, 10);
			if (*end || v < 0 || v > 1000)
				return failf("--preserve-fds %s: expected a number", val);
			o->preserve_fds = (int)v;
		} else if (!strcmp(name, "--detach") || !strcmp(name, "-d"))
			o->detach = true;
		else if (!strcmp(name, "--force") || !strcmp(name, "-f"))
			o->force = true;
		else if (!strcmp(name, "--all") || !strcmp(name, "-a"))
			o->all = true;
		else if (!strcmp(name, "--tty") || !strcmp(name, "-t"))
			o->tty = true;
		else if (!strcmp(name, "--no-new-keyring") || !strcmp(name, "--no-subreaper"))
			; /* lamina-oci makes no session keyring, and is no subreaper after create
			   */
		else if (!strcmp(name, "--cap") || !strcmp(name, "--process-label") ||
			 !strcmp(name, "--apparmor") || !strcmp(name, "--no-pivot") ||
			 !strcmp(name, "--criu"))
			return failf("option %s is not supported by lamina-oci", name);
		else if (!strcmp(name, "--signal") || !strcmp(name, "-s")) {
			o->rest = NULL; /* kill -s SIG: handled as the second word */
			static char *sigword;
			sigword = (char *)val;
			o->envs[63] = sigword;
		} else
			return failf("unknown option '%.80s'", a);
	}
	o->rest = argv + i;
	o->nrest = argc - i;
	return 0;
}

static int signal_number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end)
		return v > 0 && v < 65 ? (int)v : -1;
	static const struct {
		const char *name;
		int sig;
	} names[] = {
	    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
	    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"IOT", SIGIOT},	     {"BUS", SIGBUS},
	    {"FPE", SIGFPE},	   {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
	    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
	    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
	    {"TSTP", SIGTSTP},	   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
	    {"XCPU", SIGXCPU},	   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
	    {"SYS", SIGSYS},
	};
	const char *n = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(names[i].name, n) == 0)
			return names[i].sig;
	if (strncasecmp(n, "RTMIN+", 6) == 0)
		return SIGRTMIN + atoi(n + 6);
	return -1;
}

static int load_bundle(const char *bundle_arg, const char *id, struct lm_oci *oc, struct lm_err *e)
{
	char bundle[PATH_MAX];
	if (!realpath(bundle_arg ? bundle_arg : ".", bundle))
		return lm_error(e, errno, "oci", "--bundle %s", bundle_arg ? bundle_arg : ".");
	lm_config_init(&oc->lc);
	oc->id = strdup(id);
	if (!oc->id)
		return lm_error(e, ENOMEM, "oci", "id");
	return lm_oci_load_config(bundle, oc, e);
}

/* --root and the directories above it (containerd's /run/containerd/runc/NAMESPACE) */
static int mkdir_p(const char *dir)
{
	char p[4096];
	if (strlen(dir) >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(p, dir);
	for (char *q = p + 1;; q++) {
		if (*q == '/' || !*q) {
			char c = *q;
			*q = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST)
				return -1;
			*q = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static char *now_rfc3339(char *buf, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char base[40];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%09ldZ", base, ts.tv_nsec);
	return buf;
}

/* create (and run's first half): 0 and *pid, or the exit status of a failure */
static int do_create(const char *id, const struct opts *op, struct lm_oci *oc, pid_t *pid,
		     char *dir, size_t dirn)
{
	struct lm_err e = {0};
	if (!valid_id(id))
		return failf("'%.80s' is not a valid container ID (letters, digits, - _ . +)", id);
	if (load_bundle(op->bundle, id, oc, &e) < 0)
		return fail(&e);
	if (mkdir_p(g_root) < 0)
		return failf("--root %s: %s", g_root, strerror(errno));
	state_dir(dir, dirn, id);
	if (mkdir(dir, 0700) < 0)
		return errno == EEXIST ? failf("container %s already exists", id)
				       : failf("%s: %s", dir, strerror(errno));
	char src[4300], dst[4300];
	snprintf(src, sizeof src, "%s/config.json", oc->bundle);
	snprintf(dst, sizeof dst, "%s/config.json", dir);
	if (copy_file(src, dst, &e) < 0) {
		rm_rf(dir);
		return fail(&e);
	}
	struct lm_oci_create a = {.state_dir = dir,
				  .console_socket = op->console_socket,
				  .preserve_fds = op->preserve_fds};
	pid_t p = lm_oci_create(oc, &a, &e);
	if (p < 0) {
		rm_rf(dir);
		return fail(&e);
	}
	char created[64];
	json_t *s = json_pack("{s:i, s:I, s:s, s:s, s:s}", "pid", (int)p, "start",
			      (json_int_t)proc_start(p), "bundle", oc->bundle, "cgroup", a.cgroup,
			      "created", now_rfc3339(created, sizeof created));
	if (s && oc->annotations_json)
		json_object_set_new(s, "annotations", json_loads(oc->annotations_json, 0, NULL));
	char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
	json_decref(s);
	char file[4300];
	snprintf(file, sizeof file, "%s/state.json", dir);
	int r = text ? write_file_atomic(file, text, &e) : lm_error(&e, ENOMEM, "oci", "state");
	free(text);
	if (r == 0 && op->pid_file) {
		char v[32];
		snprintf(v, sizeof v, "%d", (int)p);
		r = write_file_atomic(op->pid_file, v, &e);
	}
	if (r < 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		lm_oci_cgroup_remove(a.cgroup);
		rm_rf(dir);
		return fail(&e);
	}
	*pid = p;
	return 0;
}

static int load_saved_config(const struct state *s, const char *id, struct lm_oci *oc,
			     struct lm_err *e)
{
	lm_config_init(&oc->lc);
	oc->id = strdup(id);
	if (!oc->id)
		return lm_error(e, ENOMEM, "oci", "id");
	/* the copy made at create: the bundle may have changed since */
	char dir[4300];
	snprintf(dir, sizeof dir, "%s", s->dir);
	lm_oci_config_quiet = true;
	int r = lm_oci_load_config(dir, oc, e);
	if (r == 0) {
		free(oc->bundle);
		oc->bundle = strdup(s->bundle);
		if (!oc->bundle)
			return lm_error(e, ENOMEM, "oci", "bundle");
	}
	return r;
}

static int do_start(const char *id)
{
	struct lm_err e = {0};
	struct state s;
	if (read_state(id, &s, &e) < 0)
		return fail(&e);
	const char *st = status_of(&s);
	free(s.annotations);
	if (strcmp(st, "created") != 0)
		return failf("container %s is %s, not created: it cannot be started", id, st);
	struct lm_oci oc = {0};
	if (load_saved_config(&s, id, &oc, &e) < 0) {
		lm_oci_free(&oc);
		return fail(&e);
	}
	if (lm_oci_start(s.dir, &e) < 0) {
		lm_oci_free(&oc);
		return fail(&e);
	}
	if (oc.nhooks[LM_OCI_HOOK_POSTSTART]) {
		char *js = lm_oci_state_json(&oc, "running", s.pid);
		if (js && lm_oci_run_hooks(&oc, LM_OCI_HOOK_POSTSTART, js, &e) < 0)
			warn(e.msg);
		free(js);
	}
	lm_oci_free(&oc);
	return 0;
}

static int do_state(const char *id)
{
	struct lm_err e = {0};
	struct state s;
	if (read_state(id, &s, &e) < 0)
		return fail(&e);
	const char *st = status_of(&s);
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "ociVersion", OCI_VERSION, "id", id,
			      "status", st, "pid", strcmp(st, "stopped") ? (int)s.pid : 0, "bundle",
			      s.bundle, "created", s.created);
	if (j && s.annotations)
		json_object_set_new(j, "annotations", json_loads(s.annotations, 0, NULL));
	free(s.annotations);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	if (!text)
		return failf("state: out of memory");
	printf("%s\n", text);
	free(text);
	return 0;
}

static int do_kill(const struct opts *op)
{
	struct lm_err e = {0};
	if (op->nrest < 1 || op->nrest > 2)
		return failf("usage: lamina-oci kill [--all] ID [SIGNAL]");
	const char *id = op->rest[0];
	const char *sigs = op->nrest == 2 ? op->rest[1] : op->signal ? op->signal : "TERM";
	int sig = signal_number(sigs);
	if (sig < 0)
		return failf("kill: '%.40s' is not a signal", sigs);
	struct state s;
	if (read_state(id, &s, &e) < 0)
		return fail(&e);
	free(s.annotations);
	if (!alive(&s))
		return failf("container %s is not running", id);
	if (op->all && s.cgroup[0])
		lm_oci_cgroup_kill(s.cgroup, sig);
	if (kill(s.pid, sig) < 0)
		return failf("kill %d: %s", (int)s.pid, strerror(errno));
	return 0;
}

/* Wait until the init is gone (reaped, or a zombie its reaper has not collected yet). */
static bool wait_gone(const struct state *s, int ms)
{
	for (int i = 0; i < ms / 5; i++) {
		if (!alive(s))
			return true;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return !alive(s);
}

static int do_delete(const struct opts *op)
{
	struct lm_err e = {0};
	if (op->nrest != 1)
		return failf("usage: lamina-oci delete [--force] ID");
	const char *id = op->rest[0];
	struct state s;
	if (read_state(id, &s, &e) < 0) {
		char dir[4200];
		state_dir(dir, sizeof dir, id);
		if (op->force && valid_id(id) && access(dir, F_OK) < 0)
			return 0; /* nothing to delete, as runc --force */
		if (valid_id(id) && access(dir, F_OK) == 0) {
			/* a create that died half-way: its directory only */
			rm_rf(dir);
			return 0;
		}
		return fail(&e);
	}
	free(s.annotations);
	const char *st = status_of(&s);
	if (strcmp(st, "stopped") != 0 && !op->force)
		return failf("container %s is %s: stop it first, or delete --force", id, st);
	if (strcmp(st, "stopped") != 0) {
		if (s.cgroup[0])
			lm_oci_cgroup_kill(s.cgroup, SIGKILL);
		kill(s.pid, SIGKILL);
		if (!wait_gone(&s, 10000))
			return failf("container %s: its init %d did not end after SIGKILL", id,
				     (int)s.pid);
	}
	struct lm_oci oc = {0};
	bool have_config = load_saved_config(&s, id, &oc, &e) == 0;
	if (s.cgroup[0] && lm_oci_cgroup_remove(s.cgroup) < 0)
		warn("the container's cgroup could not be removed");
	rm_rf(s.dir);
	if (have_config && oc.nhooks[LM_OCI_HOOK_POSTSTOP]) {
		char *js = lm_oci_state_json(&oc, "stopped", 0);
		if (js && lm_oci_run_hooks(&oc, LM_OCI_HOOK_POSTSTOP, js, &e) < 0)
			warn(e.msg);
		free(js);
	}
	lm_oci_free(&oc);
	return 0;
}

static int do_run(const struct opts *op)
{
	if (op->nrest != 1)
		return failf("usage: lamina-oci run [--bundle DIR] [--detach] ID");
	const char *id = op->rest[0];
	struct lm_oci oc = {0};
	pid_t pid;
	char dir[4200];
	int r = do_create(id, op, &oc, &pid, dir, sizeof dir);
	lm_oci_free(&oc);
	if (r)
		return r;
	r = do_start(id);
	if (r || op->detach) {
		if (r) {
			struct opts d = {.force = true, .rest = (char **)&id, .nrest = 1};
			do_delete(&d);
		}
		return r;
	}
	/* we are the init's subreaper (lm_oci_create): wait for it, then delete */
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	struct opts d = {.force = true, .rest = (char **)&id, .nrest = 1};
	do_delete(&d);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int do_exec(const struct opts *op)
{
	struct lm_err e = {0};
	if (op->nrest < 1 || (!op->process && op->nrest < 2))
		return failf("usage: lamina-oci exec [--process FILE | ...] ID [ARGS...]");
	const char *id = op->rest[0];
	struct state s;
	if (read_state(id, &s, &e) < 0)
		return fail(&e);
	free(s.annotations);
	if (strcmp(status_of(&s), "running") != 0)
		return failf("container %s is not running", id);
	struct lm_oci oc = {0};
	if (load_saved_config(&s, id, &oc, &e) < 0) {
		lm_oci_free(&oc);
		return fail(&e);
	}
	struct lm_oci_process p = {0};
	int r;
	if (op->process) {
		json_t *j;
		if (lm_json_read_file(op->process, 1 << 20, &j, &e) < 0) {
			lm_oci_free(&oc);
			return fail(&e);
		}
		r = lm_oci_parse_process(op->process, "", j, &p, &e);
		json_decref(j);
	} else {
		/* ARGS: the container's process with these arguments */
		p = oc.proc;
		memset(&oc.proc, 0, sizeof oc.proc);
		lm_strvfreep(&p.args);
		p.args = calloc((size_t)op->nrest, sizeof *p.args);
		r = p.args ? 0 : lm_error(&e, ENOMEM, "oci", "exec");
		for (int i = 1; r == 0 && i < op->nrest; i++)
			if (!(p.args[i - 1] = strdup(op->rest[i])))
				r = lm_error(&e, ENOMEM, "oci", "exec");
		p.terminal = op->tty;
		if (r == 0 && op->cwd) {
			free(p.cwd);
			p.cwd = strdup(op->cwd);
		}
		for (int i = 0; r == 0 && i < op->nenv; i++) {
			size_t n = 0;
			while (p.env && p.env[n])
				n++;
			char **ne = realloc(p.env, (n + 2) * sizeof *ne);
			if (!ne || !(ne[n] = strdup(op->envs[i]))) {
				r = lm_error(&e, ENOMEM, "oci", "exec");
				if (ne)
					p.env = ne;
				break;
			}
			ne[n + 1] = NULL;
			p.env = ne;
		}
		if (r == 0 && op->user) {
			unsigned u, g;
			int k = sscanf(op->user, "%u:%u", &u, &g);
			if (k < 1)
				r = lm_error(&e, 0, "oci", "--user %s: expected UID[:GID]",
					     op->user);
			p.uid = u;
			if (k == 2)
				p.gid = g;
		}
	}
	if (r == 0 && op->tty)
		p.terminal = true;
	if (r < 0) {
		lm_oci_process_free(&p);
		lm_oci_free(&oc);
		return fail(&e);
	}
	struct lm_oci_execargs a = {.pid = s.pid,
				    .cgroup = s.cgroup,
				    .console_socket = op->console_socket,
				    .pid_file = op->pid_file,
				    .detach = op->detach,
				    .preserve_fds = op->preserve_fds};
	r = lm_oci_exec(&p, &oc.lc, &a, &e);
	lm_oci_process_free(&p);
	lm_oci_free(&oc);
	if (r < 0)
		return fail(&e);
	return op->detach ? 0 : r;
}

static int do_features(void)
{
	static const char text[] =
	    "{\n"
	    "  \"ociVersionMin\": \"1.0.0\",\n"
	    "  \"ociVersionMax\": \"" OCI_VERSION "\",\n"
	    "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
	    "\"startContainer\", \"poststart\", \"poststop\"],\n"
	    "  \"mountOptions\": [\"ro\", \"rw\", \"nosuid\", \"suid\", \"nodev\", \"dev\", "
	    "\"noexec\", \"exec\", \"sync\", \"async\", \"dirsync\", \"mand\", \"nomand\", "
	    "\"atime\", \"noatime\", \"diratime\", \"nodiratime\", \"relatime\", \"norelatime\", "
	    "\"strictatime\", \"nostrictatime\", \"bind\", \"rbind\", \"private\", \"rprivate\", "
	    "\"shared\", \"rshared\", \"slave\", \"rslave\", \"unbindable\", \"runbindable\", "
	    "\"rro\", \"rnosuid\", \"rnodev\", \"rnoexec\", \"rnoatime\", \"rrelatime\", "
	    "\"rstrictatime\"],\n"
	    "  \"linux\": {\n"
	    "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", "
	    "\"user\", \"uts\"],\n"
	    "    \"capabilities\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_DAC_READ_SEARCH\", "
	    "\"CAP_FOWNER\", \"CAP_FSETID\", \"CAP_KILL\", \"CAP_SETGID\", \"CAP_SETUID\", "
	    "\"CAP_SETPCAP\", \"CAP_LINUX_IMMUTABLE\", \"CAP_NET_BIND_SERVICE\", "
	    "\"CAP_NET_BROADCAST\", \"CAP_NET_ADMIN\", \"CAP_NET_RAW\", \"CAP_IPC_LOCK\", "
	    "\"CAP_IPC_OWNER\", \"CAP_SYS_MODULE\", \"CAP_SYS_RAWIO\", \"CAP_SYS_CHROOT\", "
	    "\"CAP_SYS_PTRACE\", \"CAP_SYS_PACCT\", \"CAP_SYS_ADMIN\", \"CAP_SYS_BOOT\", "
	    "\"CAP_SYS_NICE\", \"CAP_SYS_RESOURCE\", \"CAP_SYS_TIME\", \"CAP_SYS_TTY_CONFIG\", "
	    "\"CAP_MKNOD\", \"CAP_LEASE\", \"CAP_AUDIT_WRITE\", \"CAP_AUDIT_CONTROL\", "
	    "\"CAP_SETFCAP\", \"CAP_MAC_OVERRIDE\", \"CAP_MAC_ADMIN\", \"CAP_SYSLOG\", "
	    "\"CAP_WAKE_ALARM\", \"CAP_BLOCK_SUSPEND\", \"CAP_AUDIT_READ\", \"CAP_PERFMON\", "
	    "\"CAP_BPF\", \"CAP_CHECKPOINT_RESTORE\"],\n"
	    "    \"cgroup\": {\"v1\": true, \"v2\": false, \"systemd\": false, "
	    "\"systemdUser\": false},\n"
	    "    \"seccomp\": {\"enabled\": true, \"actions\": [\"SCMP_ACT_ALLOW\", "
	    "\"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
	    "\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_TRAP\"], \"operators\": "
	    "[\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\", "
	    "\"SCMP_CMP_LT\", \"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"], \"archs\": "
	    "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"]},\n"
	    "    \"apparmor\": {\"enabled\": false},\n"
	    "    \"selinux\": {\"enabled\": false}\n"
	    "  },\n"
	    "  \"annotations\": {\"org.lamina.builtin-hardening\": \"always\"}\n"
	    "}\n";
	fputs(text, stdout);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: lamina-oci [--root DIR] [--log FILE] [--log-format text|json] COMMAND\n"
	      "  create [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] ID\n"
	      "  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID\n"
	      "  run [--bundle DIR] [--pid-file F] [--console-socket S] [--detach] ID\n"
	      "  exec [--process FILE] [--tty] [--console-socket S] [--detach] [--pid-file F] ID "
	      "[ARGS...]\n"
	      "  features | --version\n",
	      f);
}

/* uid 0 of a user namespace (rootless Podman runs the runtime so) is not the host's root: its
 * state goes where the user's does, as runc's does. */
static bool in_user_namespace(void)
{
	char buf[128] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
	unsigned a, b, c;
	return !(sscanf(buf, "%u %u %u", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295u);
}

extern const struct lm_builtin_bpf *const lm_builtin_bpf_table[];
extern const size_t lm_builtin_bpf_count;

int main(int argc, char **argv)
{
	lm_seccomp_use_builtin(lm_builtin_bpf_table, lm_builtin_bpf_count);
	static char rootbuf[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if ((geteuid() == 0 && !in_user_namespace()) || !xdg || !*xdg)
		g_root = "/run/lamina-oci";
	else {
		snprintf(rootbuf, sizeof rootbuf, "%s/lamina-oci", xdg);
		g_root = rootbuf;
	}
	int i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		char name[64];
		snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		const char *val = eq ? eq + 1 : NULL;
		bool takes = !strcmp(name, "--root") || !strcmp(name, "--log") ||
			     !strcmp(name, "--log-format") || !strcmp(name, "--criu") ||
			     !strcmp(name, "--rootless");
		if (takes && !val) {
			if (i + 1 >= argc)
				return failf("option %s needs an argument", name);
			val = argv[++i];
		}
		if (!strcmp(name, "--version") || !strcmp(name, "-v")) {
			printf("lamina-oci version %s\nspec: %s\n", LM_VERSION, OCI_VERSION);
			return 0;
		} else if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(name, "--root")) {
			g_root = val;
		} else if (!strcmp(name, "--log")) {
			g_log = val;
		} else if (!strcmp(name, "--log-format")) {
			if (strcmp(val, "json") && strcmp(val, "text"))
				return failf("--log-format %s: expected text or json", val);
			g_log_json = !strcmp(val, "json");
		} else if (!strcmp(name, "--debug")) {
			/* nothing more to say: errors are one line either way */
		} else if (!strcmp(name, "--rootless")) {
			/* runc's switch: lamina-oci follows what the caller's privileges allow */
		} else if (!strcmp(name, "--systemd-cgroup")) {
			return failf(
			    "--systemd-cgroup: lamina-oci manages cgroupfs paths only (this "
			    "host runs no systemd); use the cgroupfs manager");
		} else {
			return failf("unknown global option '%.80s'", a);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return LM_EXIT_FAILURE;
	}
	const char *cmd = argv[i];
	struct opts op;
	if (parse_opts(argc - i, argv + i, &op) != 0)
		return LM_EXIT_FAILURE;
	if (!strcmp(cmd, "create")) {
		if (op.nrest != 1)
			return failf("usage: lamina-oci create [--bundle DIR] ... ID");
		struct lm_oci oc = {0};
		pid_t pid;
		char dir[4200];
		int r = do_create(op.rest[0], &op, &oc, &pid, dir, sizeof dir);
		lm_oci_free(&oc);
		return r;
	}
	if (!strcmp(cmd, "start") || !strcmp(cmd, "state")) {
		if (op.nrest != 1)
			return failf("usage: lamina-oci %s ID", cmd);
		return cmd[3] == 'r' ? do_start(op.rest[0]) : do_state(op.rest[0]);
	}
	if (!strcmp(cmd, "kill"))
		return do_kill(&op);
	if (!strcmp(cmd, "delete"))
		return do_delete(&op);
	if (!strcmp(cmd, "run"))
		return do_run(&op);
	if (!strcmp(cmd, "exec"))
		return do_exec(&op);
	if (!strcmp(cmd, "features"))
		return do_features();
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("lamina-oci version %s\nspec: %s\n", LM_VERSION, OCI_VERSION);
		return 0;
	}
	return failf("unknown command '%.40s' (try --help)", cmd);
}
