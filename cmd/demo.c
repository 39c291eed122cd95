/* lamina demo: the layered-defense matrix.
 *
 * Every attack of the red-team program (tests/attacks/attack.c) runs once with every layer on,
 * then once with exactly one layer removed through the loud `lamina run --unsafe-disable-layer
 * NAME`.  The matrix says, per attack, whether it is blocked with everything on and which
 * layers' removal alone lets it through.  Where no single removal does, the attack is run again
 * with seccomp and one other layer removed together, to name the pair that holds it (or to say
 * that no pair with seccomp does: then the kernel refuses it inside any user namespace).
 *
 * Nothing here decides a result: each cell is the verdict line the attack printed inside a
 * real sandbox (or the signal lamina reported).  An attack through a kernel entry this machine
 * does not have (the i386 entry) is shown as n/a, neither blocked nor escaped.  The host-side
 * fixtures the attacks need (a loopback TCP listener, a UDP echo, an abstract unix socket, canary
 * files, a leaked directory fd, a secret environment variable, a controlling pty) are set up here
 * and torn down before returning. */
#include "cmds.h"
#include "lamina.h"
#include "lm_paths.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
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
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "libc-compat.h"

#define LEAK_FD 20 /* the directory fd the caller "forgets" to close */
#define SECRET_ENV "LAMINA_DEMO_SECRET"
#define MAX_PAR 16

/* V_NA: the attack needs a kernel entry this machine lacks; it is not run. */
enum verdict { V_BLOCKED, V_ESCAPED, V_ERROR, V_NA };
static const char *const verdict_names[] = {"blocked", "escaped", "error", "n/a"};

struct attack {
	char *name, *cls, *needs, *desc;
	bool skip; /* a fixture it needs is missing */
	char *skip_why;
	const char *na_why; /* not applicable on this machine for this caller, and why */
};

struct job {
	size_t attack;
	unsigned disabled; /* LM_LAYER_* bits */
	enum verdict v;
	char code[64];
	char detail[256];
	/* while running */
	pid_t pid;
	int out;
	int ptm; /* pty master for tty-inherited */
	char buf[4096];
	size_t len;
	struct timespec start;
	char marker[16];
};

struct demo {
	const char *lamina, *attack_bin, *attack_dir;
	const char *profile, *stdfd_profile;
	int par;
	double timeout;
	bool pairs, verbose;
	enum { F_TEXT, F_TSV, F_JSON } format;
	char **only;
	size_t nonly;
	bool *only_found; /* only[i] named an attack or a class */
	bool list;	  /* --list: the attacks, not the matrix */
	/* progress on stderr (run_jobs) */
	size_t done;
	struct timespec last_progress;
	bool progress_tty, progress_shown;
	size_t shown_done;

	struct attack *attacks;
	size_t nattacks;
	struct job *jobs;
	size_t njobs, capjobs;

	/* fixtures */
	int tcp_port, udp_port;
	char unix_name[64];
	pid_t server;
	char tmp_canary[PATH_MAX], home_canary[PATH_MAX];
	char leak_dir[PATH_MAX];
	char write_dir[PATH_MAX]; /* bound writable, outside --allow-write's places */
	unsigned removable[32];
	size_t nremovable;
	/* why the resources attacks cannot run here, or "" */
	char resources_why[sizeof((struct lm_err *)0)->msg];
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fprintf(stderr, "lamina: demo: out of memory\n");
		exit(LM_EXIT_FAILURE);
	}
	return q;
}
static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "lamina: demo: out of memory\n");
		exit(LM_EXIT_FAILURE);
	}
	return d;
}

static void join(char *dst, size_t sz, const char *word, const char *sep)
{
	size_t l = strlen(dst);
	snprintf(dst + l, sz - l, "%s%s", l ? sep : "", word);
}

static double elapsed(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- finding the binaries ----------------------------------------------------------------- */
static int find_binaries(struct demo *d, char *self, size_t selfsz, char *att, size_t attsz)
{
	ssize_t n = readlink("/proc/self/exe", self, selfsz - 1);
	if (n < 0) {
		fprintf(stderr, "lamina: demo: readlink /proc/self/exe: %s\n", strerror(errno));
		return -1;
	}
	self[n] = 0;
	d->lamina = self;
	if (d->attack_bin)
		return 0;
	/* An uninstalled lamina (running from its build directory) uses the attack program built
	 * next to it; an installed one uses the installed copy. */
	const char *build = LM_BUILD_DIR;
	size_t bl = strlen(build);
	const char *cands[2];
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof a, "%s/tests/attacks/attack", build);
	snprintf(b, sizeof b, "%s/attacks/attack", LM_LIBEXEC_DIR);
	bool from_build = !strncmp(self, build, bl) && self[bl] == '/';
	cands[0] = from_build ? a : b;
	cands[1] = from_build ? b : a;
	for (int i = 0; i < 2; i++)
		if (access(cands[i], X_OK) == 0) {
			snprintf(att, attsz, "%s", cands[i]);
			d->attack_bin = att;
			return 0;
		}
	fprintf(stderr,
		"lamina: demo: the attack program is neither at %s nor at %s (--attack-bin PATH)\n",
		a, b);
	return -1;
}

/* ---- the list of attacks -------------------------------------------------------------------- */
static int load_attacks(struct demo *d)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		execl(d->attack_bin, d->attack_bin, "--list", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	if (!f) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	char line[1024];
	bool header = true;
	while (fgets(line, sizeof line, f)) {
		if (header) {
			header = false;
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		char *f1 = strtok(line, "\t"), *f2 = strtok(NULL, "\t"), *f3 = strtok(NULL, "\t"),
		     *f4 = strtok(NULL, "\t");
		if (!f1 || !f2 || !f3 || !f4)
			continue;
		if (d->nonly) {
			bool want = false;
			for (size_t i = 0; i < d->nonly; i++)
				if (!strcmp(d->only[i], f1) || !strcmp(d->only[i], f2)) {
					want = true;
					d->only_found[i] = true;
				}
			if (!want)
				continue;
		}
		if (d->list) {
			printf("%s\t%s\t%s\n", f1, f2, f4);
			continue;
		}
		d->attacks = xrealloc(d->attacks, (d->nattacks + 1) * sizeof *d->attacks);
		d->attacks[d->nattacks++] =
		    (struct attack){xstrdup(f1), xstrdup(f2), xstrdup(f3), xstrdup(f4)};
	}
	fclose(f);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "lamina: demo: '%s --list' gave no attacks\n", d->attack_bin);
		return -1;
	}
	for (size_t i = 0; i < d->nonly; i++)
		if (!d->only_found[i]) {
			fprintf(
			    stderr,
			    "lamina: demo: unknown attack '%.80s' (lamina demo --list names the "
			    "attacks and their classes)\n",
			    d->only[i]);
			return -1;
		}
	if (!d->nattacks && !d->list) {
		fprintf(stderr, "lamina: demo: '%s --list' gave no attacks\n", d->attack_bin);
		return -1;
	}
	return 0;
}

