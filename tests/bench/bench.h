/* Shared pieces of the benchmark drivers (launch.c, throughput.c): the row file, a cheap
 * spawn, and order statistics.  Header-only on purpose: each driver is one translation unit
 * and none of this belongs in the library.
 *
 * A row file has one row a line, fields separated by a TAB:
 *     NAME  USER  FD  ARGV
 * USER is "-" (run as the caller) or a numeric uid the child switches to (same gid, no
 * supplementary groups) before exec, so that root and unprivileged rows can be interleaved in
 * one process.  Either may be followed by ":DIR" to run the row with HOME=DIR, or
 * by ":K=V,K2=V2" to set variables for that row only (without the exec of env(1)).  FD is "-" or "N=PATH": PATH is opened read-only on fd N in the child (bwrap's
 * --seccomp N reads its filter from such an fd, to the end, so every run needs a fresh open).
 * ARGV is the command, words separated by single spaces (no quoting: these are bench commands
 * built by tests/bench/run).  Lines starting with '#' are comments. */
#ifndef LM_BENCH_H
#define LM_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_ROWS 64

struct bench_row {
	char *name;
	long uid; /* -1: keep the caller's */
	int fd;   /* -1: none */
	char *fd_path;
	char **argv;
	char **envp; /* environ with the row's variables set, when it sets any; else NULL */
};

static inline void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static inline void *bench_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		bench_die("calloc");
	return p;
}

static inline char *bench_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		bench_die("strdup");
	return p;
}

extern char **environ;

/* Split "a b c" on single spaces into a NULL-terminated vector of copies. */
static inline char **bench_split_words(const char *s)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ' ';
	char **v = bench_xcalloc(n + 1, sizeof(*v));
	size_t i = 0;
	const char *start = s;
	for (const char *p = s;; p++) {
		if (*p == ' ' || *p == '\0') {
			if (p > start) {
				v[i] = bench_xcalloc((size_t)(p - start) + 1, 1);
				memcpy(v[i], start, (size_t)(p - start));
				i++;
			}
			start = p + 1;
			if (*p == '\0')
				break;
		}
	}
	v[i] = NULL;
	return v;
}

/* A copy of environ where each "K=V" of sets (comma-separated) replaces or adds K.  The vector
 * and the new entries are allocated; the other entries point into environ. */
static inline char **bench_env_with(const char *sets)
{
	size_t n = 0, ns = 1;
	while (environ[n])
		n++;
	for (const char *p = sets; *p; p++)
		ns += *p == ',';
	char **v = bench_xcalloc(n + ns + 1, sizeof(*v));
	size_t k = 0;
	char *copy = bench_xstrdup(sets), *save = NULL;
	char *kv[BENCH_MAX_ROWS];
	size_t nkv = 0;
	for (char *t = strtok_r(copy, ",", &save); t && nkv < BENCH_MAX_ROWS;
	     t = strtok_r(NULL, ",", &save))
		if (strchr(t, '=') && t[0] != '=')
			kv[nkv++] = bench_xstrdup(t);
	free(copy);
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < nkv && !replaced; j++) {
			size_t kl = (size_t)(strchr(kv[j], '=') - kv[j]) + 1;
			replaced = strncmp(environ[i], kv[j], kl) == 0;
		}
		if (!replaced)
			v[k++] = environ[i];
	}
	for (size_t j = 0; j < nkv; j++)
		v[k++] = kv[j];
	v[k] = NULL;
	return v;
}

static inline void bench_row_free(struct bench_row *r)
{
	free(r->name);
	free(r->fd_path);
	if (r->argv)
		for (char **w = r->argv; *w; w++)
			free(*w);
	free(r->argv);
	if (r->envp) {
		/* Ours are the entries that are not environ's. */
		for (char **e = r->envp; *e; e++) {
			bool theirs = false;
			for (char **o = environ; *o && !theirs; o++)
				theirs = *o == *e;
			if (!theirs)
				free(*e);
		}
		free(r->envp);
	}
}

