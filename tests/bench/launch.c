/* launch: start-up latency of several commands, measured interleaved.
 *
 *   launch [-n RUNS] [-w WARMUP] [-o RAW.tsv] ROWFILE
 *
 * For each round, every row of ROWFILE (see bench.h) is started once, and the time from just
 * before the spawn to the return of waitpid is taken with CLOCK_MONOTONIC.  Rows are
 * interleaved (A B C, B A C, ...) so that drift of the machine (frequency, page cache,
 * background work) lands on every row alike, in a new random order every round: a launch
 * leaves work behind that runs on after it (the kernel tears a network namespace down in a
 * worker, RCU callbacks run later), and in a fixed order one row would always run after the
 * same neighbour and pay for its leftovers.  WARMUP rounds come first and are not counted; a
 * row whose warm-up run fails is run once more with its stderr shown and is then left out.
 *
 * Why not hyperfine: even with -N it times from its own Rust process with its own overhead and
 * cannot interleave several commands run by run, nor switch the uid per run; this driver's
 * spawn is a vfork (bench.h), so what is measured is the command's own start-up and exit.
 *
 * Output: a table (median, min, p90, max in microseconds, failures, and the ratio of this row's
 * median to every row of the same user), then one machine line per row:
 *     #launch NAME median=.. min=.. p90=.. max=.. runs=.. failures=..
 */
#include "bench.h"

#include <sys/resource.h>

static void usage(void)
{
	fprintf(stderr, "usage: launch [-n RUNS] [-w WARMUP] [-o RAW.tsv] ROWFILE\n");
	exit(2);
}

/* Run one row once; returns microseconds of wall time, sets *status and *cpu_us (user + system
 * time of the command and of every descendant it reaped, from wait4: unlike wall time it
 * barely moves when other work shares the machine, though it misses kernel threads' work
 * such as namespace teardown in a workqueue). */
static double run_once(const struct bench_row *r, int null_fd, int err_fd, int *status,
		       double *cpu_us)
{
	struct rusage ru;
	int64_t t0 = bench_now_ns();
	pid_t pid = bench_spawn(r, null_fd, err_fd);
	if (pid < 0)
		bench_die("vfork");
	while (wait4(pid, status, 0, &ru) < 0)
		if (errno != EINTR)
			bench_die("wait4");
	double t = (double)(bench_now_ns() - t0) / 1000.0;
	*cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	return t;
}