/* ---- host fixtures ----------------------------------------------------------------------------
 */
static int listen_loopback(int type, int *port)
{
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
	    (type == SOCK_STREAM && listen(s, 64) < 0) ||
	    getsockname(s, (struct sockaddr *)&a, &l) < 0) {
		close(s);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return s;
}

/* One child serves the three listeners until the demo ends (it dies with us). */
static int start_server(struct demo *d)
{
	int tcp = listen_loopback(SOCK_STREAM, &d->tcp_port);
	int udp = listen_loopback(SOCK_DGRAM, &d->udp_port);
	snprintf(d->unix_name, sizeof d->unix_name, "lamina-demo-%d", (int)getpid());
	int ux = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un ua = {.sun_family = AF_UNIX};
	memcpy(ua.sun_path + 1, d->unix_name, strlen(d->unix_name));
	socklen_t ul =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(d->unix_name));
	if (tcp < 0 || udp < 0 || ux < 0 || bind(ux, (struct sockaddr *)&ua, ul) < 0 ||
	    listen(ux, 64) < 0) {
		fprintf(stderr, "lamina: demo: loopback listeners: %s\n", strerror(errno));
		goto fail;
	}
	pid_t parent = getpid();
	d->server = fork();
	if (d->server < 0)
		goto fail;
	if (d->server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		struct pollfd pf[3] = {{tcp, POLLIN, 0}, {udp, POLLIN, 0}, {ux, POLLIN, 0}};
		for (;;) {
			if (poll(pf, 3, -1) < 0 && errno != EINTR)
				_exit(1);
			for (int i = 0; i < 3; i += 2)
				if (pf[i].revents & POLLIN) {
					int c = accept4(pf[i].fd, NULL, NULL, SOCK_CLOEXEC);
					if (c >= 0)
						close(c);
				}
			if (pf[1].revents & POLLIN) {
				char b[64];
				struct sockaddr_in from;
				socklen_t fl = sizeof from;
				ssize_t n =
				    recvfrom(udp, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
				if (n > 0)
					(void)sendto(udp, b, (size_t)n, 0, (struct sockaddr *)&from,
						     fl);
			}
		}
	}
	close(tcp);
	close(udp);
	close(ux);
	return 0;
fail:
	if (tcp >= 0)
		close(tcp);
	if (udp >= 0)
		close(udp);
	if (ux >= 0)
		close(ux);
	return -1;
}

static int make_canary(char *path, size_t sz, const char *dir)
{
	/* The demo's pid in the name: a test can tell this demo's leftovers from another's. */
	snprintf(path, sz, "%s/.lamina-canary-%d-XXXXXX", dir, (int)getpid());
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		path[0] = 0;
		return -1;
	}
	static const char secret[] = "lamina demo canary: if you can read this inside, it leaked\n";
	/* Readable like any file a umask of 022 leaves: the sandbox, not file modes, must hide it.
	 */
	bool ok = write(fd, secret, sizeof secret - 1) == (ssize_t)(sizeof secret - 1) &&
		  fchmod(fd, 0644) == 0;
	close(fd);
	if (!ok) {
		unlink(path);
		path[0] = 0;
		return -1;
	}
	return 0;
}

/* The i386 entry (int $0x80 from a 64-bit process) is missing where the kernel is built
 * without IA32 emulation or started with it off (ia32_emulation=false): the instruction then
 * faults (SIGSEGV) before any seccomp filter sees the call, so an attack through it shows
 * nothing about lamina.  Probed with an i386 getpid in a forked child, outside any sandbox, so
 * that the fault stays there.  LAMINA_TEST_ASSUME_NO_I386=1 answers "missing" (the test suite
 * shows that path on machines that have the entry).  NULL: the entry works. */
