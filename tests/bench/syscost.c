/* syscost: what a system call costs under the seccomp filter this process runs with.
 *
 *   syscost [-n ITERATIONS] [-a] [-f FILE] getppid|mixed
 *
 * getppid: ITERATIONS (default 10 000 000) calls of getppid, the cheapest call that surely
 *          enters the kernel (no vDSO, no caching in libc).
 * mixed:   ITERATIONS (default 1 000 000) rounds of open, read (64 bytes), close of FILE and
 *          stat of FILE: four calls a round, the path-walking kind a real program makes.
 *          FILE is opened relative to its directory (we chdir there first) so that the path
 *          walk is the same inside and outside a sandbox.
 * -a       first install an empty allow-all filter (one BPF instruction, RET ALLOW), the
 *          baseline that tells the cost of having any filter at all from the cost of the rules.
 *
 * Prints one line:  syscost LOOP ns_per_call=.. mean_ns_per_call=.. wall_ns_per_call=..
 *                   ns_per_iteration=.. calls=..
 * The figures are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time: on a shared
 * machine the wall clock also counts the time other work held the CPU, which swamps a 5%
 * difference; the wall-clock figure is printed too.  ns_per_call is the cheapest of 200 equal
 * parts of the loop (see below), mean_ns_per_call the whole loop's mean.
 * Built static (meson) so that it runs in any root the sandbox builds. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) < 0) {
		perror("syscost: clock_gettime");
		exit(2);
	}
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void install_allow_all(void)
{
	struct sock_filter insn[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {.len = 1, .filter = insn};
	/* Without no_new_privs an unprivileged process may not install a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("syscost: installing the allow-all filter");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	long n = -1;
	int allow_all = 0;
	const char *file = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "n:af:")) != -1) {
		switch (opt) {
		case 'n':
			n = atol(optarg);
			break;
		case 'a':
			allow_all = 1;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	const char *loop = argv[optind];
	int mixed;
	if (strcmp(loop, "getppid") == 0)
		mixed = 0;
	else if (strcmp(loop, "mixed") == 0)
		mixed = 1;
	else
		goto usage;
	if (n < 0)
		n = mixed ? 1000000 : 10000000;
	if (n < 1)
		goto usage;

	const char *base = NULL;
	if (mixed) {
		if (!file) {
			fprintf(stderr, "syscost: mixed needs -f FILE\n");
			return 2;
		}
		char *dir = strdup(file);
		if (!dir) {
			perror("syscost: strdup");
			return 2;
		}
		char *slash = strrchr(dir, '/');
		base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
		if (slash) {
			*slash = '\0';
			if (chdir(*dir ? dir : "/") < 0) {
				fprintf(stderr, "syscost: chdir %s: %s\n", dir, strerror(errno));
				free(dir);
				return 2;
			}
		}
		free(dir);
	}
	if (allow_all)
		install_allow_all();

	/* A short warm-up so that the first calls' cache misses are not counted.  The loop is
	 * timed in CHUNKS parts and the cheapest part is what is reported: an interrupt, a page
	 * of the dentry cache evicted by other work or a migration lands in one part, and CPU
	 * time still counts the interrupt's handling. */
	enum { CHUNKS = 200 };
	long warm = n / 100 + 1, chunk = n / CHUNKS > 0 ? n / CHUNKS : 1, in_chunk = 0;
	char buf[64];
	struct stat st;
	int64_t t0 = 0, c0 = 0, cc = 0, best = -1;
	for (long i = -warm; i < n; i++) {
		if (i == 0) {
			t0 = clock_ns(CLOCK_MONOTONIC);
			c0 = cc = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		}
		if (i > 0 && ++in_chunk == chunk) {
			int64_t now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
			if (best < 0 || now - cc < best)
				best = now - cc;
			cc = now, in_chunk = 0;
		}
		if (!mixed) {
			(void)getppid();
			continue;
		}
		int fd = open(base, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "syscost: open %s: %s\n", base, strerror(errno));
			return 1;
		}
		if (read(fd, buf, sizeof(buf)) < 0) {
			fprintf(stderr, "syscost: read %s: %s\n", base, strerror(errno));
			return 1;
		}
		if (close(fd) < 0) {
			fprintf(stderr, "syscost: close: %s\n", strerror(errno));
			return 1;
		}
		if (stat(base, &st) < 0) {
			fprintf(stderr, "syscost: stat %s: %s\n", base, strerror(errno));
			return 1;
		}
	}
	double cpu = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0);
	double wall = (double)(clock_ns(CLOCK_MONOTONIC) - t0);
	int per = mixed ? 4 : 1;
	double least = best < 0 ? cpu / (double)n : (double)best / (double)chunk;
	printf("syscost %s ns_per_call=%.1f mean_ns_per_call=%.1f wall_ns_per_call=%.1f "
	       "ns_per_iteration=%.1f calls=%ld\n",
	       loop, least / per, cpu / (double)n / per, wall / (double)n / per, least, n * per);
	return 0;
usage:
	fprintf(stderr, "usage: syscost [-n ITERATIONS] [-a] [-f FILE] getppid|mixed\n");
	return 2;
}