int main(int argc, char **argv)
{
	long runs = 40, warmup = 3;
	const char *raw_path = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "n:w:o:")) != -1) {
		switch (opt) {
		case 'n':
			runs = atol(optarg);
			break;
		case 'w':
			warmup = atol(optarg);
			break;
		case 'o':
			raw_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || runs < 1 || warmup < 0)
		usage();

	static struct bench_row rows[BENCH_MAX_ROWS];
	size_t nrows = bench_read_rows(argv[optind], rows, BENCH_MAX_ROWS);
	if (nrows == 0) {
		fprintf(stderr, "launch: no rows\n");
		return 2;
	}
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0)
		bench_die("/dev/null");
	FILE *raw = NULL;
	if (raw_path) {
		raw = fopen(raw_path, "we");
		if (!raw)
			bench_die(raw_path);
		fprintf(raw, "row\tround\tusec\tstatus\n");
	}

	bool skip[BENCH_MAX_ROWS] = {false};
	double *us[BENCH_MAX_ROWS], *cpu[BENCH_MAX_ROWS];
	long fails[BENCH_MAX_ROWS] = {0};
	char first_fail[BENCH_MAX_ROWS][32];
	for (size_t i = 0; i < nrows; i++) {
		us[i] = bench_xcalloc((size_t)runs, sizeof(double));
		cpu[i] = bench_xcalloc((size_t)runs, sizeof(double));
		first_fail[i][0] = '\0';
	}

	size_t order[BENCH_MAX_ROWS];
	for (size_t i = 0; i < nrows; i++)
		order[i] = i;
	srand48((long)getpid() ^ (long)time(NULL));
	for (long round = -warmup; round < runs; round++) {
		for (size_t k = nrows; k > 1; k--) { /* Fisher-Yates */
			size_t j = (size_t)(drand48() * (double)k), t = order[k - 1];
			order[k - 1] = order[j];
			order[j] = t;
		}
		for (size_t oi = 0; oi < nrows; oi++) {
			size_t i = order[oi];
			if (skip[i])
				continue;
			int status;
			double c;
			double t = run_once(&rows[i], null_fd, null_fd, &status, &c);
			if (round < 0) {
				if (status != 0) {
					char s[32];
					bench_status_str(status, s, sizeof(s));
					fprintf(stderr,
						"launch: row '%s' fails in warm-up (%s); its "
						"stderr:\n",
						rows[i].name, s);
					run_once(&rows[i], null_fd, 2, &status, &c);
					fprintf(stderr, "launch: row '%s' left out\n",
						rows[i].name);
					skip[i] = true;
				}
				continue;
			}
			us[i][round] = t;
			cpu[i][round] = c;
			if (status != 0) {
				if (fails[i]++ == 0)
					bench_status_str(status, first_fail[i],
							 sizeof(first_fail[i]));
			}
			if (raw)
				fprintf(raw, "%s\t%ld\t%.1f\t%d\n", rows[i].name, round, t, status);
		}
	}
	if (raw && fclose(raw) != 0)
		bench_die(raw_path);

	double med[BENCH_MAX_ROWS], mn[BENCH_MAX_ROWS], mx[BENCH_MAX_ROWS], p90[BENCH_MAX_ROWS];
	double cmed[BENCH_MAX_ROWS];
	for (size_t i = 0; i < nrows; i++) {
		if (skip[i])
			continue;
		med[i] = bench_percentile(us[i], (size_t)runs, 50);
		p90[i] = bench_percentile(us[i], (size_t)runs, 90);
		mn[i] = us[i][0]; /* sorted by bench_percentile */
		mx[i] = us[i][runs - 1];
		cmed[i] = bench_percentile(cpu[i], (size_t)runs, 50);
	}

	size_t w = 4;
	for (size_t i = 0; i < nrows; i++)
		if (strlen(rows[i].name) > w)
			w = strlen(rows[i].name);
	/* Rows are grouped by user; ratios are taken within a group (the same user). */
	for (size_t g = 0; g < nrows; g++) {
		bool first = true;
		for (size_t k = 0; k < g; k++)
			if (rows[k].uid == rows[g].uid)
				first = false;
		if (!first)
			continue;
		size_t members[BENCH_MAX_ROWS], nm = 0;
		for (size_t i = 0; i < nrows; i++)
			if (rows[i].uid == rows[g].uid)
				members[nm++] = i;
		if (rows[g].uid < 0)
			printf("\n  as the caller (uid %ld): %ld runs per row after %ld warm-up, "
			       "microseconds\n",
			       (long)getuid(), runs, warmup);
		else
			printf("\n  as uid %ld: %ld runs per row after %ld warm-up, microseconds\n",
			       rows[g].uid, runs, warmup);
		printf("  %-*s %8s %8s %8s %8s %7s %5s", (int)w, "row", "median", "min", "p90",
		       "max", "cpu", "fail");
		for (size_t m = 0; m < nm; m++)
			printf("   /r%zu", m + 1);
		printf("\n");
		for (size_t m = 0; m < nm; m++) {
			size_t i = members[m];
			if (skip[i]) {
				printf("  %-*s  (left out: failed in warm-up)\n", (int)w,
				       rows[i].name);
				continue;
			}
			printf("  %-*s %8.0f %8.0f %8.0f %8.0f %7.0f %5ld", (int)w, rows[i].name,
			       med[i], mn[i], p90[i], mx[i], cmed[i], fails[i]);
			for (size_t k = 0; k < nm; k++) {
				size_t j = members[k];
				if (skip[j])
					printf("  %5s", "-");
				else
					printf("  %5.2f", med[i] / med[j]);
			}
			if (fails[i])
				printf("  (first failure: %s)", first_fail[i]);
			printf("\n");
		}
		printf(
		    "  (cpu: median user+system time of the command and what it reaped; /rN: this "
		    "row's median divided by the median of row N of this table)\n");
		for (size_t m = 0; m < nm; m++)
			printf("  r%zu = %s\n", m + 1, rows[members[m]].name);
	}
	printf("\n");
	for (size_t i = 0; i < nrows; i++) {
		if (skip[i])
			printf("#launch %s skipped\n", rows[i].name);
		else
			printf(
			    "#launch %s median=%.1f min=%.1f p90=%.1f max=%.1f cpu=%.1f runs=%ld "
			    "failures=%ld\n",
			    rows[i].name, med[i], mn[i], p90[i], mx[i], cmed[i], runs, fails[i]);
	}
	for (size_t i = 0; i < nrows; i++) {
		free(us[i]);
		free(cpu[i]);
		bench_row_free(&rows[i]);
	}
	close(null_fd);
	return 0;
}