/* Parse one row line (modified in place).  Returns 0, or -1 with a message on stderr. */
static inline int bench_parse_row(char *line, struct bench_row *r, const char *file, unsigned lineno)
{
	char *field[4];
	char *save = NULL;
	memset(r, 0, sizeof(*r));
	r->uid = -1;
	r->fd = -1;
	for (int i = 0; i < 4; i++) {
		field[i] = strtok_r(i ? NULL : line, i < 3 ? "\t" : "\n", &save);
		if (!field[i]) {
			fprintf(stderr, "bench: %s:%u: expected NAME<TAB>USER<TAB>FD<TAB>ARGV\n", file,
				lineno);
			return -1;
		}
	}
	r->name = bench_xstrdup(field[0]);
	char *env = strchr(field[1], ':');
	if (env) {
		*env++ = '\0';
		if (*env == '/') {
			char *h = bench_xcalloc(strlen(env) + 6, 1);
			strcpy(h, "HOME=");
			strcat(h, env);
			r->envp = bench_env_with(h);
			free(h);
		} else {
			r->envp = bench_env_with(env);
		}
	}
	if (strcmp(field[1], "-") != 0) {
		char *end;
		errno = 0;
		r->uid = strtol(field[1], &end, 10);
		if (errno || *end || r->uid < 0) {
			fprintf(stderr, "bench: %s:%u: bad uid '%s'\n", file, lineno, field[1]);
			return -1;
		}
	}
	if (strcmp(field[2], "-") != 0) {
		char *eq = strchr(field[2], '=');
		if (!eq || eq == field[2] || !eq[1]) {
			fprintf(stderr, "bench: %s:%u: bad fd spec '%s'\n", file, lineno, field[2]);
			return -1;
		}
		*eq = '\0';
		r->fd = atoi(field[2]);
		if (r->fd < 3) {
			fprintf(stderr, "bench: %s:%u: fd must be >= 3\n", file, lineno);
			return -1;
		}
		r->fd_path = bench_xstrdup(eq + 1);
	}
	r->argv = bench_split_words(field[3]);
	if (!r->argv[0]) {
		fprintf(stderr, "bench: %s:%u: empty command\n", file, lineno);
		return -1;
	}
	return 0;
}

/* Read a row file; returns the number of rows. */
static inline size_t bench_read_rows(const char *file, struct bench_row *rows, size_t max)
{
	FILE *f = fopen(file, "re");
	if (!f)
		bench_die(file);
	char *line = NULL;
	size_t cap = 0, n = 0;
	unsigned lineno = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len == 0 || line[0] == '#' || line[0] == '\n')
			continue;
		if (n == max) {
			fprintf(stderr, "bench: %s: more than %zu rows\n", file, max);
			exit(2);
		}
		if (bench_parse_row(line, &rows[n], file, lineno) < 0)
			exit(2);
		n++;
	}
	if (ferror(f))
		bench_die(file);
	free(line);
	fclose(f);
	return n;
}

/* Start one run of a row.  vfork is what posix_spawn uses underneath (CLONE_VM|CLONE_VFORK):
 * the parent's page tables are not copied, so the driver's own fork costs next to nothing and
 * the figure is the sandbox's.  The child only makes raw system calls before execve, which is
 * what is safe in a vfork child; the uid switch is done here rather than through setpriv so
 * that the figure does not include one more exec.  stdout/stderr of the payload go to out_fd
 * and err_fd (typically /dev/null).  Returns the pid, or -1. */
static inline pid_t bench_spawn(const struct bench_row *r, int out_fd, int err_fd)
{
	pid_t pid = vfork();
	if (pid != 0)
		return pid; /* parent, or -1 */
	if (out_fd >= 0 && syscall(SYS_dup2, out_fd, 1) < 0)
		_exit(120);
	if (err_fd >= 0 && syscall(SYS_dup2, err_fd, 2) < 0)
		_exit(120);
	if (r->fd >= 0) {
		long fd = syscall(SYS_openat, AT_FDCWD, r->fd_path, O_RDONLY);
		if (fd < 0)
			_exit(121);
		if (fd != r->fd) {
			if (syscall(SYS_dup2, fd, r->fd) < 0)
				_exit(121);
			syscall(SYS_close, fd);
		}
	}
	if (r->uid >= 0) {
		/* Groups first: once the uid is gone, setgroups is no longer permitted. */
		if (syscall(SYS_setgroups, 0, NULL) < 0 ||
		    syscall(SYS_setresgid, r->uid, r->uid, r->uid) < 0 ||
		    syscall(SYS_setresuid, r->uid, r->uid, r->uid) < 0)
			_exit(122);
	}
	if (r->envp)
		execvpe(r->argv[0], r->argv, r->envp);
	else
		execvp(r->argv[0], r->argv);
	_exit(errno == ENOENT ? 127 : 126);
}

static inline int64_t bench_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		bench_die("clock_gettime");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Percentile (0..100) of v[0..n) by linear interpolation; sorts v. */
static inline double bench_percentile(double *v, size_t n, double pct)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	double pos = pct / 100.0 * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

/* A wait status as a short word: "exit 3", "signal 9". */
static inline void bench_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status 0x%x", (unsigned)status);
}

#endif
