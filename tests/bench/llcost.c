/* llcost: what the landlock layer's set-up costs, the way lamina does it (src/landlock.c).
 *
 *   llcost [-n RUNS] PATH...
 *
 * Each run is a fresh child (landlock_restrict_self cannot be undone): it builds a ruleset
 * handling every file right of the kernel's ABI and both scopes, and for each PATH opens it
 * (O_PATH, no magic links), fstats it and adds its rule, then looks at fds 0-2 as init does;
 * that is init's part.  Then landlock_restrict_self: the payload's one call.  Prints the median
 * and the 90th percentile of each part in microseconds.  Not a test. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

struct ruleset_attr {
	uint64_t fs, net, scoped;
};
struct path_beneath {
	uint64_t allowed;
	int32_t fd;
} __attribute__((packed));

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = 1000, i = 1;
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		runs = atoi(argv[2]);
		i = 3;
	}
	if (i >= argc || runs < 1) {
		fprintf(stderr, "usage: llcost [-n RUNS] PATH...\n");
		return 2;
	}
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1);
	if (abi < 1) {
		printf("llcost: no Landlock on this kernel\n");
		return 1;
	}
	uint64_t fs = (1ULL << 13) - 1;
	if (abi >= 2)
		fs |= 1ULL << 13;
	if (abi >= 3)
		fs |= 1ULL << 14;
	if (abi >= 5)
		fs |= 1ULL << 15;
	struct ruleset_attr attr = {fs, 0, abi >= 6 ? 3 : 0};
	size_t asz = abi >= 6 ? sizeof attr : abi >= 4 ? 16 : 8;
	double *t = mmap(NULL, 2 * sizeof(double) * (size_t)runs, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return 1;
	for (int r = 0; r < runs; r++) {
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p == 0) {
			double t0 = now_us();
			int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, asz, 0);
			if (rs < 0)
				_exit(1);
			for (int k = i; k < argc; k++) {
				struct open_how how = {.flags = O_PATH | O_CLOEXEC,
						       .resolve = RESOLVE_NO_MAGICLINKS};
				int fd =
				    (int)syscall(SYS_openat2, AT_FDCWD, argv[k], &how, sizeof how);
				struct stat st;
				if (fd < 0 || fstat(fd, &st) < 0)
					_exit(1);
				uint64_t allowed =
				    S_ISDIR(st.st_mode)
					? fs & ~((1ULL << 6) | (1ULL << 11))
					: fs & ((1ULL << 0) | (1ULL << 1) | (1ULL << 2) |
						(1ULL << 14) | (1ULL << 15));
				struct path_beneath pb = {allowed, fd};
				if (syscall(SYS_landlock_add_rule, rs, 1, &pb, 0) < 0)
					_exit(1);
				close(fd);
			}
			for (int fd = 0; fd < 3; fd++) {
				struct stat st;
				if (fcntl(fd, F_GETFL) >= 0)
					(void)fstat(fd, &st);
			}
			double t1 = now_us();
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				_exit(1);
			double t2 = now_us();
			if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
				_exit(1);
			double t3 = now_us();
			t[2 * r] = t1 - t0;
			t[2 * r + 1] = t3 - t2;
			_exit(0);
		}
		int st;
		if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "llcost: a run failed (a path missing?)\n");
			return 1;
		}
	}
	double *b = malloc(sizeof(double) * (size_t)runs),
	       *s = malloc(sizeof(double) * (size_t)runs);
	if (!b || !s)
		return 1;
	for (int r = 0; r < runs; r++) {
		b[r] = t[2 * r];
		s[r] = t[2 * r + 1];
	}
	qsort(b, (size_t)runs, sizeof *b, cmp);
	qsort(s, (size_t)runs, sizeof *s, cmp);
	printf("llcost: ABI %ld, %d paths, %d runs: ruleset built (init) median %.1f us p90 %.1f; "
	       "restrict_self (payload) median %.1f us p90 %.1f\n",
	       abi, argc - i, runs, b[runs / 2], b[runs * 9 / 10], s[runs / 2], s[runs * 9 / 10]);
	return 0;
}
