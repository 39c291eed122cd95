/* throughput: launches per second with many sandboxes in flight.
 *
 *   throughput [-n LAUNCHES] [-j IN_FLIGHT] [-r ROUNDS] ROWFILE
 *
 * For each round and each row of ROWFILE (bench.h), LAUNCHES runs are started keeping
 * IN_FLIGHT of them alive at once: a new one is spawned as soon as waitpid returns one.  Rounds
 * interleave the rows (A B C A B C) so that drift, and any slow-down left behind by an earlier
 * batch (network-namespace teardown runs in a kernel workqueue after the last process of the
 * namespace is gone), is spread over every row instead of hitting the last one.
 *
 * Per row: launches/s (mean over rounds of LAUNCHES / wall time of the batch), the latency of
 * each launch (spawn to reap) at p50/p90/max over all rounds, the failures (any non-zero
 * status; must be 0), and the steady-state rate early and late in each batch: completions per
 * second over a window of a fifth of the batch, starting after the first IN_FLIGHT completions
 * (the ramp-up) and ending before the last IN_FLIGHT (the drain).  A late rate well below the
 * early one means launches get slower as torn-down namespaces pile up.
 * cpu/run: the machine's busy CPU time per launch (/proc/stat, every CPU; the batch plus 0.2 s
 * after it for the kernel's deferred cleanup), the cost that bounds the rate when the CPUs are
 * saturated, whoever pays it (wait4 rusage misses kernel workers and unreaped exits).
 * Machine lines: #throughput NAME rate=.. p50=.. p90=.. max=.. failures=.. early=.. late=.. busy=..
 */
#include "bench.h"

struct slot {
	pid_t pid;
	int64_t start;
};

struct batch {
	double seconds;
	double busy_ms;	  /* machine-wide busy CPU time during the batch (/proc/stat), in ms */
	double *lat_us;	  /* LAUNCHES values */
	int64_t *done_ns; /* completion time of the k-th reaped launch, from the batch start */
	long failures;
	char first_fail[32];
};

/* Busy CPU time of the whole machine so far, in ms (/proc/stat: every CPU's user, nice, system,
 * irq and softirq; not idle, iowait, or steal).  A launch's cost is not all in the processes
 * that wait4 accounts: a sandbox's namespaces and mounts are freed by kernel workers and RCU
 * callbacks, and a launcher that returns before its pid 1 has exited (bubblewrap, lamina) is not
 * charged that exit at all.  What limits throughput on a busy machine is this total. */
static double machine_busy_ms(void)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	unsigned long long v[7] = {0};
	int k = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		       &v[4], &v[5], &v[6]);
	fclose(f);
	if (k != 7)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6]) * 1000.0 / (double)(hz > 0 ? hz : 100);
}

static void run_batch(const struct bench_row *r, long n, long j, int null_fd, struct batch *b)
{
	struct slot *slots = bench_xcalloc((size_t)j, sizeof(*slots));
	long started = 0, done = 0, inflight = 0;
	double busy0 = machine_busy_ms();
	int64_t t0 = bench_now_ns();
	b->failures = 0;
	b->first_fail[0] = '\0';
	while (done < n) {
		while (inflight < j && started < n) {
			long k;
			for (k = 0; k < j && slots[k].pid; k++)
				;
			slots[k].start = bench_now_ns();
			slots[k].pid = bench_spawn(r, null_fd, null_fd);
			if (slots[k].pid < 0)
				bench_die("vfork");
			started++;
			inflight++;
		}
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			bench_die("waitpid");
		}
		int64_t now = bench_now_ns();
		long k;
		for (k = 0; k < j && slots[k].pid != pid; k++)
			;
		if (k == j)
			continue; /* not ours */
		b->done_ns[done] = now - t0;
		b->lat_us[done++] = (double)(now - slots[k].start) / 1000.0;
		slots[k].pid = 0;
		inflight--;
		if (status != 0 && b->failures++ == 0)
			bench_status_str(status, b->first_fail, sizeof(b->first_fail));
	}
	b->seconds = (double)(bench_now_ns() - t0) / 1e9;
	/* What the last launches left to the kernel's workers (a network namespace's cleanup
	 * runs after its last process is gone) belongs to this batch too: let it finish. */
	usleep(200000);
	double busy1 = machine_busy_ms();
	b->busy_ms = busy0 >= 0 && busy1 >= 0 ? busy1 - busy0 : -1;
	free(slots);
}