static const char *i386_missing(void)
{
	static char why[128];
	const char *assume = getenv("LAMINA_TEST_ASSUME_NO_I386");
	if (assume && !strcmp(assume, "1"))
		return "no i386 entry on this kernel (assumed: LAMINA_TEST_ASSUME_NO_I386=1)";
#if defined(__x86_64__)
	pid_t pid = fork();
	if (pid < 0)
		return NULL; /* cannot tell: the attack runs and shows what it meets */
	if (pid == 0) {
		/* the default action, not a sanitizer's handler: the fault must end the child */
		signal(SIGSEGV, SIG_DFL);
		long r;
		__asm__ volatile("int $0x80"
				 : "=a"(r)
				 : "a"(20L) /* i386 getpid */
				 : "memory", "cc", "r8", "r9", "r10", "r11");
		_exit((int)r == (int)syscall(SYS_getpid) ? 0 : 1);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return NULL;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return NULL;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
		return "no i386 entry on this kernel";
	const char *sn = WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : NULL;
	snprintf(why, sizeof why, "no i386 entry for this process (an i386 getpid %s%s)",
		 sn ? "died of SIG" : "failed", sn ? sn : "");
	return why;
#else
	return "no i386 entry (not an x86_64 machine)";
#endif
}

/* The resources attacks run with the sandbox's limits of resource_opts (the layer does nothing
 * without a limit): can this caller have them?  If not (unprivileged without a delegated
 * cgroup), those attacks are skipped with lamina's own reason. */
static const char *const resource_opts[] = {"--memory", "128M", "--pids", "64", NULL};
static bool resources_ok(struct demo *d)
{
	if (d->resources_why[0])
		return false;
	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	int r = 0;
	for (const char *const *o = resource_opts; *o && r == 0; o += 2) {
		const struct lm_setting *s = lm_setting_by_option(o[0]);
		struct lm_args a = {
		    .src = LM_SRC_CLI, .name = o[0], .argc = 1, .argv = (char *const *)&o[1]};
		r = s ? lm_setting_apply(s, &c, &a, &e) : lm_error(&e, 0, "demo", "no %s", o[0]);
	}
	if (r == 0)
		r = lm_resources_probe(&c, &e);
	lm_config_free(&c);
	if (r < 0)
		snprintf(d->resources_why, sizeof d->resources_why, "%s", e.msg);
	return r == 0;
}

static void fixtures(struct demo *d)
{
	const char *home = getenv("HOME");
	if (make_canary(d->tmp_canary, sizeof d->tmp_canary, "/tmp") < 0)
		d->tmp_canary[0] = 0;
	if (!home || !*home || make_canary(d->home_canary, sizeof d->home_canary, home) < 0)
		d->home_canary[0] = 0;
	/* The leaked directory: the host's /tmp, which anyone may enter; its ".." is the host's
	 * root. */
	snprintf(d->leak_dir, sizeof d->leak_dir, "/tmp");
	/* Not under /tmp: without the pivot the sandbox's /tmp, where writes are allowed, is the
	 * host's.  Writable by the payload's host uid (65534 when lamina runs as root). */
	snprintf(d->write_dir, sizeof d->write_dir, "/var/tmp/lamina-demo-%d-XXXXXX",
		 (int)getpid());
	if (!mkdtemp(d->write_dir))
		d->write_dir[0] = 0;
	else if (chmod(d->write_dir, 0777) < 0) {
		rmdir(d->write_dir);
		d->write_dir[0] = 0;
	}
	bool server = start_server(d) == 0;
	bool i386_probed = false;
	const char *no_i386 = NULL;
	for (size_t i = 0; i < d->nattacks; i++) {
		struct attack *a = &d->attacks[i];
		const char *n = a->needs;
		if (!strcmp(n, "i386")) {
			if (!i386_probed)
				no_i386 = i386_missing();
			i386_probed = true;
			a->na_why = no_i386;
		} else if ((!strcmp(n, "tcp-port") || !strcmp(n, "udp-port") ||
			    !strcmp(n, "unix-name")) &&
			   !server) {
			a->skip = true;
			a->skip_why = "no loopback listener on the host";
		} else if (!strcmp(n, "tmp-canary") && !d->tmp_canary[0]) {
			a->skip = true;
			a->skip_why = "cannot create a canary in /tmp";
		} else if (!strcmp(n, "home-canary") && !d->home_canary[0]) {
			a->skip = true;
			a->skip_why = "no writable $HOME for the canary";
		} else if (!strcmp(n, "write-dir") && !d->write_dir[0]) {
			a->skip = true;
			a->skip_why = "cannot create a directory in /var/tmp to bind";
		} else if (!strcmp(a->cls, "resources") && !resources_ok(d)) {
			/* a fact of this machine and caller, as the i386 entry is */
			a->na_why = d->resources_why;
		}
	}
}

static void fixtures_free(struct demo *d)
{
	if (d->server > 0) {
		kill(d->server, SIGKILL);
		while (waitpid(d->server, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (d->tmp_canary[0])
		unlink(d->tmp_canary);
	if (d->home_canary[0])
		unlink(d->home_canary);
	if (d->write_dir[0])
		rmdir(d->write_dir); /* the attack removes what it wrote */
}

/* ---- running one attack in one configuration --------------------------------------------- */
static const char *profile_for(const struct demo *d, const struct attack *a)
{
	/* The std-fd layer is a profile switch that `default` leaves off (shells redirect with
	 * dup2); those attacks are shown under a profile that turns it on. */
	return !strcmp(a->cls, "stdfd") ? d->stdfd_profile : d->profile;
}

/* Options an attack needs besides the profile, the same with every layer on and with one
 * removed: the landlock attacks run with the host network or a writable bind, and the rule
 * they break.  port: room for a number. */
static size_t options_for(const struct demo *d, const struct attack *a, const char **argv, size_t k,
			  char *port, size_t portsz)
{
	if (!strcmp(a->name, "landlock-write")) {
		argv[k++] = "--bind";
		argv[k++] = d->write_dir;
		argv[k++] = d->write_dir;
		argv[k++] = "--allow-write";
		argv[k++] = "/tmp";
	} else if (!strcmp(a->name, "landlock-connect")) {
		snprintf(port, portsz, "%d",
			 d->tcp_port < 65535 ? d->tcp_port + 1 : d->tcp_port - 1);
		argv[k++] = "--share-net";
		argv[k++] = "--allow-connect";
		argv[k++] = port;
	} else if (!strcmp(a->name, "landlock-abstract")) {
		argv[k++] = "--share-net";
	} else if (!strcmp(a->name, "seccomp-kill-race")) {
		/* report mode: the supervisor carries out the kill rule, not the kernel */
		argv[k++] = "--report";
	}
	return k;
}

static int start_job(struct demo *d, struct job *j, size_t idx)
{
	const struct attack *a = &d->attacks[j->attack];
	char arg[PATH_MAX] = "", tmo[32];
	const char *n = a->needs;
	if (!strcmp(n, "tcp-port"))
		snprintf(arg, sizeof arg, "%d", d->tcp_port);
	else if (!strcmp(n, "udp-port"))
		snprintf(arg, sizeof arg, "%d", d->udp_port);
	else if (!strcmp(n, "unix-name"))
		snprintf(arg, sizeof arg, "%s", d->unix_name);
	else if (!strcmp(n, "tmp-canary"))
		snprintf(arg, sizeof arg, "%s", d->tmp_canary);
	else if (!strcmp(n, "home-canary"))
		snprintf(arg, sizeof arg, "%s", d->home_canary);
	else if (!strcmp(n, "dir-fd"))
		snprintf(arg, sizeof arg, "%d", LEAK_FD);
	else if (!strcmp(n, "host-pid"))
		snprintf(arg, sizeof arg, "%d", (int)getpid());
	else if (!strcmp(n, "env-name"))
		snprintf(arg, sizeof arg, "%s", SECRET_ENV);
	else if (!strcmp(n, "write-dir"))
		snprintf(arg, sizeof arg, "%s", d->write_dir);
	else if (!strcmp(n, "marker")) {
		snprintf(j->marker, sizeof j->marker, "lmo%05d%05zu", (int)(getpid() % 100000),
			 idx % 100000);
		snprintf(arg, sizeof arg, "%s", j->marker);
	}
	snprintf(tmo, sizeof tmo, "%g", d->timeout);

	const char *argv[64];
	size_t k = 0;
	argv[k++] = d->lamina;
	argv[k++] = "run";
	argv[k++] = "--profile";
	argv[k++] = profile_for(d, a);
	argv[k++] = "--timeout";
	argv[k++] = tmo;
	/* uid 0 inside, the strongest position a payload can take: only then does removing the
	 * caps layer leave it capabilities (exec clears them for any other uid). */
	argv[k++] = "--uid";
	argv[k++] = "0";
	argv[k++] = "--gid";
	argv[k++] = "0";
	if (!strcmp(a->cls, "resources"))
		for (const char *const *o = resource_opts; *o; o++)
			argv[k++] = *o;
	for (size_t i = 0; i < d->nremovable; i++)
		if (j->disabled & d->removable[i]) {
			argv[k++] = "--unsafe-disable-layer";
			argv[k++] = lm_layer_name(d->removable[i]);
		}
	/* The same path inside as outside, so that the program is found with or without the
	 * pivot into the sandbox's root. */
	argv[k++] = "--ro-bind";
	argv[k++] = d->attack_dir;
	argv[k++] = d->attack_dir;
	char port[16];
	k = options_for(d, a, argv, k, port, sizeof port);
	argv[k++] = "--";
	argv[k++] = d->attack_bin;
	argv[k++] = a->name;
	if (arg[0])
		argv[k++] = arg;
	argv[k] = NULL;

	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	j->ptm = -1;
	char ptsname_buf[64] = "";
	if (!strcmp(n, "tty")) {
		/* The caller's terminal: a pty that is the controlling terminal of lamina's
		 * session, as when a user runs lamina from a shell. */
		j->ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (j->ptm < 0 || grantpt(j->ptm) < 0 || unlockpt(j->ptm) < 0 ||
		    ptsname_r(j->ptm, ptsname_buf, sizeof ptsname_buf) != 0) {
			if (j->ptm >= 0)
				close(j->ptm);
			j->ptm = -1;
			close(p[0]);
			close(p[1]);
			return -1;
		}
		/* Its device, which tells it from the sandbox's own pty. */
		struct stat st;
		if (stat(ptsname_buf, &st) == 0) {
			snprintf(arg, sizeof arg, "%llu:%llu", (unsigned long long)st.st_dev,
				 (unsigned long long)st.st_rdev);
			argv[k++] = arg;
			argv[k] = NULL;
		}
	}
	j->pid = fork();
	if (j->pid < 0) {
		close(p[0]);
		close(p[1]);
		if (j->ptm >= 0)
			close(j->ptm);
		return -1;
	}
	if (j->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(LM_EXIT_FAILURE);
		if (ptsname_buf[0]) {
			if (setsid() < 0)
				_exit(LM_EXIT_FAILURE);
			int s = open(ptsname_buf, O_RDWR | O_CLOEXEC);
			if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0 || dup2(s, 0) < 0)
				_exit(LM_EXIT_FAILURE);
		}
		if (!strcmp(n, "dir-fd")) {
			/* Deliberately without O_CLOEXEC: the leak under test. */
			int dfd = open(d->leak_dir, O_RDONLY | O_DIRECTORY);
			if (dfd < 0 || (dfd != LEAK_FD && dup2(dfd, LEAK_FD) < 0))
				_exit(LM_EXIT_FAILURE);
		}
		if (!strcmp(n, "env-name") && setenv(SECRET_ENV, "hunter2", 1) < 0)
			_exit(LM_EXIT_FAILURE);
		execv(d->lamina, (char **)argv);
		_exit(LM_EXIT_NOTFOUND);
	}
	close(p[1]);
	j->out = p[0];
	j->len = 0;
	clock_gettime(CLOCK_MONOTONIC, &j->start);
	return 0;
}

static pid_t find_comm(const char *marker)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return -1;
	struct dirent *de;
	pid_t found = -1;
	while (found < 0 && (de = readdir(dir))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char p[300], c[64];
		snprintf(p, sizeof p, "/proc/%s/comm", de->d_name);
		FILE *f = fopen(p, "re");
		if (!f)
			continue;
		if (fgets(c, sizeof c, f)) {
			c[strcspn(c, "\n")] = 0;
			if (!strcmp(c, marker))
				found = (pid_t)atoi(de->d_name);
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

static void set_result(struct job *j, enum verdict v, const char *code, const char *detail)
{
	j->v = v;
	snprintf(j->code, sizeof j->code, "%s", code ? code : "");
	snprintf(j->detail, sizeof j->detail, "%s", detail ? detail : "");
}

/* The verdict line the attack printed, or what lamina's exit status says. */
static void finish_job(struct job *j, int status, bool timed_out)
{
	j->buf[j->len] = 0;
	char *verdict = NULL, *lamina_msg = NULL;
	for (char *line = strtok(j->buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!verdict && (!strncmp(line, "blocked", 7) || !strncmp(line, "escaped", 7) ||
				 !strncmp(line, "pending", 7) || !strncmp(line, "error", 5)))
			verdict = line;
		else if (!strncmp(line, "lamina: ", 8) && !strstr(line, "WARNING"))
			lamina_msg = line + 8;
	}
	if (verdict && !strncmp(verdict, "blocked", 7)) {
		char *code = verdict + 7 + (verdict[7] == ' ');
		char *sp = strchr(code, ' ');
		if (sp)
			*sp++ = 0;
		set_result(j, V_BLOCKED, code, sp);
	} else if (verdict && !strncmp(verdict, "escaped", 7)) {
		set_result(j, V_ESCAPED, "", verdict[7] ? verdict + 8 : "");
	} else if (verdict && !strncmp(verdict, "pending", 7)) {
		/* proc-leftover: the sandbox is gone; is the sleeper? */
		pid_t left = j->marker[0] ? find_comm(j->marker) : -1;
		if (left > 0) {
			kill(left, SIGKILL);
			char b[128];
			snprintf(b, sizeof b,
				 "sleeper %s outlived the sandbox (host pid %d, killed)", j->marker,
				 (int)left);
			set_result(j, V_ESCAPED, "", b);
		} else {
			set_result(j, V_BLOCKED, "GONE", "the sleeper died with the sandbox");
		}
	} else if (verdict) {
		set_result(j, V_ERROR, "ERROR", verdict[5] ? verdict + 6 : "");
	} else if (timed_out) {
		set_result(j, V_ERROR, "TIMEOUT", "the run did not finish in time");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) > 128 &&
		   WEXITSTATUS(status) < 128 + 65) {
		/* The payload was killed before it could print (a pure-computation profile with no
		 * fork: the attempt ran in the attack's only process). */
		const char *sn = sigabbrev_np(WEXITSTATUS(status) - 128);
		char code[32];
		snprintf(code, sizeof code, "SIG%s", sn ? sn : "?");
		set_result(j, V_BLOCKED, code, "the payload was killed");
	} else {
		char b[256];
		snprintf(b, sizeof b, "no verdict (exit %d)%s%s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, lamina_msg ? ": " : "",
			 lamina_msg ? lamina_msg : "");
		set_result(j, V_ERROR, "ERROR", b);
	}
}

static void log_job(const struct demo *d, const struct job *j)
{
	char layers[256] = "";
	for (size_t i = 0; i < d->nremovable; i++)
		if (j->disabled & d->removable[i])
			join(layers, sizeof layers, lm_layer_name(d->removable[i]), "+");
	fprintf(stderr, "lamina: demo: %s without %s: %s %s %s\n", d->attacks[j->attack].name,
		layers[0] ? layers : "(nothing)", verdict_names[j->v], j->code, j->detail);
}

/* Progress on stderr while the matrix runs (up to a minute, a thousand sandboxes).  On a
 * terminal, one line rewritten in place at most four times a second (every finished run would be
 * flicker and a write each), and erased at the end.  Otherwise, in a log, a line every five
 * seconds: a CI job or `2>log` shows the demo is alive, and a minute's run adds a dozen lines,
 * not one per run.  With -v every run's verdict is printed instead. */
#define PROGRESS_TTY_EVERY 0.25
#define PROGRESS_LOG_EVERY 5.0
static void progress(struct demo *d)
{
	if (d->verbose)
		return;
	double since = elapsed(&d->last_progress);
	if (d->progress_tty) {
		if (since < PROGRESS_TTY_EVERY || (d->progress_shown && d->shown_done == d->done))
			return;
		fprintf(stderr, "\rlamina: demo: %zu/%zu runs", d->done, d->njobs);
		d->progress_shown = true;
		d->shown_done = d->done;
	} else {
		if (since < PROGRESS_LOG_EVERY)
			return;
		fprintf(stderr, "lamina: demo: %zu/%zu runs\n", d->done, d->njobs);
	}
	clock_gettime(CLOCK_MONOTONIC, &d->last_progress);
}

static void progress_end(struct demo *d)
{
	if (d->progress_shown)
		fprintf(stderr, "\r%*s\r", 48, "");
	d->progress_shown = false;
}

/* Run jobs [from, to) with at most d->par at a time. */
/* SIGINT/SIGTERM: stop starting runs, kill the running ones, remove the fixtures. */
static volatile sig_atomic_t g_stop;
static void on_stop(int sig)
{
	g_stop = sig;
}

static void run_jobs(struct demo *d, size_t from, size_t to)
{
	struct job *active[MAX_PAR] = {0};
	size_t next = from, done = 0, total = to - from;
	while (done < total) {
		progress(d);
		if (g_stop) {
			for (int s = 0; s < d->par; s++) {
				struct job *j = active[s];
				if (!j)
					continue;
				kill(j->pid, SIGKILL);
				while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
					;
				if (j->out >= 0)
					close(j->out);
				if (j->ptm >= 0)
					close(j->ptm);
				j->out = j->ptm = -1;
			}
			break;
		}
		for (int s = 0; s < d->par && next < to; s++) {
			if (active[s])
				continue;
			struct job *j = &d->jobs[next];
			if (d->attacks[j->attack].na_why) {
				set_result(j, V_NA, "N/A", d->attacks[j->attack].na_why);
				next++, done++, d->done++;
				s--;
				continue;
			}
			if (d->attacks[j->attack].skip) {
				set_result(j, V_ERROR, "SKIPPED", d->attacks[j->attack].skip_why);
				next++, done++, d->done++;
				s--;
				continue;
			}
			if (start_job(d, j, next) < 0) {
				char b[128];
				snprintf(b, sizeof b, "could not start lamina: %s",
					 strerror(errno));
				set_result(j, V_ERROR, "ERROR", b);
				next++, done++, d->done++;
				s--;
				continue;
			}
			active[s] = j;
			next++;
		}
		struct pollfd pf[MAX_PAR];
		int map[MAX_PAR], np = 0;
		for (int s = 0; s < d->par; s++)
			if (active[s] && active[s]->out >= 0) {
				pf[np] = (struct pollfd){active[s]->out, POLLIN, 0};
				map[np++] = s;
			}
		if (np)
			(void)poll(pf, (nfds_t)np, 100);
		for (int i = 0; i < np; i++) {
			struct job *j = active[map[i]];
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (j->len == sizeof j->buf - 1) {
				/* Full (a --report run names every refused call): keep the newer
				 * half from a line start, the verdict is printed last. */
				char *keep = memchr(j->buf + j->len / 2, '\n', j->len - j->len / 2);
				size_t from = keep ? (size_t)(keep + 1 - j->buf) : j->len / 2;
				memmove(j->buf, j->buf + from, j->len - from);
				j->len -= from;
			}
			ssize_t r = read(j->out, j->buf + j->len, sizeof j->buf - 1 - j->len);
			if (r > 0) {
				j->len += (size_t)r;
			} else if (r == 0 || errno != EINTR) {
				close(j->out);
				j->out = -1;
			}
		}
		if (!np)
			nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
		for (int s = 0; s < d->par; s++) {
			struct job *j = active[s];
			if (!j)
				continue;
			int st = 0;
			bool late = elapsed(&j->start) > d->timeout + 5;
			pid_t w = j->out < 0 || late ? waitpid(j->pid, &st, WNOHANG) : 0;
			if (w == 0 && late) {
				/* lamina dies with SIGKILL; its sandbox dies with it (PDEATHSIG).
				 */
				kill(j->pid, SIGKILL);
				while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
					;
				w = j->pid;
			}
			if (w != j->pid)
				continue;
			if (j->out >= 0) {
				close(j->out);
				j->out = -1;
			}
			if (j->ptm >= 0) {
				close(j->ptm);
				j->ptm = -1;
			}
			finish_job(j, st, late);
			if (d->verbose)
				log_job(d, j);
			active[s] = NULL;
			done++, d->done++;
		}
	}
}

static struct job *add_job(struct demo *d, size_t attack, unsigned disabled)
{
	if (d->njobs == d->capjobs) {
		d->capjobs = d->capjobs ? 2 * d->capjobs : 256;
		d->jobs = xrealloc(d->jobs, d->capjobs * sizeof *d->jobs);
	}
	struct job *j = &d->jobs[d->njobs++];
	memset(j, 0, sizeof *j);
	j->attack = attack;
	j->disabled = disabled;
	j->out = j->ptm = -1;
	return j;
}

/* ---- the matrix ---------------------------------------------------------------------------- */
struct row {
	const struct attack *a;
	enum verdict v;
	char layers[256];
	char detail[512];
};

/* A layer whose removal gave no verdict for any attack (lamina refused to run that way, e.g.
 * seccomp cannot be loaded without no_new_privs once capabilities are gone): said once in the
 * footer rather than on every row. */
static bool never_removable(const struct demo *d, unsigned layer)
{
	size_t runs = 0, errors = 0;
	for (size_t i = 0; i < d->njobs; i++)
		if (d->jobs[i].disabled == layer && d->jobs[i].v != V_NA) {
			runs++;
			errors += d->jobs[i].v == V_ERROR && strcmp(d->jobs[i].code, "SKIPPED");
		}
	return runs > 1 && errors == runs;
}

static void analyse(struct demo *d, struct row *rows, size_t pairs_from)
{
	for (size_t i = 0; i < d->nattacks; i++) {
		struct row *r = &rows[i];
		r->a = &d->attacks[i];
		const struct job *base = NULL;
		char alone[256] = "", pairs[256] = "", changed[256] = "", untried[256] = "";
		for (size_t k = 0; k < d->njobs; k++) {
			const struct job *j = &d->jobs[k];
			if (j->attack != i)
				continue;
			if (!j->disabled) {
				base = j;
				continue;
			}
			bool single = !(j->disabled & (j->disabled - 1));
			char name[64];
			if (single) {
				snprintf(name, sizeof name, "%s", lm_layer_name(j->disabled));
			} else {
				unsigned other = j->disabled & ~(unsigned)LM_LAYER_SECCOMP;
				snprintf(name, sizeof name, "seccomp+%s", lm_layer_name(other));
			}
			if (j->v == V_ESCAPED)
				join(single ? alone : pairs, 256, name, ",");
			else if (single && j->v == V_ERROR && !never_removable(d, j->disabled))
				join(untried, sizeof untried, name, ",");
			else if (single && base && j->v == V_BLOCKED && strcmp(j->code, base->code))
				join(changed, sizeof changed, name, ",");
			(void)pairs_from;
		}
		if (!base) {
			r->v = V_ERROR;
			snprintf(r->layers, sizeof r->layers, "-");
			snprintf(r->detail, sizeof r->detail, "not run");
			continue;
		}
		r->v = base->v;
		/* An attack that escapes with everything on needs no removal: no layer is named. */
		snprintf(r->layers, sizeof r->layers, "%s",
			 alone[0] && base->v == V_BLOCKED ? alone : "-");
		if (base->v == V_NA) {
			snprintf(r->detail, sizeof r->detail, "%s", base->detail);
		} else if (base->v == V_ERROR) {
			snprintf(r->detail, sizeof r->detail, "%s: %s", base->code, base->detail);
		} else if (base->v == V_ESCAPED) {
			snprintf(r->detail, sizeof r->detail, "escapes with every layer on: %s",
				 base->detail);
		} else if (alone[0]) {
			snprintf(r->detail, sizeof r->detail, "%s %s", base->code, base->detail);
		} else if (pairs[0]) {
			snprintf(r->detail, sizeof r->detail,
				 "%s %s; no single layer: it escapes only with %s removed together",
				 base->code, base->detail, pairs);
		} else if (changed[0]) {
			snprintf(r->detail, sizeof r->detail,
				 "%s %s; no single layer%s lets it through (removing %s changes "
				 "the refusal: layers behind layers)",
				 base->code, base->detail,
				 d->pairs ? " nor seccomp with another" : "", changed);
		} else {
			snprintf(r->detail, sizeof r->detail,
				 "%s %s; no single layer%s lets it through (the same refusal with "
				 "any one layer removed)",
				 base->code, base->detail,
				 d->pairs ? " nor seccomp with another" : "");
		}
		if (base->v == V_BLOCKED && untried[0]) {
			/* Say so rather than let a failed run pass for a refusal. */
			size_t l = strlen(r->detail);
			snprintf(r->detail + l, sizeof r->detail - l, " [no verdict without: %s]",
				 untried);
		}
	}
}

static void tsv_field(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The text format fits 100 columns: text is printed from column col on, words wrapped onto
 * lines indented to indent, a word wider than the room cut. */
#define TEXT_WIDTH 100
static void put_wrapped(const char *text, int col, int indent)
{
	bool first = true;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int len = (int)strcspn(p, " ");
		int need = len + (first ? 0 : 1);
		if (!first && col + need > TEXT_WIDTH) {
			printf("\n%*s", indent, "");
			col = indent;
			need = len;
		} else if (!first) {
			putchar(' ');
			col++;
		}
		/* a word wider than a whole line (a path): as much as fits, cut after a '/' where
		 * there is one, the rest on the next line */
		while (col + len > TEXT_WIDTH && TEXT_WIDTH - col > 0) {
			int room = TEXT_WIDTH - col, cut = room;
			for (int i = room - 1; i > 0; i--)
				if (p[i - 1] == '/') {
					cut = i;
					break;
				}
			printf("%.*s\n%*s", cut, p, indent, "");
			p += cut;
			len -= cut;
			col = indent;
		}
		printf("%.*s", len, p);
		col += len;
		p += len;
		first = false;
	}
}

static void print_matrix(const struct demo *d, const struct row *rows)
{
	size_t n = d->nattacks;
	if (d->format == F_TSV) {
		printf("attack\tclass\tresult\tlayers\tdetail\n");
		for (size_t i = 0; i < n; i++) {
			const struct row *r = &rows[i];
			printf("%s\t%s\t%s\t%s\t", r->a->name, r->a->cls, verdict_names[r->v],
			       r->layers);
			tsv_field(stdout, r->detail);
			putchar('\n');
		}
		return;
	}
	if (d->format == F_JSON) {
		printf("[\n");
		for (size_t i = 0; i < n; i++) {
			const struct row *r = &rows[i];
			printf("  {\"attack\": ");
			json_str(stdout, r->a->name);
			printf(", \"class\": ");
			json_str(stdout, r->a->cls);
			printf(", \"result\": \"%s\", \"layers\": [", verdict_names[r->v]);
			if (strcmp(r->layers, "-")) {
				char tmp[256];
				snprintf(tmp, sizeof tmp, "%s", r->layers);
				int first = 1;
				for (char *t = strtok(tmp, ","); t;
				     t = strtok(NULL, ","), first = 0) {
					if (!first)
						printf(", ");
					json_str(stdout, t);
				}
			}
			printf("], \"detail\": ");
			json_str(stdout, r->detail);
			printf("}%s\n", i + 1 < n ? "," : "");
		}
		printf("]\n");
		return;
	}
	bool colour = isatty(1) && !getenv("NO_COLOR");
	int wa = 6, wc = 5, wl = 6;
	for (size_t i = 0; i < n; i++) {
		wa = (int)strlen(rows[i].a->name) > wa ? (int)strlen(rows[i].a->name) : wa;
		wc = (int)strlen(rows[i].a->cls) > wc ? (int)strlen(rows[i].a->cls) : wc;
		wl = (int)strlen(rows[i].layers) > wl ? (int)strlen(rows[i].layers) : wl;
	}
	printf("%-*s  %-*s  %-7s  %-*s  %s\n", wa, "ATTACK", wc, "CLASS", "RESULT", wl, "LAYERS",
	       "DETAIL");
	size_t nblocked = 0, nescaped = 0, nna = 0, nshown = 0;
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const char *col = r->v == V_BLOCKED   ? "\033[32m"
				  : r->v == V_ESCAPED ? "\033[1;31m"
				  : r->v == V_NA      ? "\033[2m"
						      : "\033[33m";
		nblocked += r->v == V_BLOCKED;
		nescaped += r->v == V_ESCAPED;
		nna += r->v == V_NA;
		nshown += r->v == V_BLOCKED && strcmp(r->layers, "-");
		printf("%-*s  %-*s  %s%-7s%s  %s%-*s%s  ", wa, r->a->name, wc, r->a->cls,
		       colour ? col : "", verdict_names[r->v], colour ? "\033[0m" : "",
		       colour ? "\033[36m" : "", wl, r->layers, colour ? "\033[0m" : "");
		/* the detail column, or the next lines when the columns before leave it no room */
		int start = wa + wc + 7 + wl + 8;
		if (start > TEXT_WIDTH - 32) {
			printf("\n%*s", 4, "");
			start = 4;
		}
		put_wrapped(r->detail, start, start);
		putchar('\n');
	}
	char line[1024];
	int k = snprintf(line, sizeof line,
			 "%zu attacks: %zu blocked with every layer on, %zu escaped, %zu errors", n,
			 nblocked, nescaped, n - nblocked - nescaped - nna);
	if (nna)
		k += snprintf(line + k, sizeof line - (size_t)k, ", %zu n/a (not applicable here)",
			      nna);
	snprintf(line + k, sizeof line - (size_t)k,
		 "; %zu blocked attacks name a layer whose removal alone lets them through.",
		 nshown);
	putchar('\n');
	put_wrapped(line, 0, 2);
	putchar('\n');
	for (size_t k = 0; k < d->nremovable; k++) {
		const struct job *err = NULL;
		size_t runs = 0, errors = 0;
		for (size_t i = 0; i < d->njobs; i++)
			if (d->jobs[i].disabled == d->removable[k] && d->jobs[i].v != V_NA) {
				runs++;
				if (d->jobs[i].v == V_ERROR && strcmp(d->jobs[i].code, "SKIPPED")) {
					errors++;
					err = &d->jobs[i];
				}
			}
		if (err) {
			snprintf(line, sizeof line,
				 "note: without %s, %zu of %zu runs failed to start or report (%s)",
				 lm_layer_name(d->removable[k]), errors, runs, err->detail);
			put_wrapped(line, 0, 2);
			putchar('\n');
		}
	}
	snprintf(line, sizeof line,
		 "payload uid 0 inside; profile %s (std-fd attacks: %s); layers removed one at a "
		 "time with 'lamina run --unsafe-disable-layer NAME'.",
		 d->profile, d->stdfd_profile);
	put_wrapped(line, 0, 2);
	putchar('\n');
}

/* ---- command line ---------------------------------------------------------------------------- */
static const char demo_help[] =
    "usage: lamina demo [OPTIONS] [ATTACK|CLASS...]\n"
    "Run every red-team attack with every layer on, then with each layer removed alone\n"
    "(--unsafe-disable-layer), and print which layers stop which attack.\n"
    "\n"
    "  --format text|tsv|json   output format (text: aligned, coloured on a terminal)\n"
    "  -p, --profile NAME       profile for the attacks (default: default)\n"
    "  --stdfd-profile NAME     profile for the std-fd attacks (default: stdio)\n"
    "  -j, --jobs N             sandboxes run at once (default 2, at most 16)\n"
    "  --timeout SECONDS        per run (default 20)\n"
    "  -v, --verbose            print every run's verdict on stderr\n"
    "  --no-pairs               skip the seccomp+layer pairs for attacks no single layer stops\n"
    "  --attack-bin PATH        the attack program (default: found next to lamina)\n"
    "  --list                   the attacks, one a line: name, class, what it tries\n"
    "  -h, --help               this text\n"
    "Progress goes to stderr: on a terminal one line updated in place, otherwise a line every\n"
    "5 seconds.\n"
    "TSV columns: attack, class, result, layers, detail.  Result n/a: the attack needs a kernel\n"
    "entry this machine lacks (the i386 entry) and is not run.\n"
    "Exit status: 0 when every attack is blocked with every layer on (or n/a), 1 when one is\n"
    "not, 125 on a usage error, 128+N when interrupted by signal N.\n";

static int parse(struct demo *d, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--format") || !strcmp(a, "-p") ||
			     !strcmp(a, "--profile") || !strcmp(a, "--stdfd-profile") ||
			     !strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--timeout") ||
			     !strcmp(a, "--attack-bin");
		if (takes && !v) {
			fprintf(stderr, "lamina: demo: %s needs a value\n", a);
			return -1;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(demo_help, stdout);
			return 1;
		} else if (!strcmp(a, "--format")) {
			if (!strcmp(v, "text"))
				d->format = F_TEXT;
			else if (!strcmp(v, "tsv"))
				d->format = F_TSV;
			else if (!strcmp(v, "json"))
				d->format = F_JSON;
			else {
				fprintf(
				    stderr,
				    "lamina: demo: --format '%.40s': expected text, tsv or json\n",
				    v);
				return -1;
			}
		} else if (!strcmp(a, "-p") || !strcmp(a, "--profile")) {
			d->profile = v;
		} else if (!strcmp(a, "--stdfd-profile")) {
			d->stdfd_profile = v;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > MAX_PAR) {
				fprintf(stderr, "lamina: demo: --jobs '%.40s': expected 1..%d\n", v,
					MAX_PAR);
				return -1;
			}
			d->par = (int)n;
		} else if (!strcmp(a, "--timeout")) {
			char *end;
			double t = strtod(v, &end);
			if (*end || !(t > 0 && t <= 3600)) {
				fprintf(stderr,
					"lamina: demo: --timeout '%.40s': expected seconds in (0, "
					"3600]\n",
					v);
				return -1;
			}
			d->timeout = t;
		} else if (!strcmp(a, "--attack-bin")) {
			d->attack_bin = v;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			d->verbose = true;
			continue;
		} else if (!strcmp(a, "--no-pairs")) {
			d->pairs = false;
			continue;
		} else if (!strcmp(a, "--list")) {
			d->list = true;
			continue;
		} else if (a[0] == '-') {
			fprintf(stderr,
				"lamina: demo: unknown option '%.80s' (try 'lamina demo --help')\n",
				a);
			return -1;
		} else {
			d->only = argv + i;
			d->nonly = (size_t)(argc - i);
			d->only_found = calloc(d->nonly, sizeof *d->only_found);
			if (!d->only_found) {
				fprintf(stderr, "lamina: demo: out of memory\n");
				return -1;
			}
			return 0;
		}
		i++;
	}
	return 0;
}

int lm_cmd_demo(int argc, char **argv)
{
	struct demo d = {
	    .profile = "default", .stdfd_profile = "stdio", .par = 2, .timeout = 20, .pairs = true};
	int r = parse(&d, argc, argv);
	if (r) {
		free(d.only_found);
		return r > 0 ? 0 : LM_EXIT_FAILURE;
	}
	char self[PATH_MAX], att[PATH_MAX], attdir[PATH_MAX];
	if (find_binaries(&d, self, sizeof self, att, sizeof att) < 0) {
		free(d.only_found);
		return LM_EXIT_FAILURE;
	}
	snprintf(attdir, sizeof attdir, "%s", d.attack_bin);
	char *slash = strrchr(attdir, '/');
	if (!slash || strcmp(slash, "/attack")) {
		fprintf(stderr,
			"lamina: demo: the attack program must be a file named 'attack' (got %s)\n",
			d.attack_bin);
		free(d.only_found);
		return LM_EXIT_FAILURE;
	}
	*slash = 0;
	d.attack_dir = attdir[0] ? attdir : "/";
	int loaded = load_attacks(&d);
	free(d.only_found);
	d.only_found = NULL;
	if (loaded < 0 || d.list) {
		for (size_t i = 0; i < d.nattacks; i++) {
			free(d.attacks[i].name);
			free(d.attacks[i].cls);
			free(d.attacks[i].needs);
			free(d.attacks[i].desc);
		}
		free(d.attacks);
		return loaded < 0 ? LM_EXIT_FAILURE : 0;
	}

	/* Every layer that can be removed, in the order of their bits (the matrix's columns). */
	for (unsigned bit = 1; bit; bit <<= 1)
		for (const struct lm_layer *const *l = lm_layers; *l; l++)
			if ((*l)->bit == bit && (*l)->removable &&
			    d.nremovable < sizeof d.removable / sizeof d.removable[0])
				d.removable[d.nremovable++] = bit;
	/* No SA_RESTART: poll() returns at once when a signal arrives. */
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fixtures(&d);
	d.progress_tty = isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &d.last_progress);

	for (size_t i = 0; i < d.nattacks; i++) {
		add_job(&d, i, 0);
		for (size_t k = 0; k < d.nremovable; k++)
			add_job(&d, i, d.removable[k]);
	}
	run_jobs(&d, 0, d.njobs);

	/* Attacks no single removal lets through: seccomp with each other layer. */
	size_t pairs_from = d.njobs;
	if (d.pairs && !g_stop) {
		for (size_t i = 0; i < d.nattacks; i++) {
			bool base_blocked = false, any = false;
			for (size_t k = 0; k < pairs_from; k++) {
				const struct job *j = &d.jobs[k];
				if (j->attack != i)
					continue;
				if (!j->disabled)
					base_blocked = j->v == V_BLOCKED;
				else
					any |= j->v == V_ESCAPED;
			}
			if (!base_blocked || any)
				continue;
			for (size_t k = 0; k < d.nremovable; k++)
				if (d.removable[k] != LM_LAYER_SECCOMP)
					add_job(&d, i, LM_LAYER_SECCOMP | d.removable[k]);
		}
		run_jobs(&d, pairs_from, d.njobs);
	}

	progress_end(&d);

	int status = 0;
	struct row *rows = g_stop ? NULL : calloc(d.nattacks, sizeof *rows);
	if (g_stop) {
		fixtures_free(&d);
		fprintf(stderr, "lamina: demo: interrupted\n");
		status = 128 + g_stop;
		goto out;
	}
	if (!rows) {
		fixtures_free(&d);
		fprintf(stderr, "lamina: demo: out of memory\n");
		status = LM_EXIT_FAILURE;
		goto out;
	}
	analyse(&d, rows, pairs_from);
	print_matrix(&d, rows);
	fflush(stdout);

	for (size_t i = 0; i < d.nattacks; i++)
		if (rows[i].v != V_BLOCKED && rows[i].v != V_NA)
			status = 1;
	free(rows);
	fixtures_free(&d);
out:
	for (size_t i = 0; i < d.nattacks; i++) {
		free(d.attacks[i].name);
		free(d.attacks[i].cls);
		free(d.attacks[i].needs);
		free(d.attacks[i].desc);
	}
	free(d.attacks);
	free(d.jobs);
	return status;
}