int main(int argc, char **argv)
{
	long n = 500, j = 50, rounds = 2;
	int opt;
	while ((opt = getopt(argc, argv, "n:j:r:")) != -1) {
		switch (opt) {
		case 'n':
			n = atol(optarg);
			break;
		case 'j':
			j = atol(optarg);
			break;
		case 'r':
			rounds = atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || n < 10 || j < 1 || rounds < 1)
		goto usage;

	static struct bench_row rows[BENCH_MAX_ROWS];
	size_t nrows = bench_read_rows(argv[optind], rows, BENCH_MAX_ROWS);
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0)
		bench_die("/dev/null");

	struct batch *b[BENCH_MAX_ROWS];
	for (size_t i = 0; i < nrows; i++) {
		b[i] = bench_xcalloc((size_t)rounds, sizeof(struct batch));
		for (long r = 0; r < rounds; r++) {
			b[i][r].lat_us = bench_xcalloc((size_t)n, sizeof(double));
			b[i][r].done_ns = bench_xcalloc((size_t)n, sizeof(int64_t));
		}
	}
	/* One warm-up run per row; a row that fails it is left out (its stderr shown once) rather
	 * than measured at the speed of its failure. */
	bool skip[BENCH_MAX_ROWS] = {false};
	for (size_t i = 0; i < nrows; i++) {
		int status;
		pid_t pid = bench_spawn(&rows[i], null_fd, null_fd);
		if (pid < 0)
			bench_die("vfork");
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				bench_die("waitpid");
		if (status == 0)
			continue;
		char s[32];
		bench_status_str(status, s, sizeof(s));
		fprintf(stderr, "throughput: row '%s' fails (%s); its stderr:\n", rows[i].name, s);
		pid = bench_spawn(&rows[i], null_fd, 2);
		if (pid < 0)
			bench_die("vfork");
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				bench_die("waitpid");
		skip[i] = true;
	}
	for (long r = 0; r < rounds; r++)
		for (size_t i = 0; i < nrows; i++) {
			if (skip[i])
				continue;
			run_batch(&rows[i], n, j, null_fd, &b[i][r]);
			fprintf(stderr, "  throughput: round %ld/%ld %-24s %7.1f launches/s\n",
				r + 1, rounds, rows[i].name, (double)n / b[i][r].seconds);
		}

	size_t w = 4;
	for (size_t i = 0; i < nrows; i++)
		if (strlen(rows[i].name) > w)
			w = strlen(rows[i].name);
	printf("\n  %ld launches, %ld in flight, %ld rounds per row; latency in milliseconds\n", n,
	       j, rounds);
	printf("  %-*s %9s %7s %7s %7s %5s %7s %7s %8s  %s\n", (int)w, "row", "launch/s", "p50",
	       "p90", "max", "fail", "early", "late", "cpu/run", "per round (launches/s)");
	double *all = bench_xcalloc((size_t)(n * rounds), sizeof(double));
	char lines[BENCH_MAX_ROWS][256];
	/* Steady-state windows: skip the ramp-up (the first j completions) and the drain. */
	long win = n / 5, e0 = j < n - win ? j : 0, l0 = n - j - win > e0 ? n - j - win : e0;
	for (size_t i = 0; i < nrows; i++) {
		if (skip[i]) {
			printf("  %-*s  (left out: fails)\n", (int)w, rows[i].name);
			snprintf(lines[i], sizeof(lines[i]), "#throughput %s skipped",
				 rows[i].name);
			continue;
		}
		long fails = 0;
		const char *ff = "";
		double rate = 0, early = 0, late = 0, busy = 0;
		size_t na = 0;
		for (long r = 0; r < rounds; r++) {
			const struct batch *x = &b[i][r];
			rate += (double)n / x->seconds / (double)rounds;
			early += (double)win /
				 ((double)(x->done_ns[e0 + win - 1] - x->done_ns[e0]) / 1e9) /
				 (double)rounds;
			late += (double)win /
				((double)(x->done_ns[l0 + win - 1] - x->done_ns[l0]) / 1e9) /
				(double)rounds;
			busy = busy < 0 || x->busy_ms < 0
				   ? -1
				   : busy + x->busy_ms / (double)n / (double)rounds;
			fails += x->failures;
			if (!*ff && x->failures)
				ff = x->first_fail;
			for (long k = 0; k < n; k++)
				all[na++] = x->lat_us[k] / 1000.0;
		}
		double p50 = bench_percentile(all, na, 50), p90 = bench_percentile(all, na, 90);
		double mx = all[na - 1];
		printf("  %-*s %9.1f %7.2f %7.2f %7.2f %5ld %7.0f %7.0f %8.2f ", (int)w,
		       rows[i].name, rate, p50, p90, mx, fails, early, late, busy);
		for (long r = 0; r < rounds; r++)
			printf(" %.0f", (double)n / b[i][r].seconds);
		if (fails)
			printf("  (first failure: %s)", ff);
		printf("\n");
		snprintf(lines[i], sizeof(lines[i]),
			 "#throughput %s rate=%.1f p50=%.3f p90=%.3f max=%.3f failures=%ld "
			 "early=%.1f late=%.1f busy=%.3f",
			 rows[i].name, rate, p50, p90, mx, fails, early, late, busy);
	}
	printf(
	    "  (early/late: launches/s over completions %ld..%ld and %ld..%ld of each batch, past "
	    "the ramp-up and before the drain;\n   cpu/run: busy CPU time of the whole machine "
	    "(/proc/stat, all CPUs, kernel workers included) per launch, in ms)\n\n",
	    e0 + 1, e0 + win, l0 + 1, l0 + win);
	fflush(stdout);
	for (size_t i = 0; i < nrows; i++)
		printf("%s\n", lines[i]);
	free(all);
	for (size_t i = 0; i < nrows; i++) {
		for (long r = 0; r < rounds; r++) {
			free(b[i][r].lat_us);
			free(b[i][r].done_ns);
		}
		free(b[i]);
		bench_row_free(&rows[i]);
	}
	close(null_fd);
	return 0;
usage:
	fprintf(stderr, "usage: throughput [-n LAUNCHES] [-j IN_FLIGHT] [-r ROUNDS] ROWFILE\n");
	return 2;
}
